//go:build cgo && duckdb_arrow

package benchmarks

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/riffq/riffq"
	"github.com/riffq/riffq/sources/duckdb"
)

// duckRows is the size of the DuckDB benchmark table.
const duckRows = 2_000_000

// duckdbQueries run through riffq's DuckDB source and in DuckDB itself.
var duckdbQueries = []struct{ name, sql string }{
	{"scan", "SELECT id, customer, qty, price FROM orders"},
	{"filter", "SELECT id, price FROM orders WHERE qty = 7 AND customer > 'c3'"},
	{"groupby", "SELECT customer, count(*), sum(qty), avg(price) FROM orders GROUP BY customer"},
}

// duckdbFile writes the benchmark table into a DuckDB file.
func duckdbFile(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.duckdb")
	db, err := sql.Open("duckdb", path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE orders AS SELECT range::BIGINT AS id, 'c' || (range % 50) AS customer,
		(range % 100)::INTEGER AS qty, (range % 1000) * 1.5 AS price FROM range(?)`, duckRows); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkDuckDBSource runs each query through riffq over the DuckDB
// source (scans through DuckDB's Arrow interface, filters pushed down),
// streaming every row to a pgx client.
func BenchmarkDuckDBSource(b *testing.B) {
	path := duckdbFile(b)
	src, err := duckdb.Open(context.Background(), path, duckdb.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	t := src.Tables()[0]
	addr := startServer(b, riffq.WithTable("orders", t))
	conn, err := pgx.Connect(context.Background(), "postgres://bench@"+addr+"/riffq?sslmode=disable")
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, q := range duckdbQueries {
		b.Run(q.name, func(b *testing.B) { loop(b, conn, q.sql) })
	}
}

// BenchmarkDuckDBNative runs the same queries in DuckDB itself through
// database/sql, reading every value: the in-process baseline.
func BenchmarkDuckDBNative(b *testing.B) {
	db, err := sql.Open("duckdb", duckdbFile(b)+"?access_mode=READ_ONLY")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, q := range duckdbQueries {
		b.Run(q.name, func(b *testing.B) {
			var rows int64
			for b.Loop() {
				r, err := db.Query(q.sql)
				if err != nil {
					b.Fatal(err)
				}
				cols, _ := r.Columns()
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				for r.Next() {
					if err := r.Scan(ptrs...); err != nil {
						b.Fatal(err)
					}
					rows++
				}
				if err := r.Err(); err != nil {
					b.Fatal(err)
				}
				r.Close()
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
