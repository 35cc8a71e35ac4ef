package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/riffq/riffq/internal/tpch"
)

// sfName prints a scale factor as the data directories name it.
func sfName(sf float64) string { return strconv.FormatFloat(sf, 'f', -1, 64) }

// tpchDir is where the TPC-H Parquet files of scale factor sf live, the
// directory cmd/tpchbench uses too, so that both generate them once.
func tpchDir(sf float64) string {
	return filepath.Join("benchmarks", "results", "tpch-sf"+sfName(sf))
}

// ensureTPCH generates the TPC-H tables into dir unless they are there.
func ensureTPCH(dir string, sf float64) error {
	if _, err := os.Stat(filepath.Join(dir, "lineitem.parquet")); err == nil {
		return nil
	}
	slog.Info("generating TPC-H data", "sf", sf, "dir", dir)
	if err := tpch.Generate(dir, sf, slog.Default()); err != nil {
		return fmt.Errorf("generate TPC-H: %w", err)
	}
	return nil
}

// tpchMeasurement is a query's line of cmd/tpchbench's JSON report.
type tpchMeasurement struct {
	Query   string               `json:"query"`
	Seconds map[string][]float64 `json:"seconds"`
	Errors  map[string]string    `json:"errors"`
}

// runTPCH runs cmd/tpchbench (riffq, DuckDB and PostgreSQL, each query
// once unmeasured unless -warmup is 0, then cfg.runs times) on the data in
// dir, adds a row per query to rep
// (riffq's advantage: PostgreSQL's time over riffq's, DuckDB's time in
// the row's systems) and returns tpchbench's own table, which has the
// DuckDB ratios and the geometric means.
func runTPCH(ctx context.Context, cfg *config, dir string, rep *report) (string, error) {
	out, err := os.MkdirTemp("", "riffqbench-tpch-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(out)
	slog.Info("running TPC-H", "sf", cfg.tpchSF, "runs", cfg.runs)
	warmup := "1"
	if cfg.warmup == 0 {
		warmup = "0"
	}
	cmd := exec.CommandContext(ctx, "go", "run", "-tags", "duckdb_arrow", "./benchmarks/cmd/tpchbench",
		"-sf", sfName(cfg.tpchSF), "-runs", strconv.Itoa(cfg.runs), "-warmup", warmup, "-data", dir, "-out", out, "-pgbin", cfg.pgbin)
	var table bytes.Buffer
	cmd.Stdout = io.MultiWriter(&table, os.Stderr)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("cmd/tpchbench: %w", err)
	}
	files, err := filepath.Glob(filepath.Join(out, "*.json"))
	if err != nil || len(files) != 1 {
		return "", fmt.Errorf("cmd/tpchbench wrote %d reports", len(files))
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		return "", err
	}
	var ms []tpchMeasurement
	if err := json.Unmarshal(data, &ms); err != nil {
		return "", fmt.Errorf("read cmd/tpchbench's report: %w", err)
	}
	for _, m := range ms {
		w := workload{group: "tpch", name: fmt.Sprintf("TPC-H SF%s %s", sfName(cfg.tpchSF), m.Query), unit: "queries/s", metric: byP50}
		for _, system := range []string{"riffq", "postgres", "duckdb"} {
			if e, failed := m.Errors[system]; failed {
				rep.record(w, system, result{}, fmt.Errorf("%s", e))
				continue
			}
			for _, s := range m.Seconds[system] {
				rep.record(w, system, result{Ops: 1, Seconds: s, Rate: 1 / s, P50: s * 1000, P95: s * 1000, P99: s * 1000}, nil)
			}
		}
	}
	return strings.TrimSpace(table.String()) + "\n", nil
}
