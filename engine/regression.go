package engine

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/pgerror"
)

// regrAcc computes corr, covar_pop, covar_samp and the regr_* aggregates
// of (y, x) pairs with the update PostgreSQL's float8_regr_accum uses (N,
// Σx, Σy and the centred Sxx, Syy, Sxy), so results match it to the last
// bit for the same input order. Pairs with a NULL are skipped.
type regrAcc struct {
	fn    expr.AggFunc
	state [][6]float64 // per group: N, Sx, Sxx, Sy, Syy, Sxy
}

func (a *regrAcc) grow(n int) {
	for len(a.state) < n {
		a.state = append(a.state, [6]float64{})
	}
}

func (a *regrAcc) update(ids []uint32, arg arrow.Array) error {
	row, ok := arg.(*array.Struct)
	if !ok || row.NumField() != 2 {
		return fmt.Errorf("%s of %s", a.fn, arg.DataType())
	}
	ys, ok1 := row.Field(0).(*array.Float64)
	xs, ok2 := row.Field(1).(*array.Float64)
	if !ok1 || !ok2 {
		return fmt.Errorf("%s of %s", a.fn, arg.DataType())
	}
	for r, id := range ids {
		if ys.IsNull(r) || xs.IsNull(r) {
			continue
		}
		if a.fn == expr.RegrCount {
			// A count only, as PostgreSQL's regr_count: no sums that
			// could overflow.
			a.state[id][0]++
			continue
		}
		y, x := ys.Value(r), xs.Value(r)
		old := a.state[id]
		n, sx, sxx, sy, syy, sxy := old[0]+1, old[1]+x, old[2], old[3]+y, old[4], old[5]
		if old[0] > 0 {
			tx, ty := x*n-sx, y*n-sy
			scale := 1.0 / (n * old[0])
			sxx += tx * tx * scale
			syy += ty * ty * scale
			sxy += tx * ty * scale
			if math.IsInf(sx, 0) || math.IsInf(sxx, 0) || math.IsInf(sy, 0) || math.IsInf(syy, 0) || math.IsInf(sxy, 0) {
				xFinite := !math.IsInf(old[1], 0) && !math.IsInf(x, 0)
				yFinite := !math.IsInf(old[3], 0) && !math.IsInf(y, 0)
				if (math.IsInf(sx, 0) || math.IsInf(sxx, 0)) && xFinite ||
					(math.IsInf(sy, 0) || math.IsInf(syy, 0)) && yFinite ||
					math.IsInf(sxy, 0) && xFinite && yFinite {
					return pgerror.New(pgerror.NumericValueOutOfRange, "value out of range: overflow")
				}
				for _, s := range []*float64{&sxx, &syy, &sxy} {
					if math.IsInf(*s, 0) {
						*s = math.NaN()
					}
				}
			}
		} else {
			// An infinite or NaN first value makes the sums it enters NaN.
			if math.IsNaN(x) || math.IsInf(x, 0) {
				sxx, sxy = math.NaN(), math.NaN()
			}
			if math.IsNaN(y) || math.IsInf(y, 0) {
				syy, sxy = math.NaN(), math.NaN()
			}
		}
		a.state[id] = [6]float64{n, sx, sxx, sy, syy, sxy}
	}
	return nil
}

func (a *regrAcc) finish(mem memory.Allocator) (arrow.Array, error) {
	if a.fn == expr.RegrCount {
		b := array.NewInt64Builder(mem)
		defer b.Release()
		for _, s := range a.state {
			b.Append(int64(s[0]))
		}
		return b.NewArray(), nil
	}
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	for _, s := range a.state {
		if v, ok := regrFinal(a.fn, s); ok {
			b.Append(v)
		} else {
			b.AppendNull()
		}
	}
	return b.NewArray(), nil
}

// regrFinal is each aggregate's final function over a group's state; ok
// is false for NULL.
func regrFinal(fn expr.AggFunc, s [6]float64) (float64, bool) {
	n, sx, sxx, sy, syy, sxy := s[0], s[1], s[2], s[3], s[4], s[5]
	if n < 1 {
		return 0, false
	}
	switch fn {
	case expr.RegrSxx:
		return sxx, true
	case expr.RegrSyy:
		return syy, true
	case expr.RegrSxy:
		return sxy, true
	case expr.RegrAvgX:
		return sx / n, true
	case expr.RegrAvgY:
		return sy / n, true
	case expr.CovarPop:
		return sxy / n, true
	case expr.CovarSamp:
		if n < 2 {
			return 0, false
		}
		return sxy / (n - 1), true
	case expr.Corr:
		// NULL for horizontal and vertical lines, as the standard says.
		if sxx == 0 || syy == 0 {
			return 0, false
		}
		return sxy / math.Sqrt(sxx*syy), true
	case expr.RegrR2:
		if sxx == 0 {
			return 0, false
		}
		if syy == 0 {
			return 1, true
		}
		return sxy * sxy / (sxx * syy), true
	case expr.RegrSlope:
		if sxx == 0 {
			return 0, false
		}
		return sxy / sxx, true
	case expr.RegrIntercept:
		if sxx == 0 {
			return 0, false
		}
		return (sy - sx*sxy/sxx) / n, true
	}
	return 0, false
}

// bitAcc computes bit_and, bit_or and bit_xor of integers.
type bitAcc struct {
	fn   expr.AggFunc
	out  arrow.DataType
	vals []int64
	seen []bool
}

func (a *bitAcc) grow(n int) {
	for len(a.vals) < n {
		a.vals = append(a.vals, 0)
		a.seen = append(a.seen, false)
	}
}

func (a *bitAcc) update(ids []uint32, arg arrow.Array) error {
	ints := argReader{[]arrow.Array{arg}}
	for r, id := range ids {
		if arg.IsNull(r) {
			continue
		}
		a.fold(id, ints.int(0, r))
	}
	return nil
}

// fold combines v into group id's value.
func (a *bitAcc) fold(id uint32, v int64) {
	switch {
	case !a.seen[id]:
		a.vals[id], a.seen[id] = v, true
	case a.fn == expr.BitAnd:
		a.vals[id] &= v
	case a.fn == expr.BitOr:
		a.vals[id] |= v
	default:
		a.vals[id] ^= v
	}
}

func (a *bitAcc) merge(ids []uint32, from accumulator) error {
	f := from.(*bitAcc)
	for g, v := range f.vals {
		if f.seen[g] {
			a.fold(ids[g], v)
		}
	}
	return nil
}

func (a *bitAcc) finish(mem memory.Allocator) (arrow.Array, error) {
	b := array.NewBuilder(mem, a.out)
	defer b.Release()
	for i, v := range a.vals {
		if !a.seen[i] {
			b.AppendNull()
			continue
		}
		appendInt(b, v)
	}
	return b.NewArray(), nil
}
