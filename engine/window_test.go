package engine

import (
	"context"
	"runtime"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/batchio"
)

// TestParallelWindow checks that a window over many partitions, computed
// in runs of whole partitions on every core, gives the rows of the same
// window computed in one piece.
func TestParallelWindow(t *testing.T) {
	rows := spillRows(200_000)
	plan := func() Plan {
		keys := []SortKey{{Column: 0}, {Column: 1}, {Column: 2}}
		sorted := &Sort{Input: testScan(t, 4096, rows...), Keys: keys}
		return &Window{Input: sorted, Partition: []int{0}, Order: []SortKey{{Column: 1}}, Funcs: []WindowFunc{
			{Func: "row_number", Type: arrow.PrimitiveTypes.Int64, Frame: DefaultFrame},
			{Func: "lag", Args: []expr.Expr{col(2)}, Type: arrow.PrimitiveTypes.Float64, Frame: DefaultFrame},
			{Agg: &expr.Aggregate{Func: expr.Sum, Arg: col(1), Type: arrow.PrimitiveTypes.Int64}, Type: arrow.PrimitiveTypes.Int64, Frame: DefaultFrame},
		}}
	}
	prev := runtime.GOMAXPROCS(1)
	want, err := collect(t, plan())
	runtime.GOMAXPROCS(max(prev, 2))
	defer runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	w := plan().(*Window)
	all, err := collectBatch(w.Input)
	if err != nil {
		t.Fatal(err)
	}
	defer all.Release()
	if chunks, err := w.chunks(all, outputBatchRows); err != nil || len(chunks) < 2 {
		t.Fatalf("%d rows in %d runs (%v): nothing to parallelize", all.NumRows(), len(chunks), err)
	}
	got, err := collect(t, w)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	for j := range want {
		if got[j] != want[j] {
			t.Fatalf("row %d: got %s, want %s", j, got[j], want[j])
		}
	}
}

// collectBatch runs p and returns its rows as one batch.
func collectBatch(p Plan) (arrow.RecordBatch, error) {
	rdr, err := p.Execute(context.Background())
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	var batches []arrow.RecordBatch
	for rdr.Next() {
		b := rdr.RecordBatch()
		b.Retain()
		batches = append(batches, b)
	}
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	if err := rdr.Err(); err != nil {
		return nil, err
	}
	return batchio.Concatenate(p.Schema(), batches)
}
