package engine

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/pgerror"
)

// compileSequenceFunc compiles nextval, currval and setval of n.Sequence,
// row by row in input order.
func compileSequenceFunc(n *expr.Call, args []evaluator) evaluator {
	seq, name := n.Sequence, n.Func
	return func(ctx context.Context, b arrow.RecordBatch) (compute.Datum, error) {
		rows := b.NumRows()
		bld := array.NewInt64Builder(memory.DefaultAllocator)
		defer bld.Release()
		switch name {
		case "nextval":
			first, err := seq.Take(rows)
			if err != nil {
				return nil, err
			}
			for i := range rows {
				bld.Append(first + i*seq.Increment)
			}
		case "currval":
			last, called := seq.Position()
			if !called && rows > 0 {
				return nil, pgerror.New("55000", "currval of sequence \"%s\" is not yet defined in this session", seq.Name)
			}
			for range rows {
				bld.Append(last)
			}
		case "setval":
			vals, err := evalArrays(ctx, args, b)
			if err != nil {
				return nil, err
			}
			defer releaseAll(vals)
			v := vals[0].(*array.Int64)
			for i := range int(rows) {
				if v.IsNull(i) || len(vals) > 1 && vals[1].IsNull(i) {
					bld.AppendNull()
					continue
				}
				called := len(vals) < 2 || vals[1].(*array.Boolean).Value(i)
				if err := seq.Set(v.Value(i), called); err != nil {
					return nil, err
				}
				bld.Append(v.Value(i))
			}
		}
		return compute.NewDatumWithoutOwning(bld.NewArray()), nil
	}
}
