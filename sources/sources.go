// Package sources defines TableProvider, the interface through which the
// engine reads a table, and the small in-memory provider. Providers for files
// and remote systems live in the subpackages.
package sources

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

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

// Statistics describes a table's data for the planner's estimates.
type Statistics struct {
	// RowCount is the number of rows, or -1 when unknown.
	RowCount int64
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
