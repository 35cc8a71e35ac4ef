// Package csv serves CSV files as a table, with header detection and column
// type inference from a sample of the first rows.
package csv

import (
	"bufio"
	"context"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	arrowcsv "github.com/apache/arrow-go/v18/arrow/csv"

	"github.com/riffq/riffq/sources"
)

const (
	// defaultSampleRows is how many rows type inference looks at.
	defaultSampleRows = 1000
	batchRows         = 64 * 1024
)

// Table is a table over one or more CSV files with the same layout.
type Table struct {
	fs     sources.FileSystem
	files  []string
	schema *arrow.Schema
	header bool
	comma  rune
	null   string
}

// Options tune how CSV files are read.
type Options struct {
	// Delimiter separates fields; 0 means a comma.
	Delimiter rune
	// Header says whether the first line names the columns; nil detects it.
	Header *bool
	// Null is the text that reads as NULL (besides an empty field).
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
	t := &Table{fs: fs, files: files, comma: ',', null: opts.Null}
	if opts.Delimiter != 0 {
		t.comma = opts.Delimiter
	}
	sampleRows := opts.SampleRows
	if sampleRows <= 0 {
		sampleRows = defaultSampleRows
	}
	rows, err := t.sample(ctx, files[0], sampleRows)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("csv %s: empty file", files[0])
	}
	if t.null != "" {
		for _, row := range rows[1:] {
			for i, v := range row {
				if v == t.null {
					row[i] = ""
				}
			}
		}
	}
	t.schema, t.header = infer(rows, opts.Header)
	return t, nil
}

func (t *Table) sample(ctx context.Context, path string, sampleRows int) ([][]string, error) {
	in, err := sources.OpenStream(ctx, t.fs, path)
	if err != nil {
		return nil, fmt.Errorf("open csv %s: %w", path, err)
	}
	defer in.Close()
	r := stdcsv.NewReader(bufio.NewReader(in))
	r.Comma = t.comma
	r.ReuseRecord = false
	var rows [][]string
	for len(rows) <= sampleRows {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read csv %s: %w", path, err)
		}
		rows = append(rows, rec)
	}
	return rows, nil
}

// kind is an inferred column type, from most to least specific.
type kind int

const (
	kindNull kind = iota // only empty values seen so far
	kindBool
	kindInt
	kindFloat
	kindDate
	kindTimestamp
	kindTimestamptz
	kindText
)

func (k kind) arrowType() arrow.DataType {
	switch k {
	case kindBool:
		return arrow.FixedWidthTypes.Boolean
	case kindInt:
		return arrow.PrimitiveTypes.Int64
	case kindFloat:
		return arrow.PrimitiveTypes.Float64
	case kindDate:
		return arrow.FixedWidthTypes.Date32
	case kindTimestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case kindTimestamptz:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	}
	return arrow.BinaryTypes.String
}

// kindOf returns the most specific kind that can hold v.
func kindOf(v string) kind {
	if v == "" {
		return kindNull
	}
	// The spellings the reader's strconv.ParseBool accepts, less 1 and 0.
	switch v {
	case "true", "false", "t", "f", "TRUE", "FALSE", "True", "False", "T", "F":
		return kindBool
	}
	if _, err := strconv.ParseInt(v, 10, 64); err == nil {
		return kindInt
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil && !strings.ContainsAny(v, "xXpP_") {
		return kindFloat
	}
	if len(v) == 10 {
		if _, err := time.Parse("2006-01-02", v); err == nil {
			return kindDate
		}
	}
	if len(v) > 10 {
		if _, zoned, err := arrow.TimestampFromStringInLocation(v, arrow.Microsecond, time.UTC); err == nil {
			if zoned {
				return kindTimestamptz
			}
			return kindTimestamp
		}
	}
	return kindText
}

// widen returns the kind that holds values of both a and b. Timestamps with
// and without a zone offset widen to text: the reader accepts only zoned
// values in a timestamptz column and only unzoned ones in a timestamp column.
func widen(a, b kind) kind {
	switch {
	case a == b || b == kindNull:
		return a
	case a == kindNull:
		return b
	case (a == kindInt && b == kindFloat) || (a == kindFloat && b == kindInt):
		return kindFloat
	case (a == kindDate && b == kindTimestamp) || (a == kindTimestamp && b == kindDate):
		return kindTimestamp
	}
	return kindText
}

// infer decides the column types from the sample rows after the first, and
// whether the first row is a header: it is when one of its values would turn
// its typed column into text, or when every column is text and the first
// row's values are distinct non-empty names. A first-row value that only
// widens its column (1.5 over integers, a timestamp over dates) is data.
func infer(rows [][]string, forced *bool) (*arrow.Schema, bool) {
	ncols := len(rows[0])
	kinds := make([]kind, ncols)
	for _, row := range rows[1:] {
		for i := 0; i < ncols && i < len(row); i++ {
			kinds[i] = widen(kinds[i], kindOf(row[i]))
		}
	}
	header := len(rows) == 1
	if forced != nil {
		header = *forced
		return inferred(rows, kinds, header), header
	}
	allText := true
	for i, v := range rows[0] {
		k := kinds[i]
		if k != kindText && k != kindNull {
			allText = false
			if widen(k, kindOf(v)) == kindText {
				header = true
			}
		}
	}
	if allText && !header {
		seen := make(map[string]bool)
		header = true
		for _, v := range rows[0] {
			if v == "" || seen[v] {
				header = false
				break
			}
			seen[v] = true
		}
	}
	return inferred(rows, kinds, header), header
}

// inferred makes the schema once the header question is settled: a data
// first row widens the kinds; a header names the columns.
func inferred(rows [][]string, kinds []kind, header bool) *arrow.Schema {
	ncols := len(rows[0])
	if !header {
		for i, v := range rows[0] {
			kinds[i] = widen(kinds[i], kindOf(v))
		}
	}
	fields := make([]arrow.Field, ncols)
	for i := range fields {
		name := fmt.Sprintf("column%d", i+1)
		if header {
			name = rows[0][i]
		}
		fields[i] = arrow.Field{Name: name, Type: kinds[i].arrowType(), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
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

// openFile prepares the scan of one file.
func (t *Table) openFile(ctx context.Context, path string, projection []int, schema *arrow.Schema) (sources.FileBatches, error) {
	in, err := sources.OpenStream(ctx, t.fs, path)
	if err != nil {
		return sources.FileBatches{}, fmt.Errorf("open csv %s: %w", path, err)
	}
	nulls := []string{""}
	if t.null != "" {
		nulls = append(nulls, t.null)
	}
	r := arrowcsv.NewReader(bufio.NewReaderSize(in, 1<<20), t.schema,
		arrowcsv.WithHeader(t.header),
		arrowcsv.WithComma(t.comma),
		arrowcsv.WithChunk(batchRows),
		arrowcsv.WithNullReader(true, nulls...),
	)
	return sources.FileBatches{
		Next: func() (arrow.RecordBatch, error) {
			if !r.Next() {
				if err := r.Err(); err != nil {
					return nil, fmt.Errorf("read csv %s: %w", path, err)
				}
				return nil, nil
			}
			if err := r.Err(); err != nil {
				// The batch holds NULLs where values failed to parse.
				return nil, fmt.Errorf("read csv %s: %w", path, err)
			}
			return sources.ProjectBatch(schema, r.RecordBatch(), projection), nil
		},
		Close: func() {
			r.Release()
			in.Close()
		},
	}, nil
}
