package riffq_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/lib/pq"

	"github.com/riffq/riffq"
	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/sources"
)

// TestLibPQ uses database/sql with lib/pq, which sends every
// parameterized query as an unnamed prepared statement with text values.
func TestLibPQ(t *testing.T) {
	db, err := sql.Open("postgres", startServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	var vol int64
	if err := db.QueryRow("SELECT count(*), sum(volume) FROM candles WHERE symbol = $1 AND close > $2", "AAPL", 200.5).Scan(&n, &vol); err != nil {
		t.Fatal(err)
	}
	if n != 457 || vol != 231281273 { // PostgreSQL 15 answers the same
		t.Errorf("got %d rows, volume %d", n, vol)
	}
	_, err = db.Exec("SELECT nosuch FROM candles")
	var pe *pq.Error
	if !errors.As(err, &pe) || pe.Code != "42703" {
		t.Errorf("error: got %v", err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	var name string
	if err := tx.QueryRow("SELECT name FROM symbols WHERE symbol = $1", "GOOG").Scan(&name); err != nil || name != `Alphabet Inc. "Class C"` {
		t.Errorf("in transaction: %q, %v", name, err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
}

// TestPgxBatch sends several statements in one pipeline (many Parse, Bind
// and Execute messages before one Sync).
func TestPgxBatch(t *testing.T) {
	conn, err := pgx.Connect(context.Background(), startServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	b := &pgx.Batch{}
	b.Queue("SELECT count(*) FROM candles WHERE symbol = $1", "MSFT")
	b.Queue("SELECT max(close) FROM candles WHERE symbol = $1", "NVDA")
	b.Queue("SELECT symbol FROM symbols WHERE NOT active")
	br := conn.SendBatch(context.Background(), b)
	var count int64
	var maxClose float64
	var sym string
	if err := br.QueryRow().Scan(&count); err != nil {
		t.Fatal(err)
	}
	if err := br.QueryRow().Scan(&maxClose); err != nil {
		t.Fatal(err)
	}
	if err := br.QueryRow().Scan(&sym); err != nil {
		t.Fatal(err)
	}
	if err := br.Close(); err != nil {
		t.Fatal(err)
	}
	if count != 720 || maxClose != 148.56 || sym != "TWTR" {
		t.Errorf("batch results: %d, %v, %s", count, maxClose, sym)
	}
}

// endless is a table whose scan yields a batch every 10ms until canceled,
// standing in for a long query.
type endless struct{}

var endlessSchema = arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)

func (endless) Schema() *arrow.Schema { return endlessSchema }

func (endless) Scan(ctx context.Context, req sources.ScanRequest) (array.RecordReader, error) {
	schema := sources.ProjectSchema(endlessSchema, req.Projection)
	return batchio.NewReader(schema, func() (arrow.RecordBatch, error) {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
		cols := []arrow.Array{}
		if len(schema.Fields()) == 1 {
			b := array.NewInt64Builder(memory.DefaultAllocator)
			b.AppendValues([]int64{1, 2, 3}, nil)
			cols = append(cols, b.NewArray())
		}
		return array.NewRecordBatch(schema, cols, 3), nil
	}, nil), nil
}

// TestCursorFetchCancel: a FETCH from a cursor whose query runs long ends
// with 57014 on statement_timeout and on a cancel request, as any other
// statement does (the cursor's query runs under a context of its own).
func TestCursorFetchCancel(t *testing.T) {
	url := startServer(t, riffq.WithTable("endless", endless{}))
	conn := connect(t, url)
	ctx := context.Background()
	for _, sql := range []string{"BEGIN", "SET statement_timeout = '200ms'", "DECLARE c CURSOR FOR SELECT count(*) FROM endless"} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	start := time.Now()
	_, err := conn.Exec(ctx, "FETCH 1 FROM c")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" || !strings.Contains(pe.Message, "statement timeout") {
		t.Fatalf("FETCH past statement_timeout: %v, want 57014", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("timeout took %v", time.Since(start))
	}
	for _, sql := range []string{"ROLLBACK", "RESET statement_timeout", "BEGIN", "DECLARE c CURSOR FOR SELECT count(*) FROM endless"} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	timer := time.AfterFunc(200*time.Millisecond, func() { _ = conn.PgConn().CancelRequest(ctx) })
	defer timer.Stop()
	_, err = conn.Exec(ctx, "MOVE 1 IN c")
	if !errors.As(err, &pe) || pe.Code != "57014" || !strings.Contains(pe.Message, "user request") {
		t.Fatalf("canceled MOVE: %v, want 57014", err)
	}
}

// TestPgxContextCancel cancels a running query through its context: pgx
// sends a CancelRequest and the query ends with 57014 while the server
// keeps serving.
func TestPgxContextCancel(t *testing.T) {
	url := startServer(t, riffq.WithTable("endless", endless{}))
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	var n int64
	start := time.Now()
	err = conn.QueryRow(ctx, "SELECT count(*) FROM endless").Scan(&n)
	if err == nil {
		t.Fatal("endless query finished")
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code != "57014" {
		t.Errorf("got %v, want 57014", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("cancel took %v", time.Since(start))
	}
	// The server is still there for a new session.
	other := connect(t, url)
	if err := other.QueryRow(context.Background(), "SELECT count(*) FROM symbols").Scan(&n); err != nil || n != 8 {
		t.Errorf("after cancel: %d, %v", n, err)
	}
}
