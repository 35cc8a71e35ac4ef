// Package pgbinary implements PostgreSQL's binary format of values (each
// type's send and recv functions) over Arrow data: results a client asked
// for in binary, and parameters it sent in binary.
package pgbinary

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/internal/jsonb"
	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// pgEpochDays is 2000-01-01, PostgreSQL's epoch, in days since 1970-01-01.
const pgEpochDays = 10957

// pgEpochMicros is PostgreSQL's epoch in microseconds since 1970-01-01.
const pgEpochMicros = pgEpochDays * 86400 * 1_000_000

// Encoder appends the binary form of row i of a column; never called for
// NULLs.
type Encoder func(buf []byte, i int) []byte

// NewEncoder returns the binary encoder for a column. The encoding follows
// the PostgreSQL type pgtypes.FromArrow assigns to the column's Arrow type,
// so an int8 Arrow column (smallint) is sent in two bytes.
func NewEncoder(col arrow.Array) (Encoder, error) {
	be := binary.BigEndian
	switch a := col.(type) {
	case *array.Boolean:
		return func(buf []byte, i int) []byte {
			if a.Value(i) {
				return append(buf, 1)
			}
			return append(buf, 0)
		}, nil
	case *array.Int8:
		return func(buf []byte, i int) []byte { return be.AppendUint16(buf, uint16(int16(a.Value(i)))) }, nil
	case *array.Uint8:
		return func(buf []byte, i int) []byte { return be.AppendUint16(buf, uint16(a.Value(i))) }, nil
	case *array.Int16:
		return func(buf []byte, i int) []byte { return be.AppendUint16(buf, uint16(a.Value(i))) }, nil
	case *array.Uint16:
		return func(buf []byte, i int) []byte { return be.AppendUint32(buf, uint32(a.Value(i))) }, nil
	case *array.Int32:
		return func(buf []byte, i int) []byte { return be.AppendUint32(buf, uint32(a.Value(i))) }, nil
	case *array.Uint32:
		return func(buf []byte, i int) []byte { return be.AppendUint64(buf, uint64(a.Value(i))) }, nil
	case *array.Int64:
		return func(buf []byte, i int) []byte { return be.AppendUint64(buf, uint64(a.Value(i))) }, nil
	case *array.Uint64:
		return func(buf []byte, i int) []byte {
			return AppendNumeric(buf, new(big.Int).SetUint64(a.Value(i)), 0)
		}, nil
	case *array.Float32:
		return func(buf []byte, i int) []byte { return be.AppendUint32(buf, math.Float32bits(a.Value(i))) }, nil
	case *array.Float64:
		return func(buf []byte, i int) []byte { return be.AppendUint64(buf, math.Float64bits(a.Value(i))) }, nil
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		return func(buf []byte, i int) []byte {
			v := a.Value(i)
			if hi, lo := v.HighBits(), v.LowBits(); (hi == 0 && lo <= math.MaxInt64) || (hi == -1 && lo > math.MaxInt64 && lo != 1<<63) {
				return appendNumericInt64(buf, int64(lo), scale)
			}
			return AppendNumeric(buf, v.BigInt(), scale)
		}, nil
	case *pgtypes.NumericArray:
		s := a.Storage().(*array.String)
		return func(buf []byte, i int) []byte {
			v, scale, _ := pgtext.ParseNumeric(s.Value(i))
			return AppendNumeric(buf, v, scale)
		}, nil
	case *array.String:
		return func(buf []byte, i int) []byte { return append(buf, a.Value(i)...) }, nil
	case *array.LargeString:
		return func(buf []byte, i int) []byte { return append(buf, a.Value(i)...) }, nil
	case *array.Binary:
		return func(buf []byte, i int) []byte { return append(buf, a.Value(i)...) }, nil
	case *array.LargeBinary:
		return func(buf []byte, i int) []byte { return append(buf, a.Value(i)...) }, nil
	case *array.Date32:
		return func(buf []byte, i int) []byte {
			if inf, sign := pgtext.InfiniteDate(a.Value(i)); inf {
				// PostgreSQL's are the ends of int32 too.
				end := int32(pgtext.InfiniteDays)
				if sign < 0 {
					end = pgtext.NegInfiniteDays
				}
				return be.AppendUint32(buf, uint32(end))
			}
			return be.AppendUint32(buf, uint32(int32(a.Value(i))-pgEpochDays))
		}, nil
	case *array.Timestamp:
		toMicros := microsConverter(a.DataType().(*arrow.TimestampType).Unit)
		return func(buf []byte, i int) []byte {
			if inf, sign := pgtext.InfiniteTimestamp(a.Value(i)); inf {
				end := int64(pgtext.InfiniteMicros) // the ends of int64, as PostgreSQL's
				if sign < 0 {
					end = pgtext.NegInfiniteMicros
				}
				return be.AppendUint64(buf, uint64(end))
			}
			return be.AppendUint64(buf, uint64(toMicros(int64(a.Value(i)))-pgEpochMicros))
		}, nil
	case *array.Time32:
		toMicros := microsConverter(a.DataType().(*arrow.Time32Type).Unit)
		return func(buf []byte, i int) []byte { return be.AppendUint64(buf, uint64(toMicros(int64(a.Value(i))))) }, nil
	case *array.Time64:
		toMicros := microsConverter(a.DataType().(*arrow.Time64Type).Unit)
		return func(buf []byte, i int) []byte { return be.AppendUint64(buf, uint64(toMicros(int64(a.Value(i))))) }, nil
	case *array.MonthDayNanoInterval:
		return func(buf []byte, i int) []byte {
			v := a.Value(i)
			return appendInterval(buf, v.Nanoseconds/1000, v.Days, v.Months)
		}, nil
	case *array.DayTimeInterval:
		return func(buf []byte, i int) []byte {
			v := a.Value(i)
			return appendInterval(buf, int64(v.Milliseconds)*1000, v.Days, 0)
		}, nil
	case *array.MonthInterval:
		return func(buf []byte, i int) []byte { return appendInterval(buf, 0, 0, int32(a.Value(i))) }, nil
	case *array.Duration:
		toMicros := microsConverter(a.DataType().(*arrow.DurationType).Unit)
		return func(buf []byte, i int) []byte { return appendInterval(buf, toMicros(int64(a.Value(i))), 0, 0) }, nil
	case *extensions.UUIDArray:
		st := a.Storage().(*array.FixedSizeBinary)
		return func(buf []byte, i int) []byte { return append(buf, st.Value(i)...) }, nil
	case *extensions.JSONArray:
		st := a.Storage().(*array.String)
		return func(buf []byte, i int) []byte { return append(buf, st.Value(i)...) }, nil
	case *pgtypes.JSONBArray:
		st := a.Storage().(*array.String)
		return func(buf []byte, i int) []byte { return append(append(buf, 1), st.Value(i)...) }, nil // version 1
	case *pgtypes.TimetzArray:
		// The time in microseconds, then the offset in seconds west.
		st := a.Storage().(*array.String)
		return func(buf []byte, i int) []byte {
			us, off, _ := pgtypes.SplitTimetz(st.Value(i))
			return be.AppendUint32(be.AppendUint64(buf, uint64(us)), uint32(int32(-off)))
		}, nil
	case *pgtypes.OIDArray:
		st := a.Storage().(*array.Uint32)
		return func(buf []byte, i int) []byte { return be.AppendUint32(buf, st.Value(i)) }, nil
	case array.ListLike:
		return newArrayEncoder(a)
	case *array.Struct:
		return newRecordEncoder(a)
	}
	return nil, fmt.Errorf("no binary encoding for arrow type %s", col.DataType())
}

// newRecordEncoder writes a struct as PostgreSQL's binary record: the
// field count, then each field's type OID and length-prefixed value (-1
// for NULL).
func newRecordEncoder(a *array.Struct) (Encoder, error) {
	n := a.NumField()
	encs := make([]Encoder, n)
	oids := make([]uint32, n)
	for f := range n {
		enc, err := NewEncoder(a.Field(f))
		if err != nil {
			return nil, err
		}
		encs[f] = enc
		oids[f] = pgtypes.TextOID
		if t, err := pgtypes.FromArrow(a.Field(f).DataType()); err == nil {
			oids[f] = t.OID
		}
	}
	be := binary.BigEndian
	return func(buf []byte, i int) []byte {
		buf = be.AppendUint32(buf, uint32(n))
		for f, enc := range encs {
			buf = be.AppendUint32(buf, oids[f])
			if a.Field(f).IsNull(i) {
				buf = be.AppendUint32(buf, 0xFFFFFFFF)
				continue
			}
			at := len(buf)
			buf = enc(be.AppendUint32(buf, 0), i)
			be.PutUint32(buf[at:], uint32(len(buf)-at-4))
		}
		return buf
	}, nil
}

func appendInterval(buf []byte, micros int64, days, months int32) []byte {
	buf = binary.BigEndian.AppendUint64(buf, uint64(micros))
	buf = binary.BigEndian.AppendUint32(buf, uint32(days))
	return binary.BigEndian.AppendUint32(buf, uint32(months))
}

// newArrayEncoder writes a list in array_send's format: dimensions, a
// has-null flag, the element type, then each element with its length.
func newArrayEncoder(a array.ListLike) (Encoder, error) {
	values := a.ListValues()
	if _, nested := values.(array.ListLike); nested {
		return nil, fmt.Errorf("multidimensional arrays are not supported")
	}
	elemType, err := pgtypes.FromArrow(values.DataType())
	if err != nil {
		return nil, err
	}
	elem, err := NewEncoder(values)
	if err != nil {
		return nil, err
	}
	return arrayEncoder(a, elemType.OID, elem, 1), nil
}

// arrayEncoder writes list a in array_send's format, its elements of type
// elemOID written by elem, its subscripts from lower.
func arrayEncoder(a array.ListLike, elemOID uint32, elem Encoder, lower uint32) Encoder {
	values := a.ListValues()
	be := binary.BigEndian
	return func(buf []byte, i int) []byte {
		start, end := a.ValueOffsets(i)
		hasNull := uint32(0)
		for j := start; j < end; j++ {
			if values.IsNull(int(j)) {
				hasNull = 1
				break
			}
		}
		if start == end {
			buf = be.AppendUint32(buf, 0) // an empty array has no dimensions
			buf = be.AppendUint32(buf, 0)
			return be.AppendUint32(buf, elemOID)
		}
		buf = be.AppendUint32(buf, 1)
		buf = be.AppendUint32(buf, hasNull)
		buf = be.AppendUint32(buf, elemOID)
		buf = be.AppendUint32(buf, uint32(end-start))
		buf = be.AppendUint32(buf, lower)
		for j := start; j < end; j++ {
			if values.IsNull(int(j)) {
				buf = be.AppendUint32(buf, 0xFFFFFFFF)
				continue
			}
			at := len(buf)
			buf = append(buf, 0, 0, 0, 0)
			buf = elem(buf, int(j))
			be.PutUint32(buf[at:], uint32(len(buf)-at-4))
		}
		return buf
	}
}

func microsConverter(unit arrow.TimeUnit) func(int64) int64 {
	switch unit {
	case arrow.Second:
		return func(v int64) int64 { return v * 1_000_000 }
	case arrow.Millisecond:
		return func(v int64) int64 { return v * 1000 }
	case arrow.Nanosecond:
		return func(v int64) int64 { return int64(math.Round(float64(v) / 1000)) }
	}
	return func(v int64) int64 { return v }
}

// AppendNumeric appends numeric's binary form of unscaled/10^scale: digit
// count, weight, sign and display scale, then base-10000 digits.
func AppendNumeric(buf []byte, unscaled *big.Int, scale int32) []byte {
	be := binary.BigEndian
	sign := uint16(0x0000)
	if unscaled.Sign() < 0 {
		sign = 0x4000
	}
	digits := new(big.Int).Abs(unscaled).String()
	if scale < 0 {
		digits += strings.Repeat("0", int(-scale))
		scale = 0
	}
	// Pad the integer part to whole groups on the left and the fraction to
	// whole groups on the right.
	intLen := len(digits) - int(scale)
	if intLen < 0 {
		digits = strings.Repeat("0", -intLen) + digits
		intLen = 0
	}
	lead := (4 - intLen%4) % 4
	digits = strings.Repeat("0", lead) + digits
	intLen += lead
	if frac := len(digits) - intLen; frac%4 != 0 {
		digits += strings.Repeat("0", 4-frac%4)
	}
	groups := make([]uint16, 0, len(digits)/4)
	for g := 0; g < len(digits); g += 4 {
		v := 0
		for _, c := range digits[g : g+4] {
			v = v*10 + int(c-'0')
		}
		groups = append(groups, uint16(v))
	}
	weight := intLen/4 - 1
	// Strip leading and trailing zero groups, as numeric stores them.
	for len(groups) > 0 && groups[0] == 0 {
		groups = groups[1:]
		weight--
	}
	for len(groups) > 0 && groups[len(groups)-1] == 0 {
		groups = groups[:len(groups)-1]
	}
	if len(groups) == 0 {
		weight = 0
		sign = 0
	}
	buf = be.AppendUint16(buf, uint16(len(groups)))
	buf = be.AppendUint16(buf, uint16(int16(weight)))
	buf = be.AppendUint16(buf, sign)
	buf = be.AppendUint16(buf, uint16(scale))
	for _, g := range groups {
		buf = be.AppendUint16(buf, g)
	}
	return buf
}

// appendNumericInt64 is AppendNumeric for an unscaled value that fits
// int64, without big-number arithmetic: the hot path of decimal columns.
func appendNumericInt64(buf []byte, unscaled int64, scale int32) []byte {
	if scale > 15 || unscaled == math.MinInt64 {
		// The fraction padded to whole base-10000 digits (up to
		// 10^(scale+3)) would overflow int64.
		return AppendNumeric(buf, big.NewInt(unscaled), scale)
	}
	be := binary.BigEndian
	sign := uint16(0)
	if unscaled < 0 {
		sign, unscaled = 0x4000, -unscaled
	}
	if unscaled == 0 || scale < 0 {
		if unscaled == 0 {
			buf = be.AppendUint64(buf, 0) // ndigits 0, weight 0, sign 0 ...
			return be.AppendUint16(buf[:len(buf)-2], uint16(max(scale, 0)))
		}
		return AppendNumeric(buf, big.NewInt(int64(sign>>14)*-2*unscaled+unscaled), scale)
	}
	// Split into integer and fraction at the decimal point, then pad the
	// fraction on the right to whole base-10000 digits.
	pow := int64(1)
	for range scale {
		pow *= 10
	}
	intPart, frac := unscaled/pow, unscaled%pow
	fracGroups := (int(scale) + 3) / 4
	for range fracGroups*4 - int(scale) {
		frac *= 10
	}
	var digits [16]uint16
	n := 0
	for intPart > 0 {
		digits[n] = uint16(intPart % 10000)
		intPart /= 10000
		n++
	}
	intGroups := n
	// reverse the integer groups into most-significant-first order
	for i, j := 0, n-1; i < j; i, j = i+1, j-1 {
		digits[i], digits[j] = digits[j], digits[i]
	}
	var fracDigits [8]uint16
	for k := fracGroups - 1; k >= 0; k-- {
		fracDigits[k] = uint16(frac % 10000)
		frac /= 10000
	}
	n += copy(digits[n:], fracDigits[:fracGroups])
	weight := intGroups - 1
	all := digits[:n]
	for len(all) > 0 && all[0] == 0 {
		all = all[1:]
		weight--
	}
	for len(all) > 0 && all[len(all)-1] == 0 {
		all = all[:len(all)-1]
	}
	buf = be.AppendUint16(buf, uint16(len(all)))
	buf = be.AppendUint16(buf, uint16(int16(weight)))
	buf = be.AppendUint16(buf, sign)
	buf = be.AppendUint16(buf, uint16(scale))
	for _, d := range all {
		buf = be.AppendUint16(buf, d)
	}
	return buf
}

// DecodeNumeric reads numeric's binary form into an unscaled value and its
// display scale.
func DecodeNumeric(b []byte) (*big.Int, int32, error) {
	be := binary.BigEndian
	if len(b) < 8 {
		return nil, 0, fmt.Errorf("numeric: %d bytes", len(b))
	}
	n, weight, sign, dscale := int(be.Uint16(b)), int(int16(be.Uint16(b[2:]))), be.Uint16(b[4:]), int32(be.Uint16(b[6:]))
	if len(b) != 8+2*n {
		return nil, 0, fmt.Errorf("numeric: %d digits in %d bytes", n, len(b))
	}
	if sign == 0xC000 || sign == 0xD000 || sign == 0xF000 {
		return nil, 0, fmt.Errorf("numeric NaN and infinity are not supported")
	}
	v := new(big.Int)
	tenK := big.NewInt(10000)
	for i := range n {
		v.Mul(v, tenK)
		v.Add(v, big.NewInt(int64(be.Uint16(b[8+2*i:]))))
	}
	// v holds digits d0..d(n-1) with d0 at 10000^weight; scale to dscale.
	exp := 4 * (weight - (n - 1)) // decimal exponent of the last digit
	shift := int(dscale) + exp
	switch {
	case shift > 0:
		v.Mul(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(shift)), nil))
	case shift < 0:
		v.Quo(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-shift)), nil))
	}
	if sign == 0x4000 {
		v.Neg(v)
	}
	return v, dscale, nil
}

// DecodeParam reads a parameter value sent in binary as type dt.
func DecodeParam(b []byte, dt arrow.DataType) (scalar.Scalar, error) {
	be := binary.BigEndian
	want := func(n int) error {
		if len(b) != n {
			return pgerror.New("22P03", "incorrect binary data format in bind parameter: %d bytes for %s", len(b), dt)
		}
		return nil
	}
	switch dt.ID() {
	case arrow.BOOL:
		if err := want(1); err != nil {
			return nil, err
		}
		return scalar.NewBooleanScalar(b[0] != 0), nil
	case arrow.INT16:
		if err := want(2); err != nil {
			return nil, err
		}
		return scalar.NewInt16Scalar(int16(be.Uint16(b))), nil
	case arrow.INT32:
		if err := want(4); err != nil {
			return nil, err
		}
		return scalar.NewInt32Scalar(int32(be.Uint32(b))), nil
	case arrow.INT64:
		if err := want(8); err != nil {
			return nil, err
		}
		return scalar.NewInt64Scalar(int64(be.Uint64(b))), nil
	case arrow.FLOAT32:
		if err := want(4); err != nil {
			return nil, err
		}
		return scalar.NewFloat32Scalar(math.Float32frombits(be.Uint32(b))), nil
	case arrow.FLOAT64:
		if err := want(8); err != nil {
			return nil, err
		}
		return scalar.NewFloat64Scalar(math.Float64frombits(be.Uint64(b))), nil
	case arrow.STRING:
		return scalar.NewStringScalar(string(b)), nil
	case arrow.BINARY:
		return scalar.NewBinaryScalar(memory.NewBufferBytes(append([]byte{}, b...)), dt), nil
	case arrow.DATE32:
		if err := want(4); err != nil {
			return nil, err
		}
		d := arrow.Date32(int32(be.Uint32(b)))
		if inf, _ := pgtext.InfiniteDate(d); inf {
			return scalar.NewDate32Scalar(d), nil
		}
		return scalar.NewDate32Scalar(d + pgEpochDays), nil
	case arrow.TIMESTAMP:
		if err := want(8); err != nil {
			return nil, err
		}
		raw := int64(be.Uint64(b))
		if inf, _ := pgtext.InfiniteTimestamp(arrow.Timestamp(raw)); inf {
			return scalar.NewTimestampScalar(arrow.Timestamp(raw), dt), nil
		}
		us := raw + pgEpochMicros
		tt := dt.(*arrow.TimestampType)
		t := time.UnixMicro(us).UTC()
		v, err := arrow.TimestampFromTime(t, tt.Unit)
		if err != nil {
			return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "timestamp out of range")
		}
		return scalar.NewTimestampScalar(v, dt), nil
	case arrow.DECIMAL128:
		v, scale, err := DecodeNumeric(b)
		if err != nil {
			return nil, pgerror.New("22P03", "invalid binary numeric: %v", err)
		}
		d := dt.(*arrow.Decimal128Type)
		if d.Scale == pgtext.Unconstrained {
			precision := max(int32(len(new(big.Int).Abs(v).String())), scale+1)
			if precision > pgtext.MaxNumericPrecision {
				return nil, pgerror.New(pgerror.FeatureNotSupported, "numeric parameter has more than %d digits", pgtext.MaxNumericPrecision)
			}
			return scalar.NewDecimal128Scalar(decimal128.FromBigInt(v), &arrow.Decimal128Type{Precision: precision, Scale: scale}), nil
		}
		n, err := pgtext.Rescale(v, scale, d.Precision, d.Scale)
		if err != nil {
			return nil, err
		}
		return scalar.NewDecimal128Scalar(n, dt), nil
	}
	switch typ := dt.(type) {
	case *arrow.Time64Type:
		if err := want(8); err != nil {
			return nil, err
		}
		us := int64(be.Uint64(b))
		if typ.Unit == arrow.Nanosecond {
			us *= 1000
		}
		return scalar.NewTime64Scalar(arrow.Time64(us), dt), nil
	case *arrow.MonthDayNanoIntervalType:
		if err := want(16); err != nil {
			return nil, err
		}
		return scalar.NewMonthDayNanoIntervalScalar(arrow.MonthDayNanoInterval{
			Nanoseconds: int64(be.Uint64(b)) * 1000, Days: int32(be.Uint32(b[8:])), Months: int32(be.Uint32(b[12:])),
		}), nil
	case *extensions.UUIDType:
		if err := want(16); err != nil {
			return nil, err
		}
		return scalar.NewExtensionScalar(scalar.NewFixedSizeBinaryScalar(memory.NewBufferBytes(append([]byte{}, b...)), typ.StorageType()), typ), nil
	case *pgtypes.JSONBType:
		if len(b) > 0 && b[0] == 1 { // jsonb's version byte
			b = b[1:]
		}
		canon, err := jsonb.Normalize(string(b))
		if err != nil {
			return nil, pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type json")
		}
		return scalar.NewExtensionScalar(scalar.NewStringScalar(canon), typ), nil
	case *extensions.JSONType:
		if len(b) > 0 && b[0] == 1 && !json.Valid(b) { // jsonb's version byte
			b = b[1:]
		}
		return scalar.NewExtensionScalar(scalar.NewStringScalar(string(b)), typ), nil
	case *pgtypes.TimetzType:
		if err := want(12); err != nil {
			return nil, err
		}
		text := pgtypes.AppendTimetz(nil, int64(be.Uint64(b)), -int(int32(be.Uint32(b[8:]))))
		return scalar.NewExtensionScalar(scalar.NewStringScalar(string(text)), typ), nil
	case *pgtypes.OIDType:
		if err := want(4); err != nil {
			return nil, err
		}
		return scalar.NewExtensionScalar(scalar.NewUint32Scalar(be.Uint32(b)), typ), nil
	case *arrow.ListType:
		if d, ok := typ.Elem().(*arrow.Decimal128Type); ok && d.Scale == pgtext.Unconstrained {
			// numeric[]: each element keeps its own scale, which one
			// decimal type cannot hold.
			typ = arrow.ListOf(pgtypes.Numeric())
		}
		return decodeArrayParam(b, typ)
	case *pgtypes.NumericType:
		v, scale, err := DecodeNumeric(b)
		if err != nil {
			return nil, pgerror.New("22P03", "invalid binary numeric: %v", err)
		}
		return scalar.NewExtensionScalar(scalar.NewStringScalar(string(pgtypes.AppendDecimal(nil, v, scale))), typ), nil
	}
	return nil, pgerror.New(pgerror.FeatureNotSupported, "binary parameters of type %s are not supported", dt)
}

// decodeArrayParam reads a one-dimensional array in binary form: ndim,
// has-null flag, element type, per dimension its length and lower bound,
// then each element as a length (-1 for NULL) and its bytes.
func decodeArrayParam(b []byte, typ *arrow.ListType) (scalar.Scalar, error) {
	bad := func(what string) error {
		return pgerror.New("22P03", "incorrect binary data format in array parameter: %s", what)
	}
	be := binary.BigEndian
	if len(b) < 12 {
		return nil, bad("too short")
	}
	ndim := be.Uint32(b)
	values := array.NewBuilder(memory.DefaultAllocator, typ.Elem())
	defer values.Release()
	switch {
	case ndim > 1:
		return nil, pgerror.New(pgerror.FeatureNotSupported, "multidimensional array parameters are not supported")
	case ndim == 1:
		if len(b) < 20 {
			return nil, bad("too short")
		}
		n := int(int32(be.Uint32(b[12:])))
		rest := b[20:]
		for range n {
			if len(rest) < 4 {
				return nil, bad("ends early")
			}
			size := int(int32(be.Uint32(rest)))
			rest = rest[4:]
			if size < 0 {
				values.AppendNull()
				continue
			}
			if size > len(rest) {
				return nil, bad("ends early")
			}
			v, err := DecodeParam(rest[:size], typ.Elem())
			if err != nil {
				return nil, err
			}
			rest = rest[size:]
			if !arrow.TypeEqual(v.DataType(), typ.Elem()) {
				// A decimal's own precision: the element type's.
				if d, ok := v.(*scalar.Decimal128); ok {
					v = scalar.NewDecimal128Scalar(d.Value, typ.Elem())
				}
			}
			if err := pgtypes.AppendScalar(values, v); err != nil {
				return nil, err
			}
		}
	}
	arr := values.NewArray()
	defer arr.Release()
	return scalar.NewListScalar(arr), nil
}
