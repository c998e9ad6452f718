"""The consumer runtime: many handler calls in flight, per-key order, nothing lost.

``Worker(topics, handler, settings, broker=...)`` joins a consumer group and
runs ``async def handler(event, ctx) -> list[OutputEvent]`` for every record,
or, for a handler wrapped in ``batched``, ``handler(events, ctxs)`` once per
fetched run of one partition's records.

Threads: one consumer thread owns the client's consumer (see ``_consumer``;
the client is behind ``transport``); handlers run on the asyncio loop that
runs ``Worker.run()``, in ``max_in_flight`` long-lived lanes (no task per
record); the ledger has its own thread (``_ledger_batch``); the producer has
its client's sender.

Guarantee (at-least-once delivery, effectively-once handling):

1. A record is *finished* when its outputs are acknowledged by the broker and
   its event id is in the shared ledger, or when it is acknowledged on its
   ``<topic>.dlq``. Only then does its offset count for the partition's
   contiguous watermark, which is what gets committed.
2. A redelivered record whose event id is in the ledger is skipped, so the
   handler of a finished event never runs again, on any worker of the group;
   a dead letter is marked by (topic, partition, offset), so a redelivered
   record is not dead-lettered twice either.
3. A crash between a handler's effects and the ledger mark re-runs the
   handler: effects must be idempotent on ``ctx.idempotency_key`` (the event
   id), and outputs take ids derived from the input's id (``ctx.output_id``;
   an event cannot be built without an id), so they dedupe too.

Records with the same (partition, key) run strictly in order; others run
concurrently, up to ``max_in_flight``. A per-record handler whose calls take under
``FAST_HANDLER_S`` on average (nothing to overlap) has the ready records of up to
``GROUP_MAX`` keys handled in one lane turn, one call after another, with one ledger
lookup, one wait for the acks and one mark per partition, as a batched handler's run;
after a call of ``SLOW_CALL_S`` or more, the records of the group not yet called run
side by side.

A handler exception is retried with exponential backoff and full jitter up to
``max_attempts`` (``FatalError`` is not retried), then dead-lettered; a
``BackpressureError`` (an overloaded model) pauses the partition for its
``retry_after_s`` and retries the record without spending an attempt.
Dead-lettered at once, each with its reason (``dlq.reason``): records that do not parse
or validate (``invalid``), exceed ``max_record_bytes`` (``too_large``), carry an
output type or a type another topic carries (``wrong_topic``), or reuse a finished
event's id with other bytes (``reused_event_id``). A record the producer cannot
send whole to the dead-letter topic is dead-lettered as a reference
(``dlq.DeadLetterReference``).

Exactly-once (``WorkerSettings.exactly_once``, a broker with transactions): a
finished record's outputs, dead letter and ledger marks are staged, not sent;
the consumer thread commits a partition's watermark in one transaction with
the records staged below it (``_consumer``), then the ledger marks go in. A
crash aborts the open transaction: neither its outputs nor its offsets count,
and the records are handled again (effects still idempotent, as in 3.). The
transactional id (``WorkerSettings.transactional_id``, else
``<group_id>.<group_instance_id or worker_id>``): zombies are fenced by the
group's generation (KIP-447, Kafka 2.5+), so one id per worker is enough; a
stable one also aborts a killed predecessor's open transaction when it
restarts, where a fresh one leaves it to the transaction timeout
(read_committed readers of those partitions wait that long).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import random
import signal
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ._consumer import ConsumerCallbacks, ConsumerThread
from ._keyed import KeyedQueue
from ._ledger_batch import AsyncLedger
from ._partitions import FetchedRecord, Partitions, Staged
from .config import BrokerSettings, WorkerSettings
from .dlq import H_REFERENCE, DeadLetterReference, dead_letter_info, dlq_topic
from .errors import (
    BackpressureError,
    FatalError,
    MessageTooLargeError,
    RecordTooLargeError,
    StreamsError,
)
from .events import OUTPUT_TYPES, Event, OutputEvent, derive_event_id, parse_event
from .ledger import Ledger, open_ledger
from .metrics import WorkerMetrics
from .producer import Producer
from .topics import TOPICS, topic_for
from .transport import (
    TP,
    OutRecord,
    TransactionalProducer,
    Transport,
    open_transport,
    transactional,
)

log = logging.getLogger(__name__)

TRACE_HEADER = "trace_id"
# A per-record handler whose calls take less than this on average (no real wait in
# them) gains nothing from running records concurrently: ready records of up to
# GROUP_MAX keys are then handled in one lane turn, one after another.
FAST_HANDLER_S = 0.001
GROUP_MAX = 64
# A call in a group that takes this long means the handler stopped being fast: the
# group's records not yet called go on side by side, not one after another.
SLOW_CALL_S = 0.01
PARENT_HEADER = "parent_event_id"


class WrongTopicError(StreamsError):
    """An event whose type this topic does not carry (an output type, or another topic's)."""


class ReusedEventIdError(StreamsError):
    """A record reusing the id of a finished event with different content."""


@dataclass(frozen=True, slots=True)
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
BatchFn = Callable[[Sequence[Event], Sequence[HandlerContext]],
                   Awaitable[Sequence[Sequence[OutputEvent]]]]
Router = Callable[[OutputEvent], str]


class batched:  # noqa: N801 - used as a decorator
    """Opt a handler into batches: ``fn(events, ctxs)`` returns one output list per event.

    The runtime calls it with a run of one partition's records in offset order
    (so each key's events in order), publishes every output, waits for the acks
    and marks the ledger once for the run. If it raises, each event of the run is
    handled alone (``fn([event], [ctx])``) with the usual retries and dead letters.
    Partitions, not keys, are then the unit of concurrency.
    """

    def __init__(self, fn: BatchFn) -> None:
        self.fn = fn

    async def __call__(self, event: Event, ctx: HandlerContext) -> Sequence[OutputEvent]:
        return (await self.fn([event], [ctx]))[0]


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def backoff_s(attempt: int, settings: WorkerSettings) -> float:
    """Full-jitter exponential backoff before retry number ``attempt`` (1-based)."""
    cap = min(settings.retry_backoff_max_ms, settings.retry_backoff_ms * 2 ** (attempt - 1))
    return random.uniform(0, cap) / 1000


def content_digest(value: bytes | None) -> str:
    return hashlib.blake2b(value or b"", digest_size=8).hexdigest()


def _origin(rec: FetchedRecord, digest: str) -> str:
    """The ledger's origin of an event: where it was read, and a digest of its bytes."""
    return f"{rec.tp.topic}/{rec.tp.partition}/{rec.offset}#{digest}"


def _dead_letter_id(rec: FetchedRecord) -> str:
    return f"dlq:{rec.tp.topic}/{rec.tp.partition}/{rec.offset}"


def _topic_check(topic: str, event_type: str) -> str | None:
    if event_type in OUTPUT_TYPES:
        return f"{event_type} is an output type; it does not belong on input topic {topic!r}"
    spec = TOPICS.get(topic)
    if spec is not None and event_type not in spec.event_types:
        return f"topic {topic!r} carries {list(spec.event_types)}, not {event_type}"
    return None


@dataclass(slots=True)
class _Parsed:
    rec: FetchedRecord
    event: Event
    digest: str


class _TopicCounters:
    """Label children resolved once per topic, not per record."""

    __slots__ = ("handled", "skipped", "retried", "latency")

    def __init__(self, metrics: WorkerMetrics, topic: str) -> None:
        self.handled = metrics.handled.labels(topic)
        self.skipped = metrics.skipped.labels(topic)
        self.retried = metrics.retried.labels(topic)
        self.latency = metrics.handler_latency.labels(topic)


class Worker:
    def __init__(self, topics: Sequence[str], handler: Handler | batched,
                 settings: WorkerSettings, *, broker: BrokerSettings,
                 worker_id: str | None = None, ledger: Ledger | None = None,
                 route: Router | None = None, metrics: WorkerMetrics | None = None,
                 transport: Transport | None = None) -> None:
        self.topics = list(topics)
        self.transport = transport or open_transport(broker)
        if settings.exactly_once:
            transactional(self.transport)  # fail here, not in run(), if it has none
        self.handler = handler
        self.settings = settings
        self.broker = broker
        self.worker_id = worker_id or default_worker_id()
        self.route = route
        self.metrics = metrics or WorkerMetrics()
        self._counters = {t: _TopicCounters(self.metrics, t) for t in self.topics}
        self._ledger_arg = ledger
        self.parts = Partitions()
        self._queue: KeyedQueue[list[FetchedRecord]] = KeyedQueue()
        self._lanes: list[asyncio.Task[None]] = []
        self._waiting: list[asyncio.Future[None]] = []
        self._running = 0
        self._handler_s = 1.0  # running mean of a handler call: slow until measured
        self._idle = asyncio.Event()
        self._stop = asyncio.Event()
        self._stop_early = False
        self._failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._consumer: ConsumerThread | None = None
        self.producer: Producer | None = None
        self._ledger: AsyncLedger | None = None
        # Event ids being handled here, with their digest: a second record with the same
        # id waits for the first (same bytes) or is dead-lettered (other bytes).
        self._active: dict[str, tuple[str, asyncio.Future[None]]] = {}
        # Exactly-once: the transactional producer, what records in flight staged, and
        # the ledger marks of committed transactions being written.
        self._txn: TransactionalProducer | None = None
        self._staged: dict[tuple[TP, int], Staged] = {}
        self._marking: set[asyncio.Task[None]] = set()

    @property
    def transactional_id(self) -> str:
        s = self.settings
        return s.transactional_id or f"{s.group_id}.{s.group_instance_id or self.worker_id}"

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
        if self.settings.exactly_once:  # fences a predecessor with the same id
            self._txn = await asyncio.to_thread(
                transactional(self.transport).transactional_producer, self.broker,
                f"{self.worker_id}-txn", self.transactional_id)
        self._lanes = [self._loop.create_task(self._lane())
                       for _ in range(self.settings.max_in_flight)]
        callbacks = ConsumerCallbacks(self._on_records, self._on_revoked, self._on_failure,
                                      self._loop.call_soon_threadsafe, self._on_committed)
        self._consumer = ConsumerThread(self.topics, self.transport, self.broker, self.settings,
                                        self.parts, callbacks, self.metrics, self.worker_id,
                                        self._txn)
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
        self._wake(len(self._waiting))  # idle lanes see the stop and end
        if self._running:
            self._idle.clear()
            try:
                await asyncio.wait_for(self._idle.wait(), self.settings.drain_timeout_s)
            except TimeoutError:
                log.warning("drain timed out with %d records in flight", self._running)
        for task in self._lanes:
            task.cancel()
        await asyncio.gather(*self._lanes, return_exceptions=True)
        self._consumer.close_requested.set()
        await asyncio.to_thread(self._consumer.join, 60)
        await asyncio.to_thread(self.producer.close)
        if self._txn is not None:
            await asyncio.to_thread(self._txn.close)
        await asyncio.gather(*self._marking, return_exceptions=True)
        if self._ledger is not None:
            await asyncio.to_thread(self._ledger.close)

    def _on_failure(self, exc: BaseException) -> None:
        self._failure = exc
        self._stop.set()

    # ---------------------------------------------------------------- dispatch

    def _on_records(self, records: list[FetchedRecord]) -> None:
        pushed = 0
        if isinstance(self.handler, batched):
            runs: dict[TP, list[FetchedRecord]] = {}
            for rec in records:
                runs.setdefault(rec.tp, []).append(rec)
            for tp, run in runs.items():
                self._queue.push(tp, run)
                pushed += 1
        else:
            for rec in records:
                # A record without a key has no order to keep: it gets a key of its own.
                key: Hashable = (rec.tp, rec.key) if rec.key is not None else (rec.tp, -rec.offset)
                self._queue.push(key, [rec])
                pushed += 1
        self._wake(pushed)

    def _on_committed(self, marks: list[tuple[str, str]]) -> None:
        """Exactly-once: a transaction committed; its records' ledger marks go in now."""
        assert self._ledger is not None
        task = asyncio.get_running_loop().create_task(self._ledger.mark_done(marks))
        self._marking.add(task)
        task.add_done_callback(self._marked)

    def _marked(self, task: asyncio.Task[None]) -> None:
        self._marking.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # The offsets are committed: only a later duplicate of these ids would run again.
            log.warning("ledger marks after a commit failed: %s", task.exception())

    def _stage(self, tp: TP, offset: int) -> Staged:
        return self._staged.setdefault((tp, offset), Staged())

    async def _mark(self, recs: Sequence[FetchedRecord], entries: list[tuple[str, str]]) -> None:
        """Mark ``entries`` (one per record of ``recs``) done, or stage them (exactly-once)."""
        assert self._ledger is not None
        if self._txn is None:
            await self._ledger.mark_done(entries)
            return
        for rec, entry in zip(recs, entries, strict=True):
            self._stage(rec.tp, rec.offset).marks.append(entry)

    def _on_revoked(self, tps: set[TP]) -> None:
        self._queue.drop(lambda run: run[0].tp in tps)

    def _wake(self, n: int) -> None:
        while n > 0 and self._waiting:
            fut = self._waiting.pop()
            if not fut.done():
                fut.set_result(None)
                n -= 1

    async def _lane(self) -> None:
        assert self._loop is not None
        while not self._stop.is_set():
            got = self._queue.pop_ready()
            if got is None:
                fut = self._loop.create_future()
                self._waiting.append(fut)
                await fut
                continue
            key, run = got
            if len(run) > 1 or isinstance(self.handler, batched) or (
                    self._handler_s >= FAST_HANDLER_S):
                await self._run_started([key], run)
                continue
            # A fast handler: other ready keys' records go with this one, handled one
            # after another with one ledger lookup, one wait for acks and one mark.
            group: dict[tuple[TP, int], tuple[list[Hashable], list[FetchedRecord]]] = {}
            for k, (rec,) in [(key, run), *self._queue.pop_ready_many(GROUP_MAX - 1)]:
                keys, recs = group.setdefault((rec.tp, rec.epoch), ([], []))
                keys.append(k)
                recs.append(rec)
            for keys, recs in group.values():
                await self._run_started(keys, recs)

    async def _run_started(self, keys: list[Hashable], run: list[FetchedRecord]) -> None:
        """Handle ``run`` (records of one partition, ``keys`` theirs) and release the keys."""
        first = run[0]
        if not self.parts.start(first.tp, first.epoch, len(run)):
            for key in keys:
                self._queue.release(key)
            return
        self._running += 1
        self.metrics.in_flight.set(self._running)
        done: list[int] = []
        staged: dict[int, Staged] = {}
        try:
            if len(run) == 1 and not isinstance(self.handler, batched):
                if await self._run_record(first):
                    done.append(first.offset)
            else:
                done = await self._run_batch(run)
        finally:
            if self._staged:
                for rec in run:
                    mine = self._staged.pop((rec.tp, rec.offset), None)
                    if mine is not None and rec.offset in done:
                        staged[rec.offset] = mine
            self.parts.finish(first.tp, first.epoch, len(run), done, staged)
            for key in keys:
                self._queue.release(key)
            self._running -= 1
            self.metrics.in_flight.set(self._running)
            if not self._running:
                self._idle.set()

    async def _run_record(self, rec: FetchedRecord) -> bool:
        """Handle one record until finished (True), or until the worker stops (False)."""
        failures = 0
        while True:
            self._staged.pop((rec.tp, rec.offset), None)  # a failed try staged nothing
            try:
                await self._process(rec)
                return True
            except Exception as exc:  # the broker or the ledger, not the handler
                failures += 1
                log.warning("record %s@%d not finished (%s), retrying", rec.tp, rec.offset, exc)
                if self._stop.is_set():
                    return False
                await asyncio.sleep(min(5.0, 0.1 * 2 ** min(failures, 6)))

    # ---------------------------------------------------------------- one record

    async def _parse(self, rec: FetchedRecord) -> _Parsed | None:
        """The record's event, or None once it is dead-lettered (or was, before a redelivery)."""
        size = len(rec.value or b"")
        if size > self.settings.max_record_bytes:
            exc = RecordTooLargeError(f"value of {size} bytes exceeds max_record_bytes="
                                      f"{self.settings.max_record_bytes}")
            await self._dead_letter(rec, exc, attempts=0, reason="too_large")
            return None
        try:
            event = parse_event(rec.value or b"")
        except ValidationError as exc:
            await self._dead_letter(rec, exc, attempts=0, reason="invalid")
            return None
        wrong = _topic_check(rec.tp.topic, event.type)
        if wrong is not None:
            await self._dead_letter(rec, WrongTopicError(wrong), attempts=0, reason="wrong_topic")
            return None
        return _Parsed(rec, event, content_digest(rec.value))

    async def _already_done(self, p: _Parsed, origin: str | None) -> bool:
        """Skip a finished event's redelivery; dead-letter another record reusing its id."""
        if origin is None:
            return False
        _, _, digest = origin.rpartition("#")
        if digest and "/" not in digest and digest != p.digest:
            exc = ReusedEventIdError(f"event id {p.event.event_id} was finished with other "
                                     f"content (first read at {origin.partition('#')[0]})")
            await self._dead_letter(p.rec, exc, attempts=0, reason="reused_event_id")
        else:
            self._counters[p.rec.tp.topic].skipped.inc()
        return True

    async def _process(self, rec: FetchedRecord) -> None:
        assert self._ledger is not None
        p = await self._parse(rec)
        if p is None or not await self._claim(p):
            return
        try:
            origin = (await self._ledger.origins([p.event.event_id])).get(p.event.event_id)
            if not await self._already_done(p, origin):
                await self._handle_one(p)
        finally:
            self._unclaim(p)

    async def _claim(self, p: _Parsed) -> bool:
        """Make ``p`` the copy of its event id handled here; False if it must not run."""
        while (active := self._active.get(p.event.event_id)) is not None:
            digest, finished = active
            if digest != p.digest:
                exc = ReusedEventIdError(f"event id {p.event.event_id} is being handled with "
                                         "other content")
                await self._dead_letter(p.rec, exc, attempts=0, reason="reused_event_id")
                return False
            await asyncio.shield(finished)  # then the ledger says whether it finished
        self._active[p.event.event_id] = (p.digest, asyncio.get_running_loop().create_future())
        return True

    def _unclaim(self, p: _Parsed) -> None:
        active = self._active.pop(p.event.event_id, None)
        if active is not None and not active[1].done():
            active[1].set_result(None)

    def _context(self, p: _Parsed, attempt: int) -> HandlerContext:
        rec = p.rec
        trace = next((v for k, v in rec.headers if k == TRACE_HEADER), None)
        return HandlerContext(
            topic=rec.tp.topic, partition=rec.tp.partition, offset=rec.offset,
            key=rec.key.decode(errors="replace") if rec.key else None,
            event_id=p.event.event_id, idempotency_key=p.event.event_id,
            trace_id=trace.decode(errors="replace") if trace else p.event.event_id,
            attempt=attempt, worker_id=self.worker_id, producer=self.producer)

    async def _handle_one(self, p: _Parsed, failure: Exception | None = None) -> None:
        """Handle ``p`` until finished: retried, dead-lettered or marked done.

        ``failure``: what its first attempt raised, when it ran in a group."""
        assert self._ledger is not None
        topic = p.rec.tp.topic
        counters = self._counters[topic]
        attempt = 1
        while True:
            if failure is None:
                await self._wait_hold(p.rec.tp)
                ctx = self._context(p, attempt)
                started = time.perf_counter()
                try:
                    try:
                        outputs = await self.handler(p.event, ctx)
                    finally:
                        self._handled_in(counters, time.perf_counter() - started)
                    await self._publish([(ctx, outputs or ())])
                except Exception as exc:
                    failure = exc
                else:
                    await self._mark([p.rec], [(p.event.event_id, _origin(p.rec, p.digest))])
                    counters.handled.inc()
                    return
            raised, failure = failure, None
            self.metrics.failed.labels(topic, type(raised).__name__).inc()
            if isinstance(raised, BackpressureError):  # no attempt spent: wait and retry
                self._hold(p.rec.tp, raised)
                continue
            if isinstance(raised, FatalError) or attempt == self.settings.max_attempts:
                await self._dead_letter(p.rec, raised, attempts=attempt, reason="handler")
                await self._mark([p.rec], [(p.event.event_id, _origin(p.rec, p.digest))])
                return
            counters.retried.inc()
            await asyncio.sleep(backoff_s(attempt, self.settings))
            attempt += 1

    def _handled_in(self, counters: _TopicCounters, seconds: float) -> None:
        """One handler call took ``seconds``: its histogram, and the running mean that
        decides whether records are grouped (``FAST_HANDLER_S``)."""
        counters.latency.observe(seconds)
        self._handler_s += (seconds - self._handler_s) * 0.05

    def _hold(self, tp: TP, exc: BackpressureError) -> None:
        """Pause ``tp`` (fetching, and starting its records) for the time ``exc`` asks."""
        hinted = exc.retry_after_s
        seconds = self.settings.retry_backoff_max_ms / 1000 if hinted is None else hinted
        seconds = min(self.settings.max_pause_s, seconds)
        log.warning("pausing %s for %.1fs: %s", tp, seconds, exc)
        self.parts.hold(tp, seconds)

    async def _wait_hold(self, tp: TP) -> None:
        """Wait out ``tp``'s hold; raises when the worker stops meanwhile (not finished)."""
        while (left := self.parts.hold_left(tp)) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), left)
            if self._stop.is_set():
                raise StreamsError(f"stopped while {tp} was paused")

    async def _publish(self, results: Sequence[tuple[HandlerContext, Sequence[OutputEvent]]],
                       ) -> None:
        """Send every output and wait for all the acks (exactly-once: stage them)."""
        assert self.producer is not None
        futures = []
        for ctx, outputs in results:
            if not outputs:
                continue
            headers = [(TRACE_HEADER, ctx.trace_id.encode()),
                       (PARENT_HEADER, ctx.event_id.encode())]
            staged = self._stage(TP(ctx.topic, ctx.partition), ctx.offset).records \
                if self._txn is not None else None
            for out in outputs:
                topic = self.route(out) if self.route else topic_for(out.type).name
                if staged is not None:
                    staged.append(OutRecord(topic, out.to_bytes(), out.key.encode(),
                                            tuple(headers)))
                    continue
                futures.append(self.producer.send_nowait(topic, out.to_bytes(),
                                                         out.key.encode(), headers))
        for fut in futures:
            await fut

    # ---------------------------------------------------------------- a batch

    async def _run_batch(self, run: list[FetchedRecord]) -> list[int]:
        """Handle a run of one partition's records; the offsets finished."""
        try:
            await self._process_batch(run)
            return [r.offset for r in run]
        except Exception as exc:  # the broker or the ledger: finish record by record
            log.warning("batch of %d from %s not finished (%s): one by one", len(run),
                        run[0].tp, exc)
        done = []
        for rec in run:
            if not await self._run_record(rec):
                break
            done.append(rec.offset)
        return done

    async def _process_batch(self, run: list[FetchedRecord]) -> None:
        assert self._ledger is not None
        parsed = [p for p in [await self._parse(rec) for rec in run] if p is not None]
        claimed: list[_Parsed] = []
        try:
            for p in parsed:
                if p.event.event_id in self._active and any(
                        c.event.event_id == p.event.event_id for c in claimed):
                    # A repeat within the run: the ledger answers once the first is marked.
                    await self._mark_and_handle(claimed)
                    for c in claimed:
                        self._unclaim(c)
                    claimed = []
                if await self._claim(p):
                    claimed.append(p)
            await self._mark_and_handle(claimed)
        finally:
            for c in claimed:
                self._unclaim(c)

    async def _mark_and_handle(self, parsed: list[_Parsed]) -> None:
        assert self._ledger is not None
        origins = await self._ledger.origins([p.event.event_id for p in parsed])
        todo = [p for p in parsed if not await self._already_done(
            p, origins.get(p.event.event_id))]
        if not todo:
            return
        await self._wait_hold(todo[0].rec.tp)
        ctxs = [self._context(p, 1) for p in todo]
        counters = self._counters[todo[0].rec.tp.topic]
        failed: list[tuple[_Parsed, Exception | None]] = []
        try:
            if isinstance(self.handler, batched):
                started = time.perf_counter()
                results = await self.handler.fn([p.event for p in todo], ctxs)
                counters.latency.observe(time.perf_counter() - started)
                if len(results) != len(todo):
                    raise ValueError(f"a batch handler returned {len(results)} output lists "
                                     f"for {len(todo)} events")
                await self._publish(list(zip(ctxs, results, strict=True)))
            else:
                failed = await self._call_each(todo, ctxs, counters)
        except Exception as exc:
            log.info("batch handler failed (%s): handling its %d events one by one",
                     exc, len(todo))
            if isinstance(exc, BackpressureError):
                self._hold(todo[0].rec.tp, exc)
            for p in todo:
                await self._handle_one(p)
            return
        ok = [p for p in todo if all(p is not f for f, _ in failed)]
        await self._mark([p.rec for p in ok],
                         [(p.event.event_id, _origin(p.rec, p.digest)) for p in ok])
        counters.handled.inc(len(ok))
        # The rest, each on its own and side by side (their keys differ): retried,
        # dead-lettered, or not yet called. Every one ends before a failure goes up.
        ended = await asyncio.gather(*(self._handle_one(p, raised) for p, raised in failed),
                                     return_exceptions=True)
        for end in ended:
            if isinstance(end, BaseException):
                raise end

    async def _call_each(self, todo: list[_Parsed], ctxs: list[HandlerContext],
                         counters: _TopicCounters) -> list[tuple[_Parsed, Exception | None]]:
        """A per-record handler over a group, one call after another; publishes what the
        calls that returned produced, and returns the records not finished: each with what
        its call raised, or None if it was not called (after a call that was overloaded,
        or slow: ``SLOW_CALL_S``)."""
        assert not isinstance(self.handler, batched)
        results: list[tuple[HandlerContext, Sequence[OutputEvent]]] = []
        failed: list[tuple[_Parsed, Exception | None]] = []
        for i, (p, ctx) in enumerate(zip(todo, ctxs, strict=True)):
            started = time.perf_counter()
            overloaded = False
            try:
                results.append((ctx, await self.handler(p.event, ctx) or ()))
            except Exception as exc:
                failed.append((p, exc))
                overloaded = isinstance(exc, BackpressureError)
            took = time.perf_counter() - started
            self._handled_in(counters, took)
            if overloaded or took >= SLOW_CALL_S:  # the rest, on its own (after the pause)
                failed += [(q, None) for q in todo[i + 1:]]
                break
        await self._publish(results)
        return failed

    # ---------------------------------------------------------------- dead letters

    async def _dead_letter(self, rec: FetchedRecord, exc: BaseException, *, attempts: int,
                           reason: str) -> None:
        assert self.producer is not None and self._ledger is not None
        mark = _dead_letter_id(rec)
        if await self._ledger.origins([mark]):
            return  # dead-lettered before a redelivery: once is enough
        info = dead_letter_info(exc, attempts=attempts, topic=rec.tp.topic,
                                partition=rec.tp.partition, offset=rec.offset,
                                worker_id=self.worker_id, reason=reason)
        target = dlq_topic(rec.tp.topic)
        headers = list(rec.headers) + info.headers()
        if self._txn is not None:  # sent with the offset's commit, whole or as a reference
            ref = DeadLetterReference(topic=rec.tp.topic, partition=rec.tp.partition,
                                      offset=rec.offset, size=len(rec.value or b""),
                                      reason=reason, send_error="above the producer's request size")
            staged = self._stage(rec.tp, rec.offset)
            staged.records.append(OutRecord(target, rec.value, rec.key, tuple(headers), OutRecord(
                target, ref.to_bytes(), rec.key, tuple(info.headers() + [(H_REFERENCE, b"1")]))))
            staged.marks.append((mark, f"{target}#"))
        else:
            await self._send_dead_letter(rec, target, headers, info.headers(), reason)
            await self._ledger.mark_done([(mark, f"{target}#")])
        self.metrics.dead_lettered.labels(rec.tp.topic, reason).inc()
        # One line that says what was wrong: a validation error's first line is only its title.
        log.warning("dead-lettered %s@%d to %s (%s): %s: %s", rec.tp, rec.offset, target,
                    reason, info.error_type, " ".join(info.error_message.split())[:1000])

    async def _send_dead_letter(self, rec: FetchedRecord, target: str,
                                headers: list[tuple[str, bytes]],
                                info_headers: list[tuple[str, bytes]], reason: str) -> None:
        assert self.producer is not None
        try:
            sent: Any = self.producer.send_nowait(target, rec.value, rec.key, headers)
        except MessageTooLargeError as too_big:
            ref = DeadLetterReference(topic=rec.tp.topic, partition=rec.tp.partition,
                                      offset=rec.offset, size=len(rec.value or b""),
                                      reason=reason, send_error=str(too_big))
            sent = self.producer.send_nowait(target, ref.to_bytes(), rec.key,
                                             info_headers + [(H_REFERENCE, b"1")])
        await sent
