package benchmarks

import (
	"context"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/riffq/riffq"
	"github.com/riffq/riffq/sources/parquet"
)

// BenchmarkStreamLineitem streams 200,000 lineitem-like rows (16 columns)
// in text and binary; b.N counts whole results.
func BenchmarkStreamLineitem(b *testing.B) {
	path := filepath.Join(b.TempDir(), "lineitem.parquet")
	if err := WriteLineitem(path, 200_000); err != nil {
		b.Fatal(err)
	}
	tbl, err := parquet.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	srv := riffq.NewServer(riffq.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), riffq.WithTable("lineitem", tbl))
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
	for _, mode := range []struct {
		name string
		m    pgx.QueryExecMode
	}{{"text", pgx.QueryExecModeSimpleProtocol}, {"binary", pgx.QueryExecModeCacheStatement}} {
		b.Run(mode.name, func(b *testing.B) {
			cfg, _ := pgx.ParseConfig("postgres://bench@" + l.Addr().String() + "/db?sslmode=disable")
			cfg.DefaultQueryExecMode = mode.m
			conn, err := pgx.ConnectConfig(context.Background(), cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close(context.Background())
			var rows int64
			for b.Loop() {
				r, err := conn.Query(context.Background(), "SELECT * FROM lineitem")
				if err != nil {
					b.Fatal(err)
				}
				for r.Next() {
					rows++
				}
				if err := r.Err(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
