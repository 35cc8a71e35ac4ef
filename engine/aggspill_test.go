package engine

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/riffq/riffq/expr"
)

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
