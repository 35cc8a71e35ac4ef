package planner

import (
	"context"
	"errors"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// planAlterTable plans ALTER TABLE on an in-memory table: ADD COLUMN (the
// existing rows get the column's default, or NULL), DROP COLUMN, ALTER
// COLUMN ... TYPE [USING], SET/DROP DEFAULT and SET/DROP NOT NULL, in one
// statement any number of them. The rows are rewritten through one
// projection of the old ones. Other forms are refused.
func (p *Planner) planAlterTable(b *binder, as *pg_query.AlterTableStmt) (*Query, error) {
	if len(as.Cmds) > 0 && !slices.ContainsFunc(as.Cmds, func(n *pg_query.Node) bool {
		return n.GetAlterTableCmd().Subtype != pg_query.AlterTableType_AT_ChangeOwner
	}) {
		// OWNER TO, which pg_dump writes after each object: riffq has no
		// roles to own tables, views or sequences, so it changes nothing.
		if _, ok := b.lookupTable(as.Relation.Schemaname, as.Relation.Relname); !ok && !as.MissingOk {
			return nil, b.errorf(pgerror.UndefinedTable, as.Relation.Location, "relation \"%s\" does not exist", as.Relation.Relname)
		}
		return &Query{Tag: "ALTER " + objectTypeName(as.Objtype)}, nil
	}
	if as.Objtype != pg_query.ObjectType_OBJECT_TABLE {
		return nil, b.unsupported(as.Relation.Location, "%s is not supported yet", statementName(&pg_query.Node{Node: &pg_query.Node_AlterTableStmt{AlterTableStmt: as}}))
	}
	t, w, err := b.writable(as.Relation, "alter")
	if pe := (*pgerror.Error)(nil); as.MissingOk && errors.As(err, &pe) && pe.Code == pgerror.UndefinedTable {
		// ALTER TABLE IF EXISTS of no table does nothing.
		b.notice("00000", "relation \"%s\" does not exist, skipping", as.Relation.Relname)
		return &Query{Tag: "ALTER TABLE"}, nil
	}
	if err != nil {
		return nil, err
	}
	wt, ok := w.(*writableTable)
	if !ok {
		return nil, b.unsupported(as.Relation.Location, "ALTER TABLE needs an in-memory table")
	}
	if len(as.Cmds) > 0 && !slices.ContainsFunc(as.Cmds, func(n *pg_query.Node) bool {
		return n.GetAlterTableCmd().Subtype != pg_query.AlterTableType_AT_AddConstraint
	}) {
		return p.planAddConstraints(b, as, t, wt)
	}
	if len(as.Cmds) > 0 && !slices.ContainsFunc(as.Cmds, func(n *pg_query.Node) bool {
		return n.GetAlterTableCmd().Subtype != pg_query.AlterTableType_AT_DropConstraint
	}) {
		return p.planDropConstraints(b, as, t, wt)
	}
	schema := wt.Schema()
	fields := append([]arrow.Field{}, schema.Fields()...)
	defaults := append([]expr.Expr{}, wt.defaults...)
	texts := append([]string{}, wt.defaultTexts...)
	for len(texts) < len(defaults) {
		texts = append(texts, "")
	}
	for len(defaults) < len(fields) {
		defaults, texts = append(defaults, nil), append(texts, "")
	}
	// The new rows: each column's value over the old row.
	scan, exprs := tableRowsPlan(t)
	rowScope := tableScope(t.Name, schema, nil)
	var checkNulls []string // columns SET NOT NULL must find without NULLs
	// identities are the columns ADD GENERATED ... AS IDENTITY makes
	// identity columns, with their new sequences.
	type identity struct {
		column string
		seq    *sequenceTable
		always bool
	}
	var identities []identity
	// moved maps each column before the statement to its place after,
	// -1 for one it drops: indexes follow their columns.
	moved := make([]int, len(fields))
	for i := range moved {
		moved[i] = i
	}
	dropped := false
	column := func(name string, missingOK bool) (int, error) {
		for i, f := range fields {
			if f.Name == name {
				return i, nil
			}
		}
		if missingOK {
			return -1, nil
		}
		return -1, b.errorf(pgerror.UndefinedColumn, -1, "column \"%s\" of relation \"%s\" does not exist", name, t.Name)
	}
	inKey := func(i int) bool {
		for _, k := range wt.UniqueKeys() {
			if slices.Contains(k.Columns, i) {
				return true
			}
		}
		return false
	}
	for _, n := range as.Cmds {
		cmd := n.GetAlterTableCmd()
		switch cmd.Subtype {
		case pg_query.AlterTableType_AT_AddColumn:
			cd := cmd.Def.GetColumnDef()
			if i, _ := column(cd.Colname, true); i >= 0 {
				if cmd.MissingOk {
					b.notice("42701", "column \"%s\" of relation \"%s\" already exists, skipping", cd.Colname, t.Name)
					continue // ADD COLUMN IF NOT EXISTS
				}
				return nil, b.errorf(pgerror.DuplicateColumn, -1, "column %q of relation %q already exists", cd.Colname, t.Name)
			}
			f, def, text, err := b.addedColumn(cd)
			if err != nil {
				return nil, err
			}
			fields, defaults, texts = append(fields, f), append(defaults, def), append(texts, text)
			exprs = append(exprs, defaultOfColumn(def, f.Type))
		case pg_query.AlterTableType_AT_DropColumn:
			i, err := column(cmd.Name, cmd.MissingOk)
			if err != nil {
				return nil, err
			}
			if i < 0 {
				b.notice("00000", "column \"%s\" of relation \"%s\" does not exist, skipping", cmd.Name, t.Name)
				continue
			}
			for _, k := range wt.UniqueKeys() {
				if slices.ContainsFunc(k.Columns, func(c int) bool { return c >= i }) {
					return nil, b.unsupported(-1, "dropping column \"%s\" is not supported yet: constraint \"%s\" uses it or a column after it", cmd.Name, k.Name)
				}
			}
			if name := wt.checkReading(func(c int) bool { return c >= i }); name != "" {
				return nil, b.unsupported(-1, "dropping column \"%s\" is not supported yet: constraint \"%s\" uses it or a column after it", cmd.Name, name)
			}
			fields, defaults, texts, exprs = slices.Delete(fields, i, i+1), slices.Delete(defaults, i, i+1), slices.Delete(texts, i, i+1), slices.Delete(exprs, i, i+1)
			for j, m := range moved {
				switch {
				case m == i:
					moved[j] = -1
				case m > i:
					moved[j]--
				}
			}
			dropped = true
		case pg_query.AlterTableType_AT_ColumnDefault:
			i, err := column(cmd.Name, false)
			if err != nil {
				return nil, err
			}
			defaults[i], texts[i] = nil, ""
			if cmd.Def != nil {
				var err error
				if defaults[i], err = b.bindDefault(cmd.Def, fields[i].Type); err != nil {
					return nil, err
				}
				texts[i] = defaultText(cmd.Def, defaults[i], fields[i])
			}
		case pg_query.AlterTableType_AT_AddIdentity:
			i, err := column(cmd.Name, false)
			if err != nil {
				return nil, err
			}
			if r := numericRank(fields[i].Type); r < 1 || r > 3 {
				return nil, b.errorf(pgerror.InvalidParameterValue, -1, "identity column type must be smallint, integer, or bigint")
			}
			if fields[i].Nullable {
				return nil, b.errorf("55000", -1, "column \"%s\" of relation \"%s\" must be declared NOT NULL before identity can be added", cmd.Name, t.Name)
			}
			if defaults[i] != nil {
				return nil, b.errorf("55000", -1, "column \"%s\" of relation \"%s\" already has a default value", cmd.Name, t.Name)
			}
			c := cmd.Def.GetConstraint()
			// SEQUENCE NAME, as pg_dump writes it, names the sequence;
			// the other options are CREATE SEQUENCE's.
			seqName := t.Name + "_" + cmd.Name + "_seq"
			var options []*pg_query.Node
			for _, o := range c.GetOptions() {
				if d := o.GetDefElem(); d.Defname == "sequence_name" {
					items := d.Arg.GetList().GetItems()
					seqName = items[len(items)-1].GetString_().GetSval()
					continue
				}
				options = append(options, o)
			}
			seq, err := b.sequenceFromOptions(seqName, fields[i].Type, options, false)
			if err != nil {
				return nil, err
			}
			defaults[i], texts[i] = &expr.Sequence{State: seq.state, Type: fields[i].Type}, ""
			identities = append(identities, identity{column: cmd.Name, seq: seq, always: c.GetGeneratedWhen() == "a"})
		case pg_query.AlterTableType_AT_SetNotNull:
			i, err := column(cmd.Name, false)
			if err != nil {
				return nil, err
			}
			fields[i].Nullable = false
			checkNulls = append(checkNulls, fields[i].Name)
		case pg_query.AlterTableType_AT_DropNotNull:
			i, err := column(cmd.Name, false)
			if err != nil {
				return nil, err
			}
			if inKey(i) {
				return nil, b.errorf("42P16", -1, "column \"%s\" is in a primary key", cmd.Name)
			}
			fields[i].Nullable = true
		case pg_query.AlterTableType_AT_AlterColumnType:
			i, err := column(cmd.Name, false)
			if err != nil {
				return nil, err
			}
			if name := wt.checkReading(func(c int) bool { return c == i }); name != "" {
				return nil, b.unsupported(-1, "changing the type of column \"%s\" is not supported yet: constraint \"%s\" uses it", cmd.Name, name)
			}
			cd := cmd.Def.GetColumnDef()
			typ, err := resolveTypeName(cd.TypeName, b.sql)
			if pe := (*pgerror.Error)(nil); errors.As(err, &pe) {
				return nil, pe.WithPosition(0) // PostgreSQL points at nothing here
			} else if err != nil {
				return nil, err
			}
			typ = storedType(typ)
			value := exprs[i]
			if cd.RawDefault != nil { // USING
				if value, err = b.bindExpr(cd.RawDefault, exprContext{scope: rowScope, clause: "transform expressions"}); err != nil {
					return nil, err
				}
				value = b.resolveUnknown(value)
			}
			if exprs[i], err = b.castColumn(value, typ, cmd.Name); err != nil {
				return nil, err
			}
			if v, ok := defaults[i].(*volatileDefault); ok {
				bound, err := b.cast(v.bound, typ, -1)
				if err != nil {
					return nil, err
				}
				defaults[i] = &volatileDefault{node: v.node, typ: typ, bound: bound}
			} else if defaults[i] != nil {
				if defaults[i], err = b.cast(defaults[i], typ, -1); err != nil {
					return nil, err
				}
			}
			fields[i].Type = typ
			fields[i] = declaredField(pgtypes.Unannotate(fields[i]), cd.TypeName)
		default:
			return nil, b.unsupported(as.Relation.Location, "this form of ALTER TABLE is not supported yet")
		}
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	plan, err := physicalOf(&Project{Input: scan, Exprs: exprs, Names: names})
	if err != nil {
		return nil, err
	}
	newSchema := arrow.NewSchema(fields, nil)
	db, rel := b.db, as.Relation
	return &Query{Tag: "ALTER TABLE", Run: func(ctx context.Context) error {
		// Held, and in a block snapshotted, as a write: ROLLBACK puts
		// the rows and columns back, and the defaults with them.
		unlock, err := b.lockWriter(ctx, wt)
		if err != nil {
			return err
		}
		defer unlock()
		prevDefaults, prevTexts, prevAlways := wt.defaults, wt.defaultTexts, wt.always
		b.onRollback(func() { wt.defaults, wt.defaultTexts, wt.always = prevDefaults, prevTexts, prevAlways })
		rows, _, err := collectRows(ctx, plan, newSchema)
		defer releaseBatches(rows)
		if err != nil {
			return err
		}
		for _, name := range checkNulls {
			c := newSchema.FieldIndices(name)[0]
			for _, r := range rows {
				if r.Column(c).NullN() > 0 {
					return pgerror.New("23502", "column \"%s\" of relation \"%s\" contains null values", name, t.Name)
				}
			}
		}
		for _, id := range identities {
			// The sequence is a relation too (nextval('t_id_seq'), \ds).
			created, err := p.Catalog.CreateTable(db, t.Schema, id.seq.state.Name, id.seq, false)
			if err != nil {
				return err
			}
			if created {
				b.onRollback(func() { _ = p.Catalog.DropTable(db, t.Schema, id.seq.state.Name, true) })
			}
		}
		if err := wt.Reshape(newSchema, rows); err != nil {
			return err
		}
		wt.defaults, wt.defaultTexts = defaults, texts
		if dropped {
			wt.RemapIndexes(moved)
			p.Catalog.IndexesChanged(db, t.Schema, rel.Relname)
		}
		for _, id := range identities {
			wt.own(id.column, id.seq.state.Name)
			if id.always {
				wt.always = append(slices.Clip(wt.always), id.column)
			}
		}
		p.Catalog.TableChanged(db, t.Schema, rel.Relname)
		return nil
	}}, nil
}

// castColumn converts a column's values to typ for ALTER COLUMN ... TYPE:
// within a type category or to text, as PostgreSQL's assignment casts go;
// others need USING.
func (b *binder) castColumn(value expr.Expr, typ arrow.DataType, name string) (expr.Expr, error) {
	if arrow.TypeEqual(value.DataType(), typ) {
		return value, nil
	}
	cat := func(dt arrow.DataType) typeCategory {
		if isPerValueNumeric(dt) {
			return catNumeric
		}
		return category(dt)
	}
	if from, to := cat(value.DataType()), cat(typ); from != to && to != catString {
		return nil, b.errorf(pgerror.DatatypeMismatch, -1, "column \"%s\" cannot be cast automatically to type %s", name, typeName(typ)).
			WithHint("You might need to specify \"USING %s::%s\".", name, typeName(typ))
	}
	return b.cast(value, typ, -1)
}

// addedColumn reads ADD COLUMN's definition: the field, its default and
// the default's text.
func (b *binder) addedColumn(cd *pg_query.ColumnDef) (arrow.Field, expr.Expr, string, error) {
	typ, err := resolveTypeName(cd.TypeName, b.sql)
	if err != nil {
		return arrow.Field{}, nil, "", err
	}
	typ = storedType(typ)
	f := declaredField(arrow.Field{Name: cd.Colname, Type: typ, Nullable: !cd.IsNotNull}, cd.TypeName)
	var def expr.Expr
	text := ""
	for _, cn := range cd.Constraints {
		c := cn.GetConstraint()
		switch c.Contype {
		case pg_query.ConstrType_CONSTR_NOTNULL:
			f.Nullable = false
		case pg_query.ConstrType_CONSTR_NULL:
		case pg_query.ConstrType_CONSTR_DEFAULT:
			var err error
			if def, err = b.bindDefault(c.RawExpr, typ); err != nil {
				return arrow.Field{}, nil, "", err
			}
			text = defaultText(c.RawExpr, def, f)
		default:
			return arrow.Field{}, nil, "", b.unsupported(c.Location, "%s constraints are not supported on in-memory tables", constraintName(c))
		}
	}
	return f, def, text, nil
}

// defaultOfColumn is a column's default expression, or a NULL of its type.
func defaultOfColumn(def expr.Expr, typ arrow.DataType) expr.Expr {
	if v, ok := def.(*volatileDefault); ok {
		return v.bound // the rows there are filled by this statement
	}
	if def != nil {
		return def
	}
	return &expr.Literal{Value: scalar.MakeNullScalar(typ)}
}

// planRename plans ALTER TABLE ... RENAME TO and RENAME COLUMN on an
// in-memory table.
func (p *Planner) planRename(b *binder, rs *pg_query.RenameStmt) (*Query, error) {
	switch rs.RenameType {
	case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_COLUMN:
	default:
		return nil, b.unsupported(-1, "this form of RENAME is not supported yet")
	}
	t, w, err := b.writable(rs.Relation, "alter")
	if err != nil {
		return nil, err
	}
	wt, ok := w.(*writableTable)
	if !ok {
		return nil, b.unsupported(rs.Relation.Location, "ALTER TABLE needs an in-memory table")
	}
	db := b.db
	if rs.RenameType == pg_query.ObjectType_OBJECT_TABLE {
		return &Query{Tag: "ALTER TABLE", Run: func(ctx context.Context) error {
			unlock, err := b.lockWriter(ctx, wt)
			if err != nil {
				return err
			}
			defer unlock()
			if err := p.Catalog.RenameTable(db, t.Schema, t.Name, rs.Newname); err != nil {
				return err
			}
			wt.Rename(rs.Newname)
			b.onRollback(func() {
				if p.Catalog.RenameTable(db, t.Schema, rs.Newname, t.Name) == nil {
					wt.Rename(t.Name)
				}
			})
			return nil
		}}, nil
	}
	schema := wt.Schema()
	idx := schema.FieldIndices(rs.Subname)
	if len(idx) == 0 {
		return nil, b.errorf(pgerror.UndefinedColumn, -1, "column %q does not exist", rs.Subname)
	}
	if len(schema.FieldIndices(rs.Newname)) > 0 {
		return nil, b.errorf(pgerror.DuplicateColumn, -1, "column %q of relation %q already exists", rs.Newname, t.Name)
	}
	return &Query{Tag: "ALTER TABLE", Run: func(ctx context.Context) error {
		unlock, err := b.lockWriter(ctx, wt) // in a block, ROLLBACK renames it back
		if err != nil {
			return err
		}
		defer unlock()
		fields := append([]arrow.Field{}, wt.Schema().Fields()...)
		fields[idx[0]].Name = rs.Newname
		newSchema := arrow.NewSchema(fields, nil)
		rows := wt.Rows()
		defer releaseBatches(rows)
		renamed := make([]arrow.RecordBatch, len(rows))
		for i, r := range rows {
			renamed[i] = array.NewRecordBatch(newSchema, r.Columns(), r.NumRows())
		}
		defer releaseBatches(renamed)
		if err := wt.Reshape(newSchema, renamed); err != nil {
			return err
		}
		p.Catalog.TableChanged(db, t.Schema, t.Name)
		return nil
	}}, nil
}
