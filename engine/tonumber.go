package engine

import (
	"fmt"
	"math/big"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// to_number(text, text): a string read through a numeric template (the
// reading direction of tochar_num.go's templates).

// numberReader reads a to_number input through a numeric template, as
// PostgreSQL's NUM_processor does in its reading direction: each digit
// position takes one digit (or the decimal point, or a sign before the
// first digit), a sign may follow the last digit, G and , take a comma
// when one is there, L skips a character that is not part of a number,
// and every literal template character skips one input character.
type numberReader struct {
	t         *numTemplate
	in        string
	pos       int
	sign      byte // ' ' until a sign is read
	digits    []byte
	readPre   int
	readPost  int
	readPoint bool
}

// skipNonData skips up to n characters that cannot be part of a number.
func (r *numberReader) skipNonData(n int) {
	for ; n > 0 && r.pos < len(r.in); n-- {
		if strings.IndexByte("0123456789.,+-", r.in[r.pos]) >= 0 {
			return
		}
		r.pos += charLen(r.in[r.pos:])
	}
}

// digit handles a 9, 0, D or . position.
func (r *numberReader) digit(kw numKeyword) {
	t := r.t
	if r.pos >= len(r.in) {
		return
	}
	if r.in[r.pos] == ' ' {
		r.pos++
	}
	if r.pos >= len(r.in) {
		return
	}
	if r.sign == ' ' && (kw == nkNine || kw == nkZero) && r.readPre+r.readPost == 0 {
		c := r.in[r.pos]
		switch {
		case t.has(nfLocaleSign) && t.lsign == signPre:
			if c == '-' || c == '+' {
				r.sign = c
				r.pos++
			}
		case c == '-' || (t.has(nfBracket) && c == '<'):
			r.sign = '-'
			r.pos++
		case c == '+':
			r.sign = '+'
			r.pos++
		}
	}
	if r.pos >= len(r.in) {
		return
	}
	read := false
	switch c := r.in[r.pos]; {
	case isDigit(c):
		if r.readPoint && r.readPost == t.post {
			return // no more fraction digits: this one is skipped
		}
		r.digits = append(r.digits, c)
		if r.readPoint {
			r.readPost++
		} else {
			r.readPre++
		}
		read = true
	case t.has(nfDecimal) && !r.readPoint && c == '.':
		r.digits = append(r.digits, '.')
		r.readPoint = true
		read = true
	}
	if r.pos >= len(r.in) || r.sign != ' ' || r.readPre+r.readPost == 0 {
		return
	}
	// A sign right after the last digit read.
	switch {
	case t.has(nfLocaleSign):
		if read && r.pos+1 < len(r.in) && !isDigit(r.in[r.pos+1]) {
			if c := r.in[r.pos+1]; c == '-' || c == '+' {
				r.sign = c
				r.pos++
			}
		}
	case !read && (t.has(nfPlus) || t.has(nfMinus)):
		if c := r.in[r.pos]; c == '-' || c == '+' {
			r.sign = c
		}
	}
}

// toNumber reads in with template t: the digits and sign it finds become
// a numeric whose scale is the number of fraction digits read, checked
// against the template's digit positions as a numeric(p, s) would be;
// with V the value is divided by 10^n as PostgreSQL does it (through a
// 16-digit power of ten, which gives the result 16 more decimals).
func toNumber(in string, t *numTemplate) (num, error) {
	if t.has(nfEEEE) {
		return num{}, pgerror.New(pgerror.FeatureNotSupported, "\"EEEE\" not supported for input")
	}
	if t.has(nfRoman) {
		return num{}, pgerror.New(pgerror.FeatureNotSupported, "\"RN\" not supported for input")
	}
	r := numberReader{t: t, in: in, sign: ' '}
	fill := t.has(nfFill)
nodes:
	for _, n := range t.nodes {
		if n.kw == nkLiteral {
			for range utf8.RuneCountInString(n.text) {
				if r.pos >= len(r.in) {
					break nodes
				}
				r.pos += charLen(r.in[r.pos:])
			}
			continue
		}
		if r.pos >= len(r.in) {
			break
		}
		switch n.kw {
		case nkNine, nkZero, nkPoint, nkD:
			r.digit(n.kw)
		case nkComma, nkG:
			if fill || r.in[r.pos] != ',' {
				continue
			}
		case nkL:
			r.skipNonData(1)
			continue
		case nkTH, nkTHLower:
			if !t.has(nfDecimal) {
				r.skipNonData(2)
			}
			continue
		case nkMI, nkPL, nkSG:
			c := r.in[r.pos]
			if (c == '-' && n.kw != nkPL) || (c == '+' && n.kw != nkMI) {
				r.sign = c
			} else {
				r.skipNonData(1)
				continue
			}
		default:
			continue
		}
		r.pos++
	}
	digits := r.digits
	if n := len(digits); n > 0 && digits[n-1] == '.' {
		digits = digits[:n-1]
	}
	numstr := string(r.sign) + string(digits)
	intPart, frac, _ := strings.Cut(string(digits), ".")
	if intPart == "" && frac == "" {
		return num{}, pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type numeric: \"%s\"", numstr)
	}
	scale := r.readPost
	precision := t.pre + t.multi + scale
	if intDigits := len(strings.TrimLeft(intPart, "0")); intDigits > precision-scale {
		maxDigits := precision - scale
		limit := "1"
		if maxDigits > 0 {
			limit = fmt.Sprintf("10^%d", maxDigits)
		}
		return num{}, pgerror.New(pgerror.NumericValueOutOfRange, "numeric field overflow").
			WithDetail("A field with precision %d, scale %d must round to an absolute value less than %s.", precision, scale, limit)
	}
	n, err := parseNumDigits(r.sign == '-', intPart+frac, int32(scale))
	if err != nil {
		return num{}, err
	}
	if t.has(nfMulti) {
		// × round(10^-multi, 16)
		if t.multi > 16 {
			return num{small: 0, scale: int32(scale) + 16}, nil
		}
		n = upscale(n, int32(16-t.multi))
		n.scale = int32(scale) + 16
	}
	return n, nil
}

// parseNumDigits is the decimal digits ds as a num of the given scale.
func parseNumDigits(neg bool, ds string, scale int32) (num, error) {
	ds = strings.TrimLeft(ds, "0")
	if ds == "" {
		return num{scale: scale}, nil
	}
	if len(ds) <= 18 {
		var v int64
		for i := 0; i < len(ds); i++ {
			v = v*10 + int64(ds[i]-'0')
		}
		if neg {
			v = -v
		}
		return num{small: v, scale: scale}, nil
	}
	b, ok := new(big.Int).SetString(ds, 10)
	if !ok {
		return num{}, pgerror.New(pgerror.InternalError, "to_number: bad digits %q", ds)
	}
	if neg {
		b.Neg(b)
	}
	return num{big: b, scale: scale}, nil
}

// toNumberKernel evaluates to_number(text, text). An empty template gives
// NULL, as in PostgreSQL.
func toNumberKernel(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	vals, tmpls, err := textPair("to_number", in)
	if err != nil {
		return nil, err
	}
	out, err := newNumBuilder(mem, pgtypes.Numeric(), vals.Len())
	if err != nil {
		return nil, err
	}
	defer out.release()
	var cache numTemplateCache
	for i := range vals.Len() {
		if vals.IsNull(i) || tmpls.IsNull(i) || tmpls.Value(i) == "" {
			out.appendNull()
			continue
		}
		t, err := cache.get(tmpls.Value(i))
		if err != nil {
			return nil, err
		}
		n, err := toNumber(vals.Value(i), t)
		if err != nil {
			return nil, err
		}
		if err := out.append(n); err != nil {
			return nil, err
		}
	}
	return out.newArray(), nil
}
