"""The idempotency ledger: ids of events whose handling is finished.

Shared by every worker of a consumer group, because a partition can move to
another worker after a rebalance or a crash. The runtime marks an event done
only after its output events are acknowledged by the broker, and skips (but
still commits past) a redelivered record whose event id is done. So:

- a crash before the mark: the record is redelivered and handled again; the
  handler's effects must be idempotent (keyed by ``ctx.idempotency_key``) and
  its outputs carry the same deterministic ids, so consumers downstream dedupe;
- a crash after the mark: the redelivered record is skipped; its handler never
  runs twice for a finished event.

``SqliteLedger`` (WAL mode, one file shared by worker processes on one machine)
is the embedded backend; DuckDB is not used because it allows one writing
process per file. ``PostgresLedger`` (one table, psycopg 3) is the same
``Ledger`` for workers on many machines. ``open_ledger`` picks one from
``WorkerSettings`` (``ledger_backend``).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from .config import WorkerSettings
from .errors import LedgerError

if TYPE_CHECKING:
    import psycopg

_T = TypeVar("_T")


@runtime_checkable
class Ledger(Protocol):
    def done_among(self, event_ids: Iterable[str]) -> set[str]:
        """The subset of ``event_ids`` already marked done."""
        ...

    def mark_done_many(self, entries: Iterable[tuple[str, str]]) -> None:
        """Mark ``(event_id, origin)`` pairs done, in one transaction; repeats are no-ops."""
        ...

    def origins_among(self, event_ids: Iterable[str]) -> dict[str, str]:
        """The origin each of ``event_ids`` already marked done was marked with."""
        ...

    def forget_many(self, event_ids: Iterable[str]) -> int:
        """Unmark events (a dead letter's redrive); returns how many were marked."""
        ...

    def close(self) -> None: ...


class _OneAtATime:
    """``is_done`` / ``mark_done`` for one event, over a ledger's batch methods."""

    def done_among(self, event_ids: Iterable[str]) -> set[str]:
        raise NotImplementedError

    def mark_done_many(self, entries: Iterable[tuple[str, str]]) -> None:
        raise NotImplementedError

    def is_done(self, event_id: str) -> bool:
        return bool(self.done_among([event_id]))

    def mark_done(self, event_id: str, origin: str = "") -> None:
        self.mark_done_many([(event_id, origin)])


class SqliteLedger(_OneAtATime):
    """A ledger in one SQLite file (WAL), safe for several processes on one machine.

    Not thread-safe: use it from one thread (the runtime gives it its own).
    """

    _CHUNK = 500  # stay below SQLite's host-parameter limit

    def __init__(self, path: str | Path, *, busy_timeout_ms: int = 30_000) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), timeout=busy_timeout_ms / 1000,
                                   isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL survives a process crash (SIGKILL); only power loss can drop a commit.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS done_events ("
            " event_id TEXT PRIMARY KEY, origin TEXT NOT NULL, done_at REAL NOT NULL)"
        )

    def done_among(self, event_ids: Iterable[str]) -> set[str]:
        return set(self.origins_among(event_ids))

    def origins_among(self, event_ids: Iterable[str]) -> dict[str, str]:
        ids = list(dict.fromkeys(event_ids))
        found: dict[str, str] = {}
        for i in range(0, len(ids), self._CHUNK):
            chunk = ids[i:i + self._CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT event_id, origin FROM done_events WHERE event_id IN ({marks})", chunk
            ).fetchall()
            found.update((r[0], r[1]) for r in rows)
        return found

    def mark_done_many(self, entries: Iterable[tuple[str, str]]) -> None:
        now = time.time()
        rows = [(event_id, origin, now) for event_id, origin in entries]
        if not rows:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany(
                "INSERT OR IGNORE INTO done_events (event_id, origin, done_at) VALUES (?, ?, ?)",
                rows,
            )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def forget_many(self, event_ids: Iterable[str]) -> int:
        ids = list(dict.fromkeys(event_ids))
        forgotten = 0
        for i in range(0, len(ids), self._CHUNK):
            chunk = ids[i:i + self._CHUNK]
            marks = ",".join("?" * len(chunk))
            forgotten += self._db.execute(
                f"DELETE FROM done_events WHERE event_id IN ({marks})", chunk).rowcount
        return forgotten

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM done_events").fetchone()[0])

    def close(self) -> None:
        self._db.close()


class PostgresLedger(_OneAtATime):
    """A ledger in one PostgreSQL table, shared by workers on any number of machines.

    Marks are one ``INSERT ... ON CONFLICT DO NOTHING`` per batch in one
    transaction (ids in sorted order, so two workers marking overlapping batches
    cannot deadlock); lookups are one ``= ANY(...)`` query. A connection the
    server dropped (restart, failover, idle timeout) is reopened once and the
    call repeated, which is safe: both calls are idempotent.

    Not thread-safe: use it from one thread (the runtime gives it its own).
    """

    TABLE = "streamwise_done_events"

    def __init__(self, dsn: str, *, connect_timeout_s: int = 10) -> None:
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - psycopg is a dependency
            raise LedgerError("the postgres ledger needs psycopg: pip install 'psycopg[binary]'") from exc
        self._psycopg = psycopg
        self._dsn = dsn
        self._connect_timeout_s = connect_timeout_s
        self._db = self._connect()
        with self._db.transaction():
            # Two workers starting at once would race on CREATE TABLE IF NOT EXISTS
            # (a unique violation in pg_type): one at a time, by an advisory lock.
            self._db.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [self.TABLE])
            self._db.execute(
                f"CREATE TABLE IF NOT EXISTS {self.TABLE} ("
                " event_id TEXT PRIMARY KEY, origin TEXT NOT NULL,"
                " done_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )

    def _connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        try:
            return self._psycopg.connect(self._dsn, autocommit=True,
                                         connect_timeout=self._connect_timeout_s,
                                         application_name="streamwise-ledger")
        except self._psycopg.Error as exc:
            raise LedgerError(f"cannot connect to the ledger database: {exc}; check "
                              "STREAMWISE_WORKER__POSTGRES_DSN") from exc

    def _call(self, fn: Callable[[psycopg.Connection[tuple[Any, ...]]], _T]) -> _T:
        try:
            return fn(self._db)
        except self._psycopg.OperationalError:
            if not self._db.broken:
                raise
        self._db.close()
        self._db = self._connect()
        return fn(self._db)

    def done_among(self, event_ids: Iterable[str]) -> set[str]:
        return set(self.origins_among(event_ids))

    def origins_among(self, event_ids: Iterable[str]) -> dict[str, str]:
        ids = list(dict.fromkeys(event_ids))
        if not ids:
            return {}

        def select(db: psycopg.Connection[tuple[Any, ...]]) -> dict[str, str]:
            rows = db.execute(f"SELECT event_id, origin FROM {self.TABLE}"
                              " WHERE event_id = ANY(%s)", [ids]).fetchall()
            return {r[0]: r[1] for r in rows}

        return self._call(select)

    def mark_done_many(self, entries: Iterable[tuple[str, str]]) -> None:
        first: dict[str, str] = {}
        for event_id, origin in entries:
            first.setdefault(event_id, origin)  # the first origin wins, as a repeat is a no-op
        if not first:
            return
        ids = sorted(first)
        origins = [first[i] for i in ids]

        def insert(db: psycopg.Connection[tuple[Any, ...]]) -> None:
            with db.transaction():
                db.execute(
                    f"INSERT INTO {self.TABLE} (event_id, origin)"
                    " SELECT * FROM unnest(%s::text[], %s::text[]) ORDER BY 1"
                    " ON CONFLICT (event_id) DO NOTHING",
                    [ids, origins])

        self._call(insert)

    def forget_many(self, event_ids: Iterable[str]) -> int:
        ids = list(dict.fromkeys(event_ids))
        if not ids:
            return 0

        def delete(db: psycopg.Connection[tuple[Any, ...]]) -> int:
            return db.execute(f"DELETE FROM {self.TABLE} WHERE event_id = ANY(%s)", [ids]).rowcount

        return self._call(delete)

    def count(self) -> int:
        def select(db: psycopg.Connection[tuple[Any, ...]]) -> int:
            row = db.execute(f"SELECT count(*) FROM {self.TABLE}").fetchone()
            return int(row[0]) if row else 0

        return self._call(select)

    def close(self) -> None:
        self._db.close()


def open_ledger(settings: WorkerSettings) -> Ledger:
    """The ledger ``settings.ledger_backend`` asks for."""
    if settings.ledger_backend == "postgres":
        if settings.postgres_dsn is None:
            raise LedgerError("worker.ledger_backend is postgres but no DSN is set: "
                              "set STREAMWISE_WORKER__POSTGRES_DSN")
        return PostgresLedger(settings.postgres_dsn.get_secret_value())
    return SqliteLedger(settings.ledger_path)
