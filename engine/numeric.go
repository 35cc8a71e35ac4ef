package engine

import (
	"math"
	"math/big"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// numeric arithmetic and comparison, exact as PostgreSQL's numeric: the
// operands are decimal128 columns (one scale per column) or numeric
// values with their own scale (pgtypes.NumericType: avg results,
// quotients). Values that fit in int64 take a fast path; the rest go
// through math/big.

// num is one value: unscaled / 10^scale, in small unless big is set.
type num struct {
	small int64
	big   *big.Int
	scale int32
}

func (n num) bigInt() *big.Int {
	if n.big != nil {
		return n.big
	}
	return big.NewInt(n.small)
}

// appendText writes n as numeric text, at its scale.
func (n num) appendText(buf []byte) []byte {
	if n.big != nil {
		return pgtypes.AppendDecimal(buf, n.big, n.scale)
	}
	return pgtypes.AppendDecimalInt64(buf, n.small, n.scale)
}

func (n num) sign() int {
	if n.big != nil {
		return n.big.Sign()
	}
	switch {
	case n.small < 0:
		return -1
	case n.small > 0:
		return 1
	}
	return 0
}

// numReader returns a function reading value i of a decimal128, numeric
// or integer array (ok is false for NULL).
func numReader(a arrow.Array) (func(i int) (num, bool, error), error) {
	integer := func(get func(int) int64) func(i int) (num, bool, error) {
		return func(i int) (num, bool, error) {
			if a.IsNull(i) {
				return num{}, false, nil
			}
			return num{small: get(i)}, true, nil
		}
	}
	switch c := a.(type) {
	case *array.Int16:
		return integer(func(i int) int64 { return int64(c.Value(i)) }), nil
	case *array.Int32:
		return integer(func(i int) int64 { return int64(c.Value(i)) }), nil
	case *array.Int64:
		return integer(c.Value), nil
	case *array.Decimal128:
		scale := c.DataType().(*arrow.Decimal128Type).Scale
		return func(i int) (num, bool, error) {
			if c.IsNull(i) {
				return num{}, false, nil
			}
			return decimalNum(c.Value(i), scale), true, nil
		}, nil
	case *pgtypes.NumericArray:
		s := c.Storage().(*array.String)
		// A repeated value (a constant, a subquery's result broadcast to
		// the batch) is parsed once.
		var lastText string
		var last num
		return func(i int) (num, bool, error) {
			if c.IsNull(i) {
				return num{}, false, nil
			}
			text := s.Value(i)
			if text == lastText && text != "" {
				return last, true, nil
			}
			u, scale, ok := pgtext.ParseNumeric(text)
			if !ok {
				return num{}, false, pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type numeric: %q", text)
			}
			last = num{big: u, scale: scale}
			if u.IsInt64() {
				last = num{small: u.Int64(), scale: scale}
			}
			lastText = text // the reader lives no longer than c
			return last, true, nil
		}, nil
	}
	return nil, pgerror.New(pgerror.FeatureNotSupported, "numeric operator on %s is not supported", a.DataType())
}

var pow10s = func() [19]int64 {
	var p [19]int64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

func bigPow10(n int32) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// mul64 multiplies exactly; ok is false when the product leaves int64.
func mul64(a, b int64) (int64, bool) {
	neg := (a < 0) != (b < 0)
	hi, lo := bits.Mul64(absU(a), absU(b))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	if neg {
		return -int64(lo), true
	}
	return int64(lo), true
}

func absU(a int64) uint64 {
	if a < 0 {
		return uint64(-a)
	}
	return uint64(a)
}

// upscale multiplies n by 10^k (k >= 0) to scale n.scale+k.
func upscale(n num, k int32) num {
	if k == 0 {
		return n
	}
	if n.big == nil && k < int32(len(pow10s)) {
		if v, ok := mul64(n.small, pow10s[k]); ok {
			return num{small: v, scale: n.scale + k}
		}
	}
	return num{big: new(big.Int).Mul(n.bigInt(), bigPow10(k)), scale: n.scale + k}
}

// align brings a and b to the larger of their scales.
func align(a, b num) (num, num) {
	switch {
	case a.scale < b.scale:
		a = upscale(a, b.scale-a.scale)
	case b.scale < a.scale:
		b = upscale(b, a.scale-b.scale)
	}
	return a, b
}

func numAdd(a, b num, negateB bool) num {
	a, b = align(a, b)
	if a.big == nil && b.big == nil && !(negateB && b.small == math.MinInt64) {
		y := b.small
		if negateB {
			y = -y
		}
		s := a.small + y
		if (y >= 0 && s >= a.small) || (y < 0 && s < a.small) {
			return num{small: s, scale: a.scale}
		}
	}
	y := b.bigInt()
	if negateB {
		y = new(big.Int).Neg(y)
	}
	return num{big: new(big.Int).Add(a.bigInt(), y), scale: a.scale}
}

func numMul(a, b num) num {
	if a.big == nil && b.big == nil {
		if v, ok := mul64(a.small, b.small); ok {
			return num{small: v, scale: a.scale + b.scale}
		}
	}
	return num{big: new(big.Int).Mul(a.bigInt(), b.bigInt()), scale: a.scale + b.scale}
}

func numCmp(a, b num) int {
	a, b = align(a, b)
	if a.big == nil && b.big == nil {
		return cmpInt(a.small, b.small)
	}
	return a.bigInt().Cmp(b.bigInt())
}

// Display-scale limits of PostgreSQL's numeric division (numeric.c).
const (
	numericMinSigDigits = 16
	numericMaxDisplay   = 1000
)

// divScale is the scale of a / b as PostgreSQL's select_div_scale picks
// it: at least 16 significant digits, and no less than either operand's
// scale. Weights count base-10000 digits, as numeric stores them.
func divScale(a, b num) int32 {
	w1, f1 := weightAndFirstDigit(a)
	w2, f2 := weightAndFirstDigit(b)
	q := w1 - w2
	if f1 <= f2 {
		q--
	}
	s := numericMinSigDigits - q*4
	s = max(s, a.scale, b.scale, 0)
	return min(s, numericMaxDisplay)
}

// weightAndFirstDigit returns the base-10000 weight of n's leading
// nonzero digit group and that group's value (0, 0 for zero).
func weightAndFirstDigit(n num) (int32, int64) {
	u := new(big.Int).Abs(n.bigInt())
	if u.Sign() == 0 {
		return 0, 0
	}
	digits := int32(len(u.Text(10)))
	e := digits - 1 - n.scale // 10^e <= |n| < 10^(e+1)
	w := e / 4
	if e < 0 && e%4 != 0 {
		w--
	}
	k := n.scale + 4*w
	var first *big.Int
	if k >= 0 {
		first = new(big.Int).Quo(u, bigPow10(k))
	} else {
		first = new(big.Int).Mul(u, bigPow10(-k))
	}
	return w, first.Int64()
}

// numDiv divides as PostgreSQL's numeric_div: rounded half away from zero
// to divScale's scale.
func numDiv(a, b num) (num, error) {
	if b.sign() == 0 {
		return num{}, pgerror.New(pgerror.DivisionByZero, "division by zero")
	}
	scale := divScale(a, b)
	// a/b at scale: a.u * 10^(scale - a.scale + b.scale) / b.u.
	n, d := a.bigInt(), b.bigInt()
	if k := scale - a.scale + b.scale; k >= 0 {
		n = new(big.Int).Mul(n, bigPow10(k))
	} else {
		d = new(big.Int).Mul(d, bigPow10(-k))
	}
	return numRound(n, d, scale), nil
}

// numMod is x - trunc(x/y)*y at the larger scale, as numeric_mod.
func numMod(a, b num) (num, error) {
	if b.sign() == 0 {
		return num{}, pgerror.New(pgerror.DivisionByZero, "division by zero")
	}
	a, b = align(a, b)
	if a.big == nil && b.big == nil && !(a.small == math.MinInt64 && b.small == -1) {
		return num{small: a.small % b.small, scale: a.scale}, nil
	}
	return num{big: new(big.Int).Rem(a.bigInt(), b.bigInt()), scale: a.scale}, nil
}

// numRound is num/den rounded half away from zero, at scale.
func numRound(n, den *big.Int, scale int32) num {
	q, r := new(big.Int).QuoRem(n, den, new(big.Int))
	r.Abs(r).Lsh(r, 1)
	if r.Cmp(new(big.Int).Abs(den)) >= 0 {
		if (n.Sign() < 0) != (den.Sign() < 0) {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	if q.IsInt64() {
		return num{small: q.Int64(), scale: scale}
	}
	return num{big: q, scale: scale}
}

// roundToScales rounds (or truncates) each numeric value of x to the
// scale the integer in scales gives its row, as PostgreSQL's round and
// trunc(numeric, integer) do: a negative scale rounds to tens, hundreds
// ... and leaves scale 0. The result holds each value at its own scale
// (pgtypes.NumericType).
func roundToScales(mem memory.Allocator, x, scales arrow.Array, trunc bool) (arrow.Array, error) {
	read, err := numReader(x)
	if err != nil {
		return nil, err
	}
	readScale, err := numReader(scales)
	if err != nil {
		return nil, err
	}
	b, err := newNumBuilder(mem, pgtypes.Numeric(), x.Len())
	if err != nil {
		return nil, err
	}
	defer b.release()
	for i := range x.Len() {
		n, ok, err := read(i)
		if err != nil {
			return nil, err
		}
		s, sok, err := readScale(i)
		if err != nil {
			return nil, err
		}
		if !ok || !sok {
			b.appendNull()
			continue
		}
		to := s.small
		switch {
		case to > 38:
			// As for a constant scale: no numeric riffq holds has room.
			return nil, pgerror.New(pgerror.NumericValueOutOfRange, "numeric field overflow").
				WithDetail("A field with precision 38, scale %d must round to an absolute value less than 10^%d.", to, 38-to)
		case to < -38:
			to = -38 // every value riffq holds rounds to 0 there
		}
		var out num
		switch t := int32(to); {
		case t >= n.scale:
			out = upscale(n, t-n.scale)
		case trunc:
			q := new(big.Int).Quo(n.bigInt(), bigPow10(n.scale-t))
			out = num{big: q, scale: t}
		default:
			out = numRound(n.bigInt(), bigPow10(n.scale-t), t)
		}
		if out.scale < 0 {
			// Rounded to tens, hundreds ...: back to whole units.
			out = num{big: new(big.Int).Mul(out.bigInt(), bigPow10(-out.scale))}
		}
		if err := b.append(out); err != nil {
			return nil, err
		}
	}
	return b.newArray(), nil
}

// maxDecimal128 is 10^38, the first value a decimal128 column cannot hold.
var maxDecimal128 = bigPow10(38)

// numBuilder appends results to a decimal128 column (rescaled to its
// scale) or a numeric one (each value with its own scale).
type numBuilder struct {
	dec   *array.Decimal128Builder
	scale int32
	str   *array.StringBuilder
	buf   []byte
}

func newNumBuilder(mem memory.Allocator, out arrow.DataType, n int) (*numBuilder, error) {
	switch t := out.(type) {
	case *arrow.Decimal128Type:
		b := array.NewDecimal128Builder(mem, t)
		b.Reserve(n)
		return &numBuilder{dec: b, scale: t.Scale}, nil
	case *pgtypes.NumericType:
		b := array.NewStringBuilder(mem)
		b.Reserve(n)
		return &numBuilder{str: b}, nil
	}
	return nil, pgerror.New(pgerror.FeatureNotSupported, "numeric result of type %s is not supported", out)
}

func (b *numBuilder) appendNull() {
	if b.dec != nil {
		b.dec.AppendNull()
	} else {
		b.str.AppendNull()
	}
}

func (b *numBuilder) append(n num) error {
	if b.str != nil {
		b.buf = n.appendText(b.buf[:0])
		b.str.BinaryBuilder.Append(b.buf)
		return nil
	}
	if n.scale != b.scale {
		if n.scale > b.scale {
			n = numRound(n.bigInt(), bigPow10(n.scale-b.scale), b.scale)
		} else {
			n = upscale(n, b.scale-n.scale)
		}
	}
	if n.big == nil {
		b.dec.UnsafeAppend(decimal128.FromI64(n.small))
		return nil
	}
	if new(big.Int).Abs(n.big).Cmp(maxDecimal128) >= 0 {
		return pgerror.New(pgerror.NumericValueOutOfRange, "value overflows numeric format")
	}
	b.dec.UnsafeAppend(decimal128.FromBigInt(n.big))
	return nil
}

func (b *numBuilder) newArray() arrow.Array {
	if b.dec != nil {
		defer b.dec.Release()
		return b.dec.NewArray()
	}
	defer b.str.Release()
	storage := b.str.NewArray()
	defer storage.Release()
	return array.NewExtensionArrayWithStorage(pgtypes.Numeric(), storage)
}

func (b *numBuilder) release() {
	if b.dec != nil {
		b.dec.Release()
	} else {
		b.str.Release()
	}
}

// isNumericOperand reports whether dt is exact numeric: decimal128 or
// numeric with per-value scale.
func isNumericOperand(dt arrow.DataType) bool {
	if dt.ID() == arrow.DECIMAL128 {
		return true
	}
	_, ok := dt.(*pgtypes.NumericType)
	return ok
}

// numericKernel computes an arithmetic operator or a comparison over
// exact numeric operands.
func numericKernel(op expr.Op) kernel {
	return func(mem memory.Allocator, l, r arrow.Array, out arrow.DataType) (arrow.Array, error) {
		if op.IsComparison() {
			if ld, ok := l.(*array.Decimal128); ok {
				if rd, ok := r.(*array.Decimal128); ok && ld.DataType().(*arrow.Decimal128Type).Scale == rd.DataType().(*arrow.Decimal128Type).Scale {
					return compareDecimals(mem, op, ld, rd), nil
				}
			}
		}
		if ld, ok := l.(*array.Decimal128); ok && (op == expr.Add || op == expr.Sub || op == expr.Mul) {
			if rd, ok := r.(*array.Decimal128); ok {
				if od, ok := out.(*arrow.Decimal128Type); ok {
					return decimalArith(mem, op, ld, rd, od)
				}
			}
		}
		lv, err := numReader(l)
		if err != nil {
			return nil, err
		}
		rv, err := numReader(r)
		if err != nil {
			return nil, err
		}
		if op.IsComparison() {
			return numericCompare(mem, op, lv, rv, l.Len())
		}
		b, err := newNumBuilder(mem, out, l.Len())
		if err != nil {
			return nil, err
		}
		defer b.release()
		for i := range l.Len() {
			x, y, ok, err := readPair(lv, rv, i)
			if err != nil {
				return nil, err
			}
			if !ok {
				b.appendNull()
				continue
			}
			z, err := numArith(op, x, y)
			if err != nil {
				return nil, err
			}
			if err := b.append(z); err != nil {
				return nil, err
			}
		}
		return b.newArray(), nil
	}
}

// decimalNum is a decimal128 value of the given scale as a num.
func decimalNum(v decimal128.Num, scale int32) num {
	hi, lo := v.HighBits(), v.LowBits()
	if (hi == 0 && lo <= math.MaxInt64) || (hi == -1 && lo > math.MaxInt64) {
		return num{small: int64(lo), scale: scale}
	}
	return num{big: v.BigInt(), scale: scale}
}

// decimalArith adds, subtracts or multiplies decimal128 columns into a
// decimal128 result: the hot path of TPC-H's l_extendedprice * (1 -
// l_discount), read straight from the columns' values.
func decimalArith(mem memory.Allocator, op expr.Op, l, r *array.Decimal128, out *arrow.Decimal128Type) (arrow.Array, error) {
	if a, ok := decimalArith64(mem, op, l, r, out); ok {
		return a, nil
	}
	return decimalArithNum(mem, op, l, r, out)
}

// decimalArithNum is decimalArith value by value through num, for any
// values.
func decimalArithNum(mem memory.Allocator, op expr.Op, l, r *array.Decimal128, out *arrow.Decimal128Type) (arrow.Array, error) {
	ls, rs := l.DataType().(*arrow.Decimal128Type).Scale, r.DataType().(*arrow.Decimal128Type).Scale
	b, err := newNumBuilder(mem, out, l.Len())
	if err != nil {
		return nil, err
	}
	defer b.release()
	lv, rv := l.Values(), r.Values()
	nulls := l.NullN() > 0 || r.NullN() > 0
	for i := range l.Len() {
		if nulls && (l.IsNull(i) || r.IsNull(i)) {
			b.appendNull()
			continue
		}
		z, err := numArith(op, decimalNum(lv[i], ls), decimalNum(rv[i], rs))
		if err != nil {
			return nil, err
		}
		if err := b.append(z); err != nil {
			return nil, err
		}
	}
	return b.newArray(), nil
}

// decimalArith64 is decimalArith over int64s, for the usual case of
// values and results that fit in them (prices, rates); ok is false, and
// nothing is made, when one does not, or when out's scale is not the one
// the operation gives.
func decimalArith64(mem memory.Allocator, op expr.Op, l, r *array.Decimal128, out *arrow.Decimal128Type) (arrow.Array, bool) {
	ls, rs := l.DataType().(*arrow.Decimal128Type).Scale, r.DataType().(*arrow.Decimal128Type).Scale
	var lf, rf uint64 = 1, 1 // factors aligning the operands of + and -
	switch op {
	case expr.Mul:
		if out.Scale != ls+rs {
			return nil, false
		}
	case expr.Add, expr.Sub:
		if out.Scale != max(ls, rs) || out.Scale-min(ls, rs) > 18 {
			return nil, false
		}
		lf, rf = pow10u64(out.Scale-ls), pow10u64(out.Scale-rs)
	default:
		return nil, false
	}
	limit := int64(math.MaxInt64)
	if out.Precision < 19 {
		limit = int64(pow10u64(out.Precision) - 1)
	}
	n := l.Len()
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n * arrow.Decimal128SizeBytes)
	vals := arrow.Decimal128Traits.CastFromBytes(buf.Bytes())
	lv, rv := l.Values(), r.Values()
	// The loops do not look at NULLs: the values under them are whatever
	// the arrays hold, and the rare one that overflows sends the batch to
	// decimalArith's general path.
	var ok bool
	if op == expr.Mul {
		ok = mulDecimals64(vals, lv, rv, limit)
	} else {
		ok = addDecimals64(vals, lv, rv, lf, rf, op == expr.Sub, limit)
	}
	if !ok {
		buf.Release()
		return nil, false
	}
	nulls := l.NullN() > 0 || r.NullN() > 0
	var validity *memory.Buffer
	nullN := 0
	if nulls {
		validity = memory.NewResizableBuffer(mem)
		validity.Resize(int(bitutil.BytesForBits(int64(n))))
		vb := validity.Bytes()
		clear(vb)
		for i := range n {
			if l.IsValid(i) && r.IsValid(i) {
				bitutil.SetBit(vb, i)
			} else {
				vals[i] = decimal128.Num{}
				nullN++
			}
		}
		defer validity.Release()
	}
	defer buf.Release()
	data := array.NewData(out, n, []*memory.Buffer{validity, buf}, nil, nullN, 0)
	defer data.Release()
	return array.MakeFromData(data), true
}

// mulDecimals64 sets z[i] = x[i] * y[i] for values that fit in int64,
// false when one does not or a product exceeds ±limit.
func mulDecimals64(z, x, y []decimal128.Num, limit int64) bool {
	y, z = y[:len(x)], z[:len(x)]
	for i := range x {
		a, b := int64(x[i].LowBits()), int64(y[i].LowBits())
		if x[i].HighBits() != a>>63 || y[i].HighBits() != b>>63 {
			return false
		}
		// The signed 128-bit product's high word, from the unsigned one.
		hi, lo := bits.Mul64(uint64(a), uint64(b))
		p := int64(lo)
		if int64(hi)-(a>>63)&b-(b>>63)&a != p>>63 || p > limit || p < -limit {
			return false
		}
		z[i] = decimal128.FromI64(p)
	}
	return true
}

// addDecimals64 sets z[i] = x[i]·xf ± y[i]·yf (the factors align the
// scales) for values that fit in int64, false when one does not or a sum
// exceeds ±limit.
func addDecimals64(z, x, y []decimal128.Num, xf, yf uint64, sub bool, limit int64) bool {
	y, z = y[:len(x)], z[:len(x)]
	for i := range x {
		a, ok1 := scaleInt64(x[i], xf)
		b, ok2 := scaleInt64(y[i], yf)
		if !ok1 || !ok2 {
			return false
		}
		if sub {
			if b == math.MinInt64 {
				return false
			}
			b = -b
		}
		s := a + b
		if (a^s)&(b^s) < 0 || s > limit || s < -limit {
			return false
		}
		z[i] = decimal128.FromI64(s)
	}
	return true
}

// scaleInt64 returns v·f when v and the product fit in int64.
func scaleInt64(v decimal128.Num, f uint64) (int64, bool) {
	a := int64(v.LowBits())
	if v.HighBits() != a>>63 {
		return 0, false
	}
	if f == 1 {
		return a, true
	}
	hi, lo := bits.Mul64(uint64(a), f)
	p := int64(lo)
	return p, int64(hi)-(a>>63)&int64(f) == p>>63
}

// pow10u64 returns 10^n, for n <= 19.
func pow10u64(n int32) uint64 {
	p := uint64(1)
	for range n {
		p *= 10
	}
	return p
}

// compareDecimals compares decimal128 columns of one scale value by value,
// the hot path of filters such as l_discount >= 0.05.
func compareDecimals(mem memory.Allocator, op expr.Op, l, r *array.Decimal128) arrow.Array {
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	n := l.Len()
	b.Reserve(n)
	lv, rv := l.Values(), r.Values()
	nulls := l.NullN() > 0 || r.NullN() > 0
	for i := range n {
		if nulls && (l.IsNull(i) || r.IsNull(i)) {
			b.UnsafeAppendBoolToBitmap(false)
			continue
		}
		c := lv[i].Cmp(rv[i])
		b.UnsafeAppend(compareResult(op, c))
	}
	return b.NewArray()
}

func numericCompare(mem memory.Allocator, op expr.Op, lv, rv func(int) (num, bool, error), n int) (arrow.Array, error) {
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.Reserve(n)
	for i := range n {
		x, y, ok, err := readPair(lv, rv, i)
		if err != nil {
			return nil, err
		}
		if !ok {
			b.UnsafeAppendBoolToBitmap(false)
			continue
		}
		b.UnsafeAppend(compareResult(op, numCmp(x, y)))
	}
	return b.NewArray(), nil
}

// readPair reads value i of both operands; ok is false when either is
// NULL.
func readPair(lv, rv func(int) (num, bool, error), i int) (x, y num, ok bool, err error) {
	x, xok, err := lv(i)
	if err != nil {
		return x, y, false, err
	}
	y, yok, err := rv(i)
	if err != nil {
		return x, y, false, err
	}
	return x, y, xok && yok, nil
}

// numArith applies an arithmetic operator.
func numArith(op expr.Op, x, y num) (num, error) {
	switch op {
	case expr.Add:
		return numAdd(x, y, false), nil
	case expr.Sub:
		return numAdd(x, y, true), nil
	case expr.Mul:
		return numMul(x, y), nil
	case expr.Div:
		return numDiv(x, y)
	case expr.Mod:
		return numMod(x, y)
	}
	return num{}, pgerror.New(pgerror.FeatureNotSupported, "numeric operator %s is not supported yet", op)
}
