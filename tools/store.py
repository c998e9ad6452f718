"""The operational store: one interface, two backends (DuckDB, PostgreSQL).

Everything the tools, traces and approvals keep (orders, stock, reservations,
prices, the tool-effects idempotency records, agent traces) lives in one store.
``Store`` is what they use:

- ``transaction()``: a cursor inside BEGIN ... COMMIT, rolled back if the block raises;
- ``run(work)``: ``work(cursor)`` in a transaction, run again when a concurrent
  transaction won (PostgreSQL's serialization failures; see ``_dialect.is_conflict``);
  a tool's effect and its idempotency record are written in one ``run``;
- ``cursor()``: a cursor for reads (one consistent snapshot for its block);
- ``analyst_snapshot(tables, path)``: the given tables (and retail views) copied, in
  one read transaction, into a new DuckDB file: what the analyst's SQL sandbox reads.

The cursor speaks DB-API (``execute(sql, params)``, ``fetchone``, ``fetchall``,
``description``) with ``?`` placeholders on both backends (``_dialect``).

``DuckDBStore`` is the embedded default: one file, one writing process, writers
serialised in the process by a lock. ``PostgresStore`` (``_pg_store``) takes
several processes: transactions run at REPEATABLE READ and are retried on conflict.
``open_store(settings)`` opens the one the settings name. The schema is created
and upgraded on open by versioned migrations (``_migrations``).
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

import duckdb

from ._dialect import is_conflict
from .errors import StoreError

T = TypeVar("T")
Backend = Literal["duckdb", "postgres"]

# How often ``run`` tries a transaction that keeps losing to concurrent ones.
_ATTEMPTS = 12


class Cursor(Protocol):
    """The DB-API subset tools use; ``?`` placeholders on every backend."""

    @property
    def description(self) -> Any: ...

    def execute(self, sql: Any, params: Any = None, /) -> Any: ...

    def executemany(self, sql: Any, params: Any = None, /) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> Any: ...


class Store(ABC):
    backend: Backend
    read_only: bool

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Any]:
        """A cursor inside BEGIN ... COMMIT; rolled back if the block raises."""

    @abstractmethod
    def cursor(self) -> AbstractContextManager[Any]:
        """A cursor for reads: one consistent snapshot for the block."""

    @abstractmethod
    def analyst_snapshot(self, tables: Collection[str], path: Path) -> None:
        """Copy ``tables`` (tables or retail views) into a new DuckDB file, consistently."""

    @abstractmethod
    def analytics_reader(self, tables: Collection[str]) -> AbstractContextManager[Any]:
        """A DuckDB connection that reads ``tables`` (the analyst's catalog is read from it):
        the store itself on DuckDB, a snapshot of the tables on PostgreSQL."""

    @abstractmethod
    def close(self) -> None: ...

    def run(self, work: Callable[[Any], T]) -> T:
        """``work(cursor)`` in one transaction, run again (from scratch) when a concurrent
        transaction won; any other exception rolls back and propagates."""
        for attempt in range(_ATTEMPTS):
            try:
                with self.transaction() as cur:
                    return work(cur)
            except Exception as exc:
                if attempt == _ATTEMPTS - 1 or not is_conflict(exc):
                    raise
                # Jittered backoff: two losers must not collide again in lockstep.
                time.sleep(random.uniform(0, 0.002 * 2 ** min(attempt, 8)))
        raise AssertionError("unreachable")

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DuckDBStore(Store):
    """One DuckDB file (or ``:memory:``); one writing process, writers serialised here."""

    backend: Backend = "duckdb"

    def __init__(self, path: str | Path = ":memory:", *, read_only: bool = False) -> None:
        from ._migrations import migrate

        self.path = str(path)
        self.read_only = read_only
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open DuckDB store {self.path}: {_held(exc)}") from exc
        self._lock = threading.RLock()
        if not read_only:
            with self.transaction() as cur:
                migrate(cur, "duckdb")

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            else:
                cur.execute("COMMIT")
            finally:
                cur.close()

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Auto-commit reads, serialised with writers."""
        with self._lock:
            cur = self._conn.cursor()
            try:
                yield cur
            finally:
                cur.close()

    def analyst_snapshot(self, tables: Collection[str], path: Path) -> None:
        with self.cursor() as cur:
            copy_duckdb_tables(cur, tables, path)

    def analytics_reader(self, tables: Collection[str]) -> AbstractContextManager[Any]:
        return self.cursor()

    def close(self) -> None:
        self._conn.close()


def _held(exc: duckdb.Error) -> str:
    text = str(exc)
    if "Conflicting lock" in text:
        return ("another process (a running worker?) has it open for writing; DuckDB allows "
                "one writing process. Several workers need store.backend: postgres")
    return text


def copy_duckdb_tables(db: duckdb.DuckDBPyConnection, tables: Collection[str],
                       path: Path) -> None:
    """``tables`` of ``db``'s main schema (views become tables) into a new file, in one
    read transaction (a consistent snapshot)."""
    from ._dialect import quote

    # A connection of its own: the caller's cursor may be inside a tool call's
    # transaction, which must neither commit the copy nor see an attached database.
    copier = db.cursor()
    alias = quote(f"analyst_snapshot_{uuid.uuid4().hex}")
    try:
        copier.execute(f"ATTACH '{_literal(str(path))}' AS {alias} (READ_WRITE)")
        try:
            copier.execute("BEGIN TRANSACTION")
            for table in sorted(tables):
                copier.execute(f"CREATE TABLE {alias}.main.{quote(table)} AS "
                               f"SELECT * FROM main.{quote(table)}")
            copier.execute("COMMIT")
        finally:
            copier.execute("DETACH " + alias)
    finally:
        copier.close()


def _literal(text: str) -> str:
    return text.replace("'", "''")


def open_store(settings: Any, *, root: Path | None = None, read_only: bool = False,
               workers: int = 1) -> Store:
    """The store ``settings`` (``ToolSettings``) name. Relative paths resolve under ``root``.

    PostgreSQL: the DSN from ``settings.postgres_dsn`` (production: from the environment,
    ``STREAMWISE_STORE__POSTGRES_DSN``); without one, an embedded PostgreSQL server
    (the ``pgserver`` wheel) under ``settings.postgres_dir``, shared by local workers.
    The analyst's copy connects as a read-only role: ``settings.analyst_dsn``, or on the
    embedded server its ``streamwise_analyst``.
    """
    base = root or Path.cwd()
    if settings.backend == "postgres":
        from ._pg_store import PostgresStore, analyst_dsn, embedded_dsn

        reader = settings.analyst_dsn.get_secret_value() if settings.analyst_dsn else None
        if settings.postgres_dsn is not None:
            dsn = settings.postgres_dsn.get_secret_value()
        else:
            dsn = embedded_dsn(_under(base, settings.postgres_dir))
            reader = reader or analyst_dsn(dsn)  # the embedded server has the role
        return PostgresStore(dsn, read_only=read_only, pool_size=max(4, 2 * workers),
                             analyst_dsn=reader)
    path = settings.db_path
    return DuckDBStore(path if path == ":memory:" else _under(base, path), read_only=read_only)


def _under(root: Path, path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else root / p
