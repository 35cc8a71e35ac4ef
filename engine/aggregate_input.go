package engine

import (
	"context"
	"runtime"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// consume reads the aggregate's input and hands each batch, through the
// input's filters and projections (stages) and with its group keys and
// aggregate arguments evaluated, to add. With more than one core that
// work (the filter of a scan, the arithmetic of sum(price * (1 -
// discount))) runs on all of them, a batch per worker, while add runs on
// this goroutine in input order: the groups and every accumulator, float
// sums included, come out as from a serial run.
func (a *Aggregate) consume(ctx context.Context, in array.RecordReader, stages []stage, keyEvals, argEvals []evaluator,
	add func(b arrow.RecordBatch, keyCols, args []arrow.Array) error) error {
	// eval runs the input's filters and projections (stages) over b, then
	// the keys and arguments; b is nil when the filters keep no row.
	eval := func(ctx context.Context, in arrow.RecordBatch) (b arrow.RecordBatch, keyCols, args []arrow.Array, err error) {
		if b, err = runStages(ctx, in, stages); err != nil || b == nil {
			return nil, nil, nil, err
		}
		if keyCols, err = evalArrays(ctx, keyEvals, b); err != nil {
			b.Release()
			return nil, nil, nil, err
		}
		args = make([]arrow.Array, len(argEvals))
		for i, ev := range argEvals {
			if ev == nil {
				continue
			}
			if args[i], err = evalArray(ctx, ev, b); err != nil {
				b.Release()
				releaseAll(keyCols)
				releaseNonNil(args[:i])
				return nil, nil, nil, err
			}
		}
		return b, keyCols, args, nil
	}
	workers := runtime.GOMAXPROCS(0)
	if workers < 2 {
		for in.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			b, keyCols, args, err := eval(ctx, in.RecordBatch())
			if err != nil {
				return err
			}
			if b == nil {
				continue
			}
			err = add(b, keyCols, args)
			b.Release()
			releaseAll(keyCols)
			releaseNonNil(args)
			if err != nil {
				return err
			}
		}
		return in.Err()
	}
	type job struct {
		b         arrow.RecordBatch
		keys, arg []arrow.Array
	}
	release := func(j job) {
		if j.b != nil {
			j.b.Release()
		}
		releaseAll(j.keys)
		releaseNonNil(j.arg)
	}
	jobs := newOrderedMap(ctx, in, workers, func(ctx context.Context, b arrow.RecordBatch) (job, error) {
		var j job
		var err error
		j.b, j.keys, j.arg, err = eval(ctx, b)
		return j, err
	}, release)
	defer jobs.Stop()
	for {
		j, ok := jobs.Next()
		if !ok {
			return jobs.Err()
		}
		var err error
		if j.b != nil {
			err = add(j.b, j.keys, j.arg)
		}
		release(j)
		if err != nil {
			return err
		}
	}
}

func releaseNonNil(as []arrow.Array) {
	for _, a := range as {
		if a != nil {
			a.Release()
		}
	}
}
