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

// Lines as PostgreSQL's json input reads them: the last of a repeated key
// wins, a byte order mark is not data, integers past bigint are numeric,
// and what PostgreSQL refuses fails with its SQLSTATE.
func TestJSONRules(t *testing.T) {
	tb, err := ndjson.Open(write(t, "\xef\xbb\xbf{\"a\": 1, \"a\": 2, \"big\": 12345678901234567890}\n{\"a\": 3, \"big\": 1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, f := range tb.Schema().Fields() {
		types = append(types, f.Name+" "+f.Type.String())
	}
	if got := strings.Join(types, ", "); got != "a int64, big decimal(38, 0)" {
		t.Fatalf("schema %s", got)
	}
	rows, err := scan(t, tb, sources.ScanRequest{Limit: -1})
	if err != nil || len(rows) != 2 || strings.Join(rows[0], "|") != "2|12345678901234567890" {
		t.Fatalf("rows %q, %v", rows, err)
	}
	for _, tc := range []struct{ line, code string }{
		{`{"a": 1} xyz`, pgerror.InvalidTextRepresentation},
		{"{\"a\": 1, \"s\": \"caf\xe9\"}", pgerror.CharacterNotInRepertoire},
		{`{"a": 1, "s": "a\u0000b"}`, "22P05"},
		{`{"a": 1e400}`, pgerror.NumericValueOutOfRange},
		{`{"a": 9223372036854775808}`, pgerror.NumericValueOutOfRange},
	} {
		// The sample (the first line) sets a: bigint (or double for
		// 1e400's line); the second line is the one tested.
		first := `{"a": 1, "s": "x"}`
		if strings.Contains(tc.line, "e400") {
			first = `{"a": 1.5}`
		}
		tb, err := ndjson.OpenFS(context.Background(), sources.LocalFS{}, []string{write(t, first+"\n"+tc.line+"\n")}, 1)
		if err != nil {
			t.Fatal(err)
		}
		_, err = scan(t, tb, sources.ScanRequest{Limit: -1})
		var pe *pgerror.Error
		if !errors.As(err, &pe) || pe.Code != tc.code || !strings.Contains(pe.Message, "line 2") {
			t.Errorf("%s: %v, want SQLSTATE %s naming line 2", tc.line, err, tc.code)
		}
	}
}
