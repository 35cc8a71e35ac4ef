package engine

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/internal/take"
	"github.com/riffq/riffq/pgerror"
)

// DefaultRecursionLimit is how many iterations a recursive query may run
// when the context sets no limit (WithRecursionLimit).
const DefaultRecursionLimit = 1_000_000

type recursionLimitKey struct{}

// WithRecursionLimit returns a context whose recursive queries (WITH
// RECURSIVE) fail with 54001 after limit iterations of their recursive
// term; 0 or less is no limit.
func WithRecursionLimit(ctx context.Context, limit int) context.Context {
	return context.WithValue(ctx, recursionLimitKey{}, limit)
}

func recursionLimit(ctx context.Context) int {
	if l, ok := ctx.Value(recursionLimitKey{}).(int); ok {
		return l
	}
	return DefaultRecursionLimit
}

// WorkTable names the rows of a recursive query's previous iteration,
// which its recursive term reads through a WorkTableScan. It carries no
// rows itself: each execution passes them through the context, so a plan
// can run more than once.
type WorkTable struct {
	Name   string
	Schema *arrow.Schema
}

type workRows struct {
	table   *WorkTable
	batches []arrow.RecordBatch
}

// WorkTableScan reads the work table of the recursive query around it.
type WorkTableScan struct {
	Table *WorkTable
}

func (w *WorkTableScan) Schema() *arrow.Schema { return w.Table.Schema }
func (w *WorkTableScan) Children() []Plan      { return nil }
func (w *WorkTableScan) String() string        { return "WorkTableScan: " + w.Table.Name }

func (w *WorkTableScan) Execute(ctx context.Context) (array.RecordReader, error) {
	rows, ok := ctx.Value(w.Table).(*workRows)
	if !ok {
		return nil, fmt.Errorf("work table %s read outside its recursive query", w.Table.Name)
	}
	i := 0
	return batchio.NewReader(w.Table.Schema, func() (arrow.RecordBatch, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if i >= len(rows.batches) {
			return nil, nil
		}
		b := rows.batches[i]
		i++
		b.Retain()
		return b, nil
	}, nil), nil
}

// RecursiveUnion evaluates WITH RECURSIVE: it emits the Anchor's rows,
// then runs Recursive over the rows the previous iteration emitted (the
// work table) until an iteration emits none. With Distinct (UNION rather
// than UNION ALL) rows already emitted are dropped, which also ends
// cycles. It streams, so a LIMIT above it stops the iterations.
type RecursiveUnion struct {
	Anchor, Recursive Plan
	Table             *WorkTable
	Distinct          bool
}

func (r *RecursiveUnion) Schema() *arrow.Schema { return r.Table.Schema }
func (r *RecursiveUnion) Children() []Plan      { return []Plan{r.Anchor, r.Recursive} }
func (r *RecursiveUnion) String() string {
	op := "UNION ALL"
	if r.Distinct {
		op = "UNION"
	}
	return fmt.Sprintf("RecursiveUnion: %s %s", r.Table.Name, op)
}

func (r *RecursiveUnion) Execute(ctx context.Context) (array.RecordReader, error) {
	schema := r.Table.Schema
	var seen map[string]struct{}
	var keys []keyColumn
	if r.Distinct {
		seen = make(map[string]struct{})
		for _, f := range schema.Fields() {
			k, err := newKeyColumn(f.Type)
			if err != nil {
				return nil, err
			}
			keys = append(keys, k)
		}
	}
	limit := recursionLimit(ctx)
	cur, err := r.Anchor.Execute(ctx)
	if err != nil {
		return nil, err
	}
	var next []arrow.RecordBatch // this iteration's rows: the next work table
	var work *workRows
	releaseWork := func() {
		if work != nil {
			for _, b := range work.batches {
				release(ctx, batchBytes(b))
				b.Release()
			}
			work = nil
		}
	}
	iterations := 0
	var key []byte
	// fresh drops the rows of b seen before (UNION), or returns b.
	fresh := func(b arrow.RecordBatch) (arrow.RecordBatch, error) {
		if !r.Distinct {
			b.Retain()
			return b, nil
		}
		idx := array.NewInt64Builder(memory.DefaultAllocator)
		defer idx.Release()
		for row := range int(b.NumRows()) {
			key = key[:0]
			for c, k := range keys {
				key = k.encode(key, b.Column(c), row)
			}
			if _, dup := seen[string(key)]; dup {
				continue
			}
			seen[string(key)] = struct{}{}
			if err := reserve(ctx, int64(len(key))+48); err != nil {
				return nil, err
			}
			idx.Append(int64(row))
		}
		indices := idx.NewArray()
		defer indices.Release()
		return take.Batch(ctx, b, indices)
	}
	read := func() (arrow.RecordBatch, error) {
		for {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if cur.Next() {
				b, err := fresh(cur.RecordBatch())
				if err != nil {
					return nil, err
				}
				if b.NumRows() == 0 {
					b.Release()
					continue
				}
				// The query's column names, whatever the terms call them.
				nb := array.NewRecordBatch(schema, b.Columns(), b.NumRows())
				b.Release()
				b = nb
				if err := reserveBatch(ctx, b); err != nil {
					b.Release()
					return nil, err
				}
				b.Retain()
				next = append(next, b)
				return b, nil
			}
			if err := cur.Err(); err != nil {
				return nil, err
			}
			cur.Release()
			cur = nil
			releaseWork()
			if len(next) == 0 {
				return nil, nil
			}
			iterations++
			if limit > 0 && iterations > limit {
				return nil, &pgerror.Error{
					Code:    "54001",
					Message: fmt.Sprintf("recursive query %q exceeded %d iterations", r.Table.Name, limit),
					Hint:    "Check the recursive term's stop condition, use UNION instead of UNION ALL to stop at repeated rows, or raise the server's limit (riffq --max-recursion).",
				}
			}
			work = &workRows{table: r.Table, batches: next}
			next = nil
			var err error
			if cur, err = r.Recursive.Execute(context.WithValue(ctx, r.Table, work)); err != nil {
				return nil, err
			}
		}
	}
	return batchio.NewReader(schema, read, func() {
		if cur != nil {
			cur.Release()
		}
		releaseWork()
		for _, b := range next {
			release(ctx, batchBytes(b))
			b.Release()
		}
	}), nil
}
