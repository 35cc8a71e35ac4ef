package sources

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// Files lists the files that path names: the file itself, every file whose
// name ends in one of exts (such as ".parquet", ".csv.gz") directly inside
// a directory, or the matches of a glob pattern. The result is sorted and
// never empty.
func Files(path string, exts ...string) ([]string, error) {
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
		name := strings.ToLower(e.Name())
		if !e.IsDir() && slices.ContainsFunc(exts, func(ext string) bool { return strings.HasSuffix(name, ext) }) {
			files = append(files, filepath.Join(path, e.Name()))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no %s files in directory", path, strings.Join(exts, " or "))
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

// Decompress wraps a file's reader to decompress it when its name says it
// is compressed: .gz (gzip) or .zst/.zstd (Zstandard).
func Decompress(name string, r io.Reader) (io.ReadCloser, error) {
	switch lower := strings.ToLower(name); {
	case strings.HasSuffix(lower, ".gz"):
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("gunzip %s: %w", name, err)
		}
		return zr, nil
	case strings.HasSuffix(lower, ".zst") || strings.HasSuffix(lower, ".zstd"):
		zr, err := zstd.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("zstd %s: %w", name, err)
		}
		return zr.IOReadCloser(), nil
	}
	return io.NopCloser(r), nil
}

// OpenStream opens a file of fs for reading in sequence, decompressed when
// its name says so; closing the result closes the file too.
func OpenStream(ctx context.Context, fs FileSystem, name string) (io.ReadCloser, error) {
	f, err := fs.Open(ctx, name)
	if err != nil {
		return nil, err
	}
	in, err := Decompress(name, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return stream{in, f}, nil
}

// stream is a decompressing reader over a file it closes with itself.
type stream struct {
	io.ReadCloser
	file io.Closer
}

func (s stream) Close() error {
	err := s.ReadCloser.Close()
	if ferr := s.file.Close(); err == nil {
		err = ferr
	}
	return err
}
