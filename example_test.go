package riffq_test

import (
	"context"
	"fmt"
	"net"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5"

	"github.com/riffq/riffq"
	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/sources"
)

// Serve a slice of structs as a table and query it over the wire.
func ExampleNewServer() {
	type city struct {
		Name       string
		Population int64
	}
	tbl, err := sources.FromStructs([]city{{"Lisbon", 545923}, {"Porto", 231962}, {"Braga", 193333}})
	if err != nil {
		panic(err)
	}
	srv := riffq.NewServer(riffq.WithTable("cities", tbl))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())

	conn, err := pgx.Connect(context.Background(), "postgres://me@"+l.Addr().String()+"/geo")
	if err != nil {
		panic(err)
	}
	defer conn.Close(context.Background())
	var name string
	var pop int64
	err = conn.QueryRow(context.Background(), "SELECT name, population FROM cities WHERE population < $1 ORDER BY population DESC LIMIT 1", 500000).Scan(&name, &pop)
	if err != nil {
		panic(err)
	}
	fmt.Println(name, pop)
	// Output: Porto 231962
}

// versionHandler answers one statement itself and leaves the rest to the
// engine.
type versionHandler struct{}

func (versionHandler) Describe(ctx context.Context, q *riffq.Query) (*arrow.Schema, error) {
	if q.SQL == "SELECT forbidden" {
		return nil, pgerror.New("42501", "permission denied")
	}
	return nil, riffq.ErrNotHandled
}

func (h versionHandler) Query(ctx context.Context, q *riffq.Query) (*riffq.Result, error) {
	_, err := h.Describe(ctx, q)
	return nil, err
}

// A query handler sees every statement first.
func ExampleWithQueryHandler() {
	srv := riffq.NewServer(riffq.WithQueryHandler(versionHandler{}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())

	conn, err := pgx.Connect(context.Background(), "postgres://me@"+l.Addr().String()+"/app")
	if err != nil {
		panic(err)
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(context.Background(), "SELECT forbidden")
	fmt.Println(err)
	var n int32
	_ = conn.QueryRow(context.Background(), "SELECT 40 + 2").Scan(&n)
	fmt.Println(n)
	// Output:
	// ERROR: permission denied (SQLSTATE 42501)
	// 42
}
