"""A process of the store concurrency test: reserve, round by round, the last unit of an item.

Each round every racer waits at the barrier, then reserves one unit of the round's item
for its own order (its own idempotency key). The results go back through the queue.
"""

from __future__ import annotations

from typing import Any

from tools import Actor, ToolContext, ToolSettings, build_registry
from tools._pg_store import PostgresStore


def race(dsn: str, racer: int, rounds: list[tuple[str, list[str]]], barrier: Any,
         results: Any) -> None:
    store = PostgresStore(dsn)
    try:
        registry = build_registry(store, ToolSettings())
        for n, (item, orders) in enumerate(rounds):
            barrier.wait(timeout=60)
            ctx = ToolContext(actor=Actor(role="system"), idempotency_key=f"race-{n}-{racer}")
            res = registry.call("reserve_stock", {
                "order_id": orders[racer], "lines": [{"item_id": item, "quantity": 1}],
                "state": "TX"}, ctx)
            code = res.error.code if res.error else None
            status = getattr(res.output, "status", None)
            results.put((n, racer, res.status, status, code))
    finally:
        store.close()
