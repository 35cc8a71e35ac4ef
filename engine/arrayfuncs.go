package engine

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/take"
)

// arrayRows builds a list column from per-row positions into values; a nil
// row (ok false) is NULL.
func arrayRows(mem memory.Allocator, values arrow.Array, rows [][]int64, valid []bool) (arrow.Array, error) {
	idx := array.NewInt64Builder(mem)
	defer idx.Release()
	offsets := make([]int32, 1, len(rows)+1)
	for _, r := range rows {
		idx.AppendValues(r, nil)
		offsets = append(offsets, offsets[len(offsets)-1]+int32(len(r)))
	}
	indices := idx.NewArray()
	defer indices.Release()
	elems, err := take.Array(context.Background(), values, indices)
	if err != nil {
		return nil, err
	}
	defer elems.Release()
	nulls := 0
	bitmap := make([]byte, (len(rows)+7)/8)
	for i, ok := range valid {
		if ok {
			bitmap[i/8] |= 1 << (i % 8)
		} else {
			nulls++
		}
	}
	data := array.NewData(arrow.ListOf(values.DataType()), len(rows),
		[]*memory.Buffer{memory.NewBufferBytes(bitmap), memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(offsets))},
		[]arrow.ArrayData{elems.Data()}, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data), nil
}

// listOf returns a list column's rows and values.
func listOf(a arrow.Array) (array.ListLike, arrow.Array, error) {
	l, ok := a.(array.ListLike)
	if !ok {
		return nil, nil, fmt.Errorf("expected an array, got %s", a.DataType())
	}
	return l, l.ListValues(), nil
}

// arraySlice is a[lo:hi], 1-based and inclusive, clamped to the array; a
// NULL bound gives NULL.
func arraySlice(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	l, values, err := listOf(in[0])
	if err != nil {
		return nil, err
	}
	a := argReader{in}
	rows := make([][]int64, l.Len())
	valid := make([]bool, l.Len())
	for r := range l.Len() {
		if a.null(r) {
			continue
		}
		start, end := l.ValueOffsets(r)
		lo, hi := max(a.int(1, r), 1), min(a.int(2, r), end-start)
		for i := lo; i <= hi; i++ {
			rows[r] = append(rows[r], start+i-1)
		}
		valid[r] = true
	}
	return arrayRows(mem, values, rows, valid)
}

// arrayCat is array_cat(a, b) and a || b: NULL arrays count as empty,
// unless both are NULL.
func arrayCat(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	l1, v1, err := listOf(in[0])
	if err != nil {
		return nil, err
	}
	l2, v2, err := listOf(in[1])
	if err != nil {
		return nil, err
	}
	values, err := array.Concatenate([]arrow.Array{v1, v2}, mem)
	if err != nil {
		return nil, err
	}
	defer values.Release()
	shift := int64(v1.Len())
	rows := make([][]int64, l1.Len())
	valid := make([]bool, l1.Len())
	for r := range l1.Len() {
		if l1.IsNull(r) && l2.IsNull(r) {
			continue
		}
		valid[r] = true
		if !l1.IsNull(r) {
			s, e := l1.ValueOffsets(r)
			for i := s; i < e; i++ {
				rows[r] = append(rows[r], i)
			}
		}
		if !l2.IsNull(r) {
			s, e := l2.ValueOffsets(r)
			for i := s; i < e; i++ {
				rows[r] = append(rows[r], shift+i)
			}
		}
	}
	return arrayRows(mem, values, rows, valid)
}

// elementMatcher tells whether element i of values is x's row r, NULLs
// matching NULLs (IS NOT DISTINCT FROM, as array_position and
// array_remove compare).
func elementMatcher(values, x arrow.Array) (func(i, r int) bool, error) {
	key, err := newKeyColumn(x.DataType())
	if err != nil {
		return nil, err
	}
	var a, b []byte
	return func(i, r int) bool {
		a, b = key.encode(a[:0], values, i), key.encode(b[:0], x, r)
		return string(a) == string(b)
	}, nil
}

// arrayRemove is array_remove(a, x): a without the elements equal to x.
func arrayRemove(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	l, values, err := listOf(in[0])
	if err != nil {
		return nil, err
	}
	match, err := elementMatcher(values, in[1])
	if err != nil {
		return nil, err
	}
	rows := make([][]int64, l.Len())
	valid := make([]bool, l.Len())
	for r := range l.Len() {
		if l.IsNull(r) {
			continue
		}
		valid[r] = true
		s, e := l.ValueOffsets(r)
		for i := s; i < e; i++ {
			if !match(int(i), r) {
				rows[r] = append(rows[r], i)
			}
		}
	}
	return arrayRows(mem, values, rows, valid)
}

// arrayPosition is array_position(a, x[, start]) and array_positions(a,
// x): the 1-based position(s) of x in a.
func arrayPosition(all bool) func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
		l, values, err := listOf(in[0])
		if err != nil {
			return nil, err
		}
		match, err := elementMatcher(values, in[1])
		if err != nil {
			return nil, err
		}
		a := argReader{in}
		if all {
			lb := array.NewListBuilder(mem, arrow.PrimitiveTypes.Int32)
			defer lb.Release()
			vb := lb.ValueBuilder().(*array.Int32Builder)
			for r := range l.Len() {
				if l.IsNull(r) {
					lb.AppendNull()
					continue
				}
				lb.Append(true)
				s, e := l.ValueOffsets(r)
				for i := s; i < e; i++ {
					if match(int(i), r) {
						vb.Append(int32(i - s + 1))
					}
				}
			}
			return lb.NewArray(), nil
		}
		b := array.NewInt32Builder(mem)
		defer b.Release()
		for r := range l.Len() {
			if l.IsNull(r) || len(in) > 2 && in[2].IsNull(r) {
				b.AppendNull()
				continue
			}
			s, e := l.ValueOffsets(r)
			from := int64(1)
			if len(in) > 2 {
				from = max(a.int(2, r), 1)
			}
			found := false
			for i := s + from - 1; i < e; i++ {
				if match(int(i), r) {
					b.Append(int32(i - s + 1))
					found = true
					break
				}
			}
			if !found {
				b.AppendNull()
			}
		}
		return b.NewArray(), nil
	}
}

// arraySetOp is a @> b (every element of b is in a) and a && b (they
// share an element); NULL elements match nothing.
func arraySetOp(overlap bool) func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
		l1, v1, err := listOf(in[0])
		if err != nil {
			return nil, err
		}
		l2, v2, err := listOf(in[1])
		if err != nil {
			return nil, err
		}
		key, err := newKeyColumn(v1.DataType())
		if err != nil {
			return nil, err
		}
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		var buf []byte
		for r := range l1.Len() {
			if l1.IsNull(r) || l2.IsNull(r) {
				b.AppendNull()
				continue
			}
			have := make(map[string]bool)
			s, e := l1.ValueOffsets(r)
			for i := s; i < e; i++ {
				if !v1.IsNull(int(i)) {
					buf = key.encode(buf[:0], v1, int(i))
					have[string(buf)] = true
				}
			}
			s, e = l2.ValueOffsets(r)
			result := !overlap
			for i := s; i < e; i++ {
				in := false
				if !v2.IsNull(int(i)) {
					buf = key.encode(buf[:0], v2, int(i))
					in = have[string(buf)]
				}
				if overlap && in {
					result = true
					break
				}
				if !overlap && !in {
					result = false
					break
				}
			}
			b.Append(result)
		}
		return b.NewArray(), nil
	}
}
