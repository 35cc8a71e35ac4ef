"""Drives psycopg 3 against a PostgreSQL-compatible server and prints what it
sees, one line per result, so the output can be compared with PostgreSQL's:
server-side (named) cursors, binary results, COPY rows, prepared statements,
pipelines and list parameters.

usage: python3 psycopg3_client.py DSN
"""
import sys

import psycopg

conn = psycopg.connect(sys.argv[1])


def show(label, fn):
    try:
        print(repr((label, fn())))
    except psycopg.Error as e:
        print(repr((label, "error", e.sqlstate, str(e).splitlines()[0])))
        conn.rollback()


def desc(cur):
    return [(d.name, d.type_code) for d in cur.description]


def named(binary):
    with conn.cursor("c_named", binary=binary) as cur:
        cur.execute("SELECT symbol, ts, close FROM candles WHERE symbol = %s ORDER BY ts LIMIT 5", ("AAPL",))
        first = cur.fetchmany(2)
        return desc(cur), first, cur.fetchall()


show("named cursor, text", lambda: named(False))
show("named cursor, binary", lambda: named(True))
conn.commit()


def copy_rows():
    with conn.cursor() as cur:
        with cur.copy("COPY (SELECT id, t, num FROM types ORDER BY id) TO STDOUT (FORMAT BINARY)") as cp:
            cp.set_types(["int4", "text", "numeric"])
            return list(cp.rows())


show("copy rows, binary", copy_rows)


def any_list():
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM types WHERE num = ANY(%s) ORDER BY id", ([0, 1],))
        a = cur.fetchall()
        cur.execute("SELECT id FROM types WHERE num <> ALL(%s) ORDER BY id", ([0, 1],))
        return a, cur.fetchall()


show("= ANY of a list", any_list)


def prepared(binary):
    with conn.cursor(binary=binary) as cur:
        out = []
        for i in range(7):
            cur.execute("SELECT %s::int + 1, %s::text, %s::numeric", (i, "x" * i, "1.5"), prepare=True)
            out.append(cur.fetchone())
        return out


show("prepared, text", lambda: prepared(False))
show("prepared, binary", lambda: prepared(True))
conn.commit()


def pipeline():
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE p3_items (id int PRIMARY KEY, name text)")
            with conn.pipeline():
                cur.executemany("INSERT INTO p3_items VALUES (%s, %s)", [(i, "n%d" % i) for i in range(5)])
                cur.execute("UPDATE p3_items SET name = upper(name) WHERE id > %s", (2,))
            cur.execute("SELECT count(*), string_agg(name, ',' ORDER BY id) FROM p3_items")
            res = cur.fetchone()
            cur.execute("DROP TABLE p3_items")
            return res
    finally:
        conn.autocommit = False


show("pipeline", pipeline)


def type_info():
    from psycopg.types import TypeInfo
    out = []
    for name in ("uuid", "int4", "numeric", "text[]", "timestamp with time zone", "nosuch"):
        t = TypeInfo.fetch(conn, name)
        out.append(t and (t.name, t.oid, t.array_oid, t.regtype, t.delimiter))
    return out


show("TypeInfo.fetch ($1::regtype)", type_info)


def atomic_batches():
    # Statements sent together (executemany's pipeline, a pipeline up to
    # its Sync, several statements in one query) form one implicit
    # transaction: an error rolls all of them back.
    conn.autocommit = True
    out = []
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE p3_atomic (a int PRIMARY KEY)")
            try:
                cur.executemany("INSERT INTO p3_atomic VALUES (%s)", [(1,), (2,), (1,)])
            except psycopg.Error as e:
                out.append(e.sqlstate)
            cur.execute("SELECT count(*) FROM p3_atomic")
            out.append(cur.fetchone())
            try:
                with conn.pipeline():
                    cur.execute("INSERT INTO p3_atomic VALUES (3)")
                    cur.execute("SELECT 1/0")
            except psycopg.Error as e:
                out.append(e.sqlstate)
            try:
                cur.execute("INSERT INTO p3_atomic VALUES (4); INSERT INTO p3_atomic VALUES (5); SELECT 1/0")
            except psycopg.Error as e:
                out.append(e.sqlstate)
            cur.execute("SELECT count(*) FROM p3_atomic")
            out.append(cur.fetchone())
            cur.execute("DROP TABLE p3_atomic")
        return out
    finally:
        conn.autocommit = False


show("atomic batches", atomic_batches)
