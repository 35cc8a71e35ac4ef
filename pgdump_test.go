package riffq_test

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/riffq/riffq/internal/pgtest"
)

// TestPgDump dumps the sample tables with PostgreSQL's own pg_dump, restores
// the script into a real PostgreSQL 15 and compares every row there with
// riffq's: pg_dump's catalog queries (acldefault, name subscripts,
// pg_options_to_table, LOCK TABLE ... IN ACCESS SHARE MODE, set_config
// over pg_settings) and its COPY TO STDOUT all have to work.
func TestPgDump(t *testing.T) {
	pg := pgtest.ForTest(t)
	url := startServer(t)
	ctx := context.Background()

	var dump, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, filepath.Join(pgtest.DefaultBin, "pg_dump"), "--no-password", "-d", url)
	cmd.Stdout, cmd.Stderr = &dump, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"CREATE TABLE public.candles (", "COPY public.types (id, i2, i4, i8, f4, f8, num, b, t, d, ts, tstz, bin) FROM stdin;", "ADD CONSTRAINT"} {
		if !strings.Contains(dump.String(), want) {
			t.Errorf("the dump has no %q", want)
		}
	}
	// The built-in functions' ACLs are their initial privileges
	// (pg_init_privs): nothing to grant or revoke, as in PostgreSQL's dump.
	if i := strings.Index(dump.String(), "REVOKE "); i >= 0 {
		t.Errorf("the dump revokes privileges: %.120s", dump.String()[i:])
	}

	// pg_dumpall reads the roles from pg_authid (and parameter ACLs).
	var globals bytes.Buffer
	cmd = exec.CommandContext(ctx, filepath.Join(pgtest.DefaultBin, "pg_dumpall"), "--no-password", "--globals-only", "-d", url)
	cmd.Stdout, cmd.Stderr = &globals, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pg_dumpall: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(globals.String(), "CREATE ROLE postgres;") {
		t.Errorf("pg_dumpall --globals-only has no CREATE ROLE postgres:\n%s", globals.String())
	}

	restore := exec.CommandContext(ctx, filepath.Join(pgtest.DefaultBin, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", pg.URL())
	restore.Stdin = &dump
	if out, err := restore.CombinedOutput(); err != nil {
		t.Fatalf("restoring the dump: %v\n%s", err, out)
	}
	ref, err := pgx.Connect(ctx, pg.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close(ctx)
	conn := connect(t, url)
	for name := range sampleTables(t) {
		q := "SELECT x::text FROM " + name + " x ORDER BY 1"
		got, want := textRows(t, ref, q), textRows(t, conn, q)
		if len(want) == 0 || strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: %d rows restored, %d in riffq; first difference:\n%s", name, len(got), len(want), firstDiff(got, want))
		}
	}
}

// firstDiff describes the first line where got and want differ.
func firstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return "restored: " + got[i] + "\nriffq:    " + want[i]
		}
	}
	return "(one is a prefix of the other)"
}
