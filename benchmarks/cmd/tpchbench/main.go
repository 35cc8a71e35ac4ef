// Command tpchbench runs the 22 TPC-H queries (testdata/tpch/queries.slt)
// over the same generated data in riffq (over Parquet), DuckDB (over the
// same Parquet files, in process) and PostgreSQL 15 (the data loaded, with
// primary keys and indexes on the foreign keys, analyzed), in one run:
//
//	go run -tags duckdb_arrow ./benchmarks/cmd/tpchbench -sf 1 -runs 3
//
// With -file testdata/tpch/analytics.slt it runs the window-function and
// grouping-set workload over the same tables instead.
//
// After one unmeasured warm-up run of every query on every system (-warmup),
// systems alternate query by query within each run. The report gives each
// query's median time per system, the riffq/DuckDB and riffq/PostgreSQL
// ratios, their geometric means, and riffq's peak resident memory during
// the query (the server's VmHWM, reset before each query). riffq and
// PostgreSQL answer over the wire (pgx, simple protocol, every value read);
// DuckDB answers through database/sql in process.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/riffq/riffq/internal/pgload"
	"github.com/riffq/riffq/internal/pgtest"
	"github.com/riffq/riffq/internal/sqllogic"
	"github.com/riffq/riffq/internal/tpch"
	"github.com/riffq/riffq/sources/parquet"
)

// query is one TPC-H query: its statements (Q15 has three).
type query struct {
	name  string
	stmts []string
}

// system runs a query and returns the rows it read.
type system struct {
	name string
	run  func(ctx context.Context, q query) (int, error)
	// peak returns the peak memory in bytes since the last reset, if the
	// system can tell.
	peak  func() (int64, bool)
	reset func()
	close func()
}

type measurement struct {
	Query   string               `json:"query"`
	Seconds map[string][]float64 `json:"seconds"` // by system, one per run
	PeakMB  []float64            `json:"riffq_peak_mb"`
	Errors  map[string]string    `json:"errors,omitempty"`
}

func main() {
	sf := flag.Float64("sf", 1, "scale factor")
	runs := flag.Int("runs", 3, "repetitions of each query per system")
	warmup := flag.Int("warmup", 1, "unmeasured runs of each query per system first")
	dataDir := flag.String("data", "", "directory of the generated Parquet files (default benchmarks/results/tpch-sf<SF>; generated when missing)")
	systemsFlag := flag.String("systems", "riffq,duckdb,postgres", "systems to measure")
	only := flag.String("queries", "", "comma-separated queries to run, by number (3) or name (W2) (default all)")
	file := flag.String("file", filepath.Join("testdata", "tpch", "queries.slt"), "the queries: the 22 TPC-H ones, or testdata/tpch/analytics.slt (windows and grouping sets)")
	timeout := flag.Duration("timeout", 10*time.Minute, "limit per query execution")
	pgbin := flag.String("pgbin", pgtest.DefaultBin, "PostgreSQL 15 binaries")
	out := flag.String("out", "benchmarks/results", "directory for the JSON report")
	riffqFlags := flag.String("riffq-flags", "", "more flags for the riffq server, space-separated (\"--cache-size 0\" to decode every scan afresh)")
	flag.Parse()
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if *dataDir == "" {
		*dataDir = filepath.Join("benchmarks", "results", "tpch-sf"+strconv.FormatFloat(*sf, 'f', -1, 64))
	}
	if err := run(*sf, *runs, *warmup, *dataDir, strings.Split(*systemsFlag, ","), *file, *only, *timeout, *pgbin, *out, strings.Fields(*riffqFlags)); err != nil {
		fmt.Fprintln(os.Stderr, "tpchbench:", err)
		os.Exit(1)
	}
}

func run(sf float64, runs, warmup int, dataDir string, names []string, file, only string, timeout time.Duration, pgbin, outDir string, riffqFlags []string) error {
	ctx := context.Background()
	queries, err := loadQueries(file, only)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dataDir, "lineitem.parquet")); err != nil {
		slog.Info("generating TPC-H data", "sf", sf, "dir", dataDir)
		if err := tpch.Generate(dataDir, sf, slog.Default()); err != nil {
			return err
		}
	}
	var systems []*system
	defer func() {
		for _, s := range systems {
			s.close()
		}
	}()
	for _, name := range names {
		var s *system
		switch name {
		case "riffq":
			s, err = startRiffq(ctx, dataDir, riffqFlags)
		case "duckdb":
			s, err = openDuckDB(ctx, dataDir)
		case "postgres":
			s, err = startPostgres(ctx, pgbin, dataDir)
		default:
			err = fmt.Errorf("unknown system %q", name)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		systems = append(systems, s)
	}

	results := make([]*measurement, len(queries))
	for i, q := range queries {
		results[i] = &measurement{Query: q.name, Seconds: map[string][]float64{}, Errors: map[string]string{}}
	}
	// Warm-up runs fill caches (the page cache, PostgreSQL's buffers,
	// riffq's and DuckDB's file metadata); a failure shows again below.
	for r := range warmup {
		for _, q := range queries {
			for _, s := range systems {
				qctx, cancel := context.WithTimeout(ctx, timeout)
				_, err := s.run(qctx, q)
				cancel()
				slog.Info("warm-up", "run", r+1, "query", q.name, "system", s.name, "err", err)
			}
		}
	}
	for r := range runs {
		for i, q := range queries {
			m := results[i]
			for _, s := range systems {
				if _, failed := m.Errors[s.name]; failed {
					continue
				}
				s.reset()
				qctx, cancel := context.WithTimeout(ctx, timeout)
				start := time.Now()
				rows, err := s.run(qctx, q)
				took := time.Since(start).Seconds()
				cancel()
				if err != nil {
					slog.Warn("query failed", "query", q.name, "system", s.name, "err", err)
					m.Errors[s.name] = err.Error()
					continue
				}
				m.Seconds[s.name] = append(m.Seconds[s.name], took)
				if p, ok := s.peak(); ok && s.name == "riffq" {
					m.PeakMB = append(m.PeakMB, float64(p)/(1<<20))
				}
				slog.Info("ran", "run", r+1, "query", q.name, "system", s.name, "rows", rows, "seconds", fmt.Sprintf("%.3f", took))
			}
		}
	}
	report(os.Stdout, sf, runs, names, results)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return err
	}
	workload := strings.TrimSuffix(filepath.Base(file), ".slt")
	path := filepath.Join(outDir, fmt.Sprintf("tpch-sf%s-%s-%s.json", strconv.FormatFloat(sf, 'f', -1, 64), workload, time.Now().UTC().Format("20060102-150405")))
	slog.Info("wrote report", "path", path)
	return os.WriteFile(path, data, 0o644)
}

// loadQueries groups the records of the .slt file by their "# Qn" comment.
func loadQueries(path, only string) ([]query, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	recs, err := sqllogic.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, n := range strings.Split(only, ",") {
		if n = strings.TrimSpace(n); n != "" {
			want[n] = true
			want["Q"+n] = true
		}
	}
	var qs []query
	for _, rec := range recs {
		name := ""
		for _, c := range rec.Comments {
			// "# Q1: ..." or "# W2: ..." names the query that follows.
			if f := strings.Fields(strings.TrimPrefix(c, "#")); len(f) > 0 && strings.HasSuffix(f[0], ":") {
				name = strings.TrimSuffix(f[0], ":")
			}
		}
		switch {
		case name != "":
			qs = append(qs, query{name: name, stmts: []string{rec.SQL}})
		case len(qs) > 0:
			qs[len(qs)-1].stmts = append(qs[len(qs)-1].stmts, rec.SQL)
		}
	}
	if len(want) > 0 {
		qs = slices.DeleteFunc(qs, func(q query) bool { return !want[q.name] })
	}
	if len(qs) == 0 {
		return nil, errors.New("no queries selected")
	}
	return qs, nil
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// pgxSystem runs queries through one pgx connection, reading every value.
func pgxSystem(ctx context.Context, name, url string, pid func() int, closeFn func()) (*system, error) {
	var conn *pgx.Conn
	var err error
	for range 100 {
		if conn, err = pgx.Connect(ctx, url); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return nil, err
	}
	s := &system{name: name, close: func() { conn.Close(context.Background()); closeFn() }}
	s.run = func(ctx context.Context, q query) (int, error) {
		n := 0
		for _, stmt := range q.stmts {
			rows, err := conn.Query(ctx, stmt, pgx.QueryExecModeSimpleProtocol)
			if err != nil {
				return 0, err
			}
			for rows.Next() {
				_ = rows.RawValues()
				n++
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return 0, err
			}
		}
		return n, nil
	}
	s.reset = func() { clearPeak(pid()) }
	s.peak = func() (int64, bool) { return peakRSS(pid()) }
	return s, nil
}

// startRiffq builds riffq and serves the Parquet directory from a process
// of its own, so its memory can be read; flags go to the server.
func startRiffq(ctx context.Context, dataDir string, flags []string) (*system, error) {
	dir, err := os.MkdirTemp("", "riffq-tpchbench-")
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, "riffq")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/riffq").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build riffq: %v\n%s", err, out)
	}
	port := freePort()
	args := append([]string{"--listen", fmt.Sprintf("127.0.0.1:%d", port), "--source", "parquet:" + dataDir, "--log-level", "warn"}, flags...)
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		os.RemoveAll(dir)
	}
	s, err := pgxSystem(ctx, "riffq", fmt.Sprintf("postgres://bench@127.0.0.1:%d/bench?sslmode=disable", port),
		func() int { return cmd.Process.Pid }, stop)
	if err != nil {
		stop()
		return nil, err
	}
	return s, nil
}

// startPostgres starts PostgreSQL 15 and loads the tables with their
// primary keys.
func startPostgres(ctx context.Context, pgbin, dataDir string) (*system, error) {
	pg, err := pgtest.Start(ctx, pgbin, freePort())
	if err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, pg.URL())
	if err != nil {
		pg.Stop()
		return nil, err
	}
	defer conn.Close(ctx)
	keys := map[string]string{
		"region": "r_regionkey", "nation": "n_nationkey", "supplier": "s_suppkey", "part": "p_partkey",
		"partsupp": "ps_partkey, ps_suppkey", "customer": "c_custkey", "orders": "o_orderkey", "lineitem": "l_orderkey, l_linenumber",
	}
	for _, name := range tpch.Tables {
		p, err := parquet.Open(filepath.Join(dataDir, name+".parquet"))
		if err != nil {
			pg.Stop()
			return nil, err
		}
		slog.Info("loading PostgreSQL", "table", name)
		if _, err := pgload.CopyTable(ctx, conn, name, p); err != nil {
			pg.Stop()
			return nil, err
		}
		if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER TABLE %s ADD PRIMARY KEY (%s)", name, keys[name])); err != nil {
			pg.Stop()
			return nil, err
		}
	}
	// Indexes on the foreign keys, as TPC-H setups for PostgreSQL have
	// them: without one on l_partkey, Q17 and Q20 run their correlated
	// subqueries as a full scan of lineitem per part.
	for _, ix := range []string{"lineitem (l_partkey, l_suppkey)", "lineitem (l_suppkey)", "orders (o_custkey)",
		"partsupp (ps_suppkey)", "customer (c_nationkey)", "supplier (s_nationkey)", "nation (n_regionkey)"} {
		if _, err := conn.Exec(ctx, "CREATE INDEX ON "+ix); err != nil {
			pg.Stop()
			return nil, err
		}
	}
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		pg.Stop()
		return nil, err
	}
	// PostgreSQL's memory is spread over its backend, parallel workers and
	// shared buffers; only riffq's peak is reported.
	s, err := pgxSystem(ctx, "postgres", pg.URL(), func() int { return 0 }, pg.Stop)
	if err != nil {
		pg.Stop()
		return nil, err
	}
	return s, nil
}

// clearPeak resets a process's peak resident set size (VmHWM).
func clearPeak(pid int) {
	if pid > 0 {
		os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
	}
}

// peakRSS reads a process's peak resident set size since the last reset.
func peakRSS(pid int) (int64, bool) {
	if pid <= 0 {
		return 0, false
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// report prints a Markdown table of medians and ratios.
func report(w *os.File, sf float64, runs int, names []string, results []*measurement) {
	fmt.Fprintf(w, "TPC-H SF %g, median of %d runs (seconds)\n\n", sf, runs)
	hdr := "| query |"
	sep := "|---|"
	for _, n := range names {
		hdr += " " + n + " |"
		sep += "---:|"
	}
	ratios := []string{}
	for _, n := range names[1:] {
		if names[0] == "riffq" {
			ratios = append(ratios, n)
			hdr += " riffq/" + n + " |"
			sep += "---:|"
		}
	}
	hdr += " riffq peak MB |"
	sep += "---:|"
	fmt.Fprintln(w, hdr)
	fmt.Fprintln(w, sep)
	logSum := map[string]float64{}
	logN := map[string]int{}
	for _, m := range results {
		line := "| " + m.Query + " |"
		for _, n := range names {
			if e, ok := m.Errors[n]; ok {
				line += " error: " + strings.SplitN(e, "\n", 2)[0] + " |"
				continue
			}
			line += fmt.Sprintf(" %.3f |", median(m.Seconds[n]))
		}
		for _, n := range ratios {
			a, b := median(m.Seconds["riffq"]), median(m.Seconds[n])
			if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
				line += " - |"
				continue
			}
			line += fmt.Sprintf(" %.2f |", a/b)
			logSum[n] += math.Log(a / b)
			logN[n]++
		}
		line += fmt.Sprintf(" %.0f |", median(m.PeakMB))
		fmt.Fprintln(w, line)
	}
	for _, n := range ratios {
		if logN[n] > 0 {
			fmt.Fprintf(w, "\ngeomean riffq/%s over %d queries: %.2f\n", n, logN[n], math.Exp(logSum[n]/float64(logN[n])))
		}
	}
}
