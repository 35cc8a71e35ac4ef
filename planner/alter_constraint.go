package planner

import (
	"context"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/sources"
)

// planAddConstraints plans ALTER TABLE ... ADD [CONSTRAINT name] CHECK
// (...) | FOREIGN KEY (...) REFERENCES ..., as migration tools add foreign
// keys after creating the tables: the table's rows are checked against
// each new constraint first (23514, 23503), then it applies to every
// later write.
func (p *Planner) planAddConstraints(b *binder, as *pg_query.AlterTableStmt, t *catalog.Table, wt *writableTable) (*Query, error) {
	var checks []checkConstraint
	var fks []foreignKey
	taken := func(name string) bool {
		return slices.ContainsFunc(wt.checks, func(c checkConstraint) bool { return c.name == name }) ||
			slices.ContainsFunc(checks, func(c checkConstraint) bool { return c.name == name }) ||
			slices.ContainsFunc(wt.fks, func(f foreignKey) bool { return f.Name == name }) ||
			slices.ContainsFunc(fks, func(f foreignKey) bool { return f.Name == name })
	}
	unique := func(name string, given bool) (string, error) {
		if !taken(name) {
			return name, nil
		}
		if given {
			return "", pgerror.New("42710", "constraint \"%s\" for relation \"%s\" already exists", name, t.Name)
		}
		base := name
		for n := 1; taken(name); n++ {
			name = fmt.Sprintf("%s%d", base, n)
		}
		return name, nil
	}
	var keys []sources.UniqueKey
	notNull := make(map[int]bool) // columns a new primary key makes NOT NULL
	for _, n := range as.Cmds {
		c := n.GetAlterTableCmd().Def.GetConstraint()
		switch c.Contype {
		case pg_query.ConstrType_CONSTR_PRIMARY, pg_query.ConstrType_CONSTR_UNIQUE:
			k, err := b.addedKey(c, t, wt, keys)
			if err != nil {
				return nil, err
			}
			if k.Primary {
				for _, i := range k.Columns {
					notNull[i] = true
				}
			}
			keys = append(keys, k)
		case pg_query.ConstrType_CONSTR_CHECK:
			ck, err := b.bindCheck(c, t.Name, wt.Schema(), "")
			if err != nil {
				return nil, err
			}
			if ck.name, err = unique(ck.name, c.Conname != ""); err != nil {
				return nil, err
			}
			checks = append(checks, ck)
		case pg_query.ConstrType_CONSTR_FOREIGN:
			fk, err := b.bindForeignKey(c, wt, t.Schema, t.Name, "")
			if err != nil {
				return nil, err
			}
			if fk.Name, err = unique(fk.Name, c.Conname != ""); err != nil {
				return nil, err
			}
			fks = append(fks, fk)
		default:
			return nil, b.unsupported(c.Location, "ALTER TABLE ... ADD %s is not supported yet", constraintName(c))
		}
	}
	db := b.db
	return &Query{Tag: "ALTER TABLE", Run: func(ctx context.Context) error {
		unlock, err := b.lockWriter(ctx, wt)
		if err != nil {
			return err
		}
		defer unlock()
		rows := wt.Rows()
		defer releaseBatches(rows)
		if len(notNull) > 0 {
			// A primary key's columns become NOT NULL: the rows may hold
			// no NULL there (23502).
			schema := wt.Schema()
			fields := slices.Clone(schema.Fields())
			for i := range notNull {
				for _, r := range rows {
					if r.Column(i).NullN() > 0 {
						return pgerror.New("23502", "column \"%s\" of relation \"%s\" contains null values", fields[i].Name, t.Name)
					}
				}
				fields[i].Nullable = false
			}
			md := schema.Metadata()
			reshaped := arrow.NewSchema(fields, &md)
			// The same columns, under the schema that says NOT NULL.
			batches := make([]arrow.RecordBatch, len(rows))
			for j, r := range rows {
				batches[j] = array.NewRecordBatch(reshaped, r.Columns(), r.NumRows())
			}
			err := wt.Reshape(reshaped, batches)
			releaseBatches(batches)
			if err != nil {
				return err
			}
		}
		for _, k := range keys {
			if err := wt.AddUniqueKey(k); err != nil {
				return err
			}
		}
		for _, ck := range checks {
			probe := &writableTable{WritableTable: wt.WritableTable, checks: []checkConstraint{ck}}
			if err := probe.checkRows(rows); err != nil {
				return pgerror.New("23514", "check constraint \"%s\" of relation \"%s\" is violated by some row", ck.name, t.Name)
			}
		}
		for _, fk := range fks {
			probe := &writableTable{WritableTable: wt.WritableTable, fks: []foreignKey{fk}}
			if err := probe.checkForeignKeys(rows); err != nil {
				return err
			}
		}
		prevChecks, prevFKs := wt.checks, wt.fks
		wt.checks = append(slices.Clip(wt.checks), checks...)
		wt.fks = append(slices.Clip(wt.fks), fks...)
		for _, fk := range fks {
			fk.parent.referencedBy.add(wt)
			p.Catalog.ProviderChanged(db, fk.parent)
		}
		p.Catalog.ProviderChanged(db, wt)
		b.onRollback(func() {
			// The rows come back with the table's snapshot (lockWriter);
			// the constraints go here, before it.
			for _, k := range keys {
				wt.DropUniqueKey(k.Name)
			}
			p.restoreConstraints(db, wt, prevChecks, prevFKs)
		})
		return nil
	}}, nil
}

// restoreConstraints puts back the CHECK and FOREIGN KEY constraints wt
// had (a rolled-back ALTER TABLE's undo), with the parents' record of the
// tables referencing them.
func (p *Planner) restoreConstraints(db string, wt *writableTable, checks []checkConstraint, fks []foreignKey) {
	parents := make(map[*writableTable]bool)
	for _, fk := range slices.Concat(wt.fks, fks) {
		parents[fk.parent] = true
	}
	wt.checks, wt.fks = checks, fks
	for parent := range parents {
		if slices.ContainsFunc(fks, func(f foreignKey) bool { return f.parent == parent }) {
			parent.referencedBy.add(wt)
		} else {
			parent.referencedBy.remove(wt)
		}
		p.Catalog.ProviderChanged(db, parent)
	}
	p.Catalog.ProviderChanged(db, wt)
}

// addedKey binds the PRIMARY KEY or UNIQUE constraint c that ALTER TABLE
// ADDs to t, named as PostgreSQL names it when c is not (t_pkey,
// t_a_b_key); others are the keys added before it in the statement.
func (b *binder) addedKey(c *pg_query.Constraint, t *catalog.Table, wt *writableTable, others []sources.UniqueKey) (sources.UniqueKey, error) {
	if c.Indexname != "" {
		return sources.UniqueKey{}, b.unsupported(c.Location, "ADD CONSTRAINT ... USING INDEX is not supported yet")
	}
	if c.NullsNotDistinct {
		return sources.UniqueKey{}, b.unsupported(c.Location, "UNIQUE NULLS NOT DISTINCT is not supported yet")
	}
	schema := wt.Schema()
	k := sources.UniqueKey{Name: c.Conname, Primary: c.Contype == pg_query.ConstrType_CONSTR_PRIMARY}
	var names []string
	for _, kn := range c.Keys {
		name := kn.GetString_().GetSval()
		idx := schema.FieldIndices(name)
		if len(idx) == 0 {
			return k, b.errorf(pgerror.UndefinedColumn, c.Location, "column \"%s\" named in key does not exist", name)
		}
		k.Columns = append(k.Columns, idx[0])
		names = append(names, name)
	}
	all := append(slices.Clone(wt.UniqueKeys()), others...)
	if k.Primary && slices.ContainsFunc(all, func(x sources.UniqueKey) bool { return x.Primary }) {
		return k, b.errorf("42P16", -1, "multiple primary keys for table \"%s\" are not allowed", t.Name)
	}
	if k.Name == "" {
		k.Name = keyName(t.Name, names, k.Primary)
	}
	if slices.ContainsFunc(all, func(x sources.UniqueKey) bool { return x.Name == k.Name }) ||
		slices.ContainsFunc(wt.checks, func(x checkConstraint) bool { return x.name == k.Name }) ||
		slices.ContainsFunc(wt.fks, func(x foreignKey) bool { return x.Name == k.Name }) {
		return k, b.errorf("42P07", -1, "relation \"%s\" already exists", k.Name)
	}
	return k, nil
}

// planDropConstraints plans ALTER TABLE ... DROP CONSTRAINT [IF EXISTS]
// name of a CHECK or FOREIGN KEY constraint.
func (p *Planner) planDropConstraints(b *binder, as *pg_query.AlterTableStmt, t *catalog.Table, wt *writableTable) (*Query, error) {
	type drop struct {
		name      string
		missingOK bool
	}
	var drops []drop
	for _, n := range as.Cmds {
		cmd := n.GetAlterTableCmd()
		if slices.ContainsFunc(wt.UniqueKeys(), func(k sources.UniqueKey) bool { return k.Name == cmd.Name }) {
			return nil, b.unsupported(as.Relation.Location, "dropping a primary key or unique constraint is not supported yet")
		}
		drops = append(drops, drop{cmd.Name, cmd.MissingOk})
	}
	db := b.db
	return &Query{Tag: "ALTER TABLE", Run: func(ctx context.Context) error {
		unlock, err := b.lockWriter(ctx, wt)
		if err != nil {
			return err
		}
		defer unlock()
		prevChecks, prevFKs := wt.checks, wt.fks
		b.onRollback(func() { p.restoreConstraints(db, wt, prevChecks, prevFKs) })
		for _, d := range drops {
			ci := slices.IndexFunc(wt.checks, func(c checkConstraint) bool { return c.name == d.name })
			fi := slices.IndexFunc(wt.fks, func(f foreignKey) bool { return f.Name == d.name })
			switch {
			case ci >= 0:
				wt.checks = slices.Delete(slices.Clone(wt.checks), ci, ci+1) // prevChecks keeps the old
			case fi >= 0:
				parent := wt.fks[fi].parent
				wt.fks = slices.Delete(slices.Clone(wt.fks), fi, fi+1)
				if !slices.ContainsFunc(wt.fks, func(f foreignKey) bool { return f.parent == parent }) {
					parent.referencedBy.remove(wt)
				}
				p.Catalog.ProviderChanged(db, parent)
			case d.missingOK:
				b.notice("00000", "constraint \"%s\" of relation \"%s\" does not exist, skipping", d.name, t.Name)
			default:
				return pgerror.New("42704", "constraint \"%s\" of relation \"%s\" does not exist", d.name, t.Name)
			}
		}
		p.Catalog.ProviderChanged(db, wt)
		return nil
	}}, nil
}
