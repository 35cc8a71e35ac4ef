package engine

import (
	"context"
	"hash/maphash"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/internal/take"
)

// A hash aggregate over its memory limit spills as PostgreSQL's does,
// without merging partial states: once the groups fill its share, rows of
// the groups already held go on updating them, and rows of any other
// group are written, whole, to one of aggPartitions files chosen by a
// hash of their key. A group's rows thus all stay in memory or all go to
// one partition. After the held groups are out, each partition is
// aggregated in turn from its file as a fresh input, spilling again into
// finer partitions (a new hash seed) if it too outgrows the limit.

// aggPartitions is how many files one spilling pass writes.
const aggPartitions = 16

// maxAggSpillDepth bounds the passes: 16^6 partitions is more than any
// input needs, unless its groups' states alone exceed the limit.
const maxAggSpillDepth = 6

// aggPartition is the spilled rows of some groups, to aggregate in a pass
// of the given depth.
type aggPartition struct {
	file  *spillFile
	depth int
}

// aggSpill routes the rows of one pass once its groups are full.
type aggSpill struct {
	h      *hashTable
	seed   maphash.Seed
	schema *arrow.Schema
	files  [aggPartitions]*spillFile
	depth  int
}

// newAggSpill starts spilling the pass at depth whose groups are h; full
// is the error of the reservation that failed, returned when the pass is
// already as deep as spilling goes.
func newAggSpill(schema *arrow.Schema, h *hashTable, depth int, full error) (*aggSpill, error) {
	if depth >= maxAggSpillDepth {
		return nil, full
	}
	return &aggSpill{h: h, seed: maphash.MakeSeed(), schema: schema, depth: depth}, nil
}

// add takes one batch: rows of held groups go to update, the others to
// their partitions.
func (s *aggSpill) add(ctx context.Context, b arrow.RecordBatch, keyCols, args []arrow.Array,
	update func(b arrow.RecordBatch, ids []uint32, args []arrow.Array) error) error {
	n := int(b.NumRows())
	ids, missing, hashes := s.h.lookup(keyCols, n, s.seed)
	if len(missing) == 0 {
		return update(b, ids, args)
	}
	var parts [aggPartitions][]int32
	for i, r := range missing {
		p := hashes[i] % aggPartitions
		parts[p] = append(parts[p], r)
	}
	for p, rows := range parts {
		if len(rows) == 0 {
			continue
		}
		if err := s.write(ctx, p, b, rows); err != nil {
			return err
		}
	}
	if len(missing) == n {
		return nil
	}
	// The held groups' rows: b, its arguments and ids without the others.
	found := make([]int32, 0, n-len(missing))
	foundIDs := make([]uint32, 0, n-len(missing))
	next := 0
	for r := range n {
		if next < len(missing) && missing[next] == int32(r) {
			next++
			continue
		}
		found = append(found, int32(r))
		foundIDs = append(foundIDs, ids[r])
	}
	idx := int32Array(found)
	defer idx.Release()
	fb, err := take.Batch(ctx, b, idx)
	if err != nil {
		return err
	}
	defer fb.Release()
	fargs := make([]arrow.Array, len(args))
	defer releaseNonNil(fargs)
	for i, a := range args {
		if a == nil {
			continue
		}
		if fargs[i], err = take.Array(ctx, a, idx); err != nil {
			return err
		}
	}
	return update(fb, foundIDs, fargs)
}

// write appends rows of b to partition p.
func (s *aggSpill) write(ctx context.Context, p int, b arrow.RecordBatch, rows []int32) error {
	if s.files[p] == nil {
		f, err := newSpillFile(ctx, s.schema)
		if err != nil {
			return err
		}
		s.files[p] = f
	}
	idx := int32Array(rows)
	defer idx.Release()
	part, err := take.Batch(ctx, b, idx)
	if err != nil {
		return err
	}
	defer part.Release()
	return s.files[p].write(part)
}

// finish ends the pass: the partitions written, or err (the pass's)
// after closing them.
func (s *aggSpill) finish(err error) ([]aggPartition, error) {
	var parts []aggPartition
	for _, f := range s.files {
		if f == nil {
			continue
		}
		if err != nil {
			f.close()
			continue
		}
		parts = append(parts, aggPartition{file: f, depth: s.depth + 1})
	}
	if err != nil {
		return nil, err
	}
	return parts, nil
}

// aggregatePartition aggregates one spilled partition.
func (a *Aggregate) aggregatePartition(ctx context.Context, p aggPartition, ev aggEvaluators) (arrow.RecordBatch, []aggPartition, error) {
	rd, err := p.file.reader()
	if err != nil {
		p.file.close()
		return nil, nil, err
	}
	in := batchio.NewReader(p.file.schema, rd.next, func() {
		rd.release()
		p.file.close()
	})
	defer in.Release()
	return a.aggregate(ctx, in, nil, ev, p.depth)
}

func int32Array(vs []int32) arrow.Array {
	b := array.NewInt32Builder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues(vs, nil)
	return b.NewArray()
}
