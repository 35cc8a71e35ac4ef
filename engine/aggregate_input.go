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
	add func(aggInput) error) error {
	eval := func(ctx context.Context, b arrow.RecordBatch) (aggInput, error) {
		return evalAggInput(ctx, b, stages, keyEvals, argEvals)
	}
	if runtime.GOMAXPROCS(0) < 2 {
		for in.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			j, err := eval(ctx, in.RecordBatch())
			if err == nil && j.b != nil {
				err = add(j)
				j.release()
			}
			if err != nil {
				return err
			}
		}
		return in.Err()
	}
	jobs := newOrderedMap(ctx, in, runtime.GOMAXPROCS(0), eval, aggInput.release)
	defer jobs.Stop()
	for {
		j, ok := jobs.Next()
		if !ok {
			return jobs.Err()
		}
		var err error
		if j.b != nil {
			err = add(j)
		}
		j.release()
		if err != nil {
			return err
		}
	}
}

// aggInput is one batch of an aggregate's input after its filters and
// projections, with the group keys and the aggregates' arguments
// evaluated over it.
type aggInput struct {
	b          arrow.RecordBatch
	keys, args []arrow.Array
}

func (in aggInput) release() {
	if in.b != nil {
		in.b.Release()
	}
	releaseAll(in.keys)
	releaseNonNil(in.args)
}

// evalAggInput runs an aggregate's input filters and projections
// (stages) over b, then its group keys and arguments; the result's b is
// nil when the filters keep no row.
func evalAggInput(ctx context.Context, b arrow.RecordBatch, stages []stage, keyEvals, argEvals []evaluator) (aggInput, error) {
	var in aggInput
	var err error
	if in.b, err = runStages(ctx, b, stages); err != nil || in.b == nil {
		return aggInput{}, err
	}
	if in.keys, err = evalArrays(ctx, keyEvals, in.b); err != nil {
		in.release()
		return aggInput{}, err
	}
	in.args = make([]arrow.Array, len(argEvals))
	for i, ev := range argEvals {
		if ev == nil {
			continue
		}
		if in.args[i], err = evalArray(ctx, ev, in.b); err != nil {
			in.release()
			return aggInput{}, err
		}
	}
	return in, nil
}

func releaseNonNil(as []arrow.Array) {
	for _, a := range as {
		if a != nil {
			a.Release()
		}
	}
}
