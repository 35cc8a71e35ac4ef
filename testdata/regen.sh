#!/usr/bin/env bash
# Regenerates the expected results in testdata/sql/*.slt from a real
# PostgreSQL 15: starts a throwaway server (C locale, UTF8, TimeZone UTC),
# loads the sample tables into it, runs every statement there and writes the
# answers back into the files.
#
#   testdata/regen.sh          rewrite the files
#   testdata/regen.sh --check  fail if the files differ from PostgreSQL's answers
#
# Needs Debian's postgresql-15 package (PGBIN overrides its bin directory)
# and the drivers .ci/run installs (python3-psycopg2, python3-psycopg, node's pg,
# JDBC).
set -euo pipefail
cd "$(dirname "$0")/.."

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PORT=${PGPORT:-55439}
tmp=$(mktemp -d)
as_pg=()
if [ "$(id -u)" = 0 ]; then
	# PostgreSQL refuses to run as root.
	chown postgres "$tmp"
	as_pg=(runuser -u postgres --)
fi
cleanup() {
	"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

"${as_pg[@]}" env TZ=UTC "$PGBIN/initdb" -D "$tmp/data" --locale=C --encoding=UTF8 -A trust -U postgres >"$tmp/initdb.log"
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$tmp/data" -w -l "$tmp/server.log" \
	-o "-p $PORT -k $tmp -c listen_addresses=127.0.0.1 -c timezone=UTC -c fsync=off" start >/dev/null
"$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -XAtc "SELECT version()"

# The columns of the emulated pg_catalog and information_schema, and the
# built-in types, as PostgreSQL 15 defines them.
go run ./catalog/internal/gensystem -pg "postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable" -procs catalog/pg_proc.tsv -operators catalog/pg_operator.tsv -casts catalog/pg_cast.tsv >catalog/system_relations.go.new
mv catalog/system_relations.go.new catalog/system_relations.go

go test -count=1 -run '^TestSQLLogic$' . -args -update -pg "postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable"

# TPC-H at scale factor 0.01, in a database of its own so the catalog
# expectations above and below do not see its tables.
"$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -XqAtc "CREATE DATABASE tpch"
go test -count=1 -run '^TestTPCH$' . -args -update -pg "postgres://postgres@127.0.0.1:$PORT/tpch?sslmode=disable"

# psql's own rendering of the same data: TestPsql compares riffq's with it.
"$PGBIN/psql" -X -q -v ON_ERROR_STOP=0 -P null='(null)' -f testdata/psql/session.sql \
	"postgres://postgres@127.0.0.1:$PORT/postgres" >testdata/psql/session.out 2>testdata/psql/session.err || true

# A binary COPY of every type: TestCopyBinary compares riffq's bytes.
"$PGBIN/psql" -X -q -c "\\copy (SELECT * FROM types ORDER BY id) TO 'testdata/psql/types.copy' (FORMAT binary)" \
	"postgres://postgres@127.0.0.1:$PORT/postgres"

# What each driver prints against PostgreSQL: TestDrivers compares riffq's.
url="postgres://postgres@127.0.0.1:$PORT/postgres"
/usr/bin/python3 testdata/clients/psycopg2_client.py "host=127.0.0.1 port=$PORT user=postgres dbname=postgres" >testdata/clients/psycopg2.expected
/usr/bin/python3 testdata/clients/psycopg3_client.py "host=127.0.0.1 port=$PORT user=postgres dbname=postgres" >testdata/clients/psycopg3.expected
/usr/bin/python3 testdata/clients/pgcli_client.py 127.0.0.1 "$PORT" postgres unused postgres >testdata/clients/pgcli.expected
/usr/bin/python3 testdata/clients/sqlalchemy_client.py "postgresql+psycopg2://postgres@127.0.0.1:$PORT/postgres" >testdata/clients/sqlalchemy.expected
[ -d testdata/clients/node/node_modules/pg ] || (cd testdata/clients/node && npm ci --no-audit --no-fund --silent)
(cd testdata/clients/node && TZ=UTC node client.js "$url") >testdata/clients/node.expected
classes=$(mktemp -d)
javac -d "$classes" testdata/clients/jdbc/Client.java
java -cp "/usr/share/java/postgresql.jar:$classes" Client "jdbc:postgresql://127.0.0.1:$PORT/postgres" postgres unused >testdata/clients/jdbc.expected
rm -rf "$classes"

if [ "${1:-}" = "--check" ]; then
	git diff --exit-code -- testdata/sql testdata/tpch testdata/psql testdata/clients catalog/system_relations.go catalog/pg_proc.tsv catalog/pg_operator.tsv || {
		echo "testdata/sql differs from PostgreSQL's answers: run testdata/regen.sh and commit" >&2
		exit 1
	}
fi
