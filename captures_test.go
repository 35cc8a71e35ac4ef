package riffq_test

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

var updateCaptures = flag.Bool("update-captures", false, "rewrite testdata/clients/captures/known_failures.txt")

// capturedQuery is one line of client-queries.jsonl.
type capturedQuery struct {
	Source string `json:"source"`
	SQL    string `json:"sql"`
	Params []any  `json:"params"`
}

// TestClientCaptures replays the catalog queries real clients send and
// holds the set that fails to the recorded list, which may only shrink.
func TestClientCaptures(t *testing.T) {
	dir := filepath.Join("testdata", "clients", "captures")
	f, err := os.Open(filepath.Join(dir, "client-queries.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var queries []capturedQuery
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var q capturedQuery
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			t.Fatal(err)
		}
		queries = append(queries, q)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}

	url := startServer(t)
	conn := connect(t, url)
	failures := make(map[int]string)
	for i, q := range queries {
		line := i + 1
		if err := runCaptured(conn, q); err != nil {
			failures[line] = strings.ReplaceAll(err.Error(), "\n", " ")
			// A failed statement may leave the session in a failed
			// transaction block; start over clean.
			if conn.PgConn().TxStatus() != 'I' {
				_, _ = conn.Exec(context.Background(), "ROLLBACK")
			}
		}
	}

	known := make(map[int]bool)
	path := filepath.Join(dir, "known_failures.txt")
	if data, err := os.ReadFile(path); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			n, err := strconv.Atoi(strings.SplitN(l, "\t", 2)[0])
			if err != nil {
				t.Fatalf("%s: bad line %q", path, l)
			}
			known[n] = true
		}
	}
	lines := slices.Sorted(func(yield func(int) bool) {
		for n := range failures {
			if !yield(n) {
				return
			}
		}
	})
	if *updateCaptures {
		var sb strings.Builder
		sb.WriteString("# Captured client queries that riffq cannot run yet: line\terror. Written by\n# go test -run TestClientCaptures -update-captures .\n")
		for _, n := range lines {
			fmt.Fprintf(&sb, "%d\t%s\n", n, failures[n])
		}
		if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d of %d captured client queries run", len(queries)-len(failures), len(queries))
	for _, n := range lines {
		if !known[n] && !*updateCaptures {
			t.Errorf("line %d (%s) fails: %s\n%s", n, queries[n-1].Source, failures[n], queries[n-1].SQL)
		}
	}
	for n := range known {
		if _, ok := failures[n]; !ok && !*updateCaptures {
			t.Errorf("line %d (%s) now runs: remove it from %s (-update-captures)", n, queries[n-1].Source, path)
		}
	}
}

// runCaptured runs one captured query: through the extended protocol with
// its parameters as text when it has any, else through the simple protocol.
func runCaptured(conn *pgx.Conn, q capturedQuery) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if len(q.Params) == 0 {
		rows, err := conn.Query(ctx, q.SQL, pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			return err
		}
		rows.Close()
		return rows.Err()
	}
	args := make([]any, len(q.Params))
	for i, p := range q.Params {
		if p != nil {
			args[i] = fmt.Sprint(p)
		}
	}
	rows, err := conn.Query(ctx, q.SQL, append([]any{pgx.QueryExecModeDescribeExec}, args...)...)
	if err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}
