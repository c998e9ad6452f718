"""The idempotency ledger contract, run against every backend: SQLite (WAL, a file
shared by processes) and PostgreSQL (a table shared by workers anywhere)."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr

from streams.config import WorkerSettings
from streams.errors import LedgerError
from streams.ledger import Ledger, PostgresLedger, SqliteLedger, open_ledger


@dataclass(frozen=True)
class Backend:
    """Where a ledger lives; picklable, so a spawned process can open the same one."""

    name: str
    target: str  # a file path or a DSN

    def settings(self) -> WorkerSettings:
        if self.name == "postgres":
            return WorkerSettings(ledger_backend="postgres", postgres_dsn=SecretStr(self.target))
        return WorkerSettings(ledger_path=self.target)

    def open(self) -> SqliteLedger | PostgresLedger:
        led = open_ledger(self.settings())
        assert isinstance(led, SqliteLedger | PostgresLedger)
        return led


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "postgres":
        return Backend("postgres", request.getfixturevalue("postgres_dsn"))
    return Backend("sqlite", str(tmp_path / "l.sqlite"))


def test_mark_and_lookup(backend: Backend) -> None:
    led = backend.open()
    assert isinstance(led, Ledger)
    assert type(led) is {"sqlite": SqliteLedger, "postgres": PostgresLedger}[backend.name]
    assert not led.is_done("e1")
    assert led.done_among([]) == set()
    led.mark_done_many([])
    led.mark_done("e1", "t/0/1")
    led.mark_done_many([("e1", "again"), ("e2", "t/0/2"), ("e2", "twice in one batch")])
    assert led.is_done("e1") and led.is_done("e2")
    assert led.done_among(["e1", "e3", "e2", "e1"] + [f"x{i}" for i in range(1200)]) == {"e1", "e2"}
    assert led.count() == 2
    led.close()

    again = backend.open()  # a restarted worker sees what was marked, and nothing else
    assert again.done_among(["e1", "e2", "e3"]) == {"e1", "e2"}
    assert again.count() == 2
    again.close()


def test_sqlite_ledger_is_in_wal_mode(tmp_path: Path) -> None:
    SqliteLedger(tmp_path / "l.sqlite").close()
    mode = sqlite3.connect(tmp_path / "l.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def _writer(backend: Backend, start: int) -> None:
    led = backend.open()
    for i in range(start, start + 200, 10):
        led.mark_done_many([(f"e{j}", "w") for j in range(i, i + 10)])
    led.close()


def test_two_processes_share_one_ledger(backend: Backend) -> None:
    backend.open().close()
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(backend, s)) for s in (0, 100)]  # overlapping ids
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    led = backend.open()
    assert led.count() == 300
    assert led.done_among([f"e{i}" for i in range(300)]) == {f"e{i}" for i in range(300)}
    led.close()


@pytest.mark.slow
def test_postgres_ledger_reconnects_when_the_server_drops_it(postgres_dsn: str) -> None:
    import psycopg

    led = PostgresLedger(postgres_dsn)
    led.mark_done("e1", "t/0/1")
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [led._db.info.backend_pid])
    assert led.done_among(["e1", "e2"]) == {"e1"}  # reopened, asked again
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [led._db.info.backend_pid])
    led.mark_done("e2", "t/0/2")
    assert led.count() == 2
    led.close()
    with pytest.raises(psycopg.OperationalError):  # closed on purpose: not reopened
        led.count()


def test_postgres_ledger_needs_a_dsn_and_a_server(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="STREAMWISE_WORKER__POSTGRES_DSN"):
        open_ledger(WorkerSettings(ledger_backend="postgres"))
    no_server = f"postgresql://u@/db?host={tmp_path}"  # a socket directory with no server
    with pytest.raises(LedgerError, match="cannot connect to the ledger database"):
        open_ledger(WorkerSettings(ledger_backend="postgres", postgres_dsn=SecretStr(no_server)))


def test_forget_unmarks_only_what_was_marked(backend: Backend) -> None:
    led = backend.open()
    led.mark_done_many([("e1", "t/0/1"), ("e2", "t/0/2")])
    assert led.forget_many([]) == 0
    assert led.forget_many(["e1", "e1", "nope"]) == 1  # a redrive of e1
    assert led.done_among(["e1", "e2"]) == {"e2"}
    led.mark_done("e1", "t/0/9")  # handled again after the redrive
    assert led.is_done("e1")
    led.close()
