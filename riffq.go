// Package riffq builds PostgreSQL-wire-compatible databases over data that
// does not live in PostgreSQL: register table providers (Parquet, CSV, your
// own Go code) and any PostgreSQL client can query them with SQL.
//
//	srv := riffq.NewServer(riffq.WithAddr("127.0.0.1:5433"))
//	tbl, _ := parquet.Open("data/candles.parquet")
//	srv.RegisterTable("candles", tbl)
//	err := srv.ListenAndServe(ctx)
package riffq

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/planner"
	"github.com/riffq/riffq/sources"
	"github.com/riffq/riffq/wire"
)

// DefaultAddr is where ListenAndServe listens unless WithAddr says otherwise.
const DefaultAddr = "127.0.0.1:5433"

// Server is a PostgreSQL-compatible server over registered tables.
type Server struct {
	addr           string
	logger         *slog.Logger
	version        string
	databases      []string
	tables         []namedTable
	hook           QueryHandler
	wireCfg        wire.Config
	catalog        *catalog.Catalog
	planner        *planner.Planner
	wire           *wire.Server
	memLimit       int64
	tempDir        string
	recursionLimit int
}

// Option configures a Server.
type Option func(*Server)

// WithAddr sets the TCP address ListenAndServe listens on.
func WithAddr(addr string) Option { return func(s *Server) { s.addr = addr } }

// WithLogger sets the structured logger.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.logger = l } }

// WithServerVersion sets the server_version reported to clients.
func WithServerVersion(v string) Option { return func(s *Server) { s.version = v } }

// WithTLS serves TLS to clients that ask for it (sslmode=require and
// stricter); with required set, clients that do not are refused.
func WithTLS(cfg *tls.Config, required bool) Option {
	return func(s *Server) { s.wireCfg.TLS, s.wireCfg.TLSRequired = cfg, required }
}

// WithAuth makes clients authenticate with method; secret returns each
// user's password or its MD5 or SCRAM-SHA-256 verifier.
func WithAuth(method wire.AuthMethod, secret wire.SecretFunc) Option {
	return func(s *Server) { s.wireCfg.Auth, s.wireCfg.Secret = method, secret }
}

// WithPassword lets one user in with a password, through method (AuthSCRAM
// is the sensible choice; AuthTrust ignores the password).
func WithPassword(method wire.AuthMethod, user, password string) Option {
	secret := password
	if method == wire.AuthSCRAM {
		// The verifier once, as PostgreSQL stores it: deriving it costs
		// 4,096 PBKDF2 rounds, too many to spend on every login.
		if v, err := wire.ScramVerifier(password); err == nil {
			secret = v
		}
	}
	return WithAuth(method, func(_ context.Context, l wire.LoginInfo) (string, error) {
		if l.User != user {
			return "", fmt.Errorf("unknown user %q", l.User)
		}
		return secret, nil
	})
}

// WithDatabases restricts the database names clients may connect to; any
// other gets FATAL 3D000. By default every name is accepted and sees the
// same tables.
func WithDatabases(names ...string) Option {
	return func(s *Server) { s.databases = append(s.databases, names...) }
}

// WithMaxConns limits concurrent connections; one more gets FATAL 53300.
func WithMaxConns(n int) Option { return func(s *Server) { s.wireCfg.MaxConns = n } }

// WithQueryMemoryLimit limits the memory each query may hold in its
// blocking operators (hash join build sides, sorts, aggregation groups,
// windows) to bytes. A sort that needs more spills to temporary files
// (WithTempDir); the other operators fail the query with SQLSTATE 53200,
// and the server goes on serving. 0, the default, sets no limit.
func WithQueryMemoryLimit(bytes int64) Option { return func(s *Server) { s.memLimit = bytes } }

// WithTempDir sets the directory where queries over their memory limit
// spill; the default is the system's temporary directory. Spill files are
// unlinked as soon as they are created, so none outlives its query.
func WithTempDir(dir string) Option { return func(s *Server) { s.tempDir = dir } }

// WithRecursionLimit limits how many times a WITH RECURSIVE query runs its
// recursive term; one more fails with SQLSTATE 54001. 0 sets no limit;
// the default is engine.DefaultRecursionLimit.
func WithRecursionLimit(n int) Option { return func(s *Server) { s.recursionLimit = n } }

// WithConnectHook may refuse a client before it authenticates.
func WithConnectHook(fn func(context.Context, wire.ConnectInfo) error) Option {
	return func(s *Server) { s.wireCfg.Connect = fn }
}

// WithTable registers p as table name in schema public when the server is
// created.
func WithTable(name string, p sources.TableProvider, opts ...TableOption) Option {
	return WithSchemaTable("", name, p, opts...)
}

// WithSchemaTable registers p as table schema.name when the server is
// created; schema "" is public.
func WithSchemaTable(schema, name string, p sources.TableProvider, opts ...TableOption) Option {
	return func(s *Server) { s.tables = append(s.tables, namedTable{schema, name, p, opts}) }
}

type namedTable struct {
	schema, name string
	p            sources.TableProvider
	opts         []TableOption
}

// TableOption tells clients more about a registered table than its
// provider's schema does: comments and a primary key, which psql's \d+,
// GUI tools' trees and JDBC's DatabaseMetaData show.
type TableOption func(*catalog.TableInfo)

// TableComment describes the table (COMMENT ON TABLE, obj_description).
func TableComment(text string) TableOption {
	return func(i *catalog.TableInfo) { i.Comment = text }
}

// ColumnComment describes one of the table's columns (COMMENT ON COLUMN,
// col_description).
func ColumnComment(column, text string) TableOption {
	return func(i *catalog.TableInfo) {
		if i.ColumnComments == nil {
			i.ColumnComments = make(map[string]string)
		}
		i.ColumnComments[column] = text
	}
}

// PrimaryKey declares the table's primary key. riffq does not check that
// the data is unique: the key is what clients are told (pg_constraint,
// pg_index, information_schema, JDBC getPrimaryKeys), and its columns are
// listed NOT NULL.
func PrimaryKey(columns ...string) TableOption {
	return func(i *catalog.TableInfo) { i.PrimaryKey = columns }
}

// NewServer returns a server with no tables.
func NewServer(opts ...Option) *Server {
	s := &Server{addr: DefaultAddr, logger: slog.Default(), recursionLimit: engine.DefaultRecursionLimit}
	for _, o := range opts {
		o(s)
	}
	s.catalog = catalog.New("riffq")
	for _, db := range s.databases {
		_ = s.catalog.AddDatabase(db)
	}
	s.planner = &planner.Planner{Catalog: s.catalog, MemoryLimit: s.memLimit, TempDir: s.tempDir, RecursionLimit: s.recursionLimit}
	cfg := s.wireCfg
	cfg.Handler = handler{planner: s.planner, parser: planner.NewParseCache(4096), hook: s.hook}
	cfg.Logger = s.logger
	cfg.ServerVersion = s.version
	cfg.AcceptDatabase = s.catalog.HasDatabase
	// A session's temporary tables go with it.
	userDisconnect := cfg.Disconnect
	cfg.Disconnect = func(sess *wire.Session) {
		s.catalog.DropTempSchema(sess.Database, sess.ID)
		if userDisconnect != nil {
			userDisconnect(sess)
		}
	}
	s.wire = wire.NewServer(cfg)
	for _, t := range s.tables {
		if err := s.RegisterSchemaTable(t.schema, t.name, t.p, t.opts...); err != nil {
			s.logger.Error("register table", "schema", t.schema, "table", t.name, "err", err)
		}
	}
	return s
}

// Catalog returns the server's catalog.
func (s *Server) Catalog() *catalog.Catalog { return s.catalog }

// RegisterTable serves p as table name in schema public, in every
// database. Tables can be registered while the server runs.
func (s *Server) RegisterTable(name string, p sources.TableProvider, opts ...TableOption) error {
	return s.RegisterSchemaTable(catalog.DefaultSchema, name, p, opts...)
}

// RegisterSchemaTable serves p as schema.name, in every database.
func (s *Server) RegisterSchemaTable(schema, name string, p sources.TableProvider, opts ...TableOption) error {
	var info catalog.TableInfo
	for _, o := range opts {
		o(&info)
	}
	if len(s.databases) == 0 {
		return s.catalog.AddTable("", schema, name, p, info)
	}
	for _, db := range s.databases {
		if err := s.catalog.AddTable(db, schema, name, p, info); err != nil {
			return err
		}
	}
	return nil
}

// RegisterDatabase adds a database. Once one is registered, clients may
// connect only to registered databases (others get FATAL 3D000); tables
// registered afterwards with RegisterTable go into every database.
func (s *Server) RegisterDatabase(name string) error {
	if err := s.catalog.AddDatabase(name); err != nil {
		return err
	}
	s.databases = append(s.databases, name)
	return nil
}

// RegisterSchema adds an empty schema to every database.
func (s *Server) RegisterSchema(name string) error {
	if len(s.databases) == 0 {
		return s.catalog.AddSchema("", name)
	}
	for _, db := range s.databases {
		if err := s.catalog.AddSchema(db, name); err != nil {
			return err
		}
	}
	return nil
}

// ListenAndServe listens on the configured address and serves until ctx is
// done, then shuts down.
func (s *Server) ListenAndServe(ctx context.Context) error {
	l, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.addr, err)
	}
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return s.Shutdown(context.WithoutCancel(ctx))
	}
}

// Serve serves connections accepted on l until Shutdown.
func (s *Server) Serve(l net.Listener) error {
	s.logger.Info("riffq listening", "addr", l.Addr().String())
	// The system tables are built on first use; build them while the
	// first client connects.
	go s.catalog.Warm()
	err := s.wire.Serve(l)
	if errors.Is(err, wire.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops the server: no new connections, running queries are
// canceled, and sessions end. It returns when they have or ctx is done.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.wire.Shutdown(ctx)
}
