package catalog

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/sources"
)

// systemIndex finds a system relation by schema and name; it is built once
// from the generated list and never changes.
var systemIndex = func() map[[2]string]*systemRelation {
	m := make(map[[2]string]*systemRelation, len(systemRelations))
	for i := range systemRelations {
		r := &systemRelations[i]
		m[[2]string{r.schema, r.name}] = r
	}
	return m
}()

// builtinTypeIndex finds a built-in type's generated pg_type row by OID.
var builtinTypeIndex = func() map[int64][]any {
	m := make(map[int64][]any, len(builtinTypes))
	for _, row := range builtinTypes {
		oid, _ := strconv.ParseInt(row[0].(string), 10, 64)
		m[oid] = row
	}
	return m
}()

// pg_type columns read from the generated rows.
const (
	typNameCol   = 1
	typLenCol    = 4
	typByValCol  = 5
	typAlignCol  = 22
	typStoreCol  = 23
	typCollation = 28
)

// TypeName returns the pg_type name of a built-in type (int4, _text...).
func TypeName(oid int64) (string, bool) {
	row, ok := builtinTypeIndex[oid]
	if !ok {
		return "", false
	}
	return row[typNameCol].(string), true
}

// systemTables are one database's system tables, as of a registry version.
type systemTables struct {
	version uint64
	tables  map[[2]string]*Table
}

// systemTable returns system table schema.name of database db, building
// the system tables again if registrations changed them.
func (c *Catalog) systemTable(db, schema, name string) (*Table, bool) {
	if _, ok := systemIndex[[2]string{schema, name}]; !ok {
		return nil, false
	}
	// Most lookups find the tables built: a read lock suffices.
	c.mu.RLock()
	st := c.system[db]
	if st != nil && st.version == c.version {
		t, ok := st.tables[[2]string{schema, name}]
		c.mu.RUnlock()
		return t, ok
	}
	c.mu.RUnlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	st, err := c.systemLocked(db)
	if err != nil {
		// The generated definitions and the registry are both riffq's
		// own: a failure here is a bug.
		panic(fmt.Sprintf("catalog: building system tables: %v", err))
	}
	t, ok := st.tables[[2]string{schema, name}]
	return t, ok
}

// systemLocked returns the current system tables of sessions connected to
// database name db, building them if needed; c.mu is held for writing.
//
// Every name that is not a registered database serves the fallback
// database, and clients ask for many (psql the user's name, GUI tools
// postgres): such a name's tables are the fallback's, built once, with the
// database's name replaced where the catalog shows it.
func (c *Catalog) systemLocked(db string) (*systemTables, error) {
	if st := c.system[db]; st != nil && st.version == c.version {
		return st, nil
	}
	d := c.sessionDatabaseLocked(db)
	var tables map[[2]string]*Table
	var err error
	if db == "" || db == d.Name {
		tables, err = c.buildSystem(d)
	} else {
		var own *systemTables
		if own, err = c.systemLocked(d.Name); err == nil {
			tables, err = renamedSystem(own.tables, d.Name, db)
		}
	}
	if err != nil {
		return nil, err
	}
	for name, st := range c.system {
		if st.version != c.version {
			delete(c.system, name) // built for registrations since changed
		}
	}
	st := &systemTables{version: c.version, tables: tables}
	c.system[db] = st
	return st, nil
}

// renamedSystem derives the system tables that sessions connected to
// database name db see from those of the database they serve, built under
// that database's own name: db replaces it in pg_database and in
// information_schema's catalog columns, which always name the current
// database (PostgreSQL's views fill them with current_database()).
func renamedSystem(own map[[2]string]*Table, ownName, db string) (map[[2]string]*Table, error) {
	out := make(map[[2]string]*Table, len(own))
	for key, t := range own {
		renamed := *t
		renamed.Database = db
		if st, ok := t.Provider.(systemTable); ok {
			mt := st.MemTable
			var cols []int
			for i, f := range mt.Schema().Fields() {
				if (t.Schema == InformationSchema && (f.Name == "catalog_name" || strings.HasSuffix(f.Name, "_catalog"))) ||
					(t.Schema == PgCatalog && t.Name == "pg_database" && f.Name == "datname") {
					cols = append(cols, i)
				}
			}
			if len(cols) > 0 {
				p, err := replaceStrings(mt, cols, ownName, db)
				if err != nil {
					return nil, fmt.Errorf("%s.%s: %w", t.Schema, t.Name, err)
				}
				renamed.Provider = systemTable{p}
			}
		}
		out[key] = &renamed
	}
	return out, nil
}

// replaceStrings is mt with the values from of its string columns cols
// replaced by to.
func replaceStrings(mt *sources.MemTable, cols []int, from, to string) (*sources.MemTable, error) {
	var batches []arrow.RecordBatch
	for _, b := range mt.Batches() {
		arrays := slices.Clone(b.Columns())
		for _, c := range cols {
			in := arrays[c].(*array.String)
			sb := array.NewStringBuilder(memory.DefaultAllocator)
			for i := range in.Len() {
				switch {
				case in.IsNull(i):
					sb.AppendNull()
				case in.Value(i) == from:
					sb.Append(to)
				default:
					sb.Append(in.Value(i))
				}
			}
			arrays[c] = sb.NewArray()
			sb.Release()
			defer arrays[c].Release()
		}
		rb := array.NewRecordBatch(mt.Schema(), arrays, b.NumRows())
		defer rb.Release()
		batches = append(batches, rb)
	}
	return sources.NewMemTable(mt.Schema(), batches...)
}

// Warm builds the system tables of the default database and of the
// registered ones now, so that the first client's catalog queries do not
// wait for them; servers call it when they start.
func (c *Catalog) Warm() {
	c.mu.RLock()
	names := []string{c.fallback.Name}
	for name := range c.databases {
		names = append(names, name)
	}
	c.mu.RUnlock()
	for _, db := range names {
		c.systemTable(db, PgCatalog, "pg_class")
	}
	builtinLookups() // regproc names, function signatures
}

// userTable is a registered table with what the system tables say of it.
type userTable struct {
	*Table
	schemaOID uint32
	schema    *arrow.Schema
}

// buildSystem builds every system table of database d; c.mu is held.
func (c *Catalog) buildSystem(d *Database) (map[[2]string]*Table, error) {
	dbName := d.Name
	schemas := make([]*Schema, 0, len(d.schemas))
	for _, s := range d.schemas {
		schemas = append(schemas, s)
	}
	slices.SortFunc(schemas, func(a, b *Schema) int { return int(a.OID) - int(b.OID) })
	var tables []userTable
	for _, s := range schemas {
		names := make([]string, 0, len(s.tables))
		for n := range s.tables {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			t := s.tables[n]
			tables = append(tables, userTable{Table: t, schemaOID: s.OID, schema: listedColumns(t)})
		}
	}
	if c.builtins == nil {
		// The built-in functions and operators never change: read once.
		builtins, err := newBuiltinRows()
		if err != nil {
			return nil, err
		}
		c.builtins = builtins
	}
	b := &systemBuilder{db: d, dbName: dbName, schemas: schemas, tables: tables, builtins: c.builtins}
	out := make(map[[2]string]*Table, len(systemRelations))
	for i := range systemRelations {
		rel := &systemRelations[i]
		r := newRows(rel)
		if fill, ok := fillers[[2]string{rel.schema, rel.name}]; ok {
			fill(b, r)
		}
		hidden := 0
		if rel.kind == 'r' {
			// The catalog tables' xmin is the registry's version: clients
			// such as DataGrip read it to see what changed since they
			// last looked.
			r.addSystemColumn("xmin", "xid", arrow.PrimitiveTypes.Int64, int64(c.version))
			// tableoid: psql's \dL joins pg_description on it.
			r.addSystemColumn("tableoid", "oid", arrow.PrimitiveTypes.Int64, int64(rel.oid))
			hidden = 2
		}
		mt, err := r.table()
		if err != nil {
			return nil, err
		}
		out[[2]string{rel.schema, rel.name}] = &Table{Database: dbName, Schema: rel.schema, Name: rel.name, OID: rel.oid, Provider: systemTable{mt}, System: true, Hidden: hidden}
	}
	return out, nil
}

// systemTable is a system relation's rows. It reports its row count
// only: the tables are rebuilt whenever a registration changes, and
// column statistics over a few thousand rows would cost more to compute
// each time than they could save in plans.
type systemTable struct{ *sources.MemTable }

// Statistics implements sources.StatisticsProvider.
func (t systemTable) Statistics() sources.Statistics {
	var n int64
	for _, b := range t.Batches() {
		n += b.NumRows()
	}
	return sources.Statistics{RowCount: n}
}

// listedColumns are the columns the system tables list for t: a primary
// key's columns are NOT NULL there, as PostgreSQL makes them, even when
// the provider's schema allows nulls.
func listedColumns(t *Table) *arrow.Schema {
	schema := t.Columns()
	var fields []arrow.Field
	for _, k := range t.keys {
		if !k.Primary {
			continue
		}
		for _, c := range k.Columns {
			if schema.Field(c).Nullable {
				if fields == nil {
					fields = slices.Clone(schema.Fields())
				}
				fields[c].Nullable = false
			}
		}
	}
	if fields == nil {
		return schema
	}
	md := schema.Metadata()
	return arrow.NewSchema(fields, &md)
}

// systemBuilder holds what the fillers read.
type systemBuilder struct {
	db      *Database
	dbName  string
	schemas []*Schema
	tables  []userTable
	// builtins are the built-in functions' and operators' rows.
	builtins *builtinRows
}

// systemNamespaces are the schemas PostgreSQL always has.
var systemNamespaces = []struct {
	oid  uint32
	name string
}{{pgCatalogOID, PgCatalog}, {pgToastOID, "pg_toast"}, {infoSchemaOID, InformationSchema}}

// relationType describes a column type for pg_attribute.
type relationType struct {
	oid    int64
	typmod int32
	len    int64
	byval  bool
	align  string
	store  string
	coll   int64
	ndims  int
}

func columnType(f arrow.Field) relationType {
	t, err := pgtypes.FromField(f)
	if err != nil {
		t = pgtypes.Type{OID: pgtypes.TextOID, Name: "text", Len: -1, Mod: -1}
	}
	rt := relationType{oid: int64(t.OID), typmod: t.Mod, len: int64(t.Len), align: "i", store: "p"}
	if row, ok := builtinTypeIndex[rt.oid]; ok {
		rt.len, _ = strconv.ParseInt(row[typLenCol].(string), 10, 64)
		rt.byval = row[typByValCol].(string) == "t"
		rt.align = row[typAlignCol].(string)
		rt.store = row[typStoreCol].(string)
		rt.coll, _ = strconv.ParseInt(row[typCollation].(string), 10, 64)
	}
	if _, ok := f.Type.(arrow.ListLikeType); ok && pgtypes.Annotation(f) == "" { // vectors are not arrays
		rt.ndims = 1
	}
	return rt
}

// sqlTypeNames are the names format_type prints for types whose pg_type
// name differs.
var sqlTypeNames = map[string]string{
	"bool": "boolean", "int2": "smallint", "int4": "integer", "int8": "bigint", "float4": "real",
	"float8": "double precision", "varchar": "character varying", "bpchar": "character",
	"timestamp": "timestamp without time zone", "timestamptz": "timestamp with time zone",
	"time": "time without time zone", "timetz": "time with time zone", "varbit": "bit varying",
	"char": `"char"`, "any": `"any"`,
}

// typeAliases are the other names SQL's grammar gives types ('int'::regtype
// is integer).
var typeAliases = map[string]string{
	"int": "int4", "decimal": "numeric", "dec": "numeric", "float": "float8",
	"character": "bpchar", "char varying": "varchar",
}

// FormatType is PostgreSQL's format_type(oid, typmod): the SQL name of a
// type with its modifier; typmod < 0 means none. Unknown OIDs give "???".
func FormatType(oid int64, typmod int32) string {
	row, ok := builtinTypeIndex[oid]
	if !ok {
		return "???"
	}
	name := row[typNameCol].(string)
	const typCategoryCol, typElemCol, typStorageCol = 7, 13, 23
	// int2vector and oidvector, arrays stored plain, keep their names.
	if row[typCategoryCol].(string) == "A" && row[typStorageCol].(string) != "p" {
		elem, _ := strconv.ParseInt(row[typElemCol].(string), 10, 64)
		return FormatType(elem, typmod) + "[]"
	}
	if sql, ok := sqlTypeNames[name]; ok {
		name = sql
	}
	if typmod >= 0 {
		switch name {
		case "numeric":
			if typmod >= 4 {
				return fmt.Sprintf("numeric(%d,%d)", (typmod-4)>>16, (typmod-4)&0xffff)
			}
		case "character varying", "character":
			if typmod >= 4 {
				return fmt.Sprintf("%s(%d)", name, typmod-4)
			}
		case "timestamp without time zone", "timestamp with time zone", "time without time zone", "time with time zone":
			kind, zone, _ := strings.Cut(name, " ")
			return fmt.Sprintf("%s(%d) %s", kind, typmod, zone)
		}
	} else if name == "character" {
		return "bpchar"
	}
	return name
}

// TypeDisplayName is how a regtype value and a function's signature print a
// type (PostgreSQL's format_type_be): format_type's name, except that
// bpchar is character.
func TypeDisplayName(oid int64) string {
	if name := FormatType(oid, -1); name != "bpchar" {
		return name
	}
	return "character"
}

// TypeOID finds a built-in type by its pg_type name (int4, _text) or the
// SQL name format_type prints (integer, character varying), an array type
// also as its element's name with [] (text[], integer[]).
func TypeOID(name string) (int64, bool) {
	if elem, ok := strings.CutSuffix(name, "[]"); ok {
		oid, ok := TypeOID(strings.TrimSpace(elem))
		if !ok {
			return 0, false
		}
		en, _ := TypeName(oid)
		return TypeOID("_" + en)
	}
	if n, ok := typeAliases[name]; ok {
		name = n
	}
	for sqlName, pgName := range sqlTypeNames {
		if pgName == name || pgName == `"`+name+`"` {
			name = sqlName
			break
		}
	}
	for _, row := range builtinTypes {
		if row[typNameCol].(string) == name {
			oid, _ := strconv.ParseInt(row[0].(string), 10, 64)
			return oid, true
		}
	}
	return 0, false
}

// SchemaOID returns the OID of schema name in database db.
func (c *Catalog) SchemaOID(db, name string) (uint32, bool) {
	for _, n := range systemNamespaces {
		if n.name == name {
			return n.oid, true
		}
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	d := c.sessionDatabaseLocked(db)
	s, ok := d.schemas[name]
	if !ok {
		return 0, false
	}
	return s.OID, true
}

// ProcOID returns the OID of the built-in function a regproc value names
// (the lowest, for an overloaded name).
func ProcOID(name string) (int64, bool) {
	// regproc qualifies an overloaded name (pg_operator's oprcode
	// "pg_catalog.jsonb_delete"); every built-in is in pg_catalog.
	oid, ok := builtinLookups().procOIDs[strings.TrimPrefix(name, "pg_catalog.")]
	return oid, ok
}

// ProcName returns the name of a built-in function, as regproc prints it.
func ProcName(oid int64) (string, bool) {
	name, ok := builtinLookups().procNames[oid]
	return name, ok
}
