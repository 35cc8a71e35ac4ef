package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// systemResult is one workload's measurements on one system.
type systemResult struct {
	Runs []result `json:"runs"`
	// Median holds the median over the runs of every field.
	Median result `json:"median"`
	Error  string `json:"error,omitempty"`
}

// workloadResult is one row of the report.
type workloadResult struct {
	Group   string                   `json:"group"`
	Name    string                   `json:"name"`
	Unit    string                   `json:"unit"`
	Metric  metric                   `json:"ratio_metric"`
	Systems map[string]*systemResult `json:"systems"`
	// Ratio is riffq's advantage on Metric: riffq's rate over
	// PostgreSQL's, or PostgreSQL's latency over riffq's. Above 1 riffq is
	// better; 0 when either system failed.
	Ratio float64 `json:"ratio"`
}

// report is the JSON document a run writes.
type report struct {
	Date      string            `json:"date"`
	Machine   string            `json:"machine"`
	GoVersion string            `json:"go_version"`
	Postgres  string            `json:"postgres_version"`
	Settings  map[string]string `json:"settings"`
	Workloads []*workloadResult `json:"workloads"`
	Table     string            `json:"table"`
}

// record adds a measurement, or a failure, of w on system.
func (r *report) record(w workload, system string, res result, err error) {
	i := slices.IndexFunc(r.Workloads, func(x *workloadResult) bool { return x.Name == w.name })
	if i < 0 {
		r.Workloads = append(r.Workloads, &workloadResult{Group: w.group, Name: w.name, Unit: w.unit, Metric: w.metric,
			Systems: map[string]*systemResult{}})
		i = len(r.Workloads) - 1
	}
	sr := r.Workloads[i].Systems[system]
	if sr == nil {
		sr = &systemResult{}
		r.Workloads[i].Systems[system] = sr
	}
	if err != nil {
		if sr.Error == "" {
			sr.Error = firstLine(err.Error())
		}
		return
	}
	sr.Runs = append(sr.Runs, res)
}

// finish computes medians and ratios.
func (r *report) finish() {
	for _, w := range r.Workloads {
		for _, sr := range w.Systems {
			sr.Median = medianResult(sr.Runs)
		}
		rq, pg := w.Systems["riffq"], w.Systems["postgres"]
		if rq == nil || pg == nil || len(rq.Runs) == 0 || len(pg.Runs) == 0 {
			continue
		}
		var ratio float64
		switch w.Metric {
		case byRate:
			ratio = rq.Median.Rate / pg.Median.Rate
		case byP50:
			ratio = pg.Median.P50 / rq.Median.P50
		case byP99:
			ratio = pg.Median.P99 / rq.Median.P99
		}
		if !math.IsNaN(ratio) && !math.IsInf(ratio, 0) {
			w.Ratio = ratio
		}
	}
}

// medianResult takes the median of each field over the runs.
func medianResult(runs []result) result {
	if len(runs) == 0 {
		return result{}
	}
	field := func(f func(result) float64) float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = f(r)
		}
		return median(v)
	}
	m := result{
		Ops:     int64(field(func(r result) float64 { return float64(r.Ops) })),
		Errors:  int64(field(func(r result) float64 { return float64(r.Errors) })),
		Seconds: field(func(r result) float64 { return r.Seconds }),
		Rate:    field(func(r result) float64 { return r.Rate }),
		P50:     field(func(r result) float64 { return r.P50 }),
		P95:     field(func(r result) float64 { return r.P95 }),
		P99:     field(func(r result) float64 { return r.P99 }),
	}
	for k := range runs[0].Extra {
		if m.Extra == nil {
			m.Extra = map[string]float64{}
		}
		m.Extra[k] = field(func(r result) float64 { return r.Extra[k] })
	}
	return m
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return math.NaN()
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// writeTable prints the report as a Markdown table.
func (r *report) writeTable(w io.Writer) {
	fmt.Fprintf(w, "| workload | riffq | PostgreSQL 15 | riffq vs PostgreSQL |\n|---|---|---|---:|\n")
	for _, wr := range r.Workloads {
		ratio := "-"
		if wr.Ratio > 0 {
			ratio = fmt.Sprintf("%.2f (%s)", wr.Ratio, wr.Metric)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", wr.Name, cell(wr, "riffq"), cell(wr, "postgres"), ratio)
	}
}

// cell formats one system's medians: rate, latency percentiles, errors and
// extras.
func cell(wr *workloadResult, system string) string {
	sr := wr.Systems[system]
	switch {
	case sr == nil:
		return "-"
	case len(sr.Runs) == 0:
		return "error: " + sr.Error
	}
	m := sr.Median
	switch wr.Group {
	case "stream":
		return fmt.Sprintf("%s rows/s, %.1f MB/s (%.2f s)", thousands(m.Rate), m.Extra["MB/s"], m.Seconds)
	case "tpch":
		return fmt.Sprintf("%.3f s", m.Seconds)
	}
	s := fmt.Sprintf("%s %s; p50 %s / p95 %s / p99 %s ms", thousands(m.Rate), wr.Unit, ms(m.P50), ms(m.P95), ms(m.P99))
	if m.Errors > 0 {
		s += fmt.Sprintf("; %d errors", m.Errors)
	}
	if v, ok := m.Extra["pgconn_rate"]; ok {
		s += fmt.Sprintf(" (latency pass: %s/s)", thousands(v))
	}
	if v, ok := m.Extra["queries_p50_ms"]; ok {
		s += fmt.Sprintf(" (without connecting: p50 %s / p99 %s ms)", ms(v), ms(m.Extra["queries_p99_ms"]))
	}
	if n, ok := m.Extra["analytic_queries"]; ok {
		s += fmt.Sprintf("; %.0f analytic queries, %.2f s each", n, m.Extra["analytic_mean_s"])
	}
	if sr.Error != "" {
		s += " (a run failed: " + sr.Error + ")"
	}
	return s
}

// ms formats milliseconds with about three significant digits.
func ms(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

// thousands formats a rate with thousands separators (below 10, with two
// decimals).
func thousands(v float64) string {
	if v < 10 {
		return fmt.Sprintf("%.2f", v)
	}
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// write saves the JSON report and the SVG chart in dir and returns their
// paths.
func (r *report) write(dir string) (string, string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	stamp := time.Now().UTC().Format("20060102-150405")
	jsonPath := filepath.Join(dir, "riffqbench-"+stamp+".json")
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", "", err
	}
	if err := os.WriteFile(jsonPath, b, 0o644); err != nil {
		return "", "", err
	}
	svgPath := filepath.Join(dir, "riffqbench-"+stamp+".svg")
	f, err := os.Create(svgPath)
	if err != nil {
		return "", "", err
	}
	r.writeSVG(f)
	if err := f.Close(); err != nil {
		return "", "", err
	}
	return jsonPath, svgPath, nil
}

// writeSVG draws one horizontal bar per workload: riffq's advantage on a
// log2 axis centred on 1 (green to the right, riffq better; red to the
// left, PostgreSQL better).
func (r *report) writeSVG(w io.Writer) {
	var rows []*workloadResult
	for _, wr := range r.Workloads {
		if wr.Ratio > 0 {
			rows = append(rows, wr)
		}
	}
	const (
		labelW, chartW, rowH, top, left = 430, 460, 22, 80, 10
	)
	lo, hi := 0.25, 4.0
	for _, wr := range rows {
		// Room for the value's label beyond the bar's end.
		for wr.Ratio < lo*1.6 {
			lo /= 2
		}
		for wr.Ratio > hi/1.6 {
			hi *= 2
		}
	}
	x := func(v float64) float64 {
		return left + labelW + chartW*(math.Log2(v)-math.Log2(lo))/(math.Log2(hi)-math.Log2(lo))
	}
	width := left + labelW + chartW + 60
	height := top + rowH*len(rows) + 40
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(w, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(w, `<text x="%d" y="22" font-size="15" font-weight="bold">riffq vs PostgreSQL %s (above 1: riffq better)</text>`+"\n", left, esc(r.Postgres))
	fmt.Fprintf(w, `<text x="%d" y="40" fill="#555">%s; %s</text>`+"\n", left, esc(r.Date), esc(r.Machine))
	fmt.Fprintf(w, `<text x="%d" y="56" fill="#555">[rate]: riffq's throughput / PostgreSQL's; [p50], [p99]: PostgreSQL's latency / riffq's. Medians of the runs.</text>`+"\n", left)
	for v := lo; v <= hi*1.0001; v *= 2 {
		xv := x(v)
		stroke := "#ddd"
		if v == 1 {
			stroke = "#333"
		}
		fmt.Fprintf(w, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>`+"\n", xv, top-8, xv, top+rowH*len(rows), stroke)
		fmt.Fprintf(w, `<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s×</text>`+"\n", xv, top+rowH*len(rows)+16, trimFloat(v))
	}
	for i, wr := range rows {
		y := top + i*rowH
		fmt.Fprintf(w, `<text x="%d" y="%d">%s [%s]</text>`+"\n", left, y+rowH/2+4, esc(wr.Name), wr.Metric)
		x0, x1 := x(1), x(wr.Ratio)
		fill := "#2e7d32"
		if wr.Ratio < 1 {
			fill = "#c62828"
			x0, x1 = x1, x0
		}
		fmt.Fprintf(w, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s: %.2f (%s)</title></rect>`+"\n",
			x0, y+3, math.Max(x1-x0, 1), rowH-6, fill, esc(wr.Name), wr.Ratio, wr.Metric)
		tx, anchor := x(wr.Ratio)+4, "start"
		if wr.Ratio < 1 {
			tx, anchor = x(wr.Ratio)-4, "end"
		}
		fmt.Fprintf(w, `<text x="%.1f" y="%d" text-anchor="%s">%.2f</text>`+"\n", tx, y+rowH/2+4, anchor, wr.Ratio)
	}
	fmt.Fprintln(w, "</svg>")
}

// esc escapes text for SVG.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func trimFloat(v float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
}
