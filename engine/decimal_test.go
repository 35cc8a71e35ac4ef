package engine

import (
	"context"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
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

// TestFilterBatch16 checks that filtering copies 16-byte values (numeric,
// interval) right, NULLs and a sliced input included, next to a column
// that goes through Arrow's kernel.
func TestFilterBatch16(t *testing.T) {
	mem := memory.DefaultAllocator
	dt := &arrow.Decimal128Type{Precision: 20, Scale: 2}
	db := array.NewDecimal128Builder(mem, dt)
	ib := array.NewMonthDayNanoIntervalBuilder(mem)
	sb := array.NewStringBuilder(mem)
	mb := array.NewBooleanBuilder(mem)
	for i := range 50 {
		if i%5 == 1 {
			db.AppendNull()
		} else {
			db.Append(decimal128.FromI64(int64(i) * 1_000_000_000_007))
		}
		ib.Append(arrow.MonthDayNanoInterval{Months: int32(i), Days: int32(-i), Nanoseconds: int64(i) << 40})
		sb.Append(strconv.Itoa(i))
		switch {
		case i%7 == 3:
			mb.AppendNull()
		default:
			mb.Append(i%3 != 0)
		}
	}
	cols := []arrow.Array{db.NewArray(), ib.NewArray(), sb.NewArray()}
	mask := mb.NewArray()
	schema := arrow.NewSchema([]arrow.Field{{Name: "d", Type: dt, Nullable: true}, {Name: "i", Type: arrow.FixedWidthTypes.MonthDayNanoInterval}, {Name: "s", Type: arrow.BinaryTypes.String}}, nil)
	whole := array.NewRecordBatch(schema, cols, 50)
	releaseAll(cols)
	defer whole.Release()
	b := whole.NewSlice(5, 45) // an offset into every column
	defer b.Release()
	m := array.NewSlice(mask, 5, 45)
	mask.Release()
	defer m.Release()
	out, err := filterBatch(context.Background(), b, m)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	var want []int
	for i := 5; i < 45; i++ {
		if i%7 != 3 && i%3 != 0 {
			want = append(want, i)
		}
	}
	if int(out.NumRows()) != len(want) {
		t.Fatalf("%d rows, want %d", out.NumRows(), len(want))
	}
	d, iv, s := out.Column(0).(*array.Decimal128), out.Column(1).(*array.MonthDayNanoInterval), out.Column(2).(*array.String)
	for r, i := range want {
		if (i%5 == 1) != d.IsNull(r) || (i%5 != 1 && d.Value(r) != decimal128.FromI64(int64(i)*1_000_000_000_007)) {
			t.Errorf("row %d: numeric %v (null %v), want row %d's", r, d.Value(r), d.IsNull(r), i)
		}
		if iv.Value(r) != (arrow.MonthDayNanoInterval{Months: int32(i), Days: int32(-i), Nanoseconds: int64(i) << 40}) {
			t.Errorf("row %d: interval %v, want row %d's", r, iv.Value(r), i)
		}
		if s.Value(r) != strconv.Itoa(i) {
			t.Errorf("row %d: text %q, want %d", r, s.Value(r), i)
		}
	}
}

// TestDecimals64Overflow checks the int64 loops' overflow tests value by
// value against exact arithmetic, at the edges of int64 and of a
// precision's limit.
func TestDecimals64Overflow(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	edges := []int64{0, 1, -1, 3037000499, 3037000500, -3037000500, math.MaxInt64, math.MinInt64, math.MaxInt64 / 10, math.MinInt64 / 10, 1 << 62, -(1 << 62), 999_999, -999_999}
	value := func() int64 {
		if rng.IntN(3) == 0 {
			return edges[rng.IntN(len(edges))] + rng.Int64N(3) - 1
		}
		return rng.Int64() >> rng.IntN(64)
	}
	for range 20_000 {
		a, b := value(), value()
		limit := int64(math.MaxInt64)
		if rng.IntN(2) == 0 {
			limit = int64(pow10u64(int32(rng.IntN(18)+1)) - 1)
		}
		x, y := []decimal128.Num{decimal128.FromI64(a)}, []decimal128.Num{decimal128.FromI64(b)}
		z := make([]decimal128.Num, 1)
		// check compares a loop's answer with the exact one; mayRefuse
		// allows refusing a result in range (an operand scaled past int64,
		// which decimalArith's general path then computes).
		check := func(name string, ok bool, exact *big.Int, mayRefuse bool) {
			t.Helper()
			want := exact.IsInt64() && exact.Int64() <= limit && exact.Int64() >= -limit
			if want && !ok && mayRefuse {
				return
			}
			if ok != want || ok && z[0] != decimal128.FromI64(exact.Int64()) {
				t.Fatalf("%d %s %d (limit %d): ok %v, %s; want ok %v, %s", a, name, b, limit, ok, z[0].BigInt(), want, exact)
			}
		}
		check("*", mulDecimals64(z, x, y, limit), new(big.Int).Mul(big.NewInt(a), big.NewInt(b)), false)
		f := pow10u64(int32(rng.IntN(4)))
		sum := new(big.Int).Mul(big.NewInt(a), new(big.Int).SetUint64(f))
		scaledOver := !sum.IsInt64() || b == math.MinInt64
		check("·f +", addDecimals64(z, x, y, f, 1, false, limit), new(big.Int).Add(sum, big.NewInt(b)), scaledOver)
		check("·f -", addDecimals64(z, x, y, f, 1, true, limit), new(big.Int).Sub(sum, big.NewInt(b)), scaledOver)
	}
}
