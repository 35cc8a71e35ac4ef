package pgbinary

import (
	"bytes"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/pgtypes"
)

func TestFieldEncoderCatalogTypes(t *testing.T) {
	cases := []struct {
		pgType string
		typ    arrow.DataType
		json   string
		want   []byte
	}{
		// An oid held as a bigint is 4 bytes on the wire.
		{"oid", arrow.PrimitiveTypes.Int64, `[16384]`, []byte{0, 0, 0x40, 0}},
		{"xid", arrow.PrimitiveTypes.Int64, `[7]`, []byte{0, 0, 0, 7}},
		{"name", arrow.BinaryTypes.String, `["pg_class"]`, []byte("pg_class")},
		// int2vector: one dimension, no NULLs, int2 elements, 2 of them,
		// subscripts from 0, then each element's length and value.
		{"int2vector", arrow.ListOf(arrow.PrimitiveTypes.Int16), `[[1, 3]]`, []byte{
			0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 21, 0, 0, 0, 2, 0, 0, 0, 0,
			0, 0, 0, 2, 0, 1, 0, 0, 0, 2, 0, 3}},
		{"oidvector", arrow.ListOf(arrow.PrimitiveTypes.Int64), `[[23]]`, []byte{
			0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 26, 0, 0, 0, 1, 0, 0, 0, 0,
			0, 0, 0, 4, 0, 0, 0, 23}},
	}
	for _, c := range cases {
		col, _, err := array.FromJSON(memory.DefaultAllocator, c.typ, strings.NewReader(c.json))
		if err != nil {
			t.Fatal(err)
		}
		f := pgtypes.Annotate(arrow.Field{Name: "x", Type: c.typ}, c.pgType)
		if pgtypes.Annotation(f) != c.pgType {
			t.Fatalf("%s: not annotated on %s", c.pgType, c.typ)
		}
		enc, err := NewFieldEncoder(f, col)
		if err != nil {
			t.Fatalf("%s: %v", c.pgType, err)
		}
		if got := enc(nil, 0); !bytes.Equal(got, c.want) {
			t.Errorf("%s: % x, want % x", c.pgType, got, c.want)
		}
	}
}
