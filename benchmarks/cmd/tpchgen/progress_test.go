package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/riffq/riffq/internal/tpch"
)

// screen replays what a terminal shows for output with carriage returns.
func screen(out string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		cur := []rune{}
		for _, seg := range strings.Split(l, "\r") {
			r := []rune(seg)
			if len(r) >= len(cur) {
				cur = r
			} else {
				copy(cur, r)
			}
		}
		lines = append(lines, strings.TrimRight(string(cur), " "))
	}
	return lines
}

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	p := newProgressLine(&buf, time.Second)
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return clock }
	tick := func(d time.Duration) { clock = clock.Add(d) }

	p.update(tpch.Progress{Table: "orders", Rows: 16384, Total: 1_500_000})
	if got := screen(buf.String()); got[len(got)-1] != "orders 16,384/1,500,000 rows (1%)" {
		t.Errorf("first report: %q", got)
	}
	tick(100 * time.Millisecond)
	p.update(tpch.Progress{Table: "lineitem", Rows: 16384, Total: 6_000_000})
	if strings.Contains(buf.String(), "lineitem") {
		t.Error("redrawn before the interval passed")
	}
	tick(time.Second)
	p.update(tpch.Progress{Table: "orders", Rows: 750_000, Total: 1_500_000})
	if got := screen(buf.String()); got[len(got)-1] != "orders 750,000/1,500,000 rows (50%)  lineitem 16,384/~6,000,000 rows (0%)" {
		t.Errorf("two tables: %q", got)
	}
	tick(2 * time.Second)
	p.update(tpch.Progress{Table: "orders", Rows: 1_500_000, Total: 1_500_000, Done: true})
	got := screen(buf.String())
	if len(got) != 2 || got[0] != "orders   1,500,000 rows in 3.1s" || got[1] != "lineitem 16,384/~6,000,000 rows (0%)" {
		t.Errorf("after orders is done: %q", got)
	}
	p.update(tpch.Progress{Table: "lineitem", Rows: 5_999_000, Total: 5_999_000, Done: true})
	p.finish()
	got = screen(buf.String())
	if got[1] != "lineitem 5,999,000 rows in 3s" || got[len(got)-1] != "" {
		t.Errorf("at the end: %q", got)
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Error("a regular file is a terminal")
	}
}
