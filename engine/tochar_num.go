package engine

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// to_char(int4 | int8 | numeric | float4 | float8, text) renders numbers
// with PostgreSQL's numeric template patterns (9 0 . D , G FM S MI PL SG
// PR L TH V EEEE RN) in the C locale. PostgreSQL first turns the value
// into a digit string whose shape depends on its type (integers exactly,
// numeric rounded half away from zero, floats through printf's %f with at
// most 15 or 6 significant digits, '#' everywhere on overflow), then lays
// that string over the template; both steps are reproduced here, quirks
// included, because clients compare the padded output byte for byte.

// numKeyword is a pattern of a numeric template.
type numKeyword int

const (
	nkLiteral numKeyword = iota
	nkComma
	nkPoint
	nkZero
	nkNine
	nkBlank // B: accepted, prints nothing
	nkC     // C: accepted, prints nothing
	nkD
	nkEEEE
	nkFM
	nkG
	nkL
	nkMI
	nkPL
	nkPR
	nkRN
	nkRNLower
	nkSG
	nkSP // SP: accepted, prints nothing
	nkS
	nkTH
	nkTHLower
	nkV
)

// numPatterns are the keywords in the order PostgreSQL tries them at a
// position (longer ones before their prefixes); matching is case
// sensitive, lower case being a separate spelling of each keyword.
var numPatterns = []struct {
	text string
	kw   numKeyword
}{
	{",", nkComma}, {".", nkPoint}, {"0", nkZero}, {"9", nkNine},
	{"B", nkBlank}, {"C", nkC}, {"D", nkD}, {"EEEE", nkEEEE}, {"FM", nkFM}, {"G", nkG}, {"L", nkL},
	{"MI", nkMI}, {"PL", nkPL}, {"PR", nkPR}, {"RN", nkRN}, {"SG", nkSG}, {"SP", nkSP}, {"S", nkS},
	{"TH", nkTH}, {"V", nkV},
	{"b", nkBlank}, {"c", nkC}, {"d", nkD}, {"eeee", nkEEEE}, {"fm", nkFM}, {"g", nkG}, {"l", nkL},
	{"mi", nkMI}, {"pl", nkPL}, {"pr", nkPR}, {"rn", nkRNLower}, {"sg", nkSG}, {"sp", nkSP}, {"s", nkS},
	{"th", nkTHLower}, {"v", nkV},
}

// numFlags are what a template asks for as a whole.
type numFlags uint16

const (
	nfDecimal    numFlags = 1 << iota // . or D seen: later digits are fraction digits
	nfZero                            // a 0 before the decimal point: pad with zeros from there
	nfBlank                           // B before any digit: only matters to EEEE's checks
	nfFill                            // FM: no padding, no trailing fraction zeros of 9s
	nfLocaleSign                      // S
	nfBracket                         // PR
	nfMinus                           // MI or SG
	nfPlus                            // PL or SG
	nfRoman                           // RN
	nfMulti                           // V
	nfEEEE                            // EEEE
)

// Where S puts the sign.
const (
	signNone = 0
	signPre  = -1
	signPost = 1
)

// numNode is a keyword or literal text of a template.
type numNode struct {
	kw   numKeyword
	text string // nkLiteral
}

// numTemplate is a parsed template: its nodes and the digit layout they
// describe. A value's formatting works on a copy, since the layout is
// adjusted per value (V widens it, floats lose fraction digits, RN drops
// it).
type numTemplate struct {
	nodes     []numNode
	flags     numFlags
	pre, post int // digit positions before and after the decimal point
	lsign     int // signNone, signPre or signPost
	preLsign  int // digits before S when S leads
	multi     int // digits after V: the value is multiplied by 10^multi
	zeroStart int // 1-based position of the first leading 0, 0 if none
	zeroEnd   int // position of the last 0
}

func (t *numTemplate) has(f numFlags) bool { return t.flags&f != 0 }

func numSyntaxError(format string, args ...any) *pgerror.Error {
	return pgerror.New(pgerror.SyntaxError, format, args...)
}

// parseNumTemplate splits a template into keywords and literal text (a
// double-quoted string is literal, a backslash quoting the next character;
// outside quotes a backslash only quotes a double quote) and checks the
// combination of keywords as PostgreSQL does, with its messages.
func parseNumTemplate(tmpl string) (*numTemplate, error) {
	t := &numTemplate{}
	literal := func(s string) {
		if n := len(t.nodes); n > 0 && t.nodes[n-1].kw == nkLiteral {
			t.nodes[n-1].text += s
			return
		}
		t.nodes = append(t.nodes, numNode{kw: nkLiteral, text: s})
	}
	for i := 0; i < len(tmpl); {
		matched := false
		for _, p := range numPatterns {
			if strings.HasPrefix(tmpl[i:], p.text) {
				if err := t.add(p.kw); err != nil {
					return nil, err
				}
				t.nodes = append(t.nodes, numNode{kw: p.kw})
				i += len(p.text)
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		switch c := tmpl[i]; {
		case c == '"':
			var sb strings.Builder
			for i++; i < len(tmpl); i++ {
				if tmpl[i] == '"' {
					i++
					break
				}
				if tmpl[i] == '\\' && i+1 < len(tmpl) {
					i++
				}
				sb.WriteByte(tmpl[i])
			}
			literal(sb.String())
		case c == '\\' && i+1 < len(tmpl) && tmpl[i+1] == '"':
			literal(`"`)
			i += 2
		default:
			literal(tmpl[i : i+1])
			i++
		}
	}
	return t, nil
}

// add records keyword kw in the layout, rejecting the combinations
// PostgreSQL rejects.
func (t *numTemplate) add(kw numKeyword) error {
	if t.has(nfEEEE) && kw != nkEEEE {
		return numSyntaxError(`"EEEE" must be the last pattern used`)
	}
	switch kw {
	case nkNine:
		if t.has(nfBracket) {
			return numSyntaxError(`"9" must be ahead of "PR"`)
		}
		switch {
		case t.has(nfMulti):
			t.multi++
		case t.has(nfDecimal):
			t.post++
		default:
			t.pre++
		}
	case nkZero:
		if t.has(nfBracket) {
			return numSyntaxError(`"0" must be ahead of "PR"`)
		}
		if !t.has(nfZero) && !t.has(nfDecimal) {
			t.flags |= nfZero
			t.zeroStart = t.pre + 1
		}
		if t.has(nfDecimal) {
			t.post++
		} else {
			t.pre++
		}
		t.zeroEnd = t.pre + t.post
	case nkBlank:
		if t.pre == 0 && t.post == 0 && !t.has(nfZero) {
			t.flags |= nfBlank
		}
	case nkD, nkPoint:
		if t.has(nfDecimal) {
			return numSyntaxError("multiple decimal points")
		}
		if t.has(nfMulti) {
			return numSyntaxError(`cannot use "V" and decimal point together`)
		}
		t.flags |= nfDecimal
	case nkFM:
		t.flags |= nfFill
	case nkS:
		if t.has(nfLocaleSign) {
			return numSyntaxError(`cannot use "S" twice`)
		}
		if t.has(nfPlus) || t.has(nfMinus) || t.has(nfBracket) {
			return numSyntaxError(`cannot use "S" and "PL"/"MI"/"SG"/"PR" together`)
		}
		t.flags |= nfLocaleSign
		if t.has(nfDecimal) {
			t.lsign = signPost
		} else {
			t.lsign, t.preLsign = signPre, t.pre
		}
	case nkMI:
		if t.has(nfLocaleSign) {
			return numSyntaxError(`cannot use "S" and "MI" together`)
		}
		t.flags |= nfMinus
	case nkPL:
		if t.has(nfLocaleSign) {
			return numSyntaxError(`cannot use "S" and "PL" together`)
		}
		t.flags |= nfPlus
	case nkSG:
		if t.has(nfLocaleSign) {
			return numSyntaxError(`cannot use "S" and "SG" together`)
		}
		t.flags |= nfMinus | nfPlus
	case nkPR:
		if t.has(nfLocaleSign) || t.has(nfPlus) || t.has(nfMinus) {
			return numSyntaxError(`cannot use "PR" and "S"/"PL"/"MI"/"SG" together`)
		}
		t.flags |= nfBracket
	case nkRN, nkRNLower:
		t.flags |= nfRoman
	case nkV:
		if t.has(nfDecimal) {
			return numSyntaxError(`cannot use "V" and decimal point together`)
		}
		t.flags |= nfMulti
	case nkEEEE:
		if t.has(nfEEEE) {
			return numSyntaxError(`cannot use "EEEE" twice`)
		}
		if t.has(nfBlank | nfFill | nfLocaleSign | nfBracket | nfMinus | nfPlus | nfRoman | nfMulti) {
			return numSyntaxError(`"EEEE" is incompatible with other formats`).
				WithDetail(`"EEEE" may only be used together with digit and decimal point patterns.`)
		}
		t.flags |= nfEEEE
	}
	return nil
}

// numParts is a value made ready for a template the way PostgreSQL's
// per-type to_char functions do: num holds its unsigned digits with '.'
// and the fraction (or '#' in every position on overflow, a Roman
// numeral, or the whole output for EEEE), preSpaces the unused integer
// positions, and pre/post the layout as adjusted for the value.
type numParts struct {
	num       string
	sign      byte // '+', '-', or 0 for Roman numerals
	preSpaces int
	pre, post int
}

// fit places num in the pre integer positions: padded when shorter, all
// '#' when longer.
func (p *numParts) fit(sign byte, num string) {
	p.sign = sign
	intLen := strings.IndexByte(num, '.')
	if intLen < 0 {
		intLen = len(num)
	}
	switch {
	case intLen < p.pre:
		p.num, p.preSpaces = num, p.pre-intLen
	case intLen > p.pre:
		b := []byte(strings.Repeat("#", p.pre+p.post+1))
		b[p.pre] = '.'
		p.num = string(b)
	default:
		p.num = num
	}
}

func errIntegerRange() error {
	return pgerror.New(pgerror.NumericValueOutOfRange, "integer out of range")
}

func errBigintRange() error {
	return pgerror.New(pgerror.NumericValueOutOfRange, "bigint out of range")
}

// intParts prepares an int4 (wide false; int2 too) or int8 value.
func intParts(t *numTemplate, v int64, wide bool) (numParts, error) {
	p := numParts{pre: t.pre, post: t.post}
	switch {
	case t.has(nfRoman):
		if v < math.MinInt32 || v > math.MaxInt32 {
			return p, errIntegerRange() // PostgreSQL casts an int8 to int4 first
		}
		p.num = toRoman(v)
		return p, nil
	case t.has(nfEEEE):
		if wide { // exactly, through numeric
			p.num = sciDecimal(v < 0, strconv.FormatUint(absU(v), 10), 0, t.post)
		} else { // through float8, so ties round to even
			p.num = sciFloat(float64(v), t.post)
		}
		return p, nil
	}
	if t.multi > 0 {
		if wide {
			if t.multi >= len(pow10s) {
				return p, errBigintRange()
			}
			var ok bool
			if v, ok = mul64(v, pow10s[t.multi]); !ok {
				return p, errBigintRange()
			}
		} else {
			// int4 arithmetic wraps around in PostgreSQL, and 10^10 and
			// more become INT_MIN when cast to int4.
			m := int32(math.MinInt32)
			if t.multi <= 9 {
				m = int32(pow10s[t.multi])
			}
			v = int64(int32(v) * m)
		}
		p.pre += t.multi
	}
	sign := byte('+')
	if v < 0 {
		sign = '-'
	}
	num := strconv.FormatUint(absU(v), 10)
	if p.post > 0 {
		num += "." + strings.Repeat("0", p.post)
	}
	p.fit(sign, num)
	return p, nil
}

// floatParts prepares a float8 value, or a float4 one (single) whose
// value v holds exactly.
func floatParts(t *numTemplate, v float64, single bool) numParts {
	p := numParts{pre: t.pre, post: t.post}
	switch {
	case t.has(nfRoman):
		r := math.RoundToEven(v)
		n := int64(0) // out of int4's range: '#'s
		if r >= math.MinInt32 && r <= math.MaxInt32 {
			n = int64(r)
		}
		p.num = toRoman(n)
		return p
	case t.has(nfEEEE):
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b := []byte(strings.Repeat("#", p.pre+p.post+6))
			b[0], b[p.pre+1] = ' ', '.'
			p.num = string(b)
		} else {
			p.num = sciFloat(v, p.post)
		}
		return p
	}
	if t.multi > 0 {
		if single {
			v = float64(float32(v) * float32(math.Pow10(t.multi)))
		} else {
			v *= math.Pow10(t.multi)
		}
		p.pre += t.multi
	}
	// PostgreSQL keeps at most DBL_DIG (FLT_DIG) significant digits by
	// cutting fraction digits, then lets printf round.
	maxDigits := 15
	if single {
		maxDigits = 6
	}
	if intLen := len(printfFixed(math.Abs(v), 0)); intLen >= maxDigits {
		p.post = 0
	} else if intLen+p.post > maxDigits {
		p.post = maxDigits - intLen
	}
	s, sign := printfFixed(v, p.post), byte('+')
	if s[0] == '-' {
		s, sign = s[1:], '-'
	}
	p.fit(sign, s)
	return p
}

// printfFixed is PostgreSQL's snprintf %.*f: exact decimal rounding of
// the binary value (ties to even), NaN and Infinity spelled out.
func printfFixed(v float64, prec int) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

// sciFloat is printf's %+.*e with the plus sign shown as a space.
func sciFloat(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'e', prec, 64)
	if s[0] != '-' {
		return " " + s
	}
	return s
}

// decimalParts prepares a numeric value: digits×10^-scale, negative if
// neg; digits holds no sign and scale may be negative.
func decimalParts(t *numTemplate, neg bool, digits string, scale int) (numParts, error) {
	p := numParts{pre: t.pre, post: t.post}
	switch {
	case t.has(nfRoman):
		ip, _ := roundDigits(digits, scale, 0)
		if len(ip) > 10 {
			return p, errIntegerRange()
		}
		n, _ := strconv.ParseInt(ip, 10, 64)
		if neg {
			n = -n
		}
		if n < math.MinInt32 || n > math.MaxInt32 {
			return p, errIntegerRange()
		}
		p.num = toRoman(n)
		return p, nil
	case t.has(nfEEEE):
		p.num = sciDecimal(neg, digits, scale, t.post)
		return p, nil
	}
	if t.multi > 0 {
		scale -= t.multi
		p.pre += t.multi
	}
	ip, fp := roundDigits(digits, scale, p.post)
	sign := byte('+')
	if neg && (ip != "0" || strings.Trim(fp, "0") != "") {
		sign = '-' // numeric has no negative zero
	}
	num := ip
	if p.post > 0 {
		num += "." + fp
	}
	p.fit(sign, num)
	return p, nil
}

// roundDigits rounds digits×10^-scale to frac fraction digits, half away
// from zero, exactly. It returns the integer digits without leading zeros
// ("0" when none) and the frac fraction digits.
func roundDigits(digits string, scale, frac int) (string, string) {
	d := []byte(digits)
	if scale < 0 {
		d = append(d, strings.Repeat("0", -scale)...)
		scale = 0
	}
	if len(d) <= scale { // at least one integer digit
		d = append([]byte(strings.Repeat("0", scale-len(d)+1)), d...)
	}
	switch {
	case scale > frac:
		keep := len(d) - (scale - frac)
		up := d[keep] >= '5'
		d = d[:keep]
		if up {
			i := len(d) - 1
			for ; i >= 0 && d[i] == '9'; i-- {
				d[i] = '0'
			}
			if i >= 0 {
				d[i]++
			} else {
				d = append([]byte{'1'}, d...)
			}
		}
	case scale < frac:
		d = append(d, strings.Repeat("0", frac-scale)...)
	}
	ip := strings.TrimLeft(string(d[:len(d)-frac]), "0")
	if ip == "" {
		ip = "0"
	}
	return ip, string(d[len(d)-frac:])
}

// sciDecimal renders digits×10^-scale as PostgreSQL's numeric does in
// scientific notation: one integer digit before rounding to prec fraction
// digits (so 9.99 to one digit is 10.0e+00), an exponent of at least two
// digits, and a space where a positive number's sign would be.
func sciDecimal(neg bool, digits string, scale, prec int) string {
	d := strings.TrimLeft(digits, "0")
	exp := 0
	ip, fp := "0", strings.Repeat("0", prec)
	if d != "" {
		exp = len(d) - scale - 1
		ip, fp = roundDigits(d, len(d)-1, prec)
	}
	b := []byte{' '}
	if neg && d != "" {
		b[0] = '-'
	}
	b = append(b, ip...)
	if prec > 0 {
		b = append(append(b, '.'), fp...)
	}
	b = append(b, 'e')
	if exp < 0 {
		b, exp = append(b, '-'), -exp
	} else {
		b = append(b, '+')
	}
	if exp < 10 {
		b = append(b, '0')
	}
	return string(strconv.AppendInt(b, int64(exp), 10))
}

// toRoman is n in Roman numerals, or 15 '#' outside 1..3999 (Roman
// numerals have no zero, and more than three M's is not a numeral).
func toRoman(n int64) string {
	if n < 1 || n > 3999 {
		return strings.Repeat("#", 15)
	}
	units := [...][]string{
		{"", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"},
		{"", "X", "XX", "XXX", "XL", "L", "LX", "LXX", "LXXX", "XC"},
		{"", "C", "CC", "CCC", "CD", "D", "DC", "DCC", "DCCC", "CM"},
		{"", "M", "MM", "MMM"},
	}
	var sb strings.Builder
	for place, div := 3, int64(1000); place >= 0; place, div = place-1, div/10 {
		sb.WriteString(units[place][n/div%10])
	}
	return sb.String()
}

// numWriter lays a value's numParts over a template, position by
// position, as PostgreSQL's NUM_processor does.
type numWriter struct {
	t         numTemplate // the value's copy
	num       string
	sign      byte
	preSpaces int
	signDone  bool // the sign (or its blank) is out, or needs no place
	inNumber  bool // the last digit position printed a digit: separators show
	lastDigit int  // with FM: the last fraction character to print, -1 for all
	count     int  // digit positions, less one unless a sign takes one
	cur       int  // the current digit position
	p         int  // the next character of num
	out       []byte
}

// at is num[i], or 0 past its end: PostgreSQL then writes a NUL that ends
// its output, which formatNumber reproduces by cutting there.
func (w *numWriter) at(i int) byte {
	if i < len(w.num) {
		return w.num[i]
	}
	return 0
}

// blankBeforePoint: a value below 1 shows no 0 before the decimal point
// ("9.9" of 0.1 is "  .1") unless the template has a leading 0.
func (w *numWriter) blankBeforePoint() bool {
	return !w.t.has(nfZero) && w.p == 0 && w.at(0) == '0' && w.t.post != 0
}

// lastIsPoint: FM drops every fraction digit.
func (w *numWriter) lastIsPoint() bool {
	return w.lastDigit >= 0 && w.num[w.lastDigit] == '.'
}

func (w *numWriter) localeSign() {
	if w.sign == '-' {
		w.out = append(w.out, '-')
	} else {
		w.out = append(w.out, '+')
	}
}

// leadingSign writes the sign before the first digit shown.
func (w *numWriter) leadingSign() {
	switch {
	case w.t.has(nfLocaleSign):
		if w.t.lsign == signPre {
			w.localeSign()
			w.signDone = true
		}
	case w.t.has(nfBracket):
		if w.sign == '+' {
			w.out = append(w.out, ' ')
		} else {
			w.out = append(w.out, '<')
		}
		w.signDone = true
	case w.sign == '+':
		if !w.t.has(nfFill) {
			w.out = append(w.out, ' ')
		}
		w.signDone = true
	case w.sign == '-':
		w.out = append(w.out, '-')
		w.signDone = true
	}
}

// digit handles a 9, 0, . or D position.
func (w *numWriter) digit(kw numKeyword) {
	if w.t.has(nfRoman) {
		return
	}
	w.inNumber = false
	fill, zero := w.t.has(nfFill), w.t.has(nfZero)
	if !w.signDone && (w.cur >= w.preSpaces || (zero && w.t.zeroStart == w.cur)) &&
		(!w.blankBeforePoint() || w.lastIsPoint()) {
		w.leadingSign()
	}
	switch {
	case w.cur < w.preSpaces && (w.t.zeroStart > w.cur || !zero):
		if !fill {
			w.out = append(w.out, ' ')
		}
	case zero && w.cur < w.preSpaces && w.t.zeroStart <= w.cur:
		w.out = append(w.out, '0')
		w.inNumber = true
	default:
		if c := w.at(w.p); c == '.' {
			if !w.lastIsPoint() || fill {
				w.out = append(w.out, '.')
			}
		} else {
			switch {
			case w.lastDigit >= 0 && w.p > w.lastDigit && kw != nkZero:
			case w.blankBeforePoint():
				if !fill {
					w.out = append(w.out, ' ')
				} else if w.lastIsPoint() {
					w.out = append(w.out, '0')
				}
			default:
				w.out = append(w.out, c)
				w.inNumber = true
			}
		}
		if w.p < len(w.num) {
			w.p++
		}
	}
	end := w.count
	if w.preSpaces > 0 {
		end++
	}
	if w.t.has(nfDecimal) {
		end++
	}
	if w.lastDigit >= 0 && w.lastDigit == w.p {
		end = w.cur
	}
	if w.cur+1 == end {
		switch {
		case w.signDone && w.t.has(nfBracket):
			if w.sign == '+' {
				w.out = append(w.out, ' ')
			} else {
				w.out = append(w.out, '>')
			}
		case w.t.has(nfLocaleSign) && w.t.lsign == signPost:
			w.localeSign()
		}
	}
	w.cur++
}

// formatNumber appends a value's text to dst.
func formatNumber(dst []byte, t *numTemplate, parts numParts) ([]byte, error) {
	if t.has(nfEEEE) {
		return append(dst, parts.num...), nil // EEEE prints the number alone
	}
	w := numWriter{t: *t, num: parts.num, sign: parts.sign, preSpaces: parts.preSpaces, lastDigit: -1, out: dst}
	w.t.pre, w.t.post = parts.pre, parts.post
	if w.t.zeroStart > 0 {
		w.t.zeroStart-- // 0-based from here
	}
	if w.t.has(nfRoman) {
		w.t.lsign, w.t.preLsign, w.t.pre, w.t.post = signNone, 0, 0, 0
		w.preSpaces, w.sign = 0, 0
		w.t.flags &= nfFill
		w.t.flags |= nfRoman
	}
	if w.t.has(nfPlus) || w.t.has(nfMinus) {
		w.signDone = !w.t.has(nfPlus) || w.t.has(nfMinus) // MI, SG: the sign has its own place
	} else {
		if w.sign != '-' && w.t.has(nfFill) {
			w.t.flags &^= nfBracket
		}
		w.signDone = w.sign == '+' && w.t.has(nfFill) && !w.t.has(nfLocaleSign)
		if w.t.lsign == signPre && w.t.pre == w.t.preLsign {
			w.t.lsign = signPost // S after all integer digits
		}
	}
	w.count = w.t.post + w.t.pre - 1
	if w.t.has(nfFill) && w.t.has(nfDecimal) {
		if i := strings.IndexByte(w.num, '.'); i >= 0 {
			w.lastDigit = i
			for j := i + 1; j < len(w.num); j++ {
				if w.num[j] != '0' {
					w.lastDigit = j
				}
			}
			if w.t.zeroEnd > w.preSpaces { // keep the fraction's 0 positions
				if z := min(len(w.num)-1, w.t.zeroEnd-w.preSpaces); w.lastDigit < z {
					w.lastDigit = z
				}
			}
		}
	}
	if !w.signDone && w.preSpaces == 0 {
		w.count++
	}
	start := len(w.out)
	for _, n := range w.t.nodes {
		fill := w.t.has(nfFill)
		switch n.kw {
		case nkLiteral:
			w.out = append(w.out, n.text...)
		case nkNine, nkZero, nkPoint, nkD:
			w.digit(n.kw)
		case nkComma, nkG:
			switch {
			case w.inNumber:
				w.out = append(w.out, ',')
			case !fill:
				w.out = append(w.out, ' ')
			}
		case nkL:
			w.out = append(w.out, ' ') // the C locale has no currency symbol
		case nkRN, nkRNLower:
			r := w.num[w.p:]
			if n.kw == nkRNLower {
				r = strings.ToLower(r)
			}
			if !fill {
				for k := len(r); k < 15; k++ {
					w.out = append(w.out, ' ')
				}
			}
			w.out = append(w.out, r...)
		case nkTH, nkTHLower:
			if w.t.has(nfRoman) || w.num[0] == '#' || w.sign == '-' || w.t.has(nfDecimal) {
				continue
			}
			if c := w.num[len(w.num)-1]; c < '0' || c > '9' {
				return nil, pgerror.New(pgerror.InvalidTextRepresentation, "\"%s\" is not a number", w.num)
			}
			tc := caseUpper
			if n.kw == nkTHLower {
				tc = caseLower
			}
			w.out = append(w.out, ordinal(w.num, tc)...)
		case nkMI:
			switch {
			case w.sign == '-':
				w.out = append(w.out, '-')
			case !fill:
				w.out = append(w.out, ' ')
			}
		case nkPL:
			switch {
			case w.sign == '+':
				w.out = append(w.out, '+')
			case !fill:
				w.out = append(w.out, ' ')
			}
		case nkSG:
			w.out = append(w.out, w.sign) // a Roman numeral's 0 ends the text
		}
	}
	if i := strings.IndexByte(string(w.out[start:]), 0); i >= 0 {
		w.out = w.out[:start+i]
	}
	return w.out, nil
}

// numberParts returns a function preparing value i of a for a template,
// by PostgreSQL's to_char variant for its type: int4 for int2 and int4
// (and the unsigned types that fit), int8, numeric (decimal128, riffq's
// numeric, uint64), float4 and float8. ok is false when a holds no
// numbers.
func numberParts(a arrow.Array) (parts func(i int, t *numTemplate) (numParts, error), ok bool, err error) {
	ints := func(get func(i int) int64, wide bool) func(int, *numTemplate) (numParts, error) {
		return func(i int, t *numTemplate) (numParts, error) { return intParts(t, get(i), wide) }
	}
	floats := func(get func(i int) float64, single bool) func(int, *numTemplate) (numParts, error) {
		return func(i int, t *numTemplate) (numParts, error) { return floatParts(t, get(i), single), nil }
	}
	switch c := a.(type) {
	case *array.Int8:
		return ints(func(i int) int64 { return int64(c.Value(i)) }, false), true, nil
	case *array.Int16:
		return ints(func(i int) int64 { return int64(c.Value(i)) }, false), true, nil
	case *array.Int32:
		return ints(func(i int) int64 { return int64(c.Value(i)) }, false), true, nil
	case *array.Uint8:
		return ints(func(i int) int64 { return int64(c.Value(i)) }, false), true, nil
	case *array.Uint16:
		return ints(func(i int) int64 { return int64(c.Value(i)) }, false), true, nil
	case *array.Uint32:
		return ints(func(i int) int64 { return int64(c.Value(i)) }, true), true, nil
	case *array.Int64:
		return ints(c.Value, true), true, nil
	case *array.Uint64:
		return func(i int, t *numTemplate) (numParts, error) {
			return decimalParts(t, false, strconv.FormatUint(c.Value(i), 10), 0)
		}, true, nil
	case *array.Float16:
		return floats(func(i int) float64 { return float64(c.Value(i).Float32()) }, true), true, nil
	case *array.Float32:
		return floats(func(i int) float64 { return float64(c.Value(i)) }, true), true, nil
	case *array.Float64:
		return floats(c.Value, false), true, nil
	case *array.Decimal128, *pgtypes.NumericArray:
		read, err := numReader(a)
		if err != nil {
			return nil, true, err
		}
		return func(i int, t *numTemplate) (numParts, error) {
			n, _, err := read(i)
			if err != nil {
				return numParts{}, err
			}
			if n.big != nil {
				return decimalParts(t, n.big.Sign() < 0, new(big.Int).Abs(n.big).Text(10), int(n.scale))
			}
			return decimalParts(t, n.small < 0, strconv.FormatUint(absU(n.small), 10), int(n.scale))
		}, true, nil
	}
	return nil, false, nil
}

// numTemplateCache keeps the last template parsed: a column is usually
// formatted with one template.
type numTemplateCache struct {
	text   string
	parsed *numTemplate
	err    error
}

func (c *numTemplateCache) get(tmpl string) (*numTemplate, error) {
	if (c.parsed == nil && c.err == nil) || tmpl != c.text {
		c.text = tmpl
		c.parsed, c.err = parseNumTemplate(tmpl)
	}
	return c.parsed, c.err
}

// toCharNumbers formats the numbers of vals with the templates of ts.
// NULL gives NULL; an empty template gives an empty string, as in
// PostgreSQL (whose date/time to_char gives NULL there instead). A
// template's errors show only for non-NULL values, which PostgreSQL's
// strict functions are the first to see.
func toCharNumbers(vals arrow.Array, ts *array.String, parts func(int, *numTemplate) (numParts, error), cache *numTemplateCache) (compute.Datum, error) {
	out := array.NewStringBuilder(memory.DefaultAllocator)
	defer out.Release()
	var buf []byte
	for i := range vals.Len() {
		if vals.IsNull(i) || ts.IsNull(i) {
			out.AppendNull()
			continue
		}
		if ts.Value(i) == "" {
			out.Append("")
			continue
		}
		t, err := cache.get(ts.Value(i))
		if err != nil {
			return nil, err
		}
		p, err := parts(i, t)
		if err != nil {
			return nil, err
		}
		if buf, err = formatNumber(buf[:0], t, p); err != nil {
			return nil, err
		}
		out.BinaryBuilder.Append(buf)
	}
	return compute.NewDatumWithoutOwning(out.NewArray()), nil
}
