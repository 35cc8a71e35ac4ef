package planner

import (
	"context"
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/sources"
)

// maxIdentifier is PostgreSQL's NAMEDATALEN - 1: longer names are cut.
const maxIdentifier = 63

// planCreateIndex plans CREATE [UNIQUE] INDEX [IF NOT EXISTS] [name] ON
// table [USING btree | hash] (column [opclass] [ASC | DESC] [NULLS FIRST |
// LAST], ...) on an in-memory table. ORMs and migration tools create
// indexes as a matter of course, so the statement must work; riffq reads
// no rows through an index, but lists it in the catalog, and a unique one
// refuses duplicates as a UNIQUE constraint does. Expression and partial
// indexes are refused rather than half-kept.
func (p *Planner) planCreateIndex(b *binder, is *pg_query.IndexStmt) (*Query, error) {
	rv := is.Relation
	if err := b.qualifiedName(rv); err != nil {
		return nil, err
	}
	t, ok := b.lookupTable(rv.Schemaname, rv.Relname)
	switch {
	case !ok:
		// PostgreSQL reports no position here.
		return nil, b.errorf(pgerror.UndefinedTable, -1, "relation %q does not exist", rv.Relname)
	case t.View != nil:
		return nil, b.errorf(pgerror.WrongObjectType, rv.Location, "cannot create index on relation %q", t.Name).
			WithDetail("This operation is not supported for views.")
	case t.System:
		return nil, b.errorf(pgerror.InsufficientPrivilege, rv.Location, "permission denied: %q is a system catalog", t.Name)
	}
	w, isWriter := t.Provider.(sources.Writer)
	ix, isIndexer := t.Provider.(sources.Indexer)
	if !isWriter || !isIndexer {
		return nil, b.errorf(pgerror.FeatureNotSupported, rv.Location, "cannot create index on table %q: its source is read-only", t.Name).
			WithHint("Only tables made with CREATE TABLE can have indexes.")
	}
	method := strings.ToLower(is.AccessMethod)
	switch method {
	case "btree", "hash":
	default:
		return nil, b.unsupported(-1, "index access method %q is not supported", is.AccessMethod)
	}
	if is.NullsNotDistinct {
		return nil, b.unsupported(-1, "UNIQUE NULLS NOT DISTINCT is not supported yet")
	}
	if is.Unique && method != "btree" {
		return nil, b.errorf(pgerror.FeatureNotSupported, -1, "access method %q does not support unique indexes", method)
	}
	if is.WhereClause != nil {
		return nil, b.unsupported(nodeLocation(is.WhereClause), "partial indexes (CREATE INDEX ... WHERE) are not supported")
	}
	if len(is.IndexIncludingParams) > 0 {
		return nil, b.unsupported(-1, "CREATE INDEX ... INCLUDE is not supported")
	}
	fields := t.Provider.Schema().Fields()
	index := sources.Index{Method: method, Unique: is.Unique}
	var names []string
	for _, n := range is.IndexParams {
		el := n.GetIndexElem()
		if el.Expr != nil || el.Name == "" {
			return nil, b.unsupported(nodeLocation(el.Expr), "indexes on expressions are not supported")
		}
		col := -1
		for i, f := range fields {
			if f.Name == el.Name {
				col = i
			}
		}
		if col < 0 {
			return nil, b.errorf(pgerror.UndefinedColumn, -1, "column \"%s\" does not exist", el.Name)
		}
		var opclass string
		if len(el.Opclass) > 0 {
			opclass = el.Opclass[len(el.Opclass)-1].GetString_().GetSval()
		}
		desc, nullsFirst := sortDirection(el.Ordering, el.NullsOrdering)
		index.Columns = append(index.Columns, col)
		index.Desc = append(index.Desc, desc)
		index.NullsFirst = append(index.NullsFirst, nullsFirst)
		index.Opclass = append(index.Opclass, opclass)
		names = append(names, el.Name)
	}
	db, schema := b.db, t.Schema
	index.Name = is.Idxname
	if index.Name == "" {
		index.Name = b.indexName(db, schema, t.Name, names)
	}
	return &Query{Tag: "CREATE INDEX", Run: func(ctx context.Context) error {
		if p.Catalog.RelationExists(db, schema, index.Name) {
			if is.IfNotExists {
				b.notice("42P07", "relation \"%s\" already exists, skipping", index.Name)
				return nil
			}
			return pgerror.New(pgerror.DuplicateTable, "relation \"%s\" already exists", index.Name)
		}
		unlock, err := b.lockWriter(ctx, w)
		if err != nil {
			return err
		}
		defer unlock()
		if err := ix.AddIndex(index); err != nil {
			return err
		}
		p.Catalog.IndexesChanged(db, schema, t.Name)
		b.onRollback(func() {
			w.Lock()
			ix.DropIndex(index.Name)
			w.Unlock()
			p.Catalog.IndexesChanged(db, schema, t.Name)
		})
		return nil
	}}, nil
}

// indexName is the name PostgreSQL gives an index CREATE INDEX leaves
// unnamed: table_column[_column...]_idx, cut to 63 bytes, with a number
// added until no relation of the schema has it.
func (b *binder) indexName(db, schema, table string, columns []string) string {
	base := table + "_" + strings.Join(columns, "_")
	for i := 0; ; i++ {
		suffix := "_idx"
		if i > 0 {
			suffix = fmt.Sprintf("_idx%d", i)
		}
		name := base
		if len(name)+len(suffix) > maxIdentifier {
			name = name[:maxIdentifier-len(suffix)]
		}
		name += suffix
		if !b.cat.RelationExists(db, schema, name) {
			return name
		}
	}
}

// planDropIndex plans DROP INDEX [IF EXISTS] name [, ...] of indexes made
// with CREATE INDEX; a constraint's index goes with its constraint.
func (p *Planner) planDropIndex(b *binder, ds *pg_query.DropStmt) (*Query, error) {
	targets, err := b.dropTargets(ds)
	if err != nil {
		return nil, err
	}
	db, missingOK := b.db, ds.MissingOk
	return &Query{Tag: "DROP INDEX", Run: func(ctx context.Context) error {
		for _, target := range targets {
			schemas := []string{target.schema}
			if target.schema == "" {
				schemas = []string{b.tempSchema(), catalog.DefaultSchema}
			}
			var (
				t          *catalog.Table
				constraint string
				found      bool
			)
			for _, s := range schemas {
				if t, constraint, found = b.cat.IndexTable(db, s, target.name); found {
					break
				}
			}
			switch {
			case !found && missingOK:
				b.notice("00000", "index \"%s\" does not exist, skipping", target.name)
				continue
			case !found:
				return pgerror.New("42704", "index \"%s\" does not exist", target.name)
			case constraint != "":
				return pgerror.New("2BP01", "cannot drop index %s because constraint %s on table %s requires it", target.name, constraint, t.Name).
					WithHint("You can drop constraint %s on table %s instead.", constraint, t.Name)
			}
			w := t.Provider.(sources.Writer)
			ix := t.Provider.(sources.Indexer)
			unlock, err := b.lockWriter(ctx, w)
			if err != nil {
				return err
			}
			var dropped sources.Index
			for _, i := range ix.Indexes() {
				if i.Name == target.name {
					dropped = i
				}
			}
			ix.DropIndex(target.name)
			unlock()
			p.Catalog.IndexesChanged(db, t.Schema, t.Name)
			b.onRollback(func() {
				w.Lock()
				_ = ix.AddIndex(dropped) // the rows it held are back, so it holds again
				w.Unlock()
				p.Catalog.IndexesChanged(db, t.Schema, t.Name)
			})
		}
		return nil
	}}, nil
}
