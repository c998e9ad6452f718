"""An overloaded model pauses the partition and the record is retried, never dead-lettered.

The whole path on the in-memory transport: a fake HTTP model (a local thread)
answers 503 with Retry-After, the gated chat model raises ``LLMOverloadedError``,
the wiring's ``overload_as_backpressure`` makes it a ``BackpressureError``, the
runtime pauses the partition (capped by ``max_pause_s``) and retries the record
without spending an attempt (``max_attempts=1``: a plain retry would dead-letter it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agents.config import LLMSettings
from agents.llm import chat_model
from streams._partitions import Partitions
from streams._transport_memory import MemoryConsumer, MemoryTransport
from streams.config import BrokerSettings, WorkerSettings
from streams.errors import BackpressureError
from streams.events import Event, OutputEvent
from streams.metrics import WorkerMetrics
from streams.runtime import HandlerContext, Worker
from streams.transport import TP, RawRecord
from streamwise.wiring import overload_as_backpressure
from tests.fake_llm import FakeLLM, fake_llm
from tests.streams._helpers import make_events
from tests.streams._transports import grouped, run_until


class SpyTransport(MemoryTransport):
    """Records every partition its consumers pause."""

    def __init__(self) -> None:
        super().__init__()
        self.paused: list[set[TP]] = []

    def consumer(self, broker: BrokerSettings, settings: WorkerSettings,
                 client_id: str) -> MemoryConsumer:
        consumer = super().consumer(broker, settings, client_id)
        pause = consumer.pause

        def spy(tps: set[TP]) -> None:
            self.paused.append(set(tps))
            pause(tps)

        consumer.pause = spy  # type: ignore[method-assign]
        return consumer


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with fake_llm() as f:
        yield f


def test_an_overload_pauses_the_partition_then_the_record_succeeds(
        fake: FakeLLM, tmp_path: Path) -> None:
    fake.script = [(503, {"Retry-After": "30"})]
    model = chat_model(LLMSettings(base_url=fake.url, model="m", max_retries=0))
    transport = SpyTransport()
    transport.broker.create_topic("tickets", 2)
    event = make_events(1, keys=1)[0]
    tp = transport.broker.append("tickets", event.to_bytes(), event.key.encode())
    answers: list[Any] = []

    async def handle(event: Event, ctx: HandlerContext) -> list[OutputEvent]:
        with overload_as_backpressure():
            answers.append((await asyncio.to_thread(model.invoke, "hi")).content)
        return []

    settings = WorkerSettings(group_id="g", ledger_path=str(tmp_path / "ledger.sqlite"),
                              max_attempts=1, max_pause_s=0.3, commit_interval_ms=50)
    worker = Worker(["tickets"], handle, settings, broker=BrokerSettings(embedded=False),
                    transport=transport)
    asyncio.run(run_until(
        [worker], lambda: worker.metrics.value("streamwise_records_handled_total",
                                               topic="tickets") == 1, 60))

    assert answers == ["hello"] and fake.requests == 2
    assert {tp} in transport.paused  # the partition, and only it, was paused
    assert worker.metrics.value("streamwise_handler_failures_total", topic="tickets",
                                error="BackpressureError") == 1
    assert transport.broker.records("tickets.dlq") == []
    assert worker.metrics.value("streamwise_records_dead_lettered_total", topic="tickets",
                                reason="handler") == 0


def _run_grouped(tmp_path: Path, transport: MemoryTransport, handle: Any, events: int,
                 **settings: Any) -> tuple[Worker, list[int]]:
    """Run a worker that groups from its first record until ``events`` are handled."""
    worker = Worker(["tickets"], handle, WorkerSettings(
        group_id="g", ledger_path=str(tmp_path / "ledger.sqlite"), commit_interval_ms=50,
        **settings), broker=BrokerSettings(embedded=False), transport=transport)
    groups = grouped(worker)
    asyncio.run(run_until(
        [worker], lambda: worker.metrics.value("streamwise_records_handled_total",
                                               topic="tickets") == events, 60))
    return worker, groups


def test_an_overload_in_a_group_pauses_and_the_rest_waits_without_spending_attempts(
        tmp_path: Path) -> None:
    transport = SpyTransport()
    transport.broker.create_topic("tickets", 1)
    events = make_events(40, keys=8)
    for e in events:
        transport.broker.append("tickets", e.to_bytes(), e.key.encode())
    calls: list[str] = []
    overloaded = {"left": 1}

    async def handle(event: Event, ctx: HandlerContext) -> list[OutputEvent]:
        calls.append(event.event_id)
        if len(calls) == 5 and overloaded["left"]:  # the model is overloaded, once
            overloaded["left"] -= 1
            raise BackpressureError("503", retry_after_s=0.2)
        return []

    worker, groups = _run_grouped(tmp_path, transport, handle, 40, max_attempts=1)

    # with max_attempts=1 a spent attempt would have dead-lettered it: none was spent
    assert transport.broker.records("tickets.dlq") == []
    assert max(groups) >= 5  # the overloaded call was not the last of its group
    assert len(calls) == 41 and len(set(calls)) == 40  # only the overloaded call again
    assert worker.metrics.value("streamwise_handler_failures_total", topic="tickets",
                                error="BackpressureError") == 1


def test_a_slow_call_in_a_group_sends_the_rest_of_it_side_by_side(tmp_path: Path) -> None:
    transport = MemoryTransport()
    transport.broker.create_topic("tickets", 1)
    for e in make_events(8, keys=8):
        transport.broker.append("tickets", e.to_bytes(), e.key.encode())
    running = {"now": 0, "peak": 0}

    async def handle(event: Event, ctx: HandlerContext) -> list[OutputEvent]:
        running["now"] += 1
        running["peak"] = max(running["peak"], running["now"])
        await asyncio.sleep(0.05)  # no longer fast: a model call, say
        running["now"] -= 1
        return []

    _, groups = _run_grouped(tmp_path, transport, handle, 8)

    assert groups == [8]  # one group of the 8 keys, measured fast before it began
    assert running["peak"] == 7  # after the first, slow call the other 7 ran side by side


class FakeConsumer:
    def __init__(self, tps: set[TP]) -> None:
        self.tps = tps
        self._paused: set[TP] = set()

    def assignment(self) -> set[TP]:
        return set(self.tps)

    def paused(self) -> set[TP]:
        return set(self._paused)

    def pause(self, tps: set[TP]) -> None:
        self._paused |= tps

    def resume(self, tps: set[TP]) -> None:
        self._paused -= tps


def _consumer_thread(settings: WorkerSettings) -> tuple[Any, Partitions, FakeConsumer]:
    """A consumer thread (not started) over two assigned partitions of topic t."""
    from streams._consumer import ConsumerThread

    parts = Partitions()
    parts.assign({A, B})
    thread = ConsumerThread(["t"], MemoryTransport(), BrokerSettings(embedded=False), settings,
                            parts, None, WorkerMetrics(), "c")  # type: ignore[arg-type]
    return thread, parts, FakeConsumer({A, B})


A, B = TP("t", 0), TP("t", 1)


def test_a_held_partition_stays_paused_beside_the_buffer_limit() -> None:
    thread, parts, consumer = _consumer_thread(WorkerSettings(max_buffered=2,
                                                              full_buffer_pause_ms=0))
    a, b = A, B
    thread._backpressure(consumer)  # type: ignore[arg-type]
    assert consumer.paused() == set()
    parts.hold(a, 60)
    thread._backpressure(consumer)  # type: ignore[arg-type]
    assert consumer.paused() == {a}
    fetched = parts.fetched_many([RawRecord(b, i, None, b"", ()) for i in range(2)])
    thread._backpressure(consumer)  # type: ignore[arg-type]
    assert consumer.paused() == {a, b}  # the buffer is full: everything pauses
    for rec in fetched:
        assert parts.start(rec.tp, rec.epoch)
        parts.finish(rec.tp, rec.epoch, 1, [rec.offset])
    thread._backpressure(consumer)  # type: ignore[arg-type]
    assert consumer.paused() == {a}  # drained: only the held partition stays paused


def test_a_full_buffer_fetches_nothing_and_pauses_only_if_it_stays_full() -> None:
    thread, parts, consumer = _consumer_thread(WorkerSettings(max_buffered=4,
                                                              full_buffer_pause_ms=1000))
    a, b = A, B
    assert thread._backpressure(consumer, now=0.0) == 4  # type: ignore[arg-type]
    fetched = parts.fetched_many([RawRecord(b, i, None, b"", ()) for i in range(4)])
    # Full: the next poll may fetch nothing, but nothing is paused yet.
    assert thread._backpressure(consumer, now=10.0) == 0  # type: ignore[arg-type]
    assert thread._backpressure(consumer, now=10.9) == 0  # type: ignore[arg-type]
    assert consumer.paused() == set()
    # Still full after full_buffer_pause_ms: everything pauses.
    assert thread._backpressure(consumer, now=11.0) == 0  # type: ignore[arg-type]
    assert consumer.paused() == {a, b}
    for rec in fetched[:1]:  # 3 left: above half the limit, so it stays paused
        assert parts.start(rec.tp, rec.epoch)
        parts.finish(rec.tp, rec.epoch, 1, [rec.offset])
    assert thread._backpressure(consumer, now=11.1) == 0  # type: ignore[arg-type]
    assert consumer.paused() == {a, b}
    for rec in fetched[1:2]:  # 2 left: half drained, fetching resumes with room for 2
        assert parts.start(rec.tp, rec.epoch)
        parts.finish(rec.tp, rec.epoch, 1, [rec.offset])
    assert thread._backpressure(consumer, now=11.2) == 2  # type: ignore[arg-type]
    assert consumer.paused() == set()
