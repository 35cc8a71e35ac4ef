package pgbinary

import (
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/riffq/riffq/internal/pgtypes"
)

// NewFieldEncoder returns the binary encoder of column col of result field
// f: that of the catalog type f names (pgtypes.TypeMetadata), or else
// NewEncoder's. An oid or xid is 4 bytes, as the client expects of those
// types, whatever integer holds it; int2vector and oidvector are arrays
// subscripted from 0.
func NewFieldEncoder(f arrow.Field, col arrow.Array) (Encoder, error) {
	be := binary.BigEndian
	switch pgtypes.Annotation(f) {
	case "oid", "xid":
		values, err := integers(col)
		if err != nil {
			return nil, err
		}
		return func(buf []byte, i int) []byte { return be.AppendUint32(buf, uint32(values(i))) }, nil
	case "int2vector", "oidvector":
		list, ok := col.(array.ListLike)
		if !ok {
			return nil, fmt.Errorf("%s held as %s", pgtypes.Annotation(f), col.DataType())
		}
		values, err := integers(list.ListValues())
		if err != nil {
			return nil, err
		}
		if pgtypes.Annotation(f) == "int2vector" {
			elem := func(buf []byte, i int) []byte { return be.AppendUint16(buf, uint16(values(i))) }
			return arrayEncoder(list, pgtypes.Int2OID, elem, 0), nil
		}
		elem := func(buf []byte, i int) []byte { return be.AppendUint32(buf, uint32(values(i))) }
		return arrayEncoder(list, pgtypes.OIDOID, elem, 0), nil
	}
	return NewEncoder(col)
}

// integers reads the values of an integer column as int64.
func integers(col arrow.Array) (func(int) int64, error) {
	switch a := col.(type) {
	case *array.Int16:
		return func(i int) int64 { return int64(a.Value(i)) }, nil
	case *array.Int32:
		return func(i int) int64 { return int64(a.Value(i)) }, nil
	case *array.Int64:
		return a.Value, nil
	case *array.Uint32:
		return func(i int) int64 { return int64(a.Value(i)) }, nil
	}
	return nil, fmt.Errorf("integers held as %s", col.DataType())
}
