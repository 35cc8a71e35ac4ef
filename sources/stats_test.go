package sources_test

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/sources"
)

// TestColumnStats checks the statistics computed over a column's parts:
// null counts, bounds across parts, NaN left out, no bounds for an
// all-NULL column or a type without them.
func TestColumnStats(t *testing.T) {
	mem := memory.DefaultAllocator
	ints := func(vals []int64, valid []bool) arrow.Array {
		b := array.NewInt64Builder(mem)
		defer b.Release()
		b.AppendValues(vals, valid)
		return b.NewArray()
	}
	floats := func(vals ...float64) arrow.Array {
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		b.AppendValues(vals, nil)
		return b.NewArray()
	}
	strs := func(vals []string, valid []bool) arrow.Array {
		b := array.NewStringBuilder(mem)
		defer b.Release()
		b.AppendValues(vals, valid)
		return b.NewArray()
	}
	bools := func(vals ...bool) arrow.Array {
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		b.AppendValues(vals, []bool{true, false})
		return b.NewArray()
	}
	for _, tc := range []struct {
		name     string
		parts    []arrow.Array
		lo, hi   string // "" for none
		nulls    int64
		noBounds bool
	}{
		{"ints over parts", []arrow.Array{ints([]int64{5, 9, -3}, []bool{true, false, true}), ints([]int64{12, 0}, nil)}, "-3", "12", 1, false},
		{"floats without NaN", []arrow.Array{floats(2.5, math.NaN(), -1)}, "-1", "2.5", 0, false},
		{"strings", []arrow.Array{strs([]string{"pear", "apple", "zebra"}, []bool{true, true, false})}, "apple", "pear", 1, false},
		{"all NULL", []arrow.Array{ints([]int64{0, 0}, []bool{false, false})}, "", "", 2, true},
		{"booleans have no bounds", []arrow.Array{bools(true, false)}, "", "", 1, true},
	} {
		cs := sources.ColumnStats(tc.parts)
		if cs.NullCount != tc.nulls {
			t.Errorf("%s: %d nulls, want %d", tc.name, cs.NullCount, tc.nulls)
		}
		switch {
		case tc.noBounds && (cs.Min != nil || cs.Max != nil):
			t.Errorf("%s: bounds %v..%v, want none", tc.name, cs.Min, cs.Max)
		case !tc.noBounds && (cs.Min == nil || cs.Min.String() != tc.lo || cs.Max.String() != tc.hi):
			t.Errorf("%s: bounds %v..%v, want %s..%s", tc.name, cs.Min, cs.Max, tc.lo, tc.hi)
		}
		for _, p := range tc.parts {
			p.Release()
		}
	}
}

// TestWritableTableStatistics checks that an in-memory table's statistics
// follow its rows.
func TestWritableTableStatistics(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	tbl := sources.NewWritableTable("t", schema, nil)
	if s := tbl.Statistics(); s.RowCount != 0 || s.Column(0).Min != nil {
		t.Fatalf("empty table: %+v", s)
	}
	add := func(vals []int64, valid []bool) {
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		defer b.Release()
		b.Field(0).(*array.Int64Builder).AppendValues(vals, valid)
		rec := b.NewRecordBatch()
		defer rec.Release()
		tbl.Lock()
		defer tbl.Unlock()
		if err := tbl.Append([]arrow.RecordBatch{rec}); err != nil {
			t.Fatal(err)
		}
	}
	add([]int64{3, 7}, nil)
	if c := tbl.Statistics().Column(0); c.Min.String() != "3" || c.Max.String() != "7" || c.NullCount != 0 {
		t.Fatalf("after one insert: %+v", c)
	}
	add([]int64{-2, 0}, []bool{true, false})
	s := tbl.Statistics()
	if c := s.Column(0); s.RowCount != 4 || c.Min.String() != "-2" || c.Max.String() != "7" || c.NullCount != 1 {
		t.Fatalf("after two inserts: %d rows, %+v", s.RowCount, c)
	}
}
