package pgtypes

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// TypeMetadata is the Arrow field metadata key that names the PostgreSQL
// type of a column whose values riffq holds in a wider or plainer Arrow
// type: the emulated catalog's oid, xid, name, "char", int2vector and
// oidvector columns hold bigints, strings and lists. Clients see the named
// type in RowDescription (node-postgres parses an oid as a number but a
// bigint as a string; Npgsql and tokio-postgres check the type they
// read), and the binary format and the vectors' text format follow it.
// The planner keeps the key on plain column references, as PostgreSQL
// keeps a column's type; an expression over such a column has its Arrow
// type's PostgreSQL type.
const TypeMetadata = "riffq.pgtype"

// Catalog types a TypeMetadata value names.
const (
	NameOID       uint32 = 19
	CharOID       uint32 = 18
	XIDOID        uint32 = 28
	Int2VectorOID uint32 = 22
	OIDVectorOID  uint32 = 30
	VoidOID       uint32 = 2278
)

// annotatedType is a type TypeMetadata may name, with the Arrow storage
// it needs.
type annotatedType struct {
	typ     Type
	storage func(arrow.DataType) bool
}

// annotated are the types TypeMetadata names by a fixed name.
var annotated = map[string]annotatedType{
	"oid":        {Type{OIDOID, "oid", 4, -1}, isInteger},
	"xid":        {Type{XIDOID, "xid", 4, -1}, isInteger},
	"name":       {Type{NameOID, "name", 64, -1}, isString},
	`"char"`:     {Type{CharOID, `"char"`, 1, -1}, isString},
	"int2vector": {Type{Int2VectorOID, "int2vector", -1, -1}, isIntegerList},
	"oidvector":  {Type{OIDVectorOID, "oidvector", -1, -1}, isIntegerList},
	// information_schema's character_data and yes_or_no domains are
	// varchar underneath, as clients see them.
	"character varying":    {Type{VarcharOID, "character varying", -1, -1}, isString},
	"character varying(3)": {Type{VarcharOID, "character varying", -1, 3 + 4}, isString},
	// A computed numeric held in a decimal type, whose precision and
	// scale PostgreSQL would not report (+x, x::numeric); numeric(p,s)
	// has them (see annotation).
	"numeric": {Type{NumericOID, "numeric", -1, -1}, isDecimal},
	// bpchar without a length; character(n) has one (see annotation).
	// Its values are held padded with spaces to n, as PostgreSQL stores
	// them.
	"bpchar": {Type{BpcharOID, "character", -1, -1}, isString},
	// The result of a function that returns nothing (pg_sleep): an empty
	// string in text and binary alike, as PostgreSQL sends it.
	"void": {Type{VoidOID, "void", 4, -1}, isString},
}

func isInteger(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT32, arrow.INT64, arrow.UINT32:
		return true
	}
	return false
}

func isString(dt arrow.DataType) bool { return dt.ID() == arrow.STRING }

func isDecimal(dt arrow.DataType) bool { return dt.ID() == arrow.DECIMAL128 }

func isTimestamp(zoned bool) func(arrow.DataType) bool {
	return func(dt arrow.DataType) bool {
		ts, ok := dt.(*arrow.TimestampType)
		return ok && ts.Unit == arrow.Microsecond && (ts.TimeZone != "") == zoned
	}
}

func isTime(dt arrow.DataType) bool {
	t, ok := dt.(*arrow.Time64Type)
	return ok && t.Unit == arrow.Microsecond
}

func isIntegerList(dt arrow.DataType) bool {
	l, ok := dt.(*arrow.ListType)
	if !ok {
		return false
	}
	switch l.Elem().ID() {
	case arrow.INT16, arrow.INT32, arrow.INT64:
		return true
	}
	return false
}

// annotation returns what TypeMetadata value name stands for: one of
// annotated, character varying(n) or character(n) of any length n, the
// declared type of an in-memory table's varchar(n) or char(n) column (or
// of an expression's char(n) result), or numeric(p,s), a cast's.
func annotation(name string) (annotatedType, bool) {
	if a, ok := annotated[name]; ok {
		return a, true
	}
	var p, sc int32
	if _, err := fmt.Sscanf(name, "numeric(%d,%d)", &p, &sc); err == nil && p > 0 && sc >= 0 && name == fmt.Sprintf("numeric(%d,%d)", p, sc) {
		return annotatedType{Type{NumericOID, "numeric", -1, numericTypmod(p, sc)}, isDecimal}, true
	}
	for _, a := range []annotatedType{
		{Type{TimestampOID, "timestamp without time zone", 8, -1}, isTimestamp(false)},
		{Type{TimestamptzOID, "timestamp with time zone", 8, -1}, isTimestamp(true)},
		{Type{TimeOID, "time without time zone", 8, -1}, isTime},
	} {
		// timestamp(p), timestamptz(p), time(p): a declared precision.
		kind := map[uint32]string{TimestampOID: "timestamp", TimestamptzOID: "timestamptz", TimeOID: "time"}[a.typ.OID]
		var p int32
		if _, err := fmt.Sscanf(name, kind+"(%d)", &p); err == nil && p >= 0 && p <= 6 && name == fmt.Sprintf("%s(%d)", kind, p) {
			a.typ.Mod = p
			return a, true
		}
	}
	for _, t := range []Type{{VarcharOID, "character varying", -1, -1}, {BpcharOID, "character", -1, -1}} {
		var n int32
		if _, err := fmt.Sscanf(name, t.Name+"(%d)", &n); err == nil && n > 0 && name == fmt.Sprintf("%s(%d)", t.Name, n) {
			t.Mod = n + 4
			return annotatedType{t, isString}, true
		}
	}
	return annotatedType{}, false
}

// VarcharLength returns the length limit of a character varying(n)
// annotation, or 0.
func VarcharLength(f arrow.Field) int {
	if a, ok := annotation(Annotation(f)); ok && a.typ.OID == VarcharOID && a.typ.Mod > 4 {
		return int(a.typ.Mod - 4)
	}
	return 0
}

// Bpchar reports whether field f is PostgreSQL's character (bpchar) and
// its length n, 0 when it has none.
func Bpchar(f arrow.Field) (n int, ok bool) {
	a, ok := annotation(Annotation(f))
	if !ok || a.typ.OID != BpcharOID {
		return 0, false
	}
	return int(max(a.typ.Mod-4, 0)), true
}

// CharLength returns the length limit of a character varying(n) or
// character(n) field, or 0.
func CharLength(f arrow.Field) int {
	if n := VarcharLength(f); n > 0 {
		return n
	}
	n, _ := Bpchar(f)
	return n
}

// Annotate returns field f marked as PostgreSQL type name (one of oid,
// xid, name, "char", int2vector, oidvector, character varying[(n)],
// character(n), bpchar), or f
// unchanged when its Arrow type cannot hold that type's values.
func Annotate(f arrow.Field, name string) arrow.Field {
	a, ok := annotation(name)
	if !ok || !a.storage(f.Type) {
		return f
	}
	keys, values := f.Metadata.Keys(), f.Metadata.Values()
	if i := f.Metadata.FindKey(TypeMetadata); i >= 0 {
		values = append([]string(nil), values...)
		values[i] = name
	} else {
		keys = append(append([]string(nil), keys...), TypeMetadata)
		values = append(append([]string(nil), values...), name)
	}
	f.Metadata = arrow.NewMetadata(keys, values)
	return f
}

// Annotation returns the PostgreSQL type name TypeMetadata gives field f,
// "" when none (or one its Arrow type cannot hold).
func Annotation(f arrow.Field) string {
	i := f.Metadata.FindKey(TypeMetadata)
	if i < 0 {
		return ""
	}
	name := f.Metadata.Values()[i]
	if a, ok := annotation(name); ok && a.storage(f.Type) {
		return name
	}
	return ""
}

// FractionDigits is the p of a time(p) or timestamp(p) field (its
// annotation's typmod), -1 for a field without one.
func FractionDigits(f arrow.Field) int32 {
	a, ok := annotation(Annotation(f))
	if !ok {
		return -1
	}
	switch a.typ.OID {
	case TimeOID, TimestampOID, TimestamptzOID:
		return a.typ.Mod
	}
	return -1
}

// FromField returns the PostgreSQL type of a result column: the type its
// TypeMetadata names, or else its Arrow type's (FromArrow).
func FromField(f arrow.Field) (Type, error) {
	if name := Annotation(f); name != "" {
		a, _ := annotation(name)
		return a.typ, nil
	}
	return FromArrow(f.Type)
}

// Unannotate returns field f without a TypeMetadata key.
func Unannotate(f arrow.Field) arrow.Field {
	i := f.Metadata.FindKey(TypeMetadata)
	if i < 0 {
		return f
	}
	keys := append(append([]string(nil), f.Metadata.Keys()[:i]...), f.Metadata.Keys()[i+1:]...)
	values := append(append([]string(nil), f.Metadata.Values()[:i]...), f.Metadata.Values()[i+1:]...)
	f.Metadata = arrow.NewMetadata(keys, values)
	return f
}

// OriginMetadata is the Arrow field metadata key of a result column that
// reads a table column unchanged: "tableOID.attnum", what RowDescription
// reports (drivers show the table a column comes from, and read its
// nullability and defaults from the catalog by them).
const OriginMetadata = "riffq.origin"

// WithOrigin marks f as reading column attnum of the table with OID table.
func WithOrigin(f arrow.Field, table uint32, attnum int16) arrow.Field {
	keys := append(append([]string(nil), f.Metadata.Keys()...), OriginMetadata)
	values := append(append([]string(nil), f.Metadata.Values()...), fmt.Sprintf("%d.%d", table, attnum))
	f.Metadata = arrow.NewMetadata(keys, values)
	return f
}

// Origin returns the table column f reads unchanged (WithOrigin), zeros
// for a computed column.
func Origin(f arrow.Field) (table uint32, attnum int16) {
	i := f.Metadata.FindKey(OriginMetadata)
	if i < 0 {
		return 0, 0
	}
	if _, err := fmt.Sscanf(f.Metadata.Values()[i], "%d.%d", &table, &attnum); err != nil {
		return 0, 0
	}
	return table, attnum
}
