package pgtext

import (
	"math"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
)

// TestParseDateTimeSpellings reads the date and time spellings that
// normalizeDateTime rewrites, in every DateStyle order, and checks the
// values PostgreSQL 15 gives them.
func TestParseDateTimeSpellings(t *testing.T) {
	ts := &arrow.TimestampType{Unit: arrow.Microsecond}
	tstz := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	date := arrow.FixedWidthTypes.Date32
	cases := []struct {
		in    string
		dt    arrow.DataType
		order DateOrder
		want  string // the value as time.Time formats it in UTC
	}{
		{"2024-03-05", date, MDY, "2024-03-05 00:00:00"},
		{"2000-01-01 +00", date, MDY, "2000-01-01 00:00:00"}, // JDBC's date parameters
		{"2024-3-5", date, MDY, "2024-03-05 00:00:00"},
		{"03/04/2024", date, MDY, "2024-03-04 00:00:00"},
		{"03/04/2024", date, DMY, "2024-04-03 00:00:00"},
		{"24/03/04", date, YMD, "2024-03-04 00:00:00"},
		{"3/4/99", date, MDY, "1999-03-04 00:00:00"},
		{"2024.03.05", date, DMY, "2024-03-05 00:00:00"},
		{"2024-03-05 1:02:03", ts, MDY, "2024-03-05 01:02:03"},
		{"2024-01-01 12:00:00.1234565", ts, MDY, "2024-01-01 12:00:00.123456"},
		{"2024-12-31 23:59:59.9999996", ts, MDY, "2025-01-01 00:00:00"},
		{"2024-01-01 12:00:00.123456789+00", tstz, MDY, "2024-01-01 12:00:00.123457"},
		{"2024-01-01 12:00 +0530", tstz, MDY, "2024-01-01 06:30:00"},
		{"2024-01-01 12:00+5", tstz, MDY, "2024-01-01 07:00:00"},
		{"2024-01-01 12:00:00 UTC", tstz, MDY, "2024-01-01 12:00:00"},
	}
	for _, c := range cases {
		v, err := ParseWith(c.in, c.dt, Input{Order: c.order})
		if err != nil {
			t.Errorf("%q as %s (order %d): %v", c.in, c.dt, c.order, err)
			continue
		}
		var got time.Time
		switch v := v.(type) {
		case *scalar.Date32:
			got = v.Value.ToTime()
		case *scalar.Timestamp:
			got = v.Value.ToTime(arrow.Microsecond)
		}
		if s := got.UTC().Format("2006-01-02 15:04:05.999999"); s != c.want {
			t.Errorf("%q as %s (order %d) = %s, want %s", c.in, c.dt, c.order, s, c.want)
		}
	}
	if _, err := ParseWith("13/04/2024", date, Input{}); err == nil {
		t.Error("13/04/2024 read in MDY order must fail: there is no month 13")
	}
}

// TestParseNaNBits checks that 'NaN' reads as PostgreSQL's NaN, bit for
// bit: binary results and COPY show the bits.
func TestParseNaNBits(t *testing.T) {
	for _, dt := range []arrow.DataType{arrow.PrimitiveTypes.Float64, arrow.PrimitiveTypes.Float32} {
		v, err := Parse("NaN", dt)
		if err != nil {
			t.Fatal(err)
		}
		var bits uint64
		var want uint64 = 0x7ff8000000000000
		switch s := v.(type) {
		case *scalar.Float64:
			bits = math.Float64bits(s.Value)
		case *scalar.Float32:
			bits, want = uint64(math.Float32bits(s.Value)), 0x7fc00000
		}
		if bits != want {
			t.Errorf("%s NaN bits %x, want %x", dt, bits, want)
		}
	}
}
