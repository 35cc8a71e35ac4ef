package riffq_test

import (
	"bytes"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/riffq/riffq"
	"github.com/riffq/riffq/wire"
)

// TestDrivers runs real client drivers against riffq, each logging in with
// SCRAM-SHA-256, and compares everything they print with what they printed
// against PostgreSQL 15 (testdata/clients/*.expected, from testdata/regen.sh).
func TestDrivers(t *testing.T) {
	password := "s3cret pass"
	u, err := url.Parse(startServer(t, riffq.WithPassword(wire.AuthSCRAM, "tester", password)))
	if err != nil {
		t.Fatal(err)
	}
	host := u.Host
	hostname, port := u.Hostname(), u.Port()
	pgURL := (&url.URL{Scheme: "postgres", User: url.UserPassword("tester", password), Host: host, Path: "/riffq", RawQuery: "sslmode=disable"}).String()

	t.Run("psycopg2", func(t *testing.T) {
		py := requireClient(t, "/usr/bin/python3")
		if err := exec.Command(py, "-c", "import psycopg2").Run(); err != nil {
			requireClient(t, "psycopg2 (python3-psycopg2)")
		}
		dsn := "host=" + hostname + " port=" + port + " user=tester dbname=riffq password='" + password + "'"
		compareClient(t, "testdata/clients/psycopg2.expected", exec.Command(py, "testdata/clients/psycopg2_client.py", dsn))
	})
	t.Run("psycopg3", func(t *testing.T) {
		py := requireClient(t, "/usr/bin/python3")
		if err := exec.Command(py, "-c", "import psycopg").Run(); err != nil {
			requireClient(t, "psycopg 3 (python3-psycopg)")
		}
		dsn := "host=" + hostname + " port=" + port + " user=tester dbname=riffq password='" + password + "'"
		compareClient(t, "testdata/clients/psycopg3.expected", exec.Command(py, "testdata/clients/psycopg3_client.py", dsn))
	})
	t.Run("sqlalchemy", func(t *testing.T) {
		py := requireClient(t, "/usr/bin/python3")
		if err := exec.Command(py, "-c", "import sqlalchemy, psycopg2").Run(); err != nil {
			requireClient(t, "SQLAlchemy (python3-sqlalchemy)")
		}
		saURL := (&url.URL{Scheme: "postgresql+psycopg2", User: url.UserPassword("tester", password), Host: host, Path: "/riffq"}).String()
		compareClient(t, "testdata/clients/sqlalchemy.expected", exec.Command(py, "testdata/clients/sqlalchemy_client.py", saURL))
	})
	t.Run("pgcli", func(t *testing.T) {
		py := requireClient(t, "/usr/bin/python3")
		if err := exec.Command(py, "-c", "import pgcli.pgexecute").Run(); err != nil {
			requireClient(t, "pgcli (Debian package pgcli)")
		}
		compareClient(t, "testdata/clients/pgcli.expected", exec.Command(py, "testdata/clients/pgcli_client.py", hostname, port, "tester", password, "riffq"))
	})
	t.Run("node-postgres", func(t *testing.T) {
		node := requireClient(t, "node")
		if _, err := os.Stat("testdata/clients/node/node_modules/pg"); err != nil {
			requireClient(t, "node module pg (npm ci in testdata/clients/node)")
		}
		cmd := exec.Command(node, "client.js", pgURL)
		cmd.Dir = "testdata/clients/node"
		cmd.Env = append(os.Environ(), "TZ=UTC")
		compareClient(t, "testdata/clients/node.expected", cmd)
	})
	t.Run("jdbc", func(t *testing.T) {
		javac := requireClient(t, "javac")
		java := requireClient(t, "java")
		jar := "/usr/share/java/postgresql.jar"
		if _, err := os.Stat(jar); err != nil {
			requireClient(t, jar+" (libpostgresql-jdbc-java)")
		}
		classes := t.TempDir()
		if out, err := exec.Command(javac, "-d", classes, "testdata/clients/jdbc/Client.java").CombinedOutput(); err != nil {
			t.Fatalf("javac: %v\n%s", err, out)
		}
		jdbcURL := "jdbc:postgresql://" + host + "/riffq"
		compareClient(t, "testdata/clients/jdbc.expected", exec.Command(java, "-cp", jar+string(filepath.ListSeparator)+classes, "Client", jdbcURL, "tester", password))
	})
}

// compareClient runs a client and compares its output with the expected file.
func compareClient(t *testing.T, expectedFile string, cmd *exec.Cmd) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s\n%s", cmd.Path, err, stdout.String(), stderr.String())
	}
	want, err := os.ReadFile(expectedFile)
	if err != nil {
		t.Fatal(err)
	}
	got := stdout.String()
	if got == string(want) {
		return
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	for i := range max(len(gl), len(wl)) {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("output differs from %s (PostgreSQL's) at line %d:\n got  %s\n want %s", expectedFile, i+1, g, w)
		}
	}
}
