"""Several workers, one consumer group, one PostgreSQL store, real broker, real tools.

Order events (placed, cancelled, inventory, prices) drive the order agent, which
decides by rules (the scripted model is never asked) and reserves or releases stock
through the tools, with side effects under the events' idempotency keys. One worker
process runs the events on one clone of the seeded store; three worker processes of
one group run the same events on another clone while a random one of them is killed
with SIGKILL, several times. The two final stores must be equal: nothing lost, no
effect applied twice. A ticket among the events asks to cancel an order whose refund
needs a person: the support agent (the scripted model reads the ticket) pauses for
approval, and ``streamwise approve``, another process, decides it while the workers run;
the cancellation lands in the store. While the three run, ``streamwise trace``,
``streamwise ask`` (the analyst, scripted) and analyst SQL read the store from other
processes.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer

from streams.broker import EmbeddedBroker, create_topics
from streams.events import (
    Event,
    TicketMessage,
    TicketMessageEvent,
    TicketOpened,
    TicketOpenedEvent,
    utcnow,
)
from streams.simulator import Simulator, SimulatorMix
from tests.tools._backends import PgClones, clones, make_template
from tools import Actor, Store, ToolContext, ToolSettings, build_registry
from tools._pg_store import PostgresStore

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
EVENTS = 36
KILLS = 3
TICKET = "T-mw-approve"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

MIX = SimulatorMix(order_placed=8, order_cancelled=3, order_status_changed=0, ticket_opened=0,
                   ticket_message=0, inventory_adjusted=1, shipment_delayed=0, price_changed=1,
                   catalog_updated=0)


class StoreWorker:
    """``tests.integration._store_worker_main`` in a subprocess, its log in a file."""

    def __init__(self, tmp: Path, *args: str) -> None:
        self.log_path = tmp / f"worker-{uuid.uuid4().hex[:6]}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.integration._store_worker_main", *args],
            cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        self._log.close()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return int(self.proc.returncode)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker() as b:
        yield b


@pytest.fixture(scope="module")
def template(postgres_server: Any) -> str:
    from tools.seed import seed_store

    return make_template(postgres_server, lambda s: _seed(s, seed_store))


def _seed(store: Store, seed_store: Callable[..., Any]) -> None:
    seed_store(store, ToolSettings(), DATA)


@pytest.fixture()
def pg(postgres_server: Any, template: str) -> Iterator[PgClones]:
    yield from clones(postgres_server, template)


def _produce(bootstrap: str, topic: str, events: list[Event]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    for e in events:
        producer.send(topic, key=e.key.encode(), value=e.to_bytes())
    producer.flush()
    producer.close()


def _ledger(state: Path) -> list[tuple[str, str]]:
    """The ledger's (event id, origin) rows; a dead letter adds a ``dlq:...`` row of its own."""
    path = state / "ledger.sqlite"
    if not path.exists():
        return []
    db = sqlite3.connect(path, timeout=30)
    try:
        return db.execute("SELECT event_id, origin FROM done_events").fetchall()
    except sqlite3.OperationalError:  # not created yet
        return []
    finally:
        db.close()


def _done(state: Path) -> int:
    """How many events are finished (handled, or dead-lettered)."""
    return sum(not event_id.startswith("dlq:") for event_id, _ in _ledger(state))


def _reached(state: Path, target: int) -> bool:
    return _done(state) >= target


def _wait(predicate: Callable[[], bool], timeout_s: float, what: str,
          workers: list[StoreWorker]) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    logs = "\n".join(w.log()[-2000:] for w in workers)
    raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}\n{logs}")


def _world(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """What the events changed, without wall-clock columns."""
    queries = {
        "stock": "SELECT item_id, warehouse_id, on_hand, reserved FROM stock "
                 "WHERE reserved > 0 OR item_id IN (SELECT item_id FROM reservations)",
        "reservations": "SELECT order_id, item_id, warehouse_id, quantity, status, "
                        "release_reason FROM reservations WHERE order_id LIKE '#Smw%'",
        "tool_effects": "SELECT idempotency_key, tool, arguments FROM tool_effects",
        # Not the analyst's question (asked in one of the two runs only).
        "agent_runs": "SELECT event_id, agent, status, decision, message FROM agent_runs "
                      "WHERE agent <> 'analyst'",
        "cancelled": "SELECT order_id, status FROM orders WHERE status = 'cancelled'",
        "prices": "SELECT item_id, price FROM variants",
        "price_history": "SELECT item_id, effective_on, price, source FROM price_history",
    }
    with store.cursor() as db:
        return {name: sorted(db.execute(sql).fetchall(), key=repr)
                for name, sql in queries.items()}


def _run(events: list[Event], broker: EmbeddedBroker, dsn: str, tmp: Path, *, workers: int,
         kills: int, during: Callable[[Path, list[StoreWorker]], None]) -> None:
    topic = f"store-{uuid.uuid4().hex[:8]}"
    create_topics(broker.bootstrap, [(topic, 6), (topic + ".dlq", 1)])
    _produce(broker.bootstrap, topic, events)
    state = tmp / topic
    state.mkdir()
    args = ["--bootstrap", broker.bootstrap, "--topic", topic, "--group", topic,
            "--dsn", dsn, "--state", str(state)]
    group = [StoreWorker(tmp, *args) for _ in range(workers)]
    everyone = list(group)
    rng = random.Random(13)
    try:
        for k in range(kills):
            target = min(len(events) - 1, _done(state) + rng.randint(3, 8))
            _wait(partial(_reached, state, target), 180, f"progress before kill {k}", everyone)
            victim = rng.randrange(len(group))
            group[victim].kill()
            group[victim] = StoreWorker(tmp, *args)
            everyone.append(group[victim])
        during(state, everyone)
        _wait(lambda: _done(state) >= len(events), 240, "every event done", everyone)
    finally:
        codes = [w.stop() for w in group]
    logs = "\n".join(w.log()[-3000:] for w in everyone)
    assert codes == [0] * len(group), logs
    # A dead letter here is a fault of the platform under kills, not a bad event.
    dead = [row for row in _ledger(state) if row[0].startswith("dlq:")]
    assert not dead, f"dead-lettered: {dead}\n{logs}"


def _ticket(store: Store) -> tuple[str, list[Event]]:
    """(the order, the events): a ticket asking to cancel a pending order whose refund needs
    a person's approval, and the customer's "yes" to the agent's proposal (one key: one
    partition, in order)."""
    with store.analytics_reader(["orders", "order_items"]) as db:
        user, order = db.execute("""
            SELECT o.user_id, o.order_id FROM orders o JOIN order_items i USING (order_id)
            WHERE o.status = 'pending' GROUP BY ALL HAVING sum(i.price) > 600
            ORDER BY o.order_id LIMIT 1""").fetchone()
    return order, [TicketOpenedEvent(event_id="evt-mw-ticket-opened", key=TICKET, occurred_at=utcnow(),
                              payload=TicketOpened(ticket_id=TICKET, subject="Cancel",
                                                   message=f"Please cancel {order}",
                                                   user_id=user)),
            TicketMessageEvent(event_id="evt-mw-ticket-yes", key=TICKET, occurred_at=utcnow(),
                               payload=TicketMessage(ticket_id=TICKET,
                                                     message="Yes, please go ahead."))]


def _cli(dsn: str, state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``streamwise ARGS`` in another process on the store, with the scripted model."""
    env = {**os.environ, "STREAMWISE_STORE__BACKEND": "postgres",
           "STREAMWISE_STORE__POSTGRES_DSN": dsn, "COLUMNS": "200",
           "STREAMWISE_AGENTS__CHECKPOINT_PATH": str(state / "checkpoints.sqlite")}
    return subprocess.run([sys.executable, "-m", "tests.integration._scripted", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


def _approve_when_pending(dsn: str, state: Path, workers: list[StoreWorker]) -> str:
    """Wait for the ticket's thread to pause for approval, then approve it with the CLI."""
    def pending() -> bool:
        with PostgresStore(dsn, read_only=True) as reader, reader.cursor() as db:
            row = db.execute("SELECT status FROM agent_runs WHERE event_id = ?",
                             ["evt-mw-ticket-yes"]).fetchone()
        return row is not None and row[0] == "awaiting_approval"

    _wait(pending, 240, "the ticket's approval", workers)
    decided = _cli(dsn, state, "approve", f"ticket:{TICKET}", "--reviewer", "test")
    assert decided.returncode == 0, decided.stdout + decided.stderr
    return decided.stdout


def test_three_workers_killed_at_random_reach_the_single_workers_store(
        broker: EmbeddedBroker, pg: PgClones, tmp_path: Path) -> None:
    single, multi = pg.dsn(), pg.dsn()
    with PostgresStore(single, read_only=True) as store:
        order, ticket = _ticket(store)
    events = ticket + Simulator(DATA, seed=11, mix=MIX, run="mw").burst(EVENTS)
    assert any(e.type == "OrderCancelled" for e in events)

    def approve(state: Path, workers: list[StoreWorker]) -> None:
        _approve_when_pending(single, state, workers)

    _run(events, broker, single, tmp_path, workers=1, kills=0, during=approve)

    shown: dict[str, str] = {}

    def during(state: Path, workers: list[StoreWorker]) -> None:
        # Other processes read the store, and decide an approval, while the workers write it.
        shown["approve"] = _approve_when_pending(multi, state, workers)
        with PostgresStore(multi, read_only=True) as reader, reader.cursor() as db:
            event_id = db.execute("SELECT event_id FROM agent_runs WHERE agent = 'order' "
                                  "LIMIT 1").fetchone()[0]
        traced = _cli(multi, state, "trace", event_id)
        assert traced.returncode == 0, traced.stdout + traced.stderr
        shown["trace"] = traced.stdout
        asked = _cli(multi, state, "ask", "How many units did each region sell last month?",
                     "--json")
        assert asked.returncode == 0, asked.stdout + asked.stderr
        shown["ask"] = asked.stdout
        with PostgresStore(multi) as analyst_store:
            result = build_registry(analyst_store, ToolSettings()).call(
                "run_sql", {"sql": "SELECT count(*) AS runs FROM agent_runs"},
                ToolContext(actor=Actor(role="analyst")))
        assert result.ok, result.for_model()

    _run(events, broker, multi, tmp_path, workers=3, kills=KILLS, during=during)
    assert shown["approve"].startswith("done:") and order in shown["approve"]
    assert "evt-mw" in shown["trace"]
    answer = json.loads(shown["ask"])
    assert answer["status"] == "done" and answer["answer"]["rows"]

    with PostgresStore(single, read_only=True) as a, PostgresStore(multi, read_only=True) as b:
        one, three = _world(a), _world(b)
    # Every event but a cancellation (a release by code, no agent) has its agent run.
    assert len(one["agent_runs"]) == sum(e.type != "OrderCancelled" for e in events)
    assert any(r[1] == "reserve_stock" for r in one["tool_effects"])
    assert any(r[1] == "release_reservation" for r in one["tool_effects"])
    # The approved cancellation ran once, with the approval, and the order is cancelled.
    assert [r[1] for r in one["tool_effects"]].count("cancel_pending_order") == 1
    assert (order, "cancelled") in one["cancelled"]
    for name in one:
        assert three[name] == one[name], name
