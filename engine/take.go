package engine

import (
	"context"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// takeArray is compute.TakeArray for every type riffq uses: numeric and
// interval values (16 bytes each) are copied by take16, strings by
// takeStrings, the others by Arrow's kernel. idx is an int32 array; a NULL index takes a NULL.
func takeArray(ctx context.Context, a, idx arrow.Array) (arrow.Array, error) {
	switch a.DataType().ID() {
	case arrow.DECIMAL128, arrow.INTERVAL_MONTH_DAY_NANO, arrow.STRING:
		var rows []int32
		switch ix := idx.(type) {
		case *array.Int32:
			rows = ix.Int32Values()
		case *array.Int64:
			rows = narrow(ix.Int64Values())
		case *array.Uint64:
			rows = narrow(ix.Uint64Values())
		case *array.Uint32:
			rows = narrow(ix.Uint32Values())
		case *array.Int16:
			rows = narrow(ix.Int16Values())
		case *array.Uint16:
			rows = narrow(ix.Uint16Values())
		default:
			return nil, fmt.Errorf("take: %s indices", idx.DataType())
		}
		for i, r := range rows {
			if idx.IsValid(i) && (r < 0 || int(r) >= a.Len()) {
				return nil, fmt.Errorf("take: index %d out of bounds", r)
			}
		}
		if s, ok := a.(*array.String); ok {
			return takeStrings(memory.DefaultAllocator, s, rows, idx), nil
		}
		return take16(memory.DefaultAllocator, a, rows, idx), nil
	}
	return compute.TakeArray(ctx, a, idx)
}

// takeStrings copies the strings at rows (NULL where idx is NULL) into a
// new array sized up front. Arrow's kernel for strings grows its buffers
// as it goes and runs through the compute executor; this is the take of
// every text column a filter, join or sort moves.
func takeStrings(mem memory.Allocator, a *array.String, rows []int32, idx arrow.Array) arrow.Array {
	total := 0
	for i, r := range rows {
		if idx.IsValid(i) && a.IsValid(int(r)) {
			total += a.ValueLen(int(r))
		}
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(len(rows))
	b.ReserveData(total)
	for i, r := range rows {
		if !idx.IsValid(i) || a.IsNull(int(r)) {
			b.AppendNull()
			continue
		}
		b.Append(a.Value(int(r)))
	}
	return b.NewArray()
}

// takeBatch takes the rows idx of b.
func takeBatch(ctx context.Context, b arrow.RecordBatch, idx arrow.Array) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, b.NumCols())
	defer func() { releaseAll(cols) }()
	for i, c := range b.Columns() {
		t, err := takeArray(ctx, c, idx)
		if err != nil {
			return nil, err
		}
		cols[i] = t
	}
	return array.NewRecordBatch(b.Schema(), cols, int64(idx.Len())), nil
}

// narrow converts take indices to int32 (an array has fewer than 2^31
// rows; larger values fail the bounds check).
func narrow[T int64 | uint64 | uint32 | int16 | uint16](vs []T) []int32 {
	out := make([]int32, len(vs))
	for i, v := range vs {
		if uint64(v) > math.MaxInt32 {
			out[i] = -1
			continue
		}
		out[i] = int32(v)
	}
	return out
}

// takeRows takes the listed rows of b, in order.
func takeRows(ctx context.Context, b arrow.RecordBatch, rows []int32) (arrow.RecordBatch, error) {
	idx := indices(memory.DefaultAllocator, rows)
	defer idx.Release()
	return takeBatch(ctx, b, idx)
}

// take16 takes the rows of a column of 16-byte values; where nulls (an
// index array, or nil) has a NULL, it takes a NULL.
func take16(mem memory.Allocator, a arrow.Array, rows []int32, nulls arrow.Array) arrow.Array {
	d := a.Data()
	src := d.Buffers()[1].Bytes()[d.Offset()*16:]
	values := memory.NewResizableBuffer(mem)
	values.Resize(len(rows) * 16)
	defer values.Release()
	dst := values.Bytes()
	clear(dst)
	hasNull := a.NullN() > 0 || (nulls != nil && nulls.NullN() > 0)
	var validity *memory.Buffer
	var bits []byte
	if hasNull {
		validity = memory.NewResizableBuffer(mem)
		validity.Resize(int(bitutil.BytesForBits(int64(len(rows)))))
		defer validity.Release()
		bits = validity.Bytes()
		clear(bits)
	}
	nullN := 0
	for i, r := range rows {
		if hasNull && ((nulls != nil && nulls.IsNull(i)) || a.IsNull(int(r))) {
			nullN++
			continue
		}
		copy(dst[i*16:i*16+16], src[int(r)*16:int(r)*16+16])
		if hasNull {
			bitutil.SetBit(bits, i)
		}
	}
	out := array.NewData(a.DataType(), len(rows), []*memory.Buffer{validity, values}, nil, nullN, 0)
	defer out.Release()
	return array.MakeFromData(out)
}
