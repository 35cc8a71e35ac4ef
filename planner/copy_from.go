package planner

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/internal/pgbinary"
	"github.com/riffq/riffq/pgerror"
)

// CopyInput is a COPY ... FROM STDIN: Load reads the client's data and
// stores its rows, returning how many.
type CopyInput struct {
	Columns int
	Binary  bool // the client sends PostgreSQL's binary COPY format
	Load    func(ctx context.Context, r io.Reader) (int64, error)
}

// copyBatchRows is how many input rows are converted at a time.
const copyBatchRows = 8192

// planCopyFrom plans COPY table [(columns)] FROM STDIN in text or CSV
// format into an in-memory table. The fields are read as text and cast to
// the columns' types by the engine; the rows are stored only once all of
// them converted, so a bad row stores none.
func (p *Planner) planCopyFrom(b *binder, cs *pg_query.CopyStmt) (*Query, error) {
	if cs.Filename != "" || cs.IsProgram {
		return nil, pgerror.New("42501", "must be superuser or have privileges of the pg_read_server_files role to COPY from a file").
			WithHint("Anyone can COPY to stdout or from stdin. psql's \\copy command also works for anyone.")
	}
	if cs.Relation == nil {
		return nil, pgerror.New(pgerror.SyntaxError, "COPY FROM needs a table")
	}
	if cs.WhereClause != nil {
		return nil, b.unsupported(nodeLocation(cs.WhereClause), "COPY FROM ... WHERE is not supported yet")
	}
	format, err := copyFormat(cs.Options)
	if err != nil {
		return nil, err
	}
	if format.forceAll || len(format.forceQuote) > 0 {
		return nil, pgerror.New(pgerror.FeatureNotSupported, "COPY force quote only available using COPY TO")
	}
	t, w, err := b.writable(cs.Relation, "copy to")
	if err != nil {
		return nil, err
	}
	schema := w.Schema()
	var targets []int
	if len(cs.Attlist) == 0 {
		for i := range schema.NumFields() {
			targets = append(targets, i)
		}
	}
	for _, a := range cs.Attlist {
		name := a.GetString_().GetSval()
		idx := schema.FieldIndices(name)
		if len(idx) == 0 {
			return nil, pgerror.New(pgerror.UndefinedColumn, "column %q of relation %q does not exist", name, t.Name)
		}
		targets = append(targets, idx[0])
	}
	// The fields arrive as text columns (binary ones decoded to their
	// types); a projection casts them and adds the other columns'
	// defaults.
	binaryFormat := format.Kind == "binary"
	inFields := make([]arrow.Field, len(targets))
	for i, c := range targets {
		inFields[i] = arrow.Field{Name: schema.Field(c).Name, Type: typeText, Nullable: true}
		if binaryFormat {
			inFields[i].Type = schema.Field(c).Type
		}
	}
	inSchema := arrow.NewSchema(inFields, nil)
	exprs := make([]expr.Expr, schema.NumFields())
	names := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		names[i] = f.Name
		exprs[i] = b.defaultOf(t, i)
	}
	for pos, c := range targets {
		if exprs[c], err = b.cast(&expr.Column{Index: pos, Name: names[c], Type: inFields[pos].Type}, schema.Field(c).Type, -1); err != nil {
			return nil, err
		}
		exprs[c] = fitColumn(exprs[c], schema.Field(c))
	}
	table := t.Name
	load := func(ctx context.Context, r io.Reader) (int64, error) {
		var read func() (arrow.RecordBatch, error)
		if binaryFormat {
			br, err := newBinaryCopyRows(r)
			if err != nil {
				return 0, err
			}
			read = func() (arrow.RecordBatch, error) { return br.batch(inSchema, copyBatchRows) }
		} else {
			rows := newCopyRows(r, format)
			if format.Header {
				if _, err := rows.next(); err != nil && !errors.Is(err, io.EOF) {
					return 0, err
				}
			}
			read = func() (arrow.RecordBatch, error) { return rows.batch(inSchema, copyBatchRows, table) }
		}
		var batches []arrow.RecordBatch
		defer func() { releaseBatches(batches) }()
		var n int64
		for {
			in, err := read()
			if err != nil {
				return 0, err
			}
			if in == nil {
				break
			}
			src := &batchPlan{schema: inSchema, batch: in}
			got, k, err := collectRows(ctx, engine.NewProject(src, exprs, names), schema)
			in.Release()
			if err != nil {
				return 0, err
			}
			batches = append(batches, got...)
			n += k
		}
		unlock, err := b.lockWriter(ctx, w)
		if err != nil {
			return 0, err
		}
		defer unlock()
		if err := w.Append(batches); err != nil {
			return 0, err
		}
		return n, nil
	}
	return &Query{Tag: "COPY", CopyIn: &CopyInput{Columns: len(targets), Binary: binaryFormat, Load: load}}, nil
}

// batchPlan yields one batch: COPY FROM's fields for the projection that
// converts them.
type batchPlan struct {
	schema *arrow.Schema
	batch  arrow.RecordBatch
}

func (p *batchPlan) Schema() *arrow.Schema   { return p.schema }
func (p *batchPlan) Children() []engine.Plan { return nil }
func (p *batchPlan) String() string          { return "CopyData" }
func (p *batchPlan) Execute(context.Context) (array.RecordReader, error) {
	done := false
	return batchio.NewReader(p.schema, func() (arrow.RecordBatch, error) {
		if done {
			return nil, nil
		}
		done = true
		p.batch.Retain()
		return p.batch, nil
	}, nil), nil
}

// copyRows splits COPY's text or CSV data into rows of fields; a nil
// field is NULL.
type copyRows struct {
	r    *bufio.Reader
	f    *CopyFormat
	line int64
	// ended is set at the end-of-data marker \.: what follows it is
	// not data (PostgreSQL discards it).
	ended bool
}

func newCopyRows(r io.Reader, f *CopyFormat) *copyRows {
	return &copyRows{r: bufio.NewReaderSize(r, 64*1024), f: f}
}

// batch reads up to max rows into text columns; nil at the end.
func (c *copyRows) batch(schema *arrow.Schema, max int, table string) (arrow.RecordBatch, error) {
	builders := make([]*array.StringBuilder, schema.NumFields())
	for i := range builders {
		builders[i] = array.NewStringBuilder(memory.DefaultAllocator)
		defer builders[i].Release()
	}
	rows := 0
	for rows < max {
		fields, err := c.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(fields) < len(builders) {
			return nil, pgerror.New(pgerror.BadCopyFileFormat, "missing data for column %q", schema.Field(len(fields)).Name).
				WithDetail("COPY %s, line %d", table, c.line)
		}
		if len(fields) > len(builders) {
			return nil, pgerror.New(pgerror.BadCopyFileFormat, "extra data after last expected column").
				WithDetail("COPY %s, line %d", table, c.line)
		}
		for i, v := range fields {
			if v == nil {
				builders[i].AppendNull()
			} else {
				builders[i].Append(*v)
			}
		}
		rows++
	}
	if rows == 0 {
		return nil, nil
	}
	cols := make([]arrow.Array, len(builders))
	for i, bl := range builders {
		cols[i] = bl.NewArray()
		defer cols[i].Release()
	}
	return array.NewRecordBatch(schema, cols, int64(rows)), nil
}

// next reads one row; io.EOF at the end of the data (or at a line \.).
func (c *copyRows) next() ([]*string, error) {
	if c.ended {
		return nil, io.EOF
	}
	if c.f.Kind == "csv" {
		return c.nextCSV()
	}
	line, err := c.r.ReadString('\n')
	if line == "" && err != nil {
		return nil, err
	}
	c.line++
	line = trimEOL(line)
	if line == `\.` {
		c.ended = true
		return nil, io.EOF
	}
	var fields []*string
	start := 0
	for i := 0; i <= len(line); i++ {
		if i < len(line) && line[i] == '\\' {
			i++ // the escaped byte is never a delimiter
			continue
		}
		if i == len(line) || line[i] == c.f.Delimiter {
			raw := line[start:i]
			if raw == c.f.Null {
				fields = append(fields, nil)
			} else {
				v := unescapeCopy(raw)
				fields = append(fields, &v)
			}
			start = i + 1
		}
	}
	return fields, nil
}

func trimEOL(s string) string {
	if len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && s[len(s)-1] == '\r' {
		s = s[:len(s)-1]
	}
	return s
}

// unescapeCopy decodes COPY text format's backslash sequences.
func unescapeCopy(s string) string {
	if !containsByte(s, '\\') {
		return s
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch != '\\' || i+1 == len(s) {
			out = append(out, ch)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'v':
			out = append(out, '\v')
		case 'x':
			v, n := 0, 0
			for n < 2 && i+1 < len(s) && isHex(s[i+1]) {
				i++
				v = v*16 + hexVal(s[i])
				n++
			}
			if n == 0 {
				out = append(out, 'x')
			} else {
				out = append(out, byte(v))
			}
		default:
			if e >= '0' && e <= '7' {
				v := int(e - '0')
				for n := 1; n < 3 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '7'; n++ {
					i++
					v = v*8 + int(s[i]-'0')
				}
				out = append(out, byte(v))
			} else {
				out = append(out, e)
			}
		}
	}
	return string(out)
}

func containsByte(s string, b byte) bool {
	for i := range len(s) {
		if s[i] == b {
			return true
		}
	}
	return false
}

func isHex(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F'
}

func hexVal(b byte) int {
	switch {
	case b >= 'a':
		return int(b-'a') + 10
	case b >= 'A':
		return int(b-'A') + 10
	}
	return int(b - '0')
}

// nextCSV reads one CSV row: quoted fields may hold delimiters, quotes
// (escaped) and newlines; an unquoted field equal to the NULL string is
// NULL, a quoted one never is.
func (c *copyRows) nextCSV() ([]*string, error) {
	line, err := c.r.ReadString('\n')
	if line == "" && err != nil {
		return nil, err
	}
	c.line++
	if trimEOL(line) == `\.` {
		c.ended = true
		return nil, io.EOF
	}
	f := c.f
	var fields []*string
	var cur []byte
	quoted, inQuotes := false, false
	i := 0
	for {
		if i >= len(line) {
			if !inQuotes {
				break
			}
			// A quoted field goes on to the next line.
			more, err := c.r.ReadString('\n')
			if more == "" && err != nil {
				return nil, pgerror.New(pgerror.BadCopyFileFormat, "unterminated CSV quoted field")
			}
			c.line++
			line, i = more, 0
			continue
		}
		ch := line[i]
		switch {
		case inQuotes && ch == f.Escape && i+1 < len(line) && line[i+1] == f.Quote:
			cur = append(cur, f.Quote)
			i += 2
			continue
		case inQuotes && ch == f.Quote:
			inQuotes = false
		case inQuotes:
			cur = append(cur, ch)
		case ch == f.Quote:
			inQuotes, quoted = true, true
		case ch == f.Delimiter || ch == '\n' || ch == '\r':
			fields = append(fields, csvField(cur, quoted, f.Null))
			cur, quoted = nil, false
			if ch != f.Delimiter {
				return fields, nil
			}
		default:
			cur = append(cur, ch)
		}
		i++
	}
	return append(fields, csvField(cur, quoted, f.Null)), nil
}

func csvField(v []byte, quoted bool, null string) *string {
	s := string(v)
	if !quoted && s == null {
		return nil
	}
	return &s
}

// binaryCopyRows reads PostgreSQL's binary COPY format: a signature and
// header, then per row a field count and each field's length and bytes
// (-1 for NULL), then -1.
type binaryCopyRows struct {
	r    *bufio.Reader
	done bool
}

func newBinaryCopyRows(r io.Reader) (*binaryCopyRows, error) {
	br := bufio.NewReaderSize(r, 64*1024)
	head := make([]byte, len(binaryCopySignature)+8)
	if _, err := io.ReadFull(br, head); err != nil || string(head[:len(binaryCopySignature)]) != binaryCopySignature {
		return nil, pgerror.New(pgerror.BadCopyFileFormat, "COPY file signature not recognized")
	}
	if ext := binary.BigEndian.Uint32(head[len(binaryCopySignature)+4:]); ext > 0 {
		if _, err := br.Discard(int(ext)); err != nil {
			return nil, pgerror.New(pgerror.BadCopyFileFormat, "invalid COPY file header (missing extension)")
		}
	}
	return &binaryCopyRows{r: br}, nil
}

const binaryCopySignature = "PGCOPY\n\xff\r\n\x00"

// batch decodes up to max rows into columns of schema's types; nil at
// the end.
func (c *binaryCopyRows) batch(schema *arrow.Schema, max int) (arrow.RecordBatch, error) {
	if c.done {
		return nil, nil
	}
	cols := make([][]scalar.Scalar, schema.NumFields())
	rows := 0
	var buf [4]byte
	for rows < max {
		if _, err := io.ReadFull(c.r, buf[:2]); err != nil {
			if errors.Is(err, io.EOF) {
				c.done = true
				break
			}
			return nil, pgerror.New(pgerror.BadCopyFileFormat, "unexpected EOF in COPY data")
		}
		n := int16(binary.BigEndian.Uint16(buf[:2]))
		if n == -1 {
			c.done = true
			break
		}
		if int(n) != len(cols) {
			return nil, pgerror.New(pgerror.BadCopyFileFormat, "row field count is %d, expected %d", n, len(cols))
		}
		for i := range cols {
			if _, err := io.ReadFull(c.r, buf[:4]); err != nil {
				return nil, pgerror.New(pgerror.BadCopyFileFormat, "unexpected EOF in COPY data")
			}
			size := int32(binary.BigEndian.Uint32(buf[:4]))
			if size < 0 {
				cols[i] = append(cols[i], scalar.MakeNullScalar(schema.Field(i).Type))
				continue
			}
			data := make([]byte, size)
			if _, err := io.ReadFull(c.r, data); err != nil {
				return nil, pgerror.New(pgerror.BadCopyFileFormat, "unexpected EOF in COPY data")
			}
			v, err := pgbinary.DecodeParam(data, schema.Field(i).Type)
			if err != nil {
				return nil, err
			}
			cols[i] = append(cols[i], v)
		}
		rows++
	}
	if rows == 0 {
		return nil, nil
	}
	arrays := make([]arrow.Array, len(cols))
	for i, vs := range cols {
		a, err := engine.ArrayFromScalars(schema.Field(i).Type, vs)
		if err != nil {
			releaseAll(arrays[:i])
			return nil, err
		}
		arrays[i] = a
	}
	defer releaseAll(arrays)
	return array.NewRecordBatch(schema, arrays, int64(rows)), nil
}

func releaseAll(as []arrow.Array) {
	for _, a := range as {
		if a != nil {
			a.Release()
		}
	}
}
