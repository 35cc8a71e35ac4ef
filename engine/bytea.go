package engine

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/pgerror"
)

// byteaFunction returns the kernel of a bytea function (convert_to,
// convert_from, get_byte, bytea_substr), or nil.
func byteaFunction(name string) func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	switch name {
	case "convert_to":
		// convert_to(text, encoding): the text's bytes in encoding.
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictFunc(array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary), in, func(a argReader, r int) ([]byte, error) {
				return encodeText(a.str(0, r), a.str(1, r))
			})
		}
	case "convert_from":
		// convert_from(bytea, encoding): the bytes read as text.
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) {
				return decodeText(in[0].(*array.Binary).Value(r), a.str(1, r))
			})
		}
	case "get_byte":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictFunc(array.NewInt32Builder(mem), in, func(a argReader, r int) (int32, error) {
				v, n := in[0].(*array.Binary).Value(r), a.int(1, r)
				if n < 0 || n >= int64(len(v)) {
					return 0, pgerror.New("2202E", "index %d out of valid range, 0..%d", n, len(v)-1)
				}
				return int32(v[n]), nil
			})
		}
	case "bytea_substr":
		// substring(bytea FROM start [FOR count]), 1-based as text's.
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return strictFunc(array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary), in, func(a argReader, r int) ([]byte, error) {
				v := in[0].(*array.Binary).Value(r)
				start, end := a.int(1, r), int64(len(v))+1
				if len(in) == 3 {
					count := a.int(2, r)
					if count < 0 {
						return nil, pgerror.New("22011", "negative substring length not allowed")
					}
					end = min(end, start+count)
				}
				start = max(start, 1)
				if start >= end || start > int64(len(v)) {
					return []byte{}, nil
				}
				return v[start-1 : end-1], nil
			})
		}
	}
	return nil
}

// encodingOf names an encoding riffq converts text to and from: UTF8 (the
// server's), SQL_ASCII (the bytes as they are) and LATIN1.
// The role is "destination" or "source", as the error names it.
func encodingOf(name, role string) (string, error) {
	switch strings.ToUpper(strings.NewReplacer("-", "", "_", "").Replace(name)) {
	case "UTF8", "UNICODE":
		return "UTF8", nil
	case "SQLASCII":
		return "SQL_ASCII", nil
	case "LATIN1", "ISO88591":
		return "LATIN1", nil
	}
	return "", pgerror.New(pgerror.InvalidParameterValue, "invalid %s encoding name \"%s\"", role, name)
}

func encodeText(s, encoding string) ([]byte, error) {
	enc, err := encodingOf(encoding, "destination")
	if err != nil {
		return nil, err
	}
	if enc != "LATIN1" {
		return []byte(s), nil
	}
	out := make([]byte, 0, len(s))
	for _, c := range s {
		if c > 0xFF {
			return nil, pgerror.New("22P05", "character with byte sequence %s in encoding \"UTF8\" has no equivalent in encoding \"LATIN1\"", byteSequence([]byte(string(c))))
		}
		out = append(out, byte(c))
	}
	return out, nil
}

func decodeText(v []byte, encoding string) (string, error) {
	enc, err := encodingOf(encoding, "source")
	if err != nil {
		return "", err
	}
	switch enc {
	case "LATIN1":
		var sb strings.Builder
		for _, c := range v {
			sb.WriteRune(rune(c))
		}
		return sb.String(), nil
	case "UTF8":
		if !utf8.Valid(v) {
			// The bytes the lead byte claims, as PostgreSQL reports them.
			at := invalidAt(v)
			n := 1
			switch c := v[at]; {
			case c >= 0xF0 && c <= 0xF7:
				n = 4
			case c >= 0xE0:
				n = 3
			case c >= 0xC0:
				n = 2
			}
			return "", pgerror.New("22021", "invalid byte sequence for encoding \"UTF8\": %s", byteSequence(v[at:min(at+n, len(v))]))
		}
	}
	if strings.IndexByte(string(v), 0) >= 0 {
		return "", pgerror.New("22021", "invalid byte sequence for encoding \"%s\": 0x00", enc)
	}
	return string(v), nil
}

// invalidAt is the offset of the first byte that starts no valid UTF-8
// character.
func invalidAt(v []byte) int {
	for i := 0; i < len(v); {
		r, n := utf8.DecodeRune(v[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(v)
}

// byteSequence prints bytes as PostgreSQL's encoding errors do: 0xc3 0xa9.
func byteSequence(v []byte) string {
	parts := make([]string, len(v))
	for i, c := range v {
		parts[i] = fmt.Sprintf("0x%02x", c)
	}
	return strings.Join(parts, " ")
}
