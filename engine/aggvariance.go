package engine

import (
	"math"
	"math/big"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// Variances and standard deviations, of floats and of numerics, and sums
// of numerics that carry their own scales.

// varianceAcc computes variance and standard deviation of floats with the
// Youngs-Cramer update PostgreSQL's float8_accum uses, so results match it
// to the last bit for the same input order.
type varianceAcc struct {
	fn         expr.AggFunc
	n, sx, sxx []float64
}

func (v *varianceAcc) grow(n int) {
	for len(v.n) < n {
		v.n, v.sx, v.sxx = append(v.n, 0), append(v.sx, 0), append(v.sxx, 0)
	}
}

func (v *varianceAcc) update(ids []uint32, arg arrow.Array) error {
	get := func(r int) float64 { return arg.(*array.Float64).Value(r) }
	if f32, ok := arg.(*array.Float32); ok {
		get = func(r int) float64 { return float64(f32.Value(r)) }
	}
	for r, id := range ids {
		if arg.IsNull(r) {
			continue
		}
		x := get(r)
		n, sx, sxx := v.n[id]+1, v.sx[id]+x, v.sxx[id]
		if v.n[id] > 0 {
			tmp := x*n - sx
			sxx += tmp * tmp / (n * v.n[id])
			// As PostgreSQL: an infinite input makes Sxx NaN.
			if math.IsInf(sx, 0) || math.IsInf(sxx, 0) {
				if !math.IsInf(x, 0) && !math.IsInf(v.sx[id], 0) {
					return pgerror.New(pgerror.NumericValueOutOfRange, "value out of range: overflow")
				}
				sxx = math.NaN()
			}
		} else if math.IsNaN(x) || math.IsInf(x, 0) {
			sxx = math.NaN()
		}
		v.n[id], v.sx[id], v.sxx[id] = n, sx, sxx
	}
	return nil
}

func (v *varianceAcc) finish(mem memory.Allocator) (arrow.Array, error) {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	for i, n := range v.n {
		samp := v.fn == expr.StddevSamp || v.fn == expr.VarSamp
		switch {
		case n == 0, samp && n == 1:
			b.AppendNull()
			continue
		}
		d := n
		if samp {
			d = n - 1
		}
		r := v.sxx[i] / d
		if v.fn == expr.StddevSamp || v.fn == expr.StddevPop {
			r = math.Sqrt(r)
		}
		b.Append(r)
	}
	return b.NewArray(), nil
}

// numericVarianceAcc computes variance and standard deviation of integers
// and numeric exactly, as PostgreSQL's numeric_stddev_internal does: from
// the count, sum and sum of squares, (N·Σx² − (Σx)²) / (N·(N−1)) (or N·N
// for the population) at select_div_scale's scale, then the square root at
// that same scale for the standard deviations.
type numericVarianceAcc struct {
	fn      expr.AggFunc
	n       []int64
	sx, sxx []*big.Int // unscaled at scale and 2·scale
	scale   []int32    // the largest scale among a group's values
}

func (v *numericVarianceAcc) grow(n int) {
	for len(v.n) < n {
		v.n, v.sx, v.sxx, v.scale = append(v.n, 0), append(v.sx, new(big.Int)), append(v.sxx, new(big.Int)), append(v.scale, 0)
	}
}

func (v *numericVarianceAcc) update(ids []uint32, arg arrow.Array) error {
	read, err := numReader(arg) // integers and numerics alike
	if err != nil {
		return err
	}
	x2 := new(big.Int)
	for r, id := range ids {
		x, ok, err := read(r)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		v.raise(id, x.scale)
		u := upscale(x, v.scale[id]-x.scale).bigInt()
		v.n[id]++
		v.sx[id].Add(v.sx[id], u)
		v.sxx[id].Add(v.sxx[id], x2.Mul(u, u))
	}
	return nil
}

// raise brings group id's sums to scale, when it is larger than theirs.
func (v *numericVarianceAcc) raise(id uint32, scale int32) {
	if k := scale - v.scale[id]; k > 0 {
		v.sx[id].Mul(v.sx[id], bigPow10(k))
		v.sxx[id].Mul(v.sxx[id], bigPow10(2*k))
		v.scale[id] = scale
	}
}

func (v *numericVarianceAcc) merge(ids []uint32, from accumulator) error {
	f := from.(*numericVarianceAcc)
	for g, n := range f.n {
		if n == 0 {
			continue
		}
		id := ids[g]
		v.raise(id, f.scale[g])
		k := v.scale[id] - f.scale[g] // f's sums up to the group's scale
		v.n[id] += n
		v.sx[id].Add(v.sx[id], new(big.Int).Mul(f.sx[g], bigPow10(k)))
		v.sxx[id].Add(v.sxx[id], new(big.Int).Mul(f.sxx[g], bigPow10(2*k)))
	}
	return nil
}

func (v *numericVarianceAcc) finish(mem memory.Allocator) (arrow.Array, error) {
	b, err := newNumBuilder(mem, pgtypes.Numeric(), len(v.n))
	if err != nil {
		return nil, err
	}
	defer b.release()
	samp := v.fn == expr.StddevSamp || v.fn == expr.VarSamp
	for i, n := range v.n {
		if n == 0 || samp && n == 1 {
			b.appendNull()
			continue
		}
		bn := big.NewInt(n)
		numer := new(big.Int).Mul(bn, v.sxx[i])
		numer.Sub(numer, new(big.Int).Mul(v.sx[i], v.sx[i]))
		if numer.Sign() <= 0 {
			if err := b.append(num{}); err != nil {
				return nil, err
			}
			continue
		}
		den := new(big.Int).Mul(bn, big.NewInt(n))
		if samp {
			den = new(big.Int).Mul(bn, big.NewInt(n-1))
		}
		variance, err := numDiv(num{big: numer, scale: 2 * v.scale[i]}, num{big: den})
		if err != nil {
			return nil, err
		}
		if v.fn == expr.StddevSamp || v.fn == expr.StddevPop {
			// sqrt at the variance's scale, one digit more to round.
			q := new(big.Int).Sqrt(new(big.Int).Mul(variance.bigInt(), bigPow10(variance.scale+2)))
			q.Add(q, big.NewInt(5)).Quo(q, big.NewInt(10))
			variance = num{big: q, scale: variance.scale}
		}
		if err := b.append(variance); err != nil {
			return nil, err
		}
	}
	return b.newArray(), nil
}

// numericSumAcc is sum and avg of numerics whose values carry their own
// scales (quotients, avg results): exact, the sum at the largest scale
// seen, the average divided as PostgreSQL's numeric division.
type numericSumAcc struct {
	avg   bool
	n     []int64
	sum   []*big.Int
	scale []int32
}

func (a *numericSumAcc) grow(n int) {
	for len(a.n) < n {
		a.n, a.sum, a.scale = append(a.n, 0), append(a.sum, new(big.Int)), append(a.scale, 0)
	}
}

func (a *numericSumAcc) update(ids []uint32, arg arrow.Array) error {
	read, err := numReader(arg)
	if err != nil {
		return err
	}
	for r, id := range ids {
		x, ok, err := read(r)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		a.raise(id, x.scale)
		a.sum[id].Add(a.sum[id], upscale(x, a.scale[id]-x.scale).bigInt())
		a.n[id]++
	}
	return nil
}

// raise brings group id's sum to scale, when it is larger than its own.
func (a *numericSumAcc) raise(id uint32, scale int32) {
	if k := scale - a.scale[id]; k > 0 {
		a.sum[id].Mul(a.sum[id], bigPow10(k))
		a.scale[id] = scale
	}
}

func (a *numericSumAcc) merge(ids []uint32, from accumulator) error {
	f := from.(*numericSumAcc)
	for g, n := range f.n {
		if n == 0 {
			continue
		}
		id := ids[g]
		a.raise(id, f.scale[g])
		a.sum[id].Add(a.sum[id], new(big.Int).Mul(f.sum[g], bigPow10(a.scale[id]-f.scale[g])))
		a.n[id] += n
	}
	return nil
}

func (a *numericSumAcc) finish(mem memory.Allocator) (arrow.Array, error) {
	b, err := newNumBuilder(mem, pgtypes.Numeric(), len(a.n))
	if err != nil {
		return nil, err
	}
	defer b.release()
	for i, n := range a.n {
		if n == 0 {
			b.appendNull()
			continue
		}
		v := num{big: a.sum[i], scale: a.scale[i]}
		if a.avg {
			if v, err = numDiv(v, num{small: n}); err != nil {
				return nil, err
			}
		}
		if err := b.append(v); err != nil {
			return nil, err
		}
	}
	return b.newArray(), nil
}
