package postgres

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"

	"github.com/riffq/riffq/internal/pgbinary"
	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// Remote type OIDs that map to Arrow types beyond those of pgtypes.
const (
	nameOID    = 19
	bpcharOID  = 1042
	maxDecimal = 38 // Decimal128's precision
)

// Result formats of the extended protocol.
const (
	textFormat   int16 = 0
	binaryFormat int16 = 1
)

// column is one remote column: its Arrow type and how its values arrive.
type column struct {
	name     string
	remote   string // the remote type as format_type prints it
	typ      arrow.DataType
	nullable bool
	// padded marks char(n), sent with its padding: riffq compares it as
	// text, the remote server without trailing spaces, so filters on it
	// stay with riffq.
	padded bool
	format int16 // the result format asked of the remote server
	// appender returns the function that appends one non-null value, in
	// format, to b, a builder of typ.
	appender func(b array.Builder) func(v []byte) error
}

// newColumn maps a remote column to Arrow. Types riffq has no Arrow
// equivalent for (enums, geometric and network types, ranges, multi-dimensional
// use of arrays...) are served as text, in the remote server's text output.
func newColumn(name string, oid uint32, typmod int32, typeName string, nullable bool, elem uint32) column {
	c := column{name: name, remote: typeName, nullable: nullable, padded: oid == bpcharOID, format: binaryFormat}
	if elem != 0 {
		// Elements arrive in binary, so only types read in binary qualify.
		if et, app, ok := scalarType(elem, typmod); ok && !textValues(elem, et) {
			c.typ = arrow.ListOf(et)
			c.appender = listAppender(app)
			return c
		}
	} else if t, app, ok := scalarType(oid, typmod); ok {
		c.typ, c.appender = t, app
		if textValues(oid, t) {
			c.format = textFormat
		}
		return c
	}
	c.typ, c.format = arrow.BinaryTypes.String, textFormat
	c.appender = func(b array.Builder) func([]byte) error {
		sb := b.(*array.StringBuilder)
		return func(v []byte) error { sb.BinaryBuilder.Append(v); return nil }
	}
	return c
}

var be = binary.BigEndian

// storage returns the builder of an extension type's storage; arrow-go has
// its own builder types for some extensions, all with StorageBuilder.
func storage(b array.Builder) array.Builder {
	return b.(interface{ StorageBuilder() array.Builder }).StorageBuilder()
}

// textValues reports whether values of a type are read in text form: json
// and jsonb, whose text riffq stores as is, and numeric beyond Decimal128,
// which riffq stores as its canonical text.
func textValues(oid uint32, t arrow.DataType) bool {
	_, numeric := t.(*pgtypes.NumericType)
	return numeric || oid == pgtypes.JSONOID || oid == pgtypes.JSONBOID
}

// scalarType returns the Arrow type of a remote scalar type and the appender
// of its binary values (text values for json, jsonb and unconstrained
// numeric, whose text form is what riffq stores).
func scalarType(oid uint32, typmod int32) (arrow.DataType, func(array.Builder) func([]byte) error, bool) {
	fixed := func(n int, fn func(v []byte)) func([]byte) error {
		return func(v []byte) error {
			if len(v) != n {
				return pgerror.New(pgerror.ProtocolViolation, "remote sent %d bytes for a %d-byte value", len(v), n)
			}
			fn(v)
			return nil
		}
	}
	switch oid {
	case pgtypes.BoolOID:
		return arrow.FixedWidthTypes.Boolean, func(b array.Builder) func([]byte) error {
			bb := b.(*array.BooleanBuilder)
			return fixed(1, func(v []byte) { bb.Append(v[0] != 0) })
		}, true
	case pgtypes.Int2OID:
		return arrow.PrimitiveTypes.Int16, func(b array.Builder) func([]byte) error {
			ib := b.(*array.Int16Builder)
			return fixed(2, func(v []byte) { ib.Append(int16(be.Uint16(v))) })
		}, true
	case pgtypes.Int4OID:
		return arrow.PrimitiveTypes.Int32, func(b array.Builder) func([]byte) error {
			ib := b.(*array.Int32Builder)
			return fixed(4, func(v []byte) { ib.Append(int32(be.Uint32(v))) })
		}, true
	case pgtypes.Int8OID:
		return arrow.PrimitiveTypes.Int64, func(b array.Builder) func([]byte) error {
			ib := b.(*array.Int64Builder)
			return fixed(8, func(v []byte) { ib.Append(int64(be.Uint64(v))) })
		}, true
	case pgtypes.OIDOID:
		return pgtypes.OID(), func(b array.Builder) func([]byte) error {
			ub := storage(b).(*array.Uint32Builder)
			return fixed(4, func(v []byte) { ub.Append(be.Uint32(v)) })
		}, true
	case pgtypes.Float4OID:
		return arrow.PrimitiveTypes.Float32, func(b array.Builder) func([]byte) error {
			fb := b.(*array.Float32Builder)
			return fixed(4, func(v []byte) { fb.Append(math.Float32frombits(be.Uint32(v))) })
		}, true
	case pgtypes.Float8OID:
		return arrow.PrimitiveTypes.Float64, func(b array.Builder) func([]byte) error {
			fb := b.(*array.Float64Builder)
			return fixed(8, func(v []byte) { fb.Append(math.Float64frombits(be.Uint64(v))) })
		}, true
	case pgtypes.TextOID, pgtypes.VarcharOID, bpcharOID, nameOID:
		return arrow.BinaryTypes.String, func(b array.Builder) func([]byte) error {
			sb := b.(*array.StringBuilder)
			return func(v []byte) error { sb.BinaryBuilder.Append(v); return nil }
		}, true
	case pgtypes.ByteaOID:
		return arrow.BinaryTypes.Binary, func(b array.Builder) func([]byte) error {
			bb := b.(*array.BinaryBuilder)
			return func(v []byte) error { bb.Append(v); return nil }
		}, true
	case pgtypes.DateOID:
		return arrow.FixedWidthTypes.Date32, func(b array.Builder) func([]byte) error {
			db := b.(*array.Date32Builder)
			return func(v []byte) error {
				if len(v) != 4 {
					return pgerror.New(pgerror.ProtocolViolation, "remote sent %d bytes for a date", len(v))
				}
				d := int32(be.Uint32(v))
				if d == math.MaxInt32 || d == math.MinInt32 {
					return pgerror.New(pgerror.DatetimeFieldOverflow, "date infinity is not supported")
				}
				db.Append(arrow.Date32(d + pgEpochDays))
				return nil
			}
		}, true
	case pgtypes.TimeOID:
		return arrow.FixedWidthTypes.Time64us, func(b array.Builder) func([]byte) error {
			tb := b.(*array.Time64Builder)
			return fixed(8, func(v []byte) { tb.Append(arrow.Time64(be.Uint64(v))) })
		}, true
	case pgtypes.TimestampOID, pgtypes.TimestamptzOID:
		typ := &arrow.TimestampType{Unit: arrow.Microsecond}
		if oid == pgtypes.TimestamptzOID {
			typ.TimeZone = "UTC"
		}
		return typ, func(b array.Builder) func([]byte) error {
			tb := b.(*array.TimestampBuilder)
			return func(v []byte) error {
				if len(v) != 8 {
					return pgerror.New(pgerror.ProtocolViolation, "remote sent %d bytes for a timestamp", len(v))
				}
				us := int64(be.Uint64(v))
				if us == math.MaxInt64 || us == math.MinInt64 {
					return pgerror.New(pgerror.DatetimeFieldOverflow, "timestamp infinity is not supported")
				}
				tb.Append(arrow.Timestamp(us + pgEpochMicros))
				return nil
			}
		}, true
	case pgtypes.IntervalOID:
		return arrow.FixedWidthTypes.MonthDayNanoInterval, func(b array.Builder) func([]byte) error {
			ib := b.(*array.MonthDayNanoIntervalBuilder)
			return fixed(16, func(v []byte) {
				ib.Append(arrow.MonthDayNanoInterval{Nanoseconds: int64(be.Uint64(v)) * 1000, Days: int32(be.Uint32(v[8:])), Months: int32(be.Uint32(v[12:]))})
			})
		}, true
	case pgtypes.UUIDOID:
		return extensions.NewUUIDType(), func(b array.Builder) func([]byte) error {
			fb := storage(b).(*array.FixedSizeBinaryBuilder)
			return fixed(16, func(v []byte) { fb.Append(v) })
		}, true
	case pgtypes.JSONOID, pgtypes.JSONBOID:
		typ, _ := extensions.NewJSONType(arrow.BinaryTypes.String)
		return typ, func(b array.Builder) func([]byte) error {
			sb := storage(b).(*array.StringBuilder)
			return func(v []byte) error { sb.BinaryBuilder.Append(v); return nil }
		}, true
	case pgtypes.NumericOID:
		precision, scale := int32(-1), int32(0)
		if typmod >= 4 {
			precision, scale = (typmod-4)>>16, (typmod-4)&0xffff
		}
		if precision < 1 || precision > maxDecimal || scale > precision {
			return pgtypes.Numeric(), func(b array.Builder) func([]byte) error {
				sb := storage(b).(*array.StringBuilder)
				return func(v []byte) error { sb.BinaryBuilder.Append(v); return nil }
			}, true
		}
		return &arrow.Decimal128Type{Precision: precision, Scale: scale}, func(b array.Builder) func([]byte) error {
			db := b.(*array.Decimal128Builder)
			return func(v []byte) error {
				unscaled, s, err := pgbinary.DecodeNumeric(v)
				if err != nil {
					return pgerror.New(pgerror.FeatureNotSupported, "remote numeric: %v", err)
				}
				n, err := pgtext.Rescale(unscaled, s, precision, scale)
				if err != nil {
					return err
				}
				db.Append(n)
				return nil
			}
		}, true
	}
	return nil, nil, false
}

// pgEpochDays is 2000-01-01, PostgreSQL's epoch, in days since 1970-01-01.
const pgEpochDays = 10957

// pgEpochMicros is PostgreSQL's epoch in microseconds since 1970-01-01.
const pgEpochMicros = pgEpochDays * 86400 * 1_000_000

// listAppender decodes a one-dimensional array in binary form: ndim,
// has-null flag, element type, then per dimension its length and lower
// bound, then each element as a length (-1 for NULL) and its bytes.
func listAppender(elem func(array.Builder) func([]byte) error) func(array.Builder) func([]byte) error {
	return func(b array.Builder) func([]byte) error {
		lb := b.(*array.ListBuilder)
		vb := lb.ValueBuilder()
		appendElem := elem(vb)
		return func(v []byte) error {
			if len(v) < 12 {
				return pgerror.New(pgerror.ProtocolViolation, "remote sent a %d-byte array", len(v))
			}
			ndim := be.Uint32(v)
			if ndim == 0 {
				lb.Append(true)
				return nil
			}
			if ndim != 1 {
				return pgerror.New(pgerror.FeatureNotSupported, "remote array has %d dimensions; only one is supported", ndim)
			}
			if len(v) < 20 {
				return pgerror.New(pgerror.ProtocolViolation, "remote sent a %d-byte array", len(v))
			}
			n := int(int32(be.Uint32(v[12:])))
			v = v[20:]
			lb.Append(true)
			for range n {
				if len(v) < 4 {
					return pgerror.New(pgerror.ProtocolViolation, "remote array ends early")
				}
				size := int(int32(be.Uint32(v)))
				v = v[4:]
				if size < 0 {
					vb.AppendNull()
					continue
				}
				if size > len(v) {
					return pgerror.New(pgerror.ProtocolViolation, "remote array ends early")
				}
				if err := appendElem(v[:size]); err != nil {
					return err
				}
				v = v[size:]
			}
			return nil
		}
	}
}

// String describes the column for error messages.
func (c column) String() string { return fmt.Sprintf("%s %s", c.name, c.remote) }
