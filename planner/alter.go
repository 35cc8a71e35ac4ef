package planner

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/pgerror"
)

// planAlterTable plans ALTER TABLE ... ADD COLUMN on an in-memory table:
// the existing rows get the column's default (or NULL). Other ALTER TABLE
// forms are refused.
func (p *Planner) planAlterTable(b *binder, as *pg_query.AlterTableStmt) (*Query, error) {
	if as.Objtype != pg_query.ObjectType_OBJECT_TABLE {
		return nil, b.unsupported(as.Relation.Location, "%s is not supported yet", statementName(&pg_query.Node{Node: &pg_query.Node_AlterTableStmt{AlterTableStmt: as}}))
	}
	t, w, err := b.writable(as.Relation, "alter")
	if err != nil {
		return nil, err
	}
	wt, ok := w.(*writableTable)
	if !ok {
		return nil, b.unsupported(as.Relation.Location, "ALTER TABLE needs an in-memory table")
	}
	schema := wt.Schema()
	fields := append([]arrow.Field{}, schema.Fields()...)
	defaults := append([]expr.Expr{}, wt.defaults...)
	texts := append([]string{}, wt.defaultTexts...)
	for len(texts) < len(defaults) {
		texts = append(texts, "")
	}
	for _, n := range as.Cmds {
		cmd := n.GetAlterTableCmd()
		if cmd.Subtype != pg_query.AlterTableType_AT_AddColumn {
			return nil, b.unsupported(as.Relation.Location, "this form of ALTER TABLE is not supported yet")
		}
		cd := cmd.Def.GetColumnDef()
		if len(schema.FieldIndices(cd.Colname)) > 0 || len(arrow.NewSchema(fields, nil).FieldIndices(cd.Colname)) > 0 {
			if cmd.MissingOk {
				continue // ADD COLUMN IF NOT EXISTS
			}
			return nil, b.errorf(pgerror.DuplicateColumn, -1, "column %q of relation %q already exists", cd.Colname, t.Name)
		}
		typ, err := resolveTypeName(cd.TypeName, b.sql)
		if err != nil {
			return nil, err
		}
		f := arrow.Field{Name: cd.Colname, Type: typ, Nullable: !cd.IsNotNull}
		var def expr.Expr
		text := ""
		for _, cn := range cd.Constraints {
			c := cn.GetConstraint()
			switch c.Contype {
			case pg_query.ConstrType_CONSTR_NOTNULL:
				f.Nullable = false
			case pg_query.ConstrType_CONSTR_NULL:
			case pg_query.ConstrType_CONSTR_DEFAULT:
				e, err := b.bindExpr(c.RawExpr, exprContext{scope: &scope{}, clause: "DEFAULT expressions"})
				if err != nil {
					return nil, err
				}
				if def, err = b.cast(e, typ, nodeLocation(c.RawExpr)); err != nil {
					return nil, err
				}
				text = defaultText(c.RawExpr, def, typ)
			default:
				return nil, b.unsupported(c.Location, "%s constraints are not supported on in-memory tables", constraintName(c))
			}
		}
		fields = append(fields, f)
		defaults = append(defaults, def)
		texts = append(texts, text)
	}
	// The rows as they are, with the new columns' defaults (NULL without).
	scan, cols := tableRowsPlan(t)
	exprs := append([]expr.Expr{}, cols...)
	names := make([]string, 0, len(fields))
	for i, f := range fields {
		names = append(names, f.Name)
		if i >= len(cols) {
			exprs = append(exprs, defaultOfColumn(defaults[i], f.Type))
		}
	}
	plan, err := physicalOf(&Project{Input: scan, Exprs: exprs, Names: names})
	if err != nil {
		return nil, err
	}
	newSchema := arrow.NewSchema(fields, nil)
	db, rel := b.db, as.Relation
	return &Query{Tag: "ALTER TABLE", Run: func(ctx context.Context) error {
		wt.Lock()
		defer wt.Unlock()
		rows, _, err := collectRows(ctx, plan, newSchema)
		defer releaseBatches(rows)
		if err != nil {
			return err
		}
		if err := wt.Reshape(newSchema, rows); err != nil {
			return err
		}
		wt.defaults, wt.defaultTexts = defaults, texts
		p.Catalog.TableChanged(db, t.Schema, rel.Relname)
		return nil
	}}, nil
}

// defaultOfColumn is a column's default expression, or a NULL of its type.
func defaultOfColumn(def expr.Expr, typ arrow.DataType) expr.Expr {
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
		return &Query{Tag: "ALTER TABLE", Run: func(context.Context) error {
			wt.Lock()
			defer wt.Unlock()
			if err := p.Catalog.RenameTable(db, t.Schema, t.Name, rs.Newname); err != nil {
				return err
			}
			wt.Rename(rs.Newname)
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
	return &Query{Tag: "ALTER TABLE", Run: func(context.Context) error {
		wt.Lock()
		defer wt.Unlock()
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
