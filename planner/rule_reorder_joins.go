package planner

import (
	"slices"

	"github.com/riffq/riffq/expr"
)

// reorderJoins orders the inputs of a tree of inner joins so that each
// input joins those before it through an equality whenever one can,
// instead of keeping FROM's order, which may make a cross product first
// (TPC-H Q2 and Q9 list part and supplier, which share no condition,
// before partsupp and lineitem, which join both). Inputs keep FROM's
// order among themselves otherwise; there are no statistics to weigh.
type reorderJoins struct{}

func (reorderJoins) name() string { return "reorder_joins" }

func (reorderJoins) apply(p Plan) (Plan, error) {
	return reorderPlan(p), nil
}

func reorderPlan(p Plan) Plan {
	ins := p.Inputs()
	if f, ok := p.(*Filter); ok {
		if j, ok := f.Input.(*Join); ok && j.Type == InnerJoin {
			if out, ok := reorder(j, expr.Conjuncts(f.Predicate)); ok {
				return out
			}
		}
	}
	if j, ok := p.(*Join); ok && j.Type == InnerJoin {
		if out, ok := reorder(j, nil); ok {
			return out
		}
	}
	if len(ins) == 0 {
		return p
	}
	newIns := make([]Plan, len(ins))
	for i, in := range ins {
		newIns[i] = reorderPlan(in)
	}
	return withInputs(p, newIns)
}

// joinLeaf is one input of a tree of inner joins and where its columns
// start in the tree's output.
type joinLeaf struct {
	plan         Plan
	start, width int
}

// flattenJoins lists the inputs and conditions of the inner joins at the
// top of p; conditions index the whole tree's columns.
func flattenJoins(p Plan, offset int, leaves []joinLeaf, conds []expr.Expr) ([]joinLeaf, []expr.Expr) {
	j, ok := p.(*Join)
	if !ok || j.Type != InnerJoin {
		return append(leaves, joinLeaf{plan: p, start: offset, width: p.Schema().NumFields()}), conds
	}
	nl := j.Left.Schema().NumFields()
	leaves, conds = flattenJoins(j.Left, offset, leaves, conds)
	leaves, conds = flattenJoins(j.Right, offset+nl, leaves, conds)
	if j.On != nil {
		conds = append(conds, expr.Conjuncts(shift(j.On, offset))...)
	}
	return leaves, conds
}

// reorder rebuilds the join tree j filtered by conj in a better order, if
// there is one. The result has j's columns in j's order.
func reorder(j *Join, conj []expr.Expr) (Plan, bool) {
	leaves, conds := flattenJoins(j, 0, nil, nil)
	conds = append(conds, conj...)
	if len(leaves) < 3 {
		return nil, false
	}
	leafOf := func(col int) int {
		for i, l := range leaves {
			if col >= l.start && col < l.start+l.width {
				return i
			}
		}
		return -1
	}
	// leavesOf is the set of inputs e reads.
	leavesOf := func(e expr.Expr) map[int]bool {
		m := map[int]bool{}
		for _, c := range expr.Columns(e) {
			m[leafOf(c)] = true
		}
		return m
	}
	// The equalities, as the inputs each side reads.
	type edge struct{ l, r map[int]bool }
	var edges []edge
	for _, c := range conds {
		if b, ok := c.(*expr.Binary); ok && b.Op == expr.Eq {
			edges = append(edges, edge{leavesOf(b.Left), leavesOf(b.Right)})
		}
	}
	chosen := map[int]bool{0: true}
	order := []int{0}
	connected := func(i int) bool {
		for _, e := range edges {
			if joins(e.l, e.r, i, chosen) || joins(e.r, e.l, i, chosen) {
				return true
			}
		}
		return false
	}
	for len(order) < len(leaves) {
		next := -1
		for i := range leaves {
			if !chosen[i] && connected(i) {
				next = i
				break
			}
		}
		if next < 0 { // nothing joins: the first left, as FROM has it
			for i := range leaves {
				if !chosen[i] {
					next = i
					break
				}
			}
		}
		chosen[next] = true
		order = append(order, next)
	}
	if slices.IsSorted(order) { // FROM's order already
		return nil, false
	}
	remap := make([]int, j.Schema().NumFields())
	var tree Plan
	pos := 0
	for _, i := range order {
		l := leaves[i]
		for c := range l.width {
			remap[l.start+c] = pos + c
		}
		pos += l.width
		sub := reorderPlan(l.plan)
		if tree == nil {
			tree = sub
		} else {
			tree = &Join{Left: tree, Right: sub, Type: InnerJoin}
		}
	}
	var renumbered []expr.Expr
	for _, c := range conds {
		renumbered = append(renumbered, renumber(c, remap))
	}
	out := &Project{Input: withFilter(tree, renumbered)}
	for i, f := range j.Schema().Fields() {
		out.Exprs = append(out.Exprs, &expr.Column{Index: remap[i], Name: f.Name, Type: f.Type})
		out.Names = append(out.Names, f.Name)
	}
	return out, true
}

// joins reports whether side a reads only leaf i and side b only chosen
// leaves (at least one).
func joins(a, b map[int]bool, i int, chosen map[int]bool) bool {
	if len(a) != 1 || !a[i] || len(b) == 0 {
		return false
	}
	for l := range b {
		if !chosen[l] {
			return false
		}
	}
	return true
}
