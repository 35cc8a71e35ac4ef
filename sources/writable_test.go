package sources_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/sources"
)

// TestValueText checks that constraint errors show key values as
// PostgreSQL prints them, not as Arrow does.
func TestValueText(t *testing.T) {
	ts := array.NewTimestampBuilder(memory.DefaultAllocator, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"})
	ts.Append(1704067200000000) // 2024-01-01 00:00:00+00
	dec := array.NewDecimal128Builder(memory.DefaultAllocator, &arrow.Decimal128Type{Precision: 5, Scale: 2})
	dec.Append(decimal128.FromI64(150))
	for _, c := range []struct {
		col  arrow.Array
		want string
	}{
		{ts.NewArray(), "2024-01-01 00:00:00+00"},
		{dec.NewArray(), "1.50"},
	} {
		if got := sources.ValueText(c.col, 0); got != c.want {
			t.Errorf("%s: %q, want %q", c.col.DataType(), got, c.want)
		}
	}
}
