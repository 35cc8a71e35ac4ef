package riffq_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/riffq/riffq"
)

// TestQueryMemoryLimit checks that a query holding more than the
// per-query limit in a hash join or a window fails with 53200, that a
// sort and a grouped aggregation spill to the temporary directory instead
// (with the answers they give in memory, and nothing left there), and
// that the session and the server go on.
func TestQueryMemoryLimit(t *testing.T) {
	spilling := []string{
		"SELECT ts, symbol, close FROM candles ORDER BY close DESC, ts, symbol",
		"SELECT ts, symbol, count(*), sum(volume), max(close) FROM candles GROUP BY ts, symbol ORDER BY 1, 2",
	}
	unlimited := connect(t, startServer(t))
	dir := t.TempDir()
	conn := connect(t, startServer(t, riffq.WithQueryMemoryLimit(64<<10), riffq.WithTempDir(dir)))
	ctx := context.Background()
	for _, sql := range spilling {
		want := queryStrings(t, unlimited, sql)
		got := queryStrings(t, conn, sql)
		if len(got) != len(want) || strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%s: %d rows, want %d (first %v, want %v)", sql, len(got), len(want), got[:min(2, len(got))], want[:2])
		}
		var plan strings.Builder
		for _, line := range queryStrings(t, conn, "EXPLAIN ANALYZE "+sql) {
			plan.WriteString(line + "\n")
		}
		if !strings.Contains(plan.String(), " disk=") {
			t.Errorf("EXPLAIN ANALYZE shows no spill:\n%s", plan.String())
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("%d files left in the temporary directory", len(left))
	}
	for _, sql := range []string{
		"SELECT count(*) FROM candles a JOIN candles b ON a.close = b.close",
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

// queryStrings runs sql and returns its rows as text, columns joined by |.
func queryStrings(t *testing.T, conn *pgx.Conn, sql string) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var parts []string
		for _, raw := range rows.RawValues() {
			parts = append(parts, string(raw))
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}
