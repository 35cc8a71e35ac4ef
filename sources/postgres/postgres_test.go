package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/jackc/pgx/v5"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtest"
	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/sources"
	"github.com/riffq/riffq/sources/postgres"
)

// setup is the remote database the tests read: every supported type with
// NULLs, a second schema, a view, a domain, an enum and a big series.
const setup = `
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
CREATE TABLE public.types (
	id int PRIMARY KEY, b bool, i2 smallint, i8 bigint, f4 real, f8 double precision,
	n numeric(12,2), nu numeric, t text, vc varchar(10), c char(3), by bytea,
	d date, tm time, ts timestamp, tz timestamptz, iv interval, u uuid, j json, jb jsonb,
	ai int[], at text[], m mood, p positive, pt point);
INSERT INTO types VALUES
	(1, true, 1, 10000000000, 1.5, 2.25, 1234.50, 3.14159265358979323846, 'héllo', 'v', 'ab', '\x00ff',
	 '2024-02-29', '13:14:15.5', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05+02', '1 year 2 mons 3 days 04:05:06',
	 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2]}', '{"b": 1, "a": 2}', '{1,NULL,3}', '{x,"y z"}', 'happy', 7, '(1,2)'),
	(2, NULL, NULL, NULL, NULL, 'NaN', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{}', NULL, NULL, NULL, NULL);
CREATE SCHEMA sales;
CREATE TABLE sales.orders (id int, customer text, amount numeric(10,2), placed date);
INSERT INTO sales.orders SELECT g, 'c' || (g % 7), g * 1.25, DATE '2024-01-01' + g % 60 FROM generate_series(1, 1000) g;
CREATE VIEW sales.big AS SELECT g AS n FROM generate_series(1, 2000000) g;
CREATE TABLE public.hidden (x int);
`

func remote(t *testing.T) (*postgres.Source, *pgx.Conn) {
	t.Helper()
	pg := pgtest.ForTest(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pg.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	if _, err := conn.Exec(ctx, setup); err != nil {
		t.Fatal(err)
	}
	src, err := postgres.Open(ctx, pg.URL(), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(src.Close)
	return src, conn
}

func table(t *testing.T, src *postgres.Source, schema, name string) *postgres.Table {
	t.Helper()
	for _, tb := range src.Tables() {
		if tb.RemoteSchema() == schema && tb.Name() == name {
			return tb
		}
	}
	t.Fatalf("no table %s.%s", schema, name)
	return nil
}

func readAll(t *testing.T, r array.RecordReader) (rows int64, batches []arrow.RecordBatch) {
	t.Helper()
	defer r.Release()
	for r.Next() {
		b := r.RecordBatch()
		b.Retain()
		t.Cleanup(b.Release)
		batches = append(batches, b)
		rows += b.NumRows()
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return rows, batches
}

// The pieces of one test database are checked together: starting
// PostgreSQL costs a second or two.
func TestRemotePostgres(t *testing.T) {
	src, conn := remote(t)
	ctx := context.Background()

	t.Run("tables", func(t *testing.T) {
		var got []string
		for _, tb := range src.Tables() {
			got = append(got, tb.RemoteSchema()+"."+tb.Name())
		}
		want := "public.hidden public.types sales.big sales.orders"
		if strings.Join(got, " ") != want {
			t.Fatalf("tables %v, want %s", got, want)
		}
	})

	t.Run("types", func(t *testing.T) {
		tb := table(t, src, "public", "types")
		want := map[string]string{
			"id": "int32", "b": "bool", "i2": "int16", "i8": "int64", "f4": "float32", "f8": "float64",
			"n": "decimal(12, 2)", "nu": "numeric", "t": "utf8", "vc": "utf8", "c": "utf8", "by": "binary",
			"d": "date32", "tm": "time64[us]", "ts": "timestamp[us]", "tz": "timestamp[us, tz=UTC]",
			"iv": "month_day_nano_interval", "u": "extension<arrow.uuid>", "j": "extension<arrow.json[storage_type=utf8]>",
			"jb": "extension<arrow.json[storage_type=utf8]>", "ai": "list<item: int32, nullable>", "at": "list<item: utf8, nullable>",
			"m": "utf8", "p": "int32", "pt": "utf8",
		}
		for _, f := range tb.Schema().Fields() {
			if got := f.Type.String(); got != want[f.Name] {
				t.Errorf("column %s: type %s, want %s", f.Name, got, want[f.Name])
			}
		}
		if tb.Schema().Field(0).Nullable {
			t.Error("primary key column is nullable")
		}
		// char(n) compares without its padding remotely, as text here.
		c := &expr.Column{Index: 10, Name: "c", Type: arrow.BinaryTypes.String}
		eq := &expr.Binary{Op: expr.Eq, Left: c, Right: lit(scalar.NewStringScalar("ab")), Type: arrow.FixedWidthTypes.Boolean}
		if got := tb.SupportsFilters([]expr.Expr{eq}); got[0] != sources.Unsupported {
			t.Errorf("filter on char(3): %v, want Unsupported", got[0])
		}
		rows, batches := readAll(t, mustScan(t, tb, sources.ScanRequest{Limit: -1}))
		if rows != 2 {
			t.Fatalf("%d rows, want 2", rows)
		}
		b := batches[0]
		// Each value against the remote server's own text output.
		for i, f := range tb.Schema().Fields() {
			var remote *string
			if err := conn.QueryRow(ctx, "SELECT "+pgx.Identifier{f.Name}.Sanitize()+"::text FROM types WHERE id = 1").Scan(&remote); err != nil {
				t.Fatal(err)
			}
			got := b.Column(i).ValueStr(0)
			if !sameValue(f.Name, got, *remote) {
				t.Errorf("column %s: %q, remote says %q", f.Name, got, *remote)
			}
			if f.Name != "id" && f.Name != "f8" && f.Name != "ai" && !b.Column(i).IsNull(1) {
				t.Errorf("column %s: row 2 not NULL", f.Name)
			}
		}
	})

	t.Run("pushdown", func(t *testing.T) {
		tb := table(t, src, "sales", "orders")
		s := tb.Schema()
		col := func(name string) *expr.Column {
			i := s.FieldIndices(name)[0]
			return &expr.Column{Index: i, Name: name, Type: s.Field(i).Type}
		}
		amount, _ := decimal128.FromString("100.00", 10, 2)
		filters := []expr.Expr{
			&expr.Binary{Op: expr.Eq, Left: col("customer"), Right: lit(scalar.NewStringScalar("c3")), Type: arrow.FixedWidthTypes.Boolean},
			&expr.Binary{Op: expr.Gt, Left: col("amount"), Right: lit(scalar.NewDecimal128Scalar(amount, s.Field(2).Type)), Type: arrow.FixedWidthTypes.Boolean},
			&expr.Binary{Op: expr.Or, Left: &expr.IsNull{Input: col("placed")}, Right: &expr.Binary{Op: expr.Lt, Left: col("customer"), Right: lit(scalar.NewStringScalar("c4")), Type: arrow.FixedWidthTypes.Boolean}, Type: arrow.FixedWidthTypes.Boolean},
			&expr.Call{Func: "like", Args: []expr.Expr{col("customer"), lit(scalar.NewStringScalar("c_"))}, Type: arrow.FixedWidthTypes.Boolean},
			// Arithmetic stays with riffq.
			&expr.Binary{Op: expr.Gt, Left: &expr.Binary{Op: expr.Add, Left: col("id"), Right: col("id"), Type: arrow.PrimitiveTypes.Int32}, Right: lit(scalar.NewInt32Scalar(0)), Type: arrow.FixedWidthTypes.Boolean},
		}
		support := tb.SupportsFilters(filters)
		want := []sources.FilterSupport{sources.Exact, sources.Exact, sources.Exact, sources.Exact, sources.Unsupported}
		for i := range want {
			if support[i] != want[i] {
				t.Errorf("filter %s: support %v, want %v", filters[i], support[i], want[i])
			}
		}
		var remoteCount int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM sales.orders WHERE customer = 'c3' AND amount > 100 AND customer LIKE 'c_'").Scan(&remoteCount); err != nil {
			t.Fatal(err)
		}
		rows, batches := readAll(t, mustScan(t, tb, sources.ScanRequest{Projection: []int{1, 0}, Filters: filters[:4], Limit: -1}))
		if rows != remoteCount || rows == 0 {
			t.Fatalf("%d rows, want %d", rows, remoteCount)
		}
		for _, b := range batches {
			if b.NumCols() != 2 || b.Schema().Field(0).Name != "customer" {
				t.Fatalf("projected schema %s", b.Schema())
			}
			for i := range int(b.NumRows()) {
				if v := b.Column(0).ValueStr(i); v != "c3" {
					t.Fatalf("row with customer %q passed the pushed filter", v)
				}
			}
		}
		rows, _ = readAll(t, mustScan(t, tb, sources.ScanRequest{Projection: []int{}, Filters: filters[:1], Limit: 5}))
		if rows != 5 {
			t.Fatalf("limit 5 with no columns: %d rows", rows)
		}
	})

	t.Run("streams and stops early", func(t *testing.T) {
		tb := table(t, src, "sales", "big")
		r := mustScan(t, tb, sources.ScanRequest{Limit: -1})
		if !r.Next() || r.RecordBatch().NumRows() == 0 || r.RecordBatch().NumRows() >= 2000000 {
			t.Fatal("first batch missing or holding the whole result")
		}
		start := time.Now()
		r.Release()
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("release took %v: it read the rest of the result", d)
		}
		rows, _ := readAll(t, mustScan(t, tb, sources.ScanRequest{Projection: []int{0}, Limit: 3}))
		if rows != 3 {
			t.Fatalf("after an early release: %d rows, want 3", rows)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		tb := table(t, src, "sales", "big")
		cctx, cancel := context.WithCancel(ctx)
		r, err := tb.Scan(cctx, sources.ScanRequest{Limit: -1})
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

	t.Run("remote error keeps its SQLSTATE", func(t *testing.T) {
		tb := table(t, src, "public", "hidden")
		if _, err := conn.Exec(ctx, "DROP TABLE public.hidden"); err != nil {
			t.Fatal(err)
		}
		r, err := tb.Scan(ctx, sources.ScanRequest{Limit: -1})
		if err == nil {
			for r.Next() {
			}
			err = r.Err()
			r.Release()
		}
		var pe *pgerror.Error
		if !errors.As(err, &pe) || pe.Code != pgerror.UndefinedTable || !strings.Contains(pe.Message, "public.hidden") {
			t.Fatalf("got %v, want 42P01 naming the table", err)
		}
	})
}

func TestOpenErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, url := range []string{"postgres://nobody@127.0.0.1:1/none?connect_timeout=2", "not a url=%"} {
		if _, err := postgres.Open(ctx, url, postgres.Options{}); err == nil || !strings.Contains(err.Error(), "postgres source") {
			t.Errorf("Open(%q): %v, want an error naming the source", url, err)
		}
	}
}

func mustScan(t *testing.T, tb sources.TableProvider, req sources.ScanRequest) array.RecordReader {
	t.Helper()
	r, err := tb.Scan(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func lit(s scalar.Scalar) *expr.Literal { return &expr.Literal{Value: s} }

// sameValue compares Arrow's rendering of a value with PostgreSQL's text
// output where the two spell the same value differently.
func sameValue(col, arrowText, pgText string) bool {
	switch col {
	case "c": // char(n) arrives padded; ::text trims it
		return arrowText == pgText+" "
	case "d", "tm", "ts", "tz", "iv", "j", "jb", "ai", "at", "by", "nu", "n":
		// Checked through riffq's own PostgreSQL text output in the
		// federation tests; here only presence matters.
		return arrowText != ""
	}
	return arrowText == pgText
}
