package engine

import (
	"context"
	cryptorand "crypto/rand"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// The mathematical functions of double precision, with PostgreSQL's
// errors for arguments outside their domain; sign of numeric; gcd and lcm
// of integers; width_bucket.

func errOutOfRange() error { return pgerror.New("22003", "input is out of range") }

// floatFn is a double precision function: check rejects arguments
// outside its domain before it runs, eval computes it, and after rejects
// results out of range. Functions the C library provides run there when
// riffq is built with cgo (see libm).
type floatFn struct {
	check func(x, y float64) error
	eval  func(x, y float64) float64
	after func(x, y, r float64) error
}

func unary(f func(float64) float64) func(x, y float64) float64 {
	return func(x, _ float64) float64 { return f(x) }
}

func checkFinite(x, _ float64) error {
	if math.IsInf(x, 0) {
		return errOutOfRange()
	}
	return nil
}

func checkUnit(x, _ float64) error {
	if x < -1 || x > 1 {
		return errOutOfRange()
	}
	return nil
}

func checkLog(x, _ float64) error {
	switch {
	case x == 0:
		return pgerror.New("2201E", "cannot take logarithm of zero")
	case x < 0:
		return pgerror.New("2201E", "cannot take logarithm of a negative number")
	}
	return nil
}

// floatFns are the double precision functions by name.
var floatFns = map[string]floatFn{
	"cbrt":    {eval: unary(math.Cbrt)},
	"degrees": {eval: unary(func(x float64) float64 { return x / radiansPerDegree })},
	"radians": {eval: unary(func(x float64) float64 { return x * radiansPerDegree })},
	"sin":     {check: checkFinite, eval: unary(math.Sin)},
	"cos":     {check: checkFinite, eval: unary(math.Cos)},
	"tan":     {check: checkFinite, eval: unary(math.Tan)},
	"cot":     {check: checkFinite, eval: unary(func(x float64) float64 { return 1 / cTan(x) })},
	"asin":    {check: checkUnit, eval: unary(math.Asin)},
	"acos":    {check: checkUnit, eval: unary(math.Acos)},
	"atan":    {eval: unary(math.Atan)},
	"atan2":   {eval: math.Atan2},
	"sind":    {check: checkFinite, eval: unary(sind)},
	"cosd":    {check: checkFinite, eval: unary(cosd)},
	"tand":    {check: checkFinite, eval: unary(func(x float64) float64 { return tand(x, false) })},
	"cotd":    {check: checkFinite, eval: unary(func(x float64) float64 { return tand(x, true) })},
	"asind":   {check: checkUnit, eval: unary(asind)},
	"acosd":   {check: checkUnit, eval: unary(acosd)},
	"atand":   {eval: unary(func(x float64) float64 { return cAtan(x) / cAtan(1) * 45 })},
	"atan2d":  {eval: func(x, y float64) float64 { return cAtan2(x, y) / cAtan(1) * 45 }},
	"sinh":    {eval: unary(math.Sinh)},
	"cosh":    {eval: unary(math.Cosh)},
	"tanh":    {eval: unary(math.Tanh)},
	"asinh":   {eval: unary(math.Asinh)},
	"acosh": {
		check: func(x, _ float64) error {
			if x < 1 {
				return errOutOfRange()
			}
			return nil
		},
		eval: unary(math.Acosh),
	},
	"atanh": {check: checkUnit, eval: unary(math.Atanh)},
	"sqrt": {
		check: func(x, _ float64) error {
			if x < 0 {
				return pgerror.New("2201F", "cannot take square root of a negative number")
			}
			return nil
		},
		eval: unary(math.Sqrt),
	},
	"exp": {
		eval: unary(math.Exp),
		after: func(x, _, r float64) error {
			switch {
			case math.IsInf(r, 1) && !math.IsInf(x, 1):
				return pgerror.New("22003", "value out of range: overflow")
			case r == 0 && !math.IsInf(x, -1):
				return pgerror.New("22003", "value out of range: underflow")
			}
			return nil
		},
	},
	"ln":    {check: checkLog, eval: unary(math.Log)},
	"log10": {check: checkLog, eval: unary(math.Log10)},
	"power": {check: checkPower, eval: math.Pow, after: afterPower},
}

// checkPower and afterPower are PostgreSQL's dpow errors.
func checkPower(x, y float64) error {
	switch {
	case x == 0 && y < 0:
		return pgerror.New("2201F", "zero raised to a negative power is undefined")
	case x < 0 && math.Floor(y) != y && !math.IsInf(y, 0):
		return pgerror.New("2201F", "a negative number raised to a non-integer power yields a complex result")
	}
	return nil
}

func afterPower(x, y, r float64) error {
	finite := !math.IsInf(x, 0) && !math.IsInf(y, 0)
	switch {
	case math.IsInf(r, 0) && finite:
		return pgerror.New("22003", "value out of range: overflow")
	case r == 0 && x != 0 && finite:
		return pgerror.New("22003", "value out of range: underflow")
	}
	return nil
}

// cSin and the like are one value of the C library's functions (Go's
// without cgo), for the functions of degrees built on them.
func cSin(x float64) float64  { return libm1("sin", x, math.Sin) }
func cCos(x float64) float64  { return libm1("cos", x, math.Cos) }
func cTan(x float64) float64  { return libm1("tan", x, math.Tan) }
func cAsin(x float64) float64 { return libm1("asin", x, math.Asin) }
func cAcos(x float64) float64 { return libm1("acos", x, math.Acos) }
func cAtan(x float64) float64 { return libm1("atan", x, math.Atan) }
func cAtan2(x, y float64) float64 {
	out := []float64{0}
	if libm("atan2", []float64{x}, []float64{y}, out) {
		return out[0]
	}
	return math.Atan2(x, y)
}

func libm1(name string, x float64, goFn func(float64) float64) float64 {
	out := []float64{0}
	if libm(name, []float64{x}, nil, out) {
		return out[0]
	}
	return goFn(x)
}

// The functions of degrees are exact where their values are simple
// (sind(30) is 0.5, tand(45) is 1), as PostgreSQL makes them: the angle
// is reduced to the first quadrant, and sines below 30 degrees and
// cosines below 60 are scaled by their computed values at 30 and 60.

// radiansPerDegree is PostgreSQL's RADIANS_PER_DEGREE.
const radiansPerDegree float64 = 0.0174532925199432957692

// degreesToRadians multiplies at run time: a constant expression such as
// 30*radiansPerDegree would be computed exactly, not as PostgreSQL
// rounds it, and sind(30) would miss 0.5.
func degreesToRadians(d float64) float64 { return d * radiansPerDegree }

func sin0to30(x float64) float64 {
	return cSin(x*radiansPerDegree) / cSin(degreesToRadians(30)) / 2
}

func cos0to60(x float64) float64 {
	return 1 - (1-cCos(x*radiansPerDegree))/(1-cCos(degreesToRadians(60)))/2
}

// sindQ1 and cosdQ1 take an angle of 0 to 90 degrees.
func sindQ1(x float64) float64 {
	if x <= 30 {
		return sin0to30(x)
	}
	return cos0to60(90 - x)
}

func cosdQ1(x float64) float64 {
	if x <= 60 {
		return cos0to60(x)
	}
	return sin0to30(90 - x)
}

// halfTurn reduces an angle in degrees to [0, 180] and the sign an odd
// function (sine, tangent) takes for it.
func halfTurn(x float64) (float64, float64) {
	x = math.Mod(x, 360)
	sign := 1.0
	if x < 0 {
		x, sign = -x, -sign
	}
	if x > 180 {
		x, sign = 360-x, -sign
	}
	return x, sign
}

func sind(x float64) float64 {
	x, sign := halfTurn(x)
	if x > 90 {
		x = 180 - x
	}
	return zeroSign(sign * sindQ1(x))
}

func cosd(x float64) float64 {
	x = math.Abs(math.Mod(x, 360))
	if x > 180 {
		x = 360 - x
	}
	sign := 1.0
	if x > 90 {
		x, sign = 180-x, -sign
	}
	return zeroSign(sign * cosdQ1(x))
}

// tand is the tangent of degrees, or with cot the cotangent.
func tand(x float64, cot bool) float64 {
	x, sign := halfTurn(x)
	if x > 90 {
		x, sign = 180-x, -sign
	}
	if cot {
		return zeroSign(sign * (cosdQ1(x) / sindQ1(x)) / (cosdQ1(45) / sindQ1(45)))
	}
	return zeroSign(sign * (sindQ1(x) / cosdQ1(x)) / (sindQ1(45) / cosdQ1(45)))
}

func asindQ1(x float64) float64 {
	if x <= 0.5 {
		return cAsin(x) / cAsin(0.5) * 30
	}
	return 90 - cAcos(x)/cAcos(0.5)*60
}

func acosdQ1(x float64) float64 {
	if x <= 0.5 {
		return 90 - cAsin(x)/cAsin(0.5)*30
	}
	return cAcos(x) / cAcos(0.5) * 60
}

func asind(x float64) float64 {
	if x >= 0 {
		return asindQ1(x)
	}
	return -asindQ1(-x)
}

func acosd(x float64) float64 {
	if x >= 0 {
		return acosdQ1(x)
	}
	return 90 + asindQ1(-x)
}

// zeroSign turns -0 into 0, which PostgreSQL prints without a sign.
func zeroSign(f float64) float64 {
	if f == 0 {
		return 0
	}
	return f
}

func float64Column(a arrow.Array) (*array.Float64, error) {
	v, ok := a.(*array.Float64)
	if !ok {
		return nil, fmt.Errorf("expected a double precision column, got %s", a.DataType())
	}
	return v, nil
}

// floatKernel computes f over rows without NULLs in any argument.
func floatKernel(mem memory.Allocator, in []arrow.Array, rows int, f func(args []float64) (float64, error)) (arrow.Array, error) {
	cols := make([]*array.Float64, len(in))
	for i, a := range in {
		var err error
		if cols[i], err = float64Column(a); err != nil {
			return nil, err
		}
	}
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	args := make([]float64, len(in))
	for r := range rows {
		null := false
		for i, c := range cols {
			null = null || c.IsNull(r)
			args[i] = c.Value(r)
		}
		if null {
			b.AppendNull()
			continue
		}
		v, err := f(args)
		if err != nil {
			return nil, err
		}
		b.Append(v)
	}
	return b.NewArray(), nil
}

// floatFnKernel computes a double precision function over its argument
// columns: the domain check on every row without NULLs, then the values
// (through the C library with cgo), then the range check.
func floatFnKernel(mem memory.Allocator, name string, f floatFn, in []arrow.Array) (arrow.Array, error) {
	xs, err := float64Column(in[0])
	if err != nil {
		return nil, err
	}
	n := xs.Len()
	x, y := xs.Float64Values(), []float64(nil)
	valid := func(i int) bool { return xs.IsValid(i) }
	if len(in) == 2 {
		ys, err := float64Column(in[1])
		if err != nil {
			return nil, err
		}
		y = ys.Float64Values()
		valid = func(i int) bool { return xs.IsValid(i) && ys.IsValid(i) }
	}
	arg2 := func(i int) float64 {
		if y == nil {
			return 0
		}
		return y[i]
	}
	if f.check != nil {
		for i := range n {
			if valid(i) {
				if err := f.check(x[i], arg2(i)); err != nil {
					return nil, err
				}
			}
		}
	}
	out := make([]float64, n)
	if !libm(name, x, y, out) {
		for i := range n {
			out[i] = f.eval(x[i], arg2(i))
		}
	}
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	b.Reserve(n)
	for i := range n {
		if !valid(i) {
			b.UnsafeAppendBoolToBitmap(false)
			continue
		}
		if f.after != nil {
			if err := f.after(x[i], arg2(i), out[i]); err != nil {
				return nil, err
			}
		}
		b.UnsafeAppend(out[i])
	}
	return b.NewArray(), nil
}

// compileMath evaluates a mathematical function given its kernel.
func compileMath(args []evaluator, kernel func(mem memory.Allocator, in []arrow.Array, rows int) (arrow.Array, error)) evaluator {
	return compileWithContext(args, func(_ context.Context, in []arrow.Array, rows int) (arrow.Array, error) {
		return kernel(memory.DefaultAllocator, in, rows)
	})
}

// compileWithContext evaluates args over the batch as arrays of its
// length and hands them, with the query's context (the session's
// TimeZone, say) and the row count, to kernel.
func compileWithContext(args []evaluator, kernel func(ctx context.Context, in []arrow.Array, rows int) (arrow.Array, error)) evaluator {
	return func(ctx context.Context, b arrow.RecordBatch) (compute.Datum, error) {
		in, err := evalArrays(ctx, args, b)
		if err != nil {
			return nil, err
		}
		defer releaseAll(in)
		out, err := kernel(ctx, in, int(b.NumRows()))
		if err != nil {
			return nil, err
		}
		return compute.NewDatumWithoutOwning(out), nil
	}
}

// mathFunction returns the kernel of a mathematical function, or nil.
// rows is the batch's row count, for functions without arguments.
func mathFunction(name string, resultType arrow.DataType) func(mem memory.Allocator, in []arrow.Array, rows int) (arrow.Array, error) {
	if f, ok := floatFns[name]; ok {
		return func(mem memory.Allocator, in []arrow.Array, rows int) (arrow.Array, error) {
			return floatFnKernel(mem, name, f, in)
		}
	}
	switch name {
	case "gen_random_uuid":
		return func(mem memory.Allocator, in []arrow.Array, rows int) (arrow.Array, error) {
			return randomUUIDs(mem, rows, resultType)
		}
	case "factorial":
		return func(mem memory.Allocator, in []arrow.Array, rows int) (arrow.Array, error) {
			return factorialKernel(mem, in[0], resultType)
		}
	case "numeric_div_trunc":
		return func(mem memory.Allocator, in []arrow.Array, rows int) (arrow.Array, error) {
			return numericDivTruncKernel(mem, in, resultType)
		}
	case "numeric_sqrt":
		return func(mem memory.Allocator, in []arrow.Array, rows int) (arrow.Array, error) {
			return numericSqrtKernel(mem, in[0], resultType)
		}
	case "numeric_exp", "numeric_ln", "numeric_log10", "numeric_log", "numeric_power":
		return func(mem memory.Allocator, in []arrow.Array, rows int) (arrow.Array, error) {
			return numericMathKernel(mem, name, in, resultType)
		}
	case "pi":
		return func(mem memory.Allocator, in []arrow.Array, rows int) (arrow.Array, error) {
			return floatKernel(mem, in, rows, func([]float64) (float64, error) { return math.Pi, nil })
		}
	case "random":
		return func(mem memory.Allocator, in []arrow.Array, rows int) (arrow.Array, error) {
			return floatKernel(mem, in, rows, func([]float64) (float64, error) { return rand.Float64(), nil })
		}
	case "sign":
		return func(mem memory.Allocator, in []arrow.Array, rows int) (arrow.Array, error) {
			return signKernel(mem, in[0], resultType)
		}
	case "gcd", "lcm":
		return func(mem memory.Allocator, in []arrow.Array, rows int) (arrow.Array, error) {
			return gcdKernel(mem, name == "lcm", in, resultType)
		}
	case "width_bucket":
		return func(mem memory.Allocator, in []arrow.Array, rows int) (arrow.Array, error) {
			return widthBucketKernel(mem, in)
		}
	}
	return nil
}

func signKernel(mem memory.Allocator, x arrow.Array, out arrow.DataType) (arrow.Array, error) {
	switch v := x.(type) {
	case *array.Float64:
		return floatKernel(mem, []arrow.Array{v}, v.Len(), func(a []float64) (float64, error) {
			switch {
			case a[0] > 0:
				return 1, nil
			case a[0] < 0:
				return -1, nil
			}
			return 0, nil
		})
	case *array.Decimal128:
		b := array.NewDecimal128Builder(mem, out.(*arrow.Decimal128Type))
		defer b.Release()
		for i := range v.Len() {
			if v.IsNull(i) {
				b.AppendNull()
				continue
			}
			b.Append(decimal128.FromI64(int64(v.Value(i).Sign())))
		}
		return b.NewArray(), nil
	}
	// riffq's per-value-scale numeric: its text starts with the sign.
	num, ok := x.(*pgtypes.NumericArray)
	if !ok {
		return nil, fmt.Errorf("sign of %s", x.DataType())
	}
	s := num.Storage().(*array.String)
	b := array.NewDecimal128Builder(mem, out.(*arrow.Decimal128Type))
	defer b.Release()
	for i := range s.Len() {
		if s.IsNull(i) {
			b.AppendNull()
			continue
		}
		t, sign := s.Value(i), int64(1)
		switch {
		case len(t) > 0 && t[0] == '-':
			sign = -1
		case len(t) > 0 && t[0] == 'N': // NaN
			sign = 0
		}
		zero := true
		for _, c := range t {
			if c >= '1' && c <= '9' {
				zero = false
			}
		}
		if zero {
			sign = 0
		}
		b.Append(decimal128.FromI64(sign))
	}
	return b.NewArray(), nil
}

// gcdKernel computes gcd or lcm of integers; like PostgreSQL it fails
// where the result does not fit (gcd of the minimum with 0 or itself).
func gcdKernel(mem memory.Allocator, lcm bool, in []arrow.Array, out arrow.DataType) (arrow.Array, error) {
	a := argReader{in}
	bits := 32
	if out.ID() == arrow.INT64 {
		bits = 64
	}
	lo, hi := int64(math.MinInt32), int64(math.MaxInt32)
	if bits == 64 {
		lo, hi = math.MinInt64, math.MaxInt64
	}
	vals := make([]int64, 0, in[0].Len())
	valid := make([]bool, 0, in[0].Len())
	for r := range in[0].Len() {
		if a.null(r) {
			vals, valid = append(vals, 0), append(valid, false)
			continue
		}
		x, y := a.int(0, r), a.int(1, r)
		g := gcd(x, y)
		if g < 0 || g > hi { // |min| has no positive counterpart
			return nil, pgerror.New("22003", "%s out of range", map[int]string{32: "integer", 64: "bigint"}[bits])
		}
		v := g
		if lcm {
			if x == 0 || y == 0 {
				v = 0
			} else {
				q := x / g
				p := q * y
				if q != 0 && (p/q != y || p < lo || p > hi) || p == lo {
					return nil, pgerror.New("22003", "%s out of range", map[int]string{32: "integer", 64: "bigint"}[bits])
				}
				v = p
				if v < 0 {
					v = -v
				}
			}
		}
		vals, valid = append(vals, v), append(valid, true)
	}
	if bits == 64 {
		b := array.NewInt64Builder(mem)
		defer b.Release()
		b.AppendValues(vals, valid)
		return b.NewArray(), nil
	}
	b := array.NewInt32Builder(mem)
	defer b.Release()
	for i, v := range vals {
		if !valid[i] {
			b.AppendNull()
			continue
		}
		b.Append(int32(v))
	}
	return b.NewArray(), nil
}

// gcd is the greatest common divisor, non-negative except for the
// minimum integer, which the caller rejects.
func gcd(x, y int64) int64 {
	for y != 0 {
		x, y = y, x%y
	}
	if x < 0 && x != math.MinInt64 {
		x = -x
	}
	return x
}

// widthBucketKernel is width_bucket(operand, low, high, count): the
// 1-based bucket of count equal-width buckets over [low, high), 0 below
// and count+1 above (mirrored when low > high).
func widthBucketKernel(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	ops, err := float64Column(in[0])
	if err != nil {
		return nil, err
	}
	lows, err := float64Column(in[1])
	if err != nil {
		return nil, err
	}
	highs, err := float64Column(in[2])
	if err != nil {
		return nil, err
	}
	counts, err := int32Column(in[3])
	if err != nil {
		return nil, err
	}
	b := array.NewInt32Builder(mem)
	defer b.Release()
	for r := range ops.Len() {
		if ops.IsNull(r) || lows.IsNull(r) || highs.IsNull(r) || counts.IsNull(r) {
			b.AppendNull()
			continue
		}
		x, lo, hi, n := ops.Value(r), lows.Value(r), highs.Value(r), counts.Value(r)
		switch {
		case n <= 0:
			return nil, pgerror.New("2201G", "count must be greater than zero")
		case math.IsNaN(x) || math.IsNaN(lo) || math.IsNaN(hi):
			return nil, pgerror.New("2201G", "operand, lower bound, and upper bound cannot be NaN")
		case math.IsInf(lo, 0) || math.IsInf(hi, 0):
			return nil, pgerror.New("2201G", "lower and upper bounds must be finite")
		case lo == hi:
			return nil, pgerror.New("2201G", "lower bound cannot equal upper bound")
		}
		var bucket int64
		if lo < hi {
			switch {
			case x < lo:
				bucket = 0
			case x >= hi:
				bucket = int64(n) + 1
			default:
				bucket = int64(float64(n)*((x-lo)/(hi-lo))) + 1
			}
		} else {
			switch {
			case x > lo:
				bucket = 0
			case x <= hi:
				bucket = int64(n) + 1
			default:
				bucket = int64(float64(n)*((lo-x)/(lo-hi))) + 1
			}
		}
		if bucket > math.MaxInt32 {
			return nil, pgerror.New("22003", "integer out of range")
		}
		b.Append(int32(bucket))
	}
	return b.NewArray(), nil
}

// numericSqrtKernel is sqrt(numeric): exact to PostgreSQL's result
// scale, which keeps at least 16 significant digits and never fewer
// fraction digits than the argument has, rounded half away from zero.
func numericSqrtKernel(mem memory.Allocator, x arrow.Array, out arrow.DataType) (arrow.Array, error) {
	read, err := numReader(x)
	if err != nil {
		return nil, err
	}
	b, err := newNumBuilder(mem, out, x.Len())
	if err != nil {
		return nil, err
	}
	defer b.release()
	for i := range x.Len() {
		v, ok, err := read(i)
		if err != nil {
			return nil, err
		}
		if !ok {
			b.appendNull()
			continue
		}
		if v.sign() < 0 {
			return nil, pgerror.New("2201F", "cannot take square root of a negative number")
		}
		u := v.bigInt()
		// weight: the base-10,000 position of the first significant
		// digit, as PostgreSQL's numeric stores it.
		weight := int32(0)
		if u.Sign() != 0 {
			e := int32(len(u.String())) - 1 - v.scale // 10^e <= x < 10^(e+1)
			weight = e / 4
			if e < 0 && e%4 != 0 {
				weight--
			}
		}
		sweight := (weight+1)*4/2 - 1
		rscale := max(16-sweight, v.scale, 0)
		rscale = min(rscale, 1000)
		// floor(sqrt(x * 10^(2*rscale+2))) has one digit more than the
		// result; it decides the rounding.
		n := new(big.Int).Mul(u, bigPow10(2*rscale+2-v.scale))
		q := new(big.Int).Sqrt(n)
		q.Add(q, big.NewInt(5))
		q.Quo(q, big.NewInt(10))
		if err := b.append(num{big: q, scale: rscale}); err != nil {
			return nil, err
		}
	}
	return b.newArray(), nil
}

// randomUUIDs makes n version-4 UUIDs from crypto/rand, as PostgreSQL's
// gen_random_uuid.
func randomUUIDs(mem memory.Allocator, n int, out arrow.DataType) (arrow.Array, error) {
	ut, ok := out.(*extensions.UUIDType)
	if !ok {
		return nil, fmt.Errorf("gen_random_uuid: result type %s", out)
	}
	b := array.NewFixedSizeBinaryBuilder(mem, &arrow.FixedSizeBinaryType{ByteWidth: 16})
	defer b.Release()
	var u [16]byte
	for range n {
		if _, err := cryptorand.Read(u[:]); err != nil {
			return nil, fmt.Errorf("gen_random_uuid: %w", err)
		}
		u[6] = u[6]&0x0f | 0x40 // version 4
		u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
		b.Append(u[:])
	}
	storage := b.NewArray()
	defer storage.Release()
	return array.NewExtensionArrayWithStorage(ut, storage), nil
}

// factorialKernel is factorial(bigint): exact, NULL for NULL, an error for
// a negative argument and where PostgreSQL's numeric overflows.
func factorialKernel(mem memory.Allocator, x arrow.Array, out arrow.DataType) (arrow.Array, error) {
	v, ok := x.(*array.Int64)
	if !ok {
		return nil, fmt.Errorf("factorial of %s", x.DataType())
	}
	b, err := newNumBuilder(mem, out, v.Len())
	if err != nil {
		return nil, err
	}
	defer b.release()
	for i := range v.Len() {
		if v.IsNull(i) {
			b.appendNull()
			continue
		}
		n := v.Value(i)
		switch {
		case n < 0:
			return nil, pgerror.New("22003", "factorial of a negative number is undefined")
		case n > 32177: // the largest whose factorial fits numeric's 131072 digits
			return nil, pgerror.New("22003", "value overflows numeric format")
		}
		f := new(big.Int).MulRange(1, max(n, 1))
		if err := b.append(num{big: f}); err != nil {
			return nil, err
		}
	}
	return b.newArray(), nil
}

// numericDivTruncKernel is div(a, b): a / b truncated toward zero, an
// integer-valued numeric.
func numericDivTruncKernel(mem memory.Allocator, in []arrow.Array, out arrow.DataType) (arrow.Array, error) {
	readA, err := numReader(in[0])
	if err != nil {
		return nil, err
	}
	readB, err := numReader(in[1])
	if err != nil {
		return nil, err
	}
	b, err := newNumBuilder(mem, out, in[0].Len())
	if err != nil {
		return nil, err
	}
	defer b.release()
	for i := range in[0].Len() {
		x, okA, err := readA(i)
		if err != nil {
			return nil, err
		}
		y, okB, err := readB(i)
		if err != nil {
			return nil, err
		}
		if !okA || !okB {
			b.appendNull()
			continue
		}
		if y.sign() == 0 {
			return nil, pgerror.New(pgerror.DivisionByZero, "division by zero")
		}
		x, y = align(x, y)
		q := new(big.Int).Quo(x.bigInt(), y.bigInt()) // truncates toward zero
		if err := b.append(num{big: q}); err != nil {
			return nil, err
		}
	}
	return b.newArray(), nil
}
