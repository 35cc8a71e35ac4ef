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
	batch := func(id int64) arrow.RecordBatch { return idBatch(schema, id) }
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

// TestAppendCompactsTail checks that rows appended one by one end up in
// few batches, and that a snapshot taken between appends still restores
// its rows after the batches it saw were merged.
func TestAppendCompactsTail(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	tbl := NewWritableTable("t", schema, nil)
	row := func(id int64) arrow.RecordBatch { return idBatch(schema, id) }
	sum := func() (n, total int64) {
		for _, b := range tbl.Rows() {
			for _, v := range b.Column(0).(*array.Int64).Int64Values() {
				n, total = n+1, total+v
			}
			b.Release()
		}
		return n, total
	}
	tbl.Lock()
	for i := range int64(100) {
		if err := tbl.Append([]arrow.RecordBatch{row(i)}); err != nil {
			t.Fatal(err)
		}
	}
	restore, discard := tbl.Snapshot()
	for i := range int64(200) {
		if err := tbl.Append([]arrow.RecordBatch{row(1000 + i)}); err != nil {
			t.Fatal(err)
		}
	}
	tbl.Unlock()
	if got := len(tbl.batches); got >= smallBatches {
		t.Errorf("300 rows appended one by one are in %d batches", got)
	}
	if n, total := sum(); n != 300 || total != 99*100/2+200*1000+199*200/2 {
		t.Errorf("after appends: %d rows summing to %d", n, total)
	}
	restore()
	discard()
	if n, total := sum(); n != 100 || total != 99*100/2 {
		t.Errorf("after restoring the snapshot: %d rows summing to %d, want 100 rows summing to %d", n, total, 99*100/2)
	}
}

// idBatch is a batch of schema's one int64 column holding id.
func idBatch(schema *arrow.Schema, id int64) arrow.RecordBatch {
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	b.Append(id)
	col := b.NewArray()
	defer col.Release()
	return array.NewRecordBatch(schema, []arrow.Array{col}, 1)
}
