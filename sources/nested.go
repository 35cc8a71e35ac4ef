package sources

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/jsonb"
	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/internal/pgtypes"
)

// AsJSON reports whether a column of type dt is served as jsonb: structs,
// maps, and lists of them (or of other types PostgreSQL has no array of)
// have no PostgreSQL type of their own.
func AsJSON(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.STRUCT, arrow.MAP:
		return true
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST:
		if AsJSON(dt.(arrow.ListLikeType).Elem()) {
			return true
		}
		_, err := pgtypes.FromArrow(dt)
		return err != nil
	}
	return false
}

// JSONType is the type of the columns AsJSON picks: jsonb, so that
// ->, ->>, @> and the other jsonb operators apply to them.
func JSONType() arrow.DataType { return pgtypes.JSONB() }

// ToJSON renders each value of a nested column as jsonb text (keys
// ordered as jsonb orders them), in a column of JSONType. The caller
// releases the result.
func ToJSON(mem memory.Allocator, a arrow.Array) (arrow.Array, error) {
	return jsonbColumn(mem, a, func(i int) ([]byte, error) {
		data, err := json.Marshal(jsonValue(a, i))
		if err != nil {
			return nil, fmt.Errorf("%s value as json: %w", a.DataType(), err)
		}
		return data, nil
	})
}

// jsonbColumn makes a column of JSONType, a's rows' JSON documents
// (doc(i), for the rows that are not NULL) as jsonb text.
func jsonbColumn(mem memory.Allocator, a arrow.Array, doc func(i int) ([]byte, error)) (arrow.Array, error) {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for i := range a.Len() {
		if a.IsNull(i) {
			b.AppendNull()
			continue
		}
		data, err := doc(i)
		if err != nil {
			return nil, err
		}
		canon, err := jsonb.Normalize(string(data))
		if err != nil {
			return nil, fmt.Errorf("%s value as jsonb: %w", a.DataType(), err)
		}
		b.Append(canon)
	}
	storage := b.NewArray()
	defer storage.Release()
	return array.NewExtensionArrayWithStorage(JSONType().(arrow.ExtensionType), storage), nil
}

// jsonValue is value i of a as encoding/json marshals it: a map becomes an
// object (its keys as text), as DuckDB's to_json and PostgreSQL's
// jsonb_object make it, where Arrow would give a list of key-value pairs.
func jsonValue(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.Map:
		start, end := a.ValueOffsets(i)
		keys, items := a.Keys(), a.Items()
		obj := make(map[string]any, end-start)
		for j := int(start); j < int(end); j++ {
			obj[keys.ValueStr(j)] = jsonValue(items, j)
		}
		return obj
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		obj := make(map[string]any, a.NumField())
		for f := range a.NumField() {
			obj[st.Field(f).Name] = jsonValue(a.Field(f), i)
		}
		return obj
	case array.ListLike:
		start, end := a.ValueOffsets(i)
		out := make([]any, 0, end-start)
		for j := int(start); j < int(end); j++ {
			out = append(out, jsonValue(a.ListValues(), j))
		}
		return out
	case *array.Decimal128:
		// A number with its scale, as to_jsonb(numeric) gives.
		return json.Number(a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale))
	case *array.Decimal256:
		return json.Number(a.Value(i).ToString(a.DataType().(*arrow.Decimal256Type).Scale))
	case *array.Float16:
		return jsonFloat(float64(a.Value(i).Float32()))
	case *array.Float32:
		return jsonFloat(float64(a.Value(i)))
	case *array.Timestamp:
		// As to_jsonb gives a timestamp: ISO 8601 with a T, to the
		// microsecond, an instant at +00:00 (riffq's timestamptz is UTC).
		tt := a.DataType().(*arrow.TimestampType)
		text := pgtext.AppendTimestamp(nil, time.UnixMicro(toMicros(int64(a.Value(i)), tt.Unit)).UTC(), false)
		if j := bytes.IndexByte(text, ' '); j >= 0 {
			text[j] = 'T'
		}
		if tt.TimeZone != "" {
			text = append(text, "+00:00"...)
		}
		return string(text)
	case *array.Time64:
		us := toMicros(int64(a.Value(i)), a.DataType().(*arrow.Time64Type).Unit)
		return string(pgtext.AppendTime(nil, time.UnixMicro(us).UTC()))
	case *array.Float64:
		return jsonFloat(a.Value(i))
	case *array.Binary:
		return string(pgtext.AppendBytea(nil, a.Value(i))) // "\x00ff", as to_jsonb(bytea)
	case *array.LargeBinary:
		return string(pgtext.AppendBytea(nil, a.Value(i)))
	}
	return a.GetOneForMarshal(i)
}

// jsonFloat is a float as to_jsonb gives it: a number, or the strings
// NaN, Infinity and -Infinity that JSON has no number for.
func jsonFloat(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return f
}

// toMicros converts v in unit to microseconds.
func toMicros(v int64, unit arrow.TimeUnit) int64 {
	switch unit {
	case arrow.Second:
		return v * 1e6
	case arrow.Millisecond:
		return v * 1e3
	case arrow.Nanosecond:
		return nanosToMicros(v)
	}
	return v
}
