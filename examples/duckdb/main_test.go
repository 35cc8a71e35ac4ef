//go:build cgo && duckdb_arrow

package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/riffq/riffq/internal/exampletest"
)

// selfSigned returns a certificate for 127.0.0.1, valid for an hour.
func selfSigned(t *testing.T) *tls.Config {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
}

func TestDuckDBExample(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shop.duckdb")
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE orders AS SELECT range AS id, 'c' || (range % 5) AS customer, range * 2.5 AS total FROM range(1000)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	addr := exampletest.Serve(t, func(ctx context.Context, addr string) error {
		cfg := config{addr: addr, db: path, password: "s3cret", tls: selfSigned(t)}
		return run(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	})
	conn := exampletest.Connect(t, "postgres://analyst:s3cret@"+addr+"/shop?sslmode=require")
	bg := context.Background()
	if !conn.PgConn().Conn().(interface{ ConnectionState() tls.ConnectionState }).ConnectionState().HandshakeComplete {
		t.Error("connection is not encrypted")
	}

	var n int64
	var sum float64
	if err := conn.QueryRow(bg, "SELECT count(*), sum(total) FROM main.orders WHERE customer = $1", "c3").Scan(&n, &sum); err != nil || n != 200 || sum != 2.5*(3+998)*200/2 {
		t.Errorf("count, sum = %d, %v (%v); want 200, %v", n, sum, err, 2.5*(3+998)*200/2)
	}
	_, err = conn.Exec(bg, "select err")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42846" || pe.Message != "bad type" {
		t.Errorf("select err: %v", err)
	}
	// The connection survives the handler's error, and plaintext and wrong
	// passwords are refused.
	if err := conn.QueryRow(bg, "SELECT max(id) FROM main.orders").Scan(&n); err != nil || n != 999 {
		t.Errorf("after the error: %d, %v", n, err)
	}
	for _, bad := range []string{
		"postgres://analyst:s3cret@" + addr + "/shop?sslmode=disable",
		"postgres://analyst:wrong@" + addr + "/shop?sslmode=require",
	} {
		if c, err := pgx.Connect(bg, bad); err == nil {
			c.Close(bg)
			t.Errorf("%s: accepted", bad)
		}
	}
}
