package benchmarks

import (
	"context"
	"path/filepath"
	"testing"

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
	addr := startServer(b, riffq.WithTable("lineitem", tbl))
	for _, mode := range []struct {
		name string
		m    pgx.QueryExecMode
	}{{"text", pgx.QueryExecModeSimpleProtocol}, {"binary", pgx.QueryExecModeCacheStatement}} {
		b.Run(mode.name, func(b *testing.B) {
			cfg, _ := pgx.ParseConfig("postgres://bench@" + addr + "/db?sslmode=disable")
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
