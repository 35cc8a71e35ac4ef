package engine

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/internal/pgtext"
)

// catalogFunction returns the kernel of a system information function
// clients call in their catalog queries, or nil.
func catalogFunction(name string) func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	switch name {
	case "format_type":
		// NULL type gives NULL; a NULL typmod means none.
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			a := argReader{in}
			return stringFunc(mem, in, func(r int) (string, bool, error) {
				if in[0].IsNull(r) {
					return "", false, nil
				}
				typmod := int32(-1)
				if len(in) > 1 && !in[1].IsNull(r) {
					typmod = int32(a.int(1, r))
				}
				return catalog.FormatType(a.int(0, r), typmod), true, nil
			})
		}
	case "quote_ident":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) { return quoteIdent(a.str(0, r)), nil })
		}
	case "pg_size_pretty":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) { return sizePretty(a.int(0, r)), nil })
		}
	case "array_to_string":
		return arrayToString
	}
	return nil
}

// quoteIdent quotes an identifier when PostgreSQL would: anything but a
// lower-case letter or underscore followed by lower-case letters, digits
// and underscores (keywords are not quoted here).
func quoteIdent(s string) string {
	plain := s != ""
	for i, c := range s {
		if !(c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// sizePretty is pg_size_pretty(bigint), as PostgreSQL 15 computes it: bytes
// below 10 kB, then kB, MB, GB, TB or PB, each rounded half away from zero
// from one extra bit of precision.
func sizePretty(n int64) string {
	const limit = 10 * 1024
	const limit2 = limit*2 - 1
	abs := func(v int64) int64 {
		if v < 0 {
			return -v
		}
		return v
	}
	half := func(v int64) int64 {
		if v < 0 {
			return (v - 1) / 2
		}
		return (v + 1) / 2
	}
	if abs(n) < limit {
		return strconv.FormatInt(n, 10) + " bytes"
	}
	// Division truncates toward zero, as PostgreSQL's does (a shift would
	// round negative sizes the other way).
	v := n / 512 // kB, with one extra bit for rounding
	for _, unit := range []string{"kB", "MB", "GB", "TB"} {
		if abs(v) < limit2 {
			return strconv.FormatInt(half(v), 10) + " " + unit
		}
		v /= 1024
	}
	return strconv.FormatInt(half(v), 10) + " PB"
}

// arrayToString is array_to_string(list, delimiter[, null_string]):
// elements joined by the delimiter, NULL elements skipped unless a
// null_string is given.
func arrayToString(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	list, ok := in[0].(array.ListLike)
	if !ok {
		return nil, fmt.Errorf("array_to_string of %s", in[0].DataType())
	}
	enc, err := pgtext.NewEncoder(list.ListValues(), nil)
	if err != nil {
		return nil, err
	}
	a := argReader{in}
	return stringFunc(mem, in, func(r int) (string, bool, error) {
		if list.IsNull(r) || in[1].IsNull(r) {
			return "", false, nil
		}
		sep := a.str(1, r)
		start, end := list.ValueOffsets(r)
		var sb strings.Builder
		first := true
		var buf []byte
		for i := start; i < end; i++ {
			var v string
			if list.ListValues().IsNull(int(i)) {
				if len(in) < 3 || in[2].IsNull(r) {
					continue
				}
				v = a.str(2, r)
			} else {
				buf = enc(buf[:0], int(i))
				v = string(buf)
			}
			if !first {
				sb.WriteString(sep)
			}
			sb.WriteString(v)
			first = false
		}
		return sb.String(), true, nil
	})
}
