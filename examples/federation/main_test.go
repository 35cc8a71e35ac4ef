package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/riffq/riffq/internal/exampletest"
	"github.com/riffq/riffq/internal/pgtest"
)

func TestFederationExample(t *testing.T) {
	pg := pgtest.ForTest(t)
	bg := context.Background()
	remote, err := pgx.Connect(bg, pg.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer remote.Close(bg)
	if _, err := remote.Exec(bg, `CREATE SCHEMA crm;
		CREATE TABLE crm.accounts (symbol text, owner text);
		INSERT INTO crm.accounts VALUES ('AAPL', 'alice'), ('MSFT', 'bob'), ('AMZN', 'alice'), ('XXXX', 'carol');`); err != nil {
		t.Fatal(err)
	}
	var apiDown atomic.Bool
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if apiDown.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `[{"symbol": "AAPL", "price": 190.5, "updated": "2024-06-01T12:00:00Z"},
			{"symbol": "MSFT", "price": 410.25, "updated": "2024-06-01T12:00:05Z"},
			{"symbol": "TSLA", "price": 180, "updated": "2024-06-01T12:00:07Z"}]`)
	}))
	defer api.Close()

	addr := exampletest.Serve(t, func(ctx context.Context, addr string) error {
		cfg := config{addr: addr, parquetDir: "../../testdata/sample", postgresURL: pg.URL(), apiURL: api.URL}
		return run(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	})
	conn := exampletest.Connect(t, "postgres://u@"+addr+"/db?sslmode=disable")
	// One query over the three: remote accounts, API prices, Parquet candles.
	rows, err := conn.Query(bg, `
		SELECT a.owner, a.symbol, q.price, count(c.close) > 0
		FROM crm.accounts a
		JOIN quotes q ON q.symbol = a.symbol
		JOIN candles c ON c.symbol = a.symbol
		GROUP BY 1, 2, 3 ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		owner, symbol string
		price         float64
		hasCandles    bool
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.owner, &x.symbol, &x.price, &x.hasCandles)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []row{{"alice", "AAPL", 190.5, true}, {"bob", "MSFT", 410.25, true}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: %v, want %v", i, got[i], want[i])
		}
	}

	// A failing API is a query error; the session goes on.
	apiDown.Store(true)
	_, err = conn.Exec(bg, "SELECT * FROM quotes")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "58030" {
		t.Errorf("API down: %v, want 58030", err)
	}
	var n int
	if err := conn.QueryRow(bg, "SELECT count(*) FROM crm.accounts").Scan(&n); err != nil || n != 4 {
		t.Errorf("after the API error: %d, %v", n, err)
	}
}
