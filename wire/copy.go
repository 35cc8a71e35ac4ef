package wire

import (
	"context"
	"encoding/binary"
	"io"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/riffq/riffq/internal/pgbinary"
	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/pgerror"
)

// CopyFormat is how COPY ... TO STDOUT writes a result.
type CopyFormat struct {
	// Binary selects PostgreSQL's binary COPY format; otherwise text, or
	// CSV when CSV is set.
	Binary, CSV bool
	Delimiter   byte
	Null        string
	Header      bool
	Quote       byte
	Escape      byte
	// ForceQuote lists the columns whose non-NULL values CSV quotes
	// always (FORCE_QUOTE).
	ForceQuote []int
}

// binarySignature starts a binary COPY stream.
var binarySignature = []byte("PGCOPY\n\xff\r\n\x00")

// copyOut sends a started portal's rows as a COPY TO STDOUT stream.
func (c *conn) copyOut(ctx context.Context, p *portal) error {
	f := p.copy
	ncols := p.schema.NumFields()
	resp := &pgproto3.CopyOutResponse{ColumnFormatCodes: make([]uint16, ncols)}
	if f.Binary {
		resp.OverallFormat = 1
		for i := range resp.ColumnFormatCodes {
			resp.ColumnFormatCodes[i] = 1
		}
	}
	c.send(resp)
	var line []byte
	// The binary header goes out with the first row (or the trailer), in
	// one CopyData, as PostgreSQL sends it: psycopg 3's row reader
	// expects it so.
	var header []byte
	send := func() {
		c.out = append(c.out, 'd', 0, 0, 0, 0)
		binary.BigEndian.PutUint32(c.out[len(c.out)-4:], uint32(len(line)+4))
		c.out = append(c.out, line...)
	}
	switch {
	case f.Binary:
		header = append(header, binarySignature...)
		header = binary.BigEndian.AppendUint32(header, 0) // flags
		header = binary.BigEndian.AppendUint32(header, 0) // header extension length
	case f.Header:
		line = line[:0]
		for i, fld := range p.schema.Fields() {
			if i > 0 {
				line = append(line, f.Delimiter)
			}
			line = f.appendField(line, []byte(fld.Name), false)
		}
		line = append(line, '\n')
		send()
	}
	var n int64
	var val []byte
	for p.rows.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := p.rows.RecordBatch()
		cols := b.Columns()
		encs := make([]func([]byte, int) []byte, len(cols))
		for i, col := range cols {
			var err error
			if f.Binary {
				encs[i], err = pgbinary.NewFieldEncoder(b.Schema().Field(i), col)
			} else if encs[i] = roundedFloats(c.sess, col); encs[i] == nil {
				encs[i], err = pgtext.NewFieldEncoder(b.Schema().Field(i), col, c.sess.Location)
			}
			if err != nil {
				return pgerror.New(pgerror.FeatureNotSupported, "column %q: %v", b.ColumnName(i), err)
			}
		}
		for r := range int(b.NumRows()) {
			line = append(line[:0], header...)
			header = nil
			if f.Binary {
				line = binary.BigEndian.AppendUint16(line, uint16(len(cols)))
			}
			for i, col := range cols {
				switch {
				case f.Binary && col.IsNull(r):
					line = binary.BigEndian.AppendUint32(line, 0xFFFFFFFF)
				case f.Binary:
					at := len(line)
					line = append(line, 0, 0, 0, 0)
					line = encs[i](line, r)
					binary.BigEndian.PutUint32(line[at:], uint32(len(line)-at-4))
				default:
					if i > 0 {
						line = append(line, f.Delimiter)
					}
					if col.IsNull(r) {
						line = append(line, f.Null...)
						continue
					}
					val = encs[i](val[:0], r)
					line = f.appendField(line, val, slices.Contains(f.ForceQuote, i))
				}
			}
			if !f.Binary {
				line = append(line, '\n')
			}
			send()
			n++
			if len(c.out) >= flushThreshold {
				if err := c.flushRows(); err != nil {
					return err
				}
			}
		}
	}
	if err := p.rows.Err(); err != nil {
		return err
	}
	if f.Binary {
		line = binary.BigEndian.AppendUint16(append(line[:0], header...), 0xFFFF) // trailer
		send()
	}
	if err := c.flushRows(); err != nil {
		return err
	}
	c.send(&pgproto3.CopyDone{})
	c.send(&pgproto3.CommandComplete{CommandTag: []byte("COPY " + strconv.FormatInt(n, 10))})
	return nil
}

// appendField appends one non-null value in text or CSV form; force
// quotes a CSV value that would not need it.
func (f *CopyFormat) appendField(line, v []byte, force bool) []byte {
	if f.CSV {
		needQuote := force || len(v) == 0 && f.Null == "" || string(v) == f.Null
		for _, ch := range v {
			if ch == f.Delimiter || ch == f.Quote || ch == '\n' || ch == '\r' {
				needQuote = true
				break
			}
		}
		if !needQuote {
			return append(line, v...)
		}
		line = append(line, f.Quote)
		for _, ch := range v {
			if ch == f.Quote || ch == f.Escape {
				line = append(line, f.Escape)
			}
			line = append(line, ch)
		}
		return append(line, f.Quote)
	}
	for _, ch := range v {
		switch ch {
		case '\\':
			line = append(line, '\\', '\\')
		case '\n':
			line = append(line, '\\', 'n')
		case '\r':
			line = append(line, '\\', 'r')
		case '\t':
			line = append(line, '\\', 't')
		case '\b':
			line = append(line, '\\', 'b')
		case '\f':
			line = append(line, '\\', 'f')
		case '\v':
			line = append(line, '\\', 'v')
		default:
			if ch == f.Delimiter {
				line = append(line, '\\')
			}
			line = append(line, ch)
		}
	}
	return line
}

// CopyIn is a COPY ... FROM STDIN. The connection answers CopyInResponse,
// then Load reads the client's data (the CopyData payloads, in order,
// ending at CopyDone) and returns the rows it stored, which complete the
// command as "COPY n".
type CopyIn struct {
	// Binary tells the client to send PostgreSQL's binary COPY format.
	Binary bool
	// Columns is the number of columns each row carries.
	Columns int
	Load    func(ctx context.Context, r io.Reader) (int64, error)
}

// copyIn runs a COPY FROM STDIN portal.
func (c *conn) copyIn(ctx context.Context, p *portal) error {
	ci := p.copyIn
	resp := &pgproto3.CopyInResponse{ColumnFormatCodes: make([]uint16, ci.Columns)}
	if ci.Binary {
		resp.OverallFormat = 1
		for i := range resp.ColumnFormatCodes {
			resp.ColumnFormatCodes[i] = 1
		}
	}
	c.send(resp)
	if err := c.flush(); err != nil {
		return err
	}
	r := &copyReader{c: c}
	n, err := ci.Load(ctx, r)
	// Whatever Load left unread is skipped up to the end of the stream,
	// so that the connection is in step with the client again.
	for !r.done && r.err == nil {
		if _, rerr := r.Read(make([]byte, 64*1024)); rerr != nil && rerr != io.EOF {
			break
		}
	}
	switch {
	case r.err != nil:
		return r.err
	case err != nil:
		return err
	}
	c.send(&pgproto3.CommandComplete{CommandTag: []byte("COPY " + strconv.FormatInt(n, 10))})
	return nil
}

// copyReader reads the payloads of CopyData messages until CopyDone.
type copyReader struct {
	c    *conn
	buf  []byte
	done bool
	err  error // CopyFail, or a message COPY does not allow
}

func (r *copyReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.done {
			return 0, io.EOF
		}
		if r.err != nil {
			return 0, r.err
		}
		msg, err := r.c.be.Receive()
		if err != nil {
			r.err = err
			return 0, err
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			r.buf = append(r.buf[:0], m.Data...)
		case *pgproto3.CopyDone:
			r.done = true
		case *pgproto3.CopyFail:
			r.err = pgerror.New(pgerror.QueryCanceled, "COPY from stdin failed: %s", m.Message)
		case *pgproto3.Flush, *pgproto3.Sync:
			// PostgreSQL ignores them during COPY IN.
		default:
			r.err = pgerror.New(pgerror.ProtocolViolation, "unexpected message type 0x%02X during COPY from stdin", msgType(msg))
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func msgType(m pgproto3.FrontendMessage) byte {
	b, err := m.Encode(nil)
	if err != nil || len(b) == 0 {
		return 0
	}
	return b[0]
}
