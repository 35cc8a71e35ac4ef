package planner

import (
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// bindPredicate binds a WHERE or HAVING condition, which must be boolean.
func (b *binder) bindPredicate(n *pg_query.Node, ectx exprContext) (expr.Expr, error) {
	e, err := b.bindExpr(n, ectx)
	if err != nil {
		return nil, err
	}
	return b.coerceBool(e, nodeLocation(n), "argument of "+ectx.clause)
}

func (b *binder) coerceBool(e expr.Expr, loc int32, what string) (expr.Expr, error) {
	if u, ok := e.(*unknownLit); ok {
		return b.resolveAs(u, typeBool)
	}
	if e.DataType().ID() != arrow.BOOL {
		if lit, ok := e.(*expr.Literal); ok && !lit.Value.IsValid() {
			return &expr.Literal{Value: scalar.MakeNullScalar(typeBool)}, nil
		}
		return nil, b.errorf(pgerror.DatatypeMismatch, loc, "%s must be type boolean, not type %s", what, typeName(e.DataType()))
	}
	return e, nil
}

// lookupColumn finds a column by optional table qualifier and name. A
// column of the immediately enclosing query (in a subquery) is reported as
// an *outerColumn error, which bindColumnRef turns into an OuterRef.
func (b *binder) lookupColumn(sc *scope, table, name string, loc int32) (int, scopeColumn, error) {
	if table != "" && !contains(sc.tables, table) {
		for depth := len(b.outer) - 1; depth >= 0; depth-- {
			if o := b.outer[depth]; o != nil && contains(o.tables, table) {
				return 0, scopeColumn{}, b.outerLookup(depth, table, name, loc)
			}
		}
		return 0, scopeColumn{}, b.errorf(pgerror.UndefinedTable, loc, "missing FROM-clause entry for table %q", table)
	}
	found := -1
	for i, c := range sc.cols {
		if c.name == name && (table == "" && !c.hidden || table != "" && c.table == table) {
			if found >= 0 {
				return 0, scopeColumn{}, b.errorf(pgerror.AmbiguousColumn, loc, "column reference %q is ambiguous", name)
			}
			found = i
		}
	}
	if found < 0 {
		for depth := len(b.outer) - 1; depth >= 0; depth-- {
			o := b.outer[depth]
			if o == nil {
				continue
			}
			for _, c := range o.cols {
				if c.name == name && (table == "" && !c.hidden || table != "" && c.table == table) {
					return 0, scopeColumn{}, b.outerLookup(depth, table, name, loc)
				}
			}
		}
		if table != "" {
			return 0, scopeColumn{}, b.errorf(pgerror.UndefinedColumn, loc, "column %s.%s does not exist", table, name)
		}
		return 0, scopeColumn{}, b.errorf(pgerror.UndefinedColumn, loc, "column %q does not exist", name)
	}
	return found, sc.cols[found], nil
}

// bindExpr binds a scalar expression.
func (b *binder) bindExpr(n *pg_query.Node, ectx exprContext) (expr.Expr, error) {
	e, err := b.bindExprNode(n, ectx)
	if b.rec != nil && err == nil {
		b.rec.exprs[n] = e
	}
	return e, err
}

func (b *binder) bindExprNode(n *pg_query.Node, ectx exprContext) (expr.Expr, error) {
	switch x := n.GetNode().(type) {
	case *pg_query.Node_ColumnRef:
		return b.bindColumnRef(x.ColumnRef, ectx)
	case *pg_query.Node_AConst:
		return b.bindConst(x.AConst)
	case *pg_query.Node_AExpr:
		return b.bindAExpr(x.AExpr, ectx)
	case *pg_query.Node_BoolExpr:
		return b.bindBoolExpr(x.BoolExpr, ectx)
	case *pg_query.Node_NullTest:
		in, err := b.bindExpr(x.NullTest.Arg, ectx)
		if err != nil {
			return nil, err
		}
		negated := x.NullTest.Nulltesttype == pg_query.NullTestType_IS_NOT_NULL
		if row, ok := in.(*expr.Call); ok && row.Func == "row" && len(row.Args) > 0 {
			// A row IS NULL when every field is, and IS NOT NULL when
			// none is.
			var tests []expr.Expr
			for _, a := range row.Args {
				tests = append(tests, &expr.IsNull{Input: a, Negated: negated})
			}
			return and(tests), nil
		}
		return &expr.IsNull{Input: b.resolveUnknown(in), Negated: negated}, nil
	case *pg_query.Node_TypeCast:
		return b.bindCast(x.TypeCast, ectx)
	case *pg_query.Node_FuncCall:
		return b.bindFuncCall(x.FuncCall, ectx)
	case *pg_query.Node_GroupingFunc:
		return b.bindGrouping(x.GroupingFunc, ectx)
	case *pg_query.Node_ParamRef:
		return b.bindParam(x.ParamRef)
	case *pg_query.Node_SubLink:
		return b.bindSubLink(x.SubLink, ectx)
	case *pg_query.Node_CaseExpr:
		return b.bindCase(x.CaseExpr, ectx)
	case *pg_query.Node_CoalesceExpr:
		return b.bindCoalesce(x.CoalesceExpr, ectx)
	case *pg_query.Node_SqlvalueFunction:
		return b.bindSQLValueFunction(x.SqlvalueFunction)
	case *pg_query.Node_CollateClause:
		return b.bindCollate(x.CollateClause, ectx)
	case *pg_query.Node_AIndirection:
		return b.bindIndirection(x.AIndirection, ectx)
	case *pg_query.Node_AArrayExpr:
		return b.bindArrayExpr(x.AArrayExpr, ectx)
	case *pg_query.Node_MinMaxExpr:
		return b.bindMinMax(x.MinMaxExpr, ectx)
	case *pg_query.Node_RowExpr:
		return b.bindRow(x.RowExpr, ectx)
	case *pg_query.Node_BooleanTest:
		return b.bindBooleanTest(x.BooleanTest, ectx)
	}
	return nil, b.unsupported(nodeLocation(n), "expression is not supported yet")
}

// bindCollate binds x COLLATE name. riffq orders text by bytes, which is
// the C collation, and its default collation is C: those collations (and
// POSIX, the same) leave x as it is; others are not supported.
func (b *binder) bindCollate(cc *pg_query.CollateClause, ectx exprContext) (expr.Expr, error) {
	var parts []string
	for _, n := range cc.Collname {
		parts = append(parts, n.GetString_().GetSval())
	}
	name := parts[len(parts)-1]
	if len(parts) > 2 || len(parts) == 2 && parts[0] != catalog.PgCatalog {
		return nil, b.errorf("42704", cc.Location, "collation %q for encoding \"UTF8\" does not exist", strings.Join(parts, "."))
	}
	x, err := b.bindExpr(cc.Arg, ectx)
	if err != nil {
		return nil, err
	}
	switch name {
	case "default", "C", "POSIX", "ucs_basic":
	default:
		return nil, b.unsupported(cc.Location, "collation %q is not supported yet: riffq compares text in byte order (collation \"C\")", name)
	}
	if u, ok := x.(*unknownLit); ok {
		return b.resolveAs(u, typeText)
	}
	if category(x.DataType()) != catString {
		return nil, b.errorf(pgerror.DatatypeMismatch, cc.Location, "collations are not supported by type %s", typeName(x.DataType()))
	}
	return x, nil
}

func (b *binder) bindColumnRef(cr *pg_query.ColumnRef, ectx exprContext) (expr.Expr, error) {
	var parts []string
	for i, f := range cr.Fields {
		if f.GetAStar() != nil {
			if i == 1 && len(cr.Fields) == 2 {
				// t.* in an expression is t's whole row.
				return b.wholeRow(ectx.scope, parts[0], cr.Location)
			}
			return nil, b.unsupported(cr.Location, "* is not allowed here")
		}
		parts = append(parts, f.GetString_().GetSval())
	}
	var table, name string
	switch len(parts) {
	case 1:
		name = parts[0]
	case 2:
		table, name = parts[0], parts[1]
	case 3, 4:
		// schema.table.column (BI tools qualify every column so), and
		// database.schema.table.column of this database. The table is
		// found by its name in FROM, as riffq's scopes do not keep
		// schemas.
		if len(parts) == 4 && parts[0] != b.db {
			return nil, b.errorf(pgerror.FeatureNotSupported, cr.Location, "cross-database references are not implemented: %s", strings.Join(parts, "."))
		}
		table, name = parts[len(parts)-2], parts[len(parts)-1]
	default:
		return nil, b.errorf(pgerror.SyntaxError, cr.Location, "improper qualified name (too many dotted names): %s", strings.Join(parts, "."))
	}
	if pos, ok := strings.CutPrefix(name, positionPrefix); ok && ectx.scope != nil {
		if i, err := strconv.Atoi(pos); err == nil && i < len(ectx.scope.cols) {
			c := ectx.scope.cols[i]
			return &expr.Column{Index: i, Name: c.table + "." + c.name, Type: c.typ}, nil
		}
	}
	i, c, err := b.lookupColumn(ectx.scope, table, name, cr.Location)
	if pe := (*pgerror.Error)(nil); errors.As(err, &pe) && pe.Code == pgerror.UndefinedColumn && table == "" && ectx.scope != nil && contains(ectx.scope.tables, name) {
		// A bare name that is no column but a table of the FROM clause
		// is that table's whole row, as in row_to_json(t).
		return b.wholeRow(ectx.scope, name, cr.Location)
	}
	var oc *outerColumn
	if errors.As(err, &oc) {
		if b.rec != nil {
			b.rec.cols[cr] = recordedColumn{oc.col, true}
		}
		for _, corr := range b.correlations[oc.depth:] {
			if len(corr.outer) == 0 {
				corr.loc = cr.Location
			}
		}
		if isBpcharType(oc.col.pgType) {
			return asBpchar(b.outerRef(oc, cr.Location)), nil
		}
		return b.outerRef(oc, cr.Location), nil
	}
	if err != nil {
		return nil, err
	}
	col := &expr.Column{Index: i, Name: c.table + "." + c.name, Type: c.typ}
	if b.rec != nil {
		b.rec.cols[cr] = recordedColumn{c, false}
	}
	if b.colLoc == nil {
		b.colLoc = make(map[*expr.Column]int32)
	}
	b.colLoc[col] = cr.Location
	if c.pgType != "" {
		if b.pgTypes == nil {
			b.pgTypes = make(map[*expr.Column]string)
		}
		b.pgTypes[col] = c.pgType
	}
	if c.numeric != "" {
		if b.numericCols == nil {
			b.numericCols = make(map[*expr.Column]string)
		}
		b.numericCols[col] = c.numeric
	}
	if c.regproc {
		if b.regproc == nil {
			b.regproc = make(map[*expr.Column]bool)
		}
		b.regproc[col] = true
	}
	if isBpcharType(c.pgType) {
		return asBpchar(col), nil
	}
	return col, nil
}

// numericJunk reports whether the numeric constant at loc in sql is
// written as PostgreSQL 15 does not read it: hexadecimal, octal or binary
// (0x1F) or with underscores (1_000), which its successors accept and the
// grammar riffq parses with does too. tok is the constant's text up to
// the junk's end, as PostgreSQL's error shows it.
func numericJunk(sql string, loc int32) (tok string, junk bool) {
	if loc < 0 || int(loc) >= len(sql) {
		return "", false
	}
	rest := strings.TrimLeft(sql[loc:], "- \t\n")
	end := 0
	for end < len(rest) {
		c := rest[end]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' {
			end++
			continue
		}
		break
	}
	tok = rest[:end]
	if tok == "" || tok[0] < '0' || tok[0] > '9' {
		return "", false // not this constant's text (a rewritten call's)
	}
	if len(tok) > 1 && tok[0] == '0' && strings.ContainsRune("xXoObB", rune(tok[1])) || strings.Contains(tok, "_") {
		return tok, true
	}
	return "", false
}

// wideNumeric writes a numeric constant (1e100, 0.5e-40) as PostgreSQL's
// numeric prints it: every digit, the scale the constant's digits and
// exponent give.
func wideNumeric(s string) (string, bool) {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return "", false
	}
	mant, exp, _ := strings.Cut(strings.ToLower(s), "e")
	scale := 0
	if _, frac, ok := strings.Cut(mant, "."); ok {
		scale = len(frac)
	}
	e, _ := strconv.Atoi(exp)
	return r.FloatString(max(scale-e, 0)), true
}

// bindBooleanTest binds x IS [NOT] TRUE, FALSE and UNKNOWN, which are
// never NULL.
func (b *binder) bindBooleanTest(bt *pg_query.BooleanTest, ectx exprContext) (expr.Expr, error) {
	x, err := b.bindExpr(bt.Arg, ectx)
	if err != nil {
		return nil, err
	}
	if x, err = b.coerceBool(x, nodeLocation(bt.Arg), "argument of IS "+strings.TrimPrefix(strings.ReplaceAll(bt.Booltesttype.String(), "_", " "), "IS ")); err != nil {
		return nil, err
	}
	isNull := &expr.IsNull{Input: x}
	lit := func(v bool) expr.Expr { return &expr.Literal{Value: scalar.NewBooleanScalar(v)} }
	whenNotNull := func(v expr.Expr) expr.Expr {
		return &expr.Case{Whens: []expr.When{{Cond: isNull, Result: lit(false)}}, Else: v, Type: typeBool}
	}
	var out expr.Expr
	switch bt.Booltesttype {
	case pg_query.BoolTestType_IS_TRUE:
		out = whenNotNull(x)
	case pg_query.BoolTestType_IS_NOT_TRUE:
		out = &expr.Not{Input: whenNotNull(x)}
	case pg_query.BoolTestType_IS_FALSE:
		out = whenNotNull(&expr.Not{Input: x})
	case pg_query.BoolTestType_IS_NOT_FALSE:
		out = &expr.Not{Input: whenNotNull(&expr.Not{Input: x})}
	case pg_query.BoolTestType_IS_UNKNOWN:
		out = isNull
	default: // IS NOT UNKNOWN
		out = &expr.IsNull{Input: x, Negated: true}
	}
	return foldConstant(out), nil
}

func (b *binder) bindConst(c *pg_query.A_Const) (expr.Expr, error) {
	if c.Isnull {
		return &expr.Literal{Value: scalar.MakeNullScalar(arrow.Null)}, nil
	}
	if c.GetIval() != nil || c.GetFval() != nil {
		if tok, junk := numericJunk(b.sql, c.Location); junk {
			return nil, b.errorf(pgerror.SyntaxError, c.Location, "trailing junk after numeric literal at or near %q", tok)
		}
	}
	switch {
	case c.GetIval() != nil:
		return &expr.Literal{Value: scalar.NewInt32Scalar(c.GetIval().Ival)}, nil
	case c.GetFval() != nil:
		s := c.GetFval().Fval
		if s2 := strings.TrimPrefix(s, "-"); !strings.ContainsAny(s2, ".eE") {
			// Integer constants that do not fit int4 are int8, then
			// numeric; -2147483648 arrives here (the grammar negates
			// 2147483648) and is int4, as PostgreSQL's make_const finds.
			if v, err := parseLiteral(s, typeInt8); err == nil {
				if n := v.(*scalar.Int64).Value; n >= math.MinInt32 && n <= math.MaxInt32 {
					return &expr.Literal{Value: scalar.NewInt32Scalar(int32(n))}, nil
				}
				return &expr.Literal{Value: v}, nil
			}
		}
		if v, ok := numericLiteral(s); ok {
			return &expr.Literal{Value: v}, nil
		}
		if text, ok := wideNumeric(s); ok {
			// Beyond a decimal128: a numeric with its own digits, which
			// prints and casts (to float8, say) but overflows arithmetic.
			return &expr.Literal{Value: scalar.NewExtensionScalar(scalar.NewStringScalar(text), pgtypes.Numeric())}, nil
		}
		return nil, b.errorf(pgerror.NumericValueOutOfRange, c.Location, "numeric constant %s exceeds %d digits", s, maxNumericPrecision)
	case c.GetBoolval() != nil:
		return &expr.Literal{Value: scalar.NewBooleanScalar(c.GetBoolval().Boolval)}, nil
	case c.GetSval() != nil:
		return &unknownLit{text: c.GetSval().Sval, loc: c.Location}, nil
	}
	return nil, b.unsupported(c.Location, "this constant is not supported yet")
}

func (b *binder) bindBoolExpr(be *pg_query.BoolExpr, ectx exprContext) (expr.Expr, error) {
	args := make([]expr.Expr, len(be.Args))
	for i, a := range be.Args {
		e, err := b.bindExpr(a, ectx)
		if err != nil {
			return nil, err
		}
		word := map[pg_query.BoolExprType]string{
			pg_query.BoolExprType_AND_EXPR: "AND", pg_query.BoolExprType_OR_EXPR: "OR", pg_query.BoolExprType_NOT_EXPR: "NOT",
		}[be.Boolop]
		if args[i], err = b.coerceBool(e, nodeLocation(a), "argument of "+word); err != nil {
			return nil, err
		}
	}
	switch be.Boolop {
	case pg_query.BoolExprType_NOT_EXPR:
		return &expr.Not{Input: args[0]}, nil
	case pg_query.BoolExprType_AND_EXPR, pg_query.BoolExprType_OR_EXPR:
		op := expr.And
		if be.Boolop == pg_query.BoolExprType_OR_EXPR {
			op = expr.Or
		}
		out := args[0]
		for _, a := range args[1:] {
			out = &expr.Binary{Op: op, Left: out, Right: a, Type: typeBool}
		}
		return out, nil
	}
	return nil, b.unsupported(be.Location, "boolean expression is not supported")
}

// numericRank orders the numeric types by PostgreSQL's implicit casts:
// int2 < int4 < int8 < numeric < float4 < float8. Zero means not numeric.
func numericRank(dt arrow.DataType) int {
	switch dt.ID() {
	case arrow.INT8, arrow.UINT8, arrow.INT16:
		return 1
	case arrow.UINT16, arrow.INT32:
		return 2
	case arrow.UINT32, arrow.INT64:
		return 3
	case arrow.UINT64, arrow.DECIMAL128:
		return 4
	case arrow.FLOAT16, arrow.FLOAT32:
		return 5
	case arrow.FLOAT64:
		return 6
	}
	return 0
}

type typeCategory int

const (
	catOther typeCategory = iota
	catNumeric
	catString
	catBool
	catDateTime
	catBinary
)

func category(dt arrow.DataType) typeCategory {
	switch {
	case numericRank(dt) > 0:
		return catNumeric
	}
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING:
		return catString
	case arrow.BOOL:
		return catBool
	case arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP:
		return catDateTime
	case arrow.BINARY, arrow.LARGE_BINARY:
		return catBinary
	}
	return catOther
}

// resultType unifies the types of values that land in one column (CASE
// results, COALESCE and GREATEST arguments, VALUES rows, set operations'
// columns, ARRAY elements). It is commonType, but for numerics: those that
// differ in scale, or where one has a scale per value (avg, quotients),
// unify as numeric with one scale per value (pgtypes.NumericType), since
// PostgreSQL's numeric keeps each value's own (VALUES (1.5), (3) prints 1.5
// and 3; a common decimal scale would print 3.0).
func resultType(a, b arrow.DataType) arrow.DataType {
	// The scale of an integer or decimal; per-value numerics and the rest
	// are commonType's.
	scale := func(dt arrow.DataType) (int32, bool) {
		if d, ok := dt.(*arrow.Decimal128Type); ok {
			return d.Scale, true
		}
		r := numericRank(dt)
		return 0, r >= 1 && r <= 3
	}
	sa, na := scale(a)
	sb, nb := scale(b)
	_, da := a.(*arrow.Decimal128Type)
	_, db := b.(*arrow.Decimal128Type)
	if na && nb && (da || db) && sa != sb {
		return pgtypes.Numeric()
	}
	// real and an integer or numeric land in real: those cast to it
	// implicitly, and it not to them (select_common_type keeps the
	// first candidate that way; operators resolve to float8 instead).
	for _, p := range [][2]arrow.DataType{{a, b}, {b, a}} {
		if p[0].ID() == arrow.FLOAT32 && (numericRank(p[1]) >= 1 && numericRank(p[1]) <= 4 || isPerValueNumeric(p[1])) {
			return p[0]
		}
	}
	return commonType(a, b)
}

// commonType is the type both operands of a comparison or arithmetic are
// converted to, or nil when PostgreSQL has no such operator.
func commonType(a, b arrow.DataType) arrow.DataType {
	if arrow.TypeEqual(a, b) {
		return a
	}
	if isPerValueNumeric(a) || isPerValueNumeric(b) {
		// numeric with a scale per value, and another numeric type.
		other := a
		if isPerValueNumeric(a) {
			other = b
		}
		switch r := numericRank(other); {
		case r >= 1 && r <= 4:
			return pgtypes.Numeric()
		case r >= 5:
			return typeFloat8
		}
		return nil
	}
	ca, cb := category(a), category(b)
	if ca != cb {
		return nil
	}
	switch ca {
	case catNumeric:
		ra, rb := numericRank(a), numericRank(b)
		r := max(ra, rb)
		switch r {
		case 1:
			return typeInt2
		case 2:
			return typeInt4
		case 3:
			return typeInt8
		case 4:
			da := unconstrainedDecimal(a).(*arrow.Decimal128Type)
			db := unconstrainedDecimal(b).(*arrow.Decimal128Type)
			scale := max(da.Scale, db.Scale)
			digits := max(da.Precision-da.Scale, db.Precision-db.Scale)
			return &arrow.Decimal128Type{Precision: min(maxNumericPrecision, digits+scale), Scale: scale}
		case 5:
			if ra == 5 && rb == 5 {
				return typeFloat4
			}
			return typeFloat8
		}
		return typeFloat8
	case catString:
		return typeText
	case catDateTime:
		if a.ID() == arrow.TIMESTAMP && b.ID() == arrow.TIMESTAMP {
			if a.(*arrow.TimestampType).TimeZone != "" || b.(*arrow.TimestampType).TimeZone != "" {
				return typeTimestamptz
			}
			return typeTimestamp
		}
		if a.ID() == arrow.TIMESTAMP {
			return a
		}
		if b.ID() == arrow.TIMESTAMP {
			return b
		}
		return typeDate
	case catBinary:
		return typeBytea
	}
	return nil
}

// nullDatetime types e, a bare NULL added to or subtracted from a time,
// timestamp or interval, as the operator PostgreSQL finds for it: an
// interval to add (timestamp + interval), the other's type to subtract
// (timestamp - timestamp is an interval).
func nullDatetime(op expr.Op, e, other expr.Expr) expr.Expr {
	if !isBareNull(e) {
		return e
	}
	switch t := other.DataType(); t.ID() {
	case arrow.TIMESTAMP, arrow.TIME64, arrow.INTERVAL_MONTH_DAY_NANO:
		if op == expr.Sub {
			return &expr.Literal{Value: scalar.MakeNullScalar(t)}
		}
		return &expr.Literal{Value: scalar.MakeNullScalar(typeInterval)}
	}
	return e
}

// binary binds a binary operator with PostgreSQL's operand coercion.
func (b *binder) binary(op expr.Op, l, r expr.Expr, loc int32) (expr.Expr, error) {
	lu, lUnknown := l.(*unknownLit)
	ru, rUnknown := r.(*unknownLit)
	var err error
	if op == expr.Concat {
		return b.concat(l, r, loc)
	}
	if op == expr.Add || op == expr.Sub {
		l, r = nullDatetime(op, l, r), nullDatetime(op, r, l)
	}
	if e, ok, err := b.dateArith(op, l, r, loc); ok || err != nil {
		return e, err
	}
	switch {
	case lUnknown && rUnknown:
		l, r = b.resolveUnknown(l), b.resolveUnknown(r)
	case lUnknown:
		if l, err = b.cast(lu, unknownTarget(r.DataType()), loc); err != nil {
			return nil, err
		}
		if isBpchar(r) && op.IsComparison() {
			l = asBpchar(l) // the constant is a character value too
		}
	case rUnknown:
		if r, err = b.cast(ru, unknownTarget(l.DataType()), loc); err != nil {
			return nil, err
		}
		if isBpchar(l) && op.IsComparison() {
			r = asBpchar(r)
		}
	}
	// NULL constants take the other operand's type; two are text, as
	// PostgreSQL resolves unknown = unknown.
	if l.DataType().ID() == arrow.NULL && r.DataType().ID() == arrow.NULL {
		l, r = b.resolveUnknown(l), b.resolveUnknown(r)
	}
	if isBareNull(l) {
		l = &expr.Literal{Value: scalar.MakeNullScalar(r.DataType())}
	}
	if isBareNull(r) {
		r = &expr.Literal{Value: scalar.MakeNullScalar(l.DataType())}
	}
	l, r = b.regprocAsOID(l, r), b.regprocAsOID(r, l)
	lt, rt := l.DataType(), r.DataType()
	noOp := func() error {
		return b.errorf(pgerror.UndefinedFunction, loc, "operator does not exist: %s %s %s", typeName(lt), op, typeName(rt)).
			WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
	}
	if isPerValueNumeric(lt) || isPerValueNumeric(rt) {
		return b.perValueNumeric(op, l, r, loc, noOp)
	}
	ct := commonType(lt, rt)
	if ct == nil {
		return nil, noOp()
	}
	if d, ok := ct.(*arrow.Decimal128Type); ok && !op.IsComparison() {
		return b.decimalArith(op, l, r, d, loc)
	}
	if l, err = b.cast(l, ct, loc); err != nil {
		return nil, err
	}
	if r, err = b.cast(r, ct, loc); err != nil {
		return nil, err
	}
	if op.IsComparison() {
		return foldConstant(&expr.Binary{Op: op, Left: l, Right: r, Type: typeBool}), nil
	}
	if category(ct) != catNumeric {
		if lUnknown && rUnknown {
			return nil, b.errorf("42725", loc, "operator is not unique: unknown %s unknown", op).
				WithHint("Could not choose a best candidate operator. You might need to add explicit type casts.")
		}
		return nil, noOp()
	}
	if op == expr.Mod && numericRank(ct) > 4 {
		return nil, noOp() // no % for floats
	}
	return foldConstant(&expr.Binary{Op: op, Left: l, Right: r, Type: ct}), nil
}

// concat binds ||. As in PostgreSQL, text concatenates with a value of any
// other type through that value's text form; two non-text operands have no
// || operator.
func (b *binder) concat(l, r expr.Expr, loc int32) (expr.Expr, error) {
	if e, ok, err := b.arrayConcat(l, r, loc); ok || err != nil {
		return e, err
	}
	_, lUnknown := l.(*unknownLit)
	_, rUnknown := r.(*unknownLit)
	lNull, rNull := lUnknown || l.DataType().ID() == arrow.NULL, rUnknown || r.DataType().ID() == arrow.NULL
	if lb, rb := l.DataType().ID() == arrow.BINARY, r.DataType().ID() == arrow.BINARY; lb && (rb || rNull) || rb && lNull {
		// bytea || bytea
		var err error
		if l, err = b.cast(l, typeBytea, loc); err != nil {
			return nil, err
		}
		if r, err = b.cast(r, typeBytea, loc); err != nil {
			return nil, err
		}
		return &expr.Call{Func: "bytea_concat", Args: []expr.Expr{l, r}, Type: typeBytea}, nil
	}
	l, r = b.resolveUnknown(l), b.resolveUnknown(r)
	lText := category(l.DataType()) == catString || lUnknown
	rText := category(r.DataType()) == catString || rUnknown
	if !lText && !rText {
		return nil, b.errorf(pgerror.UndefinedFunction, loc, "operator does not exist: %s || %s", typeName(l.DataType()), typeName(r.DataType())).
			WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
	}
	var err error
	if l, err = b.cast(l, typeText, loc); err != nil {
		return nil, err
	}
	if r, err = b.cast(r, typeText, loc); err != nil {
		return nil, err
	}
	return &expr.Binary{Op: expr.Concat, Left: l, Right: r, Type: typeText}, nil
}

// decimalArith binds numeric arithmetic. Each operand keeps its own scale
// (an integer operand has scale 0), and the result scale follows
// PostgreSQL: the larger scale for + and -, their sum for *.
func (b *binder) decimalArith(op expr.Op, l, r expr.Expr, common *arrow.Decimal128Type, loc int32) (expr.Expr, error) {
	var err error
	if l, err = b.cast(l, &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: -1}, loc); err != nil {
		return nil, err
	}
	if r, err = b.cast(r, &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: -1}, loc); err != nil {
		return nil, err
	}
	ld, rd := l.DataType().(*arrow.Decimal128Type), r.DataType().(*arrow.Decimal128Type)
	var res *arrow.Decimal128Type
	switch op {
	case expr.Add, expr.Sub, expr.Mod:
		scale := max(ld.Scale, rd.Scale)
		digits := max(ld.Precision-ld.Scale, rd.Precision-rd.Scale) + 1
		res = &arrow.Decimal128Type{Precision: min(maxNumericPrecision, digits+scale), Scale: scale}
	case expr.Mul:
		res = &arrow.Decimal128Type{Precision: min(maxNumericPrecision, ld.Precision+rd.Precision+1), Scale: ld.Scale + rd.Scale}
	case expr.Div:
		// A quotient's scale depends on the operands' values.
		return &expr.Binary{Op: op, Left: l, Right: r, Type: pgtypes.Numeric()}, nil
	default:
		return nil, b.unsupported(loc, "numeric operator %s is not supported yet", op)
	}
	_ = common
	return &expr.Binary{Op: op, Left: l, Right: r, Type: res}, nil
}

func isPerValueNumeric(dt arrow.DataType) bool {
	_, ok := dt.(*pgtypes.NumericType)
	return ok
}

// perValueNumeric binds an operator with a numeric operand whose values
// carry their own scale (an avg() result, a quotient): the other operand
// becomes numeric too, and so does an arithmetic result.
func (b *binder) perValueNumeric(op expr.Op, l, r expr.Expr, loc int32, noOp func() error) (expr.Expr, error) {
	var err error
	if rank := max(numericRank(l.DataType()), numericRank(r.DataType())); rank == 5 || rank == 6 {
		// numeric with a float is double precision, as in PostgreSQL.
		if l, err = b.cast(l, typeFloat8, loc); err != nil {
			return nil, err
		}
		if r, err = b.cast(r, typeFloat8, loc); err != nil {
			return nil, err
		}
		return b.binary(op, l, r, loc)
	}
	for _, side := range []*expr.Expr{&l, &r} {
		dt := (*side).DataType()
		if isPerValueNumeric(dt) {
			continue
		}
		if category(dt) != catNumeric || numericRank(dt) > 4 {
			return nil, noOp()
		}
		// A comparison's operands take one type, so that it can also
		// be a join's or a grouping's key; arithmetic reads decimals as
		// they are.
		to := arrow.DataType(&arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: -1})
		if op.IsComparison() {
			to = pgtypes.Numeric()
		}
		if *side, err = b.cast(*side, to, loc); err != nil {
			return nil, err
		}
	}
	switch {
	case op.IsComparison():
		return &expr.Binary{Op: op, Left: l, Right: r, Type: typeBool}, nil
	case op == expr.Add || op == expr.Sub || op == expr.Mul || op == expr.Div || op == expr.Mod:
		return &expr.Binary{Op: op, Left: l, Right: r, Type: pgtypes.Numeric()}, nil
	}
	return nil, b.unsupported(loc, "operator %s on numeric values is not supported yet", op)
}

// unknownTarget is the type an unknown constant takes opposite dt.
func unknownTarget(dt arrow.DataType) arrow.DataType {
	if d, ok := dt.(*arrow.Decimal128Type); ok {
		return &arrow.Decimal128Type{Precision: d.Precision, Scale: -1}
	}
	return dt
}

// foldConstant evaluates an operator whose operands are all constants.
// Only the cases the binder needs at plan time are folded here; the
// optimizer's rule does the general work.
func foldConstant(e expr.Expr) expr.Expr {
	switch n := e.(type) {
	case *expr.Negate:
		if lit, ok := n.Input.(*expr.Literal); ok && lit.Value.IsValid() {
			switch v := lit.Value.(type) {
			case *scalar.Int32:
				if v.Value != -1<<31 {
					return &expr.Literal{Value: scalar.NewInt32Scalar(-v.Value)}
				}
			case *scalar.Int64:
				if v.Value != -1<<63 {
					return &expr.Literal{Value: scalar.NewInt64Scalar(-v.Value)}
				}
			case *scalar.Float64:
				return &expr.Literal{Value: scalar.NewFloat64Scalar(-v.Value)}
			case *scalar.Decimal128:
				return &expr.Literal{Value: scalar.NewDecimal128Scalar(v.Value.Negate(), v.Type)}
			}
		}
	}
	return e
}

// commonResultType unifies the types of CASE results or COALESCE
// arguments, as PostgreSQL's select_common_type does for the types riffq
// has; untyped constants take the others' type, or text.
func (b *binder) commonResultType(es []expr.Expr, locs []int32, what string) (arrow.DataType, error) {
	var ct arrow.DataType
	for i, e := range es {
		if _, ok := e.(*unknownLit); ok {
			continue
		}
		if isBareNull(e) {
			continue
		}
		if ct == nil {
			ct = e.DataType()
			continue
		}
		next := resultType(ct, e.DataType())
		if next == nil {
			return nil, b.errorf(pgerror.DatatypeMismatch, locs[i], "%s types %s and %s cannot be matched", what, typeName(ct), typeName(e.DataType()))
		}
		ct = next
	}
	if ct == nil {
		ct = typeText
	}
	return ct, nil
}

// bindCase binds CASE [arg] WHEN ... THEN ... [ELSE ...] END.
func (b *binder) bindCase(ce *pg_query.CaseExpr, ectx exprContext) (expr.Expr, error) {
	var arg expr.Expr
	if ce.Arg != nil {
		var err error
		if arg, err = b.bindExpr(ce.Arg, ectx); err != nil {
			return nil, err
		}
	}
	out := &expr.Case{}
	var results []expr.Expr
	var locs []int32
	for _, wn := range ce.Args {
		w := wn.GetCaseWhen()
		cond, err := b.bindExpr(w.Expr, ectx)
		if err != nil {
			return nil, err
		}
		if arg != nil {
			if cond, err = b.binary(expr.Eq, arg, cond, w.Location); err != nil {
				return nil, err
			}
		}
		if cond, err = b.coerceBool(cond, nodeLocation(w.Expr), "argument of CASE/WHEN"); err != nil {
			return nil, err
		}
		res, err := b.bindExpr(w.Result, ectx)
		if err != nil {
			return nil, err
		}
		out.Whens = append(out.Whens, expr.When{Cond: cond, Result: res})
		results = append(results, res)
		locs = append(locs, nodeLocation(w.Result))
	}
	if ce.Defresult != nil {
		e, err := b.bindExpr(ce.Defresult, ectx)
		if err != nil {
			return nil, err
		}
		out.Else = e
		// PostgreSQL unifies the ELSE result first.
		results = append([]expr.Expr{e}, results...)
		locs = append([]int32{nodeLocation(ce.Defresult)}, locs...)
	}
	ct, err := b.commonResultType(results, locs, "CASE")
	if err != nil {
		return nil, err
	}
	inputs := results
	if out.Else == nil {
		inputs = append([]expr.Expr{&expr.Literal{Value: scalar.MakeNullScalar(arrow.Null)}}, results...) // ELSE NULL
	}
	decl := b.inputsDeclared(inputs, ct)
	_, bpchar := bpcharResults(results)
	if bpchar {
		for i := range out.Whens {
			out.Whens[i].Result = unpadded(out.Whens[i].Result)
		}
		if out.Else != nil {
			out.Else = unpadded(out.Else)
		}
	}
	out.Type = ct
	for i := range out.Whens {
		if out.Whens[i].Result, err = b.castResult(out.Whens[i].Result, ct, ce.Location); err != nil {
			return nil, err
		}
	}
	if out.Else != nil {
		if out.Else, err = b.castResult(out.Else, ct, ce.Location); err != nil {
			return nil, err
		}
	}
	b.setDeclared(out, decl)
	if bpchar {
		return asBpchar(out), nil // a character value, read as its text
	}
	return out, nil
}

// castResult converts a CASE branch or COALESCE argument to the common type.
func (b *binder) castResult(e expr.Expr, t arrow.DataType, loc int32) (expr.Expr, error) {
	if isBareNull(e) {
		return &expr.Literal{Value: scalar.MakeNullScalar(t)}, nil
	}
	return b.cast(e, t, loc)
}

// bindExprs binds a list of expressions (function arguments and the like).
func (b *binder) bindExprs(nodes []*pg_query.Node, ectx exprContext) ([]expr.Expr, error) {
	out := make([]expr.Expr, len(nodes))
	for i, n := range nodes {
		e, err := b.bindExpr(n, ectx)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// bindCoalesce binds COALESCE(a, b, ...) as CASE WHEN a IS NOT NULL THEN a
// ... ELSE last END, which evaluates as lazily as PostgreSQL does.
func (b *binder) bindCoalesce(ce *pg_query.CoalesceExpr, ectx exprContext) (expr.Expr, error) {
	args := make([]expr.Expr, len(ce.Args))
	locs := make([]int32, len(ce.Args))
	for i, a := range ce.Args {
		e, err := b.bindExpr(a, ectx)
		if err != nil {
			return nil, err
		}
		args[i], locs[i] = e, nodeLocation(a)
	}
	ct, err := b.commonResultType(args, locs, "COALESCE")
	if err != nil {
		return nil, err
	}
	decl := b.inputsDeclared(args, ct)
	padded, bpchar := bpcharResults(args)
	if bpchar {
		args = padded
	}
	out := &expr.Case{Type: ct}
	for i, a := range args {
		if args[i], err = b.castResult(a, ct, ce.Location); err != nil {
			return nil, err
		}
		if i < len(args)-1 {
			out.Whens = append(out.Whens, expr.When{Cond: &expr.IsNull{Input: args[i], Negated: true}, Result: args[i]})
		}
	}
	out.Else = args[len(args)-1]
	b.setDeclared(out, decl)
	if bpchar {
		return asBpchar(out), nil
	}
	return out, nil
}

// bindMinMax binds GREATEST and LEAST, which ignore NULLs (NULL only when
// every argument is), as a chain of CASEs over their common type.
func (b *binder) bindMinMax(mm *pg_query.MinMaxExpr, ectx exprContext) (expr.Expr, error) {
	name, op := "GREATEST", expr.Gt
	if mm.Op == pg_query.MinMaxOp_IS_LEAST {
		name, op = "LEAST", expr.Lt
	}
	args := make([]expr.Expr, len(mm.Args))
	locs := make([]int32, len(mm.Args))
	for i, a := range mm.Args {
		e, err := b.bindExpr(a, ectx)
		if err != nil {
			return nil, err
		}
		args[i], locs[i] = e, nodeLocation(a)
	}
	ct, err := b.commonResultType(args, locs, name)
	if err != nil {
		return nil, err
	}
	decl := b.inputsDeclared(args, ct)
	var acc expr.Expr
	for i, a := range args {
		if args[i], err = b.castResult(a, ct, mm.Location); err != nil {
			return nil, err
		}
		if acc == nil {
			acc = args[i]
			continue
		}
		better, err := b.binary(op, args[i], acc, mm.Location)
		if err != nil {
			return nil, err
		}
		acc = &expr.Case{Whens: []expr.When{
			{Cond: &expr.IsNull{Input: acc}, Result: args[i]},
			{Cond: &expr.IsNull{Input: args[i]}, Result: acc},
			{Cond: better, Result: args[i]},
		}, Else: acc, Type: ct}
	}
	b.setDeclared(acc, decl)
	return acc, nil
}

// bindNullIf binds NULLIF(a, b) as CASE WHEN a = b THEN NULL ELSE a END.
func (b *binder) bindNullIf(ae *pg_query.A_Expr, ectx exprContext) (expr.Expr, error) {
	l, r, err := b.bindOperands(ae, ectx)
	if err != nil {
		return nil, err
	}
	// The result has the type the = operator takes its left operand as:
	// nullif(NULL, 1) is an integer, nullif(2, 1.5) numeric; integers
	// keep theirs (int4 = int8 is an operator of its own).
	_, lUnknown := l.(*unknownLit)
	if eq, err := b.binary(expr.Eq, l, r, ae.Location); err == nil && (lUnknown || !crossTypeEquality(l.DataType(), r.DataType())) {
		if bin, ok := eq.(*expr.Binary); ok && !arrow.TypeEqual(bin.Left.DataType(), l.DataType()) &&
			(lUnknown || numericRank(l.DataType()) > 3 || numericRank(bin.Left.DataType()) > 3 || numericRank(l.DataType()) == 0) {
			to := bin.Left.DataType()
			if to.ID() == arrow.DECIMAL128 && !lUnknown {
				to = unconstrainedNumeric(l.DataType()) // 2::numeric is 2, not 2.0
			}
			if l, err = b.cast(b.resolveUnknown(l), to, ae.Location); err != nil {
				return nil, err
			}
		}
	}
	l = b.resolveUnknown(l)
	eq, err := b.binary(expr.Eq, l, r, ae.Location)
	if err != nil {
		return nil, err
	}
	out := &expr.Case{Whens: []expr.When{{Cond: eq, Result: &expr.Literal{Value: scalar.MakeNullScalar(l.DataType())}}}, Else: l, Type: l.DataType()}
	if decl := b.declaredOf(l); !isVarcharType(decl) {
		// NULLIF(a, b) is of the type = takes a as: a's own, but text
		// for a varchar (texteq).
		b.setDeclared(out, decl)
	}
	return out, nil
}

// crossTypeEquality reports whether PostgreSQL's = for types l and r takes
// its left operand as it is: integers of any width and real with double
// precision have operators of their own, a number of a higher rank than
// the right one's stays (real = numeric casts the numeric), and dates
// compare with timestamps. NULLIF(l, r) then keeps l's type
// (nullif(real, numeric) is real, nullif(date, timestamp) a date).
func crossTypeEquality(l, r arrow.DataType) bool {
	integer := func(t arrow.DataType) bool { n := numericRank(t); return n >= 1 && n <= 3 }
	float := func(t arrow.DataType) bool { return t.ID() == arrow.FLOAT32 || t.ID() == arrow.FLOAT64 }
	datetime := func(t arrow.DataType) bool { return t.ID() == arrow.DATE32 || t.ID() == arrow.TIMESTAMP }
	return integer(l) && integer(r) || float(l) && (float(r) || numericRank(r) > 0) || datetime(l) && datetime(r)
}

// intervalScale binds interval * number, number * interval and
// interval / number: the number is double precision, as PostgreSQL's
// interval_mul and interval_div take it.
func (b *binder) intervalScale(op expr.Op, l, r expr.Expr, loc int32) (expr.Expr, bool, error) {
	isInterval := func(e expr.Expr) bool {
		_, unknown := e.(*unknownLit)
		return !unknown && e.DataType().ID() == arrow.INTERVAL_MONTH_DAY_NANO
	}
	isNumber := func(e expr.Expr) bool {
		_, unknown := e.(*unknownLit)
		return unknown || numericRank(e.DataType()) > 0 || isPerValueNumeric(e.DataType())
	}
	if op == expr.Mul && isNumber(l) && isInterval(r) {
		l, r = r, l
	}
	if !isInterval(l) || !isNumber(r) {
		return nil, false, nil
	}
	var err error
	if u, ok := r.(*unknownLit); ok {
		r, err = b.resolveAs(u, typeFloat8)
	} else {
		r, err = b.cast(r, typeFloat8, loc)
	}
	if err != nil {
		return nil, true, err
	}
	fn := "interval_mul"
	if op == expr.Div {
		fn = "interval_div"
	}
	return &expr.Call{Func: fn, Args: []expr.Expr{l, r}, Type: typeInterval}, true, nil
}
