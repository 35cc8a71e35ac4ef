package pgtext

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// Date, time and interval input: PostgreSQL's spellings, the session's
// DateStyle order and TimeZone, and the special values.

// DateOrder is the order DateStyle gives the fields of a date written
// with slashes, dashes or dots (03/04/2024).
type DateOrder uint8

// The orders of DateStyle: MDY is PostgreSQL's default.
const (
	MDY DateOrder = iota
	DMY
	YMD
)

// DateOrderOf reads the order from a DateStyle value ("ISO, DMY").
func DateOrderOf(dateStyle string) DateOrder {
	switch u := strings.ToUpper(dateStyle); {
	case strings.Contains(u, "DMY"), strings.Contains(u, "EURO"):
		return DMY
	case strings.Contains(u, "YMD"):
		return YMD
	}
	return MDY
}

// Input is the session state that reading dates and times depends on.
type Input struct {
	Loc   *time.Location // TimeZone, for timestamps with time zone without an offset; nil is UTC
	Now   time.Time      // the instant 'now' names (the statement's start); zero is the clock's
	Order DateOrder      // DateStyle's field order
}

// Relative reports whether s names a date or time relative to the
// current one ('now', 'today', 'yesterday', 'tomorrow'): its value
// depends on when, and in which TimeZone, it is read.
func Relative(s string) bool {
	for _, w := range strings.Fields(strings.ToLower(s)) {
		switch w {
		case "now", "today", "yesterday", "tomorrow":
			return true
		}
	}
	return false
}

// parseSpecial reads PostgreSQL's special date/time inputs: epoch, now,
// today, yesterday, tomorrow and (for time) allballs. ok is false for
// other text and other types. infinity and -infinity are the infinite
// dates and timestamps (infinity.go).
func parseSpecial(t string, dt arrow.DataType, loc *time.Location, now time.Time) (scalar.Scalar, bool, error) {
	switch t {
	case "epoch", "now", "today", "yesterday", "tomorrow", "allballs", "infinity", "-infinity":
	default:
		return nil, false, nil
	}
	if now.IsZero() {
		now = time.Now()
	}
	wall := now.In(loc)
	midnight := time.Date(wall.Year(), wall.Month(), wall.Day(), 0, 0, 0, 0, time.UTC) // as a wall clock
	switch t {
	case "yesterday":
		midnight = midnight.AddDate(0, 0, -1)
	case "tomorrow":
		midnight = midnight.AddDate(0, 0, 1)
	}
	switch typ := dt.(type) {
	case *arrow.Date32Type:
		switch t {
		case "epoch":
			return scalar.NewDate32Scalar(0), true, nil
		case "allballs":
			return nil, false, nil
		case "infinity":
			return scalar.NewDate32Scalar(InfiniteDays), true, nil
		case "-infinity":
			return scalar.NewDate32Scalar(NegInfiniteDays), true, nil
		}
		return scalar.NewDate32Scalar(arrow.Date32FromTime(midnight)), true, nil
	case *arrow.TimestampType:
		var v time.Time
		switch t {
		case "epoch":
			v = time.Unix(0, 0)
		case "allballs":
			return nil, false, nil
		case "infinity":
			return scalar.NewTimestampScalar(InfiniteMicros, dt), true, nil
		case "-infinity":
			return scalar.NewTimestampScalar(NegInfiniteMicros, dt), true, nil
		case "now":
			v = now
			if typ.TimeZone == "" {
				v = time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), wall.Nanosecond(), time.UTC)
			}
		default:
			v = midnight
			if typ.TimeZone != "" {
				v = time.UnixMicro(WallToInstant(midnight.UnixMicro(), loc))
			}
		}
		ts, err := arrow.TimestampFromTime(v.Truncate(time.Microsecond), typ.Unit)
		if err != nil {
			return nil, true, err
		}
		return scalar.NewTimestampScalar(ts, dt), true, nil
	case *arrow.Time64Type:
		var us int64
		switch t {
		case "now":
			us = wall.Sub(time.Date(wall.Year(), wall.Month(), wall.Day(), 0, 0, 0, 0, loc)).Microseconds()
		case "allballs":
		default:
			return nil, false, nil
		}
		if typ.Unit == arrow.Nanosecond {
			us *= 1000
		}
		return scalar.NewTime64Scalar(arrow.Time64(us), dt), true, nil
	}
	return nil, false, nil
}

// errIntervalRange is an interval field beyond its range (13 months in a
// year-month literal): 22015, not a syntax error.
var errIntervalRange = errors.New("interval field value out of range")

// isoInterval rewrites an ISO 8601 duration with designators
// (P1Y2M3DT4H5M6S, PT1H30M, P2W) as the unit words parseInterval reads;
// ok is false for other text.
func isoInterval(s string) (string, bool) {
	t := strings.ToUpper(strings.TrimSpace(s))
	if len(t) < 3 || t[0] != 'P' {
		return "", false
	}
	var out []string
	inTime := false
	num := ""
	for _, c := range t[1:] {
		switch {
		case c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+':
			num += string(c)
		case c == 'T' && num == "" && !inTime:
			inTime = true
		default:
			if num == "" {
				return "", false
			}
			unit := map[rune]string{'Y': "year", 'M': "mon", 'W': "week", 'D': "day"}[c]
			if inTime {
				unit = map[rune]string{'H': "hour", 'M': "minute", 'S': "second"}[c]
			}
			if unit == "" {
				return "", false
			}
			out = append(out, num, unit)
			num = ""
		}
	}
	if num != "" || len(out) == 0 {
		return "", false
	}
	return strings.Join(out, " "), true
}

// parseInterval reads PostgreSQL's interval output style and the common
// input forms: "1 year 2 mons -3 days 04:05:06.5", "2 hours", "10min",
// "-00:00:01", "@ 3 days ago", and a bare number of seconds ("90"). A
// fraction of a year becomes months, of a month 30-day days, of a day or
// week the time it stands for, as PostgreSQL spills them.
func parseInterval(s string) (arrow.MonthDayNanoInterval, error) {
	var v arrow.MonthDayNanoInterval
	if words, ok := isoInterval(s); ok {
		s = words // P1Y2M3DT4H5M6S
	}
	// Split "10min" into "10" "min".
	var f []string
	for _, w := range strings.Fields(strings.ToLower(s)) {
		k := 0
		for k < len(w) && (w[k] >= '0' && w[k] <= '9' || w[k] == '.' || w[k] == '-' || w[k] == '+' || w[k] == ':') {
			k++
		}
		if k > 0 && k < len(w) && !strings.Contains(w[:k], ":") {
			f = append(f, w[:k], w[k:])
		} else {
			f = append(f, w)
		}
	}
	// Fields beyond what an interval holds (2^31 months or days, 2^63
	// nanoseconds: about 2.5 million hours) are out of range, not wrapped.
	overflow := false
	addMonths := func(m float64) {
		if t := float64(v.Months) + m; math.Abs(t) > math.MaxInt32 {
			overflow = true
			return
		}
		v.Months += int32(m)
	}
	addNanos := func(n float64) {
		if t := float64(v.Nanoseconds) + math.Round(n); math.Abs(t) >= math.MaxInt64 {
			overflow = true
			return
		}
		v.Nanoseconds += int64(math.Round(n))
	}
	days := func(d float64) {
		whole := math.Trunc(d)
		if t := float64(v.Days) + whole; math.Abs(t) > math.MaxInt32 {
			overflow = true
			return
		}
		v.Days += int32(whole)
		addNanos((d - whole) * 86400e9)
	}
	months := func(m float64) {
		whole := math.Trunc(m)
		addMonths(whole)
		days((m - whole) * 30)
	}
	// Years (decades...) with a fraction add the fraction's months
	// rounded, as PostgreSQL's rint: '1.99 years' is 2 years.
	years := func(per float64) func(n float64) {
		return func(n float64) {
			whole := math.Trunc(n)
			addMonths(whole*per + math.RoundToEven((n-whole)*per))
		}
	}
	units := map[string]func(n float64){
		"year": years(12), "mon": months,
		"week": func(n float64) { days(n * 7) }, "day": days,
		"hour":   func(n float64) { addNanos(n * 3600e9) },
		"minute": func(n float64) { addNanos(n * 60e9) },
		// Seconds and their fractions count microseconds, rounded as
		// PostgreSQL's rint of the product.
		"second":      func(n float64) { addNanos(math.RoundToEven(n*1e6) * 1000) },
		"millisecond": func(n float64) { addNanos(math.RoundToEven(n*1e3) * 1000) },
		"microsecond": func(n float64) { addNanos(math.RoundToEven(n) * 1000) },
		"decade":      years(120),
		"century":     years(1200),
		"millennium":  years(12000),
	}
	aliases := map[string]string{
		"y": "year", "yr": "year", "yrs": "year", "year": "year", "years": "year",
		"mon": "mon", "mons": "mon", "month": "mon", "months": "mon",
		"w": "week", "week": "week", "weeks": "week", "d": "day", "day": "day", "days": "day",
		"h": "hour", "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour",
		"m": "minute", "min": "minute", "mins": "minute", "minute": "minute", "minutes": "minute",
		"s": "second", "sec": "second", "secs": "second", "second": "second", "seconds": "second",
		"ms": "millisecond", "msec": "millisecond", "msecs": "millisecond", "millisecond": "millisecond", "milliseconds": "millisecond",
		"us": "microsecond", "usec": "microsecond", "usecs": "microsecond", "microsecond": "microsecond", "microseconds": "microsecond",
		"dec": "decade", "decs": "decade", "decade": "decade", "decades": "decade",
		"c": "century", "cent": "century", "century": "century", "centuries": "century",
		"mil": "millennium", "mils": "millennium", "millennium": "millennium", "millennia": "millennium",
	}
	ago := false
	seen := make(map[string]bool)
	for i := 0; i < len(f); i++ {
		w := strings.TrimPrefix(f[i], "+")
		switch {
		case w == "@" && i == 0:
			continue
		case w == "ago" && i == len(f)-1 && i > 0:
			ago = true
			continue
		case strings.Contains(w, ":"):
			neg := strings.HasPrefix(w, "-")
			parts := strings.Split(strings.TrimPrefix(w, "-"), ":")
			// h:m, h:m:s[.f]; but m:s.f when the second of two fields
			// has a fraction, as PostgreSQL reads it.
			scales := []float64{3600e9, 60e9, 1e9}
			if len(parts) == 2 && strings.Contains(parts[1], ".") {
				scales = scales[1:]
			}
			var ns int64
			for k, p := range parts {
				x, err := strconv.ParseFloat(p, 64)
				if err != nil || k >= len(scales) || x < 0 {
					return v, fmt.Errorf("bad time")
				}
				if scales[k] == 60e9 && x > 59 || scales[k] == 1e9 && x > 60 {
					return v, errIntervalRange
				}
				ns += int64(math.Round(x * scales[k]))
			}
			if neg {
				ns = -ns
			}
			v.Nanoseconds += ns
			continue
		}
		if y, m, ok := strings.Cut(strings.TrimPrefix(w, "-"), "-"); ok && !seen["year-month"] {
			// SQL's year-month literal: 1-2 is 1 year 2 months.
			yn, err1 := strconv.Atoi(y)
			mn, err2 := strconv.Atoi(m)
			if err1 != nil || err2 != nil {
				return v, fmt.Errorf("bad year-month")
			}
			if mn > 11 {
				return v, errIntervalRange
			}
			total := int32(yn*12 + mn)
			if strings.HasPrefix(w, "-") {
				total = -total
			}
			v.Months += total
			seen["year-month"] = true
			continue
		}
		n, err := strconv.ParseFloat(w, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return v, fmt.Errorf("bad number")
		}
		if i+1 >= len(f) || f[i+1] == "ago" {
			units["second"](n) // a bare number counts seconds
			continue
		}
		if strings.Contains(f[i+1], ":") && !seen["day"] {
			units["day"](n) // SQL's day-time literal: 1 00:00:01
			seen["day"] = true
			continue
		}
		i++
		unit, ok := aliases[f[i]]
		if !ok || seen[unit] {
			return v, fmt.Errorf("bad unit") // unknown, or given twice
		}
		seen[unit] = true
		units[unit](n)
	}
	if len(f) == 0 {
		return v, fmt.Errorf("empty")
	}
	if overflow {
		return v, errIntervalRange
	}
	// PostgreSQL keeps microseconds: the nanoseconds round to them.
	v.Nanoseconds = int64(math.RoundToEven(float64(v.Nanoseconds)/1000)) * 1000
	if ago {
		v.Months, v.Days, v.Nanoseconds = -v.Months, -v.Days, -v.Nanoseconds
	}
	return v, nil
}

// dateTimeError is the error for date/time input s that did not parse:
// a field out of range (February 30th, month 13) is 22008, as PostgreSQL
// tells it from bad syntax (22007).
func dateTimeError(dt arrow.DataType, s string, err error) error {
	var pe *time.ParseError
	if !errors.As(err, &pe) {
		// Arrow's timestamp parser does not say why: ask Go's about the
		// date and time fields.
		t := strings.TrimSpace(s)
		if i := strings.IndexAny(t, ".+Z"); i > 0 {
			t = t[:i]
		}
		for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
			if _, err := time.Parse(layout, t); err != nil && errors.As(err, &pe) && strings.HasSuffix(pe.Message, "out of range") {
				break
			}
			pe = nil
		}
	}
	if pe != nil && strings.HasSuffix(pe.Message, "out of range") {
		e := pgerror.New("22008", "date/time field value out of range: %q", s)
		if strings.Contains(pe.Message, "month") {
			e = e.WithHint("Perhaps you need a different \"datestyle\" setting.")
		}
		return e
	}
	name := typeName(dt)
	if name == "timestamp without time zone" {
		name = "timestamp" // as PostgreSQL's message names it
	}
	return pgerror.New("22007", "invalid input syntax for type %s: %q", name, s)
}

// normalizeDateTime rewrites the date and time spellings PostgreSQL reads
// that the ISO parsers do not into ISO 8601: a date in DateStyle's order
// or without zero padding (3/5/2024, 2024-3-5), a one-digit hour, more
// than six fractional digits (rounded to microseconds as PostgreSQL
// rounds; a carry into the next second comes back in carry), and an
// offset without a colon or minutes (+0530, +5), also after a space.
func normalizeDateTime(t string, order DateOrder) (string, int64) {
	iso := len(t) >= 10 && t[4] == '-' && t[7] == '-' && (len(t) == 10 || t[10] == ' ' || t[10] == 'T')
	if !iso && len(t) >= 5 && (t[1] < '0' || t[2] < '0' || t[4] < '0') {
		t = isoDate(t, order)
	}
	if len(t) < 12 || t[4] != '-' || t[10] != ' ' && t[10] != 'T' {
		return t, 0
	}
	date, rest := t[:11], strings.TrimLeft(t[11:], " ")
	changed := len(rest) != len(t)-11
	if len(rest) >= 2 && rest[1] == ':' && rest[0] >= '0' && rest[0] <= '9' {
		rest, changed = "0"+rest, true // 1:02:03
	}
	// The clock: digits, colons and a fraction; then the zone.
	end := 0
	for end < len(rest) && (rest[end] >= '0' && rest[end] <= '9' || rest[end] == ':' || rest[end] == '.') {
		end++
	}
	clock, zone := rest[:end], strings.TrimLeft(rest[end:], " ")
	if clock == "" {
		return t, 0 // a date with an offset (JDBC's "2000-01-01 +00") or a zone's name
	}
	var carry int64
	if dot := strings.IndexByte(clock, '.'); dot >= 0 && len(clock)-dot-1 > 6 {
		f, err := strconv.ParseFloat("0"+clock[dot:], 64)
		if err == nil {
			us := int64(math.RoundToEven(f * 1e6))
			if us >= 1_000_000 {
				us, carry = 0, 1_000_000
			}
			clock, changed = clock[:dot]+fmt.Sprintf(".%06d", us), true
		}
	}
	spaced := len(zone) != len(rest)-end
	if len(zone) > 1 && (zone[0] == '+' || zone[0] == '-') && strings.Trim(zone[1:], "0123456789") == "" {
		switch digits := zone[1:]; len(digits) {
		case 1:
			zone, changed = zone[:1]+"0"+digits+":00", true
		case 2:
			zone, changed = zone[:1]+digits+":00", true
		case 4:
			zone, changed = zone[:1]+digits[:2]+":"+digits[2:], true
		}
		changed = changed || spaced
	} else if zone != "" && zone[0] != '+' && zone[0] != '-' && changed {
		zone = " " + zone // a zone's name stays a word of its own
	}
	if !changed {
		return t, 0
	}
	return date + clock + zone, carry
}

// OrderDependent reports whether s reads as a different date under
// different DateStyle orders (03/04/2024): a plan holding its value holds
// for one order only.
func OrderDependent(s string) bool {
	t := strings.TrimSpace(s)
	return isoDate(t, MDY) != isoDate(t, DMY) || isoDate(t, MDY) != isoDate(t, YMD)
}

// isoDate rewrites a date written with slashes, dashes or dots in the
// order of DateStyle (03/04/2024, 4.3.24) as ISO's 2024-03-04, keeping
// what follows it (a time); other text comes back unchanged. Two-digit
// years are 1970 to 2069, as in PostgreSQL.
func isoDate(t string, order DateOrder) string {
	end := strings.IndexAny(t, " T")
	if end < 0 {
		end = len(t)
	}
	date := t[:end]
	var sep byte
	for _, c := range []byte{'/', '-', '.'} {
		if strings.Count(date, string(c)) == 2 {
			sep = c
		}
	}
	if sep == 0 {
		return t
	}
	f := strings.Split(date, string(sep))
	for _, x := range f {
		if x == "" || len(x) > 4 || strings.Trim(x, "0123456789") != "" {
			return t
		}
	}
	y, m, d := f[2], f[0], f[1]
	switch {
	case len(f[0]) > 2: // a year first reads year-month-day in every order
		y, m, d = f[0], f[1], f[2]
	case order == DMY:
		d, m = f[0], f[1]
	case order == YMD:
		y, m, d = f[0], f[1], f[2]
	}
	if len(y) <= 2 {
		n, _ := strconv.Atoi(y)
		if n < 70 {
			n += 2000
		} else {
			n += 1900
		}
		y = strconv.Itoa(n)
	}
	pad := func(x string) string {
		if len(x) == 1 {
			return "0" + x
		}
		return x
	}
	if len(y) != 4 || len(m) > 2 || len(d) > 2 {
		return t
	}
	return y + "-" + pad(m) + "-" + pad(d) + t[end:]
}

// parseDate reads an ISO date. As date_in does, it accepts a time of day
// and zone after the date ("2000-01-01 00:00:00+00", as JDBC sends dates)
// and ignores them, and a trailing " BC".
func parseDate(t string) (time.Time, error) {
	bc := false
	if rest, ok := strings.CutSuffix(t, " BC"); ok {
		t, bc = rest, true
	}
	if len(t) > 10 && (t[10] == ' ' || t[10] == 'T') {
		// An ISO date with a time or an offset after it; otherwise a
		// spelled date ("January 8, 1999") whose eleventh byte is a space.
		if _, _, err := arrow.TimestampFromStringInLocation(t, arrow.Microsecond, time.UTC); err == nil {
			t = t[:10]
		} else if _, err := time.Parse("2006-01-02 -07", t); err == nil {
			t = t[:10]
		}
	}
	d, err := time.Parse("2006-01-02", t)
	if err != nil {
		return d, err // spelled dates are read by decodeFallback
	}
	if bc {
		d = d.AddDate(1-2*d.Year(), 0, 0)
	}
	return d, nil
}

// WallToInstant is the instant (microseconds since the epoch) of wall,
// a wall-clock time in loc (microseconds as if in UTC). As in PostgreSQL,
// a time that a transition skips is read with the offset before it
// (02:30 on the night clocks spring forward is 03:30 summer time), and one
// that occurs twice is the later of the two.
func WallToInstant(wall int64, loc *time.Location) int64 {
	if loc == time.UTC {
		return wall
	}
	const day = int64(86_400_000_000)
	offsetAt := func(instant int64) int64 {
		_, off := time.UnixMicro(instant).In(loc).Zone()
		return int64(off) * 1_000_000
	}
	before := wall - offsetAt(wall-day)
	after := wall - offsetAt(wall+day)
	beforeOK := offsetAt(before) == wall-before
	afterOK := offsetAt(after) == wall-after
	switch {
	case beforeOK && afterOK:
		return max(before, after)
	case afterOK:
		return after
	}
	return before
}

// timeZoneSuffix is a zone after a time of day: an offset (+02, -08:00,
// +0530), Z, UTC or GMT.
var timeZoneSuffix = regexp.MustCompile(`(?i)\s*(?:[+-]\d{1,2}(?::?\d{2}){0,2}|z|utc|gmt)$`)

// timeDatePrefix is a date before a time of day.
var timeDatePrefix = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}\s+`)

// wallClock is the time of day of a time input that also names a date or
// a zone, both of which time ignores, as PostgreSQL's time input does
// ('2024-01-02 12:34:56+02' is 12:34:56; JDBC's setTime sends an offset).
func wallClock(t string) string {
	t = timeDatePrefix.ReplaceAllString(t, "")
	if strings.Contains(t, ":") {
		t = timeZoneSuffix.ReplaceAllString(t, "")
	}
	return t
}

// parseTimeOfDay reads HH:MM[:SS[.ffffff]] as microseconds since midnight;
// 24:00:00, the end of the day, is allowed, as in PostgreSQL.
func parseTimeOfDay(t string) (int64, error) {
	syntax := pgerror.New("22007", "invalid input syntax for type time")
	// A 12-hour clock: 04:05 PM is 16:05, 12:30 AM is 00:30.
	meridiem := ""
	if n := len(t); n > 2 {
		switch strings.ToUpper(t[n-2:]) {
		case "AM", "PM":
			meridiem = strings.ToUpper(t[n-2:])
			t = strings.TrimSpace(t[:n-2])
		}
	}
	parts := strings.Split(t, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, syntax
	}
	num := func(p string) (int64, bool) {
		if p == "" || len(p) > 2 {
			return 0, false
		}
		v, err := strconv.ParseInt(p, 10, 64)
		return v, err == nil && v >= 0
	}
	h, ok1 := num(parts[0])
	m, ok2 := num(parts[1])
	if !ok1 || !ok2 {
		return 0, syntax
	}
	var sec, frac int64
	if len(parts) == 3 {
		whole, fraction, hasFrac := strings.Cut(parts[2], ".")
		var ok bool
		if sec, ok = num(whole); !ok {
			return 0, syntax
		}
		if hasFrac {
			if fraction == "" || strings.Trim(fraction, "0123456789") != "" {
				return 0, syntax
			}
			// Rounded to microseconds, as PostgreSQL rounds.
			digits := (fraction + "0000000")[:7]
			v, _ := strconv.ParseInt(digits, 10, 64)
			frac = (v + 5) / 10
		}
	}
	if meridiem != "" {
		switch {
		case h > 12:
			return 0, pgerror.New("22008", "date/time field value out of range")
		case meridiem == "AM" && h == 12:
			h = 0
		case meridiem == "PM" && h != 12:
			h += 12
		}
	}
	us := h*3_600_000_000 + m*60_000_000 + sec*1_000_000 + frac
	if h > 24 || m > 59 || sec > 60 || us > 86_400_000_000 {
		return 0, pgerror.New("22008", "date/time field value out of range")
	}
	return us, nil
}

// zoneAbbrevs are the time zone abbreviations of PostgreSQL's default set
// that riffq reads after a timestamp and in AT TIME ZONE, as offsets east
// of UTC in seconds. An abbreviation is a fixed offset, even where a tz
// database zone has the same name (CET, EET, WET, MET follow summer time
// there).
var zoneAbbrevs = map[string]int{
	"UTC": 0, "UT": 0, "GMT": 0, "Z": 0, "ZULU": 0,
	"EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600,
	"MST": -7 * 3600, "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600,
	"AKST": -9 * 3600, "AKDT": -8 * 3600, "HST": -10 * 3600,
	"CET": 3600, "CEST": 2 * 3600, "MET": 3600, "MEST": 2 * 3600,
	"EET": 2 * 3600, "EEST": 3 * 3600, "WET": 0, "WEST": 3600, "BST": 3600,
	"IST": 2 * 3600, "MSK": 3 * 3600, "JST": 9 * 3600, "KST": 9 * 3600, "HKT": 8 * 3600,
	"AWST": 8 * 3600, "ACST": 9*3600 + 1800, "ACDT": 10*3600 + 1800, "AEST": 10 * 3600, "AEDT": 11 * 3600,
	"NZST": 12 * 3600, "NZDT": 13 * 3600,
}

// ZoneAbbrev returns the fixed zone an abbreviation of PostgreSQL's default
// set names (PST, CET), in any case; AT TIME ZONE tries it before the tz
// database, as PostgreSQL does.
func ZoneAbbrev(name string) (*time.Location, bool) {
	off, ok := zoneAbbrevs[strings.ToUpper(name)]
	if !ok {
		return nil, false
	}
	return time.FixedZone(strings.ToUpper(name), off), true
}

// parseZonedTimestamp reads a timestamp followed by a time zone's name or
// abbreviation ("2024-03-05 14:07:09 UTC", "... America/New_York"), and
// one at 24:00:00 (the next day's midnight). ok is false when t is neither.
// A timestamp without time zone ignores the zone, as in PostgreSQL.
func parseZonedTimestamp(t string, tt *arrow.TimestampType, loc *time.Location) (scalar.Scalar, bool, error) {
	if tt.Unit != arrow.Microsecond {
		return nil, false, nil
	}
	wallText, zone, hasZone := t, "", false
	if i := strings.LastIndexByte(t, ' '); i > 0 {
		w := t[i+1:]
		if w != "" && (w[0] >= 'a' && w[0] <= 'z' || w[0] >= 'A' && w[0] <= 'Z') && w != "BC" && w != "AD" {
			wallText, zone, hasZone = strings.TrimSpace(t[:i]), w, true
		}
	}
	nextDay := false
	if d, tod, ok := strings.Cut(wallText, " "); ok && (tod == "24:00:00" || tod == "24:00") {
		wallText, nextDay = d+" 00:00:00", true
	} else if d, tod, ok := strings.Cut(wallText, "T"); ok && (tod == "24:00:00" || tod == "24:00") {
		wallText, nextDay = d+" 00:00:00", true
	}
	if !hasZone && !nextDay {
		return nil, false, nil
	}
	wall, zoned, err := arrow.TimestampFromStringInLocation(wallText, arrow.Microsecond, time.UTC)
	if err != nil || (zoned && hasZone) {
		return nil, true, fmt.Errorf("invalid timestamp %q", t)
	}
	us := int64(wall)
	if nextDay {
		us += 86_400_000_000
	}
	if tt.TimeZone != "" && !zoned {
		switch off, known := zoneAbbrevs[strings.ToUpper(zone)]; {
		case !hasZone:
			us = WallToInstant(us, loc)
		case known:
			us -= int64(off) * 1_000_000
		default:
			zl, ok := LoadZone(zone)
			if !ok {
				return nil, true, pgerror.New("22023", "time zone %q not recognized", strings.ToLower(zone))
			}
			us = WallToInstant(us, zl)
		}
	} else if hasZone {
		if _, known := zoneAbbrevs[strings.ToUpper(zone)]; !known {
			if _, ok := LoadZone(zone); !ok {
				return nil, true, pgerror.New("22023", "time zone %q not recognized", strings.ToLower(zone))
			}
		}
	}
	return scalar.NewTimestampScalar(arrow.Timestamp(us), tt), true, nil
}

// cutBC returns a date or timestamp input without its trailing BC era,
// and whether it had one.
func cutBC(t string) (string, bool) {
	if n := len(t); n > 3 && strings.EqualFold(t[n-3:], " bc") {
		return strings.TrimSpace(t[:n-3]), true
	}
	return t, false
}

// timetzZone is the zone after a time with time zone: an offset, Z, or a
// name.
var timetzZone = regexp.MustCompile(`^(.*?(?:\d|[AaPp][Mm]))\s*([+-]\d{1,2}(?::?\d{2}){0,2}|[A-Za-z][A-Za-z_/+\-0-9]*)$`)

// parseTimetz reads a time with time zone (12:34:56+02, 04:05 PM
// America/New_York, 12:00 Z) as its canonical text. Without a zone, and
// for a zone name, the offset is the zone's at now, as PostgreSQL takes
// it.
func parseTimetz(t string, loc *time.Location, now time.Time) (string, error) {
	t = timeDatePrefix.ReplaceAllString(t, "")
	if now.IsZero() {
		now = time.Now()
	}
	clock := t
	_, offset := now.In(loc).Zone()
	if m := timetzZone.FindStringSubmatch(t); m != nil && !strings.EqualFold(m[2], "AM") && !strings.EqualFold(m[2], "PM") {
		clock = m[1]
		zone := m[2]
		if zone[0] == '+' || zone[0] == '-' {
			d, err := parseZoneOffset(zone)
			if err != nil {
				return "", err
			}
			offset = d
		} else if off, ok := zoneAbbrevs[strings.ToUpper(zone)]; ok {
			offset = off
		} else if zl, ok := LoadZone(zone); ok {
			_, offset = now.In(zl).Zone()
		} else {
			return "", fmt.Errorf("unknown zone %q", zone)
		}
	}
	us, err := parseTimeOfDay(strings.TrimSpace(clock))
	if err != nil {
		return "", err
	}
	return string(pgtypes.AppendTimetz(nil, us, offset)), nil
}

// parseZoneOffset reads +HH[:MM[:SS]] (or +HHMM) as seconds east.
func parseZoneOffset(z string) (int, error) {
	sign := 1
	if z[0] == '-' {
		sign = -1
	}
	digits := strings.ReplaceAll(z[1:], ":", "")
	if len(digits)%2 == 1 {
		digits = "0" + digits
	}
	secs := 0
	for k := 0; k < len(digits); k += 2 {
		v, err := strconv.Atoi(digits[k : k+2])
		if err != nil || k > 4 {
			return 0, fmt.Errorf("bad offset %q", z)
		}
		secs += v * []int{3600, 60, 1}[k/2]
	}
	if secs > 15*3600+59*60+59 {
		return 0, fmt.Errorf("offset %q out of range", z)
	}
	return sign * secs, nil
}
