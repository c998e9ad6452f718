"""The consumer thread: the only thread that calls poll, pause, resume and commit.

It polls in short rounds, so heartbeats and the ``max.poll.interval.ms`` clock
never depend on how long a handler takes. A poll fetches only what fits in the
buffer (``max_buffered`` records fetched and waiting for a handler slot); a full
buffer waits for room, fetching nothing, and only one that stays full for
``full_buffer_pause_ms`` pauses every partition (and polling goes on). Pausing is
the last resort because librdkafka drops a paused partition's prefetched records:
at a buffer that fills and drains all the time, pausing halved the confluent-kafka
worker's throughput. Records go to the event loop with ``call_soon_threadsafe``,
one call per poll. The client is behind ``transport.Consumer``; its rebalance
listener (``release`` / ``resume`` here) drains and commits a revoked
partition through ``RebalanceIO``, which keeps the client's heartbeats going.

Exactly-once (``transactions`` given): every commit, the periodic one and the
one on revoke, is one transaction with the records the finished records staged
below the watermarks (``Partitions.staged``) and the watermarks themselves; the
ledger marks they staged are handed to the loop once it committed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from ._partitions import FetchedRecord, Partitions
from .config import BrokerSettings, WorkerSettings
from .errors import BrokerError, CommitError, FencedError
from .metrics import WorkerMetrics
from .transport import TP, Consumer, RebalanceIO, TransactionalProducer, Transport

log = logging.getLogger(__name__)

POLL_TIMEOUT_MS = 100
MAX_POLL_RECORDS = 500
FULL_WAIT_S = 0.005  # a full buffer's wait for room between checks
LAG_INTERVAL_S = 5.0


class ConsumerCallbacks:
    """What the consumer thread tells the event loop (each runs on the loop's thread)."""

    def __init__(self, on_records: Callable[[list[FetchedRecord]], None],
                 on_revoked: Callable[[set[TP]], None],
                 on_failure: Callable[[BaseException], None],
                 call_soon: Callable[..., Any],
                 on_committed: Callable[[list[tuple[str, str]]], None] | None = None) -> None:
        self.on_records = on_records
        self.on_revoked = on_revoked
        self.on_failure = on_failure
        self.call_soon = call_soon  # loop.call_soon_threadsafe
        self.on_committed = on_committed  # exactly-once: ledger marks of committed records


class _Listener:
    def __init__(self, owner: ConsumerThread) -> None:
        self.owner = owner

    async def on_revoked(self, tps: set[TP], io: RebalanceIO) -> None:
        await self.owner.release(tps, io)

    async def on_lost(self, tps: set[TP]) -> None:
        await self.owner.release(tps, None)

    def on_assigned(self, tps: set[TP], seek: Callable[[TP, int], None]) -> None:
        self.owner.resume(tps, seek)
        log.info("assigned %s", sorted(tps))


class ConsumerThread(threading.Thread):
    def __init__(self, topics: list[str], transport: Transport, broker: BrokerSettings,
                 settings: WorkerSettings, parts: Partitions, callbacks: ConsumerCallbacks,
                 metrics: WorkerMetrics, client_id: str,
                 transactions: TransactionalProducer | None = None) -> None:
        super().__init__(name=f"consumer-{client_id}", daemon=True)
        self.topics = topics
        self.transport = transport
        self.broker = broker
        self.settings = settings
        self.parts = parts
        self.cb = callbacks
        self.metrics = metrics
        self.client_id = client_id
        self.stop_fetching = threading.Event()
        self.close_requested = threading.Event()
        self.assigned_once = threading.Event()
        self._consumer: Consumer | None = None
        self._paused = False
        self._full_since: float | None = None  # time.monotonic() the buffer filled up
        self._held = False
        self._resume_at: dict[TP, int] = {}
        self._consumed = {t: metrics.consumed.labels(t) for t in topics}
        self.transactions = transactions
        # The consumer thread and the client's rebalance thread both commit: one at a time.
        self._commit_lock = threading.Lock()

    def run(self) -> None:
        try:
            self._consumer = self.transport.consumer(self.broker, self.settings, self.client_id)
            self._consumer.subscribe(self.topics, _Listener(self))
            self._loop(self._consumer)
        except BaseException as exc:  # the worker must not keep running headless
            log.exception("consumer thread failed")
            self.cb.call_soon(self.cb.on_failure, exc)
        finally:
            if self._consumer is not None:
                try:
                    self._consumer.close()
                except Exception:
                    log.exception("closing the consumer failed")

    def _loop(self, consumer: Consumer) -> None:
        next_commit = time.monotonic()
        next_lag = time.monotonic() + LAG_INTERVAL_S
        while not self.close_requested.is_set():
            room = self._backpressure(consumer)
            if room or self._paused:  # paused: polls go on, for the group and the listener
                try:
                    records = consumer.poll(POLL_TIMEOUT_MS, max(1, room))
                except BrokerError as exc:
                    log.warning("poll failed, retrying: %s", exc)
                    time.sleep(0.2)
                    continue
            else:  # full: wait for room
                time.sleep(FULL_WAIT_S)
                records = []
            if not self.assigned_once.is_set() and consumer.assignment():
                self.assigned_once.set()
            if records:
                out = self.parts.fetched_many(records)
                counts: dict[str, int] = {}
                for r in records:
                    counts[r.tp.topic] = counts.get(r.tp.topic, 0) + 1
                for topic, n in counts.items():
                    self._consumed[topic].inc(n)
                if out:
                    self.cb.call_soon(self.cb.on_records, out)
            now = time.monotonic()
            if now >= next_commit:
                self.commit(consumer)
                next_commit = now + self.settings.commit_interval_ms / 1000
            if now >= next_lag:
                self._update_lag(consumer)
                next_lag = now + LAG_INTERVAL_S
        self.commit(consumer)

    def _backpressure(self, consumer: Consumer, now: float | None = None) -> int:
        """Pause or resume partitions; how many records the next poll may fetch (0: none)."""
        now = time.monotonic() if now is None else now
        pending, in_flight = self.parts.counts()
        buffered = pending - in_flight
        self.metrics.buffered.set(buffered)
        limit = self.settings.max_buffered
        room = min(MAX_POLL_RECORDS, limit - buffered)
        if room > 0:
            self._full_since = None
        elif self._full_since is None:
            self._full_since = now
        if self.stop_fetching.is_set():
            want_paused = True
        elif self._paused:
            want_paused = buffered > limit // 2  # resume once half of it drained
        else:
            want_paused = self._full_since is not None and (
                now - self._full_since >= self.settings.full_buffer_pause_ms / 1000)
        held = self.parts.held()  # paused by a handler's BackpressureError
        if want_paused or held or self._held:
            target = consumer.assignment()
            if not want_paused:
                target &= held
            paused = consumer.paused()
            if target - paused:
                consumer.pause(target - paused)
            if paused - target:
                consumer.resume(paused - target)
            self.metrics.paused_partitions.set(len(target))
        elif self._paused:
            consumer.resume(consumer.paused())
            self.metrics.paused_partitions.set(0)
        self._paused = want_paused
        self._held = bool(held)
        return 0 if want_paused else max(0, room)

    def commit(self, consumer: Consumer) -> None:
        offsets = self.parts.committable()
        if not offsets:
            return
        started = time.perf_counter()
        try:
            if self.transactions is not None:
                self._commit_transaction(consumer, offsets)
            else:
                consumer.commit(offsets)
                self.parts.mark_committed(offsets)
        except FencedError:
            raise  # another producer has this worker's transactional id: stop
        except CommitError as exc:  # e.g. a rebalance is under way: the next round retries
            log.warning("%s", exc)
            return
        self.metrics.commit_latency.observe(time.perf_counter() - started)

    def _commit_transaction(self, consumer: Consumer, offsets: dict[TP, int]) -> None:
        """One transaction: what the records below ``offsets`` staged, and ``offsets``."""
        assert self.transactions is not None
        with self._commit_lock:
            staged = self.parts.staged(offsets)
            self.transactions.commit([r for s in staged for r in s.records], offsets, consumer)
            self.parts.mark_committed(offsets)
        marks = [m for s in staged for m in s.marks]
        if marks and self.cb.on_committed is not None:
            self.cb.call_soon(self.cb.on_committed, marks)

    def _update_lag(self, consumer: Consumer) -> None:
        for tp, mark in self.parts.watermarks().items():
            high = consumer.highwater(tp)
            if high is not None:
                # A high watermark below what this worker has done is not a lag (Tansu reports
                # one): no figure (NaN) rather than a false 0.
                lag = high - mark if high >= mark else float("nan")
                self.metrics.lag.labels(tp.topic, str(tp.partition)).set(lag)

    async def release(self, tps: set[TP], io: RebalanceIO | None) -> None:
        """The rebalance listener: drain, commit (unless lost: ``io`` is None) and forget ``tps``."""
        owned = self.parts.begin_revoke(tps)
        if not owned:
            return
        self.cb.call_soon(self.cb.on_revoked, owned)
        if io is not None:
            deadline = time.monotonic() + self.settings.drain_timeout_s
            while self.parts.in_flight(owned) and time.monotonic() < deadline:
                await io.sleep(0.05)
            left = self.parts.in_flight(owned)
            if left:
                log.warning("revoking %s with %d records still in flight", sorted(owned), left)
            offsets = self.parts.committable(owned)
            if offsets:
                started = time.perf_counter()
                try:
                    if self.transactions is not None and self._consumer is not None:
                        # Blocks this (rebalance) thread for one transaction: milliseconds.
                        self._commit_transaction(self._consumer, offsets)
                    else:
                        await io.commit(offsets)
                    self.metrics.commit_latency.observe(time.perf_counter() - started)
                except FencedError as exc:
                    self.cb.call_soon(self.cb.on_failure, exc)
                except CommitError as exc:
                    log.warning("%s", exc)
        marks = self.parts.watermarks()
        self._resume_at.update({tp: marks[tp] for tp in owned if tp in marks})
        self.parts.remove(owned)
        log.info("released %s", sorted(owned))

    def resume(self, assigned: set[TP], seek: Callable[[TP, int], None]) -> None:
        """The rebalance listener: take ``assigned`` from where it was left.

        kafka-python keeps the fetch position of a partition that is revoked and
        assigned back in the same rebalance, but the records fetched past the
        watermark and dropped at the revoke were never handled: seek back to it.
        Partitions new to this worker start from the group's committed offset.
        """
        for tp in assigned:
            mark = self._resume_at.get(tp)
            if mark is not None:
                seek(tp, mark)
        self._resume_at.clear()
        self.parts.assign(assigned)
