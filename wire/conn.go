package wire

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/riffq/riffq/pgerror"
)

// flushThreshold is how many bytes of DataRows are buffered before a write.
const flushThreshold = 256 * 1024

type conn struct {
	srv    *Server
	nc     net.Conn
	be     *pgproto3.Backend
	in     *clientReader // what be reads, through watchClient
	pid    uint32
	secret uint32
	sess   *Session
	log    *slog.Logger
	tls    *tls.ConnectionState // nil for plaintext
	minor  uint32               // the 3.x minor protocol version the client asked for

	ctx         context.Context // canceled when the server shuts down
	cancel      context.CancelFunc
	terminating atomic.Bool

	mu          sync.Mutex
	cancelQuery context.CancelFunc // of the running query, if any
	// cancelPending is a cancel that came while the session was active
	// but before its statement had a cancel function (while it was being
	// parsed): the statement is canceled as it starts, as PostgreSQL
	// checks for a pending cancel at its next interrupt check.
	cancelPending bool
	// The statement watched for its client going away (watch.go): when
	// it started, its cancel function and, once started, the watcher's
	// done channel.
	watchFrom   time.Time
	watchCancel context.CancelFunc
	watcher     chan struct{}

	// hasDeadline says a read deadline is set, so that the common case,
	// no idle timeout, costs no call per message.
	hasDeadline bool

	prepared map[string]*prepared // by name; "" is the unnamed statement
	portals  map[string]*portal   // by name; "" is the unnamed portal

	out []byte // messages not yet written

	// What pg_stat_activity shows, guarded by mu.
	backendStart time.Time
	activity     Activity
}

// Activity is what a session is doing, as pg_stat_activity shows it.
type Activity struct {
	PID             uint32
	User, Database  string
	ApplicationName string
	ClientAddr      net.Addr
	BackendStart    time.Time
	XactStart       time.Time // zero outside a transaction block
	QueryStart      time.Time
	StateChange     time.Time
	// State is "active", "idle", "idle in transaction" or "idle in
	// transaction (aborted)".
	State string
	Query string // the running or last statement
}

// setActivity records a change of what the session does: "active" with the
// statement it runs, or "" for idle in the state the transaction is in.
func (c *conn) setActivity(state, query string) {
	// Read on the session's goroutine, by key: this runs twice a statement.
	app := c.sess.settings["application_name"]
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	a := &c.activity
	a.ApplicationName = app
	if state == "" {
		switch c.sess.tx {
		case 'T':
			state = "idle in transaction"
		case 'E':
			state = "idle in transaction (aborted)"
		default:
			state = "idle"
		}
		c.cancelPending = false
	} else {
		a.Query, a.QueryStart = query, now
	}
	if c.sess.tx == 'I' {
		a.XactStart = time.Time{}
	} else if a.XactStart.IsZero() {
		a.XactStart = now
	}
	if a.State != state {
		a.State, a.StateChange = state, now
	}
}

// snapshot returns the session's activity; false while it is still
// starting up.
func (c *conn) snapshot() (Activity, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.activity, c.activity.PID != 0
}

func (c *conn) serve() {
	c.log = c.srv.log.With("conn", c.pid, "remote", c.nc.RemoteAddr().String())
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("connection panic", "panic", r, "stack", string(debug.Stack()))
		}
		c.closePortals()
		if c.sess != nil {
			c.sess.CloseAllCursors()
			c.sess.AdvisoryUnlockAll()
		}
		c.cancel()
		c.nc.Close()
		if c.sess != nil && c.sess.inTx() {
			// A connection closing inside a block rolls it back.
			c.sess.endTx(false)
			c.sess.tx = 'I'
		}
		if c.sess != nil && c.srv.cfg.Disconnect != nil {
			c.srv.cfg.Disconnect(c.sess)
		}
		c.srv.removeConn(c)
		c.log.Debug("connection closed")
	}()
	if tc, ok := c.nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	c.prepared = make(map[string]*prepared)
	c.portals = make(map[string]*portal)
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
	c.mu.Lock()
	defer c.mu.Unlock()
	c.terminating.Store(true)
	c.cancel()
	_ = c.nc.SetReadDeadline(time.Now())
}

// setReadDeadline sets the connection's read deadline, unless the server is
// shutting down: then the deadline stays in the past, so that the read
// Shutdown means to end does end.
func (c *conn) setReadDeadline(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.terminating.Load() {
		t = time.Now()
	}
	if t.IsZero() && !c.hasDeadline {
		return
	}
	c.hasDeadline = !t.IsZero()
	_ = c.nc.SetReadDeadline(t)
}

// Startup packet codes (the 32 bits after the length).
const (
	sslRequestCode    = 80877103
	gssEncRequestCode = 80877104
	cancelRequestCode = 80877102
	maxStartupPacket  = 10000
)

// startup runs the handshake up to the first ReadyForQuery. It returns
// false when the connection ends without a session (cancel requests).
// Startup packets are read here rather than by pgproto3 so that a client
// asking for a newer 3.x protocol can be answered with
// NegotiateProtocolVersion instead of being refused.
func (c *conn) startup() (bool, error) {
	c.setReadDeadline(time.Now().Add(time.Minute))
	defer c.setReadDeadline(time.Time{})
	for {
		var head [8]byte
		if _, err := io.ReadFull(c.nc, head[:4]); err != nil {
			return false, err
		}
		size := int(binary.BigEndian.Uint32(head[:4]))
		if size < 8 || size > maxStartupPacket {
			return false, pgerror.New(pgerror.ProtocolViolation, "invalid length of startup packet")
		}
		pkt := make([]byte, size)
		copy(pkt, head[:4])
		if _, err := io.ReadFull(c.nc, pkt[4:]); err != nil {
			return false, err
		}
		code := binary.BigEndian.Uint32(pkt[4:8])
		switch {
		case code == sslRequestCode:
			if c.srv.cfg.TLS == nil || c.tls != nil {
				// No TLS configured: the client may go on in plaintext.
				if _, err := c.nc.Write([]byte{'N'}); err != nil {
					return false, err
				}
				continue
			}
			if _, err := c.nc.Write([]byte{'S'}); err != nil {
				return false, err
			}
			tc := tls.Server(c.nc, c.srv.cfg.TLS)
			if err := tc.Handshake(); err != nil {
				return false, fmt.Errorf("tls handshake: %w", err)
			}
			state := tc.ConnectionState()
			c.mu.Lock() // terminate may use c.nc from another goroutine
			c.nc, c.tls = tc, &state
			c.mu.Unlock()
		case code == gssEncRequestCode:
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return false, err
			}
		case code == cancelRequestCode:
			if size == 16 {
				c.srv.cancelQuery(binary.BigEndian.Uint32(pkt[8:12]), binary.BigEndian.Uint32(pkt[12:16]))
			}
			return false, nil
		case code>>16 == 3:
			// Protocol 3.x: speak 3.0, and tell a client that asked for
			// more (startSession sends NegotiateProtocolVersion).
			c.minor = code & 0xFFFF
			binary.BigEndian.PutUint32(pkt[4:8], uint32(pgproto3.ProtocolVersionNumber))
			c.in = &clientReader{c: c}
			c.be = pgproto3.NewBackend(io.MultiReader(bytes.NewReader(pkt), c.in), c.nc)
			c.be.SetMaxBodyLen(c.srv.cfg.MaxMessageSize)
			msg, err := c.be.ReceiveStartupMessage()
			if err != nil {
				return false, err
			}
			m, ok := msg.(*pgproto3.StartupMessage)
			if !ok {
				return false, pgerror.New(pgerror.ProtocolViolation, "unexpected startup message %T", msg)
			}
			return c.startSession(m)
		default:
			return false, c.fatal(pgerror.New(pgerror.FeatureNotSupported, "unsupported frontend protocol %d.%d: server supports 3.0 to 3.0", code>>16, code&0xFFFF))
		}
	}
}

func (c *conn) startSession(m *pgproto3.StartupMessage) (bool, error) {
	params := maps.Clone(m.Parameters)
	user := params["user"]
	if user == "" {
		return false, c.fatal(pgerror.New(pgerror.InvalidAuthorization, "no PostgreSQL user name specified in startup packet"))
	}
	db := params["database"]
	if db == "" {
		db = user
	}
	cfg := c.srv.cfg
	// Only protocol 3.0 is spoken; tell a newer client so, with the
	// protocol options it asked for, none of which are understood.
	var opts []string
	for k := range params {
		if strings.HasPrefix(k, "_pq_.") {
			opts = append(opts, k)
		}
	}
	if c.minor > 0 || len(opts) > 0 {
		slices.Sort(opts)
		c.send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0, UnrecognizedOptions: opts})
	}
	if cfg.TLSRequired && c.tls == nil {
		return false, c.fatal(pgerror.New(pgerror.InvalidAuthorization, "no pg_hba.conf entry for host %q, user %q, database %q, no encryption", hostOf(c.nc.RemoteAddr()), user, db))
	}
	if cfg.MaxConns > 0 && c.srv.sessionCount() > cfg.MaxConns {
		return false, c.fatal(pgerror.New("53300", "sorry, too many clients already"))
	}
	ctx, cancel := context.WithTimeout(c.ctx, time.Minute)
	defer cancel()
	if cfg.Connect != nil {
		info := ConnectInfo{RemoteAddr: c.nc.RemoteAddr(), TLS: c.tls, User: user, Database: db}
		if c.tls != nil {
			info.ServerName = c.tls.ServerName
		}
		if err := cfg.Connect(ctx, info); err != nil {
			var pe *pgerror.Error
			if !errors.As(err, &pe) {
				pe = pgerror.New(pgerror.InvalidAuthorization, "%v", err)
			}
			return false, c.fatal(pe)
		}
	}
	if err := c.authenticate(ctx, LoginInfo{User: user, Database: db, RemoteAddr: c.nc.RemoteAddr(), TLS: c.tls != nil}); err != nil {
		var pe *pgerror.Error
		if errors.As(err, &pe) {
			return false, c.fatal(pe)
		}
		return false, err
	}
	if accept := cfg.AcceptDatabase; accept != nil && !accept(db) {
		return false, c.fatal(pgerror.New("3D000", "database %q does not exist", db))
	}
	c.sess = newSession(c, user, db, params)
	c.mu.Lock()
	c.activity = Activity{PID: c.pid, User: user, Database: db, ClientAddr: c.nc.RemoteAddr(), BackendStart: c.backendStart, State: "idle", StateChange: time.Now()}
	c.mu.Unlock()
	c.log = c.log.With("user", user, "database", db)
	c.sess.Logger = c.log
	if err := c.sess.applyStartup(); err != nil {
		return false, c.fatal(pgerror.From(err))
	}
	c.send(&pgproto3.AuthenticationOk{})
	for _, d := range settingDefs {
		if d.report {
			_, v, _ := c.sess.Setting(d.name)
			c.send(&pgproto3.ParameterStatus{Name: d.name, Value: v})
		}
	}
	var key [4]byte
	binary.BigEndian.PutUint32(key[:], c.secret)
	c.send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: key[:]})
	c.send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	c.log.Info("session started", "application_name", c.sess.ApplicationName)
	return true, c.flush()
}

// fatal sends a FATAL error; the caller then closes the connection.
func (c *conn) fatal(e *pgerror.Error) error {
	e.Severity = pgerror.SeverityFatal
	c.send(errorResponse(e))
	if err := c.flush(); err != nil {
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
		SchemaName:          e.SchemaName,
		TableName:           e.TableName,
		ColumnName:          e.ColumnName,
		ConstraintName:      e.ConstraintName,
	}
}

func (c *conn) notice(code, format string, args ...any) {
	e := pgerror.New(code, format, args...)
	c.sendNotice("WARNING", e.Code, e.Message)
}

// noticeLevels orders the severities client_min_messages compares.
var noticeLevels = map[string]int{"debug5": 1, "debug4": 2, "debug3": 3, "debug2": 4, "debug1": 5, "debug": 5,
	"log": 6, "info": 7, "notice": 8, "warning": 9, "error": 10}

// sendNotice sends a NoticeResponse unless the session's
// client_min_messages is above its severity.
func (c *conn) sendNotice(severity, code, message string) {
	_, min, _ := c.sess.Setting("client_min_messages")
	if noticeLevels[strings.ToLower(severity)] < noticeLevels[strings.ToLower(min)] {
		return
	}
	c.send(&pgproto3.NoticeResponse{Severity: severity, SeverityUnlocalized: severity, Code: code, Message: message})
}

func (c *conn) loop() {
	// After an error in an extended-protocol message, messages are skipped
	// until Sync, as PostgreSQL does.
	skipToSync := false
	for {
		// Idle timeouts apply while waiting for the next message.
		idle := c.sess.timeout(idleSessionTimeout)
		if c.sess.tx != 'I' {
			idle = c.sess.timeout(idleInTransactionTimeout)
		}
		if idle > 0 {
			c.setReadDeadline(time.Now().Add(idle))
		} else {
			c.setReadDeadline(time.Time{})
		}
		msg, err := c.be.Receive()
		if err != nil {
			if c.terminating.Load() {
				_ = c.fatal(pgerror.New(pgerror.AdminShutdown, "terminating connection due to administrator command"))
				return
			}
			if idle > 0 && errors.Is(err, os.ErrDeadlineExceeded) {
				if c.sess.tx != 'I' {
					_ = c.fatal(pgerror.New("25P03", "terminating connection due to idle-in-transaction timeout"))
				} else {
					_ = c.fatal(pgerror.New("57P05", "terminating connection due to idle-session timeout"))
				}
				return
			}
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, net.ErrClosed) {
				c.log.Info("receive failed", "err", err)
				_ = c.fatal(pgerror.New(pgerror.ProtocolViolation, "invalid message: %v", err))
			}
			return
		}
		flush := false
		switch m := msg.(type) {
		case *pgproto3.Query:
			c.setActivity("active", m.String)
			c.simpleQuery(m.String)
			c.setActivity("", "")
			c.reportSettings()
			c.send(&pgproto3.ReadyForQuery{TxStatus: c.sess.tx})
			flush = true
		case *pgproto3.Terminate:
			return
		case *pgproto3.Sync:
			skipToSync = false
			c.sess.endImplicit(true)
			if c.sess.tx == 'I' {
				// The implicit transaction ends: its portals go with it.
				c.closePortals()
			}
			c.setActivity("", "")
			c.reportSettings()
			c.send(&pgproto3.ReadyForQuery{TxStatus: c.sess.tx})
			flush = true
		case *pgproto3.Flush:
			flush = true
		case *pgproto3.Parse, *pgproto3.Bind, *pgproto3.Describe, *pgproto3.Execute, *pgproto3.Close:
			if skipToSync {
				continue
			}
			if err := c.guard(func() error { return c.extended(msg) }); err != nil {
				c.sendError(err, "")
				skipToSync = true
			}
		default:
			c.sendError(pgerror.New(pgerror.ProtocolViolation, "unexpected message type %T", msg), "")
		}
		if flush {
			if err := c.flush(); err != nil {
				c.log.Info("send failed", "err", err)
				return
			}
			// Yield once a response is out. Over a fast link the client
			// often answers within the write, so the next read finds its
			// message and this session would keep the P round trip after
			// round trip while sessions whose messages came meanwhile wait
			// in the run queue (a Go trace of pgbench -c 8 showed one
			// goroutine answering for 250 µs with six runnable behind it,
			// and a core idle after). Yielding serves them in turn, as the
			// kernel does PostgreSQL's backends: 12-17% more SELECT 1 round
			// trips on two cores.
			runtime.Gosched()
		}
	}
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

// sendError reports a failed statement; a failure inside a transaction
// block marks the block failed.
func (c *conn) sendError(err error, sql string) {
	_ = c.flushRows()
	var pe *pgerror.Error
	switch {
	case errors.As(err, &pe):
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errStatementTimeout):
		// A source reading its context's cause (an HTTP read) reports
		// errStatementTimeout itself.
		pe = pgerror.New(pgerror.QueryCanceled, "canceling statement due to statement timeout")
	case errors.Is(err, context.Canceled) && c.ctx.Err() == nil:
		pe = pgerror.New(pgerror.QueryCanceled, "canceling statement due to user request")
	case errors.Is(err, context.Canceled):
		pe = pgerror.New(pgerror.AdminShutdown, "terminating connection due to administrator command")
	default:
		pe = pgerror.From(err)
	}
	if strings.Contains(pe.Message, "://") {
		// A source's URL may carry a signed query string (an S3
		// presigned URL): its secret goes to no client and no log.
		redacted := *pe
		redacted.Message = redactURLQueries(pe.Message)
		pe = &redacted
		err = pe
	}
	// A session going away (the client left, the server stops) fails its
	// statement through its context: not an error of the server's.
	if pe.Code == pgerror.InternalError && c.ctx.Err() == nil {
		c.log.Error("query failed", "sql", sql, "err", err)
	} else {
		c.log.Debug("query failed", "sql", sql, "sqlstate", pe.Code, "err", pe.Message)
	}
	if c.sess != nil && c.sess.tx == 'T' {
		c.sess.tx = 'E'
		c.sess.abortTx()
	}
	if c.sess != nil {
		c.sess.endImplicit(false)
	}
	if pe.Code == pgerror.AdminShutdown {
		// As in PostgreSQL, the session ends with one FATAL and nothing
		// after it: closing the socket makes the rest of the exchange
		// fail quietly.
		_ = c.fatal(pe)
		_ = c.nc.Close()
		return
	}
	c.send(errorResponse(pe))
}

// checkFailedTx refuses a statement in a failed transaction block unless it
// ends the block, as PostgreSQL does.
func (c *conn) checkFailedTx(tx TxEffect) error {
	if c.sess.tx == 'E' && tx != TxCommit && tx != TxRollback && tx != TxRollbackTo && tx != TxCommitChain && tx != TxRollbackChain {
		return pgerror.New("25P02", "current transaction is aborted, commands ignored until end of transaction block")
	}
	return nil
}

// applyTx updates the transaction state after a statement with effect tx
// succeeded; it returns the tag to report (COMMIT of a failed block reports
// ROLLBACK).
func (c *conn) applyTx(tx TxEffect, tag string) string {
	s := c.sess
	switch tx {
	case TxNone:
		switch tag {
		case "SET", "SHOW", "SAVEPOINT", "RELEASE":
		default:
			if s.tx == 'T' {
				s.txQueried = true
			}
		}
	case TxCommit, TxRollback, TxCommitChain, TxRollbackChain:
		committing := tx == TxCommit || tx == TxCommitChain
		if s.tx == 'I' {
			c.notice("25P01", "there is no transaction in progress")
			if s.implicit {
				// It ends the implicit transaction; the statements
				// after it run in a new one.
				s.finishTxLog(committing)
			}
			return tag
		}
		commit := committing && s.tx == 'T'
		if committing && !commit {
			tag = "ROLLBACK"
		}
		s.endTx(commit)
		s.tx = 'I'
		if tx == TxCommitChain || tx == TxRollbackChain {
			s.beginTx() // AND CHAIN: the next block opens at once
		}
	case TxRollbackTo:
		if s.tx == 'E' {
			s.tx = 'T'
		}
	}
	return tag
}

// reportSettings sends ParameterStatus for the reported settings the
// statements since the last ReadyForQuery changed, each once with its
// latest value, as PostgreSQL does just before ReadyForQuery.
func (c *conn) reportSettings() {
	for i, p := range c.sess.changed {
		later := false
		for _, q := range c.sess.changed[i+1:] {
			later = later || q[0] == p[0]
		}
		if !later {
			c.send(&pgproto3.ParameterStatus{Name: p[0], Value: p[1]})
		}
	}
	c.sess.changed = c.sess.changed[:0]
}

// runContext returns the context for a statement and registers its cancel
// function for CancelRequest.
func (c *conn) runContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(c.ctx)
	c.setCancel(cancel)
	return ctx, cancel
}

// setCancel registers the running statement's cancel function, and
// calls it at once when a cancel is pending.
func (c *conn) setCancel(cancel context.CancelFunc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cancelQuery = cancel
	if c.cancelPending {
		c.cancelPending = false
		cancel()
	}
}

// cancelRunning cancels the session's running statement, or marks the
// cancel pending while the session is active between statements; c.mu
// is held.
func (c *conn) cancelRunning() {
	switch {
	case c.cancelQuery != nil:
		c.cancelQuery()
	case c.activity.State == "active":
		c.cancelPending = true
	}
}

func (c *conn) clearCancel() {
	c.mu.Lock()
	c.cancelQuery = nil
	c.mu.Unlock()
}

// simpleQuery answers a Query message: every statement in order, stopping
// at the first error. The caller sends ReadyForQuery.
func (c *conn) simpleQuery(sql string) {
	// A Query message ends the unnamed statement and portal.
	delete(c.prepared, "")
	c.closePortal("")
	ctx, cancel := c.runContext()
	defer cancel()
	defer c.clearCancel()

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
		c.send(&pgproto3.EmptyQueryResponse{})
		return
	}
	if len(stmts) > 1 && c.sess.tx == 'I' {
		c.sess.implicit = true
	}
	defer c.sess.endImplicit(true) // unless an error rolled it back
	for _, st := range stmts {
		p := &portal{stmt: st}
		err := c.guard(func() error {
			if err := c.startPortal(p); err != nil {
				return err
			}
			if p.rows != nil && p.copy == nil {
				c.send(rowDescription(p.rows.Schema(), nil))
			}
			return c.runPortal(p, 0)
		})
		p.close()
		if err != nil {
			c.sendError(err, sql)
			return
		}
	}
	c.log.Debug("query done", "sql", sql, "duration", time.Since(start))
}

// cancelQuery cancels the running query of the session with the given
// BackendKeyData, if the key matches.
func (s *Server) cancelQuery(pid, secret uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.pid == pid && c.secret == secret {
			c.mu.Lock()
			c.cancelRunning()
			c.mu.Unlock()
			return
		}
	}
}

// signal cancels the running statement of the session with process ID
// pid or, with terminate, ends the session; false when none has the ID.
func (s *Server) signal(pid uint32, terminate bool) bool {
	s.mu.Lock()
	var target *conn
	for c := range s.conns {
		if c.pid == pid {
			target = c
			break
		}
	}
	s.mu.Unlock()
	if target == nil {
		return false
	}
	if terminate {
		target.terminate()
		return true
	}
	target.mu.Lock()
	target.cancelRunning()
	target.mu.Unlock()
	return true
}

// redactURLQueries replaces the query string of every http(s) URL in s
// with "?...".
func redactURLQueries(s string) string {
	var out strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			out.WriteString(s)
			return out.String()
		}
		end := i + 3 + strings.IndexFunc(s[i+3:]+" ", func(r rune) bool { return r == ' ' || r == '"' || r == '\'' })
		url := s[:end]
		if q := strings.IndexByte(url[i:], '?'); q >= 0 {
			url = url[:i+q] + "?..."
		}
		out.WriteString(url)
		s = s[end:]
	}
}

func hostOf(a net.Addr) string {
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}
