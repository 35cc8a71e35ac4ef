package engine

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/take"
)

// sortedAcc gives an aggregate with its own ORDER BY (string_agg(x, ','
// ORDER BY y) next to array_agg(z ORDER BY w)) its rows in that order, as
// PostgreSQL sorts each ordered aggregate's input: it keeps the rows with
// their groups and sort keys, and at the end sorts them by group, then
// keys, and feeds them to the aggregate.
type sortedAcc struct {
	inner accumulator
	// packed is set when each row arrives as a struct of the argument and
	// the keys (see orderedArg); otherwise the argument is the only key.
	packed  bool
	keys    []SortKey // over the struct's fields, group id at 0
	ngroups int
	ids     []int32
	parts   []arrow.Array
}

// newSortedAcc wraps inner for a, whose OrderBy is set. A DISTINCT
// aggregate may only order by its argument, so its rows are not packed:
// its filter and duplicate removal see the plain argument.
func newSortedAcc(inner accumulator, a *expr.Aggregate) *sortedAcc {
	s := &sortedAcc{inner: inner, packed: !a.Distinct}
	for i, k := range a.OrderBy {
		col := i + 1
		if !s.packed {
			col = 1
		}
		s.keys = append(s.keys, SortKey{Column: col, Desc: k.Desc, NullsFirst: k.NullsFirst})
	}
	return s
}

// orderedArg evaluates a's argument and ordering keys as one struct
// column, so the rows an aggregate keeps (after FILTER) carry their keys.
func orderedArg(a *expr.Aggregate) (evaluator, error) {
	exprs := []expr.Expr{a.Arg}
	for _, k := range a.OrderBy {
		exprs = append(exprs, k.Expr)
	}
	evals := make([]evaluator, len(exprs))
	fields := make([]arrow.Field, len(exprs))
	for i, e := range exprs {
		ev, err := compile(e)
		if err != nil {
			return nil, err
		}
		evals[i] = ev
		fields[i] = arrow.Field{Name: fmt.Sprint(i), Type: e.DataType(), Nullable: true}
	}
	return func(ctx context.Context, b arrow.RecordBatch) (compute.Datum, error) {
		cols, err := evalArrays(ctx, evals, b)
		if err != nil {
			return nil, err
		}
		defer releaseAll(cols)
		st, err := array.NewStructArrayWithFields(cols, fields)
		if err != nil {
			return nil, fmt.Errorf("aggregate ORDER BY: %w", err)
		}
		defer st.Release()
		return compute.NewDatum(st), nil
	}, nil
}

func (s *sortedAcc) grow(n int) { s.ngroups = max(s.ngroups, n) }

func (s *sortedAcc) update(ids []uint32, arg arrow.Array) error {
	arg.Retain()
	s.parts = append(s.parts, arg)
	for _, id := range ids {
		s.ids = append(s.ids, int32(id))
	}
	return nil
}

func (s *sortedAcc) finish(mem memory.Allocator) (arrow.Array, error) {
	defer func() {
		releaseAll(s.parts)
		s.parts = nil
	}()
	s.inner.grow(s.ngroups)
	if len(s.ids) == 0 {
		return s.inner.finish(mem)
	}
	all, err := array.Concatenate(s.parts, mem)
	if err != nil {
		return nil, fmt.Errorf("aggregate ORDER BY: %w", err)
	}
	defer all.Release()
	ids := array.NewInt32Builder(mem)
	ids.AppendValues(s.ids, nil)
	idCol := ids.NewArray()
	ids.Release()
	defer idCol.Release()
	cols := []arrow.Array{idCol}
	arg := all
	if st, ok := all.(*array.Struct); ok && s.packed {
		arg = st.Field(0)
		for i := 1; i < st.NumField(); i++ {
			cols = append(cols, st.Field(i))
		}
	} else {
		cols = append(cols, all)
	}
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: fmt.Sprint(i), Type: c.DataType(), Nullable: true}
	}
	batch := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(len(s.ids)))
	defer batch.Release()
	ctx := context.Background()
	idx, err := sortIndices(ctx, batch, append([]SortKey{{Column: 0}}, s.keys...))
	if err != nil {
		return nil, err
	}
	defer idx.Release()
	sorted, err := take.Array(ctx, arg, idx)
	if err != nil {
		return nil, err
	}
	defer sorted.Release()
	takenIDs, err := take.Array(ctx, idCol, idx)
	if err != nil {
		return nil, err
	}
	defer takenIDs.Release()
	sortedIDs := make([]uint32, len(s.ids))
	for i, id := range takenIDs.(*array.Int32).Int32Values() {
		sortedIDs[i] = uint32(id)
	}
	if err := s.inner.update(sortedIDs, sorted); err != nil {
		return nil, err
	}
	return s.inner.finish(mem)
}
