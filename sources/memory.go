package sources

import (
	"context"
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/riffq/riffq/internal/batchio"
)

// MemTable is a table held in memory as Arrow record batches. It is meant for
// small tables an application builds itself (lookup tables, test fixtures).
type MemTable struct {
	schema  *arrow.Schema
	batches []arrow.RecordBatch

	statsOnce sync.Once
	stats     Statistics
}

// NewMemTable returns a table over batches, which must all have schema. The
// table retains the batches.
func NewMemTable(schema *arrow.Schema, batches ...arrow.RecordBatch) (*MemTable, error) {
	for i, b := range batches {
		if !b.Schema().Equal(schema) {
			return nil, fmt.Errorf("batch %d: schema %s does not match table schema %s", i, b.Schema(), schema)
		}
	}
	for _, b := range batches {
		b.Retain()
	}
	return &MemTable{schema: schema, batches: batches}, nil
}

// Schema implements TableProvider.
func (t *MemTable) Schema() *arrow.Schema { return t.schema }

// Statistics implements StatisticsProvider: the row count and each
// column's null count and bounds, computed once.
func (t *MemTable) Statistics() Statistics {
	t.statsOnce.Do(func() {
		t.stats.Columns = make([]ColumnStatistics, t.schema.NumFields())
		for _, b := range t.batches {
			t.stats.RowCount += b.NumRows()
		}
		for c := range t.stats.Columns {
			cols := make([]arrow.Array, len(t.batches))
			for i, b := range t.batches {
				cols[i] = b.Column(c)
			}
			t.stats.Columns[c] = ColumnStats(cols)
		}
	})
	return t.stats
}

// Batches returns the table's batches, which the caller must neither
// change nor release.
func (t *MemTable) Batches() []arrow.RecordBatch { return t.batches }

// Scan implements TableProvider. The reader stops with ctx.Err() once ctx is
// done.
func (t *MemTable) Scan(ctx context.Context, req ScanRequest) (array.RecordReader, error) {
	schema := ProjectSchema(t.schema, req.Projection)
	out := make([]arrow.RecordBatch, 0, len(t.batches))
	remaining := req.Limit
	for _, b := range t.batches {
		if remaining == 0 {
			break
		}
		rec := ProjectBatch(schema, b, req.Projection)
		n := rec.NumRows()
		if remaining > 0 && n > remaining {
			sliced := rec.NewSlice(0, remaining)
			rec.Release()
			rec = sliced
			n = remaining
		}
		if remaining > 0 {
			remaining -= n
		}
		out = append(out, rec)
	}
	next := func() (arrow.RecordBatch, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(out) == 0 {
			return nil, nil
		}
		b := out[0]
		out = out[1:]
		return b, nil
	}
	release := func() {
		for _, b := range out {
			b.Release()
		}
		out = nil
	}
	return batchio.NewReader(schema, next, release), nil
}
