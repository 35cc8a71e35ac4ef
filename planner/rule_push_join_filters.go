package planner

import (
	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/expr"
)

// pushJoinFilters moves conjuncts to where they filter earliest: a WHERE
// conjunct over one side of a join goes below the join when the join type
// keeps that side's rows unchanged, a WHERE conjunct over both sides of an
// inner join joins its condition, and an ON conjunct over the inner side of
// a join (either side of an inner join) goes below it. A conjunct over a
// projection (a subquery's, a view's, a WITH query's select list) goes below
// it, written over the projection's input, so that the expressions the
// projection computes see only the rows the filter keeps, as in
// PostgreSQL, where a filter on a subquery's rows guards its computed
// columns (x / y in a subquery filtered on y <> 0).
type pushJoinFilters struct{}

func (pushJoinFilters) name() string { return "push_join_filters" }

func (pushJoinFilters) apply(p Plan) (Plan, error) {
	return pushDown(p), nil
}

// pushDown rewrites p top down, so conjuncts pushed into a join continue
// into the joins below it.
func pushDown(p Plan) Plan {
	switch n := p.(type) {
	case *Filter:
		if j, ok := n.Input.(*Join); ok {
			// Conjuncts that cannot go below the join stay above it; only
			// the join is rewritten further, or they would loop forever.
			nj, above := filterJoin(j, expr.Conjuncts(n.Predicate))
			return withFilter(pushDown(nj), above)
		}
		if pr, ok := n.Input.(*Project); ok {
			var below, above []expr.Expr
			for _, c := range expr.Conjuncts(n.Predicate) {
				if e, ok := throughProject(c, pr); ok {
					below = append(below, e)
				} else {
					above = append(above, c)
				}
			}
			if len(below) > 0 {
				np := *pr
				np.Input = pushDown(withFilter(pr.Input, below))
				return withFilter(&np, above)
			}
		}
	case *Join:
		nj := *n
		var on []expr.Expr
		if n.On != nil {
			on = expr.Conjuncts(n.On)
		}
		nl := n.Left.Schema().NumFields()
		var left, right, keep []expr.Expr
		for _, c := range on {
			switch side(c, nl) {
			case sideLeft:
				// A semi join keeps no left row that fails an ON conjunct
				// over the left side alone; an anti join keeps them all.
				if n.Type == InnerJoin || n.Type == RightJoin || n.Type == SemiJoin {
					left = append(left, c)
					continue
				}
			case sideRight:
				if n.Type == InnerJoin || n.Type == LeftJoin || n.Type.LeftOnly() {
					right = append(right, shift(c, -nl))
					continue
				}
			}
			keep = append(keep, c)
		}
		nj.Left = pushDown(withFilter(n.Left, left))
		nj.Right = pushDown(withFilter(n.Right, right))
		nj.On = and(keep)
		return &nj
	}
	ins := p.Inputs()
	if len(ins) == 0 {
		return p
	}
	newIns := make([]Plan, len(ins))
	for i, in := range ins {
		newIns[i] = pushDown(in)
	}
	return withInputs(p, newIns)
}

// filterJoin applies WHERE conjuncts to a join: it returns the join with
// the conjuncts it took, and those that must stay above it.
func filterJoin(j *Join, conj []expr.Expr) (*Join, []expr.Expr) {
	nl := j.Left.Schema().NumFields()
	nj := *j
	var left, right, above []expr.Expr
	on := []expr.Expr{}
	if j.On != nil {
		on = expr.Conjuncts(j.On)
	}
	for _, c := range conj {
		switch s := side(c, nl); {
		case s == sideLeft && (j.Type == InnerJoin || j.Type == LeftJoin || j.Type.LeftOnly()):
			left = append(left, c)
		case s == sideRight && (j.Type == InnerJoin || j.Type == RightJoin):
			right = append(right, shift(c, -nl))
		case s == sideBoth && j.Type == InnerJoin:
			on = append(on, c)
		default:
			above = append(above, c)
		}
	}
	nj.Left = withFilter(j.Left, left)
	nj.Right = withFilter(j.Right, right)
	nj.On = and(on)
	return &nj, above
}

type joinSide int

const (
	sideNone joinSide = iota // a constant
	sideLeft
	sideRight
	sideBoth
)

// side says which inputs of a join with nl left columns e reads.
func side(e expr.Expr, nl int) joinSide {
	s := sideNone
	for _, c := range expr.Columns(e) {
		cs := sideLeft
		if c >= nl {
			cs = sideRight
		}
		switch {
		case s == sideNone:
			s = cs
		case s != cs:
			return sideBoth
		}
	}
	if s == sideNone {
		return sideLeft // constants filter as well on the left
	}
	return s
}

// shift renumbers the column references of e by delta.
func shift(e expr.Expr, delta int) expr.Expr {
	return expr.Rewrite(e, func(e expr.Expr) expr.Expr {
		if c, ok := e.(*expr.Column); ok {
			return &expr.Column{Index: c.Index + delta, Name: c.Name, Type: c.Type}
		}
		return e
	})
}

func and(conj []expr.Expr) expr.Expr {
	if len(conj) == 0 {
		return nil
	}
	out := conj[0]
	for _, c := range conj[1:] {
		out = &expr.Binary{Op: expr.And, Left: out, Right: c, Type: typeBool}
	}
	return out
}

// throughProject rewrites conjunct c, over pr's output, over pr's input:
// each column it reads becomes the expression pr computes for it. ok is
// false where that would change what is computed: c holds a subquery, or
// reads a column computed by a subquery or a volatile function (random()
// evaluated twice would differ).
func throughProject(c expr.Expr, pr *Project) (expr.Expr, bool) {
	if expr.HasSubquery(c) {
		return nil, false
	}
	for _, i := range expr.Columns(c) {
		if i >= len(pr.Exprs) || !movable(pr.Exprs[i]) {
			return nil, false
		}
	}
	return expr.Transform(c, func(e expr.Expr) (expr.Expr, bool) {
		if col, isCol := e.(*expr.Column); isCol {
			return pr.Exprs[col.Index], true
		}
		return nil, false
	}), true
}

// movable reports whether e may be computed in another place, and again:
// it holds no subquery and calls no volatile function.
func movable(e expr.Expr) bool {
	return !expr.HasSubquery(e) && !engine.CallsVolatile(e)
}

func withFilter(p Plan, conj []expr.Expr) Plan {
	if len(conj) == 0 {
		return p
	}
	if f, ok := p.(*Filter); ok {
		return &Filter{Input: f.Input, Predicate: and(append(expr.Conjuncts(f.Predicate), conj...))}
	}
	return &Filter{Input: p, Predicate: and(conj)}
}
