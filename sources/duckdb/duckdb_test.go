//go:build cgo && duckdb_arrow

package duckdb_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/sources"
	"github.com/riffq/riffq/sources/duckdb"
)

const setup = `
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE TABLE types (id INTEGER, b BOOLEAN, i2 SMALLINT, i8 BIGINT, f4 REAL, f8 DOUBLE, n DECIMAL(12,2),
	t VARCHAR, bin BLOB, d DATE, tm TIME, ts TIMESTAMP, tz TIMESTAMPTZ, iv INTERVAL, li INTEGER[],
	st STRUCT(a INTEGER, b VARCHAR), m mood, mp MAP(VARCHAR, INTEGER), ls STRUCT(x INTEGER)[]);
INSERT INTO types VALUES
	(1, true, 2, 10000000000, 1.5, 2.25, 1234.50, 'héllo', '\x00\xff'::BLOB, '2024-02-29', '13:14:15.5',
	 '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05+02', INTERVAL '1 year 2 months 3 days 4 hours', [1, NULL, 3],
	 {'a': 1, 'b': 'x'}, 'happy', MAP {'k': 1, 'j': NULL}, [{'x': 1}, NULL]),
	(2, NULL, NULL, NULL, NULL, 'NaN', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, [], NULL, NULL, NULL, []);
CREATE SCHEMA sales;
CREATE TABLE sales.orders AS SELECT range::INTEGER AS id, 'c' || (range % 7) AS customer, (range * 1.25)::DECIMAL(10,2) AS amount,
	DATE '2024-01-01' + (range % 60)::INTEGER AS placed FROM range(1, 100001);
INSERT INTO sales.orders VALUES (0, 'a%b', 1.00, NULL), (-1, 'axb', 2.00, NULL);
CREATE VIEW sales.big_orders AS SELECT * FROM sales.orders WHERE amount > 1000;
CREATE TABLE widths (ti TINYINT, uti UTINYINT, usi USMALLINT, ui UINTEGER, ubi UBIGINT,
	tsns TIMESTAMP_NS, tsms TIMESTAMP_MS, tss TIMESTAMP_S);
INSERT INTO widths VALUES (-128, 255, 65535, 4294967295, 18446744073709551615,
	'2024-01-02 03:04:05.1234565', '2024-01-02 03:04:05.123', '2024-01-02 03:04:05');
`

func open(t *testing.T) (*duckdb.Source, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.duckdb")
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(setup); err != nil {
		t.Fatal(err)
	}
	db.Close()
	src, err := duckdb.Open(context.Background(), path, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	// A second, read-only handle answers the reference queries.
	ref, err := sql.Open("duckdb", path+"?access_mode=READ_ONLY")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ref.Close() })
	return src, ref
}

func table(t *testing.T, src *duckdb.Source, schema, name string) *duckdb.Table {
	t.Helper()
	for _, tb := range src.Tables() {
		if tb.RemoteSchema() == schema && tb.Name() == name {
			return tb
		}
	}
	t.Fatalf("no table %s.%s", schema, name)
	return nil
}

func scanAll(t *testing.T, tb sources.TableProvider, req sources.ScanRequest) (int64, []arrow.RecordBatch) {
	t.Helper()
	r, err := tb.Scan(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	var n int64
	var out []arrow.RecordBatch
	for r.Next() {
		b := r.RecordBatch()
		b.Retain()
		t.Cleanup(b.Release)
		out = append(out, b)
		n += b.NumRows()
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return n, out
}

func TestDuckDB(t *testing.T) {
	src, ref := open(t)

	t.Run("tables", func(t *testing.T) {
		var got []string
		for _, tb := range src.Tables() {
			got = append(got, tb.RemoteSchema()+"."+tb.Name())
		}
		if want := "main.types main.widths sales.big_orders sales.orders"; strings.Join(got, " ") != want {
			t.Fatalf("tables %v, want %s", got, want)
		}
	})

	t.Run("types", func(t *testing.T) {
		tb := table(t, src, "main", "types")
		want := []string{"int32", "bool", "int16", "int64", "float32", "float64", "decimal(12, 2)", "utf8", "binary",
			"date32", "time64[us]", "timestamp[us]", "timestamp[us, tz=UTC]", "month_day_nano_interval",
			"list<l: int32, nullable>", "jsonb", "utf8", "jsonb", "jsonb"}
		for i, f := range tb.Schema().Fields() {
			if got := f.Type.String(); i >= len(want) || got != want[i] {
				t.Errorf("column %s: %s, want %s", f.Name, got, want[min(i, len(want)-1)])
			}
		}
		n, batches := scanAll(t, tb, sources.ScanRequest{Limit: -1})
		if n != 2 {
			t.Fatalf("%d rows", n)
		}
		b := batches[0]
		checks := map[string]string{"t": "héllo", "i8": "10000000000", "st": `{"a": 1, "b": "x"}`, "m": "happy", "d": "2024-02-29",
			"mp": `{"j": null, "k": 1}`, "ls": `[{"x": 1}, null]`}
		for col, want := range checks {
			i := b.Schema().FieldIndices(col)[0]
			if got := b.Column(i).ValueStr(0); got != want {
				t.Errorf("column %s: %q, want %q", col, got, want)
			}
		}
	})

	// Types the engine has no kernels for come as the ones it has.
	t.Run("canonical types", func(t *testing.T) {
		tb := table(t, src, "main", "widths")
		want := []string{"int16", "int16", "int32", "int64", "decimal(20, 0)", "timestamp[us]", "timestamp[us]", "timestamp[us]"}
		values := []string{"-128", "255", "65535", "4294967295", "18446744073709551615",
			"2024-01-02T03:04:05.123456", "2024-01-02T03:04:05.123", "2024-01-02T03:04:05"} // half to even
		_, batches := scanAll(t, tb, sources.ScanRequest{Limit: -1})
		for i, f := range tb.Schema().Fields() {
			if got := f.Type.String(); got != want[i] {
				t.Errorf("column %s: %s, want %s", f.Name, got, want[i])
			}
			if got := batches[0].Column(i).ValueStr(0); got != values[i] {
				t.Errorf("column %s: %q, want %q", f.Name, got, values[i])
			}
		}
		// A filter on the rounded nanoseconds is riffq's: DuckDB would
		// compare the value it holds.
		s := tb.Schema()
		ns := &expr.Binary{Op: expr.Eq, Left: &expr.Column{Index: 5, Name: "tsns", Type: s.Field(5).Type},
			Right: &expr.Literal{Value: scalar.NewTimestampScalar(1704164645123456, s.Field(5).Type)}, Type: arrow.FixedWidthTypes.Boolean}
		if got := tb.SupportsFilters([]expr.Expr{ns}); got[0] != sources.Unsupported {
			t.Errorf("a filter on a nanosecond column is pushed to DuckDB (%v)", got[0])
		}
	})

	t.Run("pushdown", func(t *testing.T) {
		tb := table(t, src, "sales", "orders")
		s := tb.Schema()
		col := func(name string) *expr.Column {
			i := s.FieldIndices(name)[0]
			return &expr.Column{Index: i, Name: name, Type: s.Field(i).Type}
		}
		boolT := arrow.FixedWidthTypes.Boolean
		lit := func(v scalar.Scalar) expr.Expr { return &expr.Literal{Value: v} }
		filters := []expr.Expr{
			&expr.Binary{Op: expr.GtEq, Left: col("customer"), Right: lit(scalar.NewStringScalar("c5")), Type: boolT},
			&expr.Binary{Op: expr.Lt, Left: col("placed"), Right: lit(scalar.NewDate32Scalar(arrow.Date32FromTime(mustDate("2024-01-10")))), Type: boolT},
			&expr.Binary{Op: expr.Add, Left: col("id"), Right: col("id"), Type: arrow.PrimitiveTypes.Int32},
		}
		got := tb.SupportsFilters(filters)
		if got[0] != sources.Exact || got[1] != sources.Exact || got[2] != sources.Unsupported {
			t.Fatalf("support %v", got)
		}
		var want int64
		if err := ref.QueryRow(`SELECT count(*) FROM sales.orders WHERE customer >= 'c5' AND placed < DATE '2024-01-10'`).Scan(&want); err != nil {
			t.Fatal(err)
		}
		n, batches := scanAll(t, tb, sources.ScanRequest{Projection: []int{1}, Filters: filters[:2], Limit: -1})
		if n != want || n == 0 {
			t.Fatalf("%d rows, want %d", n, want)
		}
		if batches[0].NumCols() != 1 || batches[0].Schema().Field(0).Name != "customer" {
			t.Fatalf("projection: %s", batches[0].Schema())
		}
		// LIKE escapes with backslash, as in PostgreSQL.
		like := &expr.Call{Func: "like", Args: []expr.Expr{col("customer"), lit(scalar.NewStringScalar(`a\%b`))}, Type: boolT}
		if n, _ := scanAll(t, tb, sources.ScanRequest{Filters: []expr.Expr{like}, Limit: -1}); n != 1 {
			t.Errorf(`LIKE 'a\%%b': %d rows, want 1`, n)
		}
		if n, _ := scanAll(t, tb, sources.ScanRequest{Projection: []int{}, Limit: 10}); n != 10 {
			t.Errorf("limit 10: %d rows", n)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		r, err := table(t, src, "sales", "orders").Scan(ctx, sources.ScanRequest{Limit: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Release()
		r.Next()
		cancel()
		for r.Next() {
		}
		if !errors.Is(r.Err(), context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", r.Err())
		}
	})
}

func TestOpenMissing(t *testing.T) {
	_, err := duckdb.Open(context.Background(), filepath.Join(t.TempDir(), "none.duckdb"), duckdb.Options{})
	if err == nil || !strings.Contains(err.Error(), "none.duckdb") {
		t.Fatalf("got %v, want an error naming the file", err)
	}
}

func mustDate(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}
