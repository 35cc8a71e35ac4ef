package jsonb

import (
	"errors"
	"fmt"
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

// NotIntegerError reports a step into an array that is not an integer.
type NotIntegerError struct {
	Position int // 1-based, in the path
	Step     string
}

func (e *NotIntegerError) Error() string {
	return fmt.Sprintf("path element at position %d is not an integer: \"%s\"", e.Position, e.Step)
}

// ErrKeyExists is jsonb_insert's refusal to replace an object's key.
var ErrKeyExists = errors.New("cannot replace existing key")

// edit follows path through v and has leaf change the container the last
// step is in (with that step), copying the containers on the way; a
// missing step before the last leaves v as it is.
func edit(v Value, path []string, leaf func(container Value, step string) (Value, error)) (Value, error) {
	return editFrom(v, path, 1, leaf)
}

// editFrom is edit with pos the position of path[0] in the whole path.
func editFrom(v Value, path []string, pos int, leaf func(container Value, step string) (Value, error)) (Value, error) {
	if len(path) == 0 {
		return v, nil
	}
	if len(path) == 1 {
		out, err := leaf(v, path[0])
		if nie, ok := err.(*NotIntegerError); ok {
			nie.Position = pos
		}
		return out, err
	}
	switch x := v.(type) {
	case *Object:
		o := Canonical(x)
		for i, k := range o.Keys {
			if k == path[0] {
				nv, err := editFrom(o.Values[i], path[1:], pos+1, leaf)
				out := &Object{Keys: o.Keys, Values: append([]Value(nil), o.Values...)}
				out.Values[i] = nv
				return out, err
			}
		}
	case []Value:
		i, ok := arrayStep(x, path[0])
		if !ok {
			return v, &NotIntegerError{Position: pos, Step: path[0]}
		}
		if i >= 0 && i < len(x) {
			nv, err := editFrom(x[i], path[1:], pos+1, leaf)
			out := append([]Value(nil), x...)
			out[i] = nv
			return out, err
		}
	}
	return v, nil
}

// arrayStep reads a path step into array a: an index, negative ones from
// the end.
func arrayStep(a []Value, step string) (int, bool) {
	i, err := strconv.Atoi(step)
	if err != nil {
		return 0, false
	}
	if i < 0 {
		i += len(a)
	}
	return i, true
}

// Set replaces the value at path in v with value, as jsonb_set does: keys
// of objects and indexes of arrays (negative ones from the end); a missing
// last step adds the value when create is set (to an object's keys, or
// before an array's start or after its end); any other missing step leaves
// v as it is. A step into an array that is not an integer is a
// *NotIntegerError.
func Set(v Value, path []string, value Value, create bool) (Value, error) {
	return edit(v, path, func(c Value, step string) (Value, error) {
		switch x := c.(type) {
		case *Object:
			o := Canonical(x)
			out := &Object{Keys: append([]string(nil), o.Keys...), Values: append([]Value(nil), o.Values...)}
			for i, k := range out.Keys {
				if k == step {
					out.Values[i] = value
					return out, nil
				}
			}
			if create {
				out.Keys = append(out.Keys, step)
				out.Values = append(out.Values, value)
			}
			return out, nil
		case []Value:
			i, ok := arrayStep(x, step)
			if !ok {
				return c, &NotIntegerError{Step: step}
			}
			out := append([]Value(nil), x...)
			switch {
			case i >= 0 && i < len(x):
				out[i] = value
			case create && i < 0:
				out = append([]Value{value}, out...)
			case create:
				out = append(out, value)
			}
			return out, nil
		}
		return c, nil
	})
}

// Insert adds value at path in v, as jsonb_insert does: into an array
// before the element the last step names (after it when after is set),
// at the start or end when the index is out of range; into an object as a
// new key, ErrKeyExists when the key is there. A step into an array that
// is not an integer is an error too.
func Insert(v Value, path []string, value Value, after bool) (Value, error) {
	return edit(v, path, func(c Value, step string) (Value, error) {
		switch x := c.(type) {
		case *Object:
			o := Canonical(x)
			for _, k := range o.Keys {
				if k == step {
					return c, ErrKeyExists
				}
			}
			return &Object{Keys: append(append([]string(nil), o.Keys...), step), Values: append(append([]Value(nil), o.Values...), value)}, nil
		case []Value:
			i, ok := arrayStep(x, step)
			if !ok {
				return c, &NotIntegerError{Step: step}
			}
			if after {
				i++
			}
			i = min(max(i, 0), len(x))
			out := make([]Value, 0, len(x)+1)
			out = append(append(append(out, x[:i]...), value), x[i:]...)
			return out, nil
		}
		return c, nil
	})
}

// ErrScalar is the refusal to delete from a scalar.
var ErrScalar = errors.New("cannot delete from scalar")

// ErrObjectIndex is the refusal to delete from an object by index.
var ErrObjectIndex = errors.New("cannot delete from object using integer index")

// DeleteKeys is jsonb - text and jsonb - text[]: an object without those
// keys, an array without the string elements equal to one of them.
func DeleteKeys(v Value, keys []string) (Value, error) {
	drop := func(s string) bool {
		for _, k := range keys {
			if k == s {
				return true
			}
		}
		return false
	}
	switch x := v.(type) {
	case *Object:
		o := Canonical(x)
		out := &Object{}
		for i, k := range o.Keys {
			if !drop(k) {
				out.Keys = append(out.Keys, k)
				out.Values = append(out.Values, o.Values[i])
			}
		}
		return out, nil
	case []Value:
		out := []Value{}
		for _, e := range x {
			if s, ok := e.(string); !ok || !drop(s) {
				out = append(out, e)
			}
		}
		return out, nil
	}
	return v, ErrScalar
}

// DeleteIndex is jsonb - integer: an array without its i-th element
// (negative from the end; out of range leaves it whole).
func DeleteIndex(v Value, i int) (Value, error) {
	switch x := v.(type) {
	case *Object:
		return v, ErrObjectIndex
	case []Value:
		if i < 0 {
			i += len(x)
		}
		if i < 0 || i >= len(x) {
			return x, nil
		}
		return append(append([]Value{}, x[:i]...), x[i+1:]...), nil
	}
	return v, ErrScalar
}

// DeletePath is jsonb #- text[]: v without the value at path.
func DeletePath(v Value, path []string) (Value, error) {
	switch v.(type) {
	case *Object, []Value:
	default:
		return v, errors.New("cannot delete path in scalar")
	}
	return edit(v, path, func(c Value, step string) (Value, error) {
		switch x := c.(type) {
		case *Object:
			return DeleteKeys(x, []string{step})
		case []Value:
			i, ok := arrayStep(x, step)
			if !ok {
				return c, &NotIntegerError{Step: step}
			}
			return DeleteIndex(x, i)
		}
		return c, nil
	})
}

// Concat is jsonb || jsonb: two objects merge, the right one's value
// winning for a key in both; anything else concatenates as arrays, a
// value that is no array counting as an array of itself.
func Concat(a, b Value) Value {
	if x, ok := a.(*Object); ok {
		if y, ok := b.(*Object); ok {
			x, y = Canonical(x), Canonical(y)
			out := &Object{Keys: append(append([]string{}, x.Keys...), y.Keys...), Values: append(append([]Value{}, x.Values...), y.Values...)}
			return Canonical(out)
		}
	}
	asArray := func(v Value) []Value {
		if arr, ok := v.([]Value); ok {
			return arr
		}
		return []Value{v}
	}
	return append(append([]Value{}, asArray(a)...), asArray(b)...)
}
