package pgtext

import (
	"math"
	"strconv"
	"testing"
	"time"
)

func TestTextEncoding(t *testing.T) {
	floats := []struct {
		v    float64
		bits int
		want string
	}{
		{1e15, 64, "1e+15"}, {123456789012345, 64, "123456789012345"}, {0.0001, 64, "0.0001"},
		{0.00001, 64, "1e-05"}, {1.0 / 3, 64, "0.3333333333333333"}, {-2.5e-300, 64, "-2.5e-300"},
		{1234567, 32, "1.234567e+06"}, {100000, 32, "100000"}, {float64(float32(0.1)), 32, "0.1"},
	}
	for _, c := range floats {
		if got := string(AppendFloat(nil, c.v, c.bits)); got != c.want {
			t.Errorf("float%d %v: got %s, want %s", c.bits, c.v, got, c.want)
		}
	}
	ts := time.Date(2024, 3, 1, 12, 0, 0, 120000000, time.UTC)
	zones := []struct {
		loc  *time.Location
		want string
	}{
		{time.UTC, "2024-03-01 12:00:00.12+00"},
		{time.FixedZone("IST", 5*3600+1800), "2024-03-01 17:30:00.12+05:30"},
		{time.FixedZone("NST", -(3*3600 + 1800)), "2024-03-01 08:30:00.12-03:30"},
		{time.FixedZone("LMT", 1172), "2024-03-01 12:19:32.12+00:19:32"},
	}
	for _, z := range zones {
		if got := string(AppendTimestamp(nil, ts.In(z.loc), true)); got != z.want {
			t.Errorf("%s: got %s, want %s", z.loc, got, z.want)
		}
	}
	if got := string(AppendDate(nil, time.Date(-99, 12, 31, 0, 0, 0, 0, time.UTC))); got != "0100-12-31 BC" {
		t.Errorf("BC date: got %s", got)
	}
	if got := string(AppendBytea(nil, []byte{0, 0xab, 'z'})); got != `\x00ab7a` {
		t.Errorf("bytea: got %s", got)
	}
}

// TestAppendFloatMatchesFixed checks the fixed-notation layout against
// strconv's own for many values across the fixed range.
func TestAppendFloatMatchesFixed(t *testing.T) {
	vals := []float64{0.0001, 0.00012345, 0.1, 1, 9.5, 10, 123.456, 1e14, 999999999999999, 123456789012345.6, 5e-5}
	for _, v := range vals {
		for _, sign := range []float64{1, -1} {
			x := v * sign
			got := string(AppendFloat(nil, x, 64))
			var want string
			if exp := math.Floor(math.Log10(math.Abs(x))); exp < -4 || exp >= 15 {
				want = strconv.FormatFloat(x, 'e', -1, 64)
			} else {
				want = strconv.FormatFloat(x, 'f', -1, 64)
			}
			if got != want {
				t.Errorf("%v: got %s, want %s", x, got, want)
			}
		}
	}
}
