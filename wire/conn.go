package wire

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// Session is the state of one client connection that statements may read.
type Session struct {
	// ID is the process ID sent in BackendKeyData.
	ID              uint32
	User            string
	Database        string
	ApplicationName string
	RemoteAddr      net.Addr
	// Startup holds every parameter of the startup message.
	Startup map[string]string
	// Location is the session's TimeZone, used to print timestamptz.
	Location *time.Location
	Logger   *slog.Logger
}

// flushThreshold is how many bytes of DataRows are buffered before a write.
const flushThreshold = 64 * 1024

type conn struct {
	srv    *Server
	nc     net.Conn
	be     *pgproto3.Backend
	pid    uint32
	secret uint32
	sess   *Session
	log    *slog.Logger

	ctx         context.Context // canceled when the server shuts down
	cancel      context.CancelFunc
	terminating atomic.Bool

	mu          sync.Mutex
	cancelQuery context.CancelFunc // of the running query, if any

	rows []byte // DataRows not yet written
}

func (c *conn) serve() {
	c.log = c.srv.log.With("conn", c.pid, "remote", c.nc.RemoteAddr().String())
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("connection panic", "panic", r, "stack", string(debug.Stack()))
		}
		c.cancel()
		c.nc.Close()
		c.srv.removeConn(c)
		c.log.Debug("connection closed")
	}()
	c.be = pgproto3.NewBackend(c.nc, c.nc)
	ok, err := c.startup()
	if err != nil {
		if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, os.ErrDeadlineExceeded) {
			c.log.Info("startup failed", "err", err)
			var pe *pgerror.Error
			if !errors.As(err, &pe) {
				_ = c.fatal(pgerror.New(pgerror.ProtocolViolation, "invalid startup packet: %v", err))
			}
		}
		return
	}
	if !ok {
		return
	}
	c.loop()
}

// terminate ends the session from another goroutine (server shutdown).
func (c *conn) terminate() {
	c.terminating.Store(true)
	c.cancel()
	_ = c.nc.SetReadDeadline(time.Now())
}

// startup runs the handshake up to the first ReadyForQuery. It returns
// false when the connection ends without a session (cancel requests).
func (c *conn) startup() (bool, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(time.Minute))
	defer c.nc.SetReadDeadline(time.Time{})
	for {
		msg, err := c.be.ReceiveStartupMessage()
		if err != nil {
			return false, err
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
			// No TLS or GSS encryption configured: the client may go on
			// in plaintext.
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return false, err
			}
		case *pgproto3.CancelRequest:
			c.srv.cancelQuery(m.ProcessID, binary.BigEndian.Uint32(m.SecretKey))
			return false, nil
		case *pgproto3.StartupMessage:
			return c.startSession(m)
		default:
			return false, fmt.Errorf("unexpected startup message %T", msg)
		}
	}
}

func (c *conn) startSession(m *pgproto3.StartupMessage) (bool, error) {
	params := make(map[string]string, len(m.Parameters))
	for k, v := range m.Parameters {
		params[k] = v
	}
	user := params["user"]
	if user == "" {
		return false, c.fatal(pgerror.New(pgerror.InvalidAuthorization, "no PostgreSQL user name specified in startup packet"))
	}
	db := params["database"]
	if db == "" {
		db = user
	}
	if accept := c.srv.cfg.AcceptDatabase; accept != nil && !accept(db) {
		return false, c.fatal(pgerror.New("3D000", "database %q does not exist", db))
	}
	c.sess = &Session{
		ID:              c.pid,
		User:            user,
		Database:        db,
		ApplicationName: params["application_name"],
		RemoteAddr:      c.nc.RemoteAddr(),
		Startup:         params,
		Location:        time.UTC,
		Logger:          c.log,
	}
	c.log = c.log.With("user", user, "database", db)
	c.sess.Logger = c.log
	c.be.Send(&pgproto3.AuthenticationOk{})
	for _, p := range [][2]string{
		{"server_version", c.srv.cfg.ServerVersion},
		{"server_encoding", "UTF8"},
		{"client_encoding", "UTF8"},
		{"DateStyle", "ISO, MDY"},
		{"IntervalStyle", "postgres"},
		{"TimeZone", "UTC"},
		{"integer_datetimes", "on"},
		{"standard_conforming_strings", "on"},
		{"application_name", c.sess.ApplicationName},
		{"is_superuser", "on"},
		{"session_authorization", user},
		{"default_transaction_read_only", "off"},
		{"in_hot_standby", "off"},
	} {
		c.be.Send(&pgproto3.ParameterStatus{Name: p[0], Value: p[1]})
	}
	var key [4]byte
	binary.BigEndian.PutUint32(key[:], c.secret)
	c.be.Send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: key[:]})
	c.be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	c.log.Info("session started", "application_name", c.sess.ApplicationName)
	return true, c.be.Flush()
}

// fatal sends a FATAL error; the caller then closes the connection.
func (c *conn) fatal(e *pgerror.Error) error {
	e.Severity = pgerror.SeverityFatal
	c.be.Send(errorResponse(e))
	if err := c.be.Flush(); err != nil {
		return err
	}
	return e
}

func errorResponse(e *pgerror.Error) *pgproto3.ErrorResponse {
	sev := e.SeverityOrDefault()
	return &pgproto3.ErrorResponse{
		Severity:            sev,
		SeverityUnlocalized: sev,
		Code:                e.Code,
		Message:             e.Message,
		Detail:              e.Detail,
		Hint:                e.Hint,
		Position:            int32(e.Position),
	}
}

func (c *conn) loop() {
	// After an extended-protocol error, messages are skipped until Sync.
	skipToSync := false
	for {
		msg, err := c.be.Receive()
		if err != nil {
			if c.terminating.Load() {
				_ = c.fatal(pgerror.New(pgerror.AdminShutdown, "terminating connection due to administrator command"))
				return
			}
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, net.ErrClosed) {
				c.log.Info("receive failed", "err", err)
			}
			return
		}
		switch m := msg.(type) {
		case *pgproto3.Query:
			c.simpleQuery(m.String)
		case *pgproto3.Terminate:
			return
		case *pgproto3.Sync:
			skipToSync = false
			c.be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
		case *pgproto3.Flush:
		case *pgproto3.Parse, *pgproto3.Bind, *pgproto3.Describe, *pgproto3.Execute, *pgproto3.Close:
			if !skipToSync {
				c.be.Send(errorResponse(pgerror.New(pgerror.FeatureNotSupported, "the extended query protocol is not supported yet; use the simple query protocol")))
				skipToSync = true
			}
		default:
			c.be.Send(errorResponse(pgerror.New(pgerror.ProtocolViolation, "unexpected message type %T", msg)))
			c.be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
		}
		if err := c.be.Flush(); err != nil {
			c.log.Info("send failed", "err", err)
			return
		}
	}
}

// simpleQuery answers a Query message: every statement in order, stopping
// at the first error, then ReadyForQuery.
func (c *conn) simpleQuery(sql string) {
	defer c.be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	c.mu.Lock()
	c.cancelQuery = cancel
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.cancelQuery = nil
		c.mu.Unlock()
	}()

	start := time.Now()
	var stmts []Statement
	err := c.guard(func() (err error) {
		stmts, err = c.srv.cfg.Handler.Parse(ctx, c.sess, sql)
		return err
	})
	if err != nil {
		c.sendError(err, sql)
		return
	}
	if len(stmts) == 0 {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
		return
	}
	for _, st := range stmts {
		if err := c.guard(func() error { return c.execute(ctx, st) }); err != nil {
			c.sendError(err, sql)
			return
		}
	}
	c.log.Debug("query done", "sql", sql, "duration", time.Since(start))
}

// guard runs fn, turning a panic into an internal error so that one bad
// statement never takes the connection down.
func (c *conn) guard(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("statement panic", "panic", r, "stack", string(debug.Stack()))
			err = pgerror.New(pgerror.InternalError, "internal error: %v", r)
		}
	}()
	return fn()
}

func (c *conn) sendError(err error, sql string) {
	c.flushRows()
	var pe *pgerror.Error
	switch {
	case errors.As(err, &pe):
	case errors.Is(err, context.Canceled) && c.ctx.Err() == nil:
		pe = pgerror.New(pgerror.QueryCanceled, "canceling statement due to user request")
	case errors.Is(err, context.Canceled):
		pe = pgerror.New(pgerror.AdminShutdown, "terminating connection due to administrator command")
	default:
		pe = pgerror.From(err)
	}
	if pe.Code == pgerror.InternalError {
		c.log.Error("query failed", "sql", sql, "err", err)
	} else {
		c.log.Debug("query failed", "sql", sql, "sqlstate", pe.Code, "err", pe.Message)
	}
	c.be.Send(errorResponse(pe))
}

func (c *conn) execute(ctx context.Context, st Statement) error {
	res, err := st.Execute(ctx, c.sess)
	if err != nil {
		return err
	}
	if res.Rows == nil {
		c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(res.Tag)})
		return nil
	}
	defer res.Rows.Release()
	n, err := c.sendRows(ctx, res.Rows)
	if err != nil {
		return err
	}
	tag := res.Tag
	if tag == "SELECT" {
		tag += " " + strconv.FormatInt(n, 10)
	}
	c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
	return nil
}

// sendRows writes RowDescription and then the rows of rdr as DataRows,
// encoded straight from the Arrow columns into the output buffer.
func (c *conn) sendRows(ctx context.Context, rdr array.RecordReader) (int64, error) {
	schema := rdr.Schema()
	desc := &pgproto3.RowDescription{Fields: make([]pgproto3.FieldDescription, schema.NumFields())}
	for i, f := range schema.Fields() {
		t, err := pgtypes.FromArrow(f.Type)
		if err != nil {
			return 0, pgerror.New(pgerror.FeatureNotSupported, "column %q: %v", f.Name, err)
		}
		desc.Fields[i] = pgproto3.FieldDescription{
			Name: []byte(f.Name), DataTypeOID: t.OID, DataTypeSize: t.Len, TypeModifier: t.Mod,
		}
	}
	c.be.Send(desc)
	encoders := make([]pgtext.Encoder, schema.NumFields())
	var n int64
	for rdr.Next() {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		b := rdr.RecordBatch()
		for i, col := range b.Columns() {
			enc, err := pgtext.NewEncoder(col, c.sess.Location)
			if err != nil {
				return n, pgerror.New(pgerror.FeatureNotSupported, "%v", err)
			}
			encoders[i] = enc
		}
		cols := b.Columns()
		rows := int(b.NumRows())
		for r := range rows {
			start := len(c.rows)
			c.rows = append(c.rows, 'D', 0, 0, 0, 0)
			c.rows = binary.BigEndian.AppendUint16(c.rows, uint16(len(cols)))
			for i, col := range cols {
				if col.IsNull(r) {
					c.rows = binary.BigEndian.AppendUint32(c.rows, 0xFFFFFFFF)
					continue
				}
				lenAt := len(c.rows)
				c.rows = append(c.rows, 0, 0, 0, 0)
				c.rows = encoders[i](c.rows, r)
				binary.BigEndian.PutUint32(c.rows[lenAt:], uint32(len(c.rows)-lenAt-4))
			}
			binary.BigEndian.PutUint32(c.rows[start+1:], uint32(len(c.rows)-start-1))
			if len(c.rows) >= flushThreshold {
				if err := c.flushRows(); err != nil {
					return n, err
				}
			}
		}
		n += int64(rows)
	}
	if err := rdr.Err(); err != nil {
		return n, err
	}
	return n, c.flushRows()
}

// flushRows writes buffered messages and then the pending DataRows, keeping
// the order in which they were produced.
func (c *conn) flushRows() error {
	if len(c.rows) == 0 {
		return nil
	}
	if err := c.be.Flush(); err != nil {
		return err
	}
	_, err := c.nc.Write(c.rows)
	if cap(c.rows) > 4*flushThreshold {
		c.rows = nil
	} else {
		c.rows = c.rows[:0]
	}
	return err
}

// cancelQuery cancels the running query of the session with the given
// BackendKeyData, if the key matches.
func (s *Server) cancelQuery(pid, secret uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.pid == pid && c.secret == secret {
			c.mu.Lock()
			if c.cancelQuery != nil {
				c.cancelQuery()
			}
			c.mu.Unlock()
			return
		}
	}
}
