package pgtext

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/riffq/riffq/pgerror"
)

// This file reads date and timestamp input in the free form PostgreSQL's
// ParseDateTime and DecodeDateTime accept: fields separated by spaces or
// commas, in any order they can be told apart by ("Jan 1 2024 12:00pm",
// "Mon, 01 Jan 2024 12:00:00 GMT", "2024-01-01+00", "20240101T120000",
// "1 Jan 2024", "2024-01-01 allballs", years past 9999). The fast paths in
// parse.go read the ISO spellings; this reads what they refuse.

// fieldKind is the kind of one field of date/time input.
type fieldKind uint8

const (
	fieldNumber fieldKind = iota // digits, maybe with a fraction
	fieldDate                    // a date with separators: 2024-01-01, Jan-01-2024, 1/2/2024
	fieldTime                    // a time of day: 12:00, 12:00:00.5
	fieldOffset                  // a UTC offset: +05, -0530, +05:30
	fieldWord                    // a month, weekday, AM/PM, era, zone, ...
	fieldZone                    // a time zone's name with punctuation: America/New_York
)

type dtField struct {
	kind fieldKind
	text string
}

// splitDateTime splits s into fields as PostgreSQL's ParseDateTime does;
// ok is false when s has a character no field may hold.
func splitDateTime(s string) ([]dtField, bool) {
	var out []dtField
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	isAlpha := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',':
			i++
		case isDigit(c):
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			switch {
			case j < len(s) && s[j] == ':':
				for j < len(s) && (isDigit(s[j]) || s[j] == ':' || s[j] == '.') {
					j++
				}
				out = append(out, dtField{fieldTime, s[i:j]})
			case j < len(s) && (s[j] == '-' || s[j] == '/' || s[j] == '.'):
				// As ParseDateTime: digits after the separator take
				// only digits (2024-01-01Z is a date and a zone), a
				// month's name letters too (01-Jan-2024).
				delim := s[j]
				j++
				kind := fieldDate
				if j < len(s) && isDigit(s[j]) {
					if delim == '.' {
						kind = fieldNumber // 12.5, unless a third part follows
					}
					for j < len(s) && isDigit(s[j]) {
						j++
					}
					if j < len(s) && s[j] == delim {
						kind = fieldDate
						for j < len(s) && (isDigit(s[j]) || s[j] == delim) {
							j++
						}
					}
				} else {
					for j < len(s) && (isDigit(s[j]) || isAlpha(s[j]) || s[j] == delim) {
						j++
					}
				}
				out = append(out, dtField{kind, s[i:j]})
			default:
				if j < len(s) && s[j] == '.' {
					j++
					for j < len(s) && isDigit(s[j]) {
						j++
					}
				}
				out = append(out, dtField{fieldNumber, s[i:j]})
			}
			i = j
		case c == '.':
			j := i + 1
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if j == i+1 {
				return nil, false
			}
			out = append(out, dtField{fieldNumber, s[i:j]})
			i = j
		case isAlpha(c):
			j := i
			for j < len(s) && isAlpha(s[j]) {
				j++
			}
			word := strings.ToLower(s[i:j])
			if j < len(s) && (s[j] == '-' || s[j] == '/' || s[j] == '.') && monthOf(word) > 0 {
				delim := s[j]
				for j < len(s) && (isDigit(s[j]) || isAlpha(s[j]) || s[j] == delim) {
					j++
				}
				out = append(out, dtField{fieldDate, s[i:j]})
			} else if j < len(s) && strings.IndexByte("/_+-:", s[j]) >= 0 {
				for j < len(s) && (isDigit(s[j]) || isAlpha(s[j]) || strings.IndexByte("/_+-:", s[j]) >= 0) {
					j++
				}
				out = append(out, dtField{fieldZone, s[i:j]})
			} else {
				out = append(out, dtField{fieldWord, word})
			}
			i = j
		case c == '+' || c == '-':
			j := i + 1
			for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
				j++
			}
			k := j
			for k < len(s) && (isDigit(s[k]) || s[k] == ':' || s[k] == '.') {
				k++
			}
			if k == j {
				return nil, false
			}
			out = append(out, dtField{fieldOffset, string(c) + s[j:k]})
			i = k
		default:
			return nil, false
		}
	}
	return out, true
}

var monthNames = []string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}

// monthOf is the month a word names (jan, january, sept), 0 for none.
func monthOf(w string) int {
	if w == "sept" {
		return 9
	}
	for i, m := range monthNames {
		if w == m || len(w) == 3 && m[:3] == w {
			return i + 1
		}
	}
	return 0
}

func isWeekday(w string) bool {
	for _, d := range []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"} {
		if len(w) >= 3 && strings.HasPrefix(d, w) { // mon, tues, thurs, friday
			return true
		}
	}
	return false
}

// decodedDateTime is what decodeDateTime reads.
type decodedDateTime struct {
	year, month, day          int
	hour, min, sec, usec      int
	hasTime, bc               bool
	hasOffset                 bool
	offset                    int // seconds east of UTC, when hasOffset
	zone                      *time.Location
	yearSet, monthSet, daySet bool
	textMonth                 bool
	isoTime                   bool // a T was read: the next number is a time
	pm, am                    bool
	twoDigitYear              bool
	today                     time.Time // the date today names
}

// decodeDateTime reads s as PostgreSQL's DecodeDateTime does, with order
// deciding the fields of an all-numeric date.
func decodeDateTime(s string, order DateOrder, today time.Time) (*decodedDateTime, error) {
	fields, ok := splitDateTime(s)
	if !ok || len(fields) == 0 {
		return nil, errBadDateTime
	}
	d := &decodedDateTime{today: today}
	for _, f := range fields {
		var err error
		switch f.kind {
		case fieldDate:
			err = d.date(f.text, order)
		case fieldTime:
			err = d.time(f.text)
		case fieldOffset:
			err = d.setOffset(f.text)
		case fieldZone:
			loc, ok := LoadZone(f.text)
			if !ok {
				return nil, pgerror.New("22023", "time zone %q not recognized", strings.ToLower(f.text))
			}
			if d.hasOffset || d.zone != nil {
				return nil, errBadDateTime
			}
			d.zone = loc
		case fieldNumber:
			err = d.number(f.text, order)
		case fieldWord:
			err = d.word(f.text)
		}
		if err != nil {
			return nil, err
		}
	}
	if d.isoTime {
		return nil, errBadDateTime // a T with no time after it
	}
	if d.pm || d.am {
		if !d.hasTime || d.hour < 1 || d.hour > 12 {
			return nil, errDateTimeRange
		}
		if d.pm && d.hour < 12 {
			d.hour += 12
		} else if d.am && d.hour == 12 {
			d.hour = 0
		}
	}
	if !(d.yearSet && d.monthSet && d.daySet) {
		return nil, errBadDateTime
	}
	if d.twoDigitYear {
		if d.year < 70 {
			d.year += 2000
		} else {
			d.year += 1900
		}
	}
	if d.bc {
		if d.year <= 0 {
			return nil, errDateTimeRange
		}
		d.year = 1 - d.year
	} else if d.year == 0 {
		return nil, errDateTimeRange
	}
	if d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31 {
		return nil, errMonthDayRange
	}
	if d.day > daysInMonth(d.year, d.month) {
		return nil, errDateTimeRange
	}
	if d.hour > 24 || d.min > 59 || d.sec > 60 || d.hour == 24 && (d.min > 0 || d.sec > 0 || d.usec > 0) {
		return nil, errDateTimeRange
	}
	return d, nil
}

var (
	errBadDateTime   = pgerror.New("22007", "invalid input syntax")
	errDateTimeRange = pgerror.New("22008", "date/time field value out of range")
	// errMonthDayRange is a month past 12 or a day past 31, which a
	// different DateStyle order might have read differently.
	errMonthDayRange = pgerror.New("22008", "date/time field value out of range (month or day)")
	errDisplacement  = pgerror.New("22009", "time zone displacement out of range")
)

func daysInMonth(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func (d *decodedDateTime) setYear(text string) error {
	if d.yearSet {
		return errBadDateTime
	}
	y, err := strconv.Atoi(text)
	if err != nil {
		return errBadDateTime
	}
	d.year, d.yearSet, d.twoDigitYear = y, true, len(text) <= 2
	return nil
}

func (d *decodedDateTime) setMonth(m int) error {
	if d.monthSet {
		return errBadDateTime
	}
	d.month, d.monthSet = m, true
	return nil
}

func (d *decodedDateTime) setDay(v int) error {
	if d.daySet {
		return errBadDateTime
	}
	d.day, d.daySet = v, true
	return nil
}

// date reads a date field: its parts split at the separator, a month
// name first (it is unambiguous), then the numbers as number does.
func (d *decodedDateTime) date(text string, order DateOrder) error {
	parts := strings.FieldsFunc(text, func(r rune) bool { return r == '-' || r == '/' || r == '.' })
	if len(parts) < 2 || len(parts) > 3 {
		return errBadDateTime
	}
	var nums []string
	for _, p := range parts {
		if c := p[0]; c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			m := monthOf(strings.ToLower(p))
			if m == 0 {
				return errBadDateTime
			}
			if err := d.setMonth(m); err != nil {
				return err
			}
			d.textMonth = true
			continue
		}
		nums = append(nums, p)
	}
	if len(parts) == 2 {
		return errBadDateTime
	}
	for _, n := range nums {
		if err := d.number(n, order); err != nil {
			return err
		}
	}
	return nil
}

// time reads hh:mm[:ss[.frac]].
func (d *decodedDateTime) time(text string) error {
	if d.hasTime {
		return errBadDateTime
	}
	parts := strings.Split(text, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return errBadDateTime
	}
	atoi := func(p string) (int, error) {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return 0, errBadDateTime
		}
		return strconv.Atoi(p)
	}
	var err error
	if d.hour, err = atoi(parts[0]); err != nil {
		return err
	}
	if d.min, err = atoi(parts[1]); err != nil {
		return err
	}
	if len(parts) == 3 {
		sec, frac, _ := strings.Cut(parts[2], ".")
		if d.sec, err = atoi(sec); err != nil {
			return err
		}
		if frac != "" {
			if d.usec, err = fraction(frac); err != nil {
				return err
			}
		}
	}
	d.hasTime, d.isoTime = true, false
	return nil
}

// fraction reads the digits after a decimal point as microseconds,
// rounded half to even as PostgreSQL rounds input.
func fraction(digits string) (int, error) {
	if strings.Trim(digits, "0123456789") != "" {
		return 0, errBadDateTime
	}
	f, err := strconv.ParseFloat("0."+digits, 64)
	if err != nil {
		return 0, errBadDateTime
	}
	// 1,000,000 carries into the next second (time.Date normalizes it).
	return int(math.RoundToEven(f * 1e6)), nil
}

// setOffset reads +hh, +hhmm, +hh:mm[:ss].
func (d *decodedDateTime) setOffset(text string) error {
	if d.hasOffset || d.zone != nil {
		return errBadDateTime
	}
	sign := 1
	if text[0] == '-' {
		sign = -1
	}
	body := text[1:]
	var h, m, s int
	var err error
	if strings.Contains(body, ":") {
		parts := strings.Split(body, ":")
		if len(parts) > 3 {
			return errBadDateTime
		}
		vals := []*int{&h, &m, &s}
		for i, p := range parts {
			if *vals[i], err = strconv.Atoi(p); err != nil {
				return errBadDateTime
			}
		}
	} else {
		var ok bool
		if h, m, s, ok = hms(body); !ok {
			return errBadDateTime
		}
	}
	if h > 15 || m > 59 || s > 59 {
		return errDisplacement
	}
	d.offset, d.hasOffset = sign*(h*3600+m*60+s), true
	return nil
}

// number reads a field of digits by what the fields before it left open,
// as PostgreSQL's DecodeNumber does: a number of three or more digits is
// a year, an all-numeric date goes in DateStyle's order, and after a
// month's name the numbers are the day, then the year.
func (d *decodedDateTime) number(text string, order DateOrder) error {
	digits, frac, hasFrac := strings.Cut(text, ".")
	if d.isoTime || d.dateComplete() && !d.hasTime && len(digits) == 6 && !hasFrac {
		// 20240101T120000, or hhmmss after a whole date.
		return d.concatenatedTime(digits, frac)
	}
	if hasFrac {
		return errBadDateTime
	}
	if len(digits) == 8 && !d.yearSet && !d.monthSet && !d.daySet {
		// yyyymmdd
		m, _ := strconv.Atoi(digits[4:6])
		day, _ := strconv.Atoi(digits[6:])
		if err := d.setYear(digits[:4]); err != nil {
			return err
		}
		if err := d.setMonth(m); err != nil {
			return err
		}
		return d.setDay(day)
	}
	v, err := strconv.Atoi(digits)
	if err != nil {
		return errBadDateTime
	}
	long := len(digits) >= 3
	switch {
	case !d.yearSet && !d.monthSet && !d.daySet:
		switch {
		case long || order == YMD:
			return d.setYear(digits)
		case order == DMY:
			return d.setDay(v)
		}
		return d.setMonth(v)
	case d.yearSet && !d.monthSet:
		return d.setMonth(v)
	case d.yearSet && d.monthSet && !d.daySet:
		return d.setDay(v)
	case !d.yearSet && d.monthSet && !d.daySet:
		if d.textMonth && long {
			return d.setYear(digits)
		}
		return d.setDay(v)
	case !d.yearSet && !d.monthSet && d.daySet:
		return d.setMonth(v)
	case !d.yearSet && d.monthSet && d.daySet:
		return d.setYear(digits)
	}
	return errBadDateTime
}

// dateComplete reports whether year, month and day are all read.
func (d *decodedDateTime) dateComplete() bool {
	return d.yearSet && d.monthSet && d.daySet
}

// hms reads h, hh, hmm, hhmm or hhmmss: hours, minutes and seconds
// written without separators.
func hms(digits string) (h, m, s int, ok bool) {
	if strings.Trim(digits, "0123456789") != "" {
		return 0, 0, 0, false
	}
	switch n := len(digits); n {
	case 1, 2:
		h, _ = strconv.Atoi(digits)
	case 3, 4:
		h, _ = strconv.Atoi(digits[:n-2])
		m, _ = strconv.Atoi(digits[n-2:])
	case 6:
		h, _ = strconv.Atoi(digits[:2])
		m, _ = strconv.Atoi(digits[2:4])
		s, _ = strconv.Atoi(digits[4:])
	default:
		return 0, 0, 0, false
	}
	return h, m, s, true
}

// concatenatedTime reads hh, hhmm or hhmmss with an optional fraction.
func (d *decodedDateTime) concatenatedTime(digits, frac string) error {
	if d.hasTime {
		return errBadDateTime
	}
	h, m, s, ok := hms(digits)
	if !ok || len(digits)%2 != 0 {
		return errBadDateTime
	}
	d.hour, d.min, d.sec = h, m, s
	if frac != "" {
		var err error
		if d.usec, err = fraction(frac); err != nil {
			return err
		}
	}
	d.hasTime, d.isoTime = true, false
	return nil
}

// word reads a month, weekday, AM/PM, era, ISO's T, allballs, or a zone.
func (d *decodedDateTime) word(w string) error {
	if m := monthOf(w); m > 0 {
		if d.monthSet && !d.textMonth && !d.daySet && d.month >= 1 && d.month <= 31 {
			// 1 Jan 2024: the number read as a month is the day.
			d.day, d.daySet, d.monthSet = d.month, true, false
		}
		if err := d.setMonth(m); err != nil {
			return err
		}
		d.textMonth = true
		return nil
	}
	switch w {
	case "am", "a.m":
		d.am = true
		return nil
	case "pm", "p.m":
		d.pm = true
		return nil
	case "bc":
		d.bc = true
		return nil
	case "ad":
		return nil
	case "t":
		d.isoTime = true
		return nil
	case "allballs":
		if d.hasTime {
			return errBadDateTime
		}
		d.hasTime = true
		return nil
	case "at", "on":
		return nil
	case "today", "tomorrow", "yesterday":
		if d.yearSet || d.monthSet || d.daySet {
			return errBadDateTime
		}
		day := d.today
		switch w {
		case "tomorrow":
			day = day.AddDate(0, 0, 1)
		case "yesterday":
			day = day.AddDate(0, 0, -1)
		}
		d.year, d.month, d.day = day.Year(), int(day.Month()), day.Day()
		d.yearSet, d.monthSet, d.daySet = true, true, true
		return nil
	case "z", "zulu":
		if d.hasOffset || d.zone != nil {
			return errBadDateTime
		}
		d.hasOffset = true
		return nil
	}
	if isWeekday(w) {
		return nil
	}
	if d.hasOffset || d.zone != nil {
		return errBadDateTime
	}
	if off, ok := zoneAbbrevs[strings.ToUpper(w)]; ok {
		d.offset, d.hasOffset = off, true
		return nil
	}
	if loc, ok := LoadZone(w); ok {
		d.zone = loc
		return nil
	}
	return errBadDateTime
}

// wall is the decoded time as microseconds since the epoch read in UTC.
func (d *decodedDateTime) wall() int64 {
	t := time.Date(d.year, time.Month(d.month), d.day, d.hour, d.min, d.sec, d.usec*1000, time.UTC)
	return t.UnixMicro()
}

// instant is the decoded time as an instant: the wall time in its
// offset or zone, or else in loc.
func (d *decodedDateTime) instant(loc *time.Location) int64 {
	w := d.wall()
	switch {
	case d.hasOffset:
		return w - int64(d.offset)*1_000_000
	case d.zone != nil:
		return WallToInstant(w, d.zone)
	}
	return WallToInstant(w, loc)
}

// days is the decoded date as days since the epoch.
func (d *decodedDateTime) days() int64 {
	t := time.Date(d.year, time.Month(d.month), d.day, 0, 0, 0, 0, time.UTC)
	return t.Unix() / 86400
}

// The range PostgreSQL's dates and timestamps hold: from 4714-11-24 BC
// (Julian day 0) to 5874897-12-31 (dates) and 294276-12-31 23:59:59.999999
// (timestamps).
const (
	minDateYear      = -4713
	maxDateYear      = 5874897
	maxTimestampYear = 294276
)

// decodeFallback reads s, which the ISO parsers refused with fastErr, in
// PostgreSQL's free form. An error is PostgreSQL's for s: out of range
// (22008), an unknown zone (22023), or else fastErr when that said more
// than bad syntax.
func decodeFallback(s string, dt arrow.DataType, in Input, fastErr error) (*decodedDateTime, error) {
	loc, now := in.Loc, in.Now
	if loc == nil {
		loc = time.UTC
	}
	if now.IsZero() {
		now = time.Now()
	}
	d, err := decodeDateTime(strings.TrimSpace(s), in.Order, now.In(loc))
	if err == nil {
		maxYear := maxTimestampYear
		if dt.ID() == arrow.DATE32 {
			maxYear = maxDateYear
		}
		if d.year < minDateYear || d.year > maxYear || d.year == minDateYear && (d.month < 11 || d.month == 11 && d.day < 24) {
			kind := "timestamp"
			if dt.ID() == arrow.DATE32 {
				kind = "date"
			}
			return nil, pgerror.New("22008", "%s out of range: %q", kind, s)
		}
		return d, nil
	}
	var fe *pgerror.Error
	if errors.As(fastErr, &fe) && fe.Code == "22008" {
		return nil, fastErr
	}
	switch err {
	case errBadDateTime:
		return nil, dateTimeError(dt, s, err)
	case errDateTimeRange:
		return nil, pgerror.New("22008", "date/time field value out of range: %q", s)
	case errDisplacement:
		return nil, pgerror.New("22009", "time zone displacement out of range: %q", s)
	case errMonthDayRange:
		return nil, pgerror.New("22008", "date/time field value out of range: %q", s).
			WithHint("Perhaps you need a different \"datestyle\" setting.")
	}
	return nil, err
}
