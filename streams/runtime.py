"""The consumer runtime: many handler calls in flight, per-key order, nothing lost.

``Worker(topics, handler, settings, broker=...)`` joins a consumer group and
runs ``async def handler(event, ctx) -> list[OutputEvent]`` for every record.

Threads: one consumer thread owns the ``KafkaConsumer`` (see ``_consumer``);
handlers run on the asyncio loop that runs ``Worker.run()``; the ledger has
its own thread (``_ledger_batch``); the producer has kafka-python's sender.

Guarantee (at-least-once delivery, effectively-once handling):

1. A record is *finished* when its outputs are acknowledged by the broker and
   its event id is in the shared ledger, or when it is acknowledged on its
   ``<topic>.dlq``. Only then does its offset count for the partition's
   contiguous watermark, which is what gets committed.
2. A redelivered record whose event id is in the ledger is skipped, so the
   handler of a finished event never runs again, on any worker of the group.
3. A crash between a handler's effects and the ledger mark re-runs the
   handler: effects must be idempotent on ``ctx.idempotency_key`` (the event
   id), and outputs take ids derived from the input's id (``ctx.output_id``;
   an event cannot be built without an id), so they dedupe too.

Records with the same (partition, key) run strictly in order; others run
concurrently, up to ``max_in_flight``. A handler exception is retried with
exponential backoff and full jitter up to ``max_attempts`` (``FatalError`` is
not retried), then dead-lettered; records that do not parse or validate, or
exceed ``max_record_bytes``, are dead-lettered at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from ._consumer import ConsumerCallbacks, ConsumerThread
from ._keyed import KeyedQueue
from ._ledger_batch import AsyncLedger
from ._partitions import FetchedRecord, Partitions
from .config import BrokerSettings, WorkerSettings
from .dlq import dead_letter_info, dlq_topic
from .errors import FatalError, RecordTooLargeError
from .events import Event, OutputEvent, derive_event_id, parse_event
from .ledger import Ledger, open_ledger
from .metrics import WorkerMetrics
from .producer import Producer
from .topics import topic_for
from .transport import TP, Transport, open_transport

log = logging.getLogger(__name__)

TRACE_HEADER = "trace_id"
PARENT_HEADER = "parent_event_id"


@dataclass(frozen=True)
class HandlerContext:
    """Where a record came from and what a handler needs to act on it safely."""

    topic: str
    partition: int
    offset: int
    key: str | None
    event_id: str
    idempotency_key: str  # stable across redeliveries and retries: key side effects on it
    trace_id: str
    attempt: int
    worker_id: str
    producer: Producer | None

    def output_id(self, name: str) -> str:
        """A deterministic id for an event produced while handling this one."""
        return derive_event_id(self.event_id, name)


Handler = Callable[[Event, HandlerContext], Awaitable[Sequence[OutputEvent]]]
Router = Callable[[OutputEvent], str]


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def backoff_s(attempt: int, settings: WorkerSettings) -> float:
    """Full-jitter exponential backoff before retry number ``attempt`` (1-based)."""
    cap = min(settings.retry_backoff_max_ms, settings.retry_backoff_ms * 2 ** (attempt - 1))
    return random.uniform(0, cap) / 1000


async def publish_outputs(producer: Producer, parent: Event, outputs: Sequence[OutputEvent],
                          trace_id: str, route: Router | None = None) -> list[OutputEvent]:
    """Publish a handler's outputs (their ids come from ``ctx.output_id``: derived from ``parent``'s)."""
    sent = list(outputs)
    headers = [(TRACE_HEADER, trace_id.encode()), (PARENT_HEADER, parent.event_id.encode())]
    await asyncio.gather(*(
        producer.send(out, topic=route(out) if route else topic_for(out.type).name,
                      headers=headers)
        for out in sent))
    return sent


class Worker:
    def __init__(self, topics: Sequence[str], handler: Handler, settings: WorkerSettings,
                 *, broker: BrokerSettings, worker_id: str | None = None,
                 ledger: Ledger | None = None, route: Router | None = None,
                 metrics: WorkerMetrics | None = None,
                 transport: Transport | None = None) -> None:
        self.topics = list(topics)
        self.transport = transport or open_transport(broker)
        self.handler = handler
        self.settings = settings
        self.broker = broker
        self.worker_id = worker_id or default_worker_id()
        self.route = route
        self.metrics = metrics or WorkerMetrics()
        self._ledger_arg = ledger
        self.parts = Partitions()
        self._queue: KeyedQueue[FetchedRecord] = KeyedQueue()
        self._tasks: set[asyncio.Task[None]] = set()
        self._running = 0
        self._idle = asyncio.Event()
        self._stop = asyncio.Event()
        self._stop_early = False
        self._failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._consumer: ConsumerThread | None = None
        self.producer: Producer | None = None
        self._ledger: AsyncLedger | None = None

    # ---------------------------------------------------------------- lifecycle

    def stop(self) -> None:
        """Ask the worker to drain and exit; safe from any thread or a signal handler."""
        loop = self._loop
        if loop is None or loop.is_closed():
            self._stop_early = True  # run() has not started: it returns at once
            return
        loop.call_soon_threadsafe(self._stop.set)

    @property
    def assigned(self) -> bool:
        return self._consumer is not None and self._consumer.assigned_once.is_set()

    def run_forever(self) -> None:
        """Run until SIGINT/SIGTERM, then drain, commit and close."""
        async def main() -> None:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, self.stop)
            await self.run()

        asyncio.run(main())

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        if self._stop_early:
            return
        if self.settings.metrics_port:
            self.metrics.serve(self.settings.metrics_port, self.settings.metrics_host)
        self.producer = Producer(self.broker, client=self.transport.producer(
            self.broker, f"{self.worker_id}-producer"))
        self._ledger = AsyncLedger(self._ledger_arg or open_ledger(self.settings))
        callbacks = ConsumerCallbacks(self._on_records, self._on_revoked, self._on_failure,
                                      self._loop.call_soon_threadsafe)
        self._consumer = ConsumerThread(self.topics, self.transport, self.broker, self.settings,
                                        self.parts, callbacks, self.metrics, self.worker_id)
        self._consumer.start()
        try:
            await self._stop.wait()
        finally:
            await self._shutdown()
        if self._failure is not None:
            raise self._failure

    async def _shutdown(self) -> None:
        assert self._consumer is not None and self.producer is not None
        self._consumer.stop_fetching.set()
        self.parts.stopping = True
        self._queue.drop(lambda _: True)
        if self._running:
            self._idle.clear()
            try:
                await asyncio.wait_for(self._idle.wait(), self.settings.drain_timeout_s)
            except TimeoutError:
                log.warning("drain timed out with %d records in flight", self._running)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._consumer.close_requested.set()
        await asyncio.to_thread(self._consumer.join, 60)
        await asyncio.to_thread(self.producer.close)
        if self._ledger is not None:
            await asyncio.to_thread(self._ledger.close)

    def _on_failure(self, exc: BaseException) -> None:
        self._failure = exc
        self._stop.set()

    # ---------------------------------------------------------------- dispatch

    def _on_records(self, records: list[FetchedRecord]) -> None:
        for rec in records:
            # A record without a key has no order to keep: it gets a key of its own.
            key: Hashable = (rec.tp, rec.key) if rec.key is not None else (rec.tp, -rec.offset)
            self._queue.push(key, rec)
        self._pump()

    def _on_revoked(self, tps: set[TP]) -> None:
        self._queue.drop(lambda rec: rec.tp in tps)
        self._pump()

    def _pump(self) -> None:
        assert self._loop is not None
        while self._running < self.settings.max_in_flight and not self._stop.is_set():
            got = self._queue.pop_ready()
            if got is None:
                break
            key, rec = got
            if not self.parts.start(rec.tp, rec.epoch):
                self._queue.release(key)
                continue
            self._running += 1
            self.metrics.in_flight.set(self._running)
            task = self._loop.create_task(self._run_record(key, rec))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run_record(self, key: Hashable, rec: FetchedRecord) -> None:
        finished = False
        try:
            failures = 0
            while True:
                try:
                    await self._process(rec)
                    finished = True
                    return
                except Exception as exc:  # the broker or the ledger, not the handler
                    failures += 1
                    log.warning("record %s@%d not finished (%s), retrying", rec.tp, rec.offset,
                                exc)
                    if self._stop.is_set():
                        return
                    await asyncio.sleep(min(5.0, 0.1 * 2 ** min(failures, 6)))
        finally:
            self.parts.finish(rec.tp, rec.epoch, rec.offset if finished else None)
            self._queue.release(key)
            self._running -= 1
            self.metrics.in_flight.set(self._running)
            if not self._running:
                self._idle.set()
            self._pump()

    # ---------------------------------------------------------------- one record

    async def _process(self, rec: FetchedRecord) -> None:
        assert self._ledger is not None
        topic = rec.tp.topic
        size = len(rec.value or b"")
        if size > self.settings.max_record_bytes:
            exc = RecordTooLargeError(f"value of {size} bytes exceeds max_record_bytes="
                                      f"{self.settings.max_record_bytes}")
            await self._dead_letter(rec, exc, attempts=0, reason="too_large")
            return
        try:
            event = parse_event(rec.value or b"")
        except ValidationError as exc:
            await self._dead_letter(rec, exc, attempts=0, reason="invalid")
            return
        if await self._ledger.is_done(event.event_id):
            self.metrics.skipped.labels(topic).inc()
            return
        origin = f"{topic}/{rec.tp.partition}/{rec.offset}"
        headers = dict(rec.headers)
        trace_id = headers.get(TRACE_HEADER, event.event_id.encode()).decode(errors="replace")
        for attempt in range(1, self.settings.max_attempts + 1):
            ctx = HandlerContext(topic=topic, partition=rec.tp.partition, offset=rec.offset,
                                 key=rec.key.decode(errors="replace") if rec.key else None,
                                 event_id=event.event_id, idempotency_key=event.event_id,
                                 trace_id=trace_id, attempt=attempt, worker_id=self.worker_id,
                                 producer=self.producer)
            started = time.perf_counter()
            try:
                outputs = await self.handler(event, ctx)
                assert self.producer is not None
                await publish_outputs(self.producer, event, outputs or [], trace_id, self.route)
            except Exception as exc:
                self.metrics.failed.labels(topic, type(exc).__name__).inc()
                if isinstance(exc, FatalError) or attempt == self.settings.max_attempts:
                    await self._dead_letter(rec, exc, attempts=attempt, reason="handler")
                    await self._ledger.mark_done(event.event_id, origin)
                    return
                self.metrics.retried.labels(topic).inc()
                await asyncio.sleep(backoff_s(attempt, self.settings))
                continue
            finally:
                self.metrics.handler_latency.labels(topic).observe(time.perf_counter() - started)
            await self._ledger.mark_done(event.event_id, origin)
            self.metrics.handled.labels(topic).inc()
            return

    async def _dead_letter(self, rec: FetchedRecord, exc: BaseException, *, attempts: int,
                           reason: str) -> None:
        assert self.producer is not None
        info = dead_letter_info(exc, attempts=attempts, topic=rec.tp.topic,
                                partition=rec.tp.partition, offset=rec.offset,
                                worker_id=self.worker_id, reason=reason)
        await self.producer.send_raw(dlq_topic(rec.tp.topic), rec.value, key=rec.key,
                                     headers=list(rec.headers) + info.headers())
        self.metrics.dead_lettered.labels(rec.tp.topic, reason).inc()
        # One line that says what was wrong: a validation error's first line is only its title.
        log.warning("dead-lettered %s@%d to %s (%s): %s: %s", rec.tp, rec.offset,
                    dlq_topic(rec.tp.topic), reason, info.error_type,
                    " ".join(info.error_message.split())[:1000])
