// Command riffqbench measures riffq against a real PostgreSQL 15 that it
// starts itself on the same data, on the workloads a PostgreSQL server
// lives by besides scans and analytics (issue 7):
//
//   - connect: connect, SELECT 1, close, as fast as possible, with trust
//     authentication, SCRAM-SHA-256 and TLS (a self-signed certificate made
//     at run time);
//   - select1: pgbench running "SELECT 1" with -M simple, extended and
//     prepared at 1, 8, 32 and 128 clients;
//   - pgbench: pgbench's select-only script (-S) on the pgbench tables,
//     riffq serving them with --source pgbench:SCALE and PostgreSQL loaded
//     by pgbench -i -s SCALE;
//   - catalog: bursts of the introspection queries real clients send
//     (testdata/clients/captures), one sequence per client, connection
//     included;
//   - stream: a 10M-row one-column bigint table and the TPC-H lineitem
//     table read whole by pgx, in text (simple protocol) and binary
//     (extended protocol): rows/s, and MB/s of values;
//   - mixed: point lookups on pgbench_accounts, alone and while other
//     clients run TPC-H Q1 over lineitem (the TPC-H one when stream or
//     tpch runs too, a lineitem-like table otherwise) back to back;
//   - tpch: the 22 TPC-H queries at -tpch-sf over Parquet, against
//     PostgreSQL (loaded, keys and foreign-key indexes) and DuckDB (in
//     process, same files): cmd/tpchbench, which this runs (built with
//     -tags duckdb_arrow) and whose table it appends to the report.
//
// Each workload runs on both systems in every repetition, the order
// alternating between repetitions, after a warm-up on the first. The
// report gives medians over the repetitions of the throughput and of the
// p50/p95/p99 latencies, and riffq's advantage: its throughput over
// PostgreSQL's, or PostgreSQL's latency over its own (catalog: p50, mixed:
// p99), so that above 1 riffq is better. It prints a Markdown table and
// writes a JSON report and an SVG chart of the ratios to -out.
//
//	go run ./benchmarks/cmd/riffqbench -runs 3 -duration 5s
//	go run ./benchmarks/cmd/riffqbench -smoke                 # under a minute
//	go run ./benchmarks/cmd/riffqbench -workloads pgbench,mixed -scale 10
//
// Run it from the repository root (it builds ./cmd/riffq unless
// -riffq-bin names a binary, and reads testdata/). Latencies are measured
// by the client around each operation: for select1 and pgbench, whose
// throughput is pgbench's, by a second pass of the same queries in the
// same protocol mode from a Go client (see pgbenchRun for why not
// pgbench's log).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/riffq/riffq/internal/pgtest"
)

// config is the command line.
type config struct {
	workloads       []string
	runs            int
	duration        time.Duration
	warmup          time.Duration
	auth            []string
	connectClients  int
	select1Modes    []string
	select1Clients  []int
	scale           int
	pgbenchModes    []string
	pgbenchClients  int
	catalogClients  int
	captures        string
	sampleDir       string
	lookupClients   int
	analyticClients int
	lineitemRows    int
	narrowRows      int
	tpchSF          float64
	pgbin           string
	riffqBin        string
	out             string
}

// allWorkloads lists the workload groups in the order they run.
var allWorkloads = []string{"connect", "select1", "pgbench", "catalog", "stream", "mixed", "tpch"}

func main() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, nil)))
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "riffqbench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "riffqbench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (*config, error) {
	fs := flag.NewFlagSet("riffqbench", flag.ContinueOnError)
	workloads := fs.String("workloads", strings.Join(allWorkloads, ","), "comma-separated workload groups: "+strings.Join(allWorkloads, ", "))
	runs := fs.Int("runs", 3, "repetitions of each measurement")
	duration := fs.Duration("duration", 5*time.Second, "length of each measurement (pgbench: whole seconds)")
	warmup := fs.Duration("warmup", time.Second, "warm-up of each workload on each system before the first repetition (0: none)")
	auth := fs.String("auth", "trust,scram,tls", "connect: authentication and transport variants")
	connectClients := fs.Int("connect-clients", 4, "connect: concurrent clients")
	modes := fs.String("modes", "simple,extended,prepared", "select1: pgbench -M query modes")
	clients := fs.String("clients", "1,8,32,128", "select1: pgbench client counts")
	scale := fs.Int("scale", 10, "pgbench and mixed: pgbench scale factor (100,000 accounts each)")
	pgbenchModes := fs.String("pgbench-modes", "simple,prepared", "pgbench: pgbench -S query modes")
	pgbenchClients := fs.Int("pgbench-clients", 8, "pgbench: clients")
	catalogClients := fs.Int("catalog-clients", 4, "catalog: concurrent clients replaying a sequence")
	captures := fs.String("captures", filepath.Join("testdata", "clients", "captures", "client-queries.jsonl"), "catalog: captured client queries")
	sample := fs.String("sample", filepath.Join("testdata", "sample"), "catalog: directory of the sample tables the captures were taken with")
	lookupClients := fs.Int("lookup-clients", 8, "mixed: point-lookup clients")
	analyticClients := fs.Int("analytic-clients", 1, "mixed: clients running the analytic query")
	lineitemRows := fs.Int("lineitem-rows", 2_000_000, "mixed: rows of the lineitem-like table (when neither stream nor tpch runs)")
	narrowRows := fs.Int("narrow-rows", 10_000_000, "stream: rows of the one-column bigint table")
	tpchSF := fs.Float64("tpch-sf", 1, "stream and tpch: TPC-H scale factor (data generated once into benchmarks/results/tpch-sf<SF>)")
	pgbin := fs.String("pgbin", pgtest.DefaultBin, "PostgreSQL 15 binaries (postgres, initdb, pg_ctl, pgbench)")
	riffqBin := fs.String("riffq-bin", "", "riffq binary to run (default: go build ./cmd/riffq)")
	out := fs.String("out", filepath.Join("benchmarks", "results"), "directory for the JSON report and the SVG chart")
	smoke := fs.Bool("smoke", false, "a quick check that everything runs (under a minute): 1 run of 1s, no warm-up, scale 1, 100,000 line items, select1 at 8 clients only; flags given explicitly win")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *smoke {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for name, v := range map[string]string{"runs": "1", "duration": "1s", "warmup": "0", "scale": "1",
			"lineitem-rows": "100000", "clients": "8", "narrow-rows": "100000", "tpch-sf": "0.01"} {
			if !set[name] {
				if err := fs.Set(name, v); err != nil {
					return nil, err
				}
			}
		}
	}
	cfg := &config{
		runs: *runs, duration: *duration, warmup: *warmup, connectClients: *connectClients, scale: *scale,
		pgbenchClients: *pgbenchClients, catalogClients: *catalogClients, captures: *captures, sampleDir: *sample,
		lookupClients: *lookupClients, analyticClients: *analyticClients, lineitemRows: *lineitemRows,
		narrowRows: *narrowRows, tpchSF: *tpchSF,
		pgbin: *pgbin, riffqBin: *riffqBin, out: *out,
		workloads: list(*workloads), auth: list(*auth), select1Modes: list(*modes), pgbenchModes: list(*pgbenchModes),
	}
	for _, w := range cfg.workloads {
		if !slices.Contains(allWorkloads, w) {
			return nil, fmt.Errorf("-workloads: unknown workload %q (want %s)", w, strings.Join(allWorkloads, ", "))
		}
	}
	for _, a := range cfg.auth {
		if a != "trust" && a != "scram" && a != "tls" {
			return nil, fmt.Errorf("-auth: unknown variant %q (want trust, scram, tls)", a)
		}
	}
	for _, m := range append(slices.Clone(cfg.select1Modes), cfg.pgbenchModes...) {
		if m != "simple" && m != "extended" && m != "prepared" {
			return nil, fmt.Errorf("unknown query mode %q (want simple, extended, prepared)", m)
		}
	}
	for _, c := range list(*clients) {
		n, err := strconv.Atoi(c)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-clients: %q is not a client count", c)
		}
		cfg.select1Clients = append(cfg.select1Clients, n)
	}
	switch {
	case cfg.runs < 1:
		return nil, fmt.Errorf("-runs %d: want at least 1", cfg.runs)
	case cfg.duration <= 0:
		return nil, fmt.Errorf("-duration %s: want a positive duration", cfg.duration)
	case cfg.scale < 1:
		return nil, fmt.Errorf("-scale %d: want at least 1", cfg.scale)
	case cfg.tpchSF <= 0 || cfg.narrowRows < 1:
		return nil, fmt.Errorf("-tpch-sf and -narrow-rows must be positive")
	case cfg.connectClients < 1 || cfg.pgbenchClients < 1 || cfg.catalogClients < 1 || cfg.lookupClients < 1 || cfg.analyticClients < 1:
		return nil, fmt.Errorf("client counts must be at least 1")
	}
	if cfg.riffqBin != "" {
		abs, err := filepath.Abs(cfg.riffqBin)
		if err != nil {
			return nil, err
		}
		cfg.riffqBin = abs
	}
	return cfg, nil
}

// list splits a comma-separated flag, dropping empty items.
func list(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (c *config) has(group string) bool { return slices.Contains(c.workloads, group) }

func run(ctx context.Context, cfg *config) error {
	n := needs{}
	if cfg.has("pgbench") || cfg.has("mixed") {
		n.pgbenchScale = cfg.scale
	}
	if cfg.has("stream") || cfg.has("tpch") {
		n.tpchDir = tpchDir(cfg.tpchSF)
	}
	if cfg.has("stream") {
		n.narrow = cfg.narrowRows
		n.tpchLineitem = true
	}
	if cfg.has("mixed") {
		if n.tpchDir != "" {
			n.tpchLineitem = true
		} else {
			n.lineitem = cfg.lineitemRows
		}
	}
	if cfg.has("catalog") {
		n.sample = true
	}
	if cfg.has("connect") {
		n.tls = slices.Contains(cfg.auth, "tls")
		n.scram = slices.Contains(cfg.auth, "scram")
	}
	var seqs []sequence
	if cfg.has("catalog") {
		var err error
		if seqs, err = loadSequences(cfg.captures); err != nil {
			return err
		}
	}
	e, err := setup(ctx, cfg, n)
	if err != nil {
		return err
	}
	defer e.close()
	systems := []*system{e.riffq, e.postgres}

	pgbenchBin := filepath.Join(cfg.pgbin, "pgbench")
	var workloads []workload
	for _, g := range allWorkloads {
		if !cfg.has(g) {
			continue
		}
		switch g {
		case "connect":
			for _, a := range cfg.auth {
				workloads = append(workloads, connectWorkload(a, cfg.connectClients))
			}
		case "select1":
			for _, m := range cfg.select1Modes {
				for _, c := range cfg.select1Clients {
					w, err := select1Workload(pgbenchBin, e.dir, m, c)
					if err != nil {
						return err
					}
					workloads = append(workloads, w)
				}
			}
		case "pgbench":
			for _, m := range cfg.pgbenchModes {
				workloads = append(workloads, selectOnlyWorkload(pgbenchBin, m, cfg.pgbenchClients, int32(cfg.scale*100_000)))
			}
		case "catalog":
			common, err := keepCommon(ctx, seqs, systems)
			if err != nil {
				return fmt.Errorf("catalog: %w", err)
			}
			for _, s := range common {
				slog.Info("catalog sequence", "client", s.name, "queries", len(s.queries), "captured", s.captured)
				workloads = append(workloads, catalogWorkload(s, cfg.catalogClients))
			}
		case "stream":
			for _, t := range []struct{ name, sql string }{
				{fmt.Sprintf("%d-row bigint column", cfg.narrowRows), "SELECT n FROM narrow"},
				{fmt.Sprintf("TPC-H SF%s lineitem", sfName(cfg.tpchSF)), "SELECT * FROM lineitem"},
			} {
				for _, binary := range []bool{false, true} {
					workloads = append(workloads, streamWorkload(t.name, t.sql, binary))
				}
			}
		case "mixed":
			accounts := int32(cfg.scale * 100_000)
			workloads = append(workloads,
				mixedWorkload(accounts, cfg.lookupClients, cfg.analyticClients, false),
				mixedWorkload(accounts, cfg.lookupClients, cfg.analyticClients, true))
		}
	}

	rep := &report{
		Date: time.Now().UTC().Format(time.RFC3339), Machine: machine(), GoVersion: runtime.Version(),
		Postgres: e.pgVer, Settings: settings(cfg),
	}
	total := len(workloads) * len(systems) * cfg.runs
	done := 0
	for r := range cfg.runs {
		order := systems
		if r%2 == 1 {
			order = []*system{systems[1], systems[0]}
		}
		for _, w := range workloads {
			for _, s := range order {
				if err := ctx.Err(); err != nil {
					return err
				}
				if r == 0 && cfg.warmup > 0 {
					if _, err := w.run(ctx, s, cfg.warmup); err != nil {
						slog.Warn("warm-up failed", "workload", w.name, "system", s.name, "err", firstLine(err.Error()))
					}
				}
				res, err := w.run(ctx, s, cfg.duration)
				done++
				if err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					slog.Warn("measurement failed", "run", r+1, "workload", w.name, "system", s.name, "err", err)
				} else {
					slog.Info("measured", "progress", fmt.Sprintf("%d/%d", done, total), "run", r+1, "workload", w.name,
						"system", s.name, "rate", fmt.Sprintf("%.0f %s", res.Rate, w.unit),
						"p50_ms", ms(res.P50), "p99_ms", ms(res.P99), "errors", res.Errors)
				}
				rep.record(w, s.name, res, err)
			}
		}
	}
	var tpchTable string
	if cfg.has("tpch") {
		// Its own servers and DuckDB: stop this run's first.
		e.close()
		var err error
		if tpchTable, err = runTPCH(ctx, cfg, n.tpchDir, rep); err != nil {
			return fmt.Errorf("tpch: %w", err)
		}
	}
	rep.finish()
	var table strings.Builder
	rep.writeTable(&table)
	if tpchTable != "" {
		table.WriteString("\n" + tpchTable)
	}
	rep.Table = table.String()
	fmt.Print(rep.Table)
	jsonPath, svgPath, err := rep.write(cfg.out)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	slog.Info("report written", "json", jsonPath, "svg", svgPath)
	return nil
}

// settings records the run's parameters in the report.
func settings(cfg *config) map[string]string {
	ints := func(v []int) string {
		s := make([]string, len(v))
		for i, n := range v {
			s[i] = strconv.Itoa(n)
		}
		return strings.Join(s, ",")
	}
	return map[string]string{
		"workloads": strings.Join(cfg.workloads, ","), "runs": strconv.Itoa(cfg.runs),
		"duration": cfg.duration.String(), "warmup": cfg.warmup.String(), "auth": strings.Join(cfg.auth, ","),
		"connect_clients": strconv.Itoa(cfg.connectClients), "modes": strings.Join(cfg.select1Modes, ","),
		"clients": ints(cfg.select1Clients), "scale": strconv.Itoa(cfg.scale),
		"pgbench_modes": strings.Join(cfg.pgbenchModes, ","), "pgbench_clients": strconv.Itoa(cfg.pgbenchClients),
		"catalog_clients": strconv.Itoa(cfg.catalogClients), "lookup_clients": strconv.Itoa(cfg.lookupClients),
		"analytic_clients": strconv.Itoa(cfg.analyticClients), "lineitem_rows": strconv.Itoa(cfg.lineitemRows),
		"narrow_rows": strconv.Itoa(cfg.narrowRows), "tpch_sf": sfName(cfg.tpchSF),
	}
}

// machine describes the host: CPUs, their model and memory.
func machine() string {
	desc := fmt.Sprintf("%d CPUs", runtime.NumCPU())
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				desc += " (" + strings.TrimSpace(v) + ")"
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				if kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64); err == nil {
					desc += fmt.Sprintf(", %.0f GiB", float64(kb)/(1<<20))
				}
			}
		}
	}
	return desc + ", client and servers on the same host"
}
