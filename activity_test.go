package riffq_test

import (
	"context"
	"testing"
)

// TestStatActivity checks that pg_stat_activity lists the live sessions
// with what each is doing.
func TestStatActivity(t *testing.T) {
	url := startServer(t)
	busy := connect(t, url)
	ctx := context.Background()
	if _, err := busy.Exec(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	var busyPID int32
	if err := busy.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&busyPID); err != nil {
		t.Fatal(err)
	}
	watcher := connect(t, url)
	rows, err := watcher.Query(ctx, `SELECT pid, usename::text, datname::text, state, query, xact_start IS NOT NULL,
		backend_start <= now(), client_addr IS NOT NULL FROM pg_stat_activity ORDER BY pid`)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		pid                  int32
		user, db, state, sql string
		inXact, started, tcp bool
	}
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.pid, &r.user, &r.db, &r.state, &r.sql, &r.inXact, &r.started, &r.tcp); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d sessions, want 2: %+v", len(got), got)
	}
	b, w := got[0], got[1]
	if b.pid != busyPID || b.state != "idle in transaction" || b.sql != "SELECT pg_backend_pid()" || !b.inXact {
		t.Errorf("busy session: %+v", b)
	}
	if w.state != "active" || w.inXact || w.user != "tester" || w.db != "riffq" || !w.started || !w.tcp {
		t.Errorf("watching session: %+v", w)
	}
}

// TestSessionRoles checks that the users connected now are roles in
// pg_roles and pg_user, as clients that look up current_user expect,
// with the OIDs pg_stat_activity and pg_get_userbyid use.
func TestSessionRoles(t *testing.T) {
	url := startServer(t)
	conn := connect(t, url) // as "tester"
	ctx := context.Background()
	var name string
	var super bool
	var oid uint32
	if err := conn.QueryRow(ctx, "SELECT rolname::text, rolsuper, oid FROM pg_roles WHERE rolname = current_user").Scan(&name, &super, &oid); err != nil {
		t.Fatalf("current_user in pg_roles: %v", err)
	}
	if name != "tester" || !super || oid < 16384 {
		t.Errorf("role: %s super=%v oid=%d", name, super, oid)
	}
	var activityOID, userOID uint32
	var byID string
	if err := conn.QueryRow(ctx, `SELECT a.usesysid, u.usesysid, pg_get_userbyid(a.usesysid) FROM pg_stat_activity a
		JOIN pg_user u ON u.usename = a.usename WHERE a.pid = pg_backend_pid()`).Scan(&activityOID, &userOID, &byID); err != nil {
		t.Fatal(err)
	}
	if activityOID != oid || userOID != oid || byID != "tester" {
		t.Errorf("pg_stat_activity usesysid %d, pg_user %d, pg_get_userbyid %q; want %d, tester", activityOID, userOID, byID, oid)
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_roles WHERE rolname IN ('postgres', 'pg_database_owner', 'tester')").Scan(&n); err != nil || n != 3 {
		t.Errorf("roles: %d, %v; want 3", n, err)
	}
}
