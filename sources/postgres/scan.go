package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/internal/pgbinary"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/internal/sqlgen"
	"github.com/riffq/riffq/sources"
)

// batchRows is the most rows per batch; a batch also ends at batchBytes of
// values, so wide rows do not make huge batches.
const (
	batchRows  = 32 * 1024
	batchBytes = 16 << 20
)

// Table is one remote relation.
type Table struct {
	src          *Source
	remoteSchema string
	remoteName   string
	columns      []column
	schema       *arrow.Schema
}

// RemoteSchema is the schema the relation lives in on the remote server.
func (t *Table) RemoteSchema() string { return t.remoteSchema }

// Name is the relation's name on the remote server.
func (t *Table) Name() string { return t.remoteName }

// Schema implements sources.TableProvider.
func (t *Table) Schema() *arrow.Schema { return t.schema }

// SupportsFilters implements sources.FilterPusher. Filters the remote
// server evaluates exactly as riffq would are Exact: comparisons, IS NULL,
// LIKE, AND, OR and NOT over columns and constants. Text is compared with
// COLLATE "C", riffq's byte order, whatever the remote database's collation.
func (t *Table) SupportsFilters(filters []expr.Expr) []sources.FilterSupport {
	out := make([]sources.FilterSupport, len(filters))
	for i, f := range filters {
		if t.dialect(&query{}).Supported(f) {
			out[i] = sources.Exact
		}
	}
	return out
}

// query is a remote SELECT being built: its text and its parameters, bound
// in binary with their types, never spliced into the text.
type query struct {
	sqlgen.Writer
	params [][]byte
	oids   []uint32
}

// dialect is PostgreSQL's SQL for filters, binding constants into q.
func (t *Table) dialect(q *query) sqlgen.Dialect {
	return sqlgen.Dialect{
		Column: func(i int) (string, bool) {
			if i < 0 || i >= len(t.columns) || t.columns[i].padded {
				return "", false
			}
			return quoteIdent(t.columns[i].name), true
		},
		Param:      q.param,
		TextOrder:  ` COLLATE "C"`,
		LikeEscape: "", // backslash is PostgreSQL's default
	}
}

// selectQuery builds the SELECT a scan of columns cols sends.
func (t *Table) selectQuery(cols []int, req sources.ScanRequest) (*query, error) {
	q := &query{}
	q.Dialect = t.dialect(q)
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = quoteIdent(t.columns[c].name)
	}
	if err := q.Select(names, quoteIdent(t.remoteSchema, t.remoteName), req.Filters, req.Limit); err != nil {
		return nil, err
	}
	return q, nil
}

// param binds a constant as the next parameter, in binary with its type.
func (q *query) param(v scalar.Scalar) (string, bool) {
	typ, err := pgtypes.FromArrow(v.DataType())
	if err != nil {
		return "", false
	}
	arr, err := scalar.MakeArrayFromScalar(v, 1, memory.DefaultAllocator)
	if err != nil {
		return "", false
	}
	defer arr.Release()
	enc, err := pgbinary.NewEncoder(arr)
	if err != nil {
		return "", false
	}
	q.params = append(q.params, enc(nil, 0))
	q.oids = append(q.oids, typ.OID)
	return "$" + strconv.Itoa(len(q.params)), true
}

// Scan implements sources.TableProvider: one remote SELECT per scan, read as
// the rows arrive. A reader released before the end closes its connection
// rather than reading the rest of the result.
func (t *Table) Scan(ctx context.Context, req sources.ScanRequest) (array.RecordReader, error) {
	cols := req.Projection
	if cols == nil {
		cols = make([]int, len(t.columns))
		for i := range cols {
			cols[i] = i
		}
	}
	q, err := t.selectQuery(cols, req)
	if err != nil {
		return nil, err
	}
	name := t.remoteSchema + "." + t.remoteName
	schema := sources.ProjectSchema(t.schema, req.Projection)
	formats := make([]int16, len(cols))
	for i, c := range cols {
		formats[i] = t.columns[c].format
	}
	conn, err := t.src.pool.Acquire(ctx)
	if err != nil {
		return nil, remoteError(ctx, name, err)
	}
	sql := q.SQL.String()
	t.src.log.Debug("remote query", "table", name, "sql", sql, "params", len(q.params))
	formatsParams := make([]int16, len(q.params))
	for i := range formatsParams {
		formatsParams[i] = binaryFormat
	}
	rr := conn.Conn().PgConn().ExecParams(ctx, sql, q.params, q.oids, formatsParams, formats)
	done := false
	next := func() (arrow.RecordBatch, error) {
		if done {
			return nil, nil
		}
		bld := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		defer bld.Release()
		appenders := make([]func([]byte) error, len(cols))
		for i, c := range cols {
			appenders[i] = t.columns[c].appender(bld.Field(i))
		}
		rows, size := 0, 0
		for rows < batchRows && size < batchBytes {
			if !rr.NextRow() {
				done = true
				if _, err := rr.Close(); err != nil {
					return nil, remoteError(ctx, name, err)
				}
				break
			}
			for i, v := range rr.Values()[:len(cols)] { // SELECT NULL when no columns
				if v == nil {
					bld.Field(i).AppendNull()
					continue
				}
				size += len(v)
				if err := appenders[i](v); err != nil {
					return nil, fmt.Errorf("remote table %s, column %s: %w", name, t.columns[cols[i]].name, err)
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
		return bld.NewRecordBatch(), nil
	}
	release := func() {
		if !done {
			// Reading the rest would take as long as the whole scan:
			// drop the connection instead, and the pool with it.
			_ = conn.Conn().PgConn().Conn().Close()
			_, _ = rr.Close()
		}
		conn.Release()
	}
	return batchio.NewReader(schema, next, release), nil
}
