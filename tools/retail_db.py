"""The store's retail tables (τ²-bench retail domain) and their db.json round trip.

Tables (the JSON columns hold the τ²-bench JSON text verbatim, key order kept)::

    products(product_id PK, name, seq)
    variants(item_id PK, product_id, options JSON, available, price DOUBLE, seq)
    users(user_id PK, first_name, last_name, email, address JSON,
          payment_methods JSON, orders JSON, seq)
    orders(order_id PK, user_id, status, address JSON, items JSON,
           fulfillments JSON, payment_history JSON, cancel_reason,
           exchange_items JSON, exchange_new_items JSON,
           exchange_payment_method_id, exchange_price_difference DOUBLE,
           return_items JSON, return_payment_method_id, extended, seq)

Views for analysts: ``order_items`` (one row per order line), ``order_payments``
(one row per transaction) and ``user_payment_methods`` (one row per method).

``seq`` keeps db.json's record order so ``export_tau2`` gives back the same
document. ``extended`` marks orders that carry the reference's optional keys
(``cancel_reason``, ``exchange_*``, ``return_*``): the reference writes all seven,
null when unset, once a write tool has touched the order, and only then.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ._dialect import MISSING_TABLE_ERRORS
from .errors import StoreError
from .store import Cursor

RETAIL_TABLES = ("products", "variants", "users", "orders")

ORDER_OPTIONAL_KEYS = (
    "cancel_reason",
    "exchange_items",
    "exchange_new_items",
    "exchange_payment_method_id",
    "exchange_price_difference",
    "return_items",
    "return_payment_method_id",
)
_ORDER_JSON_OPTIONAL = {"exchange_items", "exchange_new_items", "return_items"}
_ORDER_BASE_KEYS = ("order_id", "user_id", "address", "items", "status", "fulfillments",
                    "payment_history")

_DDL = """
CREATE TABLE IF NOT EXISTS products (
    product_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS variants (
    item_id VARCHAR PRIMARY KEY,
    product_id VARCHAR NOT NULL,
    options JSON NOT NULL,
    available BOOLEAN NOT NULL,
    price DOUBLE NOT NULL,
    seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    user_id VARCHAR PRIMARY KEY,
    first_name VARCHAR NOT NULL,
    last_name VARCHAR NOT NULL,
    email VARCHAR NOT NULL,
    address JSON NOT NULL,
    payment_methods JSON NOT NULL,
    orders JSON NOT NULL,
    seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    order_id VARCHAR PRIMARY KEY,
    user_id VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    address JSON NOT NULL,
    items JSON NOT NULL,
    fulfillments JSON NOT NULL,
    payment_history JSON NOT NULL,
    cancel_reason VARCHAR,
    exchange_items JSON,
    exchange_new_items JSON,
    exchange_payment_method_id VARCHAR,
    exchange_price_difference DOUBLE,
    return_items JSON,
    return_payment_method_id VARCHAR,
    extended BOOLEAN NOT NULL DEFAULT FALSE,
    seq INTEGER NOT NULL
);
"""


# The analysts' views, in DuckDB's SQL: on PostgreSQL they exist only in the analyst's
# DuckDB snapshot (``_pg_store.snapshot_to_duckdb``), created over the copied base tables.
VIEWS: dict[str, tuple[tuple[str, ...], str]] = {
    "order_items": (("orders",), """
CREATE OR REPLACE VIEW order_items AS
SELECT o.order_id, o.user_id, o.status,
       CAST(li.key AS INTEGER) AS line_no,
       li.value ->> '$.item_id' AS item_id,
       li.value ->> '$.product_id' AS product_id,
       li.value ->> '$.name' AS name,
       CAST(li.value ->> '$.price' AS DOUBLE) AS price,
       li.value -> '$.options' AS options
FROM orders AS o, json_each(o.items) AS li"""),
    "order_payments": (("orders",), """
CREATE OR REPLACE VIEW order_payments AS
SELECT o.order_id, o.user_id,
       CAST(p.key AS INTEGER) AS position,
       p.value ->> '$.transaction_type' AS transaction_type,
       CAST(p.value ->> '$.amount' AS DOUBLE) AS amount,
       p.value ->> '$.payment_method_id' AS payment_method_id
FROM orders AS o, json_each(o.payment_history) AS p"""),
    "user_payment_methods": (("users",), """
CREATE OR REPLACE VIEW user_payment_methods AS
SELECT u.user_id, m.key AS payment_method_id,
       m.value ->> '$.source' AS source,
       m.value ->> '$.brand' AS brand,
       m.value ->> '$.last_four' AS last_four,
       CAST(m.value ->> '$.balance' AS DOUBLE) AS balance
FROM users AS u, json_each(u.payment_methods) AS m"""),
}


def create_retail_schema(db: duckdb.DuckDBPyConnection) -> None:
    """Create the retail tables and views (DuckDB) if missing (idempotent)."""
    db.execute(_DDL)
    for _, sql in VIEWS.values():
        db.execute(sql)


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _read_source(source: str | Path | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(source, Mapping):
        return source
    try:
        with open(source, encoding="utf-8") as fh:
            data: dict[str, Any] = json.load(fh)
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read τ²-bench db from {source}: {exc}") from exc
    return data


def _order_row(seq: int, order: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(order) - set(_ORDER_BASE_KEYS) - set(ORDER_OPTIONAL_KEYS)
    if unknown:
        raise StoreError(f"order {order.get('order_id')} has unknown keys {sorted(unknown)}")
    row: dict[str, Any] = {
        "order_id": order["order_id"], "user_id": order["user_id"], "status": order["status"],
        "address": _dumps(order["address"]), "items": _dumps(order["items"]),
        "fulfillments": _dumps(order["fulfillments"]),
        "payment_history": _dumps(order["payment_history"]),
    }
    for key in ORDER_OPTIONAL_KEYS:
        value = order.get(key)
        row[key] = _dumps(value) if key in _ORDER_JSON_OPTIONAL else value
    row["extended"] = any(k in order for k in ORDER_OPTIONAL_KEYS)
    row["seq"] = seq
    return row


def _insert(db: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    frame = pd.DataFrame(rows)
    if "exchange_price_difference" in frame:
        frame["exchange_price_difference"] = frame["exchange_price_difference"].astype("float64")
    cols = ", ".join(frame.columns)
    db.register("_tau2_rows", frame)
    try:
        db.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _tau2_rows")
    finally:
        db.unregister("_tau2_rows")


def load_tau2(db: duckdb.DuckDBPyConnection, db_json_path: str | Path | Mapping[str, Any]) -> None:
    """Replace the retail tables' content with a τ²-bench ``db.json`` (path or parsed dict)."""
    data = _read_source(db_json_path)
    create_retail_schema(db)
    for table in RETAIL_TABLES:
        db.execute(f"DELETE FROM {table}")
    products: list[dict[str, Any]] = []
    variants: list[dict[str, Any]] = []
    for seq, product in enumerate(data["products"].values()):
        products.append({"product_id": product["product_id"], "name": product["name"], "seq": seq})
        for v in product["variants"].values():
            variants.append({"item_id": v["item_id"], "product_id": product["product_id"],
                             "options": _dumps(v["options"]), "available": bool(v["available"]),
                             "price": float(v["price"]), "seq": len(variants)})
    users = [
        {"user_id": u["user_id"], "first_name": u["name"]["first_name"],
         "last_name": u["name"]["last_name"], "email": u["email"],
         "address": _dumps(u["address"]), "payment_methods": _dumps(u["payment_methods"]),
         "orders": _dumps(u["orders"]), "seq": seq}
        for seq, u in enumerate(data["users"].values())
    ]
    orders = [_order_row(seq, o) for seq, o in enumerate(data["orders"].values())]
    _insert(db, "products", products)
    _insert(db, "variants", variants)
    _insert(db, "users", users)
    _insert(db, "orders", orders)


def order_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """One ``orders`` row (as a column->value mapping) in db.json's shape."""
    record: dict[str, Any] = {
        "order_id": row["order_id"], "user_id": row["user_id"],
        "address": json.loads(row["address"]), "items": json.loads(row["items"]),
        "status": row["status"], "fulfillments": json.loads(row["fulfillments"]),
        "payment_history": json.loads(row["payment_history"]),
    }
    if row["extended"]:
        for key in ORDER_OPTIONAL_KEYS:
            value = row[key]
            record[key] = json.loads(value) if key in _ORDER_JSON_OPTIONAL and value else value
    return record


def user_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """One ``users`` row in db.json's shape."""
    return {
        "user_id": row["user_id"],
        "name": {"first_name": row["first_name"], "last_name": row["last_name"]},
        "address": json.loads(row["address"]), "email": row["email"],
        "payment_methods": json.loads(row["payment_methods"]),
        "orders": json.loads(row["orders"]),
    }


def variant_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """One ``variants`` row in db.json's shape."""
    return {"item_id": row["item_id"], "options": json.loads(row["options"]),
            "available": bool(row["available"]), "price": row["price"]}


def fetch_dicts(db: Cursor, sql: str,
                params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Run a query and return its rows as column->value dicts."""
    cur = db.execute(sql, params or [])
    cols = [d[0] for d in cur.description or []]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def export_tau2(db: Cursor) -> dict[str, Any]:
    """The retail tables back in ``db.json``'s shape (``load_tau2`` then this is the identity)."""
    try:
        products: dict[str, Any] = {
            r["product_id"]: {"name": r["name"], "product_id": r["product_id"], "variants": {}}
            for r in fetch_dicts(db, "SELECT product_id, name FROM products ORDER BY seq")
        }
        for r in fetch_dicts(db, "SELECT * FROM variants ORDER BY seq"):
            products[r["product_id"]]["variants"][r["item_id"]] = variant_record(r)
        users = {r["user_id"]: user_record(r)
                 for r in fetch_dicts(db, "SELECT * FROM users ORDER BY seq")}
        orders = {r["order_id"]: order_record(r)
                  for r in fetch_dicts(db, "SELECT * FROM orders ORDER BY seq")}
    except MISSING_TABLE_ERRORS as exc:
        raise StoreError(f"the retail tables are missing; load them first: {exc}") from exc
    return {"products": products, "users": users, "orders": orders}
