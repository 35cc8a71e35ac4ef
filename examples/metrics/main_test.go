package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/riffq/riffq/internal/exampletest"
)

func TestMetricsExample(t *testing.T) {
	addr := exampletest.Serve(t, func(ctx context.Context, addr string) error {
		return run(ctx, addr, "s3cret", slog.New(slog.NewTextHandler(io.Discard, nil)))
	})
	conn := exampletest.Connect(t, "postgres://admin:s3cret@"+addr+"/app?sslmode=disable")
	ctx2 := context.Background()

	var goroutines float64
	if err := conn.QueryRow(ctx2, "SELECT value FROM runtime_metrics WHERE name = $1", "goroutines").Scan(&goroutines); err != nil || goroutines < 1 {
		t.Errorf("goroutines: %v, %v", goroutines, err)
	}
	var n int64
	if err := conn.QueryRow(ctx2, "SELECT count(*) FROM runtime_metrics WHERE unit = 'count'").Scan(&n); err != nil || n != 3 {
		t.Errorf("count: %d, %v", n, err)
	}
	// The handler's own statements, in both protocols.
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
		_, err := conn.Exec(ctx2, "select err", mode)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "42846" || pe.Message != "bad type" {
			t.Errorf("select err (mode %v): %v", mode, err)
		}
		var up string
		if err := conn.QueryRow(ctx2, "SHOW uptime", mode).Scan(&up); err != nil || up == "" {
			t.Errorf("show uptime (mode %v): %q, %v", mode, up, err)
		}
	}
	// A wrong password is refused.
	if _, err := pgx.Connect(ctx2, "postgres://admin:wrong@"+addr+"/app?sslmode=disable"); err == nil {
		t.Error("wrong password accepted")
	}
}
