package pgtypes

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// TimetzOID is PostgreSQL's time with time zone.
const TimetzOID uint32 = 1266

// TimetzType is an Arrow extension type for PostgreSQL's time with time
// zone: a time of day and a UTC offset, held as their canonical text
// (14:41:10.190427-05), which is also how they print. Values come from
// CURRENT_TIME, casts and parameters; they compare as text.
type TimetzType struct {
	arrow.ExtensionBase
}

// IsTimetz reports whether dt is time with time zone.
func IsTimetz(dt arrow.DataType) bool {
	_, ok := dt.(*TimetzType)
	return ok
}

// Timetz returns the time with time zone extension type.
func Timetz() *TimetzType {
	return &TimetzType{ExtensionBase: arrow.ExtensionBase{Storage: arrow.BinaryTypes.String}}
}

// TimetzArray is an array of TimetzType values.
type TimetzArray struct {
	array.ExtensionArrayBase
}

// ValueStr returns value i's text.
func (a *TimetzArray) ValueStr(i int) string {
	if a.IsNull(i) {
		return array.NullValueStr
	}
	return a.Storage().(*array.String).Value(i)
}

// ArrayType implements arrow.ExtensionType.
func (*TimetzType) ArrayType() reflect.Type { return reflect.TypeOf(TimetzArray{}) }

// String implements arrow.DataType.
func (*TimetzType) String() string { return "timetz" }

// ExtensionName implements arrow.ExtensionType.
func (*TimetzType) ExtensionName() string { return "riffq.timetz" }

// Serialize implements arrow.ExtensionType.
func (*TimetzType) Serialize() string { return "" }

// Deserialize implements arrow.ExtensionType.
func (*TimetzType) Deserialize(storage arrow.DataType, _ string) (arrow.ExtensionType, error) {
	if !arrow.TypeEqual(storage, arrow.BinaryTypes.String) {
		return nil, fmt.Errorf("riffq.timetz: storage must be utf8, got %s", storage)
	}
	return Timetz(), nil
}

// ExtensionEquals implements arrow.ExtensionType.
func (*TimetzType) ExtensionEquals(other arrow.ExtensionType) bool {
	return other.ExtensionName() == "riffq.timetz"
}

// AppendTimetz writes a time of day (microseconds since midnight) and a
// UTC offset (seconds east) as PostgreSQL prints a time with time zone.
func AppendTimetz(buf []byte, micros int64, offset int) []byte {
	secs := micros / 1_000_000
	buf = fmt.Appendf(buf, "%02d:%02d:%02d", secs/3600, secs/60%60, secs%60)
	if frac := micros % 1_000_000; frac != 0 {
		buf = append(buf, strings.TrimRight(fmt.Sprintf(".%06d", frac), "0")...)
	}
	sign := byte('+')
	if offset < 0 {
		sign, offset = '-', -offset
	}
	buf = fmt.Appendf(buf, "%c%02d", sign, offset/3600)
	if rem := offset % 3600; rem != 0 {
		buf = fmt.Appendf(buf, ":%02d", rem/60)
		if rem%60 != 0 {
			buf = fmt.Appendf(buf, ":%02d", rem%60)
		}
	}
	return buf
}

// SplitTimetz reads a time with time zone in its canonical text: the
// time of day in microseconds and the offset in seconds east.
func SplitTimetz(s string) (micros int64, offset int, err error) {
	i := strings.LastIndexAny(s, "+-")
	if i < 0 {
		return 0, 0, fmt.Errorf("time with time zone %q has no offset", s)
	}
	clock, zone := s[:i], s[i:]
	parts := strings.Split(clock, ":")
	if len(parts) != 3 {
		return 0, 0, fmt.Errorf("bad time with time zone %q", s)
	}
	whole, frac, _ := strings.Cut(parts[2], ".")
	for k, p := range []string{parts[0], parts[1], whole, (frac + "000000")[:6]} {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("bad time with time zone %q", s)
		}
		micros += v * []int64{3_600_000_000, 60_000_000, 1_000_000, 1}[k]
	}
	zp := strings.Split(zone[1:], ":")
	for k, p := range zp {
		v, err := strconv.Atoi(p)
		if err != nil || k > 2 {
			return 0, 0, fmt.Errorf("bad time with time zone %q", s)
		}
		offset += v * []int{3600, 60, 1}[k]
	}
	if zone[0] == '-' {
		offset = -offset
	}
	return micros, offset, nil
}
