// Package wire is a PostgreSQL v3 protocol backend: it accepts client
// connections, runs the startup handshake, and turns Query messages into
// calls on a Handler, streaming the Arrow results back as DataRows.
package wire

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Handler answers the statements of a session. It is called from one
// goroutine per connection, so it must be safe for concurrent use.
type Handler interface {
	// Parse splits the text of a Query message into statements. An error
	// (a syntax error, say) fails the whole message.
	Parse(ctx context.Context, s *Session, sql string) ([]Statement, error)
	// Prepare readies the one statement of a Parse message. paramOIDs are
	// the declared parameter types, 0 where the client left the type to
	// the server. A nil Prepared stands for an empty query.
	Prepare(ctx context.Context, s *Session, sql string, paramOIDs []uint32) (Prepared, error)
}

// TxEffect is what a statement does to the transaction state.
type TxEffect int

const (
	// TxNone leaves the transaction state alone.
	TxNone TxEffect = iota
	// TxBegin opens a transaction block (BEGIN, START TRANSACTION).
	TxBegin
	// TxCommit ends a block, keeping its effects (COMMIT, END).
	TxCommit
	// TxRollback ends a block, undoing its effects (ROLLBACK, ABORT).
	TxRollback
	// TxRollbackTo returns a block to a savepoint; it is accepted in a failed block.
	TxRollbackTo
	// TxCommitChain and TxRollbackChain end a block as TxCommit and
	// TxRollback do and open the next at once (COMMIT AND CHAIN).
	TxCommitChain
	TxRollbackChain
)

// Statement is one parsed statement, ready to run.
type Statement interface {
	// Command is the statement's command tag verb and transaction effect,
	// known before it runs.
	Command() (tag string, tx TxEffect)
	// Execute runs the statement. Errors should be *pgerror.Error values;
	// any other error reaches the client as an internal error (XX000).
	Execute(ctx context.Context, s *Session) (*Result, error)
}

// Prepared is a statement prepared by a Parse message.
type Prepared interface {
	Command() (tag string, tx TxEffect)
	// ParamOIDs are the parameter types, declared or inferred.
	ParamOIDs() []uint32
	// Schema describes the result rows; nil when the statement returns none.
	Schema() *arrow.Schema
	// Bind supplies parameter values, in text (format 0) or binary (1)
	// as formats says (one format for all, or one per parameter). Its
	// context ends with the connection, not with a CancelRequest: work
	// belongs in the Statement's Execute.
	Bind(ctx context.Context, s *Session, params [][]byte, formats []int16) (Statement, error)
}

// Result is what a statement returned.
type Result struct {
	// Rows streams the result rows; nil for a statement without rows. The
	// connection releases it.
	Rows array.RecordReader
	// Tag is the command tag. For "SELECT" and "FETCH" the row count is
	// appended, as PostgreSQL does.
	Tag string
	// Copy, when set, sends Rows as a COPY TO STDOUT stream in this format.
	Copy *CopyFormat
	// CopyIn, when set, receives a COPY FROM STDIN stream; Rows is nil.
	CopyIn *CopyIn
}

// Config configures a Server.
type Config struct {
	Handler Handler
	Logger  *slog.Logger
	// ServerVersion is reported as server_version; clients parse it to
	// decide which catalog queries to send.
	ServerVersion string
	// AcceptDatabase, when set, decides whether a session may connect to a
	// database; a refused name gets FATAL 3D000.
	AcceptDatabase func(name string) bool
	// Auth is how clients authenticate; every method but AuthTrust needs
	// Secret.
	Auth   AuthMethod
	Secret SecretFunc
	// TLS, when set, answers SSLRequest with TLS; TLSRequired then refuses
	// clients that do not ask for it.
	TLS         *tls.Config
	TLSRequired bool
	// Connect, when set, may refuse a client before it authenticates; a
	// *pgerror.Error is sent as it is, anything else as FATAL 28000.
	Connect func(ctx context.Context, c ConnectInfo) error
	// Disconnect, when set, is called once a session ends, however it ends.
	Disconnect func(s *Session)
	// MaxConns limits concurrent sessions (0: no limit); one more gets
	// FATAL 53300.
	MaxConns int
	// MaxMessageSize limits the size of one client message (default 64 MiB);
	// a larger one ends the session without reading it.
	MaxMessageSize int
}

// ConnectInfo describes a connecting client for the Connect hook.
type ConnectInfo struct {
	RemoteAddr net.Addr
	// TLS is the TLS state, nil for a plaintext connection.
	TLS *tls.ConnectionState
	// ServerName is the name the client asked for through SNI.
	ServerName     string
	User, Database string
}

// Server accepts PostgreSQL connections.
type Server struct {
	cfg     Config
	log     *slog.Logger
	nextID  atomic.Uint32
	mu      sync.Mutex
	lns     map[net.Listener]struct{}
	conns   map[*conn]struct{}
	closing bool
	wg      sync.WaitGroup

	watching atomic.Bool // the watch loop runs (watch.go)
	advisory advisoryLocks
}

// DefaultServerVersion is the server_version a Server reports unless
// configured otherwise: PostgreSQL 15's, which clients parse to pick
// their queries, marked as riffq's.
const DefaultServerVersion = "15.0 (riffq)"

// NewServer returns a server; call Serve to accept connections.
func NewServer(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ServerVersion == "" {
		cfg.ServerVersion = DefaultServerVersion
	}
	if cfg.MaxMessageSize == 0 {
		cfg.MaxMessageSize = 64 << 20
	}
	return &Server{cfg: cfg, log: cfg.Logger, lns: make(map[net.Listener]struct{}), conns: make(map[*conn]struct{})}
}

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("wire: server closed")

// Serve accepts connections on l until Shutdown, serving each in its own
// goroutine.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.lns[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.lns, l)
		s.mu.Unlock()
	}()
	var delay time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			closing := s.closing
			s.mu.Unlock()
			if closing {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.log.Warn("accept failed; retrying", "err", err, "delay", delay)
				time.Sleep(delay)
				continue
			}
			return fmt.Errorf("accept: %w", err)
		}
		delay = 0
		c := s.newConn(nc)
		if c == nil {
			nc.Close()
			return ErrServerClosed
		}
		go c.serve()
	}
}

func (s *Server) newConn(nc net.Conn) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil
	}
	var key [4]byte
	_, _ = rand.Read(key[:])
	c := &conn{
		srv:    s,
		nc:     nc,
		pid:    s.nextID.Add(1),
		secret: binary.BigEndian.Uint32(key[:]),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.backendStart = time.Now()
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return c
}

func (s *Server) removeConn(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

// Shutdown stops accepting connections, ends every session (running
// queries are canceled and clients receive FATAL 57P01 as from PostgreSQL's
// fast shutdown), and waits until the sessions are gone or ctx is done.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for l := range s.lns {
		l.Close()
	}
	for c := range s.conns {
		c.terminate()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for c := range s.conns {
			c.nc.Close()
		}
		s.mu.Unlock()
		return ctx.Err()
	}
}

// activity lists what every session is doing, by process ID.
func (s *Server) activity() []Activity {
	s.mu.Lock()
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	var out []Activity
	for _, c := range conns {
		if a, ok := c.snapshot(); ok {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b Activity) int { return cmp.Compare(a.PID, b.PID) })
	return out
}

// sessionCount is the number of connections, including the one asking.
func (s *Server) sessionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}
