"""Tool-call latency (p50/p95) and effects/s on the DuckDB and PostgreSQL stores, side by side.

    python -m benchmarks.bench_store [--calls 40]    # -> benchmarks/results/store.json

The same seeded world on both backends (DuckDB file; an embedded PostgreSQL from the
``pgserver`` wheel, over its Unix socket); 1, 4 and 16 threads each make ``--calls``
side-effecting calls (``release_reservation`` of an order of their own, active reservations
or none: a transaction with the effect and its idempotency record) and as many reads
(``get_stock``). DuckDB serialises its writers in the one process; PostgreSQL runs them
concurrently (REPEATABLE READ).

    python -m benchmarks.bench_store --workers-throughput [--events 1500]

Events/s of 1 and of 3 worker processes (``benchmarks._store_worker``: the real runtime,
one consumer group on the embedded broker, a topic of 6 partitions) on one PostgreSQL
store, in the same run: the handler is fast, one real tool effect per event
(``release_reservation``: the effect and its idempotency record in one transaction),
the idempotency ledger on the same server. The group forms first (warm-up events until
every member has handled one, so no rebalance falls into the measurement); the rate is
the measured events over the time from their first effect to their last. Written
beside the latency figures in benchmarks/results/store.json (``workers``), which keeps
the other figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
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
GROUPS = (1, 3)
WARM_EVENTS = 30


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


def _events(tag: str, n: int, orders: list[str]) -> list[Any]:
    from streams.events import TicketMessage, TicketMessageEvent, utcnow

    # 60 keys over 6 partitions: every member of a group gets work.
    return [TicketMessageEvent(event_id=f"{tag}-{i}", key=f"k{i % 60}", occurred_at=utcnow(),
                               payload=TicketMessage(ticket_id=f"k{i % 60}",
                                                     message=f"{orders[i % len(orders)]} {tag}"))
            for i in range(n)]


def _effects(store: Store, tag: str) -> tuple[int, int, float]:
    """(effects of ``tag``'s events, members that made them, seconds first to last)."""
    with store.cursor() as db:
        n, members, first, last = db.execute(
            "SELECT count(*), count(DISTINCT trace_id), min(created_at), max(created_at) "
            "FROM tool_effects WHERE arguments->>'reason' = ?", [tag]).fetchone()
    return int(n), int(members), (last - first).total_seconds() if n else 0.0


def _wait_effects(store: Store, tag: str, n: int, members: int, timeout_s: float,
                  procs: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done, seen, _ = _effects(store, tag)
        if done >= n and seen >= members:
            return
        if any(p.poll() is not None for p in procs):
            raise RuntimeError("a worker process exited")
        time.sleep(0.25)
    raise TimeoutError(f"{tag}: {_effects(store, tag)} after {timeout_s:.0f}s")


def _group_rate(store: Store, dsn: str, bootstrap: str, members: int, events: int,
                orders: list[str], run: str) -> dict[str, Any]:
    import uuid

    from streams.broker import create_topics

    topic = f"bench-store-{run}-{members}-{uuid.uuid4().hex[:6]}"
    create_topics(bootstrap, [(topic, 6)])
    cmd = [sys.executable, "-m", "benchmarks._store_worker", "--bootstrap", bootstrap,
           "--topic", topic, "--group", topic, "--dsn", dsn]
    procs = [subprocess.Popen(cmd, cwd=DATA.parent) for _ in range(members)]
    try:
        # The group forms: warm-up events until every member has made an effect.
        for w in range(20):
            tag = f"{topic}-warm{w}"
            _produce(bootstrap, topic, _events(tag, WARM_EVENTS, orders))
            try:
                _wait_effects(store, f"{topic}-warm{w}", WARM_EVENTS, 1, 120, procs)
                if _effects(store, tag)[1] >= members:
                    break
            except TimeoutError:
                continue
        else:
            raise RuntimeError(f"the group of {members} did not form")
        tag = f"{topic}-run"
        started = time.perf_counter()
        _produce(bootstrap, topic, _events(tag, events, orders))
        _wait_effects(store, tag, events, members, 600, procs)
        wall = time.perf_counter() - started
        _, seen, span = _effects(store, tag)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    return {"events": events, "members_that_handled": seen,
            "events_per_s": round(events / span, 1),
            "events_per_s_wall": round(events / wall, 1)}


def _produce(bootstrap: str, topic: str, events: list[Any]) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    for e in events:
        producer.send(topic, key=e.key.encode(), value=e.to_bytes())
    producer.flush()
    producer.close()


def workers_throughput(events: int, rounds: int) -> dict[str, Any]:
    """Events/s of 1 vs 3 worker processes on one PostgreSQL store, in one run; ``rounds``
    alternations (1, 3, 1, 3, ...): the ratio of each round, and the median of rounds."""
    import pgserver

    from streams.broker import EmbeddedBroker
    from tools._pg_store import PostgresStore

    out: dict[str, Any] = {"load_average": os.getloadavg(), "events": events,
                           "cpus": os.cpu_count(), "handler": "release_reservation, one "
                           "effect + idempotency record per event; ledger on PostgreSQL"}
    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker() as broker:
        server = pgserver.get_server(Path(tmp) / "pg", cleanup_mode="delete")
        try:
            dsn = server.get_uri()
            with PostgresStore(dsn) as store:
                seed_store(store, ToolSettings(), DATA)
                with store.cursor() as db:
                    orders = [r[0] for r in db.execute(
                        "SELECT order_id FROM orders ORDER BY order_id LIMIT 2000").fetchall()]
                runs: dict[str, list[dict[str, Any]]] = {str(m): [] for m in GROUPS}
                for r in range(rounds):
                    for members in GROUPS:
                        got = _group_rate(store, dsn, broker.bootstrap, members, events,
                                          orders, f"r{r}")
                        runs[str(members)].append(got)
                        print(f"{members} worker(s): {json.dumps(got)}", flush=True)
        finally:
            server.cleanup()
    # Each round's 3 and 1 ran back to back, so their ratio is the figure; the machine's
    # load moves the absolute rates between rounds more than between the two.
    ratios = [round(three["events_per_s"] / one["events_per_s"], 2)
              for one, three in zip(runs["1"], runs["3"], strict=True)]
    out.update(runs=runs, ratio_per_round=ratios,
               events_per_s={m: statistics.median(g["events_per_s"] for g in got)
                             for m, got in runs.items()},
               ratio_3_vs_1=statistics.median(ratios), load_average_after=os.getloadavg())
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=40)
    ap.add_argument("--workers-throughput", action="store_true",
                    help="events/s of 1 vs 3 worker processes on PostgreSQL (only that)")
    ap.add_argument("--events", type=int, default=1500)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    if args.workers_throughput:
        kept = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        kept["workers"] = workers_throughput(args.events, args.rounds)
        RESULTS.write_text(json.dumps(kept, indent=2) + "\n")
        w = kept["workers"]
        print(f"events/s {w['events_per_s']}, 3 vs 1: {w['ratio_3_vs_1']}x; load average "
              f"{w['load_average']} -> {w['load_average_after']}; written to {RESULTS}")
        return
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
    if RESULTS.exists() and "workers" in (kept := json.loads(RESULTS.read_text())):
        out["workers"] = kept["workers"]  # measured by --workers-throughput
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(f"load average {out['load_average']} -> {out['load_average_after']}; "
          f"written to {RESULTS}")


if __name__ == "__main__":
    main()
