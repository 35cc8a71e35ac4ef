package planner

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// binder resolves the names of one statement against the catalog and turns
// its parse tree into a logical plan, as PostgreSQL's analyzer does.
type binder struct {
	sql string
	cat *catalog.Catalog
	db  string
	// colLoc remembers where each bound column reference was written, for
	// errors found after binding (GROUP BY checks).
	colLoc map[*expr.Column]int32
	// params are the statement's parameters; describeOnly is set while a
	// statement is prepared, when parameters have types but no values.
	params       *paramSet
	describeOnly bool
	// ctes are the WITH queries in scope, innermost last.
	ctes []map[string]*pg_query.CommonTableExpr
	// sess answers current_user, current_setting() and the like; now is
	// the statement's start, for now() and CURRENT_TIMESTAMP.
	sess Session
	now  time.Time
	// outer are the scopes of the queries enclosing a subquery; a name
	// found only there makes the subquery correlated.
	outer []*scope
}

func (b *binder) errorf(code string, loc int32, format string, args ...any) *pgerror.Error {
	return pgerror.New(code, format, args...).WithPosition(position(b.sql, loc))
}

func (b *binder) unsupported(loc int32, format string, args ...any) *pgerror.Error {
	return b.errorf(pgerror.FeatureNotSupported, loc, format, args...)
}

// scopeColumn is a column visible to expressions.
type scopeColumn struct {
	table string // table name or alias
	name  string
	typ   arrow.DataType
	// hidden columns are the duplicates a JOIN ... USING merges: they are
	// reachable qualified (t.col) but not by a bare name or a bare *.
	hidden bool
}

type scope struct {
	cols   []scopeColumn
	tables []string
	// star is the order a bare * lists the columns in; nil means cols'
	// order. JOIN ... USING puts the merged columns first.
	star []int
}

// unknownLit is a string constant whose type is not decided yet: like
// PostgreSQL's "unknown", it takes the type its context needs.
type unknownLit struct {
	text  string
	param int // $n when the unknown is a parameter, else 0
	loc   int32
}

func (u *unknownLit) DataType() arrow.DataType { return typeText }
func (u *unknownLit) String() string {
	if u.param > 0 {
		return fmt.Sprintf("$%d", u.param)
	}
	return "'" + strings.ReplaceAll(u.text, "'", "''") + "'"
}

// aggRef stands for the result of the aggregate collected at index i, until
// the select list is rewritten over the Aggregate node's output.
type aggRef struct {
	i   int
	agg *expr.Aggregate
}

func (a *aggRef) DataType() arrow.DataType { return a.agg.Type }
func (a *aggRef) String() string           { return a.agg.String() }

// aggCollector gathers the distinct aggregate calls of a query.
type aggCollector struct {
	aggs []*expr.Aggregate
}

func (c *aggCollector) add(a *expr.Aggregate) *aggRef {
	for i, x := range c.aggs {
		if x.String() == a.String() {
			return &aggRef{i: i, agg: x}
		}
	}
	c.aggs = append(c.aggs, a)
	return &aggRef{i: len(c.aggs) - 1, agg: a}
}

// exprContext is what an expression may refer to where it is written.
type exprContext struct {
	scope  *scope
	aggs   *aggCollector // nil where aggregates are not allowed
	clause string        // for "aggregate functions are not allowed in WHERE"
}

// bindSelect plans a SELECT statement.
func (b *binder) bindSelect(s *pg_query.SelectStmt) (Plan, error) {
	if s.WithClause != nil {
		if s.WithClause.Recursive {
			return nil, b.unsupported(s.WithClause.Location, "WITH RECURSIVE is not supported yet")
		}
		ctes := make(map[string]*pg_query.CommonTableExpr)
		for _, n := range s.WithClause.Ctes {
			cte := n.GetCommonTableExpr()
			if _, dup := ctes[cte.Ctename]; dup {
				return nil, b.errorf("42712", cte.Location, "WITH query name %q specified more than once", cte.Ctename)
			}
			ctes[cte.Ctename] = cte
		}
		b.ctes = append(b.ctes, ctes)
		defer func() { b.ctes = b.ctes[:len(b.ctes)-1] }()
	}
	switch {
	case s.Op != pg_query.SetOperation_SETOP_NONE:
		return b.bindSetOp(s)
	case len(s.ValuesLists) > 0:
		return nil, b.unsupported(-1, "VALUES is not supported yet")
	case len(s.DistinctClause) > 1 || len(s.DistinctClause) == 1 && s.DistinctClause[0].Node != nil:
		return nil, b.unsupported(-1, "SELECT DISTINCT ON is not supported yet")
	case len(s.WindowClause) > 0:
		return nil, b.unsupported(-1, "WINDOW is not supported yet")
	case s.IntoClause != nil:
		return nil, b.unsupported(-1, "SELECT INTO is not supported")
	case len(s.LockingClause) > 0:
		return nil, b.unsupported(-1, "FOR UPDATE/SHARE is not supported")
	}

	input, sc, err := b.bindFrom(s.FromClause)
	if err != nil {
		return nil, err
	}
	if s.WhereClause != nil {
		pred, err := b.bindPredicate(s.WhereClause, exprContext{scope: sc, clause: "WHERE"})
		if err != nil {
			return nil, err
		}
		input = &Filter{Input: input, Predicate: pred}
	}

	targets, names, locs, err := b.expandTargets(s.TargetList, sc)
	if err != nil {
		return nil, err
	}

	grouped := len(s.GroupClause) > 0 || s.HavingClause != nil || hasAggregate(s.TargetList) || sortHasAggregate(s.SortClause)
	ectx := exprContext{scope: sc}
	var aggs *aggCollector
	var groups []expr.Expr
	if grouped {
		aggs = &aggCollector{}
		ectx.aggs = aggs
		for _, g := range s.GroupClause {
			e, err := b.bindGroupItem(g, targets, names, sc)
			if err != nil {
				return nil, err
			}
			groups = append(groups, e)
		}
	}

	exprs := make([]expr.Expr, len(targets))
	for i, t := range targets {
		e, err := b.bindExpr(t, ectx)
		if err != nil {
			return nil, err
		}
		exprs[i] = b.resolveUnknown(e)
		_ = locs
	}

	var having expr.Expr
	if s.HavingClause != nil {
		if having, err = b.bindPredicate(s.HavingClause, exprContext{scope: sc, aggs: aggs, clause: "HAVING"}); err != nil {
			return nil, err
		}
	}

	// ORDER BY items become output columns: existing ones by ordinal, name
	// or equal expression, others as hidden columns dropped at the end.
	visible := len(exprs)
	var keys []SortKey
	for _, n := range s.SortClause {
		sb := n.GetSortBy()
		idx, err := b.bindSortTarget(sb.Node, exprs, names, ectx)
		if err != nil {
			return nil, err
		}
		if idx < 0 {
			e, err := b.bindExpr(sb.Node, ectx)
			if err != nil {
				return nil, err
			}
			e = b.resolveUnknown(e)
			idx = len(exprs)
			for i, x := range exprs {
				if x.String() == e.String() {
					idx = i
					break
				}
			}
			if idx == len(exprs) {
				exprs = append(exprs, e)
				names = append(names, "?sort?")
			}
		}
		key, err := b.sortKey(sb, idx)
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}

	if grouped {
		agg := &Aggregate{Input: input, GroupBy: groups, Aggs: aggs.aggs}
		for _, g := range groups {
			agg.Names = append(agg.Names, g.String())
		}
		for _, a := range aggs.aggs {
			agg.Names = append(agg.Names, a.String())
		}
		input = agg
		for i, e := range exprs {
			if exprs[i], err = b.overAggregate(e, groups); err != nil {
				return nil, err
			}
		}
		if having != nil {
			pred, err := b.overAggregate(having, groups)
			if err != nil {
				return nil, err
			}
			input = &Filter{Input: input, Predicate: pred}
		}
	}

	var plan Plan = &Project{Input: input, Exprs: exprs, Names: names}
	if len(s.DistinctClause) == 1 {
		if len(exprs) > visible {
			return nil, b.errorf(pgerror.InvalidColumnReference, nodeLocation(s.SortClause[0].GetSortBy().Node), "for SELECT DISTINCT, ORDER BY expressions must appear in select list")
		}
		plan = distinct(plan)
	}
	if len(keys) > 0 {
		plan = &Sort{Input: plan, Keys: keys}
	}
	if plan, err = b.limit(plan, s); err != nil {
		return nil, err
	}
	if len(exprs) > visible {
		cols := make([]expr.Expr, visible)
		for i := range cols {
			cols[i] = &expr.Column{Index: i, Name: names[i], Type: exprs[i].DataType()}
		}
		plan = &Project{Input: plan, Exprs: cols, Names: names[:visible]}
	}
	return plan, nil
}

// bindFrom resolves the FROM clause: nothing, or one table.
func (b *binder) bindFrom(from []*pg_query.Node) (Plan, *scope, error) {
	if len(from) == 0 {
		return OneRow{}, &scope{}, nil
	}
	plan, sc, err := b.bindFromItem(from[0])
	if err != nil {
		return nil, nil, err
	}
	// FROM a, b is a cross join; WHERE conditions become its keys later.
	for _, item := range from[1:] {
		right, rsc, err := b.bindFromItem(item)
		if err != nil {
			return nil, nil, err
		}
		if sc, err = b.mergeScopes(sc, rsc, nodeLocation(item)); err != nil {
			return nil, nil, err
		}
		plan = &Join{Left: plan, Right: right, Type: InnerJoin}
	}
	return plan, sc, nil
}

func (b *binder) bindFromItem(n *pg_query.Node) (Plan, *scope, error) {
	switch {
	case n.GetRangeVar() != nil:
		return b.bindRangeVar(n.GetRangeVar())
	case n.GetJoinExpr() != nil:
		return b.bindJoin(n.GetJoinExpr())
	case n.GetRangeSubselect() != nil:
		return b.bindDerived(n.GetRangeSubselect())
	}
	return nil, nil, b.unsupported(-1, "this FROM item is not supported yet")
}

// mergeScopes combines the scopes of a join's two sides.
func (b *binder) mergeScopes(l, r *scope, loc int32) (*scope, error) {
	for _, t := range r.tables {
		if contains(l.tables, t) {
			return nil, b.errorf("42712", loc, "table name %q specified more than once", t)
		}
	}
	sc := &scope{tables: append(slices.Clone(l.tables), r.tables...), cols: append(slices.Clone(l.cols), r.cols...)}
	if l.star != nil || r.star != nil {
		sc.star = starOrder(l)
		for _, i := range starOrder(r) {
			sc.star = append(sc.star, len(l.cols)+i)
		}
	}
	return sc, nil
}

func starOrder(sc *scope) []int {
	if sc.star != nil {
		return sc.star
	}
	out := make([]int, len(sc.cols))
	for i := range out {
		out[i] = i
	}
	return out
}

var joinTypes = map[pg_query.JoinType]JoinType{
	pg_query.JoinType_JOIN_INNER: InnerJoin, pg_query.JoinType_JOIN_LEFT: LeftJoin,
	pg_query.JoinType_JOIN_RIGHT: RightJoin, pg_query.JoinType_JOIN_FULL: FullJoin,
}

// bindJoin binds a JOIN clause: ON, USING or NATURAL.
func (b *binder) bindJoin(je *pg_query.JoinExpr) (Plan, *scope, error) {
	if je.Alias != nil || je.JoinUsingAlias != nil {
		return nil, nil, b.unsupported(-1, "aliases of joins are not supported yet")
	}
	typ, ok := joinTypes[je.Jointype]
	if !ok {
		return nil, nil, b.unsupported(-1, "this join type is not supported")
	}
	left, lsc, err := b.bindFromItem(je.Larg)
	if err != nil {
		return nil, nil, err
	}
	right, rsc, err := b.bindFromItem(je.Rarg)
	if err != nil {
		return nil, nil, err
	}
	sc, err := b.mergeScopes(lsc, rsc, nodeLocation(je.Rarg))
	if err != nil {
		return nil, nil, err
	}
	join := &Join{Left: left, Right: right, Type: typ}
	nl := len(lsc.cols)
	var using []string
	for _, u := range je.UsingClause {
		using = append(using, u.GetString_().GetSval())
	}
	if je.IsNatural {
		for _, c := range lsc.cols {
			if c.hidden {
				continue
			}
			for _, rc := range rsc.cols {
				if !rc.hidden && rc.name == c.name && !slices.Contains(using, c.name) {
					using = append(using, c.name)
				}
			}
		}
	}
	switch {
	case len(using) > 0:
		if typ == FullJoin {
			return nil, nil, b.unsupported(-1, "FULL JOIN with USING or NATURAL is not supported yet")
		}
		var conds []expr.Expr
		var first []int
		for _, name := range using {
			li, _, lerr := b.lookupColumn(lsc, "", name, -1)
			ri, _, rerr := b.lookupColumn(rsc, "", name, -1)
			if lerr != nil {
				return nil, nil, b.errorf(pgerror.UndefinedColumn, -1, "column %q specified in USING clause does not exist in left table", name)
			}
			if rerr != nil {
				return nil, nil, b.errorf(pgerror.UndefinedColumn, -1, "column %q specified in USING clause does not exist in right table", name)
			}
			lc := &expr.Column{Index: li, Name: lsc.cols[li].table + "." + name, Type: lsc.cols[li].typ}
			rc := &expr.Column{Index: nl + ri, Name: rsc.cols[ri].table + "." + name, Type: rsc.cols[ri].typ}
			cond, err := b.binary(expr.Eq, lc, rc, -1)
			if err != nil {
				return nil, nil, err
			}
			conds = append(conds, cond)
			keep, hide := li, nl+ri
			if typ == RightJoin {
				keep, hide = nl+ri, li
			}
			sc.cols[hide].hidden = true
			first = append(first, keep)
		}
		join.On = and(conds)
		// A bare * lists the merged columns first, then the others.
		sc.star = first
		for _, i := range starOrder(&scope{cols: sc.cols, star: mergedStar(lsc, rsc)}) {
			if !sc.cols[i].hidden && !slices.Contains(first, i) {
				sc.star = append(sc.star, i)
			}
		}
	case je.Quals != nil:
		on, err := b.bindPredicate(je.Quals, exprContext{scope: sc, clause: "JOIN conditions"})
		if err != nil {
			return nil, nil, err
		}
		join.On = on
	}
	return join, sc, nil
}

func mergedStar(l, r *scope) []int {
	out := starOrder(l)
	for _, i := range starOrder(r) {
		out = append(out, len(l.cols)+i)
	}
	return out
}

// bindDerived binds a subquery in FROM: its select list becomes the
// columns of a table named by its alias.
func (b *binder) bindDerived(rs *pg_query.RangeSubselect) (Plan, *scope, error) {
	if rs.Lateral {
		return nil, nil, b.unsupported(-1, "LATERAL is not supported yet")
	}
	if rs.Alias == nil {
		return nil, nil, b.errorf(pgerror.SyntaxError, b.subqueryStart(rs.Subquery.GetSelectStmt()), "subquery in FROM must have an alias").
			WithHint("For example, FROM (SELECT ...) [AS] foo.")
	}
	sel := rs.Subquery.GetSelectStmt()
	if sel == nil {
		return nil, nil, b.unsupported(-1, "this subquery is not supported yet")
	}
	plan, err := b.bindSelect(sel)
	if err != nil {
		return nil, nil, err
	}
	alias := rs.Alias.Aliasname
	schema := plan.Schema()
	if len(rs.Alias.Colnames) > schema.NumFields() {
		return nil, nil, b.errorf("42P10", -1, "table %q has %d columns available but %d columns specified", alias, schema.NumFields(), len(rs.Alias.Colnames))
	}
	sc := &scope{tables: []string{alias}}
	for i, f := range schema.Fields() {
		name := f.Name
		if i < len(rs.Alias.Colnames) {
			name = rs.Alias.Colnames[i].GetString_().GetSval()
		}
		sc.cols = append(sc.cols, scopeColumn{table: alias, name: name, typ: f.Type})
	}
	return plan, sc, nil
}

// subqueryStart finds the "(" that opens a subquery, which the parse tree
// does not record: the parenthesis before the SELECT keyword that precedes
// the first select-list item.
func (b *binder) subqueryStart(sel *pg_query.SelectStmt) int32 {
	if sel == nil || len(sel.TargetList) == 0 {
		return -1
	}
	loc := int(sel.TargetList[0].GetResTarget().GetLocation())
	i := strings.LastIndex(strings.ToUpper(b.sql[:min(loc, len(b.sql))]), "SELECT")
	for i--; i >= 0; i-- {
		switch b.sql[i] {
		case ' ', '\t', '\n', '\r':
			continue
		case '(':
			return int32(i)
		}
		break
	}
	return -1
}

// bindRangeVar binds a table reference.
func (b *binder) bindRangeVar(rv *pg_query.RangeVar) (Plan, *scope, error) {
	if rv.Catalogname != "" && rv.Catalogname != b.db {
		return nil, nil, b.errorf(pgerror.FeatureNotSupported, rv.Location, "cross-database references are not implemented: %s.%s.%s", rv.Catalogname, rv.Schemaname, rv.Relname)
	}
	if rv.Schemaname == "" {
		for i := len(b.ctes) - 1; i >= 0; i-- {
			if cte, ok := b.ctes[i][rv.Relname]; ok {
				return b.bindCTE(cte, rv, i)
			}
		}
	}
	t, ok := b.cat.LookupTable(b.db, rv.Schemaname, rv.Relname)
	if !ok {
		name := rv.Relname
		if rv.Schemaname != "" {
			name = rv.Schemaname + "." + name
		}
		return nil, nil, b.errorf(pgerror.UndefinedTable, rv.Location, "relation %q does not exist", name)
	}
	alias := rv.Relname
	if rv.Alias != nil {
		alias = rv.Alias.Aliasname
		if len(rv.Alias.Colnames) > 0 {
			return nil, nil, b.unsupported(rv.Location, "column aliases in FROM are not supported yet")
		}
	}
	sc := &scope{tables: []string{alias}}
	for _, f := range t.Provider.Schema().Fields() {
		sc.cols = append(sc.cols, scopeColumn{table: alias, name: f.Name, typ: f.Type})
	}
	return &Scan{Table: t, Limit: -1}, sc, nil
}

// expandTargets expands * and returns the select list's expressions with
// their output names.
func (b *binder) expandTargets(list []*pg_query.Node, sc *scope) (nodes []*pg_query.Node, names []string, locs []int32, err error) {
	for _, n := range list {
		rt := n.GetResTarget()
		if cr := rt.Val.GetColumnRef(); cr != nil && isStar(cr) {
			var table string
			if len(cr.Fields) == 2 {
				table = cr.Fields[0].GetString_().GetSval()
				if !contains(sc.tables, table) {
					return nil, nil, nil, b.errorf(pgerror.UndefinedTable, cr.Location, "missing FROM-clause entry for table %q", table)
				}
			}
			if len(sc.tables) == 0 {
				return nil, nil, nil, b.errorf(pgerror.SyntaxError, cr.Location, "SELECT * with no tables specified is not valid")
			}
			order := starOrder(sc)
			if table != "" {
				order = starOrder(&scope{cols: sc.cols})
			}
			for _, i := range order {
				c := sc.cols[i]
				if (table != "" && c.table != table) || (table == "" && c.hidden) {
					continue
				}
				nodes = append(nodes, columnRefNode(c.table, c.name, cr.Location))
				names = append(names, c.name)
				locs = append(locs, cr.Location)
			}
			continue
		}
		nodes = append(nodes, rt.Val)
		name := rt.Name
		if name == "" {
			name = figureColname(rt.Val)
		}
		names = append(names, name)
		locs = append(locs, rt.Location)
	}
	return nodes, names, locs, nil
}

func isStar(cr *pg_query.ColumnRef) bool {
	return len(cr.Fields) > 0 && cr.Fields[len(cr.Fields)-1].GetAStar() != nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func columnRefNode(table, name string, loc int32) *pg_query.Node {
	return &pg_query.Node{Node: &pg_query.Node_ColumnRef{ColumnRef: &pg_query.ColumnRef{
		Fields:   []*pg_query.Node{pg_query.MakeStrNode(table), pg_query.MakeStrNode(name)},
		Location: loc,
	}}}
}

// figureColname names an unaliased select-list item as PostgreSQL's
// FigureColname does.
func figureColname(n *pg_query.Node) string {
	name, strength := figureColnameStrength(n)
	if strength == 0 {
		return "?column?"
	}
	return name
}

// figureColnameStrength returns a name and how good it is: 2 for a real
// name (a column, a function), 1 for a fallback ("case", a type name).
func figureColnameStrength(n *pg_query.Node) (string, int) {
	switch {
	case n == nil:
		return "", 0
	case n.GetColumnRef() != nil:
		f := n.GetColumnRef().Fields
		if s := f[len(f)-1].GetString_(); s != nil {
			return s.Sval, 2
		}
	case n.GetFuncCall() != nil:
		f := n.GetFuncCall().Funcname
		return f[len(f)-1].GetString_().GetSval(), 2
	case n.GetTypeCast() != nil:
		tc := n.GetTypeCast()
		if name, s := figureColnameStrength(tc.Arg); s > 1 {
			return name, s
		}
		names := tc.TypeName.Names
		return names[len(names)-1].GetString_().GetSval(), 1
	case n.GetCaseExpr() != nil:
		if name, s := figureColnameStrength(n.GetCaseExpr().Defresult); s > 1 {
			return name, s
		}
		return "case", 1
	case n.GetCoalesceExpr() != nil:
		return "coalesce", 2
	case n.GetSqlvalueFunction() != nil:
		return sqlValueNames[n.GetSqlvalueFunction().Op], 2
	case n.GetSubLink() != nil:
		sl := n.GetSubLink()
		switch sl.SubLinkType {
		case pg_query.SubLinkType_EXISTS_SUBLINK:
			return "exists", 2
		case pg_query.SubLinkType_ARRAY_SUBLINK:
			return "array", 2
		case pg_query.SubLinkType_EXPR_SUBLINK:
			if tl := sl.Subselect.GetSelectStmt().GetTargetList(); len(tl) > 0 {
				if rt := tl[0].GetResTarget(); rt.Name != "" {
					return rt.Name, 2
				} else if name, s := figureColnameStrength(rt.Val); s > 1 {
					return name, s
				}
			}
		}
	case n.GetAExpr() != nil && n.GetAExpr().Kind == pg_query.A_Expr_Kind_AEXPR_NULLIF:
		return "nullif", 2
	}
	return "", 0
}

func hasAggregate(targets []*pg_query.Node) bool {
	for _, t := range targets {
		if nodeHasAggregate(t.GetResTarget().GetVal()) {
			return true
		}
	}
	return false
}

func sortHasAggregate(sorts []*pg_query.Node) bool {
	for _, s := range sorts {
		if nodeHasAggregate(s.GetSortBy().GetNode()) {
			return true
		}
	}
	return false
}

// nodeHasAggregate reports whether an aggregate call appears in n.
func nodeHasAggregate(n *pg_query.Node) bool {
	if n == nil {
		return false
	}
	switch {
	case n.GetFuncCall() != nil:
		fc := n.GetFuncCall()
		if isAggregateName(funcName(fc)) {
			return true
		}
		for _, a := range fc.Args {
			if nodeHasAggregate(a) {
				return true
			}
		}
	case n.GetAExpr() != nil:
		return nodeHasAggregate(n.GetAExpr().Lexpr) || nodeHasAggregate(n.GetAExpr().Rexpr)
	case n.GetBoolExpr() != nil:
		for _, a := range n.GetBoolExpr().Args {
			if nodeHasAggregate(a) {
				return true
			}
		}
	case n.GetNullTest() != nil:
		return nodeHasAggregate(n.GetNullTest().Arg)
	case n.GetTypeCast() != nil:
		return nodeHasAggregate(n.GetTypeCast().Arg)
	case n.GetCaseExpr() != nil:
		ce := n.GetCaseExpr()
		if nodeHasAggregate(ce.Arg) || nodeHasAggregate(ce.Defresult) {
			return true
		}
		for _, w := range ce.Args {
			if nodeHasAggregate(w.GetCaseWhen().Expr) || nodeHasAggregate(w.GetCaseWhen().Result) {
				return true
			}
		}
	case n.GetCoalesceExpr() != nil:
		for _, a := range n.GetCoalesceExpr().Args {
			if nodeHasAggregate(a) {
				return true
			}
		}
	}
	return false
}

func funcName(fc *pg_query.FuncCall) string {
	f := fc.Funcname
	return f[len(f)-1].GetString_().GetSval()
}

func isAggregateName(name string) bool {
	switch name {
	case "count", "sum", "min", "max", "avg", "bool_and", "bool_or", "every", "string_agg":
		return true
	}
	return false
}

// bindGroupItem binds a GROUP BY item: an output ordinal, an output name
// that is not an input column, or an expression over the input.
func (b *binder) bindGroupItem(n *pg_query.Node, targets []*pg_query.Node, names []string, sc *scope) (expr.Expr, error) {
	ectx := exprContext{scope: sc, clause: "GROUP BY"}
	if c := n.GetAConst(); c != nil && c.GetIval() != nil {
		i := int(c.GetIval().Ival)
		if i < 1 || i > len(targets) {
			return nil, b.errorf(pgerror.InvalidColumnReference, c.Location, "GROUP BY position %d is not in select list", i)
		}
		if nodeHasAggregate(targets[i-1]) {
			return nil, b.errorf(pgerror.GroupingError, c.Location, "aggregate functions are not allowed in GROUP BY")
		}
		e, err := b.bindExpr(targets[i-1], ectx)
		return b.resolveUnknown(e), err
	}
	if cr := n.GetColumnRef(); cr != nil && len(cr.Fields) == 1 {
		name := cr.Fields[0].GetString_().GetSval()
		if _, _, err := b.lookupColumn(sc, "", name, cr.Location); err != nil {
			for i, out := range names {
				if out == name {
					e, err := b.bindExpr(targets[i], ectx)
					return b.resolveUnknown(e), err
				}
			}
		}
	}
	e, err := b.bindExpr(n, ectx)
	return b.resolveUnknown(e), err
}

// bindSortTarget resolves an ORDER BY item that names an output column by
// ordinal or by name; it returns -1 for any other expression.
func (b *binder) bindSortTarget(n *pg_query.Node, exprs []expr.Expr, names []string, ectx exprContext) (int, error) {
	if c := n.GetAConst(); c != nil && c.GetIval() != nil {
		i := int(c.GetIval().Ival)
		if i < 1 || i > len(exprs) {
			return 0, b.errorf(pgerror.InvalidColumnReference, c.Location, "ORDER BY position %d is not in select list", i)
		}
		return i - 1, nil
	}
	if cr := n.GetColumnRef(); cr != nil && len(cr.Fields) == 1 && cr.Fields[0].GetString_() != nil {
		name := cr.Fields[0].GetString_().Sval
		found := -1
		for i, out := range names {
			if out == name {
				if found >= 0 && exprs[found].String() != exprs[i].String() {
					return 0, b.errorf(pgerror.AmbiguousColumn, cr.Location, "ORDER BY %q is ambiguous", name)
				}
				if found < 0 {
					found = i
				}
			}
		}
		return found, nil
	}
	return -1, nil
}

func (b *binder) bindLimit(n *pg_query.Node, clause string) (int64, error) {
	if n == nil {
		return -1, nil
	}
	e, err := b.bindExpr(n, exprContext{scope: &scope{}, clause: clause})
	if err != nil {
		return 0, err
	}
	if u, ok := e.(*unknownLit); ok {
		if e, err = b.resolveAs(u, typeInt8); err != nil {
			return 0, err
		}
	}
	lit, ok := foldConstant(e).(*expr.Literal)
	if !ok && b.describeOnly {
		return -1, nil // LIMIT $1: known when the statement runs
	}
	if !ok {
		return 0, b.unsupported(nodeLocation(n), "%s must be a constant", clause)
	}
	if !lit.Value.IsValid() {
		return -1, nil // LIMIT NULL / LIMIT ALL
	}
	v, err := castScalar(lit.Value, typeInt8)
	if err != nil {
		return 0, err
	}
	count := v.(*scalar.Int64).Value
	if count < 0 {
		if clause == "LIMIT" {
			return 0, pgerror.New("2201W", "LIMIT must not be negative")
		}
		return 0, pgerror.New("2201X", "OFFSET must not be negative")
	}
	return count, nil
}

func nodeLocation(n *pg_query.Node) int32 {
	switch {
	case n.GetAConst() != nil:
		return n.GetAConst().Location
	case n.GetColumnRef() != nil:
		return n.GetColumnRef().Location
	case n.GetAExpr() != nil:
		return n.GetAExpr().Location
	case n.GetFuncCall() != nil:
		return n.GetFuncCall().Location
	case n.GetTypeCast() != nil:
		return n.GetTypeCast().Location
	case n.GetBoolExpr() != nil:
		return n.GetBoolExpr().Location
	case n.GetNullTest() != nil:
		return n.GetNullTest().Location
	}
	return -1
}

// overAggregate rewrites an expression bound over the aggregate's input so
// that it reads the aggregate's output: group expressions become key
// columns and aggregate calls their result columns. Any other column
// reference is a grouping error.
func (b *binder) overAggregate(e expr.Expr, groups []expr.Expr) (expr.Expr, error) {
	var err error
	out := expr.Transform(e, func(n expr.Expr) (expr.Expr, bool) {
		if err != nil {
			return n, true
		}
		if a, ok := n.(*aggRef); ok {
			return &expr.Column{Index: len(groups) + a.i, Name: a.agg.String(), Type: a.agg.Type}, true
		}
		for i, g := range groups {
			if g.String() == n.String() {
				return &expr.Column{Index: i, Name: g.String(), Type: g.DataType()}, true
			}
		}
		if c, ok := n.(*expr.Column); ok {
			err = b.errorf(pgerror.GroupingError, b.colLoc[c], "column %q must appear in the GROUP BY clause or be used in an aggregate function", c.Name)
			return n, true
		}
		return n, false
	})
	return out, err
}

// resolveUnknown gives an untyped string constant left at the top of an
// expression the type text, as PostgreSQL does for select-list items.
func (b *binder) resolveUnknown(e expr.Expr) expr.Expr {
	if u, ok := e.(*unknownLit); ok {
		if u.param > 0 {
			out, _ := b.resolveAs(u, typeText)
			return out
		}
		return &expr.Literal{Value: scalar.NewStringScalar(u.text)}
	}
	if lit, ok := e.(*expr.Literal); ok && lit.Value.DataType().ID() == arrow.NULL {
		return &expr.Literal{Value: scalar.MakeNullScalar(typeText)}
	}
	return e
}

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

// lookupColumn finds a column by optional table qualifier and name.
func (b *binder) lookupColumn(sc *scope, table, name string, loc int32) (int, scopeColumn, error) {
	if table != "" && !contains(sc.tables, table) {
		for _, o := range b.outer {
			if o != nil && contains(o.tables, table) {
				return 0, scopeColumn{}, b.unsupported(loc, "correlated subqueries are not supported yet")
			}
		}
		return 0, scopeColumn{}, b.errorf(pgerror.UndefinedTable, loc, "missing FROM-clause entry for table %q", table)
	}
	found := -1
	for i, c := range sc.cols {
		if c.name == name && (table == "" && !c.hidden || c.table == table) {
			if found >= 0 {
				return 0, scopeColumn{}, b.errorf(pgerror.AmbiguousColumn, loc, "column reference %q is ambiguous", name)
			}
			found = i
		}
	}
	if found < 0 {
		for _, o := range b.outer {
			if o == nil {
				continue
			}
			for _, c := range o.cols {
				if c.name == name && (table == "" && !c.hidden || c.table == table) {
					return 0, scopeColumn{}, b.unsupported(loc, "correlated subqueries are not supported yet")
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
	switch {
	case n.GetColumnRef() != nil:
		return b.bindColumnRef(n.GetColumnRef(), ectx)
	case n.GetAConst() != nil:
		return b.bindConst(n.GetAConst())
	case n.GetAExpr() != nil:
		return b.bindAExpr(n.GetAExpr(), ectx)
	case n.GetBoolExpr() != nil:
		return b.bindBoolExpr(n.GetBoolExpr(), ectx)
	case n.GetNullTest() != nil:
		nt := n.GetNullTest()
		in, err := b.bindExpr(nt.Arg, ectx)
		if err != nil {
			return nil, err
		}
		return &expr.IsNull{Input: b.resolveUnknown(in), Negated: nt.Nulltesttype == pg_query.NullTestType_IS_NOT_NULL}, nil
	case n.GetTypeCast() != nil:
		return b.bindCast(n.GetTypeCast(), ectx)
	case n.GetFuncCall() != nil:
		return b.bindFuncCall(n.GetFuncCall(), ectx)
	case n.GetParamRef() != nil:
		return b.bindParam(n.GetParamRef())
	case n.GetSubLink() != nil:
		return b.bindSubLink(n.GetSubLink(), ectx)
	case n.GetCaseExpr() != nil:
		return b.bindCase(n.GetCaseExpr(), ectx)
	case n.GetCoalesceExpr() != nil:
		return b.bindCoalesce(n.GetCoalesceExpr(), ectx)
	case n.GetSqlvalueFunction() != nil:
		return b.bindSQLValueFunction(n.GetSqlvalueFunction())
	}
	return nil, b.unsupported(nodeLocation(n), "expression is not supported yet")
}

func (b *binder) bindColumnRef(cr *pg_query.ColumnRef, ectx exprContext) (expr.Expr, error) {
	var parts []string
	for _, f := range cr.Fields {
		if f.GetAStar() != nil {
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
	default:
		return nil, b.unsupported(cr.Location, "improper qualified name (too many dotted names): %s", strings.Join(parts, "."))
	}
	i, c, err := b.lookupColumn(ectx.scope, table, name, cr.Location)
	if err != nil {
		return nil, err
	}
	col := &expr.Column{Index: i, Name: c.table + "." + c.name, Type: c.typ}
	if b.colLoc == nil {
		b.colLoc = make(map[*expr.Column]int32)
	}
	b.colLoc[col] = cr.Location
	return col, nil
}

func (b *binder) bindConst(c *pg_query.A_Const) (expr.Expr, error) {
	if c.Isnull {
		return &expr.Literal{Value: scalar.MakeNullScalar(arrow.Null)}, nil
	}
	switch {
	case c.GetIval() != nil:
		return &expr.Literal{Value: scalar.NewInt32Scalar(c.GetIval().Ival)}, nil
	case c.GetFval() != nil:
		s := c.GetFval().Fval
		if s2 := strings.TrimPrefix(s, "-"); !strings.ContainsAny(s2, ".eE") {
			// Integer constants that do not fit int4 are int8, then numeric.
			if v, err := parseLiteral(s, typeInt8); err == nil {
				return &expr.Literal{Value: v}, nil
			}
		}
		if v, ok := numericLiteral(s); ok {
			return &expr.Literal{Value: v}, nil
		}
		return nil, b.errorf(pgerror.NumericValueOutOfRange, c.Location, "numeric constant %s exceeds %d digits", s, maxNumericPrecision)
	case c.GetBoolval() != nil:
		return &expr.Literal{Value: scalar.NewBooleanScalar(c.GetBoolval().Boolval)}, nil
	case c.GetSval() != nil:
		return &unknownLit{text: c.GetSval().Sval, loc: c.Location}, nil
	}
	return nil, b.unsupported(c.Location, "this constant is not supported yet")
}

func (b *binder) bindCast(tc *pg_query.TypeCast, ectx exprContext) (expr.Expr, error) {
	to, err := resolveTypeName(tc.TypeName, b.sql)
	if err != nil {
		return nil, err
	}
	in, err := b.bindExpr(tc.Arg, ectx)
	if err != nil {
		return nil, err
	}
	return b.cast(in, to, tc.Location)
}

// cast converts e to type to, folding constants at plan time.
func (b *binder) cast(e expr.Expr, to arrow.DataType, loc int32) (expr.Expr, error) {
	if u, ok := e.(*unknownLit); ok {
		return b.resolveAs(u, to)
	}
	if d, ok := to.(*arrow.Decimal128Type); ok && d.Scale < 0 {
		to = unconstrainedDecimal(e.DataType())
	}
	if arrow.TypeEqual(e.DataType(), to) {
		return e, nil
	}
	if lit, ok := e.(*expr.Literal); ok {
		// Folded now; PostgreSQL reports a failing cast of a constant
		// without a position, as it happens at run time there.
		s, err := castScalar(lit.Value, to)
		if err != nil {
			return nil, err
		}
		return &expr.Literal{Value: s}, nil
	}
	if _, ok := e.DataType().(*pgtypes.NumericType); ok {
		return nil, b.unsupported(loc, "casting an aggregate's numeric result is not supported yet")
	}
	return &expr.Cast{Input: e, Type: to}, nil
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

var sqlOps = map[string]expr.Op{
	"+": expr.Add, "-": expr.Sub, "*": expr.Mul, "/": expr.Div, "%": expr.Mod,
	"=": expr.Eq, "<>": expr.NotEq, "<": expr.Lt, "<=": expr.LtEq, ">": expr.Gt, ">=": expr.GtEq,
	"||": expr.Concat,
}

func (b *binder) bindAExpr(ae *pg_query.A_Expr, ectx exprContext) (expr.Expr, error) {
	switch ae.Kind {
	case pg_query.A_Expr_Kind_AEXPR_NULLIF:
		return b.bindNullIf(ae, ectx)
	case pg_query.A_Expr_Kind_AEXPR_LIKE, pg_query.A_Expr_Kind_AEXPR_ILIKE:
		return b.bindLike(ae, ectx)
	case pg_query.A_Expr_Kind_AEXPR_OP:
	case pg_query.A_Expr_Kind_AEXPR_IN:
		return b.bindInList(ae, ectx)
	case pg_query.A_Expr_Kind_AEXPR_BETWEEN, pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN:
		return b.bindBetween(ae, ectx)
	default:
		return nil, b.unsupported(ae.Location, "this operator is not supported yet")
	}
	opName := ae.Name[len(ae.Name)-1].GetString_().GetSval()
	if ae.Lexpr == nil {
		in, err := b.bindExpr(ae.Rexpr, ectx)
		if err != nil {
			return nil, err
		}
		switch opName {
		case "-":
			if u, ok := in.(*unknownLit); ok {
				in = b.resolveUnknown(u)
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
	op, ok := sqlOps[opName]
	if !ok {
		return nil, b.unsupported(ae.Location, "operator %s is not supported yet", opName)
	}
	l, err := b.bindExpr(ae.Lexpr, ectx)
	if err != nil {
		return nil, err
	}
	r, err := b.bindExpr(ae.Rexpr, ectx)
	if err != nil {
		return nil, err
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
	var out expr.Expr
	for _, item := range list.Items {
		e, err := b.bindAExpr(&pg_query.A_Expr{Kind: pg_query.A_Expr_Kind_AEXPR_OP, Name: []*pg_query.Node{pg_query.MakeStrNode(op.String())},
			Lexpr: ae.Lexpr, Rexpr: item, Location: ae.Location}, ectx)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = e
		} else {
			out = &expr.Binary{Op: join, Left: out, Right: e, Type: typeBool}
		}
	}
	return out, nil
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

// commonType is the type both operands of a comparison or arithmetic are
// converted to, or nil when PostgreSQL has no such operator.
func commonType(a, b arrow.DataType) arrow.DataType {
	if arrow.TypeEqual(a, b) {
		return a
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

// binary binds a binary operator with PostgreSQL's operand coercion.
func (b *binder) binary(op expr.Op, l, r expr.Expr, loc int32) (expr.Expr, error) {
	lu, lUnknown := l.(*unknownLit)
	ru, rUnknown := r.(*unknownLit)
	var err error
	if op == expr.Concat {
		return b.concat(l, r, loc)
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
	case rUnknown:
		if r, err = b.cast(ru, unknownTarget(l.DataType()), loc); err != nil {
			return nil, err
		}
	}
	// NULL constants take the other operand's type.
	if lit, ok := l.(*expr.Literal); ok && lit.Value.DataType().ID() == arrow.NULL {
		l = &expr.Literal{Value: scalar.MakeNullScalar(r.DataType())}
	}
	if lit, ok := r.(*expr.Literal); ok && lit.Value.DataType().ID() == arrow.NULL {
		r = &expr.Literal{Value: scalar.MakeNullScalar(l.DataType())}
	}
	lt, rt := l.DataType(), r.DataType()
	noOp := func() error {
		return b.errorf(pgerror.UndefinedFunction, loc, "operator does not exist: %s %s %s", typeName(lt), op, typeName(rt)).
			WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
	}
	if _, ok := lt.(*pgtypes.NumericType); ok {
		return nil, b.unsupported(loc, "operators on avg() results are not supported yet")
	}
	if _, ok := rt.(*pgtypes.NumericType); ok {
		return nil, b.unsupported(loc, "operators on avg() results are not supported yet")
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
		return nil, b.unsupported(loc, "operator %s on %s is not supported yet", op, typeName(ct))
	}
	if op == expr.Mod && numericRank(ct) > 3 {
		return nil, b.unsupported(loc, "operator %% on %s is not supported yet", typeName(ct))
	}
	return foldConstant(&expr.Binary{Op: op, Left: l, Right: r, Type: ct}), nil
}

// concat binds ||. As in PostgreSQL, text concatenates with a value of any
// other type through that value's text form; two non-text operands have no
// || operator.
func (b *binder) concat(l, r expr.Expr, loc int32) (expr.Expr, error) {
	_, lUnknown := l.(*unknownLit)
	_, rUnknown := r.(*unknownLit)
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
	case expr.Add, expr.Sub:
		scale := max(ld.Scale, rd.Scale)
		digits := max(ld.Precision-ld.Scale, rd.Precision-rd.Scale) + 1
		res = &arrow.Decimal128Type{Precision: min(maxNumericPrecision, digits+scale), Scale: scale}
	case expr.Mul:
		res = &arrow.Decimal128Type{Precision: min(maxNumericPrecision, ld.Precision+rd.Precision+1), Scale: ld.Scale + rd.Scale}
	default:
		return nil, b.unsupported(loc, "numeric operator %s is not supported yet", op)
	}
	_ = common
	return &expr.Binary{Op: op, Left: l, Right: r, Type: res}, nil
}

// unknownTarget is the type an unknown constant takes opposite dt.
func unknownTarget(dt arrow.DataType) arrow.DataType {
	if d, ok := dt.(*arrow.Decimal128Type); ok {
		return &arrow.Decimal128Type{Precision: d.Precision, Scale: -1}
	}
	return dt
}

func (b *binder) bindFuncCall(fc *pg_query.FuncCall, ectx exprContext) (expr.Expr, error) {
	name := funcName(fc)
	if !isAggregateName(name) {
		if e, ok, err := b.bindScalarFunc(fc, name, ectx); ok || err != nil {
			return e, err
		}
		argTypes := make([]string, len(fc.Args))
		for i, a := range fc.Args {
			e, err := b.bindExpr(a, ectx)
			if err != nil {
				return nil, err
			}
			argTypes[i] = "unknown"
			if _, ok := e.(*unknownLit); !ok {
				argTypes[i] = typeName(e.DataType())
			}
		}
		return nil, b.errorf(pgerror.UndefinedFunction, fc.Location, "function %s(%s) does not exist", name, strings.Join(argTypes, ", ")).
			WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
	}
	if ectx.clause == "aggregate function calls" {
		return nil, b.errorf(pgerror.GroupingError, fc.Location, "aggregate function calls cannot be nested")
	}
	if ectx.aggs == nil {
		clause := ectx.clause
		if clause == "" {
			clause = "this context"
		}
		return nil, b.errorf(pgerror.GroupingError, fc.Location, "aggregate functions are not allowed in %s", clause)
	}
	switch {
	case fc.Over != nil:
		return nil, b.unsupported(fc.Location, "window functions are not supported yet")
	case len(fc.AggOrder) > 0:
		return nil, b.unsupported(fc.Location, "ORDER BY in aggregates is not supported yet")
	}
	var filter expr.Expr
	if fc.AggFilter != nil {
		var err error
		if filter, err = b.bindPredicate(fc.AggFilter, exprContext{scope: ectx.scope, clause: "FILTER"}); err != nil {
			return nil, err
		}
	}
	if name == "every" {
		name = "bool_and"
	}
	if fc.AggStar {
		if name != "count" {
			return nil, b.errorf(pgerror.SyntaxError, fc.Location, "%s(*) specified, but %s is not an aggregate function", name, name)
		}
		return ectx.aggs.add(&expr.Aggregate{Func: expr.CountStar, Type: typeInt8, Filter: filter}), nil
	}
	nargs := 1
	if name == "string_agg" {
		nargs = 2
	}
	if len(fc.Args) != nargs {
		return nil, b.errorf(pgerror.UndefinedFunction, fc.Location, "function %s with %d arguments does not exist", name, len(fc.Args))
	}
	// Aggregate arguments cannot themselves contain aggregates.
	arg, err := b.bindExpr(fc.Args[0], exprContext{scope: ectx.scope, clause: "aggregate function calls"})
	if err != nil {
		return nil, err
	}
	var delim expr.Expr
	if nargs == 2 {
		if delim, err = b.bindExpr(fc.Args[1], exprContext{scope: ectx.scope, clause: "aggregate function calls"}); err != nil {
			return nil, err
		}
		delim = b.resolveUnknown(delim)
	}
	arg = b.resolveUnknown(arg)
	in := arg.DataType()
	var out arrow.DataType
	switch expr.AggFunc(name) {
	case expr.Count:
		out = typeInt8
	case expr.Sum:
		switch rank := numericRank(in); {
		case rank == 1 || rank == 2:
			out = typeInt8
		case rank == 3:
			out = &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: 0}
		case in.ID() == arrow.DECIMAL128:
			out = &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: in.(*arrow.Decimal128Type).Scale}
		case rank == 5:
			out = typeFloat4
		case rank == 6:
			out = typeFloat8
		}
	case expr.Avg:
		switch rank := numericRank(in); {
		case rank >= 1 && rank <= 3, in.ID() == arrow.DECIMAL128:
			out = pgtypes.Numeric()
		case rank >= 5:
			out = typeFloat8
		}
	case expr.Min, expr.Max:
		if in.ID() != arrow.BOOL && in.ID() != arrow.NULL {
			out = in
		}
	case expr.BoolAnd, expr.BoolOr:
		if in.ID() == arrow.BOOL {
			out = typeBool
		}
	case expr.StringAgg:
		if category(in) == catString && delim != nil && category(delim.DataType()) == catString {
			out = typeText
		}
	}
	if out == nil {
		return nil, b.errorf(pgerror.UndefinedFunction, fc.Location, "function %s(%s) does not exist", name, typeName(in)).
			WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
	}
	return ectx.aggs.add(&expr.Aggregate{Func: expr.AggFunc(name), Arg: arg, Type: out, Distinct: fc.AggDistinct, Filter: filter, Delimiter: delim}), nil
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

var _ = fmt.Sprint

// commonResultType unifies the types of CASE results or COALESCE
// arguments, as PostgreSQL's select_common_type does for the types riffq
// has; untyped constants take the others' type, or text.
func (b *binder) commonResultType(es []expr.Expr, locs []int32, what string) (arrow.DataType, error) {
	var ct arrow.DataType
	for i, e := range es {
		if _, ok := e.(*unknownLit); ok {
			continue
		}
		if lit, ok := e.(*expr.Literal); ok && lit.Value.DataType().ID() == arrow.NULL {
			continue
		}
		if ct == nil {
			ct = e.DataType()
			continue
		}
		next := commonType(ct, e.DataType())
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
	return out, nil
}

// castResult converts a CASE branch or COALESCE argument to the common type.
func (b *binder) castResult(e expr.Expr, t arrow.DataType, loc int32) (expr.Expr, error) {
	if lit, ok := e.(*expr.Literal); ok && lit.Value.DataType().ID() == arrow.NULL {
		return &expr.Literal{Value: scalar.MakeNullScalar(t)}, nil
	}
	return b.cast(e, t, loc)
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
	return out, nil
}

// bindNullIf binds NULLIF(a, b) as CASE WHEN a = b THEN NULL ELSE a END.
func (b *binder) bindNullIf(ae *pg_query.A_Expr, ectx exprContext) (expr.Expr, error) {
	l, err := b.bindExpr(ae.Lexpr, ectx)
	if err != nil {
		return nil, err
	}
	r, err := b.bindExpr(ae.Rexpr, ectx)
	if err != nil {
		return nil, err
	}
	l = b.resolveUnknown(l)
	eq, err := b.binary(expr.Eq, l, r, ae.Location)
	if err != nil {
		return nil, err
	}
	return &expr.Case{Whens: []expr.When{{Cond: eq, Result: &expr.Literal{Value: scalar.MakeNullScalar(l.DataType())}}}, Else: l, Type: l.DataType()}, nil
}

// bindScalarFunc binds the scalar functions the engine implements; ok is
// false for other names.
func (b *binder) bindScalarFunc(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, bool, error) {
	if e, ok, err := b.bindSessionFunc(fc, name, ectx); ok || err != nil {
		return e, ok, err
	}
	if e, ok, err := b.bindDateFunc(fc, name, ectx); ok || err != nil {
		return e, ok, err
	}
	if e, ok, err := b.bindTextMathFunc(fc, name, ectx); ok || err != nil {
		return e, ok, err
	}
	switch name {
	case "lower", "upper", "length", "char_length", "character_length", "abs":
	default:
		return nil, false, nil
	}
	if len(fc.Args) != 1 || fc.AggStar || fc.AggDistinct {
		return nil, false, nil
	}
	arg, err := b.bindExpr(fc.Args[0], ectx)
	if err != nil {
		return nil, true, err
	}
	if u, ok := arg.(*unknownLit); ok {
		t := arrow.DataType(typeText)
		if name == "abs" {
			t = typeFloat8
		}
		if arg, err = b.resolveAs(u, t); err != nil {
			return nil, true, err
		}
	}
	noFunc := func() (expr.Expr, bool, error) {
		return nil, true, b.errorf(pgerror.UndefinedFunction, fc.Location, "function %s(%s) does not exist", name, typeName(arg.DataType())).
			WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
	}
	switch name {
	case "abs":
		switch arg.DataType().ID() {
		case arrow.INT16, arrow.INT32, arrow.INT64, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128:
			return &expr.Call{Func: name, Args: []expr.Expr{arg}, Type: arg.DataType()}, true, nil
		}
		return noFunc()
	case "length", "char_length", "character_length":
		if category(arg.DataType()) != catString {
			return noFunc()
		}
		return &expr.Call{Func: "length", Args: []expr.Expr{arg}, Type: typeInt4}, true, nil
	}
	if category(arg.DataType()) != catString {
		return noFunc()
	}
	return &expr.Call{Func: name, Args: []expr.Expr{arg}, Type: typeText}, true, nil
}

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

// bindCTE binds a reference to a WITH query as a subquery in FROM. The WITH
// queries visible inside it are those of its own and outer levels.
func (b *binder) bindCTE(cte *pg_query.CommonTableExpr, rv *pg_query.RangeVar, level int) (Plan, *scope, error) {
	sel := cte.Ctequery.GetSelectStmt()
	if sel == nil {
		return nil, nil, b.unsupported(cte.Location, "WITH queries other than SELECT are not supported")
	}
	saved := b.ctes
	b.ctes = b.ctes[:level+1]
	plan, err := b.bindSelect(sel)
	b.ctes = saved
	if err != nil {
		return nil, nil, err
	}
	alias := rv.Relname
	var colnames []*pg_query.Node = cte.Aliascolnames
	if rv.Alias != nil {
		alias = rv.Alias.Aliasname
		if len(rv.Alias.Colnames) > 0 {
			colnames = rv.Alias.Colnames
		}
	}
	schema := plan.Schema()
	if len(colnames) > schema.NumFields() {
		return nil, nil, b.errorf("42P10", cte.Location, "WITH query %q has %d columns available but %d columns specified", cte.Ctename, schema.NumFields(), len(colnames))
	}
	sc := &scope{tables: []string{alias}}
	for i, f := range schema.Fields() {
		name := f.Name
		if i < len(colnames) {
			name = colnames[i].GetString_().GetSval()
		}
		sc.cols = append(sc.cols, scopeColumn{table: alias, name: name, typ: f.Type})
	}
	return plan, sc, nil
}

// bindSetOp binds UNION [ALL] of two queries, with the ORDER BY and LIMIT
// that apply to the combined result.
func (b *binder) bindSetOp(s *pg_query.SelectStmt) (Plan, error) {
	opName := map[pg_query.SetOperation]string{pg_query.SetOperation_SETOP_UNION: "UNION",
		pg_query.SetOperation_SETOP_INTERSECT: "INTERSECT", pg_query.SetOperation_SETOP_EXCEPT: "EXCEPT"}[s.Op]
	if s.Op != pg_query.SetOperation_SETOP_UNION && s.All {
		return nil, b.unsupported(-1, "%s ALL is not supported yet", opName)
	}
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
		if types[i] = commonType(lt, rt); types[i] == nil {
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
		plan = intersectExcept(left, right, s.Op == pg_query.SetOperation_SETOP_INTERSECT)
	}
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
			return nil, b.unsupported(sb.Location, "ORDER BY on a UNION must name an output column")
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

// sortKey reads an ORDER BY item's direction; PostgreSQL puts NULLs last
// ascending and first descending unless told otherwise.
func (b *binder) sortKey(sb *pg_query.SortBy, column int) (SortKey, error) {
	if sb.UseOp != nil {
		return SortKey{}, b.unsupported(sb.Location, "ORDER BY USING is not supported")
	}
	desc := sb.SortbyDir == pg_query.SortByDir_SORTBY_DESC
	nullsFirst := desc
	switch sb.SortbyNulls {
	case pg_query.SortByNulls_SORTBY_NULLS_FIRST:
		nullsFirst = true
	case pg_query.SortByNulls_SORTBY_NULLS_LAST:
		nullsFirst = false
	}
	return SortKey{Column: column, Desc: desc, NullsFirst: nullsFirst}, nil
}

// limit applies a statement's LIMIT and OFFSET to plan.
func (b *binder) limit(plan Plan, s *pg_query.SelectStmt) (Plan, error) {
	if s.LimitCount == nil && s.LimitOffset == nil {
		return plan, nil
	}
	lim := &Limit{Input: plan, Count: -1}
	var err error
	if lim.Count, err = b.bindLimit(s.LimitCount, "LIMIT"); err != nil {
		return nil, err
	}
	if s.LimitOffset != nil {
		if lim.Offset, err = b.bindLimit(s.LimitOffset, "OFFSET"); err != nil {
			return nil, err
		}
		lim.Offset = max(lim.Offset, 0)
	}
	return lim, nil
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

var sqlValueNames = map[pg_query.SQLValueFunctionOp]string{
	pg_query.SQLValueFunctionOp_SVFOP_CURRENT_DATE: "current_date", pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP: "current_timestamp",
	pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N: "current_timestamp", pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP: "localtimestamp",
	pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N: "localtimestamp", pg_query.SQLValueFunctionOp_SVFOP_CURRENT_ROLE: "current_role",
	pg_query.SQLValueFunctionOp_SVFOP_CURRENT_USER: "current_user", pg_query.SQLValueFunctionOp_SVFOP_USER: "current_user",
	pg_query.SQLValueFunctionOp_SVFOP_SESSION_USER: "session_user", pg_query.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG: "current_catalog",
	pg_query.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA: "current_schema",
}

// bindSQLValueFunction binds CURRENT_USER, CURRENT_DATE and the other
// keyword functions; their values are fixed for the statement.
func (b *binder) bindSQLValueFunction(f *pg_query.SQLValueFunction) (expr.Expr, error) {
	user := ""
	if b.sess != nil {
		user = b.sess.UserName()
	}
	ts := b.now.UTC().Truncate(time.Microsecond)
	switch f.Op {
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_USER, pg_query.SQLValueFunctionOp_SVFOP_USER,
		pg_query.SQLValueFunctionOp_SVFOP_SESSION_USER, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_ROLE:
		return &expr.Literal{Value: scalar.NewStringScalar(user)}, nil
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG:
		return &expr.Literal{Value: scalar.NewStringScalar(b.db)}, nil
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA:
		return &expr.Literal{Value: scalar.NewStringScalar(catalog.DefaultSchema)}, nil
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_DATE:
		return &expr.Literal{Value: scalar.NewDate32Scalar(arrow.Date32FromTime(ts))}, nil
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N:
		return &expr.Literal{Value: scalar.NewTimestampScalar(arrow.Timestamp(ts.UnixMicro()), typeTimestamptz)}, nil
	case pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP, pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N:
		return &expr.Literal{Value: scalar.NewTimestampScalar(arrow.Timestamp(ts.UnixMicro()), typeTimestamp)}, nil
	}
	return nil, b.unsupported(f.Location, "%s is not supported yet", strings.ToUpper(sqlValueNames[f.Op]))
}

// bindSessionFunc binds the functions clients call to learn about the
// server and session: version(), current_database(), current_schema(),
// current_setting(), pg_backend_pid(), now().
func (b *binder) bindSessionFunc(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, bool, error) {
	if len(fc.Funcname) == 2 && fc.Funcname[0].GetString_().GetSval() != "pg_catalog" {
		return nil, false, nil
	}
	text := func(s string) (expr.Expr, bool, error) {
		return &expr.Literal{Value: scalar.NewStringScalar(s)}, true, nil
	}
	switch {
	case name == "version" && len(fc.Args) == 0:
		v := "15.0"
		if b.sess != nil {
			if _, sv, err := b.sess.Setting("server_version"); err == nil && sv != "" {
				v = strings.Fields(sv)[0]
			}
		}
		return text("PostgreSQL " + v + " (riffq) on " + runtime.GOARCH + "-" + runtime.GOOS + ", compiled by " + runtime.Version() + ", 64-bit")
	case name == "current_database" && len(fc.Args) == 0:
		return text(b.db)
	case name == "current_schema" && len(fc.Args) == 0:
		return text(catalog.DefaultSchema)
	case name == "pg_backend_pid" && len(fc.Args) == 0:
		pid := uint32(0)
		if b.sess != nil {
			pid = b.sess.BackendPID()
		}
		return &expr.Literal{Value: scalar.NewInt32Scalar(int32(pid))}, true, nil
	case (name == "now" || name == "transaction_timestamp" || name == "statement_timestamp") && len(fc.Args) == 0:
		return &expr.Literal{Value: scalar.NewTimestampScalar(arrow.Timestamp(b.now.UTC().Truncate(time.Microsecond).UnixMicro()), typeTimestamptz)}, true, nil
	case name == "current_setting" && (len(fc.Args) == 1 || len(fc.Args) == 2):
		arg, err := b.bindExpr(fc.Args[0], ectx)
		if err != nil {
			return nil, true, err
		}
		u, ok := arg.(*unknownLit)
		if !ok || u.param > 0 || b.sess == nil {
			return nil, true, b.unsupported(fc.Location, "current_setting() takes a constant name")
		}
		_, v, err := b.sess.Setting(u.text)
		if err != nil {
			if len(fc.Args) == 2 { // missing_ok
				return &expr.Literal{Value: scalar.MakeNullScalar(typeText)}, true, nil
			}
			return nil, true, err
		}
		return text(v)
	}
	return nil, false, nil
}

// bindSubLink binds a subquery used as a value: (SELECT ...), EXISTS
// (SELECT ...) or x IN (SELECT ...). Only uncorrelated subqueries are
// supported; they run once per statement.
func (b *binder) bindSubLink(sl *pg_query.SubLink, ectx exprContext) (expr.Expr, error) {
	sel := sl.Subselect.GetSelectStmt()
	if sel == nil {
		return nil, b.unsupported(sl.Location, "this subquery is not supported")
	}
	var left expr.Expr
	if sl.SubLinkType == pg_query.SubLinkType_ANY_SUBLINK {
		if len(sl.OperName) > 0 && sl.OperName[len(sl.OperName)-1].GetString_().GetSval() != "=" {
			return nil, b.unsupported(sl.Location, "only = ANY (subquery) is supported yet")
		}
		var err error
		if left, err = b.bindExpr(sl.Testexpr, ectx); err != nil {
			return nil, err
		}
	}
	b.outer = append(b.outer, ectx.scope)
	logical, err := b.bindSelect(sel)
	b.outer = b.outer[:len(b.outer)-1]
	if err != nil {
		return nil, err
	}
	schema := logical.Schema()
	out := &expr.Subquery{}
	switch sl.SubLinkType {
	case pg_query.SubLinkType_EXISTS_SUBLINK:
		out.Kind, out.Type = expr.ExistsSubquery, typeBool
	case pg_query.SubLinkType_EXPR_SUBLINK:
		if schema.NumFields() != 1 {
			return nil, b.errorf(pgerror.SyntaxError, sl.Location, "subquery must return only one column")
		}
		out.Kind, out.Type = expr.ScalarSubquery, schema.Field(0).Type
	case pg_query.SubLinkType_ANY_SUBLINK:
		if schema.NumFields() != 1 {
			return nil, b.errorf(pgerror.SyntaxError, sl.Location, "subquery has too many columns")
		}
		ct := commonType(b.resolveUnknown(left).DataType(), schema.Field(0).Type)
		if u, ok := left.(*unknownLit); ok {
			ct = schema.Field(0).Type
			if left, err = b.resolveAs(u, ct); err != nil {
				return nil, err
			}
		}
		if ct == nil {
			return nil, b.errorf(pgerror.UndefinedFunction, sl.Location, "operator does not exist: %s = %s", typeName(left.DataType()), typeName(schema.Field(0).Type)).
				WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
		}
		if left, err = b.cast(left, ct, sl.Location); err != nil {
			return nil, err
		}
		if logical, err = b.castColumns(logical, []arrow.DataType{ct}); err != nil {
			return nil, err
		}
		out.Kind, out.Left, out.Type = expr.InSubquery, left, typeBool
	default:
		return nil, b.unsupported(sl.Location, "this kind of subquery is not supported yet")
	}
	if b.describeOnly {
		// Preparing needs only the types; the plan is built when it runs.
		out.Plan = describePlan{schema}
		return out, nil
	}
	opt, err := Optimize(logical)
	if err != nil {
		return nil, err
	}
	if out.Plan, err = Physical(opt); err != nil {
		return nil, err
	}
	return out, nil
}

// describePlan stands in for a subquery's plan while a statement is only
// described.
type describePlan struct{ schema *arrow.Schema }

func (d describePlan) Schema() *arrow.Schema { return d.schema }
func (d describePlan) String() string        { return "subquery" }
func (d describePlan) Execute(context.Context) (array.RecordReader, error) {
	return nil, pgerror.New(pgerror.InternalError, "a described statement cannot run")
}

// bindLike binds [NOT] LIKE and ILIKE ("~~", "!~~", "~~*", "!~~*").
func (b *binder) bindLike(ae *pg_query.A_Expr, ectx exprContext) (expr.Expr, error) {
	op := ae.Name[len(ae.Name)-1].GetString_().GetSval()
	if ae.Rexpr.GetFuncCall() != nil {
		return nil, b.unsupported(ae.Location, "LIKE ... ESCAPE is not supported yet")
	}
	l, err := b.bindExpr(ae.Lexpr, ectx)
	if err != nil {
		return nil, err
	}
	r, err := b.bindExpr(ae.Rexpr, ectx)
	if err != nil {
		return nil, err
	}
	name := func(e expr.Expr) string {
		if _, ok := e.(*unknownLit); ok {
			return "unknown"
		}
		return typeName(e.DataType())
	}
	ln, rn := name(l), name(r)
	l, r = b.resolveUnknown(l), b.resolveUnknown(r)
	if category(l.DataType()) != catString || category(r.DataType()) != catString {
		return nil, b.errorf(pgerror.UndefinedFunction, ae.Location, "operator does not exist: %s %s %s", ln, op, rn).
			WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
	}
	fn := "like"
	if strings.HasSuffix(op, "*") {
		fn = "ilike"
	}
	var e expr.Expr = &expr.Call{Func: fn, Args: []expr.Expr{l, r}, Type: typeBool}
	if strings.HasPrefix(op, "!") {
		e = &expr.Not{Input: e}
	}
	return e, nil
}

// bindDateFunc binds date_trunc(unit, t), date_part(field, t) and
// EXTRACT(field FROM t) over dates and timestamps.
func (b *binder) bindDateFunc(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, bool, error) {
	if (name != "date_trunc" && name != "date_part" && name != "extract") || len(fc.Args) != 2 {
		return nil, false, nil
	}
	unit, err := b.bindExpr(fc.Args[0], ectx)
	if err != nil {
		return nil, true, err
	}
	unit = b.resolveUnknown(unit)
	t, err := b.bindExpr(fc.Args[1], ectx)
	if err != nil {
		return nil, true, err
	}
	if u, ok := t.(*unknownLit); ok {
		if t, err = b.resolveAs(u, typeTimestamptz); err != nil {
			return nil, true, err
		}
	}
	if category(unit.DataType()) != catString || category(t.DataType()) != catDateTime {
		return nil, true, b.errorf(pgerror.UndefinedFunction, fc.Location, "function %s(%s, %s) does not exist", name, typeName(unit.DataType()), typeName(t.DataType())).
			WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
	}
	isDate := t.DataType().ID() == arrow.DATE32
	switch name {
	case "date_trunc":
		if isDate {
			// date_trunc has no date variant: the date becomes a timestamptz.
			if t, err = b.cast(t, typeTimestamptz, fc.Location); err != nil {
				return nil, true, err
			}
		}
		return &expr.Call{Func: name, Args: []expr.Expr{unit, t}, Type: t.DataType()}, true, nil
	case "date_part":
		return &expr.Call{Func: name, Args: []expr.Expr{unit, t}, Type: typeFloat8}, true, nil
	}
	lit, ok := unit.(*expr.Literal)
	if !ok || !lit.Value.IsValid() {
		return nil, true, b.unsupported(fc.Location, "EXTRACT needs a constant field")
	}
	scale := engine.ExtractScale(string(lit.Value.(*scalar.String).Data()), isDate)
	return &expr.Call{Func: name, Args: []expr.Expr{unit, t}, Type: &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: scale}}, true, nil
}

// textFuncArgs are the argument kinds of the text functions: t text, i an
// integer; a trailing ? makes the rest optional.
var textFuncArgs = map[string]string{
	"substr": "ti?i", "substring": "ti?i", "replace": "ttt", "btrim": "t?t", "trim": "t?t",
	"ltrim": "t?t", "rtrim": "t?t", "left": "ti", "right": "ti", "repeat": "ti", "reverse": "t",
	"initcap": "t", "position": "tt", "strpos": "tt",
}

// bindTextMathFunc binds the string functions above, concat, and round,
// trunc, ceil and floor.
func (b *binder) bindTextMathFunc(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, bool, error) {
	if len(fc.Funcname) == 2 && fc.Funcname[0].GetString_().GetSval() != "pg_catalog" {
		return nil, false, nil
	}
	sig, isText := textFuncArgs[name]
	isMath := name == "round" || name == "trunc" || name == "ceil" || name == "ceiling" || name == "floor"
	if !isText && !isMath && name != "concat" {
		return nil, false, nil
	}
	args := make([]expr.Expr, len(fc.Args))
	for i, a := range fc.Args {
		e, err := b.bindExpr(a, ectx)
		if err != nil {
			return nil, true, err
		}
		args[i] = e
	}
	noFunc := func() (expr.Expr, bool, error) {
		types := make([]string, len(args))
		for i, a := range args {
			types[i] = "unknown"
			if _, ok := a.(*unknownLit); !ok {
				types[i] = typeName(a.DataType())
			}
		}
		return nil, true, b.errorf(pgerror.UndefinedFunction, fc.Location, "function %s(%s) does not exist", name, strings.Join(types, ", ")).
			WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
	}
	var err error
	switch {
	case name == "concat":
		for i, a := range args {
			if args[i], err = b.cast(b.resolveUnknown(a), typeText, fc.Location); err != nil {
				return nil, true, err
			}
		}
		return &expr.Call{Func: name, Args: args, Type: typeText}, true, nil
	case isText:
		required, optional, _ := strings.Cut(sig, "?")
		if len(args) < len(required) || len(args) > len(required)+len(optional) {
			return noFunc()
		}
		kinds := required + optional
		for i, a := range args {
			want, cat := arrow.DataType(typeText), catString
			if kinds[i] == 'i' {
				want, cat = typeInt4, catNumeric
			}
			if u, ok := a.(*unknownLit); ok {
				if args[i], err = b.resolveAs(u, want); err != nil {
					return nil, true, err
				}
				continue
			}
			if category(a.DataType()) != cat || (cat == catNumeric && numericRank(a.DataType()) > 3) {
				return noFunc()
			}
		}
		typ := arrow.DataType(typeText)
		if name == "position" || name == "strpos" {
			typ = typeInt4
		}
		return &expr.Call{Func: name, Args: args, Type: typ}, true, nil
	}
	// round, trunc, ceil, floor
	if len(args) < 1 || len(args) > 2 || (len(args) == 2 && (name == "ceil" || name == "ceiling" || name == "floor")) {
		return noFunc()
	}
	x := args[0]
	if u, ok := x.(*unknownLit); ok {
		if x, err = b.resolveAs(u, typeFloat8); err != nil {
			return nil, true, err
		}
	}
	if numericRank(x.DataType()) == 0 {
		return noFunc()
	}
	if len(args) == 1 {
		if x.DataType().ID() != arrow.DECIMAL128 {
			// The integer and real variants resolve to double precision.
			if x, err = b.cast(x, typeFloat8, fc.Location); err != nil {
				return nil, true, err
			}
			return &expr.Call{Func: name, Args: []expr.Expr{x}, Type: typeFloat8}, true, nil
		}
		return &expr.Call{Func: name, Args: []expr.Expr{x}, Type: &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: 0}}, true, nil
	}
	if id := x.DataType().ID(); id == arrow.FLOAT32 || id == arrow.FLOAT64 {
		return noFunc() // only numeric has a scale argument
	}
	lit, ok := foldConstant(args[1]).(*expr.Literal)
	if u, isU := args[1].(*unknownLit); isU {
		if v, err := parseLiteral(u.text, typeInt4); err == nil {
			lit, ok = &expr.Literal{Value: v}, true
		}
	}
	if !ok || !lit.Value.IsValid() || numericRank(lit.Value.DataType()) > 3 {
		return nil, true, b.unsupported(fc.Location, "%s(numeric, scale) needs a constant integer scale", name)
	}
	sv, err := castScalar(lit.Value, typeInt4)
	if err != nil {
		return nil, true, err
	}
	scale := sv.(*scalar.Int32).Value
	if scale < 0 {
		return nil, true, b.unsupported(fc.Location, "%s with a negative scale is not supported yet", name)
	}
	if x, err = b.cast(x, &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: -1}, fc.Location); err != nil {
		return nil, true, err
	}
	if x.DataType().ID() != arrow.DECIMAL128 {
		return noFunc()
	}
	return &expr.Call{Func: name, Args: []expr.Expr{x}, Type: &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: scale}}, true, nil
}

// dateArith binds + and - on dates, timestamps and intervals as PostgreSQL
// resolves them: date ± integer is a date, date - date an integer,
// timestamp ± interval a timestamp (a date becomes a timestamp), timestamp
// - timestamp an interval. ok is false for other operand types.
func (b *binder) dateArith(op expr.Op, l, r expr.Expr, loc int32) (expr.Expr, bool, error) {
	if op != expr.Add && op != expr.Sub {
		return nil, false, nil
	}
	kind := func(e expr.Expr) string {
		if _, ok := e.(*unknownLit); ok {
			return "unknown"
		}
		switch t := e.DataType(); {
		case t.ID() == arrow.DATE32:
			return "date"
		case t.ID() == arrow.TIMESTAMP:
			return "timestamp"
		case t.ID() == arrow.INTERVAL_MONTH_DAY_NANO:
			return "interval"
		case numericRank(t) >= 1 && numericRank(t) <= 3:
			return "int"
		}
		return ""
	}
	lk, rk := kind(l), kind(r)
	// Commute interval + timestamp and integer + date.
	if op == expr.Add && (lk == "interval" && (rk == "timestamp" || rk == "date") || lk == "int" && rk == "date") {
		l, r, lk, rk = r, l, rk, lk
	}
	resolve := func(e expr.Expr, t arrow.DataType) (expr.Expr, error) {
		if u, ok := e.(*unknownLit); ok {
			return b.resolveAs(u, t)
		}
		return e, nil
	}
	var err error
	call := func(fn string, typ arrow.DataType) (expr.Expr, bool, error) {
		return &expr.Call{Func: fn, Args: []expr.Expr{l, r}, Type: typ}, true, nil
	}
	switch {
	case lk == "date" && (rk == "int" || rk == "unknown"):
		if r, err = resolve(r, typeInt4); err != nil {
			return nil, true, err
		}
		return call(map[expr.Op]string{expr.Add: "date_pli", expr.Sub: "date_mii"}[op], typeDate)
	case lk == "date" && rk == "date" && op == expr.Sub:
		return call("date_mi", typeInt4)
	case (lk == "timestamp" || lk == "date") && (rk == "interval" || rk == "unknown" && lk == "timestamp"):
		if r, err = resolve(r, typeInterval); err != nil {
			return nil, true, err
		}
		if lk == "date" {
			if l, err = b.cast(l, typeTimestamp, loc); err != nil {
				return nil, true, err
			}
		}
		return call(map[expr.Op]string{expr.Add: "ts_pl_interval", expr.Sub: "ts_mi_interval"}[op], l.DataType())
	case lk == "timestamp" && rk == "timestamp" && op == expr.Sub:
		ct := commonType(l.DataType(), r.DataType())
		if l, err = b.cast(l, ct, loc); err != nil {
			return nil, true, err
		}
		if r, err = b.cast(r, ct, loc); err != nil {
			return nil, true, err
		}
		return call("ts_mi", typeInterval)
	}
	return nil, false, nil
}

// intersectExcept plans INTERSECT and EXCEPT (without ALL) as a grouping of
// both inputs, each row tagged with its side: a group is kept when both
// sides have it (INTERSECT) or only the left one does (EXCEPT). Grouping
// treats NULLs as equal, as set operations must.
func intersectExcept(left, right Plan, intersect bool) Plan {
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
	n := schema.NumFields() - 2
	agg := &Aggregate{Input: union}
	for i := range n {
		f := schema.Field(i)
		agg.GroupBy = append(agg.GroupBy, &expr.Column{Index: i, Name: f.Name, Type: f.Type})
		agg.Names = append(agg.Names, f.Name)
	}
	for i, name := range []string{"?left?", "?right?"} {
		agg.Aggs = append(agg.Aggs, &expr.Aggregate{Func: expr.Sum, Arg: &expr.Column{Index: n + i, Name: name, Type: typeInt8},
			Type: &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: 0}})
		agg.Names = append(agg.Names, name)
	}
	zero := &expr.Literal{Value: scalar.NewDecimal128Scalar(decimal128.FromI64(0), &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: 0})}
	lcount := &expr.Column{Index: n, Name: "?left?", Type: zero.DataType()}
	rcount := &expr.Column{Index: n + 1, Name: "?right?", Type: zero.DataType()}
	cond := &expr.Binary{Op: expr.Gt, Left: lcount, Right: zero, Type: typeBool}
	other := &expr.Binary{Op: expr.Eq, Left: rcount, Right: zero, Type: typeBool}
	if intersect {
		other = &expr.Binary{Op: expr.Gt, Left: rcount, Right: zero, Type: typeBool}
	}
	filtered := &Filter{Input: agg, Predicate: &expr.Binary{Op: expr.And, Left: cond, Right: other, Type: typeBool}}
	var exprs []expr.Expr
	var names []string
	for i := range n {
		f := schema.Field(i)
		exprs = append(exprs, &expr.Column{Index: i, Name: f.Name, Type: f.Type})
		names = append(names, f.Name)
	}
	return &Project{Input: filtered, Exprs: exprs, Names: names}
}
