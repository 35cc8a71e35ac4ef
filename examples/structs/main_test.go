package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestStructsExample(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, addr, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	var conn *pgx.Conn
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if conn, err = pgx.Connect(context.Background(), "postgres://u@"+addr+"/shop?sslmode=disable"); err == nil {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal(err)
		}
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(), "SELECT name, price, discount, added FROM products WHERE in_stock AND price < $1 ORDER BY price", 100.0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var name string
		var price float64
		var discount *float64
		var added time.Time
		if err := rows.Scan(&name, &price, &discount, &added); err != nil {
			t.Fatal(err)
		}
		got = append(got, name)
		if name == "mouse" && (discount == nil || *discount != 0.5 || added.Day() != 3) {
			t.Errorf("mouse: discount %v, added %v", discount, added)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != "cable" || got[2] != "keyboard" {
		t.Errorf("got %v", got)
	}
}
