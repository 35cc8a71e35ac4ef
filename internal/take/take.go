package take

import (
	"context"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Array is compute.TakeArray for every type riffq uses: fixed-width
// values are copied by takeFixed, strings by takeStrings, booleans by
// takeBools, the others (lists, binaries) by Arrow's kernel. idx is an
// int32 array; a NULL index takes a NULL.
func Array(ctx context.Context, a, idx arrow.Array) (arrow.Array, error) {
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
	idxNulls := idx.NullN() > 0
	for i, r := range rows {
		if (r < 0 || int(r) >= a.Len()) && (!idxNulls || idx.IsValid(i)) {
			return nil, fmt.Errorf("take: index %d out of bounds", r)
		}
	}
	return Values(ctx, a, rows, idx)
}

// Values is Array of rows already checked to be in range; idx,
// when not nil, is rows as an array, its NULLs taking NULLs.
func Values(ctx context.Context, a arrow.Array, rows []int32, idx arrow.Array) (arrow.Array, error) {
	width := fixedWidth(a.DataType())
	if id := a.DataType().ID(); width == 0 && id != arrow.STRING && id != arrow.BOOL {
		if idx == nil {
			idx = Indices(memory.DefaultAllocator, rows)
			defer idx.Release()
		}
		return compute.TakeArray(ctx, a, idx)
	}
	switch a := a.(type) {
	case *array.String:
		return takeStrings(memory.DefaultAllocator, a, rows, idx), nil
	case *array.Boolean:
		return takeBools(memory.DefaultAllocator, a, rows, idx), nil
	}
	return takeFixed(memory.DefaultAllocator, a, width, rows, idx), nil
}

// takeStrings copies the strings at rows (NULL where idx is NULL) into a
// new array sized up front. Arrow's kernel for strings grows its buffers
// as it goes and runs through the compute executor; this is the take of
// every text column a filter, join or sort moves.
func takeStrings(mem memory.Allocator, a *array.String, rows []int32, idx arrow.Array) arrow.Array {
	offsets := a.ValueOffsets() // into the whole data buffer, even in a slice
	var data []byte
	if buf := a.Data().Buffers()[2]; buf != nil {
		data = buf.Bytes()
	}
	hasNull := a.NullN() > 0 || (idx != nil && idx.NullN() > 0)
	valid := func(i int, r int32) bool {
		return !hasNull || ((idx == nil || idx.IsValid(i)) && a.IsValid(int(r)))
	}
	total := 0
	for i, r := range rows {
		if valid(i, r) {
			total += int(offsets[r+1] - offsets[r])
		}
	}
	offsetBuf := memory.NewResizableBuffer(mem)
	offsetBuf.Resize((len(rows) + 1) * 4)
	defer offsetBuf.Release()
	outOffsets := arrow.Int32Traits.CastFromBytes(offsetBuf.Bytes())
	dataBuf := memory.NewResizableBuffer(mem)
	dataBuf.Resize(total)
	defer dataBuf.Release()
	outData := dataBuf.Bytes()
	var validity *memory.Buffer
	var bits []byte
	if hasNull {
		validity = memory.NewResizableBuffer(mem)
		validity.Resize(int(bitutil.BytesForBits(int64(len(rows)))))
		defer validity.Release()
		bits = validity.Bytes()
		clear(bits)
	}
	nullN, pos := 0, int32(0)
	for i, r := range rows {
		outOffsets[i] = pos
		if !valid(i, r) {
			nullN++
			continue
		}
		pos += int32(copy(outData[pos:], data[offsets[r]:offsets[r+1]]))
		if hasNull {
			bitutil.SetBit(bits, i)
		}
	}
	outOffsets[len(rows)] = pos
	out := array.NewData(a.DataType(), len(rows), []*memory.Buffer{validity, offsetBuf, dataBuf}, nil, nullN, 0)
	defer out.Release()
	return array.NewStringData(out)
}

// Batch takes the rows idx of b.
func Batch(ctx context.Context, b arrow.RecordBatch, idx arrow.Array) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, b.NumCols())
	defer func() { releaseAll(cols) }()
	for i, c := range b.Columns() {
		t, err := Array(ctx, c, idx)
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

// Rows takes the listed rows of b, in order; they must be rows of b
// (a filter's selection).
func Rows(ctx context.Context, b arrow.RecordBatch, rows []int32) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, b.NumCols())
	defer func() { releaseAll(cols) }()
	for i, c := range b.Columns() {
		t, err := Values(ctx, c, rows, nil)
		if err != nil {
			return nil, err
		}
		cols[i] = t
	}
	return array.NewRecordBatch(b.Schema(), cols, int64(len(rows))), nil
}

// fixedWidth is the byte width of a's values when takeFixed can copy
// them: primitive numbers, dates, times, timestamps, intervals and
// decimals, one value per width bytes in the second buffer.
func fixedWidth(dt arrow.DataType) int {
	switch dt.ID() {
	case arrow.INT8, arrow.UINT8,
		arrow.INT16, arrow.UINT16, arrow.FLOAT16,
		arrow.INT32, arrow.UINT32, arrow.FLOAT32, arrow.DATE32, arrow.TIME32, arrow.INTERVAL_MONTHS,
		arrow.INT64, arrow.UINT64, arrow.FLOAT64, arrow.DATE64, arrow.TIME64, arrow.TIMESTAMP, arrow.DURATION, arrow.INTERVAL_DAY_TIME,
		arrow.DECIMAL128, arrow.INTERVAL_MONTH_DAY_NANO:
		return dt.(arrow.FixedWidthDataType).BitWidth() / 8
	}
	return 0
}

// takeFixed takes the rows of a column of width-byte values (fixedWidth);
// where nulls (an index array, or nil) has a NULL, it takes a NULL. It
// is Arrow's take kernel without the compute executor's overhead, which
// dominates the small batches of catalog queries.
func takeFixed(mem memory.Allocator, a arrow.Array, width int, rows []int32, nulls arrow.Array) arrow.Array {
	d := a.Data()
	var src []byte
	if buf := d.Buffers()[1]; buf != nil { // nil in an empty or all-NULL array
		src = buf.Bytes()[d.Offset()*width:]
	}
	values := memory.NewResizableBuffer(mem)
	values.Resize(len(rows) * width)
	defer values.Release()
	dst := values.Bytes()
	hasNull := a.NullN() > 0 || (nulls != nil && nulls.NullN() > 0)
	if !hasNull {
		switch width {
		case 1:
			copyRows(dst, src, rows)
		case 2:
			copyRows(arrow.GetData[uint16](dst), arrow.GetData[uint16](src), rows)
		case 4:
			copyRows(arrow.GetData[uint32](dst), arrow.GetData[uint32](src), rows)
		case 8:
			copyRows(arrow.GetData[uint64](dst), arrow.GetData[uint64](src), rows)
		case 16: // decimals, intervals
			copyRows(arrow.GetData[decimal128.Num](dst), arrow.GetData[decimal128.Num](src), rows)
		default:
			for i, r := range rows {
				copy(dst[i*width:(i+1)*width], src[int(r)*width:])
			}
		}
		out := array.NewData(a.DataType(), len(rows), []*memory.Buffer{nil, values}, nil, 0, 0)
		defer out.Release()
		return array.MakeFromData(out)
	}
	clear(dst)
	validity := memory.NewResizableBuffer(mem)
	validity.Resize(int(bitutil.BytesForBits(int64(len(rows)))))
	defer validity.Release()
	bits := validity.Bytes()
	clear(bits)
	nullN := 0
	for i, r := range rows {
		if (nulls != nil && nulls.IsNull(i)) || a.IsNull(int(r)) {
			nullN++
			continue
		}
		copy(dst[i*width:(i+1)*width], src[int(r)*width:])
		bitutil.SetBit(bits, i)
	}
	out := array.NewData(a.DataType(), len(rows), []*memory.Buffer{validity, values}, nil, nullN, 0)
	defer out.Release()
	return array.MakeFromData(out)
}

// takeBools takes the rows of a boolean column; where idx has a NULL, it
// takes a NULL.
func takeBools(mem memory.Allocator, a *array.Boolean, rows []int32, idx arrow.Array) arrow.Array {
	values := memory.NewResizableBuffer(mem)
	values.Resize(int(bitutil.BytesForBits(int64(len(rows)))))
	defer values.Release()
	vbits := values.Bytes()
	clear(vbits)
	hasNull := a.NullN() > 0 || (idx != nil && idx.NullN() > 0)
	var validity *memory.Buffer
	var nbits []byte
	if hasNull {
		validity = memory.NewResizableBuffer(mem)
		validity.Resize(len(vbits))
		defer validity.Release()
		nbits = validity.Bytes()
		clear(nbits)
	}
	nullN := 0
	for i, r := range rows {
		if hasNull {
			if (idx != nil && idx.IsNull(i)) || a.IsNull(int(r)) {
				nullN++
				continue
			}
			bitutil.SetBit(nbits, i)
		}
		if a.Value(int(r)) {
			bitutil.SetBit(vbits, i)
		}
	}
	out := array.NewData(a.DataType(), len(rows), []*memory.Buffer{validity, values}, nil, nullN, 0)
	defer out.Release()
	return array.MakeFromData(out)
}

func copyRows[T uint8 | uint16 | uint32 | uint64 | decimal128.Num](dst, src []T, rows []int32) {
	for i, r := range rows {
		dst[i] = src[r]
	}
}

// Indices makes a take-index array; -1 becomes NULL (a NULL row).
func Indices(mem memory.Allocator, idx []int32) arrow.Array {
	b := array.NewInt32Builder(mem)
	defer b.Release()
	b.Reserve(len(idx))
	for _, i := range idx {
		if i < 0 {
			b.AppendNull()
		} else {
			b.UnsafeAppend(i)
		}
	}
	return b.NewArray()
}

func releaseAll(as []arrow.Array) {
	for _, a := range as {
		if a != nil {
			a.Release()
		}
	}
}
