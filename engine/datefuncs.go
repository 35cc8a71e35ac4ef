package engine

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/pgerror"
)

// The date/time constructors and age: make_date, make_timestamp,
// to_timestamp(epoch) and age(t1, t2), with PostgreSQL's range checks
// and its symbolic (years, months, days, time) differences.

// PostgreSQL's timestamps run from 4714-11-24 BC to 294276 AD; riffq's
// microsecond Arrow timestamps hold about ±292,000 years, so the checks
// below use PostgreSQL's upper limit and Go's own for the lower.
const maxTimestampYear = 294276

func int32Column(a arrow.Array) (*array.Int32, error) {
	v, ok := a.(*array.Int32)
	if !ok {
		return nil, fmt.Errorf("expected an integer column, got %s", a.DataType())
	}
	return v, nil
}

// makeDateKernel is make_date(year, month, day); a negative year counts
// BC, year 0 is an error, as in PostgreSQL.
func makeDateKernel(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	ys, err := int32Column(in[0])
	if err != nil {
		return nil, err
	}
	ms, err := int32Column(in[1])
	if err != nil {
		return nil, err
	}
	ds, err := int32Column(in[2])
	if err != nil {
		return nil, err
	}
	b := array.NewDate32Builder(mem)
	defer b.Release()
	for i := range ys.Len() {
		if ys.IsNull(i) || ms.IsNull(i) || ds.IsNull(i) {
			b.AppendNull()
			continue
		}
		t, err := civilDate(int(ys.Value(i)), int(ms.Value(i)), int(ds.Value(i)))
		if err != nil {
			return nil, err
		}
		b.Append(arrow.Date32FromTime(t))
	}
	return b.NewArray(), nil
}

// civilDate checks a year (negative: BC), month and day and returns the
// day's midnight in UTC.
func civilDate(y, m, d int) (time.Time, error) {
	if y == 0 {
		return time.Time{}, pgerror.New("22008", "date field value out of range: %d-%02d-%02d", y, m, d)
	}
	year := y
	if y < 0 {
		year = y + 1 // astronomical numbering: 1 BC is year 0
	}
	t := time.Date(year, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if m < 1 || m > 12 || d < 1 || t.Day() != d || year > maxTimestampYear {
		return time.Time{}, pgerror.New("22008", "date field value out of range: %d-%02d-%02d", y, m, d)
	}
	return t, nil
}

// intsAndSeconds reads the arguments of make_timestamp and make_interval:
// integer fields, then seconds as double precision.
func intsAndSeconds(in []arrow.Array, fn string) ([]*array.Int32, *array.Float64, error) {
	ints := make([]*array.Int32, len(in)-1)
	for k := range ints {
		var err error
		if ints[k], err = int32Column(in[k]); err != nil {
			return nil, nil, err
		}
	}
	secs, ok := in[len(in)-1].(*array.Float64)
	if !ok {
		return nil, nil, fmt.Errorf("%s: seconds are %s", fn, in[len(in)-1].DataType())
	}
	return ints, secs, nil
}

// anyNull reports whether row i is NULL in any of the columns.
func anyNull(i int, first arrow.Array, rest ...*array.Int32) bool {
	if first.IsNull(i) {
		return true
	}
	for _, c := range rest {
		if c.IsNull(i) {
			return true
		}
	}
	return false
}

// makeTimestampKernel is make_timestamp(year, month, day, hour, min, sec).
func makeTimestampKernel(mem memory.Allocator, in []arrow.Array, out arrow.DataType) (arrow.Array, error) {
	ints, secs, err := intsAndSeconds(in, "make_timestamp")
	if err != nil {
		return nil, err
	}
	b := array.NewTimestampBuilder(mem, out.(*arrow.TimestampType))
	defer b.Release()
	for i := range secs.Len() {
		if anyNull(i, secs, ints...) {
			b.AppendNull()
			continue
		}
		day, err := civilDate(int(ints[0].Value(i)), int(ints[1].Value(i)), int(ints[2].Value(i)))
		if err != nil {
			return nil, err
		}
		t, err := timeOfDay(int(ints[3].Value(i)), int(ints[4].Value(i)), secs.Value(i))
		if err != nil {
			return nil, err
		}
		b.Append(arrow.Timestamp(day.UnixMicro() + t))
	}
	return b.NewArray(), nil
}

// makeTimeKernel is make_time(hour, min, sec).
func makeTimeKernel(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	ints, secs, err := intsAndSeconds(in, "make_time")
	if err != nil {
		return nil, err
	}
	b := array.NewTime64Builder(mem, arrow.FixedWidthTypes.Time64us.(*arrow.Time64Type))
	defer b.Release()
	for i := range secs.Len() {
		if anyNull(i, secs, ints...) {
			b.AppendNull()
			continue
		}
		t, err := timeOfDay(int(ints[0].Value(i)), int(ints[1].Value(i)), secs.Value(i))
		if err != nil {
			return nil, err
		}
		b.Append(arrow.Time64(t))
	}
	return b.NewArray(), nil
}

// timeOfDay is microseconds since midnight of h:mi:s, checked as
// PostgreSQL checks it: 24:00:00 exactly is allowed, and 60 seconds
// (which carry into the next minute).
func timeOfDay(h, mi int, s float64) (int64, error) {
	if h < 0 || h > 24 || mi < 0 || mi > 59 || !(s >= 0 && s <= 60) || (h == 24 && (mi > 0 || s > 0)) {
		sec := cFloat(s)
		if len(sec) < 2 {
			sec = "0" + sec
		}
		return 0, pgerror.New("22008", "time field value out of range: %d:%02d:%s", h, mi, sec)
	}
	return int64(h)*3_600_000_000 + int64(mi)*60_000_000 + int64(math.Round(s*1e6)), nil
}

// cFloat prints f as C's %g does, as PostgreSQL's messages show it.
func cFloat(f float64) string { return strconv.FormatFloat(f, 'g', 6, 64) }

// toTimestampKernel is to_timestamp(double precision): seconds since
// 1970-01-01 UTC, rounded to microseconds.
func toTimestampKernel(mem memory.Allocator, in []arrow.Array, out arrow.DataType) (arrow.Array, error) {
	secs, ok := in[0].(*array.Float64)
	if !ok {
		return nil, fmt.Errorf("to_timestamp: argument is %s", in[0].DataType())
	}
	b := array.NewTimestampBuilder(mem, out.(*arrow.TimestampType))
	defer b.Release()
	for i := range secs.Len() {
		if secs.IsNull(i) {
			b.AppendNull()
			continue
		}
		s := secs.Value(i)
		switch {
		case math.IsNaN(s):
			return nil, pgerror.New("22008", "timestamp cannot be NaN")
		case math.IsInf(s, 1):
			b.Append(pgtext.InfiniteMicros)
			continue
		case math.IsInf(s, -1):
			b.Append(pgtext.NegInfiniteMicros)
			continue
		}
		// PostgreSQL's range ends in 294276; the lower end is Go's.
		if s < -210866803200 || s >= 9224318016000 {
			return nil, pgerror.New("22008", "timestamp out of range: \"%s\"", cFloat(s))
		}
		b.Append(arrow.Timestamp(math.Round(s * 1e6)))
	}
	return b.NewArray(), nil
}

// compileAge evaluates age(t1, t2) over timestamps, or timestamptz in the
// session's time zone: the difference in years, months and days of the
// calendar, then time, each field made non-negative by borrowing from
// the next, as PostgreSQL's timestamp_age does.
func compileAge(args []evaluator, zoned bool) evaluator {
	return compileWithContext(args, func(ctx context.Context, in []arrow.Array, _ int) (arrow.Array, error) {
		l, r := in[0], in[1]
		lt, err := timeValues(l)
		if err != nil {
			return nil, err
		}
		rt, err := timeValues(r)
		if err != nil {
			return nil, err
		}
		loc := time.UTC
		if zoned {
			loc = sessionLocation(ctx)
		}
		out := array.NewMonthDayNanoIntervalBuilder(memory.DefaultAllocator)
		defer out.Release()
		for i := range l.Len() {
			if l.IsNull(i) || r.IsNull(i) {
				out.AppendNull()
				continue
			}
			out.Append(age(lt(i).In(loc), rt(i).In(loc)))
		}
		return out.NewArray(), nil
	})
}

func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func age(t1, t2 time.Time) arrow.MonthDayNanoInterval {
	y1, m1, d1 := t1.Date()
	y2, m2, d2 := t2.Date()
	usec := (t1.Nanosecond() - t2.Nanosecond()) / 1000
	sec := t1.Second() - t2.Second()
	mins := t1.Minute() - t2.Minute()
	hour := t1.Hour() - t2.Hour()
	day := d1 - d2
	mon := int(m1) - int(m2)
	year := y1 - y2
	neg := t1.Before(t2)
	if neg {
		usec, sec, mins, hour, day, mon, year = -usec, -sec, -mins, -hour, -day, -mon, -year
	}
	for usec < 0 {
		usec += 1_000_000
		sec--
	}
	for sec < 0 {
		sec += 60
		mins--
	}
	for mins < 0 {
		mins += 60
		hour--
	}
	for hour < 0 {
		hour += 24
		day--
	}
	for day < 0 {
		// Borrow the length of the earlier value's month.
		if neg {
			day += daysIn(y1, m1)
		} else {
			day += daysIn(y2, m2)
		}
		mon--
	}
	for mon < 0 {
		mon += 12
		year--
	}
	if neg {
		usec, sec, mins, hour, day, mon, year = -usec, -sec, -mins, -hour, -day, -mon, -year
	}
	nanos := (int64(hour)*3600+int64(mins)*60+int64(sec))*1_000_000_000 + int64(usec)*1000
	return arrow.MonthDayNanoInterval{Months: int32(year*12 + mon), Days: int32(day), Nanoseconds: nanos}
}

const usecsPerDay = 86_400_000_000

// dateBinKernel is date_bin(stride, source, origin): source moved down to
// the start of its stride-long bin counted from origin. Strides with
// months or years have no fixed length and are refused, as in PostgreSQL.
func dateBinKernel(mem memory.Allocator, in []arrow.Array, out arrow.DataType) (arrow.Array, error) {
	strides, ok := in[0].(*array.MonthDayNanoInterval)
	if !ok {
		return nil, fmt.Errorf("date_bin: stride is %s", in[0].DataType())
	}
	sources, ok1 := in[1].(*array.Timestamp)
	origins, ok2 := in[2].(*array.Timestamp)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("date_bin: expected timestamps, got %s and %s", in[1].DataType(), in[2].DataType())
	}
	b := array.NewTimestampBuilder(mem, out.(*arrow.TimestampType))
	defer b.Release()
	for i := range strides.Len() {
		if strides.IsNull(i) || sources.IsNull(i) || origins.IsNull(i) {
			b.AppendNull()
			continue
		}
		s := strides.Value(i)
		if s.Months != 0 {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "timestamps cannot be binned into intervals containing months or years")
		}
		stride := int64(s.Days)*usecsPerDay + s.Nanoseconds/1000
		if stride <= 0 {
			return nil, pgerror.New("22008", "stride must be greater than zero")
		}
		origin := int64(origins.Value(i))
		diff := int64(sources.Value(i)) - origin
		delta := diff - diff%stride
		if diff < 0 && diff%stride != 0 {
			delta -= stride // toward minus infinity: the bin's start
		}
		b.Append(arrow.Timestamp(origin + delta))
	}
	return b.NewArray(), nil
}

// justifyKernel is justify_hours, justify_days and justify_interval:
// whole days of time become days, whole 30-day months of days become
// months, and the parts are made to share a sign.
func justifyKernel(mem memory.Allocator, name string, in arrow.Array) (arrow.Array, error) {
	vals, ok := in.(*array.MonthDayNanoInterval)
	if !ok {
		return nil, fmt.Errorf("%s: argument is %s", name, in.DataType())
	}
	b := array.NewMonthDayNanoIntervalBuilder(mem)
	defer b.Release()
	for i := range vals.Len() {
		if vals.IsNull(i) {
			b.AppendNull()
			continue
		}
		v := vals.Value(i)
		months, days, usecs := int64(v.Months), int64(v.Days), v.Nanoseconds/1000
		hours := func() {
			days += usecs / usecsPerDay
			usecs %= usecsPerDay
		}
		monthsOfDays := func() {
			months += days / 30
			days %= 30
		}
		switch name {
		case "justify_hours":
			hours()
			if days > 0 && usecs < 0 {
				usecs, days = usecs+usecsPerDay, days-1
			} else if days < 0 && usecs > 0 {
				usecs, days = usecs-usecsPerDay, days+1
			}
		case "justify_days":
			monthsOfDays()
			if months > 0 && days < 0 {
				days, months = days+30, months-1
			} else if months < 0 && days > 0 {
				days, months = days-30, months+1
			}
		default: // justify_interval
			if days > 0 && usecs > 0 || days < 0 && usecs < 0 {
				monthsOfDays()
			}
			hours()
			monthsOfDays()
			if months > 0 && (days < 0 || days == 0 && usecs < 0) {
				days, months = days+30, months-1
			} else if months < 0 && (days > 0 || days == 0 && usecs > 0) {
				days, months = days-30, months+1
			}
			if days > 0 && usecs < 0 {
				usecs, days = usecs+usecsPerDay, days-1
			} else if days < 0 && usecs > 0 {
				usecs, days = usecs-usecsPerDay, days+1
			}
		}
		if months > math.MaxInt32 || months < math.MinInt32 || days > math.MaxInt32 || days < math.MinInt32 {
			return nil, pgerror.New("22008", "interval out of range")
		}
		b.Append(arrow.MonthDayNanoInterval{Months: int32(months), Days: int32(days), Nanoseconds: usecs * 1000})
	}
	return b.NewArray(), nil
}

// makeIntervalKernel is make_interval(years, months, weeks, days, hours,
// mins, secs).
func makeIntervalKernel(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	ints, secs, err := intsAndSeconds(in, "make_interval")
	if err != nil {
		return nil, err
	}
	b := array.NewMonthDayNanoIntervalBuilder(mem)
	defer b.Release()
	for i := range secs.Len() {
		if anyNull(i, secs, ints...) {
			b.AppendNull()
			continue
		}
		s := secs.Value(i)
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return nil, pgerror.New("22008", "interval out of range")
		}
		v := func(k int) int64 { return int64(ints[k].Value(i)) }
		months := v(0)*12 + v(1)
		days := v(2)*7 + v(3)
		usecs := float64(v(4))*3600e6 + float64(v(5))*60e6 + math.Round(s*1e6)
		if months > math.MaxInt32 || months < math.MinInt32 || days > math.MaxInt32 || days < math.MinInt32 || math.Abs(usecs) > math.MaxInt64/1000 {
			return nil, pgerror.New("22008", "interval out of range")
		}
		b.Append(arrow.MonthDayNanoInterval{Months: int32(months), Days: int32(days), Nanoseconds: int64(usecs) * 1000})
	}
	return b.NewArray(), nil
}

// compileClockTimestamp evaluates clock_timestamp(): the time of each
// evaluation, unlike now(), which is fixed for the statement.
func compileClockTimestamp(out arrow.DataType) evaluator {
	return func(_ context.Context, b arrow.RecordBatch) (compute.Datum, error) {
		tb := array.NewTimestampBuilder(memory.DefaultAllocator, out.(*arrow.TimestampType))
		defer tb.Release()
		for range b.NumRows() {
			tb.Append(arrow.Timestamp(time.Now().UnixMicro()))
		}
		return compute.NewDatumWithoutOwning(tb.NewArray()), nil
	}
}

// compileSleep evaluates pg_sleep(seconds): it waits that long for each
// row (a cancelled statement stops waiting) and yields PostgreSQL's void,
// which reads as an empty string.
func compileSleep(seconds evaluator) evaluator {
	return func(ctx context.Context, b arrow.RecordBatch) (compute.Datum, error) {
		secs, err := evalArray(ctx, seconds, b)
		if err != nil {
			return nil, err
		}
		defer secs.Release()
		f := secs.(*array.Float64)
		sb := array.NewStringBuilder(memory.DefaultAllocator)
		defer sb.Release()
		for i := range f.Len() {
			if f.IsValid(i) && f.Value(i) > 0 {
				t := time.NewTimer(time.Duration(f.Value(i) * float64(time.Second)))
				select {
				case <-ctx.Done():
					t.Stop()
					return nil, ctx.Err()
				case <-t.C:
				}
			}
			sb.Append("")
		}
		return compute.NewDatumWithoutOwning(sb.NewArray()), nil
	}
}

// tsRound rounds to microseconds' worth of precision, as PostgreSQL's
// TSROUND does to keep whole numbers whole after float arithmetic.
func tsRound(f float64) float64 { return math.RoundToEven(f*1e6) / 1e6 }

// scaleInterval multiplies v by factor as PostgreSQL's interval_mul (or,
// with divide, interval_div): months and days are truncated, their
// fractions cascaded down to days (30 per month) and time, never up.
func scaleInterval(v arrow.MonthDayNanoInterval, factor float64, divide bool) (arrow.MonthDayNanoInterval, error) {
	op := func(x float64) float64 {
		if divide {
			return x / factor
		}
		return x * factor
	}
	if divide && factor == 0 {
		return v, pgerror.New(pgerror.DivisionByZero, "division by zero")
	}
	monthsF, daysF := op(float64(v.Months)), op(float64(v.Days))
	if math.IsNaN(monthsF) || math.Abs(monthsF) > math.MaxInt32 || math.IsNaN(daysF) || math.Abs(daysF) > math.MaxInt32 {
		return v, pgerror.New("22008", "interval out of range")
	}
	months, days := int32(monthsF), int32(daysF)
	monthDays := tsRound((monthsF - float64(months)) * 30)
	secs := tsRound((daysF - float64(days) + monthDays - float64(int32(monthDays))) * 86400)
	if math.Abs(secs) >= 86400 {
		days += int32(secs / 86400)
		secs -= float64(int32(secs/86400)) * 86400
	}
	days += int32(monthDays)
	usecs := math.RoundToEven(op(float64(v.Nanoseconds/1000)) + secs*1e6)
	if math.IsNaN(usecs) || math.Abs(usecs) >= math.MaxInt64/1000 {
		return v, pgerror.New("22008", "interval out of range")
	}
	return arrow.MonthDayNanoInterval{Months: months, Days: days, Nanoseconds: int64(usecs) * 1000}, nil
}

// intervalArithKernel computes interval * float8, interval / float8,
// interval + interval and interval - interval.
func intervalArithKernel(mem memory.Allocator, name string, in []arrow.Array) (arrow.Array, error) {
	l, ok := in[0].(*array.MonthDayNanoInterval)
	if !ok {
		return nil, fmt.Errorf("%s: left operand is %s", name, in[0].DataType())
	}
	b := array.NewMonthDayNanoIntervalBuilder(mem)
	defer b.Release()
	for i := range l.Len() {
		if l.IsNull(i) || in[1].IsNull(i) {
			b.AppendNull()
			continue
		}
		var (
			v   arrow.MonthDayNanoInterval
			err error
		)
		switch name {
		case "interval_mul", "interval_div":
			v, err = scaleInterval(l.Value(i), in[1].(*array.Float64).Value(i), name == "interval_div")
		default:
			a, r := l.Value(i), in[1].(*array.MonthDayNanoInterval).Value(i)
			sign := int64(1)
			if name == "interval_mi" {
				sign = -1
			}
			months := int64(a.Months) + sign*int64(r.Months)
			days := int64(a.Days) + sign*int64(r.Days)
			usecs, overflow := addInt64(a.Nanoseconds/1000, sign*(r.Nanoseconds/1000))
			if overflow || months > math.MaxInt32 || months < math.MinInt32 || days > math.MaxInt32 || days < math.MinInt32 || math.Abs(float64(usecs)) >= math.MaxInt64/1000 {
				err = pgerror.New("22008", "interval out of range")
			}
			v = arrow.MonthDayNanoInterval{Months: int32(months), Days: int32(days), Nanoseconds: usecs * 1000}
		}
		if err != nil {
			return nil, err
		}
		b.Append(v)
	}
	return b.NewArray(), nil
}

func addInt64(a, b int64) (int64, bool) {
	s := a + b
	return s, (a > 0 && b > 0 && s < 0) || (a < 0 && b < 0 && s >= 0)
}
