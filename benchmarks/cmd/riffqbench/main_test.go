package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentiles(t *testing.T) {
	var lat []time.Duration
	for i := 100; i >= 1; i-- {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	r := summarize(lat, 3, 2*time.Second)
	if r.Ops != 100 || r.Errors != 3 || r.Rate != 50 {
		t.Errorf("ops %d, errors %d, rate %g; want 100, 3, 50", r.Ops, r.Errors, r.Rate)
	}
	if r.P50 != 50 || r.P95 != 95 || r.P99 != 99 {
		t.Errorf("p50 %g, p95 %g, p99 %g; want 50, 95, 99", r.P50, r.P95, r.P99)
	}
	if !math.IsNaN(percentile(nil, 0.5)) {
		t.Error("the percentile of nothing is not NaN")
	}
	if p := percentile([]time.Duration{time.Millisecond}, 0.99); p != 1 {
		t.Errorf("p99 of one value: %g", p)
	}
}

func TestClosedLoop(t *testing.T) {
	var calls atomic.Int64
	r, err := closedLoop(context.Background(), 3, 50*time.Millisecond, func(context.Context, int) (opFunc, func(), error) {
		return func(context.Context) error {
			if calls.Add(1)%10 == 0 {
				return errors.New("every tenth fails")
			}
			time.Sleep(time.Millisecond)
			return nil
		}, nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Ops == 0 || r.Errors == 0 || r.Ops+r.Errors != calls.Load() {
		t.Errorf("ops %d + errors %d, want %d calls with some errors", r.Ops, r.Errors, calls.Load())
	}
	if r.P50 < 1 {
		t.Errorf("p50 %g ms for 1 ms operations", r.P50)
	}

	_, err = closedLoop(context.Background(), 2, 10*time.Millisecond, func(context.Context, int) (opFunc, func(), error) {
		return func(context.Context) error { return errors.New("down") }, nil, nil
	})
	if err == nil || !strings.Contains(err.Error(), "down") {
		t.Errorf("all operations failing: error %v", err)
	}

	cleaned := 0
	_, err = closedLoop(context.Background(), 3, 10*time.Millisecond, func(_ context.Context, id int) (opFunc, func(), error) {
		if id == 2 {
			return nil, nil, errors.New("cannot connect")
		}
		return func(context.Context) error { return nil }, func() { cleaned++ }, nil
	})
	if err == nil || cleaned != 2 {
		t.Errorf("a client that cannot start: error %v, %d of 2 cleaned up", err, cleaned)
	}
}

func TestReportRatios(t *testing.T) {
	rep := &report{Date: "2026-01-01", Machine: "test <machine>", Postgres: "15.0"}
	rate := workload{group: "select1", name: "SELECT 1 & co", unit: "tps", metric: byRate}
	lat := workload{group: "catalog", name: "catalog", unit: "seq/s", metric: byP50}
	tail := workload{group: "mixed", name: "mixed", unit: "lookups/s", metric: byP99}
	for _, v := range []float64{100, 300, 200} {
		rep.record(rate, "riffq", result{Rate: v}, nil)
		rep.record(rate, "postgres", result{Rate: v / 2}, nil)
	}
	rep.record(lat, "riffq", result{P50: 10}, nil)
	rep.record(lat, "postgres", result{P50: 40}, nil)
	rep.record(tail, "riffq", result{P99: 8}, nil)
	rep.record(tail, "postgres", result{}, errors.New("boom\nsecond line"))
	rep.finish()
	if got := rep.Workloads[0].Systems["riffq"].Median.Rate; got != 200 {
		t.Errorf("median rate %g, want 200", got)
	}
	if r := rep.Workloads[0].Ratio; r != 2 {
		t.Errorf("rate ratio %g, want 2", r)
	}
	if r := rep.Workloads[1].Ratio; r != 4 {
		t.Errorf("p50 ratio %g, want 4 (PostgreSQL's latency over riffq's)", r)
	}
	if r := rep.Workloads[2].Ratio; r != 0 {
		t.Errorf("ratio %g with a failed system, want 0", r)
	}
	var table bytes.Buffer
	rep.writeTable(&table)
	for _, want := range []string{"| SELECT 1 & co | 200 tps;", "2.00 (rate)", "4.00 (p50)", "error: boom |"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	var svg bytes.Buffer
	rep.writeSVG(&svg)
	dec := xml.NewDecoder(&svg)
	bars := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "rect" {
			bars++
		}
	}
	if bars != 3 { // the background and one bar per ratio
		t.Errorf("%d rect elements, want 3", bars)
	}
	dir := t.TempDir()
	jsonPath, svgPath, err := rep.write(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{jsonPath, svgPath} {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Errorf("%s not written: %v", p, err)
		}
	}
}

func TestLoadSequences(t *testing.T) {
	seqs, err := loadSequences(filepath.Join("..", "..", "..", "testdata", "clients", "captures", "client-queries.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]int{}
	for _, s := range seqs {
		names[s.name] = len(s.queries)
		if len(s.queries) < minSequence || s.captured != len(s.queries) {
			t.Errorf("%s: %d queries, %d captured", s.name, len(s.queries), s.captured)
		}
	}
	for _, want := range []string{"DataGrip", "DBeaver 25.1.0", "psql 14"} {
		if names[want] == 0 {
			t.Errorf("no %s sequence among %v", want, names)
		}
	}
}

func TestClientName(t *testing.T) {
	for in, want := range map[string]string{
		"IntelliJ IDEA / DataGrip (PostgreSQL JDBC driver)": "DataGrip",
		"DBeaver 25.1.0 (PostgreSQL JDBC driver)":           "DBeaver 25.1.0",
		"psql 14": "psql 14",
	} {
		if got := clientName(in); got != want {
			t.Errorf("clientName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"-smoke", "-runs", "2"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.runs != 2 || cfg.duration != time.Second || cfg.warmup != 0 || cfg.scale != 1 || len(cfg.select1Clients) != 1 {
		t.Errorf("-smoke -runs 2: %+v", cfg)
	}
	cfg, err = parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.workloads) != len(allWorkloads) || len(cfg.select1Clients) != 4 || cfg.scale != 10 {
		t.Errorf("defaults: %+v", cfg)
	}
	for _, bad := range [][]string{
		{"-workloads", "connect,nosuch"}, {"-auth", "md5"}, {"-modes", "pipelined"}, {"-clients", "8,x"},
		{"-runs", "0"}, {"-duration", "0s"}, {"-scale", "0"}, {"-lookup-clients", "0"}, {"extra"},
	} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("parseFlags(%q) succeeded", bad)
		}
	}
}

func TestFormatting(t *testing.T) {
	for v, want := range map[float64]string{1234567: "1,234,567", 999: "999", 12.4: "12", 3.14159: "3.14"} {
		if got := thousands(v); got != want {
			t.Errorf("thousands(%g) = %q, want %q", v, got, want)
		}
	}
	for v, want := range map[float64]string{0.01234: "0.012", 1.234: "1.23", 12.34: "12.3", 123.4: "123", math.NaN(): "-"} {
		if got := ms(v); got != want {
			t.Errorf("ms(%g) = %q, want %q", v, got, want)
		}
	}
}
