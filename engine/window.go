package engine

import (
	"context"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/pgerror"
)

// WindowFunc is a window function: Func (row_number, rank, lag...) over
// Args, or an aggregate (Agg) over the window's frame.
type WindowFunc struct {
	Func string
	Args []expr.Expr
	Agg  *expr.Aggregate
	Type arrow.DataType
}

// Window computes window functions over its input, which arrives sorted by
// the Partition columns then the Order columns. The frame is PostgreSQL's
// default: the whole partition without ORDER BY, else the partition's rows
// up to the current row's last peer.
type Window struct {
	Input     Plan
	Partition []int
	Order     []int
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
	return fmt.Sprintf("Window: partition=%v order=%v functions=%d", w.Partition, w.Order, len(w.Funcs))
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
	all, err := concatBatches(w.Input.Schema(), batches)
	if err != nil {
		return nil, err
	}
	defer all.Release()
	f, err := w.frames(all)
	if err != nil {
		return nil, err
	}
	cols := append([]arrow.Array{}, all.Columns()...)
	var computed []arrow.Array
	defer func() { releaseAll(computed) }()
	for _, fn := range w.Funcs {
		c, err := w.compute(ctx, fn, all, f)
		if err != nil {
			return nil, err
		}
		computed = append(computed, c)
		cols = append(cols, c)
	}
	out := array.NewRecordBatch(schema, cols, all.NumRows())
	var pos int64
	return batchio.NewReader(schema, func() (arrow.RecordBatch, error) {
		if pos >= out.NumRows() {
			return nil, nil
		}
		end := min(pos+outputBatchRows, out.NumRows())
		b := out.NewSlice(pos, end)
		pos = end
		return b, nil
	}, out.Release), nil
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
	differs := func(cols []int) (func(i int) bool, error) {
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
	partDiff, err := differs(w.Partition)
	if err != nil {
		return nil, err
	}
	orderDiff, err := differs(w.Order)
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

func (w *Window) compute(ctx context.Context, fn WindowFunc, all arrow.RecordBatch, f *frameInfo) (arrow.Array, error) {
	n := int(all.NumRows())
	mem := memory.DefaultAllocator
	if fn.Agg != nil {
		return w.aggregate(ctx, fn, all, f)
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
	case "lag", "lead", "first_value", "last_value":
		// Take from the argument, or from the default (after it) when the
		// offset leaves the partition.
		values := args[0]
		var defaults arrow.Array
		if len(args) == 3 {
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
				j = f.partStart[i]
			case "last_value":
				j = f.partEnd[i] - 1
				if len(w.Order) > 0 {
					j = f.peerEnd[i] - 1
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
			idx.Append(int64(j))
		}
		indices := idx.NewArray()
		defer indices.Release()
		return takeArray(ctx, both, indices)
	}
	return nil, pgerror.New(pgerror.FeatureNotSupported, "window function %s is not supported yet", fn.Func)
}

// aggregate computes an aggregate over each row's frame: per partition
// without ORDER BY; running, up to the row's last peer, with it.
func (w *Window) aggregate(ctx context.Context, fn WindowFunc, all arrow.RecordBatch, f *frameInfo) (arrow.Array, error) {
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
	if len(w.Order) == 0 {
		acc, err := newAccumulator(fn.Agg)
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
		return takeArray(ctx, perPart, indices)
	}
	// Running count, sum, min and max (the binder admits no others here).
	b := array.NewBuilder(mem, fn.Type)
	defer b.Release()
	var (
		count    int64
		isum     int64
		fsum     float64
		best     float64
		ibest    int64
		seen     bool
		floatArg = arg != nil && (arg.DataType().ID() == arrow.FLOAT32 || arg.DataType().ID() == arrow.FLOAT64)
	)
	num := func(i int) (int64, float64) {
		switch a := arg.(type) {
		case *array.Int16:
			return int64(a.Value(i)), 0
		case *array.Int32:
			return int64(a.Value(i)), 0
		case *array.Int64:
			return a.Value(i), 0
		case *array.Float32:
			return 0, float64(a.Value(i))
		case *array.Float64:
			return 0, a.Value(i)
		}
		return 0, 0
	}
	for i := 0; i < n; {
		if i == f.partStart[i] {
			count, isum, fsum, seen = 0, 0, 0, false
		}
		end := f.peerEnd[i]
		for j := i; j < end; j++ {
			if arg != nil && arg.IsNull(j) {
				continue
			}
			count++
			if arg == nil {
				continue
			}
			iv, fv := num(j)
			switch fn.Agg.Func {
			case expr.Sum:
				isum += iv
				fsum += fv
			case expr.Min, expr.Max:
				max := fn.Agg.Func == expr.Max
				if floatArg {
					if !seen || (max && floatCompare(fv, best) > 0) || (!max && floatCompare(fv, best) < 0) {
						best = fv
					}
				} else if !seen || (max && iv > ibest) || (!max && iv < ibest) {
					ibest = iv
				}
			}
			seen = true
		}
		for j := i; j < end; j++ {
			switch {
			case fn.Agg.Func == expr.Count || fn.Agg.Func == expr.CountStar:
				appendInt(b, count)
			case !seen:
				b.AppendNull()
			case fn.Agg.Func == expr.Sum && !floatArg:
				appendInt(b, isum)
			case fn.Agg.Func == expr.Sum:
				appendFloat(b, fsum)
			case floatArg:
				appendFloat(b, best)
			default:
				appendInt(b, ibest)
			}
		}
		i = end
	}
	return b.NewArray(), nil
}

func appendFloat(b array.Builder, v float64) {
	switch bb := b.(type) {
	case *array.Float32Builder:
		bb.Append(float32(v))
	case *array.Float64Builder:
		bb.Append(v)
	}
}
