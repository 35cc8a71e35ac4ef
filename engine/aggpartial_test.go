package engine

import (
	"context"
	"fmt"
	"math/big"
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

// TestPartialAggregate checks that an aggregate folded by several workers
// into groups of their own, then merged, gives what one goroutine folding
// the whole input gives, for every aggregate whose states merge, grouped
// and global, in memory and spilling.
func TestPartialAggregate(t *testing.T) {
	rows := spillRows(60_000)
	boolean := arrow.FixedWidthTypes.Boolean
	numeric := pgtypes.Numeric()
	dec := &arrow.Decimal128Type{Precision: 12, Scale: 2}
	interval := arrow.FixedWidthTypes.MonthDayNanoInterval
	aggs := []*expr.Aggregate{
		{Func: expr.CountStar, Type: arrow.PrimitiveTypes.Int64},
		{Func: expr.Count, Arg: col(1), Type: arrow.PrimitiveTypes.Int64},
		{Func: expr.Sum, Arg: col(1), Type: arrow.PrimitiveTypes.Int64},
		{Func: expr.Avg, Arg: col(1), Type: numeric},
		{Func: expr.Sum, Arg: &expr.Cast{Input: col(1), Type: dec}, Type: dec},
		{Func: expr.Avg, Arg: &expr.Cast{Input: col(1), Type: dec}, Type: numeric},
		{Func: expr.Sum, Arg: &expr.Cast{Input: col(1), Type: numeric}, Type: numeric},
		{Func: expr.Sum, Arg: &expr.Call{Func: "interval_mul", Args: []expr.Expr{lit(arrow.MonthDayNanoInterval{Days: 1, Nanoseconds: 1000}), &expr.Cast{Input: col(1), Type: arrow.PrimitiveTypes.Float64}}, Type: interval}, Type: interval},
		{Func: expr.Min, Arg: col(0), Type: arrow.BinaryTypes.String},
		{Func: expr.Max, Arg: col(1), Type: arrow.PrimitiveTypes.Int32},
		{Func: expr.Min, Arg: col(1), Type: arrow.PrimitiveTypes.Int32},
		{Func: expr.Max, Arg: col(0), Type: arrow.BinaryTypes.String},
		{Func: expr.BoolAnd, Arg: bin(expr.Gt, col(1), lit(int32(-990)), boolean), Type: boolean},
		{Func: expr.BoolOr, Arg: bin(expr.Gt, col(1), lit(int32(990)), boolean), Type: boolean},
		{Func: expr.BitOr, Arg: col(1), Type: arrow.PrimitiveTypes.Int32},
		{Func: expr.BitXor, Arg: col(1), Type: arrow.PrimitiveTypes.Int32},
		{Func: expr.StddevSamp, Arg: col(1), Type: numeric},
		{Func: expr.VarPop, Arg: &expr.Cast{Input: col(1), Type: dec}, Type: numeric},
		{Func: expr.CountStar, Type: arrow.PrimitiveTypes.Int64, Filter: bin(expr.Gt, col(2), lit(0.0), boolean)},
	}
	names := make([]string, 2+len(aggs))
	for j := range names {
		names[j] = fmt.Sprint("c", j)
	}
	plan := func(groupBy []expr.Expr) *Aggregate {
		return NewAggregate(testScan(t, 1000, rows...), groupBy, aggs, names[len(names)-len(groupBy)-len(aggs):])
	}
	// run folds on procs cores, sorting the groups.
	run := func(t *testing.T, ctx context.Context, p Plan, procs int) []string {
		t.Helper()
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		got, err := collectCtx(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		return got
	}
	for _, groupBy := range [][]expr.Expr{{col(0)}, nil} {
		t.Run(fmt.Sprintf("keys=%d", len(groupBy)), func(t *testing.T) {
			want := run(t, context.Background(), plan(groupBy), 1)
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
			if !plan(groupBy).partial() {
				t.Fatal("the aggregate does not fold in parts")
			}
			got := run(t, context.Background(), plan(groupBy), 4)
			if !slices.Equal(got, want) {
				t.Fatalf("in parts:\n%v\nwant\n%v", got[:min(3, len(got))], want[:min(3, len(want))])
			}
		})
	}
	t.Run("spilling", func(t *testing.T) {
		want := run(t, context.Background(), plan([]expr.Expr{col(0), col(1)}), 1)
		op := NewAnalyzed(plan([]expr.Expr{col(0), col(1)}))
		ctx := WithTempDir(WithMemoryLimit(context.Background(), 1<<20), t.TempDir())
		got := run(t, ctx, op, 4)
		if op.Stats.spilled.Load() == 0 {
			t.Fatal("the aggregate did not spill")
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%d groups in parts and spilled, want %d", len(got), len(want))
		}
	})
}

// TestPartialAggregateOrder checks that aggregates whose result depends
// on the order of their input, or whose states do not merge exactly, are
// folded on one goroutine.
func TestPartialAggregateOrder(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for _, ag := range []*expr.Aggregate{
		{Func: expr.Sum, Arg: col(2), Type: arrow.PrimitiveTypes.Float64},
		{Func: expr.StringAgg, Arg: col(0), Delimiter: lit(","), Type: arrow.BinaryTypes.String},
		{Func: expr.ArrayAgg, Arg: col(1), Type: arrow.ListOf(arrow.PrimitiveTypes.Int32)},
		{Func: expr.Count, Arg: col(1), Distinct: true, Type: arrow.PrimitiveTypes.Int64},
		{Func: expr.Max, Arg: col(2), Type: arrow.PrimitiveTypes.Float64}, // 0 and -0
	} {
		a := NewAggregate(testScan(t, 10, row{}), nil, []*expr.Aggregate{ag}, []string{"a"})
		if a.partial() {
			t.Errorf("%s folds in parts", ag)
		}
	}
	// A numeric key groups 1.5 with 1.50 and shows the first met.
	key := &expr.Cast{Input: col(1), Type: pgtypes.Numeric()}
	a := NewAggregate(testScan(t, 10, row{}), []expr.Expr{key}, []*expr.Aggregate{{Func: expr.CountStar, Type: arrow.PrimitiveTypes.Int64}}, []string{"k", "n"})
	if a.partial() {
		t.Error("GROUP BY a numeric folds in parts")
	}
}

// TestDecimalSumPast128Bits checks that a sum of decimals leaving 128 bits
// is never wrapped: avg stays exact, sum fails with 22003, in one part or
// merged from several.
func TestDecimalSumPast128Bits(t *testing.T) {
	dec := &arrow.Decimal128Type{Precision: 38, Scale: 0}
	big9 := decimal128.FromBigInt(new(big.Int).Mul(big.NewInt(9), new(big.Int).Exp(big.NewInt(10), big.NewInt(37), nil)))
	column := func(n int) arrow.Array {
		b := array.NewDecimal128Builder(memory.DefaultAllocator, dec)
		defer b.Release()
		for range n {
			b.Append(big9)
		}
		return b.NewArray()
	}
	newSum := func(avg bool) *intSumAcc {
		return &intSumAcc{avg: avg, out: dec}
	}
	for _, parts := range []int{1, 3} {
		sum, avg := newSum(false), newSum(true)
		for _, acc := range []*intSumAcc{sum, avg} {
			acc.grow(1)
			for range parts {
				p := newSum(acc.avg)
				p.grow(1)
				arg := column(6 / parts) // six values in all
				if err := p.update(make([]uint32, arg.Len()), arg); err != nil {
					t.Fatal(err)
				}
				arg.Release()
				if err := acc.merge([]uint32{0}, p); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := sum.finish(memory.DefaultAllocator); err == nil || !strings.Contains(err.Error(), "overflow") {
			t.Errorf("%d parts: sum past 128 bits gave %v, want numeric field overflow", parts, err)
		}
		got, err := avg.finish(memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		if s := got.ValueStr(0); s != "90000000000000000000000000000000000000" {
			t.Errorf("%d parts: avg %s, want 9e37", parts, s)
		}
		got.Release()
	}
}
