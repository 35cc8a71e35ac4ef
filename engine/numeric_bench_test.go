package engine

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/expr"
)

func BenchmarkDecimalMul(b *testing.B) {
	t := &arrow.Decimal128Type{Precision: 15, Scale: 2}
	lb, rb := array.NewDecimal128Builder(memory.DefaultAllocator, t), array.NewDecimal128Builder(memory.DefaultAllocator, t)
	for i := range 1 << 20 {
		lb.Append(decimal128.FromI64(int64(i%100000 + 100)))
		rb.Append(decimal128.FromI64(int64(100 - i%11)))
	}
	l, r := lb.NewArray(), rb.NewArray()
	out := &arrow.Decimal128Type{Precision: 31, Scale: 4}
	k := numericKernel(expr.Mul)
	for b.Loop() {
		a, err := k(memory.DefaultAllocator, l, r, out)
		if err != nil {
			b.Fatal(err)
		}
		a.Release()
	}
}
