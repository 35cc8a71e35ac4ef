package engine

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Kernels and casts of time (of day) values: microseconds since midnight,
// Arrow's time64[us].

const microsPerDay = int64(86_400_000_000)

// timeKernel computes the time operators: time ± interval (the interval's
// months and days ignored, the result wrapped into one day), time - time
// (an interval) and date + time (a timestamp).
func timeKernel(mem memory.Allocator, fn string, l, r arrow.Array, out arrow.DataType) (arrow.Array, error) {
	b := array.NewBuilder(mem, out)
	defer b.Release()
	for i := range l.Len() {
		if l.IsNull(i) || r.IsNull(i) {
			b.AppendNull()
			continue
		}
		switch fn {
		case "time_pl_interval", "time_mi_interval":
			t := int64(l.(*array.Time64).Value(i))
			d := r.(*array.MonthDayNanoInterval).Value(i).Nanoseconds / 1000
			if fn == "time_mi_interval" {
				d = -d
			}
			b.(*array.Time64Builder).Append(arrow.Time64(floorMod(t+d, microsPerDay)))
		case "time_mi_time":
			d := int64(l.(*array.Time64).Value(i)) - int64(r.(*array.Time64).Value(i))
			b.(*array.MonthDayNanoIntervalBuilder).Append(arrow.MonthDayNanoInterval{Nanoseconds: d * 1000})
		case "date_pl_time":
			days := int64(l.(*array.Date32).Value(i))
			b.(*array.TimestampBuilder).Append(arrow.Timestamp(days*microsPerDay + int64(r.(*array.Time64).Value(i))))
		default:
			return nil, fmt.Errorf("time operator %s", fn)
		}
	}
	return b.NewArray(), nil
}

func floorMod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// castTime converts to and from time: a timestamp's time of day, an
// interval's time part wrapped into one day, and a time as an interval.
func castTime(mem memory.Allocator, arr arrow.Array, to arrow.DataType) (arrow.Array, error) {
	b := array.NewBuilder(mem, to)
	defer b.Release()
	var appendValue func(i int)
	switch a := arr.(type) {
	case *array.Timestamp:
		tb := b.(*array.Time64Builder)
		appendValue = func(i int) { tb.Append(arrow.Time64(floorMod(int64(a.Value(i)), microsPerDay))) }
	case *array.MonthDayNanoInterval:
		tb := b.(*array.Time64Builder)
		appendValue = func(i int) { tb.Append(arrow.Time64(floorMod(a.Value(i).Nanoseconds/1000, microsPerDay))) }
	case *array.Time64:
		ib := b.(*array.MonthDayNanoIntervalBuilder)
		appendValue = func(i int) { ib.Append(arrow.MonthDayNanoInterval{Nanoseconds: int64(a.Value(i)) * 1000}) }
	default:
		return nil, fmt.Errorf("cast %s to %s", arr.DataType(), to)
	}
	for i := range arr.Len() {
		if arr.IsNull(i) {
			b.AppendNull()
			continue
		}
		appendValue(i)
	}
	return b.NewArray(), nil
}

// timeCast reports whether castTime converts from one type to the other.
func timeCast(from, to arrow.DataType) bool {
	switch {
	case to.ID() == arrow.TIME64:
		return from.ID() == arrow.TIMESTAMP && !isZoned(from) || from.ID() == arrow.INTERVAL_MONTH_DAY_NANO
	case from.ID() == arrow.TIME64:
		return to.ID() == arrow.INTERVAL_MONTH_DAY_NANO
	}
	return false
}
