package csv

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/pgerror"
)

// decoder appends a column's fields to an Arrow builder as the type's
// PostgreSQL input function reads them. The common spellings take a fast
// path; everything else goes through pgtext.Parse, which also gives the
// error PostgreSQL gives for a value the type does not read.
type decoder struct {
	dt      arrow.DataType
	b       array.Builder
	appendV func(v []byte) error
}

func newDecoder(dt arrow.DataType) *decoder {
	d := &decoder{dt: dt, b: array.NewBuilder(memory.DefaultAllocator, dt)}
	switch b := d.b.(type) {
	case *array.StringBuilder:
		d.appendV = func(v []byte) error {
			if !utf8.Valid(v) || bytes.IndexByte(v, 0) >= 0 {
				return invalidUTF8(v)
			}
			b.BinaryBuilder.Append(v)
			return nil
		}
	case *array.Int64Builder:
		d.appendV = func(v []byte) error {
			n, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil {
				s, err := d.parse(v)
				if err != nil {
					return err
				}
				n = s.(*scalar.Int64).Value
			}
			b.Append(n)
			return nil
		}
	case *array.Float64Builder:
		d.appendV = func(v []byte) error {
			f, err := strconv.ParseFloat(string(v), 64)
			if err != nil || bytes.ContainsAny(v, "xXpP_") {
				s, err := d.parse(v)
				if err != nil {
					return err
				}
				f = s.(*scalar.Float64).Value
			}
			b.Append(f)
			return nil
		}
	case *array.BooleanBuilder:
		d.appendV = func(v []byte) error {
			switch string(v) {
			case "t", "true", "TRUE", "True":
				b.Append(true)
			case "f", "false", "FALSE", "False":
				b.Append(false)
			default:
				s, err := d.parse(v)
				if err != nil {
					return err
				}
				b.Append(s.(*scalar.Boolean).Value)
			}
			return nil
		}
	case *array.Date32Builder:
		d.appendV = func(v []byte) error {
			if day, ok := isoDate(v); ok {
				b.Append(day)
				return nil
			}
			s, err := d.parse(v)
			if err != nil {
				return err
			}
			b.Append(s.(*scalar.Date32).Value)
			return nil
		}
	case *array.TimestampBuilder:
		zone := dt.(*arrow.TimestampType).TimeZone != ""
		d.appendV = func(v []byte) error {
			// arrow's parser reads ISO timestamps; PostgreSQL's rules
			// (rounding past microseconds, an offset ignored without
			// time zone, other spellings) go through pgtext.
			if len(v) > 10 && v[10] == 't' {
				v = append(append(append([]byte(nil), v[:10]...), 'T'), v[11:]...)
			}
			if fastTimestamp(v) {
				ts, withZone, err := arrow.TimestampFromStringInLocation(string(v), arrow.Microsecond, time.UTC)
				if err == nil && (zone || !withZone) {
					b.Append(ts)
					return nil
				}
			}
			s, err := d.parse(v)
			if err != nil {
				return err
			}
			b.Append(s.(*scalar.Timestamp).Value)
			return nil
		}
	case *array.Time64Builder:
		d.appendV = func(v []byte) error {
			s, err := d.parse(v)
			if err != nil {
				return err
			}
			b.Append(s.(*scalar.Time64).Value)
			return nil
		}
	case *array.Decimal128Builder:
		scale := int(dt.(*arrow.Decimal128Type).Scale)
		d.appendV = func(v []byte) error {
			if n, ok := fastDecimal(v, scale); ok {
				b.Append(decimal128.FromI64(n))
				return nil
			}
			s, err := d.parse(v)
			if err != nil {
				return err
			}
			b.Append(s.(*scalar.Decimal128).Value)
			return nil
		}
	default:
		panic(fmt.Sprintf("csv: no decoder for %s", dt)) // kind.arrowType makes no other type
	}
	return d
}

// append appends one field; a NULL one, or an empty string in a column
// that is not text, is NULL.
func (d *decoder) append(v []byte, null bool) error {
	if null || len(v) == 0 && d.dt.ID() != arrow.STRING {
		d.b.AppendNull()
		return nil
	}
	return d.appendV(v)
}

func (d *decoder) parse(v []byte) (scalar.Scalar, error) {
	if !utf8.Valid(v) {
		return nil, invalidUTF8(v)
	}
	return pgtext.Parse(string(v), d.dt)
}

// invalidUTF8 is PostgreSQL's error for bytes that are not UTF-8 text (a
// NUL byte among them).
func invalidUTF8(v []byte) error {
	at := 0
	for at < len(v) {
		r, n := utf8.DecodeRune(v[at:])
		if r == utf8.RuneError && n <= 1 || r == 0 {
			break
		}
		at += n
	}
	var seq strings.Builder
	for i := at; i < min(at+2, len(v)); i++ {
		if i > at {
			seq.WriteByte(' ')
		}
		fmt.Fprintf(&seq, "0x%02x", v[i])
	}
	return pgerror.New(pgerror.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\": %s", seq.String())
}

// isoDate reads yyyy-mm-dd.
func isoDate(v []byte) (arrow.Date32, bool) {
	if len(v) != 10 || v[4] != '-' || v[7] != '-' {
		return 0, false
	}
	num := func(b []byte) (int, bool) {
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(v[:4])
	m, ok2 := num(v[5:7])
	d, ok3 := num(v[8:10])
	if !ok1 || !ok2 || !ok3 || y == 0 || m < 1 || m > 12 || d < 1 {
		return 0, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return 0, false // Feb 30: pgtext reports it
	}
	return arrow.Date32FromTime(t), true
}

// fastTimestamp reports whether arrow's parser reads v as PostgreSQL
// would: an ISO date and time with at most microseconds.
func fastTimestamp(v []byte) bool {
	if len(v) < 19 || v[4] != '-' || v[7] != '-' || v[10] != ' ' && v[10] != 'T' || v[13] != ':' {
		return false
	}
	if dot := bytes.IndexByte(v, '.'); dot >= 0 {
		n := 0
		for _, c := range v[dot+1:] {
			if c < '0' || c > '9' {
				break
			}
			n++
		}
		return n <= 6
	}
	return true
}

// fastDecimal reads [+-]digits[.digits] with at most scale fractional
// digits as an unscaled value of that scale, when it fits in 18 digits;
// anything else (rounding, spaces, more digits) takes pgtext's path.
func fastDecimal(v []byte, scale int) (int64, bool) {
	neg := false
	if len(v) > 0 && (v[0] == '-' || v[0] == '+') {
		neg = v[0] == '-'
		v = v[1:]
	}
	var n int64
	digits, frac, point := 0, 0, false
	for _, c := range v {
		switch {
		case c >= '0' && c <= '9':
			n = n*10 + int64(c-'0')
			digits++
			if point {
				frac++
			}
		case c == '.' && !point:
			point = true
		default:
			return 0, false
		}
	}
	if digits == 0 || frac > scale || digits-frac+scale > 18 {
		return 0, false
	}
	for range scale - frac {
		n *= 10
	}
	if neg {
		n = -n
	}
	return n, true
}
