package planner

import (
	"strconv"

	"github.com/riffq/riffq/expr"
)

// factorOr pulls the conjuncts every branch of an OR shares out of it:
// (a AND b) OR (a AND c) becomes a AND (b OR c). TPC-H Q19 and many
// generated queries repeat their join condition in each branch; factored
// out, it becomes a join key instead of a filter over a cross join.
type factorOr struct{}

func (factorOr) name() string { return "factor_or" }

func (factorOr) apply(p Plan) (Plan, error) {
	return factorPlan(p), nil
}

func factorPlan(p Plan) Plan {
	ins := p.Inputs()
	newIns := make([]Plan, len(ins))
	for i, in := range ins {
		newIns[i] = factorPlan(in)
	}
	if len(ins) > 0 {
		p = withInputs(p, newIns)
	}
	switch n := p.(type) {
	case *Filter:
		c := *n
		c.Predicate = factorConjuncts(n.Predicate)
		if j, ok := n.Input.(*Join); ok && j.Type == InnerJoin {
			c.Predicate = and(append(expr.Conjuncts(c.Predicate), impliedByOr(j, c.Predicate)...))
		}
		return &c
	case *Join:
		if n.On != nil {
			c := *n
			c.On = factorConjuncts(n.On)
			return &c
		}
	}
	return p
}

// factorConjuncts factors each top-level conjunct of e.
func factorConjuncts(e expr.Expr) expr.Expr {
	var out []expr.Expr
	for _, c := range expr.Conjuncts(e) {
		out = append(out, expr.Conjuncts(factorOrExpr(c))...)
	}
	return and(out)
}

func factorOrExpr(e expr.Expr) expr.Expr {
	branches := disjuncts(e)
	if len(branches) < 2 {
		return e
	}
	conj := make([][]expr.Expr, len(branches))
	for i, b := range branches {
		conj[i] = expr.Conjuncts(b)
	}
	// The conjuncts of the first branch that every other branch has too.
	var common []expr.Expr
	commonKeys := map[string]bool{}
	for _, c := range conj[0] {
		k := exprKey(c)
		if commonKeys[k] {
			continue
		}
		inAll := true
		for _, other := range conj[1:] {
			if !containsKey(other, k) {
				inAll = false
				break
			}
		}
		if inAll {
			common = append(common, c)
			commonKeys[k] = true
		}
	}
	if len(common) == 0 {
		return e
	}
	var rest expr.Expr
	for _, cs := range conj {
		var left []expr.Expr
		for _, c := range cs {
			if !commonKeys[exprKey(c)] {
				left = append(left, c)
			}
		}
		if len(left) == 0 {
			// This branch is just the common part: the OR is always
			// true once the common conjuncts hold.
			return and(common)
		}
		b := and(left)
		if rest == nil {
			rest = b
		} else {
			rest = &expr.Binary{Op: expr.Or, Left: rest, Right: b, Type: typeBool}
		}
	}
	return and(append(common, rest))
}

// impliedByOr derives, from each OR conjunct over a tree of inner joins,
// the condition it implies on each input alone: (n1.a = 'X' AND n2.b =
// 'Y') OR (n1.a = 'Y' AND n2.b = 'X') implies n1.a = 'X' OR n1.a = 'Y',
// which can filter n1 before the join (PostgreSQL extracts such
// restrictions too). The OR itself stays, to be checked on joined rows.
func impliedByOr(j *Join, pred expr.Expr) []expr.Expr {
	leaves, _ := flattenJoins(j, 0, nil, nil)
	if len(leaves) < 2 {
		return nil
	}
	within := func(e expr.Expr, l joinLeaf) bool {
		cols := expr.Columns(e)
		for _, c := range cols {
			if c < l.start || c >= l.start+l.width {
				return false
			}
		}
		return len(cols) > 0 && !expr.HasSubquery(e)
	}
	var out []expr.Expr
	for _, c := range expr.Conjuncts(pred) {
		branches := disjuncts(c)
		if len(branches) < 2 {
			continue
		}
		for _, l := range leaves {
			var implied expr.Expr
			for _, b := range branches {
				var own []expr.Expr
				for _, bc := range expr.Conjuncts(b) {
					if within(bc, l) {
						own = append(own, bc)
					}
				}
				if len(own) == 0 {
					implied = nil
					break
				}
				if implied == nil {
					implied = and(own)
				} else {
					implied = &expr.Binary{Op: expr.Or, Left: implied, Right: and(own), Type: typeBool}
				}
			}
			// A condition the OR already is adds nothing.
			if implied != nil && exprKey(implied) != exprKey(c) {
				out = append(out, implied)
			}
		}
	}
	return out
}

// disjuncts splits e into the operands of its top-level ORs.
func disjuncts(e expr.Expr) []expr.Expr {
	if b, ok := e.(*expr.Binary); ok && b.Op == expr.Or {
		return append(disjuncts(b.Left), disjuncts(b.Right)...)
	}
	return []expr.Expr{e}
}

func containsKey(es []expr.Expr, k string) bool {
	for _, e := range es {
		if exprKey(e) == k {
			return true
		}
	}
	return false
}

// exprKey renders e with columns by index, so two expressions with the
// same key compute the same value over the same input.
func exprKey(e expr.Expr) string {
	return expr.Rewrite(e, func(e expr.Expr) expr.Expr {
		if c, ok := e.(*expr.Column); ok {
			return &expr.Column{Index: c.Index, Name: "#" + strconv.Itoa(c.Index), Type: c.Type}
		}
		return e
	}).String()
}
