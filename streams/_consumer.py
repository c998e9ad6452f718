"""The consumer thread: the only thread that calls poll, pause, resume and commit.

It polls in short rounds whatever happens, so heartbeats and the
``max.poll.interval.ms`` clock never depend on how long a handler takes; when
too many fetched records wait for a handler slot it pauses every partition
and keeps polling. Records go to the event loop with ``call_soon_threadsafe``.
kafka-python runs the rebalance listener on its own IO thread, so the
listener is async and waits for in-flight records with the IO loop's sleep,
which keeps heartbeats flowing while a revoked partition drains.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer
from kafka.consumer.subscription_state import AsyncConsumerRebalanceListener
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from ._partitions import TP, Partitions
from .config import BrokerSettings, WorkerSettings
from .metrics import WorkerMetrics

log = logging.getLogger(__name__)

POLL_TIMEOUT_MS = 100
LAG_INTERVAL_S = 5.0


@dataclass(frozen=True, slots=True)
class FetchedRecord:
    tp: TP
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    epoch: int


class ConsumerCallbacks:
    """What the consumer thread tells the event loop (each runs on the loop's thread)."""

    def __init__(self, on_records: Callable[[list[FetchedRecord]], None],
                 on_revoked: Callable[[set[TP]], None],
                 on_failure: Callable[[BaseException], None],
                 call_soon: Callable[..., Any]) -> None:
        self.on_records = on_records
        self.on_revoked = on_revoked
        self.on_failure = on_failure
        self.call_soon = call_soon  # loop.call_soon_threadsafe


class _Listener(AsyncConsumerRebalanceListener):
    def __init__(self, owner: ConsumerThread) -> None:
        self.owner = owner

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self.owner.release(set(revoked), commit=True)

    async def on_partitions_assigned(self, assigned: Any) -> None:
        self.owner.resume(set(assigned))
        log.info("assigned %s", sorted(assigned))

    async def on_partitions_lost(self, lost: Any) -> None:
        await self.owner.release(set(lost), commit=False)


class ConsumerThread(threading.Thread):
    def __init__(self, topics: list[str], broker: BrokerSettings, settings: WorkerSettings,
                 parts: Partitions, callbacks: ConsumerCallbacks, metrics: WorkerMetrics,
                 client_id: str) -> None:
        super().__init__(name=f"consumer-{client_id}", daemon=True)
        self.topics = topics
        self.broker = broker
        self.settings = settings
        self.parts = parts
        self.cb = callbacks
        self.metrics = metrics
        self.client_id = client_id
        self.stop_fetching = threading.Event()
        self.close_requested = threading.Event()
        self.assigned_once = threading.Event()
        self._consumer: Any = None
        self._paused = False
        self._resume_at: dict[TP, int] = {}

    def _make_consumer(self) -> Any:
        kwargs = {**self.broker.client_kwargs(), "client_id": self.client_id}
        return KafkaConsumer(
            **kwargs,
            group_id=self.settings.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=self.broker.session_timeout_ms,
            heartbeat_interval_ms=self.broker.heartbeat_interval_ms,
            max_poll_interval_ms=self.broker.max_poll_interval_ms,
            max_poll_records=min(500, self.settings.max_buffered),
            fetch_max_bytes=max(52_428_800, 2 * self.settings.max_record_bytes),
        )

    def run(self) -> None:
        try:
            self._consumer = self._make_consumer()
            self._consumer.subscribe(self.topics, listener=_Listener(self))
            self._loop()
        except BaseException as exc:  # the worker must not keep running headless
            log.exception("consumer thread failed")
            self.cb.call_soon(self.cb.on_failure, exc)
        finally:
            if self._consumer is not None:
                try:
                    self._consumer.close(autocommit=False)
                except Exception:
                    log.exception("closing the consumer failed")

    def _loop(self) -> None:
        consumer = self._consumer
        next_commit = time.monotonic()
        next_lag = time.monotonic() + LAG_INTERVAL_S
        while not self.close_requested.is_set():
            self._backpressure()
            try:
                batches = consumer.poll(timeout_ms=POLL_TIMEOUT_MS)
            except KafkaError as exc:
                log.warning("poll failed, retrying: %s", exc)
                time.sleep(0.2)
                continue
            if consumer.assignment():
                self.assigned_once.set()
            out: list[FetchedRecord] = []
            for tp, records in batches.items():
                for r in records:
                    epoch = self.parts.fetched(tp, r.offset)
                    if epoch is None:
                        continue
                    headers = tuple((k, v or b"") for k, v in (r.headers or ()))
                    out.append(FetchedRecord(tp, r.offset, r.key, r.value, headers, epoch))
                if records:
                    self.metrics.consumed.labels(tp.topic).inc(len(records))
            if out:
                self.cb.call_soon(self.cb.on_records, out)
            now = time.monotonic()
            if now >= next_commit:
                self.commit()
                next_commit = now + self.settings.commit_interval_ms / 1000
            if now >= next_lag:
                self._update_lag()
                next_lag = now + LAG_INTERVAL_S
        self.commit()

    def _backpressure(self) -> None:
        pending, in_flight = self.parts.counts()
        buffered = pending - in_flight
        self.metrics.buffered.set(buffered)
        limit = self.settings.max_buffered
        if self.stop_fetching.is_set() or buffered >= limit:
            want_paused = True
        elif buffered <= limit // 2:
            want_paused = False
        else:
            want_paused = self._paused
        assignment = self._consumer.assignment()
        paused = self._consumer.paused()
        if want_paused:
            todo = assignment - paused
            if todo:
                self._consumer.pause(*todo)
        elif paused:
            self._consumer.resume(*paused)
        self._paused = want_paused
        self.metrics.paused_partitions.set(len(assignment) if want_paused else 0)

    def commit(self) -> None:
        offsets = self.parts.committable()
        if not offsets:
            return
        started = time.perf_counter()
        try:
            self._consumer.commit({tp: OffsetAndMetadata(o, "", -1) for tp, o in offsets.items()})
        except KafkaError as exc:  # e.g. a rebalance is under way: the next round retries
            log.warning("offset commit failed: %s", exc)
            return
        self.metrics.commit_latency.observe(time.perf_counter() - started)
        self.parts.mark_committed(offsets)

    def _update_lag(self) -> None:
        for tp, mark in self.parts.watermarks().items():
            high = self._consumer.highwater(tp)
            if high is not None:
                self.metrics.lag.labels(tp.topic, str(tp.partition)).set(max(0, high - mark))

    async def release(self, tps: set[TP], *, commit: bool) -> None:
        """Runs on kafka-python's IO thread: drain, commit and forget ``tps``."""
        owned = self.parts.begin_revoke(tps)
        if not owned:
            return
        self.cb.call_soon(self.cb.on_revoked, owned)
        consumer = self._consumer
        deadline = time.monotonic() + self.settings.drain_timeout_s
        while commit and self.parts.in_flight(owned) and time.monotonic() < deadline:
            await consumer._net.sleep(0.05)
        if commit:
            left = self.parts.in_flight(owned)
            if left:
                log.warning("revoking %s with %d records still in flight", sorted(owned), left)
            offsets = self.parts.committable(owned)
            if offsets:
                started = time.perf_counter()
                future = consumer.commit_async(
                    {tp: OffsetAndMetadata(o, "", -1) for tp, o in offsets.items()})
                try:
                    await consumer._manager.wait_for(future, 10_000)
                    self.metrics.commit_latency.observe(time.perf_counter() - started)
                except Exception as exc:
                    log.warning("commit on revoke failed: %s", exc)
        marks = self.parts.watermarks()
        self._resume_at.update({tp: marks[tp] for tp in owned if tp in marks})
        self.parts.remove(owned)
        log.info("released %s", sorted(owned))

    def resume(self, assigned: set[TP]) -> None:
        """Runs on kafka-python's IO thread: take ``assigned`` from where it was left.

        kafka-python keeps the fetch position of a partition that is revoked and
        assigned back in the same rebalance, but the records fetched past the
        watermark and dropped at the revoke were never handled: seek back to it.
        Partitions new to this worker start from the group's committed offset.
        """
        for tp in assigned:
            mark = self._resume_at.get(tp)
            if mark is not None:
                self._consumer.seek(tp, mark)
        self._resume_at.clear()
        self.parts.assign(assigned)
