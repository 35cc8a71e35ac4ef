package engine

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/internal/take"
)

// An external sort: when the rows a Sort holds outgrow the query's memory
// limit, it sorts what it holds, writes that as a sorted run to a
// temporary file and goes on with an empty hand. At the end it merges the
// runs (and the rows still in memory) through a heap of the runs' current
// rows, compared as encoded sort keys (sortkey.go). The merge holds one
// batch of spillBatchRows rows per run; more than maxMergeRuns runs are
// first merged into fewer, so that the memory of a merge stays bounded
// however large the input.

// spillBatchRows is the size of the batches of a sorted run on disk.
const spillBatchRows = 8 * 1024

// maxMergeRuns is the most runs one merge reads at once.
const maxMergeRuns = 64

// sortedRows yields a sort's output.
type sortedRows interface {
	next() (arrow.RecordBatch, error)
	release()
}

// memorySorted is a sort done in memory: the rows and the permutation
// that orders them.
type memorySorted struct {
	ctx     context.Context
	all     arrow.RecordBatch
	indices arrow.Array
	pos     int64
	end     int64
	chunk   int64
}

func newMemorySorted(ctx context.Context, all arrow.RecordBatch, indices arrow.Array, fetch, chunk int64) *memorySorted {
	end := int64(indices.Len())
	if fetch > 0 {
		end = min(end, fetch)
	}
	return &memorySorted{ctx: ctx, all: all, indices: indices, end: end, chunk: chunk}
}

func (m *memorySorted) next() (arrow.RecordBatch, error) {
	if m.pos >= m.end {
		return nil, nil
	}
	end := min(m.pos+m.chunk, m.end)
	idx := array.NewSlice(m.indices, m.pos, end)
	defer idx.Release()
	m.pos = end
	out, err := take.Batch(m.ctx, m.all, idx)
	if err != nil {
		return nil, fmt.Errorf("sort: %w", err)
	}
	return out, nil
}

func (m *memorySorted) release() {
	m.all.Release()
	m.indices.Release()
}

// spillable reports whether batches of schema survive a spill file: the
// file keeps extension types as their storage, and only top-level
// columns are given theirs back.
func spillable(schema *arrow.Schema) bool {
	var nested func(t arrow.DataType) bool
	nested = func(t arrow.DataType) bool {
		switch t := t.(type) {
		case arrow.ExtensionType:
			return true
		case arrow.NestedType:
			for _, f := range t.Fields() {
				if nested(f.Type) {
					return true
				}
			}
		}
		return false
	}
	for _, f := range schema.Fields() {
		t := f.Type
		if et, ok := t.(arrow.ExtensionType); ok {
			t = et.StorageType()
		}
		if nested(t) {
			return false
		}
	}
	return true
}

// keysEncodable reports whether the keys of batches like b have the
// encodings a merge of runs compares.
func keysEncodable(b arrow.RecordBatch, keys []SortKey) bool {
	empty := b.NewSlice(0, 0)
	defer empty.Release()
	_, ok := sortKeyRows(empty, keys)
	return ok
}

// sortBatches sorts batches in memory; the result yields its first fetch
// rows (all when fetch is 0) chunk rows at a time.
func (s *Sort) sortBatches(ctx context.Context, batches []arrow.RecordBatch, fetch, chunk int64) (*memorySorted, error) {
	all, err := batchio.Concatenate(s.Schema(), batches)
	if err != nil {
		return nil, err
	}
	idx, err := sortIndices(ctx, all, s.Keys)
	if err != nil {
		all.Release()
		return nil, err
	}
	return newMemorySorted(ctx, all, idx, fetch, chunk), nil
}

// parallelSortRows is the fewest rows a sort splits among the cores.
const parallelSortRows = 1 << 18

// sortParallel sorts batches (rows rows in all) in memory: a large input
// in one part per core, the parts sorted at once and merged as spilled
// runs are (equal rows keep their input order, the parts being in input
// order), a small one or one whose keys have no encoding in one piece.
func (s *Sort) sortParallel(ctx context.Context, batches []arrow.RecordBatch, rows int64) (sortedRows, error) {
	workers := runtime.GOMAXPROCS(0)
	if workers < 2 || rows < parallelSortRows || len(batches) < 2 || !keysEncodable(batches[0], s.Keys) {
		return s.sortBatches(ctx, batches, s.Fetch, outputBatchRows)
	}
	// Parts of whole batches, about rows/workers rows each.
	var parts [][]arrow.RecordBatch
	var part []arrow.RecordBatch
	var n int64
	for _, b := range batches {
		part, n = append(part, b), n+b.NumRows()
		if n >= rows/int64(workers) && len(parts) < workers-1 {
			parts, part, n = append(parts, part), nil, 0
		}
	}
	if len(part) > 0 {
		parts = append(parts, part)
	}
	sorted := make([]*memorySorted, len(parts))
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Go(func() { sorted[i], errs[i] = s.sortBatches(ctx, p, s.Fetch, spillBatchRows) })
	}
	wg.Wait()
	runs := make([]*mergeRun, 0, len(sorted))
	var failed error
	for i, m := range sorted {
		switch {
		case errs[i] != nil:
			failed = errs[i]
		case m != nil:
			runs = append(runs, rowsRun(m))
		}
	}
	if failed != nil {
		for _, r := range runs {
			r.close()
		}
		return nil, failed
	}
	return newRunMerge(ctx, s.Schema(), s.Keys, runs, s.Fetch, outputBatchRows)
}

// writeRun sorts batches and writes them as one run to a new spill file.
func (s *Sort) writeRun(ctx context.Context, batches []arrow.RecordBatch) (*spillFile, error) {
	sorted, err := s.sortBatches(ctx, batches, 0, spillBatchRows)
	if err != nil {
		return nil, err
	}
	defer sorted.release()
	f, err := newSpillFile(ctx, s.Schema())
	if err != nil {
		return nil, err
	}
	if err := drainInto(f, sorted); err != nil {
		f.close()
		return nil, err
	}
	return f, nil
}

// drainInto writes every batch of rows to f.
func drainInto(f *spillFile, rows sortedRows) error {
	for {
		b, err := rows.next()
		if err != nil || b == nil {
			return err
		}
		err = f.write(b)
		b.Release()
		if err != nil {
			return err
		}
	}
}

// mergeRun is one sorted input of a merge.
type mergeRun struct {
	read  func() (arrow.RecordBatch, error) // the next batch, nil at the end
	close func()
	batch arrow.RecordBatch
	keys  [][]byte
	pos   int
	piece int // the piece of the output holding batch's rows, -1 if none
}

// advance makes the run's current row valid: it loads the next batch when
// the current one is used up; ok is false at the end of the run.
func (r *mergeRun) advance(keys []SortKey) (ok bool, err error) {
	for r.batch == nil || r.pos >= int(r.batch.NumRows()) {
		if r.batch != nil {
			r.batch.Release()
			r.batch, r.piece = nil, -1
		}
		b, err := r.read()
		if err != nil || b == nil {
			return false, err
		}
		rows, ok := sortKeyRows(b, keys)
		if !ok {
			b.Release()
			return false, fmt.Errorf("sort: no key encoding for merging runs")
		}
		r.batch, r.keys, r.pos, r.piece = b, rows, 0, -1
	}
	return true, nil
}

// piece is a range of one run batch's rows that the output batch being
// built takes.
type piece struct {
	batch  arrow.RecordBatch
	lo, hi int
}

// runMerge yields the rows of sorted runs in order.
type runMerge struct {
	ctx    context.Context
	schema *arrow.Schema
	keys   []SortKey
	runs   []*mergeRun
	heap   []int // runs with rows left, the least current row first
	left   int64 // rows still wanted; negative: all
	chunk  int
	pieces []piece
	picks  []pick
}

// pick is one output row: row of pieces[piece].
type pick struct{ piece, row int32 }

func newRunMerge(ctx context.Context, schema *arrow.Schema, keys []SortKey, runs []*mergeRun, fetch int64, chunk int) (*runMerge, error) {
	m := &runMerge{ctx: ctx, schema: schema, keys: keys, runs: runs, left: -1, chunk: chunk}
	if fetch > 0 {
		m.left = fetch
	}
	for i, r := range runs {
		r.piece = -1
		ok, err := r.advance(keys)
		if err != nil {
			m.release()
			return nil, err
		}
		if ok {
			m.heap = append(m.heap, i)
		}
	}
	for i := len(m.heap)/2 - 1; i >= 0; i-- {
		m.down(i)
	}
	return m, nil
}

// less orders runs by their current rows, then by their order as runs,
// which keeps equal rows in input order.
func (m *runMerge) less(a, b int) bool {
	ra, rb := m.runs[a], m.runs[b]
	if c := bytes.Compare(ra.keys[ra.pos], rb.keys[rb.pos]); c != 0 {
		return c < 0
	}
	return a < b
}

func (m *runMerge) down(i int) {
	h := m.heap
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		least := l
		if r := l + 1; r < len(h) && m.less(h[r], h[l]) {
			least = r
		}
		if !m.less(h[least], h[i]) {
			return
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
}

func (m *runMerge) next() (arrow.RecordBatch, error) {
	if err := m.ctx.Err(); err != nil {
		return nil, err
	}
	want := m.chunk
	if m.left >= 0 {
		want = int(min(int64(want), m.left))
	}
	for len(m.picks) < want && len(m.heap) > 0 {
		i := m.heap[0]
		r := m.runs[i]
		if r.piece < 0 {
			r.batch.Retain()
			r.piece = len(m.pieces)
			m.pieces = append(m.pieces, piece{batch: r.batch, lo: r.pos, hi: r.pos})
		}
		m.pieces[r.piece].hi = r.pos + 1
		m.picks = append(m.picks, pick{piece: int32(r.piece), row: int32(r.pos)})
		r.pos++
		ok, err := r.advance(m.keys)
		if err != nil {
			return nil, err
		}
		if !ok {
			last := len(m.heap) - 1
			m.heap[0] = m.heap[last]
			m.heap = m.heap[:last]
		}
		if len(m.heap) > 0 {
			m.down(0)
		}
	}
	if len(m.picks) == 0 {
		return nil, nil
	}
	out, err := m.build()
	if err != nil {
		return nil, err
	}
	if m.left >= 0 {
		m.left -= out.NumRows()
	}
	return out, nil
}

// build makes the output batch of the rows picked: the pieces' ranges
// side by side, then taken in the order picked. A batch from one piece
// is a slice of it.
func (m *runMerge) build() (arrow.RecordBatch, error) {
	defer m.resetPieces()
	if len(m.pieces) == 1 {
		p := m.pieces[0]
		return p.batch.NewSlice(int64(p.lo), int64(p.hi)), nil
	}
	slices := make([]arrow.RecordBatch, len(m.pieces))
	base := make([]int32, len(m.pieces))
	var n int32
	for i, p := range m.pieces {
		slices[i] = p.batch.NewSlice(int64(p.lo), int64(p.hi))
		base[i] = n - int32(p.lo)
		n += int32(p.hi - p.lo)
	}
	side, err := batchio.Concatenate(m.schema, slices)
	for _, s := range slices {
		s.Release()
	}
	if err != nil {
		return nil, err
	}
	defer side.Release()
	ib := array.NewInt32Builder(memory.DefaultAllocator)
	defer ib.Release()
	ib.Reserve(len(m.picks))
	for _, p := range m.picks {
		ib.UnsafeAppend(base[p.piece] + p.row)
	}
	idx := ib.NewArray()
	defer idx.Release()
	return take.Batch(m.ctx, side, idx)
}

// resetPieces lets go of the output's pieces; the runs start new ones.
func (m *runMerge) resetPieces() {
	for _, p := range m.pieces {
		p.batch.Release()
	}
	m.pieces, m.picks = m.pieces[:0], m.picks[:0]
	for _, r := range m.runs {
		r.piece = -1
	}
}

func (m *runMerge) release() {
	m.resetPieces()
	for _, r := range m.runs {
		if r.batch != nil {
			r.batch.Release()
			r.batch = nil
		}
		if r.close != nil {
			r.close()
		}
	}
}

// fileRun is a merge input reading a spill file.
func fileRun(f *spillFile) (*mergeRun, error) {
	rd, err := f.reader()
	if err != nil {
		f.close()
		return nil, err
	}
	return &mergeRun{read: rd.next, close: func() { rd.release(); f.close() }}, nil
}

// rowsRun is a merge input reading sorted rows.
func rowsRun(rows sortedRows) *mergeRun {
	return &mergeRun{read: rows.next, close: rows.release}
}

// mergeSpilled merges the sort's spilled runs and the sorted rows still
// in memory (nil if none), merging runs in groups first when there are
// more than maxMergeRuns. It frees files and inMemory if it fails.
func (s *Sort) mergeSpilled(ctx context.Context, files []*spillFile, inMemory sortedRows) (_ sortedRows, err error) {
	defer func() {
		if err != nil {
			for _, f := range files {
				f.close()
			}
			if inMemory != nil {
				inMemory.release()
			}
		}
	}()
	// Each pass merges consecutive groups, so that runs stay in input
	// order and equal rows with them.
	var merged []*spillFile
	defer func() {
		for _, f := range merged {
			f.close()
		}
	}()
	for len(files) > maxMergeRuns {
		for len(files) > 0 {
			group := files[:min(maxMergeRuns, len(files))]
			files = files[len(group):]
			if len(group) == 1 {
				merged = append(merged, group[0])
				continue
			}
			var m *runMerge
			if m, err = s.openMerge(ctx, group, nil, 0, spillBatchRows); err != nil {
				return nil, err
			}
			var out *spillFile
			if out, err = newSpillFile(ctx, s.Schema()); err == nil {
				if err = drainInto(out, m); err != nil {
					out.close()
				}
			}
			m.release()
			if err != nil {
				return nil, err
			}
			merged = append(merged, out)
		}
		files, merged = merged, nil
	}
	rest, rows := files, inMemory
	files, inMemory = nil, nil // openMerge frees them from here on
	return s.openMerge(ctx, rest, rows, s.Fetch, outputBatchRows)
}

// openMerge starts merging files and rows (nil if none); it frees them
// all if it fails.
func (s *Sort) openMerge(ctx context.Context, files []*spillFile, rows sortedRows, fetch int64, chunk int) (*runMerge, error) {
	runs := make([]*mergeRun, 0, len(files)+1)
	var err error
	for i, f := range files {
		var r *mergeRun
		if r, err = fileRun(f); err != nil {
			for _, f := range files[i+1:] {
				f.close()
			}
			break
		}
		runs = append(runs, r)
	}
	if rows != nil {
		runs = append(runs, rowsRun(rows))
	}
	if err != nil {
		for _, r := range runs {
			r.close()
		}
		return nil, err
	}
	return newRunMerge(ctx, s.Schema(), s.Keys, runs, fetch, chunk)
}
