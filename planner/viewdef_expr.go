package planner

import (
	"fmt"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/expr"
)

// The expressions of a view's query as pg_get_viewdef prints them (see
// viewdef.go): parentheses as ruleutils puts them, constants with their
// types, the implicit casts operators need, functions in their SQL
// syntax where the grammar has one.

// Expression kinds, for the parentheses of pretty mode (ruleutils'
// isSimpleNode): what an expression is after PostgreSQL's analysis.
type exprKind int

const (
	kindSimple exprKind = iota // a column, a constant
	kindFunc                   // function-like: f(...), CASE, COALESCE, ARRAY[...]
	kindOp                     // an operator
	kindTest                   // IS NULL, IS TRUE, a sublink, IS DISTINCT FROM
	kindBool                   // AND, OR, NOT
	kindCast                   // a cast, as a parent
	kindOther                  // x op ANY (array) and the rest: parenthesized
)

// parent describes the expression a child is printed in.
type parent struct {
	kind  exprKind
	op    string // the operator, for kindOp; "AND", "OR", "NOT" for kindBool
	first bool   // the child is the operator's left argument
}

// kindOf returns the kind and operator of an expression.
func kindOf(n *pg_query.Node) (exprKind, string) {
	switch x := n.Node.(type) {
	case *pg_query.Node_ColumnRef, *pg_query.Node_AConst, *pg_query.Node_ParamRef:
		return kindSimple, ""
	case *pg_query.Node_TypeCast:
		if c := x.TypeCast.Arg.GetAConst(); c != nil && c.GetSval() != nil {
			return kindSimple, ""
		}
		return kindFunc, ""
	case *pg_query.Node_AExpr:
		ae := x.AExpr
		switch ae.Kind {
		case pg_query.A_Expr_Kind_AEXPR_OP:
			return kindOp, operatorName(ae)
		case pg_query.A_Expr_Kind_AEXPR_LIKE, pg_query.A_Expr_Kind_AEXPR_ILIKE, pg_query.A_Expr_Kind_AEXPR_SIMILAR:
			return kindOp, operatorName(ae)
		case pg_query.A_Expr_Kind_AEXPR_IN:
			if len(ae.Rexpr.GetList().GetItems()) == 1 {
				return kindOp, "="
			}
			return kindOther, ""
		case pg_query.A_Expr_Kind_AEXPR_BETWEEN:
			return kindBool, "AND"
		case pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN:
			return kindBool, "OR"
		case pg_query.A_Expr_Kind_AEXPR_DISTINCT:
			return kindTest, ""
		case pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT:
			return kindBool, "NOT"
		case pg_query.A_Expr_Kind_AEXPR_NULLIF:
			return kindFunc, ""
		}
		return kindOther, ""
	case *pg_query.Node_BoolExpr:
		return kindBool, map[pg_query.BoolExprType]string{pg_query.BoolExprType_AND_EXPR: "AND", pg_query.BoolExprType_OR_EXPR: "OR", pg_query.BoolExprType_NOT_EXPR: "NOT"}[x.BoolExpr.Boolop]
	case *pg_query.Node_NullTest, *pg_query.Node_BooleanTest, *pg_query.Node_SubLink:
		return kindTest, ""
	case *pg_query.Node_FuncCall, *pg_query.Node_CaseExpr, *pg_query.Node_CoalesceExpr, *pg_query.Node_MinMaxExpr,
		*pg_query.Node_AArrayExpr, *pg_query.Node_RowExpr, *pg_query.Node_SqlvalueFunction, *pg_query.Node_AIndirection:
		return kindFunc, ""
	}
	return kindOther, ""
}

// simple reports whether, in pretty mode, a child of kind k (operator op)
// needs no parentheses inside p.
func simple(k exprKind, op string, p parent) bool {
	funcLike := p.kind == kindFunc
	switch k {
	case kindSimple, kindFunc:
		return true
	case kindOp:
		if p.kind == kindOp {
			low, high := strings.Contains("+-", op) && len(op) == 1, strings.Contains("*/%", op) && len(op) == 1
			plow, phigh := strings.Contains("+-", p.op) && len(p.op) == 1, strings.Contains("*/%", p.op) && len(p.op) == 1
			switch {
			case !(low || high) || !(plow || phigh):
				return false
			case high && plow:
				return true
			case low && phigh:
				return false
			}
			return p.first
		}
		return funcLike || p.kind == kindBool
	case kindTest:
		return funcLike || p.kind == kindBool
	case kindBool:
		if p.kind == kindBool {
			switch op {
			case "NOT", "AND":
				return p.op == "AND" || p.op == "OR"
			case "OR":
				return p.op == "OR"
			}
			return false
		}
		return funcLike
	}
	return false
}

// child prints an argument of an expression of kind p, in parentheses
// when pretty mode needs them.
func (d *viewdef) child(n *pg_query.Node, want string, p parent) {
	k, op := kindOf(n)
	paren := d.pretty && !simple(k, op, p)
	if paren {
		d.write("(")
	}
	d.expr(n, want)
	if paren {
		d.write(")")
	}
}

// open and close write the parentheses ruleutils puts around an
// operator, a test or a boolean expression outside pretty mode.
func (d *viewdef) open() {
	if !d.pretty {
		d.write("(")
	}
}

func (d *viewdef) close() {
	if !d.pretty {
		d.write(")")
	}
}

// typeOf returns the PostgreSQL type binding gave an expression, "" when
// binding did not see it.
func (d *viewdef) typeOf(n *pg_query.Node) string {
	e, ok := d.rec.exprs[n]
	if !ok || e == nil {
		return ""
	}
	switch x := e.(type) {
	case *unknownLit:
		return "unknown"
	case *expr.Column:
		if t := d.b.pgTypes[x]; t != "" {
			return t
		}
	}
	return typeName(e.DataType())
}

// castRank orders the numeric types as PostgreSQL's implicit casts go:
// integers to numeric to double precision.
var castRank = map[string]int{"smallint": 1, "integer": 1, "bigint": 1, "numeric": 2, "real": 3, "double precision": 3}

// implicitCast returns the type the operand of type t is cast to when it
// meets one of type other in an arithmetic or comparison operator, or "".
// Only numeric types meet that way: dates, timestamps and the integer
// widths have cross-type operators of their own.
func implicitCast(t, other string) string {
	rt, ro := castRank[t], castRank[other]
	switch {
	case rt > 0 && ro > 0 && rt < ro && ro == 3:
		return "double precision"
	case rt > 0 && ro > 0 && rt < ro:
		return other
	}
	return ""
}

var castingOps = map[string]bool{"=": true, "<>": true, "<": true, ">": true, "<=": true, ">=": true, "+": true, "-": true, "*": true, "/": true, "%": true}

// operatorName is an operator as ruleutils prints it.
func operatorName(ae *pg_query.A_Expr) string {
	var name string
	if len(ae.Name) > 0 {
		name = ae.Name[len(ae.Name)-1].GetString_().GetSval()
	}
	switch ae.Kind {
	case pg_query.A_Expr_Kind_AEXPR_LIKE:
		if name == "!~~" {
			return "!~~"
		}
		return "~~"
	case pg_query.A_Expr_Kind_AEXPR_ILIKE:
		if name == "!~~*" {
			return "!~~*"
		}
		return "~~*"
	case pg_query.A_Expr_Kind_AEXPR_SIMILAR:
		if name == "!~" {
			return "!~"
		}
		return "~" // the pattern is similar_to_escape(...)
	}
	if name == "!=" {
		return "<>"
	}
	return name
}

// isUnknown reports whether n is an untyped string constant (or NULL).
func isUnknown(n *pg_query.Node) bool {
	c := n.GetAConst()
	return c != nil && (c.GetSval() != nil || c.Isnull)
}

// operand prints an operator's argument, cast to the type the operator
// needs when that is not its own.
func (d *viewdef) operand(n *pg_query.Node, cast, want string, p parent) {
	if cast == "" {
		d.child(n, want, p)
		return
	}
	k, _ := kindOf(n)
	paren := !d.pretty || (k != kindSimple && k != kindFunc)
	if c := n.GetAConst(); c != nil && c.GetIval() != nil && c.GetIval().Ival < 0 {
		paren = true
	}
	if paren {
		d.write("(")
	}
	d.expr(n, want)
	if paren {
		d.write(")")
	}
	d.write("::" + cast)
}

// isVarchar reports whether a type is character varying, which has no
// operators of its own: PostgreSQL casts it to text for them.
func isVarchar(t string) bool { return strings.HasPrefix(t, "character varying") }

// binary prints l op r with the implicit casts and constant types
// PostgreSQL's operator resolution gives.
func (d *viewdef) binary(l, r *pg_query.Node, op string) {
	lt, rt := d.typeOf(l), d.typeOf(r)
	if isVarchar(lt) || isVarchar(rt) {
		var lcast, rcast string
		if isVarchar(lt) {
			lcast, lt = "text", "text"
		}
		if isVarchar(rt) {
			rcast, rt = "text", "text"
		}
		d.open()
		d.operand(l, lcast, rt, parent{kind: kindOp, op: op, first: true})
		d.write(" " + op + " ")
		d.operand(r, rcast, lt, parent{kind: kindOp, op: op})
		d.close()
		return
	}
	lwant, rwant := "", ""
	if isUnknown(l) {
		lwant = rt
	}
	if isUnknown(r) {
		rwant = lt
	}
	var lcast, rcast string
	if castingOps[op] && !isUnknown(l) && !isUnknown(r) {
		lcast, rcast = implicitCast(lt, rt), implicitCast(rt, lt)
	}
	d.open()
	d.operand(l, lcast, lwant, parent{kind: kindOp, op: op, first: true})
	d.write(" " + op + " ")
	d.operand(r, rcast, rwant, parent{kind: kindOp, op: op})
	d.close()
}

// expr prints an expression; want is the type an untyped constant in it
// takes ("" for text).
func (d *viewdef) expr(n *pg_query.Node, want string) {
	if d.failed != nil || n == nil {
		return
	}
	switch x := n.Node.(type) {
	case *pg_query.Node_ColumnRef:
		d.columnRef(x.ColumnRef)
	case *pg_query.Node_AConst:
		d.constant(x.AConst, want)
	case *pg_query.Node_TypeCast:
		d.cast(x.TypeCast)
	case *pg_query.Node_AExpr:
		d.aexpr(x.AExpr)
	case *pg_query.Node_BoolExpr:
		be := x.BoolExpr
		_, op := kindOf(n)
		d.open()
		if op == "NOT" {
			d.write("NOT ")
			d.child(be.Args[0], "boolean", parent{kind: kindBool, op: op})
		} else {
			for i, a := range be.Args {
				if i > 0 {
					d.write(" " + op + " ")
				}
				d.child(a, "boolean", parent{kind: kindBool, op: op})
			}
		}
		d.close()
	case *pg_query.Node_NullTest:
		d.open()
		d.child(x.NullTest.Arg, "", parent{kind: kindTest})
		if x.NullTest.Nulltesttype == pg_query.NullTestType_IS_NULL {
			d.write(" IS NULL")
		} else {
			d.write(" IS NOT NULL")
		}
		d.close()
	case *pg_query.Node_BooleanTest:
		d.open()
		d.child(x.BooleanTest.Arg, "boolean", parent{kind: kindTest})
		d.write(map[pg_query.BoolTestType]string{
			pg_query.BoolTestType_IS_TRUE: " IS TRUE", pg_query.BoolTestType_IS_NOT_TRUE: " IS NOT TRUE",
			pg_query.BoolTestType_IS_FALSE: " IS FALSE", pg_query.BoolTestType_IS_NOT_FALSE: " IS NOT FALSE",
			pg_query.BoolTestType_IS_UNKNOWN: " IS UNKNOWN", pg_query.BoolTestType_IS_NOT_UNKNOWN: " IS NOT UNKNOWN",
		}[x.BooleanTest.Booltesttype])
		d.close()
	case *pg_query.Node_FuncCall:
		d.funcCall(x.FuncCall)
	case *pg_query.Node_SubLink:
		d.subLink(x.SubLink)
	case *pg_query.Node_CaseExpr:
		d.caseExpr(x.CaseExpr, want)
	case *pg_query.Node_CoalesceExpr:
		d.list("COALESCE(", x.CoalesceExpr.Args, ")", d.commonType(x.CoalesceExpr.Args, want))
	case *pg_query.Node_MinMaxExpr:
		name := "GREATEST("
		if x.MinMaxExpr.Op == pg_query.MinMaxOp_IS_LEAST {
			name = "LEAST("
		}
		d.list(name, x.MinMaxExpr.Args, ")", d.commonType(x.MinMaxExpr.Args, want))
	case *pg_query.Node_AArrayExpr:
		d.list("ARRAY[", x.AArrayExpr.Elements, "]", d.commonType(x.AArrayExpr.Elements, ""))
	case *pg_query.Node_RowExpr:
		d.list("ROW(", x.RowExpr.Args, ")", "")
	case *pg_query.Node_SqlvalueFunction:
		d.sqlValue(x.SqlvalueFunction)
	default:
		d.fail("expression %T", n.Node)
	}
}

// list prints items between open and close, separated by commas.
func (d *viewdef) list(open string, items []*pg_query.Node, close, want string) {
	d.write(open)
	for i, a := range items {
		if i > 0 {
			d.write(", ")
		}
		d.expr(a, want)
	}
	d.write(close)
}

// commonType is the type untyped constants among items take: the first
// typed item's, else want.
func (d *viewdef) commonType(items []*pg_query.Node, want string) string {
	for _, a := range items {
		if t := d.typeOf(a); !isUnknown(a) && t != "" && t != "unknown" {
			return t
		}
	}
	return want
}

func (d *viewdef) columnRef(cr *pg_query.ColumnRef) {
	c, ok := d.rec.cols[cr]
	if !ok {
		d.fail("column reference not bound")
		return
	}
	if strings.HasPrefix(c.name, positionPrefix) {
		d.fail("column reached by position")
		return
	}
	if c.table != "" {
		depth := len(d.names) - 1
		if c.outer {
			depth--
		}
		d.write(catalog.QuoteIdent(d.printedName(c.table, depth)) + ".")
	}
	d.write(catalog.QuoteIdent(c.name))
}

func (d *viewdef) constant(c *pg_query.A_Const, want string) {
	if want == "" || want == "unknown" {
		want = "text"
	}
	switch {
	case c.Isnull:
		d.write("NULL::" + want)
	case c.GetIval() != nil:
		v := c.GetIval().Ival
		if v < 0 {
			d.write(fmt.Sprintf("'%d'::integer", v))
		} else {
			d.write(strconv.Itoa(int(v)))
		}
	case c.GetFval() != nil:
		s := c.GetFval().Fval
		if !strings.ContainsAny(s, ".eE") {
			if _, err := strconv.ParseInt(s, 10, 64); err == nil {
				d.write("'" + s + "'::bigint")
				return
			}
		}
		if text, ok := wideNumeric(s); ok {
			s = text
		}
		if s != "" && s[0] >= '0' && s[0] <= '9' && strings.ContainsAny(s, ".eE") {
			d.write(s)
		} else {
			d.write("'" + s + "'::numeric")
		}
	case c.GetBoolval() != nil:
		d.write(strconv.FormatBool(c.GetBoolval().Boolval))
	case c.GetSval() != nil:
		d.write(quoteLiteral(c.GetSval().Sval) + "::" + want)
	default:
		d.fail("constant")
	}
}

// quoteLiteral quotes a string constant as PostgreSQL prints one with
// standard_conforming_strings on: quotes doubled, backslashes as they are.
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func (d *viewdef) cast(tc *pg_query.TypeCast) {
	target, ok := formatTypeName(tc.TypeName)
	if !ok {
		d.fail("cast to %v", tc.TypeName.Names)
		return
	}
	if c := tc.Arg.GetAConst(); c != nil && (c.GetSval() != nil || c.Isnull) {
		d.constant(c, target)
		return
	}
	if c := tc.Arg.GetAConst(); c != nil && c.GetIval() != nil && target == "integer" {
		d.constant(c, target)
		return
	}
	d.operand(tc.Arg, target, "", parent{kind: kindCast})
}

// formatTypeName is a type name as format_type prints it.
func formatTypeName(tn *pg_query.TypeName) (string, bool) {
	if len(tn.ArrayBounds) > 1 || tn.Setof || tn.PctType {
		return "", false
	}
	name := tn.Names[len(tn.Names)-1].GetString_().GetSval()
	var mods []string
	for _, m := range tn.Typmods {
		c := m.GetAConst()
		if c == nil || c.GetIval() == nil {
			return "", false
		}
		mods = append(mods, strconv.Itoa(int(c.GetIval().Ival)))
	}
	canon := map[string]string{
		"int2": "smallint", "int4": "integer", "int": "integer", "int8": "bigint", "float4": "real", "float8": "double precision",
		"bool": "boolean", "varchar": "character varying", "bpchar": "character", "timestamp": "timestamp without time zone",
		"timestamptz": "timestamp with time zone", "time": "time without time zone", "timetz": "time with time zone",
		"decimal": "numeric", "char": "character",
	}
	if c, ok := canon[name]; ok {
		name = c
	}
	if name == "char" && len(tn.Names) == 1 {
		name = "character"
	}
	if name == "interval" && len(mods) > 0 {
		return "", false // an interval's field restriction, which is a bit mask
	}
	out := name
	if len(mods) > 0 {
		switch name {
		case "timestamp without time zone", "timestamp with time zone", "time without time zone", "time with time zone":
			head, tail, _ := strings.Cut(name, " ")
			out = head + "(" + strings.Join(mods, ",") + ") " + tail
		default:
			out = name + "(" + strings.Join(mods, ",") + ")"
		}
	} else if name == "character" {
		out = "character(1)"
	}
	if len(tn.ArrayBounds) == 1 {
		out += "[]"
	}
	return out, true
}

func (d *viewdef) aexpr(ae *pg_query.A_Expr) {
	switch ae.Kind {
	case pg_query.A_Expr_Kind_AEXPR_OP, pg_query.A_Expr_Kind_AEXPR_LIKE, pg_query.A_Expr_Kind_AEXPR_ILIKE, pg_query.A_Expr_Kind_AEXPR_SIMILAR:
		op := operatorName(ae)
		if ae.Lexpr == nil {
			d.open()
			d.write(op + " ")
			d.child(ae.Rexpr, "", parent{kind: kindOp, op: op})
			d.close()
			return
		}
		d.binary(ae.Lexpr, ae.Rexpr, op)
	case pg_query.A_Expr_Kind_AEXPR_IN:
		items := ae.Rexpr.GetList().GetItems()
		op := operatorName(ae)
		if len(items) == 1 {
			d.binary(ae.Lexpr, items[0], op)
			return
		}
		quant := "ANY"
		if op == "<>" {
			quant = "ALL"
		}
		want := d.typeOf(ae.Lexpr)
		if isUnknown(ae.Lexpr) {
			want = d.commonType(items, "")
		}
		d.open()
		d.child(ae.Lexpr, want, parent{kind: kindOther})
		d.write(" " + op + " " + quant + " (")
		d.list("ARRAY[", items, "]", want)
		d.write(")")
		d.close()
	case pg_query.A_Expr_Kind_AEXPR_OP_ANY, pg_query.A_Expr_Kind_AEXPR_OP_ALL:
		quant := "ANY"
		if ae.Kind == pg_query.A_Expr_Kind_AEXPR_OP_ALL {
			quant = "ALL"
		}
		d.open()
		d.child(ae.Lexpr, "", parent{kind: kindOther})
		d.write(" " + operatorName(ae) + " " + quant + " (")
		d.child(ae.Rexpr, "", parent{kind: kindOther})
		d.write(")")
		d.close()
	case pg_query.A_Expr_Kind_AEXPR_BETWEEN, pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN:
		bounds := ae.Rexpr.GetList().GetItems()
		lo, hi, join := ">=", "<=", "AND"
		if ae.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN {
			lo, hi, join = "<", ">", "OR"
		}
		d.open()
		d.inBool(func() { d.binary(ae.Lexpr, bounds[0], lo) }, lo, join)
		d.write(" " + join + " ")
		d.inBool(func() { d.binary(ae.Lexpr, bounds[1], hi) }, hi, join)
		d.close()
	case pg_query.A_Expr_Kind_AEXPR_DISTINCT, pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT:
		not := ae.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT
		if not {
			d.open()
			d.write("NOT ")
			if d.pretty {
				d.write("(") // a test inside NOT is parenthesized
			}
		}
		d.open()
		lt, rt := d.typeOf(ae.Lexpr), d.typeOf(ae.Rexpr)
		d.operand(ae.Lexpr, implicitCast(lt, rt), rt, parent{kind: kindTest})
		d.write(" IS DISTINCT FROM ")
		d.operand(ae.Rexpr, implicitCast(rt, lt), lt, parent{kind: kindTest})
		d.close()
		if not {
			if d.pretty {
				d.write(")")
			}
			d.close()
		}
	case pg_query.A_Expr_Kind_AEXPR_NULLIF:
		lt := d.typeOf(ae.Lexpr)
		d.write("NULLIF(")
		d.expr(ae.Lexpr, "")
		d.write(", ")
		d.expr(ae.Rexpr, lt)
		d.write(")")
	default:
		d.fail("operator kind %v", ae.Kind)
	}
}

// inBool prints an operator that BETWEEN expands to, as a child of the
// AND or OR it becomes.
func (d *viewdef) inBool(print func(), op, join string) {
	paren := d.pretty && !simple(kindOp, op, parent{kind: kindBool, op: join})
	if paren {
		d.write("(")
	}
	print()
	if paren {
		d.write(")")
	}
}

func (d *viewdef) funcCall(fc *pg_query.FuncCall) {
	name := fc.Funcname[len(fc.Funcname)-1].GetString_().GetSval()
	if fc.Funcformat == pg_query.CoercionForm_COERCE_SQL_SYNTAX {
		d.sqlSyntax(name, fc.Args)
		return
	}
	if fc.AggWithinGroup || fc.FuncVariadic {
		d.fail("function call syntax")
		return
	}
	// A keyword names a function only quoted ("substring", "left").
	d.write(catalog.QuoteIdent(name) + "(")
	switch {
	case fc.AggStar:
		d.write("*")
	default:
		if fc.AggDistinct {
			d.write("DISTINCT ")
		}
		for i, a := range fc.Args {
			if i > 0 {
				d.write(", ")
			}
			d.expr(a, "")
		}
	}
	if len(fc.AggOrder) > 0 {
		d.write(" ORDER BY ")
		d.orderBy(fc.AggOrder, nil)
	}
	d.write(")")
	if fc.AggFilter != nil {
		d.write(" FILTER (WHERE ")
		d.expr(fc.AggFilter, "")
		d.write(")")
	}
	if w := fc.Over; w != nil {
		d.write(" OVER ")
		if w.Name != "" && w.Refname == "" && len(w.PartitionClause) == 0 && len(w.OrderClause) == 0 && w.FrameOptions&frameNonDefault == 0 {
			d.write(catalog.QuoteIdent(w.Name))
			return
		}
		if w.Name != "" {
			w = &pg_query.WindowDef{Refname: w.Name, PartitionClause: w.PartitionClause, OrderClause: w.OrderClause,
				FrameOptions: w.FrameOptions, StartOffset: w.StartOffset, EndOffset: w.EndOffset}
		}
		d.windowSpec(w, nil)
	}
}

// sqlSyntax prints a function the grammar gives a syntax of its own
// (EXTRACT(field FROM x), SUBSTRING(x FROM a FOR b), ...) in that syntax,
// as ruleutils does.
func (d *viewdef) sqlSyntax(name string, args []*pg_query.Node) {
	switch {
	case name == "extract" && len(args) == 2 && args[0].GetAConst().GetSval() != nil:
		d.write("EXTRACT(" + args[0].GetAConst().GetSval().Sval + " FROM ")
		d.expr(args[1], "")
		d.write(")")
	case name == "substring" && (len(args) == 2 || len(args) == 3):
		d.write("SUBSTRING(")
		d.expr(args[0], "")
		d.write(" FROM ")
		d.expr(args[1], "")
		if len(args) == 3 {
			d.write(" FOR ")
			d.expr(args[2], "")
		}
		d.write(")")
	case name == "position" && len(args) == 2:
		d.write("POSITION((")
		d.expr(args[1], "")
		d.write(") IN (")
		d.expr(args[0], "")
		d.write("))")
	case (name == "btrim" || name == "ltrim" || name == "rtrim") && (len(args) == 1 || len(args) == 2):
		d.write("TRIM(" + map[string]string{"btrim": "BOTH", "ltrim": "LEADING", "rtrim": "TRAILING"}[name])
		if len(args) == 2 {
			d.write(" ")
			d.expr(args[1], "")
		}
		d.write(" FROM ")
		d.expr(args[0], "")
		d.write(")")
	case name == "timezone" && len(args) == 2:
		// x AT TIME ZONE zone: the arguments come zone first.
		d.write("(")
		d.child(args[1], "", parent{kind: kindOther})
		d.write(" AT TIME ZONE ")
		d.child(args[0], "", parent{kind: kindOther})
		d.write(")")
	default:
		d.fail("%s in its SQL syntax", name)
	}
}

func (d *viewdef) subLink(sl *pg_query.SubLink) {
	sel := sl.Subselect.GetSelectStmt()
	if sel == nil {
		d.fail("sublink")
		return
	}
	paren := true
	switch sl.SubLinkType {
	case pg_query.SubLinkType_EXISTS_SUBLINK:
		d.write("(EXISTS ")
	case pg_query.SubLinkType_ANY_SUBLINK, pg_query.SubLinkType_ALL_SUBLINK:
		d.write("(")
		d.expr(sl.Testexpr, "")
		op := "="
		if len(sl.OperName) > 0 {
			op = sl.OperName[len(sl.OperName)-1].GetString_().GetSval()
		}
		switch {
		case sl.SubLinkType == pg_query.SubLinkType_ANY_SUBLINK && op == "=":
			d.write(" IN ")
		case sl.SubLinkType == pg_query.SubLinkType_ANY_SUBLINK:
			d.write(" " + op + " ANY ")
		default:
			d.write(" " + op + " ALL ")
		}
	case pg_query.SubLinkType_EXPR_SUBLINK:
		paren = false
	case pg_query.SubLinkType_ARRAY_SUBLINK:
		paren = false
		d.write("ARRAY")
	default:
		d.fail("sublink kind %v", sl.SubLinkType)
		return
	}
	d.write("(")
	d.sub(sel, nil, false)
	if paren {
		d.write("))")
	} else {
		d.write(")")
	}
}

func (d *viewdef) caseExpr(ce *pg_query.CaseExpr, want string) {
	result := want
	var results []*pg_query.Node
	for _, w := range ce.Args {
		results = append(results, w.GetCaseWhen().Result)
	}
	if ce.Defresult != nil {
		results = append(results, ce.Defresult)
	}
	result = d.commonType(results, result)
	d.keyword("CASE", 0, indentVar, 0)
	argType := ""
	if ce.Arg != nil {
		d.write(" ")
		d.expr(ce.Arg, "")
		argType = d.typeOf(ce.Arg)
	}
	// Outside pretty mode the keywords stay on the CASE's line, a space
	// apart.
	clause := func(kw string, before int) {
		if !d.pretty {
			d.write(" ")
		}
		d.keyword(kw, before, 0, 0)
	}
	for _, w := range ce.Args {
		cw := w.GetCaseWhen()
		clause("WHEN ", 0)
		if ce.Arg != nil {
			d.expr(cw.Expr, argType)
		} else {
			d.expr(cw.Expr, "boolean")
		}
		d.write(" THEN ")
		d.expr(cw.Result, result)
	}
	clause("ELSE ", 0)
	if ce.Defresult != nil {
		d.expr(ce.Defresult, result)
	} else {
		if result == "" {
			result = "text"
		}
		d.write("NULL::" + result)
	}
	clause("END", -indentVar)
}

func (d *viewdef) sqlValue(f *pg_query.SQLValueFunction) {
	name := strings.ToUpper(sqlValueNames[f.Op])
	if name == "" {
		d.fail("SQL value function")
		return
	}
	d.write(name)
	if f.Typmod >= 0 {
		switch f.Op {
		case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N, pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N,
			pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIME_N, pg_query.SQLValueFunctionOp_SVFOP_LOCALTIME_N:
			d.write(fmt.Sprintf("(%d)", f.Typmod))
		}
	}
}
