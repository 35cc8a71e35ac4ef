package planner

import (
	"slices"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/sources"
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
		if p.View != 0 {
			// A view's columns are its own, as PostgreSQL reports them
			// (not those of the tables under it).
			for i := range out {
				out[i] = columnOrigin{table: p.View, attnum: int16(i + 1)}
			}
			break
		}
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

// dependentKeys adds to a GROUP BY the other columns of each table whose
// primary key it lists whole: they are functionally dependent on the key,
// so the groups stay the same, and the select list may read them
// ungrouped, as PostgreSQL allows (Django groups by the primary key
// alone). Columns of a table are told apart by the name the query gives
// the table, so two instances of one table in a self join stay apart.
func dependentKeys(input Plan, sc *scope, groups []expr.Expr) []expr.Expr {
	orig := origins(input)
	if len(orig) != len(sc.cols) {
		return groups
	}
	type instance struct {
		alias string
		table uint32
	}
	grouped := make(map[instance]map[int16]bool)
	for _, g := range groups {
		c, ok := g.(*expr.Column)
		if !ok || c.Index >= len(orig) || orig[c.Index].table == 0 {
			continue
		}
		k := instance{sc.cols[c.Index].table, orig[c.Index].table}
		if grouped[k] == nil {
			grouped[k] = make(map[int16]bool)
		}
		grouped[k][orig[c.Index].attnum] = true
	}
	if len(grouped) == 0 {
		return groups
	}
	tables := make(map[uint32]*catalog.Table)
	var collect func(p Plan)
	collect = func(p Plan) {
		if s, ok := p.(*Scan); ok {
			tables[s.Table.OID] = s.Table
		}
		for _, in := range p.Inputs() {
			collect(in)
		}
	}
	collect(input)
	for k, cols := range grouped {
		t := tables[k.table]
		if t == nil || !primaryKeyIn(t, cols) {
			continue
		}
		for i, o := range orig {
			c := sc.cols[i]
			if o.table != k.table || c.table != k.alias || cols[o.attnum] || c.hidden {
				continue
			}
			cols[o.attnum] = true
			groups = append(groups, &expr.Column{Index: i, Name: c.table + "." + c.name, Type: c.typ})
		}
	}
	return groups
}

// primaryKeyIn reports whether t has a primary key whose columns (as
// attnums) are all in cols.
func primaryKeyIn(t *catalog.Table, cols map[int16]bool) bool {
	kp, ok := t.Provider.(sources.KeyProvider)
	if !ok {
		return false
	}
	for _, k := range kp.UniqueKeys() {
		if !k.Primary {
			continue
		}
		for _, c := range k.Columns {
			if !cols[int16(c+1)] {
				return false
			}
		}
		return true
	}
	return false
}
