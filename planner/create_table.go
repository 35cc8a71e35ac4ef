package planner

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/sources"
)

// ownedSequence is the sequence of a serial or identity column.
type ownedSequence struct {
	column, name string
}

// planCreateTable plans CREATE TABLE name (column type [constraints], ...).
// NOT NULL, DEFAULT, PRIMARY KEY and UNIQUE are kept; other constraints
// are refused rather than ignored.
func (p *Planner) planCreateTable(b *binder, cs *pg_query.CreateStmt) (*Query, error) {
	rel := cs.Relation
	if err := b.qualifiedName(rel); err != nil {
		return nil, err
	}
	if len(cs.InhRelations) > 0 || cs.Partspec != nil || cs.Partbound != nil || cs.OfTypename != nil {
		return nil, b.unsupported(rel.Location, "inherited, partitioned and typed tables are not supported")
	}
	var fields []arrow.Field
	var defaults []expr.Expr
	var defaultTexts []string
	var keys []sources.UniqueKey
	var always []string
	column := func(name string, loc int32) (int, error) {
		for i, f := range fields {
			if f.Name == name {
				return i, nil
			}
		}
		return 0, b.errorf(pgerror.UndefinedColumn, loc, "column %q named in key does not exist", name)
	}
	addKey := func(c *pg_query.Constraint, cols []int) error {
		if c.NullsNotDistinct {
			return b.unsupported(c.Location, "UNIQUE NULLS NOT DISTINCT is not supported yet")
		}
		k := sources.UniqueKey{Name: c.Conname, Columns: cols, Primary: c.Contype == pg_query.ConstrType_CONSTR_PRIMARY}
		if k.Primary {
			for _, x := range keys {
				if x.Primary {
					return b.errorf("42P16", c.Location, "multiple primary keys for table %q are not allowed", rel.Relname)
				}
			}
			for _, i := range cols {
				fields[i].Nullable = false
			}
		}
		if k.Name == "" {
			var names []string
			for _, i := range cols {
				names = append(names, fields[i].Name)
			}
			k.Name = keyName(rel.Relname, names, k.Primary)
		}
		keys = append(keys, k)
		return nil
	}
	type pendingCheck struct {
		c      *pg_query.Constraint
		column string
	}
	var pendingChecks, pendingFKs []pendingCheck
	var owned []*sequenceTable // the serial and identity columns' sequences
	var ownedBy []string       // their columns
	for _, elt := range cs.TableElts {
		switch {
		case elt.GetColumnDef() != nil:
			cd := elt.GetColumnDef()
			if _, err := column(cd.Colname, -1); err == nil {
				return nil, b.errorf(pgerror.DuplicateColumn, cd.Location, "column %q specified more than once", cd.Colname)
			}
			// serial, bigserial and smallserial are integers whose
			// default takes the next value of a sequence of their own.
			serial := serialType(cd.TypeName)
			t := serial
			if t == nil {
				var err error
				if t, err = resolveTypeName(cd.TypeName, b.sql); err != nil {
					return nil, err
				}
				t = storedType(t)
			}
			fields = append(fields, declaredField(arrow.Field{Name: cd.Colname, Type: t, Nullable: !cd.IsNotNull && serial == nil}, cd.TypeName))
			defaults = append(defaults, nil)
			defaultTexts = append(defaultTexts, "")
			i := len(fields) - 1
			seqName := rel.Relname + "_" + cd.Colname + "_seq"
			if serial != nil {
				seq := newSerialSequence(seqName, t)
				owned, ownedBy = append(owned, seq), append(ownedBy, cd.Colname)
				defaults[i] = &expr.Sequence{State: seq.state, Type: t}
				defaultTexts[i] = fmt.Sprintf("nextval('%s'::regclass)", seqName)
			}
			for _, cn := range cd.Constraints {
				c := cn.GetConstraint()
				switch c.Contype {
				case pg_query.ConstrType_CONSTR_IDENTITY:
					// GENERATED ... AS IDENTITY: a sequence too.
					if numericRank(t) < 1 || numericRank(t) > 3 {
						return nil, b.errorf(pgerror.InvalidParameterValue, -1, "identity column type must be smallint, integer, or bigint")
					}
					fields[i].Nullable = false
					// GENERATED ... AS IDENTITY (START WITH 10 ...): the
					// options of its sequence.
					seq, err := b.sequenceFromOptions(seqName, t, c.Options, false)
					if err != nil {
						return nil, err
					}
					owned, ownedBy = append(owned, seq), append(ownedBy, cd.Colname)
					defaults[i] = &expr.Sequence{State: seq.state, Type: t}
					if c.GeneratedWhen == "a" {
						always = append(always, cd.Colname)
					}
				case pg_query.ConstrType_CONSTR_NOTNULL:
					fields[i].Nullable = false
				case pg_query.ConstrType_CONSTR_NULL:
				case pg_query.ConstrType_CONSTR_DEFAULT:
					var err error
					if defaults[i], err = b.bindDefault(c.RawExpr, t); err != nil {
						return nil, err
					}
					defaultTexts[i] = defaultText(c.RawExpr, defaults[i], fields[i])
				case pg_query.ConstrType_CONSTR_PRIMARY, pg_query.ConstrType_CONSTR_UNIQUE:
					if err := addKey(c, []int{i}); err != nil {
						return nil, err
					}
				case pg_query.ConstrType_CONSTR_CHECK:
					pendingChecks = append(pendingChecks, pendingCheck{c, cd.Colname})
				case pg_query.ConstrType_CONSTR_FOREIGN:
					pendingFKs = append(pendingFKs, pendingCheck{c, cd.Colname})
				default:
					return nil, b.unsupported(c.Location, "%s constraints are not supported on in-memory tables", constraintName(c))
				}
			}
		case elt.GetConstraint() != nil:
			c := elt.GetConstraint()
			if c.Contype == pg_query.ConstrType_CONSTR_CHECK {
				pendingChecks = append(pendingChecks, pendingCheck{c, ""})
				continue
			}
			if c.Contype == pg_query.ConstrType_CONSTR_FOREIGN {
				pendingFKs = append(pendingFKs, pendingCheck{c, ""})
				continue
			}
			if c.Contype != pg_query.ConstrType_CONSTR_PRIMARY && c.Contype != pg_query.ConstrType_CONSTR_UNIQUE {
				return nil, b.unsupported(c.Location, "%s constraints are not supported on in-memory tables", constraintName(c))
			}
			var cols []int
			for _, k := range c.Keys {
				i, err := column(k.GetString_().GetSval(), c.Location)
				if err != nil {
					return nil, err
				}
				cols = append(cols, i)
			}
			if err := addKey(c, cols); err != nil {
				return nil, err
			}
		default:
			return nil, b.unsupported(rel.Location, "CREATE TABLE ... LIKE is not supported")
		}
	}
	table := &writableTable{WritableTable: sources.NewWritableTable(rel.Relname, arrow.NewSchema(fields, nil), keys), defaults: defaults, defaultTexts: defaultTexts, always: always}
	// CHECK constraints read any column, so they bind once all are known.
	for _, pc := range pendingChecks {
		c, err := b.bindCheck(pc.c, rel.Relname, table.Schema(), pc.column)
		if err != nil {
			return nil, err
		}
		taken := func(name string) bool {
			return slices.ContainsFunc(table.checks, func(o checkConstraint) bool { return o.name == name }) ||
				slices.ContainsFunc(keys, func(k sources.UniqueKey) bool { return k.Name == name })
		}
		if taken(c.name) {
			if pc.c.Conname != "" {
				return nil, pgerror.New("42710", "check constraint \"%s\" already exists", c.name)
			}
			base := c.name
			for n := 1; taken(c.name); n++ {
				c.name = fmt.Sprintf("%s%d", base, n)
			}
		}
		table.checks = append(table.checks, c)
	}
	schema, err := b.createSchema(rel)
	if err != nil {
		return nil, err
	}
	if err := b.schemaExists(schema, rel.Location); err != nil {
		return nil, err
	}
	for _, pf := range pendingFKs {
		fk, err := b.bindForeignKey(pf.c, table, schema, rel.Relname, pf.column)
		if err != nil {
			return nil, err
		}
		for n := 1; slices.ContainsFunc(table.fks, func(o foreignKey) bool { return o.Name == fk.Name }); n++ {
			if pf.c.Conname != "" {
				return nil, pgerror.New("42710", "constraint \"%s\" for relation \"%s\" already exists", fk.Name, rel.Relname)
			}
			fk.Name = fmt.Sprintf("%s%d", fkName(rel.Relname, fields, fk), n)
		}
		table.fks = append(table.fks, fk)
	}
	db, name, ifNotExists := b.db, rel.Relname, cs.IfNotExists
	return &Query{Tag: "CREATE TABLE", Run: func(context.Context) error {
		created, err := p.Catalog.CreateTable(db, schema, name, table, ifNotExists)
		switch {
		case created:
			// The columns' sequences are relations too (nextval('t_id_seq'),
			// psql's \ds), unless the name is taken.
			for i, seq := range owned {
				if ok, _ := p.Catalog.CreateTable(db, schema, seq.state.Name, seq, true); ok {
					table.own(ownedBy[i], seq.state.Name)
				}
			}
			if len(owned) > 0 {
				p.Catalog.TableChanged(db, schema, name) // pg_depend lists the sequences it owns now
			}
			for _, fk := range table.fks {
				fk.parent.referencedBy.add(table)
				p.Catalog.TableChanged(db, fk.RefSchema, fk.RefTable) // \d lists its "Referenced by"
			}
			b.onRollback(func() {
				table.dropReferences()
				_ = p.Catalog.DropTable(db, schema, name, true)
				for _, seq := range table.ownedList() { // its serial and identity sequences
					_ = p.Catalog.DropTable(db, schema, seq.name, true)
				}
			})
		case err == nil:
			b.notice("42P07", "relation \"%s\" already exists, skipping", name)
		}
		return err
	}}, nil
}

// keyName is the name PostgreSQL gives a primary key (t_pkey) or unique
// constraint (t_a_b_key) written without one.
func keyName(table string, columns []string, primary bool) string {
	if primary {
		return table + "_pkey"
	}
	return strings.Join(append([]string{table}, columns...), "_") + "_key"
}

func constraintName(c *pg_query.Constraint) string {
	return strings.ReplaceAll(strings.TrimPrefix(c.Contype.String(), "CONSTR_"), "_", " ")
}

// planDropTable plans DROP TABLE [IF EXISTS] name [, ...].
func (p *Planner) planDropTable(b *binder, ds *pg_query.DropStmt) (*Query, error) {
	targets, err := b.dropTargets(ds)
	if err != nil {
		return nil, err
	}
	// An unqualified name drops the session's temporary table first.
	for i, t := range targets {
		if t.schema == "pg_temp" {
			targets[i].schema = b.tempSchema()
		} else if temp := b.tempSchema(); t.schema == "" && temp != "" {
			if _, ok := b.cat.LookupTable(b.db, temp, t.name); ok {
				targets[i].schema = temp
			}
		}
	}
	db, missingOK, cascade := b.db, ds.MissingOk, ds.Behavior == pg_query.DropBehavior_DROP_CASCADE
	return &Query{Tag: "DROP TABLE", Run: func(context.Context) error {
		// All or none: a missing table fails the statement before any
		// is dropped.
		for _, t := range targets {
			if _, ok := b.cat.LookupTable(db, t.schema, t.name); !ok && !missingOK {
				return pgerror.New(pgerror.UndefinedTable, "table \"%s\" does not exist", t.name)
			}
		}
		if err := p.dropDependentViews(b, db, targets, false, cascade); err != nil {
			return err
		}
		// Other tables' foreign keys on a dropped table stop the drop,
		// unless they go with it (CASCADE, or their table dropped too).
		var dropping []*writableTable
		for _, t := range targets {
			if dt, ok := b.cat.LookupTable(db, t.schema, t.name); ok {
				if wt, ok := dt.Provider.(*writableTable); ok {
					dropping = append(dropping, wt)
				}
			}
		}
		for _, wt := range dropping {
			deps := wt.dependents(dropping)
			switch {
			case len(deps) == 0:
			case !cascade:
				return pgerror.New("2BP01", "cannot drop table %s because other objects depend on it", wt.Name()).
					WithDetail("%s depends on table %s", strings.Join(deps, " depends on table "+wt.Name()+"\n"), wt.Name()).
					WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
			case len(deps) == 1:
				b.notice("00000", "drop cascades to %s", deps[0])
			default:
				b.notice("00000", "drop cascades to %d other objects", len(deps))
			}
		}
		for _, t := range targets {
			dropped, found := b.cat.LookupTable(db, t.schema, t.name)
			if err := p.Catalog.DropTable(db, t.schema, t.name, missingOK); err != nil {
				return err
			}
			if !found {
				b.notice("00000", "table \"%s\" does not exist, skipping", t.name)
				continue
			}
			if wt, ok := dropped.Provider.(*writableTable); ok {
				for _, seq := range wt.ownedList() {
					_ = p.Catalog.DropTable(db, dropped.Schema, seq.name, true)
				}
				children := wt.referencedBy.list()
				wt.dropReferences()
				for _, fk := range wt.fks {
					p.Catalog.ProviderChanged(db, fk.parent)
				}
				for _, child := range children {
					p.Catalog.ProviderChanged(db, child) // its foreign key went with the table
				}
			}
			// A block that rolls back brings the table back.
			b.onRollback(func() { _, _ = p.Catalog.CreateTable(db, dropped.Schema, dropped.Name, dropped.Provider, true) })
		}
		return nil
	}}, nil
}

// serialType is the integer type of serial, bigserial and smallserial
// (serial4, serial8, serial2); nil for other type names.
func serialType(tn *pg_query.TypeName) arrow.DataType {
	if len(tn.Names) == 0 || len(tn.ArrayBounds) > 0 {
		return nil
	}
	switch tn.Names[len(tn.Names)-1].GetString_().GetSval() {
	case "serial", "serial4":
		return typeInt4
	case "bigserial", "serial8":
		return typeInt8
	case "smallserial", "serial2":
		return typeInt2
	}
	return nil
}

// planCreateTableAs plans CREATE TABLE name [(columns)] AS SELECT ... and
// SELECT ... INTO name: the query runs and its rows fill a new table.
func (p *Planner) planCreateTableAs(b *binder, into *pg_query.IntoClause, sel *pg_query.SelectStmt, ifNotExists bool) (*Query, error) {
	rel := into.Rel
	if err := b.qualifiedName(rel); err != nil {
		return nil, err
	}
	tableSchema, err := b.createSchema(rel)
	if err != nil {
		return nil, err
	}
	logical, err := b.bindSelect(sel)
	if err != nil {
		return nil, err
	}
	if logical, err = b.unconstrainNumerics(logical); err != nil {
		return nil, err
	}
	fields := logical.Schema().Fields()
	if len(into.ColNames) > len(fields) {
		return nil, b.errorf(pgerror.SyntaxError, rel.Location, "too many column names were specified")
	}
	seen := make(map[string]bool)
	for i := range fields {
		if i < len(into.ColNames) {
			fields[i].Name = into.ColNames[i].GetString_().GetSval()
		}
		if seen[fields[i].Name] {
			return nil, b.errorf(pgerror.DuplicateColumn, rel.Location, "column %q specified more than once", fields[i].Name)
		}
		seen[fields[i].Name] = true
		fields[i].Nullable = true
	}
	plan, err := physicalOf(logical)
	if err != nil {
		return nil, err
	}
	schema := arrow.NewSchema(fields, nil)
	table := &writableTable{WritableTable: sources.NewWritableTable(rel.Relname, schema, nil), defaults: make([]expr.Expr, len(fields))}
	db := b.db
	q := &Query{Tag: "SELECT 0"}
	q.Run = func(ctx context.Context) error {
		created, err := p.Catalog.CreateTable(db, tableSchema, rel.Relname, table, ifNotExists)
		if err != nil || !created {
			if err == nil {
				b.notice("42P07", "relation \"%s\" already exists, skipping", rel.Relname)
			}
			q.Tag = "CREATE TABLE AS"
			return err
		}
		b.onRollback(func() { _ = p.Catalog.DropTable(db, tableSchema, rel.Relname, true) })
		if into.SkipData {
			q.Tag = "CREATE TABLE AS"
			return nil
		}
		table.Lock()
		defer table.Unlock()
		batches, n, err := collectRows(ctx, plan, schema)
		defer releaseBatches(batches)
		if err == nil {
			err = table.Append(batches)
		}
		if err != nil {
			_ = p.Catalog.DropTable(db, tableSchema, rel.Relname, true)
			return err
		}
		q.Tag = fmt.Sprintf("SELECT %d", n)
		return nil
	}
	return q, nil
}

// unconstrainNumerics makes the numeric columns that a query computes
// (amt * 2) plain numeric, each value with its own scale, as PostgreSQL's
// CREATE TABLE AS declares them: the scale riffq computes for the
// expression's values is not the column's, and later writes must keep
// theirs. Columns read unchanged or cast to numeric(p,s) keep their type.
func (b *binder) unconstrainNumerics(p Plan) (Plan, error) {
	pr, ok := p.(*Project)
	if !ok {
		return p, nil
	}
	schema := p.Schema()
	exprs := make([]expr.Expr, len(pr.Exprs))
	changed := false
	for i, e := range pr.Exprs {
		f := schema.Field(i)
		exprs[i] = &expr.Column{Index: i, Name: f.Name, Type: f.Type}
		if _, isCol := e.(*expr.Column); isCol || f.Type.ID() != arrow.DECIMAL128 || strings.HasPrefix(pgtypes.Annotation(f), "numeric(") {
			continue
		}
		c, err := b.cast(exprs[i], pgtypes.Numeric(), -1)
		if err != nil {
			return nil, err
		}
		exprs[i], changed = c, true
	}
	if !changed {
		return p, nil
	}
	return &Project{Input: p, Exprs: exprs, Names: slices.Clone(pr.Names)}, nil
}
