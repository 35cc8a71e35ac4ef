package engine

import (
	"encoding/binary"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/riffq/riffq/internal/pgtypes"
)

// Sort keys as byte strings: the merge of a spilled sort compares rows of
// different batches, which the column comparators of sortcmp.go (rows of
// one column) cannot do. Each row's keys are encoded so that
// bytes.Compare orders two rows as PostgreSQL orders them: NULLs where
// the key puts them, descending keys inverted, every value's encoding
// free of prefixes of another so that the next key never decides early.

// keyEncoder appends the encoding of row i's value (not NULL) to dst.
type keyEncoder func(dst []byte, i int) []byte

// sortKeyRows returns, for every row of b, its encoded keys; ok is false
// when a key's type has no encoding.
func sortKeyRows(b arrow.RecordBatch, keys []SortKey) (rows [][]byte, ok bool) {
	encs := make([]keyEncoder, len(keys))
	cols := make([]arrow.Array, len(keys))
	for k, key := range keys {
		cols[k] = b.Column(key.Column)
		if encs[k] = newKeyEncoder(cols[k]); encs[k] == nil {
			return nil, false
		}
	}
	n := int(b.NumRows())
	buf := make([]byte, 0, n*len(keys)*10)
	ends := make([]int, n)
	for i := range n {
		for k, key := range keys {
			buf = appendKey(buf, cols[k], encs[k], i, key)
		}
		ends[i] = len(buf)
	}
	rows = make([][]byte, n)
	start := 0
	for i, end := range ends {
		rows[i] = buf[start:end:end]
		start = end
	}
	return rows, true
}

// Markers put before a key's value: NULLs first or last, whatever the
// direction.
const (
	nullBefore byte = 0
	valueMark  byte = 1
	nullAfter  byte = 2
)

// appendKey appends one key of row i: its NULL marker, then its value,
// inverted bit for bit when the key descends.
func appendKey(dst []byte, col arrow.Array, enc keyEncoder, i int, key SortKey) []byte {
	if col.IsNull(i) {
		if key.NullsFirst {
			return append(dst, nullBefore)
		}
		return append(dst, nullAfter)
	}
	dst = append(dst, valueMark)
	start := len(dst)
	dst = enc(dst, i)
	if key.Desc {
		for j := start; j < len(dst); j++ {
			dst[j] = ^dst[j]
		}
	}
	return dst
}

// newKeyEncoder returns the ascending encoder of col's values, or nil.
func newKeyEncoder(col arrow.Array) keyEncoder {
	switch a := col.(type) {
	case *array.Int16:
		return func(dst []byte, i int) []byte { return appendOrderedInt(dst, int64(a.Value(i))) }
	case *array.Int32:
		return func(dst []byte, i int) []byte { return appendOrderedInt(dst, int64(a.Value(i))) }
	case *array.Int64:
		return func(dst []byte, i int) []byte { return appendOrderedInt(dst, a.Value(i)) }
	case *array.Date32:
		return func(dst []byte, i int) []byte { return appendOrderedInt(dst, int64(a.Value(i))) }
	case *array.Timestamp:
		return func(dst []byte, i int) []byte { return appendOrderedInt(dst, int64(a.Value(i))) }
	case *array.Time64:
		return func(dst []byte, i int) []byte { return appendOrderedInt(dst, int64(a.Value(i))) }
	case *array.Float32:
		return func(dst []byte, i int) []byte { return appendOrderedFloat(dst, float64(a.Value(i))) }
	case *array.Float64:
		return func(dst []byte, i int) []byte { return appendOrderedFloat(dst, a.Value(i)) }
	case *array.Decimal128:
		return func(dst []byte, i int) []byte {
			v := a.Value(i)
			dst = binary.BigEndian.AppendUint64(dst, uint64(v.HighBits())^1<<63)
			return binary.BigEndian.AppendUint64(dst, v.LowBits())
		}
	case *array.Boolean:
		return func(dst []byte, i int) []byte {
			if a.Value(i) {
				return append(dst, 1)
			}
			return append(dst, 0)
		}
	case *array.String:
		return func(dst []byte, i int) []byte { return appendOrderedBytes(dst, a.Value(i)) }
	case *array.Binary:
		return func(dst []byte, i int) []byte { return appendOrderedBytes(dst, a.Value(i)) }
	case *array.MonthDayNanoInterval:
		// As intervalCompare orders them: by whole days with 30-day
		// months, then by the rest of the day.
		return func(dst []byte, i int) []byte {
			v := a.Value(i)
			const day = 86400 * int64(1e9)
			days := int64(v.Months)*30 + int64(v.Days) + v.Nanoseconds/day
			rem := v.Nanoseconds % day
			if rem < 0 {
				days, rem = days-1, rem+day
			}
			return appendOrderedInt(appendOrderedInt(dst, days), rem)
		}
	case *array.List:
		// Element by element, then an end mark below any element, so that
		// a prefix orders first.
		vals := a.ListValues()
		elem := newKeyEncoder(vals)
		if elem == nil {
			return nil
		}
		offs := a.Offsets()
		return func(dst []byte, i int) []byte {
			for k := offs[i]; k < offs[i+1]; k++ {
				dst = appendKey(dst, vals, elem, int(k), SortKey{})
			}
			return append(dst, 0)
		}
	case *array.Struct:
		// Field by field, a NULL field after any value, as sortcmp.go
		// compares records.
		fields := make([]keyEncoder, a.NumField())
		for f := range fields {
			if fields[f] = newKeyEncoder(a.Field(f)); fields[f] == nil {
				return nil
			}
		}
		return func(dst []byte, i int) []byte {
			for f, enc := range fields {
				dst = appendKey(dst, a.Field(f), enc, i, SortKey{})
			}
			return dst
		}
	case array.ExtensionArray:
		if _, ok := a.DataType().(*pgtypes.NumericType); ok {
			if s, ok := a.Storage().(*array.String); ok {
				return func(dst []byte, i int) []byte { return appendOrderedNumeric(dst, s.Value(i)) }
			}
		}
	}
	return nil
}

// appendOrderedInt appends v big-endian with its sign bit flipped, so
// that negative numbers come first.
func appendOrderedInt(dst []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(v)^1<<63)
}

// appendOrderedFloat appends v's bits arranged to order as numbers do,
// with -0 equal to 0 and NaN above everything, as PostgreSQL orders
// floats.
func appendOrderedFloat(dst []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		v = math.NaN()
	case v == 0:
		v = 0
	}
	bits := math.Float64bits(v)
	if bits&(1<<63) != 0 {
		bits = ^bits
	} else {
		bits |= 1 << 63
	}
	return binary.BigEndian.AppendUint64(dst, bits)
}

// appendOrderedBytes appends s with every zero byte escaped and a
// terminator, so that a shorter string orders before its extensions.
func appendOrderedBytes[S string | []byte](dst []byte, s S) []byte {
	for i := range len(s) {
		if s[i] == 0 {
			dst = append(dst, 0, 0xff)
			continue
		}
		dst = append(dst, s[i])
	}
	return append(dst, 0, 0)
}

// Classes of numeric values, in PostgreSQL's order.
const (
	numMinusInf byte = iota
	numNegative
	numZero
	numPositive
	numPlusInf
	numNaN
)

// appendOrderedNumeric appends numeric text (as the engine keeps
// unconstrained numerics) in its exact order: a class, then for nonzero
// numbers the decimal exponent and the significant digits, inverted for
// negatives.
func appendOrderedNumeric(dst []byte, s string) []byte {
	switch s {
	case "NaN":
		return append(dst, numNaN)
	case "Infinity":
		return append(dst, numPlusInf)
	case "-Infinity":
		return append(dst, numMinusInf)
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	intPart, frac, _ := strings.Cut(s, ".")
	intPart = strings.TrimLeft(intPart, "0")
	frac = strings.TrimRight(frac, "0")
	var exp int
	var digits string
	if intPart != "" {
		exp, digits = len(intPart), strings.TrimRight(intPart+frac, "0")
	} else {
		trimmed := strings.TrimLeft(frac, "0")
		if trimmed == "" {
			return append(dst, numZero)
		}
		exp, digits = -(len(frac) - len(trimmed)), trimmed
	}
	class, start := numPositive, len(dst)+1
	if neg {
		class = numNegative
	}
	dst = append(dst, class)
	dst = binary.BigEndian.AppendUint32(dst, uint32(int32(exp))^1<<31)
	dst = append(dst, digits...)
	dst = append(dst, 0)
	if neg {
		for j := start; j < len(dst); j++ {
			dst[j] = ^dst[j]
		}
	}
	return dst
}
