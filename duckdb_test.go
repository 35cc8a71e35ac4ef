//go:build cgo && duckdb_arrow

package riffq_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/riffq/riffq"
	"github.com/riffq/riffq/sources/duckdb"
	"github.com/riffq/riffq/sources/parquet"
)

// TestDuckDBSource serves a DuckDB database through riffq and checks the
// answers against DuckDB answering the same queries itself.
func TestDuckDBSource(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.duckdb")
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`
		CREATE SCHEMA shop;
		CREATE TABLE shop.orders AS SELECT range::INTEGER AS id, 'c' || (range % 13) AS customer,
			(range % 1000)::BIGINT AS qty, DATE '2024-01-01' + (range % 90)::INTEGER AS placed
			FROM range(0, 300000);
		CREATE VIEW shop.recent AS SELECT * FROM shop.orders WHERE placed >= DATE '2024-03-01';`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ref, err := sql.Open("duckdb", path+"?access_mode=READ_ONLY")
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	src, err := duckdb.Open(context.Background(), path, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var opts []riffq.Option
	for _, tb := range src.Tables() {
		opts = append(opts, riffq.WithSchemaTable(tb.RemoteSchema(), tb.Name(), tb))
	}
	conn := connect(t, startServer(t, opts...))

	queries := []string{
		`SELECT count(*), sum(qty), min(placed), max(placed) FROM shop.orders`,
		`SELECT customer, count(*), sum(qty) FROM shop.orders WHERE customer < 'c3' AND qty > 500 GROUP BY customer ORDER BY customer`,
		`SELECT count(*) FROM shop.recent WHERE customer LIKE 'c1%'`,
		`SELECT id, customer, qty, placed FROM shop.orders WHERE id BETWEEN 10 AND 14 ORDER BY id`,
		`SELECT o.customer, count(*) FROM shop.orders o JOIN shop.recent r ON r.id = o.id WHERE o.qty = 7 GROUP BY 1 ORDER BY 1`,
	}
	for _, q := range queries {
		got := strings.Join(textRows(t, conn, q), "\n")
		want := strings.Join(duckRows(t, ref, q), "\n")
		if got != want {
			t.Errorf("%s\n got:\n%s\nwant (DuckDB):\n%s", q, got, want)
		}
	}
	plan := strings.Join(textRows(t, conn, `EXPLAIN SELECT customer FROM shop.orders WHERE qty > 500 LIMIT 3`), "\n")
	if !strings.Contains(plan, "filters=[") || !strings.Contains(plan, "limit=3") {
		t.Errorf("filter and limit not pushed into the DuckDB scan:\n%s", plan)
	}
}

// duckRows renders DuckDB's answer as textRows renders riffq's; the queries
// above only produce values both print alike.
func duckRows(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("duckdb: %s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch v := v.(type) {
			case nil:
				parts[i] = "NULL"
			case interface{ Format(string) string }: // time.Time: dates only here
				parts[i] = v.Format("2006-01-02")
			default:
				parts[i] = fmt.Sprint(v)
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDuckDBParquetTypes serves a Parquet file DuckDB wrote with the types
// pqarrow reads as bytes — JSON, INTERVAL — and others writers use, and
// checks what psql-style text clients get, point lookups (the cached
// path) included.
func TestDuckDBParquetTypes(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "duck.parquet")
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf(`COPY (SELECT i::INTEGER AS id, ('{"a": ' || i || '}')::JSON AS j,
		to_days(i::INTEGER) + INTERVAL '1 month 2 hours' AS iv, i::UTINYINT AS u8,
		TIMESTAMP_NS '2024-01-02 03:04:05.1234565' AS ns,
		CASE i WHEN 0 THEN DATE '-infinity' WHEN 1 THEN DATE 'infinity' ELSE DATE '2024-01-02' END AS d,
		CASE i WHEN 0 THEN TIMESTAMP '-infinity' ELSE TIMESTAMP '2024-01-02' END AS ts
		FROM range(3) t(i)) TO '%s' (FORMAT parquet)`, path)); err != nil {
		t.Fatal(err)
	}
	tbl, err := parquet.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	conn := connect(t, startServer(t, riffq.WithTable("duck", tbl)))
	for _, tc := range []struct{ sql, want string }{
		{"SELECT j->>'a', iv::text, u8 + u8, ns::text FROM duck WHERE id = 1",
			"1|1 mon 1 day 02:00:00|2|2024-01-02 03:04:05.123456"},
		{"SELECT pg_typeof(j)::text, pg_typeof(iv)::text, pg_typeof(u8)::text FROM duck WHERE id = 2",
			"jsonb|interval|smallint"},
		{"SELECT sum((j->>'a')::int), max(iv)::text FROM duck", "3|1 mon 2 days 02:00:00"},
		// DuckDB's -infinity is one above PostgreSQL's.
		{"SELECT d::text, isfinite(d), ts::text, isfinite(ts) FROM duck ORDER BY id", "-infinity|false|-infinity|false|infinity|false|2024-01-02 00:00:00|true|2024-01-02|true|2024-01-02 00:00:00|true"},
	} {
		var got []string
		rows, err := conn.Query(context.Background(), tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				got = append(got, fmt.Sprint(v))
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if strings.Join(got, "|") != tc.want {
			t.Errorf("%s: %s, want %s", tc.sql, strings.Join(got, "|"), tc.want)
		}
	}
}
