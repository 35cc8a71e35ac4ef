package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"github.com/riffq/riffq/sources/parquet"
)

// gcPercent is the garbage collector's target for the heap that is not
// the Parquet cache: scans allocate short-lived batches at a high rate
// while what queries keep live stays small, so collecting less often than
// Go's default (100) saves CPU for a modest amount of memory.
const gcPercent = 400

// gcPercentFor returns the GOGC that lets the heap grow by gcPercent of
// its live part outside the cache: Go applies GOGC to the whole live heap,
// and at 400 a cache of a few GB would let gigabytes of garbage pile up.
func gcPercentFor(live, cached int64) int {
	if live <= 0 || cached <= 0 {
		return gcPercent
	}
	// At least 64 MiB count as not cached: a query is always running
	// somewhere, and a heap of cache alone should not collect constantly.
	other := max(live-cached, 64<<20)
	return max(int(gcPercent*other/max(live, other)), 25)
}

// tuneGC sets the garbage collector's target (see gcPercentFor) now and
// then every interval, as the cache fills, until ctx is done. GOGC in the
// environment overrides it (the caller does not start it then).
func tuneGC(ctx context.Context, cache *parquet.Cache, interval time.Duration) {
	current := gcPercent
	debug.SetGCPercent(current)
	if cache == nil {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		want := gcPercentFor(int64(sample[0].Value.Uint64()), cache.Bytes())
		// Small changes are not worth a new target.
		if want < current*9/10 || want > current*11/10 {
			debug.SetGCPercent(want)
			current = want
		}
	}
}
