package planner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/pgerror"
)

// groupingRef stands for a GROUPING(args) call until the select list is
// rewritten over the grouped rows, where it is a column of its own.
type groupingRef struct {
	i    int
	args []expr.Expr
	locs []int32 // of the arguments
	coll *aggCollector
}

func (g *groupingRef) DataType() arrow.DataType { return typeInt4 }
func (g *groupingRef) String() string           { return "GROUPING(" + joinExprs(g.args) + ")" }

// bindGrouping binds GROUPING(args), which reports which of its arguments
// the current grouping set leaves out (a bit each, the last argument
// lowest).
func (b *binder) bindGrouping(gf *pg_query.GroupingFunc, ectx exprContext) (expr.Expr, error) {
	if ectx.aggs == nil || ectx.clause == "aggregate function calls" {
		clause := ectx.clause
		if clause == "" || ectx.aggs != nil {
			clause = "this context"
		}
		return nil, b.errorf(pgerror.GroupingError, gf.Location, "grouping operations are not allowed in %s", clause)
	}
	if len(gf.Args) > 31 {
		return nil, b.errorf("54023", gf.Location, "GROUPING must have fewer than 32 arguments")
	}
	ref := &groupingRef{coll: ectx.aggs}
	for _, a := range gf.Args {
		e, err := b.bindExpr(a, exprContext{scope: ectx.scope, clause: "GROUP BY"})
		if err != nil {
			return nil, err
		}
		ref.args = append(ref.args, b.resolveUnknown(e))
		ref.locs = append(ref.locs, nodeLocation(a))
	}
	for _, g := range ectx.aggs.groupings {
		if g.String() == ref.String() {
			return g, nil
		}
	}
	ref.i = len(ectx.aggs.groupings)
	ectx.aggs.groupings = append(ectx.aggs.groupings, ref)
	return ref, nil
}

// Limits PostgreSQL puts on grouping sets.
const (
	maxGroupingSets = 4096
	maxCubeElements = 12
)

// bindGroupClause binds GROUP BY: its distinct expressions, and, when it
// has ROLLUP, CUBE or GROUPING SETS, the grouping sets as lists of
// indexes into them (nil for a plain GROUP BY).
func (b *binder) bindGroupClause(items []*pg_query.Node, targets []*pg_query.Node, names []string, sc *scope) ([]expr.Expr, [][]int, error) {
	var groups []expr.Expr
	add := func(n *pg_query.Node) (int, error) {
		e, err := b.bindGroupItem(n, targets, names, sc)
		if err != nil {
			return 0, err
		}
		e = unpadded(e) // a group's character value prints padded
		for i, g := range groups {
			if g.String() == e.String() {
				return i, nil
			}
		}
		groups = append(groups, e)
		return len(groups) - 1, nil
	}
	hasSets := slices.ContainsFunc(items, func(n *pg_query.Node) bool { return n.GetGroupingSet() != nil })
	if !hasSets {
		for _, n := range items {
			if _, err := add(n); err != nil {
				return nil, nil, err
			}
		}
		return groups, nil, nil
	}
	// columns binds an element of ROLLUP, CUBE or a grouping set: (a, b)
	// is a list, anything else one expression.
	columns := func(n *pg_query.Node) ([]int, error) {
		list := []*pg_query.Node{n}
		if r := n.GetRowExpr(); r != nil {
			list = r.Args
		}
		var out []int
		for _, x := range list {
			i, err := add(x)
			if err != nil {
				return nil, err
			}
			out = append(out, i)
		}
		return out, nil
	}
	var expand func(n *pg_query.Node) ([][]int, error)
	expand = func(n *pg_query.Node) ([][]int, error) {
		gs := n.GetGroupingSet()
		if gs == nil {
			c, err := columns(n)
			return [][]int{c}, err
		}
		var elems [][]int
		if gs.Kind != pg_query.GroupingSetKind_GROUPING_SET_SETS {
			for _, x := range gs.Content {
				c, err := columns(x)
				if err != nil {
					return nil, err
				}
				elems = append(elems, c)
			}
		}
		var out [][]int
		switch gs.Kind {
		case pg_query.GroupingSetKind_GROUPING_SET_EMPTY:
			out = [][]int{{}}
		case pg_query.GroupingSetKind_GROUPING_SET_SIMPLE:
			out = [][]int{slices.Concat(elems...)}
		case pg_query.GroupingSetKind_GROUPING_SET_ROLLUP:
			for k := len(elems); k >= 0; k-- {
				out = append(out, slices.Concat(elems[:k]...))
			}
		case pg_query.GroupingSetKind_GROUPING_SET_CUBE:
			if len(elems) > maxCubeElements {
				return nil, b.errorf("54011", gs.Location, "CUBE is limited to %d elements", maxCubeElements)
			}
			for mask := (1 << len(elems)) - 1; mask >= 0; mask-- {
				var set []int
				for j, e := range elems {
					if mask&(1<<(len(elems)-1-j)) != 0 {
						set = append(set, e...)
					}
				}
				out = append(out, set)
			}
		case pg_query.GroupingSetKind_GROUPING_SET_SETS:
			for _, x := range gs.Content {
				sub, err := expand(x)
				if err != nil {
					return nil, err
				}
				out = append(out, sub...)
			}
		}
		return out, nil
	}
	// GROUP BY a, ROLLUP(b) groups by every combination of one set of
	// each item.
	sets := [][]int{{}}
	for _, n := range items {
		its, err := expand(n)
		if err != nil {
			return nil, nil, err
		}
		var next [][]int
		for _, r := range sets {
			for _, s := range its {
				set := slices.Clone(r)
				for _, i := range s {
					if !slices.Contains(set, i) {
						set = append(set, i)
					}
				}
				next = append(next, set)
			}
		}
		if len(next) > maxGroupingSets {
			return nil, nil, b.errorf("54001", nodeLocation(n), "too many grouping sets present (maximum %d)", maxGroupingSets)
		}
		sets = next
	}
	return groups, sets, nil
}

// groupingSetsPlan aggregates input once per grouping set and concatenates
// the results, each shaped like one Aggregate over every group expression:
// the group columns (NULL where the set leaves them out), the aggregates,
// then one column per GROUPING() call. A plain GROUP BY with GROUPING()
// calls is one set of every expression.
// distinctSets drops the grouping sets that repeat an earlier one (as
// sets: the order and repetition of their columns do not matter), for
// GROUP BY DISTINCT.
func distinctSets(sets [][]int) [][]int {
	seen := make(map[string]bool)
	var out [][]int
	for _, set := range sets {
		key := fmt.Sprint(slices.Compact(slices.Sorted(slices.Values(set))))
		if !seen[key] {
			seen[key] = true
			out = append(out, set)
		}
	}
	return out
}

func (b *binder) groupingSetsPlan(input Plan, groups []expr.Expr, sets [][]int, aggs *aggCollector) (Plan, error) {
	if sets == nil {
		all := make([]int, len(groups))
		for i := range all {
			all[i] = i
		}
		sets = [][]int{all}
	}
	argIdx := make([][]int, len(aggs.groupings))
	for k, g := range aggs.groupings {
		for j, a := range g.args {
			i := slices.IndexFunc(groups, func(x expr.Expr) bool { return x.String() == a.String() })
			if i < 0 {
				return nil, b.errorf(pgerror.GroupingError, g.locs[j], "arguments to GROUPING must be grouping expressions of the associated query level")
			}
			argIdx[k] = append(argIdx[k], i)
		}
	}
	parts := make([]Plan, 0, len(sets))
	for _, set := range sets {
		agg := &Aggregate{Input: input, Aggs: aggs.aggs}
		for _, gi := range set {
			agg.GroupBy = append(agg.GroupBy, groups[gi])
			agg.Names = append(agg.Names, groups[gi].String())
		}
		for _, a := range aggs.aggs {
			agg.Names = append(agg.Names, a.String())
		}
		var exprs []expr.Expr
		var names []string
		for gi, g := range groups {
			if pos := slices.Index(set, gi); pos >= 0 {
				exprs = append(exprs, &expr.Column{Index: pos, Name: g.String(), Type: g.DataType()})
			} else {
				exprs = append(exprs, &expr.Literal{Value: scalar.MakeNullScalar(g.DataType())})
			}
			names = append(names, g.String())
		}
		for k, a := range aggs.aggs {
			exprs = append(exprs, &expr.Column{Index: len(set) + k, Name: a.String(), Type: a.Type})
			names = append(names, a.String())
		}
		for k, idx := range argIdx {
			var v int32
			for _, gi := range idx {
				v <<= 1
				if !slices.Contains(set, gi) {
					v |= 1
				}
			}
			exprs = append(exprs, &expr.Literal{Value: scalar.NewInt32Scalar(v)})
			names = append(names, strings.ToLower(aggs.groupings[k].String()))
		}
		parts = append(parts, &Project{Input: agg, Exprs: exprs, Names: names})
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return &Union{Parts: parts}, nil
}
