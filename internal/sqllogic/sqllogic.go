// Package sqllogic reads and writes sqllogictest-style files: SQL
// statements with the results a reference PostgreSQL gave for them. Tests
// run the statements against riffq and compare; the same files are
// regenerated from PostgreSQL.
//
// A file is a sequence of records separated by blank lines:
//
//	# a comment
//	query [rowsort] [typmod]
//	SELECT a, b FROM t
//	----
//	a:int4	b:text
//	1	x
//
//	statement error
//	SELECT nosuch FROM t
//	----
//	42703 at 8: column "nosuch" does not exist
//
// The first result line lists the columns as name:type; each further line
// is a row with tab-separated values, NULL for null, (empty) for the empty
// string, and \t, \n, \\ escaped; the last line is the command tag after
// "-- ". rowsort compares rows as sorted lists; typmod lists the columns
// as name:type:typmod, with RowDescription's type modifier (-1 for none).
package sqllogic

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Kind is the kind of a record.
type Kind int

const (
	// Query expects rows.
	Query Kind = iota
	// StatementError expects an error.
	StatementError
)

// Record is one statement and its expected outcome.
type Record struct {
	Kind     Kind
	RowSort  bool
	Typmod   bool // the columns show their type modifiers
	SQL      string
	Expected []string // result lines after ----
	Line     int      // where the record starts, 1-based
	Comments []string // comment lines before the record
}

// Parse reads the records of a file.
func Parse(r io.Reader) ([]Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var (
		recs     []Record
		cur      *Record
		comments []string
		inResult bool
		line     int
	)
	flush := func() {
		if cur != nil {
			cur.SQL = strings.TrimSpace(cur.SQL)
			recs = append(recs, *cur)
			cur = nil
		}
		inResult = false
	}
	for sc.Scan() {
		line++
		text := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(text, "#"):
			comments = append(comments, text)
		case strings.TrimSpace(text) == "" && (cur == nil || inResult || cur.SQL != ""):
			flush()
		case cur == nil:
			fields := strings.Fields(text)
			rec := Record{Line: line, Comments: comments}
			comments = nil
			switch {
			case len(fields) >= 1 && fields[0] == "query":
				rec.Kind = Query
				rec.RowSort = slices.Contains(fields[1:], "rowsort")
				rec.Typmod = slices.Contains(fields[1:], "typmod")
			case len(fields) == 2 && fields[0] == "statement" && fields[1] == "error":
				rec.Kind = StatementError
			default:
				return nil, fmt.Errorf("line %d: want 'query' or 'statement error', got %q", line, text)
			}
			cur = &rec
		case text == "----" && !inResult:
			inResult = true
		case inResult:
			cur.Expected = append(cur.Expected, text)
		default:
			cur.SQL += text + "\n"
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	flush()
	return recs, nil
}

// Write writes records back in the file format.
func Write(w io.Writer, recs []Record) error {
	bw := bufio.NewWriter(w)
	for i, r := range recs {
		if i > 0 {
			bw.WriteString("\n")
		}
		for _, c := range r.Comments {
			bw.WriteString(c + "\n")
		}
		switch r.Kind {
		case Query:
			bw.WriteString("query")
			if r.RowSort {
				bw.WriteString(" rowsort")
			}
			if r.Typmod {
				bw.WriteString(" typmod")
			}
			bw.WriteString("\n")
		case StatementError:
			bw.WriteString("statement error\n")
		}
		bw.WriteString(r.SQL + "\n----\n")
		for _, l := range r.Expected {
			bw.WriteString(l + "\n")
		}
	}
	return bw.Flush()
}

// Value renders one result value for a result line; null is a nil slice.
func Value(v []byte) string {
	if v == nil {
		return "NULL"
	}
	if len(v) == 0 {
		return "(empty)"
	}
	r := strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`)
	return r.Replace(string(v))
}

// Result is the outcome of running a record's SQL.
type Result struct {
	Columns []string   // name:type
	Rows    [][]string // rendered with Value
	Tag     string     // the command tag, e.g. "SELECT 3"
}

// Lines renders a result as result lines, rows sorted when rowSort.
func (r Result) Lines(rowSort bool) []string {
	var lines []string
	if len(r.Columns) > 0 {
		lines = append(lines, strings.Join(r.Columns, "\t"))
	}
	rows := make([]string, len(r.Rows))
	for i, row := range r.Rows {
		rows[i] = strings.Join(row, "\t")
	}
	if rowSort {
		slices.Sort(rows)
	}
	lines = append(lines, rows...)
	return append(lines, "-- "+r.Tag)
}

// ErrorLine renders an expected error.
func ErrorLine(code string, position int, message string) string {
	if position > 0 {
		return fmt.Sprintf("%s at %d: %s", code, position, message)
	}
	return fmt.Sprintf("%s: %s", code, message)
}
