package engine

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/internal/pgtypes"
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
	case "name_byte":
		// name[i]: byte i (from 0) of a name, NULL past its 64.
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			a := argReader{in}
			return stringFunc(mem, in, func(r int) (string, bool, error) {
				if a.null(r) {
					return "", false, nil
				}
				s, i := a.str(0, r), a.int(1, r)
				switch {
				case i < 0 || i >= 64:
					return "", false, nil
				case i >= int64(len(s)):
					return "", true, nil // the name's NUL padding
				}
				return s[i : i+1], true, nil
			})
		}
	case "set_config_per_row":
		// set_config of values read per row (planner.bindSetConfig):
		// refused for the first row that reaches it.
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) {
				return "", pgerror.New(pgerror.FeatureNotSupported, "set_config() of anything but constants is not supported yet")
			})
		}
	case "declared_type":
		// A select-list value marked with the type its cast declares
		// (planner/declared.go): the value itself.
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			in[0].Retain()
			return in[0], nil
		}
	case "bpchar":
		// A character(n) value as text: without its trailing spaces.
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) {
				return strings.TrimRight(a.str(0, r), " "), nil
			})
		}
	case "bpchar_pad":
		// A value made character(n): spaces up to n characters (a longer
		// one is cut, or refused on assignment, by the caller).
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) {
				s, n := a.str(0, r), int(a.int(1, r))
				if k := utf8.RuneCountInString(s); k < n {
					return s + strings.Repeat(" ", n-k), nil
				}
				return s, nil
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
				case n < 0:
					return "", pgerror.New(pgerror.InvalidParameterValue, "character number must be positive")
				case n > utf8.MaxRune || n >= 0xD800 && n <= 0xDFFF:
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
					// Under the C locale, only ASCII letters and digits
					// make words (é ends one, as there).
					alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
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
	case "lpad", "rpad":
		left := name == "lpad"
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) {
				fill := " "
				if len(in) == 3 {
					fill = a.str(2, r)
				}
				return pad(a.str(0, r), a.int(1, r), fill, left)
			})
		}
	case "split_part":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) {
				return splitPart(a.str(0, r), a.str(1, r), a.int(2, r))
			})
		}
	case "md5":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) {
				sum := md5.Sum([]byte(a.str(0, r)))
				return hex.EncodeToString(sum[:]), nil
			})
		}
	case "quote_literal":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) { return quoteLiteral(a.str(0, r)), nil })
		}
	case "quote_nullable":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return stringFunc(mem, in, func(r int) (string, bool, error) {
				if in[0].IsNull(r) {
					return "NULL", true, nil
				}
				return quoteLiteral(in[0].(*array.String).Value(r)), true, nil
			})
		}
	case "to_hex":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) {
				v := a.int(0, r)
				if _, ok := in[0].(*array.Int64); ok {
					return strconv.FormatUint(uint64(v), 16), nil
				}
				return strconv.FormatUint(uint64(uint32(v)), 16), nil // two's complement of int4
			})
		}
	case "octet_length", "bit_length":
		bits := int32(1)
		if name == "bit_length" {
			bits = 8
		}
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictInt32Func(mem, in, func(a argReader, r int) int32 { return int32(len(a.str(0, r))) * bits })
		}
	case "starts_with":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictBoolFunc(mem, in, func(a argReader, r int) (bool, error) {
				return strings.HasPrefix(a.str(0, r), a.str(1, r)), nil
			})
		}
	case "concat_ws":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return stringFunc(mem, in, func(r int) (string, bool, error) {
				if in[0].IsNull(r) {
					return "", false, nil
				}
				var parts []string
				for _, c := range in[1:] {
					if c.IsValid(r) {
						parts = append(parts, c.(*array.String).Value(r))
					}
				}
				return strings.Join(parts, in[0].(*array.String).Value(r)), true, nil
			})
		}
	case "format":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return stringFunc(mem, in, func(r int) (string, bool, error) {
				if in[0].IsNull(r) {
					return "", false, nil
				}
				args := make([]*string, len(in)-1)
				for i, c := range in[1:] {
					if c.IsValid(r) {
						v := c.(*array.String).Value(r)
						args[i] = &v
					}
				}
				out, err := formatText(in[0].(*array.String).Value(r), args)
				return out, err == nil, err
			})
		}
	case "overlay":
		// overlay(s PLACING sub FROM start [FOR count]): s's characters
		// before start, sub, then s from start+count (count defaults to
		// sub's length).
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) {
				s, sub := []rune(a.str(0, r)), a.str(1, r)
				start, count := a.int(2, r), int64(utf8.RuneCountInString(sub))
				if len(in) > 3 {
					count = a.int(3, r)
				}
				if start < 1 {
					return "", pgerror.New("22011", "negative substring length not allowed")
				}
				// The tail is substring(s FROM start+count): all of s when
				// a negative count puts that before its first character.
				head := s[:min(start-1, int64(len(s)))]
				tail := []rune(nil)
				if end := max(start-1+count, 0); end < int64(len(s)) {
					tail = s[end:]
				}
				return string(head) + sub + string(tail), nil
			})
		}
	case "bytea_length":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			b := array.NewInt32Builder(mem)
			defer b.Release()
			v := in[0].(*array.Binary)
			for i := range v.Len() {
				if v.IsNull(i) {
					b.AppendNull()
				} else {
					b.Append(int32(len(v.Value(i))))
				}
			}
			return b.NewArray(), nil
		}
	case "bytea_sha224", "bytea_sha256", "bytea_sha384", "bytea_sha512":
		sum := map[string]func([]byte) []byte{
			"bytea_sha224": func(p []byte) []byte { h := sha256.Sum224(p); return h[:] },
			"bytea_sha256": func(p []byte) []byte { h := sha256.Sum256(p); return h[:] },
			"bytea_sha384": func(p []byte) []byte { h := sha512.Sum384(p); return h[:] },
			"bytea_sha512": func(p []byte) []byte { h := sha512.Sum512(p); return h[:] },
		}[name]
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			b := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
			defer b.Release()
			v := in[0].(*array.Binary)
			for i := range v.Len() {
				if v.IsNull(i) {
					b.AppendNull()
				} else {
					b.Append(sum(v.Value(i)))
				}
			}
			return b.NewArray(), nil
		}
	case "bytea_md5":
		// md5 of bytea is text: the digest in hex, as md5 of text.
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			b := array.NewStringBuilder(mem)
			defer b.Release()
			v := in[0].(*array.Binary)
			for i := range v.Len() {
				if v.IsNull(i) {
					b.AppendNull()
					continue
				}
				sum := md5.Sum(v.Value(i))
				b.Append(hex.EncodeToString(sum[:]))
			}
			return b.NewArray(), nil
		}
	case "regexp_replace", "regexp_match", "regexp_split_to_array", "regexp_count", "regexp_like", "string_to_array", "acldefault",
		"regexp_substr", "regexp_instr", "regexp_replace_n",
		"substring_regex", "similar_to_escape", "regexp_matches_all":
		return regexpFunction(name)
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
	return strictFunc(array.NewInt32Builder(mem), in, func(a argReader, r int) (int32, error) { return f(a, r), nil })
}

// strictFunc builds with b the value f gives each row whose arguments are
// all non-NULL, and NULL for the others (PostgreSQL's STRICT functions).
func strictFunc[T any, B interface {
	AppendNull()
	Append(T)
	NewArray() arrow.Array
	Release()
}](b B, in []arrow.Array, f func(a argReader, r int) (T, error)) (arrow.Array, error) {
	defer b.Release()
	a := argReader{in}
	for r := range in[0].Len() {
		if a.null(r) {
			b.AppendNull()
			continue
		}
		v, err := f(a, r)
		if err != nil {
			return nil, err
		}
		b.Append(v)
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
	case *pgtypes.NumericArray:
		// Each value with its own scale, to the one of the result.
		read, err := numReader(v)
		if err != nil {
			return nil, err
		}
		b := array.NewDecimal128Builder(mem, out.(*arrow.Decimal128Type))
		defer b.Release()
		for i := range v.Len() {
			n, ok, err := read(i)
			if err != nil {
				return nil, err
			}
			if !ok {
				b.AppendNull()
				continue
			}
			num, err := roundDecimal(n.bigInt(), n.scale, scale, name)
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

// strictBoolFunc is a boolean function of its arguments, NULL when one is.
func strictBoolFunc(mem memory.Allocator, in []arrow.Array, f func(a argReader, r int) (bool, error)) (arrow.Array, error) {
	return strictFunc(array.NewBooleanBuilder(mem), in, f)
}

// pad is lpad (left) and rpad: s filled with fill to n characters, or cut
// to n; an empty fill only cuts.
func pad(s string, n int64, fill string, left bool) (string, error) {
	if n <= 0 {
		return "", nil
	}
	if n > 1<<28 {
		return "", pgerror.New("54000", "requested length too large")
	}
	runes := []rune(s)
	if int64(len(runes)) >= n || fill == "" {
		return string(runes[:min(int64(len(runes)), n)]), nil
	}
	f := []rune(fill)
	padding := make([]rune, 0, n-int64(len(runes)))
	for i := 0; int64(len(padding)) < n-int64(len(runes)); i++ {
		padding = append(padding, f[i%len(f)])
	}
	if left {
		return string(padding) + s, nil
	}
	return s + string(padding), nil
}

// splitPart is split_part: field n (1-based; negative counts from the
// end) of s split at delim.
func splitPart(s, delim string, n int64) (string, error) {
	if n == 0 {
		return "", pgerror.New("22023", "field position must not be zero")
	}
	var fields []string
	switch {
	case s == "":
		return "", nil
	case delim == "":
		fields = []string{s}
	default:
		fields = strings.Split(s, delim)
	}
	if n < 0 {
		n += int64(len(fields)) + 1
	}
	if n < 1 || n > int64(len(fields)) {
		return "", nil
	}
	return fields[n-1], nil
}

// quoteLiteral quotes s as a string literal: quotes doubled, and with a
// backslash present the E'...' form with backslashes doubled.
func quoteLiteral(s string) string {
	var sb strings.Builder
	if strings.Contains(s, `\`) {
		sb.WriteByte('E')
	}
	sb.WriteByte('\'')
	for _, c := range s {
		switch c {
		case '\'':
			sb.WriteString("''")
		case '\\':
			sb.WriteString(`\\`)
		default:
			sb.WriteRune(c)
		}
	}
	sb.WriteByte('\'')
	return sb.String()
}

// formatText is format(): %s (NULL as empty), %I (quoted as an
// identifier), %L (quoted as a literal, NULL unquoted) and %%, with
// optional argument positions (%2$s) and widths (%-10s, %*s).
func formatText(f string, args []*string) (string, error) {
	var sb strings.Builder
	next := 0
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			sb.WriteByte(f[i])
			continue
		}
		i++
		if i >= len(f) {
			return "", pgerror.New("22023", "unterminated format() type specifier").WithHint(`For a single "%%" use "%%%%".`)
		}
		if f[i] == '%' {
			sb.WriteByte('%')
			continue
		}
		// [position$][flags][width]type
		readInt := func() (int, bool) {
			start := i
			for i < len(f) && f[i] >= '0' && f[i] <= '9' {
				i++
			}
			if i == start {
				return 0, false
			}
			n, err := strconv.Atoi(f[start:i])
			return n, err == nil
		}
		argAt := func(n int) (*string, error) {
			if n < 0 || n >= len(args) {
				return nil, pgerror.New("22023", "too few arguments for format()")
			}
			return args[n], nil
		}
		pos, width, widthRead := -1, 0, false
		if n, ok := readInt(); ok {
			if i < len(f) && f[i] == '$' {
				if n == 0 {
					return "", pgerror.New("22023", "format specifies argument 0, but arguments are numbered from 1")
				}
				pos = n - 1
				i++
			} else {
				width, widthRead = n, true // digits without $ are the width
			}
		}
		leftAlign := false
		for !widthRead && i < len(f) && f[i] == '-' {
			leftAlign = true
			i++
		}
		switch {
		case widthRead:
		case i < len(f) && f[i] == '*':
			i++
			w, err := argAt(next)
			if err != nil {
				return "", err
			}
			next++
			if w != nil {
				n, err := strconv.Atoi(*w)
				if err != nil {
					return "", pgerror.New("22023", "invalid width %q", *w)
				}
				width = n
			}
		default:
			width, _ = readInt()
		}
		if width < 0 {
			leftAlign, width = true, -width
		}
		if i >= len(f) {
			return "", pgerror.New("22023", "unterminated format() type specifier").WithHint(`For a single "%%" use "%%%%".`)
		}
		if pos < 0 {
			pos = next
		}
		next = pos + 1
		arg, err := argAt(pos)
		if err != nil {
			return "", err
		}
		var text string
		switch f[i] {
		case 's':
			if arg != nil {
				text = *arg
			}
		case 'I':
			if arg == nil {
				return "", pgerror.New("22004", "null values cannot be formatted as an SQL identifier")
			}
			text = catalog.QuoteIdent(*arg)
		case 'L':
			text = "NULL"
			if arg != nil {
				text = quoteLiteral(*arg)
			}
		default:
			return "", pgerror.New("22023", "unrecognized format() type specifier \"%c\"", f[i]).WithHint(`For a single "%%" use "%%%%".`)
		}
		if n := utf8.RuneCountInString(text); n < width {
			if leftAlign {
				text += strings.Repeat(" ", width-n)
			} else {
				text = strings.Repeat(" ", width-n) + text
			}
		}
		sb.WriteString(text)
	}
	return sb.String(), nil
}
