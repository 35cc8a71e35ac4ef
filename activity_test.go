package riffq_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
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

// TestSignalBackend checks pg_cancel_backend and pg_terminate_backend
// against another session: the first cancels its statement (57014), the
// second ends it (57P01); an unknown process ID is false.
func TestSignalBackend(t *testing.T) {
	url := startServer(t)
	ctx := context.Background()
	victim := connect(t, url)
	var pid int32
	if err := victim.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	admin := connect(t, url)
	signal := func(fn string) {
		t.Helper()
		// Wait until the victim's statement runs, then signal it.
		deadline := time.Now().Add(10 * time.Second)
		for {
			var state string
			if err := admin.QueryRow(ctx, "SELECT state FROM pg_stat_activity WHERE pid = $1", pid).Scan(&state); err != nil {
				t.Fatal(err)
			}
			if state == "active" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the victim's statement is %q", state)
			}
			time.Sleep(10 * time.Millisecond)
		}
		var ok bool
		if err := admin.QueryRow(ctx, "SELECT "+fn+"($1)", pid).Scan(&ok); err != nil || !ok {
			t.Fatalf("%s: %v, %v", fn, ok, err)
		}
	}
	errc := make(chan error, 1)
	go func() { _, err := victim.Exec(ctx, "SELECT pg_sleep(30)"); errc <- err }()
	signal("pg_cancel_backend")
	if err := <-errc; pgCode(err) != "57014" {
		t.Fatalf("canceled statement: %v, want 57014", err)
	}
	if _, err := victim.Exec(ctx, "SELECT 1"); err != nil {
		t.Fatalf("the session after a cancel: %v", err)
	}
	go func() { _, err := victim.Exec(ctx, "SELECT pg_sleep(30)"); errc <- err }()
	signal("pg_terminate_backend")
	if err := <-errc; pgCode(err) != "57P01" {
		t.Fatalf("terminated session: %v, want 57P01", err)
	}
	var ok bool
	if err := admin.QueryRow(ctx, "SELECT pg_cancel_backend(2147483647)").Scan(&ok); err != nil || ok {
		t.Fatalf("unknown PID: %v, %v", ok, err)
	}
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}
