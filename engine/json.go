package engine

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/jsonb"
	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// jsonText returns a json or jsonb column's text storage.
func jsonText(a arrow.Array) *array.String {
	if ext, ok := a.(array.ExtensionArray); ok {
		a = ext.Storage()
	}
	return a.(*array.String)
}

// newJSON wraps JSON texts as a column of the json type out (json or
// jsonb).
func newJSON(out arrow.DataType, storage arrow.Array) arrow.Array {
	if ext, ok := out.(arrow.ExtensionType); ok {
		return array.NewExtensionArrayWithStorage(ext, storage)
	}
	storage.Retain()
	return storage
}

// jsonFunction returns the kernel of a json function or operator, or nil.
func jsonFunction(name string, out arrow.DataType) func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	switch name {
	case "json_field", "json_field_text", "json_path", "json_path_text":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			docs := jsonText(in[0])
			a := argReader{in}
			b := array.NewStringBuilder(mem)
			defer b.Release()
			for r := range docs.Len() {
				if in[0].IsNull(r) || in[1].IsNull(r) {
					b.AppendNull()
					continue
				}
				var raw string
				var ok bool
				switch {
				case strings.HasPrefix(name, "json_path"):
					raw, ok = jsonb.Path(docs.Value(r), listStrings(in[1], r))
				case isInteger(in[1].DataType()):
					raw, ok = jsonb.Field(docs.Value(r), "", int(a.int(1, r)), true)
				default:
					raw, ok = jsonb.Field(docs.Value(r), a.str(1, r), 0, false)
				}
				if ok && strings.HasSuffix(name, "_text") {
					raw, ok = jsonb.Text(raw)
				}
				if !ok {
					b.AppendNull()
					continue
				}
				b.Append(raw)
			}
			storage := b.NewArray()
			defer storage.Release()
			return newJSON(out, storage), nil
		}
	case "jsonb_contains", "jsonb_exists", "jsonb_exists_any", "jsonb_exists_all":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			docs := jsonText(in[0])
			b := array.NewBooleanBuilder(mem)
			defer b.Release()
			for r := range docs.Len() {
				if in[0].IsNull(r) || in[1].IsNull(r) {
					b.AppendNull()
					continue
				}
				doc, err := jsonb.Parse(docs.Value(r))
				if err != nil {
					return nil, pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type json")
				}
				switch name {
				case "jsonb_contains":
					other, err := jsonb.Parse(jsonText(in[1]).Value(r))
					if err != nil {
						return nil, pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type json")
					}
					b.Append(jsonb.Contains(doc, other))
				case "jsonb_exists":
					b.Append(jsonb.Exists(doc, in[1].(*array.String).Value(r)))
				default:
					keys := listStrings(in[1], r)
					any, all := false, true
					for _, k := range keys {
						e := jsonb.Exists(doc, k)
						any, all = any || e, all && e
					}
					b.Append(name == "jsonb_exists_any" && any || name == "jsonb_exists_all" && all)
				}
			}
			return b.NewArray(), nil
		}
	case "jsonb_strip_nulls", "jsonb_pretty", "jsonb_set":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			docs := jsonText(in[0])
			b := array.NewStringBuilder(mem)
			defer b.Release()
			for r := range docs.Len() {
				if slices.ContainsFunc(in, func(a arrow.Array) bool { return a.IsNull(r) }) {
					b.AppendNull()
					continue
				}
				v, err := jsonb.Parse(docs.Value(r))
				if err != nil {
					return nil, pgerror.New(pgerror.InvalidTextRepresentation, "%v", err)
				}
				switch name {
				case "jsonb_strip_nulls":
					b.Append(string(jsonb.AppendCanonical(nil, jsonb.StripNulls(v))))
				case "jsonb_pretty":
					b.Append(string(jsonb.AppendPretty(nil, v, 0)))
				case "jsonb_set":
					value, err := jsonb.Parse(jsonText(in[2]).Value(r))
					if err != nil {
						return nil, pgerror.New(pgerror.InvalidTextRepresentation, "%v", err)
					}
					create := len(in) < 4 || in[3].(*array.Boolean).Value(r)
					out, ok := jsonb.Set(v, listStrings(in[1], r), value, create)
					if !ok {
						return nil, pgerror.New(pgerror.InvalidTextRepresentation, "path element is not an integer")
					}
					b.Append(string(jsonb.AppendCanonical(nil, out)))
				}
			}
			storage := b.NewArray()
			if name == "jsonb_pretty" {
				return storage, nil
			}
			defer storage.Release()
			return newJSON(out, storage), nil
		}
	case "json_typeof", "json_array_length":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			docs := jsonText(in[0])
			if name == "json_typeof" {
				return stringFunc(mem, in, func(r int) (string, bool, error) {
					if in[0].IsNull(r) {
						return "", false, nil
					}
					return jsonb.TypeOf(docs.Value(r)), true, nil
				})
			}
			b := array.NewInt32Builder(mem)
			defer b.Release()
			for r := range docs.Len() {
				if in[0].IsNull(r) {
					b.AppendNull()
					continue
				}
				elems, err := jsonb.Elements(docs.Value(r))
				if err != nil {
					return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot get array length of a non-array")
				}
				b.Append(int32(len(elems)))
			}
			return b.NewArray(), nil
		}
	case "to_json", "to_jsonb":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			enc, err := pgtext.NewEncoder(in[0], time.UTC)
			if err != nil {
				return nil, err
			}
			b := array.NewStringBuilder(mem)
			defer b.Release()
			var buf []byte
			for r := range in[0].Len() {
				if in[0].IsNull(r) {
					b.AppendNull()
					continue
				}
				v := string(appendJSONValue(nil, in[0], enc, r, &buf))
				if name == "to_jsonb" {
					if v, err = jsonb.Normalize(v); err != nil {
						return nil, err
					}
				}
				b.Append(v)
			}
			storage := b.NewArray()
			defer storage.Release()
			return newJSON(out, storage), nil
		}
	case "jsonb_build_object":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			obj, err := jsonBuildObject(mem, in)
			if err != nil {
				return nil, err
			}
			defer obj.Release()
			return castJSON(mem, obj, out)
		}
	case "json_elements", "json_elements_text", "json_keys":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			docs := jsonText(in[0])
			elem := out.(*arrow.ListType).Elem()
			lb := array.NewListBuilder(mem, elem)
			defer lb.Release()
			var vb *array.StringBuilder
			if ext, ok := lb.ValueBuilder().(*array.ExtensionBuilder); ok {
				vb = ext.StorageBuilder().(*array.StringBuilder)
			} else {
				vb = lb.ValueBuilder().(*array.StringBuilder)
			}
			for r := range docs.Len() {
				if in[0].IsNull(r) {
					lb.AppendNull()
					continue
				}
				var items []string
				var err error
				if name == "json_keys" {
					if items, err = jsonb.Keys(docs.Value(r)); err != nil {
						return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot call json_object_keys on a non-object")
					}
				} else if items, err = jsonb.Elements(docs.Value(r)); err != nil {
					return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot extract elements from a non-array")
				}
				lb.Append(true)
				for _, it := range items {
					if name == "json_elements_text" {
						t, ok := jsonb.Text(it)
						if !ok {
							vb.AppendNull()
							continue
						}
						it = t
					}
					vb.Append(it)
				}
			}
			return lb.NewArray(), nil
		}
	}
	return nil
}

// listStrings returns row r of a text[] column.
func listStrings(a arrow.Array, r int) []string {
	l := a.(*array.List)
	start, end := l.ValueOffsets(r)
	vals := l.ListValues().(*array.String)
	out := make([]string, 0, end-start)
	for i := start; i < end; i++ {
		out = append(out, vals.Value(int(i)))
	}
	return out
}

// appendJSONValue writes value r of v as PostgreSQL's to_json renders it:
// numbers and booleans bare, json as is, dates and timestamps in ISO 8601,
// everything else as a JSON string of its text form.
func appendJSONValue(dst []byte, v arrow.Array, enc pgtext.Encoder, r int, scratch *[]byte) []byte {
	if v.IsNull(r) {
		return append(dst, "null"...)
	}
	buf := enc((*scratch)[:0], r)
	*scratch = buf
	switch v.DataType().ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64, arrow.DECIMAL128:
		return append(dst, buf...)
	case arrow.FLOAT32, arrow.FLOAT64:
		if f, err := strconv.ParseFloat(string(buf), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return append(dst, buf...)
		}
	case arrow.BOOL:
		if string(buf) == "t" {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case arrow.TIMESTAMP:
		// 2024-01-02 03:04:05+00 becomes 2024-01-02T03:04:05+00:00.
		s := strings.Replace(string(buf), " ", "T", 1)
		if tz := v.DataType().(*arrow.TimestampType).TimeZone; tz != "" {
			if i := strings.LastIndexAny(s, "+-"); i > 10 && len(s)-i == 3 {
				s += ":00"
			}
		}
		return jsonb.AppendString(dst, s)
	case arrow.LIST:
		// An array is a JSON array of its elements, each rendered so.
		l := v.(*array.List)
		start, end := l.ValueOffsets(r)
		elems := l.ListValues()
		elemEnc, err := pgtext.NewEncoder(elems, time.UTC)
		if err != nil {
			break
		}
		var elemScratch []byte
		dst = append(dst, '[')
		for i := start; i < end; i++ {
			if i > start {
				dst = append(dst, ',')
			}
			dst = appendJSONValue(dst, elems, elemEnc, int(i), &elemScratch)
		}
		return append(dst, ']')
	case arrow.EXTENSION:
		switch v.DataType().(arrow.ExtensionType).ExtensionName() {
		case "arrow.json", "riffq.jsonb":
			return append(dst, buf...)
		}
		if _, ok := v.DataType().(*pgtypes.NumericType); ok {
			return append(dst, buf...)
		}
	}
	q, _ := json.Marshal(string(buf))
	return append(dst, q...)
}

// jsonAggAcc is json_agg and jsonb_agg: each group's values, NULLs
// included, as a JSON array in input order.
type jsonAggAcc struct {
	out   arrow.DataType
	jsonb bool
	items [][]byte // per group: the array so far, without its closing ]
	seen  []bool
}

func (a *jsonAggAcc) grow(n int) {
	for len(a.items) < n {
		a.items = append(a.items, nil)
		a.seen = append(a.seen, false)
	}
}

func (a *jsonAggAcc) update(ids []uint32, arg arrow.Array) error {
	enc, err := pgtext.NewEncoder(arg, time.UTC)
	if err != nil {
		return err
	}
	var scratch []byte
	for r, id := range ids {
		if a.seen[id] {
			a.items[id] = append(a.items[id], ", "...)
			if t := arg.DataType().ID(); t == arrow.LIST || t == arrow.STRUCT {
				// PostgreSQL's json_agg starts arrays and records after the
				// first on a new line.
				a.items[id] = append(a.items[id], "\n "...)
			}
		} else {
			a.items[id] = append(a.items[id], '[')
			a.seen[id] = true
		}
		a.items[id] = appendJSONValue(a.items[id], arg, enc, r, &scratch)
	}
	return nil
}

func (a *jsonAggAcc) finish(mem memory.Allocator) (arrow.Array, error) {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for g, it := range a.items {
		if !a.seen[g] {
			b.AppendNull()
			continue
		}
		text := string(append(it, ']'))
		if a.jsonb {
			var err error
			if text, err = jsonb.Normalize(text); err != nil {
				return nil, err
			}
		}
		b.Append(text)
	}
	storage := b.NewArray()
	defer storage.Release()
	return newJSON(a.out, storage), nil
}
