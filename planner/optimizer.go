package planner

// rule is one logical rewrite. Rules keep the plan's meaning and output
// schema; each lives in its own file.
type rule interface {
	name() string
	apply(p Plan) (Plan, error)
}

// rules run once each, in this order:
//  0. decorrelate turns [NOT] EXISTS over a correlated subquery into a
//     semi (anti) join and a correlated aggregate into a left join with its
//     groups, so the subquery runs once rather than per outer row.
//  1. foldConstants evaluates operators over constants once, at plan time;
//     it runs after decorrelate so that it reaches the subqueries that rule
//     turned into joins.
//  2. factorOr pulls the conjuncts all branches of an OR share out of it,
//     so the rules below can push them (a join condition repeated in each
//     branch becomes a join key).
//  3. reorderJoins orders the inputs of inner joins so that each joins the
//     ones before it through an equality when one can (no cross products
//     that FROM's order alone would make).
//  4. pushJoinFilters moves WHERE and ON conjuncts that read one side of a
//     join below it, and WHERE conjuncts that read both sides of an inner
//     join into its condition, where the hash join can use them as keys.
//  5. pushFilters moves WHERE conjuncts into the scan's provider, which can
//     skip data with them; it runs first, while scans still read every
//     column and so filters index the table's own schema.
//  6. pruneColumns makes each scan read only the columns the query uses.
//  7. pushLimit hands LIMIT to a scan that nothing filters or reorders.
var rules = []rule{decorrelate{}, foldConstants{}, factorOr{}, reorderJoins{}, pushJoinFilters{}, pushFilters{}, pruneColumns{}, pushLimit{}}

// Optimize applies the optimizer rules to p.
func Optimize(p Plan) (Plan, error) {
	var err error
	for _, r := range rules {
		if p, err = r.apply(p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// withInputs returns a copy of p reading from inputs.
func withInputs(p Plan, inputs []Plan) Plan {
	switch n := p.(type) {
	case *Filter:
		c := *n
		c.Input = inputs[0]
		return &c
	case *Project:
		c := *n
		c.Input = inputs[0]
		return &c
	case *Aggregate:
		c := *n
		c.Input = inputs[0]
		return &c
	case *Sort:
		c := *n
		c.Input = inputs[0]
		return &c
	case *DistinctOn:
		c := *n
		c.Input = inputs[0]
		return &c
	case *Lateral:
		c := *n
		c.Left = inputs[0]
		return &c
	case *RecursiveUnion:
		c := *n
		c.Anchor, c.Recursive = inputs[0], inputs[1]
		return &c
	case *Limit:
		c := *n
		c.Input = inputs[0]
		return &c
	case *Join:
		c := *n
		c.Left, c.Right = inputs[0], inputs[1]
		return &c
	case *Union:
		return &Union{Parts: inputs}
	case *WithCTEs:
		c := *n
		c.Input, c.Defs = inputs[0], inputs[1:]
		return &c
	case *Window:
		c := *n
		c.Input = inputs[0]
		return &c
	case *ProjectSet:
		c := *n
		c.Input = inputs[0]
		return &c
	}
	return p
}

// transformUp applies fn to every node, children first.
func transformUp(p Plan, fn func(Plan) (Plan, error)) (Plan, error) {
	ins := p.Inputs()
	if len(ins) > 0 {
		newIns := make([]Plan, len(ins))
		for i, in := range ins {
			n, err := transformUp(in, fn)
			if err != nil {
				return nil, err
			}
			newIns[i] = n
		}
		p = withInputs(p, newIns)
	}
	return fn(p)
}
