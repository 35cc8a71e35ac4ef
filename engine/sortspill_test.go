package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"
)

// spillRows are rows whose keys repeat (ties), hold NULLs, and floats
// PostgreSQL orders specially (NaN, infinities, -0).
func spillRows(n int) []row {
	rng := rand.New(rand.NewPCG(1, 2))
	specials := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0}
	rows := make([]row, n)
	for j := range rows {
		r := row{k: s(fmt.Sprintf("k%03d", rng.IntN(500))), v: i(int32(rng.IntN(2000) - 1000)), f: f(rng.NormFloat64())}
		switch rng.IntN(50) {
		case 0:
			r.k = nil
		case 1:
			r.v = nil
		case 2:
			r.f = nil
		case 3:
			r.f = f(specials[rng.IntN(len(specials))])
		}
		rows[j] = r
	}
	return rows
}

// TestSpilledSort checks that a sort over its memory limit spills sorted
// runs and merges them into exactly the rows, in exactly the order (ties
// in input order), of the same sort in memory — with many runs (merged
// in more than one pass), with a LIMIT, and without leaving a file behind.
func TestSpilledSort(t *testing.T) {
	rows := spillRows(120_000)
	for _, tt := range []struct {
		name  string
		keys  []SortKey
		fetch int64
		limit int64
		// passes is 2 when the runs are too many for one merge: every row
		// is written twice.
		passes int64
	}{
		{"int", []SortKey{{Column: 1}}, 0, 256 << 10, 1},
		{"text desc nulls first, float", []SortKey{{Column: 0, Desc: true, NullsFirst: true}, {Column: 2}}, 0, 256 << 10, 1},
		{"float desc, many runs", []SortKey{{Column: 2, Desc: true}, {Column: 1, NullsFirst: true}}, 0, 32 << 10, 2},
		{"fetch", []SortKey{{Column: 1, Desc: true}, {Column: 0}}, 70_000, 256 << 10, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want, err := collect(t, &Sort{Input: testScan(t, 1024, rows...), Keys: tt.keys, Fetch: tt.fetch})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			ctx := WithTempDir(WithMemoryLimit(context.Background(), tt.limit), dir)
			op := NewAnalyzed(&Sort{Input: testScan(t, 1024, rows...), Keys: tt.keys, Fetch: tt.fetch})
			got, err := collectCtx(ctx, op)
			if err != nil {
				t.Fatal(err)
			}
			var input int64
			rdr, err := testScan(t, 1024, rows...).Execute(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for rdr.Next() {
				input += batchBytes(rdr.RecordBatch())
			}
			rdr.Release()
			// The rows still in memory at the end are not written.
			if spilled := op.Stats.spilled.Load(); spilled <= (tt.passes-1)*input || spilled > tt.passes*input {
				t.Fatalf("the sort spilled %d bytes of %d in %d passes", spilled, input, tt.passes)
			}
			if len(got) != len(want) {
				t.Fatalf("got %d rows, want %d", len(got), len(want))
			}
			for j := range want {
				if got[j] != want[j] {
					t.Fatalf("row %d: got %s, want %s", j, got[j], want[j])
				}
			}
			if !strings.Contains(ExplainAnalyze(op), " disk=") {
				t.Errorf("EXPLAIN ANALYZE does not show the spill: %s", ExplainAnalyze(op))
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("%d files left in the temporary directory", len(left))
			}
		})
	}
}

// TestSpilledSortCancel cancels a spilling sort in its merge: it stops
// with the context's error.
func TestSpilledSortCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(WithTempDir(WithMemoryLimit(context.Background(), 64<<10), t.TempDir()))
	rdr, err := (&Sort{Input: testScan(t, 1024, spillRows(50_000)...), Keys: []SortKey{{Column: 1}}}).Execute(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	if !rdr.Next() {
		t.Fatal(rdr.Err())
	}
	cancel()
	for rdr.Next() {
	}
	if !errors.Is(rdr.Err(), context.Canceled) {
		t.Fatalf("after cancel: %v", rdr.Err())
	}
}

// TestParallelSort checks that a large sort, split among the cores and
// merged, gives the rows of the same sort in one piece, ties in input
// order, with and without a LIMIT.
func TestParallelSort(t *testing.T) {
	rows := spillRows(300_000)
	keys := []SortKey{{Column: 0, Desc: true}, {Column: 2, NullsFirst: true}}
	for _, fetch := range []int64{0, 100_000} {
		prev := runtime.GOMAXPROCS(1)
		want, err := collect(t, &Sort{Input: testScan(t, 4096, rows...), Keys: keys, Fetch: fetch})
		runtime.GOMAXPROCS(max(prev, 2))
		if err != nil {
			runtime.GOMAXPROCS(prev)
			t.Fatal(err)
		}
		got, err := collect(t, &Sort{Input: testScan(t, 4096, rows...), Keys: keys, Fetch: fetch})
		runtime.GOMAXPROCS(prev)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("fetch %d: got %d rows, want %d", fetch, len(got), len(want))
		}
		for j := range want {
			if got[j] != want[j] {
				t.Fatalf("fetch %d, row %d: got %s, want %s", fetch, j, got[j], want[j])
			}
		}
	}
}
