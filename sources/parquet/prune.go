package parquet

import (
	"cmp"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/sources"
)

// SupportsFilters implements sources.FilterPusher. `col = 'a'` and `col
// IN ('a', 'b')` over a string column are Exact: the scan keeps just the
// rows whose value is one of those (selectByDictionary, which decides each
// distinct value of a dictionary-encoded column once). Other comparisons
// of a column with a constant are Inexact: the scan skips row groups whose
// min/max statistics prove that no row can match, and the engine checks
// every row it returns. Filters over partition columns alone are Exact:
// files whose partition values fail them are skipped.
func (t *Table) SupportsFilters(filters []expr.Expr) []sources.FilterSupport {
	out := make([]sources.FilterSupport, len(filters))
	fileSchema := arrow.NewSchema(t.schema.Fields()[:t.nfile], nil)
	for i, f := range filters {
		switch {
		case t.parts != nil && partitionFilter(f, t.nfile):
			// Evaluated per file from its partition values: exact.
			out[i] = sources.Exact
		default:
			_, pruning := prunable(fileSchema, f)
			if _, set := stringSetOf(fileSchema, f); set {
				out[i] = sources.Exact
			} else if pruning {
				out[i] = sources.Inexact
			}
		}
	}
	return out
}

// bound is a comparison "column op value" that statistics can refute.
type bound struct {
	field int
	op    expr.Op
	value any // int64, float64 or string
}

// prunable reports whether f compares a column with a non-null constant of
// the column's own type, for a type whose Parquet statistics order like
// PostgreSQL does.
func prunable(schema *arrow.Schema, f expr.Expr) (bound, bool) {
	c, l, op, ok := expr.ColumnComparison(f)
	if !ok || c.Index >= schema.NumFields() {
		return bound{}, false
	}
	ft := schema.Field(c.Index).Type
	if !arrow.TypeEqual(ft, l.Value.DataType()) {
		return bound{}, false
	}
	var v any
	switch s := l.Value.(type) {
	case *scalar.Int8:
		v = int64(s.Value)
	case *scalar.Int16:
		v = int64(s.Value)
	case *scalar.Int32:
		v = int64(s.Value)
	case *scalar.Int64:
		v = s.Value
	case *scalar.Date32:
		v = int64(s.Value)
	case *scalar.Timestamp:
		v = int64(s.Value)
	case *scalar.String:
		v = string(s.Data())
	case *scalar.Float32, *scalar.Float64:
		fv := floatValue(s)
		// Statistics leave NaN out, and NaN is above every number in
		// PostgreSQL, so only comparisons NaN cannot satisfy are safe.
		if math.IsNaN(fv) || (op != expr.Eq && op != expr.Lt && op != expr.LtEq) {
			return bound{}, false
		}
		v = fv
	default:
		return bound{}, false
	}
	if op == expr.NotEq {
		return bound{}, false
	}
	return bound{field: c.Index, op: op, value: v}, true
}

func floatValue(s scalar.Scalar) float64 {
	if f, ok := s.(*scalar.Float32); ok {
		return float64(f.Value)
	}
	return s.(*scalar.Float64).Value
}

// rowGroups returns the row groups of a file that may hold rows matching
// every filter, or nil for all of them.
func rowGroups(pf *file.Reader, m *pqarrow.SchemaManifest, schema *arrow.Schema, filters []expr.Expr) []int {
	var bounds []bound
	for _, f := range filters {
		if b, ok := prunable(schema, f); ok {
			bounds = append(bounds, b)
		}
	}
	if len(bounds) == 0 {
		return nil
	}
	md := pf.MetaData()
	keep := []int{}
	for rg := range md.NumRowGroups() {
		rgmd := md.RowGroup(rg)
		match := true
		for _, b := range bounds {
			sf := m.Fields[b.field]
			if !sf.IsLeaf() {
				continue
			}
			cc, err := rgmd.ColumnChunk(sf.ColIndex)
			if err != nil {
				continue
			}
			if set, err := cc.StatsSet(); err != nil || !set {
				continue
			}
			stats, err := cc.Statistics()
			if err != nil || stats == nil || !stats.HasMinMax() {
				continue
			}
			if refutes(stats, b) {
				match = false
				break
			}
		}
		if match {
			keep = append(keep, rg)
		}
	}
	return keep
}

// refutes reports whether no value in [min, max] can satisfy b.
func refutes(stats metadata.TypedStatistics, b bound) bool {
	lo, hi, ok := bounds(stats)
	if !ok {
		return false
	}
	switch lo := lo.(type) {
	case int64:
		v, ok := b.value.(int64)
		return ok && outside(lo, hi.(int64), b.op, v)
	case float64:
		v, ok := b.value.(float64)
		return ok && outside(lo, hi.(float64), b.op, v)
	case string:
		v, ok := b.value.(string)
		return ok && outside(lo, hi.(string), b.op, v)
	}
	return false
}

func outside[T cmp.Ordered](lo, hi T, op expr.Op, v T) bool {
	switch op {
	case expr.Eq:
		return v < lo || v > hi
	case expr.Lt:
		return lo >= v
	case expr.LtEq:
		return lo > v
	case expr.Gt:
		return hi <= v
	case expr.GtEq:
		return hi < v
	}
	return false
}
