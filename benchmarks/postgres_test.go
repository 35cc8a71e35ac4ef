package benchmarks

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/riffq/riffq"
	"github.com/riffq/riffq/internal/pgtest"
	"github.com/riffq/riffq/sources/postgres"
)

// remoteRows is the size of the remote PostgreSQL benchmark table.
const remoteRows = 1_000_000

// remoteQueries run through riffq's postgres source and in PostgreSQL
// itself.
var remoteQueries = []struct{ name, sql string }{
	{"scan", "SELECT id, customer, qty, price FROM orders"},
	{"filter", "SELECT id, price FROM orders WHERE qty = 7 AND customer > 'c3'"},
	{"groupby", "SELECT customer, count(*), sum(qty), max(price) FROM orders GROUP BY customer"},
}

// BenchmarkPostgresSource compares riffq serving a remote PostgreSQL table
// (projection and filters pushed down, binary results decoded into Arrow)
// with the same queries sent to PostgreSQL directly, both read by pgx.
func BenchmarkPostgresSource(b *testing.B) {
	pg := pgtest.ForTest(b)
	ctx := context.Background()
	direct, err := pgx.Connect(ctx, pg.URL())
	if err != nil {
		b.Fatal(err)
	}
	defer direct.Close(ctx)
	if _, err := direct.Exec(ctx, `CREATE TABLE orders AS SELECT g::bigint AS id, 'c' || (g % 50) AS customer,
		(g % 100)::int AS qty, ((g % 1000) * 1.5)::float8 AS price FROM generate_series(1, $1::int) g`, remoteRows); err != nil {
		b.Fatal(err)
	}
	src, err := postgres.Open(ctx, pg.URL(), postgres.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	addr := startServer(b, riffq.WithTable("orders", src.Tables()[0]))
	viaRiffq, err := pgx.Connect(ctx, "postgres://bench@"+addr+"/riffq?sslmode=disable")
	if err != nil {
		b.Fatal(err)
	}
	defer viaRiffq.Close(ctx)
	for _, target := range []struct {
		name string
		conn *pgx.Conn
	}{{"riffq", viaRiffq}, {"postgres", direct}} {
		for _, q := range remoteQueries {
			b.Run(target.name+"/"+q.name, func(b *testing.B) { loop(b, target.conn, q.sql) })
		}
	}
}
