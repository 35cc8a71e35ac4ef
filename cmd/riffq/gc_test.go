package main

import "testing"

func TestGCPercentFor(t *testing.T) {
	const mb = 1 << 20
	tests := []struct {
		live, cached int64
		want         int
	}{
		{0, 0, 400},                // before the first collection
		{500 * mb, 0, 400},         // no cache
		{1000 * mb, 500 * mb, 200}, // half the live heap is cache
		{2000 * mb, 1500 * mb, 100},
		{4096 * mb, 4032 * mb, 25}, // 64 MiB outside the cache, floored at 25
		{100 * mb, 90 * mb, 256},   // at least 64 MiB count as not cached
		{50 * mb, 60 * mb, 400},    // the cache's count ahead of the heap's
	}
	for _, tc := range tests {
		if got := gcPercentFor(tc.live, tc.cached); got != tc.want {
			t.Errorf("gcPercentFor(%d MiB live, %d MiB cached) = %d, want %d", tc.live/mb, tc.cached/mb, got, tc.want)
		}
	}
}
