"""A live view of the stream: records per topic, read back from the broker."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable

from kafka import KafkaConsumer
from rich.table import Table

from streams.config import BrokerSettings
from streams.topics import all_topic_specs


class TopicCounter:
    """Counts records on every streamwise topic (inputs, outputs, dead letters).

    Runs its own consumer group in a background thread, from the earliest
    offset, so what it shows is what the broker really holds.
    """

    def __init__(self, broker: BrokerSettings) -> None:
        self.counts: Counter[str] = Counter()
        self.dlq_reasons: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._consumer = KafkaConsumer(
            *[name for name, _ in all_topic_specs()],
            **broker.client_kwargs(),  # type: ignore[arg-type]
            group_id=f"streamwise-monitor-{uuid.uuid4().hex[:8]}",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            session_timeout_ms=broker.session_timeout_ms,
            heartbeat_interval_ms=broker.heartbeat_interval_ms,
        )
        self._thread = threading.Thread(target=self._run, name="topic-counter", daemon=True)

    def start(self) -> TopicCounter:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            batch = self._consumer.poll(timeout_ms=200)
            with self._lock:
                for tp, records in batch.items():
                    self.counts[tp.topic] += len(records)
                    if tp.topic.endswith(".dlq"):
                        for r in records:
                            headers = dict(r.headers or [])
                            reason = headers.get("dlq.error_type", b"?").decode(errors="replace")
                            self.dlq_reasons[reason] += 1
        self._consumer.close()

    def snapshot(self) -> Counter[str]:
        with self._lock:
            return Counter(self.counts)

    def wait_until(self, done: Callable[[Counter[str]], bool], timeout_s: float,
                   on_tick: Callable[[Counter[str]], None] | None = None) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            snap = self.snapshot()
            if on_tick:
                on_tick(snap)
            if done(snap):
                return True
            time.sleep(0.25)
        return False

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def counts_table(counts: Counter[str], produced: Counter[str] | None = None,
                 title: str = "records per topic") -> Table:
    table = Table(title=title)
    table.add_column("topic")
    if produced is not None:
        table.add_column("produced", justify="right")
    table.add_column("on the broker", justify="right")
    for name, _ in all_topic_specs():
        row = [name]
        if produced is not None:
            row.append(str(produced.get(name, 0)))
        row.append(str(counts.get(name, 0)))
        table.add_row(*row)
    return table
