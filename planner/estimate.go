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
	case *expr.Subquery:
		if b.Kind == expr.InSubquery {
			return 0.1 // as an equality: x IN (SELECT ...) is x = one of them
		}
	case *expr.Call:
		switch b.Func {
		case "like", "ilike", "regex", "iregex":
			// A pattern picks a few values out of many ('%green%',
			// 'forest%'), more like an equality than a range.
			return 0.1
		}
	}
	return 0.5
}

// unknownRows is the estimate for a table whose provider reports no
// statistics.
const unknownRows = 1_000_000

// estimate guesses how many rows p yields (it only has to rank a join's
// inputs), and from how many rows of the tables below it before any filter
// (its base): table sizes from the providers' statistics, fixed
// selectivities for filters (see selectivity), and an inner join on keys
// taken as a foreign-key join: the input with the larger base is the
// referencing one, and keeps the share of its rows that the filters left
// of the referenced input (a filtered part keeps the line items of the
// parts it keeps).
func estimate(p Plan) (rows, base float64) {
	switch n := p.(type) {
	case *Scan:
		rows := float64(unknownRows)
		if sp, ok := n.Table.Provider.(sources.StatisticsProvider); ok {
			if s := sp.Statistics(); s.RowCount >= 0 {
				rows = float64(s.RowCount)
			}
		}
		base := rows
		if n.Limit >= 0 {
			rows = min(rows, float64(n.Limit))
		}
		return rows, base
	case *Filter:
		rows, base := estimate(n.Input)
		for _, c := range expr.Conjuncts(n.Predicate) {
			rows *= selectivity(c)
		}
		return max(rows, 1), base
	case *Join:
		l, lb := estimate(n.Left)
		r, rb := estimate(n.Right)
		switch n.Type {
		case SemiJoin, AntiJoin:
			return l * 0.5, lb
		case LeftJoin:
			return max(l, r*0.5), lb
		case RightJoin:
			return max(r, l*0.5), rb
		case FullJoin:
			return l + r, lb + rb
		}
		if n.On == nil {
			return l * r, lb * rb
		}
		if lb < rb {
			l, lb, r, rb = r, rb, l, lb
		}
		return max(l*r/max(rb, 1), 1), lb
	case *Aggregate:
		if len(n.GroupBy) == 0 {
			return 1, 1
		}
		rows, _ := estimate(n.Input)
		rows = max(rows*0.1, 1)
		return rows, rows
	case *DistinctOn:
		rows, _ := estimate(n.Input)
		rows = max(rows*0.1, 1)
		return rows, rows
	case *RecursiveUnion:
		rows, _ := estimate(n.Anchor)
		return rows * 10, rows * 10
	case *Limit:
		rows, base := estimate(n.Input)
		if n.Count >= 0 {
			rows = min(rows, float64(n.Count))
		}
		return rows, base
	case *Union:
		var rows, base float64
		for _, part := range n.Parts {
			r, b := estimate(part)
			rows, base = rows+r, base+b
		}
		return rows, base
	case *OneRow, OneRow:
		return 1, 1
	}
	if ins := p.Inputs(); len(ins) == 1 {
		return estimate(ins[0])
	}
	return unknownRows, unknownRows
}
