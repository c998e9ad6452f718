"""Several workers, one consumer group, one PostgreSQL store, real broker, real tools.

Order events (placed, cancelled, inventory, prices) drive the order agent, which
decides by rules (the scripted model is never asked) and reserves or releases stock
through the tools, with side effects under the events' idempotency keys. One worker
process runs the events on one clone of the seeded store; three worker processes of
one group run the same events on another clone while a random one of them is killed
with SIGKILL, several times. The two final stores must be equal: nothing lost, no
effect applied twice. While the three run, ``streamwise trace`` and analyst SQL read
the store from other processes.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer

from streams.broker import EmbeddedBroker, create_topics
from streams.events import Event
from streams.simulator import Simulator, SimulatorMix
from tests.tools._backends import PgClones, clones, make_template
from tools import Actor, Store, ToolContext, ToolSettings, build_registry
from tools._pg_store import PostgresStore

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
EVENTS = 36
KILLS = 3

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


def _done(state: Path) -> int:
    path = state / "ledger.sqlite"
    if not path.exists():
        return 0
    db = sqlite3.connect(path, timeout=30)
    try:
        return int(db.execute("SELECT count(*) FROM done_events").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0
    finally:
        db.close()


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
        "agent_runs": "SELECT event_id, agent, status, decision, message FROM agent_runs",
        "prices": "SELECT item_id, price FROM variants",
        "price_history": "SELECT item_id, effective_on, price, source FROM price_history",
    }
    with store.cursor() as db:
        return {name: sorted(db.execute(sql).fetchall(), key=repr)
                for name, sql in queries.items()}


def _run(events: list[Event], broker: EmbeddedBroker, dsn: str, tmp: Path, *, workers: int,
         kills: int, during: Callable[[], None] | None = None) -> None:
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
            _wait(lambda t=target: _done(state) >= t, 180, f"progress before kill {k}", everyone)
            victim = rng.randrange(len(group))
            group[victim].kill()
            group[victim] = StoreWorker(tmp, *args)
            everyone.append(group[victim])
        if during is not None:
            during()
        _wait(lambda: _done(state) >= len(events), 240, "every event done", everyone)
    finally:
        codes = [w.stop() for w in group]
    assert codes == [0] * len(group), "\n".join(w.log()[-2000:] for w in group)


def test_three_workers_killed_at_random_reach_the_single_workers_store(
        broker: EmbeddedBroker, pg: PgClones, tmp_path: Path) -> None:
    events = Simulator(DATA, seed=11, mix=MIX, run="mw").burst(EVENTS)
    assert any(e.type == "OrderCancelled" for e in events)

    single, multi = pg.dsn(), pg.dsn()
    _run(events, broker, single, tmp_path, workers=1, kills=0)

    read_while_running: list[str] = []

    def read() -> None:
        # Other processes read the store while the workers write it.
        with PostgresStore(multi, read_only=True) as reader, reader.cursor() as db:
            event_id = db.execute("SELECT event_id FROM agent_runs LIMIT 1").fetchone()[0]
        env = {**os.environ, "STREAMWISE_STORE__BACKEND": "postgres",
               "STREAMWISE_STORE__POSTGRES_DSN": multi}
        shown = subprocess.run(
            [sys.executable, "-c", "from streamwise.cli import app; app()", "trace", event_id],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert shown.returncode == 0, shown.stdout + shown.stderr
        read_while_running.append(shown.stdout)
        with PostgresStore(multi) as analyst_store:
            result = build_registry(analyst_store, ToolSettings()).call(
                "run_sql", {"sql": "SELECT count(*) AS runs FROM agent_runs"},
                ToolContext(actor=Actor(role="analyst")))
        assert result.ok, result.for_model()

    _run(events, broker, multi, tmp_path, workers=3, kills=KILLS, during=read)
    assert read_while_running and event_id_in(read_while_running[0])

    with PostgresStore(single, read_only=True) as a, PostgresStore(multi, read_only=True) as b:
        one, three = _world(a), _world(b)
    # Every event but a cancellation (a release by code, no agent) has its agent run.
    assert len(one["agent_runs"]) == sum(e.type != "OrderCancelled" for e in events)
    assert any(r[1] == "reserve_stock" for r in one["tool_effects"])
    assert any(r[1] == "release_reservation" for r in one["tool_effects"])
    for name in one:
        assert three[name] == one[name], name


def event_id_in(text: str) -> bool:
    return "evt-mw" in text
