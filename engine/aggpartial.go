package engine

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// Partial aggregation: with more than one core, each worker reads batches
// of the aggregate's input and folds them into groups of its own; the
// workers' groups are then merged, in worker order, into the aggregate's.
// The fold thus runs on every core instead of one goroutine behind them.
//
// Only aggregates whose states merge exactly take part: count, sums and
// averages of integers, decimals, numerics and intervals, min and max of
// exact types, bool_and/or, bit_and/or/xor, and the numeric variances.
// Group keys (and min/max arguments) must be exact too: of equal values
// that print differently (numeric 1.5 and 1.50, '1 day' and '24 hours', 0
// and -0) a group keeps the first one met, which in parts would depend on
// which worker took which batch. Float sums
// would come out in a different order of additions from run to run, and
// string_agg, array_agg and json_agg keep their input's order; those
// (and DISTINCT or ORDER BY aggregates) fold on one goroutine in input
// order, as before.
//
// A worker's groups cannot spill: rows can, states cannot. So a worker
// takes a batch only while the query's memory could hold a new group per
// row of it; otherwise it hands the batch back, the workers stop, their
// groups are merged, and the serial fold (which spills rows of the groups
// it does not hold) takes the handed-back batches and the rest of the
// input.

// Partial aggregation pays when a worker's groups are far fewer than its
// rows (TPC-H Q1: 4 groups of 6M rows). With about as many groups as rows
// (GROUP BY an order key) merging the workers' groups costs more than the
// parallel fold saves, so a worker that has seen partialProbeRows rows and
// holds more than one group per partialGroupRatio of them stops the
// workers, and the serial fold takes the rest.
const (
	partialProbeRows  = 64 * 1024
	partialGroupRatio = 8
)

// exactKey reports whether values of type t that group together are
// identical. A group shows the first value of it met (1.5 and 1.50, '1
// day' and '24 hours', 0 and -0 are one group each), and in parts "first"
// would depend on which worker took which batch.
func exactKey(t arrow.DataType) bool {
	switch t := t.(type) {
	case *pgtypes.NumericType:
		return false
	case arrow.ExtensionType:
		return exactKey(t.StorageType())
	case *arrow.Float32Type, *arrow.Float64Type, *arrow.MonthDayNanoIntervalType:
		return false
	case arrow.NestedType:
		for _, f := range t.Fields() {
			if !exactKey(f.Type) {
				return false
			}
		}
	}
	return true
}

// merger is an accumulator whose groups' states combine.
type merger interface {
	// merge folds group g of from, an accumulator of the same kind, into
	// group ids[g].
	merge(ids []uint32, from accumulator) error
}

// partial reports whether the aggregate can fold its input in parts.
func (a *Aggregate) partial() bool {
	if runtime.GOMAXPROCS(0) < 2 {
		return false
	}
	for _, g := range a.GroupBy {
		if !exactKey(g.DataType()) {
			return false
		}
	}
	for _, ag := range a.Aggs {
		if ag.Distinct || len(ag.OrderBy) > 0 {
			return false
		}
		if (ag.Func == expr.Min || ag.Func == expr.Max) && !exactKey(ag.Arg.DataType()) {
			return false
		}
		acc, err := newAccumulator(ag, time.UTC) // only asked whether it merges
		if err != nil {
			return false
		}
		if _, ok := acc.(merger); !ok {
			return false
		}
	}
	return true
}

// aggregatePartial folds in into st on every core (see above); held
// counts the bytes reserved for st's groups. It returns the batches the
// workers handed back, evaluated, and whether the input was read to its
// end; the rest is the caller's to fold.
func (a *Aggregate) aggregatePartial(ctx context.Context, in array.RecordReader, stages []stage, ev aggEvaluators, st *aggState, held *int64) (left []aggInput, done bool, err error) {
	workers := runtime.GOMAXPROCS(0)
	spills := a.spills(ctx)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu   sync.Mutex // guards in and eof
		eof  bool
		stop atomic.Bool // a worker handed a batch back, or met too many groups
		wg   sync.WaitGroup
	)
	parts := make([]*aggState, workers)
	partHeld := make([]int64, workers)
	handed := make([]aggInput, workers)
	errs := make([]error, workers)
	next := func() arrow.RecordBatch {
		mu.Lock()
		defer mu.Unlock()
		if eof || !in.Next() {
			eof = true
			return nil
		}
		b := in.RecordBatch()
		b.Retain()
		return b
	}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					errs[w] = pgerror.New(pgerror.InternalError, "internal error: %v", r)
					cancel()
				}
			}()
			p, err := a.newAggState(sessionLocation(ctx))
			if err != nil {
				errs[w] = err
				cancel()
				return
			}
			parts[w] = p
			var rows int64
			for !stop.Load() && wctx.Err() == nil {
				b := next()
				if b == nil {
					return
				}
				in, err := evalAggInput(wctx, b, stages, ev.keys, ev.args)
				b.Release()
				if err == nil && in.b != nil {
					if a.canHold(wctx, in, spills) {
						rows += in.b.NumRows()
						err = a.addPartial(wctx, p, in, ev.filters, spills, &partHeld[w], &stop)
						in.release()
						if rows >= partialProbeRows && int64(p.h.ngroups)*partialGroupRatio > rows {
							stop.Store(true)
						}
					} else {
						handed[w] = in
						stop.Store(true)
					}
				}
				if err != nil {
					errs[w] = err
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, n := range partHeld {
		release(ctx, n)
	}
	for _, in := range handed {
		if in.b != nil {
			left = append(left, in)
		}
	}
	err = ctx.Err()
	// A worker's own error, not the cancellation it caused in the others.
	for _, e := range errs {
		if err == nil && e != nil && !errors.Is(e, context.Canceled) {
			err = e
		}
	}
	for _, p := range parts {
		if p == nil || err != nil {
			continue
		}
		var n int
		if n, err = st.merge(p); err != nil {
			break
		}
		// Fewer groups than the workers held, unless two workers
		// overran the limit at once; then, as in the serial fold, the
		// overrun stays unaccounted and the serial fold spills.
		bytes := int64(n) * a.groupBytes()
		if reserve(ctx, bytes) != nil {
			release(ctx, bytes)
			continue
		}
		*held += bytes
	}
	if err != nil {
		for _, in := range left {
			in.release()
		}
		return nil, false, err
	}
	return left, eof, nil
}

// canHold reports whether the query's memory could hold a new group for
// every row of in, when the aggregate spills at all.
func (a *Aggregate) canHold(ctx context.Context, in aggInput, spills bool) bool {
	return !spills || fits(ctx, in.b.NumRows()*a.groupBytes()) // without spilling, over the limit is 53200 anyway
}

// addPartial folds one evaluated batch into a worker's groups p.
func (a *Aggregate) addPartial(ctx context.Context, p *aggState, in aggInput, filters []evaluator, spills bool, held *int64, stop *atomic.Bool) error {
	before := p.h.ngroups
	ids := p.h.groupIDsOf(in.keys, int(in.b.NumRows()))
	n := int64(p.h.ngroups-before) * a.groupBytes()
	if err := reserve(ctx, n); err != nil {
		if !spills {
			return err
		}
		// Another worker took the room canHold saw: this batch's groups
		// stay unaccounted, as the serial fold keeps the batch that fills
		// its memory, and the workers stop.
		release(ctx, n)
		stop.Store(true)
	} else {
		*held += n
	}
	return p.update(ctx, in.b, ids, in.args, filters)
}

// merge folds the groups of p, a worker's, into s and returns how many
// groups s gained.
func (s *aggState) merge(p *aggState) (int, error) {
	before := s.h.ngroups
	ids := []uint32{0} // a global aggregate's one group
	if len(s.h.keys) > 0 {
		cols := make([]arrow.Array, len(p.h.keys))
		for i, k := range p.h.keys {
			cols[i] = k.build(memory.DefaultAllocator)
		}
		ids = s.h.groupIDsOf(cols, p.h.ngroups)
		releaseAll(cols)
	}
	for i, acc := range s.accs {
		acc.grow(s.h.ngroups)
		p.accs[i].grow(p.h.ngroups)
		if err := acc.(merger).merge(ids, p.accs[i]); err != nil {
			return 0, err
		}
	}
	return s.h.ngroups - before, nil
}
