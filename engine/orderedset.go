package engine

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/take"
	"github.com/riffq/riffq/pgerror"
)

// orderedSetAcc computes the ordered-set aggregates percentile_cont,
// percentile_disc and mode: it keeps where each group's values are, sorts
// them by the WITHIN GROUP ordering at the end, and picks.
type orderedSetAcc struct {
	groupRows // non-NULL values only
	fn        expr.AggFunc
	desc      bool
	fraction  float64
	null      bool // the fraction is NULL: so is the result
	// fractions, for an array of fractions, are its elements (NULL ones
	// flagged in nulls): the result is the array of their percentiles.
	fractions []float64
	nulls     []bool
	many      bool
}

func newOrderedSetAcc(a *expr.Aggregate) (*orderedSetAcc, error) {
	acc := &orderedSetAcc{groupRows: groupRows{elem: a.Arg.DataType()}, fn: a.Func, desc: a.Desc}
	if a.Fraction != nil {
		v, err := EvalConstant(context.Background(), a.Fraction)
		if err != nil {
			return nil, err
		}
		list, isList := v.(*scalar.List)
		switch {
		case !v.IsValid():
			acc.null = true
		case isList:
			acc.many = true
			elems, ok := list.Value.(*array.Float64)
			if !ok {
				return nil, pgerror.New(pgerror.FeatureNotSupported, "%s needs constant fractions", a.Func)
			}
			for i := range elems.Len() {
				f := elems.Value(i)
				if elems.IsValid(i) && (f < 0 || f > 1 || math.IsNaN(f)) {
					return nil, pgerror.New(pgerror.NumericValueOutOfRange, "percentile value %s is not between 0 and 1", formatFloat(f))
				}
				acc.fractions, acc.nulls = append(acc.fractions, f), append(acc.nulls, elems.IsNull(i))
			}
		default:
			f, ok := v.(*scalar.Float64)
			if !ok {
				return nil, pgerror.New(pgerror.FeatureNotSupported, "%s needs a constant fraction", a.Func)
			}
			if f.Value < 0 || f.Value > 1 || math.IsNaN(f.Value) {
				return nil, pgerror.New(pgerror.NumericValueOutOfRange, "percentile value %s is not between 0 and 1", formatFloat(f.Value))
			}
			acc.fraction = f.Value
		}
	}
	return acc, nil
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func (a *orderedSetAcc) update(ids []uint32, arg arrow.Array) error {
	a.add(ids, arg, true)
	return nil
}

func (a *orderedSetAcc) finish(mem memory.Allocator) (arrow.Array, error) {
	all, err := a.values(mem)
	if err != nil {
		return nil, err
	}
	defer all.Release()
	if err := a.sortGroups(all); err != nil {
		return nil, err
	}
	if a.many {
		return a.percentiles(mem, all)
	}
	return a.pick(mem, all)
}

// percentiles is the array of each group's percentiles at a.fractions
// (NULL for a group without values).
func (a *orderedSetAcc) percentiles(mem memory.Allocator, all arrow.Array) (arrow.Array, error) {
	// One column per fraction, then each group's row of them.
	var cols []arrow.Array
	defer func() { releaseAll(cols) }()
	for i, f := range a.fractions {
		a.fraction, a.null = f, a.nulls[i]
		col, err := a.pick(mem, all)
		if err != nil {
			return nil, err
		}
		cols = append(cols, col)
	}
	groups := len(a.rows)
	idx := array.NewInt64Builder(mem)
	defer idx.Release()
	offsets := []int32{0}
	bitmap := make([]byte, bitutil.BytesForBits(int64(groups)))
	nulls := 0
	for g, rows := range a.rows {
		if len(rows) == 0 {
			nulls++
			offsets = append(offsets, offsets[len(offsets)-1])
			continue
		}
		bitutil.SetBit(bitmap, g)
		for k := range cols {
			idx.Append(int64(k*groups + g))
		}
		offsets = append(offsets, offsets[len(offsets)-1]+int32(len(cols)))
	}
	elem := a.elem
	if a.fn == expr.PercentileCont {
		elem = arrow.PrimitiveTypes.Float64
	}
	var values arrow.Array
	if len(cols) == 0 {
		values = array.MakeArrayOfNull(mem, elem, 0)
	} else {
		flat, err := array.Concatenate(cols, mem)
		if err != nil {
			return nil, err
		}
		defer flat.Release()
		indices := idx.NewArray()
		defer indices.Release()
		if values, err = take.Array(context.Background(), flat, indices); err != nil {
			return nil, err
		}
	}
	defer values.Release()
	data := array.NewData(arrow.ListOf(elem), groups,
		[]*memory.Buffer{memory.NewBufferBytes(bitmap), memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(offsets))},
		[]arrow.ArrayData{values.Data()}, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data), nil
}

// pick computes the aggregate at a.fraction for every group.
func (a *orderedSetAcc) pick(mem memory.Allocator, all arrow.Array) (arrow.Array, error) {
	if a.fn == expr.PercentileCont {
		return a.interpolate(mem, all)
	}
	// percentile_disc and mode pick one of the group's values.
	idx := array.NewInt64Builder(mem)
	defer idx.Release()
	var key keyColumn
	if a.fn == expr.Mode {
		var err error
		if key, err = newKeyColumn(a.elem); err != nil {
			return nil, err
		}
	}
	var cur, prev []byte
	for _, rows := range a.rows {
		n := len(rows)
		if n == 0 || a.null {
			idx.AppendNull()
			continue
		}
		if a.fn == expr.PercentileDisc {
			k := int(math.Ceil(a.fraction * float64(n)))
			idx.Append(rows[max(k, 1)-1])
			continue
		}
		// mode: the longest run of equal values, the first on ties.
		best, bestLen, runStart := rows[0], 0, 0
		for i, r := range rows {
			cur = key.encode(cur[:0], all, int(r))
			if i > 0 && string(cur) != string(prev) {
				runStart = i
			}
			if l := i - runStart + 1; l > bestLen {
				best, bestLen = rows[runStart], l
			}
			prev, cur = cur, prev
		}
		idx.Append(best)
	}
	indices := idx.NewArray()
	defer indices.Release()
	return take.Array(context.Background(), all, indices)
}

// interpolate is percentile_cont: the value at the fraction's position
// between the two nearest values, as PostgreSQL computes it.
func (a *orderedSetAcc) interpolate(mem memory.Allocator, all arrow.Array) (arrow.Array, error) {
	vals, ok := all.(*array.Float64)
	if !ok {
		return nil, pgerror.New(pgerror.FeatureNotSupported, "percentile_cont of %s is not supported", pgTypeName(a.elem))
	}
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	for _, rows := range a.rows {
		n := len(rows)
		if n == 0 || a.null {
			b.AppendNull()
			continue
		}
		pos := a.fraction * float64(n-1)
		lo, hi := math.Floor(pos), math.Ceil(pos)
		first := vals.Value(int(rows[int(lo)]))
		if lo == hi {
			b.Append(first)
			continue
		}
		second := vals.Value(int(rows[int(hi)]))
		b.Append(first + (second-first)*(pos-lo))
	}
	return b.NewArray(), nil
}

// sortGroups puts each group's positions in the WITHIN GROUP order.
func (a *orderedSetAcc) sortGroups(all arrow.Array) error {
	if all.Len() == 0 {
		return nil
	}
	b := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "v", Type: all.DataType(), Nullable: true}}, nil), []arrow.Array{all}, int64(all.Len()))
	defer b.Release()
	perm, err := sortIndices(context.Background(), b, []SortKey{{Column: 0, Desc: a.desc}})
	if err != nil {
		return err
	}
	defer perm.Release()
	rank := make([]int64, all.Len())
	for i, p := range perm.(*array.Uint64).Values() {
		rank[p] = int64(i)
	}
	for _, rows := range a.rows {
		slices.SortFunc(rows, func(x, y int64) int { return cmp.Compare(rank[x], rank[y]) })
	}
	return nil
}
