package planner

import (
	"github.com/apache/arrow-go/v18/arrow"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// withClause is one WITH clause's queries, by name.
type withClause struct {
	ctes      map[string]*pg_query.CommonTableExpr
	recursive bool
	// materialized holds the queries computed once (materializes) that
	// were referenced; nil where none may be (before INSERT ...).
	materialized map[*pg_query.CommonTableExpr]*materializedCTE
	// list holds the queries in the order written.
	list []*pg_query.CommonTableExpr
}

// before returns the queries of the clause written before cte, by name.
func (w withClause) before(cte *pg_query.CommonTableExpr) map[string]*pg_query.CommonTableExpr {
	m := make(map[string]*pg_query.CommonTableExpr)
	for _, c := range w.list {
		if c == cte {
			break
		}
		m[c.Ctename] = c
	}
	return m
}

// workRef tracks a recursive query's self-references while it is bound.
type workRef struct {
	table    *engine.WorkTable // nil while the non-recursive term is bound
	uses     int
	anchored bool // the non-recursive term is bound
}

// use records a self-reference, which PostgreSQL allows once, in the
// recursive term.
func (w *workRef) use(b *binder, cte *pg_query.CommonTableExpr, loc int32) error {
	if !w.anchored {
		return b.errorf("42P19", loc, "recursive reference to query %q must not appear within its non-recursive term", cte.Ctename)
	}
	w.uses++
	if w.uses > 1 {
		return b.errorf("42P19", loc, "recursive reference to query %q must not appear more than once", cte.Ctename)
	}
	return nil
}

// bindRecursive binds a query of WITH RECURSIVE. One of the form
// non-recursive-term UNION [ALL] recursive-term whose recursive term reads
// the query itself becomes a RecursiveUnion; any other is an ordinary WITH
// query (a self-reference elsewhere is an error).
func (b *binder) bindRecursive(cte *pg_query.CommonTableExpr, sel *pg_query.SelectStmt) (Plan, error) {
	if b.work == nil {
		b.work = make(map[*pg_query.CommonTableExpr]*workRef)
	}
	w := &workRef{}
	b.work[cte] = w
	defer delete(b.work, cte)
	var names []string
	for _, n := range cte.Aliascolnames {
		names = append(names, n.GetString_().GetSval())
	}
	if cte.SearchClause != nil || cte.CycleClause != nil {
		var err error
		if sel, names, err = b.searchCycle(cte, sel); err != nil {
			return nil, err
		}
	}
	if sel.Op != pg_query.SetOperation_SETOP_UNION || sel.WithClause != nil {
		plan, err := b.bindSelect(sel)
		if err != nil {
			if pe, ok := err.(*pgerror.Error); ok && pe.Code == "42P19" {
				return nil, b.errorf("42P19", cte.Location, "recursive query %q does not have the form non-recursive-term UNION [ALL] recursive-term", cte.Ctename)
			}
		}
		return plan, err
	}
	anchor, err := b.bindSelect(sel.Larg)
	if err != nil {
		return nil, err
	}
	w.anchored = true
	// The work table has the non-recursive term's columns, named as the
	// WITH query's. PostgreSQL's numeric has no precision limit: a decimal
	// column gets the most digits, so that iterations can grow it.
	as := anchor.Schema()
	widened := make([]arrow.DataType, as.NumFields())
	for i, f := range as.Fields() {
		widened[i] = f.Type
		if d, ok := f.Type.(*arrow.Decimal128Type); ok {
			widened[i] = &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: d.Scale}
		}
	}
	var rec Plan
	for attempt := 0; ; attempt++ {
		if anchor, err = b.castColumns(anchor, widened); err != nil {
			return nil, err
		}
		as = anchor.Schema()
		fields := make([]arrow.Field, as.NumFields())
		for i, f := range as.Fields() {
			fields[i] = arrow.Field{Name: f.Name, Type: f.Type, Nullable: true}
			if i < len(names) {
				fields[i].Name = names[i]
			}
		}
		w.table = &engine.WorkTable{Name: cte.Ctename, Schema: arrow.NewSchema(fields, nil)}
		w.uses = 0
		if rec, err = b.bindSelect(sel.Rarg); err != nil {
			return nil, err
		}
		// A numeric column whose recursive term gives values of another
		// scale (1.0, then n + 0.25) holds each value's own scale, as
		// PostgreSQL's numeric does; the term is bound again over it.
		again := false
		for i, f := range rec.Schema().Fields() {
			if i >= len(widened) {
				break
			}
			d, ok := widened[i].(*arrow.Decimal128Type)
			if !ok {
				continue
			}
			if rd, ok := f.Type.(*arrow.Decimal128Type); ok && rd.Scale != d.Scale || isPerValueNumeric(f.Type) {
				widened[i] = pgtypes.Numeric()
				again = true
			}
		}
		if !again || attempt > 0 {
			break
		}
	}
	if w.uses == 0 {
		// Not recursive after all: an ordinary UNION.
		w.anchored = false
		return b.bindSelect(sel)
	}
	if err := b.checkRecursiveTerm(cte, sel.Rarg, rec); err != nil {
		return nil, err
	}
	if len(sel.SortClause) > 0 {
		return nil, b.errorf(pgerror.FeatureNotSupported, nodeLocation(sel.SortClause[0].GetSortBy().Node), "ORDER BY in a recursive query is not implemented")
	}
	if sel.LimitCount != nil || sel.LimitOffset != nil {
		loc := nodeLocation(sel.LimitCount)
		if sel.LimitCount == nil {
			loc = nodeLocation(sel.LimitOffset)
		}
		return nil, b.errorf(pgerror.FeatureNotSupported, loc, "OFFSET/LIMIT in a recursive query is not implemented")
	}
	rs := rec.Schema()
	if rs.NumFields() != as.NumFields() {
		return nil, b.errorf(pgerror.SyntaxError, cte.Location, "each UNION query must have the same number of columns")
	}
	// The non-recursive term decides the types; the recursive term's
	// columns are cast to them where UNION's rules would give that type.
	types := make([]arrow.DataType, as.NumFields())
	for i := range types {
		at, rt := as.Field(i).Type, rs.Field(i).Type
		types[i] = at
		if arrow.TypeEqual(at, rt) || typeName(at) == typeName(rt) {
			// numeric of another precision or scale is still numeric.
			continue
		}
		if ct := commonType(at, rt); ct == nil || !arrow.TypeEqual(ct, at) {
			overall := rt
			if ct != nil {
				overall = ct
			}
			loc := cte.Location
			if tl := sel.Larg.TargetList; i < len(tl) {
				loc = tl[i].GetResTarget().GetLocation()
			}
			e := b.errorf(pgerror.DatatypeMismatch, loc, "recursive query %q column %d has type %s in non-recursive term but type %s overall", cte.Ctename, i+1, typeName(at), typeName(overall))
			e.Hint = "Cast the output of the non-recursive term to the correct type."
			return nil, e
		}
	}
	if rec, err = b.castColumns(rec, types); err != nil {
		return nil, err
	}
	return &RecursiveUnion{Anchor: anchor, Recursive: rec, Table: w.table, Distinct: !sel.All}, nil
}

// checkRecursiveTerm refuses what PostgreSQL refuses in a recursive term,
// where the work table is the previous iteration's rows only: aggregating
// them, or reading them on the side of an outer join that is padded with
// NULLs (either would never reach a fixed point, or not the one PostgreSQL
// defines).
func (b *binder) checkRecursiveTerm(cte *pg_query.CommonTableExpr, sel *pg_query.SelectStmt, rec Plan) error {
	var check func(p Plan) error
	reads := func(p Plan) bool {
		found := false
		var walk func(Plan)
		walk = func(p Plan) {
			if _, ok := p.(*WorkTableScan); ok {
				found = true
			}
			for _, in := range p.Inputs() {
				walk(in)
			}
		}
		walk(p)
		return found
	}
	check = func(p Plan) error {
		switch n := p.(type) {
		case *Aggregate:
			if len(n.Aggs) > 0 && reads(n.Input) {
				loc := cte.Location
				if fc := findNode(&pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: sel}}, func(n *pg_query.Node) bool {
					fc := n.GetFuncCall()
					return fc != nil && fc.Over == nil && isAggregateName(funcName(fc))
				}); fc != nil {
					loc = fc.GetFuncCall().Location
				}
				return b.errorf("42P19", loc, "aggregate functions are not allowed in a recursive query's recursive term")
			}
		case *Join:
			left := n.Type == engine.RightJoin || n.Type == engine.FullJoin
			right := n.Type == engine.LeftJoin || n.Type == engine.FullJoin
			if left && reads(n.Left) || right && reads(n.Right) {
				loc := cte.Location
				if rv := findNode(&pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: sel}}, func(n *pg_query.Node) bool {
					rv := n.GetRangeVar()
					return rv != nil && rv.Schemaname == "" && rv.Relname == cte.Ctename
				}); rv != nil {
					loc = rv.GetRangeVar().Location
				}
				return b.errorf("42P19", loc, "recursive reference to query %q must not appear within an outer join", cte.Ctename)
			}
		}
		for _, in := range p.Inputs() {
			if err := check(in); err != nil {
				return err
			}
		}
		return nil
	}
	return check(rec)
}
