package sources_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/riffq/riffq/sources"
)

func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFiles(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	for _, name := range []string{"b.parquet", "a.parquet", "C.PARQUET", "notes.txt", "x.csv", "w.csv", "parquet"} {
		touch(t, filepath.Join(data, name))
	}
	// A directory whose name has the extension is not a file of the table.
	if err := os.Mkdir(filepath.Join(data, "sub.parquet"), 0o755); err != nil {
		t.Fatal(err)
	}
	touch(t, filepath.Join(data, "sub.parquet", "deep.parquet"))
	touch(t, filepath.Join(root, "other", "readme.md"))
	if err := os.Mkdir(filepath.Join(root, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	in := func(names ...string) []string {
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = filepath.Join(data, n)
		}
		return out
	}

	tests := []struct {
		name    string
		path    string
		ext     string
		want    []string
		wantErr string // substring of the error; "" for success
	}{
		{name: "single file", path: filepath.Join(data, "a.parquet"), ext: ".parquet", want: in("a.parquet")},
		{name: "single file ignores ext", path: filepath.Join(data, "notes.txt"), ext: ".parquet", want: in("notes.txt")},
		{name: "directory, case-insensitive ext", path: data, ext: ".parquet", want: in("C.PARQUET", "a.parquet", "b.parquet")},
		{name: "directory, other ext", path: data, ext: ".csv", want: in("w.csv", "x.csv")},
		{name: "directory with trailing slash", path: data + string(filepath.Separator), ext: ".csv", want: in("w.csv", "x.csv")},
		{name: "glob", path: filepath.Join(data, "*.csv"), ext: ".csv", want: in("w.csv", "x.csv")},
		{name: "glob with class", path: filepath.Join(data, "[ab].parquet"), ext: ".parquet", want: in("a.parquet", "b.parquet")},
		{name: "glob with ?", path: filepath.Join(data, "?.csv"), ext: ".csv", want: in("w.csv", "x.csv")},
		{name: "glob is case-sensitive", path: filepath.Join(data, "*.PARQUET"), ext: ".parquet", want: in("C.PARQUET")},
		{name: "glob without match", path: filepath.Join(data, "*.json"), ext: ".json", wantErr: "no files match"},
		{name: "bad glob", path: filepath.Join(data, "[a"), ext: ".csv", wantErr: "glob"},
		{name: "directory without matching files", path: filepath.Join(root, "other"), ext: ".parquet", wantErr: "no .parquet files"},
		{name: "empty directory", path: filepath.Join(root, "empty"), ext: ".csv", wantErr: "no .csv files"},
		{name: "missing path", path: filepath.Join(root, "nosuch.parquet"), ext: ".parquet", wantErr: "nosuch.parquet"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sources.Files(tc.path, tc.ext)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("Files(%q) = %v, want an error", tc.path, got)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Files(%q) error %q does not contain %q", tc.path, err, tc.wantErr)
				}
				if got != nil {
					t.Errorf("Files(%q) returned %v along with an error", tc.path, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Files(%q): %v", tc.path, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Files(%q) = %v, want %v", tc.path, got, tc.want)
			}
		})
	}
}

func TestFilesMissingIsNotExist(t *testing.T) {
	_, err := sources.Files(filepath.Join(t.TempDir(), "nosuch"), ".csv")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("error %v is not fs.ErrNotExist", err)
	}
}

func TestTableName(t *testing.T) {
	tests := []struct {
		file, want string
	}{
		{"a/Candles.parquet", "candles"},
		{"x.csv.gz", "x"},
		{"x.csv.zst", "x"},
		{"dir/Trades.CSV", "trades"},
		{"/abs/path/events.2024.parquet", "events.2024"},
		{"dir.v2/data", "data"},
		{"plain", "plain"},
		{"x.gz", "x"},
		{".hidden", ".hidden"},
		{"dir/MixedCase_Name.parquet", "mixedcase_name"},
	}
	for _, tc := range tests {
		if got := sources.TableName(tc.file); got != tc.want {
			t.Errorf("TableName(%q) = %q, want %q", tc.file, got, tc.want)
		}
	}
}
