// Command riffq serves Parquet and CSV files and the tables of remote
// PostgreSQL databases to PostgreSQL clients.
//
//	riffq --source parquet:testdata/sample --source trades=csv:trades.csv \
//	      --source crm=postgres:postgres://reader@db.internal/crm
//
// A source is [NAME=]KIND:LOCATION. For parquet, csv and ndjson, LOCATION is a
// file, a directory or a glob: every file becomes a table named after its
// file name, in schema public or, for a directory, in schema NAME; a file
// or a glob with NAME is that one table. For
// postgres, LOCATION is a connection URL or keyword/value string, and for
// duckdb a database file (opened read-only): every table and view is served,
// in a schema of its own schema's name, or all in schema NAME when given.
// For http, LOCATION is the URL of one .parquet, .csv or .ndjson file, read with
// range requests (Parquet) or streamed (CSV); --http-header adds headers.
// For pgbench, LOCATION is a scale factor: pgbench's four tables, generated
// as `pgbench -i -s SCALE` would load them, in schema public or NAME, for
// running `pgbench -n -S` against riffq (riffq --source pgbench:10).
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/riffq/riffq"
	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/sources"
	"github.com/riffq/riffq/sources/csv"
	"github.com/riffq/riffq/sources/duckdb"
	"github.com/riffq/riffq/sources/httpfs"
	"github.com/riffq/riffq/sources/ndjson"
	"github.com/riffq/riffq/sources/parquet"
	"github.com/riffq/riffq/sources/pgbench"
	"github.com/riffq/riffq/sources/postgres"
	"github.com/riffq/riffq/wire"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// sourceFlags collects repeated --source flags.
type sourceFlags []string

func (s *sourceFlags) String() string     { return strings.Join(*s, ",") }
func (s *sourceFlags) Set(v string) error { *s = append(*s, v); return nil }

// source is one parsed --source value.
type source struct {
	name string // table name, or "" for one table per file
	kind string
	path string
	// opts are the ?option=value pairs of a file source's location.
	opts string
}

func parseSource(v string) (source, error) {
	var s source
	spec := v
	if i := strings.IndexByte(spec, '='); i >= 0 && !strings.Contains(spec[:i], ":") {
		s.name, spec = spec[:i], spec[i+1:]
		if s.name == "" {
			return s, fmt.Errorf("--source %q: empty table name", v)
		}
	}
	kind, path, ok := strings.Cut(spec, ":")
	if !ok || path == "" {
		return s, fmt.Errorf("--source %q: want [NAME=]KIND:PATH, e.g. parquet:data/", v)
	}
	s.kind, s.path = kind, path
	if kind == "parquet" || kind == "csv" || kind == "ndjson" {
		if i := strings.LastIndexByte(path, '?'); i >= 0 {
			s.path, s.opts = path[:i], path[i+1:]
		}
	}
	switch kind {
	case "parquet", "csv", "ndjson", "postgres", "duckdb", "http":
	case "pgbench":
		if _, err := pgbenchScale(path); err != nil {
			return s, fmt.Errorf("--source %q: %w", v, err)
		}
	default:
		return s, fmt.Errorf("--source %q: unknown kind %q (want parquet, csv, ndjson, postgres, duckdb, http or pgbench)", v, kind)
	}
	return s, nil
}

// pgbenchScale reads the LOCATION of a pgbench source: a scale factor.
func pgbenchScale(location string) (int, error) {
	scale, err := strconv.Atoi(location)
	if err != nil || scale < 1 || scale > pgbench.MaxScale {
		return 0, fmt.Errorf("pgbench scale %q: want a whole number from 1 to %d", location, pgbench.MaxScale)
	}
	return scale, nil
}

// openPgbench returns the tables of a pgbench source, in pgbench.TableNames
// order, in schema public or the source's NAME.
func openPgbench(s source) ([]remoteTable, error) {
	scale, err := pgbenchScale(s.path)
	if err != nil {
		return nil, err
	}
	tables, err := pgbench.Tables(scale)
	if err != nil {
		return nil, err
	}
	schema := catalog.DefaultSchema
	if s.name != "" {
		schema = s.name
	}
	out := make([]remoteTable, 0, len(tables))
	for _, name := range pgbench.TableNames {
		out = append(out, remoteTable{schema: schema, name: name, provider: tables[name]})
	}
	return out, nil
}

// openTables opens the tables a source names.
func openTables(s source, log *slog.Logger) (string, map[string]sources.TableProvider, error) {
	tables, err := openFileTables(s, log)
	if err != nil {
		return "", nil, err
	}
	// A directory holds many tables: NAME= names the schema they appear in
	// (a file, a glob or a Hive-style directory is one table NAME names).
	if fi, err := os.Stat(s.path); err == nil && fi.IsDir() && s.name != "" && !(s.kind == "parquet" && parquet.IsHive(s.path)) {
		return s.name, tables, nil
	}
	return catalog.DefaultSchema, tables, nil
}

// openFileTables opens the tables of a file source, by table name.
func openFileTables(s source, log *slog.Logger) (map[string]sources.TableProvider, error) {
	if fi, err := os.Stat(s.path); s.kind == "parquet" && err == nil && fi.IsDir() && parquet.IsHive(s.path) {
		// A Hive-style partitioned directory is one table.
		t, err := parquet.OpenHive(s.path)
		if err != nil {
			return nil, err
		}
		name := s.name
		if name == "" {
			name = sources.TableName(filepath.Clean(s.path))
		}
		return map[string]sources.TableProvider{name: t}, nil
	}
	exts := map[string][]string{
		"parquet": {".parquet"},
		"csv":     {".csv", ".csv.gz", ".csv.zst"},
		"ndjson":  {".ndjson", ".jsonl", ".ndjson.gz", ".ndjson.zst", ".jsonl.gz", ".jsonl.zst"},
	}[s.kind]
	files, err := sources.Files(s.path, exts...)
	if err != nil {
		return nil, fmt.Errorf("%s source: %w", s.kind, err)
	}
	opts, err := parseOptions(s.opts)
	if err != nil {
		return nil, fmt.Errorf("%s source options %q: %w", s.kind, s.opts, err)
	}
	var csvOpts csv.Options
	sample := ndjson.SampleLines
	for _, key := range slices.Sorted(maps.Keys(opts)) {
		v := opts[key]
		switch {
		case key == "delimiter" && s.kind == "csv":
			switch r := []rune(v); {
			case v == "tab" || v == `\t`:
				csvOpts.Delimiter = '\t'
			case len(r) == 1:
				csvOpts.Delimiter = r[0]
			default:
				return nil, fmt.Errorf("csv source: delimiter %q: want one character or tab", v)
			}
		case key == "header" && s.kind == "csv":
			h, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("csv source: header %q: want true or false", v)
			}
			csvOpts.Header = &h
		case key == "null" && s.kind == "csv":
			csvOpts.Null = v
		case key == "sample" && (s.kind == "csv" || s.kind == "ndjson"):
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("%s source: sample %q: want a positive number of rows", s.kind, v)
			}
			csvOpts.SampleRows, sample = n, n
		default:
			return nil, fmt.Errorf("%s source: unknown option %q", s.kind, key)
		}
	}
	open := func(files []string) (sources.TableProvider, error) {
		switch s.kind {
		case "csv":
			return csv.OpenWith(context.Background(), sources.LocalFS{}, files, csvOpts)
		case "ndjson":
			return ndjson.OpenFS(context.Background(), sources.LocalFS{}, files, sample)
		}
		return parquet.OpenFiles(files)
	}
	tables := make(map[string]sources.TableProvider)
	fi, statErr := os.Stat(s.path)
	if s.name != "" && (statErr != nil || !fi.IsDir()) {
		// A file or a glob with a name: one table over all of it.
		t, err := open(files)
		if err != nil {
			return nil, err
		}
		tables[s.name] = t
		return tables, nil
	}
	prog := newProgress(log, "opening "+s.kind+" files", len(files), 2*time.Second)
	defer prog.finish()
	for _, f := range files {
		t, err := open([]string{f})
		if err != nil && len(files) > 1 {
			// One unreadable file among many does not keep the rest
			// from being served.
			log.Warn("skipping file", "source", s.kind, "path", f, "err", err)
			prog.step()
			continue
		}
		if err != nil {
			return nil, err
		}
		prog.step()
		name := sources.TableName(f)
		if _, dup := tables[name]; dup {
			return nil, fmt.Errorf("%s source: two files map to table %q; make them one table with a named glob (NAME=%s:'dir/*')", s.kind, name, s.kind)
		}
		tables[name] = t
	}
	if len(tables) == 0 {
		return nil, fmt.Errorf("%s source %s: no file could be read", s.kind, s.path)
	}
	return tables, nil
}

// configFlag finds --config FILE (or -config=FILE) among the arguments:
// the file's settings are read before the flags so that flags win.
func configFlag(args []string) (string, bool) {
	for i, a := range args {
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "config" {
			continue
		}
		if hasVal {
			return val, true
		}
		if i+1 < len(args) {
			return args[i+1], true
		}
	}
	return "", false
}

// parseOptions reads option=value pairs joined by &, values URL-escaped
// where they must be (a literal ; or , is fine: delimiter=;).
func parseOptions(q string) (map[string]string, error) {
	out := make(map[string]string)
	if q == "" {
		return out, nil
	}
	for _, pair := range strings.Split(q, "&") {
		k, v, _ := strings.Cut(pair, "=")
		val, err := url.QueryUnescape(v)
		if err != nil {
			return nil, err
		}
		out[k] = val
	}
	return out, nil
}

// remoteTable is a table of a remote database and where it is served.
type remoteTable struct {
	schema, name string
	provider     sources.TableProvider
}

// openHTTP opens a Parquet or CSV file served over HTTP(S), a table named
// after the URL's file name unless the source names it.
func openHTTP(ctx context.Context, s source, header http.Header) (string, sources.TableProvider, error) {
	// No deadline on a whole response: a long download is a long query,
	// which statement_timeout or a cancel ends; a server that does not
	// answer at all fails after a minute.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.ResponseHeaderTimeout = time.Minute
	fs := &httpfs.FS{Header: header, Client: &http.Client{Transport: transport}}
	name := s.name
	if name == "" {
		name = httpfs.TableName(s.path)
	}
	path := s.path
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	var t sources.TableProvider
	var err error
	switch {
	case strings.HasSuffix(path, ".parquet"):
		t, err = parquet.OpenFS(ctx, fs, []string{s.path})
	case strings.HasSuffix(path, ".csv"):
		t, err = csv.OpenFS(ctx, fs, []string{s.path})
	case strings.HasSuffix(path, ".ndjson") || strings.HasSuffix(path, ".jsonl"):
		t, err = ndjson.OpenFS(ctx, fs, []string{s.path}, ndjson.SampleLines)
	default:
		return "", nil, fmt.Errorf("http source %s: want a .parquet, .csv, .ndjson or .jsonl URL", s.path)
	}
	if err != nil {
		return "", nil, fmt.Errorf("http source: %w", err)
	}
	return name, t, nil
}

// redactURL drops a URL's query (often a signature) for logs.
func redactURL(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[:i] + "?..."
	}
	return u
}

// parseHeaders turns --http-header "Name: value" flags into a header.
func parseHeaders(flags []string) (http.Header, error) {
	h := http.Header{}
	for _, f := range flags {
		k, v, ok := strings.Cut(f, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("--http-header %q: want \"Name: value\"", f)
		}
		h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return h, nil
}

// openRemote opens a source holding many tables in schemas of its own (a
// remote PostgreSQL, a DuckDB database) and lists its tables.
func openRemote(ctx context.Context, s source, logger *slog.Logger) ([]remoteTable, func(), error) {
	var tables []remoteTable
	var closeSrc func()
	switch s.kind {
	case "postgres":
		src, err := postgres.Open(ctx, s.path, postgres.Options{Logger: logger})
		if err != nil {
			return nil, nil, err
		}
		for _, t := range src.Tables() {
			tables = append(tables, remoteTable{t.RemoteSchema(), t.Name(), t})
		}
		closeSrc = src.Close
	case "duckdb":
		src, err := duckdb.Open(ctx, s.path, duckdb.Options{Logger: logger})
		if err != nil {
			return nil, nil, err
		}
		for _, t := range src.Tables() {
			tables = append(tables, remoteTable{t.RemoteSchema(), t.Name(), t})
		}
		closeSrc = func() { _ = src.Close() }
	default:
		return nil, nil, fmt.Errorf("%s source: not a database", s.kind)
	}
	if s.name == "" {
		return tables, closeSrc, nil
	}
	seen := make(map[string]bool)
	for i := range tables {
		tables[i].schema = s.name
		if seen[tables[i].name] {
			closeSrc()
			return nil, nil, fmt.Errorf("%s source: two schemas have a table %q; serve them without %s=", s.kind, tables[i].name, s.name)
		}
		seen[tables[i].name] = true
	}
	return tables, closeSrc, nil
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("riffq", flag.ContinueOnError)
	// Parse errors are reported on one line below, not with the usage text.
	fs.SetOutput(io.Discard)
	var srcs sourceFlags
	listen := fs.String("listen", riffq.DefaultAddr, "address to listen on")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	fs.Var(&srcs, "source", "table source `[NAME=]KIND:LOCATION` (repeatable); KIND is parquet, csv, ndjson, postgres, duckdb, http or pgbench (LOCATION: the scale)")
	var httpHeaders sourceFlags
	fs.Var(&httpHeaders, "http-header", "header `\"Name: value\"` sent with every request of http sources (repeatable), e.g. a bearer token")
	var dbs sourceFlags
	fs.Var(&dbs, "database", "accept only this database `name` (repeatable); default: any name")
	user := fs.String("user", "", "require this user name (with --password)")
	password := fs.String("password", "", "the user's password; also read from RIFFQ_PASSWORD")
	authName := fs.String("auth", "", "authentication: trust, password, md5 or scram (default scram with --user, else trust)")
	tlsCert := fs.String("tls-cert", "", "TLS certificate `file` (PEM)")
	tlsKey := fs.String("tls-key", "", "TLS private key `file` (PEM: PKCS#1, PKCS#8 or EC)")
	tlsRequired := fs.Bool("tls-required", false, "refuse clients that do not use TLS")
	maxConns := fs.Int("max-connections", 100, "most concurrent connections (0: no limit)")
	memLimit := fs.String("query-memory-limit", "25%", "most memory one query may hold in joins, sorts and aggregations: a `size` (4GB, 512MB), a share of the machine's memory (25%), or 0 for no limit; sorts over it spill to --temp-dir")
	cacheSize := fs.String("cache-size", "25%", "memory for the columns Parquet scans decode, kept for the queries that read them again: a `size` (4GB, 512MB), a share of the machine's memory (25%), or 0 to decode every scan afresh")
	tempDirFlag := fs.String("temp-dir", "", "`directory` where sorts over the memory limit spill (default: the system's temporary directory)")
	maxRecursion := fs.Int("max-recursion", engine.DefaultRecursionLimit, "most iterations of a WITH RECURSIVE query's recursive term before it fails with 54001 (0: no limit)")
	fs.String("config", "", "read settings and sources from this YAML `file` (flags win)")
	showVersion := fs.Bool("version", false, "print riffq's version and exit")
	pprofAddr := fs.String("pprof", "", "serve Go's runtime profiles (net/http/pprof) on this `address`, for diagnosing performance")
	var described tableDescriptions
	if cfgPath, ok := configFlag(args); ok {
		c, err := loadConfig(cfgPath)
		if err != nil {
			fmt.Fprintf(stderr, "riffq: %v\n", err)
			return 2
		}
		cargs, err := c.args()
		if err != nil {
			fmt.Fprintf(stderr, "riffq: %v\n", err)
			return 2
		}
		args = append(cargs, args...)
		if described, err = c.descriptions(); err != nil {
			fmt.Fprintf(stderr, "riffq: %v\n", err)
			return 2
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintf(stderr, "usage: riffq [flags]\n\nServes Parquet and CSV files to PostgreSQL clients.\n\n")
			fs.PrintDefaults()
			return 0
		}
		fmt.Fprintf(stderr, "riffq: %v (see riffq -h)\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "riffq: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *showVersion {
		fmt.Println(versionLine())
		return 0
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "riffq: --log-level %q: want debug, info, warn or error\n", *logLevel)
		return 2
	}
	if err := checkListenAddr(*listen); err != nil {
		fmt.Fprintf(stderr, "riffq: --listen %q: %v\n", *listen, err)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if *pprofAddr != "" {
		l, err := net.Listen("tcp", *pprofAddr)
		if err != nil {
			fmt.Fprintf(stderr, "riffq: --pprof: %v\n", err)
			return 2
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		go http.Serve(l, mux)
		logger.Info("serving profiles", "addr", l.Addr().String(), "path", "/debug/pprof/")
	}

	machine := physicalMemory()
	limit, err := parseMemoryLimit(*memLimit, machine)
	if err != nil {
		fmt.Fprintf(stderr, "riffq: --query-memory-limit: %v\n", err)
		return 2
	}
	cacheBytes, err := parseMemoryLimit(*cacheSize, machine)
	if err != nil {
		fmt.Fprintf(stderr, "riffq: --cache-size: %v\n", err)
		return 2
	}
	if strings.HasSuffix(strings.TrimSpace(*cacheSize), "%") && machine <= 0 {
		cacheBytes = parquet.DefaultCacheBytes // a share of an unknown amount
	}
	// One cache for every Parquet table, so its bound is the server's.
	var cache *parquet.Cache
	if cacheBytes > 0 {
		cache = parquet.NewCache(cacheBytes)
	}
	if *tempDirFlag != "" {
		if fi, err := os.Stat(*tempDirFlag); err != nil || !fi.IsDir() {
			fmt.Fprintf(stderr, "riffq: --temp-dir %s: not a directory\n", *tempDirFlag)
			return 2
		}
	}
	opts := []riffq.Option{riffq.WithAddr(*listen), riffq.WithLogger(logger), riffq.WithMaxConns(*maxConns), riffq.WithDatabases(dbs...),
		riffq.WithQueryMemoryLimit(limit), riffq.WithTempDir(*tempDirFlag), riffq.WithRecursionLimit(*maxRecursion)}
	authOpt, err := authOption(*user, *password, *authName)
	if err != nil {
		fmt.Fprintf(stderr, "riffq: %v\n", err)
		return 2
	}
	if authOpt != nil {
		opts = append(opts, authOpt)
	}
	if *tlsCert != "" || *tlsKey != "" || *tlsRequired {
		cfg, err := tlsConfig(*tlsCert, *tlsKey)
		if err != nil {
			fmt.Fprintf(stderr, "riffq: %v\n", err)
			return 2
		}
		opts = append(opts, riffq.WithTLS(cfg, *tlsRequired))
	}
	srv := riffq.NewServer(opts...)
	// Every table is registered with what the config says of it.
	register := func(schema, name string, p sources.TableProvider) error {
		return srv.RegisterSchemaTable(schema, name, p, described.options(schema, name)...)
	}
	for _, v := range srcs {
		s, err := parseSource(v)
		if err != nil {
			fmt.Fprintf(stderr, "riffq: %v\n", err)
			return 2
		}
		if s.kind == "http" {
			header, err := parseHeaders(httpHeaders)
			if err != nil {
				fmt.Fprintf(stderr, "riffq: %v\n", err)
				return 2
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			name, t, err := openHTTP(ctx, s, header)
			cancel()
			if err != nil {
				fmt.Fprintf(stderr, "riffq: %v\n", err)
				return 2
			}
			if err := register(catalog.DefaultSchema, name, t); err != nil {
				fmt.Fprintf(stderr, "riffq: %v\n", err)
				return 2
			}
			logger.Info("serving table", "table", "public."+name, "source", "http", "url", redactURL(s.path), "columns", t.Schema().NumFields())
			continue
		}
		if s.kind == "pgbench" {
			tables, err := openPgbench(s)
			if err != nil {
				fmt.Fprintf(stderr, "riffq: %v\n", err)
				return 2
			}
			for _, t := range tables {
				if err := register(t.schema, t.name, t.provider); err != nil {
					fmt.Fprintf(stderr, "riffq: %v\n", err)
					return 2
				}
				logger.Info("serving table", "table", t.schema+"."+t.name, "source", "pgbench", "scale", s.path,
					"rows", t.provider.(*pgbench.Table).Rows())
			}
			continue
		}
		if s.kind == "postgres" || s.kind == "duckdb" {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			tables, closeSrc, err := openRemote(ctx, s, logger)
			cancel()
			if err != nil {
				fmt.Fprintf(stderr, "riffq: %v\n", err)
				return 2
			}
			defer closeSrc()
			for _, t := range tables {
				if err := register(t.schema, t.name, t.provider); err != nil {
					fmt.Fprintf(stderr, "riffq: %v\n", err)
					return 2
				}
			}
			for _, t := range tables {
				logger.Debug("serving table", "table", t.schema+"."+t.name, "source", s.kind, "columns", t.provider.Schema().NumFields())
			}
			logger.Info("serving database", "source", s.kind, "tables", len(tables))
			continue
		}
		schema, tables, err := openTables(s, logger)
		if err != nil {
			fmt.Fprintf(stderr, "riffq: %v\n", err)
			return 2
		}
		// Registered in name order: OIDs follow registration order, and
		// clients expect them stable across restarts.
		for _, name := range slices.Sorted(maps.Keys(tables)) {
			t := tables[name]
			if pt, ok := t.(*parquet.Table); ok {
				pt.SetCache(cache)
			}
			if err := register(schema, name, t); err != nil {
				fmt.Fprintf(stderr, "riffq: %v\n", err)
				return 2
			}
			logger.Info("serving table", "table", schema+"."+name, "source", s.kind, "path", s.path, "columns", t.Schema().NumFields())
		}
	}

	if err := described.unused(); err != nil {
		fmt.Fprintf(stderr, "riffq: --config: %v\n", err)
		return 2
	}

	if len(srcs) == 0 {
		logger.Warn("no --source given: serving no tables (see riffq -h)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if os.Getenv("GOGC") == "" {
		go tuneGC(ctx, cache, time.Second)
	}
	// SIGHUP asks PostgreSQL to reload its configuration; riffq reads
	// its own once, so it says so and keeps serving rather than dying.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			logger.Warn("SIGHUP ignored: riffq reads its settings only at start")
		}
	}()
	if err := srv.ListenAndServe(ctx); err != nil {
		fmt.Fprintf(stderr, "riffq: %v\n", err)
		return 1
	}
	logger.Info("riffq stopped")
	return 0
}

// checkListenAddr refuses a malformed --listen before any source is opened,
// so a typo is a usage error (status 2) rather than a failure to serve.
func checkListenAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("want HOST:PORT, e.g. 127.0.0.1:5433")
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	return nil
}

// authOption turns --user, --password and --auth into a server option.
func authOption(user, password, method string) (riffq.Option, error) {
	if password == "" {
		password = os.Getenv("RIFFQ_PASSWORD")
	}
	if method == "" {
		method = "trust"
		if user != "" {
			method = "scram"
		}
	}
	m, err := wire.ParseAuthMethod(method)
	if err != nil {
		return nil, fmt.Errorf("--auth: %v", err)
	}
	switch {
	case m == wire.AuthTrust && (user != "" || password != ""):
		return nil, fmt.Errorf("--auth trust takes no --user or --password")
	case m == wire.AuthTrust:
		return nil, nil
	case user == "" || password == "":
		return nil, fmt.Errorf("--auth %s needs --user and --password (or RIFFQ_PASSWORD)", method)
	}
	return riffq.WithPassword(m, user, password), nil
}

// tlsConfig loads a PEM certificate and key for TLS 1.2 and later.
func tlsConfig(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" || keyFile == "" {
		return nil, fmt.Errorf("TLS needs both --tls-cert and --tls-key")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("load TLS key pair: %v", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// versionLine names riffq's version, as the module was built, and the
// PostgreSQL version it speaks as.
func versionLine() string {
	v := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		v = bi.Main.Version
	}
	return fmt.Sprintf("riffq %s (reports server_version %s)", v, wire.DefaultServerVersion)
}
