package planner

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// bindArrayOp binds x = ANY (array) and x <> ALL (array), the membership
// tests clients write over array columns such as pg_class.reloptions.
// x <> ALL (a) is NOT (x = ANY (a)), which has the same NULL semantics.
func (b *binder) bindArrayOp(ae *pg_query.A_Expr, ectx exprContext) (expr.Expr, error) {
	op := ae.Name[len(ae.Name)-1].GetString_().GetSval()
	any := ae.Kind == pg_query.A_Expr_Kind_AEXPR_OP_ANY
	if fn, ok := patternOps[op]; ok {
		return b.bindPatternArrayOp(ae, op, fn, any, ectx)
	}
	cmp, known := sqlOps[op]
	switch {
	case !known:
		return nil, b.unsupported(ae.Location, "operator %s with ANY/ALL (array) is not supported yet", op)
	case !cmp.IsComparison():
		return nil, b.errorf(pgerror.WrongObjectType, ae.Location, "op ANY/ALL (array) requires operator to yield boolean")
	}
	l, r, err := b.bindOperands(ae, ectx)
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
	// Both sides go to the type the comparison of a value with an element
	// takes (numeric = ANY (int4[]) compares numerics, not integers).
	if u, ok := l.(*unknownLit); ok {
		if l, err = b.resolveAs(u, list.Elem()); err != nil {
			return nil, err
		}
	}
	l = b.resolveUnknown(typedNull(l, list.Elem()))
	if lt, elem := l.DataType(), list.Elem(); lt.ID() != arrow.NULL && elem.ID() != arrow.NULL {
		// The operator must exist for the two types (text = ANY
		// (int4[]) has none), as for x op y.
		if _, err := b.binary(cmp, l, &expr.Literal{Value: scalar.MakeNullScalar(elem)}, ae.Location); err != nil {
			return nil, err
		}
	}
	if lt, elem := l.DataType(), list.Elem(); !arrow.TypeEqual(lt, elem) && lt.ID() != arrow.NULL && elem.ID() != arrow.NULL {
		if ct := commonType(lt, elem); ct != nil && !arrow.TypeEqual(ct, elem) {
			if r, err = b.cast(r, arrow.ListOf(ct), ae.Location); err != nil {
				return nil, err
			}
			list = r.DataType().(*arrow.ListType)
		}
	}
	if l, err = b.cast(l, list.Elem(), ae.Location); err != nil {
		return nil, err
	}
	if any && op == "=" || !any && op == "<>" {
		if e, ok := constMembership(l, r); ok {
			if !any {
				e = &expr.Not{Input: e}
			}
			return e, nil
		}
		// Membership, by hashing each row's elements.
		var e expr.Expr = &expr.Call{Func: "array_contains", Args: []expr.Expr{r, l}, Type: typeBool}
		if !any {
			e = &expr.Not{Input: e}
		}
		return e, nil
	}
	fn := "array_all"
	if any {
		fn = "array_any"
	}
	return &expr.Call{Func: fn, Args: []expr.Expr{r, l, &expr.Literal{Value: scalar.NewInt32Scalar(int32(cmp))}}, Type: typeBool}, nil
}

// bindIndirection binds array subscripts, a[i] (1-based; NULL out of
// range), slices a[i:j], and field selection (record).field. The catalog's
// int2vector and oidvector columns (pg_index.indkey, proargtypes) are
// subscripted from 0, as in PostgreSQL.
func (b *binder) bindIndirection(ind *pg_query.A_Indirection, ectx exprContext) (expr.Expr, error) {
	e, err := b.bindExpr(ind.Arg, ectx)
	if err != nil {
		return nil, err
	}
	from := func(i expr.Expr) expr.Expr { return i }
	if col, ok := e.(*expr.Column); ok && (b.pgTypes[col] == "int2vector" || b.pgTypes[col] == "oidvector") {
		from = func(i expr.Expr) expr.Expr {
			return &expr.Binary{Op: expr.Add, Left: i, Right: &expr.Literal{Value: scalar.NewInt64Scalar(1)}, Type: typeInt8}
		}
	}
	for _, n := range ind.Indirection {
		if f := n.GetString_(); f != nil {
			// (record).field
			st, ok := e.DataType().(*arrow.StructType)
			if !ok {
				return nil, b.errorf(pgerror.WrongObjectType, nodeLocation(ind.Arg), "column notation .%s applied to type %s, which is not a composite type", f.Sval, typeName(e.DataType()))
			}
			i, ok := st.FieldIdx(f.Sval)
			if !ok {
				return nil, b.errorf(pgerror.UndefinedColumn, nodeLocation(ind.Arg), "could not identify column \"%s\" in record data type", f.Sval)
			}
			e = &expr.Call{Func: "struct_field", Args: []expr.Expr{e, &expr.Literal{Value: scalar.NewInt32Scalar(int32(i))}}, Type: st.Field(i).Type}
			continue
		}
		idx := n.GetAIndices()
		if idx == nil || !idx.IsSlice && idx.Uidx == nil {
			return nil, b.unsupported(-1, "this kind of indirection is not supported yet")
		}
		if isJSONB(e.DataType()) {
			// jsonb['key'], jsonb[n]: the field or element, as -> gives it.
			if idx.IsSlice {
				loc := nodeLocation(idx.Uidx)
				if idx.Uidx == nil {
					loc = nodeLocation(idx.Lidx)
				}
				return nil, b.errorf(pgerror.DatatypeMismatch, loc, "jsonb subscript does not support slices")
			}
			i, err := b.bindExpr(idx.Uidx, ectx)
			if err != nil {
				return nil, err
			}
			if numericRank(i.DataType()) >= 1 && numericRank(i.DataType()) <= 3 {
				i, err = b.cast(i, typeInt4, -1)
			} else {
				i, err = b.cast(b.resolveUnknown(i), typeText, -1)
			}
			if err != nil {
				return nil, err
			}
			e = &expr.Call{Func: "json_field", Args: []expr.Expr{e, i}, Type: e.DataType()}
			continue
		}
		if b.declaredOf(e) == "name" && !idx.IsSlice {
			// name[i]: its i'th byte from 0, a "char" (a name is a
			// fixed-size array of bytes; pg_dump reads typname[0]).
			i, err := b.bindExpr(idx.Uidx, ectx)
			if err != nil {
				return nil, err
			}
			if i, err = b.cast(b.resolveUnknown(i), typeInt8, -1); err != nil {
				return nil, err
			}
			e = &expr.Call{Func: "name_byte", Args: []expr.Expr{e, i}, Type: typeText}
			b.setDeclared(e, `"char"`)
			continue
		}
		list, ok := e.DataType().(*arrow.ListType)
		if !ok {
			return nil, b.errorf(pgerror.DatatypeMismatch, nodeLocation(ind.Arg), "cannot subscript type %s because it does not support subscripting", typeName(e.DataType()))
		}
		if idx.IsSlice {
			// a[lo:hi]; an omitted bound is the array's own.
			bound := func(n *pg_query.Node, def int64) (expr.Expr, error) {
				if n == nil {
					return &expr.Literal{Value: scalar.NewInt64Scalar(def)}, nil
				}
				v, err := b.bindExpr(n, ectx)
				if err != nil {
					return nil, err
				}
				return b.cast(b.resolveUnknown(v), typeInt8, -1)
			}
			lo, err := bound(idx.Lidx, 1)
			if err != nil {
				return nil, err
			}
			hi, err := bound(idx.Uidx, math.MaxInt32)
			if err != nil {
				return nil, err
			}
			if idx.Lidx != nil {
				lo = from(lo)
			}
			if idx.Uidx != nil {
				hi = from(hi)
			}
			e = &expr.Call{Func: "array_slice", Args: []expr.Expr{e, lo, hi}, Type: list}
			from = func(i expr.Expr) expr.Expr { return i }
			continue
		}
		i, err := b.bindExpr(idx.Uidx, ectx)
		if err != nil {
			return nil, err
		}
		if i, err = b.cast(b.resolveUnknown(i), typeInt8, -1); err != nil {
			return nil, err
		}
		e = &expr.Call{Func: "array_element", Args: []expr.Expr{e, from(i)}, Type: list.Elem()}
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
		if _, ok := e.DataType().(arrow.ListLikeType); ok {
			// ARRAY[ARRAY[1, 2], ...] is a two-dimensional array there.
			return nil, b.unsupported(ae.Location, "multidimensional arrays are not supported yet")
		}
		if _, ok := e.(*unknownLit); ok || e.DataType().ID() == arrow.NULL {
			continue
		}
		if elem == nil {
			elem = e.DataType()
		} else if elem = resultType(elem, e.DataType()); elem == nil {
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
	if _, ok := elem.(*pgtypes.NumericType); ok {
		return numericArrayLiteral(elems)
	}
	bld := array.NewBuilder(memory.DefaultAllocator, elem)
	defer bld.Release()
	for _, e := range elems {
		v := e.(*expr.Literal).Value
		if !v.IsValid() {
			bld.AppendNull()
			continue
		}
		if arrow.TypeEqual(v.DataType(), elem) {
			if err := pgtypes.AppendScalar(bld, v); err != nil {
				return nil, err
			}
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

// numericArrayLiteral is the array of constant numerics elems, each
// with its own scale (pgtypes.NumericType).
func numericArrayLiteral(elems []expr.Expr) (expr.Expr, error) {
	storage := array.NewStringBuilder(memory.DefaultAllocator)
	defer storage.Release()
	for _, e := range elems {
		v, ok := e.(*expr.Literal).Value.(*scalar.Extension)
		if !ok || !v.IsValid() {
			storage.AppendNull()
			continue
		}
		s, ok := v.Value.(*scalar.String)
		if !ok {
			return nil, fmt.Errorf("numeric constant held as %s", v.Value.DataType())
		}
		storage.Append(string(s.Data()))
	}
	st := storage.NewArray()
	defer st.Release()
	values := array.NewExtensionArrayWithStorage(pgtypes.Numeric(), st)
	defer values.Release()
	return &expr.Literal{Value: scalar.NewListScalar(values)}, nil
}

// arrayConcat binds || between arrays, or an array and an element
// (array_cat, array_append, array_prepend); ok is false when neither side
// is an array.
func (b *binder) arrayConcat(l, r expr.Expr, loc int32) (expr.Expr, bool, error) {
	ll, lList := l.DataType().(*arrow.ListType)
	rl, rList := r.DataType().(*arrow.ListType)
	var err error
	// numeric has no precision limit in PostgreSQL: numeric arrays and
	// elements meet at the most digits and the larger scale.
	widen := func(e expr.Expr, other arrow.DataType) (expr.Expr, error) {
		lt, ok := e.DataType().(*arrow.ListType)
		if !ok {
			return e, nil
		}
		d, ok := lt.Elem().(*arrow.Decimal128Type)
		if !ok {
			return e, nil
		}
		scale := d.Scale
		if ol, ok := other.(*arrow.ListType); ok {
			other = ol.Elem()
		}
		if od, ok := other.(*arrow.Decimal128Type); ok {
			scale = max(scale, od.Scale)
		}
		return b.cast(e, arrow.ListOf(&arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: scale}), loc)
	}
	if lList {
		if l, err = widen(l, b.resolveUnknown(r).DataType()); err != nil {
			return nil, true, err
		}
		ll = l.DataType().(*arrow.ListType)
	}
	if rList {
		if r, err = widen(r, b.resolveUnknown(l).DataType()); err != nil {
			return nil, true, err
		}
		rl = r.DataType().(*arrow.ListType)
	}
	switch {
	case lList && rList:
		if !arrow.TypeEqual(ll, rl) {
			return nil, true, b.errorf(pgerror.UndefinedFunction, loc, "operator does not exist: %s || %s", typeName(ll), typeName(rl))
		}
	case lList:
		if _, ok := r.(*unknownLit); ok || r.DataType().ID() == arrow.NULL {
			// An untyped literal next to an array is an array, as in
			// PostgreSQL ('{1,2}'); NULL too, so arr || NULL is arr.
			if r, err = b.cast(r, ll, loc); err != nil {
				return nil, true, err
			}
			break
		}
		if r, err = b.cast(b.resolveUnknown(r), ll.Elem(), loc); err != nil {
			return nil, true, err
		}
		r = &expr.Call{Func: "make_array", Args: []expr.Expr{r}, Type: ll}
	case rList:
		if _, ok := l.(*unknownLit); ok || l.DataType().ID() == arrow.NULL {
			if l, err = b.cast(l, rl, loc); err != nil {
				return nil, true, err
			}
			break
		}
		if l, err = b.cast(b.resolveUnknown(l), rl.Elem(), loc); err != nil {
			return nil, true, err
		}
		l = &expr.Call{Func: "make_array", Args: []expr.Expr{l}, Type: rl}
	default:
		return nil, false, nil
	}
	return &expr.Call{Func: "array_cat", Args: []expr.Expr{l, r}, Type: l.DataType()}, true, nil
}

// bindArrayFunc binds array_cat, array_append, array_prepend,
// array_remove, array_position and array_positions; ok is false for other
// names.
func (b *binder) bindArrayFunc(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, bool, error) {
	switch name {
	case "array_cat", "array_append", "array_prepend", "array_remove", "array_position", "array_positions":
	default:
		return nil, false, nil
	}
	args, err := b.bindExprs(fc.Args, ectx)
	if err != nil {
		return nil, true, err
	}
	want := 2
	if name == "array_position" && len(args) == 3 {
		want = 3
	}
	if len(args) != want {
		return nil, true, b.noFunction(fc, name, args...)
	}
	arr, elem := 0, 1
	if name == "array_prepend" {
		arr, elem = 1, 0
	}
	if u, ok := args[arr].(*unknownLit); ok {
		// '{1,2}' takes the element's type.
		et := b.resolveUnknown(args[elem]).DataType()
		if name == "array_cat" {
			if lt, ok := et.(arrow.ListLikeType); ok {
				et = lt.Elem()
			}
		}
		if args[arr], err = b.cast(u, arrow.ListOf(et), fc.Location); err != nil {
			return nil, true, err
		}
	}
	if isBareNull(args[arr]) {
		// A bare NULL array takes the type of the other argument: an
		// array for array_cat, an array of the element otherwise.
		if t := b.resolveUnknown(args[elem]).DataType(); name == "array_cat" {
			args[arr] = typedNull(args[arr], t)
		} else if t.ID() != arrow.NULL {
			args[arr] = typedNull(args[arr], arrow.ListOf(t))
		}
	}
	list, ok := args[arr].DataType().(*arrow.ListType)
	if !ok {
		return nil, true, b.noFunction(fc, name, args...)
	}
	switch name {
	case "array_cat":
		e, _, err := b.arrayConcat(args[0], args[1], fc.Location)
		return e, true, err
	case "array_append", "array_prepend":
		// The element is one element, even an untyped literal.
		x, err := b.cast(args[elem], list.Elem(), fc.Location)
		if err != nil {
			return nil, true, err
		}
		one := &expr.Call{Func: "make_array", Args: []expr.Expr{x}, Type: list}
		if name == "array_append" {
			e, _, err := b.arrayConcat(args[arr], one, fc.Location)
			return e, true, err
		}
		e, _, err := b.arrayConcat(one, args[arr], fc.Location)
		return e, true, err
	}
	if args[1], err = b.cast(b.resolveUnknown(args[1]), list.Elem(), fc.Location); err != nil {
		return nil, true, err
	}
	switch name {
	case "array_remove":
		return &expr.Call{Func: name, Args: args, Type: list}, true, nil
	case "array_positions":
		return &expr.Call{Func: name, Args: args, Type: arrow.ListOf(typeInt4)}, true, nil
	}
	if len(args) == 3 {
		if args[2], err = b.cast(b.resolveUnknown(args[2]), typeInt4, fc.Location); err != nil {
			return nil, true, err
		}
	}
	return &expr.Call{Func: name, Args: args, Type: typeInt4}, true, nil
}

// constMembership writes x = ANY (constant array) as x = c1 OR x = c2 ...,
// which the engine evaluates as one lookup in a set of the constants (a
// client's keyword list of hundreds, say), rather than scanning the array
// for every row. Only arrays without NULLs qualify: then x <> ALL is NOT
// of it, NULLs included.
func constMembership(x, arr expr.Expr) (expr.Expr, bool) {
	lit, ok := arr.(*expr.Literal)
	if !ok || !lit.Value.IsValid() {
		return nil, false
	}
	list, ok := lit.Value.(*scalar.List)
	if !ok || list.Value.Len() < 3 || list.Value.NullN() > 0 {
		return nil, false
	}
	eqs := make([]expr.Expr, list.Value.Len())
	for i := range eqs {
		v, err := scalar.GetScalar(list.Value, i)
		if err != nil {
			return nil, false
		}
		eqs[i] = &expr.Binary{Op: expr.Eq, Left: x, Right: &expr.Literal{Value: v}, Type: typeBool}
	}
	return joinBools(expr.Or, eqs), true
}

// patternOps are the pattern-matching operators and their functions; a
// leading ! negates.
var patternOps = map[string]string{
	"~~": "like", "~~*": "ilike", "!~~": "like", "!~~*": "ilike",
	"~": "regex", "~*": "iregex", "!~": "regex", "!~*": "iregex",
}

// bindPatternArrayOp binds x LIKE ANY (array) and the other pattern
// operators with ANY or ALL over a constant array: one match per
// pattern, joined by OR (ANY) or AND (ALL), which keeps SQL's NULL rules.
func (b *binder) bindPatternArrayOp(ae *pg_query.A_Expr, op, fn string, any bool, ectx exprContext) (expr.Expr, error) {
	l, r, err := b.bindOperands(ae, ectx)
	if err != nil {
		return nil, err
	}
	if u, ok := r.(*unknownLit); ok {
		if r, err = b.resolveAs(u, arrow.ListOf(typeText)); err != nil {
			return nil, err
		}
	}
	if l, err = b.cast(b.resolveUnknown(l), typeText, ae.Location); err != nil {
		return nil, err
	}
	lit, ok := r.(*expr.Literal)
	list, isList := r.DataType().(*arrow.ListType)
	if !isList || category(list.Elem()) != catString {
		return nil, b.errorf(pgerror.UndefinedFunction, ae.Location, "operator does not exist: text %s %s", op, typeName(r.DataType()))
	}
	if !ok {
		return nil, b.unsupported(ae.Location, "operator %s with ANY/ALL over a non-constant array is not supported yet", op)
	}
	if !lit.Value.IsValid() {
		return &expr.Literal{Value: scalar.MakeNullScalar(typeBool)}, nil
	}
	values := lit.Value.(*scalar.List).Value
	if values.Len() == 0 {
		return &expr.Literal{Value: scalar.NewBooleanScalar(!any)}, nil
	}
	matches := make([]expr.Expr, values.Len())
	for i := range matches {
		v, err := scalar.GetScalar(values, i)
		if err != nil {
			return nil, err
		}
		var m expr.Expr = &expr.Call{Func: fn, Args: []expr.Expr{l, &expr.Literal{Value: v}}, Type: typeBool}
		if op[0] == '!' {
			m = &expr.Not{Input: m}
		}
		matches[i] = m
	}
	if any {
		return joinBools(expr.Or, matches), nil
	}
	return joinBools(expr.And, matches), nil
}
