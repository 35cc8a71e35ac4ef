package planner

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/internal/take"
	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/sources"
)

// In-memory tables: CREATE TABLE makes a sources.WritableTable, and INSERT,
// UPDATE, DELETE and TRUNCATE change it. Each statement takes the table's
// write lock, computes the rows with the engine (UPDATE and DELETE compute
// the table's new contents) and installs them; there are no transactions
// to roll the change back. Tables of sources are read-only.

// columnDefaults is implemented by tables whose columns have DEFAULT
// expressions.
type columnDefaults interface {
	Defaults() []expr.Expr
}

// writableTable is a table CREATE TABLE made, with its column defaults:
// bound, and as PostgreSQL's pg_get_expr prints them.
type writableTable struct {
	*sources.WritableTable
	defaults     []expr.Expr
	defaultTexts []string
	// always names the GENERATED ALWAYS AS IDENTITY columns, which an
	// INSERT may not set.
	always []string
	checks []checkConstraint
	fks    []foreignKey
	// owned are the sequences of the table's serial and identity
	// columns, dropped with it; set once the sequences exist, under
	// ownedMu, as the catalog may read them meanwhile.
	ownedMu sync.Mutex
	owned   []ownedSequence
	// referencedBy are the tables whose foreign keys reference this one.
	referencedBy references
}

func (w *writableTable) Defaults() []expr.Expr { return w.defaults }

// ColumnDefaults implements sources.ColumnDefaulter.
func (w *writableTable) ColumnDefaults() []string { return w.defaultTexts }

// own records that the table's column owns sequence name (dropped with
// the table, reported by pg_get_serial_sequence).
func (w *writableTable) own(column, name string) {
	w.ownedMu.Lock()
	defer w.ownedMu.Unlock()
	w.owned = append(w.owned, ownedSequence{column: column, name: name})
}

// disown forgets that the table owns sequence name, reporting whether it
// did.
func (w *writableTable) disown(name string) bool {
	w.ownedMu.Lock()
	defer w.ownedMu.Unlock()
	n := len(w.owned)
	w.owned = slices.DeleteFunc(w.owned, func(o ownedSequence) bool { return o.name == name })
	return len(w.owned) != n
}

// ownedList returns the sequences the table's columns own.
func (w *writableTable) ownedList() []ownedSequence {
	w.ownedMu.Lock()
	defer w.ownedMu.Unlock()
	return slices.Clone(w.owned)
}

// OwnedSequences implements sources.SequenceOwner.
func (w *writableTable) OwnedSequences() map[int]string {
	w.ownedMu.Lock()
	defer w.ownedMu.Unlock()
	out := make(map[int]string, len(w.owned))
	for _, o := range w.owned {
		if i := w.Schema().FieldIndices(o.column); len(i) == 1 {
			out[i[0]] = o.name
		}
	}
	return out
}

// Identities implements sources.IdentityProvider: an identity column is
// one whose default is its sequence with no DEFAULT text (a serial
// column's default prints as nextval(...)).
func (w *writableTable) Identities() []*sources.Identity {
	out := make([]*sources.Identity, len(w.defaults))
	for i, d := range w.defaults {
		seq, ok := d.(*expr.Sequence)
		if !ok || i < len(w.defaultTexts) && w.defaultTexts[i] != "" {
			continue
		}
		st := seq.State
		out[i] = &sources.Identity{Always: slices.Contains(w.always, w.Schema().Field(i).Name),
			Start: st.Start, Increment: st.Increment, Min: st.Min, Max: st.Max}
	}
	return out
}

// defaultText renders a DEFAULT expression as pg_get_expr does for the
// usual ones (constants, with a cast unless numeric or boolean;
// functions without arguments; CURRENT_TIMESTAMP and the like), else as
// riffq prints the bound expression.
func defaultText(n *pg_query.Node, bound expr.Expr, f arrow.Field) string {
	colType := typeName(f.Type)
	if strings.HasPrefix(pgtypes.Annotation(f), "character varying") {
		colType = "character varying" // a varchar column, held as text
	} else if _, ok := pgtypes.Bpchar(f); ok {
		colType = "bpchar"
	}
	quoted := func(v string) string {
		return quoteLiteral(v) + "::" + colType
	}
	switch {
	case n.GetAConst() != nil:
		c := n.GetAConst()
		switch {
		case c.Isnull:
			return "NULL::" + colType
		case c.GetIval() != nil && c.GetIval().Ival < 0:
			// A negative constant prints quoted, with its type.
			return quoted(fmt.Sprint(c.GetIval().Ival))
		case c.GetIval() != nil:
			return fmt.Sprint(c.GetIval().Ival)
		case c.GetFval() != nil && strings.HasPrefix(c.GetFval().Fval, "-"):
			return quoted(c.GetFval().Fval)
		case c.GetFval() != nil:
			return c.GetFval().Fval
		case c.GetBoolval() != nil:
			return fmt.Sprint(c.GetBoolval().Boolval)
		case c.GetSval() != nil:
			return quoted(c.GetSval().Sval)
		}
	case n.GetAExpr() != nil:
		// -1 is stored folded, as a constant.
		ae := n.GetAExpr()
		if ae.Lexpr == nil && len(ae.Name) == 1 && ae.Name[0].GetString_().GetSval() == "-" {
			if c := ae.Rexpr.GetAConst(); c != nil && (c.GetIval() != nil || c.GetFval() != nil) {
				v := c.GetFval().GetFval()
				if c.GetIval() != nil {
					v = fmt.Sprint(c.GetIval().Ival)
				}
				return quoted("-" + v)
			}
		}
	case n.GetFuncCall() != nil && len(n.GetFuncCall().Args) == 0:
		return funcName(n.GetFuncCall()) + "()"
	case n.GetFuncCall() != nil && funcName(n.GetFuncCall()) == "nextval" && len(n.GetFuncCall().Args) == 1:
		// nextval('s'), nextval('s'::regclass): as regclass prints the
		// name, qualified unless it is in public.
		arg := n.GetFuncCall().Args[0]
		if tc := arg.GetTypeCast(); tc != nil {
			arg = tc.Arg
		}
		if c := arg.GetAConst(); c != nil && c.GetSval() != nil {
			schema, name := splitQualified(c.GetSval().Sval)
			if schema != "" && schema != catalog.DefaultSchema {
				name = catalog.QuoteIdent(schema) + "." + catalog.QuoteIdent(name)
			} else {
				name = catalog.QuoteIdent(name)
			}
			return "nextval(" + quoteLiteral(name) + "::regclass)"
		}
	case n.GetSqlvalueFunction() != nil:
		return strings.ToUpper(sqlValueNames[n.GetSqlvalueFunction().Op])
	}
	return bound.String()
}

var _ sources.Writer = (*writableTable)(nil)

// writable finds the table a statement changes.
func (b *binder) writable(rv *pg_query.RangeVar, verb string) (*catalog.Table, sources.Writer, error) {
	if err := b.qualifiedName(rv); err != nil {
		return nil, nil, err
	}
	t, ok := b.lookupTable(rv.Schemaname, rv.Relname)
	if !ok {
		return nil, nil, b.errorf(pgerror.UndefinedTable, rv.Location, "relation %q does not exist", rv.Relname)
	}
	if b.write != "" && t.Schema != b.tempSchema() {
		if err := checkWritable(b.sess, b.write); err != nil {
			return nil, nil, err
		}
	}
	switch {
	case t.View != nil:
		return nil, nil, b.errorf("55000", rv.Location, "cannot %s view %q", verb, t.Name).
			WithDetail("Views are not updatable.")
	case t.System:
		return nil, nil, b.errorf(pgerror.InsufficientPrivilege, rv.Location, "permission denied for table %s", t.Name)
	}
	w, ok := t.Provider.(sources.Writer)
	if !ok {
		return nil, nil, b.errorf(pgerror.FeatureNotSupported, rv.Location, "cannot %s table %q: its source is read-only", verb, t.Name).
			WithHint("Only tables made with CREATE TABLE can be changed.")
	}
	return t, w, nil
}

func physicalOf(logical Plan) (engine.Plan, error) {
	opt, err := Optimize(logical)
	if err != nil {
		return nil, err
	}
	return Physical(opt)
}

// collectRows runs plan and keeps its rows, as batches of schema (the
// plan's columns under the table's names and nullability).
func collectRows(ctx context.Context, plan engine.Plan, schema *arrow.Schema) ([]arrow.RecordBatch, int64, error) {
	rdr, err := plan.Execute(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer rdr.Release()
	var out []arrow.RecordBatch
	var n int64
	for rdr.Next() {
		b := rdr.RecordBatch()
		if b.NumRows() == 0 {
			continue
		}
		cols := b.Columns()
		if len(cols) > schema.NumFields() {
			cols = cols[:schema.NumFields()]
		}
		out = append(out, array.NewRecordBatch(schema, cols, b.NumRows()))
		n += b.NumRows()
	}
	if err := rdr.Err(); err != nil {
		releaseBatches(out)
		return nil, 0, err
	}
	return out, n, nil
}

func releaseBatches(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

// fitColumn adjusts a value assigned to column f as PostgreSQL's
// assignment does: a time(p) or timestamp(p) rounds to p fractional
// digits, a varchar(n) takes a longer value whose excess is spaces, cut.
func fitColumn(e expr.Expr, f arrow.Field) expr.Expr {
	if p := pgtypes.FractionDigits(f); p >= 0 {
		return &expr.Call{Func: "round_fraction", Args: []expr.Expr{e, &expr.Literal{Value: scalar.NewInt32Scalar(p)}}, Type: e.DataType()}
	}
	if n, ok := pgtypes.Bpchar(f); ok && e.DataType().ID() == arrow.STRING {
		// char(n) holds its values padded to n (bpchar.go).
		e = unpadded(e)
		if n == 0 {
			return e
		}
		return &expr.Call{Func: bpcharPadFunc, Args: []expr.Expr{cutSpaces(e, n), &expr.Literal{Value: scalar.NewInt32Scalar(int32(n))}}, Type: typeText}
	}
	if n := pgtypes.VarcharLength(f); n > 0 && e.DataType().ID() == arrow.STRING {
		return cutSpaces(e, n)
	}
	return e
}

// cutSpaces gives a value assigned to a varchar(n) or char(n) column
// PostgreSQL's leeway: characters past the n-th that are all spaces are
// cut off rather than refused (the table refuses other longer values,
// 22001).
func cutSpaces(e expr.Expr, n int) expr.Expr {
	lit := func(v int32) expr.Expr { return &expr.Literal{Value: scalar.NewInt32Scalar(v)} }
	long := &expr.Binary{Op: expr.Gt, Left: &expr.Call{Func: "char_length", Args: []expr.Expr{e}, Type: typeInt4}, Right: lit(int32(n)), Type: typeBool}
	rest := &expr.Call{Func: "rtrim", Args: []expr.Expr{&expr.Call{Func: "substr", Args: []expr.Expr{e, lit(int32(n) + 1)}, Type: typeText}}, Type: typeText}
	blank := &expr.Binary{Op: expr.Eq, Left: rest, Right: &expr.Literal{Value: scalar.NewStringScalar("")}, Type: typeBool}
	cut := &expr.Call{Func: "left", Args: []expr.Expr{e, lit(int32(n))}, Type: e.DataType()}
	return &expr.Case{Whens: []expr.When{{Cond: &expr.Binary{Op: expr.And, Left: long, Right: blank, Type: typeBool}, Result: cut}}, Else: e, Type: e.DataType()}
}

// defaultOf is column i's DEFAULT expression, or a NULL of its type.
func (b *binder) defaultOf(t *catalog.Table, i int) expr.Expr {
	if d, ok := t.Provider.(columnDefaults); ok {
		switch e := d.Defaults()[i].(type) {
		case nil:
		case *volatileDefault:
			re, err := b.bindDefault(e.node, e.typ)
			if v, ok := re.(*volatileDefault); ok && err == nil {
				return v.bound
			}
			return e.bound
		default:
			return e
		}
	}
	return &expr.Literal{Value: scalar.MakeNullScalar(t.Provider.Schema().Field(i).Type)}
}

// volatileDefault is a column DEFAULT that reads the clock or the session
// (now(), current_user): each statement that uses it binds it again, as
// PostgreSQL evaluates a default when a row is made, not at CREATE TABLE.
type volatileDefault struct {
	node  *pg_query.Node
	typ   arrow.DataType
	bound expr.Expr // as bound when the default was declared
}

func (v *volatileDefault) DataType() arrow.DataType { return v.typ }
func (v *volatileDefault) String() string           { return v.bound.String() }

// bindDefault binds a column's DEFAULT expression n for a column of type
// typ: a volatileDefault when it reads the clock or the session.
func (b *binder) bindDefault(n *pg_query.Node, typ arrow.DataType) (expr.Expr, error) {
	// A default reads neither columns nor subqueries, as PostgreSQL
	// checks before anything else.
	var refused error
	var walk func(m *pg_query.Node)
	walk = func(m *pg_query.Node) {
		switch {
		case refused != nil:
		case m.GetSubLink() != nil:
			refused = b.errorf(pgerror.FeatureNotSupported, m.GetSubLink().Location, "cannot use subquery in DEFAULT expression")
		case m.GetColumnRef() != nil:
			refused = b.errorf(pgerror.FeatureNotSupported, m.GetColumnRef().Location, "cannot use column reference in DEFAULT expression")
		default:
			replaceChildren(m, walk)
		}
	}
	walk(n)
	if refused != nil {
		return nil, refused
	}
	outer := b.volatile
	b.volatile = false
	e, err := b.bindExpr(n, exprContext{scope: &scope{}, clause: "DEFAULT expressions"})
	volatile := b.volatile
	b.volatile = outer || volatile
	if err != nil {
		return nil, err
	}
	if e, err = b.cast(e, typ, nodeLocation(n)); err != nil {
		return nil, err
	}
	if volatile {
		return &volatileDefault{node: n, typ: typ, bound: e}, nil
	}
	return e, nil
}

// planInsert plans INSERT INTO table [(columns)] VALUES ... | SELECT ... |
// DEFAULT VALUES.
func (p *Planner) planInsert(b *binder, is *pg_query.InsertStmt) (*Query, error) {
	if is.WithClause != nil {
		if _, err := b.enterWith(is.WithClause, false); err != nil {
			return nil, err
		}
		defer b.leaveWith()
	}
	t, w, err := b.writable(is.Relation, "insert into")
	if err != nil {
		return nil, err
	}
	schema := w.Schema()
	// targets are the table columns the statement supplies, in its order.
	var targets []int
	if len(is.Cols) == 0 {
		for i := range schema.NumFields() {
			targets = append(targets, i)
		}
	}
	for _, n := range is.Cols {
		rt := n.GetResTarget()
		if len(rt.Indirection) > 0 {
			return nil, b.unsupported(rt.Location, "assigning to parts of a column is not supported")
		}
		i := schema.FieldIndices(rt.Name)
		if len(i) == 0 {
			return nil, b.errorf(pgerror.UndefinedColumn, rt.Location, "column %q of relation %q does not exist", rt.Name, t.Name)
		}
		for _, x := range targets {
			if x == i[0] {
				return nil, b.errorf(pgerror.DuplicateColumn, rt.Location, "column %q specified more than once", rt.Name)
			}
		}
		targets = append(targets, i[0])
	}
	var source Plan
	sel := is.SelectStmt.GetSelectStmt()
	switch {
	case sel == nil: // DEFAULT VALUES
		targets = nil
		source = OneRow{}
	case len(sel.ValuesLists) > 0 && len(sel.SortClause) == 0 && sel.LimitCount == nil && sel.LimitOffset == nil:
		if n := len(sel.ValuesLists[0].GetList().GetItems()); len(is.Cols) == 0 && n < len(targets) {
			// Without a column list the values fill the first columns.
			targets = targets[:n]
		}
		if source, err = b.bindInsertValues(t, sel.ValuesLists, targets); err != nil {
			return nil, err
		}
	default:
		if source, err = b.bindSelect(sel); err != nil {
			return nil, err
		}
		n := source.Schema().NumFields()
		if len(is.Cols) == 0 && n < len(targets) {
			targets = targets[:n]
		}
		if n > len(targets) {
			return nil, b.errorf(pgerror.SyntaxError, -1, "INSERT has more expressions than target columns")
		}
		if n < len(targets) {
			return nil, b.errorf(pgerror.SyntaxError, -1, "INSERT has more target columns than expressions")
		}
	}
	if wt, ok := w.(*writableTable); ok && is.Override != pg_query.OverridingKind_OVERRIDING_SYSTEM_VALUE {
		if err := b.checkAlways(wt, is, targets); err != nil {
			return nil, err
		}
	}
	// The table's columns: supplied ones cast to their types, the others
	// their defaults.
	in := source.Schema()
	exprs := make([]expr.Expr, schema.NumFields())
	names := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		names[i] = f.Name
		exprs[i] = b.defaultOf(t, i)
	}
	for pos, i := range targets {
		col := &expr.Column{Index: pos, Name: in.Field(pos).Name, Type: in.Field(pos).Type}
		if item, ok := selectItem(sel, pos); ok && !untypedConstant(item) {
			// A typed value must be assignable (a string constant of the
			// top-level SELECT list is still unknown, as in PostgreSQL).
			if err := b.assignable(col, schema.Field(i), nodeLocation(item)); err != nil {
				return nil, err
			}
		}
		if exprs[i], err = b.cast(col, schema.Field(i).Type, -1); err != nil {
			return nil, err
		}
		exprs[i] = fitColumn(exprs[i], schema.Field(i))
	}
	plan, err := physicalOf(&Project{Input: source, Exprs: exprs, Names: names})
	if err != nil {
		return nil, err
	}
	q := &Query{Tag: "INSERT 0 0"}
	ret, err := b.returning(q, t, is.Relation, is.ReturningList)
	if err != nil {
		return nil, err
	}
	// ON CONFLICT DO NOTHING skips the rows that would break the unique
	// keys it names (every one without a target).
	var skipOn []int
	var up *upsert
	skipping := is.OnConflictClause != nil
	if skipping {
		if skipOn, err = b.conflictKeys(t, w, is.OnConflictClause); err != nil {
			return nil, err
		}
		if is.OnConflictClause.Action == pg_query.OnConflictAction_ONCONFLICT_UPDATE {
			if up, err = b.bindUpsert(t, is.Relation, is.OnConflictClause, skipOn); err != nil {
				return nil, err
			}
		}
	}
	q.Run = func(ctx context.Context) error {
		unlock, err := b.lockWriter(ctx, w)
		if err != nil {
			return err
		}
		defer unlock()
		batches, n, err := collectRows(ctx, plan, schema)
		defer releaseBatches(batches)
		if err != nil {
			return err
		}
		if skipping {
			var changed []arrow.RecordBatch
			if up != nil {
				changed, err = up.apply(ctx, w.(*writableTable), batches)
			} else {
				changed, err = w.(*writableTable).AppendNew(batches, skipOn)
			}
			defer releaseBatches(changed)
			if err != nil {
				return err
			}
			n = 0
			for _, c := range changed {
				n += c.NumRows()
			}
			ret.keep(changed)
			q.Tag = fmt.Sprintf("INSERT 0 %d", n)
			return nil
		}
		if err := w.Append(batches); err != nil {
			return err
		}
		ret.keep(batches)
		q.Tag = fmt.Sprintf("INSERT 0 %d", n)
		return nil
	}
	return q, nil
}

// checkAlways refuses an INSERT that gives a GENERATED ALWAYS identity
// column a value other than DEFAULT, as PostgreSQL does without
// OVERRIDING SYSTEM VALUE.
func (b *binder) checkAlways(w *writableTable, is *pg_query.InsertStmt, targets []int) error {
	sel := is.SelectStmt.GetSelectStmt()
	for pos, i := range targets {
		name := w.Schema().Field(i).Name
		if !slices.Contains(w.always, name) {
			continue
		}
		allDefault := sel != nil && len(sel.ValuesLists) > 0
		for _, row := range sel.GetValuesLists() {
			items := row.GetList().GetItems()
			if pos >= len(items) || items[pos].GetSetToDefault() == nil {
				allDefault = false
			}
		}
		if !allDefault {
			return b.errorf("428C9", -1, "cannot insert a non-DEFAULT value into column \"%s\"", name).
				WithDetail("Column \"%s\" is an identity column defined as GENERATED ALWAYS.", name).
				WithHint("Use OVERRIDING SYSTEM VALUE to override.")
		}
	}
	return nil
}

// conflictKeys resolves ON CONFLICT's target — (columns) or ON
// CONSTRAINT name — to the table's unique keys; nil means all of them.
func (b *binder) conflictKeys(t *catalog.Table, w sources.Writer, oc *pg_query.OnConflictClause) ([]int, error) {
	wt, ok := w.(*writableTable)
	if !ok {
		return nil, b.unsupported(oc.Location, "ON CONFLICT needs an in-memory table")
	}
	keys := wt.UniqueKeys()
	if oc.Infer == nil {
		return nil, nil
	}
	noMatch := b.errorf(pgerror.InvalidColumnReference, -1, "there is no unique or exclusion constraint matching the ON CONFLICT specification")
	if oc.Infer.Conname != "" {
		for i, k := range keys {
			if k.Name == oc.Infer.Conname {
				return []int{i}, nil
			}
		}
		return nil, b.errorf("42704", oc.Location, "constraint %q for table %q does not exist", oc.Infer.Conname, t.Name)
	}
	var cols []int
	schema := wt.Schema()
	for _, n := range oc.Infer.IndexElems {
		name := n.GetIndexElem().GetName()
		idx := schema.FieldIndices(name)
		if len(idx) == 0 {
			return nil, b.errorf(pgerror.UndefinedColumn, oc.Location, "column %q does not exist", name)
		}
		cols = append(cols, idx[0])
	}
	for i, k := range keys {
		if len(k.Columns) == len(cols) && sameColumns(k.Columns, cols) {
			return []int{i}, nil
		}
	}
	return nil, noMatch
}

func sameColumns(a, b []int) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// bindInsertValues binds INSERT's VALUES lists: each value takes the type
// of its target column (an untyped literal or parameter is read as that
// type), and DEFAULT stands for the column's default.
func (b *binder) bindInsertValues(t *catalog.Table, lists []*pg_query.Node, targets []int) (Plan, error) {
	schema := t.Provider.Schema()
	names := make([]string, len(targets))
	for i, c := range targets {
		names[i] = schema.Field(c).Name
	}
	parts := make([]Plan, 0, len(lists))
	for _, l := range lists {
		items := l.GetList().GetItems()
		if len(items) > len(targets) {
			return nil, b.errorf(pgerror.SyntaxError, nodeLocation(items[len(targets)]), "INSERT has more expressions than target columns")
		}
		if len(items) < len(targets) {
			loc := int32(-1)
			if len(items) > 0 {
				loc = nodeLocation(items[0])
			}
			return nil, b.errorf(pgerror.SyntaxError, loc, "INSERT has more target columns than expressions")
		}
		row := make([]expr.Expr, len(items))
		for j, it := range items {
			c := targets[j]
			if it.GetSetToDefault() != nil {
				row[j] = b.defaultOf(t, c)
				continue
			}
			e, err := b.bindExpr(it, exprContext{scope: &scope{}, clause: "VALUES"})
			if err != nil {
				return nil, err
			}
			if err := b.assignable(e, schema.Field(c), nodeLocation(it)); err != nil {
				return nil, err
			}
			if row[j], err = b.cast(e, schema.Field(c).Type, nodeLocation(it)); err != nil {
				return nil, err
			}
		}
		parts = append(parts, &Project{Input: OneRow{}, Exprs: row, Names: names})
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return &Union{Parts: parts}, nil
}

// splitMultiAssign rewrites SET (a, b) = (x, y) into a = x, b = y, and
// SET (a, b) = (SELECT x, y ...) into one scalar subquery per column,
// each reading its column of the subquery's row.
func (b *binder) splitMultiAssign(list []*pg_query.Node) ([]*pg_query.Node, error) {
	var out []*pg_query.Node
	for _, n := range list {
		rt := n.GetResTarget()
		mar := rt.GetVal().GetMultiAssignRef()
		if mar == nil {
			out = append(out, n)
			continue
		}
		var val *pg_query.Node
		switch src := mar.Source; {
		case src.GetRowExpr() != nil:
			args := src.GetRowExpr().Args
			if len(args) != int(mar.Ncolumns) {
				// At the row's opening parenthesis, before its first value.
				loc := nodeLocation(src)
				if loc < 0 && len(args) > 0 {
					loc = int32(strings.LastIndexByte(b.sql[:max(nodeLocation(args[0]), 0)], '('))
				}
				return nil, b.errorf(pgerror.SyntaxError, loc, "number of columns does not match number of values")
			}
			val = args[mar.Colno-1]
		case src.GetSubLink() != nil && src.GetSubLink().Subselect != nil:
			sl := src.GetSubLink()
			if sel := sl.Subselect.GetSelectStmt(); sel != nil && sel.Op == pg_query.SetOperation_SETOP_NONE && len(sel.TargetList) != int(mar.Ncolumns) {
				return nil, b.errorf(pgerror.SyntaxError, sl.Location, "number of columns does not match number of values")
			}
			val = sublinkColumn(sl, int(mar.Colno), int(mar.Ncolumns))
		default:
			return nil, b.unsupported(rt.Location, "this form of SET is not supported yet")
		}
		out = append(out, &pg_query.Node{Node: &pg_query.Node_ResTarget{ResTarget: &pg_query.ResTarget{Name: rt.Name, Val: val, Location: rt.Location}}})
	}
	return out, nil
}

// bindAssignments binds the SET list of an UPDATE (or of ON CONFLICT DO
// UPDATE) over sc: each assigned column's new value, cast to its type.
func (b *binder) bindAssignments(t *catalog.Table, list []*pg_query.Node, sc *scope) (map[int]expr.Expr, error) {
	schema := t.Provider.Schema()
	set := make(map[int]expr.Expr, len(list))
	list, err := b.splitMultiAssign(list)
	if err != nil {
		return nil, err
	}
	for _, n := range list {
		rt := n.GetResTarget()
		if len(rt.Indirection) > 0 || rt.Val.GetMultiAssignRef() != nil {
			return nil, b.unsupported(rt.Location, "this form of SET is not supported yet")
		}
		idx := schema.FieldIndices(rt.Name)
		if len(idx) == 0 {
			return nil, b.errorf(pgerror.UndefinedColumn, rt.Location, "column %q of relation %q does not exist", rt.Name, t.Name)
		}
		i := idx[0]
		if _, dup := set[i]; dup {
			return nil, b.errorf(pgerror.DuplicateColumn, rt.Location, "multiple assignments to same column %q", rt.Name)
		}
		if rt.Val.GetSetToDefault() != nil {
			set[i] = b.defaultOf(t, i)
			continue
		}
		if wt, ok := t.Provider.(*writableTable); ok && slices.Contains(wt.always, rt.Name) {
			return nil, b.errorf("428C9", -1, "column \"%s\" can only be updated to DEFAULT", rt.Name).
				WithDetail("Column \"%s\" is an identity column defined as GENERATED ALWAYS.", rt.Name)
		}
		e, err := b.bindExpr(rt.Val, exprContext{scope: sc, clause: "UPDATE"})
		if err != nil {
			return nil, err
		}
		if err := b.assignable(e, schema.Field(i), nodeLocation(rt.Val)); err != nil {
			return nil, err
		}
		if set[i], err = b.cast(e, schema.Field(i).Type, nodeLocation(rt.Val)); err != nil {
			return nil, err
		}
		set[i] = fitColumn(set[i], schema.Field(i))
	}
	return set, nil
}

// assignable refuses a value of a type PostgreSQL does not convert to
// column f's on assignment, which takes fewer casts than CAST does: typed
// text goes into no other type (untyped constants go anywhere), booleans
// and numbers not into each other. Anything goes into text.
func (b *binder) assignable(e expr.Expr, f arrow.Field, loc int32) error {
	if _, ok := e.(*unknownLit); ok || isBareNull(e) {
		return nil
	}
	if !assignableType(e.DataType(), f.Type) {
		return b.errorf(pgerror.DatatypeMismatch, loc, "column \"%s\" is of type %s but expression is of type %s", f.Name, typeName(f.Type), typeName(e.DataType())).
			WithHint("You will need to rewrite or cast the expression.")
	}
	return nil
}

// assignableType reports whether PostgreSQL converts a value of type from
// to a column of type to on assignment (an implicit or assignment cast):
// anything into text, numbers into numbers, dates and timestamps into
// each other, a timestamp into a time, nothing else across categories.
func assignableType(from, to arrow.DataType) bool {
	cf, ct := category(from), category(to)
	if isPerValueNumeric(from) {
		cf = catNumeric
	}
	if isPerValueNumeric(to) {
		ct = catNumeric
	}
	switch {
	case cf == catOther && from.ID() == arrow.NULL, ct == catString, cf == ct && ct != catOther:
		return true
	case cf == catDateTime:
		return to.ID() == arrow.TIME64
	case cf == catOther:
		return ct == catOther
	}
	return false
}

// selectItem is the expression of item pos of an INSERT's plain SELECT
// list (not VALUES, not a set operation, not *).
func selectItem(sel *pg_query.SelectStmt, pos int) (*pg_query.Node, bool) {
	if sel == nil || len(sel.ValuesLists) > 0 || sel.Op != pg_query.SetOperation_SETOP_NONE || pos >= len(sel.TargetList) {
		return nil, false
	}
	for _, t := range sel.TargetList {
		if cr := t.GetResTarget().GetVal().GetColumnRef(); cr != nil && isStar(cr) {
			return nil, false
		}
	}
	return sel.TargetList[pos].GetResTarget().GetVal(), true
}

// tableRowsPlan is a scan of the whole table t, as a statement's target.
func tableRowsPlan(t *catalog.Table) (*Scan, []expr.Expr) {
	schema := t.Provider.Schema()
	cols := make([]expr.Expr, schema.NumFields())
	for i, f := range schema.Fields() {
		cols[i] = &expr.Column{Index: i, Name: t.Name + "." + f.Name, Type: f.Type}
	}
	return &Scan{Table: t, Limit: -1}, cols
}

// targetScope is the scope of an UPDATE's or DELETE's table.
func targetScope(t *catalog.Table, rv *pg_query.RangeVar) *scope {
	alias := t.Name
	if rv.Alias != nil {
		alias = rv.Alias.Aliasname
	}
	return tableScope(alias, t.Provider.Schema(), nil)
}

// planUpdate plans UPDATE table SET column = value, ... [WHERE ...]: the
// table's new contents are its rows with the matching ones changed.
func (p *Planner) planUpdate(b *binder, us *pg_query.UpdateStmt) (*Query, error) {
	if us.WithClause != nil {
		if _, err := b.enterWith(us.WithClause, false); err != nil {
			return nil, err
		}
		defer b.leaveWith()
	}
	t, w, err := b.writable(us.Relation, "update")
	if err != nil {
		return nil, err
	}
	if len(us.FromClause) > 0 {
		wt, ok := w.(*writableTable)
		if !ok {
			return nil, b.unsupported(nodeLocation(us.FromClause[0]), "UPDATE ... FROM needs an in-memory table")
		}
		return p.planUpdateFrom(b, us, t, wt, us.TargetList)
	}
	schema := w.Schema()
	scan, cols := tableRowsPlan(t)
	sc := targetScope(t, us.Relation)
	var pred expr.Expr = &expr.Literal{Value: scalar.NewBooleanScalar(true)}
	if us.WhereClause != nil {
		if pred, err = b.bindPredicate(us.WhereClause, exprContext{scope: sc, clause: "WHERE"}); err != nil {
			return nil, err
		}
	}
	exprs := append([]expr.Expr{}, cols...)
	set, err := b.bindAssignments(t, us.TargetList, sc)
	if err != nil {
		return nil, err
	}
	for i, v := range set {
		exprs[i] = &expr.Case{Whens: []expr.When{{Cond: pred, Result: v}}, Else: cols[i], Type: schema.Field(i).Type}
	}
	// A last column marks the rows the statement changes, to count them.
	matched := &expr.Case{Whens: []expr.When{{Cond: pred, Result: &expr.Literal{Value: scalar.NewBooleanScalar(true)}}},
		Else: &expr.Literal{Value: scalar.NewBooleanScalar(false)}, Type: typeBool}
	names := make([]string, 0, len(exprs)+1)
	for _, f := range schema.Fields() {
		names = append(names, f.Name)
	}
	plan, err := physicalOf(&Project{Input: scan, Exprs: append(exprs, matched), Names: append(names, "?matched?")})
	if err != nil {
		return nil, err
	}
	q := &Query{Tag: "UPDATE 0"}
	ret, err := b.returning(q, t, us.Relation, us.ReturningList)
	if err != nil {
		return nil, err
	}
	q.Run = func(ctx context.Context) error {
		unlock, err := b.lockWriter(ctx, w)
		if err != nil {
			return err
		}
		defer unlock()
		rdr, err := plan.Execute(ctx)
		if err != nil {
			return err
		}
		defer rdr.Release()
		var rows []arrow.RecordBatch
		defer func() { releaseBatches(rows) }()
		var n int64
		var changed []arrow.RecordBatch
		defer func() { releaseBatches(changed) }()
		for rdr.Next() {
			b := rdr.RecordBatch()
			m := b.Column(schema.NumFields()).(*array.Boolean)
			var sel []int32 // the changed rows
			for i := range m.Len() {
				if m.Value(i) {
					n++
					sel = append(sel, int32(i))
				}
			}
			row := array.NewRecordBatch(schema, b.Columns()[:schema.NumFields()], b.NumRows())
			rows = append(rows, row)
			if ret != nil {
				c, err := take.Rows(ctx, row, sel)
				if err != nil {
					return err
				}
				changed = append(changed, c)
			}
		}
		if err := rdr.Err(); err != nil {
			return err
		}
		if err := w.Replace(rows); err != nil {
			return err
		}
		ret.keep(changed)
		q.Tag = fmt.Sprintf("UPDATE %d", n)
		return nil
	}
	return q, nil
}

// planDelete plans DELETE FROM table [WHERE ...]: the table keeps the rows
// the condition is not true for.
func (p *Planner) planDelete(b *binder, ds *pg_query.DeleteStmt) (*Query, error) {
	if ds.WithClause != nil {
		if _, err := b.enterWith(ds.WithClause, false); err != nil {
			return nil, err
		}
		defer b.leaveWith()
	}
	t, w, err := b.writable(ds.Relation, "delete from")
	if err != nil {
		return nil, err
	}
	if len(ds.UsingClause) > 0 {
		wt, ok := w.(*writableTable)
		if !ok {
			return nil, b.unsupported(nodeLocation(ds.UsingClause[0]), "DELETE ... USING needs an in-memory table")
		}
		return p.planDeleteUsing(b, ds, t, wt)
	}
	schema := w.Schema()
	scan, _ := tableRowsPlan(t)
	var keep Plan // nil: no row stays
	if ds.WhereClause != nil {
		pred, err := b.bindPredicate(ds.WhereClause, exprContext{scope: targetScope(t, ds.Relation), clause: "WHERE"})
		if err != nil {
			return nil, err
		}
		notMatched := &expr.Case{Whens: []expr.When{{Cond: pred, Result: &expr.Literal{Value: scalar.NewBooleanScalar(false)}}},
			Else: &expr.Literal{Value: scalar.NewBooleanScalar(true)}, Type: typeBool}
		keep = &Filter{Input: scan, Predicate: notMatched}
	}
	var plan engine.Plan
	if keep != nil {
		if plan, err = physicalOf(keep); err != nil {
			return nil, err
		}
	}
	q := &Query{Tag: "DELETE 0"}
	ret, err := b.returning(q, t, ds.Relation, ds.ReturningList)
	if err != nil {
		return nil, err
	}
	// RETURNING reads the rows the condition is true for, before they go.
	var deleted engine.Plan
	if ret != nil {
		var gone Plan = scan
		if ds.WhereClause != nil {
			pred, err := b.bindPredicate(ds.WhereClause, exprContext{scope: targetScope(t, ds.Relation), clause: "WHERE"})
			if err != nil {
				return nil, err
			}
			gone = &Filter{Input: scan, Predicate: pred}
		}
		if deleted, err = physicalOf(gone); err != nil {
			return nil, err
		}
	}
	q.Run = func(ctx context.Context) error {
		unlock, err := b.lockWriter(ctx, w)
		if err != nil {
			return err
		}
		defer unlock()
		if deleted != nil {
			gone, _, err := collectRows(ctx, deleted, schema)
			if err != nil {
				return err
			}
			ret.keep(gone)
			releaseBatches(gone)
		}
		before := rowCount(w)
		var rows []arrow.RecordBatch
		var kept int64
		if plan != nil {
			var err error
			if rows, kept, err = collectRows(ctx, plan, schema); err != nil {
				return err
			}
			defer releaseBatches(rows)
		}
		if err := b.deleteRows(ctx, w, rows); err != nil {
			return err
		}
		q.Tag = fmt.Sprintf("DELETE %d", before-kept)
		return nil
	}
	return q, nil
}

// returned holds the rows an INSERT, UPDATE or DELETE with RETURNING
// wrote or removed, for its RETURNING list to read once the statement
// ran.
type returned struct {
	schema  *arrow.Schema
	batches []arrow.RecordBatch
}

// keep stores the rows (retaining them); a nil returned keeps nothing.
func (r *returned) keep(bs []arrow.RecordBatch) {
	if r == nil {
		return
	}
	for _, b := range bs {
		b.Retain()
		r.batches = append(r.batches, b)
	}
}

// keepRows stores rows of b (in that order), its columns from the from-th
// on: the RETURNING values computed beside a joined change. A nil
// returned keeps nothing.
func (r *returned) keepRows(ctx context.Context, b arrow.RecordBatch, from int, rows []int64) error {
	if r == nil || len(rows) == 0 {
		return nil
	}
	cols := array.NewRecordBatch(r.schema, b.Columns()[from:], b.NumRows())
	defer cols.Release()
	taken, err := takeRows(ctx, cols, rows)
	if err != nil {
		return err
	}
	r.batches = append(r.batches, taken)
	return nil
}

func (r *returned) Schema() *arrow.Schema   { return r.schema }
func (r *returned) Children() []engine.Plan { return nil }
func (r *returned) String() string          { return "Returning" }
func (r *returned) Execute(ctx context.Context) (array.RecordReader, error) {
	i := 0
	return batchio.NewReader(r.schema, func() (arrow.RecordBatch, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if i >= len(r.batches) {
			return nil, nil
		}
		b := r.batches[i]
		i++
		return b, nil // the reader hands over the reference keep took
	}, func() {
		for _, b := range r.batches[i:] {
			b.Release()
		}
	}), nil
}

// returning binds a RETURNING list over the statement's table and makes
// it q's result: the statement's Run keeps its rows in the returned
// holder. It returns nil without a RETURNING list.
func (b *binder) returning(q *Query, t *catalog.Table, rv *pg_query.RangeVar, list []*pg_query.Node) (*returned, error) {
	if len(list) == 0 {
		return nil, nil
	}
	sc := targetScope(t, rv)
	nodes, names, _, err := b.expandTargets(list, sc)
	if err != nil {
		return nil, err
	}
	exprs := make([]expr.Expr, len(nodes))
	for i, n := range nodes {
		e, err := b.bindExpr(n, exprContext{scope: sc, clause: "RETURNING"})
		if err != nil {
			return nil, err
		}
		exprs[i] = unpadded(b.resolveUnknown(e)) // a character column returns padded
	}
	ret := &returned{schema: t.Provider.Schema()}
	// The rows' catalog types (a char(n) column's, a cast's) as a
	// SELECT's select list gives them.
	var memo exprMemo
	q.Plan = withCatalogTypes(memo.get(ret.schema, exprs, nil, names), engine.NewProject(ret, exprs, names))
	return ret, nil
}

func rowCount(w sources.Writer) int64 {
	if s, ok := w.(sources.StatisticsProvider); ok {
		return s.Statistics().RowCount
	}
	return 0
}

// planTruncate plans TRUNCATE [TABLE] name [, ...].
func (p *Planner) planTruncate(b *binder, ts *pg_query.TruncateStmt) (*Query, error) {
	var ws []sources.Writer
	for _, n := range ts.Relations {
		_, w, err := b.writable(n.GetRangeVar(), "truncate")
		if err != nil {
			return nil, err
		}
		ws = append(ws, w)
	}
	cascade, restart := ts.Behavior == pg_query.DropBehavior_DROP_CASCADE, ts.RestartSeqs
	return &Query{Tag: "TRUNCATE TABLE", Run: func(ctx context.Context) error {
		// A table other tables' foreign keys reference goes only with
		// them: named too, or by CASCADE.
		for i := 0; i < len(ws); i++ {
			wt, ok := ws[i].(*writableTable)
			if !ok {
				continue
			}
			for _, child := range wt.referencedBy.list() {
				if slices.Contains(ws, sources.Writer(child)) {
					continue
				}
				if !cascade {
					return pgerror.New(pgerror.FeatureNotSupported, "cannot truncate a table referenced in a foreign key constraint").
						WithDetail("Table \"%s\" references \"%s\".", child.Name(), wt.Name()).
						WithHint("Truncate table \"%s\" at the same time, or use TRUNCATE ... CASCADE.", child.Name())
				}
				b.notice("00000", "truncate cascades to table \"%s\"", child.Name())
				ws = append(ws, child)
			}
		}
		for _, w := range ws {
			unlock, err := b.lockWriter(ctx, w)
			if err != nil {
				return err
			}
			// The tables referencing each one go too: no key check.
			if wt, ok := w.(*writableTable); ok {
				err = wt.WritableTable.Replace(nil)
			} else {
				err = w.Replace(nil)
			}
			unlock()
			if err != nil {
				return err
			}
			if wt, ok := w.(*writableTable); ok && restart {
				b.restartOwned(wt)
			}
		}
		return nil
	}}, nil
}

// restartOwned sets the sequences of a table's serial and identity
// columns back to their start (TRUNCATE ... RESTART IDENTITY); a block
// that rolls back puts them where they were.
func (b *binder) restartOwned(wt *writableTable) {
	for _, o := range wt.ownedList() {
		st, ok := b.lookupTable("", o.name) // the sequence sits beside its table
		if !ok {
			continue
		}
		seq, ok := st.Provider.(*sequenceTable)
		if !ok {
			continue
		}
		last, called := seq.state.Position()
		_ = seq.state.Set(seq.state.Start, false)
		b.onRollback(func() { _ = seq.state.Set(last, called) })
	}
}
