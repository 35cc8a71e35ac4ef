// Package parquet serves Parquet files as a table. It reads one row group at
// a time through arrow-go's pqarrow and decodes only the projected columns.
package parquet

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	pqschema "github.com/apache/arrow-go/v18/parquet/schema"

	"github.com/riffq/riffq/expr"
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
	// local maps, for each file, the table's file columns to that file's
	// own (-1 where the file lacks the column: it reads as NULL there).
	local [][]int
	index map[string]int // position of each file in files
	rows  int64          // rows of all files, from their footers
	// stats are what the footers say of the table (stats.go), read once
	// at open: the files do not change under a table.
	stats sources.Statistics
	// cache keeps the footers and decoded column chunks of local files
	// (cache.go); nil for remote files.
	cache *Cache
}

// Open returns a table over the Parquet files that path names: a file, a
// directory (every *.parquet file in it) or a glob. The table has every
// column of every file (a column in several files must have one type; a
// file without it reads NULL there). Only the footers are read here. A directory laid out Hive-style
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
	if _, local := fs.(sources.LocalFS); local {
		t.cache = NewCache(DefaultCacheBytes)
	}
	// The table has every column of every file, in order of first
	// appearance; a column in several files must have one type.
	var fields []arrow.Field
	index := make(map[string]int)
	schemas := make([]*arrow.Schema, len(files))
	fileRows := make([]int64, len(files))
	perFile := make([][]colStat, len(files))
	for i, f := range files {
		schema, rows, stats, err := t.readSchema(ctx, f)
		if err != nil {
			return nil, err
		}
		t.rows += rows
		schemas[i], fileRows[i], perFile[i] = schema, rows, stats
		for _, fld := range schema.Fields() {
			j, ok := index[fld.Name]
			if !ok {
				index[fld.Name] = len(fields)
				fields = append(fields, fld)
				continue
			}
			if !arrow.TypeEqual(fields[j].Type, fld.Type) {
				return nil, fmt.Errorf("parquet %s: column %s is %s, but %s in %s", f, fld.Name, fld.Type, fields[j].Type, firstWith(files, schemas, fld.Name))
			}
			fields[j].Nullable = fields[j].Nullable || fld.Nullable
		}
	}
	for i := range files {
		local := make([]int, len(fields))
		for j, fld := range fields {
			local[j] = -1
			if k := schemas[i].FieldIndices(fld.Name); len(k) > 0 {
				local[j] = k[0]
			}
			if local[j] < 0 {
				fields[j].Nullable = true
			}
		}
		t.local = append(t.local, local)
	}
	// A column's statistics over the files; a file without the column
	// holds NULLs there.
	merged := make([]colStat, len(fields))
	for i := range files {
		for j := range fields {
			st := colStat{bounded: true, nulls: fileRows[i]}
			if l := t.local[i][j]; l >= 0 {
				st = perFile[i][l]
			}
			if i == 0 {
				merged[j] = st
			} else {
				merged[j].merge(st)
			}
		}
	}
	t.stats = sources.Statistics{RowCount: t.rows}
	for j, st := range merged {
		t.stats.Columns = append(t.stats.Columns, st.column(fields[j].Type))
	}
	t.schema = arrow.NewSchema(fields, nil)
	t.nfile = len(fields)
	t.index = make(map[string]int, len(files))
	for i, f := range files {
		t.index[f] = i
	}
	return t, nil
}

// openParquet opens one file's footer.
func (t *Table) openParquet(ctx context.Context, path string) (*file.Reader, error) {
	pf, _, err := t.openVersion(ctx, path)
	return pf, err
}

// openVersion opens one file, its footer read from the cache when the file
// has not changed since; v is the file's version when the table caches.
func (t *Table) openVersion(ctx context.Context, path string) (pf *file.Reader, v fileVersion, err error) {
	var opts []file.ReadOption
	if t.cache != nil {
		if v, err = localVersion(path); err != nil {
			return nil, v, err
		}
		if md := t.cache.footer(path, v); md != nil {
			opts = append(opts, file.WithMetadata(md))
		}
	}
	f, err := t.fs.Open(ctx, path)
	if err != nil {
		return nil, v, fmt.Errorf("open parquet %s: %w", path, err)
	}
	if pf, err = file.NewParquetReader(f, opts...); err != nil {
		f.Close()
		return nil, v, fmt.Errorf("open parquet %s: %w", path, err)
	}
	if t.cache != nil && len(opts) == 0 {
		t.cache.putFooter(path, v, pf.MetaData())
	}
	return pf, v, nil
}

// readSchema reads a file's schema, row count and column statistics from
// its footer.
func (t *Table) readSchema(ctx context.Context, path string) (*arrow.Schema, int64, []colStat, error) {
	pf, err := t.openParquet(ctx, path)
	if err != nil {
		return nil, 0, nil, err
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("read parquet %s: %w", path, err)
	}
	schema, err := fr.Schema()
	if err != nil {
		return nil, 0, nil, fmt.Errorf("parquet schema of %s: %w", path, err)
	}
	stats := fileStats(pf, fr.Manifest, schema)
	// The ARROW:schema metadata pqarrow stores is of no use downstream;
	// nested columns PostgreSQL has no type for are served as json.
	fields := schema.Fields()
	for i, f := range fields {
		switch {
		case sources.AsJSON(f.Type):
			fields[i].Type = sources.JSONType()
		case i < len(fr.Manifest.Fields) && fr.Manifest.Fields[i].ColIndex >= 0:
			// pqarrow reads a JSON column and an INTERVAL one (DuckDB
			// writes both) as bytes: their Parquet types say more.
			col := pf.MetaData().Schema.Column(fr.Manifest.Fields[i].ColIndex)
			switch {
			case col.LogicalType().Equals(pqschema.JSONLogicalType{}):
				fields[i].Type = sources.JSONType()
			case col.ConvertedType() == pqschema.ConvertedTypes.Interval && col.TypeLength() == 12:
				fields[i].Type = arrow.FixedWidthTypes.MonthDayNanoInterval
			default:
				fields[i].Type = sources.Canonical(f.Type)
			}
		default:
			fields[i].Type = sources.Canonical(f.Type)
		}
	}
	return arrow.NewSchema(fields, nil), pf.NumRows(), stats, nil
}

// Statistics reports what the files' footers record: the row count, and
// per file column the null count and, for integers, floats, dates and
// strings, the bounds of the row groups' min and max. Partition columns
// have none.
func (t *Table) Statistics() sources.Statistics { return t.stats }

// firstWith names the first file that has column name.
func firstWith(files []string, schemas []*arrow.Schema, name string) string {
	for i, s := range schemas {
		if s != nil && len(s.FieldIndices(name)) > 0 {
			return files[i]
		}
	}
	return ""
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
	fileSchema := arrow.NewSchema(t.schema.Fields()[:t.nfile], nil)
	fileOut := sources.ProjectSchema(fileSchema, fileProj)
	files := t.files
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
			}
		}
	}
	open := func(ctx context.Context, path string) (sources.FileBatches, error) {
		fi := t.index[path]
		fb, err := t.openFile(ctx, fi, fileProj, req.Filters, fileOut)
		if err != nil || t.parts == nil {
			return fb, err
		}
		// Put the file's partition values in, as constant columns.
		vals := t.parts[fi]
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

// openFile prepares the scan of one file: want lists the table's file
// columns to return, in order; the file's own indices come from t.local.
func (t *Table) openFile(ctx context.Context, fi int, want []int, filters []expr.Expr, schema *arrow.Schema) (sources.FileBatches, error) {
	path := t.files[fi]
	local := t.local[fi]
	pf, version, err := t.openVersion(ctx, path)
	if err != nil {
		return sources.FileBatches{}, err
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: batchRows}, t.mem)
	if err != nil {
		pf.Close()
		return sources.FileBatches{}, fmt.Errorf("read parquet %s: %w", path, err)
	}
	fileSchema, _ := fr.Schema()
	fileFilters := localFilters(filters, local)
	groups := rowGroups(pf, fr.Manifest, fileSchema, fileFilters)
	// The string sets are exact (SupportsFilters): each is applied to
	// every row, its column decoded even when the scan does not return it.
	var sets []stringSet
	for _, set := range stringSets(arrow.NewSchema(t.schema.Fields()[:t.nfile], nil), filters) {
		if local[set.field] < 0 {
			// The file lacks the column: NULL in every row, in no set.
			pf.Close()
			return sources.FileBatches{Next: func() (arrow.RecordBatch, error) { return nil, nil }, Close: func() {}}, nil
		}
		set.field = local[set.field]
		sets = append(sets, set)
	}
	if groups == nil {
		groups = make([]int, pf.NumRowGroups())
		for i := range groups {
			groups[i] = i
		}
	}
	var sorted []int // the file's columns to decode, in file order, as pqarrow returns them
	for _, c := range want {
		if local[c] >= 0 {
			sorted = append(sorted, local[c])
		}
	}
	returned := slices.Clone(sorted) // the decoded columns the scan returns
	for _, set := range sets {
		sorted = append(sorted, set.field)
	}
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	returnedAt := make([]bool, len(sorted)) // by position in sorted
	for i, f := range sorted {
		returnedAt[i] = slices.Contains(returned, f)
	}
	// assemble builds the output batch from the decoded columns (nil when
	// none were decoded): NULLs where the file lacks a column, json text
	// for nested columns.
	assemble := func(src arrow.RecordBatch, rows int64) (arrow.RecordBatch, error) {
		if src != nil && len(sets) > 0 {
			sel, err := selectByDictionary(ctx, t.mem, src, sets, func(field int) (int, bool) {
				return slices.BinarySearch(sorted, field)
			}, func(col int) bool { return returnedAt[col] })
			if err != nil {
				return nil, fmt.Errorf("read parquet %s: %w", path, err)
			}
			defer sel.Release()
			src, rows = sel, sel.NumRows()
		}
		cols := make([]arrow.Array, len(want))
		var owned []arrow.Array
		defer func() {
			for _, a := range owned {
				a.Release()
			}
		}()
		for i, c := range want {
			l := local[c]
			if l < 0 {
				cols[i] = array.MakeArrayOfNull(t.mem, schema.Field(i).Type, int(rows))
				owned = append(owned, cols[i])
				continue
			}
			pos, _ := slices.BinarySearch(sorted, l)
			cols[i] = src.Column(pos)
			if d, ok := cols[i].(*array.Dictionary); ok && d.Dictionary().DataType().ID() == schema.Field(i).Type.ID() {
				plain, err := expandDictionary(t.mem, d)
				if err != nil {
					return nil, fmt.Errorf("read parquet %s: %w", path, err)
				}
				owned = append(owned, plain)
				cols[i] = plain
			}
			switch want := schema.Field(i).Type; {
			case want.ID() == arrow.EXTENSION && sources.AsJSON(cols[i].DataType()):
				j, err := sources.ToJSON(t.mem, cols[i])
				if err != nil {
					return nil, fmt.Errorf("read parquet %s: %w", path, err)
				}
				owned = append(owned, j)
				cols[i] = j
			case !arrow.TypeEqual(cols[i].DataType(), want):
				c, err := sources.ToCanonical(t.mem, cols[i], want)
				if err != nil {
					return nil, fmt.Errorf("read parquet %s column %s: %w", path, schema.Field(i).Name, err)
				}
				owned = append(owned, c)
				cols[i] = c
			}
		}
		return array.NewRecordBatch(schema, cols, rows), nil
	}
	if len(sorted) == 0 || len(groups) == 0 {
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
				return assemble(nil, n)
			},
			Close: func() {},
		}, nil
	}
	cols := leafColumns(fr.Manifest, sorted)
	props := pqarrow.ArrowReadProperties{BatchSize: batchRows}
	for _, leaf := range dictLeaves(pf.MetaData(), cols) {
		props.SetReadDict(leaf, true)
	}
	// Local files are read concurrently; remote ones (httpfs) one range
	// request at a time.
	_, localFS := t.fs.(sources.LocalFS)
	parallel := localFS && len(groups) > 1 && runtime.GOMAXPROCS(0) > 1
	if t.cache != nil {
		// Through the cache, a row group's columns are decoded whole, as
		// one batch, and cached as such.
		cprops := props
		cprops.BatchSize = maxGroupRows(pf.MetaData(), groups)
		field, value, lookup := equalityLookup(fileSchema, fileFilters)
		fill := lookup && len(groups) <= cachedScanGroups
		if !fill {
			field = -1
			fill = t.cache.admits(decodedBytes(pf.MetaData(), cols, groups)) && t.cache.visit(path, version, sorted, groups)
		}
		if fill || t.cache.holdsAny(path, version, sorted, groups) {
			load := func(g int) (arrow.RecordBatch, error) {
				return t.groupColumns(ctx, pf, path, version, cprops, fr.Manifest, sorted, g, fill)
			}
			if parallel && field < 0 {
				return t.parallelGroups(ctx, pf, groups, func(g int) ([]arrow.RecordBatch, error) {
					b, err := load(g)
					if err != nil {
						return nil, err
					}
					defer b.Release()
					return batchSlices(b), nil
				}, assemble), nil
			}
			return t.cachedGroups(ctx, pf, path, version, load, groups, field, value, assemble), nil
		}
	}
	if parallel {
		decode := func(g int) ([]arrow.RecordBatch, error) {
			batches, err := t.readGroup(ctx, pf, props, cols, g)
			if err != nil {
				return nil, fmt.Errorf("read parquet %s: %w", path, err)
			}
			return batches, nil
		}
		return t.parallelGroups(ctx, pf, groups, decode, assemble), nil
	}
	if fr, err = pqarrow.NewFileReader(pf, props, t.mem); err != nil {
		pf.Close()
		return sources.FileBatches{}, fmt.Errorf("read parquet %s: %w", path, err)
	}
	rr, err := fr.GetRecordReader(ctx, cols, groups)
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
			return assemble(src, src.NumRows())
		},
		Close: func() {
			rr.Release()
			pf.Close()
		},
	}, nil
}

// readGroup decodes the leaves cols of row group g, batchRows (props) at
// a time.
func (t *Table) readGroup(ctx context.Context, pf *file.Reader, props pqarrow.ArrowReadProperties, cols []int, g int) ([]arrow.RecordBatch, error) {
	fr, err := pqarrow.NewFileReader(pf, props, t.mem)
	if err != nil {
		return nil, err
	}
	rr, err := fr.GetRecordReader(ctx, cols, []int{g})
	if err != nil {
		return nil, err
	}
	defer rr.Release()
	var batches []arrow.RecordBatch
	for rr.Next() {
		b := rr.RecordBatch()
		b.Retain()
		batches = append(batches, b)
		runtime.Gosched() // a short query's turn (see engine's orderedMap)
	}
	if err := rr.Err(); err != nil {
		for _, b := range batches {
			b.Release()
		}
		return nil, err
	}
	return batches, nil
}

// batchSlices cuts b into slices of batchRows rows, each to be released.
func batchSlices(b arrow.RecordBatch) []arrow.RecordBatch {
	var parts []arrow.RecordBatch
	for lo := int64(0); lo < b.NumRows(); lo += batchRows {
		parts = append(parts, b.NewSlice(lo, min(lo+batchRows, b.NumRows())))
	}
	return parts
}

// groupResult is one decoded and assembled row group.
type groupResult struct {
	batches []arrow.RecordBatch
	err     error
}

// parallelGroups reads a file's row groups on every core, at most one row
// group per core ahead of the reader: each worker loads a row group's
// batches and assembles them into the scan's batches. The reader gets them
// in row-group order.
func (t *Table) parallelGroups(ctx context.Context, pf *file.Reader, groups []int, load func(group int) ([]arrow.RecordBatch, error),
	assemble func(arrow.RecordBatch, int64) (arrow.RecordBatch, error)) sources.FileBatches {
	workers := min(runtime.GOMAXPROCS(0), len(groups))
	slots := make([]chan groupResult, len(groups))
	for i := range slots {
		slots[i] = make(chan groupResult, 1)
	}
	ahead := make(chan struct{}, workers) // row groups loaded but not yet read
	done := make(chan struct{})
	var next atomic.Int64
	var wg sync.WaitGroup
	work := func(g int) groupResult {
		loaded, err := load(g)
		if err != nil {
			return groupResult{err: err}
		}
		var res groupResult
		for i, b := range loaded {
			out, err := assemble(b, b.NumRows())
			b.Release()
			if err != nil {
				for _, b := range loaded[i+1:] {
					b.Release()
				}
				for _, b := range res.batches {
					b.Release()
				}
				return groupResult{err: err}
			}
			if out.NumRows() == 0 {
				out.Release()
				continue
			}
			res.batches = append(res.batches, out)
		}
		return res
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case ahead <- struct{}{}:
				case <-done:
					return
				}
				i := int(next.Add(1)) - 1
				if i >= len(groups) {
					return
				}
				slots[i] <- loadSafely(work, groups[i])
			}
		}()
	}
	var (
		cur     int
		pending []arrow.RecordBatch
	)
	return sources.FileBatches{
		Next: func() (arrow.RecordBatch, error) {
			for len(pending) == 0 {
				if cur == len(groups) {
					return nil, nil
				}
				var res groupResult
				select {
				case res = <-slots[cur]:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
				cur++
				<-ahead
				if res.err != nil {
					return nil, res.err
				}
				pending = res.batches
			}
			b := pending[0]
			pending = pending[1:]
			return b, nil
		},
		Close: func() {
			close(done)
			// Unblock workers waiting to hand over a row group, then wait.
			go func() {
				for range ahead {
				}
			}()
			wg.Wait()
			close(ahead)
			for _, b := range pending {
				b.Release()
			}
			for _, ch := range slots[cur:] {
				select {
				case res := <-ch:
					for _, b := range res.batches {
						b.Release()
					}
				default:
				}
			}
			pf.Close()
		},
	}
}

// localFilters renumbers filters over the table's columns to one file's
// columns, dropping those that read a column the file lacks (they cannot
// prune its row groups).
func localFilters(filters []expr.Expr, local []int) []expr.Expr {
	var out []expr.Expr
	for _, f := range filters {
		ok := true
		for _, c := range expr.Columns(f) {
			if c >= len(local) || local[c] < 0 {
				ok = false
			}
		}
		if !ok {
			continue
		}
		out = append(out, expr.Rewrite(f, func(e expr.Expr) expr.Expr {
			if c, isCol := e.(*expr.Column); isCol {
				return &expr.Column{Index: local[c.Index], Name: c.Name, Type: c.Type}
			}
			return e
		}))
	}
	return out
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

// loadSafely runs work on a worker goroutine, where a panic (a file
// arrow-go cannot decode) would end the process: it fails the scan.
func loadSafely(work func(int) groupResult, group int) (res groupResult) {
	defer func() {
		if r := recover(); r != nil {
			res = groupResult{err: fmt.Errorf("decode row group %d: %v", group, r)}
		}
	}()
	return work(group)
}
