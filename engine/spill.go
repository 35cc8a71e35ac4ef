package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// Spilling: an operator whose data outgrows its query's memory limit
// writes part of it to a temporary file (Arrow IPC, uncompressed: the
// disk is rarely slower than the CPU a codec would cost) and reads it
// back later. A spill file is unlinked the moment it is created, so that
// nothing is left in the temporary directory however the query ends —
// finished, failed, cancelled or the server killed: its space goes back
// when the file is closed.

type tempDirKey struct{}

// WithTempDir returns a context whose query spills to files in dir; ""
// is the system's temporary directory (os.TempDir).
func WithTempDir(ctx context.Context, dir string) context.Context {
	if dir == "" {
		return ctx
	}
	return context.WithValue(ctx, tempDirKey{}, dir)
}

func tempDir(ctx context.Context) string {
	if dir, ok := ctx.Value(tempDirKey{}).(string); ok {
		return dir
	}
	return os.TempDir()
}

// canSpill reports whether an operator that outgrew ctx's budget may
// write to disk rather than fail: only a query with a memory limit ever
// needs to.
func canSpill(ctx context.Context) bool {
	_, ok := ctx.Value(budgetKey{}).(*memoryBudget)
	return ok
}

// spillFile is one temporary file of batches: written once, then read
// back from the start.
type spillFile struct {
	f      *os.File
	buf    *bufio.Writer
	w      *ipc.Writer
	schema *arrow.Schema
	stats  *OpStats // the measured operator spilling, for EXPLAIN ANALYZE
}

// newSpillFile creates an unlinked temporary file in ctx's temporary
// directory for batches of schema.
func newSpillFile(ctx context.Context, schema *arrow.Schema) (*spillFile, error) {
	f, err := os.CreateTemp(tempDir(ctx), "riffq-spill-*")
	if err != nil {
		return nil, fmt.Errorf("create temporary file: %w", err)
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("unlink temporary file: %w", err)
	}
	buf := bufio.NewWriterSize(f, 1<<20)
	stats, _ := ctx.Value(opStatsKey{}).(*OpStats)
	return &spillFile{f: f, buf: buf, w: ipc.NewWriter(buf, ipc.WithSchema(schema)), schema: schema, stats: stats}, nil
}

// write appends b to the file.
func (s *spillFile) write(b arrow.RecordBatch) error {
	if !b.Schema().Equal(s.schema) {
		// The same columns under the plan's names and metadata.
		b = array.NewRecordBatch(s.schema, b.Columns(), b.NumRows())
		defer b.Release()
	}
	if err := s.w.Write(b); err != nil {
		return fmt.Errorf("write temporary file: %w", err)
	}
	if s.stats != nil {
		s.stats.spilled.Add(batchBytes(b))
	}
	return nil
}

// reader ends the writing and returns the file's batches from the start.
func (s *spillFile) reader() (*spillReader, error) {
	if err := s.w.Close(); err != nil {
		return nil, fmt.Errorf("write temporary file: %w", err)
	}
	if err := s.buf.Flush(); err != nil {
		return nil, fmt.Errorf("write temporary file: %w", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewind temporary file: %w", err)
	}
	r, err := ipc.NewReader(bufio.NewReaderSize(s.f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read temporary file: %w", err)
	}
	return &spillReader{r: r, schema: s.schema}, nil
}

// close frees the file's space.
func (s *spillFile) close() { s.f.Close() }

// spillReader reads a spill file's batches back with their original
// schema: the file keeps extension columns as their storage, since the
// engine's types are not registered with Arrow.
type spillReader struct {
	r      *ipc.Reader
	schema *arrow.Schema
}

// next returns the next batch, which the caller releases, or nil at the
// end.
func (s *spillReader) next() (arrow.RecordBatch, error) {
	if !s.r.Next() {
		if err := s.r.Err(); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read temporary file: %w", err)
		}
		return nil, nil
	}
	b := s.r.RecordBatch()
	cols := make([]arrow.Array, b.NumCols())
	for i, c := range b.Columns() {
		if et, ok := s.schema.Field(i).Type.(arrow.ExtensionType); ok && c.DataType().ID() != arrow.EXTENSION {
			cols[i] = array.NewExtensionArrayWithStorage(et, c)
			continue
		}
		c.Retain()
		cols[i] = c
	}
	out := array.NewRecordBatch(s.schema, cols, b.NumRows())
	releaseAll(cols)
	return out, nil
}

func (s *spillReader) release() { s.r.Release() }
