package jsonb

import (
	"strconv"
	"strings"
)

// StripNulls drops the object fields whose value is null, at every depth
// (array elements that are null stay), as json[b]_strip_nulls does.
func StripNulls(v Value) Value {
	switch v := v.(type) {
	case []Value:
		out := make([]Value, len(v))
		for i, x := range v {
			out[i] = StripNulls(x)
		}
		return out
	case *Object:
		out := &Object{}
		for i, k := range v.Keys {
			if v.Values[i] == nil {
				continue
			}
			out.Keys = append(out.Keys, k)
			out.Values = append(out.Values, StripNulls(v.Values[i]))
		}
		return out
	}
	return v
}

// AppendPretty writes v as jsonb_pretty does: one item per line, indented
// by four spaces per level.
func AppendPretty(buf []byte, v Value, depth int) []byte {
	indent := func(buf []byte, d int) []byte { return append(buf, strings.Repeat("    ", d)...) }
	switch x := v.(type) {
	case []Value:
		if len(x) == 0 {
			return append(indent(append(buf, "[\n"...), depth), ']')
		}
		buf = append(buf, "[\n"...)
		for i, e := range x {
			if i > 0 {
				buf = append(buf, ",\n"...)
			}
			buf = AppendPretty(indent(buf, depth+1), e, depth+1)
		}
		return append(indent(append(buf, '\n'), depth), ']')
	case *Object:
		o := Canonical(x)
		if len(o.Keys) == 0 {
			return append(indent(append(buf, "{\n"...), depth), '}')
		}
		buf = append(buf, "{\n"...)
		for i, k := range o.Keys {
			if i > 0 {
				buf = append(buf, ",\n"...)
			}
			buf = AppendString(indent(buf, depth+1), k)
			buf = AppendPretty(append(buf, ": "...), o.Values[i], depth+1)
		}
		return append(indent(append(buf, '\n'), depth), '}')
	}
	return AppendCanonical(buf, v)
}

// Set replaces the value at path in v with value, as jsonb_set does: keys
// of objects and indexes of arrays (negative ones from the end); a missing
// last step adds the value when create is set (to an object's keys, or
// before an array's start or after its end); any other missing step leaves
// v as it is. ok is false when a step into an array is not an integer.
func Set(v Value, path []string, value Value, create bool) (Value, bool) {
	if len(path) == 0 {
		return v, true
	}
	switch x := v.(type) {
	case *Object:
		o := Canonical(x)
		out := &Object{Keys: append([]string(nil), o.Keys...), Values: append([]Value(nil), o.Values...)}
		for i, k := range out.Keys {
			if k == path[0] {
				if len(path) == 1 {
					out.Values[i] = value
					return out, true
				}
				nv, ok := Set(out.Values[i], path[1:], value, create)
				out.Values[i] = nv
				return out, ok
			}
		}
		if len(path) == 1 && create {
			out.Keys = append(out.Keys, path[0])
			out.Values = append(out.Values, value)
		}
		return out, true
	case []Value:
		i, err := strconv.Atoi(path[0])
		if err != nil {
			return v, false
		}
		if i < 0 {
			i += len(x)
		}
		out := append([]Value(nil), x...)
		switch {
		case i >= 0 && i < len(x):
			if len(path) == 1 {
				out[i] = value
				return out, true
			}
			nv, ok := Set(out[i], path[1:], value, create)
			out[i] = nv
			return out, ok
		case len(path) == 1 && create && i < 0:
			return append([]Value{value}, out...), true
		case len(path) == 1 && create:
			return append(out, value), true
		}
		return out, true
	}
	return v, true
}
