"""Tool-call latency (p50/p95) and effects/s on the DuckDB and PostgreSQL stores, side by side.

    python -m benchmarks.bench_store [--calls 40]    # -> benchmarks/results/store.json

The same seeded world on both backends (DuckDB file; an embedded PostgreSQL from the
``pgserver`` wheel, over its Unix socket); 1, 4 and 16 threads each make ``--calls``
side-effecting calls (``release_reservation`` of an order of their own, active reservations
or none: a transaction with the effect and its idempotency record) and as many reads
(``get_stock``). DuckDB serialises its writers in the one process; PostgreSQL runs them
concurrently (REPEATABLE READ).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from tools import Actor, DuckDBStore, Store, ToolContext, ToolSettings, build_registry
from tools.seed import seed_store

DATA = Path(__file__).resolve().parents[1] / "data"
RESULTS = Path(__file__).resolve().parent / "results" / "store.json"
CALLERS = (1, 4, 16)


def _measure(store: Store, callers: int, calls: int, tag: str) -> dict[str, float]:
    registry = build_registry(store, ToolSettings())
    with store.cursor() as db:
        items = [r[0] for r in db.execute("SELECT item_id FROM variants ORDER BY item_id LIMIT 50")
                 .fetchall()]
        orders = [r[0] for r in db.execute("SELECT order_id FROM orders ORDER BY order_id "
                                           "LIMIT ?", [callers * calls]).fetchall()]
    writes: list[float] = []
    reads: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(callers)

    def caller(k: int) -> None:
        mine_w, mine_r = [], []
        barrier.wait()
        for n in range(calls):
            ctx = ToolContext(actor=Actor(role="system"), idempotency_key=f"{tag}-{k}-{n}")
            t = time.perf_counter()
            res = registry.call("release_reservation", {
                "order_id": orders[(k * calls + n) % len(orders)], "reason": "bench"}, ctx)
            mine_w.append(time.perf_counter() - t)
            assert res.ok, res.for_model()
            t = time.perf_counter()
            registry.call("get_stock", {"item_ids": [items[(k + n) % len(items)]]}, ctx)
            mine_r.append(time.perf_counter() - t)
        with lock:
            writes.extend(mine_w)
            reads.extend(mine_r)

    threads = [threading.Thread(target=caller, args=(k,)) for k in range(callers)]
    started = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - started

    def pct(xs: list[float], q: int) -> float:
        return round(1000 * statistics.quantiles(xs, n=100)[q - 1], 2)

    return {"write_p50_ms": pct(writes, 50), "write_p95_ms": pct(writes, 95),
            "read_p50_ms": pct(reads, 50), "read_p95_ms": pct(reads, 95),
            "effects_per_s": round(len(writes) / wall, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=40)
    args = ap.parse_args()
    import pgserver

    from tools._pg_store import PostgresStore

    out: dict[str, Any] = {"load_average": os.getloadavg(), "calls_per_caller": args.calls}
    with tempfile.TemporaryDirectory() as tmp:
        duck = DuckDBStore(Path(tmp) / "bench.duckdb")
        seed_store(duck, ToolSettings(), DATA)
        server = pgserver.get_server(Path(tmp) / "pg", cleanup_mode="delete")
        try:
            pg = PostgresStore(server.get_uri(), pool_size=max(CALLERS))
            seed_store(pg, ToolSettings(), DATA)
            for name, store in (("duckdb", duck), ("postgres", pg)):
                out[name] = {str(c): _measure(store, c, args.calls, f"{name}{c}")
                             for c in CALLERS}
                print(name, json.dumps(out[name]))
            pg.close()
        finally:
            duck.close()
            server.cleanup()
    out["load_average_after"] = os.getloadavg()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(f"load average {out['load_average']} -> {out['load_average_after']}; "
          f"written to {RESULTS}")


if __name__ == "__main__":
    main()
