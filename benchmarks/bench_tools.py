"""Latency of tool calls through the registry, beside raw DuckDB in the same run.

    .venv/bin/python -m benchmarks.bench_tools [--n 300]

Seeds a file-backed store (τ²-bench retail tables plus the generated operational
data), then times a read tool (get_order_details) and a write tool
(modify_pending_order_address, a fresh idempotency key per call: validation, one
transaction, the effect and its ledger row) against the same read as one raw DuckDB
query and the same update as one raw DuckDB transaction. Prints p50/p95 and writes
benchmarks/results/tools.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools import Actor, DuckDBStore, ToolContext, ToolSettings, build_registry
from tools.seed import seed_store

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "tools.json"


def _timed(fn: Callable[[int], object], n: int, warmup: int = 20) -> dict[str, float]:
    for i in range(warmup):
        fn(-1 - i)
    samples = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"n": n, "p50_ms": round(statistics.median(samples), 4),
            "p95_ms": round(samples[int(0.95 * (n - 1))], 4),
            "mean_ms": round(statistics.fmean(samples), 4)}


def run(n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        store = DuckDBStore(Path(tmp) / "bench.duckdb")
        settings = ToolSettings()
        seed_store(store, settings, ROOT / "data")
        registry = build_registry(store, settings)
        with store.cursor() as db:
            row = db.execute("SELECT order_id FROM orders WHERE status = 'pending' "
                             "ORDER BY seq LIMIT 1").fetchone()
        assert row is not None
        order_id = row[0]
        reader = ToolContext(actor=Actor(role="support"))

        def tool_read(_: int) -> None:
            assert registry.call("get_order_details", {"order_id": order_id}, reader).ok

        def raw_read(_: int) -> None:
            with store.cursor() as db:
                assert db.execute("SELECT * FROM orders WHERE order_id = ?",
                                  [order_id]).fetchone() is not None

        def address(i: int) -> dict[str, str]:
            return {"address1": f"{abs(i)} Main St", "address2": "", "city": "Austin",
                    "state": "TX", "country": "USA", "zip": "73301"}

        def tool_write(i: int) -> None:
            ctx = ToolContext(actor=Actor(role="support"), idempotency_key=f"bench-{i}")
            result = registry.call("modify_pending_order_address",
                                   {"order_id": order_id, **address(i)}, ctx)
            assert result.ok and not result.replayed

        def raw_write(i: int) -> None:
            with store.transaction() as db:
                db.execute("UPDATE orders SET address = ? WHERE order_id = ?",
                           [json.dumps(address(i)), order_id])

        figures = {
            "read_tool_get_order_details": _timed(tool_read, n),
            "read_baseline_raw_duckdb_select": _timed(raw_read, n),
            "write_tool_modify_pending_order_address": _timed(tool_write, n),
            "write_baseline_raw_duckdb_update": _timed(raw_write, n),
        }
        store.close()
    return {
        "benchmark": "tools",
        "machine": f"{platform.machine()} {platform.python_version()}",
        "figures": figures,
        "read_overhead_x": round(figures["read_tool_get_order_details"]["p50_ms"]
                                 / figures["read_baseline_raw_duckdb_select"]["p50_ms"], 2),
        "write_overhead_x": round(figures["write_tool_modify_pending_order_address"]["p50_ms"]
                                  / figures["write_baseline_raw_duckdb_update"]["p50_ms"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="timed calls per case")
    result = run(parser.parse_args().n)
    print(f"{'case':45} {'p50 ms':>9} {'p95 ms':>9}")
    for name, f in result["figures"].items():
        print(f"{name:45} {f['p50_ms']:9.3f} {f['p95_ms']:9.3f}")
    print(f"registry overhead (p50): read x{result['read_overhead_x']}, "
          f"write x{result['write_overhead_x']}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
