package engine

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/expr"
)

// TestDecimalArith64 checks the int64 path of decimal +, - and * against
// the general one, with NULLs, negative values, differing scales, and
// values too large for it (which must leave it to the general path).
func TestDecimalArith64(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	mem := memory.DefaultAllocator
	column := func(typ *arrow.Decimal128Type, big bool) *array.Decimal128 {
		b := array.NewDecimal128Builder(mem, typ)
		defer b.Release()
		for range 1000 {
			switch v := rng.Int64N(2_000_000) - 1_000_000; {
			case rng.IntN(10) == 0:
				b.AppendNull()
			case big && rng.IntN(50) == 0:
				b.Append(decimal128.FromI64(v).Mul(decimal128.FromI64(1e15)))
			default:
				b.Append(decimal128.FromI64(v))
			}
		}
		return b.NewArray().(*array.Decimal128)
	}
	for _, tc := range []struct {
		op     expr.Op
		ls, rs int32
		out    *arrow.Decimal128Type
		big    bool
		fast   bool
	}{
		{expr.Mul, 2, 2, &arrow.Decimal128Type{Precision: 38, Scale: 4}, false, true},
		{expr.Mul, 2, 3, &arrow.Decimal128Type{Precision: 38, Scale: 5}, true, false},
		{expr.Add, 2, 4, &arrow.Decimal128Type{Precision: 38, Scale: 4}, false, true},
		{expr.Sub, 4, 0, &arrow.Decimal128Type{Precision: 38, Scale: 4}, false, true},
		{expr.Sub, 1, 1, &arrow.Decimal128Type{Precision: 38, Scale: 1}, true, false},
		{expr.Add, 2, 2, &arrow.Decimal128Type{Precision: 6, Scale: 2}, false, false},
	} {
		l := column(&arrow.Decimal128Type{Precision: 38, Scale: tc.ls}, tc.big)
		r := column(&arrow.Decimal128Type{Precision: 38, Scale: tc.rs}, tc.big)
		fast, ok := decimalArith64(mem, tc.op, l, r, tc.out)
		if ok != tc.fast {
			t.Errorf("%s scales %d, %d: int64 path taken %v, want %v", tc.op, tc.ls, tc.rs, ok, tc.fast)
		}
		if ok {
			want, err := decimalArithNum(mem, tc.op, l, r, tc.out)
			if err != nil {
				t.Fatal(err)
			}
			if !array.Equal(fast, want) {
				t.Errorf("%s scales %d, %d: int64 path differs from the general one", tc.op, tc.ls, tc.rs)
			}
			want.Release()
			fast.Release()
		}
		l.Release()
		r.Release()
	}
}
