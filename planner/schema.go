package planner

import (
	"context"
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/pgerror"
)

// schemaExists fails with 3F000 at loc when a CREATE names a schema that
// does not exist (the catalog checks again when the statement runs).
func (b *binder) schemaExists(schema string, loc int32) error {
	if schema == "" || catalog.IsTempSchema(schema) || schema == catalog.PgCatalog || schema == catalog.InformationSchema || b.hasSchema(schema) {
		return nil
	}
	return b.errorf(pgerror.InvalidSchemaName, loc, "schema \"%s\" does not exist", schema)
}

// hasSchema reports whether the session's database has schema.
func (b *binder) hasSchema(schema string) bool {
	for _, s := range b.cat.SchemaNames(b.db) {
		if s == schema {
			return true
		}
	}
	return false
}

// planCreateSchema plans CREATE SCHEMA [IF NOT EXISTS] name [AUTHORIZATION
// role], as migration tools send it: the schema holds in-memory tables,
// views and sequences made in it, and ROLLBACK of its block removes it.
func (p *Planner) planCreateSchema(b *binder, cs *pg_query.CreateSchemaStmt) (*Query, error) {
	if len(cs.SchemaElts) > 0 {
		return nil, pgerror.New(pgerror.FeatureNotSupported, "CREATE SCHEMA with the objects to create in it is not supported yet")
	}
	name := cs.Schemaname
	if name == "" && cs.Authrole != nil {
		name = cs.Authrole.Rolename // CREATE SCHEMA AUTHORIZATION joe names it joe
	}
	if strings.HasPrefix(name, "pg_") {
		return nil, pgerror.New("42939", "unacceptable schema name \"%s\"", name).
			WithDetail("The prefix \"pg_\" is reserved for system schemas.")
	}
	db, ifNotExists := b.db, cs.IfNotExists
	return &Query{Tag: "CREATE SCHEMA", Run: func(context.Context) error {
		if !p.Catalog.CreateSchema(db, name) {
			if ifNotExists {
				b.notice("42P06", "schema \"%s\" already exists, skipping", name)
				return nil
			}
			return pgerror.New("42P06", "schema \"%s\" already exists", name)
		}
		b.onRollback(func() { p.Catalog.DropSchema(db, name) })
		return nil
	}}, nil
}

// planDropSchema plans DROP SCHEMA [IF EXISTS] name [, ...] [CASCADE |
// RESTRICT] of empty schemas: one that still holds relations is kept, as
// RESTRICT keeps it; CASCADE, which would drop them, is refused then.
func (p *Planner) planDropSchema(b *binder, ds *pg_query.DropStmt) (*Query, error) {
	cascade := ds.Behavior == pg_query.DropBehavior_DROP_CASCADE
	var names []string
	for _, o := range ds.Objects {
		names = append(names, o.GetString_().GetSval())
	}
	db := b.db
	return &Query{Tag: "DROP SCHEMA", Run: func(context.Context) error {
		for _, name := range names {
			if name == catalog.PgCatalog || name == catalog.InformationSchema {
				return pgerror.New("2BP01", "cannot drop schema %s because it is required by the database system", name)
			}
			ok, relations := p.Catalog.DropSchema(db, name)
			switch {
			case !ok && ds.MissingOk:
				b.notice("00000", "schema \"%s\" does not exist, skipping", name)
			case !ok:
				return pgerror.New(pgerror.InvalidSchemaName, "schema \"%s\" does not exist", name)
			case len(relations) > 0 && cascade:
				return pgerror.New(pgerror.FeatureNotSupported, "DROP SCHEMA ... CASCADE of a schema that holds relations is not supported yet").
					WithHint("Drop the schema's tables and views first.")
			case len(relations) > 0:
				detail := make([]string, len(relations))
				for i, r := range relations {
					detail[i] = fmt.Sprintf("relation %s.%s depends on schema %s", name, r, name)
				}
				return pgerror.New("2BP01", "cannot drop schema %s because other objects depend on it", name).
					WithDetail("%s", strings.Join(detail, "\n")).WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
			default:
				b.onRollback(func() { p.Catalog.CreateSchema(db, name) })
			}
		}
		return nil
	}}, nil
}
