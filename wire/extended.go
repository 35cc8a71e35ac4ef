package wire

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/riffq/riffq/internal/pgbinary"
	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// errStatementTimeout is the cause of a context that statement_timeout ended.
var errStatementTimeout = errors.New("statement timeout")

// prepared is a statement created by a Parse message.
type prepared struct {
	sql  string
	stmt Prepared // nil for an empty query

	// desc is the last RowDescription sent for the statement's portals,
	// for result formats descFormats: drivers describe every portal of
	// a statement they run many times, with the same formats.
	desc        *pgproto3.RowDescription
	descFormats []int16
}

// rowDescription describes the statement's result in formats.
func (ps *prepared) rowDescription(schema *arrow.Schema, formats []int16) *pgproto3.RowDescription {
	if ps.desc == nil || !slices.Equal(ps.descFormats, formats) {
		ps.desc, ps.descFormats = rowDescription(schema, formats), slices.Clone(formats)
	}
	return ps.desc
}

// portal is a statement with its parameters bound, and once it runs, the
// position reached in its result.
type portal struct {
	sql     string    // the statement's text, for pg_stat_activity
	stmt    Statement // nil for an empty query
	from    *prepared // the statement bound, nil for a simple query's portal
	schema  *arrow.Schema
	formats []int16 // result formats as Bind gave them

	ctx    context.Context
	cancel context.CancelFunc
	tag    string
	tx     TxEffect

	rows    array.RecordReader // nil until it runs, or for rowless statements
	copy    *CopyFormat        // set for COPY TO STDOUT
	copyIn  *CopyIn            // set for COPY FROM STDIN
	batch   arrow.RecordBatch
	next    int         // next row of batch
	cols    []outColumn // how to print the columns of batch
	sent    int64
	started bool
	done    bool
}

func (p *portal) close() {
	if p.batch != nil {
		p.batch.Release()
		p.batch = nil
	}
	if p.rows != nil {
		p.rows.Release()
		p.rows = nil
	}
	if p.cancel != nil {
		p.cancel()
	}
}

func (c *conn) closePortal(name string) {
	if p, ok := c.portals[name]; ok {
		p.close()
		delete(c.portals, name)
	}
}

func (c *conn) closePortals() {
	for name := range c.portals {
		c.closePortal(name)
	}
}

// extended handles one extended-query message.
func (c *conn) extended(msg pgproto3.FrontendMessage) error {
	switch m := msg.(type) {
	case *pgproto3.Parse:
		return c.parse(m)
	case *pgproto3.Bind:
		return c.bind(m)
	case *pgproto3.Describe:
		return c.describe(m)
	case *pgproto3.Execute:
		p, ok := c.portals[m.Portal]
		if !ok {
			return pgerror.New("34000", "portal %q does not exist", m.Portal)
		}
		if c.sess.tx == 'I' {
			// Up to Sync, statements run in one implicit transaction.
			c.sess.implicit = true
		}
		c.setActivity("active", p.sql)
		if err := c.startPortal(p); err != nil {
			return err
		}
		return c.runPortal(p, int64(m.MaxRows))
	case *pgproto3.Close:
		if m.ObjectType == 'S' {
			delete(c.prepared, m.Name)
		} else {
			c.closePortal(m.Name)
		}
		c.send(&pgproto3.CloseComplete{})
	}
	return nil
}

func (c *conn) parse(m *pgproto3.Parse) error {
	if m.Name != "" {
		if _, ok := c.prepared[m.Name]; ok {
			return pgerror.New("42P05", "prepared statement %q already exists", m.Name)
		}
	}
	ctx, cancel := c.runContext()
	defer cancel()
	defer c.clearCancel()
	stmt, err := c.srv.cfg.Handler.Prepare(ctx, c.sess, m.Query, m.ParameterOIDs)
	if err != nil {
		return err
	}
	if stmt != nil {
		_, tx := stmt.Command()
		if err := c.checkFailedTx(tx); err != nil {
			return err
		}
	}
	c.prepared[m.Name] = &prepared{sql: m.Query, stmt: stmt}
	c.send(&pgproto3.ParseComplete{})
	return nil
}

func (c *conn) bind(m *pgproto3.Bind) error {
	ps, ok := c.prepared[m.PreparedStatement]
	if !ok {
		return pgerror.New("26000", "prepared statement %q does not exist", m.PreparedStatement)
	}
	if m.DestinationPortal != "" {
		if _, ok := c.portals[m.DestinationPortal]; ok {
			return pgerror.New("42P03", "portal %q already exists", m.DestinationPortal)
		}
	}
	p := &portal{sql: ps.sql, from: ps, formats: m.ResultFormatCodes}
	if ps.stmt != nil {
		want := len(ps.stmt.ParamOIDs())
		if len(m.Parameters) != want {
			return pgerror.New(pgerror.ProtocolViolation, "bind message supplies %d parameters, but prepared statement %q requires %d", len(m.Parameters), m.PreparedStatement, want)
		}
		if n := len(m.ParameterFormatCodes); n > 1 && n != want {
			return pgerror.New(pgerror.ProtocolViolation, "bind message has %d parameter formats but %d parameters", n, want)
		}
		p.schema = ps.stmt.Schema()
		if p.schema != nil {
			if n := len(m.ResultFormatCodes); n > 1 && n != p.schema.NumFields() {
				return pgerror.New(pgerror.ProtocolViolation, "bind message has %d result formats but query has %d columns", n, p.schema.NumFields())
			}
		}
		for _, f := range m.ResultFormatCodes {
			if f != 0 && f != 1 {
				return pgerror.New(pgerror.ProtocolViolation, "unsupported format code: %d", f)
			}
		}
		_, tx := ps.stmt.Command()
		if err := c.checkFailedTx(tx); err != nil {
			return err
		}
		// Binding decodes parameters; it runs nothing a CancelRequest
		// should stop, so it needs no context of its own (one per Bind
		// is measurable in a prepared SELECT 1).
		st, err := ps.stmt.Bind(c.ctx, c.sess, m.Parameters, m.ParameterFormatCodes)
		if err != nil {
			return err
		}
		p.stmt = st
	}
	c.closePortal(m.DestinationPortal)
	c.portals[m.DestinationPortal] = p
	c.send(&pgproto3.BindComplete{})
	return nil
}

func (c *conn) describe(m *pgproto3.Describe) error {
	if m.ObjectType == 'S' {
		ps, ok := c.prepared[m.Name]
		if !ok {
			return pgerror.New("26000", "prepared statement %q does not exist", m.Name)
		}
		if ps.stmt == nil {
			c.send(&pgproto3.ParameterDescription{})
			c.send(&pgproto3.NoData{})
			return nil
		}
		c.send(&pgproto3.ParameterDescription{ParameterOIDs: ps.stmt.ParamOIDs()})
		if schema := ps.stmt.Schema(); schema != nil && !isCopy(ps.stmt) {
			c.send(ps.rowDescription(schema, nil))
		} else {
			c.send(&pgproto3.NoData{})
		}
		return nil
	}
	p, ok := c.portals[m.Name]
	if !ok {
		// A cursor of SQL's DECLARE is a portal too, in PostgreSQL.
		if cur, ok := c.sess.cursors[m.Name]; ok {
			if s, ok := cur.Closer.(interface{ Schema() *arrow.Schema }); ok {
				c.send(rowDescription(s.Schema(), nil))
				return nil
			}
		}
		return pgerror.New("34000", "portal %q does not exist", m.Name)
	}
	switch {
	case p.schema == nil || isCopy(p.stmt):
		c.send(&pgproto3.NoData{})
	case p.from != nil && p.from.stmt != nil && p.schema == p.from.stmt.Schema():
		c.send(p.from.rowDescription(p.schema, p.formats))
	default:
		c.send(rowDescription(p.schema, p.formats))
	}
	return nil
}

// isCopy reports whether st is a COPY, whose rows go out in CopyData
// messages: Describe reports no row description for it, as PostgreSQL does.
func isCopy(st interface{ Command() (string, TxEffect) }) bool {
	if st == nil {
		return false
	}
	tag, _ := st.Command()
	return tag == "COPY"
}

// FormatOf returns the format code (0 text, 1 binary) of value i under the
// format codes of a Bind message: none means text for all, one applies to
// all, otherwise there is one per value.
func FormatOf(formats []int16, i int) int16 {
	switch len(formats) {
	case 0:
		return 0
	case 1:
		return formats[0]
	}
	return formats[i]
}

func rowDescription(schema *arrow.Schema, formats []int16) *pgproto3.RowDescription {
	desc := &pgproto3.RowDescription{Fields: make([]pgproto3.FieldDescription, schema.NumFields())}
	for i, f := range schema.Fields() {
		t, err := pgtypes.FromField(f)
		if err != nil {
			t = pgtypes.Type{OID: pgtypes.TextOID, Len: -1, Mod: -1}
		}
		table, attnum := pgtypes.Origin(f)
		if t.OID == pgtypes.NumericOID && table == 0 && pgtypes.Annotation(f) == "" {
			// A computed numeric has no precision and scale of its
			// own in PostgreSQL: only a column's or a cast's type has.
			t.Mod = -1
		}
		desc.Fields[i] = pgproto3.FieldDescription{
			Name: []byte(f.Name), TableOID: table, TableAttributeNumber: uint16(attnum),
			DataTypeOID: t.OID, DataTypeSize: t.Len, TypeModifier: t.Mod,
			Format: FormatOf(formats, i),
		}
	}
	return desc
}

// startPortal runs a portal's statement the first time it executes.
func (c *conn) startPortal(p *portal) error {
	if p.started || p.stmt == nil {
		return nil
	}
	p.tag, p.tx = p.stmt.Command()
	if err := c.checkFailedTx(p.tx); err != nil {
		return err
	}
	if p.ctx == nil {
		if d := c.sess.timeout(statementTimeout); d > 0 {
			p.ctx, p.cancel = context.WithTimeoutCause(c.ctx, d, errStatementTimeout)
		} else {
			p.ctx, p.cancel = context.WithCancel(c.ctx)
		}
	}
	c.setCancel(p.cancel)
	defer c.clearCancel()
	c.watchClient(p.cancel)
	defer c.unwatchClient()
	// BEGIN opens its block before it runs, so that its modes (ISOLATION
	// LEVEL, READ ONLY) set the new block's.
	opened := p.tx == TxBegin && c.sess.tx == 'I'
	if opened {
		c.sess.beginTx()
		// The block takes over the implicit transaction's changes.
		c.sess.implicit = false
	}
	res, err := p.stmt.Execute(p.ctx, c.sess)
	for _, n := range c.sess.notices {
		c.sendNotice(n.severity, n.code, n.message)
	}
	c.sess.notices = c.sess.notices[:0]
	if err != nil {
		if opened {
			c.sess.endTx(false)
			c.sess.tx = 'I'
		}
		return err
	}
	p.started = true
	if p.tx == TxBegin && !opened {
		c.notice("25001", "there is already a transaction in progress")
	}
	p.tag = c.applyTx(p.tx, res.Tag)
	p.rows = res.Rows
	p.copy = res.Copy
	p.copyIn = res.CopyIn
	if p.rows != nil && (p.schema == nil || p.copy != nil) {
		p.schema = p.rows.Schema()
	}
	if p.rows != nil && !sameColumns(p.schema, p.rows.Schema()) {
		// The statement was prepared (and described) before DDL changed
		// what it returns: PostgreSQL refuses it so, and drivers prepare
		// it again (pgjdbc does on this error).
		p.rows.Release()
		p.rows = nil
		return pgerror.New(pgerror.FeatureNotSupported, "cached plan must not change result type")
	}
	return nil
}

// runPortal sends up to maxRows rows of a started portal (all when
// maxRows <= 0), then PortalSuspended when rows remain or CommandComplete.
func (c *conn) runPortal(p *portal, maxRows int64) error {
	if p.stmt == nil {
		c.send(&pgproto3.EmptyQueryResponse{})
		return nil
	}
	if p.copyIn != nil && !p.done {
		c.setCancel(p.cancel)
		defer c.clearCancel()
		p.done = true
		return c.copyIn(p.ctx, p)
	}
	if p.rows == nil {
		if !p.done {
			p.done = true
			c.send(&pgproto3.CommandComplete{CommandTag: []byte(p.tag)})
			return nil
		}
		c.send(&pgproto3.CommandComplete{CommandTag: []byte(p.tag + " 0")})
		return nil
	}
	ctx := p.ctx
	c.setCancel(p.cancel)
	defer c.clearCancel()
	c.watchClient(p.cancel)
	defer c.unwatchClient()
	if p.copy != nil {
		err := c.copyOut(ctx, p)
		p.rows.Release()
		p.rows = nil
		p.done = true
		return err
	}
	before := p.sent
	suspended, err := c.streamRows(ctx, p, maxRows)
	if err != nil {
		return err
	}
	if suspended {
		if err := c.flushRows(); err != nil {
			return err
		}
		c.send(&pgproto3.PortalSuspended{})
		return nil
	}
	if err := c.flushRows(); err != nil {
		return err
	}
	tag := p.tag
	if tag == "SELECT" || tag == "FETCH" {
		// The rows of this Execute, as PostgreSQL counts them: a
		// portal resumed after PortalSuspended reports its last part.
		tag += " " + strconv.FormatInt(p.sent-before, 10)
	}
	c.send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
	p.rows.Release()
	p.rows = nil
	p.done = true
	return nil
}

// streamRows writes DataRows of p, encoded straight from the Arrow columns
// into the output buffer, until the result ends or max rows were sent
// (suspended).
func (c *conn) streamRows(ctx context.Context, p *portal, max int64) (suspended bool, err error) {
	var sent int64
	rowStart := -1
	defer func() {
		if r := recover(); r != nil {
			// A value no encoder expected: the half-written DataRow
			// goes, so that the error after it (guard) reaches the
			// client intact.
			if rowStart >= 0 && rowStart <= len(c.out) {
				c.out = c.out[:rowStart]
			}
			panic(r)
		}
	}()
	for {
		if p.batch == nil {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			if !p.rows.Next() {
				return false, p.rows.Err()
			}
			p.batch = p.rows.RecordBatch()
			p.batch.Retain()
			p.next = 0
			if err := p.encoders(c.sess); err != nil {
				return false, err
			}
		}
		n := int(p.batch.NumRows())
		for ; p.next < n; p.next++ {
			if max > 0 && sent == max {
				return true, nil
			}
			r := p.next
			start := len(c.out)
			rowStart = start
			c.out = append(c.out, 'D', 0, 0, 0, 0)
			c.out = binary.BigEndian.AppendUint16(c.out, uint16(len(p.cols)))
			for i := range p.cols {
				col := &p.cols[i]
				if col.valid != nil && !bitutil.BitIsSet(col.valid, col.offset+r) {
					c.out = binary.BigEndian.AppendUint32(c.out, 0xFFFFFFFF)
					continue
				}
				lenAt := len(c.out)
				c.out = append(c.out, 0, 0, 0, 0)
				c.out = col.enc(c.out, r)
				binary.BigEndian.PutUint32(c.out[lenAt:], uint32(len(c.out)-lenAt-4))
			}
			binary.BigEndian.PutUint32(c.out[start+1:], uint32(len(c.out)-start-1))
			sent++
			p.sent++
			if len(c.out) >= flushThreshold {
				if err := c.flushRows(); err != nil {
					return false, err
				}
			}
		}
		p.batch.Release()
		p.batch = nil
	}
}

// outColumn is a column of a portal's current batch as streamRows reads
// it: its encoder, and its validity bitmap read directly rather than
// through an interface call per value.
type outColumn struct {
	enc    func([]byte, int) []byte
	valid  []byte // nil when the column has no NULLs in this batch
	offset int    // of the array's first value in valid
}

// roundedFloats is the text encoder of a float column under
// extra_float_digits <= 0, nil for other columns or settings.
func roundedFloats(s *Session, col arrow.Array) func([]byte, int) []byte {
	if !s.FloatRounded {
		return nil
	}
	d := s.FloatDigits
	switch a := col.(type) {
	case *array.Float64:
		return func(buf []byte, i int) []byte { return pgtext.AppendRoundedFloat(buf, a.Value(i), 64, 15+d) }
	case *array.Float32:
		return func(buf []byte, i int) []byte { return pgtext.AppendRoundedFloat(buf, float64(a.Value(i)), 32, 6+d) }
	}
	return nil
}

// encoders sets up the columns of the portal's current batch.
func (p *portal) encoders(s *Session) error {
	schema := p.batch.Schema()
	p.cols = p.cols[:0]
	for i, col := range p.batch.Columns() {
		var enc func([]byte, int) []byte
		var err error
		if FormatOf(p.formats, i) == 1 {
			enc, err = pgbinary.NewFieldEncoder(schema.Field(i), col)
		} else if enc = roundedFloats(s, col); enc == nil {
			enc, err = pgtext.NewFieldEncoder(schema.Field(i), col, s.Location)
		}
		if err != nil {
			return pgerror.New(pgerror.FeatureNotSupported, "column %q: %v", p.batch.ColumnName(i), err)
		}
		oc := outColumn{enc: enc, offset: col.Data().Offset()}
		if col.NullN() > 0 {
			oc.valid = col.NullBitmapBytes()
			if oc.valid == nil { // a Null array: no bitmap, every value NULL
				oc.valid = make([]byte, bitutil.BytesForBits(int64(oc.offset+col.Len())))
			}
		}
		p.cols = append(p.cols, oc)
	}
	return nil
}

// send appends a message to the output buffer. Every message, DataRows
// included, goes through this one buffer, so a short query's whole answer
// leaves in a single write.
func (c *conn) send(msg pgproto3.BackendMessage) {
	out, err := msg.Encode(c.out)
	if err != nil {
		c.log.Error("encode message", "type", fmt.Sprintf("%T", msg), "err", err)
		return
	}
	c.out = out
}

// flushRows writes the output buffer once it holds at least flushThreshold
// bytes; flush writes it whatever its size.
func (c *conn) flushRows() error {
	if len(c.out) < flushThreshold {
		return nil
	}
	return c.flush()
}

func (c *conn) flush() error {
	if len(c.out) == 0 {
		return nil
	}
	_, err := c.nc.Write(c.out)
	if cap(c.out) > 4*flushThreshold {
		c.out = nil
	} else {
		c.out = c.out[:0]
	}
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// sameColumns reports whether two result schemas have the same columns
// for a client: names and PostgreSQL types, in order.
func sameColumns(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i, f := range a.Fields() {
		g := b.Field(i)
		if f.Name != g.Name {
			return false
		}
		if arrow.TypeEqual(f.Type, g.Type) && f.Metadata.Equal(g.Metadata) {
			continue // the usual case: nothing changed
		}
		ft, ferr := pgtypes.FromField(f)
		gt, gerr := pgtypes.FromField(g)
		if f.Name != g.Name || (ferr == nil) != (gerr == nil) || ft.OID != gt.OID {
			return false
		}
	}
	return true
}
