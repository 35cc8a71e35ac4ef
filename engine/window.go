package engine

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/internal/take"
	"github.com/riffq/riffq/pgerror"
)

// WindowFunc is a window function: Func (row_number, rank, lag...) over
// Args, or an aggregate (Agg) over the window's frame.
type WindowFunc struct {
	Func string
	Args []expr.Expr
	Agg  *expr.Aggregate
	Type arrow.DataType
	// Frame is the rows aggregates, first_value, last_value and nth_value
	// see; the other functions ignore it.
	Frame WindowFrame
}

// Window computes window functions over its input, which arrives sorted by
// the Partition columns then the Order keys. Rows with equal Order values
// are peers; each function's frame says which rows of the partition it
// sees.
type Window struct {
	Input     Plan
	Partition []int
	Order     []SortKey
	Funcs     []WindowFunc
}

func (w *Window) Schema() *arrow.Schema {
	fields := append([]arrow.Field{}, w.Input.Schema().Fields()...)
	for i, f := range w.Funcs {
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("window%d", i), Type: f.Type, Nullable: true})
	}
	return arrow.NewSchema(fields, nil)
}

func (w *Window) Children() []Plan { return []Plan{w.Input} }
func (w *Window) String() string {
	order := make([]int, len(w.Order))
	for i, k := range w.Order {
		order[i] = k.Column
	}
	frames := make([]string, 0, len(w.Funcs))
	for _, fn := range w.Funcs {
		if fr := fn.Frame.String(); fr != DefaultFrame.String() && !slices.Contains(frames, fr) {
			frames = append(frames, fr)
		}
	}
	s := fmt.Sprintf("Window: partition=%v order=%v functions=%d", w.Partition, order, len(w.Funcs))
	if len(frames) > 0 {
		s += " frames=[" + strings.Join(frames, "; ") + "]"
	}
	return s
}

// Execute reads the whole input (window frames can reach any row of a
// partition), computes every function, and emits the rows with them.
func (w *Window) Execute(ctx context.Context) (array.RecordReader, error) {
	in, err := w.Input.Execute(ctx)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	var batches []arrow.RecordBatch
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	for in.Next() {
		b := in.RecordBatch()
		b.Retain()
		batches = append(batches, b)
		if err := reserveBatch(ctx, b); err != nil {
			return nil, err
		}
	}
	if err := in.Err(); err != nil {
		return nil, err
	}
	schema := w.Schema()
	if len(batches) == 0 {
		return batchio.Empty(schema), nil
	}
	all, err := batchio.Concatenate(w.Input.Schema(), batches)
	if err != nil {
		return nil, err
	}
	defer all.Release()
	workers := runtime.GOMAXPROCS(0)
	chunks, err := w.chunks(all, max(outputBatchRows, int(all.NumRows())/(4*workers)))
	if err != nil {
		return nil, err
	}
	if len(chunks) == 1 || workers < 2 {
		out, err := w.computeBatch(ctx, all)
		if err != nil {
			return nil, err
		}
		done := false
		return sliceBatches(schema, outputBatchRows, func() (arrow.RecordBatch, error) {
			if done {
				return nil, nil
			}
			done = true
			return out, nil
		}, func() {
			if !done {
				out.Release()
			}
		}), nil
	}
	// Partitions are independent: runs of whole partitions are computed
	// on every core and come out in input order.
	next := 0
	all.Retain()
	src := batchio.NewReader(all.Schema(), func() (arrow.RecordBatch, error) {
		if next == len(chunks) {
			return nil, nil
		}
		c := chunks[next]
		next++
		return all.NewSlice(c[0], c[1]), nil
	}, all.Release)
	results := newOrderedMap(ctx, src, workers, w.computeBatch, func(b arrow.RecordBatch) { b.Release() })
	return sliceBatches(schema, outputBatchRows, func() (arrow.RecordBatch, error) {
		if b, ok := results.Next(); ok {
			return b, nil
		}
		return nil, results.Err()
	}, func() {
		results.Stop()
		src.Release()
	}), nil
}

// chunks splits the sorted rows of all into runs of whole partitions of
// about size rows each (one run when there is one partition).
func (w *Window) chunks(all arrow.RecordBatch, size int) ([][2]int64, error) {
	n := int(all.NumRows())
	if len(w.Partition) == 0 || n <= size {
		return [][2]int64{{0, int64(n)}}, nil
	}
	partDiff, err := w.differs(all, w.Partition)
	if err != nil {
		return nil, err
	}
	var out [][2]int64
	start := 0
	for i := size; i < n; i++ {
		if i-start >= size && partDiff(i) {
			out = append(out, [2]int64{int64(start), int64(i)})
			start = i
			i += size - 1
		}
	}
	return append(out, [2]int64{int64(start), int64(n)}), nil
}

// sliceBatches emits the batches next hands over (nil at the end) in
// slices of at most rows rows, releasing each when it is used up; close,
// when set, runs when the reader is released.
func sliceBatches(schema *arrow.Schema, rows int64, next func() (arrow.RecordBatch, error), close func()) array.RecordReader {
	var (
		cur arrow.RecordBatch
		pos int64
	)
	return batchio.NewReader(schema, func() (arrow.RecordBatch, error) {
		for cur == nil || pos >= cur.NumRows() {
			if cur != nil {
				cur.Release()
				cur = nil
			}
			b, err := next()
			if b == nil || err != nil {
				return nil, err
			}
			cur, pos = b, 0
		}
		end := min(pos+rows, cur.NumRows())
		s := cur.NewSlice(pos, end)
		pos = end
		return s, nil
	}, func() {
		if cur != nil {
			cur.Release()
		}
		if close != nil {
			close()
		}
	})
}

// computeBatch computes every function over all, whole partitions sorted,
// and returns its rows with the functions' columns.
func (w *Window) computeBatch(ctx context.Context, all arrow.RecordBatch) (arrow.RecordBatch, error) {
	f, err := w.frames(all)
	if err != nil {
		return nil, err
	}
	cols := append([]arrow.Array{}, all.Columns()...)
	var computed []arrow.Array
	defer func() { releaseAll(computed) }()
	frames := make(map[string]*frameRows)
	for _, fn := range w.Funcs {
		key := fn.Frame.String()
		rows, ok := frames[key]
		if !ok && (fn.Agg != nil || frameFuncs[fn.Func]) {
			if rows, err = w.frameRowsFor(ctx, fn.Frame, all, f); err != nil {
				return nil, err
			}
			frames[key] = rows
		}
		c, err := w.compute(ctx, fn, all, f, rows)
		if err != nil {
			return nil, err
		}
		computed = append(computed, c)
		cols = append(cols, c)
	}
	return array.NewRecordBatch(w.Schema(), cols, all.NumRows()), nil
}

// differs returns whether row i of all (sorted) differs from row i-1 in
// the columns cols. NULLs equal NULLs here, as in sorting.
func (w *Window) differs(all arrow.RecordBatch, cols []int) (func(i int) bool, error) {
	// Typed comparisons where the column has them (NULLs compare
	// equal to NULLs there too), else the grouping encoding.
	cmps := make([]keyComparator, len(cols))
	typed := true
	for k, c := range cols {
		if cmps[k] = newKeyComparator(all.Column(c), SortKey{}); cmps[k] == nil {
			typed = false
		}
	}
	if typed {
		return func(i int) bool {
			for _, c := range cmps {
				if c(i, i-1) != 0 {
					return true
				}
			}
			return false
		}, nil
	}
	keys := make([]keyColumn, len(cols))
	for k, c := range cols {
		var err error
		if keys[k], err = newKeyColumn(all.Column(c).DataType()); err != nil {
			return nil, err
		}
	}
	var a, b []byte
	return func(i int) bool {
		for k, c := range cols {
			col := all.Column(c)
			if col.IsNull(i) != col.IsNull(i-1) {
				return true
			}
			if col.IsNull(i) {
				continue
			}
			a, b = keys[k].encode(a[:0], col, i), keys[k].encode(b[:0], col, i-1)
			if string(a) != string(b) {
				return true
			}
		}
		return false
	}, nil
}

// frameInfo locates each row's partition and peer group.
type frameInfo struct {
	partStart, partEnd []int // the row's partition [start, end)
	peerStart, peerEnd []int // the row's peer group [start, end)
	part               []uint32
	denseRank          []int64
	parts              int
}

// frames finds partitions and peer groups in the sorted rows: a row starts
// a partition when a partition key differs from the row before, a peer
// group when any key does. NULLs equal NULLs here, as in sorting.
func (w *Window) frames(all arrow.RecordBatch) (*frameInfo, error) {
	n := int(all.NumRows())
	partDiff, err := w.differs(all, w.Partition)
	if err != nil {
		return nil, err
	}
	order := make([]int, len(w.Order))
	for i, k := range w.Order {
		order[i] = k.Column
	}
	orderDiff, err := w.differs(all, order)
	if err != nil {
		return nil, err
	}
	f := &frameInfo{
		partStart: make([]int, n), partEnd: make([]int, n), peerStart: make([]int, n), peerEnd: make([]int, n),
		part: make([]uint32, n), denseRank: make([]int64, n),
	}
	ps, peer, dense := 0, 0, int64(0)
	for i := range n {
		newPart := i == 0 || partDiff(i)
		if newPart {
			if i > 0 {
				f.parts++
			}
			ps, dense = i, 0
		}
		if newPart || orderDiff(i) {
			peer = i
			dense++
		}
		f.partStart[i], f.peerStart[i], f.part[i], f.denseRank[i] = ps, peer, uint32(f.parts), dense
	}
	f.parts++
	for i := n - 1; i >= 0; i-- {
		if i == n-1 || f.partStart[i+1] != f.partStart[i] {
			f.partEnd[i] = i + 1
		} else {
			f.partEnd[i] = f.partEnd[i+1]
		}
		if i == n-1 || f.peerStart[i+1] != f.peerStart[i] {
			f.peerEnd[i] = i + 1
		} else {
			f.peerEnd[i] = f.peerEnd[i+1]
		}
	}
	return f, nil
}

// frameFuncs are the window functions proper that see only their frame.
var frameFuncs = map[string]bool{"first_value": true, "last_value": true, "nth_value": true}

func (w *Window) compute(ctx context.Context, fn WindowFunc, all arrow.RecordBatch, f *frameInfo, rows *frameRows) (arrow.Array, error) {
	n := int(all.NumRows())
	mem := memory.DefaultAllocator
	if fn.Agg != nil {
		return w.aggregate(ctx, fn, all, f, rows)
	}
	evs, err := compileAll(fn.Args)
	if err != nil {
		return nil, err
	}
	args, err := evalArrays(ctx, evs, all)
	if err != nil {
		return nil, err
	}
	defer releaseAll(args)
	switch fn.Func {
	case "row_number", "rank", "dense_rank":
		b := array.NewInt64Builder(mem)
		defer b.Release()
		for i := range n {
			switch fn.Func {
			case "row_number":
				b.Append(int64(i - f.partStart[i] + 1))
			case "rank":
				b.Append(int64(f.peerStart[i] - f.partStart[i] + 1))
			default:
				b.Append(f.denseRank[i])
			}
		}
		return b.NewArray(), nil
	case "percent_rank", "cume_dist":
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		for i := range n {
			size := float64(f.partEnd[i] - f.partStart[i])
			if fn.Func == "cume_dist" {
				b.Append(float64(f.peerEnd[i]-f.partStart[i]) / size)
			} else if size == 1 {
				b.Append(0)
			} else {
				b.Append(float64(f.peerStart[i]-f.partStart[i]) / (size - 1))
			}
		}
		return b.NewArray(), nil
	case "ntile":
		b := array.NewInt32Builder(mem)
		defer b.Release()
		a := argReader{args}
		for i := range n {
			if args[0].IsNull(i) {
				b.AppendNull()
				continue
			}
			buckets := a.int(0, i)
			if buckets <= 0 {
				return nil, pgerror.New("22014", "argument of ntile must be greater than zero")
			}
			size, r := int64(f.partEnd[i]-f.partStart[i]), int64(i-f.partStart[i])
			per, extra := size/buckets, size%buckets
			// The first extra buckets hold per+1 rows.
			var bucket int64
			if r < extra*(per+1) {
				bucket = r / (per + 1)
			} else {
				bucket = extra + (r-extra*(per+1))/max(per, 1)
			}
			b.Append(int32(bucket + 1))
		}
		return b.NewArray(), nil
	case "lag", "lead", "first_value", "last_value", "nth_value":
		// Take from the argument, or from the default (after it) when the
		// offset leaves the partition.
		values := args[0]
		var defaults arrow.Array
		if len(args) == 3 && fn.Func != "nth_value" {
			defaults = args[2]
		} else {
			defaults = array.MakeArrayOfNull(mem, values.DataType(), n)
			defer defaults.Release()
		}
		both, err := array.Concatenate([]arrow.Array{values, defaults}, mem)
		if err != nil {
			return nil, err
		}
		defer both.Release()
		idx := array.NewInt64Builder(mem)
		defer idx.Release()
		a := argReader{args}
		for i := range n {
			var j int
			switch fn.Func {
			case "first_value":
				j = rows.nth(i, 0)
			case "last_value":
				j = rows.last(i)
			case "nth_value":
				if args[1].IsNull(i) {
					idx.AppendNull()
					continue
				}
				k := a.int(1, i)
				if k <= 0 {
					return nil, pgerror.New("22016", "argument of nth_value must be greater than zero")
				}
				j = -1
				if k <= int64(n) {
					j = rows.nth(i, int(k-1))
				}
			default:
				off := int64(1)
				if len(args) > 1 {
					if args[1].IsNull(i) {
						idx.AppendNull()
						continue
					}
					off = a.int(1, i)
				}
				if fn.Func == "lag" {
					off = -off
				}
				target := int64(i) + off
				if target < int64(f.partStart[i]) || target >= int64(f.partEnd[i]) || target > math.MaxInt32 {
					idx.Append(int64(n + i))
					continue
				}
				j = int(target)
			}
			if j < 0 { // an empty frame, or nth_value past its end
				j = n + i
			}
			idx.Append(int64(j))
		}
		indices := idx.NewArray()
		defer indices.Release()
		return take.Array(ctx, both, indices)
	}
	return nil, pgerror.New(pgerror.FeatureNotSupported, "window function %s is not supported yet", fn.Func)
}

// aggregate computes an aggregate over each row's frame. Frames that span
// their partition aggregate once per partition; count, sum and avg of
// exact types use prefix sums, and float sums, min and max running totals,
// where the frames allow; any other aggregate is fed each frame's rows.
func (w *Window) aggregate(ctx context.Context, fn WindowFunc, all arrow.RecordBatch, f *frameInfo, rows *frameRows) (arrow.Array, error) {
	n := int(all.NumRows())
	mem := memory.DefaultAllocator
	var arg arrow.Array
	if fn.Agg.Arg != nil {
		ev, err := compile(fn.Agg.Arg)
		if err != nil {
			return nil, err
		}
		if arg, err = evalArray(ctx, ev, all); err != nil {
			return nil, err
		}
		defer arg.Release()
	}
	whole, fromStart := true, true
	for i := range n {
		plain := rows.xstart[i] >= rows.xend[i]
		whole = whole && plain && rows.start[i] == f.partStart[i] && rows.end[i] == f.partEnd[i]
		fromStart = fromStart && plain && rows.start[i] == f.partStart[i]
	}
	if whole {
		acc, err := newAccumulator(fn.Agg, sessionLocation(ctx))
		if err != nil {
			return nil, err
		}
		acc.grow(f.parts)
		if err := acc.update(f.part, arg); err != nil {
			return nil, err
		}
		perPart, err := acc.finish(mem)
		if err != nil {
			return nil, err
		}
		defer perPart.Release()
		idx := array.NewUint32Builder(mem)
		defer idx.Release()
		idx.AppendValues(f.part, nil)
		indices := idx.NewArray()
		defer indices.Release()
		return take.Array(ctx, perPart, indices)
	}
	acc, err := prefixAggregate(fn.Agg, arg, rows, f, fromStart, sessionLocation(ctx))
	if err != nil {
		return nil, err
	}
	if acc != nil {
		return acc.finish(mem)
	}
	if fromStart && (fn.Agg.Func == expr.Min || fn.Agg.Func == expr.Max) {
		if out, err := runningMinMax(ctx, fn, arg, rows, f); out != nil || err != nil {
			return out, err
		}
	}
	return frameAggregate(ctx, fn.Agg, arg, rows)
}

// prefixAggregate computes count, and sum and avg of integers and
// decimals, over any frames from prefix sums, and sum and avg of floats
// over frames that start at their partition's start from running sums
// (the order PostgreSQL adds them in). It returns nil for other
// aggregates.
func prefixAggregate(a *expr.Aggregate, arg arrow.Array, rows *frameRows, f *frameInfo, fromStart bool, loc *time.Location) (accumulator, error) {
	base, err := newAccumulator(a, loc)
	if err != nil {
		return nil, err
	}
	switch base.(type) {
	case *countAcc, *intSumAcc:
	case *floatSumAcc:
		if !fromStart {
			return nil, nil
		}
	default:
		return nil, nil
	}
	n := len(rows.start)
	base.grow(n)
	ids := make([]uint32, n)
	for i := range ids {
		ids[i] = uint32(i)
	}
	// Each row in a group of its own: the accumulator converts the values.
	if err := base.update(ids, arg); err != nil {
		return nil, err
	}
	prefix := func(vs []int64) []int64 {
		p := make([]int64, len(vs)+1)
		for i, v := range vs {
			p[i+1] = p[i] + v
		}
		return p
	}
	switch acc := base.(type) {
	case *countAcc:
		p := prefix(acc.counts)
		for i := range n {
			var c int64
			rows.each(i, func(from, to int) { c += p[to] - p[from] })
			acc.counts[i] = c
		}
	case *intSumAcc:
		pc := prefix(acc.counts)
		ps := make([]decimal128.Num, n+1)
		for i, v := range acc.sums {
			ps[i+1] = ps[i].Add(v)
			if (ps[i].HighBits()^ps[i+1].HighBits())&(v.HighBits()^ps[i+1].HighBits()) < 0 {
				return nil, nil // past 128 bits: frame by frame, exactly
			}
		}
		for i := range n {
			var s decimal128.Num
			var c int64
			rows.each(i, func(from, to int) {
				s = s.Add(ps[to].Sub(ps[from]))
				c += pc[to] - pc[from]
			})
			acc.sums[i], acc.counts[i] = s, c
		}
	case *floatSumAcc:
		// Running sums restarted at each partition; row i's frame is
		// [its partition's start, rows.end[i]).
		// special too: an infinite or NaN input in the frame makes an
		// infinite sum a value, not an overflow.
		run, run32, cnt, special := make([]float64, n), make([]float32, n), make([]int64, n), make([]bool, n)
		for j := range n {
			if j > f.partStart[j] {
				run[j], run32[j], cnt[j], special[j] = run[j-1], run32[j-1], cnt[j-1], special[j-1]
			}
			run[j] += acc.sums[j]
			run32[j] += acc.sums32[j]
			cnt[j] += acc.counts[j]
			special[j] = special[j] || acc.special[j]
		}
		for i := range n {
			if e := rows.end[i]; e > rows.start[i] {
				acc.sums[i], acc.sums32[i], acc.counts[i], acc.special[i] = run[e-1], run32[e-1], cnt[e-1], special[e-1]
			} else {
				acc.sums[i], acc.sums32[i], acc.counts[i], acc.special[i] = 0, 0, 0, false
			}
		}
	}
	return base, nil
}

// runningMinMax computes min or max of integers or floats over frames that
// start at their partition's start, or returns nil for other types.
func runningMinMax(ctx context.Context, fn WindowFunc, arg arrow.Array, rows *frameRows, f *frameInfo) (arrow.Array, error) {
	isMax := fn.Agg.Func == expr.Max
	n := len(rows.start)
	var better func(j, k int) bool // whether row j's value beats row k's
	switch a := arg.(type) {
	case *array.Int16, *array.Int32, *array.Int64:
		ints := argReader{[]arrow.Array{a}}
		better = func(j, k int) bool {
			if isMax {
				return ints.int(0, j) > ints.int(0, k)
			}
			return ints.int(0, j) < ints.int(0, k)
		}
	case *array.Float32, *array.Float64:
		fl := func(i int) float64 {
			if x, ok := a.(*array.Float32); ok {
				return float64(x.Value(i))
			}
			return a.(*array.Float64).Value(i)
		}
		better = func(j, k int) bool {
			c := floatCompare(fl(j), fl(k))
			return isMax && c > 0 || !isMax && c < 0
		}
	default:
		return nil, nil
	}
	// best[j] is the row holding the best value from j's partition start
	// to j, or -1.
	best := make([]int, n)
	for j := range n {
		best[j] = -1
		if j > f.partStart[j] {
			best[j] = best[j-1]
		}
		if arg.IsValid(j) && (best[j] < 0 || better(j, best[j])) {
			best[j] = j
		}
	}
	idx := array.NewInt64Builder(memory.DefaultAllocator)
	defer idx.Release()
	for i := range n {
		if e := rows.end[i]; e > rows.start[i] && best[e-1] >= 0 {
			idx.Append(int64(best[e-1]))
		} else {
			idx.AppendNull()
		}
	}
	indices := idx.NewArray()
	defer indices.Release()
	return take.Array(ctx, arg, indices)
}

// frameAggregate feeds each row's frame rows to a group of its own (rows
// with the same frame share one), in chunks that bound the memory it
// takes: the time is the frames' total size.
func frameAggregate(ctx context.Context, a *expr.Aggregate, arg arrow.Array, rows *frameRows) (arrow.Array, error) {
	const chunk = 1 << 20
	mem := memory.DefaultAllocator
	n := len(rows.start)
	var parts []arrow.Array
	defer func() { releaseAll(parts) }()
	var (
		ids     []uint32 // group of each fed row
		fed     []int64  // the fed rows
		groupOf []uint32 // each output row's group
		groups  int
	)
	flush := func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		acc, err := newAccumulator(a, sessionLocation(ctx))
		if err != nil {
			return err
		}
		acc.grow(groups)
		var in arrow.Array
		if arg != nil {
			idx := array.NewInt64Builder(mem)
			idx.AppendValues(fed, nil)
			indices := idx.NewArray()
			idx.Release()
			in, err = take.Array(ctx, arg, indices)
			indices.Release()
			if err != nil {
				return err
			}
			defer in.Release()
		}
		if err := acc.update(ids, in); err != nil {
			return err
		}
		res, err := acc.finish(mem)
		if err != nil {
			return err
		}
		defer res.Release()
		gb := array.NewUint32Builder(mem)
		gb.AppendValues(groupOf, nil)
		gi := gb.NewArray()
		gb.Release()
		defer gi.Release()
		out, err := take.Array(ctx, res, gi)
		if err != nil {
			return err
		}
		parts = append(parts, out)
		ids, fed, groupOf, groups = ids[:0], fed[:0], groupOf[:0], 0
		return nil
	}
	for i := range n {
		if len(groupOf) > 0 && !rows.ties && rows.start[i] == rows.start[i-1] && rows.end[i] == rows.end[i-1] &&
			rows.xstart[i] == rows.xstart[i-1] && rows.xend[i] == rows.xend[i-1] {
			groupOf = append(groupOf, uint32(groups-1))
			continue
		}
		g := uint32(groups)
		groups++
		rows.each(i, func(from, to int) {
			for j := from; j < to; j++ {
				ids = append(ids, g)
				fed = append(fed, int64(j))
			}
		})
		groupOf = append(groupOf, g)
		if len(ids) >= chunk {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if len(groupOf) > 0 {
		if err := flush(); err != nil {
			return nil, err
		}
	}
	if len(parts) == 1 {
		out := parts[0]
		parts = nil
		return out, nil
	}
	return array.Concatenate(parts, mem)
}
