package wire

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/riffq/riffq/pgerror"
)

// fakeHandler understands a tiny language, one statement per ';':
// "rows N" returns N bigint rows, "sleep" blocks until canceled, "fail"
// fails with 42P01, "panic" panics.
type fakeHandler struct{}

type fakeStmt string

func (fakeHandler) Parse(_ context.Context, _ *Session, sql string) ([]Statement, error) {
	var out []Statement
	for _, part := range strings.Split(sql, ";") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, fakeStmt(p))
		}
	}
	return out, nil
}

func (f fakeStmt) Execute(ctx context.Context, _ *Session) (*Result, error) {
	switch {
	case f == "sleep":
		<-ctx.Done()
		return nil, ctx.Err()
	case f == "fail":
		return nil, pgerror.New(pgerror.UndefinedTable, "relation %q does not exist", "x")
	case f == "panic":
		panic("boom")
	case strings.HasPrefix(string(f), "rows "):
		n, _ := strconv.Atoi(strings.TrimPrefix(string(f), "rows "))
		schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
		b := array.NewInt64Builder(memory.DefaultAllocator)
		for i := range n {
			if i%10 == 9 {
				b.AppendNull()
			} else {
				b.Append(int64(i))
			}
		}
		col := b.NewArray()
		rec := array.NewRecordBatch(schema, []arrow.Array{col}, int64(n))
		rdr, err := array.NewRecordReader(schema, []arrow.RecordBatch{rec})
		if err != nil {
			return nil, err
		}
		return &Result{Rows: rdr, Tag: "SELECT"}, nil
	}
	return &Result{Tag: strings.ToUpper(string(f))}, nil
}

func startFake(t *testing.T) (*Server, string) {
	t.Helper()
	srv := NewServer(Config{Handler: fakeHandler{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return srv, l.Addr().String()
}

func dial(t *testing.T, addr, sslmode string) *pgconn.PgConn {
	t.Helper()
	conn, err := pgconn.Connect(context.Background(), "postgres://u@"+addr+"/db?sslmode="+sslmode)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestSessionParameters(t *testing.T) {
	_, addr := startFake(t)
	conn := dial(t, addr, "prefer") // sends SSLRequest first; 'N' lets it go on in plaintext
	for name, want := range map[string]string{
		"server_encoding": "UTF8", "client_encoding": "UTF8", "DateStyle": "ISO, MDY", "TimeZone": "UTC",
		"integer_datetimes": "on", "standard_conforming_strings": "on", "session_authorization": "u",
	} {
		if got := conn.ParameterStatus(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if !strings.HasPrefix(conn.ParameterStatus("server_version"), "15.") {
		t.Errorf("server_version = %q", conn.ParameterStatus("server_version"))
	}
	if conn.PID() == 0 || conn.SecretKey() == nil {
		t.Error("no BackendKeyData")
	}
}

func TestRowsAndErrors(t *testing.T) {
	_, addr := startFake(t)
	conn := dial(t, addr, "disable")
	ctx := context.Background()
	res, err := conn.Exec(ctx, "rows 100000; set").ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || len(res[0].Rows) != 100000 || res[0].CommandTag.String() != "SELECT 100000" || res[1].CommandTag.String() != "SET" {
		t.Fatalf("unexpected results: %d results", len(res))
	}
	if res[0].FieldDescriptions[0].DataTypeOID != 20 || string(res[0].Rows[12][0]) != "12" || res[0].Rows[9][0] != nil {
		t.Errorf("bad row data: oid %d, %q, %v", res[0].FieldDescriptions[0].DataTypeOID, res[0].Rows[12][0], res[0].Rows[9][0])
	}
	for _, sql := range []string{"fail", "panic"} {
		_, err = conn.Exec(ctx, sql).ReadAll()
		var pe *pgconn.PgError
		if !errors.As(err, &pe) {
			t.Fatalf("%s: got %v", sql, err)
		}
		if want := map[string]string{"fail": "42P01", "panic": "XX000"}[sql]; pe.Code != want {
			t.Errorf("%s: code %s, want %s", sql, pe.Code, want)
		}
		if _, err := conn.Exec(ctx, "rows 1").ReadAll(); err != nil {
			t.Fatalf("connection unusable after %s: %v", sql, err)
		}
	}
	// The extended protocol is refused with 0A000, and the session goes on.
	rr := conn.ExecParams(ctx, "rows 1", nil, nil, nil, nil).Read()
	var pe *pgconn.PgError
	if !errors.As(rr.Err, &pe) || pe.Code != "0A000" {
		t.Errorf("extended protocol: got %v", rr.Err)
	}
	if _, err := conn.Exec(ctx, "rows 2").ReadAll(); err != nil {
		t.Fatalf("after extended protocol: %v", err)
	}
}

func TestCancelRequest(t *testing.T) {
	_, addr := startFake(t)
	conn := dial(t, addr, "disable")
	ctx := context.Background()
	go func() {
		time.Sleep(100 * time.Millisecond)
		other := dial(t, addr, "disable")
		_ = other // a busy server keeps serving other sessions
		if _, err := other.Exec(ctx, "rows 1").ReadAll(); err != nil {
			t.Errorf("second session: %v", err)
		}
		if err := conn.CancelRequest(ctx); err != nil {
			t.Errorf("cancel: %v", err)
		}
	}()
	_, err := conn.Exec(ctx, "sleep").ReadAll()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != pgerror.QueryCanceled {
		t.Fatalf("got %v, want 57014", err)
	}
	if _, err := conn.Exec(ctx, "rows 1").ReadAll(); err != nil {
		t.Fatalf("after cancel: %v", err)
	}
}

func TestShutdownSendsAdminShutdown(t *testing.T) {
	srv, addr := startFake(t)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": "u"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	msg, err := fe.Receive()
	if err != nil {
		t.Fatal(err)
	}
	er, ok := msg.(*pgproto3.ErrorResponse)
	if !ok || er.Code != pgerror.AdminShutdown || er.Severity != "FATAL" {
		t.Fatalf("got %#v, want FATAL 57P01", msg)
	}
}

func TestMissingUser(t *testing.T) {
	_, addr := startFake(t)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"database": "d"}})
	fe.Flush()
	msg, err := fe.Receive()
	if err != nil {
		t.Fatal(err)
	}
	if er, ok := msg.(*pgproto3.ErrorResponse); !ok || er.Code != "28000" || er.Severity != "FATAL" {
		t.Fatalf("got %#v", msg)
	}
}

func TestBadStartupPacket(t *testing.T) {
	_, addr := startFake(t)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	// Protocol 3.0 with no terminator after the parameters.
	nc.Write([]byte{0, 0, 0, 12, 0, 3, 0, 0, 'u', 's', 'e', 'r'})
	fe := pgproto3.NewFrontend(nc, nc)
	msg, err := fe.Receive()
	if err != nil {
		t.Fatal(err)
	}
	if er, ok := msg.(*pgproto3.ErrorResponse); !ok || er.Code != pgerror.ProtocolViolation || er.Severity != "FATAL" {
		t.Fatalf("got %#v", msg)
	}
}
