//go:build cgo && duckdb_arrow

package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/internal/sqlgen"
	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/sources"
)

// Available reports whether this build includes DuckDB.
const Available = true

// Source is an open DuckDB database and the tables and views found in it.
type Source struct {
	connector *duckdb.Connector
	db        *sql.DB
	log       *slog.Logger
	catalog   string // the database's name, which qualifies table names
	tables    []*Table
}

// Open opens the DuckDB database file at path (read-only unless
// opts.ReadWrite) and reads the schemas of its tables and views.
func Open(ctx context.Context, path string, opts Options) (*Source, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("duckdb source: %w", err)
	}
	mode := "READ_ONLY"
	if opts.ReadWrite {
		mode = "READ_WRITE"
	}
	connector, err := duckdb.NewConnector(path+"?access_mode="+url.QueryEscape(mode), nil)
	if err != nil {
		return nil, fmt.Errorf("duckdb source %s: %w", path, err)
	}
	s := &Source{connector: connector, db: sql.OpenDB(connector), log: opts.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := s.load(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("duckdb source %s: %w", path, err)
	}
	return s, nil
}

// Tables returns the database's tables and views, ordered by schema and name.
func (s *Source) Tables() []*Table { return s.tables }

// Close closes the database.
func (s *Source) Close() error {
	err := s.db.Close()
	if cerr := s.connector.Close(); err == nil {
		err = cerr
	}
	return err
}

func (s *Source) load(ctx context.Context) error {
	if err := s.db.QueryRowContext(ctx, "SELECT current_database()").Scan(&s.catalog); err != nil {
		return err
	}
	rows, err := s.db.QueryContext(ctx, `
		SELECT table_schema, table_name FROM information_schema.tables
		WHERE table_catalog = current_database() ORDER BY 1, 2`)
	if err != nil {
		return err
	}
	var tables []*Table
	for rows.Next() {
		t := &Table{src: s}
		if err := rows.Scan(&t.remoteSchema, &t.remoteName); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range tables {
		if err := t.loadSchema(ctx); err != nil {
			return fmt.Errorf("table %s.%s: %w", t.remoteSchema, t.remoteName, err)
		}
	}
	s.tables = tables
	return nil
}

// Table is one DuckDB table or view.
type Table struct {
	src          *Source
	remoteSchema string
	remoteName   string
	schema       *arrow.Schema
	// asText marks columns whose DuckDB type riffq cannot serve (enums,
	// unions...): scans cast them to VARCHAR. asJSON marks structs, maps
	// and lists of them: served as jsonb (sources.ToJSON), as a Parquet
	// file's are.
	asText, asJSON []bool
	// converted marks columns served as another type with other values
	// (sources.Canonical: nanoseconds rounded): filters on them stay
	// riffq's.
	converted []bool
}

// RemoteSchema is the DuckDB schema the table is in.
func (t *Table) RemoteSchema() string { return t.remoteSchema }

// Name is the table's name in DuckDB.
func (t *Table) Name() string { return t.remoteName }

// Schema implements sources.TableProvider.
func (t *Table) Schema() *arrow.Schema { return t.schema }

// loadSchema reads the Arrow schema DuckDB gives the table's columns.
func (t *Table) loadSchema(ctx context.Context) error {
	rdr, release, err := t.src.query(ctx, "SELECT * FROM "+t.quotedName()+" LIMIT 0")
	if err != nil {
		return err
	}
	schema := rdr.Schema()
	rdr.Release()
	release()
	fields := make([]arrow.Field, schema.NumFields())
	t.asText = make([]bool, schema.NumFields())
	t.asJSON = make([]bool, schema.NumFields())
	t.converted = make([]bool, schema.NumFields())
	for i, f := range schema.Fields() {
		f.Nullable = true
		f.Metadata = arrow.Metadata{}
		switch {
		case sources.AsJSON(f.Type) && jsonable(f.Type):
			f.Type = sources.JSONType()
			t.asJSON[i] = true
		case !servable(f.Type):
			f.Type = arrow.BinaryTypes.String
			t.asText[i] = true
		}
		if !t.asJSON[i] && !t.asText[i] {
			// Unsigned and tiny integers, timestamps in other units or
			// with DuckDB's zone name (Etc/UTC: the values are instants,
			// which riffq's timestamptz keeps in UTC)...
			canon := sources.Canonical(f.Type)
			// A column whose values change (nanoseconds rounded) is
			// filtered by riffq, over the values it serves: DuckDB
			// would compare the ones it holds.
			t.converted[i] = !arrow.TypeEqual(canon, f.Type) && !sameTimestamps(canon, f.Type)
			f.Type = canon
		}
		fields[i] = f
	}
	t.schema = arrow.NewSchema(fields, nil)
	return nil
}

// servable reports whether riffq serves Arrow type dt as it comes.
func servable(dt arrow.DataType) bool {
	switch t := dt.(type) {
	case *arrow.StringViewType, *arrow.BinaryViewType, *arrow.DictionaryType, *arrow.StructType, *arrow.MapType:
		return false
	case *arrow.ListType:
		return servable(t.Elem())
	}
	_, err := pgtypes.FromArrow(dt)
	return err == nil
}

// jsonable reports whether a nested type's values render as json: its
// leaves are types riffq serves.
func jsonable(dt arrow.DataType) bool {
	switch t := dt.(type) {
	case *arrow.StructType:
		for _, f := range t.Fields() {
			if !jsonable(f.Type) {
				return false
			}
		}
		return true
	case *arrow.MapType:
		return jsonable(t.KeyType()) && jsonable(t.ItemType())
	case arrow.ListLikeType:
		return jsonable(t.Elem())
	}
	return servable(dt)
}

// quotedName names the table with its catalog too: a schema named like the
// database file would be ambiguous otherwise.
func (t *Table) quotedName() string {
	return pgx.Identifier{t.src.catalog, t.remoteSchema, t.remoteName}.Sanitize()
}

// SupportsFilters implements sources.FilterPusher: comparisons, IS NULL,
// LIKE, AND, OR and NOT over columns and constants are Exact, evaluated by
// DuckDB, whose text order and NULL and NaN semantics are riffq's.
func (t *Table) SupportsFilters(filters []expr.Expr) []sources.FilterSupport {
	out := make([]sources.FilterSupport, len(filters))
	for i, f := range filters {
		if t.dialect(new([]any)).Supported(f) {
			out[i] = sources.Exact
		}
	}
	return out
}

func (t *Table) dialect(args *[]any) sqlgen.Dialect {
	return sqlgen.Dialect{
		Column: func(i int) (string, bool) {
			if i < 0 || i >= len(t.asText) || t.asText[i] || t.asJSON[i] || t.converted[i] {
				return "", false
			}
			return pgx.Identifier{t.schema.Field(i).Name}.Sanitize(), true
		},
		Param: func(v scalar.Scalar) (string, bool) {
			val, cast, ok := param(v)
			if !ok {
				return "", false
			}
			*args = append(*args, val)
			p := "$" + strconv.Itoa(len(*args))
			if cast != "" {
				p = "CAST(" + p + " AS " + cast + ")"
			}
			return p, true
		},
		LikeEscape: ` ESCAPE '\'`, // DuckDB's LIKE has no escape by default
	}
}

// param converts a constant to a value duckdb-go binds, and the type to
// cast it to when the bound type would not be the column's.
func param(v scalar.Scalar) (any, string, bool) {
	switch v := v.(type) {
	case *scalar.Boolean:
		return v.Value, "", true
	case *scalar.Int16:
		return v.Value, "SMALLINT", true
	case *scalar.Int32:
		return v.Value, "INTEGER", true
	case *scalar.Int64:
		return v.Value, "BIGINT", true
	case *scalar.Float32:
		return v.Value, "FLOAT", true
	case *scalar.Float64:
		return v.Value, "DOUBLE", true
	case *scalar.String:
		return string(v.Data()), "", true
	case *scalar.Date32:
		return v.Value.FormattedString(), "DATE", true
	case *scalar.Timestamp:
		typ := v.DataType().(*arrow.TimestampType)
		tm := v.Value.ToTime(typ.Unit)
		if typ.TimeZone != "" {
			return tm.UTC().Format("2006-01-02 15:04:05.999999999Z07:00"), "TIMESTAMPTZ", true
		}
		return tm.Format("2006-01-02 15:04:05.999999999"), "TIMESTAMP", true
	case *scalar.Time64:
		micros := int64(v.Value)
		if v.DataType().(*arrow.Time64Type).Unit == arrow.Nanosecond {
			micros /= 1000
		}
		return time.UnixMicro(micros).UTC().Format("15:04:05.999999"), "TIME", true
	case *scalar.Decimal128:
		d := v.DataType().(*arrow.Decimal128Type)
		return decimal128.Num(v.Value).ToString(d.Scale), fmt.Sprintf("DECIMAL(%d,%d)", d.Precision, d.Scale), true
	}
	return nil, "", false
}

// Scan implements sources.TableProvider: one DuckDB query per scan, its
// result read through DuckDB's Arrow interface, chunk by chunk.
func (t *Table) Scan(ctx context.Context, req sources.ScanRequest) (array.RecordReader, error) {
	var args []any
	var w sqlgen.Writer
	w.Dialect = t.dialect(&args)
	cols := req.Projection
	if cols == nil {
		cols = make([]int, t.schema.NumFields())
		for i := range cols {
			cols[i] = i
		}
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		name := pgx.Identifier{t.schema.Field(c).Name}.Sanitize()
		if t.asText[c] {
			name = "CAST(" + name + " AS VARCHAR) AS " + name
		}
		names[i] = name
	}
	if err := w.Select(names, t.quotedName(), req.Filters, req.Limit); err != nil {
		return nil, err
	}
	sqlText := w.SQL.String()
	t.src.log.Debug("duckdb query", "table", t.remoteSchema+"."+t.remoteName, "sql", sqlText)
	rdr, release, err := t.src.query(ctx, sqlText, args...)
	if err != nil {
		return nil, queryError(t, err)
	}
	schema := sources.ProjectSchema(t.schema, req.Projection)
	next := func() (arrow.RecordBatch, error) {
		if !rdr.Next() {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if err := rdr.Err(); err != nil {
				return nil, queryError(t, err)
			}
			return nil, nil
		}
		b := rdr.RecordBatch()
		if len(cols) == 0 {
			return array.NewRecordBatch(schema, nil, b.NumRows()), nil
		}
		// The batch's buffers are DuckDB's C memory, freed when the reader
		// moves on, while riffq's operators may keep values (group keys,
		// sorted rows) longer: copy them into Go memory. The copy also
		// takes the schema riffq announced, whose names, metadata and
		// time zone may differ from DuckDB's; the data is the same.
		arrs := make([]arrow.Array, len(b.Columns()))
		for i, c := range b.Columns() {
			if t.asJSON[cols[i]] {
				// The json text is built in Go memory: no copy first.
				j, err := sources.ToJSON(memory.DefaultAllocator, c)
				if err != nil {
					return nil, queryError(t, err)
				}
				defer j.Release()
				arrs[i] = j
				continue
			}
			cp, err := array.Concatenate([]arrow.Array{c}, memory.DefaultAllocator)
			if err != nil {
				return nil, queryError(t, err)
			}
			defer cp.Release()
			arrs[i] = cp
			switch want := schema.Field(i).Type; {
			case arrow.TypeEqual(cp.DataType(), want):
			case sameTimestamps(cp.DataType(), want):
				// Only the zone's name differs: the same values.
				d := array.NewData(want, cp.Len(), cp.Data().Buffers(), cp.Data().Children(), cp.NullN(), cp.Data().Offset())
				defer d.Release()
				arrs[i] = array.MakeFromData(d)
				defer arrs[i].Release()
			default:
				conv, err := sources.ToCanonical(memory.DefaultAllocator, cp, want)
				if err != nil {
					return nil, queryError(t, err)
				}
				defer conv.Release()
				arrs[i] = conv
			}
		}
		return array.NewRecordBatch(schema, arrs, b.NumRows()), nil
	}
	return batchio.NewReader(schema, next, func() { rdr.Release(); release() }), nil
}

// query runs sql on a connection of its own, so the reader can stream
// while other scans run; release closes the connection.
func (s *Source) query(ctx context.Context, sql string, args ...any) (array.RecordReader, func(), error) {
	conn, err := s.connector.Connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	a, err := duckdb.NewArrowFromConn(conn)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	rdr, err := a.QueryContext(ctx, sql, args...)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return rdr, func() { _ = conn.Close() }, nil
}

// queryError turns a DuckDB failure into a PostgreSQL error naming the table.
func queryError(t *Table, err error) error {
	return pgerror.New("58000", "duckdb table %s.%s: %v", t.remoteSchema, t.remoteName, err)
}

// sameTimestamps reports whether a and b are timestamps of one unit, both
// with a time zone or both without.
func sameTimestamps(a, b arrow.DataType) bool {
	x, ok1 := a.(*arrow.TimestampType)
	y, ok2 := b.(*arrow.TimestampType)
	return ok1 && ok2 && x.Unit == y.Unit && (x.TimeZone == "") == (y.TimeZone == "")
}
