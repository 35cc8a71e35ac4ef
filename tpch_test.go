package riffq_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/riffq/riffq"
	"github.com/riffq/riffq/internal/tpch"
	"github.com/riffq/riffq/sources"
	"github.com/riffq/riffq/sources/parquet"
)

// TestTPCH runs the 22 TPC-H queries (testdata/tpch/queries.slt) and the
// window and grouping-set workload (analytics.slt) over the generator's
// scale factor 0.01 Parquet files and compares every answer with
// PostgreSQL 15's over the same data.
func TestTPCH(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and queries TPC-H data")
	}
	dir := t.TempDir()
	if err := tpch.Generate(dir, 0.01, nil); err != nil {
		t.Fatal(err)
	}
	tables := make(map[string]sources.TableProvider)
	var opts []riffq.Option
	for _, name := range tpch.Tables {
		p, err := parquet.Open(filepath.Join(dir, name+".parquet"))
		if err != nil {
			t.Fatal(err)
		}
		tables[name] = p
		opts = append(opts, riffq.WithTable(name, p))
	}
	files, err := filepath.Glob(filepath.Join("testdata", "tpch", "*.slt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no TPC-H query files: %v", err)
	}
	var conn *pgx.Conn
	if *update {
		if *pgURL == "" {
			t.Fatal("-update needs -pg URL of a reference PostgreSQL")
		}
		conn = connect(t, *pgURL)
		loadReference(t, conn, tables)
	} else {
		conn = connect(t, startServer(t, opts...))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".slt"), func(t *testing.T) { checkFile(t, conn, file) })
	}
}
