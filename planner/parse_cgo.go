//go:build cgo

package planner

import (
	"errors"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	pgparser "github.com/pganalyze/pg_query_go/v6/parser"
)

// With cgo, statements are parsed by libpg_query compiled in natively.

func parseSQL(sql string) (*pg_query.ParseResult, error) { return pg_query.Parse(sql) }

func scanSQL(sql string) (*pg_query.ScanResult, error) { return pg_query.Scan(sql) }

// syntaxError returns the message and 1-based cursor position of a parse
// error.
func syntaxError(err error) (string, int, bool) {
	var pe *pgparser.Error
	if errors.As(err, &pe) {
		return pe.Message, pe.Cursorpos, true
	}
	return "", 0, false
}
