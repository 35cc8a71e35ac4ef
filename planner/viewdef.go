package planner

import (
	"bytes"
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/expr"
)

// This file prints a view's query the way PostgreSQL's pg_get_viewdef
// does (ruleutils.c): the stored query, not the text as written, with
// every column qualified, stars expanded, constants typed, implicit casts
// shown, and ruleutils' line layout and indentation. psql's \d+ and the
// clients that show view definitions read it, and users diff it against
// PostgreSQL's. The printer walks the parse tree; what binding learned
// (each column's relation, each expression's type) comes from the
// viewRecord the binder filled while it bound the view's query. A query
// using a construct the printer does not know keeps its text as written.

// viewRecord is what the binder notes, while it binds a view's query, for
// the printer: each bound expression, each column reference's relation
// and the column references a * stands for.
type viewRecord struct {
	exprs map[*pg_query.Node]expr.Expr
	cols  map[*pg_query.ColumnRef]recordedColumn
	stars map[*pg_query.Node][]*pg_query.Node
}

// recordedColumn is the column a reference was bound to; outer is set
// when it is an enclosing query's (a correlated reference).
type recordedColumn struct {
	scopeColumn
	outer bool
}

func newViewRecord() *viewRecord {
	return &viewRecord{
		exprs: make(map[*pg_query.Node]expr.Expr),
		cols:  make(map[*pg_query.ColumnRef]recordedColumn),
		stars: make(map[*pg_query.Node][]*pg_query.Node),
	}
}

// ruleutils' indentation steps and the frame bit the window code has no
// use for.
const (
	indentStd  = 8
	indentJoin = 4
	indentVar  = 4
	indentMax  = 40

	frameBetween = 0x00010
)

// viewdef prints one view's query.
type viewdef struct {
	b      *binder
	rec    *viewRecord
	pretty bool // pg_get_viewdef(v, true): only the parentheses needed
	buf    []byte
	indent int
	failed error
	// names holds, for each query level being printed (outermost
	// first), the names its FROM items print as: ruleutils makes them
	// unique across a query and the queries it is nested in (a subquery
	// reading the outer query's table calls it vt_1).
	names []map[string]string
}

// printView returns the view's query as pg_get_viewdef(view, pretty)
// prints it, with names as the view's column names.
func printView(b *binder, rec *viewRecord, s *pg_query.SelectStmt, names []string, pretty bool) (string, error) {
	d := &viewdef{b: b, rec: rec, pretty: pretty}
	d.query(s, names, true)
	if d.failed != nil {
		return "", d.failed
	}
	return string(d.buf) + ";", nil
}

func (d *viewdef) fail(format string, args ...any) {
	if d.failed == nil {
		d.failed = fmt.Errorf(format, args...)
	}
}

func (d *viewdef) write(s string) { d.buf = append(d.buf, s...) }

// keyword starts a new line (ruleutils' appendContextKeyword): the
// indentation changes by before, the line is indented by the level plus
// extra, then by after.
func (d *viewdef) keyword(s string, before, after, extra int) {
	d.indent += before
	d.buf = bytes.TrimRight(d.buf, " ")
	d.buf = append(d.buf, '\n')
	n := max(d.indent, 0) + extra
	if d.indent >= indentMax {
		n = indentMax + (d.indent-indentMax)%indentMax + extra
	}
	d.buf = append(d.buf, strings.Repeat(" ", n)...)
	d.write(s)
	d.indent = max(d.indent+after, 0)
}

// sub prints a nested query (a subquery, a WITH query, a set operation's
// side) at the current indentation, with indentation of its own.
func (d *viewdef) sub(s *pg_query.SelectStmt, names []string, namesVisible bool) {
	saved := d.indent
	d.query(s, names, namesVisible)
	d.indent = saved
}

// query prints a SELECT, a set operation or a VALUES list.
func (d *viewdef) query(s *pg_query.SelectStmt, names []string, namesVisible bool) {
	d.names = append(d.names, make(map[string]string))
	defer func() { d.names = d.names[:len(d.names)-1] }()
	for _, n := range s.FromClause {
		d.nameItems(n)
	}
	if s.WithClause != nil {
		d.with(s.WithClause)
	}
	switch {
	case s.Op != pg_query.SetOperation_SETOP_NONE:
		d.setop(s, names, namesVisible)
	case len(s.ValuesLists) > 0:
		d.values(s.ValuesLists)
	default:
		d.selectBody(s, names, namesVisible)
	}
	if len(s.SortClause) > 0 {
		d.keyword(" ORDER BY ", -indentStd, indentStd, 1)
		d.orderBy(s.SortClause, s.TargetList)
	}
	if s.LimitOffset != nil {
		d.keyword(" OFFSET ", -indentStd, indentStd, 0)
		d.expr(s.LimitOffset, "")
	}
	if s.LimitCount != nil {
		if s.LimitOption == pg_query.LimitOption_LIMIT_OPTION_WITH_TIES {
			d.fail("WITH TIES")
		}
		d.keyword(" LIMIT ", -indentStd, indentStd, 0)
		if c := s.LimitCount.GetAConst(); c != nil && c.Isnull {
			d.write("ALL")
		} else {
			d.expr(s.LimitCount, "")
		}
	}
	if len(s.LockingClause) > 0 || s.IntoClause != nil {
		d.fail("FOR UPDATE or INTO")
	}
}

func (d *viewdef) with(w *pg_query.WithClause) {
	d.indent += indentStd
	d.write(" ")
	sep := "WITH "
	if w.Recursive {
		sep = "WITH RECURSIVE "
	}
	for _, n := range w.Ctes {
		cte := n.GetCommonTableExpr()
		d.write(sep + catalog.QuoteIdent(cte.Ctename))
		if len(cte.Aliascolnames) > 0 {
			var cols []string
			for _, c := range cte.Aliascolnames {
				cols = append(cols, catalog.QuoteIdent(c.GetString_().GetSval()))
			}
			d.write("(" + strings.Join(cols, ", ") + ")")
		}
		d.write(" AS ")
		switch cte.Ctematerialized {
		case pg_query.CTEMaterialize_CTEMaterializeAlways:
			d.write("MATERIALIZED ")
		case pg_query.CTEMaterialize_CTEMaterializeNever:
			d.write("NOT MATERIALIZED ")
		}
		d.write("(")
		d.keyword("", 0, 0, 0)
		sel := cte.Ctequery.GetSelectStmt()
		if sel == nil {
			d.fail("WITH query that is not a SELECT")
			return
		}
		d.sub(sel, nil, true)
		d.keyword("", 0, 0, 0)
		d.write(")")
		if cte.SearchClause != nil || cte.CycleClause != nil {
			d.fail("SEARCH or CYCLE")
		}
		sep = ", "
	}
	d.indent -= indentStd
	d.keyword("", 0, 0, 0)
}

func (d *viewdef) setop(s *pg_query.SelectStmt, names []string, namesVisible bool) {
	leaf := func(side *pg_query.SelectStmt, names []string, visible bool) {
		if side.Op != pg_query.SetOperation_SETOP_NONE {
			d.sub(side, names, visible)
			return
		}
		paren := side.WithClause != nil || len(side.SortClause) > 0 || side.LimitCount != nil || side.LimitOffset != nil
		if paren {
			d.write("(")
		}
		d.sub(side, names, visible)
		if paren {
			d.write(")")
		}
	}
	l, r := s.Larg, s.Rarg
	paren := l.Op != pg_query.SetOperation_SETOP_NONE && (l.Op != s.Op || l.All != s.All)
	sub := 0
	if paren {
		d.write("(")
		sub = indentStd
		d.keyword("", sub, 0, 0)
	}
	leaf(l, names, namesVisible)
	if paren {
		d.keyword(") ", -sub, 0, 0)
	} else {
		d.keyword("", -sub, 0, 0)
	}
	switch s.Op {
	case pg_query.SetOperation_SETOP_UNION:
		d.write("UNION ")
	case pg_query.SetOperation_SETOP_INTERSECT:
		d.write("INTERSECT ")
	case pg_query.SetOperation_SETOP_EXCEPT:
		d.write("EXCEPT ")
	}
	if s.All {
		d.write("ALL ")
	}
	paren = r.Op != pg_query.SetOperation_SETOP_NONE
	sub = 0
	if paren {
		d.write("(")
		sub = indentStd
	}
	d.keyword("", sub, 0, 0)
	leaf(r, names, false)
	d.indent -= sub
	if paren {
		d.keyword(")", 0, 0, 0)
	}
}

// values prints VALUES (...), (...): ruleutils separates a row's items
// by a bare comma.
func (d *viewdef) values(rows []*pg_query.Node) {
	d.indent += indentStd
	d.write(" VALUES ")
	var types []string // each column's type, for its untyped constants
	for j := range rows[0].GetList().GetItems() {
		var col []*pg_query.Node
		for _, r := range rows {
			if items := r.GetList().GetItems(); j < len(items) {
				col = append(col, items[j])
			}
		}
		types = append(types, d.commonType(col, ""))
	}
	for i, r := range rows {
		if i > 0 {
			d.write(", ")
		}
		d.write("(")
		for j, v := range r.GetList().GetItems() {
			if j > 0 {
				d.write(",")
			}
			d.expr(v, types[min(j, len(types)-1)])
		}
		d.write(")")
	}
}

func (d *viewdef) selectBody(s *pg_query.SelectStmt, names []string, namesVisible bool) {
	d.indent += indentStd
	d.write(" SELECT")
	if len(s.DistinctClause) > 0 {
		if s.DistinctClause[0].Node == nil {
			d.write(" DISTINCT")
		} else {
			d.write(" DISTINCT ON (")
			for i, n := range s.DistinctClause {
				if i > 0 {
					d.write(", ")
				}
				d.sortGroupItem(n, s.TargetList, false)
			}
			d.write(")")
		}
	}
	d.targets(s.TargetList, names, namesVisible)
	d.from(s.FromClause)
	if s.WhereClause != nil {
		d.keyword(" WHERE ", -indentStd, indentStd, 1)
		d.expr(s.WhereClause, "")
	}
	if len(s.GroupClause) > 0 {
		d.keyword(" GROUP BY ", -indentStd, indentStd, 1)
		if s.GroupDistinct {
			d.write("DISTINCT ")
		}
		for i, n := range s.GroupClause {
			if i > 0 {
				d.write(", ")
			}
			if n.GetGroupingSet() != nil {
				d.fail("GROUPING SETS")
				return
			}
			d.sortGroupItem(n, s.TargetList, true)
		}
	}
	if s.HavingClause != nil {
		d.keyword(" HAVING ", -indentStd, indentStd, 0)
		d.expr(s.HavingClause, "")
	}
	first := true
	for _, n := range s.WindowClause {
		w := n.GetWindowDef()
		if first {
			d.keyword(" WINDOW ", -indentStd, indentStd, 1)
			first = false
		} else {
			d.write(", ")
		}
		d.write(catalog.QuoteIdent(w.Name) + " AS ")
		d.windowSpec(w, s.TargetList)
	}
}

// targets prints the select list, one item a line as ruleutils does with
// pg_get_viewdef's wrap column of 0.
func (d *viewdef) targets(list []*pg_query.Node, names []string, namesVisible bool) {
	type item struct {
		node *pg_query.Node
		name string // the output name given by AS, or ""
	}
	var items []item
	for _, n := range list {
		rt := n.GetResTarget()
		if cols, ok := d.rec.stars[n]; ok {
			for _, c := range cols {
				items = append(items, item{node: c})
			}
			continue
		}
		if cr := rt.Val.GetColumnRef(); cr != nil && isStar(cr) {
			d.fail("unexpanded *")
			return
		}
		items = append(items, item{node: rt.Val, name: rt.Name})
	}
	sep := " "
	for i, it := range items {
		d.write(sep)
		sep = ", "
		outer := d.buf
		d.buf = nil
		var attname string
		isVar := it.node.GetColumnRef() != nil
		if isVar {
			attname = d.rec.cols[it.node.GetColumnRef()].name
			d.expr(it.node, "")
		} else {
			d.expr(it.node, "")
			if !namesVisible {
				attname = "?column?"
			}
		}
		colname := it.name
		if colname == "" {
			colname = figureColname(it.node)
			if isVar {
				colname = attname
			}
		}
		if i < len(names) {
			colname = names[i]
		}
		if attname == "" || attname != colname {
			d.write(" AS " + catalog.QuoteIdent(colname))
		}
		field := d.buf
		d.buf = outer
		if len(field) > 0 && field[0] == '\n' {
			d.buf = bytes.TrimRight(d.buf, " ")
		} else if i > 0 {
			// With a wrap column of 0, every item after the first starts
			// a line.
			d.keyword("", -indentStd, indentStd, indentVar)
		}
		d.buf = append(d.buf, field...)
	}
}

func (d *viewdef) from(list []*pg_query.Node) {
	for i, n := range list {
		if i == 0 {
			d.keyword(" FROM ", -indentStd, indentStd, 2)
			d.fromItem(n)
			continue
		}
		d.write(", ")
		outer := d.buf
		d.buf = nil
		d.fromItem(n)
		item := d.buf
		d.buf = outer
		if len(item) > 0 && item[0] == '\n' {
			d.buf = bytes.TrimRight(d.buf, " ")
		} else {
			d.keyword("", -indentStd, indentStd, indentVar)
		}
		d.buf = append(d.buf, item...)
	}
}

// nameItems gives the FROM item n (and the items of a join) their
// printed names in the current query level.
func (d *viewdef) nameItems(n *pg_query.Node) {
	var name string
	switch x := n.Node.(type) {
	case *pg_query.Node_JoinExpr:
		d.nameItems(x.JoinExpr.Larg)
		d.nameItems(x.JoinExpr.Rarg)
		return
	case *pg_query.Node_RangeVar:
		name = x.RangeVar.Relname
		if x.RangeVar.Alias != nil {
			name = x.RangeVar.Alias.Aliasname
		}
	case *pg_query.Node_RangeSubselect:
		if x.RangeSubselect.Alias == nil {
			return
		}
		name = x.RangeSubselect.Alias.Aliasname
	default:
		return
	}
	level := d.names[len(d.names)-1]
	if _, done := level[name]; done {
		return
	}
	printed := name
	for i := 1; d.nameUsed(printed); i++ {
		printed = fmt.Sprintf("%s_%d", name, i)
	}
	level[name] = printed
}

func (d *viewdef) nameUsed(name string) bool {
	for _, level := range d.names {
		for _, printed := range level {
			if printed == name {
				return true
			}
		}
	}
	return false
}

// printedName is the name a FROM item called name prints as, looked up
// from the query level at depth outward.
func (d *viewdef) printedName(name string, depth int) string {
	for i := depth; i >= 0; i-- {
		if p, ok := d.names[i][name]; ok {
			return p
		}
	}
	return name
}

func (d *viewdef) fromItem(n *pg_query.Node) {
	switch x := n.Node.(type) {
	case *pg_query.Node_RangeVar:
		rv := x.RangeVar
		if !rv.Inh {
			d.write("ONLY ")
		}
		if rv.Schemaname != "" && rv.Schemaname != "public" && rv.Schemaname != "pg_catalog" {
			d.write(catalog.QuoteIdent(rv.Schemaname) + ".")
		}
		d.write(catalog.QuoteIdent(rv.Relname))
		a := rv.Alias
		if p := d.printedName(rv.Relname, len(d.names)-1); a == nil && p != rv.Relname {
			a = &pg_query.Alias{Aliasname: rv.Relname}
		}
		d.alias(a, rv.Relname)
	case *pg_query.Node_RangeSubselect:
		rs := x.RangeSubselect
		if rs.Lateral {
			d.write("LATERAL ")
		}
		sel := rs.Subquery.GetSelectStmt()
		if sel == nil {
			d.fail("subquery in FROM")
			return
		}
		d.write("(")
		d.sub(sel, nil, true)
		d.write(")")
		d.alias(rs.Alias, "")
	case *pg_query.Node_JoinExpr:
		j := x.JoinExpr
		if j.IsNatural || j.Alias != nil || j.JoinUsingAlias != nil {
			d.fail("NATURAL JOIN or a join alias")
			return
		}
		rightParen := d.pretty && j.Rarg.GetJoinExpr() != nil
		if !d.pretty {
			d.write("(")
		}
		d.fromItem(j.Larg)
		kw := map[pg_query.JoinType]string{pg_query.JoinType_JOIN_INNER: " JOIN ", pg_query.JoinType_JOIN_LEFT: " LEFT JOIN ",
			pg_query.JoinType_JOIN_RIGHT: " RIGHT JOIN ", pg_query.JoinType_JOIN_FULL: " FULL JOIN "}[j.Jointype]
		if kw == "" {
			d.fail("join type %v", j.Jointype)
			return
		}
		if j.Jointype == pg_query.JoinType_JOIN_INNER && j.Quals == nil && len(j.UsingClause) == 0 {
			kw = " CROSS JOIN "
		}
		d.keyword(kw, -indentStd, indentStd, indentJoin)
		if rightParen {
			d.write("(")
		}
		d.fromItem(j.Rarg)
		if rightParen {
			d.write(")")
		}
		switch {
		case len(j.UsingClause) > 0:
			var cols []string
			for _, c := range j.UsingClause {
				cols = append(cols, catalog.QuoteIdent(c.GetString_().GetSval()))
			}
			d.write(" USING (" + strings.Join(cols, ", ") + ")")
		case j.Quals != nil:
			d.write(" ON ")
			if !d.pretty {
				d.write("(")
			}
			d.expr(j.Quals, "")
			if !d.pretty {
				d.write(")")
			}
		case j.Jointype != pg_query.JoinType_JOIN_INNER:
			d.write(" ON TRUE")
		}
		if !d.pretty {
			d.write(")")
		}
	default:
		d.fail("FROM item %T", n.Node)
	}
}

func (d *viewdef) alias(a *pg_query.Alias, relname string) {
	if a == nil {
		return
	}
	if name := d.printedName(a.Aliasname, len(d.names)-1); name != relname || len(a.Colnames) > 0 {
		d.write(" " + catalog.QuoteIdent(name))
	}
	if len(a.Colnames) > 0 {
		var cols []string
		for _, c := range a.Colnames {
			cols = append(cols, catalog.QuoteIdent(c.GetString_().GetSval()))
		}
		d.write("(" + strings.Join(cols, ", ") + ")")
	}
}

// sortTarget is the select-list expression an ORDER BY, GROUP BY or
// DISTINCT ON item stands for: a position, an output name (ORDER BY
// prefers those; GROUP BY prefers the input's columns), or itself.
func (d *viewdef) sortTarget(n *pg_query.Node, targets []*pg_query.Node, group bool) *pg_query.Node {
	if c := n.GetAConst(); c != nil && c.GetIval() != nil {
		i := int(c.GetIval().Ival) - 1
		if i >= 0 && i < len(targets) {
			return targets[i].GetResTarget().Val
		}
	}
	if cr := n.GetColumnRef(); cr != nil && len(cr.Fields) == 1 && cr.Fields[0].GetString_() != nil {
		if _, bound := d.rec.cols[cr]; group && bound {
			return n
		}
		name := cr.Fields[0].GetString_().Sval
		for _, t := range targets {
			if rt := t.GetResTarget(); rt.Name == name || (rt.Name == "" && figureColname(rt.Val) == name) {
				return rt.Val
			}
		}
	}
	return n
}

// sortGroupItem prints an ORDER BY, GROUP BY, DISTINCT ON or PARTITION BY
// item; function-like expressions get parentheses, so that they cannot
// read as an output column's name.
func (d *viewdef) sortGroupItem(n *pg_query.Node, targets []*pg_query.Node, group bool) {
	e := d.sortTarget(n, targets, group)
	switch {
	case e.GetColumnRef() != nil:
		d.expr(e, "")
	case e.GetAConst() != nil:
		d.fail("constant sort key")
	default:
		paren := d.pretty || e.GetFuncCall() != nil
		if paren {
			d.write("(")
		}
		d.expr(e, "")
		if paren {
			d.write(")")
		}
	}
}

func (d *viewdef) orderBy(list []*pg_query.Node, targets []*pg_query.Node) {
	for i, n := range list {
		if i > 0 {
			d.write(", ")
		}
		sb := n.GetSortBy()
		d.sortGroupItem(sb.Node, targets, false)
		desc := false
		switch sb.SortbyDir {
		case pg_query.SortByDir_SORTBY_DESC:
			desc = true
			d.write(" DESC")
		case pg_query.SortByDir_SORTBY_USING:
			d.fail("ORDER BY USING")
		}
		switch sb.SortbyNulls {
		case pg_query.SortByNulls_SORTBY_NULLS_FIRST:
			if !desc {
				d.write(" NULLS FIRST")
			}
		case pg_query.SortByNulls_SORTBY_NULLS_LAST:
			if desc {
				d.write(" NULLS LAST")
			}
		}
	}
}

func (d *viewdef) windowSpec(w *pg_query.WindowDef, targets []*pg_query.Node) {
	d.write("(")
	space := false
	if w.Refname != "" {
		d.write(catalog.QuoteIdent(w.Refname))
		space = true
	}
	if len(w.PartitionClause) > 0 && w.Refname == "" {
		if space {
			d.write(" ")
		}
		d.write("PARTITION BY ")
		for i, n := range w.PartitionClause {
			if i > 0 {
				d.write(", ")
			}
			d.sortGroupItem(n, nil, true)
		}
		space = true
	}
	if len(w.OrderClause) > 0 {
		if space {
			d.write(" ")
		}
		d.write("ORDER BY ")
		d.orderBy(w.OrderClause, nil)
		space = true
	}
	if opts := w.FrameOptions; opts&frameNonDefault != 0 {
		if space {
			d.write(" ")
		}
		switch {
		case opts&frameRange != 0:
			d.write("RANGE ")
		case opts&frameRows != 0:
			d.write("ROWS ")
		case opts&frameGroups != 0:
			d.write("GROUPS ")
		}
		if opts&frameBetween != 0 {
			d.write("BETWEEN ")
		}
		bound := func(unbounded, current, preceding, following int32, offset *pg_query.Node, unboundedText string) {
			switch {
			case opts&unbounded != 0:
				d.write(unboundedText)
			case opts&current != 0:
				d.write("CURRENT ROW ")
			case opts&(preceding|following) != 0:
				d.expr(offset, "")
				if opts&preceding != 0 {
					d.write(" PRECEDING ")
				} else {
					d.write(" FOLLOWING ")
				}
			}
		}
		bound(frameStartUnbounded, frameStartCurrentRow, frameStartPreceding, frameStartFollowing, w.StartOffset, "UNBOUNDED PRECEDING ")
		if opts&frameBetween != 0 {
			d.write("AND ")
			bound(frameEndUnbounded, frameEndCurrentRow, frameEndPreceding, frameEndFollowing, w.EndOffset, "UNBOUNDED FOLLOWING ")
		}
		switch {
		case opts&frameExcludeCurrentRow != 0:
			d.write("EXCLUDE CURRENT ROW ")
		case opts&frameExcludeGroup != 0:
			d.write("EXCLUDE GROUP ")
		case opts&frameExcludeTies != 0:
			d.write("EXCLUDE TIES ")
		}
		d.buf = d.buf[:len(d.buf)-1]
	}
	d.write(")")
}
