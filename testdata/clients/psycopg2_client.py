"""Drives psycopg2 against a PostgreSQL-compatible server and prints what it
sees, one line per result, so the output can be compared with PostgreSQL's.

usage: python3 psycopg2_client.py DSN
"""
import sys

import psycopg2

conn = psycopg2.connect(sys.argv[1])
cur = conn.cursor()


def show(sql, params=None):
    try:
        cur.execute(sql, params)
        desc = [(d.name, d.type_code) for d in cur.description] if cur.description else None
        rows = cur.fetchall() if cur.description else None
        if rows:
            rows = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in rows]
        print(repr((cur.statusmessage, desc, rows)))
    except psycopg2.Error as e:
        print(repr(("error", e.pgcode, e.pgerror.splitlines()[0] if e.pgerror else None)))
        conn.rollback()


show("SELECT symbol, count(*), sum(volume), max(close) FROM candles WHERE close > %s GROUP BY symbol ORDER BY symbol", (200,))
show("SELECT * FROM types WHERE id <> 3 ORDER BY id")  # Python has no BC dates
show("SELECT id, t FROM types WHERE t = %s OR num = %s OR d = %s", ("O'Reilly", 0.999, "1999-12-31"))
show("SELECT nosuch FROM candles")
show("SELECT count(*) FROM symbols WHERE active")
show("SHOW TimeZone")
conn.commit()
conn.autocommit = True
show("BEGIN")
show("SELECT 1 / 0")
show("SELECT 1")
show("ROLLBACK")
show("SELECT %s::int + 1, %s || 'x', %s::numeric * 2", (41, "a", "1.5"))
conn.autocommit = False

# A named cursor is a server-side cursor (DECLARE, then FETCH FORWARD
# itersize rows at a time): how SQLAlchemy's stream_results and pandas'
# chunked reads page through large results.
named = conn.cursor(name="pages")
named.itersize = 7
named.execute("SELECT symbol, ts, close FROM candles ORDER BY ts, symbol LIMIT 30")
print(repr(("named", [r for r in named][::6])))
named.close()
named = conn.cursor(name="some")
named.execute("SELECT g FROM generate_series(1, 10) g")
print(repr(("fetchmany", named.fetchmany(3), named.fetchone(), named.fetchall())))
named.close()
conn.commit()

# Integrity errors name their table, constraint and column (psycopg2's diag;
# ORMs map errors to constraints by them).
# (A regular table, dropped after: a temporary one would leave PostgreSQL a
# pg_temp schema that other clients' expected catalogs would then show.)
cur.execute("CREATE TABLE diag_t (id int PRIMARY KEY, v text NOT NULL)")
cur.execute("INSERT INTO diag_t VALUES (1, 'a')")
conn.commit()
for sql in ["INSERT INTO diag_t VALUES (1, 'b')", "INSERT INTO diag_t VALUES (2, NULL)"]:
    try:
        cur.execute(sql)
    except psycopg2.Error as e:
        print(repr(("diag", e.pgcode, e.diag.table_name, e.diag.constraint_name, e.diag.column_name)))
        conn.rollback()
cur.execute("DROP TABLE diag_t")
conn.commit()
conn.close()
