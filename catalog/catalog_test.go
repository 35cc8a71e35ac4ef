package catalog

import (
	"context"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/riffq/riffq/sources"
)

func table(t *testing.T, fields ...arrow.Field) *sources.MemTable {
	t.Helper()
	mt, err := sources.NewMemTable(arrow.NewSchema(fields, nil))
	if err != nil {
		t.Fatal(err)
	}
	return mt
}

// relnames scans pg_class's relname for the rows in namespace nsp.
func relnames(t *testing.T, c *Catalog, db string, nsp int64) []string {
	t.Helper()
	pc, ok := c.LookupTable(db, "", "pg_class")
	if !ok || !pc.System {
		t.Fatal("pg_class not found on the search path")
	}
	s := pc.Provider.Schema()
	rdr, err := pc.Provider.Scan(context.Background(), sources.ScanRequest{Projection: []int{s.FieldIndices("relname")[0], s.FieldIndices("relnamespace")[0]}, Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	var out []string
	for rdr.Next() {
		b := rdr.RecordBatch()
		for i := range int(b.NumRows()) {
			if b.Column(1).(*array.Int64).Value(i) == nsp {
				out = append(out, b.Column(0).(*array.String).Value(i))
			}
		}
	}
	return out
}

func TestSystemTablesFollowRegistrations(t *testing.T) {
	c := New("app")
	a := table(t, arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int32})
	if err := c.AddTable("", "", "a", a, TableInfo{}); err != nil {
		t.Fatal(err)
	}
	if got := relnames(t, c, "app", publicOID); len(got) != 1 || got[0] != "a" {
		t.Fatalf("public relations %v, want [a]", got)
	}
	if err := c.AddTable("", "", "b", a, TableInfo{}); err != nil {
		t.Fatal(err)
	}
	if got := relnames(t, c, "app", publicOID); len(got) != 2 {
		t.Fatalf("after registering b: %v", got)
	}
	ta, _ := c.LookupTable("app", "", "a")
	tb, _ := c.LookupTable("app", "public", "b")
	if ta.OID < FirstUserOID || tb.OID != ta.OID+1 {
		t.Errorf("OIDs %d, %d: want consecutive from %d in registration order", ta.OID, tb.OID, FirstUserOID)
	}
	for _, s := range []string{PgCatalog, InformationSchema} {
		if err := c.AddTable("", s, "t", a, TableInfo{}); err == nil {
			t.Errorf("registered a table in %s", s)
		}
		if err := c.AddSchema("", s); err == nil {
			t.Errorf("registered schema %s", s)
		}
	}
	if _, ok := c.LookupTable("app", InformationSchema, "columns"); !ok {
		t.Error("information_schema.columns missing")
	}
	if _, ok := c.LookupTable("app", "public", "pg_class"); ok {
		t.Error("pg_class found in public")
	}
}

func TestFormatType(t *testing.T) {
	for _, tc := range []struct {
		oid    int64
		typmod int32
		want   string
	}{
		{16, -1, "boolean"}, {20, -1, "bigint"}, {1043, 14, "character varying(10)"}, {1043, -1, "character varying"},
		{1700, (12<<16 | 2) + 4, "numeric(12,2)"}, {1700, -1, "numeric"}, {1184, 3, "timestamp(3) with time zone"},
		{1007, -1, "integer[]"}, {1009, -1, "text[]"}, {18, -1, `"char"`}, {19, -1, "name"}, {2950, -1, "uuid"},
		{4242424, -1, "???"},
	} {
		if got := FormatType(tc.oid, tc.typmod); got != tc.want {
			t.Errorf("FormatType(%d, %d) = %q, want %q", tc.oid, tc.typmod, got, tc.want)
		}
	}
}

// column scans one string column of relation schema.name as a session
// connected to database db sees it.
func column(t *testing.T, c *Catalog, db, schema, name, col string) []string {
	t.Helper()
	rel, ok := c.LookupTable(db, schema, name)
	if !ok {
		t.Fatalf("%s.%s not found", schema, name)
	}
	idx := rel.Provider.Schema().FieldIndices(col)
	if len(idx) != 1 {
		t.Fatalf("%s.%s has no column %s", schema, name, col)
	}
	rdr, err := rel.Provider.Scan(context.Background(), sources.ScanRequest{Projection: idx, Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	var out []string
	for rdr.Next() {
		a := rdr.RecordBatch().Column(0).(*array.String)
		for i := range a.Len() {
			out = append(out, a.Value(i))
		}
	}
	return out
}

// A session connected to a database name that is not registered sees the
// fallback database under its own name everywhere the catalog shows it.
func TestSystemTablesOfAnotherDatabaseName(t *testing.T) {
	c := New("app")
	a := table(t, arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int32})
	if err := c.AddTable("", "", "a", a, TableInfo{PrimaryKey: []string{"x"}}); err != nil {
		t.Fatal(err)
	}
	c.Warm()
	checks := []struct{ schema, name, col string }{
		{PgCatalog, "pg_database", "datname"},
		{InformationSchema, "tables", "table_catalog"},
		{InformationSchema, "columns", "table_catalog"},
		{InformationSchema, "columns", "udt_catalog"},
		{InformationSchema, "schemata", "catalog_name"},
		{InformationSchema, "table_constraints", "constraint_catalog"},
		{InformationSchema, "key_column_usage", "table_catalog"},
	}
	for _, db := range []string{"app", "postgres", "other"} {
		for _, ch := range checks {
			got := column(t, c, db, ch.schema, ch.name, ch.col)
			if len(got) == 0 {
				t.Errorf("%s: %s.%s has no rows", db, ch.name, ch.col)
			}
			for _, v := range got {
				if v != db {
					t.Errorf("%s: %s.%s holds %q", db, ch.name, ch.col, v)
					break
				}
			}
		}
	}
	// A registration reaches every name's tables.
	if err := c.AddTable("", "", "b", a, TableInfo{}); err != nil {
		t.Fatal(err)
	}
	for _, db := range []string{"postgres", "app"} {
		if got := relnames(t, c, db, publicOID); len(got) != 3 { // a, its key a_pkey, b
			t.Errorf("%s after registering b: public relations %v", db, got)
		}
		names := column(t, c, db, InformationSchema, "tables", "table_name")
		if !slices.Contains(names, "b") {
			t.Errorf("%s: information_schema.tables lacks b", db)
		}
	}
}
