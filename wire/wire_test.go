package wire

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
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
// "rows N" returns N bigint rows, "sleep" blocks until canceled, "slow"
// takes twice watchAfter, "fail"
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

func (f fakeStmt) Command() (string, TxEffect) {
	switch f {
	case "begin":
		return "BEGIN", TxBegin
	case "commit":
		return "COMMIT", TxCommit
	case "rollback":
		return "ROLLBACK", TxRollback
	}
	return strings.ToUpper(strings.Fields(string(f))[0]), TxNone
}

// Prepare supports one statement; "rows $1" takes the row count as a
// parameter.
func (fakeHandler) Prepare(_ context.Context, _ *Session, sql string, _ []uint32) (Prepared, error) {
	if strings.TrimSpace(sql) == "" {
		return nil, nil
	}
	return fakePrepared(strings.TrimSpace(sql)), nil
}

type fakePrepared string

func (f fakePrepared) Command() (string, TxEffect) { return fakeStmt(f).Command() }

func (f fakePrepared) ParamOIDs() []uint32 {
	if strings.Contains(string(f), "$1") {
		return []uint32{20}
	}
	return nil
}

func (f fakePrepared) Schema() *arrow.Schema {
	if strings.HasPrefix(string(f), "rows") {
		return arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	}
	return nil
}

func (f fakePrepared) Bind(_ context.Context, _ *Session, params [][]byte, formats []int16) (Statement, error) {
	sql := string(f)
	if len(params) == 1 {
		v := string(params[0])
		if len(formats) > 0 && formats[0] == 1 {
			v = strconv.FormatInt(int64(binary.BigEndian.Uint64(params[0])), 10)
		}
		sql = strings.ReplaceAll(sql, "$1", v)
	}
	return fakeStmt(sql), nil
}

func (f fakeStmt) Execute(ctx context.Context, _ *Session) (*Result, error) {
	switch {
	case f == "sleep":
		<-ctx.Done()
		return nil, ctx.Err()
	case f == "slow":
		select {
		case <-time.After(2 * watchAfter):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	case f == "timedout":
		// A source that read its context's cause.
		return nil, fmt.Errorf("read http://x/y.csv: %w", errStatementTimeout)
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
}

func TestExtendedProtocol(t *testing.T) {
	_, addr := startFake(t)
	conn := dial(t, addr, "disable")
	ctx := context.Background()

	// Unnamed statement, text parameter, binary result.
	rr := conn.ExecParams(ctx, "rows $1", [][]byte{[]byte("3")}, nil, nil, []int16{1}).Read()
	if rr.Err != nil {
		t.Fatal(rr.Err)
	}
	if len(rr.Rows) != 3 || binary.BigEndian.Uint64(rr.Rows[2][0]) != 2 || rr.FieldDescriptions[0].Format != 1 {
		t.Errorf("binary rows: %v", rr.Rows)
	}

	// Named statement: Describe reports parameter and result types.
	sd, err := conn.Prepare(ctx, "s1", "rows $1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sd.ParamOIDs) != 1 || sd.ParamOIDs[0] != 20 || len(sd.Fields) != 1 || sd.Fields[0].DataTypeOID != 20 {
		t.Errorf("describe: params %v fields %v", sd.ParamOIDs, sd.Fields)
	}
	var param [8]byte
	binary.BigEndian.PutUint64(param[:], 5)
	rr = conn.ExecPrepared(ctx, "s1", [][]byte{param[:]}, []int16{1}, nil).Read()
	if rr.Err != nil || len(rr.Rows) != 5 || rr.CommandTag.String() != "SELECT 5" {
		t.Errorf("prepared: %d rows, tag %s, %v", len(rr.Rows), rr.CommandTag, rr.Err)
	}
	if _, err := conn.Prepare(ctx, "s1", "rows 1", nil); err == nil {
		t.Error("preparing s1 twice succeeded")
	}

	// An error skips to Sync; the session goes on.
	rr = conn.ExecParams(ctx, "fail", nil, nil, nil, nil).Read()
	var pe *pgconn.PgError
	if !errors.As(rr.Err, &pe) || pe.Code != "42P01" {
		t.Errorf("extended error: got %v", rr.Err)
	}
	if rr := conn.ExecParams(ctx, "rows 2", nil, nil, nil, nil).Read(); rr.Err != nil || len(rr.Rows) != 2 {
		t.Fatalf("after error: %v", rr.Err)
	}
}

// TestPortalSuspended drives Execute with a row limit by hand: the portal
// answers PortalSuspended until its rows run out.
func TestPortalSuspended(t *testing.T) {
	_, addr := startFake(t)
	fe := rawSession(t, addr)
	fe.Send(&pgproto3.Parse{Query: "rows 5"})
	fe.Send(&pgproto3.Bind{})
	fe.Send(&pgproto3.Execute{MaxRows: 2})
	fe.Send(&pgproto3.Execute{MaxRows: 2})
	fe.Send(&pgproto3.Execute{MaxRows: 2})
	fe.Send(&pgproto3.Sync{})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		switch m := msg.(type) {
		case *pgproto3.DataRow:
			got = append(got, string(m.Values[0]))
		case *pgproto3.PortalSuspended:
			got = append(got, "suspended")
		case *pgproto3.CommandComplete:
			got = append(got, string(m.CommandTag))
		case *pgproto3.ReadyForQuery:
			// The tag counts the last Execute's rows, as PostgreSQL's.
			want := "0 1 suspended 2 3 suspended 4 SELECT 1"
			if strings.Join(got, " ") != want {
				t.Errorf("got %q, want %q", strings.Join(got, " "), want)
			}
			return
		}
	}
}

func rawSession(t *testing.T, addr string, params ...string) *pgproto3.Frontend {
	t.Helper()
	_, fe := rawConn(t, addr)
	startup := map[string]string{"user": "u"}
	for i := 0; i+1 < len(params); i += 2 {
		startup[params[i]] = params[i+1]
	}
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: startup})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	untilReady(t, fe)
	return fe
}

// rawConn dials addr for a test that speaks the protocol by hand; the
// connection is closed when the test ends.
func rawConn(t *testing.T, addr string) (net.Conn, *pgproto3.Frontend) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc, pgproto3.NewFrontend(nc, nc)
}

// untilReady receives messages up to and including ReadyForQuery.
func untilReady(t *testing.T, fe *pgproto3.Frontend) {
	t.Helper()
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
			return
		}
	}
}

// wantFatal receives the next message and fails the test unless it is a
// FATAL error with the given SQLSTATE.
func wantFatal(t *testing.T, fe *pgproto3.Frontend, code string) {
	t.Helper()
	msg, err := fe.Receive()
	if err != nil {
		t.Fatal(err)
	}
	if er, ok := msg.(*pgproto3.ErrorResponse); !ok || er.Code != code || er.Severity != "FATAL" {
		t.Fatalf("got %#v, want FATAL %s", msg, code)
	}
}

// TestTransactionStates checks ReadyForQuery's status through a block that
// fails: T, then E with 25P02 for every statement, until ROLLBACK.
func TestTransactionStates(t *testing.T) {
	_, addr := startFake(t)
	conn := dial(t, addr, "disable")
	ctx := context.Background()
	steps := []struct {
		sql    string
		code   string
		status byte
	}{
		{"rows 1", "", 'I'},
		{"begin", "", 'T'},
		{"rows 1", "", 'T'},
		{"fail", "42P01", 'E'},
		{"rows 1", "25P02", 'E'},
		{"commit", "", 'I'}, // reports ROLLBACK
		{"begin", "", 'T'},
		{"rollback", "", 'I'},
	}
	for _, st := range steps {
		res, err := conn.Exec(ctx, st.sql).ReadAll()
		var pe *pgconn.PgError
		switch {
		case st.code == "" && err != nil:
			t.Fatalf("%s: %v", st.sql, err)
		case st.code != "" && (!errors.As(err, &pe) || pe.Code != st.code):
			t.Fatalf("%s: got %v, want %s", st.sql, err, st.code)
		}
		if got := conn.TxStatus(); got != st.status {
			t.Fatalf("after %s: status %c, want %c", st.sql, got, st.status)
		}
		if st.sql == "commit" && res[0].CommandTag.String() != "ROLLBACK" {
			t.Errorf("COMMIT of a failed block: tag %s, want ROLLBACK", res[0].CommandTag)
		}
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
	fe := rawSession(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	wantFatal(t, fe, pgerror.AdminShutdown)
}

// A session running a query when the server stops gets one FATAL 57P01
// and the end of the connection, as from PostgreSQL: no ERROR first, no
// ReadyForQuery after.
func TestShutdownDuringQuery(t *testing.T) {
	srv, addr := startFake(t)
	fe := rawSession(t, addr)
	fe.Send(&pgproto3.Query{String: "sleep"})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // the query is running
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	wantFatal(t, fe, pgerror.AdminShutdown)
	if msg, err := fe.Receive(); err == nil {
		t.Fatalf("after the FATAL: %#v", msg)
	}
}

// A client that goes away while its statement runs has the statement
// canceled: the session ends instead of running on for no one.
func TestClientGoneCancelsStatement(t *testing.T) {
	srv, addr := startFake(t)
	nc, fe := rawConn(t, addr)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": "u", "database": "d"}})
	fe.Send(&pgproto3.Query{String: "sleep"})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for srv.sessionCount() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the session did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	nc.Close()
	for srv.sessionCount() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the statement of a client that left is still running")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A statement that outlives the watch's delay, with a message pipelined
// behind it, leaves the message for the session to read.
func TestWatchKeepsPipelinedBytes(t *testing.T) {
	_, addr := startFake(t)
	fe := rawSession(t, addr)
	fe.Send(&pgproto3.Query{String: "slow"})
	fe.Send(&pgproto3.Query{String: "rows 2"})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	var rows, ready int
	for ready < 2 {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		switch m := msg.(type) {
		case *pgproto3.DataRow:
			rows++
		case *pgproto3.ReadyForQuery:
			ready++
		case *pgproto3.ErrorResponse:
			t.Fatalf("error %s: %s", m.Code, m.Message)
		}
	}
	if rows != 2 {
		t.Fatalf("%d rows, want 2", rows)
	}
}

// A statement failing with statement_timeout's cause, as an HTTP read
// reports it, is 57014 as any statement the timeout ends.
func TestStatementTimeoutCause(t *testing.T) {
	_, addr := startFake(t)
	conn := dial(t, addr, "disable")
	_, err := conn.Exec(context.Background(), "timedout").ReadAll()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != pgerror.QueryCanceled {
		t.Fatalf("error %v, want 57014", err)
	}
}

func TestMissingUser(t *testing.T) {
	_, addr := startFake(t)
	_, fe := rawConn(t, addr)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"database": "d"}})
	fe.Flush()
	wantFatal(t, fe, "28000")
}

func TestBadStartupPacket(t *testing.T) {
	_, addr := startFake(t)
	nc, fe := rawConn(t, addr)
	// Protocol 3.0 with no terminator after the parameters.
	nc.Write([]byte{0, 0, 0, 12, 0, 3, 0, 0, 'u', 's', 'e', 'r'})
	wantFatal(t, fe, pgerror.ProtocolViolation)
}

func TestTimeouts(t *testing.T) {
	_, addr := startFake(t)
	conn := dial(t, addr, "disable")
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "set").ReadAll(); err != nil {
		t.Fatal(err)
	}
	// statement_timeout comes from the startup options here.
	conn2, err := pgconn.Connect(ctx, "postgres://u@"+addr+"/db?sslmode=disable&options=-c%20statement_timeout%3D50ms")
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close(ctx)
	start := time.Now()
	_, err = conn2.Exec(ctx, "sleep").ReadAll()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != pgerror.QueryCanceled || !strings.Contains(pe.Message, "statement timeout") {
		t.Fatalf("got %v, want 57014 statement timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("timeout took %v", d)
	}
	if _, err := conn2.Exec(ctx, "rows 1").ReadAll(); err != nil {
		t.Fatalf("after timeout: %v", err)
	}

	// idle_session_timeout ends an idle session with FATAL 57P05.
	fe := rawSession(t, addr, "idle_session_timeout", "100")
	wantFatal(t, fe, "57P05")
}

// TestProtocolNegotiation checks that a client asking for a newer 3.x
// protocol, with protocol options, is answered with
// NegotiateProtocolVersion and served protocol 3.0, and that protocol 2.0
// is refused.
func TestProtocolNegotiation(t *testing.T) {
	_, addr := startFake(t)
	_, fe := rawConn(t, addr)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: 3<<16 | 9, Parameters: map[string]string{"user": "u", "_pq_.fancy": "1"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	msg, err := fe.Receive()
	if err != nil {
		t.Fatal(err)
	}
	npv, ok := msg.(*pgproto3.NegotiateProtocolVersion)
	if !ok || npv.NewestMinorProtocol != 0 || len(npv.UnrecognizedOptions) != 1 || npv.UnrecognizedOptions[0] != "_pq_.fancy" {
		t.Fatalf("got %#v, want NegotiateProtocolVersion(0, [_pq_.fancy])", msg)
	}
	untilReady(t, fe)

	nc2, fe2 := rawConn(t, addr)
	nc2.Write([]byte{0, 0, 0, 8, 0, 2, 0, 0})
	wantFatal(t, fe2, "0A000")
}

func TestRedactURLQueries(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"read csv https://b.s3/x.csv?X-Amz-Signature=abc line 5: bad", "read csv https://b.s3/x.csv?... line 5: bad"},
		{`Get "https://h/p?t=1": EOF`, `Get "https://h/p?...": EOF`},
		{"http://a/b and http://c/d?e=f", "http://a/b and http://c/d?..."},
		{"no url here", "no url here"},
	} {
		if got := redactURLQueries(tc.in); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.in, got, tc.want)
		}
	}
}
