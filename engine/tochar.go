package engine

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/pgerror"
)

// to_char(timestamp | timestamptz | interval, text) renders date/time
// values with PostgreSQL's template patterns (YYYY, MM, DD, HH24, MI, SS,
// Month, Dy, IW, ... with the FM and TM prefixes and the TH suffix);
// timestamptz values are shown in the session's time zone.

type dtKeyword int

const (
	kwLiteral dtKeyword = iota
	kwAD
	kwADDots
	kwAM
	kwAMDots
	kwBC
	kwBCDots
	kwPM
	kwPMDots
	kwCC
	kwDay
	kwDDD
	kwDD
	kwDY
	kwD
	kwFF
	kwFX
	kwHH24
	kwHH12
	kwHH
	kwIDDD
	kwID
	kwIW
	kwIYYY
	kwIYY
	kwIY
	kwI
	kwJ
	kwMI
	kwMM
	kwMonth
	kwMon
	kwMS
	kwOF
	kwQ
	kwRM
	kwSSSSS
	kwSSSS
	kwSS
	kwTZH
	kwTZM
	kwTZ
	kwUS
	kwWW
	kwW
	kwYCommaYYY
	kwYYYY
	kwYYY
	kwYY
	kwY
)

// textCase is how a keyword capitalizes its words: MONTH, Month, month.
type textCase int

const (
	caseUpper textCase = iota
	caseTitle
	caseLower
)

// dtPatterns are the keywords, longer ones before their prefixes, as
// PostgreSQL searches them: the first that matches at a position wins.
var dtPatterns = []struct {
	text string
	kw   dtKeyword
	tc   textCase
	arg  int // FF's digits
}{
	{"A.D.", kwADDots, caseUpper, 0}, {"A.M.", kwAMDots, caseUpper, 0}, {"AD", kwAD, caseUpper, 0}, {"AM", kwAM, caseUpper, 0},
	{"B.C.", kwBCDots, caseUpper, 0}, {"BC", kwBC, caseUpper, 0}, {"CC", kwCC, caseUpper, 0},
	{"DAY", kwDay, caseUpper, 0}, {"DDD", kwDDD, caseUpper, 0}, {"DD", kwDD, caseUpper, 0}, {"DY", kwDY, caseUpper, 0},
	{"Day", kwDay, caseTitle, 0}, {"Dy", kwDY, caseTitle, 0}, {"D", kwD, caseUpper, 0},
	{"FF1", kwFF, caseUpper, 1}, {"FF2", kwFF, caseUpper, 2}, {"FF3", kwFF, caseUpper, 3}, {"FF4", kwFF, caseUpper, 4},
	{"FF5", kwFF, caseUpper, 5}, {"FF6", kwFF, caseUpper, 6}, {"FX", kwFX, caseUpper, 0},
	{"HH24", kwHH24, caseUpper, 0}, {"HH12", kwHH12, caseUpper, 0}, {"HH", kwHH, caseUpper, 0},
	{"IDDD", kwIDDD, caseUpper, 0}, {"ID", kwID, caseUpper, 0}, {"IW", kwIW, caseUpper, 0}, {"IYYY", kwIYYY, caseUpper, 0},
	{"IYY", kwIYY, caseUpper, 0}, {"IY", kwIY, caseUpper, 0}, {"I", kwI, caseUpper, 0}, {"J", kwJ, caseUpper, 0},
	{"MI", kwMI, caseUpper, 0}, {"MM", kwMM, caseUpper, 0}, {"MONTH", kwMonth, caseUpper, 0}, {"MON", kwMon, caseUpper, 0},
	{"MS", kwMS, caseUpper, 0}, {"Month", kwMonth, caseTitle, 0}, {"Mon", kwMon, caseTitle, 0},
	{"OF", kwOF, caseUpper, 0}, {"P.M.", kwPMDots, caseUpper, 0}, {"PM", kwPM, caseUpper, 0}, {"Q", kwQ, caseUpper, 0},
	{"RM", kwRM, caseUpper, 0}, {"SSSSS", kwSSSSS, caseUpper, 0}, {"SSSS", kwSSSS, caseUpper, 0}, {"SS", kwSS, caseUpper, 0},
	{"TZH", kwTZH, caseUpper, 0}, {"TZM", kwTZM, caseUpper, 0}, {"TZ", kwTZ, caseUpper, 0}, {"US", kwUS, caseUpper, 0},
	{"WW", kwWW, caseUpper, 0}, {"W", kwW, caseUpper, 0},
	{"Y,YYY", kwYCommaYYY, caseUpper, 0}, {"YYYY", kwYYYY, caseUpper, 0}, {"YYY", kwYYY, caseUpper, 0}, {"YY", kwYY, caseUpper, 0}, {"Y", kwY, caseUpper, 0},
	{"a.d.", kwADDots, caseLower, 0}, {"a.m.", kwAMDots, caseLower, 0}, {"ad", kwAD, caseLower, 0}, {"am", kwAM, caseLower, 0},
	{"b.c.", kwBCDots, caseLower, 0}, {"bc", kwBC, caseLower, 0}, {"cc", kwCC, caseLower, 0},
	{"day", kwDay, caseLower, 0}, {"ddd", kwDDD, caseLower, 0}, {"dd", kwDD, caseLower, 0}, {"dy", kwDY, caseLower, 0}, {"d", kwD, caseLower, 0},
	{"ff1", kwFF, caseLower, 1}, {"ff2", kwFF, caseLower, 2}, {"ff3", kwFF, caseLower, 3}, {"ff4", kwFF, caseLower, 4},
	{"ff5", kwFF, caseLower, 5}, {"ff6", kwFF, caseLower, 6}, {"fx", kwFX, caseLower, 0},
	{"hh24", kwHH24, caseLower, 0}, {"hh12", kwHH12, caseLower, 0}, {"hh", kwHH, caseLower, 0},
	{"iddd", kwIDDD, caseLower, 0}, {"id", kwID, caseLower, 0}, {"iw", kwIW, caseLower, 0}, {"iyyy", kwIYYY, caseLower, 0},
	{"iyy", kwIYY, caseLower, 0}, {"iy", kwIY, caseLower, 0}, {"i", kwI, caseLower, 0}, {"j", kwJ, caseLower, 0},
	{"mi", kwMI, caseLower, 0}, {"mm", kwMM, caseLower, 0}, {"month", kwMonth, caseLower, 0}, {"mon", kwMon, caseLower, 0},
	{"ms", kwMS, caseLower, 0}, {"of", kwOF, caseLower, 0}, {"p.m.", kwPMDots, caseLower, 0}, {"pm", kwPM, caseLower, 0},
	{"q", kwQ, caseLower, 0}, {"rm", kwRM, caseLower, 0}, {"sssss", kwSSSSS, caseLower, 0}, {"ssss", kwSSSS, caseLower, 0},
	{"ss", kwSS, caseLower, 0}, {"tzh", kwTZH, caseLower, 0}, {"tzm", kwTZM, caseLower, 0}, {"tz", kwTZ, caseLower, 0},
	{"us", kwUS, caseLower, 0}, {"ww", kwWW, caseLower, 0}, {"w", kwW, caseLower, 0},
	{"y,yyy", kwYCommaYYY, caseLower, 0}, {"yyyy", kwYYYY, caseLower, 0}, {"yyy", kwYYY, caseLower, 0}, {"yy", kwYY, caseLower, 0}, {"y", kwY, caseLower, 0},
}

// dtNode is one piece of a parsed template: a keyword with its modifiers,
// or literal text.
type dtNode struct {
	kw   dtKeyword
	tc   textCase
	arg  int
	fm   bool     // FM: no padding
	tm   bool     // TM: names unpadded (and translated, riffq's are English)
	th   textCase // TH (upper) or th (lower) ordinal suffix, when hasTH
	thOn bool
	text string // kwLiteral
}

// parseDateTemplate splits a to_char template into keywords and literal
// text the way PostgreSQL does: an FM or TM prefix and a TH, th or SP
// suffix around a keyword, double-quoted text copied as is (a backslash
// quotes the next character), and a backslash before a double quote
// outside quotes making the quote literal.
func parseDateTemplate(tmpl string) []dtNode {
	var nodes []dtNode
	literal := func(s string) {
		if n := len(nodes); n > 0 && nodes[n-1].kw == kwLiteral {
			nodes[n-1].text += s
			return
		}
		nodes = append(nodes, dtNode{kw: kwLiteral, text: s})
	}
	for i := 0; i < len(tmpl); {
		fm, tm := false, false
		if rest := tmpl[i:]; strings.HasPrefix(rest, "FM") || strings.HasPrefix(rest, "fm") {
			fm = true
			i += 2
		} else if strings.HasPrefix(rest, "TM") || strings.HasPrefix(rest, "tm") {
			tm = true
			i += 2
		}
		if i >= len(tmpl) {
			break
		}
		matched := false
		for _, p := range dtPatterns {
			if !strings.HasPrefix(tmpl[i:], p.text) {
				continue
			}
			n := dtNode{kw: p.kw, tc: p.tc, arg: p.arg, fm: fm, tm: tm}
			i += len(p.text)
			switch rest := tmpl[i:]; {
			case strings.HasPrefix(rest, "TH"):
				n.thOn, n.th = true, caseUpper
				i += 2
			case strings.HasPrefix(rest, "th"):
				n.thOn, n.th = true, caseLower
				i += 2
			case strings.HasPrefix(rest, "SP"):
				i += 2 // spell mode is not implemented by PostgreSQL either
			}
			nodes = append(nodes, n)
			matched = true
			break
		}
		if matched {
			continue
		}
		switch c := tmpl[i]; {
		case c == '"':
			i++
			var sb strings.Builder
			for i < len(tmpl) {
				if tmpl[i] == '"' {
					i++
					break
				}
				if tmpl[i] == '\\' && i+1 < len(tmpl) {
					i++
				}
				sb.WriteByte(tmpl[i])
				i++
			}
			literal(sb.String())
		case c == '\\' && i+1 < len(tmpl) && tmpl[i+1] == '"':
			literal(`"`)
			i += 2
		default:
			literal(tmpl[i : i+1])
			i++
		}
	}
	return nodes
}

// dtFields are the parts of a value that templates print. An interval's
// hours may exceed 23 and its fields may be negative.
type dtFields struct {
	year, month, day, hour, min, sec, usec int
	yday                                   int // an interval's counts 30-day months
	interval                               bool
	t                                      time.Time // the value in its zone; an interval's fields as a date
	zone                                   string    // abbreviation; "" for timestamp without time zone
	offset                                 int       // seconds east of UTC
}

var (
	monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	romanMonth = []string{"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"}
)

// padInt prints v as C's %0*d does: at least width characters, the sign
// counted, zeros after it.
func padInt(dst []byte, v, width int) []byte {
	neg := v < 0
	digits := strconv.Itoa(v)
	if neg {
		digits = digits[1:]
		dst = append(dst, '-')
		width--
	}
	for n := len(digits); n < width; n++ {
		dst = append(dst, '0')
	}
	return append(dst, digits...)
}

// ordinal is the English ordinal suffix of the number s ends with.
func ordinal(s string, tc textCase) string {
	suffix := "th"
	if n := len(s); n > 0 && s[n-1] >= '0' && s[n-1] <= '9' && (n < 2 || s[n-2] != '1') {
		switch s[n-1] {
		case '1':
			suffix = "st"
		case '2':
			suffix = "nd"
		case '3':
			suffix = "rd"
		}
	}
	if tc == caseUpper {
		return strings.ToUpper(suffix)
	}
	return suffix
}

func applyCase(s string, tc textCase) string {
	switch tc {
	case caseUpper:
		return strings.ToUpper(s)
	case caseLower:
		return strings.ToLower(s)
	}
	return s
}

// adjustYear is the year as printed: 1 BC (year 0) is 1.
func (f *dtFields) adjustYear(y int) int {
	if !f.interval && y <= 0 {
		return 1 - y
	}
	return y
}

func errInterval() error {
	return pgerror.New("22007", "invalid format specification for an interval value").
		WithHint("Intervals are not tied to specific calendar dates.")
}

// formatDateTime renders f with a parsed template.
func formatDateTime(dst []byte, f *dtFields, nodes []dtNode) ([]byte, error) {
	for _, n := range nodes {
		if n.kw == kwLiteral {
			dst = append(dst, n.text...)
			continue
		}
		start := len(dst)
		width := func(w int) int {
			if n.fm {
				return 0
			}
			return w
		}
		signed := func(v, w int) int { // one more column for a minus sign
			if n.fm {
				return 0
			}
			if v < 0 {
				return w + 1
			}
			return w
		}
		numeric := true
		switch n.kw {
		case kwAD, kwADDots, kwBC, kwBCDots:
			if f.interval {
				return nil, errInterval()
			}
			s := "AD"
			if f.year <= 0 {
				s = "BC"
			}
			if n.kw == kwADDots || n.kw == kwBCDots {
				s = s[:1] + "." + s[1:] + "."
			}
			dst = append(dst, applyCase(s, n.tc)...)
			numeric = false
		case kwAM, kwAMDots, kwPM, kwPMDots:
			s := "AM"
			if f.hour%24 >= 12 { // C's remainder: an interval's -3 hours is AM
				s = "PM"
			}
			if n.kw == kwAMDots || n.kw == kwPMDots {
				s = s[:1] + "." + s[1:] + "."
			}
			dst = append(dst, applyCase(s, n.tc)...)
			numeric = false
		case kwHH, kwHH12:
			h := f.hour % 12
			if h == 0 {
				h = 12
			}
			dst = padInt(dst, h, signed(f.hour, 2))
		case kwHH24:
			dst = padInt(dst, f.hour, signed(f.hour, 2))
		case kwMI:
			dst = padInt(dst, f.min, signed(f.min, 2))
		case kwSS:
			dst = padInt(dst, f.sec, signed(f.sec, 2))
		case kwFF:
			div := 1
			for range 6 - n.arg {
				div *= 10
			}
			dst = padInt(dst, f.usec/div, n.arg)
		case kwMS:
			dst = padInt(dst, f.usec/1000, 3)
		case kwUS:
			dst = padInt(dst, f.usec, 6)
		case kwSSSS, kwSSSSS:
			dst = strconv.AppendInt(dst, int64(f.hour*3600+f.min*60+f.sec), 10)
		case kwTZ, kwTZH, kwTZM, kwOF:
			if f.interval {
				return nil, errInterval()
			}
			off := f.offset
			sign := byte('+')
			if off < 0 {
				sign, off = '-', -off
			}
			switch n.kw {
			case kwTZ:
				dst = append(dst, applyCase(f.zone, n.tc)...)
				numeric = false
			case kwTZH:
				dst = append(dst, sign)
				dst = padInt(dst, off/3600, 2)
			case kwTZM:
				dst = padInt(dst, off%3600/60, 2)
			case kwOF:
				dst = append(dst, sign)
				dst = padInt(dst, off/3600, width(2))
				if m := off % 3600 / 60; m != 0 {
					dst = append(dst, ':')
					dst = padInt(dst, m, 2)
				}
			}
		case kwYCommaYYY:
			y := f.adjustYear(f.year)
			dst = strconv.AppendInt(dst, int64(y/1000), 10)
			dst = append(dst, ',')
			dst = padInt(dst, y-y/1000*1000, 3)
		case kwYYYY, kwYYY, kwYY, kwY, kwIYYY, kwIYY, kwIY, kwI:
			y := f.year
			if n.kw == kwIYYY || n.kw == kwIYY || n.kw == kwIY || n.kw == kwI {
				y, _ = f.t.ISOWeek()
			}
			y = f.adjustYear(y)
			switch n.kw {
			case kwYYYY, kwIYYY:
				dst = padInt(dst, y, signed(y, 4))
			case kwYYY, kwIYY:
				dst = padInt(dst, y%1000, signed(y, 3))
			case kwYY, kwIY:
				dst = padInt(dst, y%100, signed(y, 2))
			default:
				dst = padInt(dst, y%10, signed(y, 1))
			}
		case kwCC:
			c := f.year / 100
			if !f.interval {
				if f.year > 0 {
					c = (f.year-1)/100 + 1
				} else {
					c = f.year/100 - 1
				}
			}
			dst = padInt(dst, c, signed(c, 2))
		case kwQ:
			dst = strconv.AppendInt(dst, int64((f.month-1)/3+1), 10)
		case kwMM:
			dst = padInt(dst, f.month, signed(f.month, 2))
		case kwMonth, kwMon:
			if f.interval {
				return nil, errInterval()
			}
			name := monthNames[f.month-1]
			if n.kw == kwMon {
				name = name[:3]
			}
			dst = append(dst, applyCase(name, n.tc)...)
			if n.kw == kwMonth && !n.fm && !n.tm {
				for k := len(name); k < 9; k++ {
					dst = append(dst, ' ')
				}
			}
			numeric = false
		case kwRM:
			m := f.month
			switch {
			case m == 0 && f.year == 0:
				continue
			case m == 0 && f.year >= 0: // whole years of an interval
				m = 12
			case m == 0:
				m = 1
			case m < 0:
				m += 13
			}
			r := romanMonth[m-1]
			dst = append(dst, applyCase(r, n.tc)...)
			if !n.fm {
				for k := len(r); k < 4; k++ {
					dst = append(dst, ' ')
				}
			}
			numeric = false
		case kwDay, kwDY:
			if f.interval {
				return nil, errInterval()
			}
			name := f.t.Weekday().String()
			if n.kw == kwDY {
				name = name[:3]
			}
			dst = append(dst, applyCase(name, n.tc)...)
			if n.kw == kwDay && !n.fm && !n.tm {
				for k := len(name); k < 9; k++ {
					dst = append(dst, ' ')
				}
			}
			numeric = false
		case kwDD:
			// Two characters with the sign (an interval's -1 day is
			// -1), where MM and HH24 widen for it: PostgreSQL's %02d.
			dst = padInt(dst, f.day, width(2))
		case kwD, kwID, kwDDD, kwIDDD, kwW, kwWW, kwIW, kwJ:
			if f.interval && (n.kw == kwD || n.kw == kwID) {
				return nil, errInterval()
			}
			switch n.kw {
			case kwD:
				dst = strconv.AppendInt(dst, int64(f.t.Weekday())+1, 10)
			case kwID:
				dst = strconv.AppendInt(dst, int64(isoWeekday(f.t)), 10)
			case kwDDD:
				dst = padInt(dst, f.yday, width(3))
			case kwIDDD:
				_, wk := f.t.ISOWeek()
				dst = padInt(dst, (wk-1)*7+isoWeekday(f.t), width(3))
			case kwW:
				dst = strconv.AppendInt(dst, int64((f.day-1)/7+1), 10)
			case kwWW:
				dst = padInt(dst, (f.yday-1)/7+1, width(2))
			case kwIW:
				_, wk := f.t.ISOWeek()
				dst = padInt(dst, wk, width(2))
			case kwJ:
				dst = strconv.AppendInt(dst, int64(date2j(f.year, f.month, f.day)), 10)
			}
		case kwFX:
			numeric = false
		}
		if n.thOn && numeric {
			dst = append(dst, ordinal(string(dst[start:]), n.th)...)
		}
	}
	return dst, nil
}

func isoWeekday(t time.Time) int {
	if wd := int(t.Weekday()); wd != 0 {
		return wd
	}
	return 7
}

// date2j is the Julian day number of year, month, day, computed as
// PostgreSQL does, which also gives intervals' fields one; in int32 it
// wraps around as PostgreSQL's C ints do.
func date2j[T int | int32](year, month, day T) T {
	if month > 2 {
		month++
		year += 4800
	} else {
		month += 13
		year += 4799
	}
	century := year / 100
	j := year*365 - 32167
	j += year/4 - century + century/4
	return j + 7834*month/256 + day
}

type locationKey struct{}

// WithLocation returns a context whose queries show timestamptz values
// in loc, the session's TimeZone, where the output depends on it
// (to_char, casts to text).
func WithLocation(ctx context.Context, loc *time.Location) context.Context {
	if loc == nil || loc == time.UTC {
		return ctx
	}
	return context.WithValue(ctx, locationKey{}, loc)
}

type dateOrderKey struct{}

// WithDateOrder makes text cast to dates and timestamps read 03/04/2024 in
// order, the session's DateStyle (MDY, the default, needs no call).
func WithDateOrder(ctx context.Context, order pgtext.DateOrder) context.Context {
	if order == pgtext.MDY {
		return ctx
	}
	return context.WithValue(ctx, dateOrderKey{}, order)
}

// sessionDateOrder is the session's DateStyle order, MDY without one.
func sessionDateOrder(ctx context.Context) pgtext.DateOrder {
	order, _ := ctx.Value(dateOrderKey{}).(pgtext.DateOrder)
	return order
}

// sessionLocation is the session's TimeZone, UTC without one.
func sessionLocation(ctx context.Context) *time.Location {
	if loc, ok := ctx.Value(locationKey{}).(*time.Location); ok {
		return loc
	}
	return time.UTC
}

// compileToChar evaluates to_char(value, template) for date/time values
// and, by the value array's type, for numbers (tochar_num.go).
func compileToChar(args []evaluator) (evaluator, error) {
	var (
		lastTmpl  string
		lastNodes []dtNode
	)
	nodesOf := func(tmpl string) []dtNode {
		if lastNodes == nil || tmpl != lastTmpl {
			lastTmpl, lastNodes = tmpl, parseDateTemplate(tmpl)
		}
		return lastNodes
	}
	var nums numTemplateCache
	return func(ctx context.Context, b arrow.RecordBatch) (compute.Datum, error) {
		in, err := evalArrays(ctx, args, b)
		if err != nil {
			return nil, err
		}
		defer releaseAll(in)
		vals, tmpls := in[0], in[1]
		ts, ok := tmpls.(*array.String)
		if !ok {
			return nil, pgerror.New(pgerror.InternalError, "to_char: template is %s", tmpls.DataType())
		}
		parts, isNumber, err := numberParts(vals)
		if err != nil {
			return nil, err
		}
		if isNumber {
			return toCharNumbers(vals, ts, parts, &nums)
		}
		loc := sessionLocation(ctx)
		fields, err := dtFieldsOf(vals, loc)
		if err != nil {
			return nil, err
		}
		out := array.NewStringBuilder(memory.DefaultAllocator)
		defer out.Release()
		var buf []byte
		var f dtFields
		for i := range vals.Len() {
			if vals.IsNull(i) || ts.IsNull(i) || ts.Value(i) == "" {
				out.AppendNull() // PostgreSQL's answer to an empty template too
				continue
			}
			fields(i, &f)
			if buf, err = formatDateTime(buf[:0], &f, nodesOf(ts.Value(i))); err != nil {
				return nil, err
			}
			out.BinaryBuilder.Append(buf)
		}
		return compute.NewDatumWithoutOwning(out.NewArray()), nil
	}, nil
}

// dtFieldsOf returns a function filling the fields of value i of a.
func dtFieldsOf(a arrow.Array, loc *time.Location) (func(i int, f *dtFields), error) {
	if iv, ok := a.(*array.MonthDayNanoInterval); ok {
		return func(i int, f *dtFields) {
			v := iv.Value(i)
			usecs := v.Nanoseconds / 1000
			*f = dtFields{
				interval: true,
				year:     int(v.Months / 12), month: int(v.Months % 12), day: int(v.Days),
				hour: int(usecs / 3_600_000_000), min: int(usecs / 60_000_000 % 60),
				sec: int(usecs / 1_000_000 % 60), usec: int(usecs % 1_000_000),
			}
			f.yday = (f.year*12+f.month)*30 + f.day
			f.t = time.Date(f.year, time.Month(f.month), f.day, 0, 0, 0, 0, time.UTC)
		}, nil
	}
	at, err := timeValues(a)
	if err != nil {
		return nil, err
	}
	withZone := false
	if tt, ok := a.DataType().(*arrow.TimestampType); ok && tt.TimeZone != "" {
		withZone = true
	}
	return func(i int, f *dtFields) {
		t := at(i)
		if withZone {
			t = t.In(loc)
		} else {
			t = t.UTC()
		}
		y, m, d := t.Date()
		*f = dtFields{year: y, month: int(m), day: d, hour: t.Hour(), min: t.Minute(), sec: t.Second(),
			usec: t.Nanosecond() / 1000, yday: t.YearDay(), t: t}
		if withZone {
			f.zone, f.offset = t.Zone()
		}
	}, nil
}
