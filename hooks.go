package riffq

import (
	"context"
	"errors"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/wire"
)

// Session is a client's session: user, database, settings, connection id
// (Session.ID) and the application's own values (Value, SetValue).
type Session = wire.Session

// ConnectInfo describes a connecting client for WithConnectHook.
type ConnectInfo = wire.ConnectInfo

// LoginInfo describes a client logging in, for WithAuth's secret lookup.
type LoginInfo = wire.LoginInfo

// Authentication methods for WithAuth and WithPassword.
const (
	AuthTrust    = wire.AuthTrust
	AuthPassword = wire.AuthPassword
	AuthMD5      = wire.AuthMD5
	AuthSCRAM    = wire.AuthSCRAM
)

// Query is a statement offered to a QueryHandler.
type Query struct {
	// SQL is the statement's own text (one statement of a multi-statement
	// query string).
	SQL string
	// Statement is its parse tree, from PostgreSQL's own grammar.
	Statement *pg_query.Node
	// Params are the bound values of $1, $2, ... as Go values (nil, bool,
	// int16/32/64, float32/64, string, []byte, time.Time; numeric as its
	// decimal text). Describe sees none.
	Params []any
	// Session is the client's session.
	Session *Session
}

// Result is a QueryHandler's answer.
type Result struct {
	// Rows streams the result to the client as it is read; nil for a
	// statement without rows. riffq releases it.
	Rows array.RecordReader
	// Tag is the command tag; "SELECT" (with the row count appended) when
	// empty and Rows is set.
	Tag string
}

// ErrNotHandled is what a QueryHandler returns for a statement it leaves
// to riffq's own engine.
var ErrNotHandled = errors.New("riffq: statement not handled")

// QueryHandler answers statements before riffq's engine does. Both
// methods run on the session's goroutine; a slow handler delays only its
// own session. A returned *pgerror.Error reaches the client with its
// severity, SQLSTATE, detail and hint; other errors become XX000.
type QueryHandler interface {
	// Describe returns the schema of the rows q would return (nil for a
	// statement without rows) without running it; drivers ask for it
	// before binding parameters.
	Describe(ctx context.Context, q *Query) (*arrow.Schema, error)
	// Query runs q.
	Query(ctx context.Context, q *Query) (*Result, error)
}

// WithQueryHandler installs h in front of the engine.
func WithQueryHandler(h QueryHandler) Option { return func(s *Server) { s.hook = h } }

// WithDisconnectHook is called once each session ends.
func WithDisconnectHook(fn func(*Session)) Option {
	return func(s *Server) { s.wireCfg.Disconnect = fn }
}

// goValue converts a bound parameter to the Go value a handler sees.
func goValue(s scalar.Scalar) any {
	if s == nil || !s.IsValid() {
		return nil
	}
	switch v := s.(type) {
	case *scalar.Boolean:
		return v.Value
	case *scalar.Int16:
		return v.Value
	case *scalar.Int32:
		return v.Value
	case *scalar.Int64:
		return v.Value
	case *scalar.Float32:
		return v.Value
	case *scalar.Float64:
		return v.Value
	case *scalar.String:
		return string(v.Data())
	case *scalar.Binary:
		return append([]byte{}, v.Data()...)
	case *scalar.Date32:
		return v.Value.ToTime()
	case *scalar.Timestamp:
		return v.Value.ToTime(v.Type.(*arrow.TimestampType).Unit).UTC()
	case *scalar.Time64:
		return time.Duration(v.Value) * time.Microsecond
	}
	return s.String()
}
