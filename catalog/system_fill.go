package catalog

import (
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/sources"
)

// fillers write the rows of the system relations that hold any; the others
// are empty, with PostgreSQL's columns.
var fillers = map[[2]string]func(*systemBuilder, *rows){
	{PgCatalog, "pg_namespace"}:                    fillNamespace,
	{PgCatalog, "pg_class"}:                        fillClass,
	{PgCatalog, "pg_attribute"}:                    fillAttribute,
	{PgCatalog, "pg_type"}:                         fillType,
	{PgCatalog, "pg_database"}:                     fillDatabase,
	{PgCatalog, "pg_am"}:                           fillAm,
	{PgCatalog, "pg_timezone_names"}:               fillTimezoneNames,
	{PgCatalog, "pg_roles"}:                        fillRoles,
	{PgCatalog, "pg_authid"}:                       fillRoles,
	{PgCatalog, "pg_depend"}:                       fillDepend,
	{PgCatalog, "pg_user"}:                         fillUser,
	{PgCatalog, "pg_collation"}:                    fillCollation,
	{PgCatalog, "pg_tablespace"}:                   fillTablespace,
	{PgCatalog, "pg_language"}:                     fillLanguage,
	{PgCatalog, "pg_extension"}:                    fillExtension,
	{PgCatalog, "pg_tables"}:                       fillTables,
	{PgCatalog, "pg_views"}:                        fillViews,
	{PgCatalog, "pg_description"}:                  fillDescription,
	{PgCatalog, "pg_proc"}:                         fillProc,
	{PgCatalog, "pg_init_privs"}:                   fillInitPrivs,
	{PgCatalog, "pg_cast"}:                         fillCast,
	{PgCatalog, "pg_operator"}:                     fillOperator,
	{PgCatalog, "pg_index"}:                        fillIndex,
	{PgCatalog, "pg_attrdef"}:                      fillAttrdef,
	{PgCatalog, "pg_indexes"}:                      fillIndexes,
	{PgCatalog, "pg_constraint"}:                   fillConstraint,
	{InformationSchema, "table_constraints"}:       fillTableConstraints,
	{InformationSchema, "key_column_usage"}:        fillKeyColumnUsage,
	{InformationSchema, "constraint_column_usage"}: fillConstraintColumnUsage,
	{InformationSchema, "referential_constraints"}: fillReferentialConstraints,
	{PgCatalog, "pg_sequence"}:                     fillSequence,
	{PgCatalog, "pg_sequences"}:                    fillSequences,
	{InformationSchema, "sequences"}:               fillInfoSequences,
	{InformationSchema, "schemata"}:                fillSchemata,
	{InformationSchema, "tables"}:                  fillInfoTables,
	{InformationSchema, "columns"}:                 fillInfoColumns,
	{InformationSchema, "views"}:                   fillInfoViews,
	{InformationSchema, "enabled_roles"}:           func(_ *systemBuilder, r *rows) { r.add("role_name", OwnerName) },
	{InformationSchema, "character_sets"}:          fillCharacterSets,
}

// relation is any table the system tables list: a registered one or a
// system relation itself.
type relation struct {
	oid       uint32
	schemaOID uint32
	schema    string
	name      string
	kind      string
	arrow     *arrow.Schema
	hasIndex  bool
	writable  bool   // SQL may change its rows (sources.Writer)
	method    string // an index's access method, "" for btree
	checks    int    // CHECK constraints
	triggers  bool   // a foreign key's table, either end (PostgreSQL's have triggers)
}

// relations lists the system relations, then the registered tables.
func (b *systemBuilder) relations() []relation {
	var out []relation
	for i := range systemRelations {
		r := &systemRelations[i]
		nsp := uint32(pgCatalogOID)
		if r.schema == InformationSchema {
			nsp = infoSchemaOID
		}
		out = append(out, relation{oid: r.oid, schemaOID: nsp, schema: r.schema, name: r.name, kind: string(r.kind), arrow: r.schemaOf()})
	}
	referenced := make(map[[2]string]bool)
	for _, t := range b.tables {
		for _, fk := range t.fks {
			referenced[[2]string{fk.RefSchema, fk.RefTable}] = true
		}
	}
	for _, t := range b.tables {
		kind := "r"
		if t.View != nil {
			kind = "v"
		} else if _, ok := t.Provider.(sources.SequenceProvider); ok {
			kind = "S"
		}
		_, writable := t.Provider.(sources.Writer)
		triggers := len(t.fks) > 0 || referenced[[2]string{t.Schema, t.Name}]
		out = append(out, relation{oid: t.OID, schemaOID: t.schemaOID, schema: t.Schema, name: t.Name, kind: kind, arrow: t.schema,
			hasIndex: len(t.keys)+len(t.indexes) > 0, writable: writable, checks: len(t.checks), triggers: triggers})
		// Each index is a relation too, with its columns.
		indexRelation := func(oid uint32, name string, columns []int, method string) {
			fields := make([]arrow.Field, len(columns))
			for i, c := range columns {
				fields[i] = t.schema.Field(c)
			}
			out = append(out, relation{oid: oid, schemaOID: t.schemaOID, schema: t.Schema, name: name, kind: "i", arrow: arrow.NewSchema(fields, nil), method: method})
		}
		for _, k := range t.keys {
			indexRelation(k.indexOID, k.Name, k.Columns, "")
		}
		for _, ix := range t.indexes {
			indexRelation(ix.oid, ix.Name, ix.Columns, ix.Method)
		}
	}
	return out
}

// keyAttnums are a key's or an index's column numbers (from 1).
func keyAttnums(columns []int) []int64 {
	out := make([]int64, len(columns))
	for i, c := range columns {
		out[i] = int64(c + 1)
	}
	return out
}

func fillAttrdef(b *systemBuilder, r *rows) {
	for _, t := range b.tables {
		for _, d := range t.defaults {
			// adbin holds the expression's SQL text, which pg_get_expr
			// returns as it is.
			r.add("oid", d.oid, "adrelid", t.OID, "adnum", d.column+1, "adbin", d.text)
		}
	}
}

// columnDefaults maps relation OIDs to their columns' DEFAULT texts.
func (b *systemBuilder) columnDefaults() map[uint32]map[int]string {
	out := make(map[uint32]map[int]string)
	for _, t := range b.tables {
		for _, d := range t.defaults {
			if out[t.OID] == nil {
				out[t.OID] = make(map[int]string)
			}
			out[t.OID][d.column] = d.text
		}
	}
	return out
}

func fillIndex(b *systemBuilder, r *rows) {
	for _, t := range b.tables {
		for _, k := range t.keys {
			nums := keyAttnums(k.Columns)
			zeros := make([]int64, len(nums))
			r.add("indexrelid", k.indexOID, "indrelid", t.OID, "indnatts", len(nums), "indnkeyatts", len(nums),
				"indisunique", true, "indisprimary", k.Primary, "indimmediate", true, "indisvalid", true,
				"indisready", true, "indislive", true, "indkey", nums, "indcollation", zeros, "indclass", zeros,
				"indoption", zeros)
		}
		for _, ix := range t.indexes {
			nums := keyAttnums(ix.Columns)
			zeros := make([]int64, len(nums))
			options := make([]int64, len(nums)) // PostgreSQL's INDOPTION_DESC and _NULLS_FIRST bits
			for i := range options {
				if ix.Desc[i] {
					options[i] |= 1
				}
				if ix.NullsFirst[i] {
					options[i] |= 2
				}
			}
			r.add("indexrelid", ix.oid, "indrelid", t.OID, "indnatts", len(nums), "indnkeyatts", len(nums),
				"indisunique", ix.Unique, "indisprimary", false, "indimmediate", true, "indisvalid", true,
				"indisready", true, "indislive", true, "indkey", nums, "indcollation", zeros, "indclass", zeros,
				"indoption", options)
		}
	}
}

func fillIndexes(b *systemBuilder, r *rows) {
	for _, t := range b.tables {
		for _, k := range t.keys {
			key := Key{Schema: t.Schema, Table: t.Name, Name: k.Name}
			for _, c := range k.Columns {
				key.Columns = append(key.Columns, t.schema.Field(c).Name)
			}
			r.add("schemaname", t.Schema, "tablename", t.Name, "indexname", k.Name, "indexdef", key.IndexDef(false))
		}
		for _, ix := range t.indexes {
			r.add("schemaname", t.Schema, "tablename", t.Name, "indexname", ix.Name, "indexdef", t.indexKey(ix).IndexDef(false))
		}
	}
}

func fillConstraint(b *systemBuilder, r *rows) {
	for _, t := range b.tables {
		for _, k := range t.keys {
			contype := "u"
			if k.Primary {
				contype = "p"
			}
			r.add("oid", k.constraintOID, "conname", k.Name, "connamespace", t.schemaOID, "contype", contype,
				"convalidated", true, "conrelid", t.OID, "conindid", k.indexOID, "confupdtype", " ",
				"confdeltype", " ", "confmatchtype", " ", "conislocal", true, "connoinherit", true, "conkey", keyAttnums(k.Columns))
		}
		for _, fk := range t.fks {
			parent, key := b.referenced(fk.ForeignKey)
			if parent == nil {
				continue
			}
			r.add("oid", fk.oid, "conname", fk.Name, "connamespace", t.schemaOID, "contype", "f",
				"convalidated", true, "conrelid", t.OID, "conindid", key.indexOID, "confrelid", parent.OID,
				"confupdtype", string(fk.OnUpdate), "confdeltype", string(fk.OnDelete), "confmatchtype", "s",
				"conislocal", true, "connoinherit", true, "conkey", keyAttnums(fk.Columns), "confkey", keyAttnums(fk.RefColumns))
		}
		for _, ck := range t.checks {
			r.add("oid", ck.oid, "conname", ck.Name, "connamespace", t.schemaOID, "contype", "c",
				"convalidated", true, "conrelid", t.OID, "conindid", uint32(0), "confupdtype", " ",
				"confdeltype", " ", "confmatchtype", " ", "conislocal", true, "connoinherit", false, "conkey", keyAttnums(ck.Columns))
		}
	}
}

func keyType(k tableKey) string {
	if k.Primary {
		return "PRIMARY KEY"
	}
	return "UNIQUE"
}

func fillTableConstraints(b *systemBuilder, r *rows) {
	for _, t := range b.tables {
		for _, k := range t.keys {
			var nullsDistinct any // NULL but for unique keys
			if keyType(k) == "UNIQUE" {
				nullsDistinct = "YES"
			}
			r.add("constraint_catalog", b.dbName, "constraint_schema", t.Schema, "constraint_name", k.Name,
				"table_catalog", b.dbName, "table_schema", t.Schema, "table_name", t.Name, "constraint_type", keyType(k),
				"is_deferrable", "NO", "initially_deferred", "NO", "enforced", "YES", "nulls_distinct", nullsDistinct)
		}
		for _, fk := range t.fks {
			r.add("constraint_catalog", b.dbName, "constraint_schema", t.Schema, "constraint_name", fk.Name,
				"table_catalog", b.dbName, "table_schema", t.Schema, "table_name", t.Name, "constraint_type", "FOREIGN KEY",
				"is_deferrable", "NO", "initially_deferred", "NO", "enforced", "YES")
		}
		for _, ck := range t.checks {
			r.add("constraint_catalog", b.dbName, "constraint_schema", t.Schema, "constraint_name", ck.Name,
				"table_catalog", b.dbName, "table_schema", t.Schema, "table_name", t.Name, "constraint_type", "CHECK",
				"is_deferrable", "NO", "initially_deferred", "NO", "enforced", "YES")
		}
		if _, seq := t.Provider.(sources.SequenceProvider); t.View != nil || seq {
			continue
		}
		// PostgreSQL lists each NOT NULL column of a table as a CHECK
		// constraint named by the schema's and table's OIDs and the
		// column's number.
		for i, f := range t.schema.Fields() {
			if f.Nullable {
				continue
			}
			r.add("constraint_catalog", b.dbName, "constraint_schema", t.Schema,
				"constraint_name", fmt.Sprintf("%d_%d_%d_not_null", t.schemaOID, t.OID, i+1),
				"table_catalog", b.dbName, "table_schema", t.Schema, "table_name", t.Name, "constraint_type", "CHECK",
				"is_deferrable", "NO", "initially_deferred", "NO", "enforced", "YES")
		}
	}
}

func fillKeyColumnUsage(b *systemBuilder, r *rows) {
	for _, t := range b.tables {
		for _, k := range t.keys {
			for i, c := range k.Columns {
				r.add("constraint_catalog", b.dbName, "constraint_schema", t.Schema, "constraint_name", k.Name,
					"table_catalog", b.dbName, "table_schema", t.Schema, "table_name", t.Name,
					"column_name", t.schema.Field(c).Name, "ordinal_position", i+1)
			}
		}
		for _, fk := range t.fks {
			_, key := b.referenced(fk.ForeignKey)
			for i, c := range fk.Columns {
				// Its place among the referenced key's columns.
				var pos any
				if j := slices.Index(key.Columns, fk.RefColumns[i]); j >= 0 {
					pos = j + 1
				}
				r.add("constraint_catalog", b.dbName, "constraint_schema", t.Schema, "constraint_name", fk.Name,
					"table_catalog", b.dbName, "table_schema", t.Schema, "table_name", t.Name,
					"column_name", t.schema.Field(c).Name, "ordinal_position", i+1, "position_in_unique_constraint", pos)
			}
		}
	}
}

// referenced finds the table and the unique key a foreign key
// references; nil when the table is gone.
func (b *systemBuilder) referenced(fk sources.ForeignKey) (*userTable, tableKey) {
	for i := range b.tables {
		t := &b.tables[i]
		if t.Schema != fk.RefSchema || t.Name != fk.RefTable {
			continue
		}
		want := slices.Sorted(slices.Values(fk.RefColumns))
		for _, k := range t.keys {
			if slices.Equal(slices.Sorted(slices.Values(k.Columns)), want) {
				return t, k
			}
		}
		return t, tableKey{}
	}
	return nil, tableKey{}
}

func fillReferentialConstraints(b *systemBuilder, r *rows) {
	rule := func(code byte) string {
		switch code {
		case 'r':
			return "RESTRICT"
		case 'c':
			return "CASCADE"
		case 'n':
			return "SET NULL"
		}
		return "NO ACTION"
	}
	for _, t := range b.tables {
		for _, fk := range t.fks {
			parent, key := b.referenced(fk.ForeignKey)
			if parent == nil {
				continue
			}
			r.add("constraint_catalog", b.dbName, "constraint_schema", t.Schema, "constraint_name", fk.Name,
				"unique_constraint_catalog", b.dbName, "unique_constraint_schema", parent.Schema, "unique_constraint_name", key.Name,
				"match_option", "NONE", "update_rule", rule(fk.OnUpdate), "delete_rule", rule(fk.OnDelete))
		}
	}
}

func fillConstraintColumnUsage(b *systemBuilder, r *rows) {
	for _, t := range b.tables {
		// A foreign key uses the columns it references.
		for _, fk := range t.fks {
			parent, _ := b.referenced(fk.ForeignKey)
			if parent == nil {
				continue
			}
			for _, c := range fk.RefColumns {
				r.add("table_catalog", b.dbName, "table_schema", parent.Schema, "table_name", parent.Name,
					"column_name", parent.schema.Field(c).Name, "constraint_catalog", b.dbName,
					"constraint_schema", t.Schema, "constraint_name", fk.Name)
			}
		}
		for _, k := range t.keys {
			for _, c := range k.Columns {
				r.add("table_catalog", b.dbName, "table_schema", t.Schema, "table_name", t.Name,
					"column_name", t.schema.Field(c).Name, "constraint_catalog", b.dbName,
					"constraint_schema", t.Schema, "constraint_name", k.Name)
			}
		}
	}
}

func fillNamespace(b *systemBuilder, r *rows) {
	for _, n := range systemNamespaces {
		var acl any
		if n.oid != pgToastOID {
			acl = systemSchemaACL
		}
		r.add("oid", n.oid, "nspname", n.name, "nspowner", OwnerOID, "nspacl", acl)
	}
	for _, s := range b.schemas {
		var acl any // NULL: the owner's default privileges
		if s.OID == publicOID {
			// PostgreSQL 15's grants on public: its owner may use and
			// create in it, everyone may use it.
			acl = []string{"pg_database_owner=UC/pg_database_owner", "=U/pg_database_owner"}
		}
		r.add("oid", s.OID, "nspname", s.Name, "nspowner", schemaOwner(s), "nspacl", acl)
	}
}

// schemaOwner is PostgreSQL 15's owner of a schema: public belongs to
// pg_database_owner, the others to the bootstrap superuser.
func schemaOwner(s *Schema) int {
	if s.OID == publicOID {
		return DatabaseOwnerOID
	}
	return OwnerOID
}

func fillClass(b *systemBuilder, r *rows) {
	for _, rel := range b.relations() {
		am := 2 // heap
		switch rel.kind {
		case "v":
			am = 0
		case "i":
			am = 403 // btree
			if rel.method == "hash" {
				am = 405
			}
		}
		r.add("oid", rel.oid, "relname", rel.name, "relnamespace", rel.schemaOID, "relowner", OwnerOID,
			"relam", am, "relfilenode", rel.oid, "reltuples", -1.0, "relpersistence", "p", "relkind", rel.kind,
			"relnatts", rel.arrow.NumFields(), "relispopulated", true, "relreplident", "d", "relhasindex", rel.hasIndex,
			"relchecks", rel.checks, "relhastriggers", rel.triggers)
	}
}

func fillAttribute(b *systemBuilder, r *rows) {
	defaults := b.columnDefaults()
	identities := b.identities()
	for _, rel := range b.relations() {
		for i, f := range rel.arrow.Fields() {
			_, hasDef := defaults[rel.oid][i]
			t := columnType(f)
			identity := ""
			if id := identities[rel.oid][i]; id != nil {
				identity = "d"
				if id.Always {
					identity = "a"
				}
			}
			r.add("attrelid", rel.oid, "attname", f.Name, "atttypid", t.oid, "attstattarget", -1, "attlen", t.len,
				"attnum", i+1, "attndims", t.ndims, "attcacheoff", -1, "atttypmod", t.typmod, "attbyval", t.byval,
				"attalign", t.align, "attstorage", t.store, "attcompression", "", "attnotnull", !f.Nullable,
				"attidentity", identity, "attgenerated", "", "attislocal", true, "attcollation", t.coll, "atthasdef", hasDef)
		}
	}
}

// identities maps each user table's OID to its identity columns.
func (b *systemBuilder) identities() map[uint32]map[int]*sources.Identity {
	out := make(map[uint32]map[int]*sources.Identity)
	for _, t := range b.tables {
		ip, ok := t.Provider.(sources.IdentityProvider)
		if !ok {
			continue
		}
		for i, id := range ip.Identities() {
			if id == nil {
				continue
			}
			if out[t.OID] == nil {
				out[t.OID] = make(map[int]*sources.Identity)
			}
			out[t.OID][i] = id
		}
	}
	return out
}

func fillType(_ *systemBuilder, r *rows) {
	r.data = append(r.data, builtinTypes...)
}

func fillDatabase(b *systemBuilder, r *rows) {
	r.add("oid", b.db.OID, "datname", b.dbName, "datdba", OwnerOID, "encoding", 6, "datlocprovider", "c",
		"datallowconn", true, "datconnlimit", -1, "datminmxid", 1, "dattablespace", 1663,
		"datcollate", "C", "datctype", "C")
}

func fillAm(_ *systemBuilder, r *rows) {
	r.add("oid", 2, "amname", "heap", "amhandler", "heap_tableam_handler", "amtype", "t")
	r.add("oid", 403, "amname", "btree", "amhandler", "bthandler", "amtype", "i")
	r.add("oid", 405, "amname", "hash", "amhandler", "hashhandler", "amtype", "i")
	// The other index methods PostgreSQL 15 has, which CREATE INDEX
	// refuses but clients list.
	r.add("oid", 783, "amname", "gist", "amhandler", "gisthandler", "amtype", "i")
	r.add("oid", 2742, "amname", "gin", "amhandler", "ginhandler", "amtype", "i")
	r.add("oid", 4000, "amname", "spgist", "amhandler", "spghandler", "amtype", "i")
	r.add("oid", 3580, "amname", "brin", "amhandler", "brinhandler", "amtype", "i")
}

// fillDepend records the sequences serial and identity columns own
// (sources.SequenceOwner): deptype 'a' (auto) for serial columns, 'i'
// (internal) for identity columns, as PostgreSQL does. Other dependencies
// are not recorded.
func fillDepend(b *systemBuilder, r *rows) {
	const pgClass = 1259
	oids := make(map[[2]string]uint32, len(b.tables))
	for _, t := range b.tables {
		oids[[2]string{t.Schema, t.Name}] = t.OID
	}
	identities := b.identities()
	for _, t := range b.tables {
		so, ok := t.Provider.(sources.SequenceOwner)
		if !ok {
			continue
		}
		owned := so.OwnedSequences()
		cols := slices.Sorted(maps.Keys(owned))
		for _, col := range cols {
			seq, ok := oids[[2]string{t.Schema, owned[col]}]
			if !ok {
				continue
			}
			deptype := "a"
			if identities[t.OID][col] != nil {
				deptype = "i"
			}
			r.add("classid", pgClass, "objid", seq, "objsubid", 0, "refclassid", pgClass, "refobjid", t.OID,
				"refobjsubid", col+1, "deptype", deptype)
		}
	}
}

func fillRoles(_ *systemBuilder, r *rows) { addRoles(r, nil) }

func fillUser(_ *systemBuilder, r *rows) { addUsers(r, nil) }

// addRoles writes pg_roles: postgres, pg_database_owner and a superuser
// role for each of users. riffq keeps no roles of its own (its
// authenticator decides who connects), so the users connected now stand
// in for them, and a client looking up current_user finds it.
func addRoles(r *rows, users []string) {
	// pg_roles masks the password; pg_authid holds none (riffq's
	// authenticator keeps the secrets, not the catalog).
	var password any = "********"
	if r.rel.name == "pg_authid" {
		password = nil
	}
	r.add("rolname", DatabaseOwnerName, "rolinherit", true, "rolconnlimit", -1, "rolpassword", password, "oid", DatabaseOwnerOID)
	for _, u := range append([]string{OwnerName}, users...) {
		r.add("rolname", u, "rolsuper", true, "rolinherit", true, "rolcreaterole", true, "rolcreatedb", true,
			"rolcanlogin", true, "rolreplication", true, "rolconnlimit", -1, "rolpassword", password,
			"rolbypassrls", true, "oid", int64(RoleOID(u)))
	}
}

// addUsers writes pg_user, the login roles of addRoles.
func addUsers(r *rows, users []string) {
	for _, u := range append([]string{OwnerName}, users...) {
		r.add("usename", u, "usesysid", int64(RoleOID(u)), "usecreatedb", true, "usesuper", true, "userepl", true,
			"usebypassrls", true, "passwd", "********")
	}
}

// RoleOID is the OID of a connected user's role: postgres is 10, another
// name a number derived from it, the same in every session, above the
// OIDs handed to objects.
func RoleOID(user string) uint32 {
	if user == OwnerName {
		return OwnerOID
	}
	h := fnv.New32a()
	h.Write([]byte(user))
	return 1<<30 + h.Sum32()%(1<<29)
}

// RolesTable is pg_roles, pg_authid or pg_user (name) with a role for each of users,
// distinct names other than postgres (the planner builds it for each
// statement reading it, from the sessions connected then).
func RolesTable(name string, users []string) (*Table, error) {
	rel := systemIndex[[2]string{PgCatalog, name}]
	r := newRows(rel)
	if name == "pg_user" {
		addUsers(r, users)
	} else {
		addRoles(r, users)
	}
	mt, err := r.table()
	if err != nil {
		return nil, err
	}
	return &Table{Schema: PgCatalog, Name: rel.name, OID: rel.oid, Provider: mt, System: true}, nil
}

func fillCollation(_ *systemBuilder, r *rows) {
	for _, c := range []struct {
		oid      int
		name     string
		provider string
		collate  any
	}{{100, "default", "d", nil}, {950, "C", "c", "C"}, {951, "POSIX", "c", "POSIX"}} {
		r.add("oid", c.oid, "collname", c.name, "collnamespace", pgCatalogOID, "collowner", OwnerOID,
			"collprovider", c.provider, "collisdeterministic", true, "collencoding", -1,
			"collcollate", c.collate, "collctype", c.collate)
	}
}

func fillTablespace(_ *systemBuilder, r *rows) {
	r.add("oid", 1663, "spcname", "pg_default", "spcowner", OwnerOID)
	r.add("oid", 1664, "spcname", "pg_global", "spcowner", OwnerOID)
}

func fillLanguage(_ *systemBuilder, r *rows) {
	r.add("oid", 12, "lanname", "internal", "lanowner", OwnerOID, "lanvalidator", 2246)
	r.add("oid", 13, "lanname", "c", "lanowner", OwnerOID, "lanvalidator", 2247)
	r.add("oid", 14, "lanname", "sql", "lanowner", OwnerOID, "lanpltrusted", true, "lanvalidator", 2248)
	r.add("oid", 13563, "lanname", "plpgsql", "lanowner", OwnerOID, "lanispl", true, "lanpltrusted", true,
		"lanplcallfoid", 13560, "laninline", 13561, "lanvalidator", 13562)
}

func fillExtension(_ *systemBuilder, r *rows) {
	r.add("oid", 13559, "extname", "plpgsql", "extowner", OwnerOID, "extnamespace", pgCatalogOID,
		"extrelocatable", false, "extversion", "1.0")
}

func fillTables(b *systemBuilder, r *rows) {
	for _, rel := range b.relations() {
		if rel.kind == "r" {
			r.add("schemaname", rel.schema, "tablename", rel.name, "tableowner", OwnerName)
		}
	}
}

func fillViews(b *systemBuilder, r *rows) {
	for _, t := range b.tables {
		if t.View != nil {
			r.add("schemaname", t.Schema, "viewname", t.Name, "viewowner", OwnerName, "definition", t.View.Definition)
		}
	}
}

func fillInfoViews(b *systemBuilder, r *rows) {
	for _, t := range b.tables {
		if t.View != nil {
			r.add("table_catalog", b.dbName, "table_schema", t.Schema, "table_name", t.Name, "view_definition", t.View.Definition,
				"check_option", "NONE", "is_updatable", "NO", "is_insertable_into", "NO", "is_trigger_updatable", "NO",
				"is_trigger_deletable", "NO", "is_trigger_insertable_into", "NO")
		}
	}
}

func fillSchemata(b *systemBuilder, r *rows) {
	for _, n := range systemNamespaces {
		r.add("catalog_name", b.dbName, "schema_name", n.name, "schema_owner", OwnerName)
	}
	for _, s := range b.schemas {
		owner := OwnerName
		if schemaOwner(s) == DatabaseOwnerOID {
			owner = DatabaseOwnerName
		}
		r.add("catalog_name", b.dbName, "schema_name", s.Name, "schema_owner", owner)
	}
}

func fillInfoTables(b *systemBuilder, r *rows) {
	for _, rel := range b.relations() {
		if rel.kind == "i" || rel.kind == "S" {
			continue // information_schema lists tables and views, not indexes or sequences
		}
		typ := "BASE TABLE"
		if rel.kind == "v" {
			typ = "VIEW"
		}
		insertable := "NO"
		if rel.writable {
			insertable = "YES"
		}
		r.add("table_catalog", b.dbName, "table_schema", rel.schema, "table_name", rel.name, "table_type", typ,
			"is_insertable_into", insertable, "is_typed", "NO")
	}
}

func fillInfoColumns(b *systemBuilder, r *rows) {
	defaults := b.columnDefaults()
	identities := b.identities()
	for _, rel := range b.relations() {
		if rel.kind == "i" || rel.kind == "S" {
			continue
		}
		for i, f := range rel.arrow.Fields() {
			pt, err := pgtypes.FromField(f)
			if err != nil {
				pt = pgtypes.Type{OID: pgtypes.TextOID, Name: "text"}
			}
			dataType, udt := pt.Name, ""
			if name, ok := TypeName(int64(pt.OID)); ok {
				udt = name
			}
			if _, ok := f.Type.(arrow.ListLikeType); ok {
				dataType = "ARRAY"
			}
			nullable := "YES"
			if !f.Nullable {
				nullable = "NO"
			}
			updatable := "NO"
			if rel.writable {
				updatable = "YES"
			}
			row := []any{"table_catalog", b.dbName, "table_schema", rel.schema, "table_name", rel.name,
				"column_name", f.Name, "ordinal_position", i + 1, "is_nullable", nullable, "data_type", dataType,
				"udt_catalog", b.dbName, "udt_schema", PgCatalog, "udt_name", udt, "dtd_identifier", strconv.Itoa(i + 1),
				"is_self_referencing", "NO", "is_generated", "NEVER", "is_updatable", updatable, "identity_cycle", "NO"}
			if id := identities[rel.oid][i]; id != nil {
				generation := "BY DEFAULT"
				if id.Always {
					generation = "ALWAYS"
				}
				row = append(row, "is_identity", "YES", "identity_generation", generation,
					"identity_start", strconv.FormatInt(id.Start, 10), "identity_increment", strconv.FormatInt(id.Increment, 10),
					"identity_maximum", strconv.FormatInt(id.Max, 10), "identity_minimum", strconv.FormatInt(id.Min, 10))
			} else {
				row = append(row, "is_identity", "NO")
			}
			if d, ok := defaults[rel.oid][i]; ok {
				row = append(row, "column_default", d)
			}
			if n := pgtypes.CharLength(f); n > 0 {
				// varchar(n), char(n): PostgreSQL counts 4 bytes a character.
				row = append(row, "character_maximum_length", n, "character_octet_length", 4*n)
			} else if p := pgtypes.FractionDigits(f); p >= 0 {
				row = append(row, "datetime_precision", int(p)) // time(p), timestamp(p)
			} else {
				row = append(row, numericFacts(f.Type)...)
			}
			r.add(row...)
		}
	}
}

// numericFacts are information_schema.columns' precision columns for a
// type, as PostgreSQL reports them.
func numericFacts(dt arrow.DataType) []any {
	binary := func(bits int) []any {
		return []any{"numeric_precision", bits, "numeric_precision_radix", 2, "numeric_scale", 0}
	}
	pt, _ := pgtypes.FromArrow(dt)
	switch pt.OID {
	case pgtypes.Int2OID:
		return binary(16)
	case pgtypes.Int4OID:
		return binary(32)
	case pgtypes.Int8OID:
		return binary(64)
	case pgtypes.Float4OID:
		return []any{"numeric_precision", 24, "numeric_precision_radix", 2}
	case pgtypes.Float8OID:
		return []any{"numeric_precision", 53, "numeric_precision_radix", 2}
	case pgtypes.NumericOID:
		if d, ok := dt.(*arrow.Decimal128Type); ok && d.Scale >= 0 {
			return []any{"numeric_precision", int(d.Precision), "numeric_precision_radix", 10, "numeric_scale", int(d.Scale)}
		}
		return []any{"numeric_precision_radix", 10}
	case pgtypes.TextOID, pgtypes.VarcharOID:
		return []any{"character_octet_length", 1073741824}
	case pgtypes.DateOID:
		return []any{"datetime_precision", 0}
	case pgtypes.TimeOID, pgtypes.TimestampOID, pgtypes.TimestamptzOID, pgtypes.IntervalOID:
		return []any{"datetime_precision", 6}
	}
	return nil
}

func fillCharacterSets(b *systemBuilder, r *rows) {
	r.add("character_set_name", "UTF8", "character_repertoire", "UCS", "form_of_use", "UTF8",
		"default_collate_catalog", b.dbName, "default_collate_schema", PgCatalog, "default_collate_name", "C")
}

// Description is a comment on an object, as pg_description holds it.
type Description struct {
	ClassOID uint32 // the catalog the object is listed in (pg_class...)
	Class    string // that catalog's name
	ObjOID   uint32
	SubID    int32 // a column's number for a column's comment, else 0
	Text     string
}

// The catalogs comments are attached through (pg_description.classoid).
const (
	relationClassOID  = 1259 // pg_class
	namespaceClassOID = 2615 // pg_namespace
	typeClassOID      = 1247 // pg_type
)

// builtinDescriptions are the comments PostgreSQL 15 puts on the objects
// riffq emulates.
var builtinDescriptions = []Description{
	{ClassOID: namespaceClassOID, Class: "pg_namespace", ObjOID: pgCatalogOID, Text: "system catalog schema"},
	{ClassOID: namespaceClassOID, Class: "pg_namespace", ObjOID: pgToastOID, Text: "reserved schema for TOAST tables"},
	{ClassOID: 3079, Class: "pg_extension", ObjOID: 13559, Text: "PL/pgSQL procedural language"},
	{ClassOID: 2612, Class: "pg_language", ObjOID: 13563, Text: "PL/pgSQL procedural language"},
}

func fillDescription(b *systemBuilder, r *rows) {
	tables := make([]*Table, len(b.tables))
	for i, t := range b.tables {
		tables[i] = t.Table
	}
	for _, d := range descriptions(b.schemas, tables) {
		r.add("objoid", d.ObjOID, "classoid", d.ClassOID, "objsubid", d.SubID, "description", d.Text)
	}
	for _, oid := range slices.Sorted(maps.Keys(builtinTypeComments)) {
		r.add("objoid", oid, "classoid", typeClassOID, "objsubid", 0, "description", builtinTypeComments[oid])
	}
	r.static = append(r.static, b.builtins.descriptions)
}

// descriptions lists PostgreSQL's comments on the objects riffq emulates,
// then those on the schemas and tables given; the catalog's lock is held.
func descriptions(schemas []*Schema, tables []*Table) []Description {
	out := slices.Clone(builtinDescriptions)
	for _, s := range schemas {
		if s.comment != "" {
			out = append(out, Description{ClassOID: namespaceClassOID, Class: "pg_namespace", ObjOID: s.OID, Text: s.comment})
		}
	}
	for _, t := range tables {
		if t.comment != "" {
			out = append(out, Description{ClassOID: relationClassOID, Class: "pg_class", ObjOID: t.OID, Text: t.comment})
		}
		for _, i := range slices.Sorted(maps.Keys(t.columnComments)) {
			out = append(out, Description{ClassOID: relationClassOID, Class: "pg_class", ObjOID: t.OID, SubID: int32(i + 1), Text: t.columnComments[i]})
		}
	}
	return out
}

// SettingsTable is pg_settings for a session's settings, given as name,
// value and description: the catalog has no session, so the planner builds
// it for each statement that reads it.
func SettingsTable(settings [][3]string) (*Table, error) {
	rel := systemIndex[[2]string{PgCatalog, "pg_settings"}]
	r := newRows(rel)
	for _, s := range settings {
		r.add("name", s[0], "setting", s[1], "category", "Client Connection Defaults", "short_desc", s[2],
			"context", "user", "vartype", "string", "source", "session", "reset_val", s[1], "pending_restart", false)
	}
	mt, err := r.table()
	if err != nil {
		return nil, err
	}
	return &Table{Schema: PgCatalog, Name: rel.name, OID: rel.oid, Provider: mt, System: true}, nil
}

// Activity is one session as pg_stat_activity shows it.
type Activity struct {
	PID                                          uint32
	User, Database, ApplicationName              string
	ClientAddr                                   string // "" when not TCP
	ClientPort                                   int    // -1 for a Unix socket
	BackendStart, XactStart, QueryStart, Changed time.Time
	State, Query                                 string
}

// ActivityTable is pg_stat_activity for the sessions given (the catalog
// does not know them: the planner builds it for each statement reading it).
func (c *Catalog) ActivityTable(db string, sessions []Activity) (*Table, error) {
	rel := systemIndex[[2]string{PgCatalog, "pg_stat_activity"}]
	r := newRows(rel)
	ts := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t
	}
	for _, a := range sessions {
		var dbOID any
		c.mu.RLock()
		if d, ok := c.databases[a.Database]; ok {
			dbOID = d.OID
		} else if len(c.databases) == 0 {
			dbOID = c.fallback.OID
		}
		c.mu.RUnlock()
		var addr, port any
		if a.ClientAddr != "" {
			addr, port = a.ClientAddr, a.ClientPort
		}
		r.add("datid", dbOID, "datname", a.Database, "pid", int(a.PID), "usesysid", int64(RoleOID(a.User)), "usename", a.User,
			"application_name", a.ApplicationName, "client_addr", addr, "client_port", port,
			"backend_start", ts(a.BackendStart), "xact_start", ts(a.XactStart), "query_start", ts(a.QueryStart),
			"state_change", ts(a.Changed), "state", a.State, "query", a.Query, "backend_type", "client backend")
	}
	mt, err := r.table()
	if err != nil {
		return nil, err
	}
	return &Table{Database: db, Schema: PgCatalog, Name: rel.name, OID: rel.oid, Provider: mt, System: true}, nil
}

// sequenceTypeOID is the type OID of a sequence's integer type.
func sequenceTypeOID(t arrow.DataType) uint32 {
	switch t.ID() {
	case arrow.INT16:
		return 21
	case arrow.INT32:
		return 23
	}
	return 20
}

// fillInfoSequences is information_schema.sequences: the values as text,
// the type's precision in bits.
func fillInfoSequences(b *systemBuilder, r *rows) {
	for _, t := range b.tables {
		sp, ok := t.Provider.(sources.SequenceProvider)
		if !ok {
			continue
		}
		s := sp.Sequence()
		name, bits := "bigint", int32(64)
		switch s.Type.ID() {
		case arrow.INT16:
			name, bits = "smallint", 16
		case arrow.INT32:
			name, bits = "integer", 32
		}
		text := func(v int64) string { return strconv.FormatInt(v, 10) }
		r.add("sequence_catalog", b.dbName, "sequence_schema", t.Schema, "sequence_name", t.Name, "data_type", name,
			"numeric_precision", bits, "numeric_precision_radix", int32(2), "numeric_scale", int32(0),
			"start_value", text(s.Start), "minimum_value", text(s.Min), "maximum_value", text(s.Max),
			"increment", text(s.Increment), "cycle_option", "NO")
	}
}

func fillSequence(b *systemBuilder, r *rows) {
	for _, t := range b.tables {
		if sp, ok := t.Provider.(sources.SequenceProvider); ok {
			s := sp.Sequence()
			r.add("seqrelid", t.OID, "seqtypid", sequenceTypeOID(s.Type), "seqstart", s.Start, "seqincrement", s.Increment,
				"seqmax", s.Max, "seqmin", s.Min, "seqcache", s.Cache, "seqcycle", false)
		}
	}
}

func fillSequences(b *systemBuilder, r *rows) {
	for _, t := range b.tables {
		if sp, ok := t.Provider.(sources.SequenceProvider); ok {
			s := sp.Sequence()
			var last any = null{} // NULL until a value is handed out
			if s.Called {
				last = s.Last
			}
			r.add("schemaname", t.Schema, "sequencename", t.Name, "sequenceowner", OwnerName, "data_type", int64(sequenceTypeOID(s.Type)),
				"start_value", s.Start, "min_value", s.Min, "max_value", s.Max, "increment_by", s.Increment,
				"cycle", false, "cache_size", s.Cache, "last_value", last)
		}
	}
}

// systemSchemaACL is pg_catalog's and information_schema's ACL in
// PostgreSQL 15: the superuser may use and create in them, everyone may
// use them.
var systemSchemaACL = []string{OwnerName + "=UC/" + OwnerName, "=U/" + OwnerName}

// fillInitPrivs writes pg_init_privs: the privileges the built-in
// functions and pg_catalog and public start with. pg_dump dumps how an
// object's ACL differs from them, so without them it would dump REVOKEs
// for every built-in function whose ACL is not the default.
func fillInitPrivs(b *systemBuilder, r *rows) {
	eachProc(func(cols map[string]any, _ string) {
		if acl, ok := cols["proacl"].(string); ok {
			r.add("objoid", int64(parseOID(cols["oid"].(string))), "classoid", procClassOID, "objsubid", 0,
				"privtype", "i", "initprivs", splitArrayLiteral(acl))
		}
	})
	r.add("objoid", pgCatalogOID, "classoid", namespaceClassOID, "objsubid", 0, "privtype", "i", "initprivs", systemSchemaACL)
	r.add("objoid", publicOID, "classoid", namespaceClassOID, "objsubid", 0, "privtype", "i",
		"initprivs", []string{"pg_database_owner=UC/pg_database_owner", "=U/pg_database_owner"})
}
