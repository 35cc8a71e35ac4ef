package riffq_test

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/sources"
)

// loadReference copies tables into a reference PostgreSQL so the same
// queries can run there: each becomes a table of the equivalent column
// types, loaded with COPY.
func loadReference(t *testing.T, conn *pgx.Conn, tables map[string]sources.TableProvider) {
	t.Helper()
	ctx := context.Background()
	names := make([]string, 0, len(tables))
	for name := range tables {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		p := tables[name]
		schema := p.Schema()
		cols := make([]string, schema.NumFields())
		colNames := make([]string, schema.NumFields())
		for i, f := range schema.Fields() {
			pt, err := pgtypes.FromArrow(f.Type)
			if err != nil {
				t.Fatal(err)
			}
			typ := pt.Name
			if d, ok := f.Type.(*arrow.Decimal128Type); ok {
				typ = fmt.Sprintf("numeric(%d,%d)", d.Precision, d.Scale)
			}
			cols[i] = pgx.Identifier{f.Name}.Sanitize() + " " + typ
			colNames[i] = f.Name
		}
		ident := pgx.Identifier{name}.Sanitize()
		if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+ident); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, "CREATE TABLE "+ident+" ("+strings.Join(cols, ", ")+")"); err != nil {
			t.Fatal(err)
		}
		rdr, err := p.Scan(ctx, sources.ScanRequest{Limit: -1})
		if err != nil {
			t.Fatal(err)
		}
		var rows [][]any
		for rdr.Next() {
			b := rdr.RecordBatch()
			for r := range int(b.NumRows()) {
				row := make([]any, b.NumCols())
				for c, col := range b.Columns() {
					row[c] = goValue(t, col, r)
				}
				rows = append(rows, row)
			}
		}
		if err := rdr.Err(); err != nil {
			t.Fatal(err)
		}
		rdr.Release()
		n, err := conn.CopyFrom(ctx, pgx.Identifier{name}, colNames, pgx.CopyFromRows(rows))
		if err != nil {
			t.Fatalf("copy %s: %v", name, err)
		}
		t.Logf("loaded %s: %d rows", name, n)
	}
}

// goValue converts one Arrow value to the Go value pgx sends for it.
func goValue(t *testing.T, col arrow.Array, r int) any {
	if col.IsNull(r) {
		return nil
	}
	switch a := col.(type) {
	case *array.Boolean:
		return a.Value(r)
	case *array.Int16:
		return a.Value(r)
	case *array.Int32:
		return a.Value(r)
	case *array.Int64:
		return a.Value(r)
	case *array.Float32:
		return a.Value(r)
	case *array.Float64:
		return a.Value(r)
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		return pgtype.Numeric{Int: new(big.Int).Set(a.Value(r).BigInt()), Exp: -scale, Valid: true}
	case *array.String:
		return a.Value(r)
	case *array.Binary:
		return a.Value(r)
	case *array.Date32:
		return pgtype.Date{Time: a.Value(r).ToTime(), Valid: true}
	case *array.Timestamp:
		tt := a.DataType().(*arrow.TimestampType)
		ts := a.Value(r).ToTime(tt.Unit)
		if tt.TimeZone == "" {
			return pgtype.Timestamp{Time: ts, Valid: true}
		}
		return ts.In(time.UTC)
	}
	t.Fatalf("no reference conversion for %s", col.DataType())
	return nil
}
