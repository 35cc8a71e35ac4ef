package planner

import (
	"github.com/riffq/riffq/expr"
)

// decorrelate turns a WHERE conjunct EXISTS (correlated subquery) into a
// semi join and NOT EXISTS into an anti join, when the subquery is a
// filtered input that nothing else correlates and at least one of its
// correlated conditions equates an outer value with an inner one: the
// subquery then runs once, as the hash join's build side, instead of
// once per distinct outer tuple. Subqueries of other shapes keep running
// per tuple (correlatedPlan).
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
	if !changed {
		return p
	}
	return withFilter(input, rest)
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
	toJoin := func(e expr.Expr) expr.Expr {
		return expr.Rewrite(shift(e, nl), func(e expr.Expr) expr.Expr {
			if o, ok := e.(*expr.OuterRef); ok {
				return sub.Outer[o.Index]
			}
			return e
		})
	}
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
	found := false
	expr.Walk(e, func(e expr.Expr) bool {
		if _, ok := e.(*expr.OuterRef); ok {
			found = true
		}
		return !found
	})
	return found
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
