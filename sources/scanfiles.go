package sources

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/riffq/riffq/internal/batchio"
)

// FileBatches reads one file of a scan: next returns the file's batches, in
// the scan's schema, and nil at the end; close frees the file.
type FileBatches struct {
	Next  func() (arrow.RecordBatch, error)
	Close func()
}

// OpenFunc opens one file for a scan.
type OpenFunc func(ctx context.Context, path string) (FileBatches, error)

// ScanFiles returns a reader that reads files one after another through
// open, stops at limit rows (none when limit < 0), and stops with ctx's
// error once ctx is done. File-based providers share it so that they differ
// only in how they decode one file.
func ScanFiles(ctx context.Context, schema *arrow.Schema, files []string, limit int64, open OpenFunc) array.RecordReader {
	var (
		cur  *FileBatches
		next int
	)
	closeCur := func() {
		if cur != nil {
			cur.Close()
			cur = nil
		}
	}
	return batchio.NewReader(schema, func() (arrow.RecordBatch, error) {
		for {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if limit == 0 {
				return nil, nil
			}
			if cur == nil {
				if next == len(files) {
					return nil, nil
				}
				fb, err := open(ctx, files[next])
				if err != nil {
					return nil, err
				}
				cur = &fb
				next++
			}
			b, err := cur.Next()
			if err != nil {
				closeCur()
				return nil, err
			}
			if b == nil {
				closeCur()
				continue
			}
			if limit > 0 {
				if b.NumRows() > limit {
					sliced := b.NewSlice(0, limit)
					b.Release()
					b = sliced
				}
				limit -= b.NumRows()
			}
			return b, nil
		}
	}, closeCur)
}

// filePartition is one file of a file-based scan.
type filePartition struct {
	schema *arrow.Schema
	file   string
	limit  int64
	open   OpenFunc
}

// Scan implements Partition.
func (p filePartition) Scan(ctx context.Context) (array.RecordReader, error) {
	return ScanFiles(ctx, p.schema, []string{p.file}, p.limit, p.open), nil
}

// FilePartitions returns a scan's partitions, a file each, for the
// file-based providers' Partitions (see ScanFiles).
func FilePartitions(schema *arrow.Schema, files []string, limit int64, open OpenFunc) []Partition {
	out := make([]Partition, len(files))
	for i, f := range files {
		out[i] = filePartition{schema: schema, file: f, limit: limit, open: open}
	}
	return out
}
