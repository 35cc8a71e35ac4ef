package planner

import (
	"strconv"

	"github.com/riffq/riffq/expr"
)

// decorrelate rewrites correlated subqueries in WHERE as joins, so they
// run once, as a hash join's build side, instead of once per distinct
// outer tuple:
//
//   - a conjunct EXISTS (subquery) becomes a semi join and NOT EXISTS an
//     anti join, when the subquery filters an input that reads no outer
//     value and at least one correlated condition equates an outer value
//     with an inner one (the other correlated conditions join too);
//   - a scalar subquery that aggregates (with anything but count, whose
//     empty groups would read 0, not NULL) such an input, correlated by
//     equalities only, becomes a left join with that input grouped by
//     the inner side of the equalities.
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
	for i, c := range conj {
		out[i] = expr.Transform(c, func(e expr.Expr) (expr.Expr, bool) {
			sub, ok := e.(*expr.Subquery)
			if !ok {
				return nil, false
			}
			j, col, ok := scalarJoin(input, sub)
			if !ok {
				return e, true
			}
			input, changed = j, true
			return col, true
		})
	}
	return input, out, changed
}

// scalarJoin joins input with the groups of a correlated aggregate
// subquery and returns the join and the column holding the subquery's
// value.
func scalarJoin(input Plan, sub *expr.Subquery) (Plan, expr.Expr, bool) {
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
		if a.Func == expr.Count || a.Func == expr.CountStar || readsOuter(a) {
			return nil, nil, false
		}
	}
	f, ok := agg.Input.(*Filter)
	if !ok || planReadsOuter(f.Input) {
		return nil, nil, false
	}
	var local, outerKeys, innerKeys []expr.Expr
	for _, cj := range expr.Conjuncts(f.Predicate) {
		switch {
		case !readsOuter(cj):
			local = append(local, cj)
		case isOuterInnerEquality(cj):
			b := cj.(*expr.Binary)
			o, in := b.Left, b.Right
			if !readsOuter(o) {
				o, in = in, o
			}
			outerKeys = append(outerKeys, outerValues(o, sub.Outer))
			innerKeys = append(innerKeys, in)
		default:
			return nil, nil, false
		}
	}
	if len(outerKeys) == 0 {
		return nil, nil, false
	}
	k := len(innerKeys)
	grouped := &Aggregate{Input: decorrelatePlan(withFilter(f.Input, local)), GroupBy: innerKeys, Aggs: agg.Aggs}
	right := &Project{Input: grouped}
	for i, key := range innerKeys {
		name := "key" + strconv.Itoa(i)
		grouped.Names = append(grouped.Names, name)
		right.Exprs = append(right.Exprs, &expr.Column{Index: i, Name: name, Type: key.DataType()})
		right.Names = append(right.Names, name)
	}
	grouped.Names = append(grouped.Names, agg.Names...)
	value := shift(pr.Exprs[0], k)
	right.Exprs = append(right.Exprs, value)
	right.Names = append(right.Names, pr.Names[0])
	nl := input.Schema().NumFields()
	var on []expr.Expr
	for i, o := range outerKeys {
		key := &expr.Column{Index: nl + i, Name: right.Names[i], Type: innerKeys[i].DataType()}
		on = append(on, &expr.Binary{Op: expr.Eq, Left: o, Right: key, Type: typeBool})
	}
	join := &Join{Left: input, Right: right, Type: LeftJoin, On: and(on)}
	return join, &expr.Column{Index: nl + k, Name: pr.Names[0], Type: value.DataType()}, true
}

// semiJoin rewrites input filtered by [NOT] EXISTS c as a semi (anti)
// join, if c has a shape that allows it.
func semiJoin(input Plan, c expr.Expr) (Plan, bool) {
	typ := SemiJoin
	if n, ok := c.(*expr.Not); ok {
		typ, c = AntiJoin, n.Input
	}
	sub, ok := c.(*expr.Subquery)
	if !ok || sub.Kind != expr.ExistsSubquery || sub.Correlated == nil {
		return nil, false
	}
	cp, ok := sub.Correlated.(*correlatedPlan)
	if !ok {
		return nil, false
	}
	// EXISTS ignores the select list.
	inner := cp.logical
	for {
		pr, ok := inner.(*Project)
		if !ok {
			break
		}
		inner = pr.Input
	}
	f, ok := inner.(*Filter)
	if !ok || planReadsOuter(f.Input) {
		return nil, false
	}
	nl := input.Schema().NumFields()
	// toJoin rewrites a correlated condition over the join's row: the
	// outer values are the left columns they stand for, the inner columns
	// follow them.
	toJoin := func(e expr.Expr) expr.Expr { return outerValues(shift(e, nl), sub.Outer) }
	var local, keys, residual []expr.Expr
	for _, cj := range expr.Conjuncts(f.Predicate) {
		switch {
		case !readsOuter(cj):
			local = append(local, cj)
		case isOuterInnerEquality(cj):
			keys = append(keys, toJoin(cj))
		default:
			residual = append(residual, toJoin(cj))
		}
	}
	if len(keys) == 0 {
		return nil, false
	}
	right := decorrelatePlan(withFilter(f.Input, local))
	return &Join{Left: input, Right: right, Type: typ, On: and(append(keys, residual...))}, true
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
