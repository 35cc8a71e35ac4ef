package sources

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// FromStructs builds an in-memory table from a slice of structs, one row
// per element and one column per exported field. A field's column is named
// by its `riffq:"name"` tag or else its name in snake_case; `riffq:"-"`
// skips it. Supported field types are bool, the integer and float types,
// string, []byte and time.Time (as timestamptz), and pointers to them,
// which are NULL when nil.
func FromStructs[T any](rows []T) (*MemTable, error) {
	typ := reflect.TypeFor[T]()
	if typ.Kind() != reflect.Struct {
		return nil, fmt.Errorf("FromStructs: %s is not a struct type", typ)
	}
	type column struct {
		index []int
		field arrow.Field
	}
	var cols []column
	for _, f := range reflect.VisibleFields(typ) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name := f.Tag.Get("riffq")
		if name == "-" {
			continue
		}
		if name == "" {
			name = snakeCase(f.Name)
		}
		ft := f.Type
		nullable := ft.Kind() == reflect.Pointer
		if nullable {
			ft = ft.Elem()
		}
		dt, err := arrowTypeOf(ft)
		if err != nil {
			return nil, fmt.Errorf("FromStructs: field %s: %w", f.Name, err)
		}
		cols = append(cols, column{index: f.Index, field: arrow.Field{Name: name, Type: dt, Nullable: nullable}})
	}
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = c.field
	}
	schema := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, row := range rows {
		rv := reflect.ValueOf(row)
		for i, c := range cols {
			v := rv.FieldByIndex(c.index)
			if v.Kind() == reflect.Pointer {
				if v.IsNil() {
					b.Field(i).AppendNull()
					continue
				}
				v = v.Elem()
			}
			appendValue(b.Field(i), v)
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	return NewMemTable(schema, rec)
}

var timeType = reflect.TypeFor[time.Time]()

func arrowTypeOf(t reflect.Type) (arrow.DataType, error) {
	if t == timeType {
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, nil
	}
	switch t.Kind() {
	case reflect.Bool:
		return arrow.FixedWidthTypes.Boolean, nil
	case reflect.Int8, reflect.Int16:
		return arrow.PrimitiveTypes.Int16, nil
	case reflect.Int32, reflect.Uint8, reflect.Uint16:
		return arrow.PrimitiveTypes.Int32, nil
	case reflect.Int, reflect.Int64, reflect.Uint32:
		return arrow.PrimitiveTypes.Int64, nil
	case reflect.Float32:
		return arrow.PrimitiveTypes.Float32, nil
	case reflect.Float64:
		return arrow.PrimitiveTypes.Float64, nil
	case reflect.String:
		return arrow.BinaryTypes.String, nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return arrow.BinaryTypes.Binary, nil
		}
	}
	return nil, fmt.Errorf("type %s is not supported", t)
}

func appendValue(b array.Builder, v reflect.Value) {
	switch bb := b.(type) {
	case *array.BooleanBuilder:
		bb.Append(v.Bool())
	case *array.Int16Builder:
		bb.Append(int16(v.Int()))
	case *array.Int32Builder:
		if v.CanUint() {
			bb.Append(int32(v.Uint()))
		} else {
			bb.Append(int32(v.Int()))
		}
	case *array.Int64Builder:
		if v.CanUint() {
			bb.Append(int64(v.Uint()))
		} else {
			bb.Append(v.Int())
		}
	case *array.Float32Builder:
		bb.Append(float32(v.Float()))
	case *array.Float64Builder:
		bb.Append(v.Float())
	case *array.StringBuilder:
		bb.Append(v.String())
	case *array.BinaryBuilder:
		bb.Append(v.Bytes())
	case *array.TimestampBuilder:
		bb.Append(arrow.Timestamp(v.Interface().(time.Time).UnixMicro()))
	}
}

// snakeCase turns a Go field name into a column name: CreatedAt is
// created_at, ID is id.
func snakeCase(name string) string {
	var sb strings.Builder
	runes := []rune(name)
	for i, r := range runes {
		upper := r >= 'A' && r <= 'Z'
		if upper && i > 0 && (runes[i-1] < 'A' || runes[i-1] > 'Z' || (i+1 < len(runes) && runes[i+1] >= 'a' && runes[i+1] <= 'z')) {
			sb.WriteByte('_')
		}
		if upper {
			r += 'a' - 'A'
		}
		sb.WriteRune(r)
	}
	return sb.String()
}
