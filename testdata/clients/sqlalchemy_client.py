"""SQLAlchemy's inspector over the sample tables: what an ORM, pandas or a
notebook sees when it reflects the database. Prints one line per fact.

usage: sqlalchemy_client.py URL
"""
import sys

import sqlalchemy as sa


def main():
    engine = sa.create_engine(sys.argv[1])
    insp = sa.inspect(engine)
    print("schemas", insp.get_schema_names())
    tables = insp.get_table_names()
    print("tables", tables)
    print("views", insp.get_view_names())
    for table in tables:
        for c in insp.get_columns(table):
            print("column", table, c["name"], str(c["type"]), c["nullable"], c.get("default"), c.get("comment"))
        print("primary key", table, insp.get_pk_constraint(table))
        print("foreign keys", table, insp.get_foreign_keys(table))
        print("indexes", table, insp.get_indexes(table))
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT symbol, sector FROM symbols WHERE sector = :s ORDER BY symbol"), {"s": "Technology"})
        print("query", [tuple(r) for r in rows])


main()
