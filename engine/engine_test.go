package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/sources"
)

// testSchema: k text, v int32, f float64.
var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "v", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
}, nil)

type row struct {
	k *string
	v *int32
	f *float64
}

func s(v string) *string   { return &v }
func i(v int32) *int32     { return &v }
func f(v float64) *float64 { return &v }

// testScan returns a scan over the rows, split into batches of batchSize.
func testScan(t *testing.T, batchSize int, rows ...row) Plan {
	t.Helper()
	var batches []arrow.RecordBatch
	for start := 0; start < len(rows); start += batchSize {
		b := array.NewRecordBuilder(memory.DefaultAllocator, testSchema)
		for _, r := range rows[start:min(start+batchSize, len(rows))] {
			if r.k == nil {
				b.Field(0).AppendNull()
			} else {
				b.Field(0).(*array.StringBuilder).Append(*r.k)
			}
			if r.v == nil {
				b.Field(1).AppendNull()
			} else {
				b.Field(1).(*array.Int32Builder).Append(*r.v)
			}
			if r.f == nil {
				b.Field(2).AppendNull()
			} else {
				b.Field(2).(*array.Float64Builder).Append(*r.f)
			}
		}
		batches = append(batches, b.NewRecordBatch())
		b.Release()
	}
	tbl, err := sources.NewMemTable(testSchema, batches...)
	if err != nil {
		t.Fatal(err)
	}
	return NewScan("t", tbl, sources.ScanRequest{Limit: -1})
}

// collect runs p and renders its rows as "a|b|c" with NULL for nulls.
func collect(t *testing.T, p Plan) ([]string, error) {
	t.Helper()
	return collectCtx(context.Background(), p)
}

// collectCtx runs p with ctx and renders its rows as "a|b|c" with NULL
// for nulls.
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

func col(i int) *expr.Column {
	return &expr.Column{Index: i, Name: testSchema.Field(i).Name, Type: testSchema.Field(i).Type}
}

func lit(v any) *expr.Literal { return &expr.Literal{Value: scalar.MakeScalar(v)} }

func bin(op expr.Op, l, r expr.Expr, typ arrow.DataType) *expr.Binary {
	return &expr.Binary{Op: op, Left: l, Right: r, Type: typ}
}

var sample = []row{
	{s("a"), i(1), f(1.5)},
	{s("b"), i(2), f(math.NaN())},
	{s("a"), nil, f(-2)},
	{nil, i(4), nil},
	{s("c"), i(-5), f(0)},
	{s("b"), i(6), f(10)},
}

func TestOperators(t *testing.T) {
	boolT := arrow.FixedWidthTypes.Boolean
	cases := []struct {
		name string
		plan func(in Plan) Plan
		want []string
		code string // expected SQLSTATE instead of rows
	}{
		{
			name: "filter comparison drops NULL",
			plan: func(in Plan) Plan { return &Filter{Input: in, Predicate: bin(expr.Gt, col(1), lit(int32(1)), boolT)} },
			want: []string{"b|2|NaN", "NULL|4|NULL", "b|6|10"},
		},
		{
			name: "filter OR with three-valued logic",
			plan: func(in Plan) Plan {
				return &Filter{Input: in, Predicate: bin(expr.Or, bin(expr.Eq, col(0), lit("a"), boolT), bin(expr.Lt, col(1), lit(int32(0)), boolT), boolT)}
			},
			want: []string{"a|1|1.5", "a|NULL|-2", "c|-5|0"},
		},
		{
			name: "filter NOT keeps NULL out",
			plan: func(in Plan) Plan {
				return &Filter{Input: in, Predicate: &expr.Not{Input: bin(expr.Eq, col(0), lit("a"), boolT)}}
			},
			want: []string{"b|2|NaN", "c|-5|0", "b|6|10"},
		},
		{
			name: "filter IS NULL",
			plan: func(in Plan) Plan { return &Filter{Input: in, Predicate: &expr.IsNull{Input: col(1)}} },
			want: []string{"a|NULL|-2"},
		},
		{
			name: "filter constant false",
			plan: func(in Plan) Plan { return &Filter{Input: in, Predicate: lit(false)} },
			want: nil,
		},
		{
			name: "project arithmetic, modulo and concat",
			plan: func(in Plan) Plan {
				return NewProject(in, []expr.Expr{
					bin(expr.Add, col(1), lit(int32(10)), arrow.PrimitiveTypes.Int32),
					bin(expr.Mod, col(1), lit(int32(4)), arrow.PrimitiveTypes.Int32),
					bin(expr.Concat, col(0), lit("!"), arrow.BinaryTypes.String),
					&expr.Negate{Input: col(1)},
					lit(int64(7)),
				}, []string{"a", "b", "c", "d", "e"})
			},
			want: []string{"11|1|a!|-1|7", "12|2|b!|-2|7", "NULL|NULL|a!|NULL|7", "14|0|NULL|-4|7", "5|-1|c!|5|7", "16|2|b!|-6|7"},
		},
		{
			name: "integer overflow is 22003",
			plan: func(in Plan) Plan {
				return NewProject(in, []expr.Expr{bin(expr.Add, col(1), lit(int32(math.MaxInt32)), arrow.PrimitiveTypes.Int32)}, []string{"x"})
			},
			code: pgerror.NumericValueOutOfRange,
		},
		{
			name: "division by zero is 22012",
			plan: func(in Plan) Plan {
				return NewProject(in, []expr.Expr{bin(expr.Div, col(1), lit(int32(0)), arrow.PrimitiveTypes.Int32)}, []string{"x"})
			},
			code: pgerror.DivisionByZero,
		},
		{
			name: "modulo by zero is 22012",
			plan: func(in Plan) Plan {
				return NewProject(in, []expr.Expr{bin(expr.Mod, col(1), lit(int32(0)), arrow.PrimitiveTypes.Int32)}, []string{"x"})
			},
			code: pgerror.DivisionByZero,
		},
		{
			name: "integer division truncates toward zero",
			plan: func(in Plan) Plan {
				return NewProject(in, []expr.Expr{bin(expr.Div, col(1), lit(int32(4)), arrow.PrimitiveTypes.Int32)}, []string{"x"})
			},
			want: []string{"0", "0", "NULL", "1", "-1", "1"},
		},
		{
			name: "sort ascending puts NULL last and NaN above numbers",
			plan: func(in Plan) Plan { return &Sort{Input: in, Keys: []SortKey{{Column: 2}}} },
			want: []string{"a|NULL|-2", "c|-5|0", "a|1|1.5", "b|6|10", "b|2|NaN", "NULL|4|NULL"},
		},
		{
			name: "sort descending nulls first, then second key",
			plan: func(in Plan) Plan {
				return &Sort{Input: in, Keys: []SortKey{{Column: 0, Desc: true, NullsFirst: true}, {Column: 1, Desc: true}}}
			},
			want: []string{"NULL|4|NULL", "c|-5|0", "b|6|10", "b|2|NaN", "a|1|1.5", "a|NULL|-2"},
		},
		{
			name: "limit with offset across batches",
			plan: func(in Plan) Plan { return &Limit{Input: in, Offset: 1, Count: 3} },
			want: []string{"b|2|NaN", "a|NULL|-2", "NULL|4|NULL"},
		},
		{
			name: "limit without count",
			plan: func(in Plan) Plan { return &Limit{Input: in, Offset: 4, Count: -1} },
			want: []string{"c|-5|0", "b|6|10"},
		},
		{
			name: "group by with NULL group and every aggregate",
			plan: func(in Plan) Plan {
				agg := NewAggregate(in, []expr.Expr{col(0)}, []*expr.Aggregate{
					{Func: expr.CountStar, Type: arrow.PrimitiveTypes.Int64},
					{Func: expr.Count, Arg: col(1), Type: arrow.PrimitiveTypes.Int64},
					{Func: expr.Sum, Arg: col(1), Type: arrow.PrimitiveTypes.Int64},
					{Func: expr.Min, Arg: col(1), Type: arrow.PrimitiveTypes.Int32},
					{Func: expr.Max, Arg: col(2), Type: arrow.PrimitiveTypes.Float64},
				}, []string{"k", "n", "c", "s", "mn", "mx"})
				return &Sort{Input: agg, Keys: []SortKey{{Column: 0}}}
			},
			want: []string{"a|2|1|1|1|1.5", "b|2|2|8|2|NaN", "c|1|1|-5|-5|0", "NULL|1|1|4|4|NULL"},
		},
		{
			name: "global aggregate over no rows has one row",
			plan: func(in Plan) Plan {
				empty := &Filter{Input: in, Predicate: lit(false)}
				return NewAggregate(empty, nil, []*expr.Aggregate{
					{Func: expr.CountStar, Type: arrow.PrimitiveTypes.Int64},
					{Func: expr.Sum, Arg: col(1), Type: arrow.PrimitiveTypes.Int64},
					{Func: expr.Max, Arg: col(0), Type: arrow.BinaryTypes.String},
				}, []string{"n", "s", "m"})
			},
			want: []string{"0|NULL|NULL"},
		},
		{
			name: "grouped aggregate over no rows has no rows",
			plan: func(in Plan) Plan {
				empty := &Filter{Input: in, Predicate: lit(false)}
				return NewAggregate(empty, []expr.Expr{col(0)}, []*expr.Aggregate{{Func: expr.CountStar, Type: arrow.PrimitiveTypes.Int64}}, []string{"k", "n"})
			},
			want: nil,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, batchSize := range []int{1, 4, 100} {
				got, err := collect(t, c.plan(testScan(t, batchSize, sample...)))
				if c.code != "" {
					if pe := pgerror.From(err); err == nil || pe.Code != c.code {
						t.Fatalf("batch %d: got %v, %v; want SQLSTATE %s", batchSize, got, err, c.code)
					}
					continue
				}
				if err != nil {
					t.Fatalf("batch %d: %v", batchSize, err)
				}
				if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
					t.Errorf("batch %d:\ngot  %q\nwant %q", batchSize, got, c.want)
				}
			}
		})
	}
}

func TestAvgIsPostgresNumeric(t *testing.T) {
	in := testScan(t, 2, sample...)
	agg := NewAggregate(in, nil, []*expr.Aggregate{
		{Func: expr.Avg, Arg: col(1), Type: pgtypes.Numeric()},
		{Func: expr.Avg, Arg: col(2), Type: arrow.PrimitiveTypes.Float64},
	}, []string{"a", "b"})
	got, err := collect(t, agg)
	if err != nil {
		t.Fatal(err)
	}
	// (1+2+4-5+6)/5 = 1.6; PostgreSQL prints 16 significant digits.
	if want := "1.6000000000000000|NaN"; len(got) != 1 || got[0] != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestNumericDiv checks numeric division against values PostgreSQL 15
// printed for the same divisions.
func TestNumericDiv(t *testing.T) {
	cases := []struct {
		num   string
		scale int32
		den   int64
		want  string
	}{
		{"1", 0, 3, "0.33333333333333333333"},
		{"-3", 0, 2, "-1.5000000000000000"},
		{"2", 0, 2, "1.00000000000000000000"},
		{"7314597", 0, 704, "10390.052556818182"},
		{"1492452400", 4, 720, "207.2850555555555556"},
		{"12345678901234567890", 0, 7, "1763668414462081127"},
		{"1", 3, 3, "0.00033333333333333333"},
		{"100000", 0, 3, "33333.333333333333"},
	}
	for _, c := range cases {
		n, _ := new(big.Int).SetString(c.num, 10)
		if got := numericDiv(n, c.scale, big.NewInt(c.den)); got != c.want {
			t.Errorf("%se-%d / %d = %s, want %s", c.num, c.scale, c.den, got, c.want)
		}
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	rows := make([]row, 1000)
	for n := range rows {
		rows[n] = row{s("x"), i(int32(n)), f(1)}
	}
	agg := NewAggregate(testScan(t, 10, rows...), []expr.Expr{col(1)}, []*expr.Aggregate{{Func: expr.CountStar, Type: arrow.PrimitiveTypes.Int64}}, []string{"v", "n"})
	rdr, err := agg.Execute(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	cancel()
	if rdr.Next() {
		t.Fatal("aggregate produced a batch after cancel")
	}
	if rdr.Err() != context.Canceled {
		t.Errorf("err = %v, want context.Canceled", rdr.Err())
	}
}

func TestExplain(t *testing.T) {
	in := testScan(t, 10, sample...)
	p := &Limit{Input: &Filter{Input: in, Predicate: bin(expr.Gt, col(1), lit(int32(1)), arrow.FixedWidthTypes.Boolean)}, Count: 2}
	want := "Limit: offset=0 count=2\n  Filter: (v > 1)\n    Scan: t projection=[k, v, f]\n"
	if got := Explain(p); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestSemiAntiJoinSides checks that semi and anti joins return the same
// left rows whichever side they hash, with integer and text keys, NULL
// keys (never matching) and a filter over the pairs.
func TestSemiAntiJoinSides(t *testing.T) {
	left := []row{{s("a"), i(1), f(1)}, {s("b"), i(2), f(2)}, {nil, nil, f(3)}, {s("c"), i(3), f(4)}, {s("a"), i(1), f(5)}}
	right := []row{{s("a"), i(1), f(0)}, {s("a"), i(1), f(9)}, {s("c"), i(3), f(1)}, {nil, nil, f(0)}, {s("d"), i(7), f(0)}}
	nl := testSchema.NumFields()
	rcol := func(c int) expr.Expr {
		return &expr.Column{Index: nl + c, Name: "r" + testSchema.Field(c).Name, Type: testSchema.Field(c).Type}
	}
	for _, tc := range []struct {
		name     string
		typ      JoinType
		key      int
		filter   expr.Expr
		wantRows []string
	}{
		{"semi int", SemiJoin, 1, nil, []string{"a|1|1", "c|3|4", "a|1|5"}},
		{"anti int", AntiJoin, 1, nil, []string{"b|2|2", "NULL|NULL|3"}},
		{"semi text", SemiJoin, 0, nil, []string{"a|1|1", "c|3|4", "a|1|5"}},
		{"semi filtered", SemiJoin, 1, bin(expr.Gt, rcol(2), col(2), arrow.FixedWidthTypes.Boolean), []string{"a|1|1", "a|1|5"}},
		{"anti filtered", AntiJoin, 1, bin(expr.Gt, rcol(2), col(2), arrow.FixedWidthTypes.Boolean), []string{"b|2|2", "NULL|NULL|3", "c|3|4"}},
	} {
		for _, buildLeft := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/buildLeft=%v", tc.name, buildLeft), func(t *testing.T) {
				j := NewHashJoin(testScan(t, 2, left...), testScan(t, 2, right...), tc.typ,
					[]expr.Expr{col(tc.key)}, []expr.Expr{col(tc.key)}, tc.filter)
				j.BuildLeft = buildLeft
				got, err := collect(t, j)
				if err != nil {
					t.Fatal(err)
				}
				slices.Sort(got)
				want := slices.Clone(tc.wantRows)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("got %v, want %v", got, want)
				}
			})
		}
	}
}

// TestLikeMatcher checks the substring matcher of LIKE patterns against
// the regular-expression translation on the same patterns and values.
func TestLikeMatcher(t *testing.T) {
	patterns := []string{"", "%", "%%", "abc", "a%", "%c", "%b%", "a%c", "%special%requests%", "a%b%c", "%a%a%", `a\%b`, `%\%%`, `\\%`, "ab%ab", "é%", "%ü", "a_c", "%a_%"}
	values := []string{"", "a", "abc", "ac", "abbc", "xabcx", "special requests", "requests special", "specialrequests and more",
		"a%b", "ab", "abab", "aba", `\x`, "é!", "ü", "aXc", "aa", "aaa", "%"}
	for _, p := range patterns {
		for _, fold := range []bool{false, true} {
			m, err := likeMatcher(p, fold)
			if err != nil {
				t.Fatalf("likeMatcher(%q): %v", p, err)
			}
			re, err := likeRegexp(p, fold)
			if err != nil {
				t.Fatalf("likeRegexp(%q): %v", p, err)
			}
			for _, v := range values {
				if fold {
					v = asciiCase(v, false)
				}
				if got, want := m.MatchString(v), re.MatchString(v); got != want {
					t.Errorf("%q LIKE %q (fold %v) = %v, want %v", v, p, fold, got, want)
				}
			}
		}
	}
	if _, err := likeMatcher(`ab\`, false); err == nil {
		t.Error("a pattern ending with the escape character must fail")
	}
}

// TestSortFetch checks that a sort keeping only its first rows (top-K,
// compacting as its input grows) returns the full sort's first rows, ties
// in input order, NULLs where the keys put them.
func TestSortFetch(t *testing.T) {
	var rows []row
	for n := range 300_000 {
		r := row{k: s(fmt.Sprint(n % 7)), v: i(int32((n * 7919) % 1000)), f: f(float64(n))}
		if n%1000 == 3 {
			r.v = nil
		}
		rows = append(rows, r)
	}
	keys := []SortKey{{Column: 1, Desc: true, NullsFirst: true}, {Column: 0}}
	full, err := collect(t, &Sort{Input: testScan(t, 4096, rows...), Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	// Small batches compact as they come; one batch of every row (an
	// aggregate's output) is selected from at once.
	for _, batch := range []int{4096, len(rows)} {
		for _, fetch := range []int64{1, 10, 500, 70_000} {
			top, err := collect(t, &Sort{Input: testScan(t, batch, rows...), Keys: keys, Fetch: fetch})
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(top)) != fetch || strings.Join(top, "\n") != strings.Join(full[:fetch], "\n") {
				t.Fatalf("batches of %d, fetch %d: got %d rows, first %v; want %v", batch, fetch, len(top), top[:min(3, len(top))], full[:3])
			}
		}
	}
}

// TestCrossJoinStops checks that a cross join making billions of pairs
// stops when its query is cancelled, and fails with 53200 when its pairs
// outgrow the query's memory, rather than running on for minutes.
func TestCrossJoinStops(t *testing.T) {
	rows := make([]row, 3000)
	for n := range rows {
		rows[n] = row{s("x"), i(int32(n)), f(1)}
	}
	plan := func() Plan {
		inner := NewHashJoin(testScan(t, 1000, rows...), testScan(t, 1000, rows...), InnerJoin, nil, nil, nil)
		outer := NewHashJoin(inner, testScan(t, 1000, rows...), InnerJoin, nil, nil, nil)
		return NewAggregate(outer, nil, []*expr.Aggregate{{Func: expr.CountStar, Type: arrow.PrimitiveTypes.Int64}}, []string{"n"})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := collectCtx(ctx, plan())
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("cancelled cross join: %v, want the context's deadline", err)
		}
	case <-time.After(30 * time.Second): // 27 billion pairs would take far longer
		t.Fatal("the cross join did not stop when its query was cancelled")
	}
	// The pairs stream a few left rows at a time: 9 million of them
	// fit a 4 MB limit (all of a left batch's at once did not).
	one := NewAggregate(NewHashJoin(testScan(t, 1000, rows...), testScan(t, 1000, rows...), InnerJoin, nil, nil, nil),
		nil, []*expr.Aggregate{{Func: expr.CountStar, Type: arrow.PrimitiveTypes.Int64}}, []string{"n"})
	got, err := collectCtx(WithMemoryLimit(context.Background(), 4<<20), one)
	if err != nil {
		t.Fatalf("cross join under a 4 MB limit: %v", err)
	}
	if len(got) != 1 || got[0] != "9000000" {
		t.Errorf("cross join count %v, want 9000000", got)
	}
}
