package planner

import (
	"github.com/apache/arrow-go/v18/arrow"

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

// scanStatistics returns the statistics of a scan's table, when its
// provider has them.
func scanStatistics(n *Scan) (sources.Statistics, bool) {
	if sp, ok := n.Table.Provider.(sources.StatisticsProvider); ok {
		return sp.Statistics(), true
	}
	return sources.Statistics{RowCount: -1}, false
}

// columnSelectivity is selectivity refined by what a column's statistics
// make certain: a comparison with a constant beyond the column's bounds
// keeps (almost) nothing, or every non-null row; IS [NOT] NULL keeps the
// NULLs' share. Within the bounds a range keeps selectivity's fixed
// guess: interpolating it over the bounds (values spread evenly) was
// tried, and made TPC-H Q7 twice as slow — its date range then outweighed
// lineitem's join with the suppliers of two nations, whose filter the
// estimates do not see — while no query gained. rows is the input's
// estimate, for the floor of one row.
func columnSelectivity(c expr.Expr, rows float64, column func(*expr.Column) sources.ColumnStatistics) float64 {
	floor := 1 / max(rows, 1)
	if n, ok := c.(*expr.IsNull); ok {
		if col, ok := n.Input.(*expr.Column); ok {
			if cs := column(col); cs.NullCount >= 0 && rows >= 1 {
				share := min(float64(cs.NullCount)/rows, 1)
				if n.Negated {
					share = 1 - share
				}
				return max(share, floor)
			}
		}
		return selectivity(c)
	}
	col, lit, op, ok := expr.ColumnComparison(c)
	if !ok {
		return selectivity(c)
	}
	cs := column(col)
	if cs.Min == nil || cs.Max == nil || !arrow.TypeEqual(cs.Min.DataType(), lit.Value.DataType()) {
		return selectivity(c)
	}
	nonNull := 1.0
	if cs.NullCount >= 0 && rows >= 1 {
		nonNull = max(1-float64(cs.NullCount)/rows, 0)
	}
	below, above := sources.Less(lit.Value, cs.Min), sources.Less(cs.Max, lit.Value)
	atMin, atMax := !below && !sources.Less(cs.Min, lit.Value), !above && !sources.Less(lit.Value, cs.Max)
	var none, all bool // the comparison certainly keeps no row, or every non-null one
	switch op {
	case expr.Eq:
		none = below || above
	case expr.Lt:
		none, all = below || atMin, above
	case expr.LtEq:
		none, all = below, above || atMax
	case expr.Gt:
		none, all = above || atMax, below
	case expr.GtEq:
		none, all = above, below || atMin
	}
	switch {
	case none:
		return floor
	case all:
		return max(nonNull, floor)
	}
	return selectivity(c)
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
		stats, known := scanStatistics(n)
		if known && stats.RowCount >= 0 {
			rows = float64(stats.RowCount)
		}
		base := rows
		// The filters the provider applies exactly leave no Filter
		// above the scan: they count here.
		for i, f := range n.Filters {
			if i < len(n.Exact) && n.Exact[i] {
				rows *= columnSelectivity(f, rows, func(c *expr.Column) sources.ColumnStatistics { return stats.Column(c.Index) })
			}
		}
		if n.Limit >= 0 {
			rows = min(rows, float64(n.Limit))
		}
		return max(rows, 1), base
	case *Filter:
		rows, base := estimate(n.Input)
		// Over a scan, the table's column statistics refine the guesses.
		column := func(*expr.Column) sources.ColumnStatistics { return sources.ColumnStatistics{NullCount: -1} }
		if scan, ok := n.Input.(*Scan); ok {
			if stats, known := scanStatistics(scan); known {
				column = func(c *expr.Column) sources.ColumnStatistics {
					if scan.Projection != nil {
						if c.Index >= len(scan.Projection) {
							return sources.ColumnStatistics{NullCount: -1}
						}
						return stats.Column(scan.Projection[c.Index])
					}
					return stats.Column(c.Index)
				}
			}
		}
		in := rows
		for _, c := range expr.Conjuncts(n.Predicate) {
			rows *= columnSelectivity(c, in, column)
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
	case *CTEScan:
		return estimate(n.Def)
	case *WithCTEs:
		return estimate(n.Input)
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
