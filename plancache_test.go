package riffq_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestPlanCache runs the same statements again and again, prepared and
// simple, across the changes that must not leave a kept plan stale: rows
// inserted, a view replaced, a table dropped, a setting changed, time
// passing, and other sessions coming and going.
func TestPlanCache(t *testing.T) {
	url := startServer(t)
	ctx := context.Background()
	conn := connect(t, url)
	exec := execer(t, conn)
	modes := []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeDescribeExec, pgx.QueryExecModeSimpleProtocol}
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			one := func(sql string) string {
				t.Helper()
				var s string
				if err := conn.QueryRow(ctx, sql, mode).Scan(&s); err != nil {
					t.Fatalf("%s: %v", sql, err)
				}
				return s
			}
			exec("CREATE TABLE pc (n int)")
			exec("CREATE VIEW pcv AS SELECT count(*)::text AS c FROM pc")
			const count = "SELECT count(*)::text FROM pc"
			for i, want := range []string{"0", "1", "2"} {
				if got := one(count); got != want {
					t.Fatalf("after %d inserts: count = %s, want %s", i, got, want)
				}
				if got := one("SELECT c FROM pcv"); got != want {
					t.Fatalf("after %d inserts: view = %s, want %s", i, got, want)
				}
				exec("INSERT INTO pc VALUES (1)")
			}
			exec("CREATE OR REPLACE VIEW pcv AS SELECT 'replaced'::text AS c")
			if got := one("SELECT c FROM pcv"); got != "replaced" {
				t.Fatalf("replaced view = %s", got)
			}
			exec("DROP VIEW pcv")
			exec("DROP TABLE pc")
			var pe *pgconn.PgError
			if _, err := conn.Exec(ctx, count, mode); !errors.As(err, &pe) || pe.Code != "42P01" {
				t.Fatalf("count after DROP TABLE: %v, want 42P01", err)
			}
			exec("SET application_name = 'first'")
			if got := one("SELECT current_setting('application_name')"); got != "first" {
				t.Fatalf("application_name = %s", got)
			}
			exec("SET application_name = 'second'")
			if got := one("SELECT current_setting('application_name')"); got != "second" {
				t.Fatalf("application_name = %s after SET", got)
			}
			const clock = "SELECT now()::text"
			first := one(clock)
			time.Sleep(2 * time.Millisecond)
			if second := one(clock); second == first {
				t.Fatalf("now() twice gave %s", first)
			}
			const sessions = "SELECT count(*)::text FROM pg_stat_activity"
			before := one(sessions)
			other := connect(t, url)
			if after := one(sessions); after == before {
				t.Fatalf("pg_stat_activity counted %s sessions before and after another connected", before)
			}
			other.Close(ctx)
		})
	}

	// An unnamed statement prepared again and again (DescribeExec, as
	// pgbench -M extended does) is described from the session's kept plan:
	// a table replaced with other column types must change the description.
	t.Run("redescribe", func(t *testing.T) {
		const sel = "SELECT v FROM pd"
		exec("CREATE TABLE pd (v int)")
		exec("INSERT INTO pd VALUES (7)")
		var n int32
		for range 3 {
			if err := conn.QueryRow(ctx, sel, pgx.QueryExecModeDescribeExec).Scan(&n); err != nil || n != 7 {
				t.Fatalf("%s: %d, %v", sel, n, err)
			}
		}
		exec("DROP TABLE pd")
		exec("CREATE TABLE pd (v text)")
		exec("INSERT INTO pd VALUES ('seven')")
		rows, err := conn.Query(ctx, sel, pgx.QueryExecModeDescribeExec)
		if err != nil {
			t.Fatal(err)
		}
		if oid := rows.FieldDescriptions()[0].DataTypeOID; oid != 25 {
			t.Errorf("v described as type %d after the table changed, want text (25)", oid)
		}
		var s string
		for rows.Next() {
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
		}
		if err := rows.Err(); err != nil || s != "seven" {
			t.Fatalf("%s: %q, %v", sel, s, err)
		}
		exec("DROP TABLE pd")
	})
}
