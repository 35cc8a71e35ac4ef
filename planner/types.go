package planner

import (
	"fmt"

	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/internal/pgtext"
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
	typeInterval    = arrow.FixedWidthTypes.MonthDayNanoInterval
	typeTime        = arrow.FixedWidthTypes.Time64us
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
		if len(tn.ArrayBounds) > 1 {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "multidimensional arrays are not supported yet").WithPosition(position(sql, tn.Location))
		}
		elem := &pg_query.TypeName{Names: tn.Names, Typmods: tn.Typmods, Location: tn.Location}
		et, err := resolveTypeName(elem, sql)
		if err != nil {
			return nil, err
		}
		return arrow.ListOf(et), nil
	}
	switch name {
	case "bool", "boolean":
		return typeBool, nil
	case "int2", "smallint":
		return typeInt2, nil
	case "int4", "integer", "int":
		return typeInt4, nil
	case "int8", "bigint", "xid", "xid8", "oid":
		// xid and oid are bigints in riffq's catalog (PREPARE f(oid),
		// pg_dump's; casts to oid are bindRegCast's).
		return typeInt8, nil
	case "float4", "real":
		return typeFloat4, nil
	case "float8":
		return typeFloat8, nil
	case "text", "varchar", "bpchar", "name", "char":
		if (name == "varchar" || name == "bpchar") && len(tn.Typmods) == 1 {
			switch n := tn.Typmods[0].GetAConst().GetIval().GetIval(); {
			case n < 1:
				return nil, pgerror.New("22023", "length for type %s must be at least 1", name).WithPosition(position(sql, tn.Location))
			case n > 10485760:
				return nil, pgerror.New("22023", "length for type %s cannot exceed 10485760", name).WithPosition(position(sql, tn.Location))
			}
		}
		return typeText, nil
	case "bytea":
		return typeBytea, nil
	case "date":
		return typeDate, nil
	case "timestamp":
		return typeTimestamp, nil
	case "timestamptz":
		return typeTimestamptz, nil
	case "interval":
		return typeInterval, nil
	case "time":
		return typeTime, nil
	case "timetz":
		return pgtypes.Timetz(), nil
	case "json":
		t, _ := extensions.NewJSONType(arrow.BinaryTypes.String)
		return t, nil
	case "jsonb":
		// jsonb is kept as its canonical text.
		return pgtypes.JSONB(), nil
	case "uuid":
		return extensions.NewUUIDType(), nil
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
		if len(mods) > 1 && scale < 0 {
			// PostgreSQL 15 rounds to tens, hundreds... with a negative
			// scale; riffq's scale -1 means unconstrained, so it says no
			// rather than not round.
			return nil, pgerror.New(pgerror.FeatureNotSupported, "NUMERIC scale %d is not supported: riffq's scales are 0 or more", scale).WithPosition(position(sql, tn.Location))
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

// declaredField returns f with the PostgreSQL type its declaration tn
// names when riffq stores it as a plainer Arrow type: varchar(n) is text
// underneath, but clients reflect a table's columns (an ORM comparing its
// models with the database, psql's \d) and see character varying(n),
// and writes longer than n fail (sources.WritableTable checks them).
func declaredField(f arrow.Field, tn *pg_query.TypeName) arrow.Field {
	if len(tn.Names) == 0 || len(tn.ArrayBounds) > 0 {
		return f
	}
	switch typ := tn.Names[len(tn.Names)-1].GetString_().GetSval(); typ {
	case "varchar", "bpchar":
		// char(n) values are held padded to n (bpchar.go).
		name, withLength := "character varying", "character varying(%d)"
		if typ == "bpchar" {
			name, withLength = "bpchar", "character(%d)"
		}
		if len(tn.Typmods) == 1 {
			if n := tn.Typmods[0].GetAConst().GetIval().GetIval(); n > 0 {
				name = fmt.Sprintf(withLength, n)
			}
		}
		return pgtypes.Annotate(f, name)
	case "oid", "xid", "name":
		// Held as bigints and text, seen as the catalog types.
		return pgtypes.Annotate(f, typ)
	case "time", "timestamp", "timestamptz":
		// time(p), timestamp(p): values written round to p digits, and
		// clients see the precision (RowDescription's typmod, \d).
		if len(tn.Typmods) == 1 {
			if p := tn.Typmods[0].GetAConst().GetIval().GetIval(); p >= 0 && p < 6 {
				f = pgtypes.Annotate(f, fmt.Sprintf("%s(%d)", typ, p))
			}
		}
	}
	return f
}

// storedType is the type a column declared as t holds: an unconstrained
// numeric, which in a cast takes its input's scale, keeps a scale per
// value in a table (pgtypes.NumericType), as PostgreSQL's numeric does.
func storedType(t arrow.DataType) arrow.DataType {
	switch d := t.(type) {
	case *arrow.Decimal128Type:
		if d.Scale < 0 {
			return pgtypes.Numeric()
		}
	case *arrow.ListType:
		if elem := storedType(d.Elem()); elem != d.Elem() {
			return arrow.ListOf(elem)
		}
	}
	return t
}

// numericLiteral types a numeric constant such as 1.50 as decimal128 with the
// literal's own precision and scale, as PostgreSQL's numeric keeps it.
func numericLiteral(s string) (scalar.Scalar, bool) {
	v, err := pgtext.Parse(s, &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: pgtext.Unconstrained})
	return v, err == nil
}

// parseLiteral converts the text of a constant to a value of type dt.
func parseLiteral(s string, dt arrow.DataType) (scalar.Scalar, error) {
	return pgtext.Parse(s, dt)
}

// castScalar converts a constant to dt at plan time, through the same cast
// the engine runs, so a folded constant equals the value a query computes.
func castScalar(s scalar.Scalar, dt arrow.DataType) (scalar.Scalar, error) {
	return engine.CastScalar(context.Background(), s, castTarget(s.DataType(), dt))
}

// castTarget is the type a value of type from becomes when cast to to:
// to itself, but numeric without a typmod (alone or as an array's
// element) takes its scale from the value (unconstrainedNumeric).
func castTarget(from, to arrow.DataType) arrow.DataType {
	if d, ok := to.(*arrow.Decimal128Type); ok && d.Scale < 0 {
		return unconstrainedNumeric(from)
	}
	if l, ok := to.(*arrow.ListType); ok {
		if d, ok := l.Elem().(*arrow.Decimal128Type); ok && d.Scale < 0 {
			var elem arrow.DataType = arrow.BinaryTypes.String // text: '{1.5,2}'
			if fl, ok := from.(arrow.ListLikeType); ok {
				elem = fl.Elem()
			}
			return arrow.ListOf(unconstrainedNumeric(elem))
		}
	}
	return to
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

// unconstrainedNumeric is the type a value of dt becomes when cast to
// numeric without a typmod: text and floats keep a scale per value (the
// text's, the shortest decimal's: '1.5'::numeric is 1.5), integers and
// decimals a fixed one.
func unconstrainedNumeric(dt arrow.DataType) arrow.DataType {
	switch dt.(type) {
	case *arrow.StringType, *arrow.Float32Type, *arrow.Float64Type:
		return pgtypes.Numeric()
	}
	if isPerValueNumeric(dt) || isJSONType(dt) {
		// numeric already, or a JSON number: each value keeps its scale.
		return pgtypes.Numeric()
	}
	return unconstrainedDecimal(dt)
}
