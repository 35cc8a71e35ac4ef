package pgtypes

import (
	"math"
	"math/big"
	"strconv"
	"testing"
)

// edgeInts are values around every power of ten and the int64 limits.
func edgeInts() []int64 {
	vs := []int64{0, 1, -1, 9, 10, 11, 99, 100, 101, math.MaxInt64, math.MinInt64, math.MinInt64 + 1, math.MaxInt64 - 1}
	for p := int64(1); p <= math.MaxInt64/10; p *= 10 {
		vs = append(vs, p-1, p, p+1, -p+1, -p, -p-1, 7*p, -3*p)
	}
	return vs
}

func TestAppendInt(t *testing.T) {
	for _, v := range edgeInts() {
		if got, want := string(AppendInt([]byte("x"), v)), "x"+strconv.FormatInt(v, 10); got != want {
			t.Errorf("AppendInt(%d) = %q, want %q", v, got, want)
		}
	}
	for _, u := range []uint64{0, 9, 10, math.MaxUint64, math.MaxUint64 - 1, 1e19 - 1, 1e19} {
		if got, want := string(AppendUint(nil, u)), strconv.FormatUint(u, 10); got != want {
			t.Errorf("AppendUint(%d) = %q, want %q", u, got, want)
		}
	}
}

// TestAppendDecimalInt64 checks the fast path against AppendDecimal, the
// general one over big integers, at every scale PostgreSQL allows for the
// values an int64 holds.
func TestAppendDecimalInt64(t *testing.T) {
	for _, v := range edgeInts() {
		for scale := int32(-3); scale <= 25; scale++ {
			got := string(AppendDecimalInt64([]byte("|"), v, scale))
			want := "|" + string(AppendDecimal(nil, big.NewInt(v), scale))
			if got != want {
				t.Errorf("AppendDecimalInt64(%d, %d) = %q, want %q", v, scale, got, want)
			}
		}
	}
	// Spot values as PostgreSQL prints them.
	for _, c := range []struct {
		v     int64
		scale int32
		want  string
	}{
		{123456, 2, "1234.56"},
		{-5, 2, "-0.05"},
		{0, 2, "0.00"},
		{42, 0, "42"},
		{-7, 3, "-0.007"},
	} {
		if got := string(AppendDecimalInt64(nil, c.v, c.scale)); got != c.want {
			t.Errorf("AppendDecimalInt64(%d, %d) = %q, want %q", c.v, c.scale, got, c.want)
		}
	}
}

func BenchmarkAppendDecimalInt64(b *testing.B) {
	buf := make([]byte, 0, 64)
	for i := range b.N {
		buf = AppendDecimalInt64(buf[:0], int64(i%10_000_000)+90_000, 2)
	}
}

func BenchmarkAppendInt(b *testing.B) {
	buf := make([]byte, 0, 64)
	for i := range b.N {
		buf = AppendInt(buf[:0], int64(i)*7919)
	}
}

func BenchmarkStrconvAppendInt(b *testing.B) {
	buf := make([]byte, 0, 64)
	for i := range b.N {
		buf = strconv.AppendInt(buf[:0], int64(i)*7919, 10)
	}
}
