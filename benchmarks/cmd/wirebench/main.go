// Command wirebench measures riffq's wire protocol against a real
// PostgreSQL 15 on the same data in the same run (issue 9's benchmarks):
//
//   - streaming: a one-column bigint table and a 16-column lineitem-like
//     table read in full by pgx, in text (simple protocol) and binary
//     (extended protocol) format: rows/s and MB/s of values;
//   - round trips: pgbench running "SELECT 1" with -M simple, extended and
//     prepared, 8 clients on 2 threads: transactions/s.
//
// Systems alternate within each repetition and the report gives medians and
// riffq/PostgreSQL ratios.
//
//	go run ./benchmarks/cmd/wirebench [-narrow 10000000] [-wide 6000000] [-runs 3]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/riffq/riffq/benchmarks"
	"github.com/riffq/riffq/internal/pgload"
	"github.com/riffq/riffq/internal/pgtest"
	"github.com/riffq/riffq/sources/parquet"
)

type result struct {
	Workload string    `json:"workload"`
	System   string    `json:"system"`
	Runs     []float64 `json:"runs"` // rows/s or tps
	MBps     []float64 `json:"mb_per_s,omitempty"`
	Median   float64   `json:"median"`
	Unit     string    `json:"unit"`
}

func main() {
	narrow := flag.Int("narrow", 10_000_000, "rows of the one-column bigint table")
	wide := flag.Int("wide", 6_000_000, "rows of the lineitem-like table")
	runs := flag.Int("runs", 3, "repetitions of each measurement")
	pgbenchSecs := flag.Int("pgbench-seconds", 10, "duration of each pgbench run")
	pgbin := flag.String("pgbin", pgtest.DefaultBin, "PostgreSQL 15 binaries")
	out := flag.String("out", "benchmarks/results", "directory for the JSON report")
	flag.Parse()
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err := run(*narrow, *wide, *runs, *pgbenchSecs, *pgbin, *out); err != nil {
		fmt.Fprintln(os.Stderr, "wirebench:", err)
		os.Exit(1)
	}
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func run(narrowRows, wideRows, runs, pgbenchSecs int, pgbin, outDir string) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "riffq-wirebench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	data := filepath.Join(dir, "data")
	os.Mkdir(data, 0o755)
	slog.Info("generating data", "narrow", narrowRows, "wide", wideRows)
	if err := benchmarks.WriteNarrow(filepath.Join(data, "narrow.parquet"), narrowRows); err != nil {
		return err
	}
	if err := benchmarks.WriteLineitem(filepath.Join(data, "lineitem.parquet"), wideRows); err != nil {
		return err
	}

	slog.Info("building and starting riffq")
	bin := filepath.Join(dir, "riffq")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/riffq").CombinedOutput(); err != nil {
		return fmt.Errorf("build riffq: %v\n%s", err, out)
	}
	rport := freePort()
	rq := exec.Command(bin, "--listen", fmt.Sprintf("127.0.0.1:%d", rport), "--source", "parquet:"+data, "--log-level", "warn", "--max-connections", "0")
	rq.Stderr = os.Stderr
	if err := rq.Start(); err != nil {
		return err
	}
	defer func() { rq.Process.Signal(os.Interrupt); rq.Wait() }()
	riffqURL := fmt.Sprintf("postgres://bench@127.0.0.1:%d/bench?sslmode=disable", rport)

	slog.Info("starting PostgreSQL")
	pg, err := pgtest.Start(ctx, pgbin, freePort())
	if err != nil {
		return err
	}
	defer pg.Stop()
	conn, err := pgx.Connect(ctx, pg.URL())
	if err != nil {
		return err
	}
	slog.Info("loading PostgreSQL")
	if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE TABLE narrow AS SELECT n::bigint FROM generate_series(0, %d) n", narrowRows-1)); err != nil {
		return err
	}
	li, err := parquet.Open(filepath.Join(data, "lineitem.parquet"))
	if err != nil {
		return err
	}
	if _, err := pgload.CopyTable(ctx, conn, "lineitem", li); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		return err
	}
	conn.Close(ctx)
	for _, url := range []string{riffqURL, pg.URL()} {
		if err := waitReady(ctx, url); err != nil {
			return err
		}
	}

	systems := []struct{ name, url string }{{"riffq", riffqURL}, {"postgres", pg.URL()}}
	results := map[string]*result{}
	add := func(workload, system, unit string, v, mbps float64) {
		key := workload + "/" + system
		r := results[key]
		if r == nil {
			r = &result{Workload: workload, System: system, Unit: unit}
			results[key] = r
		}
		r.Runs = append(r.Runs, v)
		if mbps > 0 {
			r.MBps = append(r.MBps, mbps)
		}
	}
	streams := []struct{ name, sql string }{
		{"stream narrow (bigint)", "SELECT n FROM narrow"},
		{"stream wide (lineitem)", "SELECT * FROM lineitem"},
	}
	for i := range runs {
		order := systems
		if i%2 == 1 {
			order = []struct{ name, url string }{systems[1], systems[0]}
		}
		for _, s := range streams {
			for _, format := range []string{"text", "binary"} {
				for _, sys := range order {
					rows, bytes, d, err := stream(ctx, sys.url, s.sql, format == "binary")
					if err != nil {
						return fmt.Errorf("%s %s on %s: %w", s.name, format, sys.name, err)
					}
					rps, mbps := float64(rows)/d.Seconds(), float64(bytes)/d.Seconds()/1e6
					slog.Info("stream", "run", i+1, "workload", s.name, "format", format, "system", sys.name, "rows_per_s", int(rps), "mb_per_s", fmt.Sprintf("%.1f", mbps))
					add(s.name+" "+format, sys.name, "rows/s", rps, mbps)
				}
			}
		}
		for _, mode := range []string{"simple", "extended", "prepared"} {
			for _, sys := range order {
				tps, err := pgbench(ctx, pgbin, sys.url, mode, pgbenchSecs)
				if err != nil {
					return fmt.Errorf("pgbench %s on %s: %w", mode, sys.name, err)
				}
				slog.Info("pgbench", "run", i+1, "mode", mode, "system", sys.name, "tps", int(tps))
				add("SELECT 1 pgbench -M "+mode+" -c 8 -j 2", sys.name, "tps", tps, 0)
			}
		}
	}
	return report(results, outDir, narrowRows, wideRows, runs)
}

func waitReady(ctx context.Context, url string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := pgx.Connect(ctx, url)
		if err == nil {
			return c.Close(ctx)
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stream reads a whole result and returns rows, bytes of values and time.
func stream(ctx context.Context, url, sql string, binary bool) (int64, int64, time.Duration, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return 0, 0, 0, err
	}
	if !binary {
		cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return 0, 0, 0, err
	}
	defer conn.Close(ctx)
	start := time.Now()
	rows, err := conn.Query(ctx, sql)
	if err != nil {
		return 0, 0, 0, err
	}
	var n, bytes int64
	for rows.Next() {
		for _, v := range rows.RawValues() {
			bytes += int64(len(v))
		}
		n++
	}
	return n, bytes, time.Since(start), rows.Err()
}

var tpsRE = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

func pgbench(ctx context.Context, pgbin, url, mode string, secs int) (float64, error) {
	script, err := os.CreateTemp("", "select1-*.sql")
	if err != nil {
		return 0, err
	}
	defer os.Remove(script.Name())
	io.WriteString(script, "SELECT 1;\n")
	script.Close()
	out, err := exec.CommandContext(ctx, filepath.Join(pgbin, "pgbench"), "-n", "-f", script.Name(), "-M", mode,
		"-c", "8", "-j", "2", "-T", strconv.Itoa(secs), url).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%v\n%s", err, out)
	}
	m := tpsRE.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no tps in pgbench output:\n%s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func report(results map[string]*result, outDir string, narrow, wide, runs int) error {
	var keys []string
	for k, r := range results {
		r.Median = median(r.Runs)
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var workloads []string
	for _, k := range keys {
		w := results[k].Workload
		if !slices.Contains(workloads, w) {
			workloads = append(workloads, w)
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "| workload | riffq | PostgreSQL 15 | riffq / PostgreSQL |\n|---|---|---|---|\n")
	for _, w := range workloads {
		r, p := results[w+"/riffq"], results[w+"/postgres"]
		unit := r.Unit
		rs, ps := fmt.Sprintf("%.0f %s", r.Median, unit), fmt.Sprintf("%.0f %s", p.Median, unit)
		if len(r.MBps) > 0 {
			rs += fmt.Sprintf(" (%.1f MB/s)", median(r.MBps))
			ps += fmt.Sprintf(" (%.1f MB/s)", median(p.MBps))
		}
		fmt.Fprintf(&sb, "| %s | %s | %s | %.2f |\n", w, rs, ps, r.Median/p.Median)
	}
	fmt.Print(sb.String())
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	all := make([]*result, 0, len(keys))
	for _, k := range keys {
		all = append(all, results[k])
	}
	doc := map[string]any{"date": time.Now().UTC().Format(time.RFC3339), "narrow_rows": narrow, "wide_rows": wide, "runs": runs, "results": all, "table": sb.String()}
	b, _ := json.MarshalIndent(doc, "", "  ")
	path := filepath.Join(outDir, "wire-"+time.Now().UTC().Format("20060102-150405")+".json")
	slog.Info("report written", "path", path)
	return os.WriteFile(path, b, 0o644)
}
