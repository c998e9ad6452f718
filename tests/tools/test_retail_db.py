from __future__ import annotations

import copy
import json
from typing import Any

import duckdb
import pytest

from tools import Store
from tools.errors import StoreError
from tools.retail_db import export_tau2, load_tau2

from .conftest import DATA


def test_load_then_export_is_db_json(store: Store, tau2_db: dict[str, Any]) -> None:
    with store.cursor() as db:
        exported = export_tau2(db)
    assert exported == tau2_db
    # Same document text too: record and key order survive the round trip.
    assert json.dumps(exported) == json.dumps(tau2_db)


def test_load_from_path_replaces_previous_content(tau2_db: dict[str, Any]) -> None:
    db = duckdb.connect()
    small = copy.deepcopy(tau2_db)
    small["orders"] = dict(list(small["orders"].items())[:3])
    load_tau2(db, small)
    assert db.execute("SELECT count(*) FROM orders").fetchone() == (3,)
    load_tau2(db, DATA / "db.json")
    assert db.execute("SELECT count(*) FROM orders").fetchone() == (1000,)


def test_optional_order_keys_round_trip(tau2_db: dict[str, Any]) -> None:
    data = copy.deepcopy(tau2_db)
    oid = next(iter(data["orders"]))
    data["orders"][oid].update(
        cancel_reason=None, exchange_items=["1", "2"], exchange_new_items=["3", "4"],
        exchange_payment_method_id="gift_card_1", exchange_price_difference=-16.63,
        return_items=None, return_payment_method_id=None,
    )
    db = duckdb.connect()
    load_tau2(db, data)
    assert export_tau2(db) == data


def test_analyst_views(store: Store, tau2_db: dict[str, Any]) -> None:
    # What the analyst reads: the store itself (DuckDB) or its snapshot (PostgreSQL).
    with store.analytics_reader(["order_items", "user_payment_methods"]) as db:
        lines = db.execute("SELECT count(*) FROM order_items").fetchone()
        total = db.execute(
            "SELECT round(sum(price), 2) FROM order_items WHERE order_id = '#W2611340'"
        ).fetchone()
        methods = db.execute("SELECT count(*) FROM user_payment_methods").fetchone()
    assert lines == (sum(len(o["items"]) for o in tau2_db["orders"].values()),)
    assert total == (round(sum(i["price"] for i in tau2_db["orders"]["#W2611340"]["items"]), 2),)
    assert methods == (sum(len(u["payment_methods"]) for u in tau2_db["users"].values()),)


def test_export_without_tables_is_a_store_error() -> None:
    with pytest.raises(StoreError):
        export_tau2(duckdb.connect())


def test_unknown_order_key_is_refused(tau2_db: dict[str, Any]) -> None:
    data = copy.deepcopy(tau2_db)
    next(iter(data["orders"].values()))["surprise"] = 1
    with pytest.raises(StoreError, match="surprise"):
        load_tau2(duckdb.connect(), data)
