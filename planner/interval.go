package planner

import (
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/expr"
)

// An interval qualifier (INTERVAL '90' DAY, INTERVAL '1-2' YEAR TO MONTH)
// arrives as a typmod: a bit mask of the fields the range covers, with
// PostgreSQL's field numbers (datetime.h).
const (
	fieldMonth  = 1
	fieldYear   = 2
	fieldDay    = 3
	fieldHour   = 10
	fieldMinute = 11
	fieldSecond = 12
)

// intervalRange is an interval type's range: its smallest field, and
// whether it is MINUTE TO SECOND, where '10:30' reads as minutes and
// seconds.
type intervalRange struct {
	smallest       int
	minuteToSecond bool
}

// intervalQualifier returns an interval type's range, if the type name is
// interval with one.
func intervalQualifier(tn *pg_query.TypeName) (intervalRange, bool) {
	if len(tn.Names) == 0 || tn.Names[len(tn.Names)-1].GetString_().GetSval() != "interval" || len(tn.Typmods) == 0 || len(tn.ArrayBounds) > 0 {
		return intervalRange{}, false
	}
	mask := tn.Typmods[0].GetAConst().GetIval().GetIval()
	if mask == 0x7fff { // INTERVAL_FULL_RANGE: no qualifier
		return intervalRange{}, false
	}
	for _, f := range []int{fieldSecond, fieldMinute, fieldHour, fieldDay, fieldMonth, fieldYear} {
		if mask&(1<<f) != 0 {
			return intervalRange{smallest: f, minuteToSecond: mask == 1<<fieldMinute|1<<fieldSecond}, true
		}
	}
	return intervalRange{}, false
}

// minutesSeconds rewrites the times of interval input that have one colon
// ('10:30', '-1:02.5') as hours, minutes and seconds ('0:10:30'), the way
// PostgreSQL reads them for a MINUTE TO SECOND range.
func minutesSeconds(s string) string {
	fields := strings.Fields(s)
	for i, f := range fields {
		sign := ""
		if f != "" && (f[0] == '-' || f[0] == '+') {
			sign, f = f[:1], f[1:]
		}
		m, sec, ok := strings.Cut(f, ":")
		if !ok || strings.Contains(sec, ":") || m == "" || sec == "" {
			continue
		}
		if _, err := strconv.ParseUint(m, 10, 64); err != nil {
			continue
		}
		if _, err := strconv.ParseFloat(sec, 64); err != nil {
			continue
		}
		fields[i] = sign + "0:" + m + ":" + sec
	}
	return strings.Join(fields, " ")
}

var fieldUnits = map[int]string{
	fieldYear: "year", fieldMonth: "month", fieldDay: "day",
	fieldHour: "hour", fieldMinute: "minute", fieldSecond: "second",
}

// castQualifiedInterval casts to an interval with a range: a bare number
// counts units of the range's smallest field ('90' DAY is 90 days), and
// the fields below that one are dropped, as PostgreSQL does.
func (b *binder) castQualifiedInterval(in expr.Expr, r intervalRange, loc int32) (expr.Expr, error) {
	smallest := r.smallest
	if u, ok := in.(*unknownLit); ok && u.param == 0 {
		if _, err := strconv.ParseFloat(strings.TrimSpace(u.text), 64); err == nil {
			in = &unknownLit{text: strings.TrimSpace(u.text) + " " + fieldUnits[smallest], loc: u.loc}
		} else if r.minuteToSecond {
			in = &unknownLit{text: minutesSeconds(u.text), loc: u.loc}
		}
	}
	e, err := b.cast(in, typeInterval, loc)
	if err != nil {
		return nil, err
	}
	lit, ok := e.(*expr.Literal)
	if !ok {
		return nil, b.unsupported(loc, "interval qualifiers on non-constant values are not supported yet")
	}
	iv, ok := lit.Value.(*scalar.MonthDayNanoInterval)
	if !ok || !iv.IsValid() {
		return e, nil
	}
	v := iv.Value
	const hour, minute = int64(3600e9), int64(60e9)
	switch smallest {
	case fieldYear:
		v = arrow.MonthDayNanoInterval{Months: v.Months / 12 * 12}
	case fieldMonth:
		v = arrow.MonthDayNanoInterval{Months: v.Months}
	case fieldDay:
		v.Nanoseconds = 0
	case fieldHour:
		v.Nanoseconds = v.Nanoseconds / hour * hour
	case fieldMinute:
		v.Nanoseconds = v.Nanoseconds / minute * minute
	}
	return &expr.Literal{Value: scalar.NewMonthDayNanoIntervalScalar(v)}, nil
}
