package planner

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// The Arrow types riffq uses for PostgreSQL's built-in types.
var (
	typeBool        = arrow.FixedWidthTypes.Boolean
	typeInt2        = arrow.PrimitiveTypes.Int16
	typeInt4        = arrow.PrimitiveTypes.Int32
	typeInt8        = arrow.PrimitiveTypes.Int64
	typeFloat4      = arrow.PrimitiveTypes.Float32
	typeFloat8      = arrow.PrimitiveTypes.Float64
	typeText        = arrow.BinaryTypes.String
	typeBytea       = arrow.BinaryTypes.Binary
	typeDate        = arrow.FixedWidthTypes.Date32
	typeTimestamp   = &arrow.TimestampType{Unit: arrow.Microsecond}
	typeTimestamptz = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
)

// maxNumericPrecision is the most digits a decimal128 holds.
const maxNumericPrecision = 38

// typeName returns the name PostgreSQL's error messages use for dt.
func typeName(dt arrow.DataType) string {
	t, err := pgtypes.FromArrow(dt)
	if err != nil {
		return dt.String()
	}
	return t.Name
}

// resolveTypeName maps a SQL type name (as in a cast) to its Arrow type.
func resolveTypeName(tn *pg_query.TypeName, sql string) (arrow.DataType, error) {
	var name string
	if n := len(tn.Names); n > 0 {
		name = tn.Names[n-1].GetString_().GetSval()
	}
	if len(tn.ArrayBounds) > 0 {
		return nil, pgerror.New(pgerror.FeatureNotSupported, "array types are not supported yet").WithPosition(position(sql, tn.Location))
	}
	switch name {
	case "bool", "boolean":
		return typeBool, nil
	case "int2", "smallint":
		return typeInt2, nil
	case "int4", "integer", "int":
		return typeInt4, nil
	case "int8", "bigint":
		return typeInt8, nil
	case "float4", "real":
		return typeFloat4, nil
	case "float8":
		return typeFloat8, nil
	case "text", "varchar", "bpchar", "name":
		return typeText, nil
	case "bytea":
		return typeBytea, nil
	case "date":
		return typeDate, nil
	case "timestamp":
		return typeTimestamp, nil
	case "timestamptz":
		return typeTimestamptz, nil
	case "numeric", "decimal":
		precision, scale := int32(maxNumericPrecision), int32(-1)
		mods := tn.Typmods
		if len(mods) > 0 {
			precision = mods[0].GetAConst().GetIval().GetIval()
			scale = 0
		}
		if len(mods) > 1 {
			scale = mods[1].GetAConst().GetIval().GetIval()
		}
		if precision < 1 || precision > maxNumericPrecision {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "NUMERIC precision %d must be between 1 and %d", precision, maxNumericPrecision).WithPosition(position(sql, tn.Location))
		}
		if scale < 0 {
			// Unconstrained numeric: a value keeps its own scale; the
			// cast picks the scale from its input.
			return &arrow.Decimal128Type{Precision: precision, Scale: -1}, nil
		}
		return &arrow.Decimal128Type{Precision: precision, Scale: scale}, nil
	}
	return nil, pgerror.New("42704", "type %q does not exist", name).WithPosition(position(sql, tn.Location))
}

// numericLiteral types a numeric constant such as 1.50 as decimal128 with the
// literal's own precision and scale, as PostgreSQL's numeric keeps it.
func numericLiteral(s string) (scalar.Scalar, bool) {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, false
	}
	scale := int32(0)
	if i := strings.IndexByte(s, '.'); i >= 0 && !strings.ContainsAny(s, "eE") {
		scale = int32(len(s) - i - 1)
	}
	if !r.IsInt() && strings.ContainsAny(s, "eE") {
		// Exponent notation: enough scale to hold the value exactly.
		for d := new(big.Int).Set(r.Denom()); d.Cmp(big.NewInt(1)) > 0; d.Quo(d, big.NewInt(10)) {
			scale++
		}
	}
	scaled := new(big.Int).Mul(r.Num(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
	scaled.Quo(scaled, r.Denom())
	digits := int32(len(new(big.Int).Abs(scaled).String()))
	precision := max(digits, scale+1)
	if precision > maxNumericPrecision {
		return nil, false
	}
	return scalar.NewDecimal128Scalar(decimal128.FromBigInt(scaled), &arrow.Decimal128Type{Precision: precision, Scale: scale}), true
}

// parseLiteral converts the text of a constant to a value of type dt, as
// PostgreSQL's input functions do.
func parseLiteral(s string, dt arrow.DataType) (scalar.Scalar, error) {
	invalid := func() error {
		return pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type %s: %q", typeName(dt), s)
	}
	t := strings.TrimSpace(s)
	switch dt.ID() {
	case arrow.BOOL:
		switch strings.ToLower(t) {
		case "t", "tr", "tru", "true", "y", "ye", "yes", "on", "1":
			return scalar.NewBooleanScalar(true), nil
		case "f", "fa", "fal", "fals", "false", "n", "no", "of", "off", "0":
			return scalar.NewBooleanScalar(false), nil
		}
		return nil, invalid()
	case arrow.INT16, arrow.INT32, arrow.INT64:
		bits := map[arrow.Type]int{arrow.INT16: 16, arrow.INT32: 32, arrow.INT64: 64}[dt.ID()]
		v, err := strconv.ParseInt(t, 10, bits)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return nil, pgerror.New(pgerror.NumericValueOutOfRange, "value %q is out of range for type %s", s, typeName(dt))
			}
			return nil, invalid()
		}
		switch dt.ID() {
		case arrow.INT16:
			return scalar.NewInt16Scalar(int16(v)), nil
		case arrow.INT32:
			return scalar.NewInt32Scalar(int32(v)), nil
		}
		return scalar.NewInt64Scalar(v), nil
	case arrow.FLOAT32, arrow.FLOAT64:
		v, err := strconv.ParseFloat(t, 64)
		if err != nil && !(errors.Is(err, strconv.ErrRange) && math.IsInf(v, 0)) {
			return nil, invalid()
		}
		if dt.ID() == arrow.FLOAT32 {
			return scalar.NewFloat32Scalar(float32(v)), nil
		}
		return scalar.NewFloat64Scalar(v), nil
	case arrow.DECIMAL128:
		lit, ok := numericLiteral(t)
		if !ok {
			return nil, invalid()
		}
		want := dt.(*arrow.Decimal128Type)
		if want.Scale < 0 {
			return lit, nil
		}
		return castScalar(lit, dt)
	case arrow.STRING:
		return scalar.NewStringScalar(s), nil
	case arrow.BINARY:
		if strings.HasPrefix(s, `\x`) {
			b, err := hex.DecodeString(s[2:])
			if err != nil {
				return nil, invalid()
			}
			return scalar.NewBinaryScalar(memory.NewBufferBytes(b), dt), nil
		}
		return scalar.NewBinaryScalar(memory.NewBufferBytes([]byte(s)), dt), nil
	case arrow.DATE32:
		d, err := time.Parse("2006-01-02", t)
		if err != nil {
			return nil, pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type date: %q", s)
		}
		return scalar.NewDate32Scalar(arrow.Date32FromTime(d)), nil
	case arrow.TIMESTAMP:
		ts, _, err := arrow.TimestampFromStringInLocation(t, arrow.Microsecond, time.UTC)
		if err != nil {
			return nil, invalid()
		}
		return scalar.NewTimestampScalar(ts, dt), nil
	}
	return nil, pgerror.New(pgerror.FeatureNotSupported, "constants of type %s are not supported", typeName(dt))
}

// castScalar converts a constant to dt at plan time.
func castScalar(s scalar.Scalar, dt arrow.DataType) (scalar.Scalar, error) {
	if !s.IsValid() {
		return scalar.MakeNullScalar(dt), nil
	}
	if d, ok := dt.(*arrow.Decimal128Type); ok && d.Scale < 0 {
		dt = unconstrainedDecimal(s.DataType())
	}
	// Cast through the same Arrow kernel the engine uses at run time, so a
	// folded constant equals the value the query would compute.
	arr, err := scalar.MakeArrayFromScalar(s, 1, memory.DefaultAllocator)
	if err != nil {
		return nil, fmt.Errorf("cast constant: %w", err)
	}
	defer arr.Release()
	out, err := compute.CastArray(context.Background(), arr, compute.SafeCastOptions(dt))
	if err != nil {
		if strings.Contains(err.Error(), "invalid") && s.DataType().ID() == arrow.STRING {
			return nil, pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type %s: %q", typeName(dt), s.String())
		}
		return nil, pgerror.New(pgerror.NumericValueOutOfRange, "%s out of range", typeName(dt))
	}
	defer out.Release()
	return scalar.GetScalar(out, 0)
}

// unconstrainedDecimal is the decimal type a value of dt becomes when cast
// to numeric without a typmod.
func unconstrainedDecimal(dt arrow.DataType) arrow.DataType {
	switch t := dt.(type) {
	case *arrow.Decimal128Type:
		return t
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Uint8Type:
		return &arrow.Decimal128Type{Precision: 5, Scale: 0}
	case *arrow.Int32Type, *arrow.Uint16Type:
		return &arrow.Decimal128Type{Precision: 10, Scale: 0}
	case *arrow.Int64Type, *arrow.Uint32Type:
		return &arrow.Decimal128Type{Precision: 19, Scale: 0}
	}
	return &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: 16}
}
