package planner

import (
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/pgerror"
)

// distinct removes duplicate rows from p, as a grouping on every column.
func distinct(p Plan) Plan {
	schema := p.Schema()
	agg := &Aggregate{Input: p}
	for i, f := range schema.Fields() {
		agg.GroupBy = append(agg.GroupBy, &expr.Column{Index: i, Name: f.Name, Type: f.Type})
		agg.Names = append(agg.Names, f.Name)
	}
	return agg
}

// bindSetOp binds UNION [ALL] of two queries, with the ORDER BY and LIMIT
// that apply to the combined result.
func (b *binder) bindSetOp(s *pg_query.SelectStmt) (Plan, error) {
	opName := map[pg_query.SetOperation]string{pg_query.SetOperation_SETOP_UNION: "UNION",
		pg_query.SetOperation_SETOP_INTERSECT: "INTERSECT", pg_query.SetOperation_SETOP_EXCEPT: "EXCEPT"}[s.Op]
	left, err := b.bindSelect(s.Larg)
	if err != nil {
		return nil, err
	}
	right, err := b.bindSelect(s.Rarg)
	if err != nil {
		return nil, err
	}
	ls, rs := left.Schema(), right.Schema()
	// Errors point at the right query's select list, as PostgreSQL's do.
	targetLoc := func(i int) int32 {
		if tl := s.Rarg.TargetList; i < len(tl) {
			return tl[i].GetResTarget().GetLocation()
		}
		return -1
	}
	if ls.NumFields() != rs.NumFields() {
		return nil, b.errorf(pgerror.SyntaxError, targetLoc(0), "each %s query must have the same number of columns", opName)
	}
	types := make([]arrow.DataType, ls.NumFields())
	for i := range types {
		lt, rt := ls.Field(i).Type, rs.Field(i).Type
		if lt.ID() == arrow.NULL {
			lt = rt
		}
		if rt.ID() == arrow.NULL {
			rt = lt
		}
		// An untyped string constant takes the other side's type, as
		// PostgreSQL resolves unknown against the known type.
		switch {
		case b.untypedColumn(left, i) != nil && b.untypedColumn(right, i) == nil:
			if lt, err = b.typeUntyped(left, i, rt); err != nil {
				return nil, err
			}
			varcharUntyped(left, i, planDeclared(right, i))
		case b.untypedColumn(right, i) != nil && b.untypedColumn(left, i) == nil:
			if rt, err = b.typeUntyped(right, i, lt); err != nil {
				return nil, err
			}
			varcharUntyped(right, i, planDeclared(left, i))
		}
		if types[i] = resultType(lt, rt); types[i] == nil {
			return nil, b.errorf(pgerror.DatatypeMismatch, targetLoc(i), "%s types %s and %s cannot be matched", opName, typeName(lt), typeName(rt))
		}
	}
	if left, err = b.castColumns(left, types); err != nil {
		return nil, err
	}
	if right, err = b.castColumns(right, types); err != nil {
		return nil, err
	}
	var plan Plan
	switch s.Op {
	case pg_query.SetOperation_SETOP_UNION:
		plan = &Union{Parts: []Plan{left, right}}
		if !s.All {
			plan = distinct(plan)
		}
	default:
		if s.All {
			plan = intersectExceptAll(left, right, s.Op == pg_query.SetOperation_SETOP_INTERSECT)
		} else {
			plan = intersectExcept(left, right, s.Op == pg_query.SetOperation_SETOP_INTERSECT)
		}
	}
	return b.orderAndLimit(plan, s, "a UNION")
}

// untypedColumn returns the untyped string constant that column i of p,
// a branch of a set operation, is; nil when it is something else.
func (b *binder) untypedColumn(p Plan, i int) *unknownLit {
	pr, ok := p.(*Project)
	if !ok || i >= len(pr.Exprs) {
		return nil
	}
	lit, _ := pr.Exprs[i].(*expr.Literal)
	return b.untyped[lit]
}

// varcharUntyped marks column i of p, an untyped constant now typed as
// the other branch's column, as varchar when that column, of declared type
// other, is one: 'x' UNION SELECT v::varchar(3) is varchar (without a
// length), as in PostgreSQL.
func varcharUntyped(p Plan, i int, other string) {
	if pr, ok := p.(*Project); ok && isVarcharType(other) {
		pr.Exprs[i] = declaredAs(pr.Exprs[i], "character varying")
	}
}

// typeUntyped reads the untyped constant of column i of p as type t (a
// numeric keeps its own scale) and returns the type it took; bad input
// is an error at the constant.
func (b *binder) typeUntyped(p Plan, i int, t arrow.DataType) (arrow.DataType, error) {
	u := b.untypedColumn(p, i)
	var e expr.Expr
	if u.null {
		e = &expr.Literal{Value: scalar.MakeNullScalar(t)}
	} else if v, ok := numericLiteral(u.text); ok && t.ID() == arrow.DECIMAL128 {
		e = &expr.Literal{Value: v}
	} else {
		var err error
		if e, err = b.resolveAs(u, t); err != nil {
			return nil, err
		}
	}
	pr := p.(*Project)
	pr.Exprs[i] = e
	return e.DataType(), nil
}

// orderAndLimit applies the ORDER BY and LIMIT of s to plan, a set
// operation or VALUES whose output columns ORDER BY may name.
func (b *binder) orderAndLimit(plan Plan, s *pg_query.SelectStmt, what string) (Plan, error) {
	schema := plan.Schema()
	var keys []SortKey
	for _, n := range s.SortClause {
		sb := n.GetSortBy()
		exprs := make([]expr.Expr, schema.NumFields())
		names := make([]string, schema.NumFields())
		for i, f := range schema.Fields() {
			exprs[i] = &expr.Column{Index: i, Name: f.Name, Type: f.Type}
			names[i] = f.Name
		}
		idx, err := b.bindSortTarget(sb.Node, exprs, names, exprContext{scope: &scope{}})
		if err != nil {
			return nil, err
		}
		if idx < 0 {
			// A name that is not an output column does not exist (42703);
			// an expression over them PostgreSQL refuses for a set
			// operation, and riffq for VALUES too.
			if _, err := b.bindExpr(sb.Node, exprContext{scope: tableScope("", schema, nil)}); err != nil {
				return nil, err
			}
			if what == "VALUES" {
				return nil, b.unsupported(sb.Location, "ORDER BY on %s must name an output column", what)
			}
			return nil, b.errorf(pgerror.FeatureNotSupported, nodeLocation(sb.Node), "invalid UNION/INTERSECT/EXCEPT ORDER BY clause").
				WithDetail("Only result column names can be used, not expressions or functions.")
		}
		key, err := b.sortKey(sb, idx)
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	if len(keys) > 0 {
		plan = &Sort{Input: plan, Keys: keys}
	}
	return b.limit(plan, s)
}

// castColumns projects p's columns to the given types where they differ.
func (b *binder) castColumns(p Plan, types []arrow.DataType) (Plan, error) {
	schema := p.Schema()
	same := true
	exprs := make([]expr.Expr, len(types))
	names := make([]string, len(types))
	for i, f := range schema.Fields() {
		var e expr.Expr = &expr.Column{Index: i, Name: f.Name, Type: f.Type}
		if !arrow.TypeEqual(f.Type, types[i]) {
			same = false
			var err error
			if f.Type.ID() == arrow.NULL {
				e = &expr.Cast{Input: e, Type: types[i]}
			} else if e, err = b.cast(e, types[i], -1); err != nil {
				return nil, err
			}
		}
		exprs[i], names[i] = e, f.Name
	}
	if same {
		return p, nil
	}
	return &Project{Input: p, Exprs: exprs, Names: names}, nil
}

// sideCounts groups the rows of both inputs, each row tagged with its
// side, and counts per distinct row how many each side has: the output is
// the columns, then the left and right counts (numeric). Grouping treats
// NULLs as equal, as set operations must.
func sideCounts(left, right Plan) (agg *Aggregate, n int, lcount, rcount *expr.Column) {
	tag := func(p Plan, l, r int64) Plan {
		schema := p.Schema()
		var exprs []expr.Expr
		var names []string
		for i, f := range schema.Fields() {
			exprs = append(exprs, &expr.Column{Index: i, Name: f.Name, Type: f.Type})
			names = append(names, f.Name)
		}
		exprs = append(exprs, &expr.Literal{Value: scalar.NewInt64Scalar(l)}, &expr.Literal{Value: scalar.NewInt64Scalar(r)})
		names = append(names, "?left?", "?right?")
		return &Project{Input: p, Exprs: exprs, Names: names}
	}
	union := &Union{Parts: []Plan{tag(left, 1, 0), tag(right, 0, 1)}}
	schema := union.Schema()
	n = schema.NumFields() - 2
	agg = &Aggregate{Input: union}
	for i := range n {
		f := schema.Field(i)
		agg.GroupBy = append(agg.GroupBy, &expr.Column{Index: i, Name: f.Name, Type: f.Type})
		agg.Names = append(agg.Names, f.Name)
	}
	countType := &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: 0}
	for i, name := range []string{"?left?", "?right?"} {
		agg.Aggs = append(agg.Aggs, &expr.Aggregate{Func: expr.Sum, Arg: &expr.Column{Index: n + i, Name: name, Type: typeInt8}, Type: countType})
		agg.Names = append(agg.Names, name)
	}
	lcount = &expr.Column{Index: n, Name: "?left?", Type: countType}
	rcount = &expr.Column{Index: n + 1, Name: "?right?", Type: countType}
	return agg, n, lcount, rcount
}

// columnsOf projects the first n columns of p.
func columnsOf(p Plan, n int) Plan {
	schema := p.Schema()
	out := &Project{Input: p}
	for i := range n {
		f := schema.Field(i)
		out.Exprs = append(out.Exprs, &expr.Column{Index: i, Name: f.Name, Type: f.Type})
		out.Names = append(out.Names, f.Name)
	}
	return out
}

// intersectExcept plans INTERSECT and EXCEPT (without ALL): a distinct row
// is kept when both sides have it (INTERSECT) or only the left one does
// (EXCEPT).
func intersectExcept(left, right Plan, intersect bool) Plan {
	agg, n, lcount, rcount := sideCounts(left, right)
	zero := &expr.Literal{Value: scalar.NewDecimal128Scalar(decimal128.FromI64(0), lcount.Type)}
	cond := &expr.Binary{Op: expr.Gt, Left: lcount, Right: zero, Type: typeBool}
	other := &expr.Binary{Op: expr.Eq, Left: rcount, Right: zero, Type: typeBool}
	if intersect {
		other = &expr.Binary{Op: expr.Gt, Left: rcount, Right: zero, Type: typeBool}
	}
	return columnsOf(&Filter{Input: agg, Predicate: &expr.Binary{Op: expr.And, Left: cond, Right: other, Type: typeBool}}, n)
}

// intersectExceptAll plans INTERSECT ALL and EXCEPT ALL: a row the left
// side has l times and the right r times comes min(l, r) times
// (INTERSECT ALL) or max(l - r, 0) times (EXCEPT ALL), repeated by
// generate_series over the count.
func intersectExceptAll(left, right Plan, intersect bool) Plan {
	agg, n, lcount, rcount := sideCounts(left, right)
	var times expr.Expr
	if intersect {
		times = &expr.Case{Whens: []expr.When{{Cond: &expr.Binary{Op: expr.Lt, Left: lcount, Right: rcount, Type: typeBool}, Result: lcount}},
			Else: rcount, Type: lcount.Type}
	} else {
		zero := &expr.Literal{Value: scalar.NewDecimal128Scalar(decimal128.FromI64(0), lcount.Type)}
		times = &expr.Case{Whens: []expr.When{{Cond: &expr.Binary{Op: expr.Gt, Left: lcount, Right: rcount, Type: typeBool},
			Result: &expr.Binary{Op: expr.Sub, Left: lcount, Right: rcount, Type: lcount.Type}}}, Else: zero, Type: lcount.Type}
	}
	schema := agg.Schema()
	set := &ProjectSet{Input: agg}
	for i := range n {
		f := schema.Field(i)
		set.Items = append(set.Items, SetItem{Expr: &expr.Column{Index: i, Name: f.Name, Type: f.Type}, Type: f.Type})
		set.Names = append(set.Names, f.Name)
	}
	set.Items = append(set.Items, SetItem{Func: "generate_series", Type: typeInt8,
		Args: []expr.Expr{&expr.Literal{Value: scalar.NewInt64Scalar(1)}, &expr.Cast{Input: times, Type: typeInt8}}})
	set.Names = append(set.Names, "?copy?")
	return columnsOf(set, n)
}

// bindValues binds VALUES (...), (...): each row is a projection of one
// row, the rows a union; a column's type is the common type of its
// values, as PostgreSQL resolves it, and columns are named column1, ...
func (b *binder) bindValues(s *pg_query.SelectStmt) (Plan, error) {
	lists := s.ValuesLists
	width := len(lists[0].GetList().GetItems())
	rows := make([][]expr.Expr, len(lists))
	locs := make([][]int32, len(lists))
	for i, l := range lists {
		items := l.GetList().GetItems()
		if len(items) != width {
			loc := int32(-1)
			if len(items) > 0 {
				loc = nodeLocation(items[0])
			}
			return nil, b.errorf(pgerror.SyntaxError, loc, "VALUES lists must all be the same length")
		}
		for _, it := range items {
			e, err := b.bindExpr(it, exprContext{scope: &scope{}})
			if err != nil {
				return nil, err
			}
			rows[i] = append(rows[i], e)
			locs[i] = append(locs[i], nodeLocation(it))
		}
	}
	names := make([]string, width)
	decls := make([]string, width)
	for j := range width {
		names[j] = "column" + strconv.Itoa(j+1)
		col := make([]expr.Expr, len(rows))
		colLocs := make([]int32, len(rows))
		for i := range rows {
			col[i], colLocs[i] = rows[i][j], locs[i][j]
		}
		padded, bpchar := bpcharResults(col)
		t, err := b.commonResultType(col, colLocs, "VALUES")
		if err != nil {
			return nil, err
		}
		decls[j] = b.inputsDeclared(col, t)
		for i := range rows {
			if bpchar {
				rows[i][j] = padded[i]
			}
			if rows[i][j], err = b.cast(rows[i][j], t, locs[i][j]); err != nil {
				return nil, err
			}
			if bpchar && !isBpchar(col[i]) {
				// An untyped constant or NULL in a character column.
				rows[i][j] = unpadded(toBpchar(rows[i][j], -1))
			}
		}
	}
	parts := make([]Plan, len(rows))
	for i, r := range rows {
		parts[i] = &Project{Input: OneRow{}, Exprs: r, Names: names}
	}
	plan := parts[0]
	if len(parts) > 1 {
		plan = &Union{Parts: parts}
	}
	if slices.ContainsFunc(decls, func(d string) bool { return d != "" }) {
		// The columns' declared types, marked once over all the rows.
		cols := make([]expr.Expr, width)
		for j, f := range plan.Schema().Fields() {
			cols[j] = declaredAs(&expr.Column{Index: j, Name: f.Name, Type: f.Type}, decls[j])
		}
		plan = &Project{Input: plan, Exprs: cols, Names: names}
	}
	return b.orderAndLimit(plan, s, "VALUES")
}
