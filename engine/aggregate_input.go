package engine

import (
	"context"
	"runtime"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// consume reads the aggregate's input and hands each batch, with its group
// keys and aggregate arguments evaluated, to add. With more than one core
// the evaluation (the arithmetic of sum(price * (1 - discount)), say) runs
// on all of them, a batch per worker, while add runs on this goroutine in
// input order: the groups and every accumulator, float sums included, come
// out as from a serial run.
func (a *Aggregate) consume(ctx context.Context, in array.RecordReader, keyEvals, argEvals []evaluator,
	add func(b arrow.RecordBatch, keyCols, args []arrow.Array) error) error {
	eval := func(ctx context.Context, b arrow.RecordBatch) (keyCols, args []arrow.Array, err error) {
		if keyCols, err = evalArrays(ctx, keyEvals, b); err != nil {
			return nil, nil, err
		}
		args = make([]arrow.Array, len(argEvals))
		for i, ev := range argEvals {
			if ev == nil {
				continue
			}
			if args[i], err = evalArray(ctx, ev, b); err != nil {
				releaseAll(keyCols)
				releaseAll(args[:i])
				return nil, nil, err
			}
		}
		return keyCols, args, nil
	}
	workers := runtime.GOMAXPROCS(0)
	if workers < 2 {
		for in.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			b := in.RecordBatch()
			keyCols, args, err := eval(ctx, b)
			if err != nil {
				return err
			}
			err = add(b, keyCols, args)
			releaseAll(keyCols)
			releaseNonNil(args)
			if err != nil {
				return err
			}
		}
		return in.Err()
	}

	type job struct {
		seq       int
		b         arrow.RecordBatch
		keys, arg []arrow.Array
		err       error
	}
	release := func(j job) {
		if j.b != nil {
			j.b.Release()
		}
		releaseAll(j.keys)
		releaseNonNil(j.arg)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu      sync.Mutex // guards in, seq and readErr
		seq     int
		readErr error
	)
	results := make(chan job, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if ctx.Err() != nil || !in.Next() {
					if readErr == nil {
						readErr = in.Err()
					}
					mu.Unlock()
					return
				}
				b := in.RecordBatch()
				b.Retain()
				j := job{seq: seq, b: b}
				seq++
				mu.Unlock()
				j.keys, j.arg, j.err = eval(ctx, b)
				select {
				case results <- j:
				case <-ctx.Done():
					release(j)
					return
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	// Batches are folded in input order; those that finish early wait.
	pending := make(map[int]job)
	next := 0
	var firstErr error
	for j := range results {
		if firstErr != nil {
			release(j)
			continue
		}
		if j.err != nil {
			firstErr = j.err
			cancel()
			release(j)
			continue
		}
		pending[j.seq] = j
		for {
			p, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if err := add(p.b, p.keys, p.arg); err != nil && firstErr == nil {
				firstErr = err
				cancel()
			}
			release(p)
		}
	}
	for _, p := range pending {
		release(p)
	}
	if firstErr != nil {
		return firstErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return readErr
}

func releaseNonNil(as []arrow.Array) {
	for _, a := range as {
		if a != nil {
			a.Release()
		}
	}
}
