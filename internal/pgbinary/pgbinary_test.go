package pgbinary

import (
	"bytes"
	"math"
	"math/big"
	"testing"
)

// TestNumericFastPath checks the int64 fast path against the general
// encoder, and the decoder against both.
func TestNumericFastPath(t *testing.T) {
	vals := []int64{0, 1, -1, 5, 12345, -12345, 10000, 99990000, 1500, 123456789, -9999999999, math.MaxInt64, math.MinInt64 + 1, math.MinInt64, 100, 1, 1_500_000_000_000_000_000}
	for _, v := range vals {
		// Scales from 16 on pad fractions past int64 (1.5 as
		// numeric(20,18) read 7.50...), from 33 on past eight
		// base-10000 digits (a panic).
		for _, scale := range []int32{0, 1, 2, 3, 4, 5, 8, 12, 15, 16, 17, 18, 19, 20, 33, 38} {
			fast := appendNumericInt64(nil, v, scale)
			slow := AppendNumeric(nil, big.NewInt(v), scale)
			if !bytes.Equal(fast, slow) {
				t.Errorf("%d scale %d: fast %x, general %x", v, scale, fast, slow)
			}
			got, gotScale, err := DecodeNumeric(slow)
			if err != nil || got.Int64() != v || gotScale != scale {
				t.Errorf("%d scale %d: decoded %v scale %d, %v", v, scale, got, gotScale, err)
			}
		}
	}
}
