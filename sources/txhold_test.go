package sources

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestSnapshotKeepsOnlyItsView checks that while a snapshot lives, the
// versions a Replace drops are released unless the snapshot holds them:
// a block of many UPDATEs keeps the table's first version, not each one.
func TestSnapshotKeepsOnlyItsView(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	tbl := NewWritableTable("t", schema, nil)
	batch := func(id int64) arrow.RecordBatch {
		b := array.NewInt64Builder(memory.DefaultAllocator)
		defer b.Release()
		b.Append(id)
		col := b.NewArray()
		defer col.Release()
		return array.NewRecordBatch(schema, []arrow.Array{col}, 1)
	}
	tbl.Lock()
	defer tbl.Unlock()
	if err := tbl.Append([]arrow.RecordBatch{batch(1)}); err != nil {
		t.Fatal(err)
	}
	_, discard := tbl.Snapshot()
	for i := range 5 {
		if err := tbl.Replace([]arrow.RecordBatch{batch(int64(10 + i))}); err != nil {
			t.Fatal(err)
		}
	}
	if len(tbl.dropped) != 1 {
		t.Fatalf("after five replaces, %d dropped batches kept, want the snapshot's 1", len(tbl.dropped))
	}
	discard()
	if len(tbl.dropped) != 0 || len(tbl.views) != 0 {
		t.Fatalf("after discard: %d dropped, %d views", len(tbl.dropped), len(tbl.views))
	}
}
