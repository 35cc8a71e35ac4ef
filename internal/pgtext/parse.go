package pgtext

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/google/uuid"

	"github.com/riffq/riffq/internal/jsonb"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// MaxNumericPrecision is the most decimal digits a decimal128 holds.
const MaxNumericPrecision = 38

// Unconstrained marks a numeric type without a declared scale: a value keeps
// the scale it was written with.
const Unconstrained = -1

// Parse converts text to a value of type dt as PostgreSQL's input function
// for the type does. A decimal type with Scale Unconstrained keeps the
// text's own scale. A timestamp with time zone written without an offset
// is read in UTC (ParseIn reads it in a session's TimeZone).
func Parse(s string, dt arrow.DataType) (scalar.Scalar, error) {
	return ParseIn(s, dt, time.UTC)
}

// ParseIn is Parse with loc, the session's TimeZone, for timestamps with
// time zone written without an offset and for the dates and times 'now',
// 'today', 'yesterday' and 'tomorrow' name.
func ParseIn(s string, dt arrow.DataType, loc *time.Location) (scalar.Scalar, error) {
	return ParseWith(s, dt, Input{Loc: loc})
}

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

// ParseWith is Parse in a session's state: 'now'::timestamptz = now()
// when in.Now is the statement's start.
func ParseWith(s string, dt arrow.DataType, in Input) (scalar.Scalar, error) {
	loc, now := in.Loc, in.Now
	if loc == nil {
		loc = time.UTC
	}
	t := strings.TrimSpace(s)
	if t != "" && (t[0] >= 'a' && t[0] <= 'z' || t[0] >= 'A' && t[0] <= 'Z' || t[0] == '-' || t[0] == '+') {
		if v, ok, err := parseSpecial(strings.ToLower(t), dt, loc, now); ok {
			return v, err
		}
	}
	var carry int64 // microseconds a rounded fraction carried into the second
	if id := dt.ID(); id == arrow.DATE32 || id == arrow.TIMESTAMP {
		t, carry = normalizeDateTime(t, in.Order)
	}
	switch dt.ID() {
	case arrow.BOOL:
		switch strings.ToLower(t) {
		case "t", "tr", "tru", "true", "y", "ye", "yes", "on", "1":
			return scalar.NewBooleanScalar(true), nil
		case "f", "fa", "fal", "fals", "false", "n", "no", "of", "off", "0":
			return scalar.NewBooleanScalar(false), nil
		}
		return nil, invalid(dt, s)
	case arrow.INT16, arrow.INT32, arrow.INT64:
		bits := map[arrow.Type]int{arrow.INT16: 16, arrow.INT32: 32, arrow.INT64: 64}[dt.ID()]
		v, err := strconv.ParseInt(t, 10, bits)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return nil, pgerror.New(pgerror.NumericValueOutOfRange, "value %q is out of range for type %s", s, typeName(dt))
			}
			return nil, invalid(dt, s)
		}
		switch dt.ID() {
		case arrow.INT16:
			return scalar.NewInt16Scalar(int16(v)), nil
		case arrow.INT32:
			return scalar.NewInt32Scalar(int32(v)), nil
		}
		return scalar.NewInt64Scalar(v), nil
	case arrow.FLOAT32, arrow.FLOAT64:
		bits := 64
		if dt.ID() == arrow.FLOAT32 {
			bits = 32
		}
		v, err := parseFloat(t, bits)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return nil, pgerror.New(pgerror.NumericValueOutOfRange, "%q is out of range for type %s", s, typeName(dt))
			}
			return nil, invalid(dt, s)
		}
		if bits == 32 {
			return scalar.NewFloat32Scalar(float32(v)), nil
		}
		return scalar.NewFloat64Scalar(v), nil
	case arrow.DECIMAL128:
		unscaled, scale, ok := ParseNumeric(t)
		if !ok {
			return nil, invalid(dt, s)
		}
		want := dt.(*arrow.Decimal128Type)
		if want.Scale == Unconstrained {
			precision := max(int32(len(new(big.Int).Abs(unscaled).String())), scale+1)
			if precision > MaxNumericPrecision {
				return nil, pgerror.New(pgerror.FeatureNotSupported, "numeric value %s has more than %d digits", t, MaxNumericPrecision)
			}
			return scalar.NewDecimal128Scalar(decimal128.FromBigInt(unscaled), &arrow.Decimal128Type{Precision: precision, Scale: scale}), nil
		}
		v, err := Rescale(unscaled, scale, want.Precision, want.Scale)
		if err != nil {
			return nil, err
		}
		return scalar.NewDecimal128Scalar(v, dt), nil
	case arrow.STRING:
		return scalar.NewStringScalar(s), nil
	case arrow.BINARY:
		b, err := parseBytea(s)
		if err != nil {
			return nil, err
		}
		return scalar.NewBinaryScalar(memory.NewBufferBytes(b), dt), nil
	case arrow.DATE32:
		d, err := parseDate(t)
		if err != nil {
			return nil, dateTimeError(dt, s, err)
		}
		return scalar.NewDate32Scalar(arrow.Date32FromTime(d)), nil
	case arrow.TIMESTAMP:
		tt := dt.(*arrow.TimestampType)
		if v, ok, err := parseZonedTimestamp(t, tt, loc); ok {
			var pe *pgerror.Error
			if errors.As(err, &pe) {
				return nil, pe
			}
			if err != nil {
				return nil, dateTimeError(dt, s, err)
			}
			return v, nil
		}
		ts, zoned, err := arrow.TimestampFromStringInLocation(t, tt.Unit, time.UTC)
		if err != nil {
			return nil, dateTimeError(dt, s, err)
		}
		if carry != 0 && tt.Unit == arrow.Microsecond {
			ts += arrow.Timestamp(carry)
		}
		if tt.TimeZone != "" && !zoned && loc != time.UTC && tt.Unit == arrow.Microsecond {
			ts = arrow.Timestamp(WallToInstant(int64(ts), loc))
		}
		if tt.TimeZone == "" && zoned {
			// A timestamp without time zone ignores an offset written
			// in its input, as PostgreSQL does: the wall time stays.
			if i := strings.LastIndexAny(t, "+-Zz"); i > 10 {
				if wall, _, err := arrow.TimestampFromStringInLocation(strings.TrimSpace(t[:i]), tt.Unit, time.UTC); err == nil {
					ts = wall
				}
			}
		}
		return scalar.NewTimestampScalar(ts, dt), nil
	}
	if v, ok, err := parseExtra(t, s, dt); ok {
		return v, err
	}
	return nil, pgerror.New(pgerror.FeatureNotSupported, "input of type %s is not supported", typeName(dt))
}

// Relative reports whether s names a date or time relative to the
// current one ('now', 'today', 'yesterday', 'tomorrow'): its value
// depends on when, and in which TimeZone, it is read.
func Relative(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "now", "today", "yesterday", "tomorrow":
		return true
	}
	return false
}

// parseSpecial reads PostgreSQL's special date/time inputs: epoch, now,
// today, yesterday, tomorrow and (for time) allballs. ok is false for
// other text and other types. Infinite dates and timestamps are refused:
// riffq's date and timestamp columns have no infinity.
func parseSpecial(t string, dt arrow.DataType, loc *time.Location, now time.Time) (scalar.Scalar, bool, error) {
	switch t {
	case "epoch", "now", "today", "yesterday", "tomorrow", "allballs", "infinity", "+infinity", "-infinity":
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
		case "infinity", "+infinity", "-infinity":
			return nil, true, pgerror.New(pgerror.FeatureNotSupported, "infinite dates are not supported")
		}
		return scalar.NewDate32Scalar(arrow.Date32FromTime(midnight)), true, nil
	case *arrow.TimestampType:
		var v time.Time
		switch t {
		case "epoch":
			v = time.Unix(0, 0)
		case "allballs":
			return nil, false, nil
		case "infinity", "+infinity", "-infinity":
			return nil, true, pgerror.New(pgerror.FeatureNotSupported, "infinite timestamps are not supported")
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

// parseExtra reads the types that have no SQL operators yet but can be
// bound as parameters: time, uuid, json, oid and interval.
func parseExtra(t, s string, dt arrow.DataType) (scalar.Scalar, bool, error) {
	switch typ := dt.(type) {
	case *arrow.Time64Type:
		us, err := parseTimeOfDay(t)
		if err != nil {
			return nil, true, pgerror.New(err.(*pgerror.Error).Code, "%s: %q", err.(*pgerror.Error).Message, s)
		}
		if typ.Unit == arrow.Nanosecond {
			us *= 1000
		}
		return scalar.NewTime64Scalar(arrow.Time64(us), dt), true, nil
	case *extensions.UUIDType:
		u, err := uuid.Parse(t)
		if err != nil {
			return nil, true, invalid(dt, s)
		}
		return scalar.NewExtensionScalar(scalar.NewFixedSizeBinaryScalar(memory.NewBufferBytes(u[:]), typ.StorageType()), typ), true, nil
	case *pgtypes.JSONBType:
		canon, err := jsonb.Normalize(s)
		if err != nil {
			return nil, true, pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type json").WithDetail("Token %q is invalid.", s)
		}
		return scalar.NewExtensionScalar(scalar.NewStringScalar(canon), typ), true, nil
	case *extensions.JSONType:
		if !json.Valid([]byte(s)) {
			return nil, true, pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type json").WithDetail("Token %q is invalid.", s)
		}
		return scalar.NewExtensionScalar(scalar.NewStringScalar(s), typ), true, nil
	case *pgtypes.NumericType:
		// A numeric with its own scale: stored as its canonical text.
		unscaled, scale, ok := ParseNumeric(t)
		if !ok {
			return nil, true, invalid(dt, s)
		}
		return scalar.NewExtensionScalar(scalar.NewStringScalar(string(pgtypes.AppendDecimal(nil, unscaled, scale))), typ), true, nil
	case *pgtypes.OIDType:
		v, err := strconv.ParseUint(t, 10, 32)
		if err != nil {
			return nil, true, invalid(dt, s)
		}
		return scalar.NewExtensionScalar(scalar.NewUint32Scalar(uint32(v)), typ), true, nil
	case *arrow.MonthDayNanoIntervalType:
		v, err := parseInterval(t)
		if errors.Is(err, errIntervalRange) {
			return nil, true, pgerror.New("22015", "interval field value out of range: %q", s)
		}
		if err != nil {
			return nil, true, pgerror.New("22007", "invalid input syntax for type interval: %q", s)
		}
		return scalar.NewMonthDayNanoIntervalScalar(v), true, nil
	case *arrow.ListType:
		v, err := parseArray(t, typ)
		return v, true, err
	}
	return nil, false, nil
}

// parseArray reads a one-dimensional array in PostgreSQL's text form:
// {1,2,NULL}, {"a b","c\"d"}, {}.
func parseArray(s string, typ *arrow.ListType) (scalar.Scalar, error) {
	malformed := func(detail string) error {
		return pgerror.New(pgerror.InvalidTextRepresentation, "malformed array literal: %q", s).WithDetail("%s", detail)
	}
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, malformed(`Array value must start with "{" or dimension information.`)
	}
	body := s[1 : len(s)-1]
	b := array.NewBuilder(memory.DefaultAllocator, typ.Elem())
	defer b.Release()
	for i := 0; strings.TrimSpace(body) != ""; {
		for i < len(body) && body[i] == ' ' {
			i++
		}
		var elem strings.Builder
		quoted := false
		if i < len(body) && body[i] == '"' {
			quoted = true
			i++
			for ; i < len(body) && body[i] != '"'; i++ {
				if body[i] == '\\' && i+1 < len(body) {
					i++
				}
				elem.WriteByte(body[i])
			}
			if i >= len(body) {
				return nil, malformed("Unexpected end of input.")
			}
			i++
		} else {
			for ; i < len(body) && body[i] != ','; i++ {
				if body[i] == '{' || body[i] == '"' {
					return nil, malformed("Multidimensional arrays are not supported.")
				}
				if body[i] == '\\' && i+1 < len(body) {
					i++
				}
				elem.WriteByte(body[i])
			}
		}
		v := elem.String()
		if !quoted {
			v = strings.TrimSpace(v)
		}
		if !quoted && strings.EqualFold(v, "NULL") {
			b.AppendNull()
		} else {
			sc, err := Parse(v, typ.Elem())
			if err != nil {
				return nil, err
			}
			if err := appendScalar(b, sc); err != nil {
				return nil, err
			}
		}
		for i < len(body) && body[i] == ' ' {
			i++
		}
		if i >= len(body) {
			break
		}
		if body[i] != ',' {
			return nil, malformed("Unexpected array element.")
		}
		i++
	}
	values := b.NewArray()
	defer values.Release()
	return scalar.NewListScalar(values), nil
}

// appendScalar appends sc to b, whose type is sc's.
func appendScalar(b array.Builder, sc scalar.Scalar) error {
	if eb, ok := b.(*array.ExtensionBuilder); ok {
		// Extension values (numeric with its own scale) go in as
		// their text storage.
		if ext, ok := sc.(*scalar.Extension); ok {
			if str, ok := ext.Value.(*scalar.String); ok {
				if sb, ok := eb.StorageBuilder().(*array.StringBuilder); ok {
					sb.Append(string(str.Data()))
					return nil
				}
			}
		}
	}
	arr, err := scalar.MakeArrayFromScalar(sc, 1, memory.DefaultAllocator)
	if err != nil {
		return err
	}
	defer arr.Release()
	return b.AppendValueFromString(arr.ValueStr(0))
}

// parseInterval reads PostgreSQL's interval output style and the common
// input forms: "1 year 2 mons -3 days 04:05:06.5", "2 hours", "10min",
// "-00:00:01", "@ 3 days ago", and a bare number of seconds ("90"). A
// fraction of a year becomes months, of a month 30-day days, of a day or
// week the time it stands for, as PostgreSQL spills them.
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
	units := map[string]func(n float64){
		"year": func(n float64) { addMonths(n * 12) }, "mon": months,
		"week": func(n float64) { days(n * 7) }, "day": days,
		"hour":        func(n float64) { addNanos(n * 3600e9) },
		"minute":      func(n float64) { addNanos(n * 60e9) },
		"second":      func(n float64) { addNanos(n * 1e9) },
		"millisecond": func(n float64) { addNanos(n * 1e6) },
		"microsecond": func(n float64) { addNanos(n * 1e3) },
		"decade":      func(n float64) { addMonths(n * 120) },
		"century":     func(n float64) { addMonths(n * 1200) },
		"millennium":  func(n float64) { addMonths(n * 12000) },
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
			var ns int64
			for k, p := range parts {
				x, err := strconv.ParseFloat(p, 64)
				if err != nil || k > 2 || x < 0 {
					return v, fmt.Errorf("bad time")
				}
				ns += int64(math.Round(x * []float64{3600e9, 60e9, 1e9}[k]))
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
	if ago {
		v.Months, v.Days, v.Nanoseconds = -v.Months, -v.Days, -v.Nanoseconds
	}
	return v, nil
}

func invalid(dt arrow.DataType, s string) error {
	return pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type %s: %q", typeName(dt), s)
}

func typeName(dt arrow.DataType) string {
	t, err := pgtypes.FromArrow(dt)
	if err != nil {
		return dt.String()
	}
	return t.Name
}

// parseFloat reads a float as float8in does: NaN and [+-]Infinity in any
// case, and no hexadecimal or underscore forms.
func parseFloat(s string, bits int) (float64, error) {
	switch strings.ToLower(s) {
	case "nan":
		return math.NaN(), nil
	case "infinity", "+infinity", "inf", "+inf":
		return math.Inf(1), nil
	case "-infinity", "-inf":
		return math.Inf(-1), nil
	}
	if strings.ContainsAny(s, "xXpP_") || strings.ContainsAny(strings.ToLower(s), "in") {
		return 0, strconv.ErrSyntax
	}
	v, err := strconv.ParseFloat(s, bits)
	if err != nil && errors.Is(err, strconv.ErrRange) && v != 0 && !math.IsInf(v, 0) {
		err = nil // denormal
	}
	return v, err
}

// ParseNumeric reads a decimal number ("12.50", "-1e3") exactly, returning
// the unscaled integer and the scale (digits after the point; the scale of
// "1e3" is 0 and of "1.5e-3" is 4, as numeric_in computes it).
func ParseNumeric(s string) (unscaled *big.Int, scale int32, ok bool) {
	if s == "" {
		return nil, 0, false
	}
	mant, exp := s, int64(0)
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.ParseInt(s[i+1:], 10, 32)
		if err != nil {
			return nil, 0, false
		}
		mant, exp = s[:i], e
	}
	neg := false
	switch {
	case strings.HasPrefix(mant, "-"):
		neg, mant = true, mant[1:]
	case strings.HasPrefix(mant, "+"):
		mant = mant[1:]
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" && frac == "" {
		return nil, 0, false
	}
	digits := intPart + frac
	for _, c := range digits {
		if c < '0' || c > '9' {
			return nil, 0, false
		}
	}
	v, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		return nil, 0, false
	}
	sc := int64(len(frac)) - exp
	if sc < 0 {
		v.Mul(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(-sc), nil))
		sc = 0
	}
	if neg {
		v.Neg(v)
	}
	return v, int32(sc), true
}

// Rescale converts unscaled/10^scale to a decimal with the given precision
// and scale, rounding half away from zero as numeric does, and fails with
// "numeric field overflow" when the integer digits do not fit.
func Rescale(unscaled *big.Int, scale, precision, toScale int32) (decimal128.Num, error) {
	v := new(big.Int).Set(unscaled)
	switch {
	case toScale > scale:
		v.Mul(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(toScale-scale)), nil))
	case toScale < scale:
		div := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale-toScale)), nil)
		q, r := new(big.Int).QuoRem(v, div, new(big.Int))
		if r.Abs(r).Lsh(r, 1).Cmp(div) >= 0 {
			if v.Sign() < 0 {
				q.Sub(q, big.NewInt(1))
			} else {
				q.Add(q, big.NewInt(1))
			}
		}
		v = q
	}
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(precision)), nil)
	if new(big.Int).Abs(v).Cmp(limit) >= 0 {
		return decimal128.Num{}, &pgerror.Error{
			Code:    pgerror.NumericValueOutOfRange,
			Message: "numeric field overflow",
			Detail: "A field with precision " + strconv.Itoa(int(precision)) + ", scale " + strconv.Itoa(int(toScale)) +
				" must round to an absolute value less than 10^" + strconv.Itoa(int(precision-toScale)) + ".",
		}
	}
	return decimal128.FromBigInt(v), nil
}

// parseDate reads an ISO date. As date_in does, it accepts a time of day
// and zone after the date ("2000-01-01 00:00:00+00", as JDBC sends dates)
// and ignores them, and a trailing " BC".
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

func parseDate(t string) (time.Time, error) {
	bc := false
	if rest, ok := strings.CutSuffix(t, " BC"); ok {
		t, bc = rest, true
	}
	if len(t) > 10 && (t[10] == ' ' || t[10] == 'T') {
		if _, _, err := arrow.TimestampFromStringInLocation(t, arrow.Microsecond, time.UTC); err != nil {
			if _, err := time.Parse("2006-01-02 -07", t); err != nil {
				return time.Time{}, err
			}
		}
		t = t[:10]
	}
	d, err := time.Parse("2006-01-02", t)
	if err != nil {
		var ok bool
		if d, ok = parseDateSpelling(t); !ok {
			return d, err
		}
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

// parseBytea reads bytea's input forms: hex (\x then pairs of hex digits,
// spaces allowed between pairs) and escape (bytes as they are, \\ for a
// backslash, \ooo for an octal byte).
func parseBytea(s string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(s, `\x`); ok {
		out := make([]byte, 0, len(rest)/2)
		for i := 0; i < len(rest); {
			c := rest[i]
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				i++
				continue
			}
			hi, ok := unhex(c)
			if !ok {
				return nil, pgerror.New(pgerror.InvalidParameterValue, "invalid hexadecimal digit: \"%s\"", string(c))
			}
			if i+1 >= len(rest) {
				return nil, pgerror.New(pgerror.InvalidParameterValue, "invalid hexadecimal data: odd number of digits")
			}
			lo, ok := unhex(rest[i+1])
			if !ok {
				return nil, pgerror.New(pgerror.InvalidParameterValue, "invalid hexadecimal digit: \"%s\"", string(rest[i+1]))
			}
			out = append(out, hi<<4|lo)
			i += 2
		}
		return out, nil
	}
	if !strings.Contains(s, `\`) {
		return []byte(s), nil
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			out = append(out, s[i])
			continue
		}
		switch {
		case i+1 < len(s) && s[i+1] == '\\':
			out = append(out, '\\')
			i++
		case i+3 < len(s) && isOctal(s[i+1], '3') && isOctal(s[i+2], '7') && isOctal(s[i+3], '7'):
			out = append(out, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
			i += 3
		default:
			return nil, pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type bytea")
		}
	}
	return out, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func isOctal(c, maxDigit byte) bool { return c >= '0' && c <= maxDigit }

// dateLayouts are the other spellings of a date that PostgreSQL reads, as
// Go layouts; month names are matched after their case is normalized.
// Dates of numbers with slashes are left out: their order depends on
// DateStyle (MDY or DMY), which the parser does not see.
var dateLayouts = []string{
	"Jan 2, 2006", "Jan 2 2006", "January 2, 2006", "January 2 2006", "2 Jan 2006", "2 January 2006",
	"2-Jan-2006", "2006-Jan-02", "Jan-02-2006", "2006/01/02", "20060102",
	"Mon Jan 2 2006", "Monday, January 2, 2006",
}

// parseDateSpelling reads a date in one of dateLayouts.
func parseDateSpelling(t string) (time.Time, bool) {
	words := strings.Fields(t)
	for i, w := range words {
		if w != "" && (w[0] >= 'a' && w[0] <= 'z' || w[0] >= 'A' && w[0] <= 'Z') {
			words[i] = strings.ToUpper(w[:1]) + strings.ToLower(w[1:])
		}
	}
	norm := strings.Join(words, " ")
	// A month name inside a dashed date (1999-jan-08) is a word of its own.
	if parts := strings.Split(norm, "-"); len(parts) == 3 {
		for i, p := range parts {
			if p != "" && (p[0] >= 'a' && p[0] <= 'z' || p[0] >= 'A' && p[0] <= 'Z') {
				parts[i] = strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
			}
		}
		norm = strings.Join(parts, "-")
	}
	for _, layout := range dateLayouts {
		if d, err := time.Parse(layout, norm); err == nil {
			return d, true
		}
	}
	return time.Time{}, false
}

// zoneAbbrevs are the time zone abbreviations of PostgreSQL's default set
// that riffq reads after a timestamp, as offsets east of UTC in seconds.
var zoneAbbrevs = map[string]int{
	"UTC": 0, "UT": 0, "GMT": 0, "Z": 0, "ZULU": 0,
	"EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600,
	"MST": -7 * 3600, "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600,
	"CET": 3600, "CEST": 2 * 3600, "EET": 2 * 3600, "EEST": 3 * 3600, "WET": 0, "WEST": 3600,
	"MSK": 3 * 3600, "JST": 9 * 3600,
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
			zl, err := time.LoadLocation(zone)
			if err != nil {
				return nil, true, pgerror.New("22023", "time zone %q not recognized", strings.ToLower(zone))
			}
			us = WallToInstant(us, zl)
		}
	} else if hasZone {
		if _, known := zoneAbbrevs[strings.ToUpper(zone)]; !known {
			if _, err := time.LoadLocation(zone); err != nil {
				return nil, true, pgerror.New("22023", "time zone %q not recognized", strings.ToLower(zone))
			}
		}
	}
	return scalar.NewTimestampScalar(arrow.Timestamp(us), tt), true, nil
}
