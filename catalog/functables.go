package catalog

import (
	"github.com/riffq/riffq/sources"
)

// functionTables are the catalog functions clients call in FROM, with the
// columns PostgreSQL 15 gives them.
var functionTables = map[string]*systemRelation{
	"pg_get_keywords": {schema: PgCatalog, name: "pg_get_keywords", columns: []systemColumn{
		{"word", "text"}, {"catcode", `"char"`}, {"barelabel", "boolean"}, {"catdesc", "text"}, {"baredesc", "text"},
	}},
	"pg_available_extension_versions": {schema: PgCatalog, name: "pg_available_extension_versions", columns: []systemColumn{
		{"name", "name"}, {"version", "text"}, {"superuser", "boolean"}, {"trusted", "boolean"},
		{"relocatable", "boolean"}, {"schema", "name"}, {"requires", "name[]"}, {"comment", "text"},
	}},
	"pg_available_extensions": {schema: PgCatalog, name: "pg_available_extensions", columns: []systemColumn{
		{"name", "name"}, {"default_version", "text"}, {"comment", "text"},
	}},
}

// FunctionTable returns the rows of catalog function name called without
// arguments in FROM: pg_get_keywords()'s keywords, and no extensions to
// install (pg_available_extensions(), pg_available_extension_versions()).
func FunctionTable(name string) (*sources.MemTable, bool, error) {
	if name == "pg_timezone_names" {
		// The function the view of the name reads.
		for i := range systemRelations {
			if rel := &systemRelations[i]; rel.schema == PgCatalog && rel.name == name {
				r := newRows(rel)
				fillTimezoneNames(nil, r)
				mt, err := r.table()
				return mt, true, err
			}
		}
	}
	rel, ok := functionTables[name]
	if !ok {
		return nil, false, nil
	}
	r := newRows(rel)
	if name == "pg_get_keywords" {
		for _, k := range builtinKeywords {
			r.add("word", k[0], "catcode", k[1], "barelabel", k[2], "catdesc", k[3], "baredesc", k[4])
		}
	}
	mt, err := r.table()
	return mt, true, err
}
