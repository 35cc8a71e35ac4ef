package engine

import (
	"context"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/pgerror"
)

// to_date(text, text), to_timestamp(text, text) and to_number(text, text)
// read a string with the template patterns to_char writes. PostgreSQL's
// reading is lenient in precise ways (a separator in the template matches
// any one separator or none, a number field stops early before a
// separator, literal text skips as many characters whatever they are),
// and clients rely on what it accepts and on its error messages, so the
// steps below follow PostgreSQL 15's formatting.c rule by rule: the
// template is split into keyword, separator, space and literal nodes, the
// input is walked node by node into fields, and the fields are combined
// into a date, a timestamp (in the session's TimeZone unless TZH/TZM give
// an offset) or a number (C locale).

// errDatetimeFormat is SQLSTATE 22007, invalid_datetime_format.
const errDatetimeFormat = "22007"

// fcKind is the kind of a from-char template node.
type fcKind uint8

const (
	fcAction    fcKind = iota // a keyword: reads a field
	fcSpace                   // white space outside quotes
	fcSeparator               // ASCII punctuation outside quotes
	fcChar                    // any other character, or one inside quotes
)

// dateMode is the calendar a keyword belongs to: day/month/year fields
// and ISO week-date fields cannot be mixed.
type dateMode uint8

const (
	modeNone dateMode = iota
	modeGregorian
	modeISOWeek
)

// fcNode is one node of a template parsed for reading.
type fcNode struct {
	kind fcKind
	kw   dtKeyword
	name string // the keyword as spelled in the template: messages quote it
	arg  int    // FF's digits
	fm   bool   // FM: the field's width is not fixed
	th   bool   // TH or th: two characters follow the field
	ch   string // the character of a non-keyword node
}

// parseFromCharTemplate splits a to_date/to_timestamp template as
// PostgreSQL does, with the keywords of to_char (dtPatterns). Unlike
// parseDateTemplate it keeps each literal character apart and remembers
// whether it was quoted, since reading treats separators, spaces and
// other characters differently.
func parseFromCharTemplate(tmpl string) []fcNode {
	var nodes []fcNode
	for i := 0; i < len(tmpl); {
		fm := false
		if rest := tmpl[i:]; strings.HasPrefix(rest, "FM") || strings.HasPrefix(rest, "fm") {
			fm = true
			i += 2
		} else if strings.HasPrefix(rest, "TM") || strings.HasPrefix(rest, "tm") {
			i += 2 // translated names: riffq's are English either way
		}
		if i >= len(tmpl) {
			break
		}
		matched := false
		for _, p := range dtPatterns {
			if !strings.HasPrefix(tmpl[i:], p.text) {
				continue
			}
			n := fcNode{kind: fcAction, kw: p.kw, name: p.text, arg: p.arg, fm: fm}
			i += len(p.text)
			switch rest := tmpl[i:]; {
			case strings.HasPrefix(rest, "TH"), strings.HasPrefix(rest, "th"):
				n.th = true
				i += 2
			case strings.HasPrefix(rest, "SP"):
				i += 2
			}
			nodes = append(nodes, n)
			matched = true
			break
		}
		if matched {
			continue
		}
		if tmpl[i] == '"' {
			for i++; i < len(tmpl); {
				if tmpl[i] == '"' {
					i++
					break
				}
				if tmpl[i] == '\\' && i+1 < len(tmpl) {
					i++
				}
				size := charLen(tmpl[i:])
				nodes = append(nodes, fcNode{kind: fcChar, ch: tmpl[i : i+size]})
				i += size
			}
			continue
		}
		if tmpl[i] == '\\' && i+1 < len(tmpl) && tmpl[i+1] == '"' {
			i++
		}
		size := charLen(tmpl[i:])
		kind := fcChar
		switch c := tmpl[i]; {
		case isSeparatorChar(c):
			kind = fcSeparator
		case isCSpace(c):
			kind = fcSpace
		}
		nodes = append(nodes, fcNode{kind: kind, ch: tmpl[i : i+size]})
		i += size
	}
	return nodes
}

// charLen is the length of the character s starts with (1 for a byte
// that does not start valid UTF-8).
func charLen(s string) int {
	_, size := utf8.DecodeRuneInString(s)
	return max(size, 1)
}

// isCSpace is C's isspace in the C locale.
func isCSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

// isDigit is an ASCII digit (C's isdigit).
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isSeparatorChar: printable ASCII that is neither a letter nor a digit.
func isSeparatorChar(c byte) bool {
	return c > 0x20 && c < 0x7F && !isDigit(c) && !(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z')
}

// fcKeywordInfo tells whether a keyword reads digits (a number field
// before it stops early only when the next node does not) and which
// calendar it belongs to.
func fcKeywordInfo(kw dtKeyword) (digits bool, mode dateMode) {
	switch kw {
	case kwDDD, kwDD, kwD, kwMM, kwWW, kwW, kwYCommaYYY, kwYYYY, kwYYY, kwYY, kwY:
		return true, modeGregorian
	case kwMonth, kwMon, kwRM:
		return false, modeGregorian
	case kwIDDD, kwID, kwIW, kwIYYY, kwIYY, kwIY, kwI:
		return true, modeISOWeek
	case kwCC, kwFF, kwHH24, kwHH12, kwHH, kwJ, kwMI, kwMS, kwQ, kwSSSSS, kwSSSS, kwSS, kwTZM, kwUS:
		return true, modeNone
	}
	return false, modeNone
}

// The words the name fields match, in PostgreSQL's search order (a
// case-insensitive prefix match; an index's parity tells AM from PM and
// AD from BC).
var (
	ampmWords     = []string{"am", "pm", "AM", "PM"}
	ampmDotWords  = []string{"a.m.", "p.m.", "A.M.", "P.M."}
	adbcWords     = []string{"ad", "bc", "AD", "BC"}
	adbcDotWords  = []string{"a.d.", "b.c.", "A.D.", "B.C."}
	monthAbbrevs  = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	weekdayNames  = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	weekdayAbbrev = []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	romanMonthsDn = []string{"xii", "xi", "x", "ix", "viii", "vii", "vi", "v", "iv", "iii", "ii", "i"}
)

// fromCharFields are the fields a template read, zero when absent, as
// PostgreSQL collects them before building the value.
type fromCharFields struct {
	mode                                               dateMode
	hh, pm, mi, ss, ssss, d, dd, ddd, mm, ms, year, bc int
	ww, w, cc, j, us, yysz, tzsign, tzh, tzm, ff       int
	clock12                                            bool // HH, HH12 or AM/PM: hh is on a 12-hour clock
}

// fromCharReader walks an input string through a template's nodes.
type fromCharReader struct {
	in    string
	pos   int
	nodes []fcNode
	f     fromCharFields
}

// nextIsSeparator reports whether the number field of node i may stop
// before its width: after TH, at the template's end, or before a node
// that does not read digits.
func (r *fromCharReader) nextIsSeparator(i int) bool {
	if r.nodes[i].th {
		return true
	}
	if i+1 >= len(r.nodes) {
		return true
	}
	next := r.nodes[i+1]
	if next.kind == fcAction {
		digits, _ := fcKeywordInfo(next.kw)
		return !digits
	}
	return !(len(next.ch) == 1 && isDigit(next.ch[0]))
}

// cStrtol reads a base-10 integer as C's strtol does: leading white
// space, an optional sign, digits. n is 0 when there are no digits;
// overflow is set when the value leaves int64.
func cStrtol(s string) (v int64, n int, overflow bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var u uint64
	for ; i < len(s) && isDigit(s[i]); i++ {
		d := uint64(s[i] - '0')
		if u > (math.MaxUint64-d)/10 {
			overflow = true
			continue
		}
		u = u*10 + d
	}
	if i == start {
		return 0, 0, false
	}
	switch {
	case !neg && u > math.MaxInt64, neg && u > 1<<63:
		overflow = true
	case neg:
		v = -int64(u)
	default:
		v = int64(u)
	}
	return v, i, overflow
}

// setField stores a field's value; a field read twice must read the same
// value each time.
func setField(dest *int, v int, n *fcNode) error {
	if *dest != 0 && *dest != v {
		return pgerror.New(errDatetimeFormat, "conflicting values for \"%s\" field in formatting string", n.name).
			WithDetail("This value contradicts a previous setting for the same field type.")
	}
	*dest = v
	return nil
}

// readInt reads the number field of node i, at most width characters
// unless the field is FM or the next node cannot start a number, into
// dest (nil: read and drop). It returns how many characters it consumed,
// leading white space included.
func (r *fromCharReader) readInt(dest *int, i, width int) (int, error) {
	n := &r.nodes[i]
	init := r.pos
	start := init
	for start < len(r.in) && isCSpace(r.in[start]) {
		start++
	}
	rest := r.in[start:]
	field := rest[:min(width, len(rest))]
	var (
		v        int64
		overflow bool
	)
	if n.fm || r.nextIsSeparator(i) {
		var used int
		v, used, overflow = cStrtol(r.in[init:])
		r.pos = init + used
	} else {
		if len(rest) < width {
			return 0, pgerror.New(errDatetimeFormat, "source string too short for \"%s\" formatting field", n.name).
				WithDetail("Field requires %d characters, but only %d remain.", width, len(rest)).
				WithHint("If your source string is not fixed-width, try using the \"FM\" modifier.")
		}
		var used int
		v, used, overflow = cStrtol(field)
		if used > 0 && used < width {
			return 0, pgerror.New(errDatetimeFormat, "invalid value \"%s\" for \"%s\"", field, n.name).
				WithDetail("Field requires %d characters, but only %d could be parsed.", width, used).
				WithHint("If your source string is not fixed-width, try using the \"FM\" modifier.")
		}
		r.pos = start + used
	}
	if r.pos == init {
		return 0, pgerror.New(errDatetimeFormat, "invalid value \"%s\" for \"%s\"", field, n.name).
			WithDetail("Value must be an integer.")
	}
	if overflow || v < math.MinInt32 || v > math.MaxInt32 {
		return 0, pgerror.New(pgerror.DatetimeFieldOverflow, "value for \"%s\" in source string is out of range", n.name).
			WithDetail("Value must be in the range %d to %d.", math.MinInt32, math.MaxInt32)
	}
	if dest != nil {
		if err := setField(dest, int(v), n); err != nil {
			return 0, err
		}
	}
	return r.pos - init, nil
}

// readWord matches the input against words (case-insensitively, as a
// prefix) and returns the index of the first that matches.
func (r *fromCharReader) readWord(i int, words []string) (int, error) {
	rest := r.in[r.pos:]
	for k, w := range words {
		if len(rest) >= len(w) && asciiEqualFold(rest[:len(w)], w) {
			r.pos += len(w)
			return k, nil
		}
	}
	// The message shows the input up to the next white space.
	if end := strings.IndexAny(rest, " \t\n\r\f"); end >= 0 {
		rest = rest[:end]
	}
	return 0, pgerror.New(errDatetimeFormat, "invalid value \"%s\" for \"%s\"", rest, r.nodes[i].name).
		WithDetail("The given value did not match any of the allowed values for this field.")
}

// asciiEqualFold compares folding ASCII letters only, as PostgreSQL's
// name matching does.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if y >= 'A' && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// skipSuffix passes the two characters of an ordinal suffix (TH).
func (r *fromCharReader) skipSuffix(i int) {
	if !r.nodes[i].th {
		return
	}
	for range 2 {
		if r.pos < len(r.in) {
			r.pos += charLen(r.in[r.pos:])
		}
	}
}

// scanYCommaYYY reads "Y,YYY" as C's sscanf("%d,%03d") does: a signed
// integer, a comma, then at most three characters (sign included) of
// another. glibc converts with strtol, which stops at LONG_MAX, and keeps
// the low 32 bits. n is how many characters were used.
func scanYCommaYYY(s string) (thousands, units, n int, ok bool) {
	i := 0
	signedInt := func(width int) (int, bool) {
		for i < len(s) && isCSpace(s[i]) {
			i++
		}
		start := i
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		for i < len(s) && isDigit(s[i]) && i-start < width {
			i++
		}
		v, used, overflow := cStrtol(s[start:i])
		if used == 0 {
			return 0, false
		}
		if overflow {
			v = math.MaxInt64
			if s[start] == '-' {
				v = math.MinInt64
			}
		}
		return int(int32(v)), true
	}
	var got bool
	if thousands, got = signedInt(math.MaxInt); !got {
		return 0, 0, 0, false
	}
	if i >= len(s) || s[i] != ',' {
		return 0, 0, 0, false
	}
	i++
	if units, got = signedInt(3); !got {
		return 0, 0, 0, false
	}
	return thousands, units, i, true
}

// read walks the input through the template, filling r.f.
func (r *fromCharReader) read() error {
	f := &r.f
	fx := false
	extraSkip := 0 // spaces skipped beyond what the template asked for
	skipSpaces := func() {
		for r.pos < len(r.in) && isCSpace(r.in[r.pos]) {
			r.pos++
			extraSkip++
		}
	}
	for i := 0; i < len(r.nodes) && r.pos < len(r.in); i++ {
		n := &r.nodes[i]
		if !fx && !(n.kind == fcAction && n.kw == kwFX) && (n.kind == fcAction || i == 0) {
			skipSpaces()
		}
		switch n.kind {
		case fcSpace, fcSeparator:
			// Outside FX a template separator or space matches one
			// separator or space of the input, or nothing.
			if fx {
				r.pos += charLen(r.in[r.pos:])
			} else {
				extraSkip--
				if r.pos < len(r.in) && (isCSpace(r.in[r.pos]) || isSeparatorChar(r.in[r.pos])) {
					r.pos++
					extraSkip++
				}
			}
			continue
		case fcChar:
			// Literal text skips one character, whatever it is; outside
			// FX a space already skipped stands for it.
			if !fx && extraSkip > 0 {
				extraSkip--
			} else if r.pos < len(r.in) {
				r.pos += charLen(r.in[r.pos:])
			}
			continue
		}
		_, mode := fcKeywordInfo(n.kw)
		if mode != modeNone {
			if f.mode == modeNone {
				f.mode = mode
			} else if f.mode != mode {
				return pgerror.New(errDatetimeFormat, "invalid combination of date conventions").
					WithHint("Do not mix Gregorian and ISO week date conventions in a formatting template.")
			}
		}
		var err error
		switch n.kw {
		case kwFX:
			fx = true
		case kwAM, kwPM, kwAMDots, kwPMDots:
			words := ampmWords
			if n.kw == kwAMDots || n.kw == kwPMDots {
				words = ampmDotWords
			}
			var k int
			if k, err = r.readWord(i, words); err == nil {
				err = setField(&f.pm, k%2, n)
				f.clock12 = true
			}
		case kwHH, kwHH12, kwHH24:
			if _, err = r.readInt(&f.hh, i, 2); err == nil {
				if n.kw != kwHH24 {
					f.clock12 = true
				}
				r.skipSuffix(i)
			}
		case kwMI, kwSS, kwSSSS, kwSSSSS, kwMM, kwDDD, kwDD, kwD, kwWW, kwIW, kwQ, kwCC, kwW, kwJ:
			// The field is as wide as its keyword.
			if _, err = r.readInt(f.intField(n.kw), i, len(n.name)); err == nil {
				r.skipSuffix(i)
			}
		case kwMS:
			var used int
			if used, err = r.readInt(&f.ms, i, 3); err == nil {
				switch used {
				case 1:
					f.ms *= 100
				case 2:
					f.ms *= 10
				}
				r.skipSuffix(i)
			}
		case kwFF, kwUS:
			width := 6
			if n.kw == kwFF {
				f.ff, width = n.arg, n.arg
			}
			var used int
			if used, err = r.readInt(&f.us, i, width); err == nil {
				if used < 6 {
					f.us *= int(pow10s[6-used])
				}
				r.skipSuffix(i)
			}
		case kwTZ, kwOF:
			return pgerror.New(pgerror.FeatureNotSupported, "formatting field \"%s\" is only supported in to_char", n.name)
		case kwTZH:
			// A minus sign skipped as a separator is the offset's sign.
			switch {
			case r.pos < len(r.in) && (r.in[r.pos] == '+' || r.in[r.pos] == '-' || r.in[r.pos] == ' '):
				f.tzsign = 1
				if r.in[r.pos] == '-' {
					f.tzsign = -1
				}
				r.pos++
			case extraSkip > 0 && r.pos > 0 && r.in[r.pos-1] == '-':
				f.tzsign = -1
			default:
				f.tzsign = 1
			}
			_, err = r.readInt(&f.tzh, i, 2)
		case kwTZM:
			if f.tzsign == 0 {
				f.tzsign = 1
			}
			_, err = r.readInt(&f.tzm, i, 2)
		case kwAD, kwBC, kwADDots, kwBCDots:
			words := adbcWords
			if n.kw == kwADDots || n.kw == kwBCDots {
				words = adbcDotWords
			}
			var k int
			if k, err = r.readWord(i, words); err == nil {
				err = setField(&f.bc, k%2, n)
			}
		case kwMonth, kwMon:
			words := monthNames
			if n.kw == kwMon {
				words = monthAbbrevs
			}
			var k int
			if k, err = r.readWord(i, words); err == nil {
				err = setField(&f.mm, k+1, n)
			}
		case kwDay, kwDY:
			words := weekdayNames
			if n.kw == kwDY {
				words = weekdayAbbrev
			}
			var k int
			if k, err = r.readWord(i, words); err == nil {
				if err = setField(&f.d, k, n); err == nil {
					f.d++
				}
			}
		case kwIDDD:
			if _, err = r.readInt(&f.ddd, i, 3); err == nil {
				r.skipSuffix(i)
			}
		case kwID:
			if _, err = r.readInt(&f.d, i, 1); err == nil {
				// ISO's Monday=1..Sunday=7 as Sunday=1..Saturday=7.
				if f.d++; f.d > 7 {
					f.d = 1
				}
				r.skipSuffix(i)
			}
		case kwYCommaYYY:
			thousands, units, used, ok := scanYCommaYYY(r.in[r.pos:])
			if !ok {
				return pgerror.New(errDatetimeFormat, "invalid input string for \"Y,YYY\"")
			}
			if err = setField(&f.year, wrap32(units+thousands*1000), n); err == nil {
				f.yysz = 4
				r.pos += used
				r.skipSuffix(i)
			}
		case kwYYYY, kwIYYY:
			if _, err = r.readInt(&f.year, i, 4); err == nil {
				f.yysz = 4
				r.skipSuffix(i)
			}
		case kwYYY, kwIYY, kwYY, kwIY, kwY, kwI:
			width := shortYearWidth(n.kw)
			var used int
			if used, err = r.readInt(&f.year, i, width); err == nil {
				if used < 4 {
					f.year = nearestYear(f.year)
				}
				f.yysz = width
				r.skipSuffix(i)
			}
		case kwRM:
			var k int
			if k, err = r.readWord(i, romanMonthsDn); err == nil {
				err = setField(&f.mm, 12-k, n)
			}
		}
		if err != nil {
			return err
		}
		if !fx {
			extraSkip = 0
			skipSpaces()
		}
	}
	return nil
}

// shortYearWidth is the digits of YYY, YY and Y (and their ISO forms).
func shortYearWidth(kw dtKeyword) int {
	switch kw {
	case kwYYY, kwIYY:
		return 3
	case kwYY, kwIY:
		return 2
	}
	return 1
}

// intField is where the plain number keywords store their value; Q's is
// read and dropped (nil), as PostgreSQL ignores the quarter.
func (f *fromCharFields) intField(kw dtKeyword) *int {
	switch kw {
	case kwMI:
		return &f.mi
	case kwSS:
		return &f.ss
	case kwSSSS, kwSSSSS:
		return &f.ssss
	case kwMM:
		return &f.mm
	case kwDDD:
		return &f.ddd
	case kwDD:
		return &f.dd
	case kwD:
		return &f.d
	case kwWW, kwIW:
		return &f.ww
	case kwCC:
		return &f.cc
	case kwW:
		return &f.w
	case kwJ:
		return &f.j
	}
	return nil
}

// nearestYear completes a year given with fewer than four digits: two
// digits to the nearest year to 2020 (70 is 1970, 69 is 2069), three
// digits likewise (100-519 in the 2000s, 520-999 in the 1000s).
func nearestYear(y int) int {
	switch {
	case y < 70:
		return y + 2000
	case y < 100:
		return y + 1900
	case y < 520:
		return y + 2000
	case y < 1000:
		return y + 1000
	}
	return y
}

// isLeap: a proleptic Gregorian leap year (year 0, 1 BC, is one).
func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// julianToDate is the proleptic Gregorian date of Julian day jd (year 0
// is 1 BC), the inverse of date2j. (PostgreSQL's unsigned arithmetic
// turns a day before 4801 BC, J below -32044, into some other date; here
// it stays before 4801 BC, which is out of range.)
func julianToDate(jd int) (year, month, day int) {
	z := jd - 2440588 + 719468 // days since 0000-03-01
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = doy - (153*mp+2)/5 + 1
	month = mp + 3
	if month > 12 {
		month -= 12
	}
	year = yoe + era*400
	if month <= 2 {
		year++
	}
	return year, month, day
}

// isoWeekStart is the Julian day of the Monday of ISO week week of ISO
// year year: week 1 holds January 4th.
func isoWeekStart(year, week int) int {
	// In 32-bit ints, as PostgreSQL computes it, so that an ISO year
	// beyond its range wraps around as there.
	jan4 := int(date2j(int32(year), 1, 4))
	dow := jan4 % 7 // Julian day 0 was a Monday
	if dow < 0 {
		dow += 7
	}
	return wrap32(jan4 - dow + (week-1)*7)
}

// wrap32 is x as C's int arithmetic leaves it, wrapped around to 32 bits
// (PostgreSQL is built with -fwrapv): the fields are int32 values, and
// absurd ones (week 300000000) overflow there into dates PostgreSQL
// returns.
func wrap32(x int) int { return int(int32(x)) }

// dateTimeFields is the value a template reading describes.
type dateTimeFields struct {
	year, month, day, hour, min, sec int
	usec                             int
	fprec                            int  // FFn's n: the fraction's precision
	zoned                            bool // TZH/TZM gave the offset
	offset                           int  // seconds east of UTC, when zoned
}

// errFieldOverflow is PostgreSQL's error for a field out of its range,
// quoting the whole input.
func errFieldOverflow(input string) error {
	return pgerror.New(pgerror.DatetimeFieldOverflow, "date/time field value out of range: \"%s\"", input)
}

// fromChar reads input with template nodes, as PostgreSQL's
// do_to_timestamp: the fields read, then the date they name (a Julian day
// or an ISO week date wins over year/month/day; a day of the year fills
// in a missing month and day; a century completes a short year), then
// range checks.
func fromChar(input string, nodes []fcNode) (dateTimeFields, error) {
	r := fromCharReader{in: input, nodes: nodes}
	if err := r.read(); err != nil {
		return dateTimeFields{}, err
	}
	f := &r.f
	v := dateTimeFields{month: 1, day: 1, fprec: f.ff}
	if f.ssss != 0 {
		v.hour, v.min, v.sec = f.ssss/3600, f.ssss%3600/60, f.ssss%60
	}
	if f.ss != 0 {
		v.sec = f.ss
	}
	if f.mi != 0 {
		v.min = f.mi
	}
	if f.hh != 0 {
		v.hour = f.hh
	}
	if f.clock12 {
		if v.hour < 1 || v.hour > 12 {
			return v, pgerror.New(errDatetimeFormat, "hour \"%d\" is invalid for the 12-hour clock", v.hour).
				WithHint("Use the 24-hour clock, or give an hour between 1 and 12.")
		}
		if f.pm != 0 && v.hour < 12 {
			v.hour += 12
		} else if f.pm == 0 && v.hour == 12 {
			v.hour = 0
		}
	}
	const (
		hasYear = 1 << iota
		hasMonth
		hasDay
		hasDate = hasYear | hasMonth | hasDay
	)
	fmask := 0
	switch {
	case f.year != 0:
		if f.cc != 0 && f.yysz <= 2 {
			// The year's last two digits within century CC (the 21st
			// century is 2001-2100; 6 BC's century is 600-501 BC).
			cc := f.cc
			if f.bc != 0 {
				cc = wrap32(-cc)
			}
			y := f.year % 100
			switch {
			case y == 0 && cc >= 0:
				y = cc * 100
			case y == 0:
				y = cc*100 + 1
			case cc >= 0:
				y += (cc - 1) * 100
			default:
				y = (cc+1)*100 - y + 1
			}
			v.year = wrap32(y)
		} else {
			v.year = f.year
			if f.bc != 0 {
				v.year = wrap32(-v.year)
			}
			if v.year < 0 {
				v.year++ // 1 BC is year 0
			}
		}
		fmask |= hasYear
	case f.cc != 0:
		cc := f.cc
		if f.bc != 0 {
			cc = wrap32(-cc)
		}
		if cc >= 0 {
			v.year = wrap32((cc-1)*100 + 1)
		} else {
			v.year = wrap32(cc*100 + 1)
		}
		fmask |= hasYear
	}
	if f.j != 0 {
		v.year, v.month, v.day = julianToDate(f.j)
		fmask |= hasDate
	}
	if f.ww != 0 {
		if f.mode == modeISOWeek {
			jd := isoWeekStart(v.year, f.ww)
			switch {
			case f.d > 1:
				jd += f.d - 2
			case f.d == 1:
				jd += 6 // Sunday ends the ISO week
			}
			v.year, v.month, v.day = julianToDate(wrap32(jd))
			fmask |= hasDate
		} else {
			f.ddd = wrap32((f.ww-1)*7 + 1)
		}
	}
	if f.w != 0 {
		f.dd = wrap32((f.w-1)*7 + 1)
	}
	if f.dd != 0 {
		v.day = f.dd
		fmask |= hasDay
	}
	if f.mm != 0 {
		v.month = f.mm
		fmask |= hasMonth
	}
	if f.ddd != 0 && (v.month <= 1 || v.day <= 1) {
		if v.year == 0 && f.bc == 0 {
			return v, pgerror.New(errDatetimeFormat, "cannot calculate day of year without year information")
		}
		if f.mode == modeISOWeek {
			v.year, v.month, v.day = julianToDate(wrap32(isoWeekStart(v.year, 1) - 1 + f.ddd))
			fmask |= hasDate
		} else {
			// The month holding day ddd, and the day within it.
			sum := 0
			m := 1
			for ; m <= 12; m++ {
				days := daysInMonth(v.year, m)
				if f.ddd <= sum+days {
					break
				}
				sum += days
			}
			if v.month <= 1 {
				v.month = m
			}
			if v.day <= 1 {
				v.day = f.ddd - sum
			}
			fmask |= hasMonth | hasDay
		}
	}
	v.usec = wrap32(f.ms*1000 + f.us)
	if fmask&hasMonth != 0 && (v.month < 1 || v.month > 12) {
		return v, errFieldOverflow(input)
	}
	if fmask&hasDay != 0 && (v.day < 1 || v.day > 31) {
		return v, errFieldOverflow(input)
	}
	if fmask&hasDate == hasDate && v.day > daysInMonth(v.year, v.month) {
		return v, errFieldOverflow(input)
	}
	if v.hour < 0 || v.hour >= 24 || v.min < 0 || v.min >= 60 || v.sec < 0 || v.sec >= 60 || v.usec < 0 || v.usec >= 1_000_000 {
		return v, errFieldOverflow(input)
	}
	if f.tzsign != 0 {
		if f.tzh < 0 || f.tzh > 15 || f.tzm < 0 || f.tzm >= 60 {
			return v, pgerror.New("22009", "time zone displacement out of range: \"%s\"", input)
		}
		v.zoned = true
		v.offset = f.tzsign * (f.tzh*3600 + f.tzm*60)
	}
	return v, nil
}

// daysInMonth of a proleptic Gregorian year (0 is 1 BC, a leap year).
func daysInMonth(year, month int) int {
	switch month {
	case 2:
		if isLeap(year) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// validJulian is PostgreSQL's range of dates it computes Julian days
// for: 4714-11-01 BC up to 5874898-06-01.
func validJulian(y, m int) bool {
	return (y > -4713 || (y == -4713 && m >= 11)) && (y < 5874898 || (y == 5874898 && m < 6))
}

// Julian days and microseconds of PostgreSQL's date and timestamp range
// and epochs.
const (
	postgresEpochJD = 2451545 // 2000-01-01
	unixEpochJD     = 2440588 // 1970-01-01
	dateEndJD       = 2147483494
	minTimestampPG  = -211813488000000000 // 4714-11-24 00:00 BC, from 2000-01-01
	endTimestampPG  = 9223371331200000000 // 294277-01-01
	pgToUnixUsecs   = (postgresEpochJD - unixEpochJD) * usecsPerDay
)

// toDateValue is a reading's date as days since 1970-01-01.
func toDateValue(input string, v dateTimeFields) (int32, error) {
	if !validJulian(v.year, v.month) {
		return 0, pgerror.New(pgerror.DatetimeFieldOverflow, "date out of range: \"%s\"", input)
	}
	jd := date2j(v.year, v.month, v.day)
	if jd < 0 || jd >= dateEndJD {
		return 0, pgerror.New(pgerror.DatetimeFieldOverflow, "date out of range: \"%s\"", input)
	}
	return int32(jd - unixEpochJD), nil
}

// errTimestampRange: the instant is outside the timestamp range.
func errTimestampRange() error {
	return pgerror.New(pgerror.DatetimeFieldOverflow, "timestamp out of range")
}

// toTimestampValue is a reading's instant in microseconds since the Unix
// epoch: at the offset it gave, or else at the wall-clock time in loc.
func toTimestampValue(v dateTimeFields, loc *time.Location) (int64, error) {
	if !validJulian(v.year, v.month) {
		return 0, errTimestampRange()
	}
	days := int64(date2j(v.year, v.month, v.day) - postgresEpochJD)
	if days >= math.MaxInt64/usecsPerDay || days <= math.MinInt64/usecsPerDay {
		return 0, errTimestampRange()
	}
	local := days*usecsPerDay + int64((v.hour*60+v.min)*60+v.sec)*1_000_000 + int64(v.usec)
	offset := v.offset
	if !v.zoned {
		offset = wallClockOffset(floorDiv(local, 1_000_000)+pgToUnixUsecs/1_000_000, loc)
	}
	t := local - int64(offset)*1_000_000
	if t < minTimestampPG || t >= endTimestampPG {
		return 0, errTimestampRange()
	}
	if p := v.fprec; p > 0 && p < 6 {
		// Rounded to FFn's precision, half away from zero.
		scale := pow10s[6-p]
		if t >= 0 {
			t = (t + scale/2) / scale * scale
		} else {
			t = -((-t + scale/2) / scale * scale)
		}
	}
	if t > math.MaxInt64-pgToUnixUsecs {
		return 0, errTimestampRange() // past what riffq's timestamps hold
	}
	return t + pgToUnixUsecs, nil
}

// wallClockOffset is the UTC offset (seconds east) PostgreSQL gives the
// wall-clock time local (seconds since 1970-01-01 as if it were UTC) in
// loc (see pgtext.WallToInstant).
func wallClockOffset(local int64, loc *time.Location) int {
	return int(local - pgtext.WallToInstant(local*1_000_000, loc)/1_000_000)
}

// fcTemplateCache keeps the last template parsed for reading: a column is
// usually read with one template.
type fcTemplateCache struct {
	text   string
	nodes  []fcNode
	parsed bool
}

// get returns tmpl's nodes, parsing it unless it was the last template.
func (c *fcTemplateCache) get(tmpl string) []fcNode {
	if !c.parsed || tmpl != c.text {
		c.text, c.nodes, c.parsed = tmpl, parseFromCharTemplate(tmpl), true
	}
	return c.nodes
}

// textPair returns the two text arrays of a two-argument text function.
func textPair(name string, in []arrow.Array) (*array.String, *array.String, error) {
	vals, ok1 := in[0].(*array.String)
	tmpls, ok2 := in[1].(*array.String)
	if !ok1 || !ok2 {
		return nil, nil, pgerror.New(pgerror.InternalError, "%s: arguments are %s and %s", name, in[0].DataType(), in[1].DataType())
	}
	return vals, tmpls, nil
}

// toDateKernel evaluates to_date(text, text).
func toDateKernel(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	vals, tmpls, err := textPair("to_date", in)
	if err != nil {
		return nil, err
	}
	out := array.NewDate32Builder(mem)
	defer out.Release()
	var cache fcTemplateCache
	for i := range vals.Len() {
		if vals.IsNull(i) || tmpls.IsNull(i) {
			out.AppendNull()
			continue
		}
		v, err := fromChar(vals.Value(i), cache.get(tmpls.Value(i)))
		if err != nil {
			return nil, err
		}
		d, err := toDateValue(vals.Value(i), v)
		if err != nil {
			return nil, err
		}
		out.Append(arrow.Date32(d))
	}
	return out.NewArray(), nil
}

// compileToTimestampText evaluates to_timestamp(text, text[, zone]): a
// string without TZH/TZM is wall-clock time in the session's TimeZone,
// which the context carries (the planner does not fold calls on
// constants, so they see it too).
func compileToTimestampText(args []evaluator, typ arrow.DataType) (evaluator, error) {
	tt, ok := typ.(*arrow.TimestampType)
	if !ok {
		return nil, pgerror.New(pgerror.InternalError, "to_timestamp: result type %s", typ)
	}
	var cache fcTemplateCache
	return func(ctx context.Context, b arrow.RecordBatch) (compute.Datum, error) {
		in, err := evalArrays(ctx, args, b)
		if err != nil {
			return nil, err
		}
		defer releaseAll(in)
		vals, tmpls, err := textPair("to_timestamp", in)
		if err != nil {
			return nil, err
		}
		loc := sessionLocation(ctx)
		out := array.NewTimestampBuilder(memory.DefaultAllocator, tt)
		defer out.Release()
		for i := range vals.Len() {
			if vals.IsNull(i) || tmpls.IsNull(i) {
				out.AppendNull()
				continue
			}
			v, err := fromChar(vals.Value(i), cache.get(tmpls.Value(i)))
			if err != nil {
				return nil, err
			}
			t, err := toTimestampValue(v, loc)
			if err != nil {
				return nil, err
			}
			out.Append(arrow.Timestamp(t))
		}
		return compute.NewDatumWithoutOwning(out.NewArray()), nil
	}, nil
}
