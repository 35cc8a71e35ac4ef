package riffq_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/riffq/riffq"
	"github.com/riffq/riffq/sources"
	"github.com/riffq/riffq/sources/csv"
	"github.com/riffq/riffq/sources/parquet"
)

// sampleTables opens the bundled sample dataset.
func sampleTables(t testing.TB) map[string]sources.TableProvider {
	t.Helper()
	tables := make(map[string]sources.TableProvider)
	for _, name := range []string{"candles", "types"} {
		p, err := parquet.Open(filepath.Join("testdata", "sample", name+".parquet"))
		if err != nil {
			t.Fatal(err)
		}
		tables[name] = p
	}
	c, err := csv.Open(filepath.Join("testdata", "sample", "symbols.csv"))
	if err != nil {
		t.Fatal(err)
	}
	tables["symbols"] = c
	return tables
}

// sampleDescription is what the sample tables are registered with besides
// their data, and what the reference PostgreSQL gets with them: comments
// and primary keys, which clients introspect.
type sampleDescription struct {
	comment    string
	primaryKey []string
	columns    [][2]string // column, comment
}

func sampleDescriptions() map[string]sampleDescription {
	return map[string]sampleDescription{
		"candles": {comment: "Hourly OHLCV candles per symbol", primaryKey: []string{"symbol", "ts"},
			columns: [][2]string{{"vwap", "Volume-weighted average price"}}},
		"symbols": {comment: "Listed symbols", primaryKey: []string{"symbol"},
			columns: [][2]string{{"symbol", "Ticker symbol"}, {"sector", "Industry sector"}}},
		"types": {primaryKey: []string{"id"}},
	}
}

// sampleOptions registers a sample table with its description.
func sampleOptions(name string) []riffq.TableOption {
	d := sampleDescriptions()[name]
	var opts []riffq.TableOption
	if d.comment != "" {
		opts = append(opts, riffq.TableComment(d.comment))
	}
	if len(d.primaryKey) > 0 {
		opts = append(opts, riffq.PrimaryKey(d.primaryKey...))
	}
	for _, c := range d.columns {
		opts = append(opts, riffq.ColumnComment(c[0], c[1]))
	}
	return opts
}

// describeReference gives the sample tables loaded into a reference
// PostgreSQL their comments and primary keys.
func describeReference(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	for name, d := range sampleDescriptions() {
		var stmts []string
		if len(d.primaryKey) > 0 {
			stmts = append(stmts, fmt.Sprintf("ALTER TABLE %s ADD PRIMARY KEY (%s)", name, strings.Join(d.primaryKey, ", ")))
		}
		if d.comment != "" {
			stmts = append(stmts, fmt.Sprintf("COMMENT ON TABLE %s IS '%s'", name, d.comment))
		}
		for _, c := range d.columns {
			stmts = append(stmts, fmt.Sprintf("COMMENT ON COLUMN %s.%s IS '%s'", name, c[0], c[1]))
		}
		for _, s := range stmts {
			if _, err := conn.Exec(context.Background(), s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
}

// startServer serves the sample tables on a random local port and returns
// the connection URL.
func startServer(t testing.TB, opts ...riffq.Option) string {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv := riffq.NewServer(append([]riffq.Option{riffq.WithLogger(logger)}, opts...)...)
	for name, p := range sampleTables(t) {
		if err := srv.RegisterTable(name, p, sampleOptions(name)...); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return "postgres://tester@" + l.Addr().String() + "/riffq?sslmode=disable"
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// connect opens a pgx connection that uses the simple query protocol.
func connect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// execer returns a function that runs a statement on conn and fails the
// test if it fails.
func execer(t testing.TB, conn *pgx.Conn) func(sql string) {
	return func(sql string) {
		t.Helper()
		if _, err := conn.Exec(context.Background(), sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
}
