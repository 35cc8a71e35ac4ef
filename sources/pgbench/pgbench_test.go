package pgbench

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/sources"
)

// scan reads a whole scan into rows of Go values (nil for NULL).
func scan(t *testing.T, p sources.TableProvider, req sources.ScanRequest) [][]any {
	t.Helper()
	r, err := p.Scan(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	var rows [][]any
	for r.Next() {
		b := r.RecordBatch()
		if !b.Schema().Equal(r.Schema()) {
			t.Fatalf("batch schema %s, reader schema %s", b.Schema(), r.Schema())
		}
		for i := range int(b.NumRows()) {
			row := make([]any, b.NumCols())
			for c, col := range b.Columns() {
				if col.IsNull(i) {
					continue
				}
				switch a := col.(type) {
				case *array.Int32:
					row[c] = a.Value(i)
				case *array.String:
					row[c] = a.Value(i)
				default:
					t.Fatalf("unexpected column type %s", col.DataType())
				}
			}
			rows = append(rows, row)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// count returns the rows of a scan, reading no columns.
func count(t *testing.T, p sources.TableProvider, req sources.ScanRequest) int64 {
	t.Helper()
	r, err := p.Scan(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	var n int64
	for r.Next() {
		if r.RecordBatch().NumCols() != int64(len(req.Projection)) {
			t.Fatalf("%d columns, want %d", r.RecordBatch().NumCols(), len(req.Projection))
		}
		n += r.RecordBatch().NumRows()
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

func tables(t *testing.T, scale int) map[string]*Table {
	t.Helper()
	ts, err := Tables(scale)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestTablesScale(t *testing.T) {
	for _, bad := range []int{0, -1, MaxScale + 1} {
		if _, err := Tables(bad); err == nil {
			t.Errorf("Tables(%d) succeeded", bad)
		}
	}
	ts := tables(t, 3)
	want := map[string]int64{Accounts: 300_000, Branches: 3, Tellers: 30, History: 0}
	for _, name := range TableNames {
		tbl := ts[name]
		if tbl.Name() != name {
			t.Errorf("table %s is named %s", name, tbl.Name())
		}
		if tbl.Rows() != want[name] || tbl.Statistics().RowCount != want[name] {
			t.Errorf("%s: %d rows (statistics %d), want %d", name, tbl.Rows(), tbl.Statistics().RowCount, want[name])
		}
		if n := count(t, tbl, sources.ScanRequest{Projection: []int{}, Limit: -1}); n != want[name] {
			t.Errorf("%s: a scan of no columns counts %d rows, want %d", name, n, want[name])
		}
	}
	if len(ts) != len(TableNames) {
		t.Errorf("%d tables, want %d", len(ts), len(TableNames))
	}
}

func TestSchemas(t *testing.T) {
	ts := tables(t, 1)
	want := map[string]string{
		Accounts: "aid:int32 bid:int32 abalance:int32 filler:utf8",
		Branches: "bid:int32 bbalance:int32 filler:utf8",
		Tellers:  "tid:int32 bid:int32 tbalance:int32 filler:utf8",
		History:  "tid:int32 bid:int32 aid:int32 delta:int32 mtime:timestamp[us] filler:utf8",
	}
	for name, w := range want {
		var got []string
		for _, f := range ts[name].Schema().Fields() {
			got = append(got, f.Name+":"+f.Type.String())
		}
		if strings.Join(got, " ") != w {
			t.Errorf("%s: columns %s, want %s", name, strings.Join(got, " "), w)
		}
	}
}

// TestValues checks the values pgbench -i loads: balances 0, the branch of
// account aid is (aid-1)/100000+1 and of teller tid (tid-1)/10+1, the
// accounts' filler is 84 spaces (char(84) holding ”), the others NULL.
func TestValues(t *testing.T) {
	ts := tables(t, 2)
	blank := strings.Repeat(" ", 84)
	rows := scan(t, ts[Accounts], sources.ScanRequest{Limit: -1})
	if len(rows) != 200_000 {
		t.Fatalf("%d accounts, want 200000", len(rows))
	}
	for i, r := range rows {
		aid := int32(i + 1)
		want := []any{aid, (aid-1)/100_000 + 1, int32(0), blank}
		for c := range want {
			if r[c] != want[c] {
				t.Fatalf("account %d: %v, want %v", aid, r, want)
			}
		}
	}
	rows = scan(t, ts[Tellers], sources.ScanRequest{Limit: -1})
	if len(rows) != 20 {
		t.Fatalf("%d tellers, want 20", len(rows))
	}
	for i, r := range rows {
		tid := int32(i + 1)
		if r[0] != tid || r[1] != (tid-1)/10+1 || r[2] != int32(0) || r[3] != nil {
			t.Errorf("teller %d: %v", tid, r)
		}
	}
	rows = scan(t, ts[Branches], sources.ScanRequest{Limit: -1})
	if len(rows) != 2 || rows[0][0] != int32(1) || rows[1][0] != int32(2) || rows[1][1] != int32(0) || rows[1][2] != nil {
		t.Errorf("branches: %v", rows)
	}
}

func TestProjection(t *testing.T) {
	ts := tables(t, 1)
	rows := scan(t, ts[Accounts], sources.ScanRequest{Projection: []int{2, 0}, Filters: []expr.Expr{eq(aid, i32(77))}, Limit: -1})
	if len(rows) != 1 || len(rows[0]) != 2 || rows[0][0] != int32(0) || rows[0][1] != int32(77) {
		t.Errorf("SELECT abalance, aid ... WHERE aid = 77: %v", rows)
	}
	if _, err := ts[Accounts].Scan(context.Background(), sources.ScanRequest{Projection: []int{4}, Limit: -1}); err == nil {
		t.Error("a projection of a column that does not exist succeeded")
	}
}

var (
	aid    = &expr.Column{Index: 0, Name: "aid", Type: arrow.PrimitiveTypes.Int32}
	bid    = &expr.Column{Index: 1, Name: "bid", Type: arrow.PrimitiveTypes.Int32}
	aidBig = &expr.Cast{Input: aid, Type: arrow.PrimitiveTypes.Int64}
)

func i32(v int32) expr.Expr { return &expr.Literal{Value: scalar.NewInt32Scalar(v)} }
func i64(v int64) expr.Expr { return &expr.Literal{Value: scalar.NewInt64Scalar(v)} }

func cmp(op expr.Op, l, r expr.Expr) expr.Expr {
	return &expr.Binary{Op: op, Left: l, Right: r, Type: arrow.FixedWidthTypes.Boolean}
}
func eq(l, r expr.Expr) expr.Expr { return cmp(expr.Eq, l, r) }

func TestKeyFilters(t *testing.T) {
	ts := tables(t, 1)
	accounts := ts[Accounts]
	null64 := &expr.Literal{Value: scalar.MakeNullScalar(arrow.PrimitiveTypes.Int64)}
	tests := []struct {
		name    string
		filters []expr.Expr
		limit   int64
		want    []int32 // the aids, or nil to check only the count
		count   int64
	}{
		{name: "aid = 42", filters: []expr.Expr{eq(aid, i32(42))}, want: []int32{42}},
		{name: "42 = aid", filters: []expr.Expr{eq(i32(42), aid)}, want: []int32{42}},
		{name: "bigint aid = 42", filters: []expr.Expr{eq(aidBig, i64(42))}, want: []int32{42}},
		{name: "first", filters: []expr.Expr{eq(aid, i32(1))}, want: []int32{1}},
		{name: "last", filters: []expr.Expr{eq(aid, i32(100_000))}, want: []int32{100_000}},
		{name: "beyond the last", filters: []expr.Expr{eq(aid, i32(100_001))}, want: []int32{}},
		{name: "zero", filters: []expr.Expr{eq(aid, i32(0))}, want: []int32{}},
		{name: "negative", filters: []expr.Expr{eq(aid, i64(-5))}, want: []int32{}},
		{name: "huge", filters: []expr.Expr{eq(aidBig, i64(math.MaxInt64))}, want: []int32{}},
		{name: "NULL", filters: []expr.Expr{eq(aidBig, null64)}, want: []int32{}},
		{name: "range", filters: []expr.Expr{cmp(expr.GtEq, aid, i32(10)), cmp(expr.Lt, aid, i32(13))}, want: []int32{10, 11, 12}},
		{name: "commuted range", filters: []expr.Expr{cmp(expr.Lt, i32(9), aid), cmp(expr.GtEq, i32(11), aid)}, want: []int32{10, 11}},
		{name: "contradiction", filters: []expr.Expr{eq(aid, i32(5)), eq(aid, i32(6))}, want: []int32{}},
		{name: "< min", filters: []expr.Expr{cmp(expr.Lt, aidBig, i64(math.MinInt64))}, want: []int32{}},
		{name: "> max", filters: []expr.Expr{cmp(expr.Gt, aidBig, i64(math.MaxInt64))}, want: []int32{}},
		{name: "tail", filters: []expr.Expr{cmp(expr.Gt, aid, i32(99_990))}, count: 10},
		{name: "limit", limit: 3, want: []int32{1, 2, 3}},
		{name: "range and limit", filters: []expr.Expr{cmp(expr.Gt, aid, i32(500))}, limit: 2, want: []int32{501, 502}},
		{name: "spans batches", filters: []expr.Expr{cmp(expr.GtEq, aid, i32(batchRows-1)), cmp(expr.LtEq, aid, i32(batchRows+2))},
			want: []int32{batchRows - 1, batchRows, batchRows + 1, batchRows + 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if s := accounts.SupportsFilters(tc.filters); len(s) != len(tc.filters) {
				t.Fatalf("SupportsFilters returned %d answers for %d filters", len(s), len(tc.filters))
			} else {
				for i, v := range s {
					if v != sources.Exact {
						t.Fatalf("filter %s: %v, want Exact", tc.filters[i], v)
					}
				}
			}
			limit := tc.limit
			if limit == 0 {
				limit = -1
			}
			req := sources.ScanRequest{Projection: []int{0}, Filters: tc.filters, Limit: limit}
			if tc.want == nil {
				if n := count(t, accounts, sources.ScanRequest{Projection: []int{}, Filters: tc.filters, Limit: limit}); n != tc.count {
					t.Errorf("%d rows, want %d", n, tc.count)
				}
				return
			}
			rows := scan(t, accounts, req)
			got := make([]int32, len(rows))
			for i, r := range rows {
				got[i] = r[0].(int32)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("aids %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("aids %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestUnsupportedFilters(t *testing.T) {
	ts := tables(t, 1)
	float := &expr.Literal{Value: scalar.NewFloat64Scalar(4.5)}
	narrow := &expr.Cast{Input: aid, Type: arrow.PrimitiveTypes.Int16}
	for _, f := range []expr.Expr{
		eq(bid, i32(1)),              // not the key
		cmp(expr.NotEq, aid, i32(3)), // not a range
		eq(&expr.Cast{Input: aid, Type: arrow.PrimitiveTypes.Float64}, float), // not an integer
		eq(narrow, &expr.Literal{Value: scalar.NewInt16Scalar(3)}),            // a narrowing cast
		eq(aid, bid),               // not a constant
		cmp(expr.Add, aid, i32(1)), // not a comparison
		&expr.IsNull{Input: aid},
	} {
		if s := ts[Accounts].SupportsFilters([]expr.Expr{f}); s[0] != sources.Unsupported {
			t.Errorf("%s: %v, want Unsupported", f, s[0])
		}
	}
	// pgbench_history has no rows: nothing to narrow.
	if s := ts[History].SupportsFilters([]expr.Expr{eq(aid, i32(1))}); s[0] != sources.Unsupported {
		t.Errorf("pgbench_history: %v, want Unsupported", s[0])
	}
}

func TestScanCanceled(t *testing.T) {
	ts := tables(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	r, err := ts[Accounts].Scan(ctx, sources.ScanRequest{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	if !r.Next() {
		t.Fatal("no first batch")
	}
	cancel()
	for r.Next() {
	}
	if r.Err() != context.Canceled {
		t.Errorf("Err() = %v after cancel, want context.Canceled", r.Err())
	}
}
