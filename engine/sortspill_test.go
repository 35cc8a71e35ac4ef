package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtypes"
)

// spillRows are rows whose keys repeat (ties), hold NULLs, and floats
// PostgreSQL orders specially (NaN, infinities, -0).
func spillRows(n int) []row {
	rng := rand.New(rand.NewPCG(1, 2))
	specials := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0}
	rows := make([]row, n)
	for j := range rows {
		r := row{k: s(fmt.Sprintf("k%03d", rng.IntN(500))), v: i(int32(rng.IntN(2000) - 1000)), f: f(rng.NormFloat64())}
		switch rng.IntN(50) {
		case 0:
			r.k = nil
		case 1:
			r.v = nil
		case 2:
			r.f = nil
		case 3:
			r.f = f(specials[rng.IntN(len(specials))])
		}
		rows[j] = r
	}
	return rows
}

// collectCtx is collect with a context.
func collectCtx(ctx context.Context, p Plan) ([]string, error) {
	rdr, err := p.Execute(ctx)
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	var out []string
	for rdr.Next() {
		b := rdr.RecordBatch()
		for r := range int(b.NumRows()) {
			vals := make([]string, b.NumCols())
			for c, col := range b.Columns() {
				vals[c] = "NULL"
				if col.IsValid(r) {
					vals[c] = col.ValueStr(r)
				}
			}
			out = append(out, strings.Join(vals, "|"))
		}
	}
	return out, rdr.Err()
}

// TestSpilledSort checks that a sort over its memory limit spills sorted
// runs and merges them into exactly the rows, in exactly the order (ties
// in input order), of the same sort in memory — with many runs (merged
// in more than one pass), with a LIMIT, and without leaving a file behind.
func TestSpilledSort(t *testing.T) {
	rows := spillRows(120_000)
	for _, tt := range []struct {
		name  string
		keys  []SortKey
		fetch int64
		limit int64
		// passes is 2 when the runs are too many for one merge: every row
		// is written twice.
		passes int64
	}{
		{"int", []SortKey{{Column: 1}}, 0, 256 << 10, 1},
		{"text desc nulls first, float", []SortKey{{Column: 0, Desc: true, NullsFirst: true}, {Column: 2}}, 0, 256 << 10, 1},
		{"float desc, many runs", []SortKey{{Column: 2, Desc: true}, {Column: 1, NullsFirst: true}}, 0, 32 << 10, 2},
		{"fetch", []SortKey{{Column: 1, Desc: true}, {Column: 0}}, 70_000, 256 << 10, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want, err := collect(t, &Sort{Input: testScan(t, 1024, rows...), Keys: tt.keys, Fetch: tt.fetch})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			ctx := WithTempDir(WithMemoryLimit(context.Background(), tt.limit), dir)
			op := NewAnalyzed(&Sort{Input: testScan(t, 1024, rows...), Keys: tt.keys, Fetch: tt.fetch})
			got, err := collectCtx(ctx, op)
			if err != nil {
				t.Fatal(err)
			}
			var input int64
			rdr, err := testScan(t, 1024, rows...).Execute(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for rdr.Next() {
				input += batchBytes(rdr.RecordBatch())
			}
			rdr.Release()
			// The rows still in memory at the end are not written.
			if spilled := op.Stats.spilled.Load(); spilled <= (tt.passes-1)*input || spilled > tt.passes*input {
				t.Fatalf("the sort spilled %d bytes of %d in %d passes", spilled, input, tt.passes)
			}
			if len(got) != len(want) {
				t.Fatalf("got %d rows, want %d", len(got), len(want))
			}
			for j := range want {
				if got[j] != want[j] {
					t.Fatalf("row %d: got %s, want %s", j, got[j], want[j])
				}
			}
			if !strings.Contains(ExplainAnalyze(op), " disk=") {
				t.Errorf("EXPLAIN ANALYZE does not show the spill: %s", ExplainAnalyze(op))
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("%d files left in the temporary directory", len(left))
			}
		})
	}
}

// TestSpilledSortCancel cancels a spilling sort in its merge: it stops
// with the context's error.
func TestSpilledSortCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(WithTempDir(WithMemoryLimit(context.Background(), 64<<10), t.TempDir()))
	rdr, err := (&Sort{Input: testScan(t, 1024, spillRows(50_000)...), Keys: []SortKey{{Column: 1}}}).Execute(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	if !rdr.Next() {
		t.Fatal(rdr.Err())
	}
	cancel()
	for rdr.Next() {
	}
	if !errors.Is(rdr.Err(), context.Canceled) {
		t.Fatalf("after cancel: %v", rdr.Err())
	}
}

// TestSortKeyEncoding checks the encoded sort keys against the column
// comparators of the in-memory sort: for every pair of values of every
// type, bytes.Compare of their keys agrees with the comparator, in both
// directions and with NULLs first and last.
func TestSortKeyEncoding(t *testing.T) {
	mem := memory.DefaultAllocator
	numeric := pgtypes.Numeric()
	cols := map[string]arrow.Array{}
	build := func(name string, b array.Builder) {
		cols[name] = b.NewArray()
		b.Release()
	}
	ints := array.NewInt64Builder(mem)
	ints.AppendValues([]int64{0, -1, 1, math.MinInt64, math.MaxInt64, 42, -42}, nil)
	ints.AppendNull()
	build("int64", ints)
	floats := array.NewFloat64Builder(mem)
	floats.AppendValues([]float64{0, math.Copysign(0, -1), 1.5, -1.5, math.Inf(1), math.Inf(-1), math.NaN(), 1e-300, -1e300}, nil)
	floats.AppendNull()
	build("float64", floats)
	strs := array.NewStringBuilder(mem)
	strs.AppendValues([]string{"", "a", "ab", "b", "a\x00", "\xff", "B"}, nil)
	strs.AppendNull()
	build("text", strs)
	bins := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
	bins.AppendValues([][]byte{{}, {0}, {0, 0}, {0, 1}, {1}, {0xff, 0}}, nil)
	bins.AppendNull()
	build("bytea", bins)
	ivs := array.NewMonthDayNanoIntervalBuilder(mem)
	ivs.AppendValues([]arrow.MonthDayNanoInterval{{Months: 1}, {Days: 30}, {Days: 31}, {Nanoseconds: -1}, {Days: -1, Nanoseconds: 86400e9 - 1}, {}}, nil)
	build("interval", ivs)
	decs := array.NewDecimal128Builder(mem, &arrow.Decimal128Type{Precision: 38, Scale: 2})
	for _, v := range []int64{0, 1, -1, 100, -100, math.MaxInt64, math.MinInt64} {
		decs.Append(decimal128.FromI64(v))
	}
	build("decimal", decs)
	bools := array.NewBooleanBuilder(mem)
	bools.AppendValues([]bool{true, false}, nil)
	bools.AppendNull()
	build("bool", bools)
	lists := array.NewListBuilder(mem, arrow.PrimitiveTypes.Int32)
	elems := lists.ValueBuilder().(*array.Int32Builder)
	for _, l := range [][]int32{{}, {1}, {1, 2}, {1, 2, 3}, {2}, {1, -1}, {0, 5}, nil} {
		if l == nil {
			lists.AppendNull()
			continue
		}
		lists.Append(true)
		elems.AppendValues(l, nil)
	}
	lists.Append(true)
	elems.AppendNull() // {NULL}
	lists.Append(true)
	elems.Append(1)
	elems.AppendNull() // {1,NULL}
	build("int[]", lists)
	nums := array.NewExtensionBuilder(mem, numeric)
	numText := []string{"0", "0.000", "-0.5", "0.5", "0.05", "5", "50", "49.999", "-50", "-49.999", "1.20", "1.2", "1.25",
		"123456789012345678901234567890.1", "123456789012345678901234567890.2", "NaN", "Infinity", "-Infinity", "-0.05"}
	for _, v := range numText {
		nums.AppendValueFromString(v)
	}
	nums.AppendNull()
	build("numeric", nums)
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()

	for name, c := range cols {
		for _, key := range []SortKey{{}, {Desc: true}, {NullsFirst: true}, {Desc: true, NullsFirst: true}} {
			schema := arrow.NewSchema([]arrow.Field{{Name: "c", Type: c.DataType(), Nullable: true}}, nil)
			b := array.NewRecordBatch(schema, []arrow.Array{c}, int64(c.Len()))
			rows, ok := sortKeyRows(b, []SortKey{key})
			if !ok {
				t.Fatalf("%s: no encoding", name)
			}
			cmpRows := newKeyComparator(c, key)
			if name == "numeric" {
				cmpRows = numericComparator(t, c, key)
			}
			for x := range c.Len() {
				for y := range c.Len() {
					want := cmpRows(x, y)
					if got := bytes.Compare(rows[x], rows[y]); sign(got) != sign(want) {
						t.Errorf("%s %+v: rows %d and %d (%s, %s): encoded %d, comparator %d", name, key, x, y, c.ValueStr(x), c.ValueStr(y), got, want)
					}
				}
			}
			b.Release()
		}
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// numericComparator orders numeric text exactly (big.Float), NaN above
// everything, as PostgreSQL orders numerics.
func numericComparator(t *testing.T, c arrow.Array, key SortKey) keyComparator {
	storage := c.(array.ExtensionArray).Storage().(*array.String)
	value := func(i int) (*big.Float, bool) {
		s := storage.Value(i)
		switch s {
		case "NaN":
			return nil, true
		case "Infinity":
			return new(big.Float).SetInf(false), false
		case "-Infinity":
			return new(big.Float).SetInf(true), false
		}
		f, ok := new(big.Float).SetPrec(512).SetString(s)
		if !ok {
			t.Fatalf("numeric %q", s)
		}
		return f, false
	}
	return func(i, j int) int {
		ni, nj := c.IsNull(i), c.IsNull(j)
		switch {
		case ni && nj:
			return 0
		case ni:
			if key.NullsFirst {
				return -1
			}
			return 1
		case nj:
			if key.NullsFirst {
				return 1
			}
			return -1
		}
		a, an := value(i)
		b, bn := value(j)
		r := 0
		switch {
		case an && bn:
		case an:
			r = 1
		case bn:
			r = -1
		default:
			r = a.Cmp(b)
		}
		if key.Desc {
			r = -r
		}
		return r
	}
}

// TestSpilledAggregate checks that a hash aggregate over its memory limit
// spills the rows of groups it has no room for into partitions, and gives
// the groups, with every aggregate, of the same aggregate in memory —
// partitions spilling again when they too are over the limit.
func TestSpilledAggregate(t *testing.T) {
	rows := spillRows(120_000)
	for j := range rows {
		// Many groups: k and v together.
		if rows[j].v != nil {
			rows[j].v = i(*rows[j].v + int32(j%37)*2000)
		}
	}
	plan := func() Plan {
		return NewAggregate(testScan(t, 1024, rows...), []expr.Expr{col(1), col(0)}, []*expr.Aggregate{
			{Func: expr.CountStar, Type: arrow.PrimitiveTypes.Int64},
			{Func: expr.Sum, Arg: col(2), Type: arrow.PrimitiveTypes.Float64},
			{Func: expr.Max, Arg: col(2), Type: arrow.PrimitiveTypes.Float64},
			{Func: expr.Count, Arg: col(2), Type: arrow.PrimitiveTypes.Int64, Distinct: true},
			{Func: expr.CountStar, Type: arrow.PrimitiveTypes.Int64, Filter: bin(expr.Gt, col(2), lit(0.0), arrow.FixedWidthTypes.Boolean)},
		}, []string{"v", "k", "n", "s", "m", "d", "f"})
	}
	want, err := collect(t, plan())
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	for _, limit := range []int64{1 << 20, 96 << 10} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			dir := t.TempDir()
			op := NewAnalyzed(plan())
			got, err := collectCtx(WithTempDir(WithMemoryLimit(context.Background(), limit), dir), op)
			if err != nil {
				t.Fatal(err)
			}
			if op.Stats.spilled.Load() == 0 {
				t.Fatal("the aggregate did not spill")
			}
			slices.Sort(got)
			if len(got) != len(want) {
				t.Fatalf("got %d groups, want %d", len(got), len(want))
			}
			for j := range want {
				if got[j] != want[j] {
					t.Fatalf("group %d: got %s, want %s", j, got[j], want[j])
				}
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("%d files left in the temporary directory", len(left))
			}
		})
	}
}

// TestParallelWindow checks that a window over many partitions, computed
// in runs of whole partitions on every core, gives the rows of the same
// window computed in one piece.
func TestParallelWindow(t *testing.T) {
	rows := spillRows(200_000)
	plan := func() Plan {
		keys := []SortKey{{Column: 0}, {Column: 1}, {Column: 2}}
		sorted := &Sort{Input: testScan(t, 4096, rows...), Keys: keys}
		return &Window{Input: sorted, Partition: []int{0}, Order: []SortKey{{Column: 1}}, Funcs: []WindowFunc{
			{Func: "row_number", Type: arrow.PrimitiveTypes.Int64, Frame: DefaultFrame},
			{Func: "lag", Args: []expr.Expr{col(2)}, Type: arrow.PrimitiveTypes.Float64, Frame: DefaultFrame},
			{Agg: &expr.Aggregate{Func: expr.Sum, Arg: col(1), Type: arrow.PrimitiveTypes.Int64}, Type: arrow.PrimitiveTypes.Int64, Frame: DefaultFrame},
		}}
	}
	prev := runtime.GOMAXPROCS(1)
	want, err := collect(t, plan())
	runtime.GOMAXPROCS(max(prev, 2))
	defer runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	w := plan().(*Window)
	all, err := collectBatch(w.Input)
	if err != nil {
		t.Fatal(err)
	}
	defer all.Release()
	if chunks, err := w.chunks(all, outputBatchRows); err != nil || len(chunks) < 2 {
		t.Fatalf("%d rows in %d runs (%v): nothing to parallelize", all.NumRows(), len(chunks), err)
	}
	got, err := collect(t, w)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	for j := range want {
		if got[j] != want[j] {
			t.Fatalf("row %d: got %s, want %s", j, got[j], want[j])
		}
	}
}

// collectBatch runs p and returns its rows as one batch.
func collectBatch(p Plan) (arrow.RecordBatch, error) {
	rdr, err := p.Execute(context.Background())
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	var batches []arrow.RecordBatch
	for rdr.Next() {
		b := rdr.RecordBatch()
		b.Retain()
		batches = append(batches, b)
	}
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	if err := rdr.Err(); err != nil {
		return nil, err
	}
	return concatBatches(p.Schema(), batches)
}
