// Package pgtypes maps Arrow data types to the PostgreSQL types clients see:
// OIDs, names and sizes for RowDescription and the catalog, plus the
// arbitrary-precision numeric extension type that Arrow lacks.
package pgtypes

import (
	"fmt"
	"math/big"
	"reflect"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
)

// OIDs of PostgreSQL's built-in types, as in pg_type.dat.
const (
	BoolOID        uint32 = 16
	ByteaOID       uint32 = 17
	Int8OID        uint32 = 20
	Int2OID        uint32 = 21
	Int4OID        uint32 = 23
	TextOID        uint32 = 25
	Float4OID      uint32 = 700
	Float8OID      uint32 = 701
	UnknownOID     uint32 = 705
	VarcharOID     uint32 = 1043
	BpcharOID      uint32 = 1042
	DateOID        uint32 = 1082
	TimeOID        uint32 = 1083
	TimestampOID   uint32 = 1114
	TimestamptzOID uint32 = 1184
	IntervalOID    uint32 = 1186
	NumericOID     uint32 = 1700
	UUIDOID        uint32 = 2950
	OIDOID         uint32 = 26
	JSONOID        uint32 = 114
	JSONBOID       uint32 = 3802
	RecordOID      uint32 = 2249
)

// arrayOIDs maps an element type's OID to its one-dimensional array type.
var arrayOIDs = map[uint32]struct {
	oid  uint32
	name string
}{
	BoolOID: {1000, "boolean[]"}, ByteaOID: {1001, "bytea[]"}, Int2OID: {1005, "smallint[]"},
	Int4OID: {1007, "integer[]"}, TextOID: {1009, "text[]"}, Int8OID: {1016, "bigint[]"},
	Float4OID: {1021, "real[]"}, Float8OID: {1022, "double precision[]"}, OIDOID: {1028, "oid[]"},
	DateOID: {1182, "date[]"}, TimeOID: {1183, "time without time zone[]"},
	TimestampOID: {1115, "timestamp without time zone[]"}, TimestamptzOID: {1185, "timestamp with time zone[]"},
	IntervalOID: {1187, "interval[]"}, NumericOID: {1231, "numeric[]"}, UUIDOID: {2951, "uuid[]"},
	JSONOID: {199, "json[]"}, JSONBOID: {3807, "jsonb[]"}, VarcharOID: {1015, "character varying[]"},
	RecordOID: {2287, "record[]"}, TimetzOID: {1270, "time with time zone[]"},
}

// ArrayOf returns the array type whose elements are of type elem.
func ArrayOf(elem Type) (Type, bool) {
	a, ok := arrayOIDs[elem.OID]
	if !ok {
		return Type{}, false
	}
	return Type{OID: a.oid, Name: a.name, Len: -1, Mod: -1}, true
}

// Type describes a PostgreSQL type as a client sees it in RowDescription.
type Type struct {
	OID  uint32
	Name string // the name format_type prints, e.g. "integer"
	Len  int16  // typlen: fixed size in bytes, or -1 for variable length
	Mod  int32  // typmod, -1 when none
}

// FromArrow returns the PostgreSQL type that represents values of dt.
func FromArrow(dt arrow.DataType) (Type, error) {
	switch t := dt.(type) {
	case *arrow.BooleanType:
		return Type{BoolOID, "boolean", 1, -1}, nil
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Uint8Type:
		return Type{Int2OID, "smallint", 2, -1}, nil
	case *arrow.Int32Type, *arrow.Uint16Type:
		return Type{Int4OID, "integer", 4, -1}, nil
	case *arrow.Int64Type, *arrow.Uint32Type:
		return Type{Int8OID, "bigint", 8, -1}, nil
	case *arrow.Uint64Type:
		return Type{NumericOID, "numeric", -1, -1}, nil
	case *arrow.Float16Type, *arrow.Float32Type:
		return Type{Float4OID, "real", 4, -1}, nil
	case *arrow.Float64Type:
		return Type{Float8OID, "double precision", 8, -1}, nil
	case *arrow.Decimal128Type:
		if t.Scale < 0 {
			return Type{NumericOID, "numeric", -1, -1}, nil
		}
		return Type{NumericOID, "numeric", -1, numericTypmod(t.Precision, t.Scale)}, nil
	case *arrow.Decimal256Type:
		return Type{NumericOID, "numeric", -1, numericTypmod(t.Precision, t.Scale)}, nil
	case *NumericType:
		return Type{NumericOID, "numeric", -1, -1}, nil
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		return Type{TextOID, "text", -1, -1}, nil
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.BinaryViewType, *arrow.FixedSizeBinaryType:
		return Type{ByteaOID, "bytea", -1, -1}, nil
	case *arrow.Date32Type, *arrow.Date64Type:
		return Type{DateOID, "date", 4, -1}, nil
	case *arrow.TimestampType:
		if t.TimeZone != "" {
			return Type{TimestamptzOID, "timestamp with time zone", 8, -1}, nil
		}
		return Type{TimestampOID, "timestamp without time zone", 8, -1}, nil
	case *arrow.NullType:
		return Type{TextOID, "text", -1, -1}, nil
	case *arrow.Time32Type, *arrow.Time64Type:
		return Type{TimeOID, "time without time zone", 8, -1}, nil
	case *arrow.MonthDayNanoIntervalType, *arrow.DayTimeIntervalType, *arrow.MonthIntervalType, *arrow.DurationType:
		return Type{IntervalOID, "interval", 16, -1}, nil
	case *extensions.UUIDType:
		return Type{UUIDOID, "uuid", 16, -1}, nil
	case *extensions.JSONType:
		return Type{JSONOID, "json", -1, -1}, nil
	case *JSONBType:
		return Type{JSONBOID, "jsonb", -1, -1}, nil
	case *OIDType:
		return Type{OIDOID, "oid", 4, -1}, nil
	case *TimetzType:
		return Type{TimetzOID, "time with time zone", 12, -1}, nil
	case *arrow.StructType:
		// A row value (ROW(...), a whole-row reference): an anonymous
		// record. Sources serve their struct columns as json instead.
		return Type{RecordOID, "record", -1, -1}, nil
	case *arrow.ListType, *arrow.LargeListType, *arrow.FixedSizeListType:
		elem, err := FromArrow(t.(arrow.ListLikeType).Elem())
		if err != nil {
			return Type{}, err
		}
		if a, ok := ArrayOf(elem); ok {
			return a, nil
		}
	}
	return Type{}, fmt.Errorf("arrow type %s has no PostgreSQL equivalent yet", dt)
}

func numericTypmod(precision, scale int32) int32 {
	return (precision<<16 | scale) + 4
}

// OIDType is an Arrow extension type for PostgreSQL's oid: an unsigned
// 32-bit object identifier, distinct from a plain integer so that clients
// see type oid.
type OIDType struct {
	arrow.ExtensionBase
}

// OID returns the oid extension type.
func OID() *OIDType {
	return &OIDType{ExtensionBase: arrow.ExtensionBase{Storage: arrow.PrimitiveTypes.Uint32}}
}

// OIDArray is an array of OIDType values.
type OIDArray struct {
	array.ExtensionArrayBase
}

// ArrayType implements arrow.ExtensionType.
func (*OIDType) ArrayType() reflect.Type { return reflect.TypeOf(OIDArray{}) }

// ExtensionName implements arrow.ExtensionType.
func (*OIDType) ExtensionName() string { return "riffq.oid" }

// String implements arrow.DataType.
func (*OIDType) String() string { return "oid" }

// Serialize implements arrow.ExtensionType.
func (*OIDType) Serialize() string { return "" }

// Deserialize implements arrow.ExtensionType.
func (*OIDType) Deserialize(storage arrow.DataType, _ string) (arrow.ExtensionType, error) {
	if !arrow.TypeEqual(storage, arrow.PrimitiveTypes.Uint32) {
		return nil, fmt.Errorf("riffq.oid: storage must be uint32, got %s", storage)
	}
	return OID(), nil
}

// ExtensionEquals implements arrow.ExtensionType.
func (*OIDType) ExtensionEquals(other arrow.ExtensionType) bool {
	return other.ExtensionName() == "riffq.oid"
}

// NumericType is an Arrow extension type for PostgreSQL's arbitrary-precision
// numeric. Arrow's decimals have one scale per column, while a numeric value
// carries its own display scale (avg(int) prints 1.5000000000000000 for one
// group and 12345.5000000000000000 for another), so values are stored as their
// canonical PostgreSQL text in a string array.
type NumericType struct {
	arrow.ExtensionBase
}

// Numeric returns the numeric extension type.
func Numeric() *NumericType {
	return &NumericType{ExtensionBase: arrow.ExtensionBase{Storage: arrow.BinaryTypes.String}}
}

// NumericArray is an array of NumericType values.
type NumericArray struct {
	array.ExtensionArrayBase
}

// ValueStr returns value i as PostgreSQL prints it.
func (a *NumericArray) ValueStr(i int) string {
	if a.IsNull(i) {
		return array.NullValueStr
	}
	return a.Storage().(*array.String).Value(i)
}

// ArrayType implements arrow.ExtensionType.
func (*NumericType) ArrayType() reflect.Type { return reflect.TypeOf(NumericArray{}) }

// String implements arrow.DataType.
func (*NumericType) String() string { return "numeric" }

// ExtensionName implements arrow.ExtensionType.
func (*NumericType) ExtensionName() string { return "riffq.numeric" }

// Serialize implements arrow.ExtensionType.
func (*NumericType) Serialize() string { return "" }

// Deserialize implements arrow.ExtensionType.
func (*NumericType) Deserialize(storage arrow.DataType, _ string) (arrow.ExtensionType, error) {
	if !arrow.TypeEqual(storage, arrow.BinaryTypes.String) {
		return nil, fmt.Errorf("riffq.numeric: storage must be utf8, got %s", storage)
	}
	return Numeric(), nil
}

// ExtensionEquals implements arrow.ExtensionType.
func (*NumericType) ExtensionEquals(other arrow.ExtensionType) bool {
	return other.ExtensionName() == "riffq.numeric"
}

// AppendDecimal appends the text of unscaled/10^scale with exactly scale
// fractional digits, as PostgreSQL prints numeric values.
func AppendDecimal(buf []byte, unscaled *big.Int, scale int32) []byte {
	if unscaled.Sign() < 0 {
		buf = append(buf, '-')
	}
	digits := new(big.Int).Abs(unscaled).Append(nil, 10)
	return appendScaledDigits(buf, digits, scale)
}

func appendScaledDigits(buf, digits []byte, scale int32) []byte {
	if scale <= 0 {
		buf = append(buf, digits...)
		for range -scale {
			buf = append(buf, '0')
		}
		return buf
	}
	s := int(scale)
	if len(digits) <= s {
		buf = append(buf, '0', '.')
		for range s - len(digits) {
			buf = append(buf, '0')
		}
		return append(buf, digits...)
	}
	buf = append(buf, digits[:len(digits)-s]...)
	buf = append(buf, '.')
	return append(buf, digits[len(digits)-s:]...)
}

// ToArrow returns the Arrow type riffq uses for values of the PostgreSQL
// type oid (as declared for a parameter); ok is false for types it does not
// handle and for 0 and unknown, which leave the type to be inferred.
// numeric has scale -1: each value keeps its own scale.
func ToArrow(oid uint32) (arrow.DataType, bool) {
	switch oid {
	case BoolOID:
		return arrow.FixedWidthTypes.Boolean, true
	case Int2OID:
		return arrow.PrimitiveTypes.Int16, true
	case Int4OID:
		return arrow.PrimitiveTypes.Int32, true
	case Int8OID:
		return arrow.PrimitiveTypes.Int64, true
	case Float4OID:
		return arrow.PrimitiveTypes.Float32, true
	case Float8OID:
		return arrow.PrimitiveTypes.Float64, true
	case NumericOID:
		return &arrow.Decimal128Type{Precision: 38, Scale: -1}, true
	case TextOID, VarcharOID, BpcharOID, 19 /* name */ :
		return arrow.BinaryTypes.String, true
	case ByteaOID:
		return arrow.BinaryTypes.Binary, true
	case DateOID:
		return arrow.FixedWidthTypes.Date32, true
	case TimestampOID:
		return &arrow.TimestampType{Unit: arrow.Microsecond}, true
	case TimestamptzOID:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, true
	case TimeOID:
		return arrow.FixedWidthTypes.Time64us, true
	case IntervalOID:
		return arrow.FixedWidthTypes.MonthDayNanoInterval, true
	case UUIDOID:
		return extensions.NewUUIDType(), true
	case JSONOID:
		t, _ := extensions.NewJSONType(arrow.BinaryTypes.String)
		return t, true
	case JSONBOID:
		return JSONB(), true
	case OIDOID:
		return OID(), true
	case TimetzOID:
		return Timetz(), true
	}
	for elem, a := range arrayOIDs {
		if a.oid == oid {
			if et, ok := ToArrow(elem); ok {
				return arrow.ListOf(et), true
			}
		}
	}
	return nil, false
}

// JSONBType is an Arrow extension type for PostgreSQL's jsonb: values are
// stored as their canonical text (keys sorted, duplicates dropped,
// PostgreSQL's spacing), which is also how jsonb prints. json, which keeps
// its text as written, is Arrow's own arrow.json extension.
type JSONBType struct {
	arrow.ExtensionBase
}

// JSONB returns the jsonb extension type.
func JSONB() *JSONBType {
	return &JSONBType{ExtensionBase: arrow.ExtensionBase{Storage: arrow.BinaryTypes.String}}
}

// JSONBArray is an array of JSONBType values.
type JSONBArray struct {
	array.ExtensionArrayBase
}

// ValueStr returns value i's text.
func (a *JSONBArray) ValueStr(i int) string {
	if a.IsNull(i) {
		return array.NullValueStr
	}
	return a.Storage().(*array.String).Value(i)
}

// ArrayType implements arrow.ExtensionType.
func (*JSONBType) ArrayType() reflect.Type { return reflect.TypeOf(JSONBArray{}) }

// String implements arrow.DataType.
func (*JSONBType) String() string { return "jsonb" }

// ExtensionName implements arrow.ExtensionType.
func (*JSONBType) ExtensionName() string { return "riffq.jsonb" }

// Serialize implements arrow.ExtensionType.
func (*JSONBType) Serialize() string { return "" }

// Deserialize implements arrow.ExtensionType.
func (*JSONBType) Deserialize(storage arrow.DataType, _ string) (arrow.ExtensionType, error) {
	if !arrow.TypeEqual(storage, arrow.BinaryTypes.String) {
		return nil, fmt.Errorf("riffq.jsonb: storage must be utf8, got %s", storage)
	}
	return JSONB(), nil
}

// ExtensionEquals implements arrow.ExtensionType.
func (*JSONBType) ExtensionEquals(other arrow.ExtensionType) bool {
	return other.ExtensionName() == "riffq.jsonb"
}
