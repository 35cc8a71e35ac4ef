package ndjson_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/sources"
	"github.com/riffq/riffq/sources/ndjson"
)

func write(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "events.ndjson")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// scan returns every row as the text of its values ("NULL" for nulls).
func scan(t *testing.T, tb *ndjson.Table, req sources.ScanRequest) ([][]string, error) {
	t.Helper()
	r, err := tb.Scan(context.Background(), req)
	if err != nil {
		return nil, err
	}
	defer r.Release()
	var rows [][]string
	for r.Next() {
		b := r.RecordBatch()
		for i := range int(b.NumRows()) {
			var row []string
			for _, c := range b.Columns() {
				if c.IsNull(i) {
					row = append(row, "NULL")
				} else {
					row = append(row, c.ValueStr(i))
				}
			}
			rows = append(rows, row)
		}
	}
	return rows, r.Err()
}

func TestInferAndScan(t *testing.T) {
	path := write(t, `{"id": 1, "name": "a", "score": 1, "ok": true, "tags": ["x"], "mixed": 1}

{"id": 2, "name": "b\u00e9", "score": 2.5, "ok": null, "tags": [], "mixed": "one", "extra": {"k": 1}}
{"name": null, "id": 3}
`)
	tb, err := ndjson.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range tb.Schema().Fields() {
		got = append(got, f.Name+" "+f.Type.String())
	}
	want := "id int64, name utf8, score float64, ok bool, tags extension<arrow.json[storage_type=utf8]>, mixed extension<arrow.json[storage_type=utf8]>, extra extension<arrow.json[storage_type=utf8]>"
	if strings.Join(got, ", ") != want {
		t.Fatalf("schema %s\nwant   %s", strings.Join(got, ", "), want)
	}
	rows, err := scan(t, tb, sources.ScanRequest{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	wantRows := [][]string{
		{"1", "a", "1", "true", `["x"]`, "1", "NULL"},
		{"2", "bé", "2.5", "NULL", "[]", `"one"`, `{"k": 1}`},
		{"3", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL"},
	}
	if len(rows) != len(wantRows) {
		t.Fatalf("rows %q", rows)
	}
	for i := range rows {
		if strings.Join(rows[i], "|") != strings.Join(wantRows[i], "|") {
			t.Errorf("row %d: %q, want %q", i, rows[i], wantRows[i])
		}
	}
	rows, err = scan(t, tb, sources.ScanRequest{Projection: []int{1, 0}, Limit: 2})
	if err != nil || len(rows) != 2 || rows[0][0] != "a" || rows[0][1] != "1" {
		t.Fatalf("projected rows %q, %v", rows, err)
	}
}

func TestErrors(t *testing.T) {
	if _, err := ndjson.Open(write(t, "{\"a\": 1}\nnot json\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad line in the sample: %v", err)
	}
	if _, err := ndjson.Open(write(t, "\n\n")); err == nil || !strings.Contains(err.Error(), "no objects") {
		t.Errorf("empty file: %v", err)
	}
	// A value of another kind after the sample is a query error naming the
	// file, line and key.
	path := write(t, "{\"a\": 1}\n{\"a\": \"x\"}\n")
	tb, err := ndjson.OpenFS(context.Background(), sources.LocalFS{}, []string{path}, 1)
	if err != nil {
		t.Fatal(err)
	}
	_, err = scan(t, tb, sources.ScanRequest{Limit: -1})
	var pe *pgerror.Error
	if !errors.As(err, &pe) || pe.Code != pgerror.InvalidTextRepresentation || !strings.Contains(pe.Message, "line 2") || !strings.Contains(pe.Message, `"a"`) {
		t.Errorf("late type change: %v", err)
	}
}
