"""The consumer runtime against the real embedded broker (and real worker processes)."""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from streams.broker import EmbeddedBroker, create_topics
from streams.config import BrokerSettings, WorkerSettings
from streams.dlq import DeadLetterInfo
from streams.errors import FatalError
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
from streams.ledger import PostgresLedger, SqliteLedger
from streams.runtime import HandlerContext, Worker

from ._helpers import (
    WorkerProcess,
    committed,
    count,
    make_events,
    produce,
    produce_events,
    read_all,
    wait_for,
)


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker(create_default_topics=False) as b:
        yield b


def _topic(broker: EmbeddedBroker, partitions: int) -> str:
    name = f"t-{uuid.uuid4().hex[:8]}"
    create_topics(broker.bootstrap, [(name, partitions), (name + ".dlq", 1), (name + ".out", 2)])
    return name


def _broker_settings(broker: EmbeddedBroker, **kw: int) -> BrokerSettings:
    return BrokerSettings(bootstrap_servers=[broker.bootstrap], session_timeout_ms=4000,
                          heartbeat_interval_ms=500, **kw)


async def _run_until(worker: Worker, done: object, timeout_s: float) -> None:
    task = asyncio.create_task(worker.run())
    deadline = time.monotonic() + timeout_s
    try:
        while not done() and time.monotonic() < deadline:  # type: ignore[operator]
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
    finally:
        worker.stop()
        await task


def test_per_key_order_holds_and_keys_interleave(broker: EmbeddedBroker, tmp_path: Path) -> None:
    topic = _topic(broker, 3)
    events = make_events(2000, keys=200)
    produce_events(broker.bootstrap, topic, events)
    rng = random.Random(11)
    starts: list[str] = []
    seen: dict[str, list[int]] = defaultdict(list)
    running = {"now": 0, "peak": 0}

    async def handle(event: Event, ctx: HandlerContext) -> list[OutputEvent]:
        starts.append(event.key)
        running["now"] += 1
        running["peak"] = max(running["peak"], running["now"])
        await asyncio.sleep(rng.uniform(0, 0.01))
        seen[event.key].append(int(event.payload.message))  # type: ignore[union-attr]
        running["now"] -= 1
        # One output per input: its id must be derived from the input's.
        return [AlertEvent(key=event.key, event_id=ctx.output_id("0/Alert"), occurred_at=utcnow(),
                           payload=AlertPayload(
            subject_id=event.key, severity="info", kind="test", message=ctx.event_id))]

    settings = WorkerSettings(group_id="order", ledger_path=str(tmp_path / "ledger.sqlite"),
                              max_in_flight=64, commit_interval_ms=100)
    worker = Worker([topic], handle, settings, broker=_broker_settings(broker),
                    route=lambda out: topic + ".out")
    asyncio.run(_run_until(worker, lambda: len(starts) >= 2000 and running["now"] == 0, 120))

    assert sum(len(v) for v in seen.values()) == 2000
    for key, seqs in seen.items():
        assert seqs == list(range(len(seqs))), f"{key} out of order"
    assert running["peak"] > 1
    assert len(set(starts[:100])) > 20  # keys interleave, not one key after another
    assert worker.metrics.value("streamwise_records_handled_total", topic=topic) == 2000
    outs = read_all(broker.bootstrap, topic + ".out", 2000)
    assert len(outs) == 2000
    by_parent = {json.loads(r.value)["payload"]["message"]: json.loads(r.value)["event_id"]
                 for r in outs}
    assert all(by_parent[e.event_id] == derive_event_id(e.event_id, "0/Alert") for e in events)
    marks = committed(broker.bootstrap, "order", topic, 3)
    assert sum(m for m in marks.values() if m is not None) == 2000


def test_poison_records_are_dead_lettered_and_the_stream_flows(
        broker: EmbeddedBroker, tmp_path: Path) -> None:
    topic = _topic(broker, 1)
    good = make_events(20, keys=4)
    def message(key: str, text: str) -> TicketMessageEvent:
        return TicketMessageEvent(event_id=new_event_id(), occurred_at=utcnow(), key=key,
                                  payload=TicketMessage(ticket_id=key, message=text))

    boom, fatal, big = message("boom", "0"), message("fatal", "0"), message("big", "x" * 5000)
    wrong = json.dumps({"event_id": "w1", "type": "TicketMessage", "key": "wrong",
                        "occurred_at": "2026-11-29T10:00:00Z", "payload": {"ticket_id": 5}}).encode()
    # Without an id a redelivery could not be deduplicated: invalid, not given a fresh one.
    no_id = json.dumps({k: v for k, v in json.loads(message("no-id", "1").to_bytes()).items()
                        if k != "event_id"}).encode()
    poison = [(b"bad-json", b"{not json"), (b"wrong", wrong), (b"big", big.to_bytes()),
              (b"boom", boom.to_bytes()), (b"fatal", fatal.to_bytes()), (b"no-id", no_id)]
    records = [(e.key.encode(), e.to_bytes()) for e in good[:10]] + poison + [
        (e.key.encode(), e.to_bytes()) for e in good[10:]]
    produce(broker.bootstrap, topic, records)
    handled: list[str] = []
    calls: dict[str, int] = defaultdict(int)

    async def handle(event: Event, ctx: HandlerContext) -> list[OutputEvent]:
        calls[event.key] += 1
        if event.key == "boom":
            raise RuntimeError("handler always fails")
        if event.key == "fatal":
            raise FatalError("cannot ever work")
        handled.append(event.event_id)
        return []

    settings = WorkerSettings(group_id="poison", ledger_path=str(tmp_path / "ledger.sqlite"),
                              max_attempts=3, retry_backoff_ms=10, max_record_bytes=2048)
    worker = Worker([topic], handle, settings, broker=_broker_settings(broker))
    dead = worker.metrics
    asyncio.run(_run_until(worker, lambda: len(handled) == 20 and sum(
        dead.value("streamwise_records_dead_lettered_total", topic=topic, reason=r)
        for r in ("invalid", "too_large", "handler")) == 6, 60))

    assert sorted(handled) == sorted(e.event_id for e in good)
    assert calls["boom"] == 3 and calls["fatal"] == 1 and "big" not in calls and "no-id" not in calls
    letters = {r.key: r for r in read_all(broker.bootstrap, topic + ".dlq", 6)}
    assert set(letters) == {b"bad-json", b"wrong", b"big", b"boom", b"fatal", b"no-id"}
    values = dict(poison)
    for key, rec in letters.items():
        assert rec.value == values[key]  # original bytes kept
        info = DeadLetterInfo.from_headers(rec.headers)
        assert info.origin_topic == topic and info.origin_partition == 0
        assert info.origin_offset == 10 + list(values).index(key)
        assert info.worker_id == worker.worker_id
    infos = {k: DeadLetterInfo.from_headers(r.headers) for k, r in letters.items()}
    assert infos[b"bad-json"].error_type == "ValidationError"
    assert "json" in infos[b"bad-json"].error_message.lower()
    assert "ticket_id" in infos[b"wrong"].error_message
    assert infos[b"no-id"].error_type == "ValidationError"
    assert "TicketMessage.event_id" in infos[b"no-id"].error_message
    assert infos[b"big"].error_type == "RecordTooLargeError"
    assert (infos[b"boom"].error_type, infos[b"boom"].attempts) == ("RuntimeError", 3)
    assert (infos[b"fatal"].error_type, infos[b"fatal"].attempts) == ("FatalError", 1)
    assert committed(broker.bootstrap, "poison", topic, 1)[0] == len(records)


def _worker_args(broker: EmbeddedBroker, topic: str, group: str, tmp: Path,
                 *extra: str) -> list[str]:
    return ["--bootstrap", broker.bootstrap, "--topic", topic, "--group", group,
            "--ledger", str(tmp / "ledger.sqlite"), "--effects", str(tmp / "effects.sqlite"),
            *extra]


def _no_run_after_done(tmp: Path) -> None:
    """The runtime never started a handler for an event the ledger already had as done."""
    effects = tmp / "effects.sqlite"
    db = __import__("sqlite3").connect(effects)
    db.execute(f"ATTACH '{tmp / 'ledger.sqlite'}' AS l")
    late = db.execute("SELECT count(*) FROM runs r JOIN l.done_events d USING (event_id)"
                      " WHERE r.started > d.done_at").fetchone()[0]
    db.close()
    assert late == 0


@pytest.mark.slow
def test_sigkilled_worker_loses_nothing_and_repeats_no_finished_event(
        broker: EmbeddedBroker, tmp_path: Path) -> None:
    topic = _topic(broker, 3)
    events = make_events(2000, keys=100)
    produce_events(broker.bootstrap, topic, events)
    args = _worker_args(broker, topic, "crash", tmp_path, "--max-delay-ms", "20",
                        "--max-in-flight", "16")
    effects = tmp_path / "effects.sqlite"
    rng = random.Random(5)
    for _ in range(5):
        before = count(effects, "SELECT count(*) FROM effects")
        worker = WorkerProcess(tmp_path, *args)
        target = before + rng.randint(50, 250)
        wait_for(lambda t=target: count(effects, "SELECT count(*) FROM effects") >= t, 90,
                 "progress before the kill")
        worker.kill()
    worker = WorkerProcess(tmp_path, *args)
    wait_for(lambda: count(tmp_path / "ledger.sqlite", "SELECT count(*) FROM done_events")
             >= 2000, 180, "all events done")
    assert worker.terminate() == 0
    assert "WORKER EXITED CLEANLY" in worker.log()

    db = __import__("sqlite3").connect(effects)
    ids = {r[0] for r in db.execute("SELECT event_id FROM effects")}
    assert ids == {e.event_id for e in events}  # every event, exactly one row each (PK)
    reruns = db.execute("SELECT count(*) - count(DISTINCT event_id) FROM runs").fetchone()[0]
    db.close()
    # Only records in flight at a kill may run again: at most max_in_flight per kill.
    assert reruns <= 5 * 16
    _no_run_after_done(tmp_path)
    assert SqliteLedger(tmp_path / "ledger.sqlite").count() == 2000
    assert sum(v or 0 for v in committed(broker.bootstrap, "crash", topic, 3).values()) == 2000


@pytest.mark.slow
def test_rebalance_when_one_of_two_workers_stops(broker: EmbeddedBroker, tmp_path: Path) -> None:
    topic = _topic(broker, 6)
    events = make_events(1500, keys=150)
    produce_events(broker.bootstrap, topic, events)
    args = _worker_args(broker, topic, "rebalance", tmp_path, "--max-delay-ms", "30",
                        "--max-in-flight", "8")
    effects = tmp_path / "effects.sqlite"
    a = WorkerProcess(tmp_path, *args)
    b = WorkerProcess(tmp_path, *args)
    wait_for(lambda: count(effects, "SELECT count(DISTINCT pid) FROM runs") == 2, 90,
             "both workers handling")
    wait_for(lambda: count(effects, "SELECT count(*) FROM effects") >= 500, 90, "progress")
    assert a.terminate() == 0
    wait_for(lambda: count(effects, "SELECT count(*) FROM effects") >= 1500, 120,
             "the other worker finishing")
    assert b.terminate() == 0
    assert "WORKER EXITED CLEANLY" in a.log()
    assert count(effects, "SELECT count(*) FROM runs") == 1500  # each event handled once
    assert count(effects, "SELECT count(DISTINCT event_id) FROM runs") == 1500


@pytest.mark.slow
def test_handler_slower_than_max_poll_interval(broker: EmbeddedBroker, tmp_path: Path) -> None:
    topic = _topic(broker, 2)
    events = make_events(6, keys=6)
    produce_events(broker.bootstrap, topic, events)
    worker = WorkerProcess(tmp_path, *_worker_args(
        broker, topic, "slow", tmp_path, "--sleep-s", "6", "--max-delay-ms", "0",
        "--max-in-flight", "3", "--max-poll-interval-ms", "3000"))
    effects = tmp_path / "effects.sqlite"
    wait_for(lambda: count(effects, "SELECT count(*) FROM effects") >= 6, 90, "slow handlers")
    wait_for(lambda: sum(v or 0 for v in committed(broker.bootstrap, "slow", topic, 2).values())
             == 6, 30, "commits")
    assert worker.terminate() == 0
    log = worker.log()
    assert log.count("assigned [") == 1, log  # one assignment: no rebalance
    assert count(effects, "SELECT count(*) FROM runs") == 6  # no duplicate


@pytest.mark.slow
def test_postgres_ledger_from_settings_skips_redelivered_finished_events(
        broker: EmbeddedBroker, postgres_dsn: str) -> None:
    topic = _topic(broker, 2)
    events = make_events(30, keys=5)
    # Every event twice, the copies after all originals: a redelivery after a crash or a
    # rebalance. Same key, same partition, so each copy is looked up after its original's mark.
    produce_events(broker.bootstrap, topic, events + events)
    calls: dict[str, int] = defaultdict(int)

    async def handle(event: Event, ctx: HandlerContext) -> list[OutputEvent]:
        calls[event.event_id] += 1
        return []

    settings = WorkerSettings(group_id="pg-ledger", ledger_backend="postgres",
                              postgres_dsn=SecretStr(postgres_dsn), commit_interval_ms=100)
    worker = Worker([topic], handle, settings, broker=_broker_settings(broker))
    m = worker.metrics
    asyncio.run(_run_until(worker, lambda: m.value("streamwise_records_handled_total", topic=topic)
                           + m.value("streamwise_records_skipped_total", topic=topic) == 60, 60))

    assert calls == {e.event_id: 1 for e in events}
    assert m.value("streamwise_records_skipped_total", topic=topic) == 30
    ledger = PostgresLedger(postgres_dsn)
    assert ledger.count() == 30
    assert ledger.done_among(e.event_id for e in events) == {e.event_id for e in events}
    ledger.close()
