package parquet

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/metadata"
)

// dictionaryPage is the Parquet page type of a column chunk's dictionary
// (PageType DICTIONARY_PAGE in the format).
const dictionaryPage = 2

// dictLeaves returns the leaves among cols that hold top-level strings
// stored, in every row group, entirely through a dictionary. pqarrow
// decodes those fastest as dictionary arrays (it copies indices rather
// than appending each value to a builder); the scan expands them with
// expandDictionary. A chunk that fell back to plain pages is left out:
// reading it as a dictionary would hash every value.
func dictLeaves(md *metadata.FileMetaData, cols []int) []int {
	var out []int
	for _, leaf := range cols {
		c := md.Schema.Column(leaf)
		if c.PhysicalType() != pq.Types.ByteArray || len(c.ColumnPath()) != 1 {
			continue
		}
		ok := md.NumRowGroups() > 0
		for g := 0; ok && g < md.NumRowGroups(); g++ {
			cc, err := md.RowGroup(g).ColumnChunk(leaf)
			if err != nil || !cc.HasDictionaryPage() || len(cc.EncodingStats()) == 0 {
				ok = false
				break
			}
			for _, s := range cc.EncodingStats() {
				dict := s.Encoding == pq.Encodings.RLEDict || s.Encoding == pq.Encodings.PlainDict
				if !dict && s.PageType != dictionaryPage {
					ok = false
				}
			}
		}
		if ok {
			out = append(out, leaf)
		}
	}
	return out
}

// expandDictionary returns the values of a dictionary-encoded string or
// binary array as a plain array of the dictionary's type, sized once.
func expandDictionary(mem memory.Allocator, a *array.Dictionary) (arrow.Array, error) {
	return expandRows(mem, a, nil)
}

// expandRows is expandDictionary of the rows listed in rows, in order (all
// rows when rows is nil).
func expandRows(mem memory.Allocator, a *array.Dictionary, rows []int32) (arrow.Array, error) {
	var dictOffs []int32
	var dictData []byte
	switch d := a.Dictionary().(type) {
	case *array.String:
		dictOffs, dictData = d.ValueOffsets(), d.ValueBytes()
	case *array.Binary:
		dictOffs, dictData = d.ValueOffsets(), d.ValueBytes()
	default:
		return nil, fmt.Errorf("dictionary of %s values", a.Dictionary().DataType())
	}
	// ValueBytes starts at the first value's offset.
	base := int32(0)
	if len(dictOffs) > 0 {
		base = dictOffs[0]
	}
	if rows == nil && a.NullN() == 0 {
		if out, ok := expandFixed(mem, a, dictOffs, dictData); ok {
			return out, nil
		}
	}
	at, err := dictIndex(a.Indices())
	if err != nil {
		return nil, err
	}
	n := a.Len()
	row := func(i int) int { return i }
	if rows != nil {
		n = len(rows)
		row = func(i int) int { return int(rows[i]) }
	}
	nulls := a.NullN() > 0
	var total int
	for i := range n {
		if r := row(i); !nulls || a.IsValid(r) {
			d := at(r)
			total += int(dictOffs[d+1] - dictOffs[d])
		}
	}
	offsets := memory.NewResizableBuffer(mem)
	offsets.Resize(arrow.Int32Traits.BytesRequired(n + 1))
	data := memory.NewResizableBuffer(mem)
	data.Resize(total)
	defer offsets.Release()
	defer data.Release()
	offs := arrow.Int32Traits.CastFromBytes(offsets.Bytes())
	out := data.Bytes()
	var pos int32
	nullN := 0
	for i := range n {
		offs[i] = pos
		if r := row(i); !nulls || a.IsValid(r) {
			d := at(r)
			pos += int32(copy(out[pos:], dictData[dictOffs[d]-base:dictOffs[d+1]-base]))
		} else {
			nullN++
		}
	}
	offs[n] = pos
	var validity *memory.Buffer
	if nulls {
		validity = memory.NewResizableBuffer(mem)
		validity.Resize(int(bitutil.BytesForBits(int64(n))))
		defer validity.Release()
		bits := validity.Bytes()
		clear(bits)
		for i := range n {
			if a.IsValid(row(i)) {
				bitutil.SetBit(bits, i)
			}
		}
	}
	res := array.NewData(a.Dictionary().DataType(), n, []*memory.Buffer{validity, offsets, data}, nil, nullN, 0)
	defer res.Release()
	return array.MakeFromData(res), nil
}

// expandFixed is expandRows of every row of a dictionary without NULLs
// whose values all have one length and whose indices are int32 (flags and
// codes: TPC-H's l_returnflag): offsets are multiples of the length and
// one-byte values are stored directly. ok is false for other shapes.
func expandFixed(mem memory.Allocator, a *array.Dictionary, dictOffs []int32, dictData []byte) (arrow.Array, bool) {
	idx, ok := a.Indices().(*array.Int32)
	if !ok || len(dictOffs) < 2 {
		return nil, false
	}
	width := dictOffs[1] - dictOffs[0]
	for i := 1; i+1 < len(dictOffs); i++ {
		if dictOffs[i+1]-dictOffs[i] != width {
			return nil, false
		}
	}
	n := a.Len()
	keys := idx.Int32Values()
	offsets := memory.NewResizableBuffer(mem)
	offsets.Resize(arrow.Int32Traits.BytesRequired(n + 1))
	data := memory.NewResizableBuffer(mem)
	data.Resize(n * int(width))
	defer offsets.Release()
	defer data.Release()
	offs := arrow.Int32Traits.CastFromBytes(offsets.Bytes())
	for i := range offs {
		offs[i] = int32(i) * width
	}
	out := data.Bytes()
	switch width {
	case 0:
	case 1:
		for i, k := range keys {
			out[i] = dictData[k]
		}
	default:
		w := int(width)
		for i, k := range keys {
			copy(out[i*w:(i+1)*w], dictData[int(k)*w:])
		}
	}
	res := array.NewData(a.Dictionary().DataType(), n, []*memory.Buffer{nil, offsets, data}, nil, 0, 0)
	defer res.Release()
	return array.MakeFromData(res), true
}

// dictIndex reads an integer index array as ints.
func dictIndex(idx arrow.Array) (func(i int) int, error) {
	switch x := idx.(type) {
	case *array.Int32:
		v := x.Int32Values()
		return func(i int) int { return int(v[i]) }, nil
	case *array.Int16:
		return func(i int) int { return int(x.Value(i)) }, nil
	case *array.Int8:
		return func(i int) int { return int(x.Value(i)) }, nil
	case *array.Int64:
		return func(i int) int { return int(x.Value(i)) }, nil
	case *array.Uint32:
		return func(i int) int { return int(x.Value(i)) }, nil
	case *array.Uint16:
		return func(i int) int { return int(x.Value(i)) }, nil
	case *array.Uint8:
		return func(i int) int { return int(x.Value(i)) }, nil
	}
	return nil, fmt.Errorf("dictionary indices of type %s", idx.DataType())
}
