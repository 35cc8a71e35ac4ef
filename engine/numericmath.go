package engine

import (
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// exp, ln, log and power of numeric values, as PostgreSQL's numeric.c
// answers them: each result is rounded half away from zero at the scale
// PostgreSQL picks for it, from the arguments' display scales and its
// cheap estimate of the result's magnitude (which this file repeats
// step by step, since the scale is part of the answer). The values
// themselves are computed with math/big's binary floats carrying
// guardDigits decimal digits more than the rounding keeps, or exactly
// for integer powers of moderate size, so that the digits kept are
// PostgreSQL's.

const (
	// numericMaxResultScale is NUMERIC_MAX_RESULT_SCALE: exp of an
	// argument of 3 times it or more overflows (or is zero).
	numericMaxResultScale = 2000
	// numericMaxIntDigits bounds a numeric's integer digits: PostgreSQL
	// stores the base-10,000 weight in an int16, so values reach 10^131072.
	numericMaxIntDigits = 4 * (math.MaxInt16 + 1)
	// pgLog10e and pgLn10 are the constants numeric.c estimates with;
	// the estimates decide result scales, so they use the same ones.
	pgLog10e = 0.434294481903252
	pgLn10   = 2.302585092994046
	// guardDigits are the decimal digits computed beyond those rounded.
	guardDigits = 30
	// exactPowerBits bounds the size of an integer power computed
	// exactly (about 630,000 digits); larger ones are computed in floats.
	exactPowerBits = 1 << 21
)

// numericMathKernel applies numeric_exp, numeric_ln, numeric_log10,
// numeric_log or numeric_power to its decimal128 or numeric arguments;
// a NULL argument gives NULL.
func numericMathKernel(mem memory.Allocator, name string, in []arrow.Array, out arrow.DataType) (arrow.Array, error) {
	readers := make([]func(int) (num, bool, error), len(in))
	for i, a := range in {
		r, err := numReader(a)
		if err != nil {
			return nil, err
		}
		readers[i] = r
	}
	n := in[0].Len()
	b, err := newNumBuilder(mem, out, n)
	if err != nil {
		return nil, err
	}
	defer b.release()
	args := make([]num, len(in))
	for i := range n {
		null := false
		for j, read := range readers {
			v, ok, err := read(i)
			if err != nil {
				return nil, err
			}
			null = null || !ok
			args[j] = v
		}
		if null {
			b.appendNull()
			continue
		}
		var z num
		switch name {
		case "numeric_exp":
			z, err = numExp(args[0])
		case "numeric_ln":
			z, err = numLn(args[0])
		case "numeric_log10":
			// log(x) is log(10, x) in PostgreSQL, scale rules included.
			z, err = numLog(num{small: 10}, args[0])
		case "numeric_log":
			z, err = numLog(args[0], args[1])
		case "numeric_power":
			z, err = numPower(args[0], args[1])
		default:
			return nil, pgerror.New(pgerror.FeatureNotSupported, "function %s is not supported", name)
		}
		if err != nil {
			return nil, err
		}
		if err := b.append(z); err != nil {
			return nil, err
		}
	}
	return b.newArray(), nil
}

// errNumericOverflow is PostgreSQL's error for a numeric result beyond
// its limits.
func errNumericOverflow() error {
	return pgerror.New(pgerror.NumericValueOutOfRange, "value overflows numeric format")
}

// checkLogArg is ln's error for an argument that is not positive.
func checkLogArg(x num) error {
	switch x.sign() {
	case 0:
		return pgerror.New("2201E", "cannot take logarithm of zero")
	case -1:
		return pgerror.New("2201E", "cannot take logarithm of a negative number")
	}
	return nil
}

// mathResultScale clamps a result scale to PostgreSQL's display limits after
// raising it to the arguments' display scales.
func mathResultScale(s int64, args ...num) int32 {
	for _, a := range args {
		s = max(s, int64(a.scale))
	}
	return int32(min(max(s, 0), numericMaxDisplay))
}

// numZeroAt is zero shown with scale digits after the point.
func numZeroAt(scale int32) num { return num{scale: scale} }

// numExp is PostgreSQL's numeric_exp.
func numExp(x num) (num, error) {
	val := numToFloat64(x)
	// The result's decimal weight is about x·log10(e).
	w := min(max(val*pgLog10e, -numericMaxResultScale), numericMaxResultScale)
	rscale := mathResultScale(numericMinSigDigits-int64(w), x)
	return expRounded(func(prec uint) *big.Float { return numToBigFloat(x, prec) }, val, rscale)
}

// expRounded is e^x rounded at rscale, with exp_var's limits: val, x
// as a float64, of 6000 or more overflows and -6000 or less gives zero.
// x gives the argument to the bits asked for.
func expRounded(x func(prec uint) *big.Float, val float64, rscale int32) (num, error) {
	if math.Abs(val) >= 3*numericMaxResultScale {
		if val > 0 {
			return num{}, errNumericOverflow()
		}
		return numZeroAt(rscale), nil
	}
	dweight := val * pgLog10e
	if dweight < -float64(rscale)-2 {
		return numZeroAt(rscale), nil // below half a unit of the last digit
	}
	sig := int64(math.Ceil(dweight)) + int64(rscale) + 1
	prec := bitsForDigits(max(sig, 1) + guardDigits)
	// |x| < 6000: 13 more bits keep x's relative error out of the result.
	return roundBigFloat(expFloat(x(prec+16), prec), rscale), nil
}

// numLn is PostgreSQL's numeric_ln.
func numLn(x num) (num, error) {
	if err := checkLogArg(x); err != nil {
		return num{}, err
	}
	rscale := mathResultScale(numericMinSigDigits-estimateLnDweight(x), x)
	return roundBigFloat(lnNum(x, int64(rscale)+guardDigits), rscale), nil
}

// numLog is PostgreSQL's numeric_log: the logarithm of x to base b.
func numLog(b, x num) (num, error) {
	if err := checkLogArg(b); err != nil {
		return num{}, err
	}
	if err := checkLogArg(x); err != nil {
		return num{}, err
	}
	if numCmp(b, num{small: 1}) == 0 {
		return num{}, pgerror.New(pgerror.DivisionByZero, "division by zero")
	}
	lb, lx := estimateLnDweight(b), estimateLnDweight(x)
	rd := lx - lb // the result's estimated decimal weight
	rscale := mathResultScale(numericMinSigDigits-rd, b, x)
	// The estimates are within one of the true weights, so each
	// logarithm with sig digits beyond its weight's lower bound gives
	// the quotient sig significant digits.
	sig := max(int64(rscale)+rd, 0) + guardDigits
	lnB := lnNum(b, sig-lb+3)
	lnX := lnNum(x, sig-lx+3)
	q := new(big.Float).SetPrec(bitsForDigits(sig + 3))
	q.Quo(lnX, lnB)
	return roundBigFloat(q, rscale), nil
}

// numPower is PostgreSQL's numeric_power: x raised to the power y.
func numPower(x, y num) (num, error) {
	if x.sign() == 0 && y.sign() < 0 {
		return num{}, pgerror.New("2201F", "zero raised to a negative power is undefined")
	}
	yi, integral := numIntegerValue(y)
	if integral && yi.IsInt64() && yi.Int64() >= math.MinInt32 && yi.Int64() <= math.MaxInt32 {
		return powerInt(x, yi.Int64())
	}
	if x.sign() == 0 {
		// Zero to a positive non-integer (or huge) power, at the scale
		// PostgreSQL gives it.
		return numZeroAt(numericMinSigDigits), nil
	}
	negate := false
	if x.sign() < 0 {
		if !integral {
			return num{}, pgerror.New("2201F", "a negative number raised to a non-integer power yields a complex result")
		}
		negate = yi.Bit(0) == 1
		x = absOfNum(x)
	}
	// PostgreSQL first computes y·ln(x) to about 8 significant digits,
	// rounded as its numeric arithmetic rounds; the value decides the
	// result scale, and overflow.
	lnd := estimateLnDweight(x)
	lscale := int32(max(8-lnd, 0))
	// ln(x) is computed once, to the digits the result needs unless it
	// turns out large (or small) enough to need more.
	ydigits := max(numDecWeight(y)+1, 0)
	lnDigits := func(sig int64) int64 { return sig + guardDigits + ydigits + 2 }
	have := max(int64(lscale)+guardDigits, lnDigits(numericMinSigDigits+int64(max(x.scale, y.scale, 0))))
	lnFull := lnNum(x, have)
	lnX := roundBigFloat(lnFull, lscale)
	t0 := numMul(lnX, y)
	if t0.scale > lscale {
		t0 = numRound(t0.bigInt(), bigPow10(t0.scale-lscale), lscale)
	}
	val := numToFloat64(t0)
	if math.Abs(val) > numericMaxResultScale*3.01 {
		if val > 0 {
			return num{}, errNumericOverflow()
		}
		return numZeroAt(numericMaxDisplay), nil
	}
	val *= pgLog10e
	rscale := mathResultScale(numericMinSigDigits-int64(val), x, y)
	sig := max(int64(rscale)+int64(val), 0)
	// y·ln(x) to sig+guardDigits digits after the point gives e^(y·ln x)
	// that many significant digits.
	if need := lnDigits(sig); need > have {
		lnFull = lnNum(x, need)
	}
	prec := bitsForDigits(sig + guardDigits + 6)
	t := new(big.Float).SetPrec(prec).Mul(lnFull, numToBigFloat(y, prec))
	tv, _ := t.Float64()
	z, err := expRounded(func(uint) *big.Float { return t }, tv, rscale)
	if err != nil {
		return num{}, err
	}
	if negate && z.sign() != 0 {
		z = num{big: new(big.Int).Neg(z.bigInt()), scale: z.scale}
	}
	return z, nil
}

// powerInt is x^n for an integer n of int32's range, PostgreSQL's
// power_var_int: at scale 16 or x's, whatever the result's size.
func powerInt(x num, n int64) (num, error) {
	rscale := mathResultScale(numericMinSigDigits, x)
	if n == 0 {
		return upscale(num{small: 1}, rscale), nil // 0^0 too
	}
	if x.sign() == 0 {
		return numZeroAt(rscale), nil
	}
	u, s := numStripZeros(x)
	an := n
	if an < 0 {
		an = -an
	}
	lg := float64(n) * (log10Big(u) - float64(s))
	switch {
	case lg > numericMaxIntDigits+1:
		return num{}, errNumericOverflow()
	case lg < -float64(rscale)-2:
		return numZeroAt(rscale), nil
	}
	var z num
	if uint64(an)*uint64(u.BitLen()) <= exactPowerBits {
		p := new(big.Int).Exp(u, big.NewInt(an), nil)
		if n > 0 {
			z = rescaleRound(p, s*an, rscale)
		} else {
			z = numRound(bigPow10(int32(s*an)+rscale), p, rscale)
		}
	} else {
		digits := max(int64(math.Ceil(lg)), 0) + int64(rscale) + 1 + guardDigits
		prec := bitsForDigits(digits) + 2*uint(bits.Len64(uint64(an))) + 64
		base := numToBigFloat(num{big: u, scale: int32(s)}, prec+uint(bits.Len64(uint64(an))))
		r := powBigFloat(base, an, prec)
		if n < 0 {
			r.Quo(new(big.Float).SetPrec(prec).SetInt64(1), r)
		}
		z = roundBigFloat(r, rscale)
	}
	if z.sign() != 0 && numDecWeight(z) >= numericMaxIntDigits {
		return num{}, errNumericOverflow()
	}
	return z, nil
}

// rescaleRound is u / 10^s rounded half away from zero at scale.
func rescaleRound(u *big.Int, s int64, scale int32) num {
	if s <= int64(scale) {
		return num{big: new(big.Int).Mul(u, bigPow10(scale-int32(s))), scale: scale}
	}
	return numRound(u, bigPow10(int32(s-int64(scale))), scale)
}

// powBigFloat is x^n (n > 0) by repeated squaring at prec bits.
func powBigFloat(x *big.Float, n int64, prec uint) *big.Float {
	r := new(big.Float).SetPrec(prec).SetInt64(1)
	p := new(big.Float).SetPrec(prec).Set(x)
	for {
		if n&1 == 1 {
			r.Mul(r, p)
		}
		n >>= 1
		if n == 0 {
			return r
		}
		p.Mul(p, p)
	}
}

// numIntegerValue reports whether n is an integer, and returns it.
func numIntegerValue(n num) (*big.Int, bool) {
	if n.scale <= 0 {
		return new(big.Int).Mul(n.bigInt(), bigPow10(-n.scale)), true
	}
	q, r := new(big.Int).QuoRem(n.bigInt(), bigPow10(n.scale), new(big.Int))
	return q, r.Sign() == 0
}

// absOfNum is |n|.
func absOfNum(n num) num {
	if n.sign() >= 0 {
		return n
	}
	return num{big: new(big.Int).Neg(n.bigInt()), scale: n.scale}
}

// numStripZeros returns n as u / 10^s with s >= 0 as small as can be.
func numStripZeros(n num) (*big.Int, int64) {
	u, s := n.bigInt(), int64(n.scale)
	if s < 0 {
		return new(big.Int).Mul(u, bigPow10(int32(-s))), 0
	}
	u = new(big.Int).Set(u)
	ten, r := big.NewInt(10), new(big.Int)
	q := new(big.Int)
	for s > 0 {
		q.QuoRem(u, ten, r)
		if r.Sign() != 0 {
			break
		}
		u, q = q, u
		s--
	}
	return u, s
}

// log10Big approximates log10(|u|) for u != 0.
func log10Big(u *big.Int) float64 {
	a := new(big.Int).Abs(u)
	shift := a.BitLen() - 64
	if shift > 0 {
		a.Rsh(a, uint(shift))
	} else {
		shift = 0
	}
	f, _ := new(big.Float).SetInt(a).Float64()
	return math.Log10(f) + float64(shift)*math.Log10(2)
}

// countDigits10 is the number of decimal digits of |u| (1 for zero).
func countDigits10(u *big.Int) int64 {
	if u.IsInt64() {
		v := u.Int64()
		if v < 0 {
			v = -v
		}
		return int64(len(strconv.FormatUint(uint64(v), 10)))
	}
	return int64(len(new(big.Int).Abs(u).Text(10)))
}

// numDecWeight is floor(log10(|n|)) for n != 0: the decimal weight of n's
// first significant digit.
func numDecWeight(n num) int64 {
	return countDigits10(n.bigInt()) - 1 - int64(n.scale)
}

// numToFloat64 is n as the nearest float64, as PostgreSQL converts a
// numeric to double precision (through its text); out of range values
// are infinite.
func numToFloat64(n num) float64 {
	f, _ := strconv.ParseFloat(string(n.appendText(nil)), 64)
	return f
}

// numToBigFloat is n as a binary float of prec bits.
func numToBigFloat(n num, prec uint) *big.Float {
	f := new(big.Float).SetPrec(prec).SetInt(n.bigInt())
	switch {
	case n.scale > 0:
		f.Quo(f, new(big.Float).SetPrec(prec).SetInt(bigPow10(n.scale)))
	case n.scale < 0:
		f.Mul(f, new(big.Float).SetPrec(prec).SetInt(bigPow10(-n.scale)))
	}
	return f
}

// bitsForDigits is the number of bits that hold d decimal digits.
func bitsForDigits(d int64) uint {
	return uint(math.Ceil(float64(max(d, 1))*math.Log2(10))) + 1
}

// roundBigFloat is v rounded half away from zero at scale.
func roundBigFloat(v *big.Float, scale int32) num {
	if v.Sign() == 0 {
		return numZeroAt(scale)
	}
	// Enough bits for every digit up to the rounding one, and more.
	need := v.MantExp(nil) + int(bitsForDigits(int64(scale)))
	prec := max(v.Prec(), uint(max(need, 0))) + 64
	t := new(big.Float).SetPrec(prec).SetInt(bigPow10(scale))
	t.Mul(t, v)
	neg := t.Sign() < 0
	t.Abs(t)
	t.Add(t, big.NewFloat(0.5))
	q, _ := t.Int(nil)
	if neg {
		q.Neg(q)
	}
	if q.IsInt64() {
		return num{small: q.Int64(), scale: scale}
	}
	return num{big: q, scale: scale}
}

// lnNum is ln(x) for x > 0, within 10^-absDigits.
func lnNum(x num, absDigits int64) *big.Float {
	absBits := bitsForDigits(absDigits)
	return lnFloat(numToBigFloat(x, absBits+64), absBits)
}

// lnFloat is ln(x) for x > 0, within 2^-absBits: with x = m·2^e and b
// the float64 logarithm of m, ln(x) = e·ln(2) + b + ln(m·e^-b), and
// m·e^-b is so near 1 that ln(v) = 2·atanh((v-1)/(v+1)) gains some 100
// bits a term.
func lnFloat(x *big.Float, absBits uint) *big.Float {
	m := new(big.Float)
	e := x.MantExp(m) // m in [0.5, 1)
	mf, _ := m.Float64()
	b := new(big.Float).SetFloat64(math.Log(mf))
	w := absBits + 16
	v := expFloat(new(big.Float).Neg(b), w)
	v.Mul(v, m)
	one := new(big.Float).SetInt64(1)
	z := new(big.Float).SetPrec(w).Add(v, one)
	z.Quo(new(big.Float).SetPrec(w).Sub(v, one), z)
	sum := new(big.Float).SetPrec(w).Set(z)
	if z.Sign() != 0 {
		z2 := new(big.Float).SetPrec(w).Mul(z, z)
		term := new(big.Float).SetPrec(w).Set(z)
		q := new(big.Float).SetPrec(w)
		for i := int64(3); ; i += 2 {
			term.Mul(term, z2)
			if term.Sign() == 0 || term.MantExp(nil) < -int(w) {
				break
			}
			sum.Add(sum, q.Quo(term, q.SetInt64(i)))
		}
	}
	sum.SetMantExp(sum, 1) // 2·atanh
	sum.Add(sum, b)
	if e == 0 {
		return sum
	}
	// e·ln(2) has e's bits on top of the absolute precision.
	ebits := uint(bits.Len64(uint64(max(e, -e))))
	ln2 := ln2Float(w + ebits)
	ln2.Mul(ln2, new(big.Float).SetInt64(int64(e)))
	return sum.SetPrec(w+ebits).Add(sum, ln2)
}

// ln2Hex is ln(2)'s first 4096 bits, in hexadecimal after the point:
// ln2Float's series gives more when asked.
const ln2Hex = "b17217f7d1cf79abc9e3b39803f2f6af40f343267298b62d8a0d175b8baafa2b" +
	"e7b876206debac98559552fb4afa1b10ed2eae35c138214427573b291169b825" +
	"3e96ca16224ae8c51acbda11317c387eb9ea9bc3b136603b256fa0ec7657f74b" +
	"72ce87b19d6548caf5dfa6bd38303248655fa1872f20e3a2da2d97c50f3fd5c6" +
	"07f4ca11fb5bfb90610d30f88fe551a2ee569d6dfc1efa157d2e23de1400b396" +
	"17460775db8990e5c943e732b479cd33cccc4e659393514c4c1a1e0bd1d6095d" +
	"25669b333564a3376a9c7f8a5e148e82074db6015cfe7aa30c480a5417350d2c" +
	"955d5179b1e17b9dae313cdb6c606cb1078f735d1b2db31b5f50b5185064c18b" +
	"4d162db3b365853d7598a1951ae273ee5570b6c68f96983496d4e6d330af889b" +
	"44a02554731cdc8ea17293d1228a4ef98d6f5177fbcf0755268a5c1f9538b982" +
	"61affd446b1ca3cf5e9222b88c66d3c5422183edc99421090bbb16faf3d949f2" +
	"36e02b20cee886b905c128d53d0bd2f9621363196af503020060e49908391a0c" +
	"57339ba2beba7d052ac5b61cc4e9207cef2f0ce2d7373958d7622658901e646a" +
	"95184460dc4e7487156e0c292413d5e361c1696dd24aaebd473826fda0c238b9" +
	"0ab111bbbd67c724972cd18bfbbd9d426c472096e76115c05f6f7cebac9f45ae" +
	"cecb72f19c38339d8f6826250dea891ef07afff3a892374e175eb4afc8daadd8"

// ln2Float is ln(2) to prec bits: from ln2Hex, or as 2·atanh(1/3), the
// series in fixed point, each term a ninth of the last over the next
// odd number.
func ln2Float(prec uint) *big.Float {
	if n := int(prec)/4 + 2; n <= len(ln2Hex) {
		m, _ := new(big.Int).SetString(ln2Hex[:n], 16)
		f := new(big.Float).SetPrec(prec).SetInt(m)
		return f.SetMantExp(f, -4*n)
	}
	fbits := prec + 16
	p := new(big.Int).Lsh(big.NewInt(1), fbits)
	p.Quo(p, big.NewInt(3))
	sum := new(big.Int).Set(p)
	t, nine := new(big.Int), big.NewInt(9)
	for k := int64(1); p.Sign() != 0; k++ {
		p.Quo(p, nine)
		sum.Add(sum, t.Quo(p, t.SetInt64(2*k+1)))
	}
	f := new(big.Float).SetPrec(prec).SetInt(sum)
	return f.SetMantExp(f, 1-int(fbits))
}

// expFloat is e^x to about relBits bits, for |x| below 2^20: x =
// k·ln(2) + r, and e^r is a Taylor series of r/2^s squared s times,
// summed in fixed point with w bits after the point.
func expFloat(x *big.Float, relBits uint) *big.Float {
	if x.Sign() == 0 {
		return new(big.Float).SetPrec(relBits).SetInt64(1)
	}
	s := int(math.Sqrt(float64(relBits)))/2 + 1
	w := relBits + uint(s) + 64
	xf, _ := x.Float64()
	k := int64(math.Round(xf / math.Ln2))
	r := new(big.Float).SetPrec(w + 20).Set(x)
	if k != 0 {
		ln2 := ln2Float(w + 40)
		r.Sub(r, ln2.Mul(ln2, new(big.Float).SetInt64(k)))
	}
	rf, _ := r.SetMantExp(r, int(w)-s).Int(nil) // r/2^s in fixed point
	sum := new(big.Int).Lsh(big.NewInt(1), w)
	sum.Add(sum, rf)
	term := new(big.Int).Set(rf)
	d := new(big.Int)
	for i := int64(2); ; i++ {
		term.Mul(term, rf).Rsh(term, w)
		term.Quo(term, d.SetInt64(i))
		if term.Sign() == 0 {
			break
		}
		sum.Add(sum, term)
	}
	for range s {
		sum.Mul(sum, sum).Rsh(sum, w)
	}
	f := new(big.Float).SetPrec(relBits + 16).SetInt(sum)
	return f.SetMantExp(f, int(k)-int(w))
}

// estimateLnDweight is PostgreSQL's estimate of the decimal weight of
// ln(x) (estimate_ln_dweight), which result scales are computed from:
// the weight of x-1 near 1, else a float64 logarithm of x's first
// base-10,000 digits; 0 for x <= 0.
func estimateLnDweight(x num) int64 {
	if x.sign() <= 0 {
		return 0
	}
	if numCmp(x, num{small: 9, scale: 1}) >= 0 && numCmp(x, num{small: 11, scale: 1}) <= 0 {
		d := numAdd(x, num{small: 1}, true)
		if d.sign() == 0 {
			return 0
		}
		return numDecWeight(d)
	}
	weight, d0, d1, more := nbaseLeadGroups(x)
	digits, dweight := float64(d0), weight*4
	if more {
		digits = float64(d0*10000 + d1)
		dweight -= 4
	}
	lnx := libm1("ln", digits, math.Log) + float64(dweight)*pgLn10
	return int64(libm1("log10", math.Abs(lnx), math.Log10))
}

// nbaseLeadGroups returns x's first base-10,000 digit group and its weight, as
// PostgreSQL's numeric stores x (x != 0), the next group, and whether any
// nonzero digit follows the first group.
func nbaseLeadGroups(x num) (weight, d0, d1 int64, more bool) {
	u := new(big.Int).Abs(x.bigInt())
	e := countDigits10(u) - 1 - int64(x.scale)
	weight = e / 4
	if e < 0 && e%4 != 0 {
		weight--
	}
	k := int64(x.scale) + 4*weight // x / 10000^weight = u / 10^k
	q0, rest := quoPow10Floor(u, k)
	d0, more = q0.Int64(), rest
	if more {
		q1, _ := quoPow10Floor(u, k-4)
		d1 = new(big.Int).Rem(q1, big.NewInt(10000)).Int64()
	}
	return weight, d0, d1, more
}

// quoPow10Floor is floor(u / 10^k) for u >= 0, and whether it left a remainder.
func quoPow10Floor(u *big.Int, k int64) (*big.Int, bool) {
	if k <= 0 {
		return new(big.Int).Mul(u, bigPow10(int32(-k))), false
	}
	q, r := new(big.Int).QuoRem(u, bigPow10(int32(k)), new(big.Int))
	return q, r.Sign() != 0
}

// numericScaleKernel evaluates scale, min_scale and trim_scale over
// numerics (decimal128 or per-value), from each value's text.
func numericScaleKernel(name string) func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
		enc, err := pgtext.NewEncoder(in[0], time.UTC)
		if err != nil {
			return nil, err
		}
		// Each value's digits before and after the point.
		digits := func(r int) (whole, frac string) {
			w, f, _ := strings.Cut(string(enc(nil, r)), ".")
			return w, f
		}
		if name == "trim_scale" {
			storage, err := strictFunc(array.NewStringBuilder(mem), in, func(_ argReader, r int) (string, error) {
				w, f := digits(r)
				if f = strings.TrimRight(f, "0"); f != "" {
					w += "." + f
				}
				return w, nil
			})
			if err != nil {
				return nil, err
			}
			defer storage.Release()
			return array.NewExtensionArrayWithStorage(pgtypes.Numeric(), storage), nil
		}
		return strictInt32Func(mem, in, func(_ argReader, r int) int32 {
			_, f := digits(r)
			if name == "min_scale" {
				f = strings.TrimRight(f, "0")
			}
			return int32(len(f))
		})
	}
}
