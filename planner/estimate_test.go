package planner

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/sources"
)

// TestEstimateColumnStatistics checks what column statistics change in a
// filter's estimate: comparisons beyond a column's bounds keep (almost)
// nothing or every non-null row, IS [NOT] NULL keeps the NULLs' share,
// and the rest keeps the fixed guesses.
func TestEstimateColumnStatistics(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := range 1000 {
		b.Field(0).(*array.Int64Builder).Append(int64(i)) // 0..999
		if i%10 == 0 {
			b.Field(1).AppendNull() // 100 NULLs
		} else {
			b.Field(1).(*array.StringBuilder).Append("v")
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	mem, err := sources.NewMemTable(schema, rec)
	if err != nil {
		t.Fatal(err)
	}
	scan := &Scan{Table: &catalog.Table{Name: "t", Provider: mem}, Limit: -1}
	n := &expr.Column{Index: 0, Name: "n", Type: arrow.PrimitiveTypes.Int64}
	s := &expr.Column{Index: 1, Name: "s", Type: arrow.BinaryTypes.String}
	cmp := func(op expr.Op, v int64) expr.Expr {
		return &expr.Binary{Op: op, Left: n, Right: &expr.Literal{Value: scalar.NewInt64Scalar(v)}, Type: arrow.FixedWidthTypes.Boolean}
	}
	for _, tc := range []struct {
		name string
		pred expr.Expr
		want float64
	}{
		{"equality beyond the bounds", cmp(expr.Eq, 5000), 1},
		{"equality within", cmp(expr.Eq, 500), 100},
		{"below the least", cmp(expr.Lt, 0), 1},
		{"above the greatest", cmp(expr.Gt, 999), 1},
		{"every row", cmp(expr.GtEq, 0), 1000},
		{"a range within", cmp(expr.Lt, 500), 500},
		{"IS NULL", &expr.IsNull{Input: s}, 100},
		{"IS NOT NULL", &expr.IsNull{Input: s, Negated: true}, 900},
	} {
		rows, base := estimate(&Filter{Input: scan, Predicate: tc.pred})
		if math.Abs(rows-tc.want) > 0.5 || base != 1000 {
			t.Errorf("%s: %.1f rows of %.0f, want %.0f of 1000", tc.name, rows, base, tc.want)
		}
	}
}
