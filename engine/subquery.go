package engine

import (
	"context"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/pgerror"
)

// compileSubquery evaluates an uncorrelated subquery once, the first time
// the expression is evaluated, and reuses the answer for every batch.
func compileSubquery(n *expr.Subquery) (evaluator, error) {
	var left evaluator
	if n.Kind == expr.InSubquery {
		var err error
		if left, err = compile(n.Left); err != nil {
			return nil, err
		}
	}
	var (
		once    sync.Once
		onceErr error
		value   scalar.Scalar // scalar and EXISTS subqueries
		set     map[string]bool
		hasNull bool
		key     keyColumn
	)
	run := func(ctx context.Context) {
		rdr, err := n.Plan.Execute(ctx)
		if err != nil {
			onceErr = err
			return
		}
		defer rdr.Release()
		switch n.Kind {
		case expr.ExistsSubquery:
			found := false
			for rdr.Next() {
				if rdr.RecordBatch().NumRows() > 0 {
					found = true
					break
				}
			}
			value, onceErr = scalar.NewBooleanScalar(found), rdr.Err()
		case expr.ScalarSubquery:
			value = scalar.MakeNullScalar(n.Type)
			rows := 0
			for rdr.Next() {
				b := rdr.RecordBatch()
				if b.NumRows() == 0 {
					continue
				}
				rows += int(b.NumRows())
				if rows > 1 {
					onceErr = pgerror.New("21000", "more than one row returned by a subquery used as an expression")
					return
				}
				if value, onceErr = scalar.GetScalar(b.Column(0), 0); onceErr != nil {
					return
				}
			}
			if err := rdr.Err(); err != nil {
				onceErr = err
			}
		case expr.InSubquery:
			set = make(map[string]bool)
			if key, onceErr = newKeyColumn(n.Left.DataType()); onceErr != nil {
				return
			}
			var buf []byte
			for rdr.Next() {
				col := rdr.RecordBatch().Column(0)
				for i := range col.Len() {
					if col.IsNull(i) {
						hasNull = true
						continue
					}
					buf = key.encode(buf[:0], col, i)
					set[string(buf)] = true
				}
			}
			onceErr = rdr.Err()
		}
	}
	return func(ctx context.Context, b arrow.RecordBatch) (compute.Datum, error) {
		once.Do(func() { run(ctx) })
		if onceErr != nil {
			return nil, onceErr
		}
		if n.Kind != expr.InSubquery {
			return compute.NewDatum(value), nil
		}
		l, err := evalArray(ctx, left, b)
		if err != nil {
			return nil, err
		}
		defer l.Release()
		out := array.NewBooleanBuilder(memory.DefaultAllocator)
		defer out.Release()
		var buf []byte
		for i := range l.Len() {
			if l.IsNull(i) {
				out.AppendNull()
				continue
			}
			buf = key.encode(buf[:0], l, i)
			switch {
			case set[string(buf)]:
				out.Append(true)
			case hasNull: // x IN (..., NULL) is NULL when nothing matches
				out.AppendNull()
			default:
				out.Append(false)
			}
		}
		return compute.NewDatumWithoutOwning(out.NewArray()), nil
	}, nil
}
