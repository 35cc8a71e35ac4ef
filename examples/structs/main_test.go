package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/riffq/riffq/internal/exampletest"
)

func TestStructsExample(t *testing.T) {
	addr := exampletest.Serve(t, func(ctx context.Context, addr string) error {
		return run(ctx, addr, slog.New(slog.NewTextHandler(io.Discard, nil)))
	})
	conn := exampletest.Connect(t, "postgres://u@"+addr+"/shop?sslmode=disable")
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
