package parquet

import "github.com/apache/arrow-go/v18/arrow/memory"

// SetAllocator makes t allocate the arrays of its scans from mem, so tests
// can check that readers free everything they allocate.
func SetAllocator(t *Table, mem memory.Allocator) { t.mem = mem }
