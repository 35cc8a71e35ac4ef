package engine

import (
	"context"
	"runtime"
	"slices"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/pgerror"
)

// stage is one batch's pass through a filter, a key filter or a
// projection: operators that need no state across batches, so that
// several workers may run them on different batches at once.
type stage func(ctx context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error)

// splitPipeline separates the filters, key filters and projections at
// the top of p from the input below them (source), and compiles them into
// stages, in the order a batch goes through them. An operator that
// consumes its input on every core (the aggregate) runs the stages on its
// workers rather than leave them to one goroutine.
func splitPipeline(p Plan) (source Plan, stages []stage, err error) {
	for {
		switch n := p.(type) {
		case *Filter:
			s, err := filterStage(n.Predicate)
			if err != nil {
				return nil, nil, err
			}
			stages = append(stages, s)
			p = n.Input
			continue
		case *Project:
			s, err := projectStage(n.Exprs, n.schema)
			if err != nil {
				return nil, nil, err
			}
			stages = append(stages, s)
			p = n.Input
			continue
		case *KeyFilter:
			s, err := n.stage()
			if err != nil {
				return nil, nil, err
			}
			stages = append(stages, s)
			p = n.Input
			continue
		}
		slices.Reverse(stages)
		return p, stages, nil
	}
}

// runStages passes b through stages; the result is nil when a filter
// keeps no row. The caller keeps its reference to b.
func runStages(ctx context.Context, b arrow.RecordBatch, stages []stage) (arrow.RecordBatch, error) {
	b.Retain()
	for _, s := range stages {
		out, err := s(ctx, b)
		b.Release()
		if err != nil {
			return nil, err
		}
		if b = out; b.NumRows() == 0 {
			b.Release()
			return nil, nil
		}
	}
	return b, nil
}

// filterInput executes input and passes its batches through filter,
// skipping those it leaves empty.
func filterInput(ctx context.Context, input Plan, filter stage) (array.RecordReader, error) {
	in, err := input.Execute(ctx)
	if err != nil {
		return nil, err
	}
	return batchio.NewReader(input.Schema(), func() (arrow.RecordBatch, error) {
		for in.Next() {
			out, err := filter(ctx, in.RecordBatch())
			if err != nil {
				return nil, err
			}
			if out.NumRows() == 0 {
				out.Release()
				continue
			}
			return out, nil
		}
		return nil, in.Err()
	}, in.Release), nil
}

// filterStage keeps the rows for which predicate is true (see
// filterConjuncts).
func filterStage(predicate expr.Expr) (stage, error) {
	preds, err := compileConjuncts(predicate)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
		return filterConjuncts(ctx, b, preds)
	}, nil
}

// projectStage computes exprs over a batch, as a batch of schema.
func projectStage(exprs []expr.Expr, schema *arrow.Schema) (stage, error) {
	evals, err := compileAll(exprs)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
		cols := make([]arrow.Array, len(evals))
		for i, ev := range evals {
			a, err := evalArray(ctx, ev, b)
			if err != nil {
				releaseAll(cols[:i])
				return nil, err
			}
			cols[i] = a
		}
		defer releaseAll(cols)
		return array.NewRecordBatch(schema, cols, b.NumRows()), nil
	}, nil
}

// orderedMap runs fn over the batches of in on every core and hands the
// results back in input order: the work of a batch (a filter, a probe of
// a hash table, an aggregate's arguments) is parallel while whatever
// consumes the results (the aggregate's groups, the client) sees them as
// from a serial run. At most two batches per worker are in flight. Next
// returns ok false at the end or on the first error (Err); Stop ends the
// work early, frees what is in flight, and must be called.
type orderedMap[T any] struct {
	ctx      context.Context
	cancel   context.CancelFunc
	results  chan mapResult[T]
	tokens   chan struct{} // one per batch in flight
	pending  map[int]mapResult[T]
	next     int
	release  func(T)
	finished bool
	err      error
}

// mapResult is what became of batch seq: fn's value or error, or the
// end of the input (eof, with the input's error if any).
type mapResult[T any] struct {
	seq int
	v   T
	err error
	eof bool
}

func newOrderedMap[T any](ctx context.Context, in array.RecordReader, workers int, fn func(context.Context, arrow.RecordBatch) (T, error), release func(T)) *orderedMap[T] {
	ctx, cancel := context.WithCancel(ctx)
	o := &orderedMap[T]{
		ctx:     ctx,
		cancel:  cancel,
		results: make(chan mapResult[T], 2*workers),
		tokens:  make(chan struct{}, 2*workers),
		pending: make(map[int]mapResult[T]),
		release: release,
	}
	var (
		mu  sync.Mutex // guards in and seq
		seq int
		wg  sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case o.tokens <- struct{}{}:
				case <-ctx.Done():
					return
				}
				mu.Lock()
				r := mapResult[T]{seq: seq}
				seq++
				var b arrow.RecordBatch
				if ctx.Err() != nil {
					mu.Unlock()
					return
				}
				var more bool
				if err := catchPanic(func() error { more = in.Next(); return nil }); err != nil {
					r.eof, r.err = true, err
				} else if more {
					b = in.RecordBatch()
					b.Retain()
				} else {
					r.eof, r.err = true, in.Err()
				}
				mu.Unlock()
				if b != nil {
					r.err = catchPanic(func() (err error) {
						r.v, err = fn(ctx, b)
						return err
					})
					b.Release()
					// Let a short query's goroutine in between batches: the
					// scheduler would otherwise run this one for its whole
					// time slice (10 ms) while lookups wait.
					runtime.Gosched()
				}
				select {
				case o.results <- r:
				case <-ctx.Done():
					if !r.eof && r.err == nil {
						release(r.v)
					}
					return
				}
				if r.eof {
					return
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(o.results)
	}()
	return o
}

// Next returns the next result in input order.
func (o *orderedMap[T]) Next() (v T, ok bool) {
	for !o.finished {
		r, found := o.pending[o.next]
		if !found {
			if r, found = <-o.results; !found {
				o.finished, o.err = true, o.ctx.Err() // the workers stopped: cancelled
				break
			}
			o.pending[r.seq] = r
			continue
		}
		delete(o.pending, o.next)
		o.next++
		<-o.tokens
		switch {
		case r.err != nil:
			o.finished, o.err = true, r.err
			o.cancel()
		case r.eof:
			o.finished = true
		default:
			return r.v, true
		}
	}
	return v, false
}

// Err is the error that ended the results, if any.
func (o *orderedMap[T]) Err() error { return o.err }

// Stop ends the work and frees the results not handed out.
func (o *orderedMap[T]) Stop() {
	o.cancel()
	for r := range o.results {
		o.pending[r.seq] = r
	}
	for _, r := range o.pending {
		if !r.eof && r.err == nil {
			o.release(r.v)
		}
	}
	o.pending = nil
}

// catchPanic runs f, turning a panic into an internal error: a bug met by
// one query on a worker goroutine must fail that query, not end the
// process and every other session with it.
func catchPanic(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = pgerror.New(pgerror.InternalError, "internal error: %v", r)
		}
	}()
	return f()
}
