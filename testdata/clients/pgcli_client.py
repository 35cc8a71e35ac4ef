"""Runs pgcli's start-up and completion-refresh queries (Debian's pgcli
package) against a PostgreSQL-compatible server and prints what pgcli would
complete from, for comparison with PostgreSQL's.

usage: python3 pgcli_client.py HOST PORT USER PASSWORD DBNAME

Only what both servers hold is printed: the public schema's tables and
columns, and the pg_catalog functions named below. The system relations
riffq emulates are a subset of PostgreSQL's, so they are left out.
pgcli's casing refresh, off by default (generate_casing_file), is not run.
"""
import sys

from pgcli.pgexecute import PGExecute

host, port, user, password, dbname = sys.argv[1:6]
e = PGExecute(database=dbname, user=user, password=password, host=host, port=port)
print("server_version", e.server_version.split(".")[0])
print("search_path", e.search_path())
print("schemata", list(e.schemata()))
print("tables", [t for t in e.tables() if t[0] == "public"])
print("views", [v for v in e.views() if v[0] == "public"])
for c in e.table_columns():
    if c[0] == "public":
        print("column", c)
print("foreignkeys", list(e.foreignkeys()))
print("datatypes", list(e.datatypes()))
print("databases lists the current one", dbname in e.databases() or e.dbname in e.databases())
names = {"upper", "lower", "abs", "round", "generate_series", "count", "sum", "array_agg", "now", "substring", "to_char", "row_number", "unnest", "jsonb_build_object"}
functions = list(e.functions())
print("functions in public", [f for f in functions if f.schema_name == "public"])
# pgcli orders by schema and name only: overloads come in any order.
for line in sorted(repr(f) for f in functions if f.schema_name == "pg_catalog" and f.func_name in names):
    print("function", line)
