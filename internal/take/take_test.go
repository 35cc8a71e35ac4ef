package take

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Array's own copies must give what Arrow's take kernel gives, for
// every fixed width, with NULL values, NULL indices and sliced inputs.
func TestTakeArrayMatchesArrow(t *testing.T) {
	ctx := context.Background()
	columns := map[string]string{
		"int8":       `[1, null, -3, 4, 5, 6]`,
		"int16":      `[1, null, -3, 4, 5, 6]`,
		"int32":      `[1, 2, -3, null, 5, 6]`,
		"int64":      `[10, 20, 30, 40, 50, 60]`,
		"float32":    `[1.5, 2.5, null, 4.5, 5.5, 6.5]`,
		"float64":    `[1.5, 2.5, 3.5, 4.5, 5.5, null]`,
		"date32":     `[1, 2, 3, 4, 5, 6]`,
		"timestamp":  `["2024-01-01T00:00:00Z", null, "2024-01-03T00:00:00Z", "2024-01-04T00:00:00Z", "2024-01-05T00:00:00Z", "2024-01-06T00:00:00Z"]`,
		"decimal128": `["1.10", "2.20", null, "4.40", "5.50", "6.60"]`,
		"string":     `["a", null, "ccc", "", "eeeee", "f"]`,
		"bool":       `[true, null, false, true, true, false]`,
	}
	types := map[string]arrow.DataType{
		"int8": arrow.PrimitiveTypes.Int8, "int16": arrow.PrimitiveTypes.Int16,
		"int32": arrow.PrimitiveTypes.Int32, "int64": arrow.PrimitiveTypes.Int64,
		"float32": arrow.PrimitiveTypes.Float32, "float64": arrow.PrimitiveTypes.Float64,
		"date32":     arrow.FixedWidthTypes.Date32,
		"timestamp":  &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"},
		"decimal128": &arrow.Decimal128Type{Precision: 10, Scale: 2},
		"string":     arrow.BinaryTypes.String,
		"bool":       arrow.FixedWidthTypes.Boolean,
	}
	indices := []string{`[5, 0, 3, 3]`, `[1, null, 4]`, `[]`}
	for name, js := range columns {
		a, _, err := array.FromJSON(memory.DefaultAllocator, types[name], strings.NewReader(js))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, in := range []arrow.Array{a, array.NewSlice(a, 1, 6)} {
			for _, ix := range indices {
				idx, _, err := array.FromJSON(memory.DefaultAllocator, arrow.PrimitiveTypes.Int32, strings.NewReader(ix))
				if err != nil {
					t.Fatal(err)
				}
				if in.Len() < a.Len() && strings.Contains(ix, "5") {
					continue // out of the slice's bounds
				}
				got, err := Array(ctx, in, idx)
				if err != nil {
					t.Fatalf("%s %s: %v", name, ix, err)
				}
				want, err := compute.TakeArray(ctx, in, idx)
				if err != nil {
					t.Fatal(err)
				}
				if !array.Equal(got, want) {
					t.Errorf("%s (offset %d) take %s = %v, want %v", name, in.Data().Offset(), ix, got, want)
				}
			}
		}
	}
}
