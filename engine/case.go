package engine

import (
	"context"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/take"
)

// compileCase evaluates CASE lazily, as PostgreSQL does: each condition
// only on the rows no earlier branch took, and each result only on the rows
// that chose it, so CASE WHEN x <> 0 THEN 1 / x END never divides by zero.
func compileCase(n *expr.Case) (evaluator, error) {
	conds := make([]evaluator, len(n.Whens))
	condCols := make([][]int, len(n.Whens))
	results := make([]evaluator, len(n.Whens)+1)
	resultCols := make([][]int, len(n.Whens)+1)
	for i, w := range n.Whens {
		var err error
		if conds[i], err = compile(w.Cond); err != nil {
			return nil, err
		}
		if results[i], err = compile(w.Result); err != nil {
			return nil, err
		}
		condCols[i], resultCols[i] = readColumns(w.Cond), readColumns(w.Result)
	}
	elseExpr := n.Else
	if elseExpr == nil {
		elseExpr = &expr.Literal{Value: scalar.MakeNullScalar(n.Type)}
	}
	var err error
	if results[len(n.Whens)], err = compile(elseExpr); err != nil {
		return nil, err
	}
	resultCols[len(n.Whens)] = readColumns(elseExpr)
	typ := n.Type
	return func(ctx context.Context, b arrow.RecordBatch) (compute.Datum, error) {
		rows := int(b.NumRows())
		branch := make([]int32, rows)
		undecided := make([]int32, rows)
		for i := range undecided {
			undecided[i] = int32(i)
			branch[i] = int32(len(conds))
		}
		for ci, cond := range conds {
			if len(undecided) == 0 {
				break
			}
			mask, err := evalRows(ctx, cond, b, undecided, condCols[ci])
			if err != nil {
				return nil, err
			}
			bools, ok := mask.(*array.Boolean)
			if !ok {
				mask.Release()
				return nil, fmt.Errorf("CASE condition is %s, not boolean", mask.DataType())
			}
			rest := undecided[:0:0]
			for k, r := range undecided {
				if bools.IsValid(k) && bools.Value(k) {
					branch[r] = int32(ci)
				} else {
					rest = append(rest, r)
				}
			}
			mask.Release()
			undecided = rest
		}
		// Evaluate each result on its rows, then gather them back in order.
		var pieces []arrow.Array
		defer func() { releaseAll(pieces) }()
		pos := make([]int32, rows)
		offset := int32(0)
		for bi, res := range results {
			var sel []int32
			for r, br := range branch {
				if br == int32(bi) {
					pos[r] = offset + int32(len(sel))
					sel = append(sel, int32(r))
				}
			}
			if len(sel) == 0 {
				continue
			}
			a, err := evalRows(ctx, res, b, sel, resultCols[bi])
			if err != nil {
				return nil, err
			}
			if !arrow.TypeEqual(a.DataType(), typ) {
				c, err := Cast(ctx, a, typ)
				a.Release()
				if err != nil {
					return nil, err
				}
				a = c
			}
			pieces = append(pieces, a)
			offset += int32(len(sel))
		}
		if len(pieces) == 0 {
			return compute.NewDatumWithoutOwning(array.MakeArrayOfNull(memory.DefaultAllocator, typ, rows)), nil
		}
		all, err := array.Concatenate(pieces, memory.DefaultAllocator)
		if err != nil {
			return nil, err
		}
		defer all.Release()
		idx := take.Indices(memory.DefaultAllocator, pos)
		defer idx.Release()
		out, err := take.Array(ctx, all, idx)
		if err != nil {
			return nil, err
		}
		return compute.NewDatumWithoutOwning(out), nil
	}, nil
}

// evalRows evaluates ev over the given rows of b only, so that a CASE
// branch never sees the rows (and their errors) of another. Only the
// columns in cols, those ev reads (readColumns), are gathered; every
// column when cols is nil.
func evalRows(ctx context.Context, ev evaluator, b arrow.RecordBatch, rows []int32, cols []int) (arrow.Array, error) {
	var sub arrow.RecordBatch
	switch {
	case b.NumCols() == 0:
		sub = array.NewRecordBatch(b.Schema(), nil, int64(len(rows)))
	case cols == nil:
		idx := take.Indices(memory.DefaultAllocator, rows)
		defer idx.Release()
		var err error
		if sub, err = take.Batch(ctx, b, idx); err != nil {
			return nil, err
		}
	default:
		// The columns ev does not read stand in as slices of the right
		// length: a wide row (DataGrip's SELECT t.* with a CASE per
		// column) then costs only what the branch reads.
		arrays := make([]arrow.Array, b.NumCols())
		defer func() { releaseAll(arrays) }()
		for i, c := range b.Columns() {
			arrays[i] = array.NewSlice(c, 0, int64(len(rows)))
		}
		if len(cols) > 0 {
			idx := take.Indices(memory.DefaultAllocator, rows)
			defer idx.Release()
			for _, c := range cols {
				if c < 0 || c >= len(arrays) {
					return nil, fmt.Errorf("column %d of a %d-column batch", c, len(arrays))
				}
				t, err := take.Array(ctx, b.Column(c), idx)
				if err != nil {
					return nil, err
				}
				arrays[c].Release()
				arrays[c] = t
			}
		}
		sub = array.NewRecordBatch(b.Schema(), arrays, int64(len(rows)))
	}
	defer sub.Release()
	return evalArray(ctx, ev, sub)
}

// readColumns lists the input columns e reads, for evalRows; nil (every
// column) when e runs a subquery, whose correlation reads the row too.
func readColumns(e expr.Expr) []int {
	if expr.HasSubquery(e) {
		return nil
	}
	cols := slices.Compact(slices.Sorted(slices.Values(expr.Columns(e))))
	if cols == nil {
		cols = []int{} // reads no column, unlike nil
	}
	return cols
}

// hasSubquery reports whether e runs a subquery.

// compileLazyLogic evaluates AND/OR with a subquery on one side: the other
// side first, and the subquery's side only on the rows it does not decide
// (OR: not true; AND: not false), as PostgreSQL short-circuits them. A
// correlated subquery under OR then runs for far fewer outer rows.
func compileLazyLogic(n *expr.Binary) (evaluator, error) {
	first, second := n.Left, n.Right
	if expr.HasSubquery(first) && !expr.HasSubquery(second) {
		first, second = second, first
	}
	ev1, err := compile(first)
	if err != nil {
		return nil, err
	}
	ev2, err := compile(second)
	if err != nil {
		return nil, err
	}
	decides := n.Op == expr.Or // OR: true decides; AND: false decides
	return func(ctx context.Context, b arrow.RecordBatch) (compute.Datum, error) {
		l, err := evalArray(ctx, ev1, b)
		if err != nil {
			return nil, err
		}
		defer l.Release()
		lb, ok := l.(*array.Boolean)
		if !ok {
			return nil, fmt.Errorf("%s operand is %s, not boolean", n.Op, l.DataType())
		}
		var rest []int32
		for i := range lb.Len() {
			if !lb.IsValid(i) || lb.Value(i) != decides {
				rest = append(rest, int32(i))
			}
		}
		var rb *array.Boolean
		if len(rest) > 0 {
			r, err := evalRows(ctx, ev2, b, rest, nil)
			if err != nil {
				return nil, err
			}
			defer r.Release()
			if rb, ok = r.(*array.Boolean); !ok {
				return nil, fmt.Errorf("%s operand is %s, not boolean", n.Op, r.DataType())
			}
		}
		out := array.NewBooleanBuilder(memory.DefaultAllocator)
		defer out.Release()
		k := 0
		for i := range lb.Len() {
			if lb.IsValid(i) && lb.Value(i) == decides {
				out.Append(decides)
				continue
			}
			// Three-valued logic for the undecided row.
			rv, rnull := rb.Value(k), !rb.IsValid(k)
			k++
			switch {
			case !rnull && rv == decides:
				out.Append(decides)
			case rnull || !lb.IsValid(i):
				out.AppendNull()
			default:
				out.Append(!decides)
			}
		}
		return compute.NewDatumWithoutOwning(out.NewArray()), nil
	}, nil
}
