package pgbinary

import (
	"bytes"
	"encoding/hex"
	"math"
	"math/big"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestNumericFastPath checks the int64 fast path against the general
// encoder, and the decoder against both.
func TestNumericFastPath(t *testing.T) {
	vals := []int64{0, 1, -1, 5, 12345, -12345, 10000, 99990000, 1500, 123456789, -9999999999, math.MaxInt64, math.MinInt64 + 1, 100, 1}
	for _, v := range vals {
		for _, scale := range []int32{0, 1, 2, 3, 4, 5, 8, 12} {
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

// TestNaNBits checks that every NaN goes out as PostgreSQL's one NaN,
// whatever its payload (a NaN computed by Go need not be the canonical
// one).
func TestNaNBits(t *testing.T) {
	b64 := array.NewFloat64Builder(memory.DefaultAllocator)
	b64.AppendValues([]float64{math.Float64frombits(0x7ff8000000000001), math.NaN()}, nil)
	a64 := b64.NewArray()
	b32 := array.NewFloat32Builder(memory.DefaultAllocator)
	b32.AppendValues([]float32{math.Float32frombits(0x7fc00001)}, nil)
	a32 := b32.NewArray()
	for _, c := range []struct {
		col  arrow.Array
		want string
	}{{a64, "7ff8000000000000"}, {a32, "7fc00000"}} {
		enc, err := NewEncoder(c.col)
		if err != nil {
			t.Fatal(err)
		}
		for i := range c.col.Len() {
			if got := hex.EncodeToString(enc(nil, i)); got != c.want {
				t.Errorf("%s row %d: %s, want %s", c.col.DataType(), i, got, c.want)
			}
		}
	}
}
