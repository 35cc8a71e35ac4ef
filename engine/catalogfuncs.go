package engine

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/pgerror"
)

// namesToOIDs reads OIDs from text: a number is an OID, anything else a
// name that resolve looks up.
func namesToOIDs(mem memory.Allocator, s *array.String, resolve func(string) (int64, error)) (arrow.Array, error) {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	for i := range s.Len() {
		if s.IsNull(i) {
			b.AppendNull()
			continue
		}
		v := s.Value(i)
		if n, err := strconv.ParseUint(v, 10, 32); err == nil {
			b.Append(int64(n))
			continue
		}
		oid, err := resolve(v)
		if err != nil {
			return nil, err
		}
		b.Append(oid)
	}
	return b.NewArray(), nil
}

// catalogFunction returns the kernel of a system information function
// clients call in their catalog queries, or nil.
func catalogFunction(name string) func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	switch name {
	case "format_type":
		// NULL type gives NULL; a NULL typmod means none.
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			a := argReader{in}
			return stringFunc(mem, in, func(r int) (string, bool, error) {
				if in[0].IsNull(r) {
					return "", false, nil
				}
				if len(in) < 2 || in[1].IsNull(r) {
					// No typmod at all: bpchar is character then.
					return catalog.TypeDisplayName(a.int(0, r)), true, nil
				}
				return catalog.FormatType(a.int(0, r), int32(a.int(1, r))), true, nil
			})
		}
	case "encode":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			data := in[0].(*array.Binary)
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) {
				return encodeBytes(data.Value(r), a.str(1, r))
			})
		}
	case "decode":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			a := argReader{in}
			b := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
			defer b.Release()
			for r := range in[0].Len() {
				if a.null(r) {
					b.AppendNull()
					continue
				}
				v, err := decodeBytes(a.str(0, r), a.str(1, r))
				if err != nil {
					return nil, err
				}
				b.Append(v)
			}
			return b.NewArray(), nil
		}
	case "regtype_name":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) { return catalog.TypeDisplayName(a.int(0, r)), nil })
		}
	case "quote_ident":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) { return catalog.QuoteIdent(a.str(0, r)), nil })
		}
	case "regclass_in":
		// text::regclass at run time: in[1] lists the relations as
		// "schema\x1fname\toid" lines, unqualified names as
		// "\x1fname\toid", the first of a name winning.
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			oids := make(map[string]int64)
			if dir := in[1].(*array.String); dir.Len() > 0 {
				for _, line := range strings.Split(dir.Value(0), "\n") {
					key, oid, ok := strings.Cut(line, "\t")
					if _, seen := oids[key]; ok && !seen {
						oids[key], _ = strconv.ParseInt(oid, 10, 64)
					}
				}
			}
			return namesToOIDs(mem, in[0].(*array.String), func(v string) (int64, error) {
				parts, err := catalog.SplitQualifiedName(v)
				if err != nil {
					return 0, pgerror.New(pgerror.InvalidTextRepresentation, "invalid name syntax")
				}
				key := ""
				switch len(parts) {
				case 1:
					key = "\x1f" + parts[0]
				case 2:
					key = parts[0] + "\x1f" + parts[1]
				}
				oid, ok := oids[key]
				if !ok {
					return 0, pgerror.New(pgerror.UndefinedTable, "relation \"%s\" does not exist", v)
				}
				return oid, nil
			})
		}
	case "serial_sequence":
		// pg_get_serial_sequence(table, column) at run time: in[2] lists
		// the owned sequences as "schema\x1ftable\x1fcolumn\tsequence"
		// lines, tables of the default schema also unqualified.
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			seqs := make(map[string]string)
			if dir := in[2].(*array.String); dir.Len() > 0 {
				for _, line := range strings.Split(dir.Value(0), "\n") {
					if key, seq, ok := strings.Cut(line, "\t"); ok {
						seqs[key] = seq
					}
				}
			}
			return strictStringLookup(mem, in[:2], func(a argReader, r int) (string, bool) {
				parts, err := catalog.SplitQualifiedName(a.str(0, r))
				if err != nil || len(parts) > 2 {
					return "", false
				}
				if len(parts) == 1 {
					parts = []string{"", parts[0]}
				}
				seq, ok := seqs[parts[0]+"\x1f"+parts[1]+"\x1f"+a.str(1, r)]
				return seq, ok
			})
		}
	case "text_to_oid":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return namesToOIDs(mem, in[0].(*array.String), func(v string) (int64, error) {
				if v == "-" {
					return 0, nil // regproc's "no function"
				}
				if oid, ok := catalog.ProcOID(v); ok {
					return oid, nil
				}
				return 0, pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type oid: %q", v)
			})
		}
	case "proc_name":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) {
				oid := a.int(0, r)
				if oid == 0 {
					return "-", nil
				}
				if name, ok := catalog.ProcName(oid); ok {
					return name, nil
				}
				return strconv.FormatInt(oid, 10), nil
			})
		}
	case "builtin_description":
		// obj_description(oid, class): a built-in function's,
		// operator's or type's comment; in[1] is the class ("" for any).
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringLookup(mem, in, func(a argReader, r int) (string, bool) {
				return catalog.BuiltinDescription(a.int(0, r), a.str(1, r))
			})
		}
	case "pg_get_function_result", "pg_get_function_arguments", "pg_get_function_identity_arguments":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringLookup(mem, in, func(a argReader, r int) (string, bool) {
				return catalog.ProcSignature(a.int(0, r), name)
			})
		}
	case "regtype_names":
		// oid[]::regtype[]::text[]: each type's name, as format_type.
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			list := in[0].(*array.List)
			oids := list.ListValues().(*array.Int64)
			b := array.NewListBuilder(mem, arrow.BinaryTypes.String)
			defer b.Release()
			vb := b.ValueBuilder().(*array.StringBuilder)
			for r := range list.Len() {
				if list.IsNull(r) {
					b.AppendNull()
					continue
				}
				b.Append(true)
				start, end := list.ValueOffsets(r)
				for i := start; i < end; i++ {
					if oids.IsNull(int(i)) {
						vb.AppendNull()
					} else {
						vb.Append(catalog.TypeDisplayName(oids.Value(int(i))))
					}
				}
			}
			return b.NewArray(), nil
		}
	case "pg_size_pretty":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) { return sizePretty(a.int(0, r)), nil })
		}
	}
	return arrayFunction(name)
}

// sizePretty is pg_size_pretty(bigint), as PostgreSQL 15 computes it: bytes
// below 10 kB, then kB, MB, GB, TB or PB, each rounded half away from zero
// from one extra bit of precision.
func sizePretty(n int64) string {
	const limit = 10 * 1024
	const limit2 = limit*2 - 1
	abs := func(v int64) int64 {
		if v < 0 {
			return -v
		}
		return v
	}
	half := func(v int64) int64 {
		if v < 0 {
			return (v - 1) / 2
		}
		return (v + 1) / 2
	}
	if abs(n) < limit {
		return strconv.FormatInt(n, 10) + " bytes"
	}
	// Division truncates toward zero, as PostgreSQL's does (a shift would
	// round negative sizes the other way).
	v := n / 512 // kB, with one extra bit for rounding
	for _, unit := range []string{"kB", "MB", "GB", "TB"} {
		if abs(v) < limit2 {
			return strconv.FormatInt(half(v), 10) + " " + unit
		}
		v /= 1024
	}
	return strconv.FormatInt(half(v), 10) + " PB"
}

// jsonBuildObject is json_build_object(k1, v1, k2, v2, ...): keys as JSON
// strings, values as PostgreSQL's to_json renders them -- numbers and
// booleans bare, json as is, NULL as null, everything else as a JSON
// string of its text form; PostgreSQL's spacing ({"a" : 1, "b" : null}).
func jsonBuildObject(mem memory.Allocator, in []arrow.Array, loc *time.Location) (arrow.Array, error) {
	n := 0
	if len(in) > 0 {
		n = in[0].Len()
	}
	// Keys and values alike render as to_json does; a key that is not a
	// JSON string becomes one (true is "true", a timestamp its ISO form).
	values := make([]*jsonWriter, len(in))
	for i, a := range in {
		var err error
		if values[i], err = newJSONWriter(a, loc); err != nil {
			return nil, err
		}
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	var buf []byte
	for r := range n {
		var sb strings.Builder
		sb.WriteByte('{')
		for i := 0; i+1 < len(in); i += 2 {
			if i > 0 {
				sb.WriteString(", ")
			}
			if in[i].IsNull(r) {
				return nil, pgerror.New(pgerror.InvalidParameterValue, "null value not allowed for object key")
			}
			buf = values[i].append(buf[:0], r)
			if len(buf) > 0 && buf[0] == '"' {
				sb.Write(buf)
			} else {
				key, _ := json.Marshal(string(buf))
				sb.Write(key)
			}
			sb.WriteString(" : ")
			buf = values[i+1].append(buf[:0], r)
			sb.Write(buf)
		}
		sb.WriteByte('}')
		b.Append(sb.String())
	}
	storage := b.NewArray()
	defer storage.Release()
	jt, _ := extensions.NewJSONType(arrow.BinaryTypes.String)
	return array.NewExtensionArrayWithStorage(jt, storage), nil
}

// jsonBuildArray is json_build_array(v1, v2, ...): the values as to_json
// renders them, with PostgreSQL's spacing ([1, "a", null]).
func jsonBuildArray(mem memory.Allocator, in []arrow.Array, loc *time.Location) (arrow.Array, error) {
	n := in[0].Len() // the planner makes a constant of json_build_array()
	values := make([]*jsonWriter, len(in))
	for i, a := range in {
		var err error
		if values[i], err = newJSONWriter(a, loc); err != nil {
			return nil, err
		}
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	var buf []byte
	for r := range n {
		buf = append(buf[:0], '[')
		for i, w := range values {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = w.append(buf, r)
		}
		buf = append(buf, ']')
		b.BinaryBuilder.Append(buf)
	}
	storage := b.NewArray()
	defer storage.Release()
	jt, _ := extensions.NewJSONType(arrow.BinaryTypes.String)
	return array.NewExtensionArrayWithStorage(jt, storage), nil
}

// encodeBytes is encode(bytea, format): hex, base64 (lines of 76
// characters, as PostgreSQL writes them) or escape (bytes outside
// printable ASCII, and backslash, as octal escapes).
func encodeBytes(b []byte, format string) (string, error) {
	switch strings.ToLower(format) {
	case "hex":
		return hex.EncodeToString(b), nil
	case "base64":
		s := base64.StdEncoding.EncodeToString(b)
		var out strings.Builder
		for len(s) > 76 {
			out.WriteString(s[:76])
			out.WriteByte('\n')
			s = s[76:]
		}
		out.WriteString(s)
		return out.String(), nil
	case "escape":
		var out strings.Builder
		for _, c := range b {
			switch {
			case c == '\\':
				out.WriteString(`\\`)
			case c == 0 || c >= 0x80:
				fmt.Fprintf(&out, "\\%03o", c)
			default:
				out.WriteByte(c)
			}
		}
		return out.String(), nil
	}
	return "", pgerror.New(pgerror.InvalidParameterValue, "unrecognized encoding: \"%s\"", format)
}

// decodeBytes is decode(text, format), encode's inverse.
func decodeBytes(s, format string) ([]byte, error) {
	switch strings.ToLower(format) {
	case "hex":
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, pgerror.New(pgerror.InvalidParameterValue, "invalid hexadecimal data")
		}
		return b, nil
	case "base64":
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
		if err != nil {
			return nil, pgerror.New(pgerror.InvalidParameterValue, "invalid base64 data")
		}
		return b, nil
	case "escape":
		var out []byte
		for i := 0; i < len(s); i++ {
			switch {
			case s[i] != '\\':
				out = append(out, s[i])
			case i+1 < len(s) && s[i+1] == '\\':
				out = append(out, '\\')
				i++
			case i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]):
				out = append(out, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
				i += 3
			default:
				return nil, pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type bytea")
			}
		}
		return out, nil
	}
	return nil, pgerror.New(pgerror.InvalidParameterValue, "unrecognized encoding: \"%s\"", format)
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// strictStringLookup is a text function whose value is looked up: NULL
// for NULL arguments and for what the lookup does not find.
func strictStringLookup(mem memory.Allocator, in []arrow.Array, find func(a argReader, r int) (string, bool)) (arrow.Array, error) {
	a := argReader{in}
	return stringFunc(mem, in, func(r int) (string, bool, error) {
		if a.null(r) {
			return "", false, nil
		}
		v, ok := find(a, r)
		return v, ok, nil
	})
}
