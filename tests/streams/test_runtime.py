"""The consumer runtime against the real embedded broker (and real worker processes)."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from streams.broker import EmbeddedBroker, create_topics
from streams.config import BrokerSettings, WorkerSettings
from streams.events import (
    Event,
    OutputEvent,
)
from streams.ledger import PostgresLedger, SqliteLedger
from streams.runtime import HandlerContext, Worker

from ._helpers import (
    WorkerProcess,
    committed,
    count,
    make_events,
    produce_events,
    run_until,
    wait_for,
)


@pytest.fixture()
def workers(tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """Starts worker processes; every one still running is killed when the test ends."""
    started: list[WorkerProcess] = []

    def start(*args: str) -> WorkerProcess:
        started.append(WorkerProcess(tmp_path, *args))
        return started[-1]

    try:
        yield start
    finally:
        for proc in started:
            proc.kill()


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
        broker: EmbeddedBroker, tmp_path: Path, workers: Callable[..., WorkerProcess]) -> None:
    topic = _topic(broker, 3)
    events = make_events(2000, keys=100)
    produce_events(broker.bootstrap, topic, events)
    args = _worker_args(broker, topic, "crash", tmp_path, "--max-delay-ms", "20",
                        "--max-in-flight", "16")
    effects = tmp_path / "effects.sqlite"
    rng = random.Random(5)
    for _ in range(5):
        before = count(effects, "SELECT count(*) FROM effects")
        worker = workers(*args)
        target = before + rng.randint(50, 250)
        wait_for(lambda t=target: count(effects, "SELECT count(*) FROM effects") >= t, 90,
                 "progress before the kill")
        worker.kill()
    worker = workers(*args)
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
def test_rebalance_when_one_of_two_workers_stops(broker: EmbeddedBroker, tmp_path: Path,
                                                 workers: Callable[..., WorkerProcess]) -> None:
    """A alone, then A and B, then B alone: each phase's events are produced once the group
    is in that phase, so A cannot finish everything before B joins (it did on a quiet machine)."""
    topic = _topic(broker, 6)
    phases = [make_events(300, keys=60) for _ in range(3)]
    args = _worker_args(broker, topic, "rebalance", tmp_path, "--max-delay-ms", "5",
                        "--max-in-flight", "8")
    effects = tmp_path / "effects.sqlite"
    a = workers(*args)
    produce_events(broker.bootstrap, topic, phases[0])
    wait_for(lambda: count(effects, "SELECT count(*) FROM effects") >= 300, 90, "phase 1")
    b = workers(*args)
    wait_for(lambda: "assigned [" in b.log(), 90, "B's assignment")
    produce_events(broker.bootstrap, topic, phases[1])
    wait_for(lambda: count(effects, "SELECT count(*) FROM effects") >= 600, 90, "phase 2")
    assert a.terminate() == 0
    produce_events(broker.bootstrap, topic, phases[2])
    wait_for(lambda: count(effects, "SELECT count(*) FROM effects") >= 900, 90, "phase 3")
    assert b.terminate() == 0
    assert "WORKER EXITED CLEANLY" in a.log()
    assert count(effects, "SELECT count(*) FROM runs") == 900  # each event handled once
    assert count(effects, "SELECT count(DISTINCT event_id) FROM runs") == 900
    ids = ",".join(f"'{e.event_id}'" for e in phases[1])
    assert count(effects, f"SELECT count(DISTINCT pid) FROM runs WHERE event_id IN ({ids})") == 2


@pytest.mark.slow
def test_handler_slower_than_max_poll_interval(broker: EmbeddedBroker, tmp_path: Path,
                                               workers: Callable[..., WorkerProcess]) -> None:
    topic = _topic(broker, 2)
    events = make_events(6, keys=6)
    produce_events(broker.bootstrap, topic, events)
    worker = workers(*_worker_args(
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
    asyncio.run(run_until(worker, lambda: m.value("streamwise_records_handled_total", topic=topic)
                           + m.value("streamwise_records_skipped_total", topic=topic) == 60, 60))

    assert calls == {e.event_id: 1 for e in events}
    assert m.value("streamwise_records_skipped_total", topic=topic) == 30
    ledger = PostgresLedger(postgres_dsn)
    assert ledger.count() == 30
    assert ledger.done_among(e.event_id for e in events) == {e.event_id for e in events}
    ledger.close()
