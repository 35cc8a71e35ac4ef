package planner

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/pgerror"
)

// bindArrayOp binds x = ANY (array) and x <> ALL (array), the membership
// tests clients write over array columns such as pg_class.reloptions.
// x <> ALL (a) is NOT (x = ANY (a)), which has the same NULL semantics.
func (b *binder) bindArrayOp(ae *pg_query.A_Expr, ectx exprContext) (expr.Expr, error) {
	op := ae.Name[len(ae.Name)-1].GetString_().GetSval()
	any := ae.Kind == pg_query.A_Expr_Kind_AEXPR_OP_ANY
	if !(any && op == "=" || !any && op == "<>") {
		return nil, b.unsupported(ae.Location, "only = ANY (array) and <> ALL (array) are supported yet")
	}
	l, err := b.bindExpr(ae.Lexpr, ectx)
	if err != nil {
		return nil, err
	}
	r, err := b.bindExpr(ae.Rexpr, ectx)
	if err != nil {
		return nil, err
	}
	if u, ok := r.(*unknownLit); ok {
		lt := b.resolveUnknown(l).DataType()
		if r, err = b.resolveAs(u, arrow.ListOf(lt)); err != nil {
			return nil, err
		}
	}
	list, ok := r.DataType().(*arrow.ListType)
	if !ok {
		return nil, b.errorf(pgerror.DatatypeMismatch, ae.Location, "op ANY/ALL (array) requires array on right side")
	}
	if l, err = b.cast(b.resolveUnknown(l), list.Elem(), ae.Location); err != nil {
		return nil, err
	}
	var e expr.Expr = &expr.Call{Func: "array_contains", Args: []expr.Expr{r, l}, Type: typeBool}
	if !any {
		e = &expr.Not{Input: e}
	}
	return e, nil
}

// bindIndirection binds array subscripts, a[i] (1-based; NULL out of range).
// Slices and field selection are not supported yet.
func (b *binder) bindIndirection(ind *pg_query.A_Indirection, ectx exprContext) (expr.Expr, error) {
	e, err := b.bindExpr(ind.Arg, ectx)
	if err != nil {
		return nil, err
	}
	for _, n := range ind.Indirection {
		idx := n.GetAIndices()
		if idx == nil || idx.IsSlice || idx.Uidx == nil {
			return nil, b.unsupported(-1, "this kind of indirection is not supported yet")
		}
		list, ok := e.DataType().(*arrow.ListType)
		if !ok {
			return nil, b.errorf(pgerror.DatatypeMismatch, -1, "cannot subscript type %s because it does not support subscripting", typeName(e.DataType()))
		}
		i, err := b.bindExpr(idx.Uidx, ectx)
		if err != nil {
			return nil, err
		}
		if i, err = b.cast(b.resolveUnknown(i), typeInt8, -1); err != nil {
			return nil, err
		}
		e = &expr.Call{Func: "array_element", Args: []expr.Expr{e, i}, Type: list.Elem()}
	}
	return e, nil
}

// bindArrayExpr binds ARRAY[a, b, ...]: the elements take their common type;
// an array of constants is a constant.
func (b *binder) bindArrayExpr(ae *pg_query.A_ArrayExpr, ectx exprContext) (expr.Expr, error) {
	elems := make([]expr.Expr, len(ae.Elements))
	var elem arrow.DataType
	for i, n := range ae.Elements {
		e, err := b.bindExpr(n, ectx)
		if err != nil {
			return nil, err
		}
		elems[i] = e
		if _, ok := e.(*unknownLit); ok || e.DataType().ID() == arrow.NULL {
			continue
		}
		if elem == nil {
			elem = e.DataType()
		} else if elem = commonType(elem, e.DataType()); elem == nil {
			return nil, b.errorf(pgerror.DatatypeMismatch, ae.Location, "ARRAY types %s and %s cannot be matched", typeName(elems[0].DataType()), typeName(e.DataType()))
		}
	}
	if elem == nil {
		if len(elems) == 0 {
			return nil, b.errorf("42P18", ae.Location, "cannot determine type of empty array").
				WithHint("Explicitly cast to the desired type, for example ARRAY[]::integer[].")
		}
		elem = typeText
	}
	constant := true
	for i, e := range elems {
		var err error
		if elems[i], err = b.cast(e, elem, ae.Location); err != nil {
			return nil, err
		}
		if _, ok := elems[i].(*expr.Literal); !ok {
			constant = false
		}
	}
	if !constant {
		return &expr.Call{Func: "make_array", Args: elems, Type: arrow.ListOf(elem)}, nil
	}
	bld := array.NewBuilder(memory.DefaultAllocator, elem)
	defer bld.Release()
	for _, e := range elems {
		v := e.(*expr.Literal).Value
		if !v.IsValid() {
			bld.AppendNull()
			continue
		}
		a, err := scalar.MakeArrayFromScalar(v, 1, memory.DefaultAllocator)
		if err != nil {
			return nil, err
		}
		err = bld.AppendValueFromString(a.ValueStr(0))
		a.Release()
		if err != nil {
			return nil, err
		}
	}
	values := bld.NewArray()
	defer values.Release()
	return &expr.Literal{Value: scalar.NewListScalar(values)}, nil
}
