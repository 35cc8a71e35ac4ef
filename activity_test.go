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
