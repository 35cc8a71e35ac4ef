package planner

import (
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
)

// decorrelate rewrites correlated subqueries in WHERE and in select lists
// as joins, so they run once, as a hash join's build side, instead of once
// per distinct outer tuple:
//
//   - a conjunct EXISTS (subquery) becomes a semi join and NOT EXISTS an
//     anti join, when the subquery filters an input that reads no outer
//     value and at least one correlated condition equates an outer value
//     with an inner one (the other correlated conditions join too); a
//     conjunct x IN (subquery) of that shape becomes a semi join too, on
//     x = the subquery's value besides, and x NOT IN (subquery) an anti
//     join on x = value OR value IS NULL OR x IS NULL (PostgreSQL's NULL
//     rules, where the filter drops NULL as false);
//   - a scalar subquery that aggregates such an input, correlated by
//     equalities only, becomes a left join with that input grouped by
//     the inner side of the equalities; the subquery's select expression
//     is computed over the joined aggregates, with count's NULL (a group
//     the outer row has none of) read as 0, as count of no rows is;
//     correlated by comparisons besides (d.ts < c.ts), the input is
//     joined with the distinct outer values first and grouped by them
//     (domainJoin).
//
// Subqueries of other shapes keep running per tuple (correlatedPlan).
type decorrelate struct{}

func (decorrelate) name() string { return "decorrelate" }

func (decorrelate) apply(p Plan) (Plan, error) {
	return decorrelatePlan(p), nil
}

func decorrelatePlan(p Plan) Plan {
	ins := p.Inputs()
	if len(ins) > 0 {
		newIns := make([]Plan, len(ins))
		for i, in := range ins {
			newIns[i] = decorrelatePlan(in)
		}
		p = withInputs(p, newIns)
	}
	if pr, ok := p.(*Project); ok {
		if !slices.ContainsFunc(pr.Exprs, hasCorrelatedScalar) {
			return p
		}
		if joined, exprs, ok := scalarJoins(pr.Input, pr.Exprs); ok {
			return &Project{Input: joined, Exprs: exprs, Names: pr.Names}
		}
		return p
	}
	f, ok := p.(*Filter)
	if !ok {
		return p
	}
	input := f.Input
	var rest []expr.Expr
	changed := false
	for _, c := range expr.Conjuncts(f.Predicate) {
		if j, ok := semiJoin(input, c); ok {
			input, changed = j, true
			continue
		}
		rest = append(rest, c)
	}
	// Conjuncts without a correlated scalar subquery filter the input
	// before it joins the subqueries' groups, where the joins below can
	// use them.
	var withSub, plain []expr.Expr
	for _, c := range rest {
		if hasCorrelatedScalar(c) {
			withSub = append(withSub, c)
		} else {
			plain = append(plain, c)
		}
	}
	if len(withSub) > 0 {
		if joinedInput, conj, ok := scalarJoins(withFilter(input, plain), withSub); ok {
			// The joined value columns are not the filter's output.
			out := &Project{Input: withFilter(joinedInput, conj)}
			for i, f := range f.Input.Schema().Fields() {
				out.Exprs = append(out.Exprs, &expr.Column{Index: i, Name: f.Name, Type: f.Type})
				out.Names = append(out.Names, f.Name)
			}
			return out
		}
	}
	if !changed {
		return p
	}
	return withFilter(input, rest)
}

func hasCorrelatedScalar(e expr.Expr) bool {
	return expr.Any(e, func(e expr.Expr) bool {
		s, ok := e.(*expr.Subquery)
		return ok && s.Kind == expr.ScalarSubquery && s.Correlated != nil
	})
}

// scalarJoins replaces the correlated scalar subqueries in conj that
// decorrelate allows with the value column of a left join to input; it
// returns the new input and conjuncts.
func scalarJoins(input Plan, conj []expr.Expr) (Plan, []expr.Expr, bool) {
	changed := false
	out := make([]expr.Expr, len(conj))
	// A subquery the binder copied (GREATEST compares an argument more
	// than once) joins once.
	done := make(map[*expr.Subquery]expr.Expr)
	base := input
	for i, c := range conj {
		out[i] = expr.Transform(c, func(e expr.Expr) (expr.Expr, bool) {
			sub, ok := e.(*expr.Subquery)
			if !ok {
				return nil, false
			}
			if col, ok := done[sub]; ok {
				return col, true
			}
			j, col, ok := scalarJoin(input, base, sub)
			if !ok {
				return e, true
			}
			input, changed = j, true
			done[sub] = col
			return col, true
		})
	}
	return input, out, changed
}

// scalarJoin joins input with the groups of a correlated aggregate
// subquery and returns the join and the subquery's value over the join's
// columns.
func scalarJoin(input, base Plan, sub *expr.Subquery) (Plan, expr.Expr, bool) {
	if sub.Kind != expr.ScalarSubquery || sub.Correlated == nil {
		return nil, nil, false
	}
	cp, ok := sub.Correlated.(*correlatedPlan)
	if !ok {
		return nil, nil, false
	}
	pr, ok := cp.logical.(*Project)
	if !ok || len(pr.Exprs) != 1 || readsOuter(pr.Exprs[0]) {
		return nil, nil, false
	}
	agg, ok := pr.Input.(*Aggregate)
	if !ok || len(agg.GroupBy) > 0 {
		return nil, nil, false
	}
	for _, a := range agg.Aggs {
		if readsOuter(a) {
			return nil, nil, false
		}
	}
	cf, ok := splitCorrelated(agg.Input)
	if !ok {
		return nil, nil, false
	}
	if len(cf.other) > 0 {
		return domainJoin(input, base, sub, pr, agg, cf)
	}
	var outerKeys, innerKeys []expr.Expr
	for _, eq := range cf.eqs {
		o, in := eq.Left, eq.Right
		if !readsOuter(o) {
			o, in = in, o
		}
		outerKeys = append(outerKeys, outerValues(o, sub.Outer))
		innerKeys = append(innerKeys, in)
	}
	k := len(innerKeys)
	grouped := &Aggregate{Input: cf.inner(), GroupBy: innerKeys, Aggs: agg.Aggs}
	right := &Project{Input: grouped}
	for i, key := range innerKeys {
		name := "key" + strconv.Itoa(i)
		grouped.Names = append(grouped.Names, name)
		right.Exprs = append(right.Exprs, &expr.Column{Index: i, Name: name, Type: key.DataType()})
		right.Names = append(right.Names, name)
	}
	grouped.Names = append(grouped.Names, agg.Names...)
	nl := input.Schema().NumFields()
	for i, a := range agg.Aggs {
		right.Exprs = append(right.Exprs, &expr.Column{Index: k + i, Name: agg.Names[i], Type: a.DataType()})
		right.Names = append(right.Names, agg.Names[i])
	}
	value := joinedValue(pr, agg, nl+k)
	var on []expr.Expr
	for i, o := range outerKeys {
		key := &expr.Column{Index: nl + i, Name: right.Names[i], Type: innerKeys[i].DataType()}
		on = append(on, &expr.Binary{Op: expr.Eq, Left: o, Right: key, Type: typeBool})
	}
	return &Join{Left: input, Right: right, Type: LeftJoin, On: and(on)}, value, true
}

// joinedValue is the subquery's select expression pr over the columns of
// a left join whose aggregates agg start at column first: NULL where the
// outer row has no group, which is each aggregate's value over no rows
// but count's, 0.
func joinedValue(pr *Project, agg *Aggregate, first int) expr.Expr {
	aggCols := make([]expr.Expr, len(agg.Aggs))
	for i, a := range agg.Aggs {
		var col expr.Expr = &expr.Column{Index: first + i, Name: agg.Names[i], Type: a.DataType()}
		if a.Func == expr.Count || a.Func == expr.CountStar {
			zero := &expr.Literal{Value: scalar.NewInt64Scalar(0)}
			col = &expr.Case{Whens: []expr.When{{Cond: &expr.IsNull{Input: col, Negated: true}, Result: col}}, Else: zero, Type: a.DataType()}
		}
		aggCols[i] = col
	}
	return expr.Rewrite(pr.Exprs[0], func(e expr.Expr) expr.Expr {
		if c, ok := e.(*expr.Column); ok {
			return aggCols[c.Index]
		}
		return e
	})
}

// domainJoin is scalarJoin for an aggregate subquery correlated by other
// conditions besides equalities (d.ts < c.ts): the aggregates are computed
// once per distinct tuple of the outer values the subquery reads — the
// tuples joined with the subquery's input on all its correlated
// conditions, then grouped — and joined back to input on those values.
// Every condition must be a comparison, which no NULL outer value passes:
// an outer row with one gets no group, as the subquery would find no rows.
func domainJoin(input, base Plan, sub *expr.Subquery, pr *Project, agg *Aggregate, cf correlatedFilter) (Plan, expr.Expr, bool) {
	for _, c := range cf.other {
		b, ok := c.(*expr.Binary)
		if !ok || b.Op < expr.Eq || b.Op > expr.GtEq {
			return nil, nil, false
		}
	}
	// The domain: the distinct tuples of the outer values read.
	m := len(sub.Outer)
	// The outer values read the columns input starts with, base's: the
	// domain comes from base, not from input and the joins earlier
	// subqueries added to it (which would double the plan each time).
	dom := &Project{Input: base}
	for i, o := range sub.Outer {
		dom.Exprs = append(dom.Exprs, o)
		dom.Names = append(dom.Names, "outer"+strconv.Itoa(i))
	}
	keys := make([]expr.Expr, m)
	for i, o := range sub.Outer {
		keys[i] = &expr.Column{Index: i, Name: dom.Names[i], Type: o.DataType()}
	}
	distinct := &Aggregate{Input: dom, GroupBy: keys, Names: dom.Names}
	// The conditions over the domain's columns and then the input's.
	var on []expr.Expr
	bind := func(c expr.Expr) expr.Expr {
		return expr.Rewrite(shift(c, m), func(e expr.Expr) expr.Expr {
			if o, ok := e.(*expr.OuterRef); ok {
				return keys[o.Index]
			}
			return e
		})
	}
	for _, eq := range cf.eqs {
		on = append(on, bind(eq))
	}
	for _, c := range cf.other {
		on = append(on, bind(c))
	}
	joined := &Join{Left: distinct, Right: cf.inner(), Type: InnerJoin, On: and(on)}
	grouped := &Aggregate{Input: joined, GroupBy: keys, Names: append([]string{}, dom.Names...)}
	for _, a := range agg.Aggs {
		grouped.Aggs = append(grouped.Aggs, shift(a, m).(*expr.Aggregate))
	}
	grouped.Names = append(grouped.Names, agg.Names...)
	nl := input.Schema().NumFields()
	value := joinedValue(pr, agg, nl+m)
	var back []expr.Expr
	for i, o := range sub.Outer {
		key := &expr.Column{Index: nl + i, Name: dom.Names[i], Type: o.DataType()}
		back = append(back, &expr.Binary{Op: expr.Eq, Left: o, Right: key, Type: typeBool})
	}
	return &Join{Left: input, Right: grouped, Type: LeftJoin, On: and(back)}, value, true
}

// semiJoin rewrites input filtered by [NOT] EXISTS c as a semi (anti)
// join, if c has a shape that allows it.
func semiJoin(input Plan, c expr.Expr) (Plan, bool) {
	typ := SemiJoin
	if n, ok := c.(*expr.Not); ok {
		typ, c = AntiJoin, n.Input
	}
	sub, ok := c.(*expr.Subquery)
	if !ok || sub.Correlated == nil {
		return nil, false
	}
	cp, ok := sub.Correlated.(*correlatedPlan)
	if !ok {
		return nil, false
	}
	nl := input.Schema().NumFields()
	var on []expr.Expr
	inner := cp.logical
	switch {
	case sub.Kind == expr.ExistsSubquery:
		// EXISTS ignores the select list.
		for {
			pr, ok := inner.(*Project)
			if !ok {
				break
			}
			inner = pr.Input
		}
	case sub.Kind == expr.InSubquery:
		pr, ok := inner.(*Project)
		if !ok || len(pr.Exprs) != 1 || readsOuter(sub.Left) {
			return nil, false
		}
		// The value over the filter's columns, through any projections
		// between (a cast to the compared type).
		value := pr.Exprs[0]
		inner = pr.Input
		for {
			below, ok := inner.(*Project)
			if !ok {
				break
			}
			value = expr.Rewrite(value, func(e expr.Expr) expr.Expr {
				if c, ok := e.(*expr.Column); ok {
					return below.Exprs[c.Index]
				}
				return e
			})
			inner = below.Input
		}
		if readsOuter(value) {
			return nil, false
		}
		// A row IN compares field by field; a NULL field is no match, as
		// the filter keeps only true.
		lefts, values := []expr.Expr{sub.Left}, []expr.Expr{value}
		if l, ok := sub.Left.(*expr.Call); ok && l.Func == "row" {
			v, ok := value.(*expr.Call)
			if !ok || v.Func != "row" || len(v.Args) != len(l.Args) {
				return nil, false
			}
			lefts, values = l.Args, v.Args
		}
		if typ == AntiJoin {
			if len(lefts) != 1 {
				return nil, false
			}
			// x NOT IN (...) keeps a row when no value of its subquery
			// equals x, none is NULL, and x is not NULL unless there are
			// no values: any value that is equal or NULL, or any value at
			// all for a NULL x, drops the row (a NULL result is dropped as
			// false is).
			x, v := lefts[0], shift(values[0], nl)
			on = append(on, &expr.Binary{Op: expr.Or, Type: typeBool,
				Left:  &expr.Binary{Op: expr.Or, Left: &expr.Binary{Op: expr.Eq, Left: x, Right: v, Type: typeBool}, Right: &expr.IsNull{Input: v}, Type: typeBool},
				Right: &expr.IsNull{Input: x}})
			break
		}
		for i := range lefts {
			on = append(on, &expr.Binary{Op: expr.Eq, Left: lefts[i], Right: shift(values[i], nl), Type: typeBool})
		}
	default:
		return nil, false
	}
	cf, ok := splitCorrelated(inner)
	if !ok {
		return nil, false
	}
	// The correlated conditions over the join's row: the outer values are
	// the left columns they stand for, the inner columns follow them.
	for _, eq := range cf.eqs {
		on = append(on, outerValues(shift(eq, nl), sub.Outer))
	}
	for _, c := range cf.other {
		on = append(on, outerValues(shift(c, nl), sub.Outer))
	}
	return &Join{Left: input, Right: cf.inner(), Type: typ, On: and(on)}, true
}

// correlatedFilter is a subquery's filtered input, its conditions sorted
// by how they read the enclosing query's values.
type correlatedFilter struct {
	input Plan           // the filter's input, which reads no outer value
	local []expr.Expr    // conditions without outer values
	eqs   []*expr.Binary // outer = inner equalities (at least one)
	other []expr.Expr    // the other correlated conditions
}

// splitCorrelated reads p as a correlated filter, if it is one that a
// join can replace.
func splitCorrelated(p Plan) (correlatedFilter, bool) {
	f, ok := p.(*Filter)
	if !ok || planReadsOuter(f.Input) {
		return correlatedFilter{}, false
	}
	cf := correlatedFilter{input: f.Input}
	for _, c := range expr.Conjuncts(f.Predicate) {
		switch {
		case !readsOuter(c):
			cf.local = append(cf.local, c)
		case isOuterInnerEquality(c):
			cf.eqs = append(cf.eqs, c.(*expr.Binary))
		default:
			cf.other = append(cf.other, c)
		}
	}
	return cf, len(cf.eqs) > 0
}

// inner is the subquery's input with its own conditions, decorrelated in
// turn.
func (cf correlatedFilter) inner() Plan {
	return decorrelatePlan(withFilter(cf.input, cf.local))
}

// outerValues replaces the outer references in e with the enclosing
// query's expressions they stand for.
func outerValues(e expr.Expr, outer []expr.Expr) expr.Expr {
	return expr.Rewrite(e, func(e expr.Expr) expr.Expr {
		if o, ok := e.(*expr.OuterRef); ok {
			return outer[o.Index]
		}
		return e
	})
}

// isOuterInnerEquality reports whether e is outer = inner: one side reads
// only outer values, the other only the subquery's columns.
func isOuterInnerEquality(e expr.Expr) bool {
	b, ok := e.(*expr.Binary)
	if !ok || b.Op != expr.Eq {
		return false
	}
	outerOnly := func(e expr.Expr) bool { return readsOuter(e) && len(expr.Columns(e)) == 0 }
	innerOnly := func(e expr.Expr) bool { return !readsOuter(e) && len(expr.Columns(e)) > 0 }
	return outerOnly(b.Left) && innerOnly(b.Right) || innerOnly(b.Left) && outerOnly(b.Right)
}

func readsOuter(e expr.Expr) bool {
	return expr.Any(e, func(e expr.Expr) bool {
		_, ok := e.(*expr.OuterRef)
		return ok
	})
}

// planReadsOuter reports whether any expression of p or its inputs reads
// an outer value.
func planReadsOuter(p Plan) bool {
	found := false
	_, _ = mapExprs(p, func(e expr.Expr) expr.Expr {
		if readsOuter(e) {
			found = true
		}
		return e
	})
	if found {
		return true
	}
	for _, in := range p.Inputs() {
		if planReadsOuter(in) {
			return true
		}
	}
	return false
}
