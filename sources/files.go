package sources

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Files lists the files that path names: the file itself, every file with
// extension ext (such as ".parquet") directly inside a directory, or the
// matches of a glob pattern. The result is sorted and never empty.
func Files(path, ext string) ([]string, error) {
	if strings.ContainsAny(path, "*?[") {
		matches, err := filepath.Glob(path)
		if err != nil {
			return nil, fmt.Errorf("glob %s: %w", path, err)
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("%s: no files match", path)
		}
		slices.Sort(matches)
		return matches, nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ext) {
			files = append(files, filepath.Join(path, e.Name()))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no %s files in directory", path, ext)
	}
	return files, nil
}

// TableName derives a table name from a file name: its base name without
// extension, lower-cased as PostgreSQL folds unquoted identifiers.
func TableName(file string) string {
	base := filepath.Base(file)
	for {
		ext := filepath.Ext(base)
		if ext == "" || ext == base {
			break
		}
		base = strings.TrimSuffix(base, ext)
		if ext != ".gz" && ext != ".zst" {
			break
		}
	}
	return strings.ToLower(base)
}

// File is an open file of a file provider: read in sequence (CSV) or at
// offsets (Parquet footers and column chunks).
type File interface {
	io.Reader
	io.ReaderAt
	io.Seeker
	io.Closer
}

// FileSystem opens the files a file provider reads. Local files are the
// default; sources/httpfs reads them from HTTP servers with range requests.
type FileSystem interface {
	Open(ctx context.Context, name string) (File, error)
}

// LocalFS opens local files.
type LocalFS struct{}

// Open implements FileSystem.
func (LocalFS) Open(_ context.Context, name string) (File, error) { return os.Open(name) }
