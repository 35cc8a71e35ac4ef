package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/riffq/riffq/sources"
	"github.com/riffq/riffq/sources/csv"
	"github.com/riffq/riffq/sources/parquet"
)

const sampleDir = "../../testdata/sample"

// runWithTimeout calls run and fails the test if it does not return: every
// case here must stop before serving.
func runWithTimeout(t *testing.T, args ...string) (int, string) {
	t.Helper()
	type ret struct {
		code   int
		stderr string
	}
	done := make(chan ret, 1)
	go func() {
		var stderr bytes.Buffer
		code := run(args, &stderr)
		done <- ret{code, stderr.String()}
	}()
	select {
	case r := <-done:
		return r.code, r.stderr
	case <-time.After(30 * time.Second):
		t.Fatalf("run(%q) did not return", args)
		return 0, ""
	}
}

func lines(s string) []string {
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.parquet")
	for _, f := range []string{junk, filepath.Join(dir, "junk2.parquet")} {
		if err := os.WriteFile(f, []byte("not parquet"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mixed := t.TempDir()
	if err := os.WriteFile(filepath.Join(mixed, "bad.parquet"), []byte("not parquet"), 0o644); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(sampleDir, "candles.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mixed, "candles.parquet"), good, 0o644); err != nil {
		t.Fatal(err)
	}
	// A port in use makes listening fail after the sources are opened.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	inUse := busy.Addr().String()
	tests := []struct {
		name      string
		args      []string
		code      int
		oneLine   bool     // stderr must be exactly one line
		wantInErr []string // substrings of stderr
	}{
		{name: "unknown flag", args: []string{"--nosuch"}, code: 2, oneLine: true, wantInErr: []string{"riffq: ", "flag provided but not defined: -nosuch"}},
		{name: "flag without value", args: []string{"--source"}, code: 2, oneLine: true, wantInErr: []string{"flag needs an argument: -source"}},
		{name: "unexpected argument", args: []string{"--source", "parquet:" + sampleDir, "extra"}, code: 2, oneLine: true, wantInErr: []string{`unexpected argument "extra"`}},
		{name: "listen without a port", args: []string{"--listen", "localhost", "--source", "parquet:" + sampleDir}, code: 2, oneLine: true, wantInErr: []string{`--listen "localhost": want HOST:PORT`}},
		{name: "listen on a bad port", args: []string{"--listen", "127.0.0.1:99999"}, code: 2, oneLine: true, wantInErr: []string{`port "99999"`}},
		{name: "bad log level", args: []string{"--log-level", "loud"}, code: 2, oneLine: true, wantInErr: []string{`--log-level "loud"`}},
		{name: "unknown kind", args: []string{"--source", "nosuchkind:x"}, code: 2, oneLine: true, wantInErr: []string{"riffq: ", `unknown kind "nosuchkind"`}},
		{name: "named source of unknown kind", args: []string{"--source", "t=json:x"}, code: 2, oneLine: true, wantInErr: []string{`unknown kind "json"`}},
		{name: "missing colon", args: []string{"--source", "parquet"}, code: 2, oneLine: true, wantInErr: []string{"[NAME=]KIND:PATH"}},
		{name: "empty name", args: []string{"--source", "=csv:x.csv"}, code: 2, oneLine: true, wantInErr: []string{"empty table name"}},
		{name: "missing path", args: []string{"--source", "parquet:/nonexistent"}, code: 2, oneLine: true, wantInErr: []string{"riffq: parquet source", "/nonexistent"}},
		{name: "glob without match", args: []string{"--source", "csv:" + filepath.Join(dir, "*.csv")}, code: 2, oneLine: true, wantInErr: []string{"no files match"}},
		{name: "unreachable postgres", args: []string{"--source", "postgres:postgres://nobody@127.0.0.1:1/db?connect_timeout=2"}, code: 2, oneLine: true, wantInErr: []string{"riffq: postgres source", "127.0.0.1"}},
		{name: "unreachable http", args: []string{"--source", "http:http://127.0.0.1:1/x.parquet"}, code: 2, oneLine: true, wantInErr: []string{"riffq: http source", "127.0.0.1:1/x.parquet"}},
		{name: "http without a file type", args: []string{"--source", "http:http://127.0.0.1:1/x.json"}, code: 2, oneLine: true, wantInErr: []string{"want a .parquet, .csv, .ndjson or .jsonl URL"}},
		{name: "bad http header", args: []string{"--http-header", "nocolon", "--source", "http:http://127.0.0.1:1/x.csv"}, code: 2, oneLine: true, wantInErr: []string{"--http-header"}},
		{name: "unknown csv option", args: []string{"--source", "csv:" + filepath.Join(sampleDir, "symbols.csv") + "?quote=x"}, code: 2, oneLine: true, wantInErr: []string{`unknown option "quote"`}},
		{name: "bad csv delimiter", args: []string{"--source", "csv:" + filepath.Join(sampleDir, "symbols.csv") + "?delimiter=ab"}, code: 2, oneLine: true, wantInErr: []string{`delimiter "ab"`}},
		{name: "parquet takes no options", args: []string{"--source", "parquet:" + sampleDir + "?sample=5"}, code: 2, oneLine: true, wantInErr: []string{`unknown option "sample"`}},
		{name: "missing duckdb file", args: []string{"--source", "duckdb:/nonexistent.duckdb"}, code: 2, oneLine: true, wantInErr: []string{"riffq: duckdb source"}},
		{name: "bad pgbench scale", args: []string{"--source", "pgbench:-3"}, code: 2, oneLine: true, wantInErr: []string{`riffq: --source "pgbench:-3": pgbench scale "-3"`}},
		{
			// The pgbench tables are registered, then listening fails.
			name: "pgbench tables",
			args: []string{"--listen", inUse, "--source", "bench=pgbench:2"},
			code: 1, wantInErr: []string{"table=bench.pgbench_accounts", "rows=200000", "table=bench.pgbench_tellers", "rows=20", "table=bench.pgbench_history"},
		},
		{name: "not a parquet file", args: []string{"--source", "parquet:" + junk}, code: 2, oneLine: true, wantInErr: []string{junk}},
		{name: "no file of a directory is readable", args: []string{"--source", "parquet:" + dir}, code: 2, wantInErr: []string{"skipping file", junk, "no file could be read"}},
		{
			// The good files are served; the bad one is named in a warning.
			name: "an unreadable file among good ones",
			args: []string{"--listen", inUse, "--source", "parquet:" + mixed},
			code: 1, wantInErr: []string{"level=WARN msg=\"skipping file\"", "bad.parquet", "table=public.candles", "riffq: listen " + inUse},
		},
		{
			name: "second source fails after the first opened",
			args: []string{"--log-level", "error", "--source", "parquet:" + sampleDir, "--source", "csv:/nonexistent.csv"},
			code: 2, oneLine: true, wantInErr: []string{"csv source", "/nonexistent.csv"},
		},
		{
			name: "two sources register the same table",
			args: []string{"--log-level", "error", "--source", "parquet:" + sampleDir, "--source", "candles=csv:" + filepath.Join(sampleDir, "symbols.csv")},
			code: 2, oneLine: true, wantInErr: []string{"candles", "already exists"},
		},
		{
			// Sources are opened, then listening fails: run returns 1.
			name: "cannot listen",
			args: []string{"--listen", inUse, "--source", "parquet:" + sampleDir, "--source", "csv:" + sampleDir},
			code: 1, wantInErr: []string{"table=public.candles", "table=public.types", "table=public.symbols", "riffq: listen " + inUse, "address already in use"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stderr := runWithTimeout(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit status %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			if tc.oneLine && (!strings.HasSuffix(stderr, "\n") || len(lines(stderr)) != 1) {
				t.Errorf("stderr is not a single line:\n%s", stderr)
			}
			for _, s := range tc.wantInErr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr does not contain %q:\n%s", s, stderr)
				}
			}
		})
	}
}

func TestRunHelp(t *testing.T) {
	code, stderr := runWithTimeout(t, "-h")
	if code != 0 {
		t.Errorf("-h exits with %d, want 0", code)
	}
	for _, s := range []string{"usage: riffq", "-source", "-listen", "-log-level"} {
		if !strings.Contains(stderr, s) {
			t.Errorf("usage does not mention %q:\n%s", s, stderr)
		}
	}
}

func TestParseSource(t *testing.T) {
	tests := []struct {
		in      string
		want    source
		wantErr string
	}{
		{in: "parquet:data/", want: source{kind: "parquet", path: "data/"}},
		{in: "csv:trades.csv", want: source{kind: "csv", path: "trades.csv"}},
		{in: "trades=csv:trades.csv", want: source{name: "trades", kind: "csv", path: "trades.csv"}},
		{in: "t=parquet:/data/*.parquet", want: source{name: "t", kind: "parquet", path: "/data/*.parquet"}},
		{in: "csv:a=b.csv", want: source{kind: "csv", path: "a=b.csv"}},
		{in: "csv:dir/x=1/y=2", want: source{kind: "csv", path: "dir/x=1/y=2"}},
		{in: "t=csv:a=b.csv", want: source{name: "t", kind: "csv", path: "a=b.csv"}},
		{in: "parquet:/x/y:z.parquet", want: source{kind: "parquet", path: "/x/y:z.parquet"}},
		{in: "postgres:postgres://u@h:5432/db?sslmode=disable", want: source{kind: "postgres", path: "postgres://u@h:5432/db?sslmode=disable"}},
		{in: "crm=postgres:host=h dbname=db", want: source{name: "crm", kind: "postgres", path: "host=h dbname=db"}},
		{in: "=csv:x.csv", wantErr: "empty table name"},
		{in: "=", wantErr: "empty table name"},
		{in: "csv", wantErr: "want [NAME=]KIND:PATH"},
		{in: "csv:", wantErr: "want [NAME=]KIND:PATH"},
		{in: "t=csv", wantErr: "want [NAME=]KIND:PATH"},
		{in: "t=csv:", wantErr: "want [NAME=]KIND:PATH"},
		{in: "", wantErr: "want [NAME=]KIND:PATH"},
		{in: ":x", wantErr: "unknown kind"},
		{in: "json:x.json", wantErr: `unknown kind "json"`},
		{in: "events=ndjson:logs/", want: source{name: "events", kind: "ndjson", path: "logs/"}},
		{in: "csv:data/x.csv?delimiter=;&header=false", want: source{kind: "csv", path: "data/x.csv", opts: "delimiter=;&header=false"}},
		{in: "t=json:x.json", wantErr: `unknown kind "json"`},
		{in: "pgbench:10", want: source{kind: "pgbench", path: "10"}},
		{in: "bench=pgbench:1", want: source{name: "bench", kind: "pgbench", path: "1"}},
		{in: "pgbench:0", wantErr: `pgbench scale "0"`},
		{in: "pgbench:ten", wantErr: `pgbench scale "ten"`},
		{in: "pgbench:1.5", wantErr: `pgbench scale "1.5"`},
		{in: "pgbench:99999", wantErr: "from 1 to 21474"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseSource(tc.in)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("parseSource(%q) = %+v, want an error", tc.in, got)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %q does not contain %q", err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.in) {
					t.Errorf("error %q does not quote the flag value %q", err, tc.in)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseSource(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("parseSource(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func countRows(t *testing.T, p sources.TableProvider) int64 {
	t.Helper()
	rdr, err := p.Scan(context.Background(), sources.ScanRequest{Projection: []int{}, Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	var n int64
	for rdr.Next() {
		n += rdr.RecordBatch().NumRows()
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

func files(t *testing.T, p sources.TableProvider) []string {
	t.Helper()
	switch p := p.(type) {
	case *csv.Table:
		return p.Files()
	case *parquet.Table:
		return p.Files()
	}
	t.Fatalf("unexpected provider %T", p)
	return nil
}

func tableNames(m map[string]sources.TableProvider) []string {
	var names []string
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func TestOpenTables(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	alpha := write("two/Alpha.csv", "id,name\n1,a\n2,b\n")
	beta := write("two/beta.CSV", "id,name\n3,c\n")
	write("two/ignored.txt", "x\n")
	write("dup/A.csv", "id\n1\n")
	write("dup/a.csv", "id\n2\n")

	t.Run("one table per file", func(t *testing.T) {
		_, tables, err := openTables(source{kind: "csv", path: filepath.Join(dir, "two")}, discard)
		if err != nil {
			t.Fatal(err)
		}
		if got := tableNames(tables); !reflect.DeepEqual(got, []string{"alpha", "beta"}) {
			t.Fatalf("tables %v, want [alpha beta]", got)
		}
		if got := files(t, tables["alpha"]); !reflect.DeepEqual(got, []string{alpha}) {
			t.Errorf("alpha reads %v", got)
		}
		if got := files(t, tables["beta"]); !reflect.DeepEqual(got, []string{beta}) {
			t.Errorf("beta reads %v", got)
		}
		if n := countRows(t, tables["alpha"]); n != 2 {
			t.Errorf("alpha has %d rows, want 2", n)
		}
		if n := countRows(t, tables["beta"]); n != 1 {
			t.Errorf("beta has %d rows, want 1", n)
		}
	})
	t.Run("named directory is a schema", func(t *testing.T) {
		schema, tables, err := openTables(source{name: "sales", kind: "csv", path: filepath.Join(dir, "two")}, discard)
		if err != nil {
			t.Fatal(err)
		}
		if got := tableNames(tables); schema != "sales" || !reflect.DeepEqual(got, []string{"alpha", "beta"}) {
			t.Fatalf("schema %q, tables %v; want sales with alpha and beta", schema, got)
		}
	})
	t.Run("named glob is one table", func(t *testing.T) {
		schema, tables, err := openTables(source{name: "all", kind: "csv", path: filepath.Join(dir, "two", "*.[cC][sS][vV]")}, discard)
		if err != nil {
			t.Fatal(err)
		}
		if schema != "public" {
			t.Errorf("schema %q, want public", schema)
		}
		if got := tableNames(tables); !reflect.DeepEqual(got, []string{"all"}) {
			t.Fatalf("tables %v, want [all]", got)
		}
		if got := files(t, tables["all"]); !reflect.DeepEqual(got, []string{alpha, beta}) {
			t.Errorf("all reads %v, want %v", got, []string{alpha, beta})
		}
		if n := countRows(t, tables["all"]); n != 3 {
			t.Errorf("all has %d rows, want 3", n)
		}
	})
	t.Run("named glob resolves the name clash", func(t *testing.T) {
		_, tables, err := openTables(source{name: "a", kind: "csv", path: filepath.Join(dir, "dup", "*")}, discard)
		if err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, tables["a"]); n != 2 {
			t.Errorf("a has %d rows, want 2", n)
		}
	})
	t.Run("two files map to one table", func(t *testing.T) {
		_, tables, err := openTables(source{kind: "csv", path: filepath.Join(dir, "dup")}, discard)
		if err == nil {
			t.Fatalf("openTables succeeded with tables %v", tableNames(tables))
		}
		for _, s := range []string{`table "a"`, "named glob"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q does not contain %q", err, s)
			}
		}
	})
	t.Run("parquet directory", func(t *testing.T) {
		_, tables, err := openTables(source{kind: "parquet", path: sampleDir}, discard)
		if err != nil {
			t.Fatal(err)
		}
		if got := tableNames(tables); !reflect.DeepEqual(got, []string{"candles", "types"}) {
			t.Fatalf("tables %v, want [candles types]", got)
		}
		if _, ok := tables["candles"].(*parquet.Table); !ok {
			t.Errorf("candles is a %T", tables["candles"])
		}
		if n := countRows(t, tables["candles"]); n != 5760 {
			t.Errorf("candles has %d rows, want 5760", n)
		}
	})
	t.Run("csv kind only takes csv files", func(t *testing.T) {
		_, tables, err := openTables(source{kind: "csv", path: sampleDir}, discard)
		if err != nil {
			t.Fatal(err)
		}
		if got := tableNames(tables); !reflect.DeepEqual(got, []string{"symbols"}) {
			t.Fatalf("tables %v, want [symbols]", got)
		}
		if _, ok := tables["symbols"].(*csv.Table); !ok {
			t.Errorf("symbols is a %T", tables["symbols"])
		}
	})
	t.Run("missing path", func(t *testing.T) {
		_, _, err := openTables(source{kind: "parquet", path: filepath.Join(dir, "nosuch")}, discard)
		if err == nil || !strings.HasPrefix(err.Error(), "parquet source: ") {
			t.Fatalf("error %v, want one starting with %q", err, "parquet source: ")
		}
	})
	t.Run("directory without files of the kind", func(t *testing.T) {
		_, _, err := openTables(source{kind: "parquet", path: filepath.Join(dir, "two")}, discard)
		if err == nil || !strings.Contains(err.Error(), "no .parquet files") {
			t.Fatalf("error %v, want no .parquet files", err)
		}
	})
	t.Run("unreadable file", func(t *testing.T) {
		bad := write("bad/x.parquet", "not parquet")
		for _, name := range []string{"", "t"} {
			_, _, err := openTables(source{name: name, kind: "parquet", path: filepath.Join(dir, "bad")}, discard)
			if err == nil || !strings.Contains(err.Error(), bad) {
				t.Errorf("name %q: error %v, want one naming %s", name, err, bad)
			}
		}
	})
}

func TestHiveSource(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "Sales")
	for _, sub := range []string{"year=2023", "year=2024"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(sampleDir, "candles.parquet"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, sub, "c.parquet"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, tables, err := openTables(source{kind: "parquet", path: dir}, discard)
	if err != nil {
		t.Fatal(err)
	}
	tbl, ok := tables["sales"]
	if !ok || len(tables) != 1 {
		t.Fatalf("tables %v", tableNames(tables))
	}
	if n := countRows(t, tbl); n != 2*5760 {
		t.Errorf("%d rows", n)
	}
	if f := tbl.Schema().Field(tbl.Schema().NumFields() - 1); f.Name != "year" {
		t.Errorf("last column %s, want year", f.Name)
	}
}

// lockedBuffer is a bytes.Buffer safe for the server's logger and the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// SIGHUP (a reload, to PostgreSQL) is logged and ignored; SIGTERM stops
// the server cleanly, with status 0.
func TestSignals(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var stderr lockedBuffer
	done := make(chan int, 1)
	go func() { done <- run([]string{"--listen", addr, "--source", "parquet:" + sampleDir}, &stderr) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(stderr.String(), "SIGHUP ignored") {
		if time.Now().After(deadline) {
			t.Fatalf("no SIGHUP log line: %s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if c, err := net.Dial("tcp", addr); err != nil {
		t.Fatalf("not serving after SIGHUP: %v", err)
	} else {
		c.Close()
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 || !strings.Contains(stderr.String(), "riffq stopped") {
			t.Fatalf("exit %d after SIGTERM: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM did not stop the server")
	}
}

func TestVersion(t *testing.T) {
	if code, stderr := runWithTimeout(t, "--version"); code != 0 || stderr != "" {
		t.Fatalf("--version: exit %d, stderr %q", code, stderr)
	}
}
