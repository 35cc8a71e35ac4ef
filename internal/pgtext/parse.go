package pgtext

import (
	"encoding/json"
	"errors"
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
			dec, derr := decodeFallback(s, dt, in, dateTimeError(dt, s, err))
			if derr != nil {
				return nil, derr
			}
			return scalar.NewDate32Scalar(arrow.Date32(dec.days())), nil
		}
		return scalar.NewDate32Scalar(arrow.Date32FromTime(d)), nil
	case arrow.TIMESTAMP:
		tt := dt.(*arrow.TimestampType)
		v, err := parseTimestamp(s, t, carry, tt, in)
		if err == nil || tt.Unit != arrow.Microsecond {
			return v, err
		}
		dec, err := decodeFallback(s, dt, in, err)
		if err != nil {
			return nil, err
		}
		if tt.TimeZone == "" {
			return scalar.NewTimestampScalar(arrow.Timestamp(dec.wall()), dt), nil
		}
		return scalar.NewTimestampScalar(arrow.Timestamp(dec.instant(loc)), dt), nil
	}
	if tz, ok := dt.(*pgtypes.TimetzType); ok {
		text, err := parseTimetz(t, loc, now)
		if err != nil {
			return nil, pgerror.New("22007", "invalid input syntax for type time with time zone: %q", s)
		}
		return scalar.NewExtensionScalar(scalar.NewStringScalar(text), tz), nil
	}
	if v, ok, err := parseExtra(t, s, dt); ok {
		return v, err
	}
	return nil, pgerror.New(pgerror.FeatureNotSupported, "input of type %s is not supported", typeName(dt))
}

// parseTimestamp reads the ISO spellings of a timestamp (t is s trimmed
// and normalized, carry what rounding its fraction carried).
func parseTimestamp(s, t string, carry int64, tt *arrow.TimestampType, in Input) (scalar.Scalar, error) {
	dt := arrow.DataType(tt)
	loc := in.Loc
	if loc == nil {
		loc = time.UTC
	}
	if rest, ok := cutBC(t); ok && tt.Unit == arrow.Microsecond {
		// Year y BC is year 1-y: the rest is read as of year y AD,
		// then moved back as many years.
		v, err := ParseWith(rest, dt, in)
		if err != nil {
			return nil, dateTimeError(dt, s, err)
		}
		ad := time.UnixMicro(int64(v.(*scalar.Timestamp).Value)).UTC()
		return scalar.NewTimestampScalar(arrow.Timestamp(ad.AddDate(1-2*ad.Year(), 0, 0).UnixMicro()), dt), nil
	}
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

// parseExtra reads the types that have no SQL operators yet but can be
// bound as parameters: time, uuid, json, oid and interval.
func parseExtra(t, s string, dt arrow.DataType) (scalar.Scalar, bool, error) {
	switch typ := dt.(type) {
	case *arrow.Time64Type:
		us, err := parseTimeOfDay(wallClock(t))
		if err != nil {
			return nil, true, pgerror.New(err.(*pgerror.Error).Code, "%s: %q", err.(*pgerror.Error).Message, s)
		}
		if typ.Unit == arrow.Nanosecond {
			us *= 1000
		}
		return scalar.NewTime64Scalar(arrow.Time64(us), dt), true, nil
	case *extensions.UUIDType:
		u, err := parseUUID(t)
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
		if d, ok := typ.Elem().(*arrow.Decimal128Type); ok && d.Scale == Unconstrained {
			// numeric[]: each element keeps its own scale, which one
			// decimal type cannot hold.
			typ = arrow.ListOf(pgtypes.Numeric())
		}
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
			if err := pgtypes.AppendScalar(b, sc); err != nil {
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

// parseUUID reads a uuid as PostgreSQL's uuid_in does: 32 hex digits,
// optionally in braces, with a hyphen allowed after any group of four.
func parseUUID(t string) (uuid.UUID, error) {
	if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
		t = t[1 : len(t)-1]
	}
	var digits []byte
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c == '-' && len(digits) > 0 && len(digits)%4 == 0 && i+1 < len(t) && t[i+1] != '-' {
			continue
		}
		digits = append(digits, c)
	}
	if len(digits) != 32 {
		return uuid.UUID{}, errors.New("invalid uuid")
	}
	return uuid.ParseBytes(digits)
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
		// PostgreSQL's NaN (Go's math.NaN has a payload bit set, which
		// binary results would show).
		return math.Float64frombits(0x7ff8000000000000), nil
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
	if err == nil && v == 0 {
		// A nonzero number too small for the type rounds to zero; it is
		// out of range for PostgreSQL, as a too large one is.
		mantissa, _, _ := strings.Cut(strings.ToLower(s), "e")
		if strings.ContainsAny(mantissa, "123456789") {
			return 0, strconv.ErrRange
		}
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
