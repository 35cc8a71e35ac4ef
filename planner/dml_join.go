package planner

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/sources"
)

// UPDATE ... FROM and DELETE ... USING join the target table with other
// FROM items. The target is scanned with each row's position as a last
// column (rowPositions), so the joined rows say which table rows they
// change.

// rowPositions serves a writable table's rows with their positions.
type rowPositions struct {
	w      *writableTable
	schema *arrow.Schema
}

const rowPositionName = "?row?"

func newRowPositions(w *writableTable) *rowPositions {
	fields := append(append([]arrow.Field{}, w.Schema().Fields()...), arrow.Field{Name: rowPositionName, Type: typeInt8})
	return &rowPositions{w: w, schema: arrow.NewSchema(fields, nil)}
}

func (r *rowPositions) Schema() *arrow.Schema { return r.schema }

func (r *rowPositions) Scan(ctx context.Context, req sources.ScanRequest) (array.RecordReader, error) {
	rows := r.w.Rows()
	out := sources.ProjectSchema(r.schema, req.Projection)
	i, pos := 0, int64(0)
	return batchio.NewReader(out, func() (arrow.RecordBatch, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if i >= len(rows) {
			return nil, nil
		}
		b := rows[i]
		i++
		pb := array.NewInt64Builder(memory.DefaultAllocator)
		for range b.NumRows() {
			pb.Append(pos)
			pos++
		}
		col := pb.NewArray()
		pb.Release()
		full := array.NewRecordBatch(r.schema, append(append([]arrow.Array{}, b.Columns()...), col), b.NumRows())
		col.Release()
		defer full.Release()
		return sources.ProjectBatch(out, full, req.Projection), nil
	}, func() { releaseBatches(rows) }), nil
}

// bindJoinedTarget binds the target table, with its row positions as a
// hidden last column, joined with the FROM (USING) items and filtered by
// WHERE. It returns the plan and its scope.
func (b *binder) bindJoinedTarget(t *catalog.Table, w *writableTable, rv *pg_query.RangeVar, from []*pg_query.Node, where *pg_query.Node) (Plan, *scope, error) {
	rp := newRowPositions(w)
	alias := t.Name
	if rv.Alias != nil {
		alias = rv.Alias.Aliasname
	}
	tsc := tableScope(alias, rp.Schema(), nil)
	// The positions belong to no table: t.* and t leave them out.
	tsc.cols[len(tsc.cols)-1].hidden = true
	tsc.cols[len(tsc.cols)-1].table = ""
	tsc.star = starOrder(tsc)[:len(tsc.cols)-1]
	var plan Plan = &Scan{Table: &catalog.Table{Database: t.Database, Schema: t.Schema, Name: t.Name, OID: t.OID, Provider: rp}, Limit: -1}
	right, rsc, err := b.bindFrom(from)
	if err != nil {
		return nil, nil, err
	}
	sc, err := b.mergeScopes(tsc, rsc, nodeLocation(from[0]))
	if err != nil {
		return nil, nil, err
	}
	plan = &Join{Left: plan, Right: right, Type: InnerJoin}
	if where != nil {
		pred, err := b.bindPredicate(where, exprContext{scope: sc, clause: "WHERE"})
		if err != nil {
			return nil, nil, err
		}
		plan = &Filter{Input: plan, Predicate: pred}
	}
	return plan, sc, nil
}

// rowPosition is the target's row position column in a joined scope.
func rowPosition(t *catalog.Table) *expr.Column {
	return &expr.Column{Index: t.Provider.Schema().NumFields(), Name: rowPositionName, Type: typeInt8}
}

// planUpdateFrom plans UPDATE table SET ... FROM items WHERE ...: each
// table row joined with FROM's rows takes the SET values of its first
// pairing, as PostgreSQL leaves it unspecified which.
func (p *Planner) planUpdateFrom(b *binder, us *pg_query.UpdateStmt, t *catalog.Table, w *writableTable, set []*pg_query.Node) (*Query, error) {
	joined, sc, err := b.bindJoinedTarget(t, w, us.Relation, us.FromClause, us.WhereClause)
	if err != nil {
		return nil, err
	}
	schema := w.Schema()
	exprs := []expr.Expr{rowPosition(t)}
	names := []string{rowPositionName}
	for i, f := range schema.Fields() {
		exprs = append(exprs, &expr.Column{Index: i, Name: f.Name, Type: f.Type})
		names = append(names, f.Name)
	}
	assigned, err := b.bindAssignments(t, set, sc)
	if err != nil {
		return nil, err
	}
	for i, v := range assigned {
		exprs[i+1] = v
	}
	q := &Query{Tag: "UPDATE 0"}
	retExprs, retNames, ret, err := b.joinedReturning(q, us.ReturningList, sc, exprs[1:])
	if err != nil {
		return nil, err
	}
	nChange := len(exprs)
	plan, err := physicalOf(&Project{Input: joined, Exprs: append(exprs, retExprs...), Names: append(names, retNames...)})
	if err != nil {
		return nil, err
	}
	outSchema := plan.Schema()
	q.Run = func(ctx context.Context) error {
		unlock, err := b.lockWriter(ctx, w)
		if err != nil {
			return err
		}
		defer unlock()
		changes, _, err := collectRows(ctx, plan, outSchema)
		defer releaseBatches(changes)
		if err != nil {
			return err
		}
		all, err := w.allRows()
		if err != nil {
			return err
		}
		defer all.Release()
		ch, err := concatRows(outSchema, changes)
		if err != nil {
			return err
		}
		defer ch.Release()
		// Each table row takes its first change.
		first := make(map[int64]int64)
		var firsts []int64
		pos := ch.Column(0).(*array.Int64)
		for k := range pos.Len() {
			if _, ok := first[pos.Value(k)]; !ok {
				first[pos.Value(k)] = int64(k)
				firsts = append(firsts, int64(k))
			}
		}
		if err := ret.keepRows(ctx, ch, nChange, firsts); err != nil {
			return err
		}
		values := array.NewRecordBatch(schema, ch.Columns()[1:nChange], ch.NumRows())
		defer values.Release()
		merged, err := replaceRows(ctx, all, values, first)
		if err != nil {
			return err
		}
		defer merged.Release()
		if err := w.Replace([]arrow.RecordBatch{merged}); err != nil {
			return err
		}
		q.Tag = fmt.Sprintf("UPDATE %d", len(first))
		return nil
	}
	return q, nil
}

// planDeleteUsing plans DELETE FROM table USING items WHERE ...: the table
// rows that join with a row of USING's go.
func (p *Planner) planDeleteUsing(b *binder, ds *pg_query.DeleteStmt, t *catalog.Table, w *writableTable) (*Query, error) {
	joined, sc, err := b.bindJoinedTarget(t, w, ds.Relation, ds.UsingClause, ds.WhereClause)
	if err != nil {
		return nil, err
	}
	q := &Query{Tag: "DELETE 0"}
	retExprs, retNames, ret, err := b.joinedReturning(q, ds.ReturningList, sc, nil)
	if err != nil {
		return nil, err
	}
	plan, err := physicalOf(&Project{Input: joined, Exprs: append([]expr.Expr{rowPosition(t)}, retExprs...), Names: append([]string{rowPositionName}, retNames...)})
	if err != nil {
		return nil, err
	}
	q.Run = func(ctx context.Context) error {
		unlock, err := b.lockWriter(ctx, w)
		if err != nil {
			return err
		}
		defer unlock()
		gone, _, err := collectRows(ctx, plan, plan.Schema())
		defer releaseBatches(gone)
		if err != nil {
			return err
		}
		drop := make(map[int64]bool)
		for _, g := range gone {
			var firsts []int64
			for k, v := range g.Column(0).(*array.Int64).Int64Values() {
				if !drop[v] {
					drop[v] = true
					firsts = append(firsts, int64(k))
				}
			}
			if err := ret.keepRows(ctx, g, 1, firsts); err != nil {
				return err
			}
		}
		all, err := w.allRows()
		if err != nil {
			return err
		}
		defer all.Release()
		var keep []int64
		for r := range all.NumRows() {
			if !drop[r] {
				keep = append(keep, r)
			}
		}
		kept, err := takeRows(ctx, all, keep)
		if err != nil {
			return err
		}
		defer kept.Release()
		if err := b.deleteRows(ctx, w, []arrow.RecordBatch{kept}); err != nil {
			return err
		}
		q.Tag = fmt.Sprintf("DELETE %d", len(drop))
		return nil
	}
	return q, nil
}

// joinedReturning binds the RETURNING list of UPDATE ... FROM or DELETE
// ... USING over the joined scope: the target's columns read newValues
// (UPDATE's values as assigned; nil for DELETE's rows as they were), the
// other items' columns their joined row, and * lists them all. It makes
// the holder q's result and returns the expressions to compute beside
// each change.
func (b *binder) joinedReturning(q *Query, list []*pg_query.Node, sc *scope, newValues []expr.Expr) ([]expr.Expr, []string, *returned, error) {
	if len(list) == 0 {
		return nil, nil, nil, nil
	}
	nodes, names, _, err := b.expandTargets(list, sc)
	if err != nil {
		return nil, nil, nil, err
	}
	exprs := make([]expr.Expr, len(nodes))
	fields := make([]arrow.Field, len(nodes))
	for i, n := range nodes {
		e, err := b.bindExpr(n, exprContext{scope: sc, clause: "RETURNING"})
		if err != nil {
			return nil, nil, nil, err
		}
		e = b.resolveUnknown(e)
		if newValues != nil {
			e = expr.Rewrite(e, func(x expr.Expr) expr.Expr {
				if c, ok := x.(*expr.Column); ok && c.Index < len(newValues) {
					return newValues[c.Index]
				}
				return x
			})
		}
		exprs[i] = e
		fields[i] = arrow.Field{Name: names[i], Type: e.DataType(), Nullable: true}
	}
	ret := &returned{schema: arrow.NewSchema(fields, nil)}
	q.Plan = ret
	return exprs, names, ret, nil
}
