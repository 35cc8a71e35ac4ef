package sources

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/riffq/riffq/internal/pgtypes"
)

// Canonical returns the type riffq computes with for a column stored as
// dt, or dt itself when riffq computes with dt. Files carry many Arrow
// types for one PostgreSQL type — strings dictionary-encoded (pandas
// categoricals) or with 64-bit offsets (Polars), timestamps in seconds,
// milliseconds or nanoseconds, unsigned integers — and the engine's
// kernels take one of each: a file source converts its columns to these
// as it reads them (ToCanonical).
//
// Integers widen to the next signed type that holds every value (uint64
// to numeric(20,0)), as PostgreSQL has no 8-bit or unsigned integers;
// timestamps become microseconds (PostgreSQL's precision; nanoseconds are
// cut), with any time zone as UTC (the instants are the same); times
// become microseconds; a column of Arrow's null type is text.
func Canonical(dt arrow.DataType) arrow.DataType {
	switch t := dt.(type) {
	case *arrow.DictionaryType:
		return Canonical(t.ValueType)
	case *arrow.Int8Type, *arrow.Uint8Type:
		return arrow.PrimitiveTypes.Int16
	case *arrow.Uint16Type:
		return arrow.PrimitiveTypes.Int32
	case *arrow.Uint32Type:
		return arrow.PrimitiveTypes.Int64
	case *arrow.Uint64Type:
		return &arrow.Decimal128Type{Precision: 20, Scale: 0}
	case *arrow.Float16Type:
		return arrow.PrimitiveTypes.Float32
	case *arrow.LargeStringType, *arrow.StringViewType, *arrow.NullType:
		return arrow.BinaryTypes.String
	case *arrow.LargeBinaryType, *arrow.BinaryViewType, *arrow.FixedSizeBinaryType:
		return arrow.BinaryTypes.Binary
	case *arrow.Date64Type:
		return arrow.FixedWidthTypes.Date32
	case *arrow.TimestampType:
		zone := ""
		if t.TimeZone != "" {
			zone = "UTC"
		}
		if t.Unit == arrow.Microsecond && t.TimeZone == zone {
			return dt
		}
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: zone}
	case *arrow.Time32Type:
		return arrow.FixedWidthTypes.Time64us
	case *arrow.Time64Type:
		return arrow.FixedWidthTypes.Time64us
	case *arrow.Decimal256Type:
		if t.Precision <= 38 {
			return &arrow.Decimal128Type{Precision: t.Precision, Scale: t.Scale}
		}
		return pgtypes.Numeric() // each value as its text
	case *arrow.ListType:
		if elem := Canonical(t.Elem()); !arrow.TypeEqual(elem, t.Elem()) {
			return arrow.ListOf(elem)
		}
	case *arrow.LargeListType:
		return arrow.ListOf(Canonical(t.Elem()))
	case *arrow.FixedSizeListType:
		return arrow.ListOf(Canonical(t.Elem()))
	}
	return dt
}

// CanonicalSchema is s with every field's type Canonical.
func CanonicalSchema(s *arrow.Schema) *arrow.Schema {
	fields := s.Fields()
	for i, f := range fields {
		fields[i].Type = Canonical(f.Type)
	}
	md := s.Metadata()
	return arrow.NewSchema(fields, &md)
}

// ToCanonical converts a to type to, Canonical(a.DataType()). The caller
// releases the result.
func ToCanonical(mem memory.Allocator, a arrow.Array, to arrow.DataType) (arrow.Array, error) {
	if arrow.TypeEqual(a.DataType(), to) {
		a.Retain()
		return a, nil
	}
	switch from := a.(type) {
	case *array.Dictionary:
		plain, err := compute.TakeArray(compute.WithAllocator(context.Background(), mem), from.Dictionary(), from.Indices())
		if err != nil {
			return nil, fmt.Errorf("expand %s: %w", a.DataType(), err)
		}
		defer plain.Release()
		return ToCanonical(mem, plain, to)
	case *array.Float16:
		b := array.NewFloat32Builder(mem)
		return eachValue(b, from, func(i int) { b.Append(from.Value(i).Float32()) }), nil
	case *array.Binary:
		if _, ok := to.(*pgtypes.JSONBType); ok {
			return jsonText(mem, from)
		}
	case *array.Null:
		return array.MakeArrayOfNull(mem, to, from.Len()), nil
	case *array.Date64:
		// Milliseconds; a time of day is dropped, as ::date drops it.
		b := array.NewDate32Builder(mem)
		return eachValue(b, from, func(i int) {
			ms := int64(from.Value(i))
			days := ms / 86400000
			if ms%86400000 < 0 {
				days--
			}
			b.Append(arrow.Date32(days))
		}), nil
	case *array.Timestamp:
		if from.DataType().(*arrow.TimestampType).Unit == arrow.Nanosecond {
			return roundNanos(mem, from, to)
		}
	case *array.Time64:
		if from.DataType().(*arrow.Time64Type).Unit == arrow.Nanosecond {
			return roundNanos(mem, from, to)
		}
	case *array.Decimal256:
		if _, ok := to.(*pgtypes.NumericType); ok {
			b := array.NewStringBuilder(mem)
			scale := from.DataType().(*arrow.Decimal256Type).Scale
			storage := eachValue(b, from, func(i int) { b.Append(from.Value(i).ToString(scale)) })
			defer storage.Release()
			return array.NewExtensionArrayWithStorage(pgtypes.Numeric(), storage), nil
		}
	case *array.FixedSizeBinary:
		if to.ID() == arrow.INTERVAL_MONTH_DAY_NANO && from.DataType().(*arrow.FixedSizeBinaryType).ByteWidth == 12 {
			return parquetIntervals(mem, from), nil
		}
		// arrow's cast dereferences a missing validity bitmap, on a
		// goroutine of its own where no recover reaches.
		b := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
		return eachValue(b, from, func(i int) { b.Append(from.Value(i)) }), nil
	case *array.FixedSizeList:
		n := int(from.DataType().(*arrow.FixedSizeListType).Len())
		return toList(mem, from, to.(*arrow.ListType), from.ListValues(), func(i int) int { return (from.Offset() + i) * n })
	case *array.LargeList:
		offs := from.Offsets() // of the whole buffer: row i is at Offset()+i
		return toList(mem, from, to.(*arrow.ListType), from.ListValues(), func(i int) int { return int(offs[from.Offset()+i]) })
	case *array.List:
		offs := from.Offsets()
		return toList(mem, from, to.(*arrow.ListType), from.ListValues(), func(i int) int { return int(offs[from.Offset()+i]) })
	}
	ctx := compute.WithAllocator(context.Background(), mem)
	// Safe: a value the new type cannot hold (a timestamp in seconds
	// beyond microseconds' range) fails rather than wraps. Nanoseconds,
	// which lose digits, are rounded above.
	out, err := compute.CastArray(ctx, a, compute.SafeCastOptions(to))
	if err != nil {
		return nil, fmt.Errorf("convert %s to %s: %w", a.DataType(), to, err)
	}
	return out, nil
}

// toList converts a list-like array to a list of canonical elements
// (arrow's cast has no kernel for fixed-size lists, and leaks converting
// large lists): list i is values[at(i):at(i+1)].
func toList(mem memory.Allocator, a arrow.Array, to *arrow.ListType, values arrow.Array, at func(int) int) (arrow.Array, error) {
	first, last := at(0), at(a.Len())
	slice := array.NewSlice(values, int64(first), int64(last))
	defer slice.Release()
	elems, err := ToCanonical(mem, slice, to.Elem())
	if err != nil {
		return nil, err
	}
	defer elems.Release()
	if last-first > math.MaxInt32 {
		return nil, fmt.Errorf("convert %s: more than 2^31 elements", a.DataType())
	}
	offsets := memory.NewResizableBuffer(mem)
	defer offsets.Release()
	offsets.Resize(arrow.Int32Traits.BytesRequired(a.Len() + 1))
	offs := arrow.Int32Traits.CastFromBytes(offsets.Bytes())
	validity := memory.NewResizableBuffer(mem)
	defer validity.Release()
	validity.Resize(int(bitutil.BytesForBits(int64(a.Len()))))
	for i := range a.Len() {
		offs[i] = int32(at(i) - first)
		bitutil.SetBitTo(validity.Bytes(), i, a.IsValid(i))
	}
	offs[a.Len()] = int32(last - first)
	data := array.NewData(to, a.Len(), []*memory.Buffer{validity, offsets}, []arrow.ArrayData{elems.Data()}, a.NullN(), 0)
	defer data.Release()
	return array.MakeFromData(data), nil
}

// roundNanos converts nanosecond timestamps or times to microseconds
// rounded half to even, as PostgreSQL rounds a fraction it cannot hold.
func roundNanos(mem memory.Allocator, a arrow.Array, to arrow.DataType) (arrow.Array, error) {
	var ns []int64
	switch a := a.(type) {
	case *array.Timestamp:
		ns = arrow.Int64Traits.CastFromBytes(a.Data().Buffers()[1].Bytes())[a.Offset() : a.Offset()+a.Len()]
	case *array.Time64:
		ns = arrow.Int64Traits.CastFromBytes(a.Data().Buffers()[1].Bytes())[a.Offset() : a.Offset()+a.Len()]
	}
	values := memory.NewResizableBuffer(mem)
	defer values.Release()
	values.Resize(arrow.Int64Traits.BytesRequired(len(ns)))
	us := arrow.Int64Traits.CastFromBytes(values.Bytes())
	for i, v := range ns {
		us[i] = nanosToMicros(v)
	}
	var validity *memory.Buffer
	if a.NullN() > 0 {
		validity = memory.NewResizableBuffer(mem)
		defer validity.Release()
		validity.Resize(int(bitutil.BytesForBits(int64(a.Len()))))
		for i := range a.Len() {
			bitutil.SetBitTo(validity.Bytes(), i, a.IsValid(i))
		}
	}
	data := array.NewData(to, a.Len(), []*memory.Buffer{validity, values}, nil, a.NullN(), 0)
	defer data.Release()
	return array.MakeFromData(data), nil
}

// nanosToMicros rounds nanoseconds to microseconds half to even, as
// PostgreSQL rounds a fraction it cannot hold.
func nanosToMicros(v int64) int64 {
	q, r := v/1000, v%1000
	if r < 0 {
		q, r = q-1, r+1000
	}
	if r > 500 || r == 500 && q%2 != 0 {
		q++
	}
	return q
}

// parquetIntervals reads Parquet's INTERVAL: months, days and
// milliseconds as three little-endian uint32.
func parquetIntervals(mem memory.Allocator, a *array.FixedSizeBinary) arrow.Array {
	b := array.NewMonthDayNanoIntervalBuilder(mem)
	return eachValue(b, a, func(i int) {
		v := a.Value(i)
		b.Append(arrow.MonthDayNanoInterval{
			Months:      int32(binary.LittleEndian.Uint32(v[0:4])),
			Days:        int32(binary.LittleEndian.Uint32(v[4:8])),
			Nanoseconds: int64(binary.LittleEndian.Uint32(v[8:12])) * 1e6,
		})
	})
}

// eachValue fills b, which it releases, with a's rows: a NULL for each
// NULL, put(i) for the others.
func eachValue(b array.Builder, a arrow.Array, put func(i int)) arrow.Array {
	defer b.Release()
	b.Reserve(a.Len())
	for i := range a.Len() {
		if a.IsNull(i) {
			b.AppendNull()
			continue
		}
		put(i)
	}
	return b.NewArray()
}

// jsonText makes JSON documents stored as bytes a jsonb column; a
// document that is not JSON fails, as its input would in PostgreSQL.
func jsonText(mem memory.Allocator, a *array.Binary) (arrow.Array, error) {
	return jsonbColumn(mem, a, func(i int) ([]byte, error) { return a.Value(i), nil })
}
