package riffq_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/riffq/riffq"
	"github.com/riffq/riffq/internal/pgtest"
	"github.com/riffq/riffq/sources/postgres"
)

// remoteSetup is the remote side of the federation tests: accounts that
// join the sample's candles (Parquet) and symbols (CSV), and a table of
// every type the postgres source decodes.
const remoteSetup = `
CREATE SCHEMA crm;
CREATE TABLE crm.accounts (id int PRIMARY KEY, symbol text, owner text, since date, credit numeric(12,2));
INSERT INTO crm.accounts VALUES
	(1, 'AAPL', 'alice', '2019-03-01', 1500.00), (2, 'AMZN', 'bob', '2021-07-15', 250.50),
	(3, 'MSFT', 'alice', '2020-01-01', NULL), (4, 'NOPE', 'carol', NULL, 10.00), (5, NULL, 'dave', '2022-02-02', 0.01);
CREATE TABLE crm.typed (
	id int, b bool, i2 smallint, i8 bigint, f4 real, f8 double precision, n numeric(12,2), nu numeric,
	t text, vc varchar(10), c char(3), by bytea, d date, tm time, ts timestamp, tz timestamptz,
	iv interval, u uuid, j json, jb jsonb, ai int[], at text[], pt point);
INSERT INTO crm.typed VALUES
	(1, true, -1, 10000000000, 1.5, 2.25, 1234.50, 3.14159265358979323846, 'héllo', 'v', 'ab', '\x00ff',
	 '2024-02-29', '13:14:15.5', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05+02', '1 year 2 mons 3 days 04:05:06',
	 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2]}', '{"b": 1, "a": 2}', '{1,NULL,3}', '{x,"y z"}', '(1,2)'),
	(2, false, NULL, NULL, '-Infinity', 'NaN', -0.5, 100, '', NULL, NULL, '\x', '0001-01-01', '00:00', NULL, NULL,
	 '-3 days', NULL, NULL, 'null', '{}', '{NULL}', NULL);
`

// TestFederation joins tables of a remote PostgreSQL with the sample's
// Parquet and CSV files, and checks every answer against PostgreSQL itself
// holding the same data.
func TestFederation(t *testing.T) {
	pg := pgtest.ForTest(t)
	ctx := context.Background()
	ref, err := pgx.Connect(ctx, pg.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close(ctx)
	if _, err := ref.Exec(ctx, remoteSetup); err != nil {
		t.Fatal(err)
	}
	// The reference holds the local files too, so one query runs on both.
	loadReference(t, ref, sampleTables(t))
	src, err := postgres.Open(ctx, pg.URL(), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var opts []riffq.Option
	for _, tb := range src.Tables() {
		if tb.RemoteSchema() == "crm" {
			opts = append(opts, riffq.WithSchemaTable("crm", tb.Name(), tb))
		}
	}
	conn := connect(t, startServer(t, opts...))

	queries := []string{
		`SELECT * FROM crm.typed ORDER BY id`,
		`SELECT * FROM crm.accounts ORDER BY id`,
		`SELECT owner, credit FROM crm.accounts WHERE credit > 100 AND owner LIKE 'a%' ORDER BY 1`,
		`SELECT id FROM crm.accounts WHERE symbol < 'B' OR since IS NULL ORDER BY id`,
		`SELECT a.owner, a.symbol, count(*), sum(c.volume), max(c.close) FROM crm.accounts a JOIN candles c ON c.symbol = a.symbol GROUP BY 1, 2 ORDER BY 1, 2`,
		`SELECT a.id, s.name, s.sector FROM crm.accounts a LEFT JOIN symbols s ON s.symbol = a.symbol ORDER BY a.id`,
		`SELECT s.sector, count(DISTINCT a.owner), min(c.low) FROM crm.accounts a JOIN symbols s USING (symbol) JOIN candles c ON c.symbol = s.symbol WHERE a.since >= DATE '2020-01-01' GROUP BY s.sector ORDER BY 1`,
		`SELECT owner FROM crm.accounts WHERE symbol IN (SELECT symbol FROM symbols WHERE active) ORDER BY 1`,
		`SELECT count(*) FROM crm.accounts WHERE id > 2 LIMIT 1`,
	}
	for _, q := range queries {
		want := textRows(t, ref, q)
		got := textRows(t, conn, q)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s\n got:\n%s\nwant (PostgreSQL):\n%s", q, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}

	// The filters reach the remote server: EXPLAIN shows them in the scan.
	plan := strings.Join(textRows(t, conn, `EXPLAIN SELECT owner FROM crm.accounts WHERE credit > 100 AND owner LIKE 'a%'`), "\n")
	if !strings.Contains(plan, "Scan: crm.accounts") || !strings.Contains(plan, "filters=[") || strings.Contains(plan, "Filter:") {
		t.Errorf("filters not pushed into the remote scan:\n%s", plan)
	}
}

// textRows runs q and renders each row as its columns' text, NULL as NULL.
func textRows(t *testing.T, conn *pgx.Conn, q string) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), q, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var cols []string
		for _, v := range rows.RawValues() {
			if v == nil {
				cols = append(cols, "NULL")
			} else {
				cols = append(cols, string(v))
			}
		}
		out = append(out, strings.Join(cols, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}
