package engine

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/riffq/riffq/pgerror"
)

// The operators that hold data rather than stream it (the build side of
// a hash join, a sort's input, an aggregation's groups, a window's
// partitions) account what they hold to their query's memory budget. A
// query over its limit fails with 53200 and releases what it held; the
// server and its other queries go on.

type budgetKey struct{}

// memoryBudget is one query's account.
type memoryBudget struct {
	limit int64
	used  atomic.Int64
}

// WithMemoryLimit returns a context whose query may hold at most limit
// bytes in its blocking operators; limit 0 means no limit.
func WithMemoryLimit(ctx context.Context, limit int64) context.Context {
	if limit <= 0 {
		return ctx
	}
	return context.WithValue(ctx, budgetKey{}, &memoryBudget{limit: limit})
}

// reserve accounts n more bytes to ctx's query.
func reserve(ctx context.Context, n int64) error {
	chargeOperator(ctx, n)
	b, ok := ctx.Value(budgetKey{}).(*memoryBudget)
	if !ok || n <= 0 {
		return nil
	}
	if used := b.used.Add(n); used > b.limit {
		return &pgerror.Error{
			Code:    "53200",
			Message: "out of memory",
			Detail:  fmt.Sprintf("The query needs more than its memory limit of %s.", sizePretty(b.limit)),
			Hint:    "Raise the server's per-query memory limit (riffq --query-memory-limit), or make the query hold less: filter earlier, join or sort fewer rows.",
		}
	}
	return nil
}

// fits reports whether ctx's query can reserve n more bytes now.
func fits(ctx context.Context, n int64) bool {
	b, ok := ctx.Value(budgetKey{}).(*memoryBudget)
	return !ok || b.used.Load()+n <= b.limit
}

// release gives back n bytes an operator reserved and no longer holds.
func release(ctx context.Context, n int64) {
	chargeOperator(ctx, -n)
	if b, ok := ctx.Value(budgetKey{}).(*memoryBudget); ok && n > 0 {
		b.used.Add(-n)
	}
}

// reserveBatch accounts a batch an operator keeps.
func reserveBatch(ctx context.Context, b arrow.RecordBatch) error {
	return reserve(ctx, batchBytes(b))
}

// batchBytes is the size of a batch's values. A slice counts the values
// it covers, not the whole buffers it shares: operators often hold many
// slices of one batch (a sort's or a window's output), which would
// otherwise count that batch once per slice.
func batchBytes(b arrow.RecordBatch) int64 {
	var n int64
	for _, c := range b.Columns() {
		n += dataBytes(c.Data())
	}
	return n
}

func dataBytes(d arrow.ArrayData) int64 {
	dt := d.DataType()
	if ext, ok := dt.(arrow.ExtensionType); ok {
		dt = ext.StorageType()
	}
	rows := int64(d.Len())
	bitmap := (rows + 7) / 8
	bufs := d.Buffers()
	switch t := dt.(type) {
	case arrow.FixedWidthDataType:
		return (rows*int64(t.BitWidth())+7)/8 + bitmap
	case *arrow.StringType, *arrow.BinaryType:
		if len(bufs) > 1 && bufs[1] != nil && rows > 0 {
			offsets := arrow.Int32Traits.CastFromBytes(bufs[1].Bytes())
			start, end := d.Offset(), d.Offset()+int(rows)
			if end < len(offsets) {
				return 4*(rows+1) + int64(offsets[end]-offsets[start]) + bitmap
			}
		}
	}
	var n int64
	for _, buf := range bufs {
		if buf != nil {
			n += int64(buf.Len())
		}
	}
	for _, c := range d.Children() {
		n += dataBytes(c)
	}
	if dt.ID() == arrow.DICTIONARY {
		n += dataBytes(d.Dictionary())
	}
	return n
}
