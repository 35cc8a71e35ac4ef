// Package ndjson serves newline-delimited JSON files (one object per line)
// as a table, with the columns and their types inferred from a sample of
// the first lines.
package ndjson

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/sources"
)

const (
	// SampleLines is how many lines type inference reads by default.
	SampleLines = 1000
	batchRows   = 16 * 1024
	maxLine     = 64 << 20
)

// Table is a table over NDJSON files sharing the first file's columns.
type Table struct {
	fs     sources.FileSystem
	files  []string
	schema *arrow.Schema
	kinds  []kind
}

// Open returns a table over the NDJSON files that path names: a file, a
// directory (every *.ndjson or *.jsonl file in it, also gzip or zstd
// compressed as *.gz, *.zst) or a glob.
func Open(path string) (*Table, error) {
	files, err := sources.Files(path, ".ndjson", ".jsonl", ".ndjson.gz", ".ndjson.zst", ".jsonl.gz", ".jsonl.zst")
	if err != nil {
		return nil, err
	}
	return OpenFS(context.Background(), sources.LocalFS{}, files, SampleLines)
}

// OpenFS returns a table over the given files of fs, inferring the
// columns from the first sample lines of the first file: every key seen
// becomes a column, in order of appearance, typed boolean, bigint, double
// precision, text, or json for objects, arrays and keys whose values mix
// kinds.
func OpenFS(ctx context.Context, fs sources.FileSystem, files []string, sample int) (*Table, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("ndjson: no files")
	}
	t := &Table{fs: fs, files: files}
	in, err := sources.OpenStream(ctx, fs, files[0])
	if err != nil {
		return nil, fmt.Errorf("open ndjson %s: %w", files[0], err)
	}
	defer in.Close()
	var names []string
	index := make(map[string]int)
	lines := newLines(in)
	for n := 0; n < sample; {
		line, lineNo, err := lines.next()
		if err != nil {
			return nil, fmt.Errorf("read ndjson %s: %w", files[0], err)
		}
		if line == nil {
			break
		}
		n++
		obj, err := decodeObject(line)
		if err != nil {
			return nil, fmt.Errorf("ndjson %s line %d: %w", files[0], lineNo, err)
		}
		for _, kv := range obj {
			i, ok := index[kv.key]
			if !ok {
				i = len(names)
				index[kv.key] = i
				names = append(names, kv.key)
				t.kinds = append(t.kinds, kindNull)
			}
			t.kinds[i] = t.kinds[i].widen(kindOf(kv.value))
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("ndjson %s: no objects to infer columns from", files[0])
	}
	fields := make([]arrow.Field, len(names))
	for i, name := range names {
		fields[i] = arrow.Field{Name: name, Type: t.kinds[i].arrowType(), Nullable: true}
	}
	t.schema = arrow.NewSchema(fields, nil)
	return t, nil
}

// Files returns the files the table reads.
func (t *Table) Files() []string { return t.files }

// Schema implements sources.TableProvider.
func (t *Table) Schema() *arrow.Schema { return t.schema }

// Scan implements sources.TableProvider: files are decoded line by line into
// batches; keys the sample did not see are ignored, missing keys are NULL.
func (t *Table) Scan(ctx context.Context, req sources.ScanRequest) (array.RecordReader, error) {
	schema := sources.ProjectSchema(t.schema, req.Projection)
	open := func(ctx context.Context, path string) (sources.FileBatches, error) {
		return t.openFile(ctx, path, req.Projection, schema)
	}
	return sources.ScanFiles(ctx, schema, t.files, req.Limit, open), nil
}

// Partitions implements sources.Partitioner: a part per file, which the
// engine decodes on every core.
func (t *Table) Partitions(_ context.Context, req sources.ScanRequest) ([]sources.Partition, error) {
	schema := sources.ProjectSchema(t.schema, req.Projection)
	open := func(ctx context.Context, path string) (sources.FileBatches, error) {
		return t.openFile(ctx, path, req.Projection, schema)
	}
	return sources.FilePartitions(schema, t.files, req.Limit, open), nil
}

func (t *Table) openFile(ctx context.Context, path string, projection []int, schema *arrow.Schema) (sources.FileBatches, error) {
	in, err := sources.OpenStream(ctx, t.fs, path)
	if err != nil {
		return sources.FileBatches{}, fmt.Errorf("open ndjson %s: %w", path, err)
	}
	cols := projection
	if cols == nil {
		cols = make([]int, len(t.kinds))
		for i := range cols {
			cols[i] = i
		}
	}
	pos := make(map[string]int, len(cols)) // key -> output column
	for i, c := range cols {
		pos[t.schema.Field(c).Name] = i
	}
	lines := newLines(in)
	next := func() (arrow.RecordBatch, error) {
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		defer b.Release()
		set := make([]bool, len(cols))
		rows := 0
		for rows < batchRows {
			line, lineNo, err := lines.next()
			if err != nil {
				return nil, fmt.Errorf("read ndjson %s: %w", path, err)
			}
			if line == nil {
				break
			}
			obj, err := decodeObject(line)
			if err != nil {
				pe := *pgerror.From(err)
				if pe.Code == pgerror.InternalError {
					pe.Code = pgerror.InvalidTextRepresentation
				}
				pe.Message = fmt.Sprintf("ndjson %s line %d: %s", path, lineNo, pe.Message)
				return nil, &pe
			}
			clear(set)
			for _, kv := range obj {
				i, ok := pos[kv.key]
				if !ok || set[i] {
					continue // a key the sample did not see, or repeated
				}
				set[i] = true
				if err := appendValue(b.Field(i), t.kinds[cols[i]], kv.value); err != nil {
					pe := *pgerror.From(err)
					if pe.Code == pgerror.InternalError {
						pe.Code = pgerror.InvalidTextRepresentation
					}
					pe.Message = fmt.Sprintf("ndjson %s line %d, key %q: %s", path, lineNo, kv.key, pe.Message)
					return nil, &pe
				}
			}
			for i, ok := range set {
				if !ok {
					b.Field(i).AppendNull()
				}
			}
			rows++
		}
		if rows == 0 {
			return nil, nil
		}
		if len(cols) == 0 {
			return array.NewRecordBatch(schema, nil, int64(rows)), nil
		}
		return b.NewRecordBatch(), nil
	}
	return sources.FileBatches{Next: next, Close: func() { in.Close() }}, nil
}

// lines reads non-blank lines with their line numbers.
type lines struct {
	sc *bufio.Scanner
	no int
}

func newLines(r io.Reader) *lines {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	return &lines{sc: sc}
}

func (l *lines) next() ([]byte, int, error) {
	for l.sc.Scan() {
		l.no++
		line := l.sc.Bytes()
		if l.no == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf")) // a byte order mark
		}
		if line := bytes.TrimSpace(line); len(line) > 0 {
			return line, l.no, nil
		}
	}
	return nil, l.no, l.sc.Err()
}

// member is one key of an object, in order.
type member struct {
	key   string
	value json.RawMessage
}

// decodeObject reads one JSON object, keeping its keys' order.
func decodeObject(line []byte) ([]member, error) {
	if !utf8.Valid(line) {
		return nil, pgerror.New(pgerror.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"")
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, member{key, v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if rest := bytes.TrimSpace(line[dec.InputOffset():]); len(rest) > 0 {
		return nil, fmt.Errorf("token %q after the object is invalid", rest[:min(len(rest), 20)])
	}
	return lastOfEachKey(out), nil
}

// lastOfEachKey drops the members whose key comes again later: the last
// value of a key is the one json's ->> and jsonb keep.
func lastOfEachKey(ms []member) []member {
	for i := 0; i < len(ms); i++ {
		for j := i + 1; j < len(ms); j++ {
			if ms[j].key == ms[i].key {
				ms = append(ms[:i], ms[i+1:]...)
				i--
				break
			}
		}
	}
	return ms
}

// kind is an inferred column type.
type kind int

const (
	kindNull kind = iota // only nulls so far
	kindBool
	kindInt
	kindNumeric // integers past bigint, up to 38 digits
	kindFloat
	kindText
	kindJSON
)

func kindOf(v json.RawMessage) kind {
	switch v[0] {
	case 'n':
		return kindNull
	case 't', 'f':
		return kindBool
	case '"':
		return kindText
	case '{', '[':
		return kindJSON
	}
	_, err := strconv.ParseInt(string(v), 10, 64)
	switch digits := strings.TrimPrefix(string(v), "-"); {
	case err == nil:
		return kindInt
	case errors.Is(err, strconv.ErrRange) && len(digits) <= 38:
		return kindNumeric
	}
	return kindFloat
}

// widen combines the kinds seen in one column: integers and floats make
// floats, anything else mixed makes json.
func (k kind) widen(o kind) kind {
	switch {
	case k == o || o == kindNull:
		return k
	case k == kindNull:
		return o
	case (k == kindInt || k == kindNumeric) && (o == kindInt || o == kindNumeric):
		return kindNumeric
	case (k == kindInt || k == kindNumeric || k == kindFloat) && (o == kindInt || o == kindNumeric || o == kindFloat):
		return kindFloat
	}
	return kindJSON
}

func (k kind) arrowType() arrow.DataType {
	switch k {
	case kindBool:
		return arrow.FixedWidthTypes.Boolean
	case kindInt:
		return arrow.PrimitiveTypes.Int64
	case kindNumeric:
		return &arrow.Decimal128Type{Precision: 38, Scale: 0}
	case kindFloat:
		return arrow.PrimitiveTypes.Float64
	case kindJSON:
		t, _ := extensions.NewJSONType(arrow.BinaryTypes.String)
		return t
	}
	return arrow.BinaryTypes.String // text, and columns only ever null
}

// appendValue appends one JSON value to a column of kind k.
func appendValue(b array.Builder, k kind, v json.RawMessage) error {
	if string(v) == "null" {
		b.AppendNull()
		return nil
	}
	switch k {
	case kindBool:
		switch string(v) {
		case "true":
			b.(*array.BooleanBuilder).Append(true)
		case "false":
			b.(*array.BooleanBuilder).Append(false)
		default:
			return fmt.Errorf("invalid input syntax for type boolean: %s", v)
		}
	case kindInt:
		n, err := strconv.ParseInt(string(v), 10, 64)
		if errors.Is(err, strconv.ErrRange) {
			return pgerror.New(pgerror.NumericValueOutOfRange, "value %s is out of range for type bigint", v)
		}
		if err != nil {
			return pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type bigint: %s", v)
		}
		b.(*array.Int64Builder).Append(n)
	case kindNumeric:
		sc, err := pgtext.Parse(string(v), &arrow.Decimal128Type{Precision: 38, Scale: 0})
		if err != nil {
			return err
		}
		b.(*array.Decimal128Builder).Append(sc.(*scalar.Decimal128).Value)
	case kindFloat:
		f, err := strconv.ParseFloat(string(v), 64)
		mantissa, _, _ := bytes.Cut(bytes.ToLower(v), []byte("e"))
		if errors.Is(err, strconv.ErrRange) || err == nil && (math.IsInf(f, 0) || f == 0 && bytes.ContainsAny(mantissa, "123456789")) {
			return pgerror.New(pgerror.NumericValueOutOfRange, "%s is out of range for type double precision", v)
		}
		if err != nil {
			return pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type double precision: %s", v)
		}
		b.(*array.Float64Builder).Append(f)
	case kindJSON:
		storage := b.(interface{ StorageBuilder() array.Builder }).StorageBuilder()
		storage.(*array.StringBuilder).Append(string(v))
	default:
		if v[0] != '"' {
			return fmt.Errorf("invalid input syntax for type text: %s", v)
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return err
		}
		if strings.IndexByte(s, 0) >= 0 {
			return pgerror.New("22P05", "unsupported Unicode escape sequence: \\u0000 cannot be converted to text")
		}
		b.(*array.StringBuilder).Append(s)
	}
	return nil
}
