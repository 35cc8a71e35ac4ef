package benchmarks

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/riffq/riffq"
	"github.com/riffq/riffq/sources/parquet"
)

// serve starts riffq on a random port over the sample candles table.
func serve(b *testing.B) *pgx.Conn {
	b.Helper()
	tbl, err := parquet.Open("../testdata/sample/candles.parquet")
	if err != nil {
		b.Fatal(err)
	}
	addr := startServer(b, riffq.WithTable("candles", tbl))
	cfg, err := pgx.ParseConfig("postgres://bench@" + addr + "/riffq?sslmode=disable")
	if err != nil {
		b.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// run executes sql b.N times, reading every value, and reports rows/s.
func run(b *testing.B, sql string) {
	conn := serve(b)
	b.ResetTimer()
	loop(b, conn, sql)
}

// loop runs sql through conn b.N times (simple protocol), reading every
// row, and reports rows/s.
func loop(b *testing.B, conn *pgx.Conn, sql string) {
	ctx := context.Background()
	var rows int64
	for b.Loop() {
		r, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			b.Fatal(err)
		}
		for r.Next() {
			_ = r.RawValues()
			rows++
		}
		if err := r.Err(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkScanAll streams the whole table, every column, to the client.
func BenchmarkScanAll(b *testing.B) { run(b, "SELECT * FROM candles") }

// BenchmarkFilter filters on a column that row-group statistics can prune.
func BenchmarkFilter(b *testing.B) {
	run(b, "SELECT ts, close FROM candles WHERE symbol = 'NVDA' AND close > open")
}

// BenchmarkGroupBy aggregates the table into one row per symbol.
func BenchmarkGroupBy(b *testing.B) {
	run(b, "SELECT symbol, count(*), avg(close), sum(volume), max(high) FROM candles GROUP BY symbol")
}

// BenchmarkTopN sorts the table and keeps ten rows.
func BenchmarkTopN(b *testing.B) {
	run(b, "SELECT symbol, ts, volume FROM candles ORDER BY volume DESC LIMIT 10")
}

// BenchmarkSelectOne is a round trip without data.
func BenchmarkSelectOne(b *testing.B) { run(b, "SELECT 1") }

// BenchmarkSelectOnePrepared is a round trip through a prepared statement
// (Bind, Execute, Sync), as pgbench -M prepared runs it.
func BenchmarkSelectOnePrepared(b *testing.B) {
	conn := serve(b)
	ctx := context.Background()
	if _, err := conn.Prepare(ctx, "one", "SELECT 1"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res := conn.PgConn().ExecPrepared(ctx, "one", nil, nil, nil).Read()
		if res.Err != nil {
			b.Fatal(res.Err)
		}
	}
}

// startServer serves riffq with opts on a random local port until the
// benchmark ends, and returns its address.
func startServer(b testing.TB, opts ...riffq.Option) string {
	b.Helper()
	opts = append([]riffq.Option{riffq.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, opts...)
	srv := riffq.NewServer(opts...)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(l)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return l.Addr().String()
}
