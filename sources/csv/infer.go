package csv

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/riffq/riffq/internal/pgtext"
)

// kind is an inferred column type, from most to least specific.
type kind int

const (
	kindNull kind = iota // only NULLs seen so far
	kindBool
	kindInt
	kindNumeric // integers beyond bigint's range, up to 38 digits
	kindFloat
	kindDate
	kindTime
	kindTimestamp
	kindTimestamptz
	kindText
)

var (
	typeNumeric     = &arrow.Decimal128Type{Precision: 38, Scale: 0}
	typeTime        = arrow.FixedWidthTypes.Time64us
	typeTimestamp   = &arrow.TimestampType{Unit: arrow.Microsecond}
	typeTimestamptz = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
)

func (k kind) arrowType() arrow.DataType {
	switch k {
	case kindBool:
		return arrow.FixedWidthTypes.Boolean
	case kindInt:
		return arrow.PrimitiveTypes.Int64
	case kindNumeric:
		return typeNumeric
	case kindFloat:
		return arrow.PrimitiveTypes.Float64
	case kindDate:
		return arrow.FixedWidthTypes.Date32
	case kindTime:
		return typeTime
	case kindTimestamp:
		return typeTimestamp
	case kindTimestamptz:
		return typeTimestamptz
	}
	return arrow.BinaryTypes.String
}

// kindOf returns the most specific kind whose PostgreSQL input function
// reads v (surrounding spaces allowed, as those functions allow them).
// Integers written with leading zeros (zip codes, account numbers) are
// text: as numbers they would lose the zeros.
func kindOf(v string) kind {
	t := strings.TrimSpace(v)
	if t == "" {
		if v == "" {
			return kindNull // a quoted empty string: no evidence
		}
		return kindText
	}
	switch strings.ToLower(t) {
	case "true", "false", "t", "f", "yes", "no":
		return kindBool
	}
	if digits := strings.TrimLeft(t, "+-"); len(t)-len(digits) <= 1 && digits != "" && allDigits(digits) {
		if len(digits) > 1 && digits[0] == '0' {
			return kindText
		}
		_, err := strconv.ParseInt(t, 10, 64)
		switch {
		case err == nil:
			return kindInt
		case errors.Is(err, strconv.ErrRange) && len(digits) <= 38:
			return kindNumeric
		}
		return kindText
	}
	if _, err := strconv.ParseFloat(t, 64); err == nil && !strings.ContainsAny(t, "xXpP_") {
		return kindFloat
	}
	switch {
	case looksLikeDate(t) && len(t) == 10:
		if _, err := pgtext.Parse(t, arrow.FixedWidthTypes.Date32); err == nil {
			return kindDate
		}
	case looksLikeDate(t) && (t[10] == ' ' || t[10] == 'T' || t[10] == 't'):
		t = t[:10] + "T" + t[11:] // PostgreSQL reads a lower-case t too
		if zoned(t) {
			if _, err := pgtext.Parse(t, typeTimestamptz); err == nil {
				return kindTimestamptz
			}
		} else if _, err := pgtext.Parse(t, typeTimestamp); err == nil {
			return kindTimestamp
		}
	case looksLikeTime(t):
		if _, err := pgtext.Parse(t, typeTime); err == nil {
			return kindTime
		}
	}
	return kindText
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// looksLikeDate reports whether t starts with an ISO date, yyyy-mm-dd
// (or yyyy/mm/dd), the only date spelling inference takes: others
// depend on DateStyle.
func looksLikeDate(t string) bool {
	if len(t) < 10 || t[4] != t[7] || t[4] != '-' && t[4] != '/' {
		return false
	}
	return allDigits(t[:4]) && allDigits(t[5:7]) && allDigits(t[8:10])
}

// looksLikeTime reports whether t is hh:mm[:ss[.fraction]].
func looksLikeTime(t string) bool {
	h, rest, ok := strings.Cut(t, ":")
	if !ok || len(h) < 1 || len(h) > 2 || !allDigits(h) || len(rest) < 2 || !allDigits(rest[:2]) {
		return false
	}
	rest = rest[2:]
	if rest == "" {
		return true
	}
	if rest[0] != ':' || len(rest) < 3 || !allDigits(rest[1:3]) {
		return false
	}
	rest = rest[3:]
	return rest == "" || rest[0] == '.' && len(rest) > 1 && allDigits(rest[1:])
}

// zoned reports whether a timestamp's text, after its date, names a time
// zone: an offset, Z, or a zone name.
func zoned(t string) bool {
	for _, c := range t[11:] {
		if c == '+' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}

// widen returns the kind that holds values of both a and b.
func widen(a, b kind) kind {
	if a > b {
		a, b = b, a
	}
	switch {
	case a == b || a == kindNull:
		return b
	case a == kindInt && (b == kindNumeric || b == kindFloat), a == kindNumeric && b == kindFloat:
		return b
	case a == kindDate && (b == kindTimestamp || b == kindTimestamptz), a == kindTimestamp && b == kindTimestamptz:
		// Dates are midnight; timestamps without an offset are read
		// as UTC, as a session with TimeZone UTC reads them.
		return b
	}
	return kindText
}

// sampleRow is a record of the sample: its fields, which are NULL, and
// its line.
type sampleRow struct {
	vals []string
	null []bool
	line int
}

// infer decides the column types from the sample rows after the first, and
// whether the first row is a header: it is when one of its values would
// turn its typed column into text, or when every column is text and the
// first row's values are distinct non-empty names. A first-row value that
// only widens its column (1.5 over integers, a timestamp over dates) is
// data. A file of one row is a header only if that row is all names.
func infer(rows []sampleRow, forced *bool) (*arrow.Schema, bool) {
	ncols := len(rows[0].vals)
	kinds := make([]kind, ncols)
	for _, row := range rows[1:] {
		for i := range ncols {
			if !row.null[i] {
				kinds[i] = widen(kinds[i], kindOf(row.vals[i]))
			}
		}
	}
	if forced != nil {
		return inferred(rows, kinds, *forced), *forced
	}
	header := false
	allText := true
	for i, v := range rows[0].vals {
		k := kinds[i]
		if k != kindText && k != kindNull {
			allText = false
			if !rows[0].null[i] && widen(k, kindOf(v)) == kindText {
				header = true
			}
		}
	}
	if allText && !header {
		seen := make(map[string]bool)
		header = true
		for i, v := range rows[0].vals {
			if rows[0].null[i] || v == "" || seen[v] || len(rows) == 1 && kindOf(v) != kindText {
				header = false
				break
			}
			seen[v] = true
		}
	}
	return inferred(rows, kinds, header), header
}

// inferred makes the schema once the header question is settled: a data
// first row widens the kinds; a header names the columns.
func inferred(rows []sampleRow, kinds []kind, header bool) *arrow.Schema {
	if !header {
		for i, v := range rows[0].vals {
			if !rows[0].null[i] {
				kinds[i] = widen(kinds[i], kindOf(v))
			}
		}
	}
	var names []string
	if header {
		names = rows[0].vals
	}
	fields := make([]arrow.Field, len(kinds))
	for i, name := range columnNames(names, len(kinds)) {
		fields[i] = arrow.Field{Name: name, Type: kinds[i].arrowType(), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// columnNames names n columns after a header's names: trimmed of spaces,
// columnN where a name is empty (or there is no header), and a repeated
// name suffixed _1, _2 ... so that every column can be selected.
func columnNames(header []string, n int) []string {
	names := make([]string, n)
	seen := make(map[string]bool)
	for i := range names {
		name := ""
		if i < len(header) {
			name = strings.TrimSpace(header[i])
		}
		if name == "" {
			name = fmt.Sprintf("column%d", i+1)
		}
		for base, k := name, 1; seen[name]; k++ {
			name = fmt.Sprintf("%s_%d", base, k)
		}
		seen[name] = true
		names[i] = name
	}
	return names
}
