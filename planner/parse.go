package planner

import (
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/pgerror"
)

// Statement is one parsed statement of a query string.
type Statement struct {
	// SQL is the whole query string the statement came from; node locations
	// are byte offsets into it.
	SQL  string
	Node *pg_query.Node
	// start and end delimit this statement's own text within SQL.
	start, end int
	// params is ParamCount's answer, when counted is set (a cached
	// statement is counted once: scanning costs a cgo call).
	params  int
	counted bool
}

// Text is the statement's own text, without the other statements of the
// query string.
func (s Statement) Text() string {
	if s.end <= s.start || s.end > len(s.SQL) {
		return strings.TrimSpace(s.SQL[min(s.start, len(s.SQL)):])
	}
	return strings.TrimSpace(s.SQL[s.start:s.end])
}

// ParamCount returns the highest $n the statement's text uses.
func (s Statement) ParamCount() int {
	if s.counted {
		return s.params
	}
	text := s.Text()
	res, err := scanSQL(text)
	if err != nil {
		return 0
	}
	n := 0
	for _, tok := range res.Tokens {
		if tok.Token == pg_query.Token_PARAM {
			if v, err := strconv.Atoi(text[tok.Start+1 : tok.End]); err == nil {
				n = max(n, v)
			}
		}
	}
	return n
}

// ParseCache remembers parse trees by statement text. Clients send the same
// statements again and again, and parsing costs tens of microseconds; the
// trees are read-only once built, so sessions share them. It is safe for
// concurrent use.
type ParseCache struct {
	mu      sync.Mutex
	entries map[string][]Statement
	max     int
}

// NewParseCache returns a cache of at most max statement texts.
func NewParseCache(max int) *ParseCache {
	return &ParseCache{entries: make(map[string][]Statement), max: max}
}

// Parse is Parse through the cache. Failed parses are not cached.
func (c *ParseCache) Parse(sql string) ([]Statement, error) {
	c.mu.Lock()
	stmts, ok := c.entries[sql]
	c.mu.Unlock()
	if ok {
		return stmts, nil
	}
	stmts, err := Parse(sql)
	if err != nil {
		return nil, err
	}
	for i := range stmts {
		stmts[i].params, stmts[i].counted = stmts[i].ParamCount(), true
	}
	c.mu.Lock()
	if len(c.entries) >= c.max {
		clear(c.entries) // crude but bounded; a working set refills quickly
	}
	c.entries[sql] = stmts
	c.mu.Unlock()
	return stmts, nil
}

// Parse splits sql into statements with PostgreSQL's own grammar. A syntax
// error anywhere fails the whole string, as it does in PostgreSQL.
func Parse(sql string) ([]Statement, error) {
	tree, err := parseSQL(sql)
	if err != nil {
		if msg, pos, ok := syntaxError(err); ok {
			code := pgerror.SyntaxError
			switch {
			case strings.HasPrefix(msg, "frame "):
				code = "42P20" // the grammar's checks of window frames (windowing_error)
			case strings.HasPrefix(msg, "invalid byte sequence for encoding"):
				code = pgerror.CharacterNotInRepertoire // E'\x00', the lexer's check
			}
			return nil, &pgerror.Error{Code: code, Message: msg, Position: pos}
		}
		return nil, pgerror.New(pgerror.SyntaxError, "%s", err.Error())
	}
	stmts := make([]Statement, 0, len(tree.Stmts))
	for _, raw := range tree.Stmts {
		end := int(raw.StmtLocation + raw.StmtLen)
		if raw.StmtLen == 0 {
			end = len(sql)
		}
		stmts = append(stmts, Statement{SQL: sql, Node: raw.Stmt, start: int(raw.StmtLocation), end: end})
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
