package planner

import (
	"slices"

	"github.com/riffq/riffq/expr"
)

// pruneColumns narrows every scan to the columns some node above it reads,
// and renumbers column references to match.
type pruneColumns struct{}

func (pruneColumns) name() string { return "prune_columns" }

func (pruneColumns) apply(p Plan) (Plan, error) {
	need := make([]bool, p.Schema().NumFields())
	for i := range need {
		need[i] = true
	}
	out, _ := prune(p, need)
	return out, nil
}

// prune rewrites p so that it produces at least the needed columns of its
// output. It returns the new plan and, for each old output column, its new
// index (-1 when dropped).
func prune(p Plan, need []bool) (Plan, []int) {
	switch n := p.(type) {
	case *Scan:
		var proj []int
		remap := make([]int, len(need))
		for i, keep := range need {
			remap[i] = -1
			if keep {
				remap[i] = len(proj)
				col := i
				if n.Projection != nil {
					col = n.Projection[i]
				}
				proj = append(proj, col)
			}
		}
		ns := *n
		if proj == nil {
			proj = []int{}
		}
		ns.Projection = proj
		return &ns, remap
	case *Filter:
		childNeed := slices.Clone(need)
		markColumns(childNeed, n.Predicate)
		in, remap := prune(n.Input, childNeed)
		return &Filter{Input: in, Predicate: renumber(n.Predicate, remap)}, remap
	case *Project:
		// Only the needed expressions stay (at least one, so the rows
		// keep a column to be counted by).
		out := make([]int, len(need))
		var kept []int
		for i := range n.Exprs {
			out[i] = -1
			if need[i] {
				kept = append(kept, i)
			}
		}
		if len(kept) == 0 && len(n.Exprs) > 0 {
			kept = []int{0}
		}
		var uses []expr.Expr
		for _, i := range kept {
			uses = append(uses, n.Exprs[i])
		}
		in, remap := pruneFor(n.Input, uses...)
		np := &Project{Input: in}
		for k, i := range kept {
			np.Exprs = append(np.Exprs, renumber(n.Exprs[i], remap))
			np.Names = append(np.Names, n.Names[i])
			out[i] = k
		}
		return np, out
	case *Aggregate:
		uses := slices.Clone(n.GroupBy)
		for _, a := range n.Aggs {
			uses = append(uses, a.Operands()...)
		}
		in, remap := pruneFor(n.Input, uses...)
		na := &Aggregate{Input: in, Names: n.Names}
		for _, g := range n.GroupBy {
			na.GroupBy = append(na.GroupBy, renumber(g, remap))
		}
		for _, a := range n.Aggs {
			na.Aggs = append(na.Aggs, renumber(a, remap).(*expr.Aggregate))
		}
		return na, identity(len(need))
	case *Sort:
		childNeed := slices.Clone(need)
		for _, k := range n.Keys {
			childNeed[k.Column] = true
		}
		in, remap := prune(n.Input, childNeed)
		keys := slices.Clone(n.Keys)
		for i := range keys {
			keys[i].Column = remap[keys[i].Column]
		}
		return &Sort{Input: in, Keys: keys, Fetch: n.Fetch}, remap
	case *DistinctOn:
		childNeed := slices.Clone(need)
		for _, k := range n.Keys {
			childNeed[k] = true
		}
		in, remap := prune(n.Input, childNeed)
		keys := slices.Clone(n.Keys)
		for i := range keys {
			keys[i] = remap[keys[i]]
		}
		return &DistinctOn{Input: in, Keys: keys}, remap
	case *Limit:
		in, remap := prune(n.Input, need)
		return &Limit{Input: in, Offset: n.Offset, Count: n.Count, WithTies: n.WithTies}, remap
	case *ProjectSet:
		var uses []expr.Expr
		for _, it := range n.Items {
			if it.Expr != nil {
				uses = append(uses, it.Expr)
			}
			uses = append(uses, it.Args...)
		}
		in, remap := pruneFor(n.Input, uses...)
		np, _ := mapExprs(&ProjectSet{Input: in, Items: n.Items, Names: n.Names}, func(e expr.Expr) expr.Expr { return renumber(e, remap) })
		return np, identity(len(need))
	case *Window:
		// The window passes its input's columns through: keep those
		// needed above, its keys and its functions' arguments.
		nin := n.Input.Schema().NumFields()
		childNeed := slices.Clone(need[:nin])
		for _, c := range n.Partition {
			childNeed[c] = true
		}
		for _, k := range n.Order {
			childNeed[k.Column] = true
		}
		for _, f := range n.Funcs {
			for _, a := range f.Args {
				markColumns(childNeed, a)
			}
			if f.Agg != nil {
				for _, e := range f.Agg.Operands() {
					markColumns(childNeed, e)
				}
			}
		}
		in, inRemap := prune(n.Input, childNeed)
		nw := &Window{Input: in}
		for _, c := range n.Partition {
			nw.Partition = append(nw.Partition, inRemap[c])
		}
		for _, k := range n.Order {
			k.Column = inRemap[k.Column]
			nw.Order = append(nw.Order, k)
		}
		for _, f := range n.Funcs {
			nf := *f
			nf.Args = nil
			for _, a := range f.Args {
				nf.Args = append(nf.Args, renumber(a, inRemap))
			}
			if f.Agg != nil {
				nf.Agg = renumber(f.Agg, inRemap).(*expr.Aggregate)
			}
			nw.Funcs = append(nw.Funcs, &nf)
		}
		newIn := in.Schema().NumFields()
		remap := slices.Clone(inRemap)
		for k := range n.Funcs {
			remap = append(remap, newIn+k)
		}
		return nw, remap
	case *Union:
		// Parts line up by position: every part keeps every column.
		all := make([]bool, len(need))
		for i := range all {
			all[i] = true
		}
		parts := make([]Plan, len(n.Parts))
		for i, part := range n.Parts {
			parts[i], _ = prune(part, all)
		}
		return &Union{Parts: parts}, identity(len(need))
	case *Lateral:
		// The right side is a template planned per row: prune the left.
		nl := n.Left.Schema().NumFields()
		leftNeed := slices.Clone(need[:nl])
		for _, e := range n.Outer {
			markColumns(leftNeed, e)
		}
		if n.On != nil {
			for _, c := range expr.Columns(n.On) {
				if c < nl {
					leftNeed[c] = true
				}
			}
		}
		l, lremap := prune(n.Left, leftNeed)
		newNL := l.Schema().NumFields()
		remap := slices.Clone(lremap)
		for i := nl; i < len(need); i++ {
			remap = append(remap, newNL+i-nl)
		}
		nn := &Lateral{Left: l, Right: n.Right, Type: n.Type}
		for _, e := range n.Outer {
			nn.Outer = append(nn.Outer, renumber(e, lremap))
		}
		if n.On != nil {
			nn.On = renumber(n.On, remap)
		}
		return nn, remap
	case *WithCTEs:
		// The references read every column of the queries.
		c := *n
		var remap []int
		c.Input, remap = prune(n.Input, need)
		c.Defs = make([]Plan, len(n.Defs))
		for i, d := range n.Defs {
			all := make([]bool, d.Schema().NumFields())
			for j := range all {
				all[j] = true
			}
			c.Defs[i], _ = prune(d, all)
		}
		return &c, remap
	case *Join:
		nl := n.Left.Schema().NumFields()
		leftNeed, rightNeed := slices.Clone(need[:nl]), make([]bool, n.Right.Schema().NumFields())
		if !n.Type.LeftOnly() {
			copy(rightNeed, need[nl:])
		}
		if n.On != nil {
			for _, c := range expr.Columns(n.On) {
				if c < nl {
					leftNeed[c] = true
				} else {
					rightNeed[c-nl] = true
				}
			}
		}
		l, lremap := prune(n.Left, leftNeed)
		r, rremap := prune(n.Right, rightNeed)
		newNL := l.Schema().NumFields()
		remap := slices.Clone(lremap)
		for _, i := range rremap {
			if i >= 0 {
				i += newNL
			}
			remap = append(remap, i)
		}
		var on expr.Expr
		if n.On != nil {
			on = renumber(n.On, remap)
		}
		if n.Type.LeftOnly() {
			return &Join{Left: l, Right: r, Type: n.Type, On: on}, lremap
		}
		return &Join{Left: l, Right: r, Type: n.Type, On: on}, remap
	}
	return p, identity(len(need))
}

// pruneFor prunes input to the columns exprs read.
func pruneFor(input Plan, exprs ...expr.Expr) (Plan, []int) {
	need := make([]bool, input.Schema().NumFields())
	for _, e := range exprs {
		markColumns(need, e)
	}
	return prune(input, need)
}

func markColumns(need []bool, e expr.Expr) {
	for _, c := range expr.Columns(e) {
		need[c] = true
	}
}

func renumber(e expr.Expr, remap []int) expr.Expr {
	return expr.Rewrite(e, func(e expr.Expr) expr.Expr {
		if c, ok := e.(*expr.Column); ok {
			return &expr.Column{Index: remap[c.Index], Name: c.Name, Type: c.Type}
		}
		return e
	})
}

func identity(n int) []int {
	m := make([]int, n)
	for i := range m {
		m[i] = i
	}
	return m
}
