package engine

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/internal/take"
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
	// Fetch, when positive, is how many rows are needed (ORDER BY ...
	// LIMIT): the sort keeps only the best Fetch rows seen so far, in
	// memory proportional to Fetch instead of the input (top-K).
	Fetch int64
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
	out := "Sort: " + strings.Join(parts, ", ")
	if s.Fetch > 0 {
		out += fmt.Sprintf(" fetch=%d", s.Fetch)
	}
	return out
}

func (s *Sort) Execute(ctx context.Context) (array.RecordReader, error) {
	in, err := s.Input.Execute(ctx)
	if err != nil {
		return nil, err
	}
	var (
		sorted  sortedRows
		started bool
	)
	cleanup := func() {
		in.Release()
		if sorted != nil {
			sorted.release()
		}
	}
	return batchio.NewReader(s.Schema(), func() (arrow.RecordBatch, error) {
		if !started {
			started = true
			if sorted, err = s.sortAll(ctx, in); err != nil {
				return nil, err
			}
		}
		if sorted == nil {
			return nil, nil
		}
		return sorted.next()
	}, cleanup), nil
}

// outputBatchRows is the size of the batches blocking operators emit.
const outputBatchRows = 64 * 1024

// sortAll reads the whole input and returns it sorted, nil if it is
// empty. Beyond the query's memory limit it spills sorted runs and
// returns their merge (sortspill.go).
func (s *Sort) sortAll(ctx context.Context, in array.RecordReader) (sortedRows, error) {
	var (
		batches []arrow.RecordBatch
		held    int64 // bytes reserved for batches
		rows    int64 // rows in batches
		runs    []*spillFile
	)
	defer func() {
		for _, b := range batches {
			b.Release()
		}
		for _, f := range runs {
			f.close()
		}
	}()
	spill := canSpill(ctx) && spillable(s.Schema())
	for in.Next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b := in.RecordBatch()
		n := batchBytes(b)
		if err := reserve(ctx, n); err != nil {
			if !spill || len(batches) == 0 || !keysEncodable(batches[0], s.Keys) {
				return nil, err
			}
			release(ctx, n) // not held after all
			run, err := s.writeRun(ctx, batches)
			if err != nil {
				return nil, err
			}
			runs = append(runs, run)
			for _, b := range batches {
				b.Release()
			}
			release(ctx, held)
			batches, held, rows = nil, 0, 0
			if err := reserve(ctx, n); err != nil {
				return nil, err // one batch alone is over the limit
			}
		}
		b.Retain()
		batches = append(batches, b)
		held += n
		rows += b.NumRows()
		if s.Fetch > 0 && len(runs) == 0 && rows > 2*s.Fetch+outputBatchRows {
			// Keep the best Fetch rows so far.
			top, err := s.topRows(ctx, batches)
			if err != nil {
				return nil, err
			}
			for _, b := range batches {
				b.Release()
			}
			release(ctx, held)
			batches, held, rows = []arrow.RecordBatch{top}, batchBytes(top), top.NumRows()
			if err := reserve(ctx, held); err != nil {
				return nil, err
			}
		}
	}
	if err := in.Err(); err != nil {
		return nil, err
	}
	var inMemory sortedRows
	if len(batches) > 0 {
		sorted, err := s.sortParallel(ctx, batches, rows)
		if err != nil {
			return nil, err
		}
		inMemory = sorted
	}
	if len(runs) == 0 {
		return inMemory, nil
	}
	files := runs
	runs = nil // the merge frees them from here on
	return s.mergeSpilled(ctx, files, inMemory)
}

// sortIndices returns the permutation that orders all's rows by keys, as
// PostgreSQL orders them.
func sortIndices(ctx context.Context, all arrow.RecordBatch, sortKeys []SortKey) (arrow.Array, error) {
	if idx, ok, err := compareSortIndices(ctx, all, sortKeys); ok || err != nil {
		return idx, err
	}
	// Sort on key columns only; numeric text is sorted through its value.
	var keyCols []arrow.Array
	var keyFields []arrow.Field
	var keys []compute.SortKey
	addKey := func(col arrow.Array, k SortKey) {
		key := compute.SortKey{ColumnIndex: len(keyCols)}
		if k.Desc {
			key.Order = compute.SortOrderDescending
		}
		if k.NullsFirst {
			key.NullPlacement = compute.SortNullsAtStart
		}
		keyCols = append(keyCols, col)
		keyFields = append(keyFields, arrow.Field{Name: fmt.Sprint(len(keyFields)), Type: col.DataType(), Nullable: true})
		keys = append(keys, key)
	}
	for _, k := range sortKeys {
		col := all.Column(k.Column)
		switch {
		case col.DataType().ID() == arrow.EXTENSION:
			if _, ok := col.DataType().(*pgtypes.NumericType); ok {
				addKey(numericSortKey(col), k)
				continue
			}
		case col.DataType().ID() == arrow.FLOAT32 || col.DataType().ID() == arrow.FLOAT64:
			// PostgreSQL orders NaN above every number: sort on "is NaN"
			// first, then on the value.
			if isNaN, values, ok := splitNaN(col); ok {
				addKey(isNaN, k)
				addKey(values, k)
				continue
			}
		}
		col.Retain()
		addKey(col, k)
	}
	keyBatch := array.NewRecordBatch(arrow.NewSchema(keyFields, nil), keyCols, all.NumRows())
	for _, c := range keyCols {
		c.Release()
	}
	defer keyBatch.Release()
	idx, err := compute.SortIndicesRecordBatch(ctx, keyBatch, keys)
	if err != nil {
		return nil, fmt.Errorf("sort: %w", err)
	}
	return idx, nil
}

// topRows sorts batches and returns their first Fetch rows.
func (s *Sort) topRows(ctx context.Context, batches []arrow.RecordBatch) (arrow.RecordBatch, error) {
	all, err := batchio.Concatenate(s.Schema(), batches)
	if err != nil {
		return nil, err
	}
	defer all.Release()
	var idx arrow.Array
	ok := false
	if s.Fetch*8 < all.NumRows() {
		// Few rows wanted of many: select them rather than sort all.
		idx, ok, err = compareTopIndices(ctx, all, s.Keys, int(s.Fetch))
	}
	if !ok && err == nil {
		idx, err = sortIndices(ctx, all, s.Keys)
	}
	if err != nil {
		return nil, err
	}
	defer idx.Release()
	first := array.NewSlice(idx, 0, min(s.Fetch, int64(idx.Len())))
	defer first.Release()
	return take.Batch(ctx, all, first)
}

// splitNaN returns, for a float column holding NaN, a boolean "is NaN"
// column and the values with NaN replaced by zero; ok is false when the
// column has no NaN.
func splitNaN(col arrow.Array) (isNaN, values arrow.Array, ok bool) {
	get := func(i int) float64 {
		if f, ok := col.(*array.Float32); ok {
			return float64(f.Value(i))
		}
		return col.(*array.Float64).Value(i)
	}
	for i := range col.Len() {
		if col.IsValid(i) && math.IsNaN(get(i)) {
			ok = true
			break
		}
	}
	if !ok {
		return nil, nil, false
	}
	nb := array.NewBooleanBuilder(memory.DefaultAllocator)
	defer nb.Release()
	vb := array.NewFloat64Builder(memory.DefaultAllocator)
	defer vb.Release()
	for i := range col.Len() {
		if col.IsNull(i) {
			nb.AppendNull()
			vb.AppendNull()
			continue
		}
		v := get(i)
		nb.Append(math.IsNaN(v))
		if math.IsNaN(v) {
			v = 0
		}
		vb.Append(v)
	}
	return nb.NewArray(), vb.NewArray(), true
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
