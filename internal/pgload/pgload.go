// Package pgload copies tables into a real PostgreSQL, so the same queries
// can run there: the reference results of the tests and the benchmarks'
// comparison both load their data with it.
package pgload

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/sources"
)

// CopyTable (re)creates table name in PostgreSQL with the column types
// equivalent to p's schema and loads p's rows with COPY. It returns the
// number of rows copied.
func CopyTable(ctx context.Context, conn *pgx.Conn, name string, p sources.TableProvider) (int64, error) {
	schema := p.Schema()
	cols := make([]string, schema.NumFields())
	colNames := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		pt, err := pgtypes.FromArrow(f.Type)
		if err != nil {
			return 0, err
		}
		typ := pt.Name
		if d, ok := f.Type.(*arrow.Decimal128Type); ok {
			typ = fmt.Sprintf("numeric(%d,%d)", d.Precision, d.Scale)
		}
		cols[i] = pgx.Identifier{f.Name}.Sanitize() + " " + typ
		if !f.Nullable {
			cols[i] += " NOT NULL"
		}
		colNames[i] = f.Name
	}
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+ident); err != nil {
		return 0, err
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE "+ident+" ("+strings.Join(cols, ", ")+")"); err != nil {
		return 0, err
	}
	rdr, err := p.Scan(ctx, sources.ScanRequest{Limit: -1})
	if err != nil {
		return 0, err
	}
	defer rdr.Release()
	src := &batchSource{rdr: rdr}
	n, err := conn.CopyFrom(ctx, pgx.Identifier{name}, colNames, src)
	if err != nil {
		return n, fmt.Errorf("copy %s: %w", name, err)
	}
	return n, nil
}

// batchSource feeds COPY from a record reader, one row at a time.
type batchSource struct {
	rdr   array.RecordReader
	batch arrow.RecordBatch
	row   int
	vals  []any
	err   error
}

func (s *batchSource) Next() bool {
	for s.batch == nil || s.row+1 >= int(s.batch.NumRows()) {
		if !s.rdr.Next() {
			s.err = s.rdr.Err()
			return false
		}
		s.batch, s.row = s.rdr.RecordBatch(), -1
		if s.batch.NumRows() > 0 {
			break
		}
	}
	s.row++
	s.vals = make([]any, s.batch.NumCols())
	for c, col := range s.batch.Columns() {
		v, err := GoValue(col, s.row)
		if err != nil {
			s.err = err
			return false
		}
		s.vals[c] = v
	}
	return true
}

func (s *batchSource) Values() ([]any, error) { return s.vals, nil }
func (s *batchSource) Err() error             { return s.err }

// GoValue converts one Arrow value to the Go value pgx sends for it.
func GoValue(col arrow.Array, r int) (any, error) {
	if col.IsNull(r) {
		return nil, nil
	}
	switch a := col.(type) {
	case *array.Boolean:
		return a.Value(r), nil
	case *array.Int16:
		return a.Value(r), nil
	case *array.Int32:
		return a.Value(r), nil
	case *array.Int64:
		return a.Value(r), nil
	case *array.Float32:
		return a.Value(r), nil
	case *array.Float64:
		return a.Value(r), nil
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		return pgtype.Numeric{Int: new(big.Int).Set(a.Value(r).BigInt()), Exp: -scale, Valid: true}, nil
	case *array.String:
		return a.Value(r), nil
	case *array.Binary:
		return a.Value(r), nil
	case *array.Date32:
		return pgtype.Date{Time: a.Value(r).ToTime(), Valid: true}, nil
	case *array.Timestamp:
		tt := a.DataType().(*arrow.TimestampType)
		ts := a.Value(r).ToTime(tt.Unit)
		if tt.TimeZone == "" {
			return pgtype.Timestamp{Time: ts, Valid: true}, nil
		}
		return ts.In(time.UTC), nil
	}
	return nil, fmt.Errorf("no PostgreSQL conversion for %s", col.DataType())
}
