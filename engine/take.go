package engine

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
)

// fsb16 is the layout of a month-day-nano interval: Arrow's selection
// kernels (take, filter) have no interval kernel, so intervals go through
// them as the 16-byte fixed-size binary values they are.
var fsb16 = &arrow.FixedSizeBinaryType{ByteWidth: 16}

// reinterpret views a's buffers as type to.
func reinterpret(a arrow.Array, to arrow.DataType) arrow.Array {
	d := a.Data()
	return array.MakeFromData(array.NewData(to, d.Len(), d.Buffers(), nil, d.NullN(), d.Offset()))
}

// takeArray is compute.TakeArray for every type riffq uses.
func takeArray(ctx context.Context, a, idx arrow.Array) (arrow.Array, error) {
	if a.DataType().ID() != arrow.INTERVAL_MONTH_DAY_NANO {
		return compute.TakeArray(ctx, a, idx)
	}
	in := reinterpret(a, fsb16)
	defer in.Release()
	out, err := compute.TakeArray(ctx, in, idx)
	if err != nil {
		return nil, err
	}
	defer out.Release()
	return reinterpret(out, a.DataType()), nil
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
