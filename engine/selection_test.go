package engine

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestSelectedRows checks the word-at-a-time reading of filter masks
// against reading each value, over lengths around word boundaries, NULLs
// and slices at every offset.
func TestSelectedRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, 63, 64, 65, 200, 1000} {
		bld := array.NewBooleanBuilder(memory.DefaultAllocator)
		for range n {
			switch rng.IntN(4) {
			case 0:
				bld.AppendNull()
			default:
				bld.Append(rng.IntN(3) > 0)
			}
		}
		whole := bld.NewBooleanArray()
		for _, off := range []int{0, 1, 8, 13, 64} {
			if off > n {
				continue
			}
			m := array.NewSlice(whole, int64(off), int64(n)).(*array.Boolean)
			var want []int32
			for i := range m.Len() {
				if m.IsValid(i) && m.Value(i) {
					want = append(want, int32(i))
				}
			}
			if got := selectedRows(m); !slices.Equal(got, want) {
				t.Errorf("n=%d offset=%d: %v, want %v", n, off, got, want)
			}
			m.Release()
		}
		whole.Release()
		bld.Release()
	}
}
