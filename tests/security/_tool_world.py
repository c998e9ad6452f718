"""What the tool attempts share: the seeded store, actors, records to aim at, and a
fingerprint of every table a tool can change (so "held" also means "nothing changed")."""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.tools._seeded import DATA, SETTINGS
from tools import Actor, DuckDBStore, Store, ToolContext, ToolRegistry, ToolResult
from tools.catalog import build_registry

DB: dict[str, Any] = json.loads((DATA / "db.json").read_text(encoding="utf-8"))
ORDERS: list[dict[str, Any]] = list(DB["orders"].values())
USERS: dict[str, dict[str, Any]] = DB["users"]

# Every table a tool writes; tool_effects shows a recorded side effect.
MUTABLE = ("orders", "users", "variants", "price_history", "stock", "reservations",
           "tool_effects")

_keys = itertools.count()


def ctx(role: str = "system", *, user_id: str | None = None, key: str | None = None,
        approved: bool = False) -> ToolContext:
    actor = Actor(role=role, user_id=user_id)  # type: ignore[arg-type]
    return ToolContext(actor=actor, approved=approved,
                       idempotency_key=key or f"security-{next(_keys)}")


def customer(user_id: str, **kw: Any) -> ToolContext:
    return ctx("customer", user_id=user_id, **kw)


def fingerprint(store: Store) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent hash of each mutable table."""
    out = {}
    with store.cursor() as c:
        for table in MUTABLE:
            row = c.execute(f"SELECT count(*), coalesce(sum(hash(t)), 0) FROM {table} AS t"
                            ).fetchone()
            assert row is not None
            out[table] = (int(row[0]), int(row[1]))
    return out


def assert_held(store: Store, call: Callable[[], ToolResult],
         allowed: tuple[str, ...] = ("error", "needs_approval")) -> ToolResult:
    """Run one attempt: it must come back refused and change nothing."""
    before = fingerprint(store)
    result = call()
    assert result.status in allowed, f"breach: {result.for_model()[:300]}"
    assert fingerprint(store) == before, "the store changed although the call was refused"
    return result


def orders(pred: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    return [o for o in ORDERS if pred(o)]


def first_method(order: dict[str, Any]) -> str:
    method: str = order["payment_history"][0]["payment_method_id"]
    return method


def paid(order: dict[str, Any]) -> float:
    return float(sum(p["amount"] for p in order["payment_history"]
                     if p["transaction_type"] == "payment"))


def other_variant(item: dict[str, Any], *, available: bool = True) -> str | None:
    """Another variant of the item's product (available or not), if there is one."""
    variants = DB["products"][item["product_id"]]["variants"]
    return next((i for i, v in variants.items()
                 if i != item["item_id"] and v["available"] == available), None)


@pytest.fixture(scope="module")
def shared(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[Store, ToolRegistry]]:
    """One store for a module whose attempts must all leave it unchanged (fingerprinted)."""
    path = tmp_path_factory.mktemp("security") / "store.duckdb"
    shutil.copyfile(seeded_template, path)
    store = DuckDBStore(path)
    yield store, build_registry(store, SETTINGS)
    store.close()


def row(store: Store, sql: str, params: list[Any]) -> tuple[Any, ...]:
    with store.cursor() as c:
        found = c.execute(sql, params).fetchone()
    assert found is not None
    return tuple(found)


def order_row(store: Store, order_id: str) -> dict[str, Any]:
    status, history = row(store, "SELECT status, payment_history FROM orders WHERE order_id = ?",
                          [order_id])
    return {"status": status, "payment_history": json.loads(history)}


def balance(store: Store, user_id: str, method_id: str) -> float | None:
    (methods,) = row(store, "SELECT payment_methods FROM users WHERE user_id = ?", [user_id])
    value = json.loads(methods)[method_id].get("balance")
    return None if value is None else float(value)
