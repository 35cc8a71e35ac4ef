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
    orm_round_trip(engine)


def orm_round_trip(engine):
    """What an application's models do: create_all with indexes and a
    unique column, insert, reflect, select, drop_all."""
    md = sa.MetaData()
    items = sa.Table(
        "sa_items", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), index=True),
        sa.Column("code", sa.String(10), unique=True),
        sa.Column("price", sa.Numeric),
    )
    sa.Index("sa_items_name_price", items.c.name, items.c.price.desc())
    orders = sa.Table(
        "sa_orders", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("sa_items.id"), nullable=False),
        sa.Column("qty", sa.Integer, sa.CheckConstraint("qty > 0", name="sa_orders_qty_positive")),
    )
    md.create_all(engine)
    try:
        with engine.begin() as conn:
            conn.execute(items.insert(), [{"id": 1, "name": "a", "code": "x", "price": 1.5}, {"id": 2, "name": "b", "code": "y", "price": 2}])
        insp = sa.inspect(engine)
        print("orm indexes", sorted((i["name"], i["column_names"], i["unique"]) for i in insp.get_indexes("sa_items")))
        print("orm unique", insp.get_unique_constraints("sa_items"))
        print("orm columns", [(c["name"], str(c["type"])) for c in insp.get_columns("sa_items")])
        with engine.connect() as conn:
            print("orm rows", [tuple(r) for r in conn.execute(sa.select(items).order_by(items.c.id))])
        try:
            with engine.begin() as conn:
                conn.execute(items.insert(), [{"id": 3, "name": "c", "code": "x", "price": 0}])
        except sa.exc.IntegrityError as e:
            print("orm duplicate", e.orig.pgcode)
        print("orm foreign keys", [(f["name"], f["constrained_columns"], f["referred_table"], f["referred_columns"]) for f in insp.get_foreign_keys("sa_orders")])
        print("orm checks", insp.get_check_constraints("sa_orders"))
        with engine.begin() as conn:
            conn.execute(orders.insert(), [{"id": 1, "item_id": 2, "qty": 3}])
        for bad in ({"id": 2, "item_id": 9, "qty": 1}, {"id": 3, "item_id": 1, "qty": 0}):
            try:
                with engine.begin() as conn:
                    conn.execute(orders.insert(), [bad])
            except sa.exc.IntegrityError as e:
                print("orm refused", e.orig.pgcode)
        try:
            with engine.begin() as conn:
                conn.execute(items.delete().where(items.c.id == 2))
        except sa.exc.IntegrityError as e:
            print("orm referenced", e.orig.pgcode)
    finally:
        md.drop_all(engine)


main()
