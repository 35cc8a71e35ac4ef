package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/riffq/riffq/internal/batchio"
)

// CTE names a WITH query whose rows are computed once per execution of the
// query that defines it and read by every reference, as PostgreSQL does
// for a WITH query that is MATERIALIZED or calls a volatile function: each
// reference to `WITH r AS (SELECT random() ...)` sees the same values.
// Like WorkTable it carries no rows: WithCTEs puts each execution's rows
// in the context, so that a plan can run more than once.
type CTE struct {
	Name   string
	Schema *arrow.Schema
}

// cteRows is one execution's materialized rows of a CTE, computed on the
// first read.
type cteRows struct {
	plan Plan
	// ctx is the defining query's: the rows do not depend on which
	// reference, under which (perhaps since cancelled) context, reads first.
	ctx     context.Context
	mu      sync.Mutex
	done    bool
	err     error
	batches []arrow.RecordBatch
	bytes   int64
}

// fill runs the CTE's plan to its end, once.
func (r *cteRows) fill() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return r.err
	}
	r.done = true
	r.err = r.run()
	return r.err
}

func (r *cteRows) run() error {
	ctx := r.ctx
	rdr, err := r.plan.Execute(ctx)
	if err != nil {
		return err
	}
	defer rdr.Release()
	for rdr.Next() {
		b := rdr.RecordBatch()
		if b.NumRows() == 0 {
			continue
		}
		if err := reserveBatch(ctx, b); err != nil {
			return err
		}
		r.bytes += batchBytes(b)
		b.Retain()
		r.batches = append(r.batches, b)
	}
	return rdr.Err()
}

func (r *cteRows) release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.batches {
		b.Release()
	}
	release(r.ctx, r.bytes)
	r.batches, r.bytes = nil, 0
}

// WithCTEs runs Input with fresh rows for each of CTEs, which Plans
// compute (in the same order).
type WithCTEs struct {
	CTEs  []*CTE
	Plans []Plan
	Input Plan
}

func (w *WithCTEs) Schema() *arrow.Schema { return w.Input.Schema() }
func (w *WithCTEs) Children() []Plan      { return append([]Plan{w.Input}, w.Plans...) }
func (w *WithCTEs) String() string {
	names := make([]string, len(w.CTEs))
	for i, c := range w.CTEs {
		names[i] = c.Name
	}
	return "WithCTEs: " + strings.Join(names, ", ")
}

func (w *WithCTEs) Execute(ctx context.Context) (array.RecordReader, error) {
	rows := make([]*cteRows, len(w.CTEs))
	for i, c := range w.CTEs {
		rows[i] = &cteRows{plan: w.Plans[i]}
		ctx = context.WithValue(ctx, c, rows[i])
	}
	for _, r := range rows {
		r.ctx = ctx // later CTEs may read earlier ones
	}
	rdr, err := w.Input.Execute(ctx)
	if err != nil {
		return nil, err
	}
	return batchio.NewReader(w.Schema(), func() (arrow.RecordBatch, error) {
		if !rdr.Next() {
			return nil, rdr.Err()
		}
		b := rdr.RecordBatch()
		b.Retain()
		return b, nil
	}, func() {
		rdr.Release()
		for _, r := range rows {
			r.release()
		}
	}), nil
}

// CTEScan reads the rows of a CTE of the WithCTEs around it.
type CTEScan struct {
	CTE *CTE
}

func (s *CTEScan) Schema() *arrow.Schema { return s.CTE.Schema }
func (s *CTEScan) Children() []Plan      { return nil }
func (s *CTEScan) String() string        { return "CTEScan: " + s.CTE.Name }

func (s *CTEScan) Execute(ctx context.Context) (array.RecordReader, error) {
	rows, ok := ctx.Value(s.CTE).(*cteRows)
	if !ok {
		return nil, fmt.Errorf("WITH query %s read outside the query that defines it", s.CTE.Name)
	}
	i := 0
	return batchio.NewReader(s.CTE.Schema, func() (arrow.RecordBatch, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := rows.fill(); err != nil {
			return nil, err
		}
		if i >= len(rows.batches) {
			return nil, nil
		}
		b := rows.batches[i]
		i++
		// The query's column names, whatever the plan calls them.
		return array.NewRecordBatch(s.CTE.Schema, b.Columns(), b.NumRows()), nil
	}, nil), nil
}
