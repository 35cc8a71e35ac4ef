package riffq_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestCopyFrom loads an in-memory table with COPY FROM STDIN in text, CSV
// and binary format (pgx's CopyFrom), and checks that a bad row stores
// nothing and that read-only tables refuse COPY.
func TestCopyFrom(t *testing.T) {
	conn := connect(t, startServer(t))
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "CREATE TABLE loaded (id int NOT NULL, name text, amount numeric(10,2), day date, at timestamptz, ok bool)"); err != nil {
		t.Fatal(err)
	}
	text := "1\tann\t10.50\t2024-01-02\t2024-01-02 03:04:05+00\tt\n2\t\\N\t-3\t\\N\t\\N\tf\n3\ttab\\there\t0\t2024-02-29\t2024-02-29 23:59:59.5+00\t\\N\n" +
		"\\.\n99\tafter the end marker\t0\t\\N\t\\N\t\\N\n" // not data, as in PostgreSQL
	tag, err := conn.PgConn().CopyFrom(ctx, strings.NewReader(text), "COPY loaded FROM STDIN")
	if err != nil || tag.String() != "COPY 3" {
		t.Fatalf("text COPY: %v, %v", tag, err)
	}
	csv := "id,name,amount\n4,\"a, \"\"quoted\"\" name\",1.25\n5,,2\n6,\"\",3\n\\.\n98,after,1\n"
	tag, err = conn.PgConn().CopyFrom(ctx, strings.NewReader(csv), "COPY loaded (id, name, amount) FROM STDIN WITH (FORMAT csv, HEADER)")
	if err != nil || tag.String() != "COPY 3" {
		t.Fatalf("CSV COPY: %v, %v", tag, err)
	}
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"loaded"}, []string{"id", "name", "day", "at", "ok"},
		pgx.CopyFromRows([][]any{{int32(7), "bin", at, at, true}, {int32(8), nil, nil, nil, false}}))
	if err != nil || n != 2 {
		t.Fatalf("binary COPY: %d, %v", n, err)
	}
	rows, err := conn.Query(ctx, "SELECT id, coalesce(name, '<null>'), coalesce(amount::text, '<null>'), coalesce(day::text, '<null>'), coalesce(at::text, '<null>'), coalesce(ok::text, '<null>') FROM loaded ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var id int32
		var name, amount, day, ts, ok string
		if err := rows.Scan(&id, &name, &amount, &day, &ts, &ok); err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join([]string{name, amount, day, ts, ok}, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"ann|10.50|2024-01-02|2024-01-02 03:04:05+00|true",
		"<null>|-3.00|<null>|<null>|false",
		"tab\there|0.00|2024-02-29|2024-02-29 23:59:59.5+00|<null>",
		`a, "quoted" name|1.25|<null>|<null>|<null>`,
		"<null>|2.00|<null>|<null>|<null>",
		"|3.00|<null>|<null>|<null>",
		"bin|<null>|2024-03-01|2024-03-01 12:00:00+00|true",
		"<null>|<null>|<null>|<null>|false",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("loaded rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A bad value fails the COPY and stores none of its rows.
	_, err = conn.PgConn().CopyFrom(ctx, strings.NewReader("9\tok\t1\t\\N\t\\N\t\\N\nten\tbad\t1\t\\N\t\\N\t\\N\n"), "COPY loaded FROM STDIN")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "22P02" {
		t.Fatalf("bad row: got %v, want 22P02", err)
	}
	_, err = conn.PgConn().CopyFrom(ctx, strings.NewReader("9\tok\n"), "COPY loaded FROM STDIN")
	if !errors.As(err, &pgErr) || pgErr.Code != "22P04" {
		t.Fatalf("short row: got %v, want 22P04", err)
	}
	var count int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM loaded").Scan(&count); err != nil || count != 8 {
		t.Fatalf("after failed COPYs: %d rows, %v", count, err)
	}
	_, err = conn.PgConn().CopyFrom(ctx, strings.NewReader("x\n"), "COPY candles FROM STDIN")
	if !errors.As(err, &pgErr) || pgErr.Code != "0A000" {
		t.Fatalf("COPY into a Parquet table: got %v, want 0A000", err)
	}
}
