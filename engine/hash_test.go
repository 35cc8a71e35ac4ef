package engine

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// int64Column builds an int64 array; nil values are NULL.
func int64Column(vals []*int64) arrow.Array {
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	for _, v := range vals {
		if v == nil {
			b.AppendNull()
		} else {
			b.Append(*v)
		}
	}
	return b.NewArray()
}

// TestGroupIDs checks that groups of one and two integer keys, with NULLs
// and values beyond 32 bits (which do not pack and take the encoded path),
// get the same ids as a reference map of the key tuples, across batches
// and table resizes.
func TestGroupIDs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var seq int64
	ascending := func() *int64 { // runs of one key, as in a sorted file
		if rng.IntN(3) == 0 {
			seq += 1 + rng.Int64N(6)
		}
		v := seq
		return &v
	}
	descending := func() *int64 {
		v := -*ascending()
		if rng.IntN(50) == 0 {
			return nil
		}
		return &v
	}
	random := func() *int64 {
		var v int64
		switch rng.IntN(10) {
		case 0:
			return nil
		case 1:
			v = math.MaxInt32 + 1 + rng.Int64N(3)
		case 2:
			v = math.MinInt64 + rng.Int64N(3)
		default:
			v = rng.Int64N(5000) - 100
		}
		return &v
	}
	for _, tc := range []struct {
		name  string
		ncols int
		value func() *int64
	}{
		{"random 1", 1, random}, {"random 2", 2, random},
		{"ascending 1", 1, ascending}, {"ascending 2", 2, ascending},
		{"descending 1", 1, descending},
	} {
		ncols, value := tc.ncols, tc.value
		keys := make([]keyColumn, ncols)
		for i := range keys {
			var err error
			if keys[i], err = newKeyColumn(arrow.PrimitiveTypes.Int64); err != nil {
				t.Fatal(err)
			}
		}
		h := &hashTable{groups: make(map[string]uint32), keys: keys}
		want := map[[2]string]uint32{}
		for batch := range 5 {
			const n = 4000
			vals := make([][]*int64, ncols)
			cols := make([]arrow.Array, ncols)
			for c := range cols {
				vals[c] = make([]*int64, n)
				for r := range vals[c] {
					vals[c][r] = value()
				}
				cols[c] = int64Column(vals[c])
			}
			ids := h.groupIDsOf(cols, n)
			for r, id := range ids {
				var k [2]string
				for c := range cols {
					k[c] = "null"
					if v := vals[c][r]; v != nil {
						k[c] = strconv.FormatInt(*v, 10)
					}
				}
				if w, ok := want[k]; ok {
					if w != id {
						t.Fatalf("%s: batch %d row %d: id %d, earlier rows of this key got %d", tc.name, batch, r, id, w)
					}
				} else {
					if int(id) != len(want) {
						t.Fatalf("%s: batch %d row %d: new key got id %d, want %d", tc.name, batch, r, id, len(want))
					}
					want[k] = id
				}
			}
			releaseAll(cols)
		}
		if tc.name == "ascending 1" && h.ints.hashed {
			t.Errorf("%s: keys close together left the dense array", tc.name)
		}
		if h.ngroups != len(want) {
			t.Errorf("%s: %d groups, want %d", tc.name, h.ngroups, len(want))
		}
	}
}
