package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// result is one measurement of one workload on one system.
type result struct {
	// Ops is the number of completed operations (connections, queries,
	// transactions or sequences, per the workload's unit).
	Ops int64 `json:"ops"`
	// Errors counts operations that failed; they are not in Ops.
	Errors int64 `json:"errors"`
	// Seconds is the measured wall time.
	Seconds float64 `json:"seconds"`
	// Rate is Ops per second.
	Rate float64 `json:"rate"`
	// P50, P95 and P99 are latency percentiles of one operation, in
	// milliseconds.
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	P99 float64 `json:"p99_ms"`
	// Extra holds workload-specific values (the analytic queries that
	// completed next to the lookups, say).
	Extra map[string]float64 `json:"extra,omitempty"`
}

// summarize turns latencies into a result; lat is sorted in place.
func summarize(lat []time.Duration, errs int64, elapsed time.Duration) result {
	slices.Sort(lat)
	r := result{Ops: int64(len(lat)), Errors: errs, Seconds: elapsed.Seconds()}
	if elapsed > 0 {
		r.Rate = float64(len(lat)) / elapsed.Seconds()
	}
	r.P50, r.P95, r.P99 = percentile(lat, 0.50), percentile(lat, 0.95), percentile(lat, 0.99)
	return r
}

// percentile returns the p-quantile (nearest rank) of sorted latencies, in
// milliseconds, or NaN when there are none.
func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	i = min(max(i, 0), len(sorted)-1)
	return float64(sorted[i]) / float64(time.Millisecond)
}

// opFunc runs one timed operation.
type opFunc func(ctx context.Context) error

// worker prepares one client of a closed loop: the operation it repeats
// and what to release afterwards (nil when nothing).
type worker func(ctx context.Context, id int) (opFunc, func(), error)

// closedLoop runs clients workers that each repeat their operation, back to
// back, for d, and times every operation. An operation that fails counts as
// an error; when every one fails the first error is returned. Set-up errors
// (a worker that cannot connect) end the measurement.
func closedLoop(ctx context.Context, clients int, d time.Duration, newWorker worker) (result, error) {
	ops := make([]opFunc, clients)
	cleanups := make([]func(), 0, clients)
	defer func() {
		for _, c := range cleanups {
			c()
		}
	}()
	for i := range clients {
		op, cleanup, err := newWorker(ctx, i)
		if err != nil {
			return result{}, fmt.Errorf("client %d: %w", i, err)
		}
		ops[i] = op
		if cleanup != nil {
			cleanups = append(cleanups, cleanup)
		}
	}
	var (
		mu       sync.Mutex
		all      []time.Duration
		errCount int64
		firstErr error
		wg       sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for _, op := range ops {
		wg.Go(func() {
			lat := make([]time.Duration, 0, 4096)
			var nerr int64
			var ferr error
			for ctx.Err() == nil {
				t0 := time.Now()
				if t0.After(deadline) {
					break
				}
				if err := op(ctx); err != nil {
					nerr++
					if ferr == nil {
						ferr = err
					}
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			errCount += nerr
			if firstErr == nil {
				firstErr = ferr
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := ctx.Err(); err != nil {
		return result{}, err
	}
	if len(all) == 0 && firstErr != nil {
		return result{}, fmt.Errorf("every operation failed: %w", firstErr)
	}
	if len(all) == 0 {
		return result{}, errors.New("no operation completed")
	}
	return summarize(all, errCount, elapsed), nil
}
