package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/internal/jsonb"
	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// Cast converts arr to type to with PostgreSQL's cast semantics where they
// differ from Arrow's: numeric and float to integer round (half away from
// zero for numeric, half to even for float), numeric scale reductions round,
// values that do not fit fail with 22003, and casts to and from text use
// PostgreSQL's text forms.
func Cast(ctx context.Context, arr arrow.Array, to arrow.DataType) (arrow.Array, error) {
	from := arr.DataType()
	mem := memory.DefaultAllocator
	switch {
	case arrow.TypeEqual(from, to):
		arr.Retain()
		return arr, nil
	case from.ID() == arrow.NULL:
		return array.MakeArrayOfNull(mem, to, arr.Len()), nil
	case isDateOrTimestamp(from) && isDateOrTimestamp(to) && hasInfinite(arr):
		return castInfinite(ctx, arr, to)
	case isJSON(from) && isJSON(to):
		return castJSON(mem, arr, to)
	case isJSON(from) && (to.ID() == arrow.BOOL || isInteger(to) || to.ID() == arrow.FLOAT32 || to.ID() == arrow.FLOAT64 ||
		to.ID() == arrow.DECIMAL128 || isPerValueNumeric(to)):
		return castJSONScalar(ctx, arr, to)
	case to.ID() == arrow.STRING && from.ID() != arrow.LARGE_STRING:
		return castToText(mem, arr, sessionLocation(ctx))
	case from.ID() == arrow.STRING:
		return castFromText(mem, arr.(*array.String), to, pgtext.Input{Loc: sessionLocation(ctx), Order: sessionDateOrder(ctx)})
	case ZonedCast(from, to):
		return castZoned(mem, arr, to, sessionLocation(ctx))
	case isZoned(from) && pgtypes.IsTimetz(to), pgtypes.IsTimetz(from) && to.ID() == arrow.TIME64:
		return castTimetz(mem, arr, to, sessionLocation(ctx))
	case timeCast(from, to):
		return castTime(mem, arr, to)
	case from.ID() == arrow.DECIMAL128 && (to.ID() == arrow.DECIMAL128 || isInteger(to)):
		return castDecimal(mem, arr.(*array.Decimal128), to)
	case (from.ID() == arrow.DECIMAL128 || isPerValueNumericArray(arr)) && (to.ID() == arrow.FLOAT32 || to.ID() == arrow.FLOAT64):
		return castNumericToFloat(mem, arr, to)
	case isPerValueNumericArray(arr) && (to.ID() == arrow.DECIMAL128 || isInteger(to)):
		return castPerValueNumeric(mem, arr, to)
	case (from.ID() == arrow.FLOAT32 || from.ID() == arrow.FLOAT64) && (to.ID() == arrow.DECIMAL128 || isInteger(to)):
		return castFloat(mem, arr, to)
	case isInteger(from) && (to.ID() == arrow.FLOAT32 || to.ID() == arrow.FLOAT64):
		return castIntegerToFloat(mem, arr, to), nil
	case from.ID() == arrow.FLOAT64 && to.ID() == arrow.FLOAT32:
		return castFloat8ToFloat4(mem, arr.(*array.Float64))
	case isInteger(from) && to.ID() == arrow.DECIMAL128:
		return castIntegerToDecimal(mem, arr, to.(*arrow.Decimal128Type))
	case isPerValueNumeric(to) && (isInteger(from) || from.ID() == arrow.DECIMAL128):
		return castToPerValueNumeric(mem, arr)
	case isPerValueNumeric(to) && (from.ID() == arrow.FLOAT32 || from.ID() == arrow.FLOAT64):
		return castFloatToPerValueNumeric(mem, arr)
	case from.ID() == arrow.LIST && to.ID() == arrow.LIST:
		return castList(ctx, arr.(*array.List), to.(*arrow.ListType))
	}
	out, err := compute.CastArray(ctx, arr, compute.SafeCastOptions(to))
	if err != nil {
		return nil, castError(to, err)
	}
	return out, nil
}

// castFloat8ToFloat4 rounds each value to the nearest real; a finite
// value beyond real's range, or a nonzero one that rounds to zero, is
// 22003 as in PostgreSQL's float84.
func castFloat8ToFloat4(mem memory.Allocator, arr *array.Float64) (arrow.Array, error) {
	b := array.NewFloat32Builder(mem)
	defer b.Release()
	b.Reserve(arr.Len())
	for i, x := range arr.Float64Values() {
		if arr.IsNull(i) {
			b.UnsafeAppendBoolToBitmap(false)
			continue
		}
		v := float32(x)
		switch {
		case math.IsInf(float64(v), 0) && !math.IsInf(x, 0):
			return nil, pgerror.New(pgerror.NumericValueOutOfRange, "value out of range: overflow")
		case v == 0 && x != 0:
			return nil, pgerror.New(pgerror.NumericValueOutOfRange, "value out of range: underflow")
		}
		b.UnsafeAppend(v)
	}
	return b.NewArray(), nil
}

// castIntegerToFloat rounds integers to the nearest float, as PostgreSQL
// does (Arrow's safe cast refuses any integer a float cannot hold exactly).
// Each value is read exactly as an int64 and rounded once, to the target.
func castIntegerToFloat(mem memory.Allocator, arr arrow.Array, to arrow.DataType) arrow.Array {
	at, _ := intKey(arr) // isInteger(from): int16, int32 or int64
	if to.ID() == arrow.FLOAT32 {
		return roundInts(array.NewFloat32Builder(mem), arr, func(i int) float32 { return float32(at(i)) })
	}
	return roundInts(array.NewFloat64Builder(mem), arr, func(i int) float64 { return float64(at(i)) })
}

// roundInts builds castIntegerToFloat's result with b.
func roundInts[T float32 | float64](b interface {
	array.Builder
	UnsafeAppend(T)
}, arr arrow.Array, value func(i int) T) arrow.Array {
	defer b.Release()
	b.Reserve(arr.Len())
	for i := range arr.Len() {
		if arr.IsNull(i) {
			b.UnsafeAppendBoolToBitmap(false)
			continue
		}
		b.UnsafeAppend(value(i))
	}
	return b.NewArray()
}

func isInteger(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT16, arrow.INT32, arrow.INT64:
		return true
	}
	return false
}

func castError(to arrow.DataType, err error) error {
	if _, ok := err.(*pgerror.Error); ok || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		// A cancel stays one: a sibling worker's error (division by
		// zero) ended the query, and that is the error to report.
		return err
	}
	if isInteger(to) || to.ID() == arrow.DECIMAL128 || to.ID() == arrow.FLOAT32 || to.ID() == arrow.FLOAT64 {
		return pgerror.New(pgerror.NumericValueOutOfRange, "%s out of range", pgTypeName(to))
	}
	return pgerror.New(pgerror.FeatureNotSupported, "cannot cast to %s: %v", pgTypeName(to), err)
}

// castDatum casts an evaluated expression.
func castDatum(ctx context.Context, d compute.Datum, to arrow.DataType) (compute.Datum, error) {
	switch v := d.(type) {
	case *compute.ArrayDatum:
		arr := v.MakeArray()
		defer arr.Release()
		out, err := Cast(ctx, arr, to)
		if err != nil {
			return nil, err
		}
		return compute.NewDatumWithoutOwning(out), nil
	case *compute.ScalarDatum:
		s, err := CastScalar(ctx, v.Value, to)
		if err != nil {
			return nil, err
		}
		return compute.NewDatum(s), nil
	}
	return nil, fmt.Errorf("cast: unexpected datum %s", d.Kind())
}

// CastScalar casts one value with Cast's semantics.
func CastScalar(ctx context.Context, s scalar.Scalar, to arrow.DataType) (scalar.Scalar, error) {
	if !s.IsValid() {
		return scalar.MakeNullScalar(to), nil
	}
	arr, err := broadcast(s, 1)
	if err != nil {
		return nil, fmt.Errorf("cast %s: %w", s, err)
	}
	defer arr.Release()
	out, err := Cast(ctx, arr, to)
	if err != nil {
		return nil, err
	}
	defer out.Release()
	return scalar.GetScalar(out, 0)
}

func castToText(mem memory.Allocator, arr arrow.Array, loc *time.Location) (arrow.Array, error) {
	var enc pgtext.Encoder
	var err error
	if arr.DataType().ID() == arrow.BOOL {
		// bool::text is "true"/"false", unlike boolout's t/f.
		bools := arr.(*array.Boolean)
		enc = func(buf []byte, i int) []byte { return strconv.AppendBool(buf, bools.Value(i)) }
	} else if enc, err = pgtext.NewEncoder(arr, loc); err != nil {
		return nil, pgerror.New(pgerror.FeatureNotSupported, "cannot cast type %s to text", pgTypeName(arr.DataType()))
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	var buf []byte
	for i := range arr.Len() {
		if arr.IsNull(i) {
			b.AppendNull()
			continue
		}
		buf = enc(buf[:0], i)
		b.BinaryBuilder.Append(buf)
	}
	return b.NewArray(), nil
}

func castFromText(mem memory.Allocator, arr *array.String, to arrow.DataType, in pgtext.Input) (arrow.Array, error) {
	b := array.NewBuilder(mem, to)
	defer b.Release()
	for i := range arr.Len() {
		if arr.IsNull(i) {
			b.AppendNull()
			continue
		}
		s, err := pgtext.ParseWith(arr.Value(i), to, in)
		if err != nil {
			return nil, err
		}
		if err := pgtypes.AppendScalar(b, s); err != nil {
			return nil, err
		}
	}
	return b.NewArray(), nil
}

// ArrayFromScalars builds an array of type dt from values of that type
// (NULL scalars included), as the text and binary parsers produce them.
func ArrayFromScalars(dt arrow.DataType, vals []scalar.Scalar) (arrow.Array, error) {
	b := array.NewBuilder(memory.DefaultAllocator, dt)
	defer b.Release()
	for _, v := range vals {
		if !v.IsValid() {
			b.AppendNull()
			continue
		}
		if err := pgtypes.AppendScalar(b, v); err != nil {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "values of type %s cannot be loaded this way yet", pgTypeName(dt))
		}
	}
	return b.NewArray(), nil
}

// integerRange is the range of an integer type, with PostgreSQL's name for
// the range error.
func integerRange(dt arrow.DataType) (lo, hi int64) {
	switch dt.ID() {
	case arrow.INT16:
		return math.MinInt16, math.MaxInt16
	case arrow.INT32:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

func appendInt(b array.Builder, v int64) {
	switch bb := b.(type) {
	case *array.Int16Builder:
		bb.Append(int16(v))
	case *array.Int32Builder:
		bb.Append(int32(v))
	case *array.Int64Builder:
		bb.Append(v)
	}
}

func castDecimal(mem memory.Allocator, arr *array.Decimal128, to arrow.DataType) (arrow.Array, error) {
	scale := arr.DataType().(*arrow.Decimal128Type).Scale
	b := array.NewBuilder(mem, to)
	defer b.Release()
	outOfRange := pgerror.New(pgerror.NumericValueOutOfRange, "%s out of range", pgTypeName(to))
	for i := range arr.Len() {
		if arr.IsNull(i) {
			b.AppendNull()
			continue
		}
		if d, ok := to.(*arrow.Decimal128Type); ok {
			v, err := pgtext.Rescale(arr.Value(i).BigInt(), scale, d.Precision, d.Scale)
			if err != nil {
				return nil, err
			}
			b.(*array.Decimal128Builder).Append(v)
			continue
		}
		v, err := pgtext.Rescale(arr.Value(i).BigInt(), scale, pgtext.MaxNumericPrecision, 0)
		if err != nil {
			return nil, outOfRange
		}
		bi := v.BigInt()
		lo, hi := integerRange(to)
		if !bi.IsInt64() || bi.Int64() < lo || bi.Int64() > hi {
			return nil, outOfRange
		}
		appendInt(b, bi.Int64())
	}
	return b.NewArray(), nil
}

// isZoned reports whether dt is timestamp with time zone.
func isZoned(dt arrow.DataType) bool {
	ts, ok := dt.(*arrow.TimestampType)
	return ok && ts.TimeZone != ""
}

// ZonedCast reports whether a cast from one type to the other crosses
// between an instant (timestamp with time zone) and the session's wall
// clock (timestamp, date, time).
func ZonedCast(from, to arrow.DataType) bool {
	local := func(dt arrow.DataType) bool {
		switch dt.ID() {
		case arrow.DATE32, arrow.TIME64:
			return true
		case arrow.TIMESTAMP:
			return !isZoned(dt)
		}
		return false
	}
	return isZoned(from) && local(to) || local(from) && to.ID() != arrow.TIME64 && isZoned(to)
}

// castZoned converts between instants and wall-clock values in loc, the
// session's TimeZone, as PostgreSQL does: now()::date is the session's
// date, timestamp '2024-01-01'::timestamptz its midnight.
func castZoned(mem memory.Allocator, arr arrow.Array, to arrow.DataType, loc *time.Location) (arrow.Array, error) {
	const day = int64(86_400_000_000)
	var micros func(int) int64
	switch a := arr.(type) {
	case *array.Timestamp:
		micros = func(i int) int64 { return int64(a.Value(i)) }
	case *array.Date32:
		micros = func(i int) int64 { return int64(a.Value(i)) * day }
	default:
		return nil, fmt.Errorf("cast %s to %s", arr.DataType(), to)
	}
	b := array.NewBuilder(mem, to)
	defer b.Release()
	for i := range arr.Len() {
		if arr.IsNull(i) {
			b.AppendNull()
			continue
		}
		v := micros(i)
		if isZoned(arr.DataType()) {
			// An instant to the wall clock at loc.
			local := v
			if loc != time.UTC {
				_, offset := time.UnixMicro(v).In(loc).Zone()
				local += int64(offset) * 1_000_000
			}
			switch bb := b.(type) {
			case *array.TimestampBuilder:
				bb.Append(arrow.Timestamp(local))
			case *array.Date32Builder:
				bb.Append(arrow.Date32(floorDiv(local, day)))
			case *array.Time64Builder:
				bb.Append(arrow.Time64(local - floorDiv(local, day)*day))
			}
			continue
		}
		// A wall-clock value at loc to its instant.
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(pgtext.WallToInstant(v, loc)))
	}
	return b.NewArray(), nil
}

func isPerValueNumeric(dt arrow.DataType) bool {
	_, ok := dt.(*pgtypes.NumericType)
	return ok
}

// castToPerValueNumeric gives integers and decimals a scale per value,
// each keeping the one it has (a decimal column's, 0 for an integer).
func castToPerValueNumeric(mem memory.Allocator, arr arrow.Array) (arrow.Array, error) {
	read, err := numReader(arr)
	if err != nil {
		return nil, err
	}
	b, err := newNumBuilder(mem, pgtypes.Numeric(), arr.Len())
	if err != nil {
		return nil, err
	}
	defer b.release()
	for i := range arr.Len() {
		n, ok, err := read(i)
		if err != nil {
			return nil, err
		}
		if !ok {
			b.appendNull()
			continue
		}
		if err := b.append(n); err != nil {
			return nil, err
		}
	}
	return b.newArray(), nil
}

// castFloatToPerValueNumeric converts floats to numeric as PostgreSQL
// does: to their shortest decimal of 15 significant digits (6 for real).
func castFloatToPerValueNumeric(mem memory.Allocator, arr arrow.Array) (arrow.Array, error) {
	get, digits := floatValues(arr)
	b := array.NewStringBuilder(mem)
	defer b.Release()
	var buf []byte
	for i := range arr.Len() {
		if arr.IsNull(i) {
			b.AppendNull()
			continue
		}
		v := get(i)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "cannot convert %v to numeric: NaN and infinity are not supported", v)
		}
		unscaled, scale, ok := pgtext.ParseNumeric(strconv.FormatFloat(v, 'g', digits, 64))
		if !ok {
			return nil, fmt.Errorf("cast %v to numeric", v)
		}
		if scale < 0 {
			unscaled.Mul(unscaled, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-scale)), nil))
			scale = 0
		}
		buf = pgtypes.AppendDecimal(buf[:0], unscaled, scale)
		b.BinaryBuilder.Append(buf)
	}
	str := b.NewArray()
	defer str.Release()
	return array.NewExtensionArrayWithStorage(pgtypes.Numeric(), str), nil
}

// castIntegerToDecimal checks each value against the decimal's precision,
// as PostgreSQL does (2::numeric(6,4) is 2.0000; 123::numeric(4,2)
// overflows), where Arrow's cast refuses any integer type whose widest
// value would not fit.
func castIntegerToDecimal(mem memory.Allocator, arr arrow.Array, to *arrow.Decimal128Type) (arrow.Array, error) {
	read, err := numReader(arr)
	if err != nil {
		return nil, err
	}
	b := array.NewDecimal128Builder(mem, to)
	defer b.Release()
	for i := range arr.Len() {
		n, ok, err := read(i)
		if err != nil {
			return nil, err
		}
		if !ok {
			b.AppendNull()
			continue
		}
		v, err := pgtext.Rescale(n.bigInt(), 0, to.Precision, to.Scale)
		if err != nil {
			return nil, err
		}
		b.Append(v)
	}
	return b.NewArray(), nil
}

// floatValues reads a float32 or float64 array's values as float64, with
// the significant digits PostgreSQL prints them with (6 for real, 15 for
// double precision).
func floatValues(arr arrow.Array) (get func(int) float64, digits int) {
	if f32, ok := arr.(*array.Float32); ok {
		return func(i int) float64 { return float64(f32.Value(i)) }, 6
	}
	return arr.(*array.Float64).Value, 15
}

func castFloat(mem memory.Allocator, arr arrow.Array, to arrow.DataType) (arrow.Array, error) {
	get, digits := floatValues(arr)
	b := array.NewBuilder(mem, to)
	defer b.Release()
	for i := range arr.Len() {
		if arr.IsNull(i) {
			b.AppendNull()
			continue
		}
		v := get(i)
		if d, ok := to.(*arrow.Decimal128Type); ok {
			// float8_numeric goes through the value's text with DBL_DIG
			// (FLT_DIG for real) significant digits.
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, pgerror.New(pgerror.FeatureNotSupported, "cannot convert %v to numeric", v)
			}
			unscaled, scale, _ := pgtext.ParseNumeric(strconv.FormatFloat(v, 'e', digits-1, 64))
			n, err := pgtext.Rescale(unscaled, scale, d.Precision, d.Scale)
			if err != nil {
				return nil, err
			}
			b.(*array.Decimal128Builder).Append(n)
			continue
		}
		r := math.RoundToEven(v) // rint()
		lo, hi := integerRange(to)
		if math.IsNaN(r) || r < float64(lo) || r >= -float64(lo) || r > float64(hi) && to.ID() != arrow.INT64 {
			return nil, pgerror.New(pgerror.NumericValueOutOfRange, "%s out of range", pgTypeName(to))
		}
		appendInt(b, int64(r))
	}
	return b.NewArray(), nil
}

// isJSON reports whether dt is json or jsonb.
func isJSON(dt arrow.DataType) bool {
	ext, ok := dt.(arrow.ExtensionType)
	return ok && (ext.ExtensionName() == "arrow.json" || ext.ExtensionName() == "riffq.jsonb")
}

// castJSON converts between json and jsonb: to jsonb the text becomes
// canonical; to json it stays.
func castJSON(mem memory.Allocator, arr arrow.Array, to arrow.DataType) (arrow.Array, error) {
	storage := arr.(array.ExtensionArray).Storage().(*array.String)
	if to.(arrow.ExtensionType).ExtensionName() == "arrow.json" {
		return array.NewExtensionArrayWithStorage(to.(arrow.ExtensionType), storage), nil
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for i := range storage.Len() {
		if storage.IsNull(i) {
			b.AppendNull()
			continue
		}
		canon, err := jsonb.Normalize(storage.Value(i))
		if err != nil {
			return nil, pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type json")
		}
		b.Append(canon)
	}
	out := b.NewArray()
	defer out.Release()
	return array.NewExtensionArrayWithStorage(to.(arrow.ExtensionType), out), nil
}

// castJSONScalar casts JSON numbers to numeric types and JSON booleans to
// boolean, as jsonb's casts do; any other JSON value is an error (22023).
func castJSONScalar(ctx context.Context, arr arrow.Array, to arrow.DataType) (arrow.Array, error) {
	mem := memory.DefaultAllocator
	storage := arr.(array.ExtensionArray).Storage().(*array.String)
	want := "numeric"
	if to.ID() == arrow.BOOL {
		want = "boolean"
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for i := range storage.Len() {
		if storage.IsNull(i) {
			b.AppendNull()
			continue
		}
		v := strings.TrimSpace(storage.Value(i))
		kind := "numeric"
		switch {
		case v == "":
		case v[0] == '{':
			kind = "object"
		case v[0] == '[':
			kind = "array"
		case v[0] == '"':
			kind = "string"
		case v == "true" || v == "false":
			kind = "boolean"
		case v == "null":
			kind = "null"
		}
		if kind != want {
			return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot cast jsonb %s to type %s", kind, pgTypeName(to))
		}
		b.Append(v)
	}
	text := b.NewStringArray()
	defer text.Release()
	if want == "boolean" || isPerValueNumeric(to) {
		return castFromText(mem, text, to, pgtext.Input{})
	}
	// Through numeric, so that 1.5 becomes the integer 2 as there.
	num, err := castFromText(mem, text, pgtypes.Numeric(), pgtext.Input{})
	if err != nil {
		return nil, err
	}
	defer num.Release()
	return Cast(ctx, num, to)
}

// castList casts an array's elements with Cast, keeping its offsets and
// NULLs. (Arrow's list cast runs on goroutines of its own, where a failure
// could not be recovered, and knows nothing of PostgreSQL's semantics.)
func castList(ctx context.Context, arr *array.List, to *arrow.ListType) (arrow.Array, error) {
	values, err := Cast(ctx, arr.ListValues(), to.Elem())
	if err != nil {
		return nil, err
	}
	defer values.Release()
	d := arr.Data()
	out := array.NewData(to, d.Len(), d.Buffers(), []arrow.ArrayData{values.Data()}, d.NullN(), d.Offset())
	defer out.Release()
	return array.MakeFromData(out), nil
}

func isPerValueNumericArray(arr arrow.Array) bool {
	_, ok := arr.(*pgtypes.NumericArray)
	return ok
}

// castNumericToFloat converts numeric values to the nearest float, as
// PostgreSQL's numeric_float8 does through the decimal text: dividing the
// unscaled integer by 10^scale in float arithmetic is exact only while
// both fit in float64's 53 bits (1.005 would become 1.0050000000000001).
func castNumericToFloat(mem memory.Allocator, arr arrow.Array, to arrow.DataType) (arrow.Array, error) {
	read, err := numReader(arr)
	if err != nil {
		return nil, err
	}
	bits := 64
	if to.ID() == arrow.FLOAT32 {
		bits = 32
	}
	b := array.NewBuilder(mem, to)
	defer b.Release()
	var buf []byte
	for i := range arr.Len() {
		n, ok, err := read(i)
		if err != nil {
			return nil, err
		}
		if !ok {
			b.AppendNull()
			continue
		}
		var f float64
		if n.big == nil && n.scale >= 0 && n.scale <= 22 && n.small > -(1<<53) && n.small < 1<<53 && bits == 64 {
			f = float64(n.small) / math.Pow10(int(n.scale)) // both exact: one correctly rounded division
		} else {
			buf = n.appendText(buf[:0])
			if f, err = strconv.ParseFloat(string(buf), bits); err != nil {
				return nil, pgerror.New(pgerror.NumericValueOutOfRange, "%q is out of range for type %s", buf, pgTypeName(to))
			}
		}
		if bits == 32 {
			b.(*array.Float32Builder).Append(float32(f))
		} else {
			b.(*array.Float64Builder).Append(f)
		}
	}
	return b.NewArray(), nil
}

// castPerValueNumeric converts numeric values with their own scales to a
// decimal column or an integer, rounding half away from zero as
// PostgreSQL's numeric casts do.
func castPerValueNumeric(mem memory.Allocator, arr arrow.Array, to arrow.DataType) (arrow.Array, error) {
	read, err := numReader(arr)
	if err != nil {
		return nil, err
	}
	if d, ok := to.(*arrow.Decimal128Type); ok {
		b, err := newNumBuilder(mem, d, arr.Len())
		if err != nil {
			return nil, err
		}
		defer b.release()
		for i := range arr.Len() {
			n, ok, err := read(i)
			if err != nil {
				return nil, err
			}
			if !ok {
				b.appendNull()
				continue
			}
			switch {
			case n.scale > d.Scale:
				n = numRound(n.bigInt(), bigPow10(n.scale-d.Scale), d.Scale)
			case n.scale < d.Scale:
				n = upscale(n, d.Scale-n.scale)
			}
			if digits := int32(len(new(big.Int).Abs(n.bigInt()).String())); n.sign() != 0 && digits > d.Precision {
				return nil, pgerror.New(pgerror.NumericValueOutOfRange, "numeric field overflow").
					WithDetail("A field with precision %d, scale %d must round to an absolute value less than 10^%d.", d.Precision, d.Scale, d.Precision-d.Scale)
			}
			if err := b.append(n); err != nil {
				return nil, err
			}
		}
		return b.newArray(), nil
	}
	lo, hi := integerRange(to)
	b := array.NewBuilder(mem, to)
	defer b.Release()
	for i := range arr.Len() {
		n, ok, err := read(i)
		if err != nil {
			return nil, err
		}
		if !ok {
			b.AppendNull()
			continue
		}
		r := n.bigInt()
		if n.scale > 0 {
			r = numRound(r, bigPow10(n.scale), 0).bigInt()
		} else if n.scale < 0 {
			r = new(big.Int).Mul(r, bigPow10(-n.scale))
		}
		if !r.IsInt64() || r.Int64() < lo || r.Int64() > hi {
			return nil, pgerror.New(pgerror.NumericValueOutOfRange, "%s out of range", pgTypeName(to))
		}
		appendInt(b, r.Int64())
	}
	return b.NewArray(), nil
}
