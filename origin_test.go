package riffq_test

import (
	"context"
	"testing"
)

// TestColumnOrigins checks that RowDescription names the table and column
// a result column reads unchanged, as PostgreSQL does (drivers show it and
// read the column's nullability and default by it), through joins,
// grouping keys, derived tables and windows, and leaves computed columns
// without one; Describe reports what Execute does.
func TestColumnOrigins(t *testing.T) {
	conn := connect(t, startServer(t))
	ctx := context.Background()
	var candles, symbols uint32
	if err := conn.QueryRow(ctx, "SELECT 'candles'::regclass::oid, 'symbols'::regclass::oid").Scan(&candles, &symbols); err != nil {
		t.Fatal(err)
	}
	type origin struct {
		table  uint32
		attnum uint16
	}
	attnum := func(table, column string) uint16 {
		var n uint16
		if err := conn.QueryRow(ctx, "SELECT attnum FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2", table, column).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, c := range []struct {
		sql  string
		want []origin
	}{
		{"SELECT symbol, close * 2, count(*) OVER (), close FROM candles LIMIT 1",
			[]origin{{candles, attnum("candles", "symbol")}, {}, {}, {candles, attnum("candles", "close")}}},
		{"SELECT c.symbol, s.sector, max(c.close) FROM candles c JOIN symbols s ON s.symbol = c.symbol GROUP BY c.symbol, s.sector",
			[]origin{{candles, attnum("candles", "symbol")}, {symbols, attnum("symbols", "sector")}, {}}},
		{"SELECT t.* FROM (SELECT ts, symbol AS sym FROM candles WHERE close > 1) t ORDER BY 1 LIMIT 1",
			[]origin{{candles, attnum("candles", "ts")}, {candles, attnum("candles", "symbol")}}},
		{"SELECT symbol FROM candles UNION SELECT symbol FROM symbols", []origin{{}}},
	} {
		sd, err := conn.PgConn().Prepare(ctx, "", c.sql, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		rows, err := conn.Query(ctx, c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		executed := rows.FieldDescriptions()
		rows.Close()
		for i, w := range c.want {
			d, e := sd.Fields[i], executed[i]
			if d.TableOID != w.table || d.TableAttributeNumber != w.attnum || e.TableOID != w.table || e.TableAttributeNumber != w.attnum {
				t.Errorf("%s: column %d described from %d.%d, executed from %d.%d, want %d.%d", c.sql, i+1,
					d.TableOID, d.TableAttributeNumber, e.TableOID, e.TableAttributeNumber, w.table, w.attnum)
			}
		}
	}
}

// TestResultTypmods checks RowDescription's type and modifier as
// PostgreSQL 15 reports them: a column's and a cast's numeric(p,s),
// varchar(n) and char(n) keep theirs, computed numerics have none.
func TestResultTypmods(t *testing.T) {
	conn := connect(t, startServer(t))
	ctx := context.Background()
	type col struct {
		oid uint32
		mod int32
	}
	num := func(p, s int32) col { return col{1700, p<<16 | s + 4} }
	for _, c := range []struct {
		sql  string
		want []col
	}{
		{"SELECT 1.5::numeric(5,2), 1.5::numeric, 1.5, 2::numeric(4), 'abc'::varchar(10), 'x'::varchar, 'n'::name, 'a'::char(3)",
			[]col{num(5, 2), {1700, -1}, {1700, -1}, num(4, 0), {1043, 14}, {1043, -1}, {19, -1}, {1042, 7}}},
		{"SELECT num, num * 2, round(num, 1), sum(num) OVER (), -num FROM types LIMIT 1",
			[]col{num(10, 3), {1700, -1}, {1700, -1}, {1700, -1}, {1700, -1}}},
		{"SELECT x, y FROM (SELECT 1.5::numeric(5,2) AS x, 'b'::varchar(2) AS y) s", []col{num(5, 2), {1043, 6}}},
		{"SELECT sum(num), min(num), avg(num) FROM types", []col{{1700, -1}, {1700, -1}, {1700, -1}}},
		{"SELECT 12345::oid, current_user, current_database(), current_schema(), version()", []col{{26, -1}, {19, -1}, {19, -1}, {19, -1}, {25, -1}}},
	} {
		rows, err := conn.Query(ctx, c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		fields := rows.FieldDescriptions()
		rows.Close()
		for i, w := range c.want {
			if got := (col{fields[i].DataTypeOID, fields[i].TypeModifier}); got != w {
				t.Errorf("%s: column %d is type %d typmod %d, want %d typmod %d", c.sql, i+1, got.oid, got.mod, w.oid, w.mod)
			}
		}
	}
}
