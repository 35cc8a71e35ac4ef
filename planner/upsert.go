package planner

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/take"
	"github.com/riffq/riffq/pgerror"
)

// upsert is INSERT ... ON CONFLICT (target) DO UPDATE SET ... [WHERE ...]:
// a proposed row whose key matches a row of the table updates that row
// instead. The SET values and the condition read the table's row followed
// by the proposed one (EXCLUDED).
type upsert struct {
	key   int         // the unique key that decides conflicts
	exprs []expr.Expr // each column's value after the update
	where expr.Expr   // nil: every conflicting row is updated
}

// bindUpsert binds DO UPDATE's SET list and WHERE.
func (b *binder) bindUpsert(t *catalog.Table, rv *pg_query.RangeVar, oc *pg_query.OnConflictClause, keys []int) (*upsert, error) {
	if oc.Infer == nil || len(keys) != 1 {
		return nil, b.errorf(pgerror.SyntaxError, oc.Location, "ON CONFLICT DO UPDATE requires inference specification or constraint name").
			WithHint("For example, ON CONFLICT (column_name).")
	}
	schema := t.Provider.Schema()
	sc, err := b.mergeScopes(targetScope(t, rv), tableScope("excluded", schema, nil), oc.Location)
	if err != nil {
		return nil, err
	}
	u := &upsert{key: keys[0]}
	for i, f := range schema.Fields() {
		u.exprs = append(u.exprs, &expr.Column{Index: i, Name: f.Name, Type: f.Type})
	}
	set, err := b.bindAssignments(t, oc.TargetList, sc)
	if err != nil {
		return nil, err
	}
	for i, v := range set {
		u.exprs[i] = v
	}
	if oc.WhereClause != nil {
		if u.where, err = b.bindPredicate(oc.WhereClause, exprContext{scope: sc, clause: "WHERE"}); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// apply inserts the proposed rows into w, updating the rows they conflict
// with; the caller holds w's lock. It returns the rows inserted or
// updated, as they now are, in the order of the proposed rows (the
// caller releases them).
func (u *upsert) apply(ctx context.Context, w *writableTable, proposed []arrow.RecordBatch) ([]arrow.RecordBatch, error) {
	schema := w.Schema()
	all, err := w.allRows()
	if err != nil {
		return nil, err
	}
	defer all.Release()
	in, err := concatRows(schema, proposed)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	existing := make(map[string]int64)
	for r := range int(all.NumRows()) {
		if k, ok := w.KeyOf(u.key, all, r); ok {
			existing[k] = int64(r)
		}
	}
	var inserts, olds, news []int64
	touched := make(map[string]bool)
	for r := range int(in.NumRows()) {
		k, ok := w.KeyOf(u.key, in, r)
		if ok && touched[k] {
			return nil, pgerror.New("21000", "ON CONFLICT DO UPDATE command cannot affect row a second time").
				WithHint("Ensure that no rows proposed for insertion within the same command have duplicate constrained values.")
		}
		if ok {
			touched[k] = true
		}
		if old, found := existing[k]; ok && found {
			olds, news = append(olds, old), append(news, int64(r))
			continue
		}
		inserts = append(inserts, int64(r))
	}
	// The updated rows, from each old row beside its proposed one.
	replaced := make(map[int64]int64) // old row -> row of updated
	var updated arrow.RecordBatch
	if len(olds) > 0 {
		left, err := takeRows(ctx, all, olds)
		if err != nil {
			return nil, err
		}
		defer left.Release()
		right, err := takeRows(ctx, in, news)
		if err != nil {
			return nil, err
		}
		defer right.Release()
		pairFields := append(append([]arrow.Field{}, left.Schema().Fields()...), right.Schema().Fields()...)
		pair := array.NewRecordBatch(arrow.NewSchema(pairFields, nil), append(append([]arrow.Array{}, left.Columns()...), right.Columns()...), left.NumRows())
		defer pair.Release()
		exprs, names := append([]expr.Expr{}, u.exprs...), make([]string, 0, len(u.exprs)+1)
		fields := schema.Fields()
		for _, f := range fields {
			names = append(names, f.Name)
		}
		if u.where != nil {
			// A last column tells which pairs the condition lets update.
			exprs = append(exprs, &expr.Case{Whens: []expr.When{{Cond: u.where, Result: &expr.Literal{Value: scalar.NewBooleanScalar(true)}}},
				Else: &expr.Literal{Value: scalar.NewBooleanScalar(false)}, Type: typeBool})
			names = append(names, "?where?")
			fields = append(fields, arrow.Field{Name: "?where?", Type: typeBool})
		}
		outSchema := arrow.NewSchema(fields, nil)
		out, _, err := collectRows(ctx, engine.NewProject(&batchPlan{schema: pair.Schema(), batch: pair}, exprs, names), outSchema)
		if err != nil {
			return nil, err
		}
		defer releaseBatches(out)
		rows, err := concatRows(outSchema, out)
		if err != nil {
			return nil, err
		}
		defer rows.Release()
		for i, old := range olds {
			if u.where != nil {
				m := rows.Column(schema.NumFields()).(*array.Boolean)
				if !m.Value(i) {
					continue
				}
			}
			replaced[old] = int64(i)
		}
		updated = array.NewRecordBatch(schema, rows.Columns()[:schema.NumFields()], rows.NumRows())
		defer updated.Release()
	}
	// The table's rows, updated ones replaced, then the inserted ones.
	var next []arrow.RecordBatch
	defer func() { releaseBatches(next) }()
	if len(replaced) > 0 {
		merged, err := replaceRows(ctx, all, updated, replaced)
		if err != nil {
			return nil, err
		}
		next = append(next, merged)
	} else {
		all.Retain()
		next = append(next, all)
	}
	if len(inserts) > 0 {
		ins, err := takeRows(ctx, in, inserts)
		if err != nil {
			return nil, err
		}
		next = append(next, ins)
	}
	if err := w.Replace(next); err != nil {
		return nil, err
	}
	// The changed rows in the proposed rows' order: updated ones from
	// updated, inserted ones from in.
	var order []int64 // proposed row -> row of the concatenation below
	inserted := make(map[int64]int64, len(inserts))
	for j, r := range inserts {
		inserted[r] = int64(j)
	}
	updatedAt := make(map[int64]int64, len(replaced))
	for k, old := range olds {
		if i, ok := replaced[old]; ok {
			updatedAt[news[k]] = i
		}
	}
	nUpdated := int64(0)
	if updated != nil {
		nUpdated = updated.NumRows()
	}
	for r := range int64(in.NumRows()) {
		if i, ok := updatedAt[r]; ok {
			order = append(order, i)
		} else if j, ok := inserted[r]; ok {
			order = append(order, nUpdated+j)
		}
	}
	parts := []arrow.RecordBatch{}
	if updated != nil {
		parts = append(parts, updated)
	}
	if len(inserts) > 0 {
		parts = append(parts, next[len(next)-1])
	}
	if len(order) == 0 {
		return nil, nil
	}
	both, err := concatRows(schema, parts)
	if err != nil {
		return nil, err
	}
	defer both.Release()
	changed, err := takeRows(ctx, both, order)
	if err != nil {
		return nil, err
	}
	return []arrow.RecordBatch{changed}, nil
}

// replaceRows is all's rows with row r replaced by row replaced[r] of
// values (which has all's schema).
func replaceRows(ctx context.Context, all, values arrow.RecordBatch, replaced map[int64]int64) (arrow.RecordBatch, error) {
	both, err := concatRows(all.Schema(), []arrow.RecordBatch{all, values})
	if err != nil {
		return nil, err
	}
	defer both.Release()
	idx := make([]int64, all.NumRows())
	for r := range idx {
		idx[r] = int64(r)
		if k, ok := replaced[int64(r)]; ok {
			idx[r] = all.NumRows() + k
		}
	}
	return takeRows(ctx, both, idx)
}

// allRows is the table's rows as one batch; the caller holds its lock.
func (w *writableTable) allRows() (arrow.RecordBatch, error) {
	cur := w.Rows()
	defer releaseBatches(cur)
	return concatRows(w.Schema(), cur)
}

// concatRows makes one batch of batches (an empty one for none).
func concatRows(schema *arrow.Schema, batches []arrow.RecordBatch) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, schema.NumFields())
	var n int64
	for _, b := range batches {
		n += b.NumRows()
	}
	for c, f := range schema.Fields() {
		parts := make([]arrow.Array, 0, len(batches))
		for _, b := range batches {
			parts = append(parts, b.Column(c))
		}
		var err error
		if len(parts) == 0 {
			cols[c] = array.MakeArrayOfNull(memory.DefaultAllocator, f.Type, 0)
		} else if cols[c], err = array.Concatenate(parts, memory.DefaultAllocator); err != nil {
			return nil, err
		}
	}
	out := array.NewRecordBatch(schema, cols, n)
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}

// takeRows is the batch of b's rows at idx.
func takeRows(ctx context.Context, b arrow.RecordBatch, idx []int64) (arrow.RecordBatch, error) {
	ib := array.NewInt64Builder(memory.DefaultAllocator)
	ib.AppendValues(idx, nil)
	indices := ib.NewArray()
	ib.Release()
	defer indices.Release()
	cols := make([]arrow.Array, b.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for c := range cols {
		var err error
		if cols[c], err = take.Array(ctx, b.Column(c), indices); err != nil {
			return nil, err
		}
	}
	return array.NewRecordBatch(b.Schema(), cols, int64(len(idx))), nil
}
