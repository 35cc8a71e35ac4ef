package planner

import (
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

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
		right, rsc, corr, err := b.bindFromItemAfter(item, sc)
		if err != nil {
			return nil, nil, err
		}
		outer := corr.outer
		if sc, err = b.mergeScopes(sc, rsc, nodeLocation(item)); err != nil {
			return nil, nil, err
		}
		if len(outer) > 0 {
			plan = &Lateral{Left: plan, Right: right, Outer: outer, Type: InnerJoin}
			continue
		}
		plan = &Join{Left: plan, Right: right, Type: InnerJoin}
	}
	return plan, sc, nil
}

// bindFromItemAfter binds a FROM item that follows others. A LATERAL
// subquery, and any function (PostgreSQL makes functions in FROM lateral),
// may read the columns of the items before it, left: the correlation it
// returns lists the ones it reads, which make the join a Lateral.
func (b *binder) bindFromItemAfter(n *pg_query.Node, left *scope) (Plan, *scope, *correlation, error) {
	rs := n.GetRangeSubselect()
	if !(rs != nil && rs.Lateral || n.GetRangeFunction() != nil) {
		p, sc, err := b.bindFromItem(n)
		return p, sc, &correlation{}, err
	}
	b.outer = append(b.outer, left)
	corr := &correlation{ctx: exprContext{scope: left, clause: "FROM clause of their own query level"}}
	b.correlations = append(b.correlations, corr)
	p, sc, err := b.bindFromItem(n)
	b.outer = b.outer[:len(b.outer)-1]
	b.correlations = b.correlations[:len(b.correlations)-1]
	return p, sc, corr, err
}

func (b *binder) bindFromItem(n *pg_query.Node) (Plan, *scope, error) {
	switch {
	case n.GetRangeVar() != nil:
		return b.bindRangeVar(n.GetRangeVar())
	case n.GetJoinExpr() != nil:
		return b.bindJoin(n.GetJoinExpr())
	case n.GetRangeSubselect() != nil:
		return b.bindDerived(n.GetRangeSubselect())
	case n.GetRangeFunction() != nil:
		return b.bindRangeFunction(n.GetRangeFunction())
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
	right, rsc, corr, err := b.bindFromItemAfter(je.Rarg, lsc)
	if err != nil {
		return nil, nil, err
	}
	outer := corr.outer
	if len(outer) > 0 && typ != InnerJoin && typ != LeftJoin {
		return nil, nil, b.errorf("42P10", corr.loc, "invalid reference to FROM-clause entry for table %q", lsc.tables[0]).
			WithDetail("The combining JOIN type must be INNER or LEFT for a LATERAL reference.")
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
		var conds []expr.Expr
		var first []int
		var merged []expr.Expr // FULL JOIN: COALESCE(left, right) of each
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
			if typ == FullJoin || !arrow.TypeEqual(lc.Type, rc.Type) {
				// The merged column is a column of no table: with FULL
				// JOIN whichever side is there, otherwise the kept side
				// in the two columns' common type (int with numeric is
				// numeric, as in PostgreSQL).
				sc.cols[li].hidden, sc.cols[nl+ri].hidden = true, true
				m, err := b.mergedColumn(lc, rc, typ)
				if err != nil {
					return nil, nil, err
				}
				merged = append(merged, m)
				first = append(first, len(sc.cols)+len(merged)-1)
				continue
			}
			sc.cols[hide].hidden = true
			first = append(first, keep)
		}
		join.On = and(conds)
		if len(merged) > 0 {
			n := len(sc.cols)
			for i, name := range using {
				sc.cols = append(sc.cols, scopeColumn{name: name, typ: merged[i].DataType()})
			}
			sc.star = first
			for _, i := range starOrder(&scope{cols: sc.cols[:n], star: mergedStar(lsc, rsc)}) {
				if !sc.cols[i].hidden {
					sc.star = append(sc.star, i)
				}
			}
			exprs := make([]expr.Expr, 0, len(sc.cols))
			names := make([]string, 0, len(sc.cols))
			for i, c := range sc.cols[:n] {
				exprs = append(exprs, &expr.Column{Index: i, Name: c.table + "." + c.name, Type: c.typ})
				names = append(names, c.name)
			}
			exprs = append(exprs, merged...)
			names = append(names, using...)
			return &Project{Input: join, Exprs: exprs, Names: names}, sc, nil
		}
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
	if len(outer) > 0 {
		return &Lateral{Left: left, Right: right, Outer: outer, Type: typ, On: join.On}, sc, nil
	}
	return join, sc, nil
}

// mergedColumn is the column JOIN USING merges l and r into, in their
// common type: COALESCE(l, r) for a FULL JOIN, else the side the join
// keeps.
func (b *binder) mergedColumn(l, r *expr.Column, typ JoinType) (expr.Expr, error) {
	t := resultType(l.Type, r.Type)
	if t == nil {
		return nil, b.errorf(pgerror.DatatypeMismatch, -1, "JOIN/USING types %s and %s cannot be matched", typeName(l.Type), typeName(r.Type))
	}
	lc, err := b.cast(l, t, -1)
	if err != nil {
		return nil, err
	}
	rc, err := b.cast(r, t, -1)
	if err != nil {
		return nil, err
	}
	switch typ {
	case RightJoin:
		return rc, nil
	case FullJoin:
	default:
		return lc, nil
	}
	return &expr.Case{Whens: []expr.When{{Cond: &expr.IsNull{Input: l, Negated: true}, Result: lc}}, Else: rc, Type: t}, nil
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
	return plan, tableScope(alias, schema, rs.Alias.Colnames), nil
}

// tableScope makes the scope of a table named alias with the columns of
// schema, the first of them renamed by colnames.
func tableScope(alias string, schema *arrow.Schema, colnames []*pg_query.Node) *scope {
	sc := &scope{tables: []string{alias}}
	for i, f := range schema.Fields() {
		name := f.Name
		if i < len(colnames) {
			name = colnames[i].GetString_().GetSval()
		}
		pgType := pgtypes.Annotation(f)
		if i := f.Metadata.FindKey(catalog.DomainMetadata); i >= 0 {
			pgType = f.Metadata.Values()[i] // information_schema's domains
		}
		sc.cols = append(sc.cols, scopeColumn{table: alias, name: name, typ: f.Type,
			regproc: f.Metadata.FindKey(catalog.RegprocMetadata) >= 0, pgType: pgType})
	}
	return sc
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
			if cte, ok := b.ctes[i].ctes[rv.Relname]; ok {
				return b.bindCTE(cte, rv, i)
			}
		}
	}
	t, ok := b.lookupTable(rv.Schemaname, rv.Relname)
	if !ok {
		return nil, nil, b.errorf(pgerror.UndefinedTable, rv.Location, "relation %q does not exist", relationName(rv))
	}
	if b.reads != nil && !t.System {
		b.reads[[2]string{t.Schema, t.Name}] = true
	}
	if t.View != nil {
		return b.bindView(t, rv)
	}
	if t.System {
		// Some system tables change without a registration (sessions,
		// settings, statistics): read them afresh every time.
		b.volatile = true
	}
	if t.System && t.Schema == catalog.PgCatalog && t.Name == "pg_settings" && b.sess != nil {
		// The session's own settings, as of this statement.
		st, err := catalog.SettingsTable(b.sess.Settings())
		if err != nil {
			return nil, nil, err
		}
		st.Database = t.Database
		t = st
	}
	if t.System && t.Schema == catalog.PgCatalog && (t.Name == "pg_roles" || t.Name == "pg_authid" || t.Name == "pg_user") && b.sess != nil {
		st, err := catalog.RolesTable(t.Name, b.sessionUsers())
		if err != nil {
			return nil, nil, err
		}
		st.Database = t.Database
		t = st
	}
	if t.System && t.Schema == catalog.PgCatalog && t.Name == "pg_stat_activity" && b.sess != nil {
		st, err := b.cat.ActivityTable(b.db, b.sess.Activity())
		if err != nil {
			return nil, nil, err
		}
		t = st
	}
	alias := rv.Relname
	var colnames []*pg_query.Node
	if rv.Alias != nil {
		alias, colnames = rv.Alias.Aliasname, rv.Alias.Colnames
		if n := t.Provider.Schema().NumFields() - t.Hidden; len(colnames) > n {
			return nil, nil, b.errorf("42P10", -1, "table \"%s\" has %d columns available but %d columns specified", alias, n, len(colnames))
		}
	}
	sc := tableScope(alias, t.Provider.Schema(), colnames)
	for i := range sc.cols {
		sc.cols[i].numeric = numericDeclared(sc.cols[i].typ)
	}
	if t.Hidden > 0 {
		sc.star = starOrder(sc)[:len(sc.cols)-t.Hidden]
	}
	return &Scan{Table: t, Limit: -1}, sc, nil
}

// bindCTE binds a reference to a WITH query as a subquery in FROM. The WITH
// queries visible inside it are those of its own and outer levels.
func (b *binder) bindCTE(cte *pg_query.CommonTableExpr, rv *pg_query.RangeVar, level int) (Plan, *scope, error) {
	sel := cte.Ctequery.GetSelectStmt()
	if sel == nil {
		return nil, nil, b.unsupported(cte.Location, "WITH queries other than SELECT are not supported")
	}
	alias := rv.Relname
	colnames := cte.Aliascolnames
	if rv.Alias != nil {
		alias = rv.Alias.Aliasname
		if len(rv.Alias.Colnames) > 0 {
			colnames = rv.Alias.Colnames
		}
	}
	if w, ok := b.work[cte]; ok {
		// A reference from inside the query's own definition.
		if err := w.use(b, cte, rv.Location); err != nil {
			return nil, nil, err
		}
		return &WorkTableScan{Table: w.table}, tableScope(alias, w.table.Schema, colnames), nil
	}
	bind := func() (Plan, error) {
		saved := b.ctes
		b.ctes = b.ctes[:level+1]
		if w := b.ctes[level]; !w.recursive {
			// Without RECURSIVE a query sees only the queries before it.
			w.ctes = w.before(cte)
			b.ctes = append(slices.Clone(b.ctes[:level]), w)
		}
		defer func() { b.ctes = saved }()
		if b.ctes[level].recursive {
			return b.bindRecursive(cte, sel)
		}
		return b.bindSelect(sel)
	}
	var plan Plan
	var err error
	if w := b.ctes[level]; w.materialized != nil && !w.recursive && materializes(cte) {
		plan, err = b.bindMaterialized(w, cte, bind)
	} else {
		plan, err = bind()
	}
	if err != nil {
		return nil, nil, err
	}
	schema := plan.Schema()
	if len(colnames) > schema.NumFields() {
		return nil, nil, b.errorf("42P10", cte.Location, "WITH query %q has %d columns available but %d columns specified", cte.Ctename, schema.NumFields(), len(colnames))
	}
	return plan, tableScope(alias, schema, colnames), nil
}

// bindRangeFunction binds a set-returning function in FROM:
// generate_series(start, stop[, step]) over integers and unnest(array).
// Arguments may not read other FROM items (that would be LATERAL), but may
// read an enclosing query's row in a correlated subquery.
func (b *binder) bindRangeFunction(rf *pg_query.RangeFunction) (Plan, *scope, error) {
	var calls []*pg_query.FuncCall
	for _, f := range rf.Functions {
		items := f.GetList().GetItems()
		if len(items) == 0 || items[0].GetFuncCall() == nil || len(items) > 1 && items[1].GetList() != nil {
			return nil, nil, b.unsupported(-1, "this function in FROM is not supported yet")
		}
		calls = append(calls, items[0].GetFuncCall())
	}
	fc := calls[0]
	name := funcName(fc)
	if name == "pg_partition_ancestors" && len(calls) == 1 && len(fc.Args) == 1 {
		fc = partitionAncestors(fc)
		name = "unnest"
		rf = proto.Clone(rf).(*pg_query.RangeFunction)
		rf.Functions[0].GetList().Items[0] = &pg_query.Node{Node: &pg_query.Node_FuncCall{FuncCall: fc}}
	}
	switch name {
	case "json_to_record", "jsonb_to_record", "json_to_recordset", "jsonb_to_recordset":
		if len(calls) == 1 && !rf.Ordinality {
			return b.bindJSONToRecord(rf, fc, name)
		}
	case "pg_options_to_table":
		if len(calls) == 1 && len(fc.Args) == 1 && !rf.Ordinality {
			return b.bindOptionsToTable(rf, fc)
		}
	}
	if rf.IsRowsfrom || name == "unnest" && len(fc.Args) > 1 {
		return b.bindRowsFrom(rf, calls)
	}
	if len(fc.Args) == 0 {
		mt, ok, err := catalog.FunctionTable(name)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			alias := name
			var colnames []*pg_query.Node
			if rf.Alias != nil {
				alias, colnames = rf.Alias.Aliasname, rf.Alias.Colnames
			}
			t := &catalog.Table{Database: b.db, Schema: catalog.PgCatalog, Name: name, Provider: mt, System: true}
			return &Scan{Table: t, Limit: -1}, tableScope(alias, mt.Schema(), colnames), nil
		}
	}
	ectx := exprContext{scope: &scope{}, clause: "functions in FROM"}
	args, err := b.bindExprs(fc.Args, ectx)
	if err != nil {
		return nil, nil, err
	}
	defaultCol := name
	resolved := make([]expr.Expr, len(args))
	for i, a := range args {
		resolved[i] = b.resolveUnknown(a)
	}
	switch name {
	case "json_each", "jsonb_each", "json_each_text", "jsonb_each_text":
		return b.bindJSONEach(rf, fc, name, args)
	}
	if arr, col, ok, err := b.setFuncAsArray(fc, name, resolved); ok || err != nil {
		if err != nil {
			return nil, nil, err
		}
		name, args, defaultCol = "unnest", []expr.Expr{arr}, col
	}
	var elem arrow.DataType
	switch {
	case name == "generate_series" && len(args) == 3 && isDateTime(args[0], args[1]):
		// generate_series(timestamp[tz], timestamp[tz], interval); dates
		// are timestamptz, PostgreSQL's preferred date/time type.
		elem = typeTimestamp
		for _, a := range args[:2] {
			if t := a.DataType(); t.ID() == arrow.DATE32 || t.ID() == arrow.TIMESTAMP && t.(*arrow.TimestampType).TimeZone != "" {
				elem = typeTimestamptz
			}
		}
		for i, a := range args {
			want := elem
			if i == 2 {
				want = typeInterval
			}
			var err error
			if args[i], err = b.cast(a, want, fc.Location); err != nil {
				return nil, nil, err
			}
		}
	case name == "generate_series" && (len(args) == 2 || len(args) == 3):
		elem = typeInt4
		for _, a := range args {
			if t := b.resolveUnknown(a).DataType(); t.ID() == arrow.INT64 {
				elem = typeInt8
			} else if t.ID() != arrow.INT32 && t.ID() != arrow.INT16 {
				return nil, nil, b.unsupported(fc.Location, "generate_series over %s is not supported yet", typeName(t))
			}
		}
		for i, a := range args {
			var err error
			if args[i], err = b.cast(b.resolveUnknown(a), elem, fc.Location); err != nil {
				return nil, nil, err
			}
		}
	case name == "unnest" && len(args) == 1:
		list, ok := args[0].DataType().(*arrow.ListType)
		if !ok {
			return nil, nil, b.noFunction(fc, name, args...)
		}
		elem = list.Elem()
	default:
		return b.bindScalarInFrom(rf, fc)
	}
	alias, colName := funcName(fc), defaultCol
	var colnames []*pg_query.Node
	if rf.Alias != nil {
		// A function's own column name (json_array_elements' value)
		// stays; otherwise the column takes the alias.
		alias = rf.Alias.Aliasname
		if defaultCol == name || defaultCol == funcName(fc) {
			colName = rf.Alias.Aliasname
		}
		colnames = rf.Alias.Colnames
	}
	fields := []arrow.Field{{Name: colName, Type: elem, Nullable: true}}
	if rf.Ordinality {
		fields = append(fields, arrow.Field{Name: "ordinality", Type: typeInt8})
	}
	schema := arrow.NewSchema(fields, nil)
	sc := tableScope(alias, schema, colnames)
	if _, record := elem.(*arrow.StructType); !rf.Ordinality && !record {
		sc.cols[0].funcValue = true
	}
	return &TableFunc{Func: name, Args: args, Out: schema, Ordinality: rf.Ordinality}, sc, nil
}

// bindRowsFrom binds ROWS FROM (f(...), g(...)) and unnest(a, b, ...),
// which is ROWS FROM (unnest(a), unnest(b), ...): the functions' values
// side by side, the shorter sets padded with NULLs, as a select list of
// set-returning functions computes them; WITH ORDINALITY numbers the rows.
func (b *binder) bindRowsFrom(rf *pg_query.RangeFunction, calls []*pg_query.FuncCall) (Plan, *scope, error) {
	if len(calls) == 1 {
		// unnest(a, b): one unnest per array.
		fc := calls[0]
		calls = nil
		for _, a := range fc.Args {
			calls = append(calls, &pg_query.FuncCall{Funcname: fc.Funcname, Args: []*pg_query.Node{a}, Location: fc.Location})
		}
	}
	var targets []*pg_query.Node
	for _, fc := range calls {
		targets = append(targets, &pg_query.Node{Node: &pg_query.Node_ResTarget{ResTarget: &pg_query.ResTarget{
			Name: funcName(fc), Val: &pg_query.Node{Node: &pg_query.Node_FuncCall{FuncCall: fc}}, Location: fc.Location}}})
	}
	sel := &pg_query.SelectStmt{Op: pg_query.SetOperation_SETOP_NONE, LimitOption: pg_query.LimitOption_LIMIT_OPTION_DEFAULT, TargetList: targets}
	plan, err := b.bindSelect(sel)
	if err != nil {
		return nil, nil, err
	}
	if rf.Ordinality {
		// The rows come out in the sets' order: number them so.
		in := plan.Schema()
		p := &Project{Input: &Window{Input: plan, Funcs: []*WindowFunc{{Func: "row_number", Type: typeInt8, Frame: engine.DefaultFrame}}}}
		for i, f := range in.Fields() {
			p.Exprs = append(p.Exprs, &expr.Column{Index: i, Name: f.Name, Type: f.Type})
			p.Names = append(p.Names, f.Name)
		}
		p.Exprs = append(p.Exprs, &expr.Column{Index: in.NumFields(), Name: "ordinality", Type: typeInt8})
		p.Names = append(p.Names, "ordinality")
		plan = p
	}
	alias := funcName(calls[0])
	var colnames []*pg_query.Node
	if rf.Alias != nil {
		alias, colnames = rf.Alias.Aliasname, rf.Alias.Colnames
	}
	return plan, tableScope(alias, plan.Schema(), colnames), nil
}

// bindScalarInFrom binds a function that returns one value, called in
// FROM: one row of one column, named after the alias (or the function), as
// PostgreSQL makes it. It is `(SELECT f(...))`, lateral like every
// function in FROM (DataGrip's `CROSS JOIN pg_indexam_has_property(
// t.relam, 'can_order') amcanorder`).
func (b *binder) bindScalarInFrom(rf *pg_query.RangeFunction, fc *pg_query.FuncCall) (Plan, *scope, error) {
	alias := funcName(fc)
	var colnames []*pg_query.Node
	if rf.Alias != nil {
		alias, colnames = rf.Alias.Aliasname, rf.Alias.Colnames
	}
	sel := &pg_query.SelectStmt{Op: pg_query.SetOperation_SETOP_NONE, LimitOption: pg_query.LimitOption_LIMIT_OPTION_DEFAULT, TargetList: []*pg_query.Node{{Node: &pg_query.Node_ResTarget{ResTarget: &pg_query.ResTarget{
		Name: alias, Val: &pg_query.Node{Node: &pg_query.Node_FuncCall{FuncCall: fc}}, Location: fc.Location}}}}}
	plan, err := b.bindSelect(sel)
	if err != nil {
		return nil, nil, err
	}
	if rf.Ordinality {
		return nil, nil, b.unsupported(fc.Location, "WITH ORDINALITY over a function returning one value is not supported yet")
	}
	if st, ok := plan.Schema().Field(0).Type.(*arrow.StructType); ok && plan.Schema().NumFields() == 1 {
		// A function returning a record (_pg_expandarray) gives its
		// fields as columns, as PostgreSQL expands a composite result.
		rec := &expr.Column{Index: 0, Name: alias, Type: st}
		p := &Project{Input: plan}
		for i, f := range st.Fields() {
			p.Exprs = append(p.Exprs, &expr.Call{Func: "struct_field", Args: []expr.Expr{rec, &expr.Literal{Value: scalar.NewInt32Scalar(int32(i))}}, Type: f.Type})
			p.Names = append(p.Names, f.Name)
		}
		plan = p
	}
	return plan, tableScope(alias, plan.Schema(), colnames), nil
}

// isDateTime reports whether the first two arguments of generate_series
// are dates or timestamps (one may be an untyped literal).
func isDateTime(args ...expr.Expr) bool {
	found := false
	for _, a := range args {
		switch a.DataType().ID() {
		case arrow.DATE32, arrow.TIMESTAMP:
			found = true
		default:
			if _, ok := a.(*unknownLit); !ok {
				return false
			}
		}
	}
	return found
}

// bindOptionsToTable binds pg_options_to_table(options), the rows
// (option_name, option_value) of an options array ("name=value" items, as
// in pg_foreign_data_wrapper.fdwoptions): each item split at its first
// '=', the value NULL without one.
func (b *binder) bindOptionsToTable(rf *pg_query.RangeFunction, fc *pg_query.FuncCall) (Plan, *scope, error) {
	arg, err := b.bindExpr(fc.Args[0], exprContext{scope: &scope{}, clause: "functions in FROM"})
	if err != nil {
		return nil, nil, err
	}
	if arg, err = b.cast(b.resolveUnknown(arg), arrow.ListOf(typeText), fc.Location); err != nil {
		return nil, nil, err
	}
	items := &TableFunc{Func: "unnest", Args: []expr.Expr{arg}, Out: arrow.NewSchema([]arrow.Field{{Name: "option", Type: typeText, Nullable: true}}, nil)}
	item := &expr.Column{Index: 0, Name: "option", Type: typeText}
	int4 := func(v int32) expr.Expr { return &expr.Literal{Value: scalar.NewInt32Scalar(v)} }
	eqAt := &expr.Call{Func: "strpos", Args: []expr.Expr{item, &expr.Literal{Value: scalar.NewStringScalar("=")}}, Type: typeInt4}
	hasEq := &expr.Binary{Op: expr.Gt, Left: eqAt, Right: int4(0), Type: typeBool}
	name := &expr.Case{Whens: []expr.When{{Cond: hasEq, Result: &expr.Call{Func: "substr", Args: []expr.Expr{item, int4(1),
		&expr.Binary{Op: expr.Sub, Left: eqAt, Right: int4(1), Type: typeInt4}}, Type: typeText}}}, Else: item, Type: typeText}
	value := &expr.Case{Whens: []expr.When{{Cond: hasEq, Result: &expr.Call{Func: "substr", Args: []expr.Expr{item,
		&expr.Binary{Op: expr.Add, Left: eqAt, Right: int4(1), Type: typeInt4}}, Type: typeText}}}, Type: typeText}
	plan := &Project{Input: items, Exprs: []expr.Expr{name, value}, Names: []string{"option_name", "option_value"}}
	alias := "pg_options_to_table"
	var colnames []*pg_query.Node
	if rf.Alias != nil {
		alias, colnames = rf.Alias.Aliasname, rf.Alias.Colnames
	}
	return plan, tableScope(alias, plan.Schema(), colnames), nil
}

// relationName is the name rv gives, schema-qualified as written.
func relationName(rv *pg_query.RangeVar) string {
	if rv.Schemaname != "" {
		return rv.Schemaname + "." + rv.Relname
	}
	return rv.Relname
}
