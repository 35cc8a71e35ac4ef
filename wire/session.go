package wire

import (
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/riffq/riffq/internal/pgtext"
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
	// DateOrder is DateStyle's order of day, month and year, for reading
	// dates such as 03/04/2024.
	DateOrder pgtext.DateOrder
	// FloatDigits is extra_float_digits when it is at most 0: floats print
	// with 15 (real: 6) plus that many significant digits, rounded, as
	// PostgreSQL's %g does; above 0 (FloatRounded false) they print
	// their shortest exact digits.
	FloatDigits  int
	FloatRounded bool
	Logger       *slog.Logger

	settings map[string]string       // by lower-cased name
	defaults map[string]string       // what RESET restores: startup values
	txSaved  map[string]savedSetting // values to restore when the block ends
	changed  [][2]string             // reported settings to send as ParameterStatus
	tx       byte                    // 'I' idle, 'T' in a block, 'E' in a failed block
	// implicit is set, outside a block, while the statements of a Query
	// message with several of them, or of the extended-protocol messages
	// up to Sync, run: PostgreSQL's implicit transaction, which an error
	// rolls back whole. Its undo log is txLog, as a block's is.
	implicit bool
	// txQueried says the block has run a query: its isolation level is
	// fixed from then on.
	txQueried bool
	txLog     txLog    // the block's undo log and end actions
	notices   []notice // to send when the statement returns
	// sqlPrepared holds the statements of SQL's PREPARE, by name.
	sqlPrepared map[string]any
	cursors     map[string]*sessionCursor // of SQL's DECLARE, by name
	timeouts    [len(timeoutSettings)]time.Duration
	conn        *conn

	mu     sync.Mutex
	values map[any]any
}

// Activity lists what every session of the server is doing, this one
// included, as pg_stat_activity shows it.
func (s *Session) Activity() []Activity { return s.conn.srv.activity() }

// SignalBackend cancels the running statement of the server's session
// with process ID pid, or with terminate ends that session (FATAL 57P01),
// as pg_cancel_backend and pg_terminate_backend do; false when no session
// has the ID.
func (s *Session) SignalBackend(pid uint32, terminate bool) bool {
	return s.conn.srv.signal(pid, terminate)
}

// Value returns the application's value for key, nil if none. Values live
// as long as the session; hooks use them to carry per-session state.
func (s *Session) Value(key any) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.values[key]
}

// SetValue stores an application value for the session's lifetime.
func (s *Session) SetValue(key, value any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.values == nil {
		s.values = make(map[any]any)
	}
	s.values[key] = value
}

func newSession(c *conn, user, db string, startup map[string]string) *Session {
	s := &Session{
		ID:         c.pid,
		User:       user,
		Database:   db,
		RemoteAddr: c.nc.RemoteAddr(),
		Startup:    startup,
		Location:   time.UTC,
		settings:   make(map[string]string),
		defaults:   make(map[string]string),
		txSaved:    make(map[string]savedSetting),
		tx:         'I',
		conn:       c,
	}
	s.refreshTimeouts()
	s.defaults["server_version"] = c.srv.cfg.ServerVersion
	s.defaults["session_authorization"] = user
	s.settings["server_version"] = c.srv.cfg.ServerVersion
	s.settings["session_authorization"] = user
	return s
}

// applyStartup sets the run-time parameters a client passed in its startup
// packet, directly or as "-c name=value" in options; they become the
// session's defaults, which RESET returns to.
func (s *Session) applyStartup() error {
	params := make([][2]string, 0, len(s.Startup))
	for k, v := range s.Startup {
		switch {
		case k == "user" || k == "database" || k == "replication" || strings.HasPrefix(k, "_pq_."):
		case k == "options":
			opts, err := parseOptions(v)
			if err != nil {
				return err
			}
			params = append(params, opts...)
		default:
			params = append(params, [2]string{k, v})
		}
	}
	for _, p := range params {
		if err := s.SetSetting(p[0], p[1], false, false); err != nil {
			return err
		}
		_, v, _ := s.Setting(p[0])
		s.defaults[strings.ToLower(p[0])] = v
	}
	_, s.ApplicationName, _ = s.Setting("application_name")
	s.changed = nil
	return nil
}

// parseOptions reads the startup "options" parameter: command-line switches
// "-c name=value" or "--name=value", separated by spaces, with backslash
// escaping a space.
func parseOptions(v string) ([][2]string, error) {
	var words []string
	var cur strings.Builder
	esc := false
	for _, r := range v {
		switch {
		case esc:
			cur.WriteRune(r)
			esc = false
		case r == '\\':
			esc = true
		case r == ' ' || r == '\t':
			if cur.Len() > 0 {
				words = append(words, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		words = append(words, cur.String())
	}
	var out [][2]string
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "-c" && i+1 < len(words):
			i++
			w = words[i]
		case strings.HasPrefix(w, "-c"):
			w = w[2:]
		case strings.HasPrefix(w, "--"):
			w = w[2:]
		default:
			return nil, pgerror.New(pgerror.ProtocolViolation, "invalid command-line argument for server process: %s", w)
		}
		name, value, ok := strings.Cut(w, "=")
		if !ok {
			return nil, pgerror.New(pgerror.SyntaxError, "-c %s requires a value", name)
		}
		out = append(out, [2]string{strings.ReplaceAll(name, "-", "_"), value})
	}
	return out, nil
}

// InTransaction reports whether a transaction block is open.
func (s *Session) InTransaction() bool { return s.tx != 'I' }

func (s *Session) inTx() bool { return s.tx != 'I' }

// InImplicitTransaction reports whether a statement outside a block runs
// in an implicit transaction (a Query message of several statements, a
// pipeline up to Sync), whose changes a later error undoes.
func (s *Session) InImplicitTransaction() bool { return s.implicit }

// logging reports whether changes go to the undo log: in a block or in an
// implicit transaction.
func (s *Session) logging() bool { return s.tx != 'I' || s.implicit }

// endImplicit ends the implicit transaction, if one is open, committing
// or rolling back its changes.
func (s *Session) endImplicit(commit bool) {
	if s.implicit {
		s.implicit = false
		s.finishTxLog(commit)
	}
}

// TxStatus is the transaction status ReadyForQuery reports: 'I', 'T' or 'E'.
func (s *Session) TxStatus() byte { return s.tx }

// Deallocate drops a prepared statement of the session, or all of them.
func (s *Session) Deallocate(name string, all bool) error {
	if s.conn == nil {
		return nil
	}
	if all {
		clear(s.conn.prepared)
		clear(s.sqlPrepared)
		return nil
	}
	if _, ok := s.sqlPrepared[name]; ok {
		delete(s.sqlPrepared, name)
		return nil
	}
	if _, ok := s.conn.prepared[name]; !ok {
		return pgerror.New("26000", "prepared statement %q does not exist", name)
	}
	delete(s.conn.prepared, name)
	return nil
}

func (s *Session) String() string { return fmt.Sprintf("session %d (%s@%s)", s.ID, s.User, s.Database) }
