package engine

import (
	"context"
	"fmt"
	"math/big"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/internal/pgtypes"
)

// SortKey orders by one input column.
type SortKey struct {
	Column     int
	Desc       bool
	NullsFirst bool
}

// Sort orders its whole input by Keys. It is a blocking operator: it keeps
// every input batch in memory until the input ends.
type Sort struct {
	Input Plan
	Keys  []SortKey
}

func (s *Sort) Schema() *arrow.Schema { return s.Input.Schema() }
func (s *Sort) Children() []Plan      { return []Plan{s.Input} }

func (s *Sort) String() string {
	parts := make([]string, len(s.Keys))
	for i, k := range s.Keys {
		parts[i] = s.Schema().Field(k.Column).Name
		if k.Desc {
			parts[i] += " DESC"
		}
		if k.NullsFirst {
			parts[i] += " NULLS FIRST"
		} else {
			parts[i] += " NULLS LAST"
		}
	}
	return "Sort: " + strings.Join(parts, ", ")
}

func (s *Sort) Execute(ctx context.Context) (array.RecordReader, error) {
	in, err := s.Input.Execute(ctx)
	if err != nil {
		return nil, err
	}
	schema := s.Schema()
	var (
		sorted  arrow.RecordBatch
		indices arrow.Array
		pos     int64
		started bool
	)
	cleanup := func() {
		in.Release()
		if sorted != nil {
			sorted.Release()
		}
		if indices != nil {
			indices.Release()
		}
	}
	return batchio.NewReader(schema, func() (arrow.RecordBatch, error) {
		if !started {
			started = true
			sorted, indices, err = s.sortAll(ctx, in)
			if err != nil {
				return nil, err
			}
		}
		if sorted == nil || pos >= int64(indices.Len()) {
			return nil, nil
		}
		end := min(pos+outputBatchRows, int64(indices.Len()))
		idx := array.NewSlice(indices, pos, end)
		defer idx.Release()
		pos = end
		out, err := compute.Take(ctx, *compute.DefaultTakeOptions(), compute.NewDatumWithoutOwning(sorted), compute.NewDatumWithoutOwning(idx))
		if err != nil {
			return nil, fmt.Errorf("sort: %w", err)
		}
		return out.(*compute.RecordDatum).Value, nil
	}, cleanup), nil
}

// outputBatchRows is the size of the batches blocking operators emit.
const outputBatchRows = 64 * 1024

func (s *Sort) sortAll(ctx context.Context, in array.RecordReader) (arrow.RecordBatch, arrow.Array, error) {
	var batches []arrow.RecordBatch
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	for in.Next() {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		b := in.RecordBatch()
		b.Retain()
		batches = append(batches, b)
	}
	if err := in.Err(); err != nil {
		return nil, nil, err
	}
	if len(batches) == 0 {
		return nil, nil, nil
	}
	all, err := concatBatches(s.Schema(), batches)
	if err != nil {
		return nil, nil, err
	}
	// Sort on key columns only; numeric text is sorted through its value.
	keyCols := make([]arrow.Array, len(s.Keys))
	keyFields := make([]arrow.Field, len(s.Keys))
	keys := make([]compute.SortKey, len(s.Keys))
	for i, k := range s.Keys {
		col := all.Column(k.Column)
		if _, ok := col.DataType().(*pgtypes.NumericType); ok {
			col = numericSortKey(col)
		} else {
			col.Retain()
		}
		keyCols[i] = col
		keyFields[i] = arrow.Field{Name: fmt.Sprint(i), Type: col.DataType(), Nullable: true}
		keys[i] = compute.SortKey{ColumnIndex: i}
		if k.Desc {
			keys[i].Order = compute.SortOrderDescending
		}
		if k.NullsFirst {
			keys[i].NullPlacement = compute.SortNullsAtStart
		}
	}
	keyBatch := array.NewRecordBatch(arrow.NewSchema(keyFields, nil), keyCols, all.NumRows())
	for _, c := range keyCols {
		c.Release()
	}
	defer keyBatch.Release()
	idx, err := compute.SortIndicesRecordBatch(ctx, keyBatch, keys)
	if err != nil {
		all.Release()
		return nil, nil, fmt.Errorf("sort: %w", err)
	}
	return all, idx, nil
}

// numericSortKey maps numeric text to float64 for ordering. Values that
// differ beyond float64's 15-17 significant digits may tie.
func numericSortKey(col arrow.Array) arrow.Array {
	b := array.NewFloat64Builder(memory.DefaultAllocator)
	defer b.Release()
	for i := range col.Len() {
		if col.IsNull(i) {
			b.AppendNull()
			continue
		}
		f, _ := new(big.Float).SetString(bytesAt(col, i))
		v, _ := f.Float64()
		b.Append(v)
	}
	return b.NewArray()
}

func concatBatches(schema *arrow.Schema, batches []arrow.RecordBatch) (arrow.RecordBatch, error) {
	if len(batches) == 1 {
		batches[0].Retain()
		return batches[0], nil
	}
	cols := make([]arrow.Array, schema.NumFields())
	var rows int64
	for _, b := range batches {
		rows += b.NumRows()
	}
	for c := range cols {
		parts := make([]arrow.Array, len(batches))
		for i, b := range batches {
			parts[i] = b.Column(c)
		}
		col, err := array.Concatenate(parts, memory.DefaultAllocator)
		if err != nil {
			return nil, fmt.Errorf("concatenate column %d: %w", c, err)
		}
		cols[c] = col
	}
	out := array.NewRecordBatch(schema, cols, rows)
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}
