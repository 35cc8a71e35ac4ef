// Package sources defines TableProvider, the interface through which the
// engine reads a table, and the small in-memory provider. Providers for files
// and remote systems live in the subpackages.
package sources

import (
	"context"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
)

// TableProvider is a table the engine can scan.
//
// The contract, which every provider must honour:
//
//   - Schema is fixed for the provider's lifetime and may be called at any
//     time, from any goroutine.
//   - Scan returns a reader whose schema is Schema() restricted to
//     req.Projection, in the order given there (all columns when Projection is
//     nil; no columns, but the right row count, when it is empty).
//   - The reader yields batches as the data is read; a provider must not load
//     a whole table into memory to answer a scan that can be streamed.
//   - Filters are only hints unless the provider declared them Exact through
//     FilterPusher: a provider may skip rows, row groups or files that cannot
//     match, and the engine still applies every filter not declared Exact.
//     Column indices in filters refer to Schema(), not to the projection.
//   - Limit, when >= 0, is the most rows the engine needs. The planner sets it
//     only when every filter of the scan is Exact; a provider may return more.
//   - The reader stops with ctx.Err() once ctx is done; Release frees it even
//     before it is exhausted.
//   - Scan may be called concurrently.
//   - Batches must be in Go memory (any allocator whose buffers stay valid
//     while Go code references them): operators may keep values, such as
//     group keys, after releasing the batch that held them. A provider
//     reading C memory (DuckDB's Arrow results) copies it first.
type TableProvider interface {
	Schema() *arrow.Schema
	Scan(ctx context.Context, req ScanRequest) (array.RecordReader, error)
}

// ScanRequest is what the engine needs from a scan.
type ScanRequest struct {
	// Projection lists the columns to read, as indices into Schema(); nil
	// means every column.
	Projection []int
	// Filters are conjuncts over Schema() that the provider accepted.
	Filters []expr.Expr
	// Limit is the most rows needed, or -1 for all.
	Limit int64
}

// FilterSupport says how a provider handles one filter.
type FilterSupport int

const (
	// Unsupported filters are not passed to Scan; the engine applies them.
	Unsupported FilterSupport = iota
	// Inexact filters are passed to Scan, which may use them to skip data;
	// the engine still applies them to what Scan returns.
	Inexact
	// Exact filters are applied by Scan itself: it returns exactly the rows
	// that satisfy them, and the engine does not check them again. Declaring a
	// filter Exact that Scan does not fully apply returns wrong rows.
	Exact
)

// FilterPusher is implemented by providers that can use filters.
// SupportsFilters returns one FilterSupport per filter, in order.
type FilterPusher interface {
	SupportsFilters(filters []expr.Expr) []FilterSupport
}

// Partitioner is implemented by providers whose scan splits into parts
// that are read independently (a file each, a range of keys): the engine
// reads up to one part per core at once and returns their rows in the
// parts' order, so a provider that decodes serially (CSV, NDJSON) still
// scans on every core. Partitions takes the request Scan would: each
// part applies its projection and filters, and stops at its limit (the
// engine stops at the limit overall). A provider that has one part for a
// request returns one; the engine then reads it as Scan would.
type Partitioner interface {
	Partitions(ctx context.Context, req ScanRequest) ([]Partition, error)
}

// Partition is one independently readable part of a scan.
type Partition interface {
	Scan(ctx context.Context) (array.RecordReader, error)
}

// Statistics describes a table's data for the planner's estimates.
type Statistics struct {
	// RowCount is the number of rows, or -1 when unknown.
	RowCount int64
	// Columns describes the columns, by index into Schema(); nil (or a
	// shorter slice) when the provider knows nothing about them.
	Columns []ColumnStatistics
}

// ColumnStatistics describes one column's values. Estimates built on them
// only rank plans: a provider may report bounds wider than the data (a
// Parquet row group's min and max), never narrower.
type ColumnStatistics struct {
	// Min and Max bound the column's non-null values, as scalars of the
	// column's type; nil when unknown (or when the column holds only
	// NULLs).
	Min, Max scalar.Scalar
	// NullCount is the number of NULLs, or -1 when unknown.
	NullCount int64
}

// ColumnStats computes the statistics of a column held as parts: the null
// count, and the bounds of integer, float, date, timestamp and text
// values (none for other types, or when every value is NULL; NaN is
// left out of a float column's bounds).
func ColumnStats(parts []arrow.Array) ColumnStatistics {
	out := ColumnStatistics{}
	for _, a := range parts {
		out.NullCount += int64(a.NullN())
	}
	for _, a := range parts {
		l, h, ok := arrayBounds(a)
		if !ok {
			return ColumnStatistics{NullCount: out.NullCount} // a type without bounds
		}
		if l == nil {
			continue
		}
		if out.Min == nil || Less(l, out.Min) {
			out.Min = l
		}
		if out.Max == nil || Less(out.Max, h) {
			out.Max = h
		}
	}
	return out
}

// arrayBounds returns the least and greatest values of a (nils when all
// are NULL); ok is false for a type without bounds.
func arrayBounds(a arrow.Array) (lo, hi scalar.Scalar, ok bool) {
	notNaN32 := func(f *array.Float32) func(int) bool {
		return func(i int) bool { return f.IsNull(i) || f.Value(i) != f.Value(i) }
	}
	notNaN64 := func(f *array.Float64) func(int) bool {
		return func(i int) bool { return f.IsNull(i) || f.Value(i) != f.Value(i) }
	}
	switch a := a.(type) {
	case *array.Int16:
		lo, hi = boundsOf(a.Len(), a.IsNull, a.Value, func(v int16) scalar.Scalar { return scalar.NewInt16Scalar(v) })
	case *array.Int32:
		lo, hi = boundsOf(a.Len(), a.IsNull, a.Value, func(v int32) scalar.Scalar { return scalar.NewInt32Scalar(v) })
	case *array.Int64:
		lo, hi = boundsOf(a.Len(), a.IsNull, a.Value, func(v int64) scalar.Scalar { return scalar.NewInt64Scalar(v) })
	case *array.Float32:
		lo, hi = boundsOf(a.Len(), notNaN32(a), a.Value, func(v float32) scalar.Scalar { return scalar.NewFloat32Scalar(v) })
	case *array.Float64:
		lo, hi = boundsOf(a.Len(), notNaN64(a), a.Value, func(v float64) scalar.Scalar { return scalar.NewFloat64Scalar(v) })
	case *array.Date32:
		lo, hi = boundsOf(a.Len(), a.IsNull, a.Value, func(v arrow.Date32) scalar.Scalar { return scalar.NewDate32Scalar(v) })
	case *array.Timestamp:
		dt := a.DataType()
		lo, hi = boundsOf(a.Len(), a.IsNull, a.Value, func(v arrow.Timestamp) scalar.Scalar { return scalar.NewTimestampScalar(v, dt) })
	case *array.String:
		lo, hi = boundsOf(a.Len(), a.IsNull, a.Value, func(v string) scalar.Scalar { return scalar.NewStringScalar(strings.Clone(v)) })
	default:
		return nil, nil, false
	}
	return lo, hi, true
}

// boundsOf returns the least and greatest value of an array's non-null
// (and not skipped) values, or nils.
func boundsOf[T int16 | int32 | int64 | float32 | float64 | arrow.Date32 | arrow.Timestamp | string](n int, skip func(int) bool, value func(int) T, mk func(T) scalar.Scalar) (lo, hi scalar.Scalar) {
	var l, h T
	found := false
	for i := range n {
		if skip(i) {
			continue
		}
		v := value(i)
		if !found || v < l {
			l = v
		}
		if !found || v > h {
			h = v
		}
		found = true
	}
	if !found {
		return nil, nil
	}
	return mk(l), mk(h)
}

// Less orders two scalars of one of the types ColumnStats bounds.
func Less(a, b scalar.Scalar) bool {
	switch x := a.(type) {
	case *scalar.Int16:
		return x.Value < b.(*scalar.Int16).Value
	case *scalar.Int32:
		return x.Value < b.(*scalar.Int32).Value
	case *scalar.Int64:
		return x.Value < b.(*scalar.Int64).Value
	case *scalar.Float32:
		return x.Value < b.(*scalar.Float32).Value
	case *scalar.Float64:
		return x.Value < b.(*scalar.Float64).Value
	case *scalar.Date32:
		return x.Value < b.(*scalar.Date32).Value
	case *scalar.Timestamp:
		return x.Value < b.(*scalar.Timestamp).Value
	case *scalar.String:
		return string(x.Data()) < string(b.(*scalar.String).Data())
	}
	return false
}

// Column returns the statistics of column i, with NullCount -1 and no
// bounds when s has none for it.
func (s Statistics) Column(i int) ColumnStatistics {
	if i < 0 || i >= len(s.Columns) {
		return ColumnStatistics{NullCount: -1}
	}
	return s.Columns[i]
}

// StatisticsProvider is implemented by providers that know their
// statistics without reading the data (Parquet footers, in-memory
// tables). The planner uses them to pick the smaller side of a join as
// the one it hashes.
type StatisticsProvider interface {
	Statistics() Statistics
}

// ProjectSchema returns schema restricted to the given column indices (all
// of it when projection is nil).
func ProjectSchema(schema *arrow.Schema, projection []int) *arrow.Schema {
	if projection == nil {
		return schema
	}
	fields := make([]arrow.Field, len(projection))
	for i, c := range projection {
		fields[i] = schema.Field(c)
	}
	md := schema.Metadata()
	return arrow.NewSchema(fields, &md)
}

// ProjectBatch returns a batch of schema holding the given columns of b (all
// of them when projection is nil), sharing their data. The caller releases
// the result.
func ProjectBatch(schema *arrow.Schema, b arrow.RecordBatch, projection []int) arrow.RecordBatch {
	cols := b.Columns()
	if projection != nil {
		cols = make([]arrow.Array, len(projection))
		for i, c := range projection {
			cols[i] = b.Column(c)
		}
	}
	return array.NewRecordBatch(schema, cols, b.NumRows())
}
