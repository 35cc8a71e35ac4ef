package engine

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/internal/take"
)

// DistinctOn keeps the first row of each run of rows whose Keys columns
// are equal (NULLs equal NULLs), as SELECT DISTINCT ON does over its input
// sorted by those keys first. It streams: a run may span batches.
type DistinctOn struct {
	Input Plan
	Keys  []int
}

func (d *DistinctOn) Schema() *arrow.Schema { return d.Input.Schema() }
func (d *DistinctOn) Children() []Plan      { return []Plan{d.Input} }
func (d *DistinctOn) String() string        { return fmt.Sprintf("DistinctOn: keys=%v", d.Keys) }

func (d *DistinctOn) Execute(ctx context.Context) (array.RecordReader, error) {
	schema := d.Schema()
	keys := make([]keyColumn, len(d.Keys))
	for i, c := range d.Keys {
		var err error
		if keys[i], err = newKeyColumn(schema.Field(c).Type); err != nil {
			return nil, err
		}
	}
	in, err := d.Input.Execute(ctx)
	if err != nil {
		return nil, err
	}
	// Equal encodings mean equal keys (the grouping encoding: NULLs
	// marked, strings length-prefixed).
	encode := func(buf []byte, b arrow.RecordBatch, r int) []byte {
		for i, c := range d.Keys {
			buf = keys[i].encode(buf, b.Column(c), r)
		}
		return buf
	}
	var prev, cur []byte
	first := true
	next := func() (arrow.RecordBatch, error) {
		for in.Next() {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			b := in.RecordBatch()
			idx := array.NewInt64Builder(memory.DefaultAllocator)
			for r := range int(b.NumRows()) {
				cur = encode(cur[:0], b, r)
				if first || string(cur) != string(prev) {
					idx.Append(int64(r))
				}
				prev, cur, first = cur, prev, false
			}
			indices := idx.NewArray()
			idx.Release()
			if indices.Len() == 0 {
				indices.Release()
				continue
			}
			out, err := take.Batch(ctx, b, indices)
			indices.Release()
			return out, err
		}
		return nil, in.Err()
	}
	return batchio.NewReader(schema, next, in.Release), nil
}
