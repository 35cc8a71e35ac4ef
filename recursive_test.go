package riffq_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/riffq/riffq"
)

// TestRecursionLimit checks that a recursive query that does not stop
// fails with 54001 at the configured limit, that one within it runs, and
// that a LIMIT above an endless recursion stops it without error.
func TestRecursionLimit(t *testing.T) {
	conn := connect(t, startServer(t, riffq.WithRecursionLimit(50)))
	ctx := context.Background()
	_, err := conn.Exec(ctx, "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT count(*) FROM t")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "54001" || pgErr.Hint == "" {
		t.Fatalf("endless recursion: got %v, want 54001 with a hint", err)
	}
	var n int64
	if err := conn.QueryRow(ctx, "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 50) SELECT count(*) FROM t").Scan(&n); err != nil || n != 50 {
		t.Fatalf("50 iterations: %d, %v", n, err)
	}
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM (WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT n FROM t LIMIT 20) s").Scan(&n); err != nil || n != 20 {
		t.Fatalf("LIMIT over an endless recursion: %d, %v", n, err)
	}
	// A cycle under UNION stops by itself.
	if err := conn.QueryRow(ctx, "WITH RECURSIVE t(n) AS (SELECT 0 UNION SELECT (n + 1) % 7 FROM t) SELECT count(*) FROM t").Scan(&n); err != nil || n != 7 {
		t.Fatalf("cycle under UNION: %d, %v", n, err)
	}
}

// TestRecursionMemory checks that a recursion whose rows double each
// iteration hits the memory limit rather than the machine's.
func TestRecursionMemory(t *testing.T) {
	conn := connect(t, startServer(t, riffq.WithQueryMemoryLimit(1<<20)))
	_, err := conn.Exec(context.Background(), "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t, (VALUES (1), (2)) v(x)) SELECT count(*) FROM t")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "53200" {
		t.Fatalf("doubling recursion: got %v, want 53200", err)
	}
}
