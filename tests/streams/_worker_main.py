"""A worker process for the runtime tests: ``python -m tests.streams._worker_main ...``.

Its handler records a side effect per event in an SQLite table keyed by event
id (INSERT OR IGNORE: idempotent, as the runtime requires) and appends every
handler run to a ``runs`` log, so tests can count re-runs. With ``--outputs`` it
also returns one output per event (id derived from the input's) to ``<topic>.out``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import sqlite3
import time

from streams.config import BrokerSettings, WorkerSettings
from streams.events import Alert, AlertEvent, Event, OutputEvent, utcnow
from streams.runtime import HandlerContext, Worker

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS effects (event_id TEXT PRIMARY KEY, key TEXT, seq INTEGER,"
    " pid INTEGER, at REAL)",
    "CREATE TABLE IF NOT EXISTS runs (event_id TEXT, pid INTEGER, started REAL)",
)


def open_effects(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    for stmt in SCHEMA:
        db.execute(stmt)
    return db


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--group", required=True)
    ap.add_argument("--ledger", required=True)
    ap.add_argument("--effects", required=True)
    ap.add_argument("--max-delay-ms", type=float, default=10)
    ap.add_argument("--sleep-s", type=float, default=0)
    ap.add_argument("--max-in-flight", type=int, default=16)
    ap.add_argument("--session-timeout-ms", type=int, default=4000)
    ap.add_argument("--max-poll-interval-ms", type=int, default=300_000)
    ap.add_argument("--instance-id", default=None, help="group.instance.id (static membership)")
    ap.add_argument("--assignment", choices=["eager", "cooperative"], default="eager")
    ap.add_argument("--outputs", action="store_true", help="one output per event to <topic>.out")
    ap.add_argument("--exactly-once", action="store_true", help="worker.exactly_once")
    ap.add_argument("--transactional-id", default=None, help="worker.transactional_id")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("kafka").setLevel(logging.ERROR)

    db = open_effects(args.effects)
    pid = os.getpid()

    async def handle(event: Event, ctx: HandlerContext) -> list[OutputEvent]:
        db.execute("INSERT INTO runs VALUES (?, ?, ?)", (ctx.idempotency_key, pid, time.time()))
        await asyncio.sleep(args.sleep_s + random.uniform(0, args.max_delay_ms) / 1000)
        seq = int(getattr(event.payload, "message", "0") or 0)
        db.execute("INSERT OR IGNORE INTO effects VALUES (?, ?, ?, ?, ?)",
                   (ctx.idempotency_key, event.key, seq, pid, time.time()))
        if not args.outputs:
            return []
        return [AlertEvent(key=event.key, event_id=ctx.output_id("alert"), occurred_at=utcnow(),
                           payload=Alert(subject_id=event.key, severity="info", kind="test",
                                         message=ctx.event_id))]

    broker = BrokerSettings(bootstrap_servers=[args.bootstrap],
                            session_timeout_ms=args.session_timeout_ms,
                            heartbeat_interval_ms=500,
                            max_poll_interval_ms=args.max_poll_interval_ms)
    settings = WorkerSettings(group_id=args.group, ledger_path=args.ledger,
                              max_in_flight=args.max_in_flight, drain_timeout_s=20,
                              commit_interval_ms=200, group_instance_id=args.instance_id,
                              partition_assignment=args.assignment,
                              exactly_once=args.exactly_once,
                              transactional_id=args.transactional_id)
    Worker([args.topic], handle, settings, broker=broker,
           route=lambda _: args.topic + ".out").run_forever()
    print("WORKER EXITED CLEANLY", flush=True)


if __name__ == "__main__":
    main()
