package engine

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/pgerror"
)

// timeValues reads a date or timestamp column as times in UTC (the
// session time zone riffq evaluates in).
func timeValues(a arrow.Array) (func(i int) time.Time, error) {
	switch v := a.(type) {
	case *array.Timestamp:
		unit := v.DataType().(*arrow.TimestampType).Unit
		return func(i int) time.Time { return v.Value(i).ToTime(unit) }, nil
	case *array.Date32:
		return func(i int) time.Time { return v.Value(i).ToTime() }, nil
	}
	return nil, fmt.Errorf("expected a date or timestamp, got %s", a.DataType())
}

// truncateTime cuts t down to the start of its unit, as date_trunc does
// (weeks start on Monday).
func truncateTime(t time.Time, unit string) (time.Time, error) {
	y, m, d := t.Date()
	loc := t.Location()
	switch unit {
	case "microseconds":
		return t.Truncate(time.Microsecond), nil
	case "milliseconds":
		return t.Truncate(time.Millisecond), nil
	case "second":
		return time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), 0, loc), nil
	case "minute":
		return time.Date(y, m, d, t.Hour(), t.Minute(), 0, 0, loc), nil
	case "hour":
		return time.Date(y, m, d, t.Hour(), 0, 0, 0, loc), nil
	case "day":
		return time.Date(y, m, d, 0, 0, 0, 0, loc), nil
	case "week":
		wd := (int(t.Weekday()) + 6) % 7 // Monday = 0
		return time.Date(y, m, d-wd, 0, 0, 0, 0, loc), nil
	case "month":
		return time.Date(y, m, 1, 0, 0, 0, 0, loc), nil
	case "quarter":
		return time.Date(y, m-(m-1)%3, 1, 0, 0, 0, 0, loc), nil
	case "year":
		return time.Date(y, 1, 1, 0, 0, 0, 0, loc), nil
	case "decade":
		return time.Date(y-mod(y, 10), 1, 1, 0, 0, 0, 0, loc), nil
	case "century":
		return time.Date(y-mod(y-1, 100), 1, 1, 0, 0, 0, 0, loc), nil
	case "millennium":
		return time.Date(y-mod(y-1, 1000), 1, 1, 0, 0, 0, 0, loc), nil
	}
	return t, errUnit
}

// errUnit marks a date/time unit the function does not know; callers name
// the type in the error, as PostgreSQL does.
var errUnit = fmt.Errorf("unit not recognized")

func unitError(unit string, dt arrow.DataType) error {
	return pgerror.New(pgerror.InvalidParameterValue, "unit %q not recognized for type %s", unit, pgTypeName(dt))
}

func mod(a, b int) int { return ((a % b) + b) % b }

// datePart returns a field of t as date_part computes it, with the
// microseconds it has (for extract's numeric scale).
func datePart(t time.Time, field string, isDate bool) (float64, error) {
	y, m, d := t.Date()
	us := float64(t.Nanosecond() / 1000)
	switch field {
	case "year":
		if y <= 0 {
			return float64(y - 1), nil // there is no year 0
		}
		return float64(y), nil
	case "month":
		return float64(m), nil
	case "day":
		return float64(d), nil
	case "hour":
		return float64(t.Hour()), nil
	case "minute":
		return float64(t.Minute()), nil
	case "second":
		return float64(t.Second()) + us/1e6, nil
	case "milliseconds":
		return float64(t.Second())*1000 + us/1000, nil
	case "microseconds":
		return float64(t.Second())*1e6 + us, nil
	case "dow":
		return float64(t.Weekday()), nil
	case "isodow":
		return float64((int(t.Weekday())+6)%7 + 1), nil
	case "doy":
		return float64(t.YearDay()), nil
	case "quarter":
		return float64((int(m)-1)/3 + 1), nil
	case "week":
		_, w := t.ISOWeek()
		return float64(w), nil
	case "isoyear":
		iy, _ := t.ISOWeek()
		if iy <= 0 {
			return float64(iy - 1), nil // as year: there is no year 0
		}
		return float64(iy), nil
	case "decade":
		return math.Floor(float64(y) / 10), nil
	case "century":
		if y > 0 {
			return float64((y + 99) / 100), nil
		}
		return -float64((99 - (y - 1)) / 100), nil
	case "millennium":
		if y > 0 {
			return float64((y + 999) / 1000), nil
		}
		return -float64((999 - (y - 1)) / 1000), nil
	case "epoch":
		return float64(t.Unix()) + us/1e6, nil
	case "julian":
		// The Julian Day Number (1970-01-01 is day 2440588) and, for a
		// timestamp, the fraction of its day.
		secs := t.Unix()
		day := floorDiv(secs, 86400)
		return float64(day+2440588) + (float64(secs-day*86400)+us/1e6)/86400, nil
	}
	return 0, errUnit
}

// dateTruncKernel applies date_trunc(unit, ts).
func dateTruncKernel(mem memory.Allocator, units, ts arrow.Array, loc *time.Location) (arrow.Array, error) {
	if iv, ok := ts.(*array.MonthDayNanoInterval); ok {
		return intervalTruncKernel(mem, units.(*array.String), iv)
	}
	get, err := timeValues(ts)
	if err != nil {
		return nil, err
	}
	u := units.(*array.String)
	out := array.NewTimestampBuilder(mem, ts.DataType().(*arrow.TimestampType))
	defer out.Release()
	unit := ts.DataType().(*arrow.TimestampType).Unit
	for i := range ts.Len() {
		if ts.IsNull(i) || u.IsNull(i) {
			out.AppendNull()
			continue
		}
		if infiniteAt(ts, i) != 0 {
			out.Append(ts.(*array.Timestamp).Value(i)) // infinity truncates to itself
			continue
		}
		// The wall clock at loc is truncated, and the instant moves back as
		// far as it did: the value keeps its UTC offset. (At UTC the wall
		// clock is the instant.)
		wall := get(i)
		if loc != time.UTC {
			l := wall.In(loc)
			wall = time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
		}
		t, err := truncateTime(wall, CanonicalUnit(u.Value(i)))
		if err != nil {
			return nil, unitError(u.Value(i), ts.DataType())
		}
		if loc != time.UTC {
			// In microseconds: a millennium is beyond a time.Duration.
			t = time.UnixMicro(get(i).UnixMicro() - (wall.UnixMicro() - t.UnixMicro())).UTC()
		}
		v, err := arrow.TimestampFromTime(t, unit)
		if err != nil {
			return nil, err
		}
		out.Append(v)
	}
	return out.NewArray(), nil
}

// intervalTruncKernel applies date_trunc(unit, interval) as PostgreSQL's
// interval_trunc: the interval is taken apart into years, months, days
// and a time of day (hours unbounded), and the fields below unit are
// zeroed, each truncated toward zero.
func intervalTruncKernel(mem memory.Allocator, units *array.String, iv *array.MonthDayNanoInterval) (arrow.Array, error) {
	out := array.NewMonthDayNanoIntervalBuilder(mem)
	defer out.Release()
	const (
		usPerSec  = int64(1_000_000)
		usPerMin  = 60 * usPerSec
		usPerHour = 60 * usPerMin
	)
	for i := range iv.Len() {
		if iv.IsNull(i) || units.IsNull(i) {
			out.AppendNull()
			continue
		}
		v := iv.Value(i)
		years, months := v.Months/12, v.Months%12
		days := v.Days
		us := v.Nanoseconds / 1000
		trunc := func(x, step int64) int64 { return x / step * step }
		switch CanonicalUnit(units.Value(i)) {
		case "millennium":
			years, months, days, us = years/1000*1000, 0, 0, 0
		case "century":
			years, months, days, us = years/100*100, 0, 0, 0
		case "decade":
			years, months, days, us = years/10*10, 0, 0, 0
		case "year":
			months, days, us = 0, 0, 0
		case "quarter":
			months, days, us = months/3*3, 0, 0
		case "month":
			days, us = 0, 0
		case "day":
			us = 0
		case "hour":
			us = trunc(us, usPerHour)
		case "minute":
			us = trunc(us, usPerMin)
		case "second":
			us = trunc(us, usPerSec)
		case "milliseconds":
			us = trunc(us, 1000)
		case "microseconds":
		case "week":
			return nil, pgerror.New(pgerror.FeatureNotSupported, "unit %q not supported for type interval", units.Value(i)).
				WithDetail("Months usually have fractional weeks.")
		default:
			return nil, unitError(units.Value(i), iv.DataType())
		}
		out.Append(arrow.MonthDayNanoInterval{Months: years*12 + months, Days: days, Nanoseconds: us * 1000})
	}
	return out.NewArray(), nil
}

// datePartKernel applies date_part (float8) or extract (numeric with
// scale 6 for fields with a fractional part, as PostgreSQL's extract).
func datePartKernel(mem memory.Allocator, fields, vals arrow.Array, numeric bool, scale int32) (arrow.Array, error) {
	if iv, ok := vals.(*array.MonthDayNanoInterval); ok {
		return intervalPartKernel(mem, fields.(*array.String), iv, numeric, scale)
	}
	get, err := timeValues(vals)
	if err != nil {
		return nil, err
	}
	isDate := vals.DataType().ID() == arrow.DATE32
	f := fields.(*array.String)
	pb := newPartBuilder(mem, numeric, scale)
	defer pb.release()
	for i := range vals.Len() {
		if vals.IsNull(i) || f.IsNull(i) {
			pb.appendNull()
			continue
		}
		if sign := infiniteAt(vals, i); sign != 0 {
			// The ever-growing fields of an infinite value are
			// ±Infinity, the others NULL, as in PostgreSQL; extract's
			// numeric has no infinity, so its are NULL too.
			switch CanonicalUnit(f.Value(i)) {
			case "epoch", "year", "decade", "century", "millennium", "julian", "isoyear":
				if !numeric {
					pb.fb.Append(math.Inf(sign))
					continue
				}
			}
			pb.appendNull()
			continue
		}
		t := get(i)
		field := CanonicalUnit(f.Value(i))
		if isDate && (field == "hour" || field == "minute" || field == "second" || field == "milliseconds" || field == "microseconds") {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "unit %q not supported for type date", field)
		}
		v, err := datePart(t, field, isDate)
		if err != nil {
			return nil, unitError(f.Value(i), vals.DataType())
		}
		if !numeric {
			pb.fb.Append(v)
			continue
		}
		// Compute exactly from the parts, not through the float.
		var unscaled int64
		us := int64(t.Nanosecond() / 1000)
		switch field {
		case "second":
			unscaled = int64(t.Second())*1_000_000 + us
		case "milliseconds":
			unscaled = int64(t.Second())*1_000_000 + us
		case "epoch":
			unscaled = t.Unix()*int64(math.Pow10(int(scale))) + us*int64(math.Pow10(int(scale)))/1_000_000
		default:
			unscaled = int64(v) * int64(math.Pow10(int(scale)))
		}
		pb.db.Append(decimal128.FromI64(unscaled))
	}
	return pb.newArray(), nil
}

// intervalPartKernel is date_part and extract of an interval: its fields
// as PostgreSQL splits it (years and months from its months, hours
// unbounded), and its epoch counting a year as 365.25 days and a month
// as 30.
func intervalPartKernel(mem memory.Allocator, fields *array.String, vals *array.MonthDayNanoInterval, numeric bool, scale int32) (arrow.Array, error) {
	pb := newPartBuilder(mem, numeric, scale)
	defer pb.release()
	for i := range vals.Len() {
		if vals.IsNull(i) || fields.IsNull(i) {
			pb.appendNull()
			continue
		}
		v := vals.Value(i)
		usecs := v.Nanoseconds / 1000
		years, months := int64(v.Months/12), int64(v.Months%12)
		secUsecs := usecs % 60_000_000 // seconds and microseconds of the minute
		// value counts microseconds for the fields with a fraction, whole
		// units otherwise.
		var value int64
		fraction := false
		switch field := CanonicalUnit(fields.Value(i)); field {
		case "epoch":
			// PostgreSQL counts in quarter days to stay in integers.
			quarterDays := 1461*years + 120*months + 4*int64(v.Days)
			value, fraction = quarterDays*(86400/4)*1_000_000+usecs, true
		case "second":
			value, fraction = secUsecs, true
		case "milliseconds":
			value, fraction = secUsecs, true
		case "microseconds":
			value = secUsecs
		case "minute":
			value = usecs / 60_000_000 % 60
		case "hour":
			value = usecs / 3_600_000_000
		case "day":
			value = int64(v.Days)
		case "month":
			value = months
		case "quarter":
			value = months/3 + 1
		case "year":
			value = years
		case "decade":
			value = years / 10
		case "century":
			value = years / 100
		case "millennium":
			value = years / 1000
		case "week", "dow", "isodow", "doy", "isoyear", "timezone", "timezone_hour", "timezone_minute", "julian":
			return nil, pgerror.New(pgerror.FeatureNotSupported, "unit %q not supported for type interval", fields.Value(i))
		default:
			return nil, pgerror.New("22023", "unit %q not recognized for type interval", fields.Value(i))
		}
		if !numeric {
			f := float64(value)
			if fraction {
				f /= 1e6
			}
			if CanonicalUnit(fields.Value(i)) == "milliseconds" {
				f = float64(value) / 1e3
			}
			pb.fb.Append(f)
			continue
		}
		// extract: exact. The fields with a fraction are microseconds,
		// which are the unscaled values of seconds and epoch (scale 6)
		// and of milliseconds (scale 3).
		if !fraction {
			value *= int64(math.Pow10(int(scale)))
		}
		pb.db.Append(decimal128.FromI64(value))
	}
	return pb.newArray(), nil
}

// partBuilder collects date_part's double precision results or extract's
// numeric ones (decimal at the field's scale).
type partBuilder struct {
	fb *array.Float64Builder
	db *array.Decimal128Builder
}

func newPartBuilder(mem memory.Allocator, numeric bool, scale int32) *partBuilder {
	if numeric {
		return &partBuilder{db: array.NewDecimal128Builder(mem, &arrow.Decimal128Type{Precision: 38, Scale: scale})}
	}
	return &partBuilder{fb: array.NewFloat64Builder(mem)}
}

func (p *partBuilder) appendNull() {
	if p.db != nil {
		p.db.AppendNull()
	} else {
		p.fb.AppendNull()
	}
}

func (p *partBuilder) newArray() arrow.Array {
	if p.db != nil {
		return p.db.NewArray()
	}
	return p.fb.NewArray()
}

func (p *partBuilder) release() {
	if p.db != nil {
		p.db.Release()
	} else {
		p.fb.Release()
	}
}

// ExtractScale is the scale of extract's numeric result for a field.
func ExtractScale(field string, isDate bool) int32 {
	switch CanonicalUnit(field) {
	case "second", "milliseconds", "epoch":
		if isDate {
			return 0
		}
		if CanonicalUnit(field) == "milliseconds" {
			return 3
		}
		return 6
	}
	return 0
}

// CanonicalUnit maps the spellings PostgreSQL accepts for a date or time
// field to one name.
func CanonicalUnit(u string) string {
	u = strings.ToLower(strings.TrimSpace(u))
	switch u {
	case "us", "usec", "usecs", "microsecond", "microseconds", "useconds":
		return "microseconds"
	case "ms", "msec", "msecs", "millisecond", "milliseconds", "mseconds":
		return "milliseconds"
	case "s", "sec", "secs", "second", "seconds":
		return "second"
	case "m", "min", "mins", "minute", "minutes":
		return "minute"
	case "h", "hr", "hrs", "hour", "hours":
		return "hour"
	case "d", "day", "days":
		return "day"
	case "w", "week", "weeks":
		return "week"
	case "mon", "mons", "month", "months":
		return "month"
	case "qtr", "quarter":
		return "quarter"
	case "y", "yr", "yrs", "year", "years":
		return "year"
	case "dec", "decs", "decade", "decades":
		return "decade"
	case "c", "cent", "century", "centuries":
		return "century"
	case "mil", "mils", "millennia", "millennium":
		return "millennium"
	}
	return u
}

// addCalendar adds months, then days, to t's wall clock at loc, and reads
// the result back as PostgreSQL reads a wall-clock time
// (pgtext.WallToInstant): a day after 02:30 on the eve of a spring-forward
// night is 03:30 summer time. Nothing to add leaves the instant alone,
// even where the wall clock shows the same time twice.
func addCalendar(t time.Time, months, days int, loc *time.Location) time.Time {
	if months == 0 && days == 0 {
		return t
	}
	l := t.In(loc)
	wall := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
	wall = addMonths(wall, months).AddDate(0, 0, days)
	return time.UnixMicro(pgtext.WallToInstant(wall.UnixMicro(), loc)).In(loc)
}

// addMonths adds months as PostgreSQL does: the day of month is kept, or
// clamped to the last day of a shorter month (Jan 31 + 1 month = Feb 29).
func addMonths(t time.Time, months int) time.Time {
	if months == 0 {
		return t
	}
	y, m, d := t.Date()
	total := int(m) - 1 + months
	ny, nm := y+total/12, total%12
	if nm < 0 {
		nm += 12
		ny--
	}
	last := time.Date(ny, time.Month(nm+2), 0, 0, 0, 0, 0, time.UTC).Day()
	return time.Date(ny, time.Month(nm+1), min(d, last), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}

// PostgreSQL's dates run from 4713-01-01 BC (Julian day 0) to before
// Julian day 2147483494 (5874898-01-01), in days since 1970-01-01 here.
const (
	minDate = -2440588
	endDate = 2147483494 - 2440588
)

// dateArithKernel computes the date/time operators: "date_pli" (date ±
// integer days), "date_mi" (date - date), "ts_pl_interval" (timestamp ±
// interval) and "ts_mi" (timestamp - timestamp). sign is -1 for minus.
func dateArithKernel(mem memory.Allocator, fn string, l, r arrow.Array, sign int, out arrow.DataType, loc *time.Location) (arrow.Array, error) {
	n := l.Len()
	switch fn {
	case "date_pli":
		ds, days := l.(*array.Date32), argReader{[]arrow.Array{r}}
		b := array.NewDate32Builder(mem)
		defer b.Release()
		for i := range n {
			if ds.IsNull(i) || r.IsNull(i) {
				b.AppendNull()
				continue
			}
			if infiniteAt(ds, i) != 0 {
				b.Append(ds.Value(i)) // infinity plus days is infinity
				continue
			}
			d := int64(ds.Value(i)) + int64(sign)*days.int(0, i)
			if d < minDate || d >= endDate {
				return nil, pgerror.New("22008", "date out of range")
			}
			b.Append(arrow.Date32(d))
		}
		return b.NewArray(), nil
	case "date_mi":
		a, c := l.(*array.Date32), r.(*array.Date32)
		b := array.NewInt32Builder(mem)
		defer b.Release()
		for i := range n {
			if a.IsNull(i) || c.IsNull(i) {
				b.AppendNull()
				continue
			}
			if infiniteAt(a, i) != 0 || infiniteAt(c, i) != 0 {
				return nil, pgerror.New("22008", "cannot subtract infinite dates")
			}
			b.Append(int32(a.Value(i) - c.Value(i)))
		}
		return b.NewArray(), nil
	case "ts_pl_interval":
		get, err := timeValues(l)
		if err != nil {
			return nil, err
		}
		ivs := r.(*array.MonthDayNanoInterval)
		tt := out.(*arrow.TimestampType)
		b := array.NewTimestampBuilder(mem, tt)
		defer b.Release()
		for i := range n {
			if l.IsNull(i) || ivs.IsNull(i) {
				b.AppendNull()
				continue
			}
			// Months and days move the wall clock at loc (the session's
			// TimeZone for a timestamp with time zone: a day later is
			// the same time of day across a daylight-saving change),
			// the time part the instant.
			if sign := infiniteAt(l, i); sign != 0 {
				b.Append(map[bool]arrow.Timestamp{true: pgtext.InfiniteMicros, false: pgtext.NegInfiniteMicros}[sign > 0])
				continue
			}
			iv := ivs.Value(i)
			t := addCalendar(get(i), sign*int(iv.Months), sign*int(iv.Days), loc).Add(time.Duration(int64(sign) * iv.Nanoseconds))
			v, err := arrow.TimestampFromTime(t, tt.Unit)
			if err != nil {
				return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "timestamp out of range")
			}
			b.Append(v)
		}
		return b.NewArray(), nil
	case "ts_mi":
		lg, err := timeValues(l)
		if err != nil {
			return nil, err
		}
		rg, err := timeValues(r)
		if err != nil {
			return nil, err
		}
		b := array.NewMonthDayNanoIntervalBuilder(mem)
		defer b.Release()
		const day = int64(86400e6)
		for i := range n {
			if l.IsNull(i) || r.IsNull(i) {
				b.AppendNull()
				continue
			}
			if infiniteAt(l, i) != 0 || infiniteAt(r, i) != 0 {
				return nil, pgerror.New("22008", "cannot subtract infinite timestamps")
			}
			us := lg(i).UnixMicro() - rg(i).UnixMicro()
			// timestamp_mi then justify_hours: whole days, the rest as time.
			b.Append(arrow.MonthDayNanoInterval{Days: int32(us / day), Nanoseconds: (us % day) * 1000})
		}
		return b.NewArray(), nil
	}
	return nil, fmt.Errorf("unknown date operator %s", fn)
}
