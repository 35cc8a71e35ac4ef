package planner

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/pgerror"
)

// binder resolves the names of one statement against the catalog and turns
// its parse tree into a logical plan, as PostgreSQL's analyzer does.
type binder struct {
	sql string
	// text is the statement's own text within sql (a view keeps it).
	text string
	cat  *catalog.Catalog
	db   string
	// reads, when set (CREATE VIEW), collects the relations the query
	// names.
	reads map[[2]string]bool
	// colLoc remembers where each bound column reference was written, for
	// errors found after binding (GROUP BY checks).
	colLoc map[*expr.Column]int32
	// subqueryCols are the columns a subquery reads of an enclosing
	// query, for the error when that query groups them away.
	subqueryCols map[*expr.Column]bool
	// untyped holds the text literals that were untyped string constants
	// or bare NULLs no context typed: a set operation gives them the other
	// side's type.
	untyped map[*expr.Literal]*unknownLit
	// params are the statement's parameters; describeOnly is set while a
	// statement is prepared, when parameters have types but no values.
	params       *paramSet
	describeOnly bool
	// rec, while a view is created, notes what printing its query as
	// pg_get_viewdef does needs (viewdef.go).
	rec *viewRecord
	// ctes are the WITH clauses in scope, innermost last.
	ctes []withClause
	// work are the recursive WITH queries whose recursive term is being
	// bound: references to them read the work table.
	work map[*pg_query.CommonTableExpr]*workRef
	// sess answers current_user, current_setting() and the like; now is
	// the statement's start, for now() and CURRENT_TIMESTAMP.
	sess    Session
	now     time.Time
	stmtNow time.Time      // the statement's start, statement_timestamp(); zero: now
	loc     *time.Location // the session's TimeZone, once asked for (location)
	// outer are the scopes of the queries enclosing a subquery; a name
	// found only there makes the subquery correlated. correlations, one
	// per outer scope, collect the columns read from it.
	outer        []*scope
	correlations []*correlation
	// regproc holds the column references bound to regproc columns.
	regproc map[*expr.Column]bool
	// pgTypes holds the catalog types of column references bound to
	// columns that have one (scopeColumn.pgType), for pg_typeof.
	pgTypes map[*expr.Column]string
	// declared holds the catalog types with modifiers (numeric(p,s),
	// character varying(n)) of bound casts, CASEs and the like whose
	// Arrow type does not tell them, and numericCols those of column
	// references to tables' decimal columns: see declaredOf.
	declared    map[expr.Expr]string
	numericCols map[*expr.Column]string
	// volatile is set once the plan holds something true of this
	// execution only (now(), a setting's value, a snapshot of a system
	// table, a parameter's value): such a plan is never reused.
	volatile bool
	// locks are the tables a SELECT ... FOR UPDATE/SHARE locks, and
	// lockNoWait its NOWAIT.
	locks      []*catalog.Table
	lockNoWait bool
	// write names the change the statement makes to the table it
	// targets (INSERT, UPDATE, DELETE), refused by a read-only transaction
	// unless that table is temporary.
	write string
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
	// regproc marks a system table's regproc column (a function's name).
	regproc bool
	// funcValue marks the one column of a function in FROM that returns
	// a scalar type (unnest, generate_series, json_array_elements): the
	// function's alias alone is this value, not a record of it.
	funcValue bool
	// pgType is the catalog type of an oid, name, ... column
	// (pgtypes.Annotation), "" for the others.
	pgType string
	// numeric is numeric(p,s) for a table's decimal column: PostgreSQL
	// reports a column's precision and scale, not a computed value's.
	numeric string
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
	null  bool // a bare NULL, which also takes the type its context gives
}

func (u *unknownLit) DataType() arrow.DataType { return typeText }

func (u *unknownLit) String() string {
	if u.param > 0 {
		return fmt.Sprintf("$%d", u.param)
	}
	return quoteLiteral(u.text)
}

// aggRef stands for the result of the aggregate collected at index i, until
// the select list is rewritten over the Aggregate node's output.
type aggRef struct {
	i   int
	agg *expr.Aggregate
}

func (a *aggRef) DataType() arrow.DataType { return a.agg.Type }

func (a *aggRef) String() string { return a.agg.String() }

// aggCollector gathers the distinct aggregate calls of a query.
type aggCollector struct {
	aggs []*expr.Aggregate
	// order is the ORDER BY of the query's first ordered aggregate: the
	// aggregate's input is sorted by it, once. Aggregates ordering
	// differently sort their own rows (expr.Aggregate.OrderBy).
	order     []orderKey
	orderText string
	// groupings are the query's GROUPING() calls.
	groupings []*groupingRef
}

// orderKey is one ORDER BY item of an ordered aggregate.
type orderKey struct {
	e          expr.Expr
	desc       bool
	nullsFirst bool
}

func (c *aggCollector) add(a *expr.Aggregate) *aggRef {
	for i, x := range c.aggs {
		// The same text over arguments of other types (sum(1) and
		// sum(1.0)) is another aggregate.
		if x.String() == a.String() && arrow.TypeEqual(x.DataType(), a.DataType()) &&
			(x.Arg == nil) == (a.Arg == nil) && (x.Arg == nil || arrow.TypeEqual(x.Arg.DataType(), a.Arg.DataType())) {
			return &aggRef{i: i, agg: x}
		}
	}
	c.aggs = append(c.aggs, a)
	return &aggRef{i: len(c.aggs) - 1, agg: a}
}

// exprContext is what an expression may refer to where it is written.
type exprContext struct {
	scope *scope
	aggs  *aggCollector // nil where aggregates are not allowed
	wins  *winCollector // nil where window functions are not allowed
	// argAggs, when binding an aggregate used as a window function, is
	// the query's collector its arguments' aggregates go to.
	argAggs *aggCollector
	clause  string // for "aggregate functions are not allowed in WHERE"
	// mayGroup marks the select list and ORDER BY of a query not (yet)
	// grouped: an aggregate of it found in a subquery makes it grouped.
	mayGroup bool
}

// bindSelect plans a SELECT statement.
func (b *binder) bindSelect(s *pg_query.SelectStmt) (Plan, error) {
	if len(s.LockingClause) > 0 {
		if err := b.lockClause(s); err != nil {
			return nil, err
		}
		plain := proto.Clone(s).(*pg_query.SelectStmt)
		plain.LockingClause = nil
		return b.bindSelect(plain)
	}
	if s.WithClause != nil {
		w, err := b.enterWith(s.WithClause, true)
		if err != nil {
			return nil, err
		}
		defer b.leaveWith()
		plan, err := b.bindSelectBody(s)
		if err != nil {
			return nil, err
		}
		return withMaterialized(w, plan), nil
	}
	return b.bindSelectBody(s)
}

// bindSelectBody plans a SELECT statement whose WITH queries are in scope.
func (b *binder) bindSelectBody(s *pg_query.SelectStmt) (Plan, error) {
	switch {
	case s.Op != pg_query.SetOperation_SETOP_NONE:
		return b.bindSetOp(s)
	case len(s.ValuesLists) > 0:
		return b.bindValues(s)
	case s.IntoClause != nil:
		return nil, b.unsupported(-1, "SELECT INTO is not supported")
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
	mark := b.markCorrelations()
	plan, err := b.bindSelectList(s, input, sc, groupAuto)
	var regroup *regroupError
	switch {
	case errors.As(err, &regroup) && regroup.scope == sc:
		// An aggregate of this query sits in a subquery of its select
		// list or ORDER BY: the query is grouped after all.
		b.restoreCorrelations(mark)
		plan, err = b.bindSelectList(s, input, sc, groupAlways)
	case errors.Is(err, errNotGrouped):
		b.restoreCorrelations(mark)
		plan, err = b.bindSelectList(s, input, sc, groupNever)
	}
	return plan, err
}

// groupMode says whether bindSelectList makes the query grouped: when
// its GROUP BY, HAVING or aggregate calls say so (groupAuto), or as a
// second attempt found the query to be (groupAlways) or not (groupNever:
// its aggregate calls are all enclosing queries').
type groupMode int

const (
	groupAuto groupMode = iota
	groupAlways
	groupNever
)

// errNotGrouped reports a query whose aggregate calls all belong to
// enclosing queries: bindSelectBody binds it again as not grouped.
var errNotGrouped = errors.New("the query's aggregates are all of enclosing queries")

// regroupError reports an aggregate that belongs to an enclosing query
// found ungrouped: bindSelectBody binds that query again as grouped.
type regroupError struct {
	scope *scope
	err   error
}

func (e *regroupError) Error() string { return e.err.Error() }
func (e *regroupError) Unwrap() error { return e.err }

// bindSelectList plans the rest of a SELECT over its FROM and WHERE
// (input, with scope sc): grouping, the select list, HAVING, windows,
// DISTINCT, ORDER BY and LIMIT, grouped as mode says.
func (b *binder) bindSelectList(s *pg_query.SelectStmt, input Plan, sc *scope, mode groupMode) (Plan, error) {
	targets, names, _, err := b.expandTargets(s.TargetList, sc)
	if err != nil {
		return nil, err
	}

	grouped := mode == groupAlways || mode == groupAuto && (len(s.GroupClause) > 0 || s.HavingClause != nil || hasAggregate(s.TargetList) || sortHasAggregate(s.SortClause))
	wins := &winCollector{}
	for _, n := range s.WindowClause {
		def := n.GetWindowDef()
		if _, dup := wins.defs[def.Name]; dup {
			return nil, b.errorf("42P20", def.Location, "window %q is already defined", def.Name)
		}
		if wins.defs == nil {
			wins.defs = make(map[string]*pg_query.WindowDef)
		}
		wins.defs[def.Name] = def
	}
	ectx := exprContext{scope: sc, wins: wins, mayGroup: !grouped}
	var aggs *aggCollector
	var groups []expr.Expr
	var sets [][]int // grouping sets, nil for a plain GROUP BY
	groupClause := s.GroupClause
	if grouped {
		if input, sc, targets, groupClause, err = b.groupedSRFs(groupClause, targets, names, input, sc); err != nil {
			return nil, err
		}
		ectx.scope = sc
		aggs = &aggCollector{}
		ectx.aggs = aggs
		if groups, sets, err = b.bindGroupClause(groupClause, targets, names, sc); err != nil {
			return nil, err
		}
		if sets == nil {
			groups = dependentKeys(input, sc, groups)
		}
	}

	exprs := make([]expr.Expr, len(targets))
	var srfs map[int]SetItem // select-list items that are set-returning functions
	// Set-returning functions inside select-list expressions
	// (generate_series(1, 3)::text, (regexp_matches(s, p))[1]) run in a
	// ProjectSet that passes the input's columns through and adds each
	// function's values as a column of its own; the select list is then
	// computed over that, reading the functions' columns by name.
	var nested *nestedSRFs
	if slices.ContainsFunc(targets, func(t *pg_query.Node) bool { return !isSRFCall(t) && findSRF(t) != nil }) {
		if grouped {
			return nil, b.unsupported(nodeLocation(findSRF(targets[slices.IndexFunc(targets, func(t *pg_query.Node) bool { return !isSRFCall(t) && findSRF(t) != nil })])),
				"set-returning functions inside expressions are not supported with GROUP BY or aggregates yet")
		}
		nested = &nestedSRFs{input: sc}
	}
	for i, t := range targets {
		if nested != nil {
			e, err := nested.bind(b, t, ectx)
			if err != nil {
				return nil, err
			}
			exprs[i] = b.resolveUnknown(e)
			continue
		}
		if isSRFCall(t) {
			// The functions run after grouping, over the groups (as
			// PostgreSQL runs them when GROUP BY does not name them),
			// and before DISTINCT and ORDER BY.
			item, err := b.bindSRFItem(t, ectx)
			if err != nil {
				return nil, err
			}
			if srfs == nil {
				srfs = make(map[int]SetItem)
			}
			srfs[i] = item
			exprs[i] = &expr.Literal{Value: scalar.MakeNullScalar(item.Type)} // stands in until the ProjectSet
			continue
		}
		e, err := b.bindExpr(t, ectx)
		if err != nil {
			return nil, err
		}
		exprs[i] = b.declare(unpadded(b.resolveUnknown(e)), t) // a character result prints padded
	}

	if nested != nil && len(wins.calls) > 0 {
		return nil, b.unsupported(-1, "set-returning functions inside expressions are not supported with window functions yet")
	}

	var having expr.Expr
	if s.HavingClause != nil {
		if having, err = b.bindPredicate(s.HavingClause, exprContext{scope: sc, aggs: aggs, clause: "HAVING"}); err != nil {
			return nil, err
		}
	}

	// ORDER BY and DISTINCT ON items become output columns: existing ones
	// by ordinal, name or equal expression, others as hidden columns
	// dropped at the end.
	visible := len(exprs)
	outputColumn := func(n *pg_query.Node) (int, error) {
		idx, err := b.bindSortTarget(n, exprs, names, ectx)
		if err != nil || idx >= 0 {
			return idx, err
		}
		e, err := b.bindExpr(n, ectx)
		if err != nil {
			return 0, err
		}
		e = b.resolveUnknown(e)
		for i, x := range exprs {
			if x.String() == e.String() {
				return i, nil
			}
		}
		exprs = append(exprs, e)
		names = append(names, "?sort?")
		return len(exprs) - 1, nil
	}
	distinctOn := len(s.DistinctClause) > 0 && s.DistinctClause[0].Node != nil
	var onCols []int
	if distinctOn {
		for _, n := range s.DistinctClause {
			idx, err := outputColumn(n)
			if err != nil {
				return nil, err
			}
			onCols = append(onCols, idx)
		}
	}
	var keys []SortKey
	for _, n := range s.SortClause {
		sb := n.GetSortBy()
		idx, err := outputColumn(sb.Node)
		if err != nil {
			return nil, err
		}
		key, err := b.sortKey(sb, idx)
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}

	if grouped && mode == groupAuto && len(aggs.aggs) == 0 && len(aggs.groupings) == 0 && len(s.GroupClause) == 0 && s.HavingClause == nil {
		// Its aggregates all belong to enclosing queries: this query
		// is not grouped.
		return nil, errNotGrouped
	}

	if grouped {
		if len(aggs.order) > 0 {
			// Ordered aggregates see their rows in order: sort the
			// input by the ORDER BY keys, added as columns after the
			// input's own.
			in := input.Schema()
			var pexprs []expr.Expr
			var pnames []string
			for i, f := range in.Fields() {
				pexprs = append(pexprs, &expr.Column{Index: i, Name: f.Name, Type: f.Type})
				pnames = append(pnames, f.Name)
			}
			var keys []SortKey
			for _, k := range aggs.order {
				keys = append(keys, SortKey{Column: len(pexprs), Desc: k.desc, NullsFirst: k.nullsFirst})
				pexprs = append(pexprs, k.e)
				pnames = append(pnames, k.e.String())
			}
			input = &Sort{Input: &Project{Input: input, Exprs: pexprs, Names: pnames}, Keys: keys}
		}
		if sets != nil && s.GroupDistinct {
			sets = distinctSets(sets)
		}
		if sets != nil || len(aggs.groupings) > 0 {
			if input, err = b.groupingSetsPlan(input, groups, sets, aggs); err != nil {
				return nil, err
			}
		} else {
			agg := &Aggregate{Input: input, GroupBy: groups, Aggs: aggs.aggs}
			for _, g := range groups {
				agg.Names = append(agg.Names, g.String())
			}
			for _, a := range aggs.aggs {
				agg.Names = append(agg.Names, a.String())
			}
			input = agg
		}
		for i, e := range exprs {
			if exprs[i], err = b.overAggregate(e, groups); err != nil {
				return nil, err
			}
		}
		for i, item := range srfs {
			for j, a := range item.Args {
				if item.Args[j], err = b.overAggregate(a, groups); err != nil {
					return nil, err
				}
			}
			srfs[i] = item
		}
		if having != nil {
			pred, err := b.overAggregate(having, groups)
			if err != nil {
				return nil, err
			}
			input = &Filter{Input: input, Predicate: pred}
		}
	}

	if len(wins.calls) > 0 {
		// The set-returning functions' arguments may read window
		// functions too: they go through the window stage with the
		// select list.
		srfAt := slices.Sorted(maps.Keys(srfs))
		all := exprs
		for _, i := range srfAt {
			all = append(all[:len(all):len(all)], srfs[i].Args...)
		}
		if input, all, err = b.windowStage(input, all, wins, grouped, groups); err != nil {
			return nil, err
		}
		exprs, all = slices.Clip(all[:len(exprs)]), all[len(exprs):]
		for _, i := range srfAt {
			item := srfs[i]
			item.Args, all = slices.Clip(all[:len(item.Args)]), all[len(item.Args):]
			srfs[i] = item
		}
	}
	var plan Plan = &Project{Input: input, Exprs: exprs, Names: names}
	if nested != nil {
		plan = &Project{Input: nested.plan(input), Exprs: exprs, Names: names}
	}
	if srfs != nil {
		// After the window functions, as PostgreSQL runs them: the
		// window's output keeps its input's columns first, which the
		// functions' arguments read.
		ps := &ProjectSet{Input: input, Names: names}
		for i, e := range exprs {
			item, ok := srfs[i]
			if !ok {
				item = SetItem{Expr: e, Type: e.DataType()}
			}
			ps.Items = append(ps.Items, item)
		}
		plan = ps
	}
	if distinctOn {
		// The ORDER BY must start with the DISTINCT ON items (in any
		// order); without ORDER BY they are the sort.
		lead := 0
		for lead < len(keys) && slices.Contains(onCols, keys[lead].Column) {
			lead++
		}
		for i, c := range onCols {
			if len(keys) > 0 && !slices.ContainsFunc(keys[:lead], func(k SortKey) bool { return k.Column == c }) {
				return nil, b.errorf(pgerror.InvalidColumnReference, nodeLocation(s.DistinctClause[i]), "SELECT DISTINCT ON expressions must match initial ORDER BY expressions")
			}
		}
		if len(keys) == 0 {
			for _, c := range onCols {
				keys = append(keys, SortKey{Column: c})
			}
		}
		plan = &DistinctOn{Input: &Sort{Input: plan, Keys: keys}, Keys: onCols}
		keys = nil
	} else if len(s.DistinctClause) == 1 {
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
			first := len(nodes)
			for _, i := range order {
				c := sc.cols[i]
				if (table != "" && c.table != table) || (table == "" && c.hidden) {
					continue
				}
				if sameNamed(sc, i) {
					// Columns of one name (unnest(a, b)'s) are told
					// apart by position.
					nodes = append(nodes, columnRefNode(c.table, positionRef(i), cr.Location))
					names = append(names, c.name)
					locs = append(locs, cr.Location)
					continue
				}
				nodes = append(nodes, columnRefNode(c.table, c.name, cr.Location))
				names = append(names, c.name)
				locs = append(locs, cr.Location)
			}
			if b.rec != nil {
				b.rec.stars[n] = slices.Clone(nodes[first:])
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

// sameNamed reports whether another column of scope has column i's table
// and name.
func sameNamed(sc *scope, i int) bool {
	for j, c := range sc.cols {
		if j != i && c.name == sc.cols[i].name && c.table == sc.cols[i].table {
			return true
		}
	}
	return false
}

// positionPrefix starts the name * gives a column it must reach by
// position; no SQL identifier holds a NUL.
const positionPrefix = "\x00#"

func positionRef(i int) string { return positionPrefix + strconv.Itoa(i) }

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
	case n.GetGroupingFunc() != nil:
		return "grouping", 2
	case n.GetMinMaxExpr() != nil:
		if n.GetMinMaxExpr().Op == pg_query.MinMaxOp_IS_LEAST {
			return "least", 2
		}
		return "greatest", 2
	case n.GetAArrayExpr() != nil:
		return "array", 2
	case n.GetRowExpr() != nil:
		return "row", 2
	case n.GetAIndirection() != nil:
		// A subscript names the column after what it subscripts.
		ind := n.GetAIndirection()
		if last := ind.Indirection[len(ind.Indirection)-1].GetString_(); last != nil {
			return last.Sval, 2
		}
		return figureColnameStrength(ind.Arg)
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
	case n.GetCollateClause() != nil:
		return figureColnameStrength(n.GetCollateClause().Arg)
	case n.GetSqlvalueFunction() != nil:
		if n.GetSqlvalueFunction().Op == pg_query.SQLValueFunctionOp_SVFOP_USER {
			return "user", 2 // the keyword as written; it is current_user
		}
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
				// The subquery's column name, whatever its strength:
				// PostgreSQL reads it from the planned subquery.
				if rt := tl[0].GetResTarget(); rt.Name != "" {
					return rt.Name, 2
				} else if name, s := figureColnameStrength(rt.Val); s > 0 {
					return name, 2
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
		if isAggregateName(funcName(fc)) && fc.Over == nil {
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
	case n.GetColumnRef() != nil, n.GetAConst() != nil, n.GetParamRef() != nil, n.GetSubLink() != nil:
		// Leaves; a subquery's aggregates are its own.
	default:
		// Any other expression ((array_agg(x))[1], GREATEST(max(a), 1),
		// ROW(count(*)), x IS TRUE ...): look through its children.
		found := false
		replaceChildren(n, func(c *pg_query.Node) {
			found = found || nodeHasAggregate(c)
		})
		return found
	}
	return false
}

func funcName(fc *pg_query.FuncCall) string {
	f := fc.Funcname
	return f[len(f)-1].GetString_().GetSval()
}

func isAggregateName(name string) bool {
	switch name {
	case "count", "sum", "min", "max", "avg", "bool_and", "bool_or", "every", "string_agg", "array_agg",
		"stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop",
		"percentile_cont", "percentile_disc", "mode", "json_agg", "jsonb_agg", "bit_and", "bit_or", "bit_xor":
		return true
	}
	return isTwoArgAgg(name)
}

// isTwoArgAgg reports whether name is an aggregate of two arguments.
func isTwoArgAgg(name string) bool {
	switch name {
	case "json_object_agg", "jsonb_object_agg", "corr", "covar_pop", "covar_samp", "regr_avgx", "regr_avgy",
		"regr_count", "regr_intercept", "regr_r2", "regr_slope", "regr_sxx", "regr_sxy", "regr_syy":
		return true
	}
	return false
}

// bindGroupItem binds a GROUP BY item: an output ordinal, an output name
// that is not an input column, or an expression over the input.
func (b *binder) bindGroupItem(n *pg_query.Node, targets []*pg_query.Node, names []string, sc *scope) (expr.Expr, error) {
	ectx := exprContext{scope: sc, clause: "GROUP BY"}
	srf := func(t *pg_query.Node, loc int32) error {
		if isSRFCall(t) {
			// PostgreSQL runs such a function before grouping.
			return b.unsupported(loc, "GROUP BY a set-returning function is not supported yet")
		}
		return nil
	}
	if c := n.GetAConst(); c != nil && c.GetIval() == nil {
		// 'x', 1.5, NULL, true: neither an ordinal nor worth grouping by.
		return nil, b.errorf(pgerror.SyntaxError, c.Location, "non-integer constant in GROUP BY")
	}
	if c := n.GetAConst(); c != nil && c.GetIval() != nil {
		i := int(c.GetIval().Ival)
		if i < 1 || i > len(targets) {
			return nil, b.errorf(pgerror.InvalidColumnReference, c.Location, "GROUP BY position %d is not in select list", i)
		}
		if err := srf(targets[i-1], c.Location); err != nil {
			return nil, err
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
					if err := srf(targets[i], cr.Location); err != nil {
						return nil, err
					}
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
	if c := n.GetAConst(); c != nil && c.GetIval() == nil {
		return 0, b.errorf(pgerror.SyntaxError, c.Location, "non-integer constant in ORDER BY")
	}
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
	// LIMIT 2 + 1, FETCH FIRST (1 + 1) ROWS: constant expressions are
	// folded here.
	lit, ok := folder{memo: map[string]expr.Expr{}}.expr(foldConstant(e)).(*expr.Literal)
	if !ok && b.describeOnly {
		return -1, nil // LIMIT $1: known when the statement runs
	}
	if !ok {
		// LIMIT (SELECT ...), LIMIT random() * 10: PostgreSQL evaluates
		// the expression once, when the query starts; here when it is
		// planned, so the plan is not kept for another execution.
		v, err := engine.EvalConstant(context.Background(), e)
		if err != nil {
			return 0, err
		}
		b.volatile = true
		lit = &expr.Literal{Value: v}
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
	if n == nil {
		return -1
	}
	switch {
	case n.GetAConst() != nil:
		return n.GetAConst().Location
	case n.GetColumnRef() != nil:
		return n.GetColumnRef().Location
	case n.GetAExpr() != nil:
		// The leftmost of the operator and its left operand, as
		// PostgreSQL's exprLocation reports an operator expression.
		return leftmost(n.GetAExpr().Location, nodeLocation(n.GetAExpr().Lexpr))
	case n.GetFuncCall() != nil:
		return n.GetFuncCall().Location
	case n.GetTypeCast() != nil:
		return leftmost(n.GetTypeCast().Location, nodeLocation(n.GetTypeCast().Arg))
	case n.GetBoolExpr() != nil:
		return n.GetBoolExpr().Location
	case n.GetNullTest() != nil:
		return n.GetNullTest().Location
	}
	return -1
}

// leftmost is the earlier of two locations, either of which may be
// unknown (-1).
func leftmost(a, b int32) int32 {
	switch {
	case a < 0:
		return b
	case b < 0:
		return a
	}
	return min(a, b)
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
		if g, ok := n.(*groupingRef); ok {
			return &expr.Column{Index: len(groups) + len(g.coll.aggs) + g.i, Name: g.String(), Type: typeInt4}, true
		}
		for i, g := range groups {
			// The same text of another type (0.5::numeric(5,2) and its
			// cast to numeric(6,1), folded to constants) is another
			// expression.
			if g.String() == n.String() && arrow.TypeEqual(g.DataType(), n.DataType()) {
				return &expr.Column{Index: i, Name: g.String(), Type: g.DataType()}, true
			}
		}
		if c, ok := n.(*expr.Column); ok && b.subqueryCols[c] {
			err = b.errorf(pgerror.GroupingError, b.colLoc[c], "subquery uses ungrouped column %q from outer query", c.Name)
			return n, true
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
		lit := &expr.Literal{Value: scalar.NewStringScalar(u.text)}
		if b.untyped == nil {
			b.untyped = make(map[*expr.Literal]*unknownLit)
		}
		b.untyped[lit] = u
		return lit
	}
	if lit, ok := e.(*expr.Literal); ok && lit.Value.DataType().ID() == arrow.NULL {
		out := &expr.Literal{Value: scalar.MakeNullScalar(typeText)}
		if b.untyped == nil {
			b.untyped = make(map[*expr.Literal]*unknownLit)
		}
		b.untyped[out] = &unknownLit{null: true}
		return out
	}
	return e
}

// sortKey reads an ORDER BY item's direction; PostgreSQL puts NULLs last
// ascending and first descending unless told otherwise.
func (b *binder) sortKey(sb *pg_query.SortBy, column int) (SortKey, error) {
	desc, nullsFirst, err := b.orderDirection(sb)
	return SortKey{Column: column, Desc: desc, NullsFirst: nullsFirst}, err
}

// orderDirection reads an ORDER BY item's direction: ASC, DESC, or
// USING < or > (ascending and descending: the only ordering operators of
// PostgreSQL's built-in types, but for ~<~ and ~>~ of text, refused).
func (b *binder) orderDirection(sb *pg_query.SortBy) (desc, nullsFirst bool, err error) {
	dir := sb.SortbyDir
	if dir == pg_query.SortByDir_SORTBY_USING {
		switch op := sb.UseOp[len(sb.UseOp)-1].GetString_().GetSval(); op {
		case "<":
			dir = pg_query.SortByDir_SORTBY_ASC
		case ">":
			dir = pg_query.SortByDir_SORTBY_DESC
		default:
			return false, false, b.errorf("42809", sb.Location, "operator %s is not a valid ordering operator", op).
				WithHint("Ordering operators must be \"<\" or \">\" members of btree operator families.")
		}
	}
	desc, nullsFirst = sortDirection(dir, sb.SortbyNulls)
	return desc, nullsFirst, nil
}

// sortDirection reads ASC/DESC and NULLS FIRST/LAST (of an ORDER BY item
// or an index column); NULLs sort as larger than any value by default, so
// first in descending order.
func sortDirection(dir pg_query.SortByDir, nulls pg_query.SortByNulls) (desc, nullsFirst bool) {
	desc = dir == pg_query.SortByDir_SORTBY_DESC
	nullsFirst = desc
	switch nulls {
	case pg_query.SortByNulls_SORTBY_NULLS_FIRST:
		nullsFirst = true
	case pg_query.SortByNulls_SORTBY_NULLS_LAST:
		nullsFirst = false
	}
	return desc, nullsFirst
}

// limit applies a statement's LIMIT and OFFSET to plan.
func (b *binder) limit(plan Plan, s *pg_query.SelectStmt) (Plan, error) {
	if s.LimitCount == nil && s.LimitOffset == nil {
		return plan, nil
	}
	lim := &Limit{Input: plan, Count: -1}
	if s.LimitOption == pg_query.LimitOption_LIMIT_OPTION_WITH_TIES {
		if _, ok := plan.(*Sort); !ok {
			return nil, b.errorf(pgerror.SyntaxError, nodeLocation(s.LimitCount), "WITH TIES cannot be specified without ORDER BY clause")
		}
		lim.WithTies = true
	}
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

// dateOrder is the session's DateStyle order of day, month and year.
func (b *binder) dateOrder() pgtext.DateOrder {
	if b.sess == nil {
		return pgtext.MDY
	}
	_, style, _ := b.sess.Setting("DateStyle")
	return pgtext.DateOrderOf(style)
}

// location is the session's TimeZone: UTC unless the session tells
// (an optional TimeZone method of Session).

func (b *binder) location() *time.Location {
	if b.loc == nil {
		b.loc = time.UTC
		if tz, ok := b.sess.(interface{ TimeZone() *time.Location }); ok && tz.TimeZone() != nil {
			b.loc = tz.TimeZone()
		}
	}
	return b.loc
}
