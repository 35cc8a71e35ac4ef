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
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/planner"
	"github.com/riffq/riffq/sources"
	"github.com/riffq/riffq/wire"
)

// DefaultAddr is where ListenAndServe listens unless WithAddr says otherwise.
const DefaultAddr = "127.0.0.1:5433"

// Server is a PostgreSQL-compatible server over registered tables.
type Server struct {
	addr    string
	logger  *slog.Logger
	version string
	catalog *catalog.Catalog
	planner *planner.Planner
	wire    *wire.Server
}

// Option configures a Server.
type Option func(*Server)

// WithAddr sets the TCP address ListenAndServe listens on.
func WithAddr(addr string) Option { return func(s *Server) { s.addr = addr } }

// WithLogger sets the structured logger.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.logger = l } }

// WithServerVersion sets the server_version reported to clients.
func WithServerVersion(v string) Option { return func(s *Server) { s.version = v } }

// NewServer returns a server with no tables.
func NewServer(opts ...Option) *Server {
	s := &Server{addr: DefaultAddr, logger: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	s.catalog = catalog.New("riffq")
	s.planner = &planner.Planner{Catalog: s.catalog}
	s.wire = wire.NewServer(wire.Config{
		Handler:        handler{s.planner},
		Logger:         s.logger,
		ServerVersion:  s.version,
		AcceptDatabase: s.catalog.HasDatabase,
	})
	return s
}

// Catalog returns the server's catalog.
func (s *Server) Catalog() *catalog.Catalog { return s.catalog }

// RegisterTable serves p as table name in schema public. Tables can be
// registered while the server runs.
func (s *Server) RegisterTable(name string, p sources.TableProvider) error {
	return s.catalog.AddTable("", catalog.DefaultSchema, name, p)
}

// RegisterSchemaTable serves p as schema.name.
func (s *Server) RegisterSchemaTable(schema, name string, p sources.TableProvider) error {
	return s.catalog.AddTable("", schema, name, p)
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
