// Package duckdb serves the tables and views of a DuckDB database file.
// Each scan is one DuckDB query with the projection, the filters DuckDB
// evaluates exactly as riffq does, and the limit pushed into it; its result
// streams through DuckDB's Arrow interface, chunk by chunk, with no
// row-by-row conversion.
//
// DuckDB is linked in through cgo, and duckdb-go's Arrow interface needs
// the duckdb_arrow build tag: build with
//
//	go build -tags duckdb_arrow ./cmd/riffq
//
// Without cgo or the tag, Open reports that the build lacks DuckDB, and the
// rest of riffq builds and works as before.
package duckdb

import "log/slog"

// Options tune Open.
type Options struct {
	// ReadWrite opens the database for writing, which also locks it against
	// other processes; the default is read-only.
	ReadWrite bool
	// Logger receives each DuckDB query at debug level; nil discards them.
	Logger *slog.Logger
}
