"""The runtime contract, run unchanged on every transport (see ``_transports``).

Order per key, outputs with derived ids, dead letters (with their reasons),
watermark commits, a rebalance between two workers, and redelivery of what a
stopped worker left unfinished. The in-memory transport runs in milliseconds;
the kafka ones against the real embedded broker are marked slow.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from streams.broker import EmbeddedBroker
from streams.config import WorkerSettings
from streams.dlq import H_REFERENCE, DeadLetterInfo, DeadLetterReference
from streams.errors import FatalError, FencedError, StreamsError
from streams.events import Alert as AlertPayload
from streams.events import (
    AlertEvent,
    Event,
    OutputEvent,
    TicketMessage,
    TicketMessageEvent,
    derive_event_id,
    new_event_id,
    utcnow,
)
from streams.runtime import HandlerContext, Worker, batched

from ._helpers import make_events
from ._transports import Harness, KafkaHarness, MemoryHarness, grouped, run_until

HANDLED = "streamwise_records_handled_total"
SKIPPED = "streamwise_records_skipped_total"
DEAD = "streamwise_records_dead_lettered_total"


def _clients() -> list[object]:
    return ["memory", pytest.param("kafka-python", marks=pytest.mark.slow),
            pytest.param("confluent-kafka", marks=pytest.mark.slow)]


@pytest.fixture(scope="module")
def embedded() -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker(create_default_topics=False) as b:
        yield b


@pytest.fixture(params=_clients())
def harness(request: pytest.FixtureRequest) -> Harness:
    if request.param == "memory":
        return MemoryHarness()
    return KafkaHarness(request.getfixturevalue("embedded"), request.param)


def _worker(h: Harness, topic: str, handle: object, tmp: Path, group: str,
            **settings: object) -> Worker:
    ws = WorkerSettings(group_id=group, ledger_path=str(tmp / "ledger.sqlite"),
                        **{"commit_interval_ms": 50, **settings})  # type: ignore[arg-type]
    return Worker([topic], handle, ws, broker=h.settings(),  # type: ignore[arg-type]
                  transport=h.transport(), route=lambda _: topic + ".out")


def _message(key: str, text: str) -> TicketMessageEvent:
    return TicketMessageEvent(event_id=new_event_id(), occurred_at=utcnow(), key=key,
                              payload=TicketMessage(ticket_id=key, message=text))


# exactly_once on kafka-python runs real transactions on Tansu (offsets and outputs
# committed together); Tansu does not hide aborted records, so what an abort leaves
# behind is checked on the memory transport only (test_exactly_once_a_fenced_...).
@pytest.mark.parametrize("exactly_once", [False, True], ids=["at-least-once", "exactly-once"])
def test_order_per_key_outputs_and_commits(harness: Harness, tmp_path: Path,
                                           exactly_once: bool) -> None:
    topic = harness.topic(3)
    events = make_events(600, keys=60)
    harness.produce(topic, [(e.key.encode(), e.to_bytes()) for e in events])
    rng = random.Random(3)
    seen: dict[str, list[int]] = defaultdict(list)
    running = {"now": 0, "peak": 0}

    async def handle(event: Event, ctx: HandlerContext) -> list[OutputEvent]:
        running["now"] += 1
        running["peak"] = max(running["peak"], running["now"])
        await asyncio.sleep(rng.uniform(0, 0.002))
        seen[event.key].append(int(event.payload.message))  # type: ignore[union-attr]
        running["now"] -= 1
        return [AlertEvent(key=event.key, event_id=ctx.output_id("0/Alert"), occurred_at=utcnow(),
                           payload=AlertPayload(subject_id=event.key, severity="info",
                                                kind="test", message=ctx.event_id))]

    worker = _worker(harness, topic, handle, tmp_path, "order", max_in_flight=32,
                     exactly_once=exactly_once)
    asyncio.run(run_until([worker], lambda: worker.metrics.value(HANDLED, topic=topic) == 600
                          and _total(harness.committed("order", topic, 3)) == 600, 60))

    for key, seqs in seen.items():
        assert seqs == list(range(len(seqs))), f"{key} out of order"
    assert running["peak"] > 1  # keys ran concurrently
    outs = harness.read(topic + ".out", 600)
    assert len(outs) == 600
    ids = {json.loads(o.value or b"")["payload"]["message"]: json.loads(o.value or b"")["event_id"]
           for o in outs}
    assert ids == {e.event_id: derive_event_id(e.event_id, "0/Alert") for e in events}
    assert all(dict(o.headers)["parent_event_id"].decode() in ids for o in outs)


def test_a_poll_never_fetches_more_than_the_buffer_holds(harness: Harness,
                                                         tmp_path: Path) -> None:
    topic = harness.topic(2)
    events = make_events(120, keys=12)
    harness.produce(topic, [(e.key.encode(), e.to_bytes()) for e in events])
    peak = {"buffered": 0}

    async def handle(event: Event, ctx: HandlerContext) -> list[OutputEvent]:
        pending, in_flight = worker.parts.counts()
        peak["buffered"] = max(peak["buffered"], pending - in_flight)
        await asyncio.sleep(0)
        return []

    worker = _worker(harness, topic, handle, tmp_path, "small-buffer", max_in_flight=2,
                     max_buffered=5)
    asyncio.run(run_until([worker], lambda: worker.metrics.value(HANDLED, topic=topic) == 120
                          and _total(harness.committed("small-buffer", topic, 2)) == 120, 60))
    assert 0 < peak["buffered"] <= 5


def test_exactly_once_a_fenced_worker_leaves_neither_outputs_nor_offsets(
        tmp_path: Path) -> None:
    # Memory only: Tansu keeps an aborted transaction's records visible to read_committed.
    harness = MemoryHarness()
    topic = harness.topic(2)
    events = make_events(80, keys=8)
    harness.produce(topic, [(e.key.encode(), e.to_bytes()) for e in events]
                    + [(b"bad", b"not an event")])
    runs: dict[str, int] = defaultdict(int)

    async def handle(event: Event, ctx: HandlerContext) -> list[OutputEvent]:
        runs[event.event_id] += 1
        return [AlertEvent(key=event.key, event_id=ctx.output_id("0/Alert"), occurred_at=utcnow(),
                           payload=AlertPayload(subject_id=event.key, severity="info",
                                                kind="test", message=ctx.event_id))]

    # The first worker finishes everything but never gets to commit: its replacement (same
    # static member id, so same transactional id) starts and fences it.
    first = _worker(harness, topic, handle, tmp_path, "eos", exactly_once=True,
                    group_instance_id="w1", commit_interval_ms=600_000)
    fence = harness.transport().transactional_producer  # type: ignore[attr-defined]

    def finished_then_fenced() -> bool:
        if first.metrics.value(HANDLED, topic=topic) < 80:
            return False
        fence(harness.settings(), "replacement", first.transactional_id)
        return True

    with pytest.raises(FencedError):
        asyncio.run(run_until([first], finished_then_fenced, 30))
    assert len(runs) == 80
    assert harness.read(topic + ".out", 0) == [] and harness.read(topic + ".dlq", 0) == []
    assert _total(harness.committed("eos", topic, 2)) == 0

    second = _worker(harness, topic, handle, tmp_path, "eos", exactly_once=True,
                     group_instance_id="w1")
    asyncio.run(run_until([second], lambda: _total(harness.committed("eos", topic, 2)) == 81,
                          30))
    assert all(n == 2 for n in runs.values())  # the ledger had no marks: all ran again
    outs = [json.loads(o.value or b"")["event_id"] for o in harness.read(topic + ".out", 80)]
    assert sorted(outs) == sorted(derive_event_id(e.event_id, "0/Alert") for e in events)
    assert len(harness.read(topic + ".dlq", 1)) == 1


def test_exactly_once_needs_a_transport_with_transactions(tmp_path: Path) -> None:
    class Plain:
        name = "plain"

    with pytest.raises(StreamsError, match="no transactions"):
        Worker(["t"], batched(lambda *_: None), WorkerSettings(exactly_once=True),  # type: ignore
               broker=MemoryHarness().settings(), transport=Plain())  # type: ignore[arg-type]


def _total(marks: dict[int, int | None]) -> int:
    return sum(m or 0 for m in marks.values())


def test_poison_records_are_dead_lettered_with_reasons(harness: Harness, tmp_path: Path) -> None:
    topic = harness.topic(1)
    good = make_events(10, keys=3)
    boom, fatal, big = _message("boom", "0"), _message("fatal", "0"), _message("big", "x" * 5000)
    no_id = json.dumps({k: v for k, v in json.loads(_message("no-id", "1").to_bytes()).items()
                        if k != "event_id"}).encode()
    wrong = json.dumps({"event_id": "w1", "type": "TicketMessage", "key": "wrong",
                        "occurred_at": "2026-11-29T10:00:00Z", "payload": {"ticket_id": 5}}).encode()
    poison = [(b"bad-json", b"{not json"), (b"wrong", wrong), (b"big", big.to_bytes()),
              (b"boom", boom.to_bytes()), (b"fatal", fatal.to_bytes()), (b"no-id", no_id)]
    records = [(e.key.encode(), e.to_bytes()) for e in good[:5]] + poison + [
        (e.key.encode(), e.to_bytes()) for e in good[5:]]
    harness.produce(topic, records)
    calls: dict[str, int] = defaultdict(int)

    async def handle(event: Event, ctx: HandlerContext) -> list[OutputEvent]:
        calls[event.key] += 1
        if event.key == "boom":
            raise RuntimeError("handler always fails")
        if event.key == "fatal":
            raise FatalError("cannot ever work")
        return []

    worker = _worker(harness, topic, handle, tmp_path, "poison", max_attempts=3,
                     retry_backoff_ms=1, max_record_bytes=2048)
    asyncio.run(run_until([worker], lambda: _total(harness.committed("poison", topic, 1))
                          == len(records), 60))

    assert worker.metrics.value(HANDLED, topic=topic) == 10
    assert calls["boom"] == 3 and calls["fatal"] == 1 and "big" not in calls
    letters = {r.key: r for r in harness.read(topic + ".dlq", len(poison))}
    assert set(letters) == {key for key, _ in poison}
    infos = {k: DeadLetterInfo.from_headers(r.headers) for k, r in letters.items()}
    for key, value in poison:
        assert letters[key].value == value  # the original bytes
        assert infos[key].origin_offset == 5 + [k for k, _ in poison].index(key)
        assert infos[key].worker_id == worker.worker_id
    assert (infos[b"bad-json"].reason, infos[b"bad-json"].error_type) == ("invalid",
                                                                        "ValidationError")
    assert "json" in infos[b"bad-json"].error_message.lower()
    assert "ticket_id" in infos[b"wrong"].error_message
    assert infos[b"no-id"].reason == "invalid"
    assert "TicketMessage.event_id" in infos[b"no-id"].error_message
    assert (infos[b"big"].reason, infos[b"big"].error_type) == ("too_large",
                                                              "RecordTooLargeError")
    assert (infos[b"boom"].reason, infos[b"boom"].attempts) == ("handler", 3)
    assert (infos[b"fatal"].error_type, infos[b"fatal"].attempts) == ("FatalError", 1)


@pytest.mark.parametrize("assignment", ["eager", "cooperative"])
def test_rebalance_moves_partitions_without_losing_or_repeating(
        harness: Harness, tmp_path: Path, assignment: str) -> None:
    """A alone, then A and B (each handles part of the next events), then B alone.

    Each phase's events are produced only once the group is in that phase, so no
    worker can finish everything before the other joins: no timing involved.
    """
    topic = harness.topic(4)
    phases = [make_events(100, keys=40) for _ in range(3)]
    runs: dict[str, list[str]] = defaultdict(list)

    def handler(name: str) -> object:
        async def handle(event: Event, ctx: HandlerContext) -> list[OutputEvent]:
            runs[event.event_id].append(name)
            await asyncio.sleep(0.001)
            return []
        return handle

    group = f"rebalance-{assignment}"  # a group's members share one protocol
    a = _worker(harness, topic, handler("a"), tmp_path, group, max_in_flight=4,
                partition_assignment=assignment)
    b = _worker(harness, topic, handler("b"), tmp_path, group, max_in_flight=4,
                partition_assignment=assignment)

    def handled() -> float:
        return a.metrics.value(HANDLED, topic=topic) + b.metrics.value(HANDLED, topic=topic)

    async def scenario() -> None:
        tasks = [asyncio.create_task(a.run())]
        try:
            harness.produce(topic, [(e.key.encode(), e.to_bytes()) for e in phases[0]])
            await _until(lambda: handled() == 100, tasks)
            tasks.append(asyncio.create_task(b.run()))
            await _until(lambda: b.assigned, tasks)
            harness.produce(topic, [(e.key.encode(), e.to_bytes()) for e in phases[1]])
            await _until(lambda: handled() == 200, tasks)
            a.stop()
            await tasks.pop(0)
            harness.produce(topic, [(e.key.encode(), e.to_bytes()) for e in phases[2]])
            await _until(lambda: handled() == 300, tasks)
        finally:
            a.stop()
            b.stop()
            await asyncio.gather(*tasks)

    asyncio.run(scenario())

    assert set(runs) == {e.event_id for p in phases for e in p}
    assert all(len(names) == 1 for names in runs.values())  # nothing lost, nothing repeated
    assert {runs[e.event_id][0] for e in phases[0]} == {"a"}
    assert {runs[e.event_id][0] for e in phases[1]} == {"a", "b"}
    assert {runs[e.event_id][0] for e in phases[2]} == {"b"}


async def _until(predicate: Callable[[], bool], tasks: list[asyncio.Task[None]],
                 timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        for task in tasks:
            if task.done():
                task.result()
                raise AssertionError("a worker stopped early")
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout_s:.0f}s")
        await asyncio.sleep(0.01)


def test_unfinished_records_are_redelivered_and_finished_ones_skipped(
        harness: Harness, tmp_path: Path) -> None:
    topic = harness.topic(2)
    events = make_events(60, keys=6)
    # Every event a second time after all of them: a producer's retry, say.
    harness.produce(topic, [(e.key.encode(), e.to_bytes()) for e in events + events])
    stuck = next(e.event_id for e in events if e.key == "key-0")  # blocks key-0 behind it
    runs: dict[str, int] = defaultdict(int)

    def handler(block: bool) -> object:
        async def handle(event: Event, ctx: HandlerContext) -> list[OutputEvent]:
            runs[event.event_id] += 1
            if block and event.event_id == stuck:
                await asyncio.Event().wait()  # a worker that never finishes this key
            return []
        return handle

    first = _worker(harness, topic, handler(True), tmp_path, "redeliver", drain_timeout_s=0.2)
    asyncio.run(run_until([first], lambda: first.metrics.value(HANDLED, topic=topic)
                          + first.metrics.value(SKIPPED, topic=topic) >= 100, 60))
    assert runs[stuck] == 1 and len(runs) == 51  # key-0's first started, never finished
    second = _worker(harness, topic, handler(False), tmp_path, "redeliver")
    asyncio.run(run_until([second], lambda: _total(harness.committed("redeliver", topic, 2))
                          == 120, 60))

    assert set(runs) == {e.event_id for e in events}
    assert {e for e, n in runs.items() if n > 1} == {stuck}  # only the unfinished ran again
    assert second.metrics.value(HANDLED, topic=topic) == 10  # key-0's; the rest skipped


def _letters(harness: Harness, topic: str, expect: int) -> dict[bytes | None, DeadLetterInfo]:
    got = harness.read(topic + ".dlq", expect)
    assert len(got) == expect, [(r.key, dict(r.headers).get("dlq.reason")) for r in got]
    return {r.key: DeadLetterInfo.from_headers(r.headers) for r in got}


def test_wrong_type_and_reused_event_id_are_dead_lettered_with_a_reason(
        harness: Harness, tmp_path: Path) -> None:
    topic = harness.topic(1)
    original = _message("k", "first")
    reused = original.model_copy(update={"payload": TicketMessage(ticket_id="k", message="other")})
    output = AlertEvent(key="alert", event_id=new_event_id(), occurred_at=utcnow(),
                        payload=AlertPayload(subject_id="a", severity="info", kind="x",
                                             message="an output on an input topic"))
    records = [(b"k", original.to_bytes()), (b"k", original.to_bytes()),  # a plain repeat
               (b"reused", reused.to_bytes()), (b"alert", output.to_bytes())]
    harness.produce(topic, records)
    calls: list[str] = []

    async def handle(event: Event, ctx: HandlerContext) -> list[OutputEvent]:
        calls.append(event.payload.message)  # type: ignore[union-attr]
        return []

    worker = _worker(harness, topic, handle, tmp_path, "faults")
    asyncio.run(run_until([worker], lambda: _total(harness.committed("faults", topic, 1)) == 4,
                          60))

    assert calls == ["first"]
    assert worker.metrics.value(SKIPPED, topic=topic) == 1  # the identical repeat
    letters = _letters(harness, topic, 2)
    assert letters[b"reused"].reason == "reused_event_id"
    assert original.event_id in letters[b"reused"].error_message
    assert letters[b"alert"].reason == "wrong_topic"
    assert "output type" in letters[b"alert"].error_message


def test_a_redelivered_record_is_dead_lettered_once(harness: Harness, tmp_path: Path) -> None:
    """An invalid record has no event id for the ledger: dedupe is by topic/partition/offset."""
    topic = harness.topic(1)
    blocker = _message("slow", "0")
    harness.produce(topic, [(b"slow", blocker.to_bytes()), (b"bad", b"{not json")])

    def handler(block: bool) -> object:
        async def handle(event: Event, ctx: HandlerContext) -> list[OutputEvent]:
            if block:
                await asyncio.Event().wait()  # holds the watermark below the bad record
            return []
        return handle

    first = _worker(harness, topic, handler(True), tmp_path, "dlq-once", drain_timeout_s=0.2)
    asyncio.run(run_until([first], lambda: first.metrics.value(
        DEAD, topic=topic, reason="invalid") == 1, 60))
    assert _total(harness.committed("dlq-once", topic, 1)) == 0
    second = _worker(harness, topic, handler(False), tmp_path, "dlq-once")
    asyncio.run(run_until([second], lambda: _total(harness.committed("dlq-once", topic, 1)) == 2,
                          60))
    assert second.metrics.value(HANDLED, topic=topic) == 1
    assert second.metrics.value(DEAD, topic=topic, reason="invalid") == 0
    _letters(harness, topic, 1)


def test_a_record_too_big_to_dead_letter_whole_is_dead_lettered_as_a_reference(
        harness: Harness, tmp_path: Path) -> None:
    topic = harness.topic(1)
    huge = b"x" * 1_200_000  # above the producer's 1 MiB request size (the broker takes it)
    after = _message("after", "0")
    harness.produce(topic, [(b"huge", huge), (b"after", after.to_bytes())])
    handled: list[str] = []

    async def handle(event: Event, ctx: HandlerContext) -> list[OutputEvent]:
        handled.append(event.key)
        return []

    worker = _worker(harness, topic, handle, tmp_path, "huge")
    asyncio.run(run_until([worker], lambda: _total(harness.committed("huge", topic, 1)) == 2, 60))

    assert handled == ["after"]  # the partition moved on
    [letter] = harness.read(topic + ".dlq", 1)
    assert dict(letter.headers)[H_REFERENCE] == b"1"
    ref = DeadLetterReference.model_validate_json(letter.value or b"")
    assert (ref.topic, ref.partition, ref.offset, ref.reason) == (topic, 0, 0, "too_large")
    assert ref.size == len(huge)


def test_batched_handler_keeps_order_and_falls_back_to_one_by_one(
        harness: Harness, tmp_path: Path) -> None:
    topic = harness.topic(2)
    events = make_events(300, keys=30)
    boom = _message("boom", "0")
    records = [(e.key.encode(), e.to_bytes()) for e in events]
    records.insert(150, (b"boom", boom.to_bytes()))
    harness.produce(topic, records)
    seen: dict[str, list[int]] = defaultdict(list)
    sizes: list[int] = []

    async def handle(events: Sequence[Event], ctxs: Sequence[HandlerContext],
                     ) -> list[list[OutputEvent]]:
        if any(e.key == "boom" for e in events):
            raise RuntimeError("this batch fails; alone, boom fails every time")
        sizes.append(len(events))
        for e in events:
            seen[e.key].append(int(e.payload.message))  # type: ignore[union-attr]
        return [[AlertEvent(key=e.key, event_id=c.output_id("alert"), occurred_at=utcnow(),
                            payload=AlertPayload(subject_id=e.key, severity="info",
                                                 kind="test", message=c.event_id))]
                for e, c in zip(events, ctxs, strict=True)]

    worker = _worker(harness, topic, batched(handle), tmp_path, "batched", max_attempts=2,
                     retry_backoff_ms=1)
    asyncio.run(run_until([worker], lambda: _total(harness.committed("batched", topic, 2))
                          == 301, 60))

    for key, seqs in seen.items():
        assert seqs == list(range(10)), f"{key} out of order"
    assert max(sizes) > 1
    assert worker.metrics.value(HANDLED, topic=topic) == 300
    assert _letters(harness, topic, 1)[b"boom"].reason == "handler"
    assert len(harness.read(topic + ".out", 300)) == 300


def test_a_fast_handler_runs_ready_records_in_groups_with_every_guarantee(
        harness: Harness, tmp_path: Path) -> None:
    topic = harness.topic(2)
    events = make_events(600, keys=40)
    boom, fatal, flaky = _message("boom", "0"), _message("fatal", "0"), _message("flaky", "0")
    records = [(e.key.encode(), e.to_bytes()) for e in events]
    for at, odd in ((200, boom), (300, fatal), (400, flaky)):
        records.insert(at, (odd.key.encode(), odd.to_bytes()))
    records.append((events[10].key.encode(), events[10].to_bytes()))  # redelivered: skipped
    harness.produce(topic, records)
    seen: dict[str, list[int]] = defaultdict(list)
    calls: dict[str, int] = defaultdict(int)
    failures = {"boom": RuntimeError("always fails"), "fatal": FatalError("cannot ever work")}

    async def handle(event: Event, ctx: HandlerContext) -> list[OutputEvent]:
        calls[event.key] += 1
        if event.key in failures:
            raise failures[event.key]
        if event.key == "flaky" and ctx.attempt == 1:
            raise RuntimeError("the first try fails")
        if event.key != "flaky":
            seen[event.key].append(int(event.payload.message))  # type: ignore[union-attr]
        return [AlertEvent(key=event.key, event_id=ctx.output_id("0/Alert"), occurred_at=utcnow(),
                           payload=AlertPayload(subject_id=event.key, severity="info",
                                                kind="test", message=ctx.event_id))]

    worker = _worker(harness, topic, handle, tmp_path, "groups", max_attempts=3,
                     retry_backoff_ms=1)
    groups = grouped(worker)
    asyncio.run(run_until([worker], lambda: _total(harness.committed("groups", topic, 2))
                          == len(records), 60))

    assert max(groups) > 1  # records of several keys went in one lane turn
    for key, seqs in seen.items():
        assert seqs == list(range(15)), f"{key} out of order or run twice"
    assert calls["boom"] == 3 and calls["fatal"] == 1 and calls["flaky"] == 2
    assert worker.metrics.value(HANDLED, topic=topic) == 601
    assert worker.metrics.value(SKIPPED, topic=topic) == 1
    letters = _letters(harness, topic, 2)
    assert {k: v.reason for k, v in letters.items()} == {b"boom": "handler", b"fatal": "handler"}
    outs = harness.read(topic + ".out", 601)
    assert len({json.loads(o.value or b"")["event_id"] for o in outs}) == 601
