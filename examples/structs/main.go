// Command structs serves a Go slice of structs as a PostgreSQL table:
//
//	go run ./examples/structs
//	psql -h 127.0.0.1 -p 5434 -c "SELECT name, price FROM products WHERE in_stock ORDER BY price"
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/riffq/riffq"
	"github.com/riffq/riffq/sources"
)

// Product is one row of the products table; its fields become columns.
type Product struct {
	ID       int64
	Name     string
	Price    float64
	InStock  bool
	Added    time.Time
	Discount *float64 // NULL when nil
	Internal string   `riffq:"-"`
}

func products() []Product {
	half := 0.5
	day := func(d int) time.Time { return time.Date(2024, 1, d, 12, 0, 0, 0, time.UTC) }
	return []Product{
		{1, "keyboard", 49.9, true, day(2), nil, "x"},
		{2, "mouse", 19.5, true, day(3), &half, "x"},
		{3, "monitor", 189, false, day(5), nil, "x"},
		{4, "cable", 4.25, true, day(8), nil, "x"},
	}
}

// run serves the table at addr until ctx is done.
func run(ctx context.Context, addr string, logger *slog.Logger) error {
	tbl, err := sources.FromStructs(products())
	if err != nil {
		return err
	}
	srv := riffq.NewServer(riffq.WithAddr(addr), riffq.WithLogger(logger), riffq.WithTable("products", tbl))
	return srv.ListenAndServe(ctx)
}

func main() {
	addr := flag.String("listen", "127.0.0.1:5434", "address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *addr, slog.Default()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
