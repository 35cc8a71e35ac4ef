// Package parquet serves Parquet files as a table. It reads one row group at
// a time through arrow-go's pqarrow and decodes only the projected columns.
package parquet

import (
	"context"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/sources"
)

// batchRows is the number of rows decoded per batch: large enough to amortize
// per-batch work, small enough to keep a scan's memory in the megabytes.
const batchRows = 64 * 1024

// Table is a table over one or more Parquet files with the same schema.
type Table struct {
	files  []string
	schema *arrow.Schema
	mem    memory.Allocator
}

// Open returns a table over the Parquet files that path names: a file, a
// directory (every *.parquet file in it) or a glob. All files must share one
// schema. Only the footers are read here.
func Open(path string) (*Table, error) {
	files, err := sources.Files(path, ".parquet")
	if err != nil {
		return nil, err
	}
	return OpenFiles(files)
}

// OpenFiles returns a table over the given Parquet files.
func OpenFiles(files []string) (*Table, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("parquet: no files")
	}
	t := &Table{files: files, mem: memory.DefaultAllocator}
	for _, f := range files {
		schema, err := readSchema(f)
		if err != nil {
			return nil, err
		}
		if t.schema == nil {
			t.schema = schema
			continue
		}
		if !schemaFieldsEqual(t.schema, schema) {
			return nil, fmt.Errorf("parquet %s: schema %s differs from %s's %s", f, schema, files[0], t.schema)
		}
	}
	return t, nil
}

func readSchema(path string) (*arrow.Schema, error) {
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, fmt.Errorf("open parquet %s: %w", path, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		return nil, fmt.Errorf("read parquet %s: %w", path, err)
	}
	schema, err := fr.Schema()
	if err != nil {
		return nil, fmt.Errorf("parquet schema of %s: %w", path, err)
	}
	// The ARROW:schema metadata pqarrow stores is of no use downstream.
	return arrow.NewSchema(schema.Fields(), nil), nil
}

func schemaFieldsEqual(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := range a.NumFields() {
		fa, fb := a.Field(i), b.Field(i)
		if fa.Name != fb.Name || !arrow.TypeEqual(fa.Type, fb.Type) {
			return false
		}
	}
	return true
}

// Files returns the files the table reads.
func (t *Table) Files() []string { return t.files }

// Schema implements sources.TableProvider.
func (t *Table) Schema() *arrow.Schema { return t.schema }

// Scan implements sources.TableProvider. Files are read one after another,
// each row group by row group in batches of batchRows rows.
func (t *Table) Scan(ctx context.Context, req sources.ScanRequest) (array.RecordReader, error) {
	schema := sources.ProjectSchema(t.schema, req.Projection)
	s := &scan{ctx: ctx, t: t, req: req, schema: schema, remaining: req.Limit}
	if req.Projection != nil {
		// pqarrow returns fields in file order; remember where each goes.
		s.sorted = slices.Clone(req.Projection)
		slices.Sort(s.sorted)
		s.sorted = slices.Compact(s.sorted)
	}
	return batchio.NewReader(schema, s.next, s.close), nil
}

type scan struct {
	ctx       context.Context
	t         *Table
	req       sources.ScanRequest
	schema    *arrow.Schema
	sorted    []int // distinct projected field indices in file order
	remaining int64

	fileIdx int
	pf      *file.Reader
	rr      pqarrow.RecordReader
	// rowGroupRows holds the row counts still to emit when no column is
	// projected (count(*)), where there is nothing to decode.
	rowGroupRows []int64
}

func (s *scan) next() (arrow.RecordBatch, error) {
	for {
		if err := s.ctx.Err(); err != nil {
			return nil, err
		}
		if s.remaining == 0 {
			return nil, nil
		}
		if s.pf == nil {
			if s.fileIdx == len(s.t.files) {
				return nil, nil
			}
			if err := s.openFile(s.t.files[s.fileIdx]); err != nil {
				return nil, err
			}
			s.fileIdx++
		}
		b, err := s.nextInFile()
		if err != nil {
			return nil, err
		}
		if b == nil {
			s.closeFile()
			continue
		}
		if s.remaining > 0 {
			if b.NumRows() > s.remaining {
				sliced := b.NewSlice(0, s.remaining)
				b.Release()
				b = sliced
			}
			s.remaining -= b.NumRows()
		}
		return b, nil
	}
}

func (s *scan) openFile(path string) error {
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return fmt.Errorf("open parquet %s: %w", path, err)
	}
	s.pf = pf
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: batchRows}, s.t.mem)
	if err != nil {
		return fmt.Errorf("read parquet %s: %w", path, err)
	}
	if len(s.schema.Fields()) == 0 {
		// Nothing to decode: emit each surviving row group's row count.
		md := pf.MetaData()
		groups := rowGroups(pf, fr.Manifest, s.t.schema, s.req.Filters)
		if groups == nil {
			for i := range md.NumRowGroups() {
				groups = append(groups, i)
			}
		}
		for _, i := range groups {
			s.rowGroupRows = append(s.rowGroupRows, md.RowGroup(i).NumRows())
		}
		return nil
	}
	leaves := leafColumns(fr.Manifest, s.sorted)
	groups := rowGroups(pf, fr.Manifest, s.t.schema, s.req.Filters)
	if groups != nil && len(groups) == 0 {
		return nil // statistics rule out every row group
	}
	rr, err := fr.GetRecordReader(s.ctx, leaves, groups)
	if err != nil {
		return fmt.Errorf("read parquet %s: %w", path, err)
	}
	s.rr = rr
	return nil
}

func (s *scan) nextInFile() (arrow.RecordBatch, error) {
	if s.rr == nil {
		if len(s.rowGroupRows) == 0 {
			return nil, nil
		}
		n := s.rowGroupRows[0]
		s.rowGroupRows = s.rowGroupRows[1:]
		return array.NewRecordBatch(s.schema, nil, n), nil
	}
	if !s.rr.Next() {
		if err := s.rr.Err(); err != nil {
			return nil, fmt.Errorf("read parquet %s: %w", s.t.files[s.fileIdx-1], err)
		}
		return nil, nil
	}
	src := s.rr.RecordBatch()
	cols := make([]arrow.Array, len(s.schema.Fields()))
	if s.req.Projection == nil {
		copy(cols, src.Columns())
	} else {
		for i, c := range s.req.Projection {
			pos, _ := slices.BinarySearch(s.sorted, c)
			cols[i] = src.Column(pos)
		}
	}
	return array.NewRecordBatch(s.schema, cols, src.NumRows()), nil
}

// leafColumns returns the Parquet leaf column indices of the given top-level
// fields (all leaves when fields is nil).
func leafColumns(m *pqarrow.SchemaManifest, fields []int) []int {
	if fields == nil {
		return nil
	}
	var leaves []int
	var collect func(f *pqarrow.SchemaField)
	collect = func(f *pqarrow.SchemaField) {
		if f.IsLeaf() {
			leaves = append(leaves, f.ColIndex)
		}
		for i := range f.Children {
			collect(&f.Children[i])
		}
	}
	for _, i := range fields {
		collect(&m.Fields[i])
	}
	return leaves
}

func (s *scan) closeFile() {
	if s.rr != nil {
		s.rr.Release()
		s.rr = nil
	}
	if s.pf != nil {
		s.pf.Close()
		s.pf = nil
	}
	s.rowGroupRows = nil
}

func (s *scan) close() { s.closeFile() }
