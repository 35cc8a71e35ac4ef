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
	kindDecimal // numbers with a decimal point and no exponent
	kindFloat
	kindDate
	kindTime
	kindTimestamp
	kindTimestamptz
	kindInfinity // infinity or -infinity: a float, date or timestamp
	kindText
)

var (
	typeTime        = arrow.FixedWidthTypes.Time64us
	typeTimestamp   = &arrow.TimestampType{Unit: arrow.Microsecond}
	typeTimestamptz = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
)

// digits is the shape of an exact number: its digits before and after
// the decimal point.
type digits struct{ whole, scale int }

func (d digits) union(o digits) digits {
	return digits{max(d.whole, o.whole), max(d.scale, o.scale)}
}

// column is what inference learned of a column: its kind and, for exact
// numbers, the most digits seen on either side of the point.
type column struct {
	kind   kind
	digits digits
}

func (c *column) add(k kind, d digits) {
	c.kind = widen(c.kind, k)
	c.digits = c.digits.union(d)
}

// final settles the kind: decimals too long for numeric's 38 digits are
// double precision.
func (c column) final() column {
	if c.kind == kindDecimal && c.digits.whole+c.digits.scale > 38 || c.kind == kindInfinity {
		c.kind = kindFloat
	}
	return c
}

// arrowType is the column's type: decimals are numeric(38, s), s the most
// fractional digits the sample had, as a numeric column PostgreSQL's COPY
// would fill.
func (c column) arrowType() arrow.DataType {
	switch c.kind {
	case kindNumeric:
		return &arrow.Decimal128Type{Precision: 38, Scale: 0}
	case kindDecimal:
		return &arrow.Decimal128Type{Precision: 38, Scale: int32(c.digits.scale)}
	}
	return c.kind.arrowType()
}

func (k kind) arrowType() arrow.DataType {
	switch k {
	case kindBool:
		return arrow.FixedWidthTypes.Boolean
	case kindInt:
		return arrow.PrimitiveTypes.Int64
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
	k, _ := shapeOf(v)
	return k
}

// shapeOf is kindOf with an exact number's digits.
func shapeOf(v string) (kind, digits) {
	t := strings.TrimSpace(v)
	if t == "" {
		if v == "" {
			return kindNull, digits{} // a quoted empty string: no evidence
		}
		return kindText, digits{}
	}
	switch strings.ToLower(t) {
	case "true", "false", "t", "f", "yes", "no":
		return kindBool, digits{}
	case "infinity", "-infinity", "+infinity":
		// A float's, a date's or a timestamp's: what else the column
		// holds decides.
		return kindInfinity, digits{}
	}
	unsigned := strings.TrimLeft(t, "+-")
	if len(t)-len(unsigned) > 1 || unsigned == "" {
		return otherKind(t), digits{}
	}
	if allDigits(unsigned) {
		if len(unsigned) > 1 && unsigned[0] == '0' {
			return kindText, digits{}
		}
		_, err := strconv.ParseInt(t, 10, 64)
		switch {
		case err == nil:
			return kindInt, digits{whole: len(unsigned)}
		case errors.Is(err, strconv.ErrRange) && len(unsigned) <= 38:
			return kindNumeric, digits{whole: len(unsigned)}
		}
		return kindText, digits{}
	}
	if whole, frac, ok := strings.Cut(unsigned, "."); ok && (whole != "" || frac != "") && allDigits(whole) && allDigits(frac) {
		return kindDecimal, digits{whole: len(strings.TrimLeft(whole, "0")), scale: len(frac)}
	}
	return otherKind(t), digits{}
}

// otherKind is the kind of a trimmed value that is not an exact number.
func otherKind(t string) kind {
	if _, err := strconv.ParseFloat(t, 64); err == nil && !strings.ContainsAny(t, "xXpP_") {
		return kindFloat
	}
	if u := strings.ToUpper(t); strings.HasSuffix(u, " BC") {
		// A date or timestamp before year 1, as PostgreSQL writes it.
		switch k := otherKind(strings.TrimSpace(t[:len(t)-3])); k {
		case kindDate, kindTimestamp, kindTimestamptz:
			if _, err := pgtext.Parse(t, k.arrowType()); err == nil {
				return k
			}
		}
		return kindText
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
	case a == kindInt && (b == kindNumeric || b == kindDecimal || b == kindFloat), a == kindNumeric && (b == kindDecimal || b == kindFloat),
		a == kindDecimal && b == kindFloat:
		return b
	case b == kindInfinity && (a == kindFloat || a == kindDate || a == kindTimestamp || a == kindTimestamptz):
		return a
	case b == kindInfinity && a >= kindInt && a <= kindDecimal:
		return kindFloat
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
	cols := make([]column, ncols)
	for _, row := range rows[1:] {
		for i := range ncols {
			if !row.null[i] {
				cols[i].add(shapeOf(row.vals[i]))
			}
		}
	}
	if forced != nil {
		return inferred(rows, cols, *forced), *forced
	}
	header := false
	allText := true
	for i, v := range rows[0].vals {
		k := cols[i].kind
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
	return inferred(rows, cols, header), header
}

// inferred makes the schema once the header question is settled: a data
// first row widens the kinds; a header names the columns.
func inferred(rows []sampleRow, cols []column, header bool) *arrow.Schema {
	if !header {
		for i, v := range rows[0].vals {
			if !rows[0].null[i] {
				cols[i].add(shapeOf(v))
			}
		}
	}
	var names []string
	if header {
		names = rows[0].vals
	}
	fields := make([]arrow.Field, len(cols))
	for i, name := range columnNames(names, len(cols)) {
		fields[i] = arrow.Field{Name: name, Type: cols[i].final().arrowType(), Nullable: true}
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
