package planner

import (
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/pgerror"
)

// How a statement's relation names resolve: the session's database, its
// temporary schema and search_path.

// qualifiedName checks a statement's table name is in the session's
// database.
func (b *binder) qualifiedName(rv *pg_query.RangeVar) error {
	if rv.Catalogname != "" && rv.Catalogname != b.db {
		return b.errorf(pgerror.FeatureNotSupported, rv.Location, "cross-database references are not implemented: %s.%s.%s", rv.Catalogname, rv.Schemaname, rv.Relname)
	}
	return nil
}

// tempSchema is the session's schema of temporary tables ("" without a
// session).
func (b *binder) tempSchema() string {
	if b.sess == nil {
		return ""
	}
	return catalog.TempSchema(b.sess.BackendPID())
}

// lookupTable finds a relation as the session's search path does: its
// temporary tables first (pg_temp names them too), then pg_catalog and
// public.
func (b *binder) lookupTable(schema, name string) (*catalog.Table, bool) {
	temp := b.tempSchema()
	if schema == "pg_temp" {
		schema = temp
	}
	if schema == "" && temp != "" {
		if t, ok := b.cat.LookupTable(b.db, temp, name); ok {
			return t, true
		}
	}
	if schema == "" {
		for _, s := range b.searchPath() {
			if t, ok := b.cat.LookupTable(b.db, s, name); ok {
				return t, true
			}
		}
	}
	return b.cat.LookupTable(b.db, schema, name)
}

// searchPath lists the schemas of the session's search_path other than
// the default ones, in order, with public where it stands; nil when the
// setting is the default. Unqualified names are looked up there, then in
// pg_catalog and public as always.
func (b *binder) searchPath() []string {
	if b.sess == nil {
		return nil
	}
	_, sp, err := b.sess.Setting("search_path")
	if err != nil || sp == DefaultSearchPath {
		return nil
	}
	var out []string
	for _, s := range strings.Split(sp, ",") {
		s = strings.TrimSpace(s)
		if unq, ok := strings.CutPrefix(s, `"`); ok {
			s = strings.ReplaceAll(strings.TrimSuffix(unq, `"`), `""`, `"`)
		} else {
			s = strings.ToLower(s)
		}
		switch s {
		case "", "$user":
			if s == "$user" && b.sess.UserName() != "" {
				out = append(out, b.sess.UserName())
			}
		default:
			out = append(out, s)
		}
	}
	return out
}

// pathSchemas lists the schemas of the session's search_path that exist,
// in order: what current_schema() and current_schemas() report.
func (b *binder) pathSchemas() []string {
	path := b.searchPath()
	if path == nil {
		path = []string{catalog.DefaultSchema}
		if b.sess != nil && b.sess.UserName() != "" {
			path = []string{b.sess.UserName(), catalog.DefaultSchema}
		}
	}
	var out []string
	for _, s := range path {
		if b.hasSchema(s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// DefaultSearchPath is search_path's default (the wire's setting), under
// which unqualified names resolve in pg_catalog, then public.
const DefaultSearchPath = `"$user", public`

// createSchema is the schema a CREATE TABLE [AS] puts its table in: the
// session's temporary schema for TEMP tables.
func (b *binder) createSchema(rel *pg_query.RangeVar) (string, error) {
	if rel.Relpersistence != "t" {
		if rel.Schemaname == "" {
			// The first schema of search_path that exists, as PostgreSQL
			// creates there.
			for _, s := range b.searchPath() {
				if s != catalog.PgCatalog && b.hasSchema(s) {
					return s, nil
				}
			}
		}
		return rel.Schemaname, nil
	}
	temp := b.tempSchema()
	switch {
	case temp == "":
		return "", b.unsupported(rel.Location, "temporary tables need a session")
	case rel.Schemaname != "" && rel.Schemaname != "pg_temp" && rel.Schemaname != temp:
		return "", b.errorf("42P16", rel.Location, "cannot create temporary relation in non-temporary schema")
	}
	return temp, nil
}
