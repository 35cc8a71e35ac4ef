package engine

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/pgerror"
)

// stringFunc computes a text-returning function row by row; ok false
// yields NULL.
func stringFunc(mem memory.Allocator, in []arrow.Array, f func(row int) (string, bool, error)) (arrow.Array, error) {
	n := in[0].Len()
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for r := range n {
		v, ok, err := f(r)
		if err != nil {
			return nil, err
		}
		if !ok {
			b.AppendNull()
			continue
		}
		b.Append(v)
	}
	return b.NewArray(), nil
}

// strictStringFunc is stringFunc for a function that is NULL whenever an
// argument is (PostgreSQL's STRICT functions): f sees only rows without NULLs.
func strictStringFunc(mem memory.Allocator, in []arrow.Array, f func(a argReader, row int) (string, error)) (arrow.Array, error) {
	a := argReader{in}
	return stringFunc(mem, in, func(r int) (string, bool, error) {
		if a.null(r) {
			return "", false, nil
		}
		v, err := f(a, r)
		return v, err == nil, err
	})
}

// args reads row r of each argument as a string or an int64, reporting
// whether any is NULL.
type argReader struct{ in []arrow.Array }

func (a argReader) null(r int) bool {
	for _, c := range a.in {
		if c.IsNull(r) {
			return true
		}
	}
	return false
}

func (a argReader) str(i, r int) string { return a.in[i].(*array.String).Value(r) }

func (a argReader) int(i, r int) int64 {
	switch c := a.in[i].(type) {
	case *array.Int16:
		return int64(c.Value(r))
	case *array.Int32:
		return int64(c.Value(r))
	case *array.Int64:
		return c.Value(r)
	}
	return 0
}

// textFunction returns the kernel of a text function, or nil.
func textFunction(name string) func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	switch name {
	case "substr", "substring":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) {
				start := a.int(1, r) // 1-based, may be < 1
				end := int64(math.MaxInt64)
				if len(in) == 3 {
					count := a.int(2, r)
					if count < 0 {
						return "", pgerror.New("22011", "negative substring length not allowed")
					}
					if start <= 0 || count < math.MaxInt64-start {
						end = start + count
					}
				}
				lo := max(start, 1)
				if end <= lo {
					return "", nil
				}
				return charRange(a.str(0, r), lo-1, end-1), nil
			})
		}
	case "replace":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) {
				if a.str(1, r) == "" {
					return a.str(0, r), nil
				}
				return strings.ReplaceAll(a.str(0, r), a.str(1, r), a.str(2, r)), nil
			})
		}
	case "btrim", "trim", "ltrim", "rtrim":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) {
				cut := " "
				if len(in) == 2 {
					cut = a.str(1, r)
				}
				s := a.str(0, r)
				switch name {
				case "ltrim":
					return strings.TrimLeft(s, cut), nil
				case "rtrim":
					return strings.TrimRight(s, cut), nil
				}
				return strings.Trim(s, cut), nil
			})
		}
	case "left", "right":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) {
				runes := []rune(a.str(0, r))
				n := int(a.int(1, r))
				if n < 0 {
					n = max(len(runes)+n, 0)
				}
				n = min(n, len(runes))
				if name == "left" {
					return string(runes[:n]), nil
				}
				return string(runes[len(runes)-n:]), nil
			})
		}
	case "translate":
		// Each character of from becomes the character at the same place
		// in to, or is deleted when to is shorter.
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) {
				from, to := []rune(a.str(1, r)), []rune(a.str(2, r))
				var sb strings.Builder
				for _, c := range a.str(0, r) {
					i := slices.Index(from, c)
					switch {
					case i < 0:
						sb.WriteRune(c)
					case i < len(to):
						sb.WriteRune(to[i])
					}
				}
				return sb.String(), nil
			})
		}
	case "chr":
		// The character of a code point (UTF8); 0 and values that are no
		// code point are errors, as in PostgreSQL.
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) {
				n := a.int(0, r)
				switch {
				case n == 0:
					return "", pgerror.New("54000", "null character not permitted")
				case n < 0 || n > utf8.MaxRune || n >= 0xD800 && n <= 0xDFFF:
					return "", pgerror.New("54000", "requested character too large for encoding: %d", n)
				}
				return string(rune(n)), nil
			})
		}
	case "ascii":
		// The code point of the first character; 0 for an empty string.
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictInt32Func(mem, in, func(a argReader, r int) int32 {
				c, _ := utf8.DecodeRuneInString(a.str(0, r))
				if c == utf8.RuneError && a.str(0, r) == "" {
					c = 0
				}
				return int32(c)
			})
		}
	case "repeat":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) {
				n := a.int(1, r)
				if n <= 0 {
					return "", nil
				}
				if n*int64(len(a.str(0, r))) > 1<<30 {
					return "", pgerror.New("54000", "requested length too large")
				}
				return strings.Repeat(a.str(0, r), int(n)), nil
			})
		}
	case "reverse":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) {
				runes := []rune(a.str(0, r))
				for i, j := 0, len(runes)-1; i < j; i, j = i+1, j-1 {
					runes[i], runes[j] = runes[j], runes[i]
				}
				return string(runes), nil
			})
		}
	case "initcap":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) {
				s := []byte(a.str(0, r))
				word := false
				for i, c := range s {
					alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
					switch {
					case alnum && !word && c >= 'a' && c <= 'z':
						s[i] = c - 'a' + 'A'
					case alnum && word && c >= 'A' && c <= 'Z':
						s[i] = c - 'A' + 'a'
					}
					word = alnum
				}
				return string(s), nil
			})
		}
	case "concat":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return stringFunc(mem, in, func(r int) (string, bool, error) {
				var sb strings.Builder
				for _, c := range in {
					if c.IsValid(r) {
						sb.WriteString(c.(*array.String).Value(r))
					}
				}
				return sb.String(), true, nil
			})
		}
	}
	return nil
}

// positionKernel is position(substring IN string) / strpos: the 1-based
// character index of the first occurrence, 0 when absent.
func positionKernel(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	return strictInt32Func(mem, in, func(a argReader, r int) int32 {
		s, sub := a.str(0, r), a.str(1, r)
		i := strings.Index(s, sub)
		if i < 0 {
			return 0
		}
		return int32(utf8.RuneCountInString(s[:i]) + 1)
	})
}

// strictInt32Func is an integer function of text arguments: NULL for a
// NULL argument, f's value otherwise.
func strictInt32Func(mem memory.Allocator, in []arrow.Array, f func(a argReader, r int) int32) (arrow.Array, error) {
	a := argReader{in}
	b := array.NewInt32Builder(mem)
	defer b.Release()
	for r := range in[0].Len() {
		if a.null(r) {
			b.AppendNull()
			continue
		}
		b.Append(f(a, r))
	}
	return b.NewArray(), nil
}

// roundKernel computes round, trunc, ceil and floor over floats (round
// half to even, as rint) and decimals (half away from zero) to a scale.
func roundKernel(mem memory.Allocator, name string, x arrow.Array, scale int32, out arrow.DataType) (arrow.Array, error) {
	switch v := x.(type) {
	case *array.Float64:
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		for i := range v.Len() {
			if v.IsNull(i) {
				b.AppendNull()
				continue
			}
			f := v.Value(i)
			switch name {
			case "round":
				f = math.RoundToEven(f)
			case "trunc":
				f = math.Trunc(f)
			case "ceil", "ceiling":
				f = math.Ceil(f)
			case "floor":
				f = math.Floor(f)
			}
			b.Append(f)
		}
		return b.NewArray(), nil
	case *array.Decimal128:
		from := v.DataType().(*arrow.Decimal128Type).Scale
		b := array.NewDecimal128Builder(mem, out.(*arrow.Decimal128Type))
		defer b.Release()
		for i := range v.Len() {
			if v.IsNull(i) {
				b.AppendNull()
				continue
			}
			num, err := roundDecimal(v.Value(i).BigInt(), from, scale, name)
			if err != nil {
				return nil, err
			}
			b.Append(num)
		}
		return b.NewArray(), nil
	}
	return nil, fmt.Errorf("%s of %s", name, x.DataType())
}

// roundDecimal rounds unscaled/10^from to scale to: round half away from
// zero, trunc toward zero, ceil and floor toward the infinities.
func roundDecimal(n *big.Int, from, to int32, name string) (decimal128.Num, error) {
	if name == "round" || to >= from {
		return pgtext.Rescale(n, from, 38, to)
	}
	div := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(from-to)), nil)
	q, r := new(big.Int).QuoRem(n, div, new(big.Int))
	switch {
	case name == "ceil" || name == "ceiling":
		if r.Sign() > 0 {
			q.Add(q, big.NewInt(1))
		}
	case name == "floor":
		if r.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		}
	}
	return decimal128.FromBigInt(q), nil
}

// charRange returns characters lo to hi (0-based, hi excluded, lo < hi)
// of s, sharing its bytes, decoding no more of it than it needs.
func charRange(s string, lo, hi int64) string {
	start := -1
	var i int64
	for b := range s {
		if i == lo {
			start = b
		}
		if i == hi {
			return s[start:b]
		}
		i++
	}
	if start < 0 {
		return ""
	}
	return s[start:]
}
