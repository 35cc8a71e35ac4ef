package engine

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/riffq/riffq/internal/jsonb"
	"github.com/riffq/riffq/internal/pgtypes"
)

// keyComparator compares rows i and j of one sort key's column, NULLs and
// direction included.
type keyComparator func(i, j int) int

// newKeyComparator returns the comparator of a column of a type it knows
// (integers, floats in PostgreSQL's order, decimals, dates, timestamps,
// intervals, text and bytea in byte order, booleans), or nil.
func newKeyComparator(col arrow.Array, k SortKey) keyComparator {
	var values func(i, j int) int
	switch a := col.(type) {
	case *array.Int16:
		v := a.Int16Values()
		values = func(i, j int) int { return cmp.Compare(v[i], v[j]) }
	case *array.Int32:
		v := a.Int32Values()
		values = func(i, j int) int { return cmp.Compare(v[i], v[j]) }
	case *array.Int64:
		v := a.Int64Values()
		values = func(i, j int) int { return cmp.Compare(v[i], v[j]) }
	case *array.Date32:
		v := a.Date32Values()
		values = func(i, j int) int { return cmp.Compare(v[i], v[j]) }
	case *array.Timestamp:
		v := a.TimestampValues()
		values = func(i, j int) int { return cmp.Compare(v[i], v[j]) }
	case *array.Time64:
		v := a.Time64Values()
		values = func(i, j int) int { return cmp.Compare(v[i], v[j]) }
	case *array.Float32:
		v := a.Float32Values()
		values = func(i, j int) int { return floatCompare(float64(v[i]), float64(v[j])) }
	case *array.Float64:
		v := a.Float64Values()
		values = func(i, j int) int { return floatCompare(v[i], v[j]) }
	case *array.Decimal128:
		v := a.Values()
		values = func(i, j int) int { return v[i].Cmp(v[j]) }
	case *array.String:
		values = func(i, j int) int { return cmp.Compare(a.Value(i), a.Value(j)) }
	case *array.Binary:
		values = func(i, j int) int { return bytes.Compare(a.Value(i), a.Value(j)) }
	case *array.MonthDayNanoInterval:
		// By the span with 30-day months, as PostgreSQL orders intervals.
		values = func(i, j int) int { return intervalCompare(a.Value(i), a.Value(j)) }
	case *array.Boolean:
		values = func(i, j int) int {
			x, y := a.Value(i), a.Value(j)
			switch {
			case x == y:
				return 0
			case !x:
				return -1
			}
			return 1
		}
	case *pgtypes.TimetzArray:
		// By the UTC time, then the offset east first, as timetz_cmp.
		st := a.Storage().(*array.String)
		utc, east := make([]int64, st.Len()), make([]int, st.Len())
		for i := range utc {
			if st.IsValid(i) {
				us, off, err := pgtypes.SplitTimetz(st.Value(i))
				if err != nil {
					return nil
				}
				utc[i], east[i] = us-int64(off)*1_000_000, off
			}
		}
		values = func(i, j int) int {
			if c := cmp.Compare(utc[i], utc[j]); c != 0 {
				return c
			}
			return cmp.Compare(east[j], east[i])
		}
	case *pgtypes.NumericArray:
		// Numerics with a scale per value, compared exactly (each parsed
		// once), not through floats.
		read, err := numReader(a)
		if err != nil {
			return nil
		}
		vals := make([]num, a.Len())
		for i := range vals {
			if vals[i], _, err = read(i); err != nil {
				return nil
			}
		}
		values = func(i, j int) int { return numCmp(vals[i], vals[j]) }
	case *extensions.UUIDArray:
		// Byte by byte, as PostgreSQL's uuid_cmp.
		st := a.Storage().(*array.FixedSizeBinary)
		values = func(i, j int) int { return bytes.Compare(st.Value(i), st.Value(j)) }
	case *pgtypes.JSONBArray:
		// jsonb's own order (jsonb.Compare), each value parsed once.
		s := a.Storage().(*array.String)
		parsed := make([]jsonb.Value, s.Len())
		for i := range parsed {
			if s.IsValid(i) {
				v, err := jsonb.Parse(s.Value(i))
				if err != nil {
					return nil
				}
				parsed[i] = v
			}
		}
		values = func(i, j int) int { return jsonb.CompareValues(parsed[i], parsed[j]) }
	case *array.List:
		// Arrays compare element by element, a NULL element after any
		// value, then the shorter first, as PostgreSQL's one-dimensional
		// arrays do.
		elem := newKeyComparator(a.ListValues(), SortKey{})
		if elem == nil {
			return nil
		}
		offs := a.Offsets()
		values = func(i, j int) int {
			si, ei, sj, ej := offs[i], offs[i+1], offs[j], offs[j+1]
			for ; si < ei && sj < ej; si, sj = si+1, sj+1 {
				if r := elem(int(si), int(sj)); r != 0 {
					return r
				}
			}
			return cmp.Compare(ei-si, ej-sj)
		}
	case *array.Struct:
		// Records compare field by field, a NULL field after any value,
		// as PostgreSQL's record comparison does.
		fields := make([]keyComparator, a.NumField())
		for f := range fields {
			if fields[f] = newKeyComparator(a.Field(f), SortKey{}); fields[f] == nil {
				return nil
			}
		}
		values = func(i, j int) int {
			for _, c := range fields {
				if r := c(i, j); r != 0 {
					return r
				}
			}
			return 0
		}
	default:
		return nil
	}
	if k.Desc {
		asc := values
		values = func(i, j int) int { return asc(j, i) }
	}
	if col.NullN() == 0 {
		return values
	}
	nullOrder := 1 // NULLs after values
	if k.NullsFirst {
		nullOrder = -1
	}
	return func(i, j int) int {
		ni, nj := col.IsNull(i), col.IsNull(j)
		switch {
		case ni && nj:
			return 0
		case ni:
			return nullOrder
		case nj:
			return -nullOrder
		}
		return values(i, j)
	}
}

// compareSortIndices sorts by comparators when every key has one: a
// pattern-defeating quicksort with the row number as the last key, so the
// order of equal rows is their input order, as the stable Arrow sort
// gives. ok is false when some key's type needs the Arrow sort.
func compareSortIndices(ctx context.Context, all arrow.RecordBatch, keys []SortKey) (arrow.Array, bool, error) {
	compare, ok := rowComparator(all, keys)
	if !ok {
		return nil, false, nil
	}
	idx := make([]uint64, all.NumRows())
	for i := range idx {
		idx[i] = uint64(i)
	}
	slices.SortFunc(idx, compare)
	if err := ctx.Err(); err != nil {
		return nil, true, err
	}
	return uint64Array(idx), true, nil
}

// compareTopIndices is compareSortIndices of the first k rows only: it
// keeps the best k rows seen in a heap as it scans (n log k comparisons,
// in row order, instead of sorting every row), then sorts those.
func compareTopIndices(ctx context.Context, all arrow.RecordBatch, keys []SortKey, k int) (arrow.Array, bool, error) {
	compare, ok := rowComparator(all, keys)
	if !ok {
		return nil, false, nil
	}
	n := int(all.NumRows())
	k = min(k, n)
	// A max-heap: the worst row kept is at the top, the first to go.
	heap := make([]uint64, 0, k)
	down := func(i int) {
		for {
			worst, l, r := i, 2*i+1, 2*i+2
			if l < len(heap) && compare(heap[l], heap[worst]) > 0 {
				worst = l
			}
			if r < len(heap) && compare(heap[r], heap[worst]) > 0 {
				worst = r
			}
			if worst == i {
				return
			}
			heap[i], heap[worst] = heap[worst], heap[i]
			i = worst
		}
	}
	for row := range n {
		if row%(1<<16) == 0 {
			if err := ctx.Err(); err != nil {
				return nil, true, err
			}
		}
		r := uint64(row)
		if len(heap) < k {
			heap = append(heap, r)
			for i := len(heap) - 1; i > 0; {
				parent := (i - 1) / 2
				if compare(heap[i], heap[parent]) <= 0 {
					break
				}
				heap[i], heap[parent] = heap[parent], heap[i]
				i = parent
			}
			continue
		}
		if k > 0 && compare(r, heap[0]) < 0 {
			heap[0] = r
			down(0)
		}
	}
	slices.SortFunc(heap, compare)
	return uint64Array(heap), true, nil
}

func uint64Array(v []uint64) arrow.Array {
	bld := array.NewUint64Builder(memory.DefaultAllocator)
	defer bld.Release()
	bld.AppendValues(v, nil)
	return bld.NewArray()
}

// rowComparator orders all's rows by keys as PostgreSQL does, ties by row
// number (so sorting is stable); ok is false when a key has no typed
// comparator (compute's sort handles those).
func rowComparator(all arrow.RecordBatch, keys []SortKey) (compare func(a, b uint64) int, ok bool) {
	cmps := make([]keyComparator, len(keys))
	for i, k := range keys {
		if cmps[i] = newKeyComparator(all.Column(k.Column), k); cmps[i] == nil {
			return nil, false
		}
	}
	// An integer first key without NULLs is compared inline: most
	// comparisons end there. A text one is compared by its first eight
	// bytes inline, as PostgreSQL's abbreviated keys do, and only on a tie
	// in full.
	first := intKeys(all.Column(keys[0].Column), keys[0].Desc)
	rest := cmps
	if first != nil {
		rest = cmps[1:]
	} else {
		first = textPrefixes(all.Column(keys[0].Column), keys[0].Desc)
	}
	return func(a, b uint64) int {
		if first != nil {
			if x, y := first[a], first[b]; x != y {
				return cmp.Compare(x, y)
			}
		}
		for _, c := range rest {
			if r := c(int(a), int(b)); r != 0 {
				return r
			}
		}
		return cmp.Compare(a, b)
	}, true
}

// textPrefixes returns the first eight bytes of every value of a text
// column without NULLs, as int64s that order as the bytes do (inverted
// when descending), or nil.
func textPrefixes(col arrow.Array, desc bool) []int64 {
	a, ok := col.(*array.String)
	if !ok || col.NullN() > 0 {
		return nil
	}
	out := make([]int64, a.Len())
	var buf [8]byte
	for i := range out {
		buf = [8]byte{}
		copy(buf[:], a.Value(i))
		p := binary.BigEndian.Uint64(buf[:])
		if desc {
			p = ^p
		}
		out[i] = int64(p ^ 1<<63)
	}
	return out
}

// intKeys returns an integer column without NULLs as int64 sort keys
// (negated when descending), or nil.
func intKeys(col arrow.Array, desc bool) []int64 {
	if col.NullN() > 0 {
		return nil
	}
	out := make([]int64, col.Len())
	switch a := col.(type) {
	case *array.Int16:
		for i, v := range a.Int16Values() {
			out[i] = int64(v)
		}
	case *array.Int32:
		for i, v := range a.Int32Values() {
			out[i] = int64(v)
		}
	case *array.Int64:
		copy(out, a.Int64Values())
	case *array.Date32:
		for i, v := range a.Date32Values() {
			out[i] = int64(v)
		}
	case *array.Timestamp:
		for i, v := range a.TimestampValues() {
			out[i] = int64(v)
		}
	case *array.Time64:
		for i, v := range a.Time64Values() {
			out[i] = int64(v)
		}
	default:
		return nil
	}
	if desc {
		for i, v := range out {
			if v == math.MinInt64 {
				return nil // no negation for it
			}
			out[i] = -v
		}
	}
	return out
}
