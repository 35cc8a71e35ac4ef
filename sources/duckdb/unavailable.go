//go:build !cgo || !duckdb_arrow

package duckdb

import (
	"context"
	"errors"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/riffq/riffq/sources"
)

// Available reports whether this build includes DuckDB.
const Available = false

// errUnavailable explains how to get a build with DuckDB.
var errUnavailable = errors.New("duckdb source: this riffq was built without DuckDB (build with cgo and -tags duckdb_arrow)")

// Source is a DuckDB database; without DuckDB in the build none can be opened.
type Source struct{}

// Open fails: this build has no DuckDB.
func Open(context.Context, string, Options) (*Source, error) { return nil, errUnavailable }

// Tables returns nothing.
func (*Source) Tables() []*Table { return nil }

// Close does nothing.
func (*Source) Close() error { return nil }

// Table is a DuckDB table; without DuckDB in the build there are none.
type Table struct{}

// RemoteSchema is the DuckDB schema the table is in.
func (*Table) RemoteSchema() string { return "" }

// Name is the table's name in DuckDB.
func (*Table) Name() string { return "" }

// Schema implements sources.TableProvider.
func (*Table) Schema() *arrow.Schema { return arrow.NewSchema(nil, nil) }

// Scan implements sources.TableProvider.
func (*Table) Scan(context.Context, sources.ScanRequest) (array.RecordReader, error) {
	return nil, errUnavailable
}
