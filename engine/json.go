package engine

import (
	"encoding/json"
	"errors"
	"fmt"
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
func jsonFunction(name string, out arrow.DataType, loc *time.Location) func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
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
	case "jsonb_strip_nulls", "jsonb_pretty", "jsonb_set", "jsonb_insert", "jsonb_delete", "jsonb_delete_path", "jsonb_concat":
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
				case "jsonb_delete", "jsonb_delete_path", "jsonb_concat":
					out, err := jsonbEdit(name, v, in, r)
					if err != nil {
						return nil, err
					}
					b.Append(string(jsonb.AppendCanonical(nil, out)))
				case "jsonb_set", "jsonb_insert":
					value, err := jsonb.Parse(jsonText(in[2]).Value(r))
					if err != nil {
						return nil, pgerror.New(pgerror.InvalidTextRepresentation, "%v", err)
					}
					// create_missing for jsonb_set, insert_after for
					// jsonb_insert.
					flag := len(in) > 3 && in[3].(*array.Boolean).Value(r)
					var out jsonb.Value
					if name == "jsonb_set" {
						out, err = jsonb.Set(v, listStrings(in[1], r), value, len(in) < 4 || flag)
					} else {
						out, err = jsonb.Insert(v, listStrings(in[1], r), value, flag)
					}
					switch {
					case errors.Is(err, jsonb.ErrKeyExists):
						return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot replace existing key").WithHint("Try using the function jsonb_set to replace key value.")
					case err != nil:
						return nil, pgerror.New(pgerror.InvalidTextRepresentation, "%v", err)
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
			w, err := newJSONWriter(in[0], loc)
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
				buf = w.append(buf[:0], r)
				v := string(buf)
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
	case "row_to_json":
		// With pretty true, each field after the first starts a line.
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			w, err := newJSONWriter(in[0], loc)
			if err != nil {
				return nil, err
			}
			pretty := in[1].(*array.Boolean)
			b := array.NewStringBuilder(mem)
			defer b.Release()
			var buf []byte
			for r := range in[0].Len() {
				if in[0].IsNull(r) {
					b.AppendNull()
					continue
				}
				w.fieldSep = ","
				if pretty.IsValid(r) && pretty.Value(r) {
					w.fieldSep = ",\n "
				}
				buf = w.append(buf[:0], r)
				b.BinaryBuilder.Append(buf)
			}
			storage := b.NewArray()
			defer storage.Release()
			return newJSON(out, storage), nil
		}
	case "json_build_object":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return jsonBuildObject(mem, in, loc)
		}
	case "json_build_array":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) { return jsonBuildArray(mem, in, loc) }
	case "jsonb_build_array", "jsonb_build_object":
		// Built as json, then read as jsonb.
		build := jsonBuildArray
		if name == "jsonb_build_object" {
			build = jsonBuildObject
		}
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			j, err := build(mem, in, loc)
			if err != nil {
				return nil, err
			}
			defer j.Release()
			return castJSON(mem, j, out)
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

// jsonbEdit is jsonb's - (by key, keys or index), #- and || over doc v
// and row r of the right operand in[1].
func jsonbEdit(name string, v jsonb.Value, in []arrow.Array, r int) (jsonb.Value, error) {
	var out jsonb.Value
	var err error
	switch {
	case name == "jsonb_concat":
		other, perr := jsonb.Parse(jsonText(in[1]).Value(r))
		if perr != nil {
			return nil, pgerror.New(pgerror.InvalidTextRepresentation, "%v", perr)
		}
		return jsonb.Concat(v, other), nil
	case name == "jsonb_delete_path":
		out, err = jsonb.DeletePath(v, listStrings(in[1], r))
	case in[1].DataType().ID() == arrow.STRING:
		out, err = jsonb.DeleteKeys(v, []string{in[1].(*array.String).Value(r)})
	case in[1].DataType().ID() == arrow.LIST:
		out, err = jsonb.DeleteKeys(v, listStrings(in[1], r))
	default:
		out, err = jsonb.DeleteIndex(v, int(argReader{in}.int(1, r)))
	}
	if err != nil {
		code := pgerror.InvalidParameterValue
		if _, ok := err.(*jsonb.NotIntegerError); ok {
			code = pgerror.InvalidTextRepresentation
		}
		return nil, pgerror.New(code, "%v", err)
	}
	return out, nil
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

// jsonWriter writes the values of one column as PostgreSQL's to_json
// renders them: numbers and booleans bare, json as is, dates and
// timestamps in ISO 8601, arrays as JSON arrays and records as JSON
// objects of their fields, everything else as a JSON string of its text
// form. It holds the column's text encoder and its elements' or fields'
// writers, made once per column.
type jsonWriter struct {
	v       arrow.Array
	enc     pgtext.Encoder
	scratch []byte
	elems   *jsonWriter   // a list's values
	fields  []*jsonWriter // a record's fields
	keys    [][]byte      // a record's field names as JSON strings
	// fieldSep separates a record's fields: "," unless row_to_json's
	// pretty form asks for a line each.
	fieldSep string
}

func newJSONWriter(v arrow.Array, loc *time.Location) (*jsonWriter, error) {
	w := &jsonWriter{v: v, fieldSep: ","}
	switch a := v.(type) {
	case *array.List:
		elems, err := newJSONWriter(a.ListValues(), loc)
		if err != nil {
			return nil, err
		}
		w.elems = elems
		return w, nil
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		for i := range a.NumField() {
			f, err := newJSONWriter(a.Field(i), loc)
			if err != nil {
				return nil, err
			}
			w.fields = append(w.fields, f)
			w.keys = append(w.keys, jsonb.AppendString(nil, st.Field(i).Name))
		}
		return w, nil
	}
	enc, err := pgtext.NewEncoder(v, loc)
	if err != nil {
		return nil, err
	}
	w.enc = enc
	return w, nil
}

// append writes value r.
func (w *jsonWriter) append(dst []byte, r int) []byte {
	v := w.v
	if v.IsNull(r) {
		return append(dst, "null"...)
	}
	switch {
	case w.elems != nil:
		start, end := v.(*array.List).ValueOffsets(r)
		dst = append(dst, '[')
		for i := start; i < end; i++ {
			if i > start {
				dst = append(dst, ',')
			}
			dst = w.elems.append(dst, int(i))
		}
		return append(dst, ']')
	case v.DataType().ID() == arrow.STRUCT:
		dst = append(dst, '{')
		for i, f := range w.fields {
			if i > 0 {
				dst = append(dst, w.fieldSep...)
			}
			dst = append(dst, w.keys[i]...)
			dst = append(dst, ':')
			dst = f.append(dst, r)
		}
		return append(dst, '}')
	}
	buf := w.enc(w.scratch[:0], r)
	w.scratch = buf
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
	loc   *time.Location
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
	w, err := newJSONWriter(arg, a.loc)
	if err != nil {
		return err
	}
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
		a.items[id] = w.append(a.items[id], r)
	}
	return nil
}

func (a *jsonAggAcc) finish(mem memory.Allocator) (arrow.Array, error) {
	return groupJSON(mem, a.out, a.jsonb, len(a.items), func(g int) (string, bool) {
		return string(append(a.items[g], ']')), a.seen[g]
	})
}

// groupJSON makes the column of n groups' JSON texts (ok false: NULL),
// normalized when the type is jsonb.
func groupJSON(mem memory.Allocator, out arrow.DataType, isJSONB bool, n int, text func(g int) (string, bool)) (arrow.Array, error) {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for g := range n {
		t, ok := text(g)
		if !ok {
			b.AppendNull()
			continue
		}
		if isJSONB {
			var err error
			if t, err = jsonb.Normalize(t); err != nil {
				return nil, err
			}
		}
		b.Append(t)
	}
	storage := b.NewArray()
	defer storage.Release()
	return newJSON(out, storage), nil
}

// jsonObjectAggAcc is json_object_agg and jsonb_object_agg: each group's
// (key, value) rows as one object, keys as text, values as to_json renders
// them; json keeps every key in input order with PostgreSQL's spacing,
// jsonb the last value of each key in its canonical form.
type jsonObjectAggAcc struct {
	out   arrow.DataType
	jsonb bool
	loc   *time.Location
	items [][]byte // per group: the object so far, without its closing }
}

func (a *jsonObjectAggAcc) grow(n int) {
	for len(a.items) < n {
		a.items = append(a.items, nil)
	}
}

func (a *jsonObjectAggAcc) update(ids []uint32, arg arrow.Array) error {
	row, ok := arg.(*array.Struct)
	if !ok || row.NumField() != 2 {
		return fmt.Errorf("json_object_agg of %s", arg.DataType())
	}
	// Keys render as to_json renders them, made strings (as
	// json_build_object's).
	keys, err := newJSONWriter(row.Field(0), a.loc)
	if err != nil {
		return err
	}
	values, err := newJSONWriter(row.Field(1), a.loc)
	if err != nil {
		return err
	}
	var key []byte
	for r, id := range ids {
		if row.Field(0).IsNull(r) {
			return pgerror.New(pgerror.InvalidParameterValue, "field name must not be null")
		}
		if a.items[id] == nil {
			a.items[id] = append(a.items[id], "{ "...)
		} else {
			a.items[id] = append(a.items[id], ", "...)
		}
		key = keys.append(key[:0], r)
		if len(key) > 0 && key[0] == '"' {
			a.items[id] = append(a.items[id], key...)
		} else {
			a.items[id] = jsonb.AppendString(a.items[id], string(key))
		}
		a.items[id] = append(a.items[id], " : "...)
		a.items[id] = values.append(a.items[id], r)
	}
	return nil
}

func (a *jsonObjectAggAcc) finish(mem memory.Allocator) (arrow.Array, error) {
	return groupJSON(mem, a.out, a.jsonb, len(a.items), func(g int) (string, bool) {
		return string(append(a.items[g], " }"...)), a.items[g] != nil
	})
}
