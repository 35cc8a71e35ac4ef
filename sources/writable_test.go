package sources_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/sources"
)

// TestValueText checks that constraint errors show key values as
// PostgreSQL prints them, not as Arrow does.
func TestValueText(t *testing.T) {
	ts := array.NewTimestampBuilder(memory.DefaultAllocator, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"})
	ts.Append(1704067200000000) // 2024-01-01 00:00:00+00
	dec := array.NewDecimal128Builder(memory.DefaultAllocator, &arrow.Decimal128Type{Precision: 5, Scale: 2})
	dec.Append(decimal128.FromI64(150))
	for _, c := range []struct {
		col  arrow.Array
		want string
	}{
		{ts.NewArray(), "2024-01-01 00:00:00+00"},
		{dec.NewArray(), "1.50"},
	} {
		if got := sources.ValueText(c.col, 0); got != c.want {
			t.Errorf("%s: %q, want %q", c.col.DataType(), got, c.want)
		}
	}
}

// TestSnapshotRestore checks that a snapshot puts back the rows it saw
// after appends and after a Replace (whose dropped rows it keeps alive),
// and that restoring honours the unique key again.
func TestSnapshotRestore(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	tbl := sources.NewWritableTable("t", schema, []sources.UniqueKey{{Name: "t_pkey", Columns: []int{0}}})
	batch := func(ids ...int64) arrow.RecordBatch {
		b := array.NewInt64Builder(memory.DefaultAllocator)
		defer b.Release()
		b.AppendValues(ids, nil)
		col := b.NewArray()
		defer col.Release()
		return array.NewRecordBatch(schema, []arrow.Array{col}, int64(len(ids)))
	}
	ids := func() []int64 {
		var out []int64
		for _, b := range tbl.Rows() {
			out = append(out, b.Column(0).(*array.Int64).Int64Values()...)
			b.Release()
		}
		return out
	}
	tbl.Lock()
	if err := tbl.Append([]arrow.RecordBatch{batch(1, 2)}); err != nil {
		t.Fatal(err)
	}
	restore1, discard1 := tbl.Snapshot()
	if err := tbl.Append([]arrow.RecordBatch{batch(3)}); err != nil {
		t.Fatal(err)
	}
	restore2, discard2 := tbl.Snapshot()
	if err := tbl.Replace([]arrow.RecordBatch{batch(7)}); err != nil {
		t.Fatal(err)
	}
	tbl.Unlock()
	restore2()
	if got := ids(); len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Fatalf("after restoring the second snapshot: %v, want [1 2 3]", got)
	}
	restore1()
	if got := ids(); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("after restoring the first snapshot: %v, want [1 2]", got)
	}
	discard2()
	discard1()
	tbl.Lock()
	defer tbl.Unlock()
	if err := tbl.Append([]arrow.RecordBatch{batch(3)}); err != nil {
		t.Fatalf("3 is free again after the restore: %v", err)
	}
	if err := tbl.Append([]arrow.RecordBatch{batch(2)}); err == nil {
		t.Fatal("2 is a duplicate key after the restore, but was accepted")
	}
}
