package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/riffq/riffq/benchmarks"
	"github.com/riffq/riffq/internal/pgload"
	"github.com/riffq/riffq/internal/pgtest"
	"github.com/riffq/riffq/sources"
	"github.com/riffq/riffq/sources/csv"
	"github.com/riffq/riffq/sources/parquet"
)

// The role that logs in with SCRAM-SHA-256 on both systems.
const (
	scramUser     = "benchscram"
	scramPassword = "riffqbench-scram-secret"
)

// system is a server under test and the ways to reach it.
type system struct {
	name string // "riffq" or "postgres"
	// url connects without TLS or password (trust).
	url string
	// tlsURL connects with TLS (sslmode=require), trust authentication.
	tlsURL string
	// scramURL connects as scramUser with SCRAM-SHA-256, without TLS.
	scramURL string
}

// needs says what the selected workloads need from the systems.
type needs struct {
	pgbenchScale int    // the pgbench tables at this scale, 0 for none
	lineitem     int    // rows of the lineitem-like table, 0 for none
	narrow       int    // rows of the one-column bigint table, 0 for none
	tpchDir      string // the TPC-H Parquet files (generated when missing), "" for none
	tpchLineitem bool   // serve tpchDir's lineitem (instead of the lineitem-like table)
	sample       bool   // the sample tables the catalog captures were taken with
	tls, scram   bool
}

// env holds the running systems and everything to tear down.
type env struct {
	dir      string
	riffq    *system
	postgres *system
	pgbin    string
	pgVer    string
	stops    []func()
}

// close stops the servers and removes the working directory; it may be
// called again.
func (e *env) close() {
	for i := len(e.stops) - 1; i >= 0; i-- {
		e.stops[i]()
	}
	e.stops = nil
	os.RemoveAll(e.dir)
}

// setup generates the data, then starts riffq and PostgreSQL 15 serving it.
func setup(ctx context.Context, cfg *config, n needs) (_ *env, err error) {
	dir, err := os.MkdirTemp("", "riffqbench-")
	if err != nil {
		return nil, err
	}
	e := &env{dir: dir, pgbin: cfg.pgbin}
	defer func() {
		if err != nil {
			e.close()
		}
	}()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		return nil, err
	}
	if n.lineitem > 0 {
		slog.Info("generating lineitem", "rows", n.lineitem)
		if err := benchmarks.WriteLineitem(filepath.Join(data, "lineitem.parquet"), n.lineitem); err != nil {
			return nil, fmt.Errorf("generate lineitem: %w", err)
		}
	}
	if n.narrow > 0 {
		slog.Info("generating the bigint table", "rows", n.narrow)
		if err := benchmarks.WriteNarrow(filepath.Join(data, "narrow.parquet"), n.narrow); err != nil {
			return nil, fmt.Errorf("generate narrow: %w", err)
		}
	}
	if n.tpchDir != "" {
		if err := ensureTPCH(n.tpchDir, cfg.tpchSF); err != nil {
			return nil, err
		}
	}
	var certFile, keyFile string
	if n.tls {
		if certFile, keyFile, err = writeSelfSigned(dir); err != nil {
			return nil, err
		}
	}
	bin := cfg.riffqBin
	if bin == "" {
		slog.Info("building riffq")
		bin = filepath.Join(dir, "riffq")
		if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/riffq").CombinedOutput(); err != nil {
			return nil, fmt.Errorf("build riffq (or pass -riffq-bin): %v\n%s", err, out)
		}
	}

	args := []string{"--log-level", "warn", "--max-connections", "0"}
	if n.pgbenchScale > 0 {
		args = append(args, "--source", fmt.Sprintf("pgbench:%d", n.pgbenchScale))
	}
	if n.lineitem > 0 || n.narrow > 0 {
		args = append(args, "--source", "parquet:"+data)
	}
	if n.tpchLineitem {
		args = append(args, "--source", "parquet:"+filepath.Join(n.tpchDir, "lineitem.parquet"))
	}
	if n.sample {
		args = append(args, "--source", "parquet:"+cfg.sampleDir, "--source", "csv:"+cfg.sampleDir)
	}
	if n.tls {
		args = append(args, "--tls-cert", certFile, "--tls-key", keyFile)
	}
	slog.Info("starting riffq", "bin", bin)
	addr, stop, err := startRiffq(ctx, bin, "", args...)
	if err != nil {
		return nil, err
	}
	e.stops = append(e.stops, stop)
	e.riffq = &system{name: "riffq",
		url:    fmt.Sprintf("postgres://bench@%s/bench?sslmode=disable", addr),
		tlsURL: fmt.Sprintf("postgres://bench@%s/bench?sslmode=require", addr)}
	if n.scram {
		// Authentication is per server in riffq: a second one requires
		// SCRAM-SHA-256 of every client.
		addr, stop, err := startRiffq(ctx, bin, scramPassword, "--log-level", "warn", "--max-connections", "0",
			"--source", "pgbench:1", "--user", scramUser, "--auth", "scram")
		if err != nil {
			return nil, fmt.Errorf("riffq with SCRAM: %w", err)
		}
		e.stops = append(e.stops, stop)
		e.riffq.scramURL = fmt.Sprintf("postgres://%s:%s@%s/bench?sslmode=disable", scramUser, url.QueryEscape(scramPassword), addr)
	}

	slog.Info("starting PostgreSQL", "bin", cfg.pgbin)
	pg, err := pgtest.Start(ctx, cfg.pgbin, freePort())
	if err != nil {
		return nil, err
	}
	e.stops = append(e.stops, pg.Stop)
	e.postgres = &system{name: "postgres", url: pg.URL(), tlsURL: strings.Replace(pg.URL(), "sslmode=disable", "sslmode=require", 1)}
	if err := loadPostgres(ctx, e, pg, n, data, cfg.sampleDir); err != nil {
		return nil, fmt.Errorf("prepare PostgreSQL: %w", err)
	}
	if n.scram {
		e.postgres.scramURL = fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/postgres?sslmode=disable", scramUser, url.QueryEscape(scramPassword), pg.Port)
	}
	if n.tls {
		if err := enableTLS(ctx, pg, certFile, keyFile); err != nil {
			return nil, fmt.Errorf("PostgreSQL TLS: %w", err)
		}
	}
	for _, s := range []*system{e.riffq, e.postgres} {
		for _, u := range []string{s.url, s.tlsURL, s.scramURL} {
			if u == "" || (u == s.tlsURL && !n.tls) {
				continue
			}
			if err := waitReady(ctx, u); err != nil {
				return nil, fmt.Errorf("%s not reachable at %s: %w", s.name, redact(u), err)
			}
		}
	}
	return e, nil
}

// startRiffq runs the riffq binary on a free port and waits until it
// accepts connections; password, when set, goes in RIFFQ_PASSWORD.
func startRiffq(ctx context.Context, bin, password string, args ...string) (string, func(), error) {
	addr := fmt.Sprintf("127.0.0.1:%d", freePort())
	cmd := exec.Command(bin, append([]string{"--listen", addr}, args...)...)
	cmd.Stderr = os.Stderr
	cmd.Env = os.Environ()
	if password != "" {
		cmd.Env = append(cmd.Env, "RIFFQ_PASSWORD="+password)
	}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start riffq: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return addr, stop, nil
		}
		select {
		case err := <-exited:
			return "", nil, fmt.Errorf("riffq exited before listening: %v", err)
		case <-ctx.Done():
			stop()
			return "", nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("riffq did not listen on %s within 30s", addr)
		}
	}
}

// loadPostgres loads the same data riffq serves: pgbench -i for the pgbench
// tables (with its primary keys), COPY for the others, then VACUUM ANALYZE;
// and creates the SCRAM role.
func loadPostgres(ctx context.Context, e *env, pg *pgtest.Postgres, n needs, data, sampleDir string) error {
	conn, err := pgx.Connect(ctx, pg.URL())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&e.pgVer); err != nil {
		return err
	}
	if n.pgbenchScale > 0 {
		slog.Info("loading PostgreSQL: pgbench -i", "scale", n.pgbenchScale)
		start := time.Now()
		out, err := exec.CommandContext(ctx, filepath.Join(e.pgbin, "pgbench"), "-i", "-q", "-s", fmt.Sprint(n.pgbenchScale), pg.URL()).CombinedOutput()
		if err != nil {
			return fmt.Errorf("pgbench -i: %v\n%s", err, out)
		}
		slog.Info("pgbench -i done", "took", time.Since(start).Round(time.Millisecond))
	}
	tables := map[string]func() (sources.TableProvider, error){}
	if n.lineitem > 0 {
		tables["lineitem"] = func() (sources.TableProvider, error) {
			return parquet.Open(filepath.Join(data, "lineitem.parquet"))
		}
	}
	if n.tpchLineitem {
		tables["lineitem"] = func() (sources.TableProvider, error) {
			return parquet.Open(filepath.Join(n.tpchDir, "lineitem.parquet"))
		}
	}
	if n.narrow > 0 {
		tables["narrow"] = func() (sources.TableProvider, error) {
			return parquet.Open(filepath.Join(data, "narrow.parquet"))
		}
	}
	if n.sample {
		for _, name := range []string{"candles", "types"} {
			tables[name] = func() (sources.TableProvider, error) {
				return parquet.Open(filepath.Join(sampleDir, name+".parquet"))
			}
		}
		tables["symbols"] = func() (sources.TableProvider, error) {
			return csv.Open(filepath.Join(sampleDir, "symbols.csv"))
		}
	}
	for name, open := range tables {
		p, err := open()
		if err != nil {
			return fmt.Errorf("open %s: %w", name, err)
		}
		slog.Info("loading PostgreSQL", "table", name)
		if _, err := pgload.CopyTable(ctx, conn, name, p); err != nil {
			return fmt.Errorf("load %s: %w", name, err)
		}
	}
	if len(tables) > 0 {
		if _, err := conn.Exec(ctx, "VACUUM ANALYZE"); err != nil {
			return err
		}
	}
	if n.scram {
		// password_encryption is scram-sha-256 by default since PostgreSQL 14.
		if _, err := conn.Exec(ctx, fmt.Sprintf("SET password_encryption = 'scram-sha-256'; CREATE ROLE %s LOGIN PASSWORD '%s'", scramUser, scramPassword)); err != nil {
			return err
		}
		hba := filepath.Join(pg.Dir, "data", "pg_hba.conf")
		old, err := os.ReadFile(hba)
		if err != nil {
			return err
		}
		// The first matching line wins: this one before initdb's trust lines.
		line := fmt.Sprintf("host all %s 127.0.0.1/32 scram-sha-256\n", scramUser)
		if err := os.WriteFile(hba, append([]byte(line), old...), 0o600); err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, "SELECT pg_reload_conf()"); err != nil {
			return err
		}
	}
	return nil
}

// enableTLS copies the certificate into the cluster's directory, owned by
// the user PostgreSQL runs as, and turns ssl on (a reload suffices).
func enableTLS(ctx context.Context, pg *pgtest.Postgres, certFile, keyFile string) error {
	fi, err := os.Stat(filepath.Join(pg.Dir, "data"))
	if err != nil {
		return err
	}
	st, _ := fi.Sys().(*syscall.Stat_t)
	var paths []string
	for _, f := range []string{certFile, keyFile} {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		dst := filepath.Join(pg.Dir, filepath.Base(f))
		if err := os.WriteFile(dst, b, 0o600); err != nil {
			return err
		}
		if st != nil && os.Geteuid() == 0 {
			if err := os.Chown(dst, int(st.Uid), int(st.Gid)); err != nil {
				return err
			}
		}
		paths = append(paths, dst)
	}
	conn, err := pgx.Connect(ctx, pg.URL())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, stmt := range []string{
		fmt.Sprintf("ALTER SYSTEM SET ssl_cert_file = '%s'", paths[0]),
		fmt.Sprintf("ALTER SYSTEM SET ssl_key_file = '%s'", paths[1]),
		"ALTER SYSTEM SET ssl = on",
		"SELECT pg_reload_conf()",
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}

// waitReady connects until the server answers, for up to 30 seconds.
func waitReady(ctx context.Context, u string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := pgx.Connect(ctx, u)
		if err == nil {
			_, err = c.Exec(ctx, "SELECT 1")
			c.Close(ctx)
			if err == nil {
				return nil
			}
		}
		if time.Now().After(deadline) || errors.Is(err, context.Canceled) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// redact hides a URL's password for logs.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	return p.Redacted()
}

// freePort returns a TCP port that was free a moment ago.
func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("no free port: %v", err))
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
