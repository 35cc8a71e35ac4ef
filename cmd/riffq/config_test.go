package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "riffq.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigArgs(t *testing.T) {
	t.Setenv("TEST_RIFFQ_PW", "s3cret")
	c, err := loadConfig(writeConfig(t, `
listen: 127.0.0.1:6000
log_level: warn
max_connections: 7
databases: [a, b]
auth: {method: scram, user: admin, password_env: TEST_RIFFQ_PW}
tls: {cert: c.pem, key: k.pem, required: true}
http_headers: ["Authorization: Bearer x"]
sources:
  - parquet:testdata/sample
  - {name: trades, kind: csv, location: t.csv, options: {delimiter: ";", header: "false"}}
`))
	if err != nil {
		t.Fatal(err)
	}
	args, err := c.args()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"--listen", "127.0.0.1:6000", "--log-level", "warn", "--max-connections", "7",
		"--database", "a", "--database", "b", "--auth", "scram", "--user", "admin", "--password", "s3cret",
		"--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-required", "--http-header", "Authorization: Bearer x",
		"--source", "parquet:testdata/sample", "--source", "trades=csv:t.csv?delimiter=;&header=false"}
	if !slices.Equal(args, want) {
		t.Fatalf("args\n%q\nwant\n%q", args, want)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"unknown key", "listen: x\nsourcez: []\n", "sourcez"},
		{"bad yaml", "listen: [\n", "--config"},
		{"source without kind", "sources:\n  - {location: x}\n", "sources[0]: a source needs kind and location"},
		{"missing password env", "auth: {password_env: TEST_RIFFQ_NOPE}\n", "TEST_RIFFQ_NOPE is not set"},
		{"table without name", "tables:\n  - {comment: x}\n", "tables[0]: a table needs a name"},
		{"table twice", "tables:\n  - {name: t}\n  - {name: public.t}\n", "public.t is described twice"},
		{"table no source serves", "sources: [csv:../../testdata/sample/symbols.csv]\ntables:\n  - {name: nosuch}\n", "no source serves public.nosuch"},
		{"key of a missing column", "sources: [csv:../../testdata/sample/symbols.csv]\ntables:\n  - {name: symbols, primary_key: [nope]}\n", `no column "nope"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stderr := runWithTimeout(t, "--config", writeConfig(t, tc.text))
			// One error line; sources opened before it log theirs.
			var errs []string
			for _, l := range lines(stderr) {
				if strings.HasPrefix(l, "riffq: ") {
					errs = append(errs, l)
				}
			}
			if code != 2 || len(errs) != 1 || !strings.Contains(errs[0], tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and one error line with %q", code, stderr, tc.want)
			}
		})
	}
	// A config's source that fails to open fails the start like the flag.
	code, stderr := runWithTimeout(t, "--config", writeConfig(t, "sources: [csv:/nonexistent.csv]\n"))
	if code != 2 || !strings.Contains(stderr, "/nonexistent.csv") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	// Flags win: the command line's bad log level is reported, not the file's good one.
	code, stderr = runWithTimeout(t, "--config", writeConfig(t, "log_level: info\n"), "--log-level", "loud")
	if code != 2 || !strings.Contains(stderr, `"loud"`) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// The example config in the repository loads and names real sources.
func TestExampleConfig(t *testing.T) {
	c, err := loadConfig("../../riffq.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	args, err := c.args()
	if err != nil {
		t.Fatal(err)
	}
	if d, err := c.descriptions(); err != nil || len(d.tables) == 0 {
		t.Errorf("tables: %v, %v", d.tables, err)
	}
	for i := 0; i+1 < len(args); i++ {
		if args[i] != "--source" {
			continue
		}
		s, err := parseSource(args[i+1])
		if err != nil {
			t.Fatal(err)
		}
		s.path = filepath.Join("../..", s.path)
		if _, _, err := openTables(s, discard); err != nil {
			t.Errorf("source %s: %v", args[i+1], err)
		}
	}
}
