// Package catalog is the registry of databases, schemas and tables that
// queries resolve names against.
package catalog

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/sources"
)

// DefaultSchema is the schema unqualified names resolve to.
const DefaultSchema = "public"

// Catalog holds databases. It is safe for concurrent use; registrations may
// happen while queries run.
type Catalog struct {
	mu        sync.RWMutex
	databases map[string]*Database
	// fallback serves sessions whose database name is not registered: a
	// server that registers no database serves its tables under any name.
	fallback *Database
	// nextOID is the OID the next registered object gets: OIDs are stable
	// for a given order of registrations.
	nextOID uint32
	// version counts registrations; system tables built for an older
	// version are rebuilt.
	version uint64
	system  map[string]*systemTables // by the session's database name
	// builtins holds the built-in functions' and operators' rows,
	// built once (c.mu guards it).
	builtins *builtinRows
	// started is when the catalog was made: the server's start, for
	// pg_postmaster_start_time.
	started time.Time
}

// StartTime is when the catalog, and so the server, started.
func (c *Catalog) StartTime() time.Time { return c.started }

// Database is a named set of schemas.
type Database struct {
	Name    string
	OID     uint32
	schemas map[string]*Schema
}

// Schema is a named set of tables.
type Schema struct {
	Name   string
	OID    uint32
	tables map[string]*Table
	// comment is the schema's description (COMMENT ON SCHEMA).
	comment string
}

// Table is a registered table.
type Table struct {
	Database string
	Schema   string
	Name     string
	OID      uint32
	Provider sources.TableProvider
	// System marks the emulated pg_catalog and information_schema tables.
	System bool
	// View is set for a view (CREATE VIEW); it has no Provider then.
	View *View
	// Hidden is the number of trailing columns of the provider's schema
	// that are system columns (xmin of the pg_catalog tables): reachable
	// by name, left out of SELECT *.
	Hidden int
	// keys are the provider's primary and unique keys (sources.KeyProvider)
	// with the OIDs of their index and constraint.
	keys []tableKey
	// checks are the table's CHECK constraints (sources.CheckConstrainer).
	checks []tableCheck
	// fks are the table's FOREIGN KEY constraints
	// (sources.ForeignKeyProvider).
	fks []tableFK
	// indexes are the provider's indexes (sources.Indexer: CREATE INDEX)
	// with their OIDs.
	indexes []tableIndex
	// defaults are the columns' DEFAULT expressions
	// (sources.ColumnDefaulter), with their pg_attrdef OIDs.
	defaults []columnDefault
	// comment and columnComments (by column index) are the table's
	// descriptions (TableInfo, COMMENT ON); c.mu guards them.
	comment        string
	columnComments map[int]string
}

// TableInfo is what a registration tells about a table beyond its
// provider's schema. Clients show it: psql's \d+, the comments and keys of
// DBeaver's and DataGrip's trees, JDBC's getPrimaryKeys.
type TableInfo struct {
	// Comment describes the table (obj_description, pg_description).
	Comment string
	// ColumnComments describe columns, by column name (col_description).
	ColumnComments map[string]string
	// PrimaryKey names the columns of the table's primary key. It is
	// declared, not checked: riffq does not verify that the data is
	// unique, as the data is not riffq's to constrain. The catalog lists it
	// (pg_constraint, pg_index, information_schema) and its columns as NOT
	// NULL, as PostgreSQL does.
	PrimaryKey []string
}

// columnDefault is a column's DEFAULT as the catalog lists it.
type columnDefault struct {
	column int
	text   string
	oid    uint32
}

// tableCheck is a table's CHECK constraint as the catalog lists it.
type tableCheck struct {
	sources.CheckConstraint
	oid uint32
}

// tableFK is a table's FOREIGN KEY constraint as the catalog lists it.
type tableFK struct {
	sources.ForeignKey
	oid uint32
}

// syncChecksLocked reads the provider's CHECK constraints again, keeping
// the OIDs of those it had.
func (c *Catalog) syncChecksLocked(t *Table) {
	cc, ok := t.Provider.(sources.CheckConstrainer)
	if !ok {
		return
	}
	old := make(map[string]uint32)
	for _, ck := range t.checks {
		old[ck.Name] = ck.oid
	}
	t.checks = nil
	for _, ck := range cc.CheckConstraints() {
		oid, ok := old[ck.Name]
		if !ok {
			oid = c.assignOID()
		}
		t.checks = append(t.checks, tableCheck{CheckConstraint: ck, oid: oid})
	}
}

// syncForeignKeysLocked reads the provider's foreign keys again, keeping
// the OIDs of those it had.
func (c *Catalog) syncForeignKeysLocked(t *Table) {
	fp, ok := t.Provider.(sources.ForeignKeyProvider)
	if !ok {
		return
	}
	old := make(map[string]uint32)
	for _, fk := range t.fks {
		old[fk.Name] = fk.oid
	}
	t.fks = nil
	for _, fk := range fp.ForeignKeys() {
		oid, ok := old[fk.Name]
		if !ok {
			oid = c.assignOID()
		}
		t.fks = append(t.fks, tableFK{ForeignKey: fk, oid: oid})
	}
}

// tableKey is a table's key as the catalog lists it.
type tableKey struct {
	sources.UniqueKey
	indexOID, constraintOID uint32
	// declared marks a key the registration declared (riffq.PrimaryKey),
	// not the provider.
	declared bool
}

// indexKey describes an index of CREATE INDEX as a Key.
func (t *Table) indexKey(ix tableIndex) Key {
	key := Key{Schema: t.Schema, Table: t.Name, Name: ix.Name, IndexOID: ix.oid, Index: &ix.Index}
	fields := t.Provider.Schema().Fields()
	for _, col := range ix.Columns {
		key.Columns = append(key.Columns, fields[col].Name)
	}
	return key
}

// tableIndex is an index of CREATE INDEX as the catalog lists it.
type tableIndex struct {
	sources.Index
	oid uint32
}

// syncIndexesLocked reads the provider's indexes again, keeping the OIDs
// of those the table had; c.mu is held.
func (c *Catalog) syncIndexesLocked(t *Table) {
	ix, ok := t.Provider.(sources.Indexer)
	if !ok {
		return
	}
	old := make(map[string]uint32)
	for _, i := range t.indexes {
		old[i.Name] = i.oid
	}
	t.indexes = nil
	for _, i := range ix.Indexes() {
		oid, ok := old[i.Name]
		if !ok {
			oid = c.assignOID()
		}
		t.indexes = append(t.indexes, tableIndex{Index: i, oid: oid})
	}
}

// newTableLocked makes a registered table, with OIDs for it and its keys;
// c.mu is held.
func (c *Catalog) newTableLocked(db, schema, name string, p sources.TableProvider, info TableInfo) (*Table, error) {
	fields := p.Schema().Fields()
	column := func(col string) (int, error) {
		for i, f := range fields {
			if f.Name == col {
				return i, nil
			}
		}
		return 0, fmt.Errorf("table %s.%s has no column %q", schema, name, col)
	}
	var (
		pk       []int
		comments map[int]string
	)
	for _, col := range info.PrimaryKey {
		i, err := column(col)
		if err != nil {
			return nil, fmt.Errorf("primary key: %w", err)
		}
		if slices.Contains(pk, i) {
			return nil, fmt.Errorf("primary key of %s.%s names column %q twice", schema, name, col)
		}
		pk = append(pk, i)
	}
	for col, text := range info.ColumnComments {
		i, err := column(col)
		if err != nil {
			return nil, fmt.Errorf("column comment: %w", err)
		}
		if text != "" {
			if comments == nil {
				comments = make(map[int]string)
			}
			comments[i] = text
		}
	}
	t := &Table{Database: db, Schema: schema, Name: name, OID: c.assignOID(), Provider: p, comment: info.Comment, columnComments: comments}
	if cd, ok := p.(sources.ColumnDefaulter); ok {
		for i, text := range cd.ColumnDefaults() {
			if text != "" {
				t.defaults = append(t.defaults, columnDefault{column: i, text: text, oid: c.assignOID()})
			}
		}
	}
	c.syncKeysLocked(t)
	c.syncChecksLocked(t)
	c.syncForeignKeysLocked(t)
	c.syncIndexesLocked(t)
	if len(pk) > 0 {
		for _, k := range t.keys {
			if k.Primary {
				return nil, fmt.Errorf("table %s.%s: its provider declares a primary key already", schema, name)
			}
		}
		k := sources.UniqueKey{Name: name + "_pkey", Columns: pk, Primary: true}
		t.keys = append([]tableKey{{UniqueKey: k, indexOID: c.assignOID(), constraintOID: c.assignOID(), declared: true}}, t.keys...)
	}
	return t, nil
}

// Key is a table's primary or unique key, or an index of CREATE INDEX
// (ConstraintOID 0), for the catalog functions that describe one
// (pg_get_indexdef, pg_get_constraintdef).
type Key struct {
	Schema, Table, Name     string
	Columns                 []string
	Primary                 bool
	IndexOID, ConstraintOID uint32
	// Index is the index of CREATE INDEX the key stands for, nil for a
	// constraint's.
	Index *sources.Index
	// Definition is a CHECK or FOREIGN KEY constraint's definition; such
	// a "key" has no index and no columns.
	Definition string
}

// IndexDef is pg_get_indexdef's text for the key's index. Pretty, as
// pg_get_indexdef's pretty flag, leaves out the schema of a table on the
// search path.
func (k Key) IndexDef(pretty bool) string {
	table := QuoteIdent(k.Schema) + "." + QuoteIdent(k.Table)
	if pretty && k.Schema == DefaultSchema {
		table = QuoteIdent(k.Table)
	}
	if ix := k.Index; ix != nil {
		cols := make([]string, len(k.Columns))
		for i, c := range k.Columns {
			cols[i] = QuoteIdent(c)
			if ix.Opclass[i] != "" {
				cols[i] += " " + ix.Opclass[i]
			}
			switch {
			case ix.Desc[i] && !ix.NullsFirst[i]:
				cols[i] += " DESC NULLS LAST"
			case ix.Desc[i]:
				cols[i] += " DESC"
			case ix.NullsFirst[i]:
				cols[i] += " NULLS FIRST"
			}
		}
		unique := ""
		if ix.Unique {
			unique = "UNIQUE "
		}
		return fmt.Sprintf("CREATE %sINDEX %s ON %s USING %s (%s)", unique, QuoteIdent(k.Name), table, ix.Method, strings.Join(cols, ", "))
	}
	return fmt.Sprintf("CREATE UNIQUE INDEX %s ON %s USING btree (%s)", QuoteIdent(k.Name), table, k.columnList())
}

// ConstraintDef is pg_get_constraintdef's text for the key's constraint.
func (k Key) ConstraintDef() string {
	if k.Definition != "" {
		return k.Definition
	}
	if k.Primary {
		return "PRIMARY KEY (" + k.columnList() + ")"
	}
	return "UNIQUE (" + k.columnList() + ")"
}

func (k Key) columnList() string {
	cols := make([]string, len(k.Columns))
	for i, c := range k.Columns {
		cols[i] = QuoteIdent(c)
	}
	return strings.Join(cols, ", ")
}

// TempSchema is the schema of the temporary tables of the session with
// backend ID pid (CREATE TEMP TABLE): PostgreSQL's pg_temp_N.
func TempSchema(pid uint32) string { return fmt.Sprintf("pg_temp_%d", pid) }

// IsTempSchema reports whether schema is a session's temporary schema.
func IsTempSchema(schema string) bool { return strings.HasPrefix(schema, "pg_temp_") }

// DropTempSchema removes a session's temporary schema and its tables, when
// the session ends.
func (c *Catalog) DropTempSchema(db string, pid uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.sessionDatabaseLocked(db)
	if _, ok := d.schemas[TempSchema(pid)]; ok {
		delete(d.schemas, TempSchema(pid))
		c.version++
	}
}

// QuoteIdent quotes an identifier when PostgreSQL's quote_identifier
// would: anything but a lower-case letter or underscore followed by
// lower-case letters, digits and underscores, and keywords other than
// unreserved ones (select, "left", "substring").
func QuoteIdent(s string) string {
	plain := s != ""
	for i, c := range s {
		if !(c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			plain = false
			break
		}
	}
	if plain && !reservedKeyword(s) {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// reservedKeyword reports whether s is a keyword that needs quotes as a
// name: any but the unreserved ones (builtinKeywords, sorted by word).
func reservedKeyword(s string) bool {
	i, found := slices.BinarySearchFunc(builtinKeywords, s, func(k [5]string, w string) int { return strings.Compare(k[0], w) })
	return found && builtinKeywords[i][1] != "U"
}

// Keys lists the keys of database db's tables.
func (c *Catalog) Keys(db string) []Key {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d := c.sessionDatabaseLocked(db)
	var out []Key
	for _, s := range d.schemas {
		for _, t := range s.tables {
			for _, k := range t.keys {
				key := Key{Schema: t.Schema, Table: t.Name, Name: k.Name, Primary: k.Primary, IndexOID: k.indexOID, ConstraintOID: k.constraintOID}
				fields := t.Provider.Schema().Fields()
				for _, col := range k.Columns {
					key.Columns = append(key.Columns, fields[col].Name)
				}
				out = append(out, key)
			}
			for _, ix := range t.indexes {
				out = append(out, t.indexKey(ix))
			}
			for _, ck := range t.checks {
				out = append(out, Key{Schema: t.Schema, Table: t.Name, Name: ck.Name, ConstraintOID: ck.oid, Definition: ck.Definition})
			}
			for _, fk := range t.fks {
				out = append(out, Key{Schema: t.Schema, Table: t.Name, Name: fk.Name, ConstraintOID: fk.oid, Definition: fk.Definition})
			}
		}
	}
	return out
}

// New returns an empty catalog whose default database is named defaultDB.
func New(defaultDB string) *Catalog {
	c := &Catalog{
		databases: make(map[string]*Database),
		nextOID:   FirstUserOID,
		system:    make(map[string]*systemTables),
		started:   time.Now(),
	}
	c.fallback = c.newDatabase(defaultDB)
	return c
}

func (c *Catalog) newDatabase(name string) *Database {
	return &Database{Name: name, OID: c.assignOID(), schemas: map[string]*Schema{
		DefaultSchema: {Name: DefaultSchema, OID: publicOID, tables: make(map[string]*Table), comment: "standard public schema"},
	}}
}

// assignOID returns the next object identifier and marks the registry
// changed; c.mu is held (or c is not shared yet).
func (c *Catalog) assignOID() uint32 {
	c.version++
	oid := c.nextOID
	c.nextOID++
	return oid
}

// AddDatabase registers an empty database (with schema public). Once any
// database is registered, only registered names resolve.
func (c *Catalog) AddDatabase(name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.databases[name]; ok {
		return fmt.Errorf("database %q already exists", name)
	}
	c.databases[name] = c.newDatabase(name)
	return nil
}

// AddSchema registers an empty schema in database db ("" for the default).
func (c *Catalog) AddSchema(db, schema string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, err := c.databaseLocked(db)
	if err != nil {
		return err
	}
	if _, ok := d.schemas[schema]; ok || schema == PgCatalog || schema == InformationSchema {
		return fmt.Errorf("schema %q already exists", schema)
	}
	d.schemas[schema] = &Schema{Name: schema, OID: c.assignOID(), tables: make(map[string]*Table)}
	return nil
}

// CreateSchema adds schema to the database a session connected to db
// works in (CREATE SCHEMA); created is false when a schema of that name
// exists, pg_catalog and information_schema included.
func (c *Catalog) CreateSchema(db, schema string) (created bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.sessionDatabaseLocked(db)
	if _, ok := d.schemas[schema]; ok || schema == PgCatalog || schema == InformationSchema {
		return false
	}
	d.schemas[schema] = &Schema{Name: schema, OID: c.assignOID(), tables: make(map[string]*Table)}
	c.version++
	return true
}

// DropSchema removes an empty schema (DROP SCHEMA); ok is false when there
// is none of that name, and relations lists the relations it holds, which
// keep it.
func (c *Catalog) DropSchema(db, schema string) (ok bool, relations []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.sessionDatabaseLocked(db)
	s, ok := d.schemas[schema]
	if !ok || schema == PgCatalog || schema == InformationSchema {
		return ok, nil
	}
	for name := range s.tables {
		relations = append(relations, name)
	}
	if len(relations) > 0 {
		slices.Sort(relations)
		return true, relations
	}
	delete(d.schemas, schema)
	c.version++
	return true, nil
}

// AddTable registers p as db.schema.name, described by info; db "" is the
// default database and schema "" is public, which is created on demand.
func (c *Catalog) AddTable(db, schema, name string, p sources.TableProvider, info TableInfo) error {
	if schema == "" {
		schema = DefaultSchema
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	d, err := c.databaseLocked(db)
	if err != nil {
		return err
	}
	if schema == PgCatalog || schema == InformationSchema {
		return fmt.Errorf("schema %s is reserved for the system catalog", schema)
	}
	s, ok := d.schemas[schema]
	if !ok {
		s = &Schema{Name: schema, OID: c.assignOID(), tables: make(map[string]*Table)}
		d.schemas[schema] = s
	}
	if _, ok := s.tables[name]; ok {
		return fmt.Errorf("table %s.%s already exists", schema, name)
	}
	t, err := c.newTableLocked(d.Name, schema, name, p, info)
	if err != nil {
		return err
	}
	s.tables[name] = t
	return nil
}

// CreateTable registers p as table db.schema.name for CREATE TABLE: db is
// a session's database, schema "" is public. With ifNotExists an existing
// relation of that name is not an error, and created is false.
func (c *Catalog) CreateTable(db, schema, name string, p sources.TableProvider, ifNotExists bool) (created bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, s, err := c.createInLocked(db, schema, name)
	if err != nil {
		return false, err
	}
	schema = s.Name
	if _, ok := s.tables[name]; ok {
		if ifNotExists {
			return false, nil
		}
		return false, pgerror.New(pgerror.DuplicateTable, "relation \"%s\" already exists", name)
	}
	t, err := c.newTableLocked(d.Name, schema, name, p, TableInfo{})
	if err != nil {
		return false, err
	}
	s.tables[name] = t
	return true, nil
}

// DropTable removes table db.schema.name (schema "" is public) for DROP
// TABLE. Only tables SQL created (writable ones) can be dropped: a
// source's table is read-only. With missingOK a missing table is not an
// error.
func (c *Catalog) DropTable(db, schema, name string, missingOK bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, schema, t := c.relationLocked(db, schema, name)
	switch {
	case t == nil && missingOK:
		return nil
	case t == nil:
		return pgerror.New(pgerror.UndefinedTable, "table \"%s\" does not exist", name)
	case t.View != nil:
		return pgerror.New(pgerror.WrongObjectType, "\"%s\" is not a table", name).WithHint("Use DROP VIEW to remove a view.")
	case t.System:
		return pgerror.New(pgerror.InsufficientPrivilege, "permission denied: \"%s\" is a system catalog", name)
	}
	_, writable := t.Provider.(sources.Writer)
	if _, sequence := t.Provider.(sources.SequenceProvider); !writable && !sequence {
		return pgerror.New(pgerror.FeatureNotSupported, "cannot drop table \"%s\": it is served from a read-only source", name).
			WithHint("Tables of sources go away when the server stops serving the source.")
	}
	delete(d.schemas[schema].tables, name)
	c.version++
	return nil
}

// View is a stored query that names expand to where they are used.
type View struct {
	// SQL is the CREATE VIEW statement that defined the view.
	SQL string
	// Definition is the view's query as pg_get_viewdef(view) prints it
	// (pg_views.definition, information_schema.views): PostgreSQL's
	// deparsed form where the planner can print it, else as written.
	Definition string
	// Pretty is the query as pg_get_viewdef(view, true) prints it, as
	// psql's \d+ shows it.
	Pretty string
	// Schema holds the view's column names and types as they were bound
	// when it was created.
	Schema *arrow.Schema
	// Depends names the relations (schema and name) the view's query
	// reads directly, which cannot be dropped while the view exists.
	Depends [][2]string
}

// Columns returns the table's column layout: its provider's schema, or a
// view's.
func (t *Table) Columns() *arrow.Schema {
	if t.View != nil {
		return t.View.Schema
	}
	return t.Provider.Schema()
}

// AddView stores v as db.schema.name (schema "" is public). With replace,
// an existing view of that name is replaced; it keeps its OID, as CREATE
// OR REPLACE VIEW keeps it.
func (c *Catalog) AddView(db, schema, name string, v *View, replace bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, s, err := c.createInLocked(db, schema, name)
	if err != nil {
		return err
	}
	schema = s.Name
	if old, ok := s.tables[name]; ok {
		switch {
		case !replace:
			return pgerror.New(pgerror.DuplicateTable, "relation \"%s\" already exists", name)
		case old.View == nil:
			return pgerror.New(pgerror.WrongObjectType, "\"%s\" is not a view", name)
		}
		// The new query keeps the old columns, in order, by name and
		// type, and may add more after them, as PostgreSQL requires.
		was, is := old.View.Schema, v.Schema
		if is.NumFields() < was.NumFields() {
			return pgerror.New("42P16", "cannot drop columns from view")
		}
		for i, f := range was.Fields() {
			switch g := is.Field(i); {
			case g.Name != f.Name:
				return pgerror.New("42P16", "cannot change name of view column \"%s\" to \"%s\"", f.Name, g.Name).
					WithHint("Use ALTER VIEW ... RENAME COLUMN ... to change name of view column instead.")
			case !arrow.TypeEqual(g.Type, f.Type):
				from, _ := pgtypes.FromField(f)
				to, _ := pgtypes.FromField(g)
				return pgerror.New("42P16", "cannot change data type of view column \"%s\" from %s to %s", f.Name, from.Name, to.Name)
			}
		}
		c.version++
		// As in PostgreSQL, the view keeps its OID and its comments.
		s.tables[name] = &Table{Database: d.Name, Schema: schema, Name: name, OID: old.OID, View: v,
			comment: old.comment, columnComments: old.columnComments}
		return nil
	}
	s.tables[name] = &Table{Database: d.Name, Schema: schema, Name: name, OID: c.assignOID(), View: v}
	return nil
}

// TableChanged tells the catalog that a registered table's columns or
// column defaults changed (ALTER TABLE): the system tables are rebuilt,
// and new defaults get OIDs (kept ones keep theirs).
func (c *Catalog) TableChanged(db, schema, name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, _, t := c.relationLocked(db, schema, name)
	if t == nil {
		return
	}
	c.tableChangedLocked(t)
}

// ProviderChanged is TableChanged for the tables of database db that p
// serves, wherever they are.
func (c *Catalog) ProviderChanged(db string, p sources.TableProvider) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.sessionDatabaseLocked(db)
	for _, s := range d.schemas {
		for _, t := range s.tables {
			if t.Provider == p {
				c.tableChangedLocked(t)
			}
		}
	}
}

func (c *Catalog) tableChangedLocked(t *Table) {
	if cd, ok := t.Provider.(sources.ColumnDefaulter); ok {
		old := make(map[int]uint32)
		for _, d := range t.defaults {
			old[d.column] = d.oid
		}
		t.defaults = nil
		for i, text := range cd.ColumnDefaults() {
			if text == "" {
				continue
			}
			oid, ok := old[i]
			if !ok {
				oid = c.assignOID()
			}
			t.defaults = append(t.defaults, columnDefault{column: i, text: text, oid: oid})
		}
	}
	c.syncKeysLocked(t)
	c.syncChecksLocked(t)
	c.syncForeignKeysLocked(t)
	c.version++
}

// syncKeysLocked lists the provider's unique keys (ALTER TABLE ... ADD
// PRIMARY KEY adds one): kept ones keep their OIDs, new ones get OIDs.
// A unique index's key is listed with the indexes.
func (c *Catalog) syncKeysLocked(t *Table) {
	kp, ok := t.Provider.(sources.KeyProvider)
	if !ok {
		return
	}
	old := make(map[string]tableKey, len(t.keys))
	var keys []tableKey
	for _, k := range t.keys {
		if k.declared {
			keys = append(keys, k)
		} else {
			old[k.Name] = k
		}
	}
	for _, k := range kp.UniqueKeys() {
		if k.Index {
			continue
		}
		if o, ok := old[k.Name]; ok {
			o.UniqueKey = k
			keys = append(keys, o)
			continue
		}
		keys = append(keys, tableKey{UniqueKey: k, indexOID: c.assignOID(), constraintOID: c.assignOID()})
	}
	t.keys = keys
}

// IndexesChanged tells the catalog that a table's indexes changed (CREATE
// INDEX, DROP INDEX): new ones get OIDs, kept ones keep theirs.
func (c *Catalog) IndexesChanged(db, schema, name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, _, t := c.relationLocked(db, schema, name); t != nil {
		c.syncIndexesLocked(t)
		c.version++
	}
}

// RelationExists reports whether schema (of database db) holds a
// relation called name: a table, a view or an index.
func (c *Catalog) RelationExists(db, schema, name string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, ok := c.sessionDatabaseLocked(db).schemas[schema]
	if !ok {
		return false
	}
	if _, ok := s.tables[name]; ok {
		return true
	}
	for _, t := range s.tables {
		for _, k := range t.keys {
			if k.Name == name {
				return true
			}
		}
		for _, i := range t.indexes {
			if i.Name == name {
				return true
			}
		}
	}
	return false
}

// IndexTable finds the table of the index called name in schema: ok is
// false when there is none; constraint names the constraint the index
// belongs to (a primary key's, a UNIQUE constraint's), "" for an index of
// CREATE INDEX.
func (c *Catalog) IndexTable(db, schema, name string) (t *Table, constraint string, ok bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, found := c.sessionDatabaseLocked(db).schemas[schema]
	if !found {
		return nil, "", false
	}
	for _, t := range s.tables {
		for _, k := range t.keys {
			if k.Name == name {
				return t, k.Name, true
			}
		}
		for _, i := range t.indexes {
			if i.Name == name {
				return t, "", true
			}
		}
	}
	return nil, "", false
}

// RenameTable renames a table SQL created (ALTER TABLE ... RENAME TO),
// keeping its OID.
func (c *Catalog) RenameTable(db, schema, name, newName string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, schema, t := c.relationLocked(db, schema, name)
	switch {
	case t == nil:
		return pgerror.New(pgerror.UndefinedTable, "relation \"%s\" does not exist", name)
	case t.View != nil || t.System:
		return pgerror.New(pgerror.FeatureNotSupported, "cannot rename \"%s\"", name)
	}
	if _, ok := t.Provider.(sources.Writer); !ok {
		return pgerror.New(pgerror.FeatureNotSupported, "cannot rename table \"%s\": it is served from a read-only source", name)
	}
	tables := d.schemas[schema].tables
	if _, taken := tables[newName]; taken {
		return pgerror.New(pgerror.DuplicateTable, "relation \"%s\" already exists", newName)
	}
	// A copy: sessions holding the old entry keep a consistent one.
	renamed := *t
	renamed.Name = newName
	delete(tables, name)
	tables[newName] = &renamed
	c.version++
	return nil
}

// DropView removes view db.schema.name; schema "" searches public. With
// missingOK a view that does not exist is not an error.
func (c *Catalog) DropView(db, schema, name string, missingOK bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, schema, t := c.relationLocked(db, schema, name)
	switch {
	case t == nil && missingOK:
		return nil
	case t == nil:
		return pgerror.New(pgerror.UndefinedTable, "view \"%s\" does not exist", name)
	case t.View == nil:
		return pgerror.New(pgerror.WrongObjectType, "\"%s\" is not a view", name).WithHint("Use DROP TABLE to remove a table.")
	}
	delete(d.schemas[schema].tables, name)
	c.version++
	return nil
}

// createInLocked finds the schema SQL creates relation name in (schema ""
// is public): not a system one, and existing — a session's temporary
// schema comes with its first table. c.mu is held.
func (c *Catalog) createInLocked(db, schema, name string) (*Database, *Schema, error) {
	if schema == "" {
		schema = DefaultSchema
	}
	d := c.sessionDatabaseLocked(db)
	if schema == PgCatalog || schema == InformationSchema {
		return nil, nil, pgerror.New(pgerror.InsufficientPrivilege, "permission denied to create \"%s.%s\"", schema, name)
	}
	s, ok := d.schemas[schema]
	switch {
	case !ok && IsTempSchema(schema):
		s = &Schema{Name: schema, OID: c.assignOID(), tables: make(map[string]*Table)}
		d.schemas[schema] = s
	case !ok:
		return nil, nil, pgerror.New(pgerror.InvalidSchemaName, "schema \"%s\" does not exist", schema)
	}
	return d, s, nil
}

// relationLocked finds relation schema.name (schema "" is public) in the
// database a session connected to db works in; t is nil when there is
// none. c.mu is held.
func (c *Catalog) relationLocked(db, schema, name string) (d *Database, resolved string, t *Table) {
	if schema == "" {
		schema = DefaultSchema
	}
	d = c.sessionDatabaseLocked(db)
	if s, ok := d.schemas[schema]; ok {
		t = s.tables[name]
	}
	return d, schema, t
}

// sessionDatabaseLocked is the database a session connected to db works
// in: the fallback one when no database of that name is registered.
func (c *Catalog) sessionDatabaseLocked(db string) *Database {
	if d, ok := c.databases[db]; ok {
		return d
	}
	return c.fallback
}

func (c *Catalog) databaseLocked(name string) (*Database, error) {
	if name == "" {
		return c.fallback, nil
	}
	d, ok := c.databases[name]
	if !ok {
		return nil, fmt.Errorf("database %q does not exist", name)
	}
	return d, nil
}

// HasDatabase reports whether a session may connect to database name.
func (c *Catalog) HasDatabase(name string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok := c.databases[name]
	return ok || len(c.databases) == 0
}

// LookupTable resolves schema.name in database db. An empty schema searches
// the search path: pg_catalog, as PostgreSQL searches it first, then public.
func (c *Catalog) LookupTable(db, schema, name string) (*Table, bool) {
	if schema == "" || schema == PgCatalog || schema == InformationSchema {
		sys := PgCatalog
		if schema == InformationSchema {
			sys = schema
		}
		if t, ok := c.systemTable(db, sys, name); ok {
			return t, true
		}
		if schema != "" {
			return nil, false
		}
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	d := c.sessionDatabaseLocked(db)
	if schema == "" {
		schema = DefaultSchema
	}
	s, ok := d.schemas[schema]
	if !ok {
		return nil, false
	}
	t, ok := s.tables[name]
	return t, ok
}

// Tables returns every table of database db, ordered by schema and name.
func (c *Catalog) Tables(db string) []*Table {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d := c.sessionDatabaseLocked(db)
	var out []*Table
	for _, s := range d.schemas {
		for _, t := range s.tables {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b *Table) int {
		if a.Schema != b.Schema {
			if a.Schema < b.Schema {
				return -1
			}
			return 1
		}
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	return out
}

// VisibleRelations returns the OIDs of the relations an unqualified name
// can reach in database db: pg_catalog's, then public's (the search path).
func (c *Catalog) VisibleRelations(db string) []uint32 {
	var out []uint32
	for i := range systemRelations {
		if systemRelations[i].schema == PgCatalog {
			out = append(out, systemRelations[i].oid)
		}
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	d := c.sessionDatabaseLocked(db)
	if s, ok := d.schemas[DefaultSchema]; ok {
		for _, t := range s.tables {
			out = append(out, t.OID)
			for _, k := range t.keys {
				out = append(out, k.indexOID)
			}
			for _, i := range t.indexes {
				out = append(out, i.oid)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Version counts the registrations so far; the catalog tables' xmin holds
// it, so clients can tell what changed.
func (c *Catalog) Version() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.version
}

// SetComment sets the comment on table db.schema.name (schema "" is
// public), or on its column when column is not "", as COMMENT ON TABLE,
// VIEW and COLUMN do; an empty text removes it. It returns the comment
// before ("" for none), for a rollback to put back.
func (c *Catalog) SetComment(db, schema, name, column, text string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, _, t := c.relationLocked(db, schema, name)
	if t == nil {
		return "", pgerror.New(pgerror.UndefinedTable, "relation \"%s\" does not exist", name)
	}
	c.version++
	if column == "" {
		prev := t.comment
		t.comment = text
		return prev, nil
	}
	i := t.Columns().FieldIndices(column)
	if len(i) == 0 {
		return "", pgerror.New(pgerror.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", column, name)
	}
	prev := t.columnComments[i[0]]
	comments := make(map[int]string, len(t.columnComments)+1)
	for k, v := range t.columnComments {
		comments[k] = v
	}
	if text == "" {
		delete(comments, i[0])
	} else {
		comments[i[0]] = text
	}
	t.columnComments = comments
	return prev, nil
}

// SetSchemaComment sets (or, with an empty text, removes) the comment on
// schema db.schema, as COMMENT ON SCHEMA does. It returns the comment
// before.
func (c *Catalog) SetSchemaComment(db, schema, text string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.sessionDatabaseLocked(db).schemas[schema]
	if !ok {
		return "", pgerror.New(pgerror.InvalidSchemaName, "schema \"%s\" does not exist", schema)
	}
	c.version++
	prev := s.comment
	s.comment = text
	return prev, nil
}

// Descriptions lists the comments of database db as pg_description holds
// them: PostgreSQL's own on the objects riffq emulates, then those on the
// schemas, tables and columns registered or commented on.
func (c *Catalog) Descriptions(db string) []Description {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d := c.sessionDatabaseLocked(db)
	var (
		schemas []*Schema
		tables  []*Table
	)
	for _, s := range d.schemas {
		schemas = append(schemas, s)
		for _, t := range s.tables {
			tables = append(tables, t)
		}
	}
	return descriptions(schemas, tables)
}

// RelationName is a relation's OID with its schema and name, for printing
// a regclass value.
type RelationName struct {
	OID          uint32
	Schema, Name string
}

// RelationNames lists every relation of database db: the system relations,
// the registered tables and views, and their keys' indexes.
func (c *Catalog) RelationNames(db string) []RelationName {
	out := make([]RelationName, 0, len(systemRelations)+16)
	for i := range systemRelations {
		r := &systemRelations[i]
		out = append(out, RelationName{r.oid, r.schema, r.name})
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, s := range c.sessionDatabaseLocked(db).schemas {
		for _, t := range s.tables {
			out = append(out, RelationName{t.OID, t.Schema, t.Name})
			for _, k := range t.keys {
				out = append(out, RelationName{k.indexOID, t.Schema, k.Name})
			}
			for _, i := range t.indexes {
				out = append(out, RelationName{i.oid, t.Schema, i.Name})
			}
		}
	}
	return out
}

// SchemaNames maps the OIDs of database db's schemas, system ones
// included, to their names, for printing a regnamespace value.
func (c *Catalog) SchemaNames(db string) map[uint32]string {
	out := make(map[uint32]string)
	for _, n := range systemNamespaces {
		out[n.oid] = n.name
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, s := range c.sessionDatabaseLocked(db).schemas {
		out[s.OID] = s.Name
	}
	return out
}

// SplitQualifiedName splits a possibly qualified, possibly quoted name as
// PostgreSQL reads one in a reg* constant: unquoted parts fold to lower
// case, "" inside quotes is a quote.
func SplitQualifiedName(s string) ([]string, error) {
	var parts []string
	for i := 0; ; {
		var part strings.Builder
		if i < len(s) && s[i] == '"' {
			i++
			for {
				if i >= len(s) {
					return nil, fmt.Errorf("invalid name syntax")
				}
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						part.WriteByte('"')
						i += 2
						continue
					}
					i++
					break
				}
				part.WriteByte(s[i])
				i++
			}
		} else {
			start := i
			for i < len(s) && s[i] != '.' {
				i++
			}
			part.WriteString(strings.ToLower(strings.TrimSpace(s[start:i])))
		}
		if part.Len() == 0 {
			return nil, fmt.Errorf("invalid name syntax")
		}
		parts = append(parts, part.String())
		if i >= len(s) {
			return parts, nil
		}
		if s[i] != '.' {
			return nil, fmt.Errorf("invalid name syntax")
		}
		i++
	}
}
