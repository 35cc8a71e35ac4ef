package engine

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/internal/take"
)

// Apply joins each row of Left with the rows Right yields for that row's
// Outer values (a LATERAL subquery or function in FROM): Right is planned
// and run once per distinct tuple of them, and its rows are kept for the
// statement. On, over the left columns then the right ones, keeps pairs;
// a LeftJoin pads the left rows that keep none with NULLs.
type Apply struct {
	Left  Plan
	Right expr.CorrelatedPlan
	Outer []expr.Expr
	Type  JoinType
	On    expr.Expr
}

func (a *Apply) Schema() *arrow.Schema {
	fields := append([]arrow.Field{}, a.Left.Schema().Fields()...)
	for _, f := range a.Right.Schema().Fields() {
		f.Nullable = true
		fields = append(fields, f)
	}
	return arrow.NewSchema(fields, nil)
}

func (a *Apply) Children() []Plan { return []Plan{a.Left} }
func (a *Apply) String() string {
	s := fmt.Sprintf("Apply: %s lateral=%s outer=[%s]", a.Type, a.Right, exprList(a.Outer))
	if a.On != nil {
		s += " on " + a.On.String()
	}
	return s
}

func exprList(es []expr.Expr) string {
	s := ""
	for i, e := range es {
		if i > 0 {
			s += ", "
		}
		s += e.String()
	}
	return s
}

func (a *Apply) Execute(ctx context.Context) (array.RecordReader, error) {
	outer, err := compileAll(a.Outer)
	if err != nil {
		return nil, err
	}
	var on evaluator
	if a.On != nil {
		if on, err = compile(a.On); err != nil {
			return nil, err
		}
	}
	keys := outerKeyEncoders(a.Outer)
	schema := a.Schema()
	leftSchema, rightSchema := a.Left.Schema(), a.Right.Schema()
	cache := make(map[string]arrow.RecordBatch)
	// run returns the right rows for one tuple of outer values.
	run := func(cols []arrow.Array, r int, key string) (arrow.RecordBatch, error) {
		if b, ok := cache[key]; ok {
			return b, nil
		}
		values := make([]scalar.Scalar, len(cols))
		for i, c := range cols {
			var err error
			if values[i], err = scalar.GetScalar(c, r); err != nil {
				return nil, err
			}
		}
		plan, err := a.Right.Bind(values)
		if err != nil {
			return nil, err
		}
		rdr, err := plan.Execute(ctx)
		if err != nil {
			return nil, err
		}
		defer rdr.Release()
		var parts []arrow.RecordBatch
		defer func() {
			for _, p := range parts {
				p.Release()
			}
		}()
		for rdr.Next() {
			b := rdr.RecordBatch()
			b.Retain()
			parts = append(parts, b)
		}
		if err := rdr.Err(); err != nil {
			return nil, err
		}
		var b arrow.RecordBatch
		if len(parts) == 0 {
			b = emptyBatch(rightSchema)
		} else if b, err = batchio.Concatenate(rightSchema, parts); err != nil {
			return nil, err
		}
		renamed := array.NewRecordBatch(rightSchema, b.Columns(), b.NumRows())
		b.Release()
		b = renamed
		if err := reserveBatch(ctx, b); err != nil {
			b.Release()
			return nil, err
		}
		cache[key] = b
		return b, nil
	}
	in, err := a.Left.Execute(ctx)
	if err != nil {
		return nil, err
	}
	var buf []byte
	next := func() (arrow.RecordBatch, error) {
		for in.Next() {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			lb := in.RecordBatch()
			cols, err := evalArrays(ctx, outer, lb)
			if err != nil {
				return nil, err
			}
			var leftIdx []int64
			var rights []arrow.RecordBatch
			for r := range int(lb.NumRows()) {
				buf = buf[:0]
				for i, c := range cols {
					buf = keys[i](buf, c, r)
				}
				rb, err := run(cols, r, string(buf))
				if err != nil {
					releaseAll(cols)
					return nil, err
				}
				if rb.NumRows() == 0 {
					continue
				}
				rights = append(rights, rb)
				for range rb.NumRows() {
					leftIdx = append(leftIdx, int64(r))
				}
			}
			releaseAll(cols)
			out, matched, err := a.pairs(ctx, lb, leftIdx, rights, on, schema, rightSchema)
			if err != nil {
				return nil, err
			}
			if a.Type == LeftJoin {
				if out, err = a.padUnmatched(ctx, lb, out, matched, schema, leftSchema, rightSchema); err != nil {
					return nil, err
				}
			}
			if out == nil || out.NumRows() == 0 {
				if out != nil {
					out.Release()
				}
				continue
			}
			return out, nil
		}
		return nil, in.Err()
	}
	return batchio.NewReader(schema, next, func() {
		in.Release()
		for _, b := range cache {
			b.Release()
		}
	}), nil
}

// pairs builds the joined rows of one left batch: left row leftIdx[k]
// beside the k-th right row, kept where On holds. It reports which left
// rows kept a pair.
func (a *Apply) pairs(ctx context.Context, lb arrow.RecordBatch, leftIdx []int64, rights []arrow.RecordBatch, on evaluator, schema, rightSchema *arrow.Schema) (arrow.RecordBatch, []bool, error) {
	matched := make([]bool, lb.NumRows())
	if len(leftIdx) == 0 {
		return nil, matched, nil
	}
	rb, err := batchio.Concatenate(rightSchema, rights)
	if err != nil {
		return nil, nil, err
	}
	defer rb.Release()
	idx := array.NewInt64Builder(memory.DefaultAllocator)
	idx.AppendValues(leftIdx, nil)
	indices := idx.NewArray()
	idx.Release()
	defer indices.Release()
	lt, err := take.Batch(ctx, lb, indices)
	if err != nil {
		return nil, nil, err
	}
	defer lt.Release()
	out := array.NewRecordBatch(schema, append(append([]arrow.Array{}, lt.Columns()...), rb.Columns()...), lt.NumRows())
	if on != nil {
		d, err := on(ctx, out)
		if err != nil {
			out.Release()
			return nil, nil, err
		}
		mask, isArray := d.(*compute.ArrayDatum)
		filtered, err := applyFilter(ctx, out, d)
		if err == nil && isArray {
			m := mask.MakeArray().(*array.Boolean)
			for k := range m.Len() {
				if m.IsValid(k) && m.Value(k) {
					matched[leftIdx[k]] = true
				}
			}
			m.Release()
		} else if err == nil && filtered.NumRows() > 0 {
			for _, l := range leftIdx {
				matched[l] = true
			}
		}
		d.Release()
		out.Release()
		if err != nil {
			return nil, nil, err
		}
		return filtered, matched, nil
	}
	for _, l := range leftIdx {
		matched[l] = true
	}
	return out, matched, nil
}

// padUnmatched appends the left rows without a pair, with NULL right
// columns, to out.
func (a *Apply) padUnmatched(ctx context.Context, lb, out arrow.RecordBatch, matched []bool, schema, leftSchema, rightSchema *arrow.Schema) (arrow.RecordBatch, error) {
	idx := array.NewInt64Builder(memory.DefaultAllocator)
	defer idx.Release()
	for r, m := range matched {
		if !m {
			idx.Append(int64(r))
		}
	}
	if idx.Len() == 0 {
		return out, nil
	}
	indices := idx.NewArray()
	defer indices.Release()
	lt, err := take.Batch(ctx, lb, indices)
	if err != nil {
		return nil, err
	}
	defer lt.Release()
	cols := append([]arrow.Array{}, lt.Columns()...)
	for _, f := range rightSchema.Fields() {
		c := array.MakeArrayOfNull(memory.DefaultAllocator, f.Type, int(lt.NumRows()))
		defer c.Release()
		cols = append(cols, c)
	}
	padded := array.NewRecordBatch(schema, cols, lt.NumRows())
	if out == nil {
		return padded, nil
	}
	defer out.Release()
	defer padded.Release()
	return batchio.Concatenate(schema, []arrow.RecordBatch{out, padded})
}

func emptyBatch(schema *arrow.Schema) arrow.RecordBatch {
	cols := make([]arrow.Array, schema.NumFields())
	for i, f := range schema.Fields() {
		cols[i] = array.MakeArrayOfNull(memory.DefaultAllocator, f.Type, 0)
	}
	b := array.NewRecordBatch(schema, cols, 0)
	releaseAll(cols)
	return b
}
