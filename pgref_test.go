package riffq_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/riffq/riffq/internal/pgload"
	"github.com/riffq/riffq/sources"
)

// loadReference copies the tables into a reference PostgreSQL so the same
// queries can run there.
func loadReference(t *testing.T, conn *pgx.Conn, tables map[string]sources.TableProvider) {
	t.Helper()
	names := make([]string, 0, len(tables))
	for name := range tables {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		n, err := pgload.CopyTable(context.Background(), conn, name, tables[name])
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("loaded %s: %d rows", name, n)
	}
}
