package planner

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/expr"
)

// keyFilter is where a hash join's build keys filter its probe input:
// physical lowering puts one low in the probe side (see withKeyFilter),
// and it becomes an engine.KeyFilter. It exists only during lowering.
type keyFilter struct {
	Input Plan
	Keys  []int // columns of Input
	From  *engine.JoinKeys
}

func (f *keyFilter) Schema() *arrow.Schema { return f.Input.Schema() }
func (f *keyFilter) Inputs() []Plan        { return []Plan{f.Input} }
func (f *keyFilter) String() string {
	return fmt.Sprintf("KeyFilter: %v in keys of %s", f.Keys, f.From.Label)
}

// lower makes the engine operator over in, the lowered Input.
func (f *keyFilter) lower(in engine.Plan) engine.Plan {
	fields := f.Input.Schema().Fields()
	keys := make([]expr.Expr, len(f.Keys))
	for i, c := range f.Keys {
		keys[i] = &expr.Column{Index: c, Name: fields[c].Name, Type: fields[c].Type}
	}
	return &engine.KeyFilter{Input: in, Keys: keys, From: f.From}
}

// keysLabel names a join's build keys in EXPLAIN.
func keysLabel(keys []expr.Expr) string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.String()
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// withKeyFilter returns probe, a hash join's streamed input whose columns
// keys are the join's keys, with a keyFilter holding the join's build keys
// as low in it as those columns go: through projections that pass them
// on, filters, sorts, the group keys of an aggregate, and the side of a
// join whose rows the join's output keeps — but not below a join that
// drops more of those rows itself (its other side is filtered harder than
// the build keys filter, sel being the share of its table the build side
// keeps, by the estimates): there the filter would only copy rows that
// join rejects anyway. A probe row whose keys the build side lacks can
// only be dropped by the join (it decides whether the join may filter its
// probe side), so it may as well be dropped there, before the aggregates
// and joins between. ok is false when no such operator is in the way: the
// join's own probe is then as cheap as the filter would be.
func withKeyFilter(p Plan, cols []int, from *engine.JoinKeys, sel float64) (Plan, bool) {
	here := func() (Plan, bool) { return &keyFilter{Input: p, Keys: cols, From: from}, false }
	below := func(in Plan, inCols []int, worth bool) (Plan, bool) {
		n, ok := withKeyFilter(in, inCols, from, sel)
		return withInputs(p, []Plan{n}), ok || worth
	}
	switch n := p.(type) {
	case *Filter:
		if _, ok := n.Input.(*Scan); ok {
			// Over a scan's filter, which is cheaper than a hash lookup
			// and leaves it fewer rows.
			return here()
		}
		return below(n.Input, cols, false)
	case *Sort:
		return below(n.Input, cols, true)
	case *Project:
		in, ok := plainColumns(n.Exprs, cols)
		if !ok {
			return here()
		}
		return below(n.Input, in, false)
	case *Aggregate:
		in, ok := plainColumns(n.GroupBy, cols)
		if !ok {
			return here()
		}
		return below(n.Input, in, true)
	case *Join:
		nl := n.Left.Schema().NumFields()
		left, right := true, true
		for _, c := range cols {
			if c < nl {
				right = false
			} else {
				left = false
			}
		}
		// Only a side the join does not pad with NULLs: a row it drops
		// drops the output rows made of it.
		// stricter reports whether other, the input the join filters ours
		// with, keeps a smaller share of its table than the build keys do.
		stricter := func(other Plan) bool {
			if n.Type != InnerJoin && n.Type != SemiJoin {
				return false
			}
			rows, base := estimate(other)
			return rows < sel*base
		}
		switch {
		case left && (n.Type == InnerJoin || n.Type == LeftJoin || n.Type == SemiJoin || n.Type == AntiJoin):
			if stricter(n.Right) {
				return here()
			}
			l, _ := withKeyFilter(n.Left, cols, from, sel)
			return withInputs(p, []Plan{l, n.Right}), true
		case right && (n.Type == InnerJoin || n.Type == RightJoin):
			if stricter(n.Left) {
				return here()
			}
			shifted := make([]int, len(cols))
			for i, c := range cols {
				shifted[i] = c - nl
			}
			r, _ := withKeyFilter(n.Right, shifted, from, sel)
			return withInputs(p, []Plan{n.Left, r}), true
		}
	}
	return here()
}

// plainColumns maps cols, indexes of exprs, to the input columns those
// expressions are; ok is false when one is not a plain column.
func plainColumns(exprs []expr.Expr, cols []int) ([]int, bool) {
	out := make([]int, len(cols))
	for i, c := range cols {
		if c >= len(exprs) {
			return nil, false
		}
		col, ok := exprs[c].(*expr.Column)
		if !ok {
			return nil, false
		}
		out[i] = col.Index
	}
	return out, true
}
