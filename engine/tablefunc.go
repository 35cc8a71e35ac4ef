package engine

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/pgerror"
)

// TableFunc runs a set-returning function of FROM: generate_series over
// integers, streamed in batches, or unnest of an array.
type TableFunc struct {
	Func string
	Args []expr.Expr
	Out  *arrow.Schema
}

func (t *TableFunc) Schema() *arrow.Schema { return t.Out }
func (*TableFunc) Children() []Plan        { return nil }
func (t *TableFunc) String() string {
	return fmt.Sprintf("TableFunc: %s(%d args)", t.Func, len(t.Args))
}

// seriesBatch is the most rows per generate_series batch.
const seriesBatch = 64 * 1024

// Execute evaluates the arguments once, on a row without columns.
func (t *TableFunc) Execute(ctx context.Context) (array.RecordReader, error) {
	one := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1)
	defer one.Release()
	evs, err := compileAll(t.Args)
	if err != nil {
		return nil, err
	}
	args, err := evalArrays(ctx, evs, one)
	if err != nil {
		return nil, err
	}
	defer releaseAll(args)
	for _, a := range args {
		if a.IsNull(0) {
			return batchio.Empty(t.Out), nil // STRICT: NULL in, no rows out
		}
	}
	elem := t.Out.Field(0).Type
	switch t.Func {
	case "unnest":
		values := args[0].(array.ListLike)
		start, end := values.ValueOffsets(0)
		col := array.NewSlice(values.ListValues(), start, end)
		defer col.Release()
		b := array.NewRecordBatch(t.Out, []arrow.Array{col}, end-start)
		defer b.Release()
		return array.NewRecordReader(t.Out, []arrow.RecordBatch{b})
	case "generate_series":
		a := argReader{args}
		next, stop, step := a.int(0, 0), a.int(1, 0), int64(1)
		if len(args) == 3 {
			step = a.int(2, 0)
		}
		if step == 0 {
			return nil, pgerror.New(pgerror.InvalidParameterValue, "step size cannot equal zero")
		}
		done := step > 0 && next > stop || step < 0 && next < stop
		return batchio.NewReader(t.Out, func() (arrow.RecordBatch, error) {
			if done {
				return nil, nil
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			bld := array.NewBuilder(memory.DefaultAllocator, elem)
			defer bld.Release()
			for n := 0; n < seriesBatch && !done; n++ {
				appendInt(bld, next)
				// Stop before the next value would pass stop or overflow.
				if step > 0 && next > stop-step || step < 0 && next < stop-step {
					done = true
				}
				next += step
			}
			col := bld.NewArray()
			defer col.Release()
			return array.NewRecordBatch(t.Out, []arrow.Array{col}, int64(col.Len())), nil
		}, nil), nil
	}
	return nil, pgerror.New(pgerror.FeatureNotSupported, "function %s in FROM is not supported", t.Func)
}
