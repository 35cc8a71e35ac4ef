//go:build !(cgo && duckdb_arrow)

package main

import (
	"context"
	"errors"
)

func openDuckDB(context.Context, string) (*system, error) {
	return nil, errors.New("this build has no DuckDB: build with -tags duckdb_arrow (and cgo)")
}
