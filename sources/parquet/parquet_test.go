package parquet_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/sources"
	"github.com/riffq/riffq/sources/parquet"
)

var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
}, nil)

// testRow is the row with the given id that writeTestFile writes: the name is
// NULL when id%4 == 3 and the score is NULL when id%5 == 2.
func testRow(id int64) []any {
	row := []any{id, "name" + string(rune('a'+id%26)), float64(id) + 0.25}
	if id%4 == 3 {
		row[1] = nil
	}
	if id%5 == 2 {
		row[2] = nil
	}
	return row
}

func testRows(from, n int64) [][]any {
	var rows [][]any
	for id := from; id < from+n; id++ {
		rows = append(rows, testRow(id))
	}
	return rows
}

// writeTestFile writes rows with ids from .. from+n-1 to path, in row groups of
// at most rowGroup rows, and returns the file's number of row groups.
func writeTestFile(t *testing.T, path string, from, n, rowGroup int64) int {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, testSchema)
	defer b.Release()
	for _, row := range testRows(from, n) {
		b.Field(0).(*array.Int64Builder).Append(row[0].(int64))
		if row[1] == nil {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append(row[1].(string))
		}
		if row[2] == nil {
			b.Field(2).AppendNull()
		} else {
			b.Field(2).(*array.Float64Builder).Append(row[2].(float64))
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	writeRecord(t, path, rec, rowGroup)
	return rowGroups(t, path)
}

func writeRecord(t testing.TB, path string, rec arrow.RecordBatch, rowGroup int64) {
	t.Helper()
	writeRecordWith(t, path, rec, pq.NewWriterProperties(pq.WithMaxRowGroupLength(rowGroup)))
}

// writeRecordWith writes rec to a new Parquet file at path with props.
func writeRecordWith(t testing.TB, path string, rec arrow.RecordBatch, props *pq.WriterProperties) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(rec.Schema(), f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil { // closes f too
		t.Fatal(err)
	}
}

func rowGroups(t *testing.T, path string) int {
	t.Helper()
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	return pf.NumRowGroups()
}

// value returns the Go value of a[i], nil for NULL; struct values are
// []any of their fields and lists []any of their elements.
func value(t *testing.T, a arrow.Array, i int) any {
	t.Helper()
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.Int64:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case array.ExtensionArray: // json text of a nested column
		return a.ValueStr(i)
	case *array.List:
		start, end := a.ValueOffsets(i)
		out := []any{}
		for j := start; j < end; j++ {
			out = append(out, value(t, a.ListValues(), int(j)))
		}
		return out
	}
	t.Fatalf("unexpected array type %s", a.DataType())
	return nil
}

type result struct {
	schema  *arrow.Schema
	rows    [][]any
	batches []int64
	err     error
}

func scan(t *testing.T, tbl sources.TableProvider, ctx context.Context, projection []int, limit int64) result {
	t.Helper()
	rdr, err := tbl.Scan(ctx, sources.ScanRequest{Projection: projection, Limit: limit})
	if err != nil {
		return result{err: err}
	}
	defer rdr.Release()
	res := result{schema: rdr.Schema()}
	for rdr.Next() {
		b := rdr.RecordBatch()
		if !b.Schema().Equal(rdr.Schema()) {
			t.Fatalf("batch schema %s differs from reader schema %s", b.Schema(), rdr.Schema())
		}
		res.batches = append(res.batches, b.NumRows())
		for r := 0; r < int(b.NumRows()); r++ {
			row := make([]any, b.NumCols())
			for c := range row {
				if b.Column(c).Len() != int(b.NumRows()) {
					t.Fatalf("column %d has %d values in a batch of %d rows", c, b.Column(c).Len(), b.NumRows())
				}
				row[c] = value(t, b.Column(c), r)
			}
			res.rows = append(res.rows, row)
		}
	}
	res.err = rdr.Err()
	return res
}

func fieldNames(s *arrow.Schema) []string {
	names := []string{}
	for _, f := range s.Fields() {
		names = append(names, f.Name)
	}
	return names
}

func project(rows [][]any, projection []int, limit int) [][]any {
	var out [][]any
	for _, row := range rows {
		if limit >= 0 && len(out) == limit {
			break
		}
		if projection == nil {
			out = append(out, row)
			continue
		}
		p := make([]any, len(projection))
		for i, c := range projection {
			p[i] = row[c]
		}
		out = append(out, p)
	}
	return out
}

func TestOpenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.parquet")
	if n := writeTestFile(t, path, 0, 10, 3); n != 4 {
		t.Fatalf("test file has %d row groups, want 4", n)
	}
	tbl, err := parquet.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tbl.Files(), []string{path}) {
		t.Errorf("Files() = %v", tbl.Files())
	}
	s := tbl.Schema()
	if got := fieldNames(s); !reflect.DeepEqual(got, []string{"id", "name", "score"}) {
		t.Fatalf("columns %v", got)
	}
	for i, want := range []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.BinaryTypes.String, arrow.PrimitiveTypes.Float64} {
		if !arrow.TypeEqual(s.Field(i).Type, want) {
			t.Errorf("column %d has type %s, want %s", i, s.Field(i).Type, want)
		}
	}
	if s.HasMetadata() {
		t.Errorf("schema keeps metadata %v", s.Metadata())
	}
	res := scan(t, tbl, context.Background(), nil, -1)
	if res.err != nil {
		t.Fatal(res.err)
	}
	if !res.schema.Equal(s) {
		t.Errorf("scan schema %s, want %s", res.schema, s)
	}
	if want := testRows(0, 10); !reflect.DeepEqual(res.rows, want) {
		t.Fatalf("rows\n got %v\nwant %v", res.rows, want)
	}
}

func TestScan(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.parquet")
	if n := writeTestFile(t, path, 0, 10, 3); n != 4 {
		t.Fatalf("test file has %d row groups, want 4", n)
	}
	tbl, err := parquet.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	all := testRows(0, 10)
	tests := []struct {
		name       string
		projection []int
		limit      int64
		wantNames  []string
		wantRows   int
	}{
		{"nil projection", nil, -1, []string{"id", "name", "score"}, 10},
		{"projection [2 0]", []int{2, 0}, -1, []string{"score", "id"}, 10},
		{"projection [1]", []int{1}, -1, []string{"name"}, 10},
		{"projection [2 1 0]", []int{2, 1, 0}, -1, []string{"score", "name", "id"}, 10},
		{"repeated column", []int{0, 2, 0}, -1, []string{"id", "score", "id"}, 10},
		{"empty projection", []int{}, -1, []string{}, 10},
		{"limit 4", nil, 4, []string{"id", "name", "score"}, 4},
		{"limit 4 projected", []int{2, 0}, 4, []string{"score", "id"}, 4},
		{"limit 4 empty projection", []int{}, 4, []string{}, 4},
		{"limit at row group boundary", []int{1}, 6, []string{"name"}, 6},
		{"limit 1", nil, 1, []string{"id", "name", "score"}, 1},
		{"limit 0", nil, 0, []string{"id", "name", "score"}, 0},
		{"limit above row count", nil, 11, []string{"id", "name", "score"}, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := scan(t, tbl, context.Background(), tc.projection, tc.limit)
			if res.err != nil {
				t.Fatal(res.err)
			}
			if got := fieldNames(res.schema); !reflect.DeepEqual(got, tc.wantNames) {
				t.Errorf("columns %v, want %v", got, tc.wantNames)
			}
			for i, c := range tc.projection {
				if !arrow.TypeEqual(res.schema.Field(i).Type, testSchema.Field(c).Type) {
					t.Errorf("column %d has type %s, want %s", i, res.schema.Field(i).Type, testSchema.Field(c).Type)
				}
			}
			if len(res.rows) != tc.wantRows {
				t.Fatalf("got %d rows, want %d", len(res.rows), tc.wantRows)
			}
			var sum int64
			for _, n := range res.batches {
				if n == 0 {
					t.Errorf("empty batch in %v", res.batches)
				}
				sum += n
			}
			if sum != int64(tc.wantRows) {
				t.Errorf("batches %v sum to %d rows", res.batches, sum)
			}
			want := project(all, tc.projection, tc.wantRows)
			if tc.wantRows == 0 {
				want = nil
			}
			if !reflect.DeepEqual(res.rows, want) {
				t.Fatalf("rows\n got %v\nwant %v", res.rows, want)
			}
		})
	}
}

func TestEmptyProjectionCountsRowGroups(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.parquet")
	writeTestFile(t, path, 0, 10, 3)
	tbl, err := parquet.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	res := scan(t, tbl, context.Background(), []int{}, -1)
	if res.err != nil {
		t.Fatal(res.err)
	}
	if res.schema.NumFields() != 0 {
		t.Errorf("schema has %d fields", res.schema.NumFields())
	}
	if want := []int64{3, 3, 3, 1}; !reflect.DeepEqual(res.batches, want) {
		t.Errorf("batches %v, want one per row group %v", res.batches, want)
	}
}

func TestOpenDirectory(t *testing.T) {
	dir := t.TempDir()
	// b.parquet sorts after a.parquet although it is written first.
	writeTestFile(t, filepath.Join(dir, "b.parquet"), 100, 5, 2)
	writeTestFile(t, filepath.Join(dir, "a.parquet"), 0, 10, 3)
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a table"), 0o644); err != nil {
		t.Fatal(err)
	}
	tbl, err := parquet.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	wantFiles := []string{filepath.Join(dir, "a.parquet"), filepath.Join(dir, "b.parquet")}
	if !reflect.DeepEqual(tbl.Files(), wantFiles) {
		t.Errorf("Files() = %v, want %v", tbl.Files(), wantFiles)
	}
	all := append(testRows(0, 10), testRows(100, 5)...)

	res := scan(t, tbl, context.Background(), nil, -1)
	if res.err != nil {
		t.Fatal(res.err)
	}
	if !reflect.DeepEqual(res.rows, all) {
		t.Fatalf("rows\n got %v\nwant %v", res.rows, all)
	}

	// A limit that ends inside the second file.
	res = scan(t, tbl, context.Background(), []int{2, 0}, 12)
	if res.err != nil {
		t.Fatal(res.err)
	}
	if want := project(all, []int{2, 0}, 12); !reflect.DeepEqual(res.rows, want) {
		t.Fatalf("limit 12 rows\n got %v\nwant %v", res.rows, want)
	}

	res = scan(t, tbl, context.Background(), []int{}, -1)
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(res.rows) != 15 {
		t.Fatalf("empty projection gives %d rows, want 15", len(res.rows))
	}
}

func TestOpenGlob(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "part-2.parquet"), 20, 4, 3)
	writeTestFile(t, filepath.Join(dir, "part-1.parquet"), 10, 4, 3)
	writeTestFile(t, filepath.Join(dir, "other.parquet"), 0, 4, 3)
	tbl, err := parquet.Open(filepath.Join(dir, "part-*.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tbl.Files()) != 2 {
		t.Fatalf("Files() = %v, want the two part files", tbl.Files())
	}
	res := scan(t, tbl, context.Background(), []int{0}, -1)
	if res.err != nil {
		t.Fatal(res.err)
	}
	want := project(append(testRows(10, 4), testRows(20, 4)...), []int{0}, -1)
	if !reflect.DeepEqual(res.rows, want) {
		t.Fatalf("rows\n got %v\nwant %v", res.rows, want)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.parquet")
	writeTestFile(t, good, 0, 3, 3)

	// Same column names, one different type.
	other := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	otherType := filepath.Join(dir, "other_type.parquet")
	writeEmpty(t, otherType, other)
	// Same types, one different name.
	renamed := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	otherName := filepath.Join(dir, "other_name.parquet")
	writeEmpty(t, otherName, renamed)
	// One column fewer.
	fewer := filepath.Join(dir, "fewer.parquet")
	writeEmpty(t, fewer, arrow.NewSchema(testSchema.Fields()[:2], nil))

	junk := filepath.Join(dir, "junk.parquet")
	if err := os.WriteFile(junk, []byte("id,name\n1,a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.parquet")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		files   []string
		wantErr []string
	}{
		{"different type", []string{good, otherType}, []string{otherType, "column id is int32, but int64 in " + good}},
		{"not parquet", []string{junk}, []string{junk}},
		{"not parquet after a good file", []string{good, junk}, []string{junk}},
		{"empty file", []string{empty}, []string{empty}},
		{"missing file", []string{filepath.Join(dir, "nosuch.parquet")}, []string{"nosuch.parquet"}},
		{"no files", nil, []string{"no files"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tbl, err := parquet.OpenFiles(tc.files)
			if err == nil {
				t.Fatalf("OpenFiles(%v) succeeded with schema %s", tc.files, tbl.Schema())
			}
			for _, s := range tc.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}

	// Files with other or fewer columns merge: every column of every file,
	// NULL where a file lacks it.
	tbl, err := parquet.OpenFiles([]string{good, otherName, fewer})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(fieldNames(tbl.Schema()), ","); got != "id,name,score,label" {
		t.Fatalf("merged columns %s", got)
	}
	if res := scan(t, tbl, context.Background(), []int{3, 2, 0}, -1); res.err != nil || len(res.rows) != 3 || res.rows[0][0] != nil || res.rows[0][2] != int64(0) {
		t.Errorf("merged scan %v, %v", res.rows, res.err)
	}
	// A file without score contributes rows whose score is NULL, also when
	// the scan reads only score, and filters on score skip nothing there.
	twoCols := arrow.NewSchema(testSchema.Fields()[:2], nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, twoCols)
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{100, 101}, nil)
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"x", "y"}, nil)
	rec := b.NewRecordBatch()
	b.Release()
	partial := filepath.Join(t.TempDir(), "partial.parquet")
	writeRecord(t, partial, rec, 10)
	rec.Release()
	tbl, err = parquet.OpenFiles([]string{good, partial})
	if err != nil {
		t.Fatal(err)
	}
	res := scan(t, tbl, context.Background(), []int{2}, -1)
	if res.err != nil || len(res.rows) != 5 || res.rows[3][0] != nil || res.rows[4][0] != nil || res.rows[0][0] != 0.25 {
		t.Errorf("score over both files: %v, %v", res.rows, res.err)
	}

	// Open reports the same errors for a directory and for a missing path.
	if _, err := parquet.Open(dir); err == nil {
		t.Error("Open of a directory with mismatched files succeeded")
	}
	if _, err := parquet.Open(filepath.Join(dir, "nosuch")); err == nil {
		t.Error("Open of a missing path succeeded")
	}
	if _, err := parquet.Open(filepath.Join(dir, "*.nomatch")); err == nil {
		t.Error("Open of a glob without matches succeeded")
	}
}

func writeEmpty(t *testing.T, path string, schema *arrow.Schema) {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	rec := b.NewRecordBatch()
	defer rec.Release()
	writeRecord(t, path, rec, 10)
}

func TestScanCancelled(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "a.parquet"), 0, 10, 3)
	writeTestFile(t, filepath.Join(dir, "b.parquet"), 10, 10, 3)
	tbl, err := parquet.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, projection := range [][]int{nil, {2, 0}, {}} {
		t.Run(fmt.Sprint(projection), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			res := scan(t, tbl, ctx, projection, -1)
			if !errors.Is(res.err, context.Canceled) {
				t.Fatalf("cancelled before scan: error %v after %d rows, want context.Canceled", res.err, len(res.rows))
			}
			if len(res.rows) != 0 {
				t.Errorf("cancelled before scan: got %d rows", len(res.rows))
			}

			ctx, cancel = context.WithCancel(context.Background())
			defer cancel()
			rdr, err := tbl.Scan(ctx, sources.ScanRequest{Projection: projection, Limit: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer rdr.Release()
			if !rdr.Next() {
				t.Fatalf("no first batch: %v", rdr.Err())
			}
			cancel()
			if rdr.Next() {
				t.Fatal("reader returned a batch after cancellation")
			}
			if !errors.Is(rdr.Err(), context.Canceled) {
				t.Fatalf("reader error %v, want context.Canceled", rdr.Err())
			}
		})
	}
}

func TestScanConcurrent(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "a.parquet"), 0, 10, 3)
	writeTestFile(t, filepath.Join(dir, "b.parquet"), 10, 7, 2)
	tbl, err := parquet.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var wantIDs []int64
	for id := range int64(17) {
		wantIDs = append(wantIDs, id)
	}
	// Each scan reads the id column (at position idPos of its projection).
	scans := []struct {
		projection []int
		idPos      int
	}{{nil, 0}, {[]int{2, 0}, 1}, {[]int{0}, 0}, {[]int{1, 2, 0}, 2}}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(scans))
	for i := range 4 * len(scans) {
		sc := scans[i%len(scans)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			rdr, err := tbl.Scan(context.Background(), sources.ScanRequest{Projection: sc.projection, Limit: -1})
			if err != nil {
				errs <- err
				return
			}
			defer rdr.Release()
			var ids []int64
			for rdr.Next() {
				col, ok := rdr.RecordBatch().Column(sc.idPos).(*array.Int64)
				if !ok {
					errs <- fmt.Errorf("projection %v: column %d is %s", sc.projection, sc.idPos, rdr.RecordBatch().Column(sc.idPos).DataType())
					return
				}
				ids = append(ids, col.Int64Values()...)
			}
			if err := rdr.Err(); err != nil {
				errs <- err
				return
			}
			if !reflect.DeepEqual(ids, wantIDs) {
				errs <- fmt.Errorf("projection %v: ids %v, want %v", sc.projection, ids, wantIDs)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestSampleCandles(t *testing.T) {
	tbl, err := parquet.Open("../../testdata/sample/candles.parquet")
	if err != nil {
		t.Fatal(err)
	}
	if n := tbl.Schema().NumFields(); n != 9 {
		t.Errorf("candles has %d columns, want 9: %s", n, tbl.Schema())
	}
	var rows int64
	rdr, err := tbl.Scan(context.Background(), sources.ScanRequest{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	for rdr.Next() {
		if got := rdr.RecordBatch().NumCols(); got != 9 {
			t.Fatalf("batch with %d columns", got)
		}
		rows += rdr.RecordBatch().NumRows()
	}
	if rdr.Err() != nil {
		t.Fatal(rdr.Err())
	}
	if rows != 5760 {
		t.Errorf("candles has %d rows, want 5760", rows)
	}
	res := scan(t, tbl, context.Background(), []int{}, -1)
	if res.err != nil || len(res.rows) != 5760 {
		t.Errorf("count via empty projection: %d rows, err %v; want 5760", len(res.rows), res.err)
	}
}

func TestScanReleasesMemory(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "a.parquet"), 0, 10, 3)
	writeTestFile(t, filepath.Join(dir, "b.parquet"), 10, 10, 3)
	tbl, err := parquet.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	tbl.SetCache(nil) // what a cache keeps stays allocated
	tests := []struct {
		name       string
		projection []int
		limit      int64
		batches    int // batches to read before Release; -1 for all
	}{
		{"exhausted", nil, -1, -1},
		{"released before the first batch", nil, -1, 0},
		{"released after one batch", []int{2, 0}, -1, 1},
		{"limit", []int{1}, 4, -1},
		{"empty projection", []int{}, -1, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			parquet.SetAllocator(tbl, mem)
			defer parquet.SetAllocator(tbl, memory.DefaultAllocator)
			rdr, err := tbl.Scan(context.Background(), sources.ScanRequest{Projection: tc.projection, Limit: tc.limit})
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; tc.batches < 0 || i < tc.batches; i++ {
				if !rdr.Next() {
					if tc.batches >= 0 {
						t.Fatalf("reader ended after %d batches: %v", i, rdr.Err())
					}
					break
				}
				// A batch with columns is allocated from mem, so the
				// check below is not vacuous.
				if rdr.RecordBatch().NumCols() > 0 && mem.CurrentAlloc() == 0 {
					t.Fatal("the scan does not allocate from the table's allocator")
				}
			}
			if err := rdr.Err(); err != nil {
				t.Fatal(err)
			}
			rdr.Release()
			mem.AssertSize(t, 0)
		})
	}
}

func TestNestedColumns(t *testing.T) {
	pointType := arrow.StructOf(
		arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		arrow.Field{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
	)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "point", Type: pointType, Nullable: true},
		{Name: "tags", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
		{Name: "note", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	var all [][]any
	for id := range int64(7) {
		b.Field(0).(*array.Int64Builder).Append(id)
		sb := b.Field(1).(*array.StructBuilder)
		var point any
		if id == 2 {
			sb.AppendNull()
		} else {
			sb.Append(true)
			sb.FieldBuilder(0).(*array.Int64Builder).Append(id * 10)
			sb.FieldBuilder(1).(*array.StringBuilder).Append(fmt.Sprintf("p%d", id))
			// Structs are served as jsonb (keys ordered as jsonb
			// orders them: shorter first).
			point = fmt.Sprintf(`{"x": %d, "label": "p%d"}`, id*10, id)
		}
		lb := b.Field(2).(*array.ListBuilder)
		lb.Append(true)
		tags := []any{}
		for j := range id % 3 {
			lb.ValueBuilder().(*array.Int64Builder).Append(id + j)
			tags = append(tags, id+j)
		}
		b.Field(3).(*array.StringBuilder).Append(fmt.Sprintf("note %d", id))
		all = append(all, []any{id, point, tags, fmt.Sprintf("note %d", id)})
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "nested.parquet")
	writeRecord(t, path, rec, 3)

	tbl, err := parquet.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fieldNames(tbl.Schema()); !reflect.DeepEqual(got, []string{"id", "point", "tags", "note"}) {
		t.Fatalf("columns %v", got)
	}
	for _, tc := range []struct {
		projection []int
		names      []string
	}{
		{nil, []string{"id", "point", "tags", "note"}},
		{[]int{3, 1}, []string{"note", "point"}},
		{[]int{2}, []string{"tags"}},
		{[]int{3, 2, 1, 0}, []string{"note", "tags", "point", "id"}},
		{[]int{1, 3}, []string{"point", "note"}},
	} {
		t.Run(fmt.Sprint(tc.projection), func(t *testing.T) {
			res := scan(t, tbl, context.Background(), tc.projection, -1)
			if res.err != nil {
				t.Fatal(res.err)
			}
			if got := fieldNames(res.schema); !reflect.DeepEqual(got, tc.names) {
				t.Errorf("columns %v, want %v", got, tc.names)
			}
			if want := project(all, tc.projection, -1); !reflect.DeepEqual(res.rows, want) {
				t.Fatalf("rows\n got %v\nwant %v", res.rows, want)
			}
		})
	}
}

// Struct, map and list-of-struct columns have no PostgreSQL type: they are
// served as jsonb text.
func TestNestedAsJSON(t *testing.T) {
	inner := arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, arrow.Field{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true})
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "s", Type: inner, Nullable: true},
		{Name: "ls", Type: arrow.ListOf(inner), Nullable: true},
		{Name: "li", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2}, nil)
	sb := b.Field(1).(*array.StructBuilder)
	sb.Append(true)
	sb.FieldBuilder(0).(*array.Int64Builder).Append(7)
	sb.FieldBuilder(1).(*array.StringBuilder).Append("x")
	sb.AppendNull()
	lb := b.Field(2).(*array.ListBuilder)
	lb.Append(true)
	esb := lb.ValueBuilder().(*array.StructBuilder)
	esb.Append(true)
	esb.FieldBuilder(0).(*array.Int64Builder).Append(1)
	esb.FieldBuilder(1).(*array.StringBuilder).AppendNull()
	lb.Append(true)
	li := b.Field(3).(*array.ListBuilder)
	li.Append(true)
	li.ValueBuilder().(*array.Int64Builder).AppendValues([]int64{3, 4}, nil)
	li.AppendNull()
	rec := b.NewRecordBatch()
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "nested.parquet")
	writeRecord(t, path, rec, 10)
	tbl, err := parquet.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, f := range tbl.Schema().Fields() {
		types = append(types, f.Type.String())
	}
	if types[1] != "jsonb" || types[2] != "jsonb" || types[3] != "list<element: int64, nullable>" {
		t.Fatalf("types %v", types)
	}
	r, err := tbl.Scan(context.Background(), sources.ScanRequest{Projection: []int{1, 2}, Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	if !r.Next() {
		t.Fatal(r.Err())
	}
	got := r.RecordBatch()
	if v := got.Column(0).ValueStr(0); v != `{"a": 7, "b": "x"}` || !got.Column(0).IsNull(1) {
		t.Errorf("struct as json: %q", v)
	}
	if v := got.Column(1).ValueStr(0); v != `[{"a": 1, "b": null}]` || got.Column(1).ValueStr(1) != "[]" {
		t.Errorf("list of structs as json: %q, %q", v, got.Column(1).ValueStr(1))
	}
}

// TestDictionaryColumns checks that string columns stored wholly through
// a dictionary are read as such and expanded to the same values, NULLs
// included, and that a column whose dictionary overflowed into plain pages
// is read the ordinary way.
func TestDictionaryColumns(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "few", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "many", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "raw", Type: arrow.BinaryTypes.Binary, Nullable: true},
	}, nil)
	const n = 5000
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	want := make([][]any, n)
	for i := range n {
		row := []any{[]string{"AIR", "MAIL", "", "TRUCK"}[i%4], fmt.Sprintf("value %06d %s", i*7919%n, strings.Repeat("x", i%23)), []byte{byte(i % 3), 0}}
		if i%9 == 4 {
			row[0] = nil
		}
		if i%11 == 5 {
			row[1], row[2] = nil, nil
		}
		for c, v := range row {
			switch v := v.(type) {
			case nil:
				b.Field(c).AppendNull()
			case string:
				b.Field(c).(*array.StringBuilder).Append(v)
			case []byte:
				b.Field(c).(*array.BinaryBuilder).Append(v)
			}
		}
		want[i] = row
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "dict.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// A dictionary page of at most 4 KiB: "many" overflows it.
	w, err := pqarrow.NewFileWriter(schema, f, pq.NewWriterProperties(pq.WithMaxRowGroupLength(2000), pq.WithDictionaryPageSizeLimit(4096)), pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	leaves, err := parquet.DictLeaves(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(leaves, []int{0, 2}) {
		t.Errorf("dictionary-read leaves %v, want [0 2] (not the overflowing column 1)", leaves)
	}
	tbl, err := parquet.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := tbl.Scan(context.Background(), sources.ScanRequest{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	i := 0
	for rdr.Next() {
		rb := rdr.RecordBatch()
		for r := range int(rb.NumRows()) {
			for c, w := range want[i] {
				col := rb.Column(c)
				var got any
				switch a := col.(type) {
				case *array.String:
					if a.IsValid(r) {
						got = a.Value(r)
					}
				case *array.Binary:
					if a.IsValid(r) {
						got = a.Value(r)
					}
				default:
					t.Fatalf("column %d is %s", c, col.DataType())
				}
				if g, ok := got.([]byte); ok {
					got = string(g)
				}
				if wb, ok := w.([]byte); ok {
					w = string(wb)
				}
				if got != w {
					t.Fatalf("row %d column %d: got %#v, want %#v", i, c, got, w)
				}
			}
			i++
		}
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	if i != n {
		t.Fatalf("read %d rows, want %d", i, n)
	}
}

// TestDictionaryFilter checks that a pushed `col = 'a'` or IN list drops
// exactly the rows of a dictionary column whose value fails it, keeps
// every column of a batch the same length, and leaves no batch behind
// when no row matches.
func TestDictionaryFilter(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "mode", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	modes := []string{"AIR", "MAIL", "SHIP", "TRUCK"}
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := range 3000 {
		if i%7 == 3 {
			b.Field(0).AppendNull()
		} else {
			b.Field(0).(*array.StringBuilder).Append(modes[i%4])
		}
		b.Field(1).(*array.Int64Builder).Append(int64(i))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	dir := t.TempDir()
	// Row groups with the column dictionary-encoded, then the same rows
	// with plain strings, then rows without the column (NULL there).
	writeRecord(t, filepath.Join(dir, "a.parquet"), rec, 1000)
	writeRecordWith(t, filepath.Join(dir, "b.parquet"), rec, pq.NewWriterProperties(pq.WithMaxRowGroupLength(1000), pq.WithDictionaryDefault(false)))
	nb := array.NewInt64Builder(memory.DefaultAllocator)
	defer nb.Release()
	nb.AppendValues([]int64{-1, -2}, nil)
	ns := nb.NewArray()
	defer ns.Release()
	noMode := array.NewRecordBatch(arrow.NewSchema(schema.Fields()[1:], nil), []arrow.Array{ns}, 2)
	defer noMode.Release()
	writeRecord(t, filepath.Join(dir, "c.parquet"), noMode, 1000)
	tbl, err := parquet.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	mode := &expr.Column{Index: 0, Name: "mode", Type: arrow.BinaryTypes.String}
	eq := func(v string) expr.Expr {
		return &expr.Binary{Op: expr.Eq, Left: mode, Right: &expr.Literal{Value: scalar.NewStringScalar(v)}, Type: arrow.FixedWidthTypes.Boolean}
	}
	for _, tc := range []struct {
		name   string
		filter expr.Expr
		want   func(i int) bool
	}{
		{"equality", eq("SHIP"), func(i int) bool { return i%7 != 3 && i%4 == 2 }},
		{"IN list", &expr.Binary{Op: expr.Or, Left: eq("AIR"), Right: eq("TRUCK"), Type: arrow.FixedWidthTypes.Boolean},
			func(i int) bool { return i%7 != 3 && (i%4 == 0 || i%4 == 3) }},
		{"no match", eq("RAIL"), func(int) bool { return false }},
	} {
		if got := tbl.SupportsFilters([]expr.Expr{tc.filter}); got[0] != sources.Exact {
			t.Fatalf("%s: support %v, want Exact", tc.name, got[0])
		}
		var want []int64
		for range 2 { // a.parquet, then b.parquet
			for i := range 3000 {
				if tc.want(i) {
					want = append(want, int64(i))
				}
			}
		}
		// Returning n alone (mode is read for the filter only), then
		// both columns.
		for _, proj := range [][]int{{1}, {0, 1}} {
			rdr, err := tbl.Scan(context.Background(), sources.ScanRequest{Projection: proj, Filters: []expr.Expr{tc.filter}, Limit: -1})
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for rdr.Next() {
				rb := rdr.RecordBatch()
				for c := range int(rb.NumCols()) {
					if rb.Column(c).Len() != int(rb.NumRows()) {
						t.Fatalf("%s %v: column %d has %d values in a batch of %d rows", tc.name, proj, c, rb.Column(c).Len(), rb.NumRows())
					}
				}
				got = append(got, rb.Column(len(proj)-1).(*array.Int64).Int64Values()...)
			}
			if err := rdr.Err(); err != nil {
				t.Fatal(err)
			}
			rdr.Release()
			if !slices.Equal(got, want) {
				t.Errorf("%s %v: kept %d rows, want %d", tc.name, proj, len(got), len(want))
			}
		}
	}
}

// Columns as pandas, Polars, Spark and DuckDB write them (categoricals
// with the Arrow schema stored, 64-bit string offsets, unsigned and 8-bit
// integers, timestamps in other units or zones, an all-NULL column) are
// served as the types riffq computes with, with the same values.
func TestWriterTypes(t *testing.T) {
	mem := memory.DefaultAllocator
	dict := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}
	fields := []arrow.Field{
		{Name: "cat", Type: dict, Nullable: true},
		{Name: "large", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "u8", Type: arrow.PrimitiveTypes.Uint8, Nullable: true},
		{Name: "u64", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "ms", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
		{Name: "ns_ny", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "America/New_York"}, Nullable: true},
		{Name: "none", Type: arrow.Null, Nullable: true},
	}
	schema := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	cat := b.Field(0).(*array.BinaryDictionaryBuilder)
	for _, v := range []string{"apple", "banana", "apple"} {
		if err := cat.AppendString(v); err != nil {
			t.Fatal(err)
		}
	}
	b.Field(1).(*array.LargeStringBuilder).AppendValues([]string{"a", "", "c"}, []bool{true, false, true})
	b.Field(2).(*array.Uint8Builder).AppendValues([]uint8{0, 255, 7}, nil)
	b.Field(3).(*array.Uint64Builder).AppendValues([]uint64{0, 18446744073709551615, 7}, nil)
	b.Field(4).(*array.Int8Builder).AppendValues([]int8{-128, 127, 0}, nil)
	b.Field(5).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1705314645123, 0, -1}, nil)
	b.Field(6).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1705314645123456789, 1500, 0}, nil)
	b.Field(7).(*array.NullBuilder).AppendEmptyValues(3)
	rec := b.NewRecordBatch()
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "writers.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(schema, f, pq.NewWriterProperties(), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	tbl, err := parquet.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	wantTypes := []string{"utf8", "utf8", "int16", "decimal(20, 0)", "int16", "timestamp[us]", "timestamp[us, tz=UTC]", "utf8"}
	wantValues := []string{
		`["apple" "banana" "apple"]`, `["a" (null) "c"]`, `[0 255 7]`, `[0 18446744073709551615 7]`, `[-128 127 0]`,
		`[1705314645123000 0 -1000]`, `[1705314645123457 2 0]`, `[(null) (null) (null)]`,
	}
	for i, f := range tbl.Schema().Fields() {
		if got := f.Type.String(); got != wantTypes[i] {
			t.Errorf("column %s: %s, want %s", f.Name, got, wantTypes[i])
		}
	}
	for _, projection := range [][]int{nil, {6, 0}} {
		rdr, err := tbl.Scan(context.Background(), sources.ScanRequest{Projection: projection, Limit: -1})
		if err != nil {
			t.Fatal(err)
		}
		if !rdr.Next() {
			t.Fatalf("no batch: %v", rdr.Err())
		}
		rb := rdr.RecordBatch()
		for c := range int(rb.NumCols()) {
			col := c
			if projection != nil {
				col = projection[c]
			}
			if !arrow.TypeEqual(rb.Column(c).DataType(), tbl.Schema().Field(col).Type) {
				t.Errorf("column %d is %s, schema says %s", col, rb.Column(c).DataType(), tbl.Schema().Field(col).Type)
			}
			if got := rb.Column(c).String(); got != wantValues[col] {
				t.Errorf("column %s: %s, want %s", tbl.Schema().Field(col).Name, got, wantValues[col])
			}
		}
		rdr.Release()
	}
}

// TestLongStringBounds checks a row group whose largest string is over
// the writer's statistics limit: its footer has a min and no max, which
// must neither prune it nor bound the table's statistics.
func TestLongStringBounds(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	long := strings.Repeat("z", 5000)
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"a", "b", "a", long}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "long.parquet")
	writeRecord(t, path, rec, 2)
	tbl, err := parquet.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if st := tbl.Statistics().Column(0); st.Max != nil {
		t.Errorf("table statistics bound s by %v, below the long value", st.Max)
	}
	s := &expr.Column{Index: 0, Name: "s", Type: arrow.BinaryTypes.String}
	for _, tc := range []struct {
		op   expr.Op
		v    string
		want int
	}{{expr.Eq, "a", 2}, {expr.Gt, "b", 1}, {expr.Eq, long, 1}} {
		f := &expr.Binary{Op: tc.op, Left: s, Right: &expr.Literal{Value: scalar.NewStringScalar(tc.v)}, Type: arrow.FixedWidthTypes.Boolean}
		rdr, err := tbl.Scan(context.Background(), sources.ScanRequest{Filters: []expr.Expr{f}, Limit: -1})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rdr.Next() {
			col := rdr.RecordBatch().Column(0).(*array.String)
			for i := range col.Len() {
				if c := strings.Compare(col.Value(i), tc.v); tc.op == expr.Eq && c == 0 || tc.op == expr.Gt && c > 0 {
					n++
				}
			}
		}
		if err := rdr.Err(); err != nil {
			t.Fatal(err)
		}
		rdr.Release()
		if n != tc.want {
			t.Errorf("s %s %.5q: %d matching rows returned, want %d", tc.op, tc.v, n, tc.want)
		}
	}
}
