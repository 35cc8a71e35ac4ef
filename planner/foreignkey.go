package planner

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/internal/take"
	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/sources"
)

// foreignKey is a FOREIGN KEY constraint of an in-memory table on another
// in-memory table. It is checked at once, statement by statement (a
// DEFERRABLE one too): a row whose key columns are all set must find its
// key among the referenced table's rows (MATCH SIMPLE: a NULL in the key
// passes), and the referenced table may not lose a key a row still uses
// (NO ACTION and RESTRICT), unless it goes with it (ON DELETE CASCADE).
type foreignKey struct {
	sources.ForeignKey
	parent *writableTable
}

// references tracks the foreign keys of other tables that reference a
// table, for the checks when its rows change or it is dropped.
type references struct {
	mu   sync.Mutex
	from []*writableTable
}

func (r *references) add(child *writableTable) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Contains(r.from, child) {
		r.from = append(r.from, child)
	}
}

func (r *references) remove(child *writableTable) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.from = slices.DeleteFunc(r.from, func(c *writableTable) bool { return c == child })
}

func (r *references) list() []*writableTable {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.from)
}

// ForeignKeys implements sources.ForeignKeyProvider.
func (w *writableTable) ForeignKeys() []sources.ForeignKey {
	out := make([]sources.ForeignKey, len(w.fks))
	for i, fk := range w.fks {
		out[i] = fk.ForeignKey
	}
	return out
}

// bindForeignKey binds a REFERENCES or FOREIGN KEY constraint of CREATE
// TABLE: self is the new table, to be named table in schema; column is the
// column the constraint was written on, "" for a table constraint.
func (b *binder) bindForeignKey(c *pg_query.Constraint, self *writableTable, schema, table, column string) (foreignKey, error) {
	fields := self.Schema().Fields()
	switch {
	case c.FkUpdAction != "a" && c.FkUpdAction != "r" && c.FkUpdAction != "":
		return foreignKey{}, b.unsupported(c.Location, "ON UPDATE %s is not supported yet", fkActionName(c.FkUpdAction))
	case c.FkDelAction != "a" && c.FkDelAction != "r" && c.FkDelAction != "c" && c.FkDelAction != "n" && c.FkDelAction != "":
		return foreignKey{}, b.unsupported(c.Location, "ON DELETE %s is not supported yet", fkActionName(c.FkDelAction))
	case c.FkMatchtype == "f":
		return foreignKey{}, b.unsupported(c.Location, "MATCH FULL is not supported yet")
	}
	colIndex := func(name string) (int, error) {
		i := slices.IndexFunc(fields, func(f arrow.Field) bool { return f.Name == name })
		if i < 0 {
			return 0, b.errorf(pgerror.UndefinedColumn, c.Location, "column \"%s\" referenced in foreign key constraint does not exist", name)
		}
		return i, nil
	}
	fk := foreignKey{ForeignKey: sources.ForeignKey{OnUpdate: actionCode(c.FkUpdAction), OnDelete: actionCode(c.FkDelAction)}}
	names := []string{column}
	if column == "" {
		names = nil
		for _, n := range c.FkAttrs {
			names = append(names, n.GetString_().GetSval())
		}
	}
	for _, n := range names {
		i, err := colIndex(n)
		if err != nil {
			return foreignKey{}, err
		}
		fk.Columns = append(fk.Columns, i)
	}
	parent, refSchema, refName, err := b.referencedTable(c.Pktable, self, schema, table)
	if err != nil {
		return foreignKey{}, err
	}
	fk.parent, fk.RefSchema, fk.RefTable = parent, refSchema, refName
	if parent == self && (fk.OnDelete == 'c' || fk.OnDelete == 'n') {
		return foreignKey{}, b.unsupported(c.Location, "ON DELETE %s on a table referencing itself is not supported yet", fkActionName(c.FkDelAction))
	}
	parentFields := parent.Schema().Fields()
	if len(c.PkAttrs) == 0 {
		// The referenced table's primary key.
		i := slices.IndexFunc(parent.UniqueKeys(), func(k sources.UniqueKey) bool { return k.Primary })
		if i < 0 {
			return foreignKey{}, b.errorf("42830", -1, "there is no primary key for referenced table \"%s\"", refName)
		}
		fk.RefColumns = slices.Clone(parent.UniqueKeys()[i].Columns)
	}
	for _, n := range c.PkAttrs {
		name := n.GetString_().GetSval()
		i := slices.IndexFunc(parentFields, func(f arrow.Field) bool { return f.Name == name })
		if i < 0 {
			return foreignKey{}, b.errorf(pgerror.UndefinedColumn, -1, "column \"%s\" referenced in foreign key constraint does not exist", name)
		}
		fk.RefColumns = append(fk.RefColumns, i)
	}
	if len(fk.RefColumns) != len(fk.Columns) {
		return foreignKey{}, b.errorf("42830", -1, "number of referencing and referenced columns for foreign key disagree")
	}
	sorted := slices.Sorted(slices.Values(fk.RefColumns))
	if !slices.ContainsFunc(parent.UniqueKeys(), func(k sources.UniqueKey) bool {
		return slices.Equal(slices.Sorted(slices.Values(k.Columns)), sorted)
	}) {
		return foreignKey{}, b.errorf("42830", -1, "there is no unique constraint matching given keys for referenced table \"%s\"", refName)
	}
	for i, c := range fk.Columns {
		from, to := fields[c].Type, parentFields[fk.RefColumns[i]].Type
		if commonType(from, to) == nil {
			return foreignKey{}, b.errorf(pgerror.DatatypeMismatch, -1, "foreign key constraint \"%s\" cannot be implemented", fkName(table, fields, fk)).
				WithDetail("Key columns \"%s\" and \"%s\" are of incompatible types: %s and %s.", fields[c].Name, parentFields[fk.RefColumns[i]].Name, typeName(from), typeName(to))
		}
	}
	fk.Name = c.Conname
	if fk.Name == "" {
		fk.Name = fkName(table, fields, fk)
	}
	fk.Definition = fkDefinition(fk, fields, parentFields, c)
	return fk, nil
}

// referencedTable finds the in-memory table a foreign key references:
// the new table itself (self, to be named table in schema), or one that
// exists, temporary exactly when the new one is.
func (b *binder) referencedTable(rv *pg_query.RangeVar, self *writableTable, schema, table string) (*writableTable, string, string, error) {
	if schema == "" {
		schema = catalog.DefaultSchema
	}
	if rv.Relname == table && (rv.Schemaname == "" || rv.Schemaname == schema) {
		return self, schema, table, nil
	}
	t, w, err := b.writable(rv, "reference")
	if err != nil {
		return nil, "", "", err
	}
	parent, ok := w.(*writableTable)
	if !ok {
		return nil, "", "", b.unsupported(rv.Location, "a foreign key must reference a table of CREATE TABLE")
	}
	switch temp := catalog.IsTempSchema(schema); {
	case temp && !catalog.IsTempSchema(t.Schema):
		return nil, "", "", pgerror.New("42P16", "constraints on temporary tables may reference only temporary tables")
	case !temp && catalog.IsTempSchema(t.Schema):
		return nil, "", "", pgerror.New("42P16", "constraints on permanent tables may reference only permanent tables")
	}
	return parent, t.Schema, t.Name, nil
}

// fkName is the name PostgreSQL gives an unnamed foreign key: the table's,
// its columns' and "fkey".
func fkName(table string, fields []arrow.Field, fk foreignKey) string {
	parts := []string{table}
	for _, c := range fk.Columns {
		parts = append(parts, fields[c].Name)
	}
	return strings.Join(parts, "_") + "_fkey"
}

// fkDefinition is pg_get_constraintdef's text of fk.
func fkDefinition(fk foreignKey, fields, parentFields []arrow.Field, c *pg_query.Constraint) string {
	cols := func(fs []arrow.Field, idx []int) string {
		names := make([]string, len(idx))
		for i, c := range idx {
			names[i] = catalog.QuoteIdent(fs[c].Name)
		}
		return strings.Join(names, ", ")
	}
	table := catalog.QuoteIdent(fk.RefTable)
	if fk.RefSchema != "public" && !catalog.IsTempSchema(fk.RefSchema) {
		table = catalog.QuoteIdent(fk.RefSchema) + "." + table
	}
	def := fmt.Sprintf("FOREIGN KEY (%s) REFERENCES %s(%s)", cols(fields, fk.Columns), table, cols(parentFields, fk.RefColumns))
	if fk.OnUpdate == 'r' {
		def += " ON UPDATE RESTRICT"
	}
	switch fk.OnDelete {
	case 'r':
		def += " ON DELETE RESTRICT"
	case 'c':
		def += " ON DELETE CASCADE"
	case 'n':
		def += " ON DELETE SET NULL"
	}
	if c.Deferrable {
		def += " DEFERRABLE"
		if c.Initdeferred {
			def += " INITIALLY DEFERRED"
		}
	}
	return def
}

func actionCode(a string) byte {
	if a == "" {
		return 'a'
	}
	return a[0]
}

func fkActionName(a string) string {
	switch a {
	case "c":
		return "CASCADE"
	case "n":
		return "SET NULL"
	case "d":
		return "SET DEFAULT"
	}
	return a
}

// keySet returns the encoded keys of cols of batches (cast to types, when
// given), skipping rows with a NULL in them; it maps each key to the
// text of its values, for messages.
func keySet(batches []arrow.RecordBatch, cols []int, types []arrow.DataType) (map[string]string, error) {
	out := make(map[string]string)
	for _, b := range batches {
		keys, texts, err := rowKeys(b, cols, types)
		if err != nil {
			return nil, err
		}
		for r, k := range keys {
			if _, ok := out[k]; k != "" && !ok {
				out[k] = texts[r]
			}
		}
	}
	return out, nil
}

// rowKeys encodes each row's values of cols (cast to types, when given),
// "" for a row with a NULL in them, and the text of each key's values.
func rowKeys(b arrow.RecordBatch, cols []int, types []arrow.DataType) (keys, texts []string, err error) {
	arrays := make([]arrow.Array, len(cols))
	for i, c := range cols {
		a := b.Column(c)
		if types != nil && !arrow.TypeEqual(a.DataType(), types[i]) {
			cast, err := engine.Cast(context.Background(), a, types[i])
			if err != nil {
				return nil, nil, err
			}
			defer cast.Release()
			a = cast
		}
		arrays[i] = a
	}
	keys, texts = make([]string, b.NumRows()), make([]string, b.NumRows())
rows:
	for r := range int(b.NumRows()) {
		var key, text strings.Builder
		for i, a := range arrays {
			if a.IsNull(r) {
				continue rows
			}
			v := a.ValueStr(r)
			fmt.Fprintf(&key, "%d:%s", len(v), v)
			if i > 0 {
				text.WriteString(", ")
			}
			text.WriteString(sources.ValueText(a, r))
		}
		keys[r], texts[r] = key.String(), text.String()
	}
	return keys, texts, nil
}

// deleteRows is Replace for a DELETE: first the rows of other tables
// whose foreign key ON DELETE CASCADE references a key w loses are
// deleted (and those referencing them in turn), each table taken as the
// statement takes its own, so that ROLLBACK undoes them too. When a step
// fails, the tables it had changed get their rows back: the statement
// changes all of them or none.
func (b *binder) deleteRows(ctx context.Context, w sources.Writer, rows []arrow.RecordBatch) error {
	var undo []func()
	err := b.deleteCascading(ctx, w, rows, &undo)
	if err != nil {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	return err
}

func (b *binder) deleteCascading(ctx context.Context, w sources.Writer, rows []arrow.RecordBatch, undo *[]func()) error {
	wt, ok := w.(*writableTable)
	if !ok {
		return w.Replace(rows)
	}
	for _, child := range wt.referencedBy.list() {
		for _, fk := range child.fks {
			if fk.parent != wt || fk.OnDelete != 'c' && fk.OnDelete != 'n' {
				continue
			}
			have, err := keySet(rows, fk.RefColumns, nil)
			if err != nil {
				return err
			}
			unlock, err := b.lockWriter(ctx, child)
			if err != nil {
				return err
			}
			err = b.cascadeDelete(ctx, child, fk, have, undo)
			unlock()
			if err != nil {
				return err
			}
		}
	}
	return w.Replace(rows)
}

// cascadeDelete deletes the rows of child whose key of fk is not among
// have (ON DELETE CASCADE), or sets their key columns NULL (SET NULL),
// logging how to put them back.
func (b *binder) cascadeDelete(ctx context.Context, child *writableTable, fk foreignKey, have map[string]string, undo *[]func()) error {
	types := make([]arrow.DataType, len(fk.RefColumns))
	for i, c := range fk.RefColumns {
		types[i] = fk.parent.Schema().Field(c).Type
	}
	old := child.Rows()
	var kept []arrow.RecordBatch
	defer func() { releaseBatches(kept) }()
	removed := false
	for _, batch := range old {
		keys, _, err := rowKeys(batch, fk.Columns, types)
		if err != nil {
			releaseBatches(old)
			return err
		}
		var keep []int64
		for r, k := range keys {
			if _, ok := have[k]; k == "" || ok {
				keep = append(keep, int64(r))
			}
		}
		if len(keep) == len(keys) {
			batch.Retain()
			kept = append(kept, batch)
			continue
		}
		removed = true
		if fk.OnDelete == 'n' {
			nb, err := nullColumns(ctx, batch, fk.Columns, keep)
			if err != nil {
				releaseBatches(old)
				return err
			}
			kept = append(kept, nb)
			continue
		}
		nb, err := takeRows(ctx, batch, keep)
		if err != nil {
			releaseBatches(old)
			return err
		}
		kept = append(kept, nb)
	}
	if !removed {
		releaseBatches(old)
		return nil
	}
	var err error
	if fk.OnDelete == 'n' {
		err = child.Replace(kept)
	} else {
		err = b.deleteCascading(ctx, child, kept, undo)
	}
	if err != nil {
		releaseBatches(old)
		return err
	}
	// The undo keeps the old rows; an undo that never runs leaves them to
	// the garbage collector with the rest of Go memory.
	*undo = append(*undo, func() {
		_ = child.WritableTable.Replace(old)
		releaseBatches(old)
	})
	return nil
}

// nullColumns returns b with cols NULL but in the rows keep lists (in
// order): a take whose index is NULL where the value goes.
func nullColumns(ctx context.Context, b arrow.RecordBatch, cols []int, keep []int64) (arrow.RecordBatch, error) {
	ib := array.NewInt64Builder(memory.DefaultAllocator)
	defer ib.Release()
	next := 0
	for r := range b.NumRows() {
		if next < len(keep) && keep[next] == r {
			ib.Append(r)
			next++
			continue
		}
		ib.AppendNull()
	}
	idx := ib.NewArray()
	defer idx.Release()
	out := make([]arrow.Array, b.NumCols())
	defer releaseAll(out)
	for c, col := range b.Columns() {
		if !slices.Contains(cols, c) {
			col.Retain()
			out[c] = col
			continue
		}
		taken, err := take.Array(ctx, col, idx)
		if err != nil {
			return nil, err
		}
		out[c] = taken
	}
	return array.NewRecordBatch(b.Schema(), out, b.NumRows()), nil
}

// columnList names columns of fields, as constraint errors list them.
func columnList(fields []arrow.Field, cols []int) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = fields[c].Name
	}
	return strings.Join(names, ", ")
}

// checkForeignKeys fails with 23503 when a row of batches, the table's
// new rows, references a key its referenced table does not have.
func (w *writableTable) checkForeignKeys(batches []arrow.RecordBatch) error {
	for _, fk := range w.fks {
		parentFields := fk.parent.Schema().Fields()
		types := make([]arrow.DataType, len(fk.RefColumns))
		for i, c := range fk.RefColumns {
			types[i] = parentFields[c].Type
		}
		keys, err := keySet(batches, fk.Columns, types)
		if err != nil {
			return err
		}
		if len(keys) == 0 {
			continue // no row references a key through this one: the next
		}
		rows := fk.parent.Rows()
		have, err := keySet(rows, fk.RefColumns, nil)
		releaseBatches(rows)
		if err != nil {
			return err
		}
		for k, text := range keys {
			if _, ok := have[k]; !ok {
				return pgerror.New("23503", "insert or update on table \"%s\" violates foreign key constraint \"%s\"", w.Name(), fk.Name).
					WithConstraint(w.Name(), fk.Name).WithDetail("Key (%s)=(%s) is not present in table \"%s\".", columnList(w.Schema().Fields(), fk.Columns), text, fk.parent.Name())
			}
		}
	}
	return nil
}

// checkReferenced fails with 23503 when batches, the table's new rows,
// lack a key that a row of a referencing table still uses.
func (w *writableTable) checkReferenced(batches []arrow.RecordBatch) error {
	for _, child := range w.referencedBy.list() {
		for _, fk := range child.fks {
			if fk.parent != w {
				continue
			}
			have, err := keySet(batches, fk.RefColumns, nil)
			if err != nil {
				return err
			}
			types := make([]arrow.DataType, len(fk.RefColumns))
			for i, c := range fk.RefColumns {
				types[i] = w.Schema().Field(c).Type
			}
			rows := child.Rows()
			used, err := keySet(rows, fk.Columns, types)
			releaseBatches(rows)
			if err != nil {
				return err
			}
			for k, text := range used {
				if _, ok := have[k]; !ok {
					return pgerror.New("23503", "update or delete on table \"%s\" violates foreign key constraint \"%s\" on table \"%s\"", w.Name(), fk.Name, child.Name()).
						WithConstraint(child.Name(), fk.Name).
						WithDetail("Key (%s)=(%s) is still referenced from table \"%s\".", columnList(w.Schema().Fields(), fk.RefColumns), text, child.Name())
				}
			}
		}
	}
	return nil
}

// dependents describes the foreign keys on w of tables other than those
// in dropping, as DROP lists them ("constraint c_fkey on table c").
func (w *writableTable) dependents(dropping []*writableTable) []string {
	var out []string
	for _, child := range w.referencedBy.list() {
		if slices.Contains(dropping, child) {
			continue
		}
		for _, fk := range child.fks {
			if fk.parent == w {
				out = append(out, fmt.Sprintf("constraint %s on table %s", fk.Name, child.Name()))
			}
		}
	}
	return out
}

// dropReferences removes the foreign keys of other tables on w (DROP
// TABLE ... CASCADE), and w's own from the tables it references.
func (w *writableTable) dropReferences() {
	for _, child := range w.referencedBy.list() {
		child.fks = slices.DeleteFunc(child.fks, func(fk foreignKey) bool { return fk.parent == w })
	}
	for _, fk := range w.fks {
		fk.parent.referencedBy.remove(w)
	}
}
