package pgbench_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/riffq/riffq"
	"github.com/riffq/riffq/internal/pgtest"
	"github.com/riffq/riffq/sources/pgbench"
)

// pgbenchBinary finds PostgreSQL's pgbench. Without it the test is
// skipped, unless CI is set: there .ci/run installs PostgreSQL 15, and a
// skip would hide a broken setup.
func pgbenchBinary(t *testing.T) string {
	t.Helper()
	if p := filepath.Join(pgtest.DefaultBin, "pgbench"); fileExists(p) {
		return p
	}
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("pgbench is not installed")
	}
	t.Skip("pgbench is not installed")
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// serve starts riffq in process with the pgbench tables at scale and
// returns its connection URL.
func serve(t *testing.T, scale int) string {
	t.Helper()
	tables, err := pgbench.Tables(scale)
	if err != nil {
		t.Fatal(err)
	}
	srv := riffq.NewServer(riffq.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	for _, name := range pgbench.TableNames {
		if err := srv.RegisterTable(name, tables[name]); err != nil {
			t.Fatal(err)
		}
	}
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
	return fmt.Sprintf("postgres://bench@%s/bench?sslmode=disable", l.Addr())
}

var processedRE = regexp.MustCompile(`number of transactions actually processed: (\d+)/(\d+)`)

// TestRealPgbench runs the real `pgbench -n -S` (its built-in select-only
// script: SELECT abalance FROM pgbench_accounts WHERE aid = :aid) against
// riffq in every query mode.
func TestRealPgbench(t *testing.T) {
	bin := pgbenchBinary(t)
	url := serve(t, 2)
	for _, mode := range []string{"simple", "extended", "prepared"} {
		t.Run(mode, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, bin, "-n", "-S", "-M", mode, "-c", "2", "-t", "200", url).CombinedOutput()
			if err != nil {
				t.Fatalf("pgbench: %v\n%s", err, out)
			}
			s := string(out)
			m := processedRE.FindStringSubmatch(s)
			if m == nil || m[1] != "400" || m[2] != "400" {
				t.Errorf("pgbench did not run 400 transactions:\n%s", s)
			}
			for _, want := range []string{"scaling factor: 2", "number of failed transactions: 0 "} {
				if !strings.Contains(s, want) {
					t.Errorf("pgbench output lacks %q:\n%s", want, s)
				}
			}
		})
	}
}

// TestSameAsPgbenchInit loads PostgreSQL 15 with `pgbench -i -s 2` and
// checks that riffq serves the same rows, value for value as text.
func TestSameAsPgbenchInit(t *testing.T) {
	bin := pgbenchBinary(t)
	pg := pgtest.ForTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, bin, "-i", "-s", "2", "-q", pg.URL()).CombinedOutput(); err != nil {
		t.Fatalf("pgbench -i: %v\n%s", err, out)
	}
	riffqURL := serve(t, 2)
	queries := []string{
		"SELECT * FROM pgbench_branches ORDER BY bid",
		"SELECT * FROM pgbench_tellers ORDER BY tid",
		"SELECT * FROM pgbench_history",
		"SELECT * FROM pgbench_accounts WHERE aid IN (1, 2, 99999, 100000, 100001, 150000, 200000) ORDER BY aid",
		"SELECT count(*), sum(aid), sum(bid), sum(abalance), min(filler), max(filler), count(filler) FROM pgbench_accounts",
		"SELECT bid, count(*) FROM pgbench_accounts GROUP BY bid ORDER BY bid",
		"SELECT abalance FROM pgbench_accounts WHERE aid = 123456",
		"SELECT count(*) FROM pgbench_accounts WHERE aid BETWEEN 99990 AND 100010",
		// char(84) arrives padded; riffq's text filler holds the padding.
		// (length() differs: 0 for char(84) in PostgreSQL, 84 in riffq.)
		"SELECT filler FROM pgbench_accounts WHERE aid = 7",
	}
	for _, q := range queries {
		want := textRows(ctx, t, pg.URL(), q)
		got := textRows(ctx, t, riffqURL, q)
		if got != want {
			t.Errorf("%s\nriffq:\n%s\nPostgreSQL:\n%s", q, got, want)
		}
	}
}

// textRows runs q through the simple protocol and returns its rows as
// text, NULL spelled out.
func textRows(ctx context.Context, t *testing.T, url, q string) string {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, q, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var sb strings.Builder
	for rows.Next() {
		for i, v := range rows.RawValues() {
			if i > 0 {
				sb.WriteByte('|')
			}
			if v == nil {
				sb.WriteString("NULL")
			} else {
				sb.Write(v)
			}
		}
		sb.WriteByte('\n')
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s on %s: %v", q, url, err)
	}
	return sb.String()
}
