package catalog

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/sources"
)

// Schemas whose tables riffq emulates.
const (
	PgCatalog         = "pg_catalog"
	InformationSchema = "information_schema"
)

// OIDs PostgreSQL 15 gives its own objects, which clients may rely on.
const (
	pgCatalogOID  = 11
	publicOID     = 2200
	infoSchemaOID = 13207
	pgToastOID    = 99
	// OwnerOID is the role that owns every object: PostgreSQL's bootstrap
	// superuser.
	OwnerOID = 10
	// OwnerName is that role's name.
	OwnerName = "postgres"
	// DatabaseOwnerOID is pg_database_owner, the role that owns schema
	// public since PostgreSQL 15.
	DatabaseOwnerOID = 6171
	// DatabaseOwnerName is that role's name.
	DatabaseOwnerName = "pg_database_owner"
	// FirstUserOID is the first OID handed to registered objects, as in
	// PostgreSQL.
	FirstUserOID = 16384
)

// systemRelation is a pg_catalog or information_schema relation, as
// generated from PostgreSQL 15 into system_relations.go.
type systemRelation struct {
	oid     uint32
	schema  string
	name    string
	kind    byte // 'r' table or 'v' view
	columns []systemColumn
}

// systemColumn is a column with PostgreSQL's name of its type.
type systemColumn struct {
	name, typ string
}

// systemType maps a system column's PostgreSQL type to Arrow. OIDs (and
// reg* types but regproc) are bigint for now: the engine has no arithmetic
// and comparisons of its own for the oid type yet. regproc holds the
// function's name.
func systemType(pg string) arrow.DataType {
	switch pg {
	case "boolean":
		return arrow.FixedWidthTypes.Boolean
	case "smallint":
		return arrow.PrimitiveTypes.Int16
	case "integer":
		return arrow.PrimitiveTypes.Int32
	case "bigint", "oid", "xid", "regtype", "regclass":
		return arrow.PrimitiveTypes.Int64
	case "real":
		return arrow.PrimitiveTypes.Float32
	case "double precision":
		return arrow.PrimitiveTypes.Float64
	case "numeric":
		return pgtypes.Numeric()
	case "bytea":
		return arrow.BinaryTypes.Binary
	case "interval":
		return arrow.FixedWidthTypes.MonthDayNanoInterval
	case "text[]", "name[]", `"char"[]`, "aclitem[]":
		return arrow.ListOf(arrow.BinaryTypes.String)
	case "oid[]", "oidvector", "regtype[]":
		return arrow.ListOf(arrow.PrimitiveTypes.Int64)
	case "int2vector", "smallint[]":
		return arrow.ListOf(arrow.PrimitiveTypes.Int16)
	case "boolean[]":
		return arrow.ListOf(arrow.FixedWidthTypes.Boolean)
	case "real[]":
		return arrow.ListOf(arrow.PrimitiveTypes.Float32)
	case "double precision[]":
		return arrow.ListOf(arrow.PrimitiveTypes.Float64)
	}
	if strings.HasPrefix(pg, "timestamp") {
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	}
	return arrow.BinaryTypes.String // name, text, "char", varchar, regproc, pg_node_tree...
}

// RegprocMetadata marks a system table's regproc columns (field
// metadata): they hold a function's name, and compare with an OID as
// that function's OID, as PostgreSQL's regproc does.
const RegprocMetadata = "riffq.regproc"

// DomainMetadata names the domain of an information_schema column (field
// metadata) whose values riffq holds as the domain's base type:
// pg_typeof names the domain, as PostgreSQL's does.
const DomainMetadata = "riffq.domain"

// infoSchemaDomains are the information_schema domains over varchar.
var infoSchemaDomains = map[string]string{
	"character varying":    "information_schema.character_data",
	"character varying(3)": "information_schema.yes_or_no",
}

// systemSchema is the Arrow schema of a system relation.
func (r *systemRelation) schemaOf() *arrow.Schema {
	fields := make([]arrow.Field, len(r.columns))
	for i, c := range r.columns {
		fields[i] = pgtypes.Annotate(arrow.Field{Name: c.name, Type: systemType(c.typ), Nullable: true}, c.typ)
		if d, ok := infoSchemaDomains[c.typ]; ok && r.schema == InformationSchema {
			md := fields[i].Metadata
			fields[i].Metadata = arrow.NewMetadata(append(md.Keys(), DomainMetadata), append(md.Values(), d))
		}
		if c.typ == "regproc" {
			// Held as the function's name; the planner compares it with
			// OIDs through the name (RegprocMetadata).
			fields[i].Metadata = arrow.NewMetadata([]string{RegprocMetadata}, []string{"true"})
		}
	}
	return arrow.NewSchema(fields, nil)
}

// rows collects a system relation's rows by column name; columns left out
// are NULL, or in pg_catalog false and 0 for booleans and numbers, as
// PostgreSQL's catalogs hold them.
type rows struct {
	rel    *systemRelation
	schema *arrow.Schema
	index  map[string]int
	data   [][]any
	// static are rows built once and shared by every build (the
	// built-in functions), without the system columns.
	static []arrow.RecordBatch
	// system are the values of the system columns, for static's rows.
	system []any
}

func newRows(rel *systemRelation) *rows {
	r := &rows{rel: rel, schema: rel.schemaOf(), index: make(map[string]int, len(rel.columns))}
	for i, c := range rel.columns {
		r.index[c.name] = i
	}
	return r
}

// add appends a row given as alternating column names and values.
func (r *rows) add(kv ...any) {
	row := make([]any, len(r.rel.columns))
	for i := 0; i+1 < len(kv); i += 2 {
		name := kv[i].(string)
		j, ok := r.index[name]
		if !ok {
			panic(fmt.Sprintf("catalog: %s has no column %s", r.rel.name, name))
		}
		row[j] = kv[i+1]
	}
	r.data = append(r.data, row)
}

// addSystemColumn appends a column holding v in every row, after the
// relation's own columns.
func (r *rows) addSystemColumn(name, pgType string, dt arrow.DataType, v any) {
	fields := append(r.schema.Fields(), pgtypes.Annotate(arrow.Field{Name: name, Type: dt}, pgType))
	r.schema = arrow.NewSchema(fields, nil)
	for i := range r.data {
		r.data[i] = append(r.data[i], v)
	}
	r.system = append(r.system, v)
}

// table builds the relation's Arrow table.
func (r *rows) table() (*sources.MemTable, error) {
	rec, err := r.record()
	if err != nil {
		return nil, err
	}
	defer rec.Release()
	batches := []arrow.RecordBatch{rec}
	for _, st := range r.static {
		b, err := r.withSystemColumns(st)
		if err != nil {
			return nil, err
		}
		defer b.Release()
		batches = append(batches, b)
	}
	return sources.NewMemTable(r.schema, batches...)
}

// withSystemColumns is a static batch with the system columns' values
// added.
func (r *rows) withSystemColumns(st arrow.RecordBatch) (arrow.RecordBatch, error) {
	cols := slices.Clone(st.Columns())
	n := int(st.NumRows())
	for _, v := range r.system {
		b := array.NewBuilder(memory.DefaultAllocator, r.schema.Field(len(cols)).Type)
		for range n {
			if err := appendValue(b, v); err != nil {
				b.Release()
				return nil, err
			}
		}
		col := b.NewArray()
		b.Release()
		defer col.Release()
		cols = append(cols, col)
	}
	return array.NewRecordBatch(r.schema, cols, int64(n)), nil
}

// null is a NULL in a column where a nil value means zero (pg_catalog's,
// whose numbers are NOT NULL but in a few views).
type null struct{}

// record builds the relation's rows as one record batch.
func (r *rows) record() (arrow.RecordBatch, error) {
	b := array.NewRecordBuilder(memory.DefaultAllocator, r.schema)
	defer b.Release()
	for _, row := range r.data {
		for j, v := range row {
			if _, ok := v.(null); ok || v == nil && r.rel.schema == InformationSchema {
				// The information_schema views leave what does not
				// apply NULL, numbers included.
				b.Field(j).AppendNull()
				continue
			}
			if err := appendValue(b.Field(j), v); err != nil {
				return nil, fmt.Errorf("%s.%s: %w", r.rel.name, r.schema.Field(j).Name, err)
			}
		}
	}
	return b.NewRecordBatch(), nil
}

// appendValue appends a Go value, or PostgreSQL's text of one (the
// generated rows), to a builder.
func appendValue(b array.Builder, v any) error {
	if v == nil {
		switch b := b.(type) {
		case *array.BooleanBuilder:
			b.Append(false)
		case *array.Int16Builder:
			b.Append(0)
		case *array.Int32Builder:
			b.Append(0)
		case *array.Int64Builder:
			b.Append(0)
		case *array.Float32Builder:
			b.Append(0)
		case *array.Float64Builder:
			b.Append(0)
		default:
			b.AppendNull()
		}
		return nil
	}
	if s, ok := v.(string); ok {
		switch b := b.(type) {
		case *array.StringBuilder:
			b.Append(s)
		case *array.BooleanBuilder:
			b.Append(s == "t" || s == "true")
		case *array.Int16Builder, *array.Int32Builder, *array.Int64Builder:
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return err
			}
			return appendValue(b, n)
		case *array.Float32Builder, *array.Float64Builder:
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return err
			}
			return appendValue(b, f)
		case *array.ExtensionBuilder:
			b.StorageBuilder().(*array.StringBuilder).Append(s)
		default:
			return fmt.Errorf("text %q for a %s column", s, b.Type())
		}
		return nil
	}
	switch b := b.(type) {
	case *array.BooleanBuilder:
		b.Append(v.(bool))
	case *array.Int16Builder:
		b.Append(int16(toInt(v)))
	case *array.Int32Builder:
		b.Append(int32(toInt(v)))
	case *array.Int64Builder:
		b.Append(toInt(v))
	case *array.Float32Builder:
		b.Append(float32(v.(float64)))
	case *array.Float64Builder:
		b.Append(v.(float64))
	case *array.TimestampBuilder:
		b.Append(arrow.Timestamp(v.(time.Time).UnixMicro()))
	case *array.MonthDayNanoIntervalBuilder:
		b.Append(v.(arrow.MonthDayNanoInterval))
	case *array.ListBuilder:
		b.Append(true)
		switch vs := v.(type) {
		case []string:
			for _, s := range vs {
				b.ValueBuilder().(*array.StringBuilder).Append(s)
			}
		case []int64:
			for _, n := range vs {
				if err := appendValue(b.ValueBuilder(), n); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("%T for a list column", v)
		}
	default:
		return fmt.Errorf("%T for a %s column", v, b.Type())
	}
	return nil
}

func toInt(v any) int64 {
	switch n := v.(type) {
	case int:
		return int64(n)
	case int32:
		return int64(n)
	case uint32:
		return int64(n)
	case int64:
		return n
	}
	panic(fmt.Sprintf("catalog: %T is not an integer", v))
}
