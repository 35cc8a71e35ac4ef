package parquet_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/sources"
	"github.com/riffq/riffq/sources/parquet"
)

// writeKeys writes rows i = 0..n-1 with k = i/2 + shift (each key twice,
// NULL every 97th row) and v = i, in row groups of 3000 rows.
func writeKeys(t *testing.T, path string, n int, shift int64) {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "v", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := range n {
		if i%97 == 0 {
			b.Field(0).AppendNull()
		} else {
			b.Field(0).(*array.Int64Builder).Append(int64(i/2) + shift)
		}
		b.Field(1).(*array.Int64Builder).Append(int64(i))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	writeRecord(t, path, rec, 3000)
}

// lookup scans tbl for k = key and returns the v of every row the scan
// returned, and of those whose k is key.
func lookup(t *testing.T, tbl *parquet.Table, key int64) (returned int, matches []int64) {
	t.Helper()
	k := &expr.Column{Index: 0, Name: "k", Type: arrow.PrimitiveTypes.Int64}
	f := &expr.Binary{Op: expr.Eq, Left: k, Right: &expr.Literal{Value: scalar.NewInt64Scalar(key)}, Type: arrow.FixedWidthTypes.Boolean}
	rdr, err := tbl.Scan(context.Background(), sources.ScanRequest{Filters: []expr.Expr{f}, Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	for rdr.Next() {
		b := rdr.RecordBatch()
		ks, vs := b.Column(0).(*array.Int64), b.Column(1).(*array.Int64)
		for i := range int(b.NumRows()) {
			returned++
			if ks.IsValid(i) && ks.Value(i) == key {
				matches = append(matches, vs.Value(i))
			}
		}
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	return returned, matches
}

// TestLookupCache checks equality lookups through the chunk cache: the
// same rows as the file holds on every lookup, only the matching ones
// once the column has its index, a file rewritten afterwards read afresh,
// full scans cached when they fit in half the cache and left out when not,
// and the cache's bound kept.
func TestLookupCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.parquet")
	const n = 12000 // four row groups
	writeKeys(t, path, n, 0)
	tbl, err := parquet.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []int64{0, 1, 700, 701, 5999, 4242, 4242, 4242, 48, 99999} {
		var want []int64
		for i := range n {
			if i%97 != 0 && int64(i/2) == key {
				want = append(want, int64(i))
			}
		}
		returned, got := lookup(t, tbl, key)
		if !slices.Equal(got, want) {
			t.Fatalf("k = %d: rows %v, want %v", key, got, want)
		}
		if returned < len(want) {
			t.Fatalf("k = %d: %d rows returned, fewer than the %d matches", key, returned, len(want))
		}
	}
	// 4242's row group was looked up three times: it has an index now,
	// and the scan returns just the matches.
	if returned, got := lookup(t, tbl, 4243); returned != len(got) || len(got) != 2 {
		t.Errorf("indexed lookup returned %d rows for %d matches, want 2 and 2", returned, len(got))
	}
	if parquet.CachedChunks(tbl) == 0 {
		t.Fatal("lookups cached nothing")
	}

	// The first full scan leaves the cache alone, the second fills it
	// with every row group's columns, and the third reads the same rows
	// from it.
	tbl.SetCache(parquet.NewCache(parquet.DefaultCacheBytes))
	first := scan(t, tbl, context.Background(), nil, -1)
	if first.err != nil || len(first.rows) != n {
		t.Fatalf("full scan: %d rows, %v", len(first.rows), first.err)
	}
	if got := parquet.CachedChunks(tbl); got != 0 {
		t.Errorf("after the first full scan the cache holds %d chunks, want 0", got)
	}
	for i := range 2 {
		again := scan(t, tbl, context.Background(), nil, -1)
		if again.err != nil || !reflect.DeepEqual(again.rows, first.rows) {
			t.Errorf("full scan %d: %d rows (%v), differ from the first scan's", i+2, len(again.rows), again.err)
		}
		if got := parquet.CachedChunks(tbl); got != 8 {
			t.Errorf("after full scan %d the cache holds %d chunks, want 8 (4 row groups, 2 columns)", i+2, got)
		}
	}

	// A scan larger than half the cache leaves it alone.
	tbl.SetCache(parquet.NewCache(200_000)) // a full scan decodes about 192 kB
	for range 2 {
		if res := scan(t, tbl, context.Background(), nil, -1); res.err != nil || len(res.rows) != n {
			t.Fatalf("full scan: %d rows, %v", len(res.rows), res.err)
		}
	}
	if got := parquet.CachedChunks(tbl); got != 0 {
		t.Errorf("a full scan over half the cache cached %d chunks", got)
	}
	tbl.SetCache(parquet.NewCache(parquet.DefaultCacheBytes))

	// The file changes: lookups see the new rows.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	writeKeys(t, path, n+6000, 1000)
	if _, got := lookup(t, tbl, 4243); !slices.Equal(got, []int64{6486, 6487}) {
		t.Errorf("after the rewrite, k = 4243 in rows %v, want [6486 6487]", got)
	}

	// A small bound evicts.
	tbl.SetCache(parquet.NewCache(40_000)) // room for about one row group's column
	for _, key := range []int64{10, 2000, 4000, 5500, 10, 2000} {
		lookup(t, tbl, key)
		if used := parquet.CacheBytes(tbl); used > 40_000 {
			t.Fatalf("cache holds %d bytes, over its bound of 40000", used)
		}
	}
	tbl.SetCache(nil)
	if _, got := lookup(t, tbl, 2000); len(got) != 2 {
		t.Errorf("uncached lookup: rows %v, want 2", got)
	}
}

// TestColumnStatistics checks the statistics read from the footers: row
// count, bounds over row groups and files, null counts, and a column one
// file lacks counted as NULL there.
func TestColumnStatistics(t *testing.T) {
	dir := t.TempDir()
	writeKeys(t, filepath.Join(dir, "a.parquet"), 12000, 0) // k 1..5999 (row 0 NULL), v 0..11999
	schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{-5, 20000}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	writeRecord(t, filepath.Join(dir, "b.parquet"), rec, 10)
	tbl, err := parquet.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := tbl.Statistics()
	if s.RowCount != 12002 {
		t.Fatalf("%d rows, want 12002", s.RowCount)
	}
	k, v := s.Column(0), s.Column(1)
	nullK := int64(12000/97+1) + 2 // every 97th row of a.parquet, and b.parquet's rows
	if k.Min.String() != "0" || k.Max.String() != "5999" || k.NullCount != nullK {
		t.Errorf("k: %v..%v, %d nulls; want 0..5999, %d", k.Min, k.Max, k.NullCount, nullK)
	}
	if v.Min.String() != "-5" || v.Max.String() != "20000" || v.NullCount != 0 {
		t.Errorf("v: %v..%v, %d nulls; want -5..20000, 0", v.Min, v.Max, v.NullCount)
	}
}
