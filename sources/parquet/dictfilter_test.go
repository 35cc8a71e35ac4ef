package parquet

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestSelectByDictionary checks the rows a string set keeps from a
// dictionary column without NULLs, none among them: every column of the
// result, expanded or not, has as many values as the batch has rows.
func TestSelectByDictionary(t *testing.T) {
	mem := memory.DefaultAllocator
	db := array.NewDictionaryBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
	defer db.Release()
	for _, v := range []string{"red", "green", "red", "blue"} {
		if err := db.AppendString(v); err != nil {
			t.Fatal(err)
		}
	}
	dict := db.NewArray()
	defer dict.Release()
	ib := array.NewInt64Builder(mem)
	defer ib.Release()
	ib.AppendValues([]int64{1, 2, 3, 4}, nil)
	ids := ib.NewArray()
	defer ids.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: dict.DataType()}, {Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	src := array.NewRecordBatch(schema, []arrow.Array{dict, ids}, 4)
	defer src.Release()
	pos := func(field int) (int, bool) { return field, true }
	all := func(int) bool { return true }
	for _, tc := range []struct {
		values []string
		want   int64
	}{
		{[]string{"zzz"}, 0},
		{[]string{"red"}, 2},
		{[]string{"red", "blue", "green"}, 4},
	} {
		set := stringSet{field: 0, values: map[string]bool{}}
		for _, v := range tc.values {
			set.values[v] = true
		}
		out, err := selectByDictionary(context.Background(), mem, src, []stringSet{set}, pos, all)
		if err != nil {
			t.Fatal(err)
		}
		if out.NumRows() != tc.want {
			t.Errorf("%v: %d rows, want %d", tc.values, out.NumRows(), tc.want)
		}
		for c, col := range out.Columns() {
			if int64(col.Len()) != out.NumRows() {
				t.Errorf("%v: column %d has %d values in a batch of %d rows", tc.values, c, col.Len(), out.NumRows())
			}
		}
		out.Release()
	}
}
