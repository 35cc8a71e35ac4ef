package sources_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/sources"
)

var memSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
}, nil)

// memBatch builds a batch of memSchema with ids from, from+1, ..., names
// "n<id>" (NULL for id 4) and scores id*0.5.
func memBatch(t *testing.T, mem memory.Allocator, from, n int) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(mem, memSchema)
	defer b.Release()
	for id := from; id < from+n; id++ {
		b.Field(0).(*array.Int64Builder).Append(int64(id))
		if id == 4 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append("n" + strconv.Itoa(id))
		}
		b.Field(2).(*array.Float64Builder).Append(float64(id) * 0.5)
	}
	return b.NewRecordBatch()
}

// memRow is the full row of memBatch for id.
func memRow(id int) []any {
	var name any = "n" + strconv.Itoa(id)
	if id == 4 {
		name = nil
	}
	return []any{int64(id), name, float64(id) * 0.5}
}

// value returns the Go value of a[i], nil for NULL.
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
	}
	t.Fatalf("unexpected array type %s", a.DataType())
	return nil
}

// readAll drains rdr and returns its rows, the row count of each batch and
// the error it stopped with. It checks every batch has the reader's schema.
func readAll(t *testing.T, rdr array.RecordReader) (rows [][]any, batchRows []int64, err error) {
	t.Helper()
	defer rdr.Release()
	for rdr.Next() {
		b := rdr.RecordBatch()
		if !b.Schema().Equal(rdr.Schema()) {
			t.Fatalf("batch schema %s differs from reader schema %s", b.Schema(), rdr.Schema())
		}
		batchRows = append(batchRows, b.NumRows())
		for r := 0; r < int(b.NumRows()); r++ {
			row := make([]any, b.NumCols())
			for c := range row {
				row[c] = value(t, b.Column(c), r)
			}
			rows = append(rows, row)
		}
	}
	return rows, batchRows, rdr.Err()
}

func fieldNames(s *arrow.Schema) []string {
	names := make([]string, 0, s.NumFields())
	for _, f := range s.Fields() {
		names = append(names, f.Name)
	}
	return names
}

func TestMemTableScan(t *testing.T) {
	// Two batches: ids 0-2 and 3-6.
	b1 := memBatch(t, memory.DefaultAllocator, 0, 3)
	b2 := memBatch(t, memory.DefaultAllocator, 3, 4)
	tbl, err := sources.NewMemTable(memSchema, b1, b2)
	if err != nil {
		t.Fatal(err)
	}
	// The table retains the batches: releasing ours must not free them.
	b1.Release()
	b2.Release()
	if !tbl.Schema().Equal(memSchema) {
		t.Fatalf("Schema() = %s", tbl.Schema())
	}

	tests := []struct {
		name       string
		projection []int
		limit      int64
		wantNames  []string
		wantRows   int
		wantCols   []int // columns of memRow, nil for all
		wantBatch  []int64
	}{
		{"all", nil, -1, []string{"id", "name", "score"}, 7, []int{0, 1, 2}, []int64{3, 4}},
		{"reordered", []int{2, 0}, -1, []string{"score", "id"}, 7, []int{2, 0}, []int64{3, 4}},
		{"single", []int{1}, -1, []string{"name"}, 7, []int{1}, []int64{3, 4}},
		{"repeated", []int{0, 0}, -1, []string{"id", "id"}, 7, []int{0, 0}, []int64{3, 4}},
		{"empty projection", []int{}, -1, []string{}, 7, []int{}, []int64{3, 4}},
		{"limit within first batch", nil, 2, []string{"id", "name", "score"}, 2, []int{0, 1, 2}, []int64{2}},
		{"limit at batch boundary", nil, 3, []string{"id", "name", "score"}, 3, []int{0, 1, 2}, []int64{3}},
		{"limit across batches", []int{2, 0}, 5, []string{"score", "id"}, 5, []int{2, 0}, []int64{3, 2}},
		{"limit with empty projection", []int{}, 4, []string{}, 4, []int{}, []int64{3, 1}},
		{"limit larger than table", nil, 100, []string{"id", "name", "score"}, 7, []int{0, 1, 2}, []int64{3, 4}},
		{"limit zero", nil, 0, []string{"id", "name", "score"}, 0, []int{0, 1, 2}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rdr, err := tbl.Scan(context.Background(), sources.ScanRequest{Projection: tc.projection, Limit: tc.limit})
			if err != nil {
				t.Fatal(err)
			}
			if got := fieldNames(rdr.Schema()); !reflect.DeepEqual(got, tc.wantNames) {
				t.Errorf("schema columns = %v, want %v", got, tc.wantNames)
			}
			rows, batches, err := readAll(t, rdr)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != tc.wantRows {
				t.Fatalf("got %d rows, want %d", len(rows), tc.wantRows)
			}
			if !reflect.DeepEqual(batches, tc.wantBatch) {
				t.Errorf("batch sizes = %v, want %v", batches, tc.wantBatch)
			}
			for i, row := range rows {
				full := memRow(i)
				want := make([]any, len(tc.wantCols))
				for j, c := range tc.wantCols {
					want[j] = full[c]
				}
				if !reflect.DeepEqual(row, want) {
					t.Errorf("row %d = %v, want %v", i, row, want)
				}
			}
		})
	}
}

func TestMemTableScanTwice(t *testing.T) {
	b := memBatch(t, memory.DefaultAllocator, 0, 5)
	defer b.Release()
	tbl, err := sources.NewMemTable(memSchema, b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		rdr, err := tbl.Scan(context.Background(), sources.ScanRequest{Limit: -1})
		if err != nil {
			t.Fatal(err)
		}
		rows, _, err := readAll(t, rdr)
		if err != nil || len(rows) != 5 {
			t.Fatalf("scan %d: %d rows, err %v; want 5 rows", i, len(rows), err)
		}
	}
}

func TestMemTableNoBatches(t *testing.T) {
	tbl, err := sources.NewMemTable(memSchema)
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := tbl.Scan(context.Background(), sources.ScanRequest{Projection: []int{1}, Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	if got := fieldNames(rdr.Schema()); !reflect.DeepEqual(got, []string{"name"}) {
		t.Errorf("schema columns = %v", got)
	}
	rows, _, err := readAll(t, rdr)
	if err != nil || len(rows) != 0 {
		t.Fatalf("got %d rows, err %v; want none", len(rows), err)
	}
}

func TestNewMemTableSchemaMismatch(t *testing.T) {
	good := memBatch(t, memory.DefaultAllocator, 0, 2)
	defer good.Release()
	other := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int32}}, nil)
	ib := array.NewInt32Builder(memory.DefaultAllocator)
	ib.Append(1)
	col := ib.NewArray()
	ib.Release()
	bad := array.NewRecordBatch(other, []arrow.Array{col}, 1)
	col.Release()
	defer bad.Release()

	tbl, err := sources.NewMemTable(memSchema, good, bad)
	if err == nil {
		t.Fatalf("NewMemTable accepted a batch with schema %s", other)
	}
	if tbl != nil {
		t.Errorf("NewMemTable returned a table along with error %v", err)
	}
	if !strings.Contains(err.Error(), "batch 1") {
		t.Errorf("error %q does not name the offending batch", err)
	}
}

// A failed NewMemTable must not keep references to the batches it was given.
func TestNewMemTableMismatchDoesNotRetain(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	good := memBatch(t, mem, 0, 2)
	bad := memBatch(t, mem, 0, 1)
	badSchema := arrow.NewSchema(memSchema.Fields()[:2], nil)
	bad2 := array.NewRecordBatch(badSchema, bad.Columns()[:2], bad.NumRows())
	bad.Release()
	if _, err := sources.NewMemTable(memSchema, good, bad2); err == nil {
		t.Fatal("NewMemTable accepted a mismatched batch")
	}
	good.Release()
	bad2.Release()
	mem.AssertSize(t, 0)
}

func TestMemTableScanCancelled(t *testing.T) {
	b1 := memBatch(t, memory.DefaultAllocator, 0, 3)
	b2 := memBatch(t, memory.DefaultAllocator, 3, 3)
	defer b1.Release()
	defer b2.Release()
	tbl, err := sources.NewMemTable(memSchema, b1, b2)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("before scan", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		rdr, err := tbl.Scan(ctx, sources.ScanRequest{Limit: -1})
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Scan error %v, want context.Canceled", err)
			}
			return
		}
		rows, _, err := readAll(t, rdr)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("reader stopped with %v after %d rows, want context.Canceled", err, len(rows))
		}
	})
	t.Run("between batches", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rdr, err := tbl.Scan(ctx, sources.ScanRequest{Limit: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer rdr.Release()
		if !rdr.Next() {
			t.Fatalf("no first batch: %v", rdr.Err())
		}
		cancel()
		if rdr.Next() {
			t.Fatal("reader returned a batch after its context was cancelled")
		}
		if !errors.Is(rdr.Err(), context.Canceled) {
			t.Fatalf("reader error %v, want context.Canceled", rdr.Err())
		}
	})
}

func TestProjectSchema(t *testing.T) {
	md := arrow.NewMetadata([]string{"k"}, []string{"v"})
	s := arrow.NewSchema(memSchema.Fields(), &md)
	if got := sources.ProjectSchema(s, nil); got != s {
		t.Errorf("nil projection returned %s, want the schema itself", got)
	}
	got := sources.ProjectSchema(s, []int{2, 0})
	if names := fieldNames(got); !reflect.DeepEqual(names, []string{"score", "id"}) {
		t.Errorf("projection [2 0] gives columns %v", names)
	}
	if !arrow.TypeEqual(got.Field(0).Type, arrow.PrimitiveTypes.Float64) {
		t.Errorf("projected column 0 has type %s", got.Field(0).Type)
	}
	if v, ok := got.Metadata().GetValue("k"); !ok || v != "v" {
		t.Errorf("metadata not kept: %v", got.Metadata())
	}
	if got := sources.ProjectSchema(s, []int{}); got.NumFields() != 0 {
		t.Errorf("empty projection has %d fields", got.NumFields())
	}
}

func TestMemTableScanConcurrent(t *testing.T) {
	b1 := memBatch(t, memory.DefaultAllocator, 0, 3)
	b2 := memBatch(t, memory.DefaultAllocator, 3, 4)
	defer b1.Release()
	defer b2.Release()
	tbl, err := sources.NewMemTable(memSchema, b1, b2)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			limit := int64(-1 + 5*(i%2)) // -1 or 4
			rdr, err := tbl.Scan(context.Background(), sources.ScanRequest{Projection: []int{2, 0}, Limit: limit})
			if err != nil {
				errs <- err
				return
			}
			defer rdr.Release()
			var ids []int64
			for rdr.Next() {
				ids = append(ids, rdr.RecordBatch().Column(1).(*array.Int64).Int64Values()...)
			}
			want := []int64{0, 1, 2, 3, 4, 5, 6}
			if limit >= 0 {
				want = want[:limit]
			}
			if rdr.Err() != nil || !reflect.DeepEqual(ids, want) {
				errs <- fmt.Errorf("scan with limit %d: ids %v, err %v; want %v", limit, ids, rdr.Err(), want)
				return
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
