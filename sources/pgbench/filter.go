package pgbench

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/sources"
)

// keyColumn is the index of every table's key (aid, bid, tid): rows are
// numbered by it. pgbench_history has no key but no rows either.
const keyColumn = 0

// keyRange is an inclusive range of keys; it is empty when lo > hi.
type keyRange struct{ lo, hi int64 }

func (r keyRange) intersect(o keyRange) keyRange {
	return keyRange{lo: max(r.lo, o.lo), hi: min(r.hi, o.hi)}
}

// empty is a range no key is in.
var empty = keyRange{lo: 1, hi: 0}

// SupportsFilters implements sources.FilterPusher. Comparisons of the key
// column with an integer constant (aid = 42, tid BETWEEN 1 AND 10, also
// with the column cast to bigint) are Exact: the scan reads only the keys
// they allow. Every other filter is left to the engine.
func (t *Table) SupportsFilters(filters []expr.Expr) []sources.FilterSupport {
	out := make([]sources.FilterSupport, len(filters))
	for i, f := range filters {
		if _, ok := keyBound(f); ok && t.rows > 0 {
			out[i] = sources.Exact
		}
	}
	return out
}

// keyBound returns the keys filter f allows when f compares the key column
// with an integer constant.
func keyBound(f expr.Expr) (keyRange, bool) {
	b, ok := f.(*expr.Binary)
	if !ok || !b.Op.IsComparison() || b.Op == expr.NotEq {
		return keyRange{}, false
	}
	op, col, lit := b.Op, b.Left, b.Right
	if _, isLit := col.(*expr.Literal); isLit {
		op, col, lit = op.Commute(), b.Right, b.Left
	}
	if !isKey(col) {
		return keyRange{}, false
	}
	l, ok := lit.(*expr.Literal)
	if !ok {
		return keyRange{}, false
	}
	v, valid, ok := integerValue(l.Value)
	if !ok {
		return keyRange{}, false
	}
	if !valid {
		// A comparison with NULL is never true.
		return empty, true
	}
	r := keyRange{lo: math.MinInt64, hi: math.MaxInt64}
	switch op {
	case expr.Eq:
		r = keyRange{lo: v, hi: v}
	case expr.Lt:
		if v == math.MinInt64 {
			return empty, true
		}
		r.hi = v - 1
	case expr.LtEq:
		r.hi = v
	case expr.Gt:
		if v == math.MaxInt64 {
			return empty, true
		}
		r.lo = v + 1
	case expr.GtEq:
		r.lo = v
	}
	return r, true
}

// isKey reports whether e is the key column, possibly widened to bigint
// (the binder casts an int4 column to compare it with an int8 constant).
func isKey(e expr.Expr) bool {
	if c, ok := e.(*expr.Cast); ok {
		if c.Type.ID() != arrow.INT32 && c.Type.ID() != arrow.INT64 {
			return false
		}
		e = c.Input
	}
	c, ok := e.(*expr.Column)
	return ok && c.Index == keyColumn && c.Type.ID() == arrow.INT32
}

// integerValue reads an integer scalar; valid is false for NULL.
func integerValue(s scalar.Scalar) (v int64, valid, ok bool) {
	if !s.IsValid() {
		switch s.DataType().ID() {
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
			return 0, false, true
		}
		return 0, false, false
	}
	switch s := s.(type) {
	case *scalar.Int8:
		return int64(s.Value), true, true
	case *scalar.Int16:
		return int64(s.Value), true, true
	case *scalar.Int32:
		return int64(s.Value), true, true
	case *scalar.Int64:
		return s.Value, true, true
	}
	return 0, false, false
}
