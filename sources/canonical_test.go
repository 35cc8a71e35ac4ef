package sources_test

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/sources"
)

// Every type a file may carry converts to its canonical type with the
// same values, and the canonical type is one riffq has a PostgreSQL type
// for.
func TestToCanonical(t *testing.T) {
	dictType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}
	tests := []struct {
		dt   arrow.DataType
		json string
		want string // the converted array's values as arrow prints them
	}{
		{arrow.PrimitiveTypes.Int8, `[-128, 127, null]`, `[-128 127 (null)]`},
		{arrow.PrimitiveTypes.Uint8, `[0, 255]`, `[0 255]`},
		{arrow.PrimitiveTypes.Uint16, `[65535]`, `[65535]`},
		{arrow.PrimitiveTypes.Uint32, `[4294967295]`, `[4294967295]`},
		{arrow.PrimitiveTypes.Uint64, `[18446744073709551615, 1]`, `[18446744073709551615 1]`},
		{arrow.FixedWidthTypes.Float16, `[1.5, null]`, `[1.5 (null)]`},
		{arrow.BinaryTypes.LargeString, `["a", "bc", null]`, `["a" "bc" (null)]`},
		{arrow.BinaryTypes.StringView, `["a", "a longer string than twelve"]`, `["a" "a longer string than twelve"]`},
		{arrow.BinaryTypes.LargeBinary, `["AP8="]`, `["\x00\xff"]`},
		{&arrow.FixedSizeBinaryType{ByteWidth: 2}, `["AP8="]`, `["\x00\xff"]`},
		{arrow.FixedWidthTypes.Date64, `[86400000, 90000000, -3600000]`, `[1970-01-02 1970-01-02 1969-12-31]`},
		{&arrow.TimestampType{Unit: arrow.Millisecond}, `[1705314645123]`, `[1705314645123000]`},
		{&arrow.TimestampType{Unit: arrow.Second, TimeZone: "America/New_York"}, `[1705314645]`, `[1705314645000000]`},
		// Nanoseconds round half to even, as PostgreSQL rounds.
		{&arrow.TimestampType{Unit: arrow.Nanosecond}, `[1705314645123456789, 1500, 2500, -1500, -1501, null]`, `[1705314645123457 2 2 -2 -2 (null)]`},
		{arrow.FixedWidthTypes.Time32ms, `[45045123]`, `[45045123000]`},
		{arrow.FixedWidthTypes.Time64ns, `[45045123456789, 86399999999999]`, `[45045123457 86400000000]`},
		{&arrow.Decimal256Type{Precision: 50, Scale: 5}, `["123456789012345678901234567890123456789012.34567", null]`, `(numeric)["123456789012345678901234567890123456789012.34567" (null)]`},
		{arrow.Null, `[null, null]`, `[(null) (null)]`},
		{&arrow.Decimal256Type{Precision: 20, Scale: 2}, `["123.45"]`, `[123.45]`},
		{arrow.LargeListOf(arrow.PrimitiveTypes.Int8), `[[1, 2], null, [3]]`, `[[1 2] (null) [3]]`},
		{arrow.ListOf(arrow.PrimitiveTypes.Uint8), `[[1, 2], null, [3, 4]]`, `[[1 2] (null) [3 4]]`},
		{arrow.FixedSizeListOf(2, arrow.PrimitiveTypes.Int32), `[[1, 2], [3, null], null]`, `[[1 2] [3 (null)] (null)]`},
		{dictType, `["x", "y", "x", null]`, `["x" "y" "x" (null)]`},
	}
	for _, tc := range tests {
		t.Run(tc.dt.String(), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			var a arrow.Array
			if d, ok := tc.dt.(*arrow.DictionaryType); ok {
				b := array.NewDictionaryBuilder(mem, d).(*array.BinaryDictionaryBuilder)
				for _, v := range []string{"x", "y", "x"} {
					if err := b.AppendString(v); err != nil {
						t.Fatal(err)
					}
				}
				b.AppendNull()
				a = b.NewArray()
				b.Release()
			} else {
				var err error
				if a, _, err = array.FromJSON(mem, tc.dt, strings.NewReader(tc.json)); err != nil {
					t.Fatal(err)
				}
			}
			defer a.Release()
			to := sources.Canonical(tc.dt)
			if arrow.TypeEqual(to, tc.dt) {
				t.Fatalf("%s is canonical", tc.dt)
			}
			if _, err := pgtypes.FromArrow(to); err != nil {
				t.Fatalf("canonical type %s has no PostgreSQL type: %v", to, err)
			}
			out, err := sources.ToCanonical(mem, a, to)
			if err != nil {
				t.Fatal(err)
			}
			defer out.Release()
			if !arrow.TypeEqual(out.DataType(), to) {
				t.Fatalf("converted to %s, want %s", out.DataType(), to)
			}
			if got := out.String(); got != tc.want {
				t.Errorf("values %s, want %s", got, tc.want)
			}
			if a.NullN() == 0 && a.Data().Buffers()[0] != nil {
				// Without a validity bitmap, as a decoder may leave a
				// column without NULLs: the same values (arrow's cast of
				// fixed-size binaries crashed on it).
				bufs := append([]*memory.Buffer{nil}, a.Data().Buffers()[1:]...)
				d := array.NewData(a.DataType(), a.Len(), bufs, a.Data().Children(), 0, a.Data().Offset())
				bare := array.MakeFromData(d)
				d.Release()
				got, err := sources.ToCanonical(mem, bare, to)
				bare.Release()
				if err != nil {
					t.Fatal(err)
				}
				if !array.Equal(got, out) {
					t.Errorf("without a validity bitmap: %s, want %s", got, out)
				}
				got.Release()
			}
			if a.Len() > 2 {
				// A slice converts to the same rows.
				s := array.NewSlice(a, 1, int64(a.Len()))
				defer s.Release()
				got, err := sources.ToCanonical(mem, s, to)
				if err != nil {
					t.Fatal(err)
				}
				defer got.Release()
				want := array.NewSlice(out, 1, int64(out.Len()))
				defer want.Release()
				if !array.Equal(got, want) {
					t.Errorf("slice converts to %s, want %s", got, want)
				}
			}
		})
	}
}

// Nested values render as PostgreSQL's to_jsonb renders their fields:
// numerics as numbers, floats PostgreSQL prints as words as strings,
// bytea as its hex text.
func TestToJSONFields(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dt := arrow.StructOf(
		arrow.Field{Name: "d", Type: &arrow.Decimal128Type{Precision: 5, Scale: 2}, Nullable: true},
		arrow.Field{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		arrow.Field{Name: "b", Type: arrow.BinaryTypes.Binary, Nullable: true},
		arrow.Field{Name: "h", Type: arrow.FixedWidthTypes.Float16, Nullable: true},
		arrow.Field{Name: "ns", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}, Nullable: true},
		arrow.Field{Name: "tz", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "America/New_York"}, Nullable: true},
	)
	a, _, err := array.FromJSON(mem, dt, strings.NewReader(`[
		{"d": "1.50", "f": 2.5, "b": "AP8=", "h": 1.5, "ns": 1622505601234567500, "tz": 1622505601500},
		{"d": null, "f": "NaN", "b": null, "h": "NaN", "ns": null, "tz": null},
		{"d": "-3.00", "f": "-Inf", "b": "", "h": "-Inf", "ns": 0, "tz": 0}]`))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	j, err := sources.ToJSON(mem, a)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Release()
	want := []string{
		`{"b": "\\x00ff", "d": 1.50, "f": 2.5, "h": 1.5, "ns": "2021-06-01T00:00:01.234568", "tz": "2021-06-01T00:00:01.5+00:00"}`,
		`{"b": null, "d": null, "f": "NaN", "h": "NaN", "ns": null, "tz": null}`,
		`{"b": "\\x", "d": -3.00, "f": "-Infinity", "h": "-Infinity", "ns": "1970-01-01T00:00:00", "tz": "1970-01-01T00:00:00+00:00"}`,
	}
	for i, w := range want {
		if got := j.ValueStr(i); got != w {
			t.Errorf("row %d: %s, want %s", i, got, w)
		}
	}
}

// A value the canonical type cannot hold fails instead of wrapping.
func TestToCanonicalOverflow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dt := &arrow.TimestampType{Unit: arrow.Second}
	a, _, err := array.FromJSON(mem, dt, strings.NewReader(`[10000000000000]`))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	if out, err := sources.ToCanonical(mem, a, sources.Canonical(dt)); err == nil {
		defer out.Release()
		t.Fatalf("converted to %s", out)
	}
}
