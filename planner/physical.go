package planner

import (
	"fmt"

	"github.com/riffq/riffq/expr"

	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/sources"
)

// Physical lowers an optimized logical plan to engine operators.
func Physical(p Plan) (engine.Plan, error) { return lowering{}.plan(p) }

// PhysicalAnalyzed lowers p with every operator measured, for EXPLAIN
// ANALYZE.
func PhysicalAnalyzed(p Plan) (engine.Plan, error) {
	return lowering{wrap: func(op engine.Plan) engine.Plan { return engine.NewAnalyzed(op) }}.plan(p)
}

// lowering turns logical nodes into engine operators; wrap, when set,
// wraps each operator made.
type lowering struct {
	wrap func(engine.Plan) engine.Plan
}

func (l lowering) plan(p Plan) (engine.Plan, error) {
	op, err := l.node(p)
	if err != nil || l.wrap == nil {
		return op, err
	}
	return l.wrap(op), nil
}

func (l lowering) node(p Plan) (engine.Plan, error) {
	switch n := p.(type) {
	case *Scan:
		name := n.Table.Schema + "." + n.Table.Name
		return engine.NewScan(name, n.Table.Provider, sources.ScanRequest{
			Projection: n.Projection, Filters: n.Filters, Limit: n.Limit,
		}), nil
	case OneRow:
		return engine.OneRow{}, nil
	case *Window:
		in, err := l.plan(n.Input)
		if err != nil {
			return nil, err
		}
		w := &engine.Window{Input: in, Partition: n.Partition}
		for _, k := range n.Order {
			w.Order = append(w.Order, engine.SortKey{Column: k.Column, Desc: k.Desc, NullsFirst: k.NullsFirst})
		}
		for _, f := range n.Funcs {
			w.Funcs = append(w.Funcs, engine.WindowFunc{Func: f.Func, Args: f.Args, Agg: f.Agg, Type: f.Type, Frame: f.Frame})
		}
		return w, nil
	case *ProjectSet:
		in, err := l.plan(n.Input)
		if err != nil {
			return nil, err
		}
		ps := &engine.ProjectSet{Input: in, Names: n.Names}
		for _, it := range n.Items {
			ps.Items = append(ps.Items, engine.SetItem{Expr: it.Expr, Func: it.Func, Args: it.Args, Type: it.Type})
		}
		return ps, nil
	case *TableFunc:
		return &engine.TableFunc{Func: n.Func, Args: n.Args, Out: n.Out, Ordinality: n.Ordinality}, nil
	case *Filter:
		in, err := l.plan(n.Input)
		if err != nil {
			return nil, err
		}
		return &engine.Filter{Input: in, Predicate: n.Predicate}, nil
	case *Project:
		in, err := l.plan(n.Input)
		if err != nil {
			return nil, err
		}
		return engine.NewProject(in, n.Exprs, n.Names), nil
	case *Aggregate:
		in, err := l.plan(n.Input)
		if err != nil {
			return nil, err
		}
		return engine.NewAggregate(in, n.GroupBy, n.Aggs, n.Names), nil
	case *Sort:
		in, err := l.plan(n.Input)
		if err != nil {
			return nil, err
		}
		keys := make([]engine.SortKey, len(n.Keys))
		for i, k := range n.Keys {
			keys[i] = engine.SortKey{Column: k.Column, Desc: k.Desc, NullsFirst: k.NullsFirst}
		}
		return &engine.Sort{Input: in, Keys: keys, Fetch: n.Fetch}, nil
	case *Lateral:
		left, err := l.plan(n.Left)
		if err != nil {
			return nil, err
		}
		return &engine.Apply{Left: left, Right: &correlatedPlan{logical: n.Right}, Outer: n.Outer, Type: n.Type, On: n.On}, nil
	case *RecursiveUnion:
		anchor, err := l.plan(n.Anchor)
		if err != nil {
			return nil, err
		}
		rec, err := l.plan(n.Recursive)
		if err != nil {
			return nil, err
		}
		return &engine.RecursiveUnion{Anchor: anchor, Recursive: rec, Table: n.Table, Distinct: n.Distinct}, nil
	case *WorkTableScan:
		return &engine.WorkTableScan{Table: n.Table}, nil
	case *CTEScan:
		return &engine.CTEScan{CTE: n.CTE}, nil
	case *WithCTEs:
		in, err := l.plan(n.Input)
		if err != nil {
			return nil, err
		}
		w := &engine.WithCTEs{CTEs: n.CTEs, Input: in}
		for _, d := range n.Defs {
			p, err := l.plan(d)
			if err != nil {
				return nil, err
			}
			w.Plans = append(w.Plans, p)
		}
		return w, nil
	case *DistinctOn:
		in, err := l.plan(n.Input)
		if err != nil {
			return nil, err
		}
		return &engine.DistinctOn{Input: in, Keys: n.Keys}, nil
	case *Limit:
		in, err := l.plan(n.Input)
		if err != nil {
			return nil, err
		}
		lim := &engine.Limit{Input: in, Offset: n.Offset, Count: n.Count}
		if n.WithTies {
			srt, ok := n.Input.(*Sort)
			if !ok {
				return nil, fmt.Errorf("physical plan: WITH TIES over %T, not a sort", n.Input)
			}
			for _, k := range srt.Keys {
				lim.Ties = append(lim.Ties, k.Column)
			}
		}
		return lim, nil
	case *Join:
		return l.join(n)
	case *keyFilter:
		in, err := l.plan(n.Input)
		if err != nil {
			return nil, err
		}
		return n.lower(in), nil
	case *Union:
		parts := make([]engine.Plan, len(n.Parts))
		for i, part := range n.Parts {
			var err error
			if parts[i], err = l.plan(part); err != nil {
				return nil, err
			}
		}
		return engine.NewUnion(parts), nil
	}
	return nil, fmt.Errorf("no physical operator for %T", p)
}

// join lowers a join to a hash join: each ON conjunct that equates
// an expression over the left input with one over the right becomes a pair
// of hash keys; the rest is checked on each matching pair. The hash join
// hashes the smaller input by the estimates, and its keys filter the other
// input early where the join would drop the rows they do not match.
func (l lowering) join(j *Join) (engine.Plan, error) {
	nl := j.Left.Schema().NumFields()
	var lkeys, rkeys, residual []expr.Expr
	if j.On != nil {
		for _, c := range expr.Conjuncts(j.On) {
			if b, ok := c.(*expr.Binary); ok && b.Op == expr.Eq {
				ls, rs := side(b.Left, nl), side(b.Right, nl)
				if ls == sideLeft && rs == sideRight && len(expr.Columns(b.Left)) > 0 {
					lkeys, rkeys = append(lkeys, b.Left), append(rkeys, shift(b.Right, -nl))
					continue
				}
				if ls == sideRight && rs == sideLeft && len(expr.Columns(b.Right)) > 0 {
					lkeys, rkeys = append(lkeys, b.Right), append(rkeys, shift(b.Left, -nl))
					continue
				}
			}
			residual = append(residual, c)
		}
	}
	leftRows, leftBase := estimate(j.Left)
	rightRows, rightBase := estimate(j.Right)
	leftSmaller := len(lkeys) > 0 && leftRows < rightRows
	// An inner join, or a left join as the right join it is with its
	// inputs swapped, hashes its left input when that is the smaller; a
	// semi or anti join does so itself (BuildLeft).
	swap := leftSmaller && (j.Type == InnerJoin || j.Type == LeftJoin)
	buildLeft := leftSmaller && j.Type.LeftOnly()
	// The streamed input and its keys; the join drops the streamed rows
	// without a match unless it pads them (left, full) or keeps them
	// (anti, streamed left).
	probeLeft := !swap && !buildLeft
	probe, probeKeys, buildKeys := j.Left, lkeys, rkeys
	buildRows, buildBase := rightRows, rightBase
	if !probeLeft {
		probe, probeKeys, buildKeys = j.Right, rkeys, lkeys
		buildRows, buildBase = leftRows, leftBase
	}
	filterable := len(lkeys) > 0 && (swap || buildLeft || j.Type == InnerJoin || j.Type == RightJoin || j.Type == SemiJoin)
	// Keys of a whole table (all the suppliers) would filter nothing out.
	if buildRows > 0.9*buildBase {
		filterable = false
	}
	var publish *engine.JoinKeys
	if filterable {
		if cols, ok := plainColumns(probeKeys, seq(len(probeKeys))); ok {
			publish = &engine.JoinKeys{Label: keysLabel(buildKeys)}
			filtered, worth := withKeyFilter(probe, cols, publish, buildRows/max(buildBase, 1))
			switch {
			case !worth:
				publish = nil
			case probeLeft:
				j = &Join{Left: filtered, Right: j.Right, Type: j.Type, On: j.On}
			default:
				j = &Join{Left: j.Left, Right: filtered, Type: j.Type, On: j.On}
			}
		}
	}
	left, err := l.plan(j.Left)
	if err != nil {
		return nil, err
	}
	right, err := l.plan(j.Right)
	if err != nil {
		return nil, err
	}
	if swap {
		typ := InnerJoin
		if j.Type == LeftJoin {
			typ = RightJoin
		}
		return l.swappedJoin(j, typ, left, right, lkeys, rkeys, residual, publish), nil
	}
	hj := engine.NewHashJoin(left, right, j.Type, lkeys, rkeys, and(residual))
	hj.BuildLeft = buildLeft
	hj.Publish = publish
	return hj, nil
}

// seq is 0, 1, ..., n-1.
func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// swappedJoin hashes the left input of an inner or left join, the smaller
// by the estimates, and streams the right one through it, as an inner or
// right join (typ) with the inputs swapped; a projection puts the columns
// back in the join's order.
func (l lowering) swappedJoin(j *Join, typ JoinType, left, right engine.Plan, lkeys, rkeys, residual []expr.Expr, publish *engine.JoinKeys) engine.Plan {
	nl, nr := left.Schema().NumFields(), right.Schema().NumFields()
	remap := make([]int, nl+nr) // the join's column -> the swapped join's
	for i := range nl {
		remap[i] = nr + i
	}
	for i := range nr {
		remap[nl+i] = i
	}
	var filter []expr.Expr
	for _, c := range residual {
		filter = append(filter, renumber(c, remap))
	}
	join := engine.NewHashJoin(right, left, typ, rkeys, lkeys, and(filter))
	join.Publish = publish
	var hj engine.Plan = join
	if l.wrap != nil {
		hj = l.wrap(hj)
	}
	fields := hj.Schema().Fields()
	exprs := make([]expr.Expr, nl+nr)
	names := make([]string, nl+nr)
	for i := range exprs {
		f := fields[remap[i]]
		exprs[i] = &expr.Column{Index: remap[i], Name: f.Name, Type: f.Type}
		names[i] = f.Name
	}
	return engine.NewProject(hj, exprs, names)
}
