package planner

import (
	"slices"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtypes"
)

// columnOrigin is the table column a result column reads unchanged.
type columnOrigin struct {
	table  uint32 // 0: computed
	attnum int16
}

// origins follows each output column of a bound plan down to the table
// column it reads unchanged, as PostgreSQL marks a query's target list:
// through projections, filters, sorts, limits, grouping keys and joins;
// a computed column, an aggregate or a set operation has none.
func origins(p Plan) []columnOrigin {
	out := make([]columnOrigin, p.Schema().NumFields())
	switch p := p.(type) {
	case *Scan:
		cols := p.Projection
		if cols == nil {
			for i := range p.Table.Provider.Schema().NumFields() {
				cols = append(cols, i)
			}
		}
		for i, c := range cols {
			if i < len(out) {
				out[i] = columnOrigin{table: p.Table.OID, attnum: int16(c + 1)}
			}
		}
	case *Project:
		mapColumns(out, origins(p.Input), p.Exprs)
	case *Aggregate:
		mapColumns(out, origins(p.Input), p.GroupBy)
	case *Filter:
		copy(out, origins(p.Input))
	case *Sort:
		copy(out, origins(p.Input))
	case *Limit:
		copy(out, origins(p.Input))
	case *DistinctOn:
		copy(out, origins(p.Input))
	case *Window:
		copy(out, origins(p.Input)) // the window functions' columns follow
	case *Lateral:
		copy(out, origins(p.Left))
	case *Join:
		copy(out, slices.Concat(origins(p.Left), origins(p.Right)))
	}
	return out
}

// mapColumns sets out[i] to the origin of exprs[i] when it is a plain
// column reference into in.
func mapColumns(out, in []columnOrigin, exprs []expr.Expr) {
	for i, e := range exprs {
		if c, ok := e.(*expr.Column); ok && i < len(out) && c.Index < len(in) {
			out[i] = in[c.Index]
		}
	}
}

// withOrigins marks the fields of a query's result schema with the
// table columns they read (pgtypes.WithOrigin).
func withOrigins(schema *arrow.Schema, origins []columnOrigin) *arrow.Schema {
	if !slices.ContainsFunc(origins, func(o columnOrigin) bool { return o.table != 0 }) || len(origins) != schema.NumFields() {
		return schema
	}
	fields := slices.Clone(schema.Fields())
	for i, o := range origins {
		if o.table != 0 {
			fields[i] = pgtypes.WithOrigin(fields[i], o.table, o.attnum)
		}
	}
	md := schema.Metadata()
	return arrow.NewSchema(fields, &md)
}
