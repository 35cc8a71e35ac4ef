package planner

import (
	"context"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/pgerror"
)

// planComment plans COMMENT ON TABLE, VIEW, COLUMN and SCHEMA: the comment
// goes into the catalog (pg_description, obj_description, psql's \d+), and
// IS NULL or ” removes it.
func (p *Planner) planComment(b *binder, cs *pg_query.CommentStmt) (*Query, error) {
	var names []string
	if l := cs.Object.GetList(); l != nil {
		for _, it := range l.Items {
			names = append(names, it.GetString_().GetSval())
		}
	} else if s := cs.Object.GetString_(); s != nil {
		names = []string{s.Sval}
	}
	db, text := b.db, cs.Comment
	// set changes a comment to text; a rollback of the block (or of the
	// implicit transaction) puts the one before back.
	run := func(set func(text string) (string, error)) (*Query, error) {
		return &Query{Tag: "COMMENT", Run: func(context.Context) error {
			prev, err := set(text)
			if err == nil {
				b.onRollback(func() { _, _ = set(prev) })
			}
			return err
		}}, nil
	}
	switch cs.Objtype {
	case pg_query.ObjectType_OBJECT_SCHEMA:
		if len(names) != 1 {
			return nil, pgerror.New(pgerror.SyntaxError, "schema name cannot be qualified")
		}
		return run(func(text string) (string, error) { return p.Catalog.SetSchemaComment(db, names[0], text) })
	case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_VIEW:
		t, err := b.commentTarget(names)
		if err != nil {
			return nil, err
		}
		isView := cs.Objtype == pg_query.ObjectType_OBJECT_VIEW
		switch {
		case isView && t.View == nil:
			return nil, pgerror.New(pgerror.WrongObjectType, "\"%s\" is not a view", t.Name)
		case !isView && t.View != nil:
			return nil, pgerror.New(pgerror.WrongObjectType, "\"%s\" is not a table", t.Name)
		}
		return run(func(text string) (string, error) { return p.Catalog.SetComment(db, t.Schema, t.Name, "", text) })
	case pg_query.ObjectType_OBJECT_COLUMN:
		if len(names) < 2 {
			return nil, pgerror.New(pgerror.SyntaxError, "column name must be qualified")
		}
		t, err := b.commentTarget(names[:len(names)-1])
		if err != nil {
			return nil, err
		}
		column := names[len(names)-1]
		return run(func(text string) (string, error) { return p.Catalog.SetComment(db, t.Schema, t.Name, column, text) })
	}
	return nil, pgerror.New(pgerror.FeatureNotSupported, "COMMENT ON %s is not supported", objectTypeName(cs.Objtype))
}

// commentTarget finds the relation a COMMENT names ([[db.]schema.]name).
func (b *binder) commentTarget(names []string) (*catalog.Table, error) {
	var schema, name string
	switch len(names) {
	case 1:
		name = names[0]
	case 2:
		schema, name = names[0], names[1]
	case 3:
		if names[0] != b.db {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "cross-database references are not implemented: %s.%s.%s", names[0], names[1], names[2])
		}
		schema, name = names[1], names[2]
	default:
		return nil, pgerror.New(pgerror.SyntaxError, "improper relation name (too many dotted names)")
	}
	t, ok := b.lookupTable(schema, name)
	if !ok {
		return nil, pgerror.New(pgerror.UndefinedTable, "relation \"%s\" does not exist", name)
	}
	if t.System {
		return nil, pgerror.New(pgerror.InsufficientPrivilege, "must be owner of relation %s", t.Name)
	}
	return t, nil
}

// objectTypeName spells an object type as SQL does: OBJECT_FOREIGN_TABLE
// is FOREIGN TABLE, OBJECT_MATVIEW MATERIALIZED VIEW.
func objectTypeName(t pg_query.ObjectType) string {
	if t == pg_query.ObjectType_OBJECT_MATVIEW {
		return "MATERIALIZED VIEW"
	}
	name := strings.TrimPrefix(t.String(), "OBJECT_")
	return strings.ReplaceAll(name, "_", " ")
}
