package benchmarks

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/riffq/riffq"
	"github.com/riffq/riffq/internal/pgload"
	"github.com/riffq/riffq/internal/pgtest"
	"github.com/riffq/riffq/sources/parquet"
)

// lookupRows is the size of the point-lookup table (TPC-H SF1 orders has
// 1.5M rows).
const lookupRows = 1_500_000

// BenchmarkPointLookup runs SELECT * ... WHERE n = $1 for random keys from
// 8 concurrent clients (pgx, prepared), against riffq over a Parquet file
// and against PostgreSQL with a btree index on the same data, and reports
// queries per second. Issue 5's target is 20x DuckDB's ~200 q/s.
func BenchmarkPointLookup(b *testing.B) {
	path := filepath.Join(b.TempDir(), "narrow.parquet")
	if err := WriteNarrow(path, lookupRows); err != nil {
		b.Fatal(err)
	}
	tbl, err := parquet.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	riffqURL := "postgres://bench@" + startServer(b, riffq.WithTable("narrow", tbl)) + "/riffq?sslmode=disable"

	pg := pgtest.ForTest(b)
	conn, err := pgx.Connect(ctx, pg.URL())
	if err != nil {
		b.Fatal(err)
	}
	if _, err := pgload.CopyTable(ctx, conn, "narrow", tbl); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE INDEX ON narrow (n)"); err != nil {
		b.Fatal(err)
	}
	conn.Close(ctx)

	for _, target := range []struct{ name, url string }{{"riffq", riffqURL}, {"postgres", pg.URL()}} {
		b.Run(target.name, func(b *testing.B) {
			b.SetParallelism(4) // 8 clients on 2 cores
			var failed atomic.Value
			b.RunParallel(func(p *testing.PB) {
				c, err := pgx.Connect(ctx, target.url)
				if err != nil {
					failed.Store(err)
					return
				}
				defer c.Close(ctx)
				for p.Next() {
					var n int64
					if err := c.QueryRow(ctx, "SELECT n FROM narrow WHERE n = $1", rand.Int64N(lookupRows)).Scan(&n); err != nil {
						failed.Store(err)
						return
					}
				}
			})
			if err, ok := failed.Load().(error); ok {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
		})
	}
}
