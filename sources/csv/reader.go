package csv

import (
	"bytes"
	"io"

	"github.com/riffq/riffq/pgerror"
)

// reader splits CSV text into records as PostgreSQL's COPY ... (FORMAT
// csv) does, keeping what encoding/csv loses: whether a field was quoted
// (an unquoted empty field is NULL, a quoted one the empty string) and the
// line each record starts on. Lines end with \n, \r\n or a lone \r; inside
// quotes every byte, line ends included, is data. A quote anywhere in a
// field opens a quoted section and the next lone quote closes it, so
// a"b,c"d is the one field ab,cd; a doubled quote inside one is a quote.
// Blank lines between records are skipped, and a byte order mark at the
// start of the file is not data.
type reader struct {
	in    io.Reader
	comma byte
	buf   []byte
	pos   int
	end   int
	eof   bool
	err   error // a read error, returned once buf is drained
	line  int   // line number of the next byte
	start bool  // nothing read yet: a byte order mark may come

	// The record just read: its fields' bytes back to back, each field's
	// end offset and quotedness, and the line it started on.
	data    []byte
	ends    []int
	quoted  []bool
	recLine int
}

func newReader(in io.Reader, comma byte) *reader {
	return &reader{in: in, comma: comma, buf: make([]byte, 256<<10), line: 1, start: true}
}

// fill reads more input once buf is drained; false at the end of input.
func (r *reader) fill() bool {
	if r.pos < r.end {
		return true
	}
	for !r.eof {
		n, err := r.in.Read(r.buf)
		r.pos, r.end = 0, n
		if err != nil {
			r.eof = true
			if err != io.EOF {
				r.err = err
			}
		}
		if r.start && n > 0 {
			r.start = false
			if bytes.HasPrefix(r.buf[:n], []byte("\xef\xbb\xbf")) {
				r.pos = 3
			}
		}
		if r.pos < r.end {
			return true
		}
	}
	return false
}

// next returns the next input byte.
func (r *reader) next() (byte, bool) {
	if !r.fill() {
		return 0, false
	}
	c := r.buf[r.pos]
	r.pos++
	return c, true
}

// peekIs consumes the next input byte if it is c.
func (r *reader) peekIs(c byte) bool {
	if r.fill() && r.buf[r.pos] == c {
		r.pos++
		return true
	}
	return false
}

// read reads the next record; io.EOF after the last. A quoted section
// still open at the end of input is 22P04, as in PostgreSQL.
func (r *reader) read() error {
	r.data, r.ends, r.quoted = r.data[:0], r.ends[:0], r.quoted[:0]
	for {
		if !r.fill() {
			if r.err != nil {
				return r.err
			}
			return io.EOF
		}
		c := r.buf[r.pos]
		if c != '\n' && c != '\r' {
			break
		}
		r.pos++
		if c == '\r' {
			r.peekIs('\n')
		}
		r.line++
	}
	r.recLine = r.line
	inQuote, quoted := false, false
	endField := func() {
		r.ends = append(r.ends, len(r.data))
		r.quoted = append(r.quoted, quoted)
		quoted = false
	}
	for {
		// Copy a run of plain bytes at once: most fields are nothing else.
		if !inQuote && r.fill() {
			chunk := r.buf[r.pos:r.end]
			n := 0
			for n < len(chunk) {
				c := chunk[n]
				if c == r.comma || c == '"' || c == '\n' || c == '\r' {
					break
				}
				n++
			}
			r.data = append(r.data, chunk[:n]...)
			r.pos += n
		}
		c, ok := r.next()
		if !ok {
			if r.err != nil {
				return r.err
			}
			if inQuote {
				return pgerror.New(pgerror.BadCopyFileFormat, "unterminated CSV quoted field (the record starts on line %d)", r.recLine)
			}
			endField()
			return nil
		}
		if inQuote {
			switch {
			case c == '"' && r.peekIs('"'):
				r.data = append(r.data, '"')
			case c == '"':
				inQuote = false
			default:
				if c == '\n' || c == '\r' && !(r.fill() && r.buf[r.pos] == '\n') {
					r.line++
				}
				r.data = append(r.data, c)
			}
			continue
		}
		switch c {
		case '"':
			inQuote, quoted = true, true
		case r.comma:
			endField()
		case '\n', '\r':
			if c == '\r' {
				r.peekIs('\n')
			}
			r.line++
			endField()
			return nil
		default:
			r.data = append(r.data, c)
		}
	}
}

// fields returns the number of fields of the record read.
func (r *reader) fields() int { return len(r.ends) }

// field returns field i of the record read: its bytes (valid until the
// next read) and whether it is NULL: unquoted and equal to null, the
// empty string by default, as COPY's NULL option.
func (r *reader) field(i int, null string) ([]byte, bool) {
	start := 0
	if i > 0 {
		start = r.ends[i-1]
	}
	v := r.data[start:r.ends[i]]
	return v, !r.quoted[i] && string(v) == null
}
