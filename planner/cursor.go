package planner

import (
	"context"
	"io"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/pgerror"
)

// CursorSession is the part of Session that SQL's cursors need: DECLARE
// keeps a cursor by name, FETCH and MOVE read it, CLOSE ends it.
type CursorSession interface {
	DeclareCursor(name string, c io.Closer, hold bool) error
	Cursor(name string) (io.Closer, error)
	CloseCursor(name string) error
	CloseAllCursors()
}

// Cursor options of DeclareCursorStmt (CURSOR_OPT_* in PostgreSQL).
const (
	cursorBinary = 0x01
	cursorScroll = 0x02
	cursorHold   = 0x20
)

// cursor is a declared query running under a context of its own, read a
// few rows at a time by FETCH. Cursors scan forward only, as NO SCROLL
// ones do there: riffq's results stream and are not kept.
type cursor struct {
	schema *arrow.Schema
	rows   array.RecordReader
	cancel context.CancelCauseFunc
	batch  arrow.RecordBatch // the current batch, from row at on
	at     int64
	done   bool
}

// Schema is the cursor's columns, which a protocol-level Describe of the
// cursor as a portal reports (psycopg 3's named cursors ask).
func (c *cursor) Schema() *arrow.Schema { return c.schema }

func (c *cursor) Close() error {
	if c.batch != nil {
		c.batch.Release()
		c.batch = nil
	}
	if c.rows != nil {
		c.rows.Release()
		c.rows = nil
	}
	c.cancel(nil)
	return nil
}

// during ties the cursor's query to the context of the statement reading
// it (FETCH, MOVE): canceling that statement (a cancel request,
// statement_timeout) cancels the query, which otherwise runs under a
// context of its own. stop ends the tie.
func (c *cursor) during(ctx context.Context) (stop func() bool) {
	return context.AfterFunc(ctx, func() { c.cancel(context.Cause(ctx)) })
}

// readErr is the error of a read of the cursor by a statement under ctx:
// the statement's cancellation when that ended the query.
func readErr(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return err
}

// next returns up to max of the cursor's next rows, nil at its end.
func (c *cursor) next(max int64) (arrow.RecordBatch, error) {
	for max > 0 && !c.done {
		if c.batch == nil {
			if !c.rows.Next() {
				c.done = true
				return nil, c.rows.Err()
			}
			c.batch = c.rows.RecordBatch()
			c.batch.Retain()
			c.at = 0
		}
		k := min(max, c.batch.NumRows()-c.at)
		var out arrow.RecordBatch
		if k > 0 {
			out = c.batch.NewSlice(c.at, c.at+k)
		}
		if c.at += k; c.at >= c.batch.NumRows() {
			c.batch.Release()
			c.batch = nil
		}
		if out != nil {
			return out, nil
		}
	}
	return nil, nil
}

// skip passes over up to n rows and returns how many it passed.
func (c *cursor) skip(n int64) (int64, error) {
	var moved int64
	for moved < n {
		b, err := c.next(n - moved)
		if b == nil || err != nil {
			return moved, err
		}
		moved += b.NumRows()
		b.Release()
	}
	return moved, nil
}

// planDeclareCursor plans DECLARE name CURSOR [WITH HOLD] FOR query: the
// query starts now, under a context that lives as long as the cursor.
func (p *Planner) planDeclareCursor(b *binder, ds *pg_query.DeclareCursorStmt) (*Query, error) {
	cs, ok := b.sess.(CursorSession)
	if !ok {
		return nil, b.unsupported(-1, "cursors are not supported by this session")
	}
	switch {
	case ds.Options&cursorScroll != 0:
		return nil, b.unsupported(-1, "SCROLL cursors are not supported yet: riffq's cursors scan forward only")
	case ds.Options&cursorBinary != 0:
		return nil, b.unsupported(-1, "BINARY cursors are not supported yet")
	}
	sel := ds.Query.GetSelectStmt()
	if sel == nil {
		return nil, b.errorf(pgerror.SyntaxError, -1, "DECLARE CURSOR must be a SELECT")
	}
	plan, err := p.planSelect(b, sel)
	if err != nil {
		return nil, err
	}
	q := &Query{Tag: "DECLARE CURSOR"}
	if b.describeOnly {
		return q, nil
	}
	q.Run = func(context.Context) error {
		// The statement's context ends with the statement; the query
		// runs on until the cursor closes.
		ctx, cancel := context.WithCancelCause(context.Background())
		rows, err := plan.Execute(ctx)
		if err != nil {
			cancel(nil)
			return err
		}
		c := &cursor{schema: plan.Schema(), rows: rows, cancel: cancel}
		if err := cs.DeclareCursor(ds.Portalname, c, ds.Options&cursorHold != 0); err != nil {
			_ = c.Close()
			return err
		}
		return nil
	}
	return q, nil
}

// planFetch plans FETCH and MOVE: forward only, by a count, NEXT or ALL.
func (p *Planner) planFetch(b *binder, fs *pg_query.FetchStmt) (*Query, error) {
	cs, ok := b.sess.(CursorSession)
	if !ok {
		return nil, b.unsupported(-1, "cursors are not supported by this session")
	}
	closer, err := cs.Cursor(fs.Portalname)
	if err != nil {
		return nil, err
	}
	c, ok := closer.(*cursor)
	if !ok {
		return nil, pgerror.New("34000", "cursor \"%s\" does not exist", fs.Portalname)
	}
	n, skip := fs.HowMany, int64(0)
	switch {
	case fs.Direction == pg_query.FetchDirection_FETCH_FORWARD && n >= 0:
	case fs.Direction == pg_query.FetchDirection_FETCH_RELATIVE && n > 0:
		// RELATIVE n passes n-1 rows and fetches one.
		n, skip = 1, n-1
	default:
		return nil, pgerror.New("55000", "cursor can only scan forward").
			WithHint("Declare it with SCROLL option to enable backward scan.")
	}
	if fs.Ismove {
		q := &Query{Tag: "MOVE"}
		q.Run = func(ctx context.Context) error {
			defer c.during(ctx)()
			if _, err := c.skip(skip); err != nil {
				return readErr(ctx, err)
			}
			moved, err := c.skip(n)
			q.Tag = "MOVE " + strconv.FormatInt(moved, 10)
			return readErr(ctx, err)
		}
		return q, nil
	}
	return &Query{Plan: &fetch{cursor: c, count: n, skip: skip}, Tag: "FETCH"}, nil
}

// planClosePortal plans CLOSE name and CLOSE ALL.
func (p *Planner) planClosePortal(b *binder, cp *pg_query.ClosePortalStmt) (*Query, error) {
	cs, ok := b.sess.(CursorSession)
	if !ok {
		return nil, b.unsupported(-1, "cursors are not supported by this session")
	}
	if cp.Portalname == "" {
		return &Query{Tag: "CLOSE CURSOR ALL", Run: func(context.Context) error { cs.CloseAllCursors(); return nil }}, nil
	}
	if _, err := cs.Cursor(cp.Portalname); err != nil {
		return nil, err
	}
	return &Query{Tag: "CLOSE CURSOR", Run: func(context.Context) error { return cs.CloseCursor(cp.Portalname) }}, nil
}

// fetch is FETCH's plan: the next count rows of a cursor.
type fetch struct {
	cursor *cursor
	count  int64
	skip   int64 // rows passed over first (FETCH RELATIVE)
}

func (f *fetch) Schema() *arrow.Schema   { return f.cursor.schema }
func (f *fetch) Children() []engine.Plan { return nil }
func (f *fetch) String() string          { return "Fetch: " + strconv.FormatInt(f.count, 10) + " rows" }

func (f *fetch) Execute(ctx context.Context) (array.RecordReader, error) {
	stop := f.cursor.during(ctx)
	if _, err := f.cursor.skip(f.skip); err != nil {
		stop()
		return nil, readErr(ctx, err)
	}
	left := f.count
	return batchio.NewReader(f.cursor.schema, func() (arrow.RecordBatch, error) {
		b, err := f.cursor.next(left)
		if b != nil {
			left -= b.NumRows()
		}
		return b, readErr(ctx, err)
	}, func() { stop() }), nil
}
