package riffq_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/riffq/riffq"
)

// TestQueryMemoryLimit checks that a query holding more than the
// per-query limit in a sort, a hash join or an aggregation fails with
// 53200, and that the session and the server go on.
func TestQueryMemoryLimit(t *testing.T) {
	conn := connect(t, startServer(t, riffq.WithQueryMemoryLimit(64<<10)))
	ctx := context.Background()
	for _, sql := range []string{
		"SELECT * FROM candles ORDER BY close",
		"SELECT count(*) FROM candles a JOIN candles b ON a.close = b.close",
		"SELECT ts, count(*) FROM candles GROUP BY ts, symbol",
		"SELECT symbol, row_number() OVER (ORDER BY ts) FROM candles",
	} {
		_, err := conn.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "53200" || pgErr.Message != "out of memory" {
			t.Errorf("%s: got %v, want 53200 out of memory", sql, err)
			continue
		}
		if pgErr.Detail == "" || pgErr.Hint == "" {
			t.Errorf("%s: want a detail and a hint, got %+v", sql, pgErr)
		}
	}
	// Queries that stream, or hold little, still run on the same session.
	var n int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM candles WHERE close > 100").Scan(&n); err != nil || n == 0 {
		t.Fatalf("count after 53200: %d, %v", n, err)
	}
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM (SELECT symbol FROM symbols ORDER BY 1) s").Scan(&n); err != nil || n != 8 {
		t.Fatalf("small sort after 53200: %d, %v", n, err)
	}
}
