// Package csv serves CSV files as a table, with header detection and column
// type inference from a sample of the first rows.
package csv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/sources"
)

const (
	// defaultSampleRows is how many rows type inference looks at.
	defaultSampleRows = 1000
	batchRows         = 64 * 1024
)

// Table is a table over one or more CSV files with the same layout.
type Table struct {
	fs         sources.FileSystem
	files      []string
	schema     *arrow.Schema
	header     bool
	comma      byte
	null       string
	sampleRows int
}

// Options tune how CSV files are read.
type Options struct {
	// Delimiter separates fields; 0 means a comma.
	Delimiter rune
	// Header says whether the first line names the columns; nil detects it.
	Header *bool
	// Null is the unquoted text that reads as NULL instead of the empty
	// field, as COPY's NULL option: an empty field then reads as the
	// empty string in a text column (NULL in others).
	Null string
	// SampleRows is how many rows type inference reads; 0 means 1,000.
	SampleRows int
}

// Open returns a table over the CSV files that path names: a file, a
// directory (every *.csv file in it) or a glob. The first file decides the
// header and the column types; an empty field reads as NULL.
func Open(path string) (*Table, error) {
	files, err := sources.Files(path, ".csv", ".csv.gz", ".csv.zst")
	if err != nil {
		return nil, err
	}
	return OpenFiles(files)
}

// OpenFiles returns a table over the given CSV files.
func OpenFiles(files []string) (*Table, error) {
	return OpenFS(context.Background(), sources.LocalFS{}, files)
}

// OpenFS returns a table over the given CSV files of fs (local files, or
// URLs through sources/httpfs, streamed).
func OpenFS(ctx context.Context, fs sources.FileSystem, files []string) (*Table, error) {
	return OpenWith(ctx, fs, files, Options{})
}

// OpenWith is OpenFS with options. Files named *.gz or *.zst are
// decompressed as they are read.
func OpenWith(ctx context.Context, fs sources.FileSystem, files []string, opts Options) (*Table, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("csv: no files")
	}
	t := &Table{fs: fs, files: files, comma: ',', null: opts.Null, sampleRows: opts.SampleRows}
	if opts.Delimiter != 0 {
		if opts.Delimiter >= utf8.RuneSelf || opts.Delimiter == '"' || opts.Delimiter == '\n' || opts.Delimiter == '\r' {
			return nil, fmt.Errorf("csv: delimiter %q: want one ASCII character other than a quote or a line end", opts.Delimiter)
		}
		t.comma = byte(opts.Delimiter)
	}
	if t.sampleRows <= 0 {
		t.sampleRows = defaultSampleRows
	}
	rows, err := t.sample(ctx, files[0], t.sampleRows)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("csv %s: empty file", files[0])
	}
	t.schema, t.header = infer(rows, opts.Header)
	if t.header {
		for _, name := range rows[0].vals {
			if !utf8.ValidString(name) || strings.IndexByte(name, 0) >= 0 {
				return nil, fmt.Errorf("csv %s: header %q: %w", files[0], name, invalidUTF8([]byte(name)))
			}
		}
	}
	if t.header {
		// Every file repeats the header: a file whose columns are
		// in another order would put its values in the wrong columns.
		for _, f := range files[1:] {
			first, err := t.sample(ctx, f, 0)
			if err != nil {
				return nil, err
			}
			if len(first) > 0 && !slices.Equal(columnNames(first[0].vals, len(first[0].vals)), columnNames(rows[0].vals, len(rows[0].vals))) {
				return nil, fmt.Errorf("csv %s: header %q differs from %s's %q", f, strings.Join(first[0].vals, ","), files[0], strings.Join(rows[0].vals, ","))
			}
		}
	}
	return t, nil
}

// sample reads the first records of path, up to n after the first: the
// fields of one row as text, and which are NULL.
func (t *Table) sample(ctx context.Context, path string, n int) ([]sampleRow, error) {
	in, err := sources.OpenStream(ctx, t.fs, path)
	if err != nil {
		return nil, fmt.Errorf("open csv %s: %w", path, err)
	}
	defer in.Close()
	r := newReader(in, t.comma)
	var rows []sampleRow
	for len(rows) <= n {
		err := r.read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read csv %s line %d: %w", path, r.line, err)
		}
		row := sampleRow{vals: make([]string, r.fields()), null: make([]bool, r.fields()), line: r.recLine}
		for i := range row.vals {
			v, null := r.field(i, t.null)
			row.vals[i], row.null[i] = string(v), null
		}
		if len(rows) > 0 && len(row.vals) != len(rows[0].vals) {
			return nil, fmt.Errorf("csv %s line %d: %d fields where line %d has %d", path, row.line, len(row.vals), rows[0].line, len(rows[0].vals))
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// Files returns the files the table reads.
func (t *Table) Files() []string { return t.files }

// Schema implements sources.TableProvider.
func (t *Table) Schema() *arrow.Schema { return t.schema }

// Scan implements sources.TableProvider. The files are parsed as a stream of
// batches; every column is parsed and the projected ones are returned.
func (t *Table) Scan(ctx context.Context, req sources.ScanRequest) (array.RecordReader, error) {
	schema := sources.ProjectSchema(t.schema, req.Projection)
	open := func(ctx context.Context, path string) (sources.FileBatches, error) {
		return t.openFile(ctx, path, req.Projection, schema)
	}
	return sources.ScanFiles(ctx, schema, t.files, req.Limit, open), nil
}

// Partitions implements sources.Partitioner: a part per file, which the
// engine decodes on every core.
func (t *Table) Partitions(_ context.Context, req sources.ScanRequest) ([]sources.Partition, error) {
	schema := sources.ProjectSchema(t.schema, req.Projection)
	open := func(ctx context.Context, path string) (sources.FileBatches, error) {
		return t.openFile(ctx, path, req.Projection, schema)
	}
	return sources.FilePartitions(schema, t.files, req.Limit, open), nil
}

// openFile prepares the scan of one file: only the projected columns'
// fields are decoded.
func (t *Table) openFile(ctx context.Context, path string, projection []int, schema *arrow.Schema) (sources.FileBatches, error) {
	in, err := sources.OpenStream(ctx, t.fs, path)
	if err != nil {
		return sources.FileBatches{}, fmt.Errorf("open csv %s: %w", path, err)
	}
	cols := projection
	if cols == nil {
		cols = make([]int, t.schema.NumFields())
		for i := range cols {
			cols[i] = i
		}
	}
	decs := make([]*decoder, len(cols))
	for i, c := range cols {
		decs[i] = newDecoder(t.schema.Field(c).Type)
	}
	r := newReader(in, t.comma)
	skipHeader := t.header
	ncols := t.schema.NumFields()
	// fail gives PostgreSQL's error with where in the file it happened,
	// and for a value inference did not see, how to make it see it.
	fail := func(err error, col int) error {
		pe := *pgerror.From(err)
		if pe.Code == pgerror.InternalError {
			return fmt.Errorf("read csv %s line %d: %w", path, r.line, err)
		}
		where := fmt.Sprintf("csv %s line %d", path, r.recLine)
		if col >= 0 {
			where += fmt.Sprintf(", column %s", t.schema.Field(col).Name)
		}
		pe.Message = where + ": " + pe.Message
		if col >= 0 && (path != t.files[0] || r.recLine > t.sampleRows+1) {
			pe.Hint = fmt.Sprintf("The column's type was inferred from the first %d rows of %s; serve the files with ?sample=N to infer it from more.", t.sampleRows, t.files[0])
		}
		return &pe
	}
	return sources.FileBatches{
		Next: func() (arrow.RecordBatch, error) {
			rows := 0
			for rows < batchRows {
				err := r.read()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					return nil, fail(err, -1)
				}
				if skipHeader {
					skipHeader = false
					continue
				}
				switch n := r.fields(); {
				case n > ncols:
					return nil, fail(pgerror.New(pgerror.BadCopyFileFormat, "extra data after last expected column"), -1)
				case n < ncols:
					return nil, fail(pgerror.New(pgerror.BadCopyFileFormat, "missing data for column %q", t.schema.Field(n).Name), -1)
				}
				for i, c := range cols {
					v, null := r.field(c, t.null)
					if err := decs[i].append(v, null); err != nil {
						return nil, fail(err, c)
					}
				}
				rows++
			}
			if rows == 0 {
				return nil, nil
			}
			arrs := make([]arrow.Array, len(decs))
			for i, d := range decs {
				arrs[i] = d.b.NewArray()
				defer arrs[i].Release()
			}
			return array.NewRecordBatch(schema, arrs, int64(rows)), nil
		},
		Close: func() {
			for _, d := range decs {
				d.b.Release()
			}
			in.Close()
		},
	}, nil
}
