package parquet_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/sources"
	"github.com/riffq/riffq/sources/parquet"
)

// hiveDir writes year=Y/region=R/part.parquet files, 10 rows each.
func hiveDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for i, p := range []string{"year=2023/region=eu", "year=2023/region=us", "year=2024/region=eu", "year=2024/region=__HIVE_DEFAULT_PARTITION__"} {
		sub := filepath.Join(dir, p)
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		writeTestFile(t, filepath.Join(sub, "part.parquet"), int64(i*10), 10, 5)
	}
	return dir
}

func TestHive(t *testing.T) {
	dir := hiveDir(t)
	tbl, err := parquet.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(fieldNames(tbl.Schema()), ","); got != "id,name,score,year,region" {
		t.Fatalf("columns %s", got)
	}
	if tbl.Schema().Field(3).Type.ID() != arrow.INT64 || tbl.Schema().Field(4).Type.ID() != arrow.STRING {
		t.Fatalf("partition types %s", tbl.Schema())
	}
	ctx := context.Background()
	res := scan(t, tbl, ctx, []int{4, 0, 3}, -1)
	if res.err != nil || len(res.rows) != 40 {
		t.Fatalf("rows %d, %v", len(res.rows), res.err)
	}
	byID := make(map[int64][]any)
	for _, r := range res.rows {
		byID[r[1].(int64)] = r
	}
	if r := byID[0]; r[0] != "eu" || r[2] != int64(2023) {
		t.Errorf("id 0: %v", r)
	}
	if r := byID[35]; r[0] != nil || r[2] != int64(2024) {
		t.Errorf("id 35 (default partition): %v", r)
	}
	// Only partition columns: row counts from the footers.
	if res := scan(t, tbl, ctx, []int{3}, -1); res.err != nil || len(res.rows) != 40 {
		t.Errorf("year only: %d rows, %v", len(res.rows), res.err)
	}

	col := func(i int) *expr.Column {
		f := tbl.Schema().Field(i)
		return &expr.Column{Index: i, Name: f.Name, Type: f.Type}
	}
	boolT := arrow.FixedWidthTypes.Boolean
	year2024 := &expr.Binary{Op: expr.Eq, Left: col(3), Right: &expr.Literal{Value: scalar.NewInt64Scalar(2024)}, Type: boolT}
	notEU := &expr.Not{Input: &expr.Binary{Op: expr.Eq, Left: col(4), Right: &expr.Literal{Value: scalar.NewStringScalar("eu")}, Type: boolT}}
	idFilter := &expr.Binary{Op: expr.Gt, Left: col(0), Right: &expr.Literal{Value: scalar.NewInt64Scalar(5)}, Type: boolT}
	// (year = 2024) IS NULL tests a comparison, not a partition value:
	// the engine evaluates it.
	nullCmp := &expr.IsNull{Input: year2024}
	support := tbl.SupportsFilters([]expr.Expr{year2024, notEU, idFilter, nullCmp})
	if support[0] != sources.Exact || support[1] != sources.Exact || support[2] != sources.Inexact || support[3] != sources.Unsupported {
		t.Fatalf("support %v", support)
	}
	for _, tc := range []struct {
		filters []expr.Expr
		want    int
	}{
		{[]expr.Expr{year2024}, 20},
		{[]expr.Expr{notEU}, 10}, // NULL region is not "not eu": NULL
		{[]expr.Expr{year2024, &expr.IsNull{Input: col(4)}}, 10},
	} {
		r, err := tbl.Scan(ctx, sources.ScanRequest{Projection: []int{0, 4}, Filters: tc.filters, Limit: -1})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for r.Next() {
			n += int(r.RecordBatch().NumRows())
		}
		if r.Err() != nil || n != tc.want {
			t.Errorf("filters %v: %d rows (%v), want %d", tc.filters, n, r.Err(), tc.want)
		}
		r.Release()
	}
}

func TestHiveErrors(t *testing.T) {
	dir := hiveDir(t)
	if err := os.MkdirAll(filepath.Join(dir, "year=2025"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, filepath.Join(dir, "year=2025", "x.parquet"), 0, 1, 1)
	if _, err := parquet.Open(dir); err == nil || !strings.Contains(err.Error(), "partition keys") {
		t.Errorf("mixed keys: %v", err)
	}
}
