package planner

import (
	"context"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/sources"
)

// checkConstraint is a CHECK constraint of an in-memory table: a row for
// which the expression is false is refused (NULL passes), as PostgreSQL
// refuses it.
type checkConstraint struct {
	name string
	expr expr.Expr // over the table's columns
	// text is the expression as written, for pg_get_constraintdef.
	text string
}

// CheckConstraints implements sources.CheckConstrainer: each constraint's
// name and its definition as pg_get_constraintdef prints it.
func (w *writableTable) CheckConstraints() []sources.CheckConstraint {
	out := make([]sources.CheckConstraint, len(w.checks))
	for i, c := range w.checks {
		cols := slices.Compact(slices.Sorted(slices.Values(expr.Columns(c.expr))))
		out[i] = sources.CheckConstraint{Name: c.name, Definition: "CHECK (" + c.text + ")", Columns: cols}
	}
	return out
}

// checkReading names a CHECK constraint reading a column for which read
// is true, "" if none does.
func (w *writableTable) checkReading(read func(int) bool) string {
	for _, c := range w.checks {
		if slices.ContainsFunc(expr.Columns(c.expr), read) {
			return c.name
		}
	}
	return ""
}

// Append checks the new rows against the table's CHECK constraints, adds
// them (the unique keys checked there), then checks its foreign keys, in
// PostgreSQL's order; a failed check takes the rows out again.
func (w *writableTable) Append(batches []arrow.RecordBatch) error {
	if err := w.checkRows(batches); err != nil {
		return err
	}
	return w.checked(func() ([]arrow.RecordBatch, error) { return batches, w.WritableTable.Append(batches) }, false)
}

// AppendNew is Append for ON CONFLICT: the CHECK constraints see every
// row, those it skips included, as PostgreSQL checks a row before it
// looks for a conflict; the foreign keys the rows it adds.
func (w *writableTable) AppendNew(batches []arrow.RecordBatch, on []int) ([]arrow.RecordBatch, error) {
	if err := w.checkRows(batches); err != nil {
		return nil, err
	}
	var added []arrow.RecordBatch
	err := w.checked(func() ([]arrow.RecordBatch, error) {
		var err error
		added, err = w.WritableTable.AppendNew(batches, on)
		return added, err
	}, false)
	if err != nil {
		releaseBatches(added)
		return nil, err
	}
	return added, nil
}

// Replace is Append for the table's whole new rows (UPDATE, DELETE), which
// must also keep the keys other tables' foreign keys use.
func (w *writableTable) Replace(batches []arrow.RecordBatch) error {
	if err := w.checkRows(batches); err != nil {
		return err
	}
	return w.checked(func() ([]arrow.RecordBatch, error) { return batches, w.WritableTable.Replace(batches) }, true)
}

// checked runs write, then checks the rows it wrote against the table's
// foreign keys (and, replacing, that the keys referenced stay): checks
// after the write see rows of the same statement, as PostgreSQL's
// statement-end checks do (a table referencing itself). A failed check
// puts the old rows back.
func (w *writableTable) checked(write func() ([]arrow.RecordBatch, error), replacing bool) error {
	if len(w.fks) == 0 && (!replacing || len(w.referencedBy.list()) == 0) {
		_, err := write()
		return err
	}
	old := w.WritableTable.Rows()
	defer releaseBatches(old)
	written, err := write()
	if err != nil {
		return err
	}
	// The referenced side first, as PostgreSQL's triggers run.
	if replacing {
		err = w.checkReferenced(written)
	}
	if err == nil {
		err = w.checkForeignKeys(written)
	}
	if err != nil {
		_ = w.WritableTable.Replace(old)
	}
	return err
}

// checkRows fails with 23514 at the first row a CHECK constraint is
// false for.
func (w *writableTable) checkRows(batches []arrow.RecordBatch) error {
	if len(w.checks) == 0 {
		return nil
	}
	exprs := make([]expr.Expr, len(w.checks))
	names := make([]string, len(w.checks))
	fields := make([]arrow.Field, len(w.checks))
	for i, c := range w.checks {
		exprs[i], names[i] = c.expr, c.name
		fields[i] = arrow.Field{Name: c.name, Type: typeBool, Nullable: true}
	}
	out := arrow.NewSchema(fields, nil)
	for _, b := range batches {
		results, _, err := collectRows(context.Background(), engine.NewProject(&batchPlan{schema: b.Schema(), batch: b}, exprs, names), out)
		if err != nil {
			return err
		}
		var offset int
		var failed error
		for _, r := range results {
			for c := range w.checks {
				col := r.Column(c).(*array.Boolean)
				for i := range col.Len() {
					if col.IsValid(i) && !col.Value(i) && failed == nil {
						failed = pgerror.New("23514", "new row for relation %q violates check constraint %q", w.Name(), w.checks[c].name).
							WithConstraint(w.Name(), w.checks[c].name).WithDetail("Failing row contains %s.", sources.FailingRow(b, offset+i))
					}
				}
			}
			offset += int(r.NumRows())
		}
		releaseBatches(results)
		if failed != nil {
			return failed
		}
	}
	return nil
}

// bindCheck binds a CHECK constraint of CREATE TABLE over the table's
// columns; column names the column the constraint was written on, ""
// for a table constraint.
func (b *binder) bindCheck(c *pg_query.Constraint, table string, schema *arrow.Schema, column string) (checkConstraint, error) {
	if sl := findNode(c.RawExpr, func(n *pg_query.Node) bool { return n.GetSubLink() != nil }); sl != nil {
		return checkConstraint{}, b.errorf(pgerror.FeatureNotSupported, sl.GetSubLink().Location, "cannot use subquery in check constraint")
	}
	sc := tableScope(table, schema, nil)
	e, err := b.bindExpr(c.RawExpr, exprContext{scope: sc, clause: "check constraints"})
	if err != nil {
		return checkConstraint{}, err
	}
	if e, err = b.coerceBool(e, nodeLocation(c.RawExpr), "argument of CHECK"); err != nil {
		return checkConstraint{}, err
	}
	// Unnamed, it is named after its column, or the first column it
	// reads, as PostgreSQL names it.
	name := c.Conname
	if name == "" {
		if cols := expr.Columns(e); column == "" && len(cols) > 0 {
			column = schema.Field(cols[0]).Name
		}
		name = table + "_check"
		if column != "" {
			name = table + "_" + column + "_check"
		}
	}
	return checkConstraint{name: name, expr: e, text: b.parenthesized(c.Location)}, nil
}

// parenthesized returns the text inside the first parentheses of the
// statement at or after loc, as written.
func (b *binder) parenthesized(loc int32) string {
	sql := b.sql
	start := strings.IndexByte(sql[max(loc, 0):], '(')
	if start < 0 {
		return ""
	}
	start += int(max(loc, 0)) + 1
	depth, quote := 1, byte(0)
	for i := start; i < len(sql); i++ {
		ch := sql[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case ch == '\'' || ch == '"':
			quote = ch
		case ch == '(':
			depth++
		case ch == ')':
			if depth--; depth == 0 {
				return strings.TrimSpace(sql[start:i])
			}
		}
	}
	return strings.TrimSpace(sql[start:])
}
