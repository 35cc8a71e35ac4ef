package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/internal/take"
)

// arrayFunction returns the kernel of an array function, or nil. riffq's
// arrays are one-dimensional Arrow lists with lower bound 1.
func arrayFunction(name string) func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	switch name {
	case "array_to_string":
		return arrayToString
	case "array_contains":
		return arrayContains
	case "array_length", "array_upper", "array_lower", "cardinality":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) { return arrayBound(mem, name, in) }
	case "array_element":
		return arrayElement
	case "struct_field":
		return structField
	case "bitand", "bitor", "bitxor", "shiftleft", "shiftright":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) { return bitwise(mem, name, in) }
	case "make_array":
		return makeArray
	case "array_slice":
		return arraySlice
	case "array_cat":
		return arrayCat
	case "array_remove":
		return arrayRemove
	case "array_position":
		return arrayPosition(false)
	case "array_positions":
		return arrayPosition(true)
	case "array_contains_all":
		return arraySetOp(false)
	case "array_overlap":
		return arraySetOp(true)
	}
	return nil
}

// arrayBound is array_length, array_upper and array_lower (of dimension 1;
// NULL for an empty array or another dimension) and cardinality.
func arrayBound(mem memory.Allocator, name string, in []arrow.Array) (arrow.Array, error) {
	list, ok := in[0].(array.ListLike)
	if !ok {
		return nil, fmt.Errorf("%s of %s", name, in[0].DataType())
	}
	a := argReader{in}
	b := array.NewInt32Builder(mem)
	defer b.Release()
	for r := range list.Len() {
		if a.null(r) {
			b.AppendNull()
			continue
		}
		start, end := list.ValueOffsets(r)
		n := int32(end - start)
		switch {
		case name == "cardinality":
			b.Append(n)
		case n == 0 || a.int(1, r) != 1:
			b.AppendNull()
		case name == "array_lower":
			b.Append(1)
		default:
			b.Append(n)
		}
	}
	return b.NewArray(), nil
}

// arrayElement is array[i]: the element at 1-based position i, NULL when
// out of range.
func arrayElement(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	list, ok := in[0].(array.ListLike)
	if !ok {
		return nil, fmt.Errorf("subscript of %s", in[0].DataType())
	}
	a := argReader{in}
	idx := array.NewInt64Builder(mem)
	defer idx.Release()
	for r := range list.Len() {
		if a.null(r) {
			idx.AppendNull()
			continue
		}
		start, end := list.ValueOffsets(r)
		i := a.int(1, r)
		if i < 1 || i > end-start {
			idx.AppendNull()
			continue
		}
		idx.Append(start + i - 1)
	}
	indices := idx.NewArray()
	defer indices.Release()
	return take.Array(context.Background(), list.ListValues(), indices)
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

// arrayContains is x = ANY (list): true when an element equals x, NULL
// when none does but x or an element is NULL, false otherwise.
func arrayContains(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	list, ok := in[0].(array.ListLike)
	if !ok {
		return nil, fmt.Errorf("ANY over %s", in[0].DataType())
	}
	x := in[1]
	key, err := newKeyColumn(x.DataType())
	if err != nil {
		return nil, err
	}
	values := list.ListValues()
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	var want, got []byte
	for r := range list.Len() {
		if list.IsNull(r) {
			b.AppendNull()
			continue
		}
		start, end := list.ValueOffsets(r)
		if x.IsNull(r) {
			if start == end {
				b.Append(false) // NULL = ANY ('{}') is false
			} else {
				b.AppendNull()
			}
			continue
		}
		want = key.encode(want[:0], x, r)
		found, sawNull := false, false
		for i := int(start); i < int(end) && !found; i++ {
			if values.IsNull(i) {
				sawNull = true
				continue
			}
			got = key.encode(got[:0], values, i)
			found = string(got) == string(want)
		}
		switch {
		case found:
			b.Append(true)
		case sawNull:
			b.AppendNull()
		default:
			b.Append(false)
		}
	}
	return b.NewArray(), nil
}

// arrayEqualKernel compares arrays element by element, as PostgreSQL's
// array_eq: equal when they have the same length and equal elements, a
// NULL element equal to a NULL element only.
func arrayEqualKernel(negate bool) kernel {
	return func(mem memory.Allocator, l, r arrow.Array, _ arrow.DataType) (arrow.Array, error) {
		ll, ok1 := l.(array.ListLike)
		rl, ok2 := r.(array.ListLike)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("array comparison of %s and %s", l.DataType(), r.DataType())
		}
		key, err := newKeyColumn(ll.ListValues().DataType())
		if err != nil {
			return nil, err
		}
		lv, rv := ll.ListValues(), rl.ListValues()
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		var kb1, kb2 []byte
		for i := range ll.Len() {
			if ll.IsNull(i) || rl.IsNull(i) {
				b.AppendNull()
				continue
			}
			ls, le := ll.ValueOffsets(i)
			rs, re := rl.ValueOffsets(i)
			eq := le-ls == re-rs
			for j := int64(0); eq && j < le-ls; j++ {
				a, c := int(ls+j), int(rs+j)
				if lv.IsNull(a) || rv.IsNull(c) {
					// PostgreSQL's array_eq treats two NULL elements as
					// equal and a NULL and a value as different.
					eq = lv.IsNull(a) && rv.IsNull(c)
					continue
				}
				kb1, kb2 = key.encode(kb1[:0], lv, a), key.encode(kb2[:0], rv, c)
				eq = string(kb1) == string(kb2)
			}
			b.Append(eq != negate)
		}
		return b.NewArray(), nil
	}
}

// makeArray is ARRAY[a, b, ...] over columns: one list per row, its
// elements taken from the columns as they are (no round trip through
// text, which could not read a BC date back).
func makeArray(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	same := true
	for _, c := range in[1:] {
		same = same && arrow.TypeEqual(c.DataType(), in[0].DataType())
	}
	if !same {
		return makeArrayFromText(mem, in)
	}
	all, err := array.Concatenate(in, mem)
	if err != nil {
		return nil, err
	}
	defer all.Release()
	n, k := in[0].Len(), len(in)
	rows := make([]int32, 0, n*k)
	for r := range n {
		for j := range k {
			rows = append(rows, int32(j*n+r))
		}
	}
	values, err := take.Values(context.Background(), all, rows, nil)
	if err != nil {
		return nil, err
	}
	defer values.Release()
	offsets := make([]int32, n+1)
	for r := range offsets {
		offsets[r] = int32(r * k)
	}
	data := array.NewData(arrow.ListOf(in[0].DataType()), n,
		[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(offsets))},
		[]arrow.ArrayData{values.Data()}, 0, 0)
	defer data.Release()
	return array.MakeFromData(data), nil
}

// makeArrayFromText is makeArray for columns of types that differ only
// in their parameters, through the elements' text.
func makeArrayFromText(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	b := array.NewListBuilder(mem, in[0].DataType())
	defer b.Release()
	vb := b.ValueBuilder()
	for r := range in[0].Len() {
		b.Append(true)
		for _, c := range in {
			if c.IsNull(r) {
				vb.AppendNull()
				continue
			}
			if err := vb.AppendValueFromString(c.ValueStr(r)); err != nil {
				return nil, err
			}
		}
	}
	return b.NewArray(), nil
}

// structField is (record).field: the field's values, NULL where the record
// is. in[1] holds the field's index.
func structField(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	st := in[0].(*array.Struct)
	child := st.Field(int(in[1].(*array.Int32).Value(0)))
	if st.NullN() == 0 {
		child.Retain()
		return child, nil
	}
	idx := array.NewInt64Builder(mem)
	defer idx.Release()
	for r := range st.Len() {
		if st.IsNull(r) {
			idx.AppendNull()
		} else {
			idx.Append(int64(r))
		}
	}
	indices := idx.NewArray()
	defer indices.Release()
	return take.Array(context.Background(), child, indices)
}

// bitwise computes the integer operators &, |, #, << and >> in the type
// of the left operand, as PostgreSQL does; a shift count wraps at the
// type's width, as on the machines PostgreSQL runs on.
func bitwise(mem memory.Allocator, op string, in []arrow.Array) (arrow.Array, error) {
	a := argReader{in}
	bld := array.NewBuilder(mem, in[0].DataType())
	defer bld.Release()
	width := int64(in[0].DataType().(arrow.FixedWidthDataType).BitWidth())
	if width < 32 {
		width = 32 // int2 shifts as int4, then narrows
	}
	for r := range in[0].Len() {
		if a.null(r) {
			bld.AppendNull()
			continue
		}
		x, y := a.int(0, r), a.int(1, r)
		var v int64
		switch op {
		case "bitand":
			v = x & y
		case "bitor":
			v = x | y
		case "bitxor":
			v = x ^ y
		case "shiftleft", "shiftright":
			n := uint(y & (width - 1))
			switch {
			case op == "shiftleft" && width == 32:
				v = int64(int32(uint32(x) << n))
			case op == "shiftleft":
				v = int64(uint64(x) << n)
			case width == 32:
				v = int64(int32(x) >> n)
			default:
				v = x >> n
			}
		}
		appendInt(bld, v)
	}
	return bld.NewArray(), nil
}
