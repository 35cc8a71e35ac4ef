package jsonb

import (
	"cmp"
	"encoding/json"
	"math/big"
	"slices"
)

// Compare orders two JSON texts as jsonb's comparison operators do: an
// object above an array, above a boolean, a number, a string, null (a
// top-level empty array below null, as there); containers with more
// elements or pairs above those with fewer, then element by element (pair
// by pair, keys in jsonb's order: by length, then bytes); numbers by
// value (1 = 1.0), strings by bytes (the C collation).
func Compare(a, b string) (int, error) {
	va, err := Parse(a)
	if err != nil {
		return 0, err
	}
	vb, err := Parse(b)
	if err != nil {
		return 0, err
	}
	return CompareValues(va, vb), nil
}

// CompareValues is Compare of parsed values.
func CompareValues(a, b Value) int { return compareValues(a, b, true) }

// rank is a value's kind in jsonb's order.
func rank(v Value, top bool) int {
	switch v := v.(type) {
	case nil:
		return 1
	case string:
		return 2
	case json.Number:
		return 3
	case bool:
		return 4
	case []Value:
		if top && len(v) == 0 {
			return 0
		}
		return 5
	}
	return 6
}

func compareValues(a, b Value, top bool) int {
	if ra, rb := rank(a, top), rank(b, top); ra != rb {
		return cmp.Compare(ra, rb)
	}
	switch x := a.(type) {
	case string:
		return cmp.Compare(x, b.(string))
	case json.Number:
		ra, _ := new(big.Rat).SetString(string(x))
		rb, _ := new(big.Rat).SetString(string(b.(json.Number)))
		if ra == nil || rb == nil {
			return cmp.Compare(string(x), string(b.(json.Number)))
		}
		return ra.Cmp(rb)
	case bool:
		switch y := b.(bool); {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case []Value:
		y := b.([]Value)
		if c := cmp.Compare(len(x), len(y)); c != 0 {
			return c
		}
		for i := range x {
			if c := compareValues(x[i], y[i], false); c != 0 {
				return c
			}
		}
		return 0
	case *Object:
		y := b.(*Object)
		if c := cmp.Compare(len(x.Keys), len(y.Keys)); c != 0 {
			return c
		}
		xi, yi := keyOrder(x), keyOrder(y)
		for i := range xi {
			if c := cmp.Compare(x.Keys[xi[i]], y.Keys[yi[i]]); c != 0 {
				return c
			}
			if c := compareValues(x.Values[xi[i]], y.Values[yi[i]], false); c != 0 {
				return c
			}
		}
	}
	return 0
}

// keyOrder lists an object's pairs in jsonb's key order.
func keyOrder(o *Object) []int {
	idx := make([]int, len(o.Keys))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int {
		if c := cmp.Compare(len(o.Keys[i]), len(o.Keys[j])); c != 0 {
			return c
		}
		return cmp.Compare(o.Keys[i], o.Keys[j])
	})
	return idx
}
