// Package postgres serves the tables of a remote PostgreSQL (or
// PostgreSQL-compatible) database: each scan becomes one SELECT with the
// projection, the filters it can express and the limit pushed into it, whose
// binary results are decoded straight into Arrow batches as they arrive.
//
// This is riffq's federation story: a remote table joins a local Parquet
// file in one query, and the remote server only sends the rows and columns
// the query needs.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/riffq/riffq/pgerror"
)

// Source is a connection pool to a remote database and the tables found in
// it when it was opened.
type Source struct {
	pool   *pgxpool.Pool
	log    *slog.Logger
	tables []*Table
}

// Options tune Open.
type Options struct {
	// Schemas limits the tables served to these remote schemas; nil serves
	// every schema but the system ones.
	Schemas []string
	// Logger receives each remote query at debug level; nil discards them.
	Logger *slog.Logger
}

// Open connects to the database named by connString (a postgres:// URL or a
// keyword/value string, as libpq takes) and reads the schemas of its tables,
// views, materialized views and foreign tables. Close releases the pool.
func Open(ctx context.Context, connString string, opts Options) (*Source, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("postgres source: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres source: %w", err)
	}
	s := &Source{pool: pool, log: opts.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := s.load(ctx, opts.Schemas); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres source %s@%s:%d/%s: %w", cfg.ConnConfig.User, cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, oneLine{err})
	}
	return s, nil
}

// oneLine flattens pgx's multi-line connection errors (one line per address
// tried, often repeated) into one line for logs and start-up messages.
type oneLine struct{ err error }

func (e oneLine) Error() string {
	var parts []string
	for _, p := range strings.Split(e.err.Error(), "\n") {
		p = strings.TrimSpace(p)
		if p != "" && !slices.Contains(parts, p) {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

func (e oneLine) Unwrap() error { return e.err }

// Tables returns the remote tables, ordered by schema and name.
func (s *Source) Tables() []*Table { return s.tables }

// Close closes the pool; scans still running fail.
func (s *Source) Close() { s.pool.Close() }

// columnsQuery lists the columns of every user relation. Dropped columns and
// system columns are left out; format_type names types the way psql's \d
// does, for the messages about columns served as text.
const columnsQuery = `
SELECT n.nspname, c.relname, a.attname, a.atttypid, a.atttypmod, a.attnotnull,
       format_type(a.atttypid, a.atttypmod), t.typtype, t.typbasetype, t.typtypmod,
       CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE 0 END
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
  AND (cardinality($1::text[]) = 0 OR n.nspname = ANY ($1))
  AND has_table_privilege(c.oid, 'SELECT')
ORDER BY n.nspname, c.relname, a.attnum`

func (s *Source) load(ctx context.Context, schemas []string) error {
	if schemas == nil {
		schemas = []string{}
	}
	rows, err := s.pool.Query(ctx, columnsQuery, schemas)
	if err != nil {
		return err
	}
	defer rows.Close()
	var cur *Table
	for rows.Next() {
		var (
			nsp, rel, att, typeName string
			typid, basetype, elem   uint32
			typmod, basetypmod      int32
			notNull                 bool
			typtype                 string
		)
		if err := rows.Scan(&nsp, &rel, &att, &typid, &typmod, &notNull, &typeName, &typtype, &basetype, &basetypmod, &elem); err != nil {
			return err
		}
		if cur == nil || cur.remoteSchema != nsp || cur.remoteName != rel {
			cur = &Table{src: s, remoteSchema: nsp, remoteName: rel}
			s.tables = append(s.tables, cur)
		}
		if typtype == "d" { // a domain reads as its base type
			typid, typmod = basetype, basetypmod
		}
		cur.columns = append(cur.columns, newColumn(att, typid, typmod, typeName, !notNull, elem))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range s.tables {
		fields := make([]arrow.Field, len(t.columns))
		for i, c := range t.columns {
			fields[i] = arrow.Field{Name: c.name, Type: c.typ, Nullable: c.nullable}
		}
		t.schema = arrow.NewSchema(fields, nil)
	}
	return nil
}

// quoteIdent quotes a remote identifier for SQL text.
func quoteIdent(parts ...string) string { return pgx.Identifier(parts).Sanitize() }

// remoteError turns a failure of a remote query into the PostgreSQL error
// the client sees: the remote server's own SQLSTATE when it sent one,
// connection_failure (08006) when the connection broke, and the context's
// error when the query was canceled.
func remoteError(ctx context.Context, table string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return &pgerror.Error{Code: pe.Code, Message: fmt.Sprintf("remote table %s: %s", table, pe.Message), Detail: pe.Detail, Hint: pe.Hint}
	}
	return pgerror.New("08006", "remote table %s: %v", table, err)
}
