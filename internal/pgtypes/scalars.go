package pgtypes

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/scalar"
)

// AppendScalar appends s to b, a builder of s's type (or of its storage
// type, for an extension value), without a round trip through text.
func AppendScalar(b array.Builder, s scalar.Scalar) error {
	if !s.IsValid() {
		b.AppendNull()
		return nil
	}
	switch v := s.(type) {
	case *scalar.Boolean:
		b.(*array.BooleanBuilder).Append(v.Value)
	case *scalar.Int16:
		b.(*array.Int16Builder).Append(v.Value)
	case *scalar.Int32:
		b.(*array.Int32Builder).Append(v.Value)
	case *scalar.Int64:
		b.(*array.Int64Builder).Append(v.Value)
	case *scalar.Float32:
		b.(*array.Float32Builder).Append(v.Value)
	case *scalar.Float64:
		b.(*array.Float64Builder).Append(v.Value)
	case *scalar.Decimal128:
		b.(*array.Decimal128Builder).Append(v.Value)
	case *scalar.Date32:
		b.(*array.Date32Builder).Append(v.Value)
	case *scalar.Timestamp:
		b.(*array.TimestampBuilder).Append(v.Value)
	case *scalar.MonthDayNanoInterval:
		b.(*array.MonthDayNanoIntervalBuilder).Append(v.Value)
	case *scalar.Time64:
		b.(*array.Time64Builder).Append(v.Value)
	case *scalar.Binary:
		b.(*array.BinaryBuilder).Append(v.Data())
	case *scalar.String:
		b.(*array.StringBuilder).Append(string(v.Data()))
	case *scalar.FixedSizeBinary: // a uuid's storage
		fb, ok := b.(*array.FixedSizeBinaryBuilder)
		if !ok {
			return fmt.Errorf("append scalar: cannot build %s", s.DataType())
		}
		fb.Append(v.Data())
	case *scalar.Extension:
		// An *array.ExtensionBuilder, or a type's own builder wrapping one
		// (uuid's).
		eb, ok := b.(interface{ StorageBuilder() array.Builder })
		if !ok {
			return fmt.Errorf("append scalar: cannot build %s", s.DataType())
		}
		return AppendScalar(eb.StorageBuilder(), v.Value)
	case *scalar.List:
		lb, ok := b.(*array.ListBuilder)
		if !ok {
			return fmt.Errorf("append scalar: cannot build %s", s.DataType())
		}
		lb.Append(true)
		for i := range v.Value.Len() {
			if v.Value.IsNull(i) {
				lb.ValueBuilder().AppendNull()
				continue
			}
			elem, err := scalar.GetScalar(v.Value, i)
			if err != nil {
				return err
			}
			if err := AppendScalar(lb.ValueBuilder(), elem); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("append scalar: cannot build %T", s)
	}
	return nil
}
