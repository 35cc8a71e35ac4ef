package riffq_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestDMLParameters runs INSERT, UPDATE and DELETE through the extended
// protocol with typed parameters, from several connections at once, and
// checks the tags and the table's final contents.
func TestDMLParameters(t *testing.T) {
	url := startServer(t)
	ctx := context.Background()
	conn := connect(t, url)
	if _, err := conn.Exec(ctx, "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL, amount numeric(10,2), note text DEFAULT 'none')"); err != nil {
		t.Fatal(err)
	}
	const writers, each = 4, 50
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := connect(t, url)
			base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			for i := range each {
				id := int64(w*each + i)
				tag, err := c.Exec(ctx, "INSERT INTO events (id, at, amount) VALUES ($1, $2, $3)", id, base.Add(time.Duration(id)*time.Hour), fmt.Sprintf("%d.25", id))
				if err != nil || tag.String() != "INSERT 0 1" {
					errs <- fmt.Errorf("insert %d: %v %v", id, tag, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	tag, err := conn.Exec(ctx, "UPDATE events SET note = $1 WHERE amount >= $2", "big", 100)
	if err != nil || tag.String() != "UPDATE 100" {
		t.Fatalf("update: %v %v", tag, err)
	}
	tag, err = conn.Exec(ctx, "DELETE FROM events WHERE at < $1", time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC))
	if err != nil || tag.String() != "DELETE 24" {
		t.Fatalf("delete: %v %v", tag, err)
	}
	var n int64
	var total, notes string
	if err := conn.QueryRow(ctx, "SELECT count(*), sum(amount)::text, min(note) || ',' || max(note) FROM events").Scan(&n, &total, &notes); err != nil {
		t.Fatal(err)
	}
	// ids 24..199 remain: their amounts sum to 19,624 + 176 * 0.25.
	if n != 176 || total != "19668.00" || notes != "big,none" {
		t.Fatalf("after DML: %d rows, sum %s, notes %s", n, total, notes)
	}
	if _, err := conn.Exec(ctx, "INSERT INTO events (id, at) VALUES ($1, $2)", int64(30), time.Now()); err == nil {
		t.Fatal("a duplicate key was accepted")
	}
}

// TestTempTables checks that temporary tables are private to their
// session, shadow a permanent table of the same name, and go away with
// the session.
func TestTempTables(t *testing.T) {
	url := startServer(t)
	ctx := context.Background()
	a, b := connect(t, url), connect(t, url)
	for _, sql := range []string{
		"CREATE TABLE shared (v int)",
		"INSERT INTO shared VALUES (1)",
	} {
		if _, err := a.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	if _, err := a.Exec(ctx, "CREATE TEMP TABLE scratch AS SELECT 1 AS v"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Exec(ctx, "CREATE TEMPORARY TABLE scratch (v int)"); err != nil {
		t.Fatalf("the same temporary name in another session: %v", err)
	}
	if _, err := b.Exec(ctx, "INSERT INTO scratch VALUES (2), (3)"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Exec(ctx, "CREATE TEMP TABLE shared (v int)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := a.QueryRow(ctx, "SELECT sum(v) FROM scratch").Scan(&n); err != nil || n != 1 {
		t.Fatalf("session a's scratch: %d, %v", n, err)
	}
	if err := b.QueryRow(ctx, "SELECT sum(v) FROM scratch").Scan(&n); err != nil || n != 5 {
		t.Fatalf("session b's scratch: %d, %v", n, err)
	}
	if err := b.QueryRow(ctx, "SELECT count(*) FROM shared").Scan(&n); err != nil || n != 0 {
		t.Fatalf("b's temporary shared should hide the permanent one: %d, %v", n, err)
	}
	if err := b.QueryRow(ctx, "SELECT count(*) FROM public.shared").Scan(&n); err != nil || n != 1 {
		t.Fatalf("public.shared from b: %d, %v", n, err)
	}
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// Once a's session is gone, its temporary schema is too.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if err := b.QueryRow(ctx, "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'pg_temp_%'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n != 1 {
		t.Fatalf("%d temporary schemas after a session ended, want 1", n)
	}
}

// TestViewDefinition checks that a view's query, as written, is what
// pg_views, information_schema.views and pg_get_viewdef report (PostgreSQL
// prints its own normalized form of the same query).
func TestViewDefinition(t *testing.T) {
	conn := connect(t, startServer(t))
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "CREATE VIEW tech (sym) AS SELECT symbol FROM symbols WHERE sector IN ('Technology', 'x') ; "); err != nil {
		t.Fatal(err)
	}
	want := "SELECT symbol FROM symbols WHERE sector IN ('Technology', 'x')"
	var a, b, c string
	err := conn.QueryRow(ctx, `SELECT v.definition, iv.view_definition, pg_get_viewdef('tech'::regclass)
		FROM pg_views v JOIN information_schema.views iv ON iv.table_name = v.viewname WHERE v.viewname = 'tech'`).Scan(&a, &b, &c)
	if err != nil {
		t.Fatal(err)
	}
	if a != want || b != want || c != want {
		t.Fatalf("definitions %q, %q, %q; want %q", a, b, c, want)
	}
}
