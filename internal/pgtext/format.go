// Package pgtext implements PostgreSQL's text output and input of values,
// what each type's out and in functions do, over Arrow data. The wire
// encoder, casts to and from text, and constants in SQL all use it, so a
// value reads and prints the same everywhere.
package pgtext

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/extensions"

	"github.com/riffq/riffq/internal/pgtypes"
)

// Encoder appends the PostgreSQL text form of row i of one column. It is
// never called for NULLs.
type Encoder func(buf []byte, i int) []byte

// NewEncoder returns the encoder for a column, typed once per batch so
// the per-value path has no type switch and no boxing. Timestamps with a
// time zone print in loc, the session's TimeZone.
func NewEncoder(col arrow.Array, loc *time.Location) (Encoder, error) {
	switch a := col.(type) {
	case *array.Boolean:
		return func(buf []byte, i int) []byte {
			if a.Value(i) {
				return append(buf, 't')
			}
			return append(buf, 'f')
		}, nil
	case *array.Int8:
		return func(buf []byte, i int) []byte { return pgtypes.AppendInt(buf, int64(a.Value(i))) }, nil
	case *array.Int16:
		return func(buf []byte, i int) []byte { return pgtypes.AppendInt(buf, int64(a.Value(i))) }, nil
	case *array.Int32:
		return func(buf []byte, i int) []byte { return pgtypes.AppendInt(buf, int64(a.Value(i))) }, nil
	case *array.Int64:
		return func(buf []byte, i int) []byte { return pgtypes.AppendInt(buf, a.Value(i)) }, nil
	case *array.Uint8:
		return func(buf []byte, i int) []byte { return pgtypes.AppendUint(buf, uint64(a.Value(i))) }, nil
	case *array.Uint16:
		return func(buf []byte, i int) []byte { return pgtypes.AppendUint(buf, uint64(a.Value(i))) }, nil
	case *array.Uint32:
		return func(buf []byte, i int) []byte { return pgtypes.AppendUint(buf, uint64(a.Value(i))) }, nil
	case *array.Uint64:
		return func(buf []byte, i int) []byte { return pgtypes.AppendUint(buf, a.Value(i)) }, nil
	case *array.Float16:
		return func(buf []byte, i int) []byte { return AppendFloat(buf, float64(a.Value(i).Float32()), 32) }, nil
	case *array.Float32:
		return func(buf []byte, i int) []byte { return AppendFloat(buf, float64(a.Value(i)), 32) }, nil
	case *array.Float64:
		return func(buf []byte, i int) []byte { return AppendFloat(buf, a.Value(i), 64) }, nil
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		return func(buf []byte, i int) []byte { return appendDecimal128(buf, a.Value(i), scale) }, nil
	case *array.String:
		return func(buf []byte, i int) []byte { return append(buf, a.Value(i)...) }, nil
	case *array.LargeString:
		return func(buf []byte, i int) []byte { return append(buf, a.Value(i)...) }, nil
	case *array.StringView:
		return func(buf []byte, i int) []byte { return append(buf, a.Value(i)...) }, nil
	case *array.Binary:
		return func(buf []byte, i int) []byte { return AppendBytea(buf, a.Value(i)) }, nil
	case *array.LargeBinary:
		return func(buf []byte, i int) []byte { return AppendBytea(buf, a.Value(i)) }, nil
	case *array.FixedSizeBinary:
		return func(buf []byte, i int) []byte { return AppendBytea(buf, a.Value(i)) }, nil
	case *array.Date32:
		return func(buf []byte, i int) []byte { return appendDays(buf, int64(a.Value(i))) }, nil
	case *array.Date64:
		return func(buf []byte, i int) []byte { return AppendDate(buf, a.Value(i).ToTime()) }, nil
	case *array.Timestamp:
		tt := a.DataType().(*arrow.TimestampType)
		toTime := timestampConverter(tt.Unit)
		if tt.TimeZone == "" && tt.Unit == arrow.Microsecond {
			return func(buf []byte, i int) []byte { return appendTimestampMicros(buf, int64(a.Value(i))) }, nil
		}
		return func(buf []byte, i int) []byte {
			if inf, sign := InfiniteTimestamp(a.Value(i)); inf {
				return appendInfinity(buf, sign)
			}
			if tt.TimeZone == "" {
				return AppendTimestamp(buf, toTime(a.Value(i)), false)
			}
			return AppendTimestamp(buf, toTime(a.Value(i)).In(loc), true)
		}, nil
	case *pgtypes.NumericArray:
		s := a.Storage().(*array.String)
		return func(buf []byte, i int) []byte { return append(buf, s.Value(i)...) }, nil
	case *array.Null:
		return func(buf []byte, _ int) []byte { return buf }, nil
	case *array.Time32:
		unit := a.DataType().(*arrow.Time32Type).Unit
		return func(buf []byte, i int) []byte { return AppendTime(buf, a.Value(i).ToTime(unit)) }, nil
	case *array.Time64:
		unit := a.DataType().(*arrow.Time64Type).Unit
		return func(buf []byte, i int) []byte {
			if v := a.Value(i); unit == arrow.Microsecond && v == 86_400_000_000 {
				return append(buf, "24:00:00"...) // the end of the day
			}
			return AppendTime(buf, a.Value(i).ToTime(unit))
		}, nil
	case *array.MonthDayNanoInterval:
		return func(buf []byte, i int) []byte {
			v := a.Value(i)
			return AppendInterval(buf, v.Months, v.Days, v.Nanoseconds/1000)
		}, nil
	case *array.DayTimeInterval:
		return func(buf []byte, i int) []byte {
			v := a.Value(i)
			return AppendInterval(buf, 0, v.Days, int64(v.Milliseconds)*1000)
		}, nil
	case *array.MonthInterval:
		return func(buf []byte, i int) []byte { return AppendInterval(buf, int32(a.Value(i)), 0, 0) }, nil
	case *array.Duration:
		toMicros := durationMicros(a.DataType().(*arrow.DurationType).Unit)
		return func(buf []byte, i int) []byte { return AppendInterval(buf, 0, 0, toMicros(int64(a.Value(i)))) }, nil
	case *extensions.UUIDArray:
		s := a.Storage().(*array.FixedSizeBinary)
		return func(buf []byte, i int) []byte { return AppendUUID(buf, s.Value(i)) }, nil
	case *extensions.JSONArray:
		return newStorageEncoder(a.Storage(), loc)
	case *pgtypes.JSONBArray:
		return newStorageEncoder(a.Storage(), loc)
	case *pgtypes.TimetzArray:
		return newStorageEncoder(a.Storage(), loc)
	case *pgtypes.OIDArray:
		s := a.Storage().(*array.Uint32)
		return func(buf []byte, i int) []byte { return pgtypes.AppendUint(buf, uint64(s.Value(i))) }, nil
	case array.ListLike:
		return newArrayEncoder(a, loc)
	case *array.Struct:
		return newRecordEncoder(a, loc)
	}
	return nil, fmt.Errorf("no text encoding for arrow type %s", col.DataType())
}

// newRecordEncoder prints a struct as PostgreSQL prints a record: (a,b),
// a NULL field empty, a field quoted when it is empty or holds a quote,
// backslash, parenthesis, comma or space.
func newRecordEncoder(a *array.Struct, loc *time.Location) (Encoder, error) {
	fields := make([]Encoder, a.NumField())
	for f := range fields {
		enc, err := NewEncoder(a.Field(f), loc)
		if err != nil {
			return nil, err
		}
		fields[f] = enc
	}
	var tmp []byte
	return func(buf []byte, i int) []byte {
		buf = append(buf, '(')
		for f, enc := range fields {
			if f > 0 {
				buf = append(buf, ',')
			}
			if a.Field(f).IsNull(i) {
				continue
			}
			tmp = enc(tmp[:0], i)
			if len(tmp) > 0 && !bytes.ContainsAny(tmp, "\"\\(),\t\n\r\v\f ") {
				buf = append(buf, tmp...)
				continue
			}
			buf = append(buf, '"')
			for _, c := range tmp {
				if c == '"' || c == '\\' {
					buf = append(buf, c)
				}
				buf = append(buf, c)
			}
			buf = append(buf, '"')
		}
		return append(buf, ')')
	}, nil
}

func newStorageEncoder(storage arrow.Array, loc *time.Location) (Encoder, error) {
	return NewEncoder(storage, loc)
}

func durationMicros(unit arrow.TimeUnit) func(int64) int64 {
	switch unit {
	case arrow.Second:
		return func(v int64) int64 { return v * 1_000_000 }
	case arrow.Millisecond:
		return func(v int64) int64 { return v * 1000 }
	case arrow.Nanosecond:
		return func(v int64) int64 { return v / 1000 }
	}
	return func(v int64) int64 { return v }
}

// AppendTime prints a time of day as time_out does: HH:MM:SS[.ffffff].
func AppendTime(buf []byte, t time.Time) []byte {
	buf = appendPadded(buf, t.Hour(), 2)
	buf = append(buf, ':')
	buf = appendPadded(buf, t.Minute(), 2)
	buf = append(buf, ':')
	buf = appendPadded(buf, t.Second(), 2)
	return appendMicros(buf, t.Nanosecond()/1000)
}

func appendMicros(buf []byte, us int) []byte {
	if us == 0 {
		return buf
	}
	buf = append(buf, '.')
	digits := 6
	for us%10 == 0 {
		us /= 10
		digits--
	}
	return appendPadded(buf, us, digits)
}

// AppendInterval prints an interval in IntervalStyle postgres:
// "1 year 2 mons -3 days +04:05:06.5". Each field carries its own sign; a
// positive field after a negative one gets a "+".
func AppendInterval(buf []byte, months, days int32, micros int64) []byte {
	years, mons := months/12, months%12
	printed, prevNeg := false, false
	field := func(v int64, unit string) {
		if v == 0 {
			return
		}
		if printed {
			buf = append(buf, ' ')
		}
		if v > 0 && prevNeg {
			buf = append(buf, '+')
		}
		buf = strconv.AppendInt(buf, v, 10)
		buf = append(buf, ' ')
		buf = append(buf, unit...)
		if v != 1 { // PostgreSQL writes "-1 days"
			buf = append(buf, 's')
		}
		printed, prevNeg = true, v < 0
	}
	field(int64(years), "year")
	field(int64(mons), "mon")
	field(int64(days), "day")
	if micros != 0 || !printed {
		if printed {
			buf = append(buf, ' ')
		}
		neg := micros < 0
		if neg {
			buf = append(buf, '-')
			micros = -micros
		} else if prevNeg {
			buf = append(buf, '+')
		}
		secs := micros / 1_000_000
		buf = appendPadded(buf, int(secs/3600), 2)
		buf = append(buf, ':')
		buf = appendPadded(buf, int(secs/60%60), 2)
		buf = append(buf, ':')
		buf = appendPadded(buf, int(secs%60), 2)
		buf = appendMicros(buf, int(micros%1_000_000))
	}
	return buf
}

// AppendUUID prints a UUID in its canonical lower-case form.
func AppendUUID(buf, u []byte) []byte {
	for i, b := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			buf = append(buf, '-')
		}
		buf = append(buf, "0123456789abcdef"[b>>4], "0123456789abcdef"[b&15])
	}
	return buf
}

// newArrayEncoder prints a list as a one-dimensional array: {1,2,NULL},
// quoting elements the way array_out does.
func newArrayEncoder(a array.ListLike, loc *time.Location) (Encoder, error) {
	values := a.ListValues()
	if _, nested := values.(array.ListLike); nested {
		return nil, fmt.Errorf("multidimensional arrays are not supported")
	}
	elem, err := NewEncoder(values, loc)
	if err != nil {
		return nil, err
	}
	quoteAlways := false
	switch values.DataType().ID() {
	case arrow.BINARY, arrow.LARGE_BINARY: // "\x.." always needs quotes
		quoteAlways = true
	}
	var tmp []byte
	return func(buf []byte, i int) []byte {
		start, end := a.ValueOffsets(i)
		buf = append(buf, '{')
		for j := start; j < end; j++ {
			if j > start {
				buf = append(buf, ',')
			}
			if values.IsNull(int(j)) {
				buf = append(buf, "NULL"...)
				continue
			}
			tmp = elem(tmp[:0], int(j))
			if !quoteAlways && !needsArrayQuote(tmp) {
				buf = append(buf, tmp...)
				continue
			}
			buf = append(buf, '"')
			for _, c := range tmp {
				if c == '"' || c == '\\' {
					buf = append(buf, '\\')
				}
				buf = append(buf, c)
			}
			buf = append(buf, '"')
		}
		return append(buf, '}')
	}, nil
}

func needsArrayQuote(v []byte) bool {
	if len(v) == 0 || (len(v) == 4 && strings.EqualFold(string(v), "null")) {
		return true
	}
	for _, c := range v {
		switch c {
		case '"', '\\', '{', '}', ',', ' ', '\t', '\n', '\r', '\v', '\f':
			return true
		}
	}
	return false
}

// AppendRoundedFloat formats like float8out/float4out with
// extra_float_digits at most 0: digits significant digits (at least 1),
// as C's %.*g prints them.
func AppendRoundedFloat(buf []byte, f float64, bits, digits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return appendNonFinite(buf, f)
	}
	return strconv.AppendFloat(buf, f, 'g', max(digits, 1), bits)
}

// appendNonFinite spells NaN and the infinities as float8out does.
func appendNonFinite(buf []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, "NaN"...)
	case f > 0:
		return append(buf, "Infinity"...)
	}
	return append(buf, "-Infinity"...)
}

// AppendFloat formats like PostgreSQL's float8out/float4out with the default
// extra_float_digits: the shortest exact digits, in exponent form when the
// exponent is below -4 or at least 15 (6 for real).
func AppendFloat(buf []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return appendNonFinite(buf, f)
	case f == 0:
		if math.Signbit(f) {
			return append(buf, "-0"...)
		}
		return append(buf, '0')
	}
	limit := 15
	if bits == 32 {
		limit = 6
	}
	// Format once in exponent form (shortest digits), then lay the same
	// digits out in fixed notation when the exponent is in range.
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, bits)
	epos := len(e) - 4 // e±dd
	for e[epos] != 'e' {
		epos--
	}
	exp := 0
	for _, c := range e[epos+2:] {
		exp = exp*10 + int(c-'0')
	}
	if e[epos+1] == '-' {
		exp = -exp
	}
	if exp < -4 || exp >= limit {
		return append(buf, e...)
	}
	mant := e[:epos]
	if mant[0] == '-' {
		buf = append(buf, '-')
		mant = mant[1:]
	}
	// mant is "d" or "d.ddd": collect the significant digits.
	var digits [24]byte
	nd := copy(digits[:], mant[:1])
	if len(mant) > 2 {
		nd += copy(digits[nd:], mant[2:])
	}
	ds := digits[:nd]
	if exp < 0 {
		buf = append(buf, '0', '.')
		for range -exp - 1 {
			buf = append(buf, '0')
		}
		return append(buf, ds...)
	}
	if nd <= exp+1 {
		buf = append(buf, ds...)
		for range exp + 1 - nd {
			buf = append(buf, '0')
		}
		return buf
	}
	buf = append(buf, ds[:exp+1]...)
	buf = append(buf, '.')
	return append(buf, ds[exp+1:]...)
}

func appendDecimal128(buf []byte, v decimal128.Num, scale int32) []byte {
	hi, lo := v.HighBits(), v.LowBits()
	if (hi == 0 && lo <= math.MaxInt64) || (hi == -1 && lo > math.MaxInt64) {
		return pgtypes.AppendDecimalInt64(buf, int64(lo), scale)
	}
	return pgtypes.AppendDecimal(buf, v.BigInt(), scale)
}

// AppendBytea prints bytes in bytea's hex format.
func AppendBytea(buf, v []byte) []byte {
	buf = append(buf, '\\', 'x')
	n := len(buf)
	buf = append(buf, make([]byte, hex.EncodedLen(len(v)))...)
	hex.Encode(buf[n:], v)
	return buf
}

func timestampConverter(unit arrow.TimeUnit) func(arrow.Timestamp) time.Time {
	switch unit {
	case arrow.Second:
		return func(v arrow.Timestamp) time.Time { return time.Unix(int64(v), 0).UTC() }
	case arrow.Millisecond:
		return func(v arrow.Timestamp) time.Time { return time.UnixMilli(int64(v)).UTC() }
	case arrow.Microsecond:
		return func(v arrow.Timestamp) time.Time { return time.UnixMicro(int64(v)).UTC() }
	}
	// PostgreSQL keeps microseconds; round nanoseconds half up as its input does.
	return func(v arrow.Timestamp) time.Time {
		return time.Unix(0, int64(v)).Round(time.Microsecond).UTC()
	}
}

// AppendDate prints an ISO date, with " BC" for years before 1 as
// PostgreSQL does.
func AppendDate(buf []byte, t time.Time) []byte {
	buf, bc := appendYMD(buf, t)
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}

func appendYMD(buf []byte, t time.Time) ([]byte, bool) {
	y, m, d := t.Date()
	bc := y <= 0
	if bc {
		y = 1 - y
	}
	buf = appendPadded(buf, y, 4)
	buf = append(buf, '-')
	buf = appendPadded(buf, int(m), 2)
	buf = append(buf, '-')
	return appendPadded(buf, d, 2), bc
}

// AppendTimestamp prints "YYYY-MM-DD HH:MM:SS[.ffffff]" and, with zone, the
// UTC offset as +HH[:MM[:SS]].
func AppendTimestamp(buf []byte, t time.Time, zone bool) []byte {
	buf, bc := appendYMD(buf, t)
	buf = append(buf, ' ')
	buf = appendPadded(buf, t.Hour(), 2)
	buf = append(buf, ':')
	buf = appendPadded(buf, t.Minute(), 2)
	buf = append(buf, ':')
	buf = appendPadded(buf, t.Second(), 2)
	if us := t.Nanosecond() / 1000; us != 0 {
		buf = append(buf, '.')
		digits := 6
		for us%10 == 0 {
			us /= 10
			digits--
		}
		buf = appendPadded(buf, us, digits)
	}
	if zone {
		_, off := t.Zone()
		sign := byte('+')
		if off < 0 {
			sign, off = '-', -off
		}
		buf = append(buf, sign)
		buf = appendPadded(buf, off/3600, 2)
		if rem := off % 3600; rem != 0 {
			buf = append(buf, ':')
			buf = appendPadded(buf, rem/60, 2)
			if rem%60 != 0 {
				buf = append(buf, ':')
				buf = appendPadded(buf, rem%60, 2)
			}
		}
	}
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (year 0 is 1 BC) with integer arithmetic on 400-year eras of 146,097
// days, each starting on March 1 so that leap days end the year.
func civil(days int64) (year int64, month, day int) {
	z := days + 719468 // days since 0000-03-01
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	// Within an era everything is non-negative: unsigned division by
	// constants compiles to multiplications.
	doe := uint64(z - era*146097)                          // day of the era, 0..146096
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // year of the era, 0..399
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // day of the March-based year
	mp := (5*doy + 2) / 153                                // March-based month, 0..11
	day = int(doy - (153*mp+2)/5 + 1)
	month = int(mp + 3)
	if month > 12 {
		month -= 12
	}
	year = int64(yoe) + era*400
	if month <= 2 {
		year++
	}
	return year, month, day
}

// appendDays prints a date given as days since 1970-01-01, as AppendDate
// does, without going through time.Time (dates are common in wide rows).
func appendDays(buf []byte, days int64) []byte {
	if inf, sign := InfiniteDate(arrow.Date32(days)); inf && days == int64(int32(days)) {
		return appendInfinity(buf, sign)
	}
	buf, bc := appendDayOf(buf, days)
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}

// appendDayOf prints the year, month and day of a date given as days since
// 1970-01-01, without the era; bc reports a date before year 1.
func appendDayOf(buf []byte, days int64) (_ []byte, bc bool) {
	if off := days - firstCommonDay; off >= 0 && off < commonDays {
		off *= 10
		return append(buf, commonDates()[off:off+10]...), false
	}
	y, m, d := civil(days)
	if bc = y <= 0; bc {
		y = 1 - y
	}
	buf = appendYear(buf, y)
	return append(buf, '-', byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10)), bc
}

// Dates from 1900 through 2099 print from a table: wide results often
// carry several dates a row, and a copy is several times cheaper than the
// calendar arithmetic.
const (
	firstCommonDay = -25567 // 1900-01-01
	commonDays     = 73049  // through 2099-12-31
)

// commonDates holds the text of each common date, ten bytes apiece,
// built on first use and read-only after.
var commonDates = sync.OnceValue(func() []byte {
	t := make([]byte, 0, commonDays*10)
	for d := range int64(commonDays) {
		y, m, day := civil(firstCommonDay + d)
		t = appendYear(t, y)
		t = append(t, '-', byte('0'+m/10), byte('0'+m%10), '-', byte('0'+day/10), byte('0'+day%10))
	}
	return t
})

func appendYear(buf []byte, y int64) []byte {
	if y >= 1000 && y <= 9999 {
		return append(buf, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10))
	}
	return appendPadded(buf, int(y), 4)
}

// appendTimestampMicros prints a timestamp without time zone given in microseconds
// since 1970-01-01, as AppendTimestamp does.
func appendTimestampMicros(buf []byte, us int64) []byte {
	if inf, sign := InfiniteTimestamp(arrow.Timestamp(us)); inf {
		return appendInfinity(buf, sign)
	}
	const perDay = 86_400_000_000
	days, rem := us/perDay, us%perDay
	if rem < 0 {
		days, rem = days-1, rem+perDay
	}
	buf, bc := appendDayOf(buf, days)
	secs := int(rem / 1_000_000)
	h, mi, sec := secs/3600, secs/60%60, secs%60
	buf = append(buf, ' ', byte('0'+h/10), byte('0'+h%10), ':', byte('0'+mi/10), byte('0'+mi%10), ':', byte('0'+sec/10), byte('0'+sec%10))
	if frac := int(rem % 1_000_000); frac != 0 {
		buf = append(buf, '.')
		digits := 6
		for frac%10 == 0 {
			frac /= 10
			digits--
		}
		buf = appendPadded(buf, frac, digits)
	}
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}

func appendPadded(buf []byte, v, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], int64(v), 10)
	for range width - len(s) {
		buf = append(buf, '0')
	}
	return append(buf, s...)
}
