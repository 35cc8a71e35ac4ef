package parquet

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
)

// stringSet is a filter the scan applies exactly (selectByDictionary):
// the column is one of values (`col = 'a'`, or an OR of such: `col IN
// ('a', 'b')`), which a dictionary-encoded column answers once per
// distinct value.
type stringSet struct {
	field  int // a column of the schema it was read against
	values map[string]bool
}

// stringSetOf reads f as a stringSet over a string or binary column of
// schema.
func stringSetOf(schema *arrow.Schema, f expr.Expr) (stringSet, bool) {
	b, ok := f.(*expr.Binary)
	if !ok {
		return stringSet{}, false
	}
	switch b.Op {
	case expr.Or:
		l, lok := stringSetOf(schema, b.Left)
		r, rok := stringSetOf(schema, b.Right)
		if !lok || !rok || l.field != r.field {
			return stringSet{}, false
		}
		for v := range r.values {
			l.values[v] = true
		}
		return l, true
	case expr.Eq:
		c, cok := b.Left.(*expr.Column)
		l, lok := b.Right.(*expr.Literal)
		if !cok || !lok {
			c, cok = b.Right.(*expr.Column)
			l, lok = b.Left.(*expr.Literal)
		}
		if !cok || !lok || c.Index >= schema.NumFields() || !l.Value.IsValid() {
			return stringSet{}, false
		}
		if id := schema.Field(c.Index).Type.ID(); id != arrow.STRING && id != arrow.BINARY {
			return stringSet{}, false
		}
		var v string
		switch s := l.Value.(type) {
		case *scalar.String:
			v = string(s.Data())
		case *scalar.Binary:
			v = string(s.Data())
		default:
			return stringSet{}, false
		}
		return stringSet{field: c.Index, values: map[string]bool{v: true}}, true
	}
	return stringSet{}, false
}

// stringSets returns the filters among filters that are stringSets.
func stringSets(schema *arrow.Schema, filters []expr.Expr) []stringSet {
	var out []stringSet
	for _, f := range filters {
		if s, ok := stringSetOf(schema, f); ok {
			out = append(out, s)
		}
	}
	return out
}

// selectByDictionary keeps the rows of src whose values satisfy every
// stringSet: over a dictionary-encoded column each distinct value is
// decided once rather than every row's string compared, and the
// dictionary columns of the result are expanded; over a plain string
// column each row is looked up. pos maps a set's field to its column in
// src (ok false: not decoded, which the caller prevents for sets it
// declared exact); the columns of src that needed rejects (those decoded
// for a filter only) are NULL columns in the result. It returns src itself
// (retained) when no row goes.
func selectByDictionary(ctx context.Context, mem memory.Allocator, src arrow.RecordBatch, sets []stringSet, pos func(field int) (int, bool), needed func(col int) bool) (arrow.RecordBatch, error) {
	n := int(src.NumRows())
	var rows []int32 // the rows kept so far, once a set applies
	applied := false
	for _, s := range sets {
		col, ok := pos(s.field)
		if !ok {
			continue
		}
		var err error
		switch a := src.Column(col).(type) {
		case *array.Dictionary:
			value, ok := stringValues(a.Dictionary())
			if !ok {
				return nil, fmt.Errorf("filter a dictionary of %s values", a.Dictionary().DataType())
			}
			dict := a.Dictionary()
			match := make([]bool, dict.Len())
			for i := range match {
				match[i] = dict.IsValid(i) && s.values[value(i)]
			}
			if !applied {
				rows, err = matching(a, match)
			} else {
				rows, err = keepMatching(a, match, rows)
			}
		default:
			value, ok := stringValues(a)
			if !ok {
				return nil, fmt.Errorf("filter a column of %s values", a.DataType())
			}
			if !applied {
				rows = make([]int32, 0, n)
				for i := range n {
					if a.IsValid(i) && s.values[value(i)] {
						rows = append(rows, int32(i))
					}
				}
			} else {
				out := rows[:0]
				for _, r := range rows {
					if a.IsValid(int(r)) && s.values[value(int(r))] {
						out = append(out, r)
					}
				}
				rows = out
			}
		}
		if err != nil {
			return nil, err
		}
		applied = true
	}
	if !applied || len(rows) == n {
		src.Retain()
		return src, nil
	}
	cols := make([]arrow.Array, src.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	var idx arrow.Array // for compute.TakeArray, built when a column needs it
	defer func() {
		if idx != nil {
			idx.Release()
		}
	}()
	fields := make([]arrow.Field, src.NumCols())
	for i, c := range src.Columns() {
		var err error
		fields[i] = src.Schema().Field(i)
		if !needed(i) {
			cols[i] = array.NewNull(len(rows))
			fields[i].Type = arrow.Null
			continue
		}
		if d, ok := c.(*array.Dictionary); ok {
			if cols[i], err = expandRows(mem, d, rows); err != nil {
				return nil, err
			}
			fields[i].Type = cols[i].DataType()
			continue
		}
		if out, ok := takeFixed(mem, c, rows); ok {
			cols[i] = out
			continue
		}
		if idx == nil {
			b := array.NewInt32Builder(mem)
			b.AppendValues(rows, nil)
			idx = b.NewArray()
			b.Release()
		}
		if cols[i], err = compute.TakeArray(ctx, c, idx); err != nil {
			return nil, fmt.Errorf("select rows: %w", err)
		}
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(len(rows))), nil
}

// stringValues reads the values of a string or binary array as strings
// (aliasing the array's memory); ok is false for other arrays.
func stringValues(a arrow.Array) (func(i int) string, bool) {
	switch x := a.(type) {
	case *array.String:
		return x.Value, true
	case *array.LargeString:
		return x.Value, true
	case *array.Binary:
		return x.ValueString, true
	case *array.LargeBinary:
		return x.ValueString, true
	}
	return nil, false
}

// matching returns the rows whose value in d is a dictionary entry match
// marks (never a NULL); none is an empty list, not nil, which expandRows
// reads as every row.
func matching(d *array.Dictionary, match []bool) ([]int32, error) {
	if idx, ok := d.Indices().(*array.Int32); ok && d.NullN() == 0 {
		rows := []int32{}
		for i, k := range idx.Int32Values() {
			if match[k] {
				rows = append(rows, int32(i))
			}
		}
		return rows, nil
	}
	rows := make([]int32, d.Len())
	for i := range rows {
		rows[i] = int32(i)
	}
	return keepMatching(d, match, rows)
}

// keepMatching filters rows, in place, to those whose value in d is a
// dictionary entry match marks (never a NULL).
func keepMatching(d *array.Dictionary, match []bool, rows []int32) ([]int32, error) {
	out := rows[:0]
	if idx, ok := d.Indices().(*array.Int32); ok && d.NullN() == 0 {
		v := idx.Int32Values()
		for _, r := range rows {
			if match[v[r]] {
				out = append(out, r)
			}
		}
		return out, nil
	}
	at, err := dictIndex(d.Indices())
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if d.IsValid(int(r)) && match[at(int(r))] {
			out = append(out, r)
		}
	}
	return out, nil
}

// takeFixed is the values of a at rows, for fixed-width values of 4, 8 or
// 16 bytes (integers, floats, dates, timestamps, decimals) without NULLs,
// copied in one loop; ok is false for other arrays.
func takeFixed(mem memory.Allocator, a arrow.Array, rows []int32) (arrow.Array, bool) {
	fw, ok := a.DataType().(arrow.FixedWidthDataType)
	if !ok || a.NullN() > 0 || a.DataType().ID() == arrow.DICTIONARY {
		return nil, false
	}
	width := fw.BitWidth() / 8
	if width != 4 && width != 8 && width != 16 || len(a.Data().Buffers()) != 2 {
		return nil, false
	}
	d := a.Data()
	src := d.Buffers()[1].Bytes()[d.Offset()*width:]
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(len(rows) * width)
	defer buf.Release()
	dst := buf.Bytes()
	switch width {
	case 4:
		take(arrow.Uint32Traits.CastFromBytes(dst), arrow.Uint32Traits.CastFromBytes(src), rows)
	case 8:
		take(arrow.Uint64Traits.CastFromBytes(dst), arrow.Uint64Traits.CastFromBytes(src), rows)
	case 16:
		take(arrow.Decimal128Traits.CastFromBytes(dst), arrow.Decimal128Traits.CastFromBytes(src), rows)
	}
	out := array.NewData(a.DataType(), len(rows), []*memory.Buffer{nil, buf}, nil, 0, 0)
	defer out.Release()
	return array.MakeFromData(out), true
}

func take[T any](dst, src []T, rows []int32) {
	for i, r := range rows {
		dst[i] = src[r]
	}
}
