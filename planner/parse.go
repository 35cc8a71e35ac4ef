package planner

import (
	"errors"
	"unicode/utf8"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	pgparser "github.com/pganalyze/pg_query_go/v6/parser"

	"github.com/riffq/riffq/pgerror"
)

// Statement is one parsed statement of a query string.
type Statement struct {
	// SQL is the whole query string the statement came from; node locations
	// are byte offsets into it.
	SQL  string
	Node *pg_query.Node
}

// Parse splits sql into statements with PostgreSQL's own grammar. A syntax
// error anywhere fails the whole string, as it does in PostgreSQL.
func Parse(sql string) ([]Statement, error) {
	tree, err := pg_query.Parse(sql)
	if err != nil {
		var pe *pgparser.Error
		if errors.As(err, &pe) {
			return nil, &pgerror.Error{Code: pgerror.SyntaxError, Message: pe.Message, Position: pe.Cursorpos}
		}
		return nil, pgerror.New(pgerror.SyntaxError, "%s", err.Error())
	}
	stmts := make([]Statement, 0, len(tree.Stmts))
	for _, raw := range tree.Stmts {
		stmts = append(stmts, Statement{SQL: sql, Node: raw.Stmt})
	}
	return stmts, nil
}

// position converts a parse-tree byte offset into the 1-based character
// position PostgreSQL reports; unknown locations (-1) give 0.
func position(sql string, loc int32) int {
	if loc < 0 || int(loc) > len(sql) {
		return 0
	}
	return utf8.RuneCountInString(sql[:loc]) + 1
}
