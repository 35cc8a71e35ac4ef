package parquet

import (
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// SetAllocator makes t allocate the arrays of its scans from mem, so tests
// can check that readers free everything they allocate.
func SetAllocator(t *Table, mem memory.Allocator) { t.mem = mem }

// DictLeaves is dictLeaves over the file at path's leaves.
func DictLeaves(path string) ([]int, error) {
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, err
	}
	defer pf.Close()
	all := make([]int, pf.MetaData().Schema.NumColumns())
	for i := range all {
		all[i] = i
	}
	return dictLeaves(pf.MetaData(), all), nil
}

// CachedChunks is the number of column chunks t's cache holds.
func CachedChunks(t *Table) int {
	if t.cache == nil {
		return 0
	}
	t.cache.mu.Lock()
	defer t.cache.mu.Unlock()
	return len(t.cache.chunks)
}

// CacheBytes is the size t's cache accounts for.
func CacheBytes(t *Table) int64 {
	if t.cache == nil {
		return 0
	}
	t.cache.mu.Lock()
	defer t.cache.mu.Unlock()
	return t.cache.used
}
