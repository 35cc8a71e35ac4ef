// Package pgtest starts throwaway PostgreSQL 15 servers for tests and
// benchmarks, which compare riffq with the real thing or read from it.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres is a throwaway PostgreSQL server.
type Postgres struct {
	Dir  string
	Port int
	bin  string
	asPG []string // runs a command as the postgres user when we are root
}

// URL is the connection string of the server's postgres database.
func (p *Postgres) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.Port)
}

// Start initializes a cluster in a temporary directory (C locale,
// UTF8, TimeZone UTC, fsync off) with Debian's PostgreSQL 15 binaries in
// bin, and starts it on port. PostgreSQL refuses to run as root, so as root
// it runs as the postgres user.
func Start(ctx context.Context, bin string, port int) (*Postgres, error) {
	dir, err := os.MkdirTemp("", "riffq-pg-")
	if err != nil {
		return nil, err
	}
	p := &Postgres{Dir: dir, Port: port, bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs a postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
		p.asPG = []string{"runuser", "-u", "postgres", "--"}
	}
	data := filepath.Join(dir, "data")
	if out, err := p.run(ctx, "env", "TZ=UTC", filepath.Join(bin, "initdb"), "-D", data, "--locale=C", "--encoding=UTF8", "-A", "trust", "-U", "postgres"); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c timezone=UTC -c fsync=off -c shared_buffers=1GB -c max_connections=200", port, dir)
	if out, err := p.run(ctx, filepath.Join(bin, "pg_ctl"), "-D", data, "-w", "-l", filepath.Join(dir, "server.log"), "-o", opts, "start"); err != nil {
		return nil, fmt.Errorf("pg_ctl start: %v\n%s", err, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := pgx.Connect(ctx, p.URL())
		if err == nil {
			conn.Close(ctx)
			return p, nil
		}
		if time.Now().After(deadline) {
			p.Stop()
			return nil, fmt.Errorf("postgres did not start: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (p *Postgres) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	argv := append(append([]string{}, p.asPG...), append([]string{name}, args...)...)
	return exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
}

// Stop stops the server and removes its directory.
func (p *Postgres) Stop() {
	_, _ = p.run(context.Background(), filepath.Join(p.bin, "pg_ctl"), "-D", filepath.Join(p.Dir, "data"), "-m", "immediate", "stop")
	os.RemoveAll(p.Dir)
}

// DefaultBin is where Debian installs PostgreSQL 15's server binaries.
const DefaultBin = "/usr/lib/postgresql/15/bin"

// ForTest starts a server for t and stops it when t ends. Without the
// binaries the test is skipped, unless CI is set: there .ci/run installs
// them, and a skip would hide a broken setup.
func ForTest(t testing.TB) *Postgres {
	t.Helper()
	if _, err := os.Stat(filepath.Join(DefaultBin, "postgres")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL 15 is not installed: %v", err)
		}
		t.Skipf("PostgreSQL 15 is not installed (%v)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := Start(ctx, DefaultBin, FreePort(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return p
}

// FreePort returns a TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
