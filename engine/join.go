package engine

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/internal/take"
)

// JoinType is the kind of a join.
type JoinType int

// Join types. Outer joins pad the rows of one side without a match with
// NULLs. Semi and anti joins return left rows only: those with at least
// one match (EXISTS) and those with none (NOT EXISTS).
const (
	InnerJoin JoinType = iota
	LeftJoin
	RightJoin
	FullJoin
	SemiJoin
	AntiJoin
)

var joinNames = [...]string{"Inner", "Left", "Right", "Full", "Semi", "Anti"}

func (t JoinType) String() string { return joinNames[t] }

// LeftOnly reports whether the join returns only its left columns.
func (t JoinType) LeftOnly() bool { return t == SemiJoin || t == AntiJoin }

// HashJoin joins Left and Right on LeftKeys[i] = RightKeys[i] (no keys: every
// pair, a cross join), keeping pairs for which Filter, over the combined
// row, is true. It builds a hash table of the right input, then streams
// the left input through it. Its output is the left columns followed by
// the right ones.
type HashJoin struct {
	Left, Right         Plan
	Type                JoinType
	LeftKeys, RightKeys []expr.Expr
	Filter              expr.Expr // nil: none
	// BuildLeft makes a semi or anti join hash its left input and stream
	// the right one through it (the planner sets it when the left side is
	// the smaller); the left rows come out once the right input is read.
	BuildLeft bool
	// Publish, when set, names the hashed side's keys for the KeyFilters
	// in the streamed input: the join hashes its build side before it
	// starts the other.
	Publish *JoinKeys
	schema  *arrow.Schema
}

// NewHashJoin returns a hash join.
func NewHashJoin(left, right Plan, typ JoinType, leftKeys, rightKeys []expr.Expr, filter expr.Expr) *HashJoin {
	j := &HashJoin{Left: left, Right: right, Type: typ, LeftKeys: leftKeys, RightKeys: rightKeys, Filter: filter}
	j.schema = joinSchema(left.Schema(), right.Schema())
	if typ.LeftOnly() {
		j.schema = left.Schema()
	}
	return j
}

// joinSchema is the schema of joined rows: the left columns followed by
// the right ones, all nullable.
func joinSchema(left, right *arrow.Schema) *arrow.Schema {
	fields := append(append([]arrow.Field{}, left.Fields()...), right.Fields()...)
	for i := range fields {
		fields[i].Nullable = true
	}
	return arrow.NewSchema(fields, nil)
}

func (j *HashJoin) Schema() *arrow.Schema { return j.schema }
func (j *HashJoin) Children() []Plan      { return []Plan{j.Left, j.Right} }

func (j *HashJoin) String() string {
	var conds []string
	for i := range j.LeftKeys {
		conds = append(conds, fmt.Sprintf("%s = %s", j.LeftKeys[i], j.RightKeys[i]))
	}
	s := fmt.Sprintf("HashJoin: %s on=[%s]", j.Type, strings.Join(conds, ", "))
	if j.BuildLeft {
		s += " build=left"
	}
	if j.Publish != nil {
		s += " keys=" + j.Publish.Label
	}
	if j.Filter != nil {
		s += " filter=" + j.Filter.String()
	}
	return s
}

// joinBuild is the hashed right input.
type joinBuild struct {
	batch   arrow.RecordBatch // all right rows, or nil when there are none
	rows    map[string][]int32
	all     []int32 // every row, for a join without keys
	matched []bool
	// Keys that pack into one int64 (see packKeys; the common case: joins
	// on ids) are hashed as such: head maps a key to its first row and
	// next chains the rows of one key, in row order (-1 ends a chain).
	head map[int64]int32
	next []int32
	// present, for a single integer key of a small range, has bit k-lo
	// set for each key k: most probe rows that match nothing are told so
	// without a hash lookup.
	lo      int64
	present []uint64
}

// mayHave reports whether the packed key k can be in the build side: false
// means surely not.
func (jb *joinBuild) mayHave(k int64) bool {
	if jb.present == nil {
		return true
	}
	off := uint64(k - jb.lo)
	return off < uint64(len(jb.present))*64 && jb.present[off>>6]&(1<<(off&63)) != 0
}

// maxPresentBits bounds the bitmap of a single integer key's range (8 MiB).
const maxPresentBits = 1 << 26

// intKey returns a reader of an integer key column as int64.
func intKey(a arrow.Array) (func(i int) int64, bool) {
	switch c := a.(type) {
	case *array.Int32:
		return func(i int) int64 { return int64(c.Value(i)) }, true
	case *array.Int64:
		return func(i int) int64 { return c.Value(i) }, true
	case *array.Int16:
		return func(i int) int64 { return int64(c.Value(i)) }, true
	case *array.Date32:
		return func(i int) int64 { return int64(c.Value(i)) }, true
	}
	return nil, false
}

// packKeys returns a reader of the key of cols as one int64, when there
// is one integer column, or two whose values fit in 32 bits (a pair of
// ids); ok is false for other keys. The reader's second result is false
// for a row with a NULL key, which matches nothing, or, with two columns,
// one outside 32 bits.
func packKeys(cols []arrow.Array) (key func(i int) (int64, bool), ok bool) {
	switch len(cols) {
	case 1:
		k, ok := intKey(cols[0])
		if !ok {
			return nil, false
		}
		c := cols[0]
		if c.NullN() == 0 {
			return func(i int) (int64, bool) { return k(i), true }, true
		}
		return func(i int) (int64, bool) { return k(i), c.IsValid(i) }, true
	case 2:
		k0, ok0 := intKey(cols[0])
		k1, ok1 := intKey(cols[1])
		if !ok0 || !ok1 {
			return nil, false
		}
		c0, c1 := cols[0], cols[1]
		return func(i int) (int64, bool) {
			if c0.IsNull(i) || c1.IsNull(i) {
				return 0, false
			}
			a, b := k0(i), k1(i)
			if a != int64(int32(a)) || b != int64(int32(b)) {
				return 0, false
			}
			return a<<32 | int64(uint32(b)), true
		}, true
	}
	return nil, false
}

// hashPacked hashes the n build rows by their packed keys; it reports
// false, hashing nothing, when a key does not pack (a pair with a value
// outside 32 bits).
func (jb *joinBuild) hashPacked(ctx context.Context, cols []arrow.Array, n int) (bool, error) {
	key, ok := packKeys(cols)
	if !ok {
		return false, nil
	}
	packed := make([]int64, n)
	valid := make([]bool, n)
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for r := range n {
		k, ok := key(r)
		if !ok {
			for _, c := range cols {
				if c.IsNull(r) {
					goto next // a NULL key matches nothing
				}
			}
			return false, nil
		}
		packed[r], valid[r] = k, true
		lo, hi = min(lo, k), max(hi, k)
	next:
	}
	jb.head = make(map[int64]int32)
	jb.next = make([]int32, n)
	// Backwards, so that each chain lists its rows in order.
	for r := n - 1; r >= 0; r-- {
		if r%buildCheckRows == 0 {
			if err := ctx.Err(); err != nil {
				return false, err
			}
		}
		jb.next[r] = -1
		if !valid[r] {
			continue
		}
		k := packed[r]
		if h, ok := jb.head[k]; ok {
			jb.next[r] = h
		}
		jb.head[k] = int32(r)
	}
	if len(cols) == 1 && lo <= hi && uint64(hi-lo) < maxPresentBits {
		jb.lo = lo
		jb.present = make([]uint64, (hi-lo)/64+1)
		for r, k := range packed {
			if valid[r] {
				off := uint64(k - lo)
				jb.present[off>>6] |= 1 << (off & 63)
			}
		}
	}
	return true, nil
}

// buildCheckRows is how many build rows are hashed between checks of the
// query's cancellation: hashing millions of rows takes a second.
const buildCheckRows = 64 * 1024

func (j *HashJoin) Execute(ctx context.Context) (array.RecordReader, error) {
	leftKeyEvals, err := compileAll(j.LeftKeys)
	if err != nil {
		return nil, err
	}
	rightKeyEvals, err := compileAll(j.RightKeys)
	if err != nil {
		return nil, err
	}
	var filter evaluator
	if j.Filter != nil {
		if filter, err = compile(j.Filter); err != nil {
			return nil, err
		}
	}
	keys := make([]keyColumn, len(j.LeftKeys))
	for i, k := range j.LeftKeys {
		if keys[i], err = newKeyColumn(k.DataType()); err != nil {
			return nil, err
		}
	}
	if j.BuildLeft && j.Type.LeftOnly() {
		return j.executeBuildLeft(ctx, leftKeyEvals, rightKeyEvals, keys, filter)
	}
	var (
		left    array.RecordReader
		probes  *orderedMap[[]arrow.RecordBatch]
		build   *joinBuild
		pending []arrow.RecordBatch // outputs not yet returned
	)
	leftDone, tailDone := false, false
	leftSchema := j.Left.Schema()
	cleanup := func() {
		if probes != nil {
			probes.Stop()
		}
		if left != nil {
			left.Release()
		}
		if build != nil && build.batch != nil {
			build.batch.Release()
		}
		releaseBatches(pending)
	}
	return batchio.NewReader(j.schema, func() (arrow.RecordBatch, error) {
		if build == nil {
			if build, err = j.build(ctx, j.Right, rightKeyEvals, keys); err != nil {
				return nil, err
			}
			if build.batch == nil && (j.Type == InnerJoin || j.Type == SemiJoin || j.Type == RightJoin) {
				// Nothing can match: the left input need not run.
				leftDone, tailDone = true, true
			} else if left, probes, err = j.startProbes(ctx, build, leftKeyEvals, keys, filter); err != nil {
				return nil, err
			}
		}
		for len(pending) == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if !leftDone {
				out, ok := probes.Next()
				if !ok {
					if err := probes.Err(); err != nil {
						return nil, err
					}
					leftDone = true
					continue
				}
				pending = append(pending, out...)
				continue
			}
			if tailDone || (j.Type != RightJoin && j.Type != FullJoin) || build.batch == nil {
				return nil, nil
			}
			tailDone = true
			var ri []int32
			for r, m := range build.matched {
				if !m {
					ri = append(ri, int32(r))
				}
			}
			if len(ri) == 0 {
				return nil, nil
			}
			out, err := j.assemble(ctx, j.schema, nil, leftSchema, nil, build.batch, ri)
			if err != nil {
				return nil, err
			}
			pending = append(pending, out)
		}
		b := pending[0]
		pending = pending[1:]
		return b, nil
	}, cleanup), nil
}

// startProbes starts the left input, once the right one is hashed so that
// its KeyFilters can use the keys, and streams it through the hash table:
// the filters and projections at the top of the left input and the
// probes run on every core, a batch each, and the joined batches come out
// in the left input's order. A right or full join, which marks the build
// rows its probes match, probes on one goroutine.
func (j *HashJoin) startProbes(ctx context.Context, build *joinBuild, evals []evaluator, keys []keyColumn, filter evaluator) (array.RecordReader, *orderedMap[[]arrow.RecordBatch], error) {
	source, stages, err := splitPipeline(j.Left)
	if err != nil {
		return nil, nil, err
	}
	// The keys reach KeyFilters in the input and in its stages.
	ctx = withJoinKeys(ctx, j.Publish, build)
	left, err := source.Execute(ctx)
	if err != nil {
		return nil, nil, err
	}
	if len(evals) == 0 && len(build.all) > outputBatchRows/1024 {
		// A cross join makes a left row's pairs with every build row:
		// a few left rows at a time keep each probe's output to about
		// a batch, so that rows stream out (and memory stays bounded)
		// instead of one left batch's millions of pairs at once.
		in := left
		left = sliceBatches(in.Schema(), max(1, int64(outputBatchRows/len(build.all))), func() (arrow.RecordBatch, error) {
			if !in.Next() {
				return nil, in.Err()
			}
			b := in.RecordBatch()
			b.Retain()
			return b, nil
		}, in.Release)
	}
	workers := runtime.GOMAXPROCS(0)
	if j.Type == RightJoin || j.Type == FullJoin {
		workers = 1
	}
	probes := newOrderedMap(ctx, left, workers, func(ctx context.Context, b arrow.RecordBatch) ([]arrow.RecordBatch, error) {
		b, err := runStages(ctx, b, stages)
		if err != nil || b == nil {
			return nil, err
		}
		defer b.Release()
		return j.probe(ctx, b, build, evals, keys, filter)
	}, releaseBatches)
	return left, probes, nil
}

// releaseBatches releases each batch.
func releaseBatches(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

// compileAll compiles each expression.
func compileAll(es []expr.Expr) ([]evaluator, error) {
	out := make([]evaluator, len(es))
	for i, e := range es {
		ev, err := compile(e)
		if err != nil {
			return nil, err
		}
		out[i] = ev
	}
	return out, nil
}

// build reads one input (the right one unless BuildLeft) and hashes its
// rows by key.
func (j *HashJoin) build(ctx context.Context, side Plan, evals []evaluator, keys []keyColumn) (*joinBuild, error) {
	right, err := side.Execute(ctx)
	if err != nil {
		return nil, err
	}
	defer right.Release()
	var batches []arrow.RecordBatch
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	for right.Next() {
		b := right.RecordBatch()
		b.Retain()
		batches = append(batches, b)
		// The batch, and about 16 bytes a row of hash table.
		if err := reserve(ctx, batchBytes(b)+16*b.NumRows()); err != nil {
			return nil, err
		}
	}
	if err := right.Err(); err != nil {
		return nil, err
	}
	jb := &joinBuild{rows: make(map[string][]int32)}
	if len(batches) == 0 {
		return jb, nil
	}
	if jb.batch, err = batchio.Concatenate(side.Schema(), batches); err != nil {
		return nil, err
	}
	n := int(jb.batch.NumRows())
	jb.matched = make([]bool, n)
	if len(evals) == 0 {
		jb.all = make([]int32, n)
		for i := range jb.all {
			jb.all[i] = int32(i)
		}
		return jb, nil
	}
	cols, err := evalArrays(ctx, evals, jb.batch)
	if err != nil {
		return nil, err
	}
	defer releaseAll(cols)
	if ok, err := jb.hashPacked(ctx, cols, n); ok || err != nil {
		return jb, err
	}
	var buf []byte
	for r := range n {
		if r%buildCheckRows == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		var ok bool
		if buf, ok = encodeKey(buf[:0], keys, cols, r); ok {
			jb.rows[string(buf)] = append(jb.rows[string(buf)], int32(r))
		}
	}
	return jb, nil
}

// evalArrays evaluates each evaluator over b; the caller releases the
// arrays.
func evalArrays(ctx context.Context, evals []evaluator, b arrow.RecordBatch) ([]arrow.Array, error) {
	cols := make([]arrow.Array, len(evals))
	for i, ev := range evals {
		c, err := evalArray(ctx, ev, b)
		if err != nil {
			releaseAll(cols[:i])
			return nil, err
		}
		cols[i] = c
	}
	return cols, nil
}

func releaseAll(as []arrow.Array) {
	for _, a := range as {
		if a != nil {
			a.Release()
		}
	}
}

// encodeKey encodes row r's key; ok is false when a key column is NULL,
// which matches nothing.
func encodeKey(buf []byte, keys []keyColumn, cols []arrow.Array, r int) ([]byte, bool) {
	for i, c := range cols {
		if c.IsNull(r) {
			return buf, false
		}
		buf = keys[i].encode(buf, c, r)
	}
	return buf, true
}

// probe joins one left batch with the build side.
func (j *HashJoin) probe(ctx context.Context, lb arrow.RecordBatch, build *joinBuild, evals []evaluator, keys []keyColumn, filter evaluator) ([]arrow.RecordBatch, error) {
	n := int(lb.NumRows())
	li, ri, held, err := matchPairs(ctx, lb, build, evals, keys)
	if err != nil {
		return nil, err
	}
	defer release(ctx, held)
	if filter != nil && len(li) > 0 {
		if li, ri, err = j.keepPairs(ctx, filter, lb, li, build.batch, ri); err != nil {
			return nil, err
		}
	}
	if j.Type.LeftOnly() {
		return j.semiRows(ctx, lb, li)
	}
	if j.Type == RightJoin || j.Type == FullJoin {
		for _, r := range ri {
			build.matched[r] = true
		}
	}
	if j.Type == LeftJoin || j.Type == FullJoin {
		hit := make([]bool, n)
		for _, l := range li {
			hit[l] = true
		}
		for r := range n {
			if !hit[r] {
				li = append(li, int32(r))
				ri = append(ri, -1)
			}
		}
	}
	if len(li) == 0 {
		return nil, nil
	}
	var out []arrow.RecordBatch
	for start := 0; start < len(li); start += outputBatchRows {
		end := min(start+outputBatchRows, len(li))
		b, err := j.assemble(ctx, j.schema, lb, nil, li[start:end], build.batch, ri[start:end])
		if err != nil {
			for _, o := range out {
				o.Release()
			}
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// keepPairs evaluates the join filter over the pairs of left rows li
// (of lb) and right rows ri (of rb), and returns the pairs it keeps.
func (j *HashJoin) keepPairs(ctx context.Context, filter evaluator, lb arrow.RecordBatch, li []int32, rb arrow.RecordBatch, ri []int32) ([]int32, []int32, error) {
	cand, err := j.assemble(ctx, j.pairSchema(), lb, nil, li, rb, ri)
	if err != nil {
		return nil, nil, err
	}
	d, err := filter(ctx, cand)
	cand.Release()
	if err != nil {
		return nil, nil, err
	}
	keep, err := evalMask(d, len(li))
	d.Release()
	if err != nil {
		return nil, nil, err
	}
	k := 0
	for i := range li {
		if keep[i] {
			li[k], ri[k] = li[i], ri[i]
			k++
		}
	}
	return li[:k], ri[:k], nil
}

// executeBuildLeft runs a semi or anti join that hashes its left input:
// the right rows mark the left rows they match (through the filter, if
// any), and the marked rows (semi) or the others (anti) come out at the
// end, in the left input's order.
func (j *HashJoin) executeBuildLeft(ctx context.Context, leftEvals, rightEvals []evaluator, keys []keyColumn, filter evaluator) (array.RecordReader, error) {
	var out []arrow.RecordBatch
	done := false
	cleanup := func() {
		for _, b := range out {
			b.Release()
		}
	}
	return batchio.NewReader(j.schema, func() (arrow.RecordBatch, error) {
		if !done {
			done = true
			var err error
			if out, err = j.buildLeftRows(ctx, leftEvals, rightEvals, keys, filter); err != nil {
				return nil, err
			}
		}
		if len(out) == 0 {
			return nil, nil
		}
		b := out[0]
		out = out[1:]
		return b, nil
	}, cleanup), nil
}

func (j *HashJoin) buildLeftRows(ctx context.Context, leftEvals, rightEvals []evaluator, keys []keyColumn, filter evaluator) ([]arrow.RecordBatch, error) {
	build, err := j.build(ctx, j.Left, leftEvals, keys)
	if err != nil {
		return nil, err
	}
	if build.batch == nil {
		return nil, nil
	}
	defer build.batch.Release()
	// The right input's filters and projections and the probes run on
	// every core, a batch each; each probe returns the build rows its
	// batch matched, which are marked here.
	source, stages, err := splitPipeline(j.Right)
	if err != nil {
		return nil, err
	}
	ctx = withJoinKeys(ctx, j.Publish, build)
	right, err := source.Execute(ctx)
	if err != nil {
		return nil, err
	}
	defer right.Release()
	probes := newOrderedMap(ctx, right, runtime.GOMAXPROCS(0), func(ctx context.Context, rb arrow.RecordBatch) ([]int32, error) {
		rb, err := runStages(ctx, rb, stages)
		if err != nil || rb == nil {
			return nil, err
		}
		defer rb.Release()
		return j.matchedBuildRows(ctx, rb, build, rightEvals, keys, filter)
	}, func([]int32) {})
	defer probes.Stop()
	for {
		rows, ok := probes.Next()
		if !ok {
			break
		}
		for _, b := range rows {
			build.matched[b] = true
		}
	}
	if err := probes.Err(); err != nil {
		return nil, err
	}
	if err := right.Err(); err != nil {
		return nil, err
	}
	keep := j.Type == SemiJoin
	var rows []int32
	for r, m := range build.matched {
		if m == keep {
			rows = append(rows, int32(r))
		}
	}
	var out []arrow.RecordBatch
	for start := 0; start < len(rows); start += outputBatchRows {
		idx := take.Indices(memory.DefaultAllocator, rows[start:min(start+outputBatchRows, len(rows))])
		b, err := take.Batch(ctx, build.batch, idx)
		idx.Release()
		if err != nil {
			for _, o := range out {
				o.Release()
			}
			return nil, fmt.Errorf("join: %w", err)
		}
		out = append(out, b)
	}
	return out, nil
}

// matchPairs finds, for each row of lb (keys from evals), its matching
// rows of the hashed input: li are rows of lb, ri rows of build. A batch
// can match far more pairs than it has rows (a cross join, a key shared by
// many rows): every pairChunk pairs are accounted to the query's memory,
// held bytes the caller releases, and the query's cancellation checked.
func matchPairs(ctx context.Context, lb arrow.RecordBatch, build *joinBuild, evals []evaluator, keys []keyColumn) (li, ri []int32, held int64, err error) {
	err = forEachMatch(ctx, lb, build, evals, keys, func(r int, m int32) error {
		li, ri = append(li, int32(r)), append(ri, m)
		if len(li)%pairChunk != 0 {
			return nil
		}
		if err := reserve(ctx, pairChunk*8); err != nil {
			return err
		}
		held += pairChunk * 8
		return ctx.Err()
	})
	if err != nil {
		release(ctx, held)
		return nil, nil, 0, err
	}
	return li, ri, held, nil
}

// pairChunk is how many join pairs are made between checks of the query's
// memory and cancellation.
const pairChunk = 64 * 1024

// matchedBuildRows returns the hashed rows some row of rb matches
// (through filter, if any; a row may be listed more than once), for a
// semi or anti join that keeps the hashed side.
func (j *HashJoin) matchedBuildRows(ctx context.Context, rb arrow.RecordBatch, build *joinBuild, evals []evaluator, keys []keyColumn, filter evaluator) ([]int32, error) {
	if filter == nil {
		// Without a residual filter only which rows matched counts.
		var rows []int32
		err := forEachMatch(ctx, rb, build, evals, keys, func(_ int, m int32) error {
			rows = append(rows, m)
			return nil
		})
		return rows, err
	}
	ri, bi, held, err := matchPairs(ctx, rb, build, evals, keys)
	if err != nil {
		return nil, err
	}
	defer release(ctx, held)
	if len(bi) == 0 {
		return nil, nil
	}
	bi, _, err = j.keepPairs(ctx, filter, build.batch, bi, rb, ri)
	return bi, err
}

// forEachMatch calls fn with each row r of b (keys from evals) and each
// row m of the hashed input its key matches.
func forEachMatch(ctx context.Context, b arrow.RecordBatch, build *joinBuild, evals []evaluator, keys []keyColumn, fn func(r int, m int32) error) error {
	if build.batch == nil {
		return nil
	}
	n := int(b.NumRows())
	if len(evals) == 0 { // no keys: every pair
		for r := range n {
			if err := ctx.Err(); err != nil {
				return err
			}
			for _, m := range build.all {
				if err := fn(r, m); err != nil {
					return err
				}
			}
		}
		return nil
	}
	cols, err := evalArrays(ctx, evals, b)
	if err != nil {
		return err
	}
	defer releaseAll(cols)
	if build.head != nil {
		key, _ := packKeys(cols)
		for r := range n {
			k, ok := key(r)
			if !ok || !build.mayHave(k) {
				continue
			}
			m, ok := build.head[k]
			for ; ok && m >= 0; m = build.next[m] {
				if err := fn(r, m); err != nil {
					return err
				}
			}
		}
		return nil
	}
	var buf []byte
	for r := range n {
		var ok bool
		if buf, ok = encodeKey(buf[:0], keys, cols, r); !ok {
			continue
		}
		for _, m := range build.rows[string(buf)] {
			if err := fn(r, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// evalMask reads a boolean result as a keep mask (NULL is false).
func evalMask(d compute.Datum, n int) ([]bool, error) {
	keep := make([]bool, n)
	switch v := d.(type) {
	case *compute.ScalarDatum:
		if b, ok := v.Value.(*scalar.Boolean); ok && b.IsValid() && b.Value {
			for i := range keep {
				keep[i] = true
			}
		}
		return keep, nil
	case *compute.ArrayDatum:
		a := v.MakeArray()
		defer a.Release()
		bools, ok := a.(*array.Boolean)
		if !ok {
			return nil, fmt.Errorf("join filter is %s, not boolean", a.DataType())
		}
		for i := range keep {
			keep[i] = bools.IsValid(i) && bools.Value(i)
		}
		return keep, nil
	}
	return nil, fmt.Errorf("join filter: unexpected datum %s", d.Kind())
}

// assemble builds output rows from left row indices li (of lb; nil lb
// means NULL left columns of leftSchema) and right row indices ri (of rb;
// -1 is a NULL right row).
func (j *HashJoin) assemble(ctx context.Context, schema *arrow.Schema, lb arrow.RecordBatch, leftSchema *arrow.Schema, li []int32, rb arrow.RecordBatch, ri []int32) (arrow.RecordBatch, error) {
	mem := memory.DefaultAllocator
	n := max(len(li), len(ri))
	cols := make([]arrow.Array, 0, schema.NumFields())
	defer func() { releaseAll(cols) }()
	// appendSide appends the columns of one side: rows of b, or NULLs of
	// schema when b is nil.
	appendSide := func(b arrow.RecordBatch, schema *arrow.Schema, rows []int32) error {
		if b == nil {
			for _, f := range schema.Fields() {
				cols = append(cols, array.MakeArrayOfNull(mem, f.Type, n))
			}
			return nil
		}
		idx := take.Indices(mem, rows)
		defer idx.Release()
		for _, c := range b.Columns() {
			t, err := take.Array(ctx, c, idx)
			if err != nil {
				return fmt.Errorf("join: %w", err)
			}
			cols = append(cols, t)
		}
		return nil
	}
	if err := appendSide(lb, leftSchema, li); err != nil {
		return nil, err
	}
	if err := appendSide(rb, j.Right.Schema(), ri); err != nil {
		return nil, err
	}
	out := array.NewRecordBatch(schema, cols, int64(n))
	return out, nil
}

// pairSchema is the schema of the matched pairs a join filter reads.
func (j *HashJoin) pairSchema() *arrow.Schema {
	if j.Type.LeftOnly() {
		return joinSchema(j.Left.Schema(), j.Right.Schema())
	}
	return j.schema
}

// semiRows returns the rows of lb a semi join keeps (those among the
// matched rows li) or an anti join keeps (the others).
func (j *HashJoin) semiRows(ctx context.Context, lb arrow.RecordBatch, li []int32) ([]arrow.RecordBatch, error) {
	n := int(lb.NumRows())
	hit := make([]bool, n)
	for _, l := range li {
		hit[l] = true
	}
	keep := j.Type == SemiJoin
	var rows []int32
	for r := range n {
		if hit[r] == keep {
			rows = append(rows, int32(r))
		}
	}
	switch {
	case len(rows) == 0:
		return nil, nil
	case len(rows) == n:
		lb.Retain()
		return []arrow.RecordBatch{lb}, nil
	}
	idx := take.Indices(memory.DefaultAllocator, rows)
	defer idx.Release()
	cols := make([]arrow.Array, 0, lb.NumCols())
	for _, c := range lb.Columns() {
		t, err := take.Array(ctx, c, idx)
		if err != nil {
			releaseAll(cols)
			return nil, fmt.Errorf("join: %w", err)
		}
		cols = append(cols, t)
	}
	defer releaseAll(cols)
	return []arrow.RecordBatch{array.NewRecordBatch(j.schema, cols, int64(len(rows)))}, nil
}
