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
	mem := memory.DefaultAllocator
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
		finite = buildRows(array.NewDate32Builder(mem), n, c.IsNull, func(i int) arrow.Date32 {
			return infiniteOr(signs[i], c.Value(i), 0, 0)
		})
	case *array.Timestamp:
		finite = buildRows(array.NewTimestampBuilder(mem, c.DataType().(*arrow.TimestampType)), n, c.IsNull, func(i int) arrow.Timestamp {
			return infiniteOr(signs[i], c.Value(i), 0, 0)
		})
	}
	defer finite.Release()
	out, err := Cast(ctx, finite, to)
	if err != nil {
		return nil, err
	}
	switch o := out.(type) {
	case *array.Date32:
		defer o.Release()
		return buildRows(array.NewDate32Builder(mem), n, o.IsNull, func(i int) arrow.Date32 {
			return infiniteOr(signs[i], o.Value(i), pgtext.InfiniteDays, pgtext.NegInfiniteDays)
		}), nil
	case *array.Timestamp:
		defer o.Release()
		return buildRows(array.NewTimestampBuilder(mem, o.DataType().(*arrow.TimestampType)), n, o.IsNull, func(i int) arrow.Timestamp {
			return infiniteOr(signs[i], o.Value(i), pgtext.InfiniteMicros, pgtext.NegInfiniteMicros)
		}), nil
	}
	return out, nil
}

// infiniteOr is v for a finite row (sign 0), else pos or neg by its sign.
func infiniteOr[T any](sign int, v, pos, neg T) T {
	switch {
	case sign > 0:
		return pos
	case sign < 0:
		return neg
	}
	return v
}

// rowBuilder is the builder of a date or timestamp column.
type rowBuilder[T any] interface {
	Append(T)
	AppendNull()
	NewArray() arrow.Array
	Release()
}

// buildRows builds n rows with b: NULL where null says, else value's.
func buildRows[T any](b rowBuilder[T], n int, null func(int) bool, value func(int) T) arrow.Array {
	defer b.Release()
	for i := range n {
		if null(i) {
			b.AppendNull()
			continue
		}
		b.Append(value(i))
	}
	return b.NewArray()
}
