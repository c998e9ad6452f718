"""Shared pieces of the runtime tests: events, producing, reading back, worker processes."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from streams.events import TicketMessage, TicketMessageEvent, new_event_id, utcnow
from streams.runtime import Worker

ROOT = Path(__file__).resolve().parents[2]


def make_events(n: int, keys: int) -> list[TicketMessageEvent]:
    """``n`` events over ``keys`` keys; ``payload.message`` is the event's sequence in its key."""
    counters = [0] * keys
    out = []
    for i in range(n):
        k = i % keys
        out.append(TicketMessageEvent(
            event_id=new_event_id(), occurred_at=utcnow(),
            key=f"key-{k}", payload=TicketMessage(ticket_id=f"key-{k}", message=str(counters[k]))))
        counters[k] += 1
    return out


def produce(bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes]]) -> None:
    # Above the 1 MiB default: the broker takes larger records, and tests send some.
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5,
                             max_request_size=4 * 1024 * 1024)
    for key, value in records:
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()


def produce_events(bootstrap: str, topic: str, events: list[TicketMessageEvent]) -> None:
    produce(bootstrap, topic, [(e.key.encode(), e.to_bytes()) for e in events])


def read_all(bootstrap: str, topic: str, expect: int, timeout_s: float = 30) -> list:  # type: ignore[type-arg]
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                             enable_auto_commit=False)
    parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or {0}]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    got: list = []  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout_s
    while len(got) < expect and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=200).values():
            got.extend(records)
    consumer.close()
    return got


def committed(bootstrap: str, group: str, topic: str, partitions: int) -> dict[int, int | None]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group,
                             enable_auto_commit=False)
    out = {p: consumer.committed(TopicPartition(topic, p)) for p in range(partitions)}
    consumer.close()
    return out


def wait_for(predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")


def count(db_path: Path, sql: str) -> int:
    if not db_path.exists():
        return 0
    db = sqlite3.connect(db_path, timeout=30)
    try:
        return int(db.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # table not created yet
        return 0
    finally:
        db.close()


class WorkerProcess:
    """``tests.streams._worker_main`` in a subprocess, its log in a file."""

    def __init__(self, tmp: Path, *args: str) -> None:
        self.log_path = tmp / f"worker-{uuid.uuid4().hex[:6]}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.streams._worker_main", *args],
                                     cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT,
                                     env=env)

    def kill(self) -> None:
        """SIGKILL (a no-op once it has exited)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)
        self._log.close()

    def terminate(self, timeout_s: float = 60) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout_s)
        finally:
            self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


async def run_until(worker: Worker, done: Callable[[], bool], timeout_s: float = 60) -> None:
    """Run ``worker`` until ``done()`` (or ``timeout_s``), then stop it; a worker that
    fails raises here."""
    task = asyncio.create_task(worker.run())
    deadline = time.monotonic() + timeout_s
    try:
        while not done() and time.monotonic() < deadline:
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
    finally:
        worker.stop()
        await task
