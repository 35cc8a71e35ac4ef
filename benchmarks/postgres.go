package benchmarks

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres is a throwaway PostgreSQL server started for a benchmark run.
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

// StartPostgres initializes a cluster in a temporary directory (C locale,
// UTF8, TimeZone UTC, fsync off) with Debian's PostgreSQL 15 binaries in
// bin, and starts it on port. PostgreSQL refuses to run as root, so as root
// it runs as the postgres user.
func StartPostgres(ctx context.Context, bin string, port int) (*Postgres, error) {
	dir, err := os.MkdirTemp("", "riffq-bench-pg-")
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
