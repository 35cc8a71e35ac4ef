// Package parquet serves Parquet files as a table. It reads one row group at
// a time through arrow-go's pqarrow and decodes only the projected columns.
package parquet

import (
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/riffq/riffq/sources"
)

// batchRows is the number of rows decoded per batch: large enough to amortize
// per-batch work, small enough to keep a scan's memory in the megabytes.
const batchRows = 64 * 1024

// Table is a table over one or more Parquet files with the same schema.
type Table struct {
	fs     sources.FileSystem
	files  []string
	schema *arrow.Schema // the files' columns, then the partition columns
	mem    memory.Allocator
	// nfile is the number of columns the files hold; partition columns
	// (Hive-style year=2024/ directories) follow them, with one value per
	// file in parts.
	nfile int
	parts [][]scalar.Scalar
}

// Open returns a table over the Parquet files that path names: a file, a
// directory (every *.parquet file in it) or a glob. All files must share one
// schema. Only the footers are read here. A directory laid out Hive-style
// (year=2024/month=01/...) is one table over every file below it, with the
// partition keys as columns.
func Open(path string) (*Table, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() && IsHive(path) {
		return OpenHive(path)
	}
	files, err := sources.Files(path, ".parquet")
	if err != nil {
		return nil, err
	}
	return OpenFiles(files)
}

// OpenHive returns a table over a Hive-style partitioned directory: every
// .parquet file below it, with a column per partition key after the files'
// columns (bigint when every value is an integer, else text). Filters on
// partition columns skip whole files.
func OpenHive(dir string) (*Table, error) {
	files, keys, values, err := hiveFiles(dir)
	if err != nil {
		return nil, fmt.Errorf("parquet: %w", err)
	}
	t, err := OpenFiles(files)
	if err != nil {
		return nil, err
	}
	fields, vals := partitionColumns(keys, values)
	for _, f := range fields {
		if len(t.schema.FieldIndices(f.Name)) > 0 {
			return nil, fmt.Errorf("parquet %s: partition key %q is also a column of the files", dir, f.Name)
		}
	}
	t.schema = arrow.NewSchema(append(t.schema.Fields(), fields...), nil)
	t.parts = vals
	return t, nil
}

// OpenFiles returns a table over the given Parquet files.
func OpenFiles(files []string) (*Table, error) {
	return OpenFS(context.Background(), sources.LocalFS{}, files)
}

// OpenFS returns a table over the given Parquet files of fs (local files,
// or URLs through sources/httpfs, whose range requests fetch the footer
// first and then only the column chunks a scan needs).
func OpenFS(ctx context.Context, fs sources.FileSystem, files []string) (*Table, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("parquet: no files")
	}
	t := &Table{fs: fs, files: files, mem: memory.DefaultAllocator}
	for _, f := range files {
		schema, err := t.readSchema(ctx, f)
		if err != nil {
			return nil, err
		}
		if t.schema == nil {
			t.schema = schema
			t.nfile = schema.NumFields()
			continue
		}
		if !schemaFieldsEqual(t.schema, schema) {
			return nil, fmt.Errorf("parquet %s: schema %s differs from %s's %s", f, schema, files[0], t.schema)
		}
	}
	return t, nil
}

// openParquet opens one file's footer.
func (t *Table) openParquet(ctx context.Context, path string) (*file.Reader, error) {
	f, err := t.fs.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("open parquet %s: %w", path, err)
	}
	pf, err := file.NewParquetReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open parquet %s: %w", path, err)
	}
	return pf, nil
}

func (t *Table) readSchema(ctx context.Context, path string) (*arrow.Schema, error) {
	pf, err := t.openParquet(ctx, path)
	if err != nil {
		return nil, err
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
	// The ARROW:schema metadata pqarrow stores is of no use downstream;
	// nested columns PostgreSQL has no type for are served as json.
	fields := schema.Fields()
	for i, f := range fields {
		if sources.AsJSON(f.Type) {
			fields[i].Type = sources.JSONType()
		}
	}
	return arrow.NewSchema(fields, nil), nil
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
// each row group by row group in batches of batchRows rows, skipping the row
// groups whose statistics rule out the scan's filters, and the files whose
// partition values do.
func (t *Table) Scan(ctx context.Context, req sources.ScanRequest) (array.RecordReader, error) {
	schema := sources.ProjectSchema(t.schema, req.Projection)
	proj := req.Projection
	if proj == nil {
		proj = make([]int, t.schema.NumFields())
		for i := range proj {
			proj[i] = i
		}
	}
	// The files' own columns, in the order the projection names them
	// (nil: all of them, in file order).
	fileProj := []int{}
	for _, c := range proj {
		if c < t.nfile {
			fileProj = append(fileProj, c)
		}
	}
	if req.Projection == nil && len(t.parts) == 0 {
		fileProj = nil
	}
	fileSchema := arrow.NewSchema(t.schema.Fields()[:t.nfile], nil)
	fileOut := sources.ProjectSchema(fileSchema, fileProj)
	var sorted []int // distinct projected fields in file order, as pqarrow returns them
	if fileProj != nil {
		sorted = slices.Clone(fileProj)
		slices.Sort(sorted)
		sorted = slices.Compact(sorted)
	}
	files, partOf := t.files, make(map[string][]scalar.Scalar, len(t.files))
	if t.parts != nil {
		files = nil
		for i, f := range t.files {
			keep := true
			for _, flt := range req.Filters {
				if partitionFilter(flt, t.nfile) && partitionMatch(flt, t.nfile, t.parts[i]) != triTrue {
					keep = false
					break
				}
			}
			if keep {
				files = append(files, f)
				partOf[f] = t.parts[i]
			}
		}
	}
	fileReq := sources.ScanRequest{Projection: fileProj, Filters: req.Filters, Limit: req.Limit}
	open := func(ctx context.Context, path string) (sources.FileBatches, error) {
		fb, err := t.openFile(ctx, path, fileReq, fileOut, sorted)
		if err != nil || t.parts == nil {
			return fb, err
		}
		// Put the file's partition values in, as constant columns.
		vals := partOf[path]
		inner := fb.Next
		fb.Next = func() (arrow.RecordBatch, error) {
			b, err := inner()
			if err != nil || b == nil {
				return b, err
			}
			defer b.Release()
			cols := make([]arrow.Array, len(proj))
			defer func() {
				for i, c := range proj {
					if c >= t.nfile && cols[i] != nil {
						cols[i].Release()
					}
				}
			}()
			next := 0
			for i, c := range proj {
				if c < t.nfile {
					cols[i] = b.Column(next)
					next++
					continue
				}
				if cols[i], err = scalar.MakeArrayFromScalar(vals[c-t.nfile], int(b.NumRows()), t.mem); err != nil {
					return nil, err
				}
			}
			return array.NewRecordBatch(schema, cols, b.NumRows()), nil
		}
		return fb, nil
	}
	return sources.ScanFiles(ctx, schema, files, req.Limit, open), nil
}

// openFile prepares the scan of one file.
func (t *Table) openFile(ctx context.Context, path string, req sources.ScanRequest, schema *arrow.Schema, sorted []int) (sources.FileBatches, error) {
	pf, err := t.openParquet(ctx, path)
	if err != nil {
		return sources.FileBatches{}, err
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: batchRows}, t.mem)
	if err != nil {
		pf.Close()
		return sources.FileBatches{}, fmt.Errorf("read parquet %s: %w", path, err)
	}
	groups := rowGroups(pf, fr.Manifest, arrow.NewSchema(t.schema.Fields()[:t.nfile], nil), req.Filters)
	if groups == nil {
		groups = make([]int, pf.NumRowGroups())
		for i := range groups {
			groups[i] = i
		}
	}
	if len(schema.Fields()) == 0 || len(groups) == 0 {
		// Nothing to decode: one batch of the right length per row group.
		md := pf.MetaData()
		pf.Close()
		return sources.FileBatches{
			Next: func() (arrow.RecordBatch, error) {
				if len(groups) == 0 {
					return nil, nil
				}
				n := md.RowGroup(groups[0]).NumRows()
				groups = groups[1:]
				return array.NewRecordBatch(schema, nil, n), nil
			},
			Close: func() {},
		}, nil
	}
	rr, err := fr.GetRecordReader(ctx, leafColumns(fr.Manifest, sorted), groups)
	if err != nil {
		pf.Close()
		return sources.FileBatches{}, fmt.Errorf("read parquet %s: %w", path, err)
	}
	return sources.FileBatches{
		Next: func() (arrow.RecordBatch, error) {
			if !rr.Next() {
				if err := rr.Err(); err != nil {
					return nil, fmt.Errorf("read parquet %s: %w", path, err)
				}
				return nil, nil
			}
			src := rr.RecordBatch()
			cols := make([]arrow.Array, len(schema.Fields()))
			if req.Projection == nil {
				copy(cols, src.Columns())
			} else {
				for i, c := range req.Projection {
					pos, _ := slices.BinarySearch(sorted, c)
					cols[i] = src.Column(pos)
				}
			}
			for i, c := range cols {
				if schema.Field(i).Type.ID() == arrow.EXTENSION && sources.AsJSON(c.DataType()) {
					j, err := sources.ToJSON(t.mem, c)
					if err != nil {
						return nil, fmt.Errorf("read parquet %s: %w", path, err)
					}
					defer j.Release()
					cols[i] = j
				}
			}
			return array.NewRecordBatch(schema, cols, src.NumRows()), nil
		},
		Close: func() {
			rr.Release()
			pf.Close()
		},
	}, nil
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
