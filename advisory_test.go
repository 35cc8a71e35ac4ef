package riffq_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestAdvisoryLocks: sessions coordinate through advisory locks as
// migration tools use them — a lock another session holds is not taken
// (try) or waited for until released, statement_timeout ends a wait with
// 57014, transaction-level locks go with the block, and a session's locks
// go with it.
func TestAdvisoryLocks(t *testing.T) {
	url := startServer(t)
	a, b := connect(t, url), connect(t, url)
	ctx := context.Background()
	boolOf := func(sql string, onA bool) bool {
		t.Helper()
		c := b
		if onA {
			c = a
		}
		var v bool
		if err := c.QueryRow(ctx, sql).Scan(&v); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return v
	}
	if _, err := a.Exec(ctx, "SELECT pg_advisory_lock(42)"); err != nil {
		t.Fatal(err)
	}
	if boolOf("SELECT pg_try_advisory_lock(42)", false) || boolOf("SELECT pg_try_advisory_lock_shared(42)", false) {
		t.Fatal("b took a lock a holds")
	}
	if !boolOf("SELECT pg_try_advisory_lock(0, 42)", false) {
		t.Fatal("the pair (0, 42) is another lock than the bigint 42")
	}
	// b waits for a's lock until a releases it.
	done := make(chan error, 1)
	go func() {
		_, err := b.Exec(ctx, "SELECT pg_advisory_lock(42)")
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("b did not wait: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	if !boolOf("SELECT pg_advisory_unlock(42)", true) {
		t.Fatal("a did not hold the lock")
	}
	if err := <-done; err != nil {
		t.Fatalf("b's wait: %v", err)
	}
	// Now a waits, until statement_timeout.
	if _, err := a.Exec(ctx, "SET statement_timeout = '200ms'"); err != nil {
		t.Fatal(err)
	}
	_, err := a.Exec(ctx, "SELECT pg_advisory_lock(42)")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" {
		t.Fatalf("a wait past statement_timeout: %v, want 57014", err)
	}
	if _, err := a.Exec(ctx, "RESET statement_timeout"); err != nil {
		t.Fatal(err)
	}
	// A transaction-level lock goes with the block.
	for _, sql := range []string{"BEGIN", "SELECT pg_advisory_xact_lock(7)"} {
		if _, err := a.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	if boolOf("SELECT pg_try_advisory_lock(7)", false) {
		t.Fatal("b took a lock a's block holds")
	}
	if _, err := a.Exec(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	if !boolOf("SELECT pg_try_advisory_lock(7)", false) {
		t.Fatal("a's block ended without releasing its lock")
	}
	// b's locks go when b does (the server notices the close at once,
	// but after the client returns).
	b.Close(ctx)
	deadline := time.Now().Add(5 * time.Second)
	for !boolOf("SELECT pg_try_advisory_lock(42)", true) {
		if time.Now().After(deadline) {
			t.Fatal("a session's locks outlived it")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !boolOf("SELECT pg_try_advisory_lock(7)", true) {
		t.Fatal("a session's locks outlived it")
	}
}
