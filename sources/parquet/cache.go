package parquet

import (
	"container/list"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	pqschema "github.com/apache/arrow-go/v18/parquet/schema"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/sources"
)

// Decoding Parquet is most of what a scan costs: decompressing pages,
// expanding dictionaries, converting decimals. The chunk cache keeps what
// scans decoded, so a query that reads the same columns again takes them
// from memory, the way PostgreSQL serves repeated queries from its shared
// buffers: the footers of local files and, per row group, the decoded
// columns, bounded by bytes and evicted least recently used first. A scan
// fills the cache only when what it decodes fits in half of it (a larger
// one would evict what other queries keep reading, to keep data that is
// read once), and only from the second scan of a chunk on, so that a
// query that runs once decodes as fast as without a cache; a scan takes
// what is already cached either way. Point lookups
// (SELECT * FROM t WHERE key = $1) go through it too, whatever their
// size: a column that equality lookups keep reading gets a hash index
// (value to rows), so a lookup in a cached row group takes the matching
// rows instead of filtering all of them. A file that changes (size or
// modification time) is read afresh.

// DefaultCacheBytes is the bound of the chunk cache a table over local
// files has until SetCache gives it another.
const DefaultCacheBytes = 256 << 20

// cachedScanGroups is the most row groups a scan may read through the
// cache: more is a scan, not a lookup.
const cachedScanGroups = 4

// indexAfter is the number of equality lookups of a cached column chunk
// after which it gets a hash index.
const indexAfter = 2

// fileVersion tells one content of a file from another.
type fileVersion struct {
	size, mtime int64
}

type chunkKey struct {
	path    string
	version fileVersion
	group   int
	field   int // the file's top-level field
}

// chunk is one decoded column of one row group.
type chunk struct {
	key     chunkKey
	arr     arrow.Array
	bytes   int64
	lookups int
	// ints or strs map a value to the rows holding it, once the chunk is
	// looked up often enough; guarded by the cache's mutex.
	ints *valueIndex[int64]
	strs *valueIndex[string]
}

// valueIndex maps values to the rows holding them: most values of a key
// column are unique, so the first row of each sits in first and only the
// values with more rows have a list.
type valueIndex[K comparable] struct {
	first map[K]int32
	more  map[K][]int32
	bytes int64 // an estimate of the maps' memory
}

func newValueIndex[K comparable](n int) *valueIndex[K] {
	return &valueIndex[K]{first: make(map[K]int32, n), more: make(map[K][]int32)}
}

func (x *valueIndex[K]) add(k K, row int32) {
	r, seen := x.first[k]
	if !seen {
		x.first[k] = row
		x.bytes += 24 // a map slot: key, value and the map's own share
		return
	}
	if _, ok := x.more[k]; !ok {
		x.more[k] = []int32{r}
		x.bytes += 48
	}
	x.more[k] = append(x.more[k], row)
	x.bytes += 8
}

func (x *valueIndex[K]) rows(k K) []int32 {
	if rows, ok := x.more[k]; ok {
		return rows
	}
	if r, ok := x.first[k]; ok {
		return []int32{r}
	}
	return nil
}

type footer struct {
	version fileVersion
	md      *metadata.FileMetaData
}

// Cache holds Parquet footers and decoded column chunks for the tables
// that share it (see SetCache). It is safe for concurrent use.
type Cache struct {
	mu      sync.Mutex
	limit   int64
	used    int64
	order   *list.List // of *chunk, most recently used first
	chunks  map[chunkKey]*list.Element
	footers map[string]footer
	// seen and older are the chunks scans decoded without caching them,
	// newest in seen; older is the generation before (seenChunks bounds
	// each).
	seen, older map[chunkKey]bool
}

// seenChunks bounds the generations of chunks decoded but not cached.
const seenChunks = 1 << 16

// NewCache returns a cache of at most limit bytes of decoded columns.
func NewCache(limit int64) *Cache {
	return &Cache{limit: limit, order: list.New(), chunks: make(map[chunkKey]*list.Element), footers: make(map[string]footer),
		seen: make(map[chunkKey]bool)}
}

// SetCache makes t keep its footers and decoded columns in c, which
// other tables may share; nil turns caching off. It has no effect on a
// table over remote files, which never caches. Call it before the table
// serves scans.
func (t *Table) SetCache(c *Cache) {
	if _, local := t.fs.(sources.LocalFS); local {
		t.cache = c
	}
}

// Bytes is the memory the cached columns take.
func (c *Cache) Bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}

// admits reports whether a scan that decodes about n bytes may fill the
// cache.
func (c *Cache) admits(n int64) bool { return n <= c.limit/2 }

// visit records that a scan decodes the given fields of groups of path at
// version v, and reports whether one of those chunks is cached or was
// decoded before: the first scan of a chunk leaves it out of the cache
// (a query that runs once pays nothing for the cache), the next one
// caches it.
func (c *Cache) visit(path string, v fileVersion, fields, groups []int) (again bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, g := range groups {
		for _, f := range fields {
			k := chunkKey{path, v, g, f}
			if _, ok := c.chunks[k]; ok || c.seen[k] || c.older[k] {
				again = true
				continue
			}
			if len(c.seen) >= seenChunks {
				c.older, c.seen = c.seen, make(map[chunkKey]bool)
			}
			c.seen[k] = true
		}
	}
	return again
}

// localVersion returns the version of a local file.
func localVersion(path string) (fileVersion, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileVersion{}, fmt.Errorf("open parquet %s: %w", path, err)
	}
	return fileVersion{fi.Size(), fi.ModTime().UnixNano()}, nil
}

// footer returns the cached footer of path at version v, or nil.
func (c *Cache) footer(path string, v fileVersion) *metadata.FileMetaData {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f, ok := c.footers[path]; ok && f.version == v {
		return f.md
	}
	return nil
}

func (c *Cache) putFooter(path string, v fileVersion, md *metadata.FileMetaData) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.footers[path] = footer{v, md}
}

// get returns the cached chunk's array, retained, or nil.
func (c *Cache) get(k chunkKey) arrow.Array {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.chunks[k]
	if !ok {
		return nil
	}
	c.order.MoveToFront(e)
	ch := e.Value.(*chunk)
	ch.arr.Retain()
	return ch.arr
}

// put caches arr (retaining it) and evicts the least recently used
// chunks beyond the limit.
func (c *Cache) put(k chunkKey, arr arrow.Array) {
	n := arrayBytes(arr.Data())
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.chunks[k]; ok || n > c.limit {
		return
	}
	arr.Retain()
	c.chunks[k] = c.order.PushFront(&chunk{key: k, arr: arr, bytes: n})
	c.used += n
	c.evictLocked()
}

// evictLocked drops the least recently used chunks until the cache is
// within its limit; c.mu is held.
func (c *Cache) evictLocked() {
	for c.used > c.limit && c.order.Len() > 0 {
		e := c.order.Back()
		old := e.Value.(*chunk)
		c.order.Remove(e)
		delete(c.chunks, old.key)
		c.used -= old.bytes
		old.arr.Release()
	}
}

// lookup returns the rows of the cached chunk k whose value is v (an
// int64 or string), building the chunk's index on its indexAfter-th
// lookup; ok is false while the chunk has no index.
func (c *Cache) lookup(k chunkKey, v any) (rows []int32, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, found := c.chunks[k]
	if !found {
		return nil, false
	}
	ch := e.Value.(*chunk)
	if ch.ints == nil && ch.strs == nil {
		if ch.lookups++; ch.lookups < indexAfter {
			return nil, false
		}
		grown, ok := ch.buildIndex()
		if !ok {
			return nil, false
		}
		ch.bytes += grown
		c.used += grown
		defer c.evictLocked()
	}
	switch x := v.(type) {
	case int64:
		if ch.ints != nil {
			return ch.ints.rows(x), true
		}
	case string:
		if ch.strs != nil {
			return ch.strs.rows(x), true
		}
	}
	return nil, false
}

// buildIndex maps the chunk's values to their rows, for integer and
// string columns; it returns the index's size, and false for a column
// of another type.
func (ch *chunk) buildIndex() (int64, bool) {
	switch a := ch.arr.(type) {
	case *array.Int64:
		ch.ints = newValueIndex[int64](a.Len())
		for i := range a.Len() {
			if a.IsValid(i) {
				ch.ints.add(a.Value(i), int32(i))
			}
		}
		return ch.ints.bytes, true
	case *array.Int32:
		ch.ints = newValueIndex[int64](a.Len())
		for i := range a.Len() {
			if a.IsValid(i) {
				ch.ints.add(int64(a.Value(i)), int32(i))
			}
		}
		return ch.ints.bytes, true
	case *array.String:
		ch.strs = newValueIndex[string](a.Len())
		for i := range a.Len() {
			if a.IsValid(i) {
				// A copy: Value aliases the column's buffer, which the
				// allocator may reuse once the chunk is released.
				ch.strs.add(strings.Clone(a.Value(i)), int32(i))
			}
		}
		return ch.strs.bytes + int64(len(a.ValueBytes())), true
	}
	return 0, false
}

// arrayBytes is the size of an array's buffers, children and dictionary
// included.
func arrayBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	for _, c := range d.Children() {
		n += arrayBytes(c)
	}
	if d.DataType().ID() == arrow.DICTIONARY {
		n += arrayBytes(d.Dictionary())
	}
	return n
}

// equalityLookup returns the equality filter a cached scan can answer
// from an index: a file field compared with a constant.
func equalityLookup(schema *arrow.Schema, filters []expr.Expr) (field int, value any, ok bool) {
	for _, f := range filters {
		b, isBound := prunable(schema, f)
		if !isBound || b.op != expr.Eq {
			continue
		}
		switch v := b.value.(type) {
		case int64, string:
			return b.field, v, true
		}
	}
	return 0, nil, false
}

// groupColumns returns the columns fields (the file's, in file order) of
// row group g as one batch, each from the cache or decoded (and cached
// when fill is set).
func (t *Table) groupColumns(ctx context.Context, pf *file.Reader, path string, v fileVersion, props pqarrow.ArrowReadProperties,
	manifest *pqarrow.SchemaManifest, fields []int, g int, fill bool) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, len(fields))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	var missing []int
	for i, f := range fields {
		if cols[i] = t.cache.get(chunkKey{path, v, g, f}); cols[i] == nil {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		decoded, err := decodeGroup(ctx, pf, props, t.mem, leafColumns(manifest, missing), g, len(missing))
		if err != nil {
			return nil, fmt.Errorf("read parquet %s: %w", path, err)
		}
		for j, f := range missing {
			i := slices.Index(fields, f)
			cols[i] = decoded[j]
			if fill {
				t.cache.put(chunkKey{path, v, g, f}, decoded[j])
			}
		}
	}
	out := make([]arrow.Field, len(fields))
	for i, c := range cols {
		out[i] = arrow.Field{Name: fmt.Sprint(fields[i]), Type: c.DataType(), Nullable: true}
	}
	rows := pf.MetaData().RowGroup(g).NumRows()
	return array.NewRecordBatch(arrow.NewSchema(out, nil), cols, rows), nil
}

// holdsAny reports whether the cache holds a column of fields of one of
// the row groups of path at version v.
func (c *Cache) holdsAny(path string, v fileVersion, fields, groups []int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, g := range groups {
		for _, f := range fields {
			if _, ok := c.chunks[chunkKey{path, v, g, f}]; ok {
				return true
			}
		}
	}
	return false
}

// maxGroupRows is the most rows of one of the groups.
func maxGroupRows(md *metadata.FileMetaData, groups []int) int64 {
	var n int64
	for _, g := range groups {
		n = max(n, md.RowGroup(g).NumRows())
	}
	return max(n, 1)
}

// decodedBytes estimates the memory that leaves of groups take decoded:
// fixed-width values at their Arrow width (decimals at 16 bytes), strings
// at their uncompressed size plus offsets.
func decodedBytes(md *metadata.FileMetaData, leaves, groups []int) int64 {
	var n int64
	for _, g := range groups {
		rg := md.RowGroup(g)
		for _, l := range leaves {
			cc, err := rg.ColumnChunk(l)
			if err != nil {
				continue
			}
			rows := cc.NumValues()
			switch cc.Type() {
			case parquet.Types.Boolean:
				n += rows/8 + 1
			case parquet.Types.ByteArray, parquet.Types.FixedLenByteArray:
				n += cc.TotalUncompressedSize() + 4*rows
			default:
				width := int64(8)
				if _, ok := md.Schema.Column(l).LogicalType().(*pqschema.DecimalLogicalType); ok {
					width = 16
				}
				n += width * rows
			}
		}
	}
	return n
}

// cachedGroups scans groups of one file through the cache, each row group
// loaded whole by load and handed out batchRows at a time; when the
// lookup's column (lookupField = lookupValue; field -1: none) has its
// index, only the matching rows are taken.
func (t *Table) cachedGroups(ctx context.Context, pf *file.Reader, path string, v fileVersion, load func(group int) (arrow.RecordBatch, error),
	groups []int, lookupField int, lookupValue any,
	assemble func(arrow.RecordBatch, int64) (arrow.RecordBatch, error)) sources.FileBatches {
	var cur arrow.RecordBatch
	var pos int64
	closeCur := func() {
		if cur != nil {
			cur.Release()
			cur = nil
		}
	}
	return sources.FileBatches{
		Next: func() (arrow.RecordBatch, error) {
			for {
				if cur != nil && pos < cur.NumRows() {
					n := min(int64(batchRows), cur.NumRows()-pos)
					part := cur.NewSlice(pos, pos+n)
					defer part.Release()
					pos += n
					return assemble(part, n)
				}
				closeCur()
				if len(groups) == 0 {
					return nil, nil
				}
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				g := groups[0]
				groups, pos = groups[1:], 0
				if pf.MetaData().RowGroup(g).NumRows() == 0 {
					continue
				}
				batch, err := load(g)
				if err != nil {
					return nil, err
				}
				cur = batch
				if lookupField < 0 {
					continue
				}
				match, ok := t.cache.lookup(chunkKey{path, v, g, lookupField}, lookupValue)
				if !ok {
					continue
				}
				cur, err = takeRows(ctx, t.mem, batch, match)
				batch.Release()
				if err != nil {
					return nil, err
				}
			}
		},
		Close: func() {
			closeCur()
			pf.Close()
		},
	}
}

// decodeGroup decodes the leaves of row group g into one array per field
// (n fields).
func decodeGroup(ctx context.Context, pf *file.Reader, props pqarrow.ArrowReadProperties, mem memory.Allocator, leaves []int, g, n int) ([]arrow.Array, error) {
	fr, err := pqarrow.NewFileReader(pf, props, mem)
	if err != nil {
		return nil, err
	}
	rr, err := fr.GetRecordReader(ctx, leaves, []int{g})
	if err != nil {
		return nil, err
	}
	defer rr.Release()
	parts := make([][]arrow.Array, n)
	var batches []arrow.RecordBatch
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	for rr.Next() {
		b := rr.RecordBatch()
		b.Retain()
		batches = append(batches, b)
		for i := range n {
			parts[i] = append(parts[i], b.Column(i))
		}
	}
	if err := rr.Err(); err != nil {
		return nil, err
	}
	out := make([]arrow.Array, n)
	for i := range n {
		switch len(parts[i]) {
		case 0:
			for _, a := range out[:i] {
				a.Release()
			}
			return nil, fmt.Errorf("row group %d decoded no rows", g)
		case 1:
			parts[i][0].Retain()
			out[i] = parts[i][0]
			continue
		}
		var err error
		if out[i], err = array.Concatenate(parts[i], mem); err != nil {
			for _, a := range out[:i] {
				a.Release()
			}
			return nil, err
		}
	}
	return out, nil
}

// takeRows returns the rows of b at the given positions.
func takeRows(ctx context.Context, mem memory.Allocator, b arrow.RecordBatch, rows []int32) (arrow.RecordBatch, error) {
	ib := array.NewInt32Builder(mem)
	ib.AppendValues(rows, nil)
	idx := ib.NewArray()
	ib.Release()
	defer idx.Release()
	out, err := compute.Take(ctx, *compute.DefaultTakeOptions(), compute.NewDatumWithoutOwning(b), compute.NewDatumWithoutOwning(idx))
	if err != nil {
		return nil, fmt.Errorf("take rows: %w", err)
	}
	defer out.Release()
	rec := out.(*compute.RecordDatum).Value
	rec.Retain()
	return rec, nil
}
