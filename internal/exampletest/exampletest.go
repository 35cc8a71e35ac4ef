// Package exampletest runs an example server for its test: on a free local
// port, stopped (and its error checked) when the test ends.
package exampletest

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Serve runs run(ctx, addr) on a free local port until the test ends, and
// returns the address.
func Serve(t *testing.T, run func(ctx context.Context, addr string) error) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, addr) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return addr
}

// Connect connects to url, retrying while the server starts; a PostgreSQL
// error (a refused login, say) fails at once. The connection closes when
// the test ends.
func Connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		conn, err := pgx.Connect(context.Background(), url)
		if err == nil {
			t.Cleanup(func() { conn.Close(context.Background()) })
			return conn
		}
		var pe *pgconn.PgError
		if errors.As(err, &pe) || time.Since(start) > 10*time.Second {
			t.Fatal(err)
		}
	}
}
