//go:build !cgo

package planner

import (
	"errors"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	pgquery "github.com/wasilibs/go-pgquery"
	pgparser "github.com/wasilibs/go-pgquery/parser"
)

// Without cgo, the same libpg_query runs as WebAssembly (wazero): the same
// parse trees and errors, slower per statement and slow on first use, but
// the server builds and runs with CGO_ENABLED=0.

func parseSQL(sql string) (*pg_query.ParseResult, error) { return pgquery.Parse(sql) }

func scanSQL(sql string) (*pg_query.ScanResult, error) { return pgquery.Scan(sql) }

// syntaxError returns the message and 1-based cursor position of a parse
// error.
func syntaxError(err error) (string, int, bool) {
	var pe *pgparser.Error
	if errors.As(err, &pe) {
		return pe.Message, pe.Cursorpos, true
	}
	return "", 0, false
}
