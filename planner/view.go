package planner

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/pgerror"
)

// planCreateView plans CREATE [OR REPLACE] VIEW name [(columns)] AS
// SELECT: the query is bound now, to check it and learn its columns, and
// stored as text; each use binds it again, so it reads the tables' data at
// that time.
func (p *Planner) planCreateView(b *binder, vs *pg_query.ViewStmt) (*Query, error) {
	sel := vs.Query.GetSelectStmt()
	if sel == nil {
		return nil, b.unsupported(-1, "views other than SELECT are not supported")
	}
	if vs.View.Catalogname != "" && vs.View.Catalogname != b.db {
		return nil, b.errorf(pgerror.FeatureNotSupported, vs.View.Location, "cross-database references are not implemented: %s.%s.%s",
			vs.View.Catalogname, vs.View.Schemaname, vs.View.Relname)
	}
	b.rec = newViewRecord()
	b.reads = make(map[[2]string]bool)
	logical, err := b.bindSelect(sel)
	rec, reads := b.rec, b.reads
	b.rec, b.reads = nil, nil
	if err != nil {
		return nil, err
	}
	fields := logical.Schema().Fields()
	if len(vs.Aliases) > len(fields) {
		return nil, pgerror.New(pgerror.SyntaxError, "CREATE VIEW specifies more column names than columns")
	}
	seen := make(map[string]bool, len(fields))
	for i := range fields {
		if i < len(vs.Aliases) {
			fields[i].Name = vs.Aliases[i].GetString_().GetSval()
		}
		if seen[fields[i].Name] {
			return nil, pgerror.New(pgerror.DuplicateColumn, "column \"%s\" specified more than once", fields[i].Name)
		}
		seen[fields[i].Name] = true
		fields[i].Nullable = true
	}
	text := b.text // this statement's, not its query string's others
	if text == "" {
		text = b.sql
	}
	view := &catalog.View{SQL: text, Schema: arrow.NewSchema(fields, nil)}
	for r := range reads {
		view.Depends = append(view.Depends, r)
	}
	slices.SortFunc(view.Depends, func(a, b [2]string) int { return strings.Compare(a[0]+"."+a[1], b[0]+"."+b[1]) })
	var names []string
	for _, f := range fields {
		names = append(names, f.Name)
	}
	plain, err := printView(b, rec, sel, names, false)
	if err == nil {
		view.Pretty, err = printView(b, rec, sel, names, true)
	}
	if err != nil {
		// A construct the printer does not know: the text as written.
		view.Definition = viewDefinition(b.sql, vs.View.Location)
		view.Pretty = view.Definition
	} else {
		view.Definition = plain
	}
	db, schema, name, replace := b.db, vs.View.Schemaname, vs.View.Relname, vs.Replace
	return &Query{Tag: "CREATE VIEW", Run: func(context.Context) error {
		var prev *catalog.View // what CREATE OR REPLACE replaces
		if t, ok := b.lookupTable(schema, name); ok && replace {
			prev = t.View
		}
		if err := p.Catalog.AddView(db, schema, name, view, replace); err != nil {
			return err
		}
		if t, ok := b.lookupTable(schema, name); ok {
			p.restoreViewOnRollback(b, db, t.Schema, name, prev)
		}
		return nil
	}}, nil
}

// restoreViewOnRollback has a rolled-back transaction block put view
// schema.name back as prev, or drop it when prev is nil: views are
// created, replaced and dropped with the block, as in PostgreSQL.
func (p *Planner) restoreViewOnRollback(b *binder, db, schema, name string, prev *catalog.View) {
	b.onRollback(func() {
		_ = p.Catalog.DropView(db, schema, name, true)
		if prev != nil {
			_ = p.Catalog.AddView(db, schema, name, prev, false)
		}
	})
}

// planDropView plans DROP VIEW [IF EXISTS] name [, ...]. Tables come from
// sources and cannot be dropped through SQL.
func (p *Planner) planDropView(b *binder, ds *pg_query.DropStmt) (*Query, error) {
	if ds.RemoveType != pg_query.ObjectType_OBJECT_VIEW {
		return nil, b.unsupported(-1, "%s is not supported yet", statementName(&pg_query.Node{Node: &pg_query.Node_DropStmt{DropStmt: ds}}))
	}
	targets, err := b.dropTargets(ds)
	if err != nil {
		return nil, err
	}
	db, missingOK, cascade := b.db, ds.MissingOk, ds.Behavior == pg_query.DropBehavior_DROP_CASCADE
	return &Query{Tag: "DROP VIEW", Run: func(context.Context) error {
		if err := p.dropDependentViews(b, db, targets, true, cascade); err != nil {
			return err
		}
		for _, t := range targets {
			if _, found := b.cat.LookupTable(db, t.schema, t.name); !found && missingOK {
				b.notice("00000", "view \"%s\" does not exist, skipping", t.name)
				continue
			}
			rel := b.dropTargetTable(db, t)
			if err := p.Catalog.DropView(db, t.schema, t.name, missingOK); err != nil {
				return err
			}
			if rel != nil && rel.View != nil {
				p.restoreViewOnRollback(b, db, rel.Schema, rel.Name, rel.View)
			}
		}
		return nil
	}}, nil
}

// bindView binds a reference to a view: its query, bound on its own (it
// sees neither the referencing query's WITH queries nor its columns), as
// a subquery in FROM.
func (b *binder) bindView(t *catalog.Table, rv *pg_query.RangeVar) (Plan, *scope, error) {
	stmts, err := Parse(t.View.SQL)
	if err != nil || len(stmts) != 1 || stmts[0].Node.GetViewStmt() == nil {
		return nil, nil, b.errorf(pgerror.InternalError, rv.Location, "view %q has an unreadable definition", t.Name)
	}
	vb := &binder{sql: t.View.SQL, cat: b.cat, db: b.db, params: newParams(nil, nil), sess: b.sess, now: b.now}
	plan, err := vb.bindSelect(stmts[0].Node.GetViewStmt().Query.GetSelectStmt())
	if err != nil {
		return nil, nil, err
	}
	b.volatile = b.volatile || vb.volatile
	got, want := plan.Schema().NumFields(), t.View.Schema.NumFields()
	if got > want && slices.EqualFunc(plan.Schema().Fields()[:want], t.View.Schema.Fields(), func(a, b arrow.Field) bool { return arrow.TypeEqual(a.Type, b.Type) }) {
		// A SELECT * over a table that gained columns since: the view
		// keeps the ones it had, as PostgreSQL expands * when it
		// creates the view.
		got = want
	}
	if got != want {
		return nil, nil, b.errorf(pgerror.FeatureNotSupported, rv.Location, "view %q has %d columns now but %d when it was created", t.Name, got, want)
	}
	alias := rv.Relname
	var colnames []*pg_query.Node
	for _, f := range t.View.Schema.Fields() {
		colnames = append(colnames, pg_query.MakeStrNode(f.Name))
	}
	if rv.Alias != nil {
		alias = rv.Alias.Aliasname
		for i, c := range rv.Alias.Colnames {
			if i >= len(colnames) {
				return nil, nil, b.errorf(pgerror.InvalidColumnReference, rv.Location, "table \"%s\" has %d columns available but %d columns specified", alias, len(colnames), len(rv.Alias.Colnames))
			}
			colnames[i] = c
		}
	}
	// The view's columns, marked as its own (origins).
	view := columnsOf(plan, want).(*Project)
	view.View = t.OID
	return view, tableScope(alias, view.Schema(), colnames), nil
}

// dropTarget is a relation a DROP statement names.
type dropTarget struct{ schema, name string }

// dropTargets reads the [schema.]name list of DROP VIEW or DROP TABLE.
func (b *binder) dropTargets(ds *pg_query.DropStmt) ([]dropTarget, error) {
	var targets []dropTarget
	for _, o := range ds.Objects {
		items := o.GetList().GetItems()
		var t dropTarget
		switch len(items) {
		case 1:
			t.name = items[0].GetString_().GetSval()
		case 2:
			t.schema, t.name = items[0].GetString_().GetSval(), items[1].GetString_().GetSval()
		default:
			return nil, b.unsupported(-1, "cross-database references are not implemented")
		}
		targets = append(targets, t)
	}
	return targets, nil
}

// viewDefinition is the query text of the CREATE VIEW whose name starts at
// loc in sql: what follows its AS, up to the statement's end.
func viewDefinition(sql string, loc int32) string {
	res, err := scanSQL(sql)
	if err != nil {
		return ""
	}
	depth, start := 0, -1
	for _, tok := range res.Tokens {
		if tok.Start < loc {
			continue
		}
		switch tok.Token {
		case pg_query.Token_ASCII_40:
			depth++
		case pg_query.Token_ASCII_41:
			depth--
		case pg_query.Token_AS:
			if depth == 0 && start < 0 {
				start = int(tok.End)
			}
		case pg_query.Token_ASCII_59:
			if depth == 0 && start >= 0 {
				return strings.TrimSpace(sql[start:tok.Start])
			}
		}
	}
	if start < 0 {
		return ""
	}
	return strings.TrimSpace(sql[start:])
}

// dropDependentViews handles the views that read the relations a DROP
// names (and the views reading those, and so on): without CASCADE their
// existence fails the DROP (2BP01), as in PostgreSQL; with it they are
// dropped first.
func (p *Planner) dropDependentViews(b *binder, db string, targets []dropTarget, views, cascade bool) error {
	all := b.cat.Tables(db)
	dropping := make(map[[2]string]bool)
	var roots []*catalog.Table
	for _, t := range targets {
		// A relation of the wrong kind fails the DROP itself.
		if rel := b.dropTargetTable(db, t); rel != nil && (rel.View != nil) == views {
			dropping[[2]string{rel.Schema, rel.Name}] = true
			roots = append(roots, rel)
		}
	}
	kind := func(t *catalog.Table) string {
		if t.View != nil {
			return "view"
		}
		return "table"
	}
	var deps []string
	var dependents []*catalog.Table
	var visit func(rel *catalog.Table)
	visit = func(rel *catalog.Table) {
		for _, v := range all {
			if v.View == nil || dropping[[2]string{v.Schema, v.Name}] || !slices.Contains(v.View.Depends, [2]string{rel.Schema, rel.Name}) {
				continue
			}
			dropping[[2]string{v.Schema, v.Name}] = true
			deps = append(deps, fmt.Sprintf("view %s depends on %s %s", v.Name, kind(rel), rel.Name))
			dependents = append(dependents, v)
			visit(v)
		}
	}
	for _, rel := range roots {
		visit(rel)
	}
	switch {
	case len(dependents) == 0:
		return nil
	case !cascade:
		return pgerror.New("2BP01", "cannot drop %s %s because other objects depend on it", kind(roots[0]), roots[0].Name).
			WithDetail("%s", strings.Join(deps, "\n")).
			WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
	case len(dependents) == 1:
		b.notice("00000", "drop cascades to view %s", dependents[0].Name)
	default:
		b.notice("00000", "drop cascades to %d other objects", len(dependents))
	}
	for i := len(dependents) - 1; i >= 0; i-- {
		if err := p.Catalog.DropView(db, dependents[i].Schema, dependents[i].Name, true); err != nil {
			return err
		}
		p.restoreViewOnRollback(b, db, dependents[i].Schema, dependents[i].Name, dependents[i].View)
	}
	return nil
}

// dropTargetTable is the relation a DROP target names: in its schema, or
// by the search path.
func (b *binder) dropTargetTable(db string, t dropTarget) *catalog.Table {
	if t.schema != "" {
		rel, _ := b.cat.LookupTable(db, t.schema, t.name)
		return rel
	}
	rel, _ := b.lookupTable("", t.name)
	return rel
}
