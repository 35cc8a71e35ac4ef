package engine

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/pgtext"
)

// infiniteAt reports the sign of row i of a date or timestamp column when
// it is infinite (pgtext's infinity.go), 0 otherwise.
func infiniteAt(a arrow.Array, i int) int {
	switch c := a.(type) {
	case *array.Date32:
		_, sign := pgtext.InfiniteDate(c.Value(i))
		return sign
	case *array.Timestamp:
		_, sign := pgtext.InfiniteTimestamp(c.Value(i))
		return sign
	}
	return 0
}

// hasInfinite reports whether a date or timestamp column holds an
// infinite value.
func hasInfinite(a arrow.Array) bool {
	switch a.(type) {
	case *array.Date32, *array.Timestamp:
	default:
		return false
	}
	for i := range a.Len() {
		if a.IsValid(i) && infiniteAt(a, i) != 0 {
			return true
		}
	}
	return false
}

// isDateOrTimestamp reports whether dt is date, timestamp or timestamptz.
func isDateOrTimestamp(dt arrow.DataType) bool {
	return dt.ID() == arrow.DATE32 || dt.ID() == arrow.TIMESTAMP
}

// castInfinite casts a date or timestamp column holding infinite values
// to another of those types: the finite values as Cast casts them, the
// infinite ones to the target type's infinity of the same sign.
func castInfinite(ctx context.Context, arr arrow.Array, to arrow.DataType) (arrow.Array, error) {
	n := arr.Len()
	signs := make([]int, n)
	for i := range n {
		if arr.IsValid(i) {
			signs[i] = infiniteAt(arr, i)
		}
	}
	// The finite values alone (infinite ones as the epoch) take the usual
	// cast; the infinite ones are put back after.
	var finite arrow.Array
	switch c := arr.(type) {
	case *array.Date32:
		b := array.NewDate32Builder(memory.DefaultAllocator)
		defer b.Release()
		for i := range n {
			switch {
			case c.IsNull(i):
				b.AppendNull()
			case signs[i] != 0:
				b.Append(0)
			default:
				b.Append(c.Value(i))
			}
		}
		finite = b.NewArray()
	case *array.Timestamp:
		b := array.NewTimestampBuilder(memory.DefaultAllocator, c.DataType().(*arrow.TimestampType))
		defer b.Release()
		for i := range n {
			switch {
			case c.IsNull(i):
				b.AppendNull()
			case signs[i] != 0:
				b.Append(0)
			default:
				b.Append(c.Value(i))
			}
		}
		finite = b.NewArray()
	}
	defer finite.Release()
	out, err := Cast(ctx, finite, to)
	if err != nil {
		return nil, err
	}
	defer out.Release()
	b := array.NewBuilder(memory.DefaultAllocator, to)
	defer b.Release()
	for i := range n {
		switch {
		case out.IsNull(i):
			b.AppendNull()
		case signs[i] == 0:
			switch o := out.(type) {
			case *array.Date32:
				b.(*array.Date32Builder).Append(o.Value(i))
			case *array.Timestamp:
				b.(*array.TimestampBuilder).Append(o.Value(i))
			}
		default:
			switch bb := b.(type) {
			case *array.Date32Builder:
				bb.Append(map[bool]arrow.Date32{true: pgtext.InfiniteDays, false: pgtext.NegInfiniteDays}[signs[i] > 0])
			case *array.TimestampBuilder:
				bb.Append(map[bool]arrow.Timestamp{true: pgtext.InfiniteMicros, false: pgtext.NegInfiniteMicros}[signs[i] > 0])
			}
		}
	}
	return b.NewArray(), nil
}
