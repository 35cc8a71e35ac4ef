package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/internal/take"
	"github.com/riffq/riffq/pgerror"
)

// SetItem is a select-list item of a ProjectSet: Expr, or the
// set-returning function Func over Args.
type SetItem struct {
	Expr expr.Expr
	Func string
	Args []expr.Expr
	Type arrow.DataType
}

// ProjectSet evaluates a select list with set-returning functions (unnest,
// generate_series, generate_subscripts): each input row yields as many rows
// as its longest set, shorter sets padded with NULL and plain items
// repeated; a row whose sets are all empty yields none.
type ProjectSet struct {
	Input Plan
	Items []SetItem
	Names []string
}

func (p *ProjectSet) Schema() *arrow.Schema {
	fields := make([]arrow.Field, len(p.Items))
	for i, it := range p.Items {
		fields[i] = arrow.Field{Name: p.Names[i], Type: it.Type, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

func (p *ProjectSet) Children() []Plan { return []Plan{p.Input} }
func (p *ProjectSet) String() string   { return fmt.Sprintf("ProjectSet: %d items", len(p.Items)) }

// Execute expands each input batch.
func (p *ProjectSet) Execute(ctx context.Context) (array.RecordReader, error) {
	in, err := p.Input.Execute(ctx)
	if err != nil {
		return nil, err
	}
	evs := make([][]evaluator, len(p.Items))
	for i, it := range p.Items {
		exprs := it.Args
		if it.Func == "" {
			exprs = []expr.Expr{it.Expr}
		}
		if evs[i], err = compileAll(exprs); err != nil {
			in.Release()
			return nil, err
		}
	}
	schema := p.Schema()
	return batchio.NewReader(schema, func() (arrow.RecordBatch, error) {
		for in.Next() {
			out, err := p.expand(ctx, in.RecordBatch(), evs, schema)
			if err != nil || out != nil {
				return out, err
			}
		}
		return nil, in.Err()
	}, in.Release), nil
}

// expand turns one input batch into its output rows (nil when none).
func (p *ProjectSet) expand(ctx context.Context, b arrow.RecordBatch, evs [][]evaluator, schema *arrow.Schema) (arrow.RecordBatch, error) {
	n := int(b.NumRows())
	vals := make([][]arrow.Array, len(p.Items))
	defer func() {
		for _, vs := range vals {
			releaseAll(vs)
		}
	}()
	for i, ev := range evs {
		var err error
		if vals[i], err = evalArrays(ctx, ev, b); err != nil {
			return nil, err
		}
	}
	// counts[r] is how many rows input row r yields: its longest set.
	counts := make([]int, n)
	// times[i][r] are the values of a generate_series over timestamps,
	// which cannot be counted without being computed.
	times := make([][][]arrow.Timestamp, len(p.Items))
	for i, it := range p.Items {
		if it.Func == "" {
			continue
		}
		a := argReader{vals[i]}
		for r := range n {
			if a.null(r) {
				continue // an empty set
			}
			var k int64
			switch it.Func {
			case "unnest", "_pg_expandarray", "generate_subscripts":
				if it.Func == "generate_subscripts" && a.int(1, r) != 1 {
					continue
				}
				start, end := vals[i][0].(array.ListLike).ValueOffsets(r)
				k = end - start
			case "generate_series":
				if ts, ok := vals[i][0].(*array.Timestamp); ok {
					if times[i] == nil {
						times[i] = make([][]arrow.Timestamp, n)
					}
					tt, loc := it.Type.(*arrow.TimestampType), time.UTC
					if tt.TimeZone != "" {
						loc = sessionLocation(ctx)
					}
					series, err := timestampSeries(ts.Value(r), vals[i][1].(*array.Timestamp).Value(r),
						vals[i][2].(*array.MonthDayNanoInterval).Value(r), tt, loc)
					if err != nil {
						return nil, err
					}
					times[i][r] = series
					k = int64(len(series))
					break
				}
				step := int64(1)
				if len(vals[i]) == 3 {
					step = a.int(2, r)
				}
				if step == 0 {
					return nil, pgerror.New(pgerror.InvalidParameterValue, "step size cannot equal zero")
				}
				from, to := a.int(0, r), a.int(1, r)
				if (step > 0 && to >= from) || (step < 0 && to <= from) {
					k = (to-from)/step + 1
				}
			}
			if k > 1<<24 {
				return nil, pgerror.New("54000", "set-returning function result too large")
			}
			counts[r] = max(counts[r], int(k))
		}
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	if total == 0 {
		return nil, nil
	}
	mem := memory.DefaultAllocator
	cols := make([]arrow.Array, len(p.Items))
	defer func() { releaseAll(cols) }()
	for i, it := range p.Items {
		bld := array.NewBuilder(mem, it.Type)
		idx := array.NewInt64Builder(mem)
		a := argReader{vals[i]}
		for r, c := range counts {
			for j := range c {
				switch {
				case it.Func == "":
					idx.Append(int64(r))
				case a.null(r):
					idx.AppendNull()
				case it.Func == "unnest" || it.Func == "_pg_expandarray":
					start, end := vals[i][0].(array.ListLike).ValueOffsets(r)
					if start+int64(j) < end {
						idx.Append(start + int64(j))
					} else {
						idx.AppendNull()
					}
				case it.Func == "generate_subscripts":
					start, end := vals[i][0].(array.ListLike).ValueOffsets(r)
					if a.int(1, r) == 1 && int64(j) < end-start {
						appendInt(bld, int64(j+1))
					} else {
						bld.AppendNull()
					}
				case it.Func == "generate_series" && times[i] != nil:
					if series := times[i][r]; j < len(series) {
						bld.(*array.TimestampBuilder).Append(series[j])
					} else {
						bld.AppendNull()
					}
				case it.Func == "generate_series":
					step := int64(1)
					if len(vals[i]) == 3 {
						step = a.int(2, r)
					}
					from, to := a.int(0, r), a.int(1, r)
					v := from + int64(j)*step
					if (step > 0 && v <= to) || (step < 0 && v >= to) {
						appendInt(bld, v)
					} else {
						bld.AppendNull()
					}
				}
			}
		}
		var err error
		switch it.Func {
		case "", "unnest":
			src := vals[i][0]
			if it.Func == "unnest" {
				src = vals[i][0].(array.ListLike).ListValues()
			}
			indices := idx.NewArray()
			cols[i], err = take.Array(ctx, src, indices)
			indices.Release()
		case "_pg_expandarray":
			cols[i], err = expandArray(ctx, vals[i][0].(array.ListLike), idx.NewArray())
		default:
			cols[i] = bld.NewArray()
		}
		idx.Release()
		bld.Release()
		if err != nil {
			return nil, err
		}
	}
	return array.NewRecordBatch(schema, cols, int64(total)), nil
}

// expandArray builds _pg_expandarray's records: element x (the list value
// at each index) and its subscript n (from 1), NULL where the index is.
func expandArray(ctx context.Context, list array.ListLike, indices arrow.Array) (arrow.Array, error) {
	defer indices.Release()
	x, err := take.Array(ctx, list.ListValues(), indices)
	if err != nil {
		return nil, err
	}
	defer x.Release()
	idx := indices.(*array.Int64)
	n := array.NewInt32Builder(memory.DefaultAllocator)
	defer n.Release()
	valid := make([]bool, idx.Len())
	r := 0
	for i := range idx.Len() {
		if idx.IsNull(i) {
			n.AppendNull()
			continue
		}
		valid[i] = true
		// The subscript counts from the start of the element's list.
		for r+1 < list.Len() {
			if start, end := list.ValueOffsets(r); idx.Value(i) >= start && idx.Value(i) < end {
				break
			}
			r++
		}
		start, _ := list.ValueOffsets(r)
		n.Append(int32(idx.Value(i) - start + 1))
	}
	na := n.NewArray()
	defer na.Release()
	var bm *memory.Buffer
	if nulls := idx.NullN(); nulls > 0 {
		bm = memory.NewResizableBuffer(memory.DefaultAllocator)
		defer bm.Release()
		bm.Resize(int(bitutil.BytesForBits(int64(len(valid)))))
		for i, v := range valid {
			bitutil.SetBitTo(bm.Bytes(), i, v)
		}
	}
	return array.NewStructArrayWithNulls([]arrow.Array{x, na}, []string{"x", "n"}, bm, idx.NullN(), 0)
}
