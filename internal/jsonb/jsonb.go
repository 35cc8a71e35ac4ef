// Package jsonb implements PostgreSQL's json and jsonb value semantics
// over JSON text: jsonb's canonical form (keys sorted, duplicates
// dropped, PostgreSQL's spacing), field and path access, containment and
// key existence.
package jsonb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Value is a decoded JSON value: nil, bool, json.Number, string, []Value
// or *Object.
type Value = any

// Object is a JSON object; jsonb keeps one value per key.
type Object struct {
	Keys   []string
	Values []Value
}

// Get returns the value of key (the last one, as jsonb keeps).
func (o *Object) Get(key string) (Value, bool) {
	for i := len(o.Keys) - 1; i >= 0; i-- {
		if o.Keys[i] == key {
			return o.Values[i], true
		}
	}
	return nil, false
}

// Parse decodes JSON text.
func Parse(text string) (Value, error) {
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	v, err := decode(d)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err == nil {
		return nil, fmt.Errorf("invalid input syntax for type json: trailing data")
	}
	return v, nil
}

func decode(d *json.Decoder) (Value, error) {
	t, err := d.Token()
	if err != nil {
		return nil, fmt.Errorf("invalid input syntax for type json")
	}
	switch t := t.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &Object{}
			for d.More() {
				k, err := d.Token()
				if err != nil {
					return nil, fmt.Errorf("invalid input syntax for type json")
				}
				v, err := decode(d)
				if err != nil {
					return nil, err
				}
				o.Keys = append(o.Keys, k.(string))
				o.Values = append(o.Values, v)
			}
			if _, err := d.Token(); err != nil {
				return nil, fmt.Errorf("invalid input syntax for type json")
			}
			return o, nil
		case '[':
			arr := []Value{}
			for d.More() {
				v, err := decode(d)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := d.Token(); err != nil {
				return nil, fmt.Errorf("invalid input syntax for type json")
			}
			return arr, nil
		}
	}
	return t, nil
}

// Normalize returns jsonb's canonical text of JSON text.
func Normalize(text string) (string, error) {
	v, err := Parse(text)
	if err != nil {
		return "", err
	}
	return string(AppendCanonical(nil, v)), nil
}

// AppendCanonical writes v as jsonb prints it: object keys ordered by
// length then bytes, the last of duplicate keys kept, ", " and ": "
// between items, numbers as numeric prints them.
func AppendCanonical(buf []byte, v Value) []byte {
	switch v := v.(type) {
	case nil:
		return append(buf, "null"...)
	case bool:
		return strconv.AppendBool(buf, v)
	case json.Number:
		return appendNumber(buf, string(v))
	case string:
		return AppendString(buf, v)
	case []Value:
		buf = append(buf, '[')
		for i, x := range v {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = AppendCanonical(buf, x)
		}
		return append(buf, ']')
	case *Object:
		o := Canonical(v)
		buf = append(buf, '{')
		for i, k := range o.Keys {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = AppendString(buf, k)
			buf = append(buf, ": "...)
			buf = AppendCanonical(buf, o.Values[i])
		}
		return append(buf, '}')
	}
	return buf
}

// Canonical is o as jsonb holds it: keys sorted as jsonb sorts them, each
// key's last value kept (the values themselves as they are).
func Canonical(o *Object) *Object {
	idx := make([]int, 0, len(o.Keys))
	for i := range o.Keys {
		idx = append(idx, i)
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		ka, kb := o.Keys[a], o.Keys[b]
		if len(ka) != len(kb) {
			return len(ka) - len(kb)
		}
		return strings.Compare(ka, kb)
	})
	out := &Object{}
	for j, i := range idx {
		if j+1 < len(idx) && o.Keys[idx[j+1]] == o.Keys[i] {
			continue // a later duplicate wins
		}
		out.Keys = append(out.Keys, o.Keys[i])
		out.Values = append(out.Values, o.Values[i])
	}
	return out
}

// appendNumber writes a JSON number as PostgreSQL's numeric prints it
// (exponents expanded, no negative zero).
func appendNumber(buf []byte, s string) []byte {
	if rest, ok := strings.CutPrefix(s, "-"); ok && strings.Trim(rest, "0.") == "" {
		s = rest // -0 and -0.00 are 0 and 0.00
	}
	if !strings.ContainsAny(s, "eE") {
		return append(buf, s...)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return append(buf, s...)
	}
	// The scale numeric keeps: the digits after the point of mantissa
	// minus the exponent, at least zero.
	mant, exp, _ := strings.Cut(strings.ToLower(s), "e")
	scale := 0
	if _, frac, ok := strings.Cut(mant, "."); ok {
		scale = len(frac)
	}
	e, _ := strconv.Atoi(exp)
	scale = max(scale-e, 0)
	return append(buf, r.FloatString(scale)...)
}

// AppendString writes s as a JSON string the way PostgreSQL escapes it.
func AppendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case '"':
			buf = append(buf, `\"`...)
		case '\\':
			buf = append(buf, `\\`...)
		case '\b':
			buf = append(buf, `\b`...)
		case '\f':
			buf = append(buf, `\f`...)
		case '\n':
			buf = append(buf, `\n`...)
		case '\r':
			buf = append(buf, `\r`...)
		case '\t':
			buf = append(buf, `\t`...)
		default:
			if c < 0x20 {
				buf = fmt.Appendf(buf, `\u%04x`, c)
			} else if c < utf8.RuneSelf {
				buf = append(buf, c)
			} else {
				_, n := utf8.DecodeRuneInString(s[i:])
				buf = append(buf, s[i:i+n]...)
				i += n
				continue
			}
		}
		i++
	}
	return append(buf, '"')
}

// Text is the text ->> and #>> return for a value: a string unquoted,
// null as SQL NULL (ok false), anything else as JSON text.
func Text(raw string) (string, bool) {
	switch {
	case raw == "null":
		return "", false
	case strings.HasPrefix(raw, `"`):
		var s string
		if err := json.Unmarshal([]byte(raw), &s); err == nil {
			return s, true
		}
	}
	return raw, true
}

// Field returns the raw JSON text of an object's field (key) or an
// array's element (index, negative from the end), as json's -> does: the
// text as written, or canonical for jsonb input. ok is false when there
// is none.
func Field(doc string, key string, index int, byIndex bool) (string, bool) {
	raw := []byte(doc)
	if byIndex {
		var arr []json.RawMessage
		if json.Unmarshal(raw, &arr) != nil {
			return "", false
		}
		if index < 0 {
			index += len(arr)
		}
		if index < 0 || index >= len(arr) {
			return "", false
		}
		return string(bytes.TrimSpace(arr[index])), true
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return "", false
	}
	found, val := false, ""
	for d.More() {
		k, err := d.Token()
		if err != nil {
			return "", false
		}
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return "", false
		}
		if k == key {
			// json keeps duplicate keys; -> returns the last, as
			// PostgreSQL's json does.
			found, val = true, string(bytes.TrimSpace(v))
		}
	}
	return val, found
}

// Path follows a #> path of keys and array indexes.
func Path(doc string, path []string) (string, bool) {
	cur := doc
	for _, p := range path {
		trimmed := strings.TrimSpace(cur)
		var ok bool
		if strings.HasPrefix(trimmed, "[") {
			i, err := strconv.Atoi(p)
			if err != nil {
				return "", false
			}
			cur, ok = Field(trimmed, "", i, true)
		} else {
			cur, ok = Field(trimmed, p, 0, false)
		}
		if !ok {
			return "", false
		}
	}
	return strings.TrimSpace(cur), true
}

// Contains reports whether a contains b, as jsonb's @> does.
func Contains(a, b Value) bool {
	switch bv := b.(type) {
	case *Object:
		ao, ok := a.(*Object)
		if !ok {
			return false
		}
		for i, k := range bv.Keys {
			av, ok := ao.Get(k)
			if !ok || !Contains(av, bv.Values[i]) {
				return false
			}
		}
		return true
	case []Value:
		aa, ok := a.([]Value)
		if !ok {
			return false
		}
		for _, x := range bv {
			if !slices.ContainsFunc(aa, func(y Value) bool { return containsElem(y, x) }) {
				return false
			}
		}
		return true
	}
	// A scalar: equal, or an element of a top-level array.
	if aa, ok := a.([]Value); ok {
		return slices.ContainsFunc(aa, func(y Value) bool { return scalarEqual(y, b) })
	}
	return scalarEqual(a, b)
}

// containsElem matches an element of a contained array: scalars equal,
// containers contain.
func containsElem(a, b Value) bool {
	switch b.(type) {
	case *Object, []Value:
		return Contains(a, b)
	}
	if _, isArr := a.([]Value); isArr {
		return false
	}
	return scalarEqual(a, b)
}

func scalarEqual(a, b Value) bool {
	switch av := a.(type) {
	case nil:
		return b == nil
	case bool:
		bv, ok := b.(bool)
		return ok && av == bv
	case string:
		bv, ok := b.(string)
		return ok && av == bv
	case json.Number:
		bv, ok := b.(json.Number)
		if !ok {
			return false
		}
		x, ok1 := new(big.Rat).SetString(string(av))
		y, ok2 := new(big.Rat).SetString(string(bv))
		return ok1 && ok2 && x.Cmp(y) == 0
	}
	return false
}

// Exists reports whether key is a top-level key of an object, a string
// element of an array, or the string itself, as jsonb's ? does.
func Exists(v Value, key string) bool {
	switch v := v.(type) {
	case *Object:
		_, ok := v.Get(key)
		return ok
	case []Value:
		return slices.ContainsFunc(v, func(x Value) bool { s, ok := x.(string); return ok && s == key })
	case string:
		return v == key
	}
	return false
}

// TypeOf is json_typeof's name for a value's JSON type.
func TypeOf(raw string) string {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		return ""
	case raw[0] == '{':
		return "object"
	case raw[0] == '[':
		return "array"
	case raw[0] == '"':
		return "string"
	case raw == "true" || raw == "false":
		return "boolean"
	case raw == "null":
		return "null"
	}
	return "number"
}

// Elements returns the raw texts of an array's elements.
func Elements(doc string) ([]string, error) {
	var arr []json.RawMessage
	if err := json.Unmarshal([]byte(doc), &arr); err != nil {
		return nil, fmt.Errorf("cannot extract elements from a non-array")
	}
	out := make([]string, len(arr))
	for i, a := range arr {
		out[i] = string(bytes.TrimSpace(a))
	}
	return out, nil
}

// Keys returns an object's keys in order (jsonb input: canonical order).
func Keys(doc string) ([]string, error) {
	d := json.NewDecoder(strings.NewReader(doc))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("cannot call json_object_keys on a non-object")
	}
	var keys []string
	for d.More() {
		k, err := d.Token()
		if err != nil {
			return nil, err
		}
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			return nil, err
		}
		keys = append(keys, k.(string))
	}
	return keys, nil
}
