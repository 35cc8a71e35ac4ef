package planner

import (
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/sources"
)

// selectivity guesses the share of rows a condition keeps.
func selectivity(c expr.Expr) float64 {
	switch b := c.(type) {
	case *expr.Binary:
		switch b.Op {
		case expr.Eq:
			return 0.1
		case expr.Or:
			return min(1, selectivity(b.Left)+selectivity(b.Right))
		case expr.And:
			return selectivity(b.Left) * selectivity(b.Right)
		}
	}
	return 0.5
}

// unknownRows is the estimate for a table whose provider reports no
// statistics.
const unknownRows = 1_000_000

// estimateRows guesses how many rows p yields: table sizes from the
// providers' statistics, and fixed selectivities for filters (an
// equality keeps a tenth, any other condition half) and joins (a join on
// a key yields as many rows as its larger input). It only has to rank the
// two sides of a join.
func estimateRows(p Plan) float64 {
	switch n := p.(type) {
	case *Scan:
		rows := float64(unknownRows)
		if sp, ok := n.Table.Provider.(sources.StatisticsProvider); ok {
			if s := sp.Statistics(); s.RowCount >= 0 {
				rows = float64(s.RowCount)
			}
		}
		if n.Limit >= 0 {
			rows = min(rows, float64(n.Limit))
		}
		return rows
	case *Filter:
		rows := estimateRows(n.Input)
		for _, c := range expr.Conjuncts(n.Predicate) {
			rows *= selectivity(c)
		}
		return max(rows, 1)
	case *Join:
		l, r := estimateRows(n.Left), estimateRows(n.Right)
		switch n.Type {
		case SemiJoin, AntiJoin:
			return l * 0.5
		case LeftJoin:
			return max(l, r*0.5)
		case RightJoin:
			return max(r, l*0.5)
		case FullJoin:
			return l + r
		}
		if n.On == nil {
			return l * r
		}
		return max(l, r)
	case *Aggregate:
		if len(n.GroupBy) == 0 {
			return 1
		}
		return max(estimateRows(n.Input)*0.1, 1)
	case *DistinctOn:
		return max(estimateRows(n.Input)*0.1, 1)
	case *RecursiveUnion:
		return estimateRows(n.Anchor) * 10
	case *Limit:
		rows := estimateRows(n.Input)
		if n.Count >= 0 {
			rows = min(rows, float64(n.Count))
		}
		return rows
	case *Union:
		var rows float64
		for _, part := range n.Parts {
			rows += estimateRows(part)
		}
		return rows
	case *OneRow, OneRow:
		return 1
	}
	if ins := p.Inputs(); len(ins) == 1 {
		return estimateRows(ins[0])
	}
	return unknownRows
}
