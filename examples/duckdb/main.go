//go:build cgo && duckdb_arrow

// Command duckdb is a PostgreSQL-compatible server over a DuckDB database,
// in a few lines of Go:
//
//   - every table and view of the DuckDB file is served, in its own schema,
//     read through DuckDB's Arrow interface with filters pushed down;
//
//   - clients log in as "analyst" with SCRAM-SHA-256, over TLS only;
//
//   - a query handler answers "SELECT err" with ERROR 42846 "bad type" and
//     leaves every other statement to riffq's engine.
//
//     go run -tags duckdb_arrow ./examples/duckdb --db shop.duckdb --tls-cert server.crt --tls-key server.key
//     PGPASSWORD=secret psql "host=127.0.0.1 port=5436 user=analyst sslmode=require" -c "SELECT * FROM main.orders LIMIT 5"
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/riffq/riffq"
	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/sources/duckdb"
)

// errHandler answers one statement itself.
type errHandler struct{}

func (errHandler) Describe(_ context.Context, q *riffq.Query) (*arrow.Schema, error) {
	if isSelectErr(q.SQL) {
		return nil, badType()
	}
	return nil, riffq.ErrNotHandled
}

func (errHandler) Query(_ context.Context, q *riffq.Query) (*riffq.Result, error) {
	if isSelectErr(q.SQL) {
		return nil, badType()
	}
	return nil, riffq.ErrNotHandled
}

func isSelectErr(sql string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(strings.TrimSuffix(strings.TrimSpace(sql), ";")), " "), "select err")
}

func badType() error { return &pgerror.Error{Code: "42846", Message: "bad type"} }

// config is what the command line sets.
type config struct {
	addr, db, password string
	tls                *tls.Config
}

// run serves the database until ctx is done.
func run(ctx context.Context, cfg config, logger *slog.Logger) error {
	src, err := duckdb.Open(ctx, cfg.db, duckdb.Options{Logger: logger})
	if err != nil {
		return err
	}
	defer src.Close()
	opts := []riffq.Option{
		riffq.WithAddr(cfg.addr),
		riffq.WithLogger(logger),
		riffq.WithTLS(cfg.tls, true),
		riffq.WithPassword(riffq.AuthSCRAM, "analyst", cfg.password),
		riffq.WithQueryHandler(errHandler{}),
	}
	for _, t := range src.Tables() {
		opts = append(opts, riffq.WithSchemaTable(t.RemoteSchema(), t.Name(), t))
	}
	return riffq.NewServer(opts...).ListenAndServe(ctx)
}

func main() {
	addr := flag.String("listen", "127.0.0.1:5436", "address to listen on")
	db := flag.String("db", "", "DuckDB database `file`")
	certFile := flag.String("tls-cert", "", "TLS certificate `file` (PEM)")
	keyFile := flag.String("tls-key", "", "TLS key `file` (PEM)")
	flag.Parse()
	password := os.Getenv("RIFFQ_PASSWORD")
	if *db == "" || *certFile == "" || *keyFile == "" || password == "" {
		fmt.Fprintln(os.Stderr, "duckdb: need --db, --tls-cert, --tls-key and RIFFQ_PASSWORD")
		os.Exit(2)
	}
	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "duckdb:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg := config{addr: *addr, db: *db, password: password, tls: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	if err := run(ctx, cfg, slog.Default()); err != nil {
		fmt.Fprintln(os.Stderr, "duckdb:", err)
		os.Exit(1)
	}
}
