//go:build cgo && duckdb_arrow

package main

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // registers the duckdb driver

	"github.com/riffq/riffq/internal/tpch"
)

// openDuckDB opens an in-memory DuckDB with a view over each Parquet file.
func openDuckDB(ctx context.Context, dataDir string) (*system, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	for _, name := range tpch.Tables {
		path := strings.ReplaceAll(filepath.Join(dataDir, name+".parquet"), "'", "''")
		if _, err := db.ExecContext(ctx, fmt.Sprintf("CREATE VIEW %s AS SELECT * FROM read_parquet('%s')", name, path)); err != nil {
			db.Close()
			return nil, err
		}
	}
	s := &system{name: "duckdb", close: func() { db.Close() }, reset: func() {}, peak: func() (int64, bool) { return 0, false }}
	s.run = func(ctx context.Context, q query) (int, error) {
		n := 0
		for _, stmt := range q.stmts {
			rows, err := db.QueryContext(ctx, stmt)
			if err != nil {
				return 0, err
			}
			cols, _ := rows.Columns()
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return 0, err
				}
				n++
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return 0, err
			}
		}
		return n, nil
	}
	return s, nil
}
