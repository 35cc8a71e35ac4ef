package parquet

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/sources"
)

// TestRowGroupPruning scans the sample candles (sorted by symbol, row
// groups of 1,000 rows) with filters and checks that only the row groups
// the statistics cannot rule out are read, and that no matching row is lost.
func TestRowGroupPruning(t *testing.T) {
	tbl, err := Open("../../testdata/sample/candles.parquet")
	if err != nil {
		t.Fatal(err)
	}
	symbol := &expr.Column{Index: 0, Name: "symbol", Type: arrow.BinaryTypes.String}
	volume := &expr.Column{Index: 6, Name: "volume", Type: arrow.PrimitiveTypes.Int64}
	close := &expr.Column{Index: 5, Name: "close", Type: arrow.PrimitiveTypes.Float64}
	cmp := func(op expr.Op, c *expr.Column, v scalar.Scalar) expr.Expr {
		return &expr.Binary{Op: op, Left: c, Right: &expr.Literal{Value: v}, Type: arrow.FixedWidthTypes.Boolean}
	}
	cases := []struct {
		name      string
		filters   []expr.Expr
		support   []sources.FilterSupport
		rows      int64 // rows the scan returns
		matching  int64 // rows that satisfy the filters, all of which must be returned
		countOnly bool
	}{
		// NVDA is rows 4320-5039: row groups 4 (1,000 rows) and 5 (the last
		// 760); of those, the dictionary-encoded symbol column's values
		// drop all but NVDA's rows, exactly.
		{"equality on a sorted column", []expr.Expr{cmp(expr.Eq, symbol, scalar.NewStringScalar("NVDA"))},
			[]sources.FilterSupport{sources.Exact}, 720, 720, false},
		// The scan returns no column, but still decodes the one its
		// exact filter reads.
		{"same, reading no columns", []expr.Expr{cmp(expr.Eq, symbol, scalar.NewStringScalar("NVDA"))},
			[]sources.FilterSupport{sources.Exact}, 720, 720, true},
		// An IN list is answered by the dictionary too (no row group is
		// ruled out by it: OR is not pruned).
		{"IN list on a dictionary column", []expr.Expr{&expr.Binary{Op: expr.Or, Left: cmp(expr.Eq, symbol, scalar.NewStringScalar("NVDA")),
			Right: cmp(expr.Eq, symbol, scalar.NewStringScalar("AAPL")), Type: arrow.FixedWidthTypes.Boolean}},
			[]sources.FilterSupport{sources.Exact}, 1440, 720, false},
		// 'AMZN' >= symbol: AAPL and AMZN fill rows 0-1439, row groups 0 and 1.
		{"constant on the left", []expr.Expr{&expr.Binary{Op: expr.GtEq, Left: &expr.Literal{Value: scalar.NewStringScalar("AMZN")}, Right: symbol, Type: arrow.FixedWidthTypes.Boolean}},
			[]sources.FilterSupport{sources.Inexact}, 2000, 1440, false},
		{"no row group can match", []expr.Expr{cmp(expr.Eq, symbol, scalar.NewStringScalar("ZZZ"))},
			[]sources.FilterSupport{sources.Exact}, 0, 0, false},
		{"range beyond every maximum", []expr.Expr{cmp(expr.Gt, volume, scalar.NewInt64Scalar(2_000_000))},
			[]sources.FilterSupport{sources.Inexact}, 0, 0, false},
		{"greater-than on a float is not pushed (NaN)", []expr.Expr{cmp(expr.Gt, close, scalar.NewFloat64Scalar(1e9))},
			[]sources.FilterSupport{sources.Unsupported}, 5760, 0, false},
		{"mismatched literal type is not pushed", []expr.Expr{cmp(expr.Eq, volume, scalar.NewInt32Scalar(5))},
			[]sources.FilterSupport{sources.Unsupported}, 5760, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := tbl.SupportsFilters(c.filters)
			for i := range got {
				if got[i] != c.support[i] {
					t.Fatalf("support = %v, want %v", got, c.support)
				}
			}
			var pushed []expr.Expr
			for i, f := range c.filters {
				if got[i] != sources.Unsupported {
					pushed = append(pushed, f)
				}
			}
			proj := []int{0}
			if c.countOnly {
				proj = []int{}
			}
			rdr, err := tbl.Scan(context.Background(), sources.ScanRequest{Projection: proj, Filters: pushed, Limit: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer rdr.Release()
			var rows, nvda int64
			for rdr.Next() {
				b := rdr.RecordBatch()
				rows += b.NumRows()
				if c.countOnly {
					continue
				}
				syms := b.Column(0).(*array.String)
				for i := range syms.Len() {
					if syms.Value(i) == "NVDA" {
						nvda++
					}
				}
			}
			if err := rdr.Err(); err != nil {
				t.Fatal(err)
			}
			if rows != c.rows {
				t.Errorf("scan returned %d rows, want %d", rows, c.rows)
			}
			if c.name == "equality on a sorted column" && nvda != c.matching {
				t.Errorf("lost matching rows: %d NVDA rows, want %d", nvda, c.matching)
			}
		})
	}
}
