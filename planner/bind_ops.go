package planner

import (
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/pgerror"
)

// The operators of expressions: arithmetic and comparisons (through
// binder.binary), bit operators, row comparisons, IN lists and BETWEEN.

var sqlOps = map[string]expr.Op{
	"+": expr.Add, "-": expr.Sub, "*": expr.Mul, "/": expr.Div, "%": expr.Mod,
	"=": expr.Eq, "<>": expr.NotEq, "<": expr.Lt, "<=": expr.LtEq, ">": expr.Gt, ">=": expr.GtEq,
	"||": expr.Concat,
}

// regprocAsOID is e, or, when e is a regproc column (a function's name) and
// other a number, the function's OID: `aggfnoid = p.oid` compares as in
// PostgreSQL.
func (b *binder) regprocAsOID(e, other expr.Expr) expr.Expr {
	col, ok := e.(*expr.Column)
	if !ok || !b.regproc[col] || category(other.DataType()) != catNumeric {
		return e
	}
	return &expr.Call{Func: "text_to_oid", Args: []expr.Expr{e}, Type: typeInt8}
}

// bindRowEquality binds (a, b) = (c, d) as a = c AND b = d, and <> as
// a <> c OR b <> d: row comparison by equality, element by element.
func (b *binder) bindRowEquality(ae *pg_query.A_Expr, l, r *pg_query.RowExpr, op string, ectx exprContext) (expr.Expr, error) {
	if len(l.Args) != len(r.Args) {
		return nil, b.errorf(pgerror.SyntaxError, ae.Location, "unequal number of entries in row expressions")
	}
	join := expr.And
	if op == "<>" {
		join = expr.Or
	}
	if len(l.Args) == 0 {
		return nil, b.errorf(pgerror.SyntaxError, ae.Location, "row expressions must not be empty")
	}
	pairs := make([]expr.Expr, len(l.Args))
	for i := range l.Args {
		e, err := b.compareNodes(op, l.Args[i], r.Args[i], ae.Location, ectx)
		if err != nil {
			return nil, err
		}
		pairs[i] = e
	}
	return joinBools(join, pairs), nil
}

// bindRowOrder binds (a, b) < (c, d) as PostgreSQL orders rows: the first
// pair that differs decides, a NULL there makes the result NULL —
// a < c OR (a = c AND b < d), and so on; <= and >= use their own operator
// on the last pair only.
func (b *binder) bindRowOrder(ae *pg_query.A_Expr, l, r []*pg_query.Node, op string, ectx exprContext) (expr.Expr, error) {
	if len(l) != len(r) {
		return nil, b.errorf(pgerror.SyntaxError, ae.Location, "unequal number of entries in row expressions")
	}
	if len(l) == 0 {
		return nil, b.errorf(pgerror.SyntaxError, ae.Location, "row expressions must not be empty")
	}
	cmp := func(op string, x, y *pg_query.Node) (expr.Expr, error) {
		return b.compareNodes(op, x, y, ae.Location, ectx)
	}
	if len(l) == 1 {
		return cmp(op, l[0], r[0])
	}
	strict := op[:1] // < or >
	first, err := cmp(strict, l[0], r[0])
	if err != nil {
		return nil, err
	}
	eq, err := cmp("=", l[0], r[0])
	if err != nil {
		return nil, err
	}
	rest, err := b.bindRowOrder(ae, l[1:], r[1:], op, ectx)
	if err != nil {
		return nil, err
	}
	return &expr.Binary{Op: expr.Or, Left: first, Right: &expr.Binary{Op: expr.And, Left: eq, Right: rest, Type: typeBool}, Type: typeBool}, nil
}

// bindOperands binds both operands of a binary operator.
func (b *binder) bindOperands(ae *pg_query.A_Expr, ectx exprContext) (l, r expr.Expr, err error) {
	if l, err = b.bindExpr(ae.Lexpr, ectx); err != nil {
		return nil, nil, err
	}
	if r, err = b.bindExpr(ae.Rexpr, ectx); err != nil {
		return nil, nil, err
	}
	return l, r, nil
}

// bitwiseOps are the integer bit operators, by the function that computes
// each.
var bitwiseOps = map[string]string{"&": "bitand", "|": "bitor", "#": "bitxor", "<<": "shiftleft", ">>": "shiftright"}

// functionOps are the operators PostgreSQL defines as a function: x ^ y
// is power(x, y), x ^@ y starts_with(x, y), and the prefix |/ x, ||/ x
// and @ x are sqrt, cbrt and abs.
var functionOps = map[string]string{"^": "power", "|/": "sqrt", "||/": "cbrt", "@": "abs", "^@": "starts_with"}

// bindBitwise binds an integer bit operator: & | # over the operands'
// common type, << >> in the left operand's with an int4 count.
func (b *binder) bindBitwise(ae *pg_query.A_Expr, opName, fn string, ectx exprContext) (expr.Expr, error) {
	l, r, err := b.bindOperands(ae, ectx)
	if err != nil {
		return nil, err
	}
	l, r = b.resolveUnknown(l), b.resolveUnknown(r)
	isInt := func(t arrow.DataType) bool {
		id := t.ID()
		return id == arrow.INT16 || id == arrow.INT32 || id == arrow.INT64
	}
	if !isInt(l.DataType()) || !isInt(r.DataType()) {
		return nil, b.errorf(pgerror.UndefinedFunction, ae.Location, "operator does not exist: %s %s %s", typeName(l.DataType()), opName, typeName(r.DataType())).
			WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
	}
	t := l.DataType()
	if fn == "shiftleft" || fn == "shiftright" {
		r, err = b.cast(r, typeInt4, ae.Location)
	} else {
		t = commonType(l.DataType(), r.DataType())
		if l, err = b.cast(l, t, ae.Location); err == nil {
			r, err = b.cast(r, t, ae.Location)
		}
	}
	if err != nil {
		return nil, err
	}
	return foldConstant(&expr.Call{Func: fn, Args: []expr.Expr{l, r}, Type: t}), nil
}

func (b *binder) bindAExpr(ae *pg_query.A_Expr, ectx exprContext) (expr.Expr, error) {
	switch ae.Kind {
	case pg_query.A_Expr_Kind_AEXPR_NULLIF:
		return b.bindNullIf(ae, ectx)
	case pg_query.A_Expr_Kind_AEXPR_LIKE, pg_query.A_Expr_Kind_AEXPR_ILIKE, pg_query.A_Expr_Kind_AEXPR_SIMILAR:
		// SIMILAR TO arrives as x ~ similar_to_escape(pattern): a
		// regular-expression match on the translated pattern.
		return b.bindLike(ae, ectx)
	case pg_query.A_Expr_Kind_AEXPR_OP:
	case pg_query.A_Expr_Kind_AEXPR_IN:
		return b.bindInList(ae, ectx)
	case pg_query.A_Expr_Kind_AEXPR_OP_ANY, pg_query.A_Expr_Kind_AEXPR_OP_ALL:
		return b.bindArrayOp(ae, ectx)
	case pg_query.A_Expr_Kind_AEXPR_BETWEEN, pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN:
		return b.bindBetween(ae, ectx)
	case pg_query.A_Expr_Kind_AEXPR_BETWEEN_SYM, pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM:
		// BETWEEN SYMMETRIC: either order of the bounds.
		bounds := ae.Rexpr.GetList().GetItems()
		if len(bounds) != 2 {
			return nil, b.unsupported(ae.Location, "malformed BETWEEN")
		}
		asc := &pg_query.A_Expr{Kind: pg_query.A_Expr_Kind_AEXPR_BETWEEN, Lexpr: ae.Lexpr, Rexpr: ae.Rexpr, Location: ae.Location}
		desc := &pg_query.A_Expr{Kind: pg_query.A_Expr_Kind_AEXPR_BETWEEN, Lexpr: ae.Lexpr, Location: ae.Location,
			Rexpr: &pg_query.Node{Node: &pg_query.Node_List{List: &pg_query.List{Items: []*pg_query.Node{bounds[1], bounds[0]}}}}}
		l, err := b.bindBetween(asc, ectx)
		if err != nil {
			return nil, err
		}
		r, err := b.bindBetween(desc, ectx)
		if err != nil {
			return nil, err
		}
		either := &expr.Binary{Op: expr.Or, Left: l, Right: r, Type: typeBool}
		if ae.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM {
			return &expr.Not{Input: either}, nil
		}
		return either, nil
	case pg_query.A_Expr_Kind_AEXPR_DISTINCT, pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT:
		return b.bindDistinctFrom(ae, ectx)
	default:
		return nil, b.unsupported(ae.Location, "this operator is not supported yet")
	}
	opName := ae.Name[len(ae.Name)-1].GetString_().GetSval()
	if fn, ok := functionOps[opName]; ok && (ae.Lexpr == nil) == (fn != "power" && fn != "starts_with") {
		// An operator that is its function under another name.
		args := []*pg_query.Node{ae.Rexpr}
		if ae.Lexpr != nil {
			args = []*pg_query.Node{ae.Lexpr, ae.Rexpr}
		}
		return b.bindExpr(&pg_query.Node{Node: &pg_query.Node_FuncCall{FuncCall: &pg_query.FuncCall{
			Funcname: []*pg_query.Node{pg_query.MakeStrNode(fn)}, Args: args, Location: ae.Location}}}, ectx)
	}
	if ae.Lexpr == nil {
		in, err := b.bindExpr(ae.Rexpr, ectx)
		if err != nil {
			return nil, err
		}
		switch opName {
		case "~":
			// Bitwise NOT of an integer: x # -1.
			in = b.resolveUnknown(in)
			if id := in.DataType().ID(); id != arrow.INT16 && id != arrow.INT32 && id != arrow.INT64 {
				return nil, b.errorf(pgerror.UndefinedFunction, ae.Location, "operator does not exist: ~ %s", typeName(in.DataType())).
					WithHint("No operator matches the given name and argument type. You might need to add an explicit type cast.")
			}
			ones, err := b.cast(&expr.Literal{Value: scalar.NewInt32Scalar(-1)}, in.DataType(), ae.Location)
			if err != nil {
				return nil, err
			}
			return foldConstant(&expr.Call{Func: "bitxor", Args: []expr.Expr{in, ones}, Type: in.DataType()}), nil
		case "-":
			if u, ok := in.(*unknownLit); ok {
				in = b.resolveUnknown(u)
			}
			if in.DataType().ID() == arrow.INTERVAL_MONTH_DAY_NANO {
				minusOne := &expr.Literal{Value: scalar.NewFloat64Scalar(-1)}
				return &expr.Call{Func: "interval_mul", Args: []expr.Expr{in, minusOne}, Type: typeInterval}, nil
			}
			if isPerValueNumeric(in.DataType()) {
				// 0 - x keeps each value's scale.
				return b.binary(expr.Sub, &expr.Literal{Value: scalar.NewInt32Scalar(0)}, in, ae.Location)
			}
			if numericRank(in.DataType()) == 0 {
				return nil, b.errorf(pgerror.UndefinedFunction, ae.Location, "operator does not exist: - %s", typeName(in.DataType())).
					WithHint("No operator matches the given name and argument type. You might need to add an explicit type cast.")
			}
			if lit, ok := in.(*expr.Literal); ok {
				return foldConstant(&expr.Negate{Input: lit}), nil
			}
			return &expr.Negate{Input: in}, nil
		case "+":
			return in, nil
		}
		return nil, b.unsupported(ae.Location, "prefix operator %s is not supported yet", opName)
	}
	switch opName {
	case "~", "!~", "~*", "!~*":
		return b.bindLike(ae, ectx)
	}
	if containerOps[opName] {
		return b.bindContainerOp(ae, opName, ectx)
	}
	if fn, ok := bitwiseOps[opName]; ok {
		return b.bindBitwise(ae, opName, fn, ectx)
	}
	if lr := ae.Lexpr.GetRowExpr(); lr != nil && len(lr.Args) > 1 {
		// (a, b) op (SELECT x, y ...)
		row, err := b.rowOfSublink(ae.Rexpr, len(lr.Args), ae.Location)
		if err != nil {
			return nil, err
		}
		if row != nil {
			ae = proto.Clone(ae).(*pg_query.A_Expr)
			ae.Rexpr = row
		}
	}
	if lr, rr := ae.Lexpr.GetRowExpr(), ae.Rexpr.GetRowExpr(); lr != nil && rr != nil {
		switch opName {
		case "=", "<>":
			return b.bindRowEquality(ae, lr, rr, opName, ectx)
		case "<", "<=", ">", ">=":
			return b.bindRowOrder(ae, lr.Args, rr.Args, opName, ectx)
		}
	}
	op, ok := sqlOps[opName]
	if !ok && catalog.IsBuiltinOperator(opName) {
		return nil, b.unsupported(ae.Location, "operator %s is not supported yet", opName)
	}
	if !ok {
		// No built-in type has the operator: PostgreSQL's error for it.
		l, r, err := b.bindOperands(ae, ectx)
		if err != nil {
			return nil, err
		}
		return nil, b.errorf(pgerror.UndefinedFunction, ae.Location, "operator does not exist: %s %s %s", operandType(l), opName, operandType(r)).
			WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
	}
	l, r, err := b.bindOperands(ae, ectx)
	if err != nil {
		return nil, err
	}
	if opName == "-" || opName == "||" {
		if e, ok, err := b.bindJSONBEdit(ae, opName, l, r); ok || err != nil {
			return e, err
		}
	}
	if op >= expr.Eq && op <= expr.GtEq && (isJSONType(l.DataType()) && !isJSONB(l.DataType()) || isJSONType(r.DataType()) && !isJSONB(r.DataType())) {
		// json has no comparison operators (jsonb has).
		return nil, b.errorf(pgerror.UndefinedFunction, ae.Location, "operator does not exist: %s %s %s", operandType(l), opName, operandType(r)).
			WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
	}
	isList := l.DataType().ID() == arrow.LIST || r.DataType().ID() == arrow.LIST
	if (l.DataType().ID() == arrow.STRUCT || r.DataType().ID() == arrow.STRUCT) && !(opName == "||" && isList) {
		return nil, b.unsupported(ae.Location, "operator %s on whole records is not supported yet; compare their columns or write (a, b) %s (c, d)", opName, opName)
	}
	return b.binary(op, l, r, ae.Location)
}

// bindInList binds x IN (a, b, ...) as x = a OR x = b ..., and NOT IN as
// x <> a AND x <> b ..., which have the same NULL semantics.
func (b *binder) bindInList(ae *pg_query.A_Expr, ectx exprContext) (expr.Expr, error) {
	list := ae.Rexpr.GetList()
	if list == nil {
		return nil, b.unsupported(ae.Location, "IN (subquery) is not supported yet")
	}
	op, join := expr.Eq, expr.Or
	if ae.Name[len(ae.Name)-1].GetString_().GetSval() == "<>" {
		op, join = expr.NotEq, expr.And
	}
	// PostgreSQL compares an IN list in the common type of x and the
	// items, where x = item alone may pick another operator: a real x and
	// numeric constants compare as reals (f4 IN (0.1, 1.5) is true for
	// 0.1::real), not as double precision. Only a column is bound ahead:
	// binding a parameter would type it.
	if ae.Lexpr.GetColumnRef() != nil && b.isReal(ae.Lexpr, ectx) {
		real := &pg_query.TypeName{Names: []*pg_query.Node{pg_query.MakeStrNode("float4")}, Typemod: -1, Location: -1}
		cast := slices.Clone(list.Items)
		for i, item := range cast {
			if c := item.GetAConst(); c != nil && (c.GetFval() != nil || c.GetIval() != nil) {
				cast[i] = &pg_query.Node{Node: &pg_query.Node_TypeCast{TypeCast: &pg_query.TypeCast{Arg: item, TypeName: real, Location: -1}}}
			}
		}
		list = &pg_query.List{Items: cast}
	}
	items := make([]expr.Expr, len(list.Items))
	for i, item := range list.Items {
		e, err := b.compareNodes(op.String(), ae.Lexpr, item, ae.Location, ectx)
		if err != nil {
			return nil, err
		}
		items[i] = e
	}
	return joinBools(join, items), nil
}

// isReal reports whether n binds to a real (float4) expression.
func (b *binder) isReal(n *pg_query.Node, ectx exprContext) bool {
	x, err := b.bindExpr(n, ectx)
	return err == nil && x.DataType().ID() == arrow.FLOAT32
}

// bindBetween binds x BETWEEN a AND b as x >= a AND x <= b.
func (b *binder) bindBetween(ae *pg_query.A_Expr, ectx exprContext) (expr.Expr, error) {
	bounds := ae.Rexpr.GetList().GetItems()
	if len(bounds) != 2 {
		return nil, b.unsupported(ae.Location, "malformed BETWEEN")
	}
	cmp := func(op string, bound *pg_query.Node) (expr.Expr, error) {
		return b.bindAExpr(&pg_query.A_Expr{Kind: pg_query.A_Expr_Kind_AEXPR_OP, Name: []*pg_query.Node{pg_query.MakeStrNode(op)},
			Lexpr: ae.Lexpr, Rexpr: bound, Location: ae.Location}, ectx)
	}
	lo, err := cmp(">=", bounds[0])
	if err != nil {
		return nil, err
	}
	hi, err := cmp("<=", bounds[1])
	if err != nil {
		return nil, err
	}
	if ae.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN {
		return &expr.Not{Input: &expr.Binary{Op: expr.And, Left: lo, Right: hi, Type: typeBool}}, nil
	}
	return &expr.Binary{Op: expr.And, Left: lo, Right: hi, Type: typeBool}, nil
}

// compareNodes binds l op r for two parse nodes, as the operator written
// between them would be.
func (b *binder) compareNodes(op string, l, r *pg_query.Node, loc int32, ectx exprContext) (expr.Expr, error) {
	return b.bindAExpr(&pg_query.A_Expr{Kind: pg_query.A_Expr_Kind_AEXPR_OP, Name: []*pg_query.Node{pg_query.MakeStrNode(op)},
		Lexpr: l, Rexpr: r, Location: loc}, ectx)
}

// bindDistinctFrom binds x IS [NOT] DISTINCT FROM y: equality where NULL
// equals NULL and differs from any value, never NULL itself.
func (b *binder) bindDistinctFrom(ae *pg_query.A_Expr, ectx exprContext) (expr.Expr, error) {
	if lr, rr := ae.Lexpr.GetRowExpr(), ae.Rexpr.GetRowExpr(); lr != nil || rr != nil {
		if lr == nil || rr == nil {
			return nil, b.unsupported(ae.Location, "IS DISTINCT FROM between a row and a record value is not supported yet")
		}
		return b.bindRowsDistinct(ae, lr.Args, rr.Args, ectx)
	}
	l, r, err := b.bindOperands(ae, ectx)
	if err != nil {
		return nil, err
	}
	isNullLit := func(e expr.Expr) bool {
		lit, ok := e.(*expr.Literal)
		return ok && !lit.Value.IsValid()
	}
	// A NULL takes the other side's type (an untyped string is text then,
	// as PostgreSQL resolves it).
	switch {
	case isNullLit(l):
		r = b.resolveUnknown(r)
		l = &expr.Literal{Value: scalar.MakeNullScalar(r.DataType())}
	case isNullLit(r):
		l = b.resolveUnknown(l)
		r = &expr.Literal{Value: scalar.MakeNullScalar(l.DataType())}
	}
	ne, err := b.binary(expr.NotEq, l, r, ae.Location)
	if err != nil {
		return nil, err
	}
	l, r = b.resolveUnknown(l), b.resolveUnknown(r)
	lNull, rNull := &expr.IsNull{Input: l}, &expr.IsNull{Input: r}
	lit := func(v bool) expr.Expr { return &expr.Literal{Value: scalar.NewBooleanScalar(v)} }
	distinct := &expr.Case{Whens: []expr.When{
		{Cond: &expr.Binary{Op: expr.And, Left: lNull, Right: rNull, Type: typeBool}, Result: lit(false)},
		{Cond: &expr.Binary{Op: expr.Or, Left: lNull, Right: rNull, Type: typeBool}, Result: lit(true)},
	}, Else: ne, Type: typeBool}
	if ae.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT {
		return foldConstant(&expr.Not{Input: distinct}), nil
	}
	return foldConstant(distinct), nil
}

// bindRowsDistinct binds ROW(a, b) IS [NOT] DISTINCT FROM ROW(c, d):
// the rows are distinct when any pair of fields is.
func (b *binder) bindRowsDistinct(ae *pg_query.A_Expr, l, r []*pg_query.Node, ectx exprContext) (expr.Expr, error) {
	if len(l) != len(r) {
		return nil, b.errorf(pgerror.SyntaxError, ae.Location, "unequal number of entries in row expressions")
	}
	fields := make([]expr.Expr, len(l))
	for i := range l {
		var err error
		fields[i], err = b.bindDistinctFrom(&pg_query.A_Expr{Kind: pg_query.A_Expr_Kind_AEXPR_DISTINCT, Name: ae.Name,
			Lexpr: l[i], Rexpr: r[i], Location: ae.Location}, ectx)
		if err != nil {
			return nil, err
		}
	}
	var distinct expr.Expr = &expr.Literal{Value: scalar.NewBooleanScalar(false)}
	if len(fields) > 0 {
		distinct = joinBools(expr.Or, fields)
	}
	if ae.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT {
		return foldConstant(&expr.Not{Input: distinct}), nil
	}
	return foldConstant(distinct), nil
}

// joinBools chains boolean expressions with AND or OR, left to right.
func joinBools(op expr.Op, es []expr.Expr) expr.Expr {
	out := es[0]
	for _, e := range es[1:] {
		out = &expr.Binary{Op: op, Left: out, Right: e, Type: typeBool}
	}
	return out
}

// bindLike binds [NOT] LIKE and ILIKE ("~~", "!~~", "~~*", "!~~*") and the
// POSIX regular expression matches ("~", "!~", "~*", "!~*").
func (b *binder) bindLike(ae *pg_query.A_Expr, ectx exprContext) (expr.Expr, error) {
	op := ae.Name[len(ae.Name)-1].GetString_().GetSval()
	if fc := ae.Rexpr.GetFuncCall(); fc != nil && ae.Kind != pg_query.A_Expr_Kind_AEXPR_SIMILAR && funcName(fc) == "like_escape" {
		// x LIKE p ESCAPE e arrives as like_escape(p, e): a constant
		// pattern is rewritten for the default escape, the backslash.
		pattern, ok := likeEscape(fc)
		if !ok {
			return nil, b.unsupported(ae.Location, "LIKE ... ESCAPE is supported with a constant pattern and escape only")
		}
		// The left side stays the same node (a view's printer looks
		// its binding up).
		ae = &pg_query.A_Expr{Kind: ae.Kind, Name: ae.Name, Lexpr: ae.Lexpr, Location: ae.Location,
			Rexpr: &pg_query.Node{Node: &pg_query.Node_AConst{AConst: &pg_query.A_Const{Val: &pg_query.A_Const_Sval{Sval: &pg_query.String{Sval: pattern}}, Location: fc.Location}}}}
	}
	l, r, err := b.bindOperands(ae, ectx)
	if err != nil {
		return nil, err
	}
	ln, rn := operandType(l), operandType(r)
	l, r = unpadded(b.resolveUnknown(l)), b.resolveUnknown(r) // bpchar's LIKE reads the padded value
	if category(l.DataType()) != catString || category(r.DataType()) != catString {
		return nil, b.errorf(pgerror.UndefinedFunction, ae.Location, "operator does not exist: %s %s %s", ln, op, rn).
			WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
	}
	fn := "like"
	if !strings.Contains(op, "~~") {
		fn = "regex"
	}
	if strings.HasSuffix(op, "*") {
		fn = "i" + fn
	}
	var e expr.Expr = &expr.Call{Func: fn, Args: []expr.Expr{l, r}, Type: typeBool}
	if strings.HasPrefix(op, "!") {
		e = &expr.Not{Input: e}
	}
	return e, nil
}

// likeEscape rewrites like_escape(pattern, escape) of two string
// constants as the pattern for the backslash escape; ok is false for other
// arguments or an escape longer than one character.
func likeEscape(fc *pg_query.FuncCall) (string, bool) {
	if funcName(fc) != "like_escape" || len(fc.Args) != 2 {
		return "", false
	}
	p, e := fc.Args[0].GetAConst().GetSval(), fc.Args[1].GetAConst().GetSval()
	if p == nil || e == nil || len([]rune(e.Sval)) > 1 {
		return "", false
	}
	esc := []rune(e.Sval)
	var sb strings.Builder
	runes := []rune(p.Sval)
	for i := 0; i < len(runes); i++ {
		c := runes[i]
		switch {
		case len(esc) == 1 && c == esc[0] && i+1 < len(runes):
			// The escaped character, literally.
			i++
			sb.WriteRune('\\')
			sb.WriteRune(runes[i])
		case len(esc) == 1 && c == esc[0]:
			// A trailing escape stays one: the match refuses it (22025).
			sb.WriteRune('\\')
		case c == '\\':
			// Not the escape here: a literal backslash.
			sb.WriteString(`\\`)
		default:
			sb.WriteRune(c)
		}
	}
	return sb.String(), true
}

// operandType names an operand's type as PostgreSQL's "operator does not
// exist" error does: an untyped literal's is unknown.
func operandType(e expr.Expr) string {
	if _, ok := e.(*unknownLit); ok {
		return "unknown"
	}
	return typeName(e.DataType())
}
