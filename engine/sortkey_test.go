package engine

import (
	"bytes"
	"math"
	"math/big"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/pgtypes"
)

// TestSortKeyEncoding checks the encoded sort keys against the column
// comparators of the in-memory sort: for every pair of values of every
// type, bytes.Compare of their keys agrees with the comparator, in both
// directions and with NULLs first and last.
func TestSortKeyEncoding(t *testing.T) {
	mem := memory.DefaultAllocator
	numeric := pgtypes.Numeric()
	cols := map[string]arrow.Array{}
	build := func(name string, b array.Builder) {
		cols[name] = b.NewArray()
		b.Release()
	}
	ints := array.NewInt64Builder(mem)
	ints.AppendValues([]int64{0, -1, 1, math.MinInt64, math.MaxInt64, 42, -42}, nil)
	ints.AppendNull()
	build("int64", ints)
	floats := array.NewFloat64Builder(mem)
	floats.AppendValues([]float64{0, math.Copysign(0, -1), 1.5, -1.5, math.Inf(1), math.Inf(-1), math.NaN(), 1e-300, -1e300}, nil)
	floats.AppendNull()
	build("float64", floats)
	strs := array.NewStringBuilder(mem)
	strs.AppendValues([]string{"", "a", "ab", "b", "a\x00", "\xff", "B"}, nil)
	strs.AppendNull()
	build("text", strs)
	bins := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
	bins.AppendValues([][]byte{{}, {0}, {0, 0}, {0, 1}, {1}, {0xff, 0}}, nil)
	bins.AppendNull()
	build("bytea", bins)
	ivs := array.NewMonthDayNanoIntervalBuilder(mem)
	ivs.AppendValues([]arrow.MonthDayNanoInterval{{Months: 1}, {Days: 30}, {Days: 31}, {Nanoseconds: -1}, {Days: -1, Nanoseconds: 86400e9 - 1}, {}}, nil)
	build("interval", ivs)
	decs := array.NewDecimal128Builder(mem, &arrow.Decimal128Type{Precision: 38, Scale: 2})
	for _, v := range []int64{0, 1, -1, 100, -100, math.MaxInt64, math.MinInt64} {
		decs.Append(decimal128.FromI64(v))
	}
	build("decimal", decs)
	bools := array.NewBooleanBuilder(mem)
	bools.AppendValues([]bool{true, false}, nil)
	bools.AppendNull()
	build("bool", bools)
	lists := array.NewListBuilder(mem, arrow.PrimitiveTypes.Int32)
	elems := lists.ValueBuilder().(*array.Int32Builder)
	for _, l := range [][]int32{{}, {1}, {1, 2}, {1, 2, 3}, {2}, {1, -1}, {0, 5}, nil} {
		if l == nil {
			lists.AppendNull()
			continue
		}
		lists.Append(true)
		elems.AppendValues(l, nil)
	}
	lists.Append(true)
	elems.AppendNull() // {NULL}
	lists.Append(true)
	elems.Append(1)
	elems.AppendNull() // {1,NULL}
	build("int[]", lists)
	nums := array.NewExtensionBuilder(mem, numeric)
	numText := []string{"0", "0.000", "-0.5", "0.5", "0.05", "5", "50", "49.999", "-50", "-49.999", "1.20", "1.2", "1.25",
		"123456789012345678901234567890.1", "123456789012345678901234567890.2", "NaN", "Infinity", "-Infinity", "-0.05"}
	for _, v := range numText {
		nums.AppendValueFromString(v)
	}
	nums.AppendNull()
	build("numeric", nums)
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()

	for name, c := range cols {
		for _, key := range []SortKey{{}, {Desc: true}, {NullsFirst: true}, {Desc: true, NullsFirst: true}} {
			schema := arrow.NewSchema([]arrow.Field{{Name: "c", Type: c.DataType(), Nullable: true}}, nil)
			b := array.NewRecordBatch(schema, []arrow.Array{c}, int64(c.Len()))
			rows, ok := sortKeyRows(b, []SortKey{key})
			if !ok {
				t.Fatalf("%s: no encoding", name)
			}
			cmpRows := newKeyComparator(c, key)
			if name == "numeric" {
				cmpRows = numericComparator(t, c, key)
			}
			for x := range c.Len() {
				for y := range c.Len() {
					want := cmpRows(x, y)
					if got := bytes.Compare(rows[x], rows[y]); sign(got) != sign(want) {
						t.Errorf("%s %+v: rows %d and %d (%s, %s): encoded %d, comparator %d", name, key, x, y, c.ValueStr(x), c.ValueStr(y), got, want)
					}
				}
			}
			b.Release()
		}
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// numericComparator orders numeric text exactly (big.Float), NaN above
// everything, as PostgreSQL orders numerics.
func numericComparator(t *testing.T, c arrow.Array, key SortKey) keyComparator {
	storage := c.(array.ExtensionArray).Storage().(*array.String)
	value := func(i int) (*big.Float, bool) {
		s := storage.Value(i)
		switch s {
		case "NaN":
			return nil, true
		case "Infinity":
			return new(big.Float).SetInf(false), false
		case "-Infinity":
			return new(big.Float).SetInf(true), false
		}
		f, ok := new(big.Float).SetPrec(512).SetString(s)
		if !ok {
			t.Fatalf("numeric %q", s)
		}
		return f, false
	}
	return func(i, j int) int {
		ni, nj := c.IsNull(i), c.IsNull(j)
		switch {
		case ni && nj:
			return 0
		case ni:
			if key.NullsFirst {
				return -1
			}
			return 1
		case nj:
			if key.NullsFirst {
				return 1
			}
			return -1
		}
		a, an := value(i)
		b, bn := value(j)
		r := 0
		switch {
		case an && bn:
		case an:
			r = 1
		case bn:
			r = -1
		default:
			r = a.Cmp(b)
		}
		if key.Desc {
			r = -r
		}
		return r
	}
}
