"""The PostgreSQL store: several worker processes, one system of record.

Concurrency control: every transaction runs at REPEATABLE READ (one snapshot per
transaction). A transaction that updates a row another committed transaction
changed since its snapshot fails with a serialization error, and ``Store.run``
runs it again from scratch; so a tool's read-check-write (stock, an order's JSON,
a price) never loses an update, and two processes reserving the last unit cannot
both succeed (the loser re-reads the stock and finds none). Two workers running
the same call at once (same idempotency key) collide on ``tool_effects``' primary
key; the loser runs again and replays the winner's result.

Values come back as DuckDB gives them, so the tools' code is the same on both:
JSON columns as text, NUMERIC as float.

The analyst's copy (``run_sql``'s snapshot, the analyst's catalog) reads with a
connection of its own where the store has an analyst DSN: a role that may only SELECT
the whitelisted tables (``analytics.ANALYST_TABLES``), its transactions read-only. The
store grants it that SELECT when it opens and whenever the seed re-creates the tables;
the embedded server's role (``streamwise_analyst``) is created here. So even a copy
gone wrong cannot write the store or read the idempotency records.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
import warnings
from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import duckdb
import psycopg
from psycopg import IsolationLevel
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.types.numeric import FloatLoader
from psycopg.types.string import TextLoader
from psycopg_pool import ConnectionPool

from ._dialect import duckdb_type, postgres_type, quote, to_postgres
from ._migrations import migrate
from .errors import StoreError
from .store import Backend, Store

# Serialises migrations of processes opening the same database at once.
_MIGRATION_LOCK = 0x5757_0001
# The embedded server's role for the analyst's copy.
ANALYST_ROLE = "streamwise_analyst"


class PgCursor:
    """A psycopg cursor that takes the tools' ``?`` SQL (``_dialect.to_postgres``)."""

    def __init__(self, raw: psycopg.Cursor[Any], *,
                 analyst: Callable[[], AbstractContextManager[PgCursor]] | None = None) -> None:
        self.raw = raw
        # A read transaction as the store's analyst role (None: the store has no such role).
        self.analyst = analyst

    @property
    def description(self) -> Any:
        return self.raw.description

    @property
    def rowcount(self) -> int:
        return self.raw.rowcount

    def execute(self, sql: str, params: Any = None, /) -> PgCursor:
        if params:
            self.raw.execute(to_postgres(sql), list(params))
        else:  # no parameters: psycopg leaves % alone
            self.raw.execute(sql.encode())
        return self

    def executemany(self, sql: str, params: Any = None, /) -> PgCursor:
        self.raw.executemany(to_postgres(sql), [list(p) for p in params or []])
        return self

    # A statement without a result (INSERT, UPDATE) fetches as empty, as on DuckDB.
    def fetchone(self) -> tuple[Any, ...] | None:
        return self.raw.fetchone() if self.raw.description is not None else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.raw.fetchall() if self.raw.description is not None else []


def _configure(conn: psycopg.Connection[Any]) -> None:
    # JSON as its text (key order kept, as DuckDB returns it); NUMERIC as float.
    for name in ("json", "jsonb"):
        conn.adapters.register_loader(name, TextLoader)
    conn.adapters.register_loader("numeric", FloatLoader)
    conn.isolation_level = IsolationLevel.REPEATABLE_READ


def _configure_analyst(conn: psycopg.Connection[Any]) -> None:
    _configure(conn)
    conn.read_only = True


@contextmanager
def analyst_cursor(db: PgCursor) -> Iterator[PgCursor]:
    """What the analyst's copy reads with: a read-only transaction as the store's analyst
    role, or ``db`` itself where the store has none (an operator's DSN without
    ``store.analyst_dsn``)."""
    if db.analyst is None:
        yield db
    else:
        with db.analyst() as cur:
            yield cur


def analyst_tables() -> list[str]:
    """The tables the analyst role may SELECT: the whitelisted ones, views by their bases."""
    from .analytics import ANALYST_TABLES
    from .retail_db import VIEWS

    return sorted({t for t in ANALYST_TABLES if t not in VIEWS}
                  | {b for v in ANALYST_TABLES & set(VIEWS) for b in VIEWS[v][0]})


def grant_analyst(db: PgCursor, role: str) -> None:
    """SELECT on the whitelisted tables the store has, for ``role`` (inside the caller's
    transaction; run again after tables are re-created, which drops their grants)."""
    present = [r[0] for r in db.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = "
        "current_schema() AND table_name = ANY(?)", [analyst_tables()]).fetchall()]
    if present:
        db.execute(f"GRANT SELECT ON {', '.join(quote(t) for t in sorted(present))} "
                   f"TO {quote(role)}")


class PostgresStore(Store):
    backend: Backend = "postgres"

    def __init__(self, dsn: str, *, read_only: bool = False, pool_size: int = 4,
                 analyst_dsn: str | None = None) -> None:
        self.read_only = read_only
        # The analyst's role (the user of ``analyst_dsn``); its pool opens on first use.
        self.analyst_role = (str(conninfo_to_dict(analyst_dsn).get("user") or "")
                             if analyst_dsn else None)
        self._analyst: ConnectionPool[psycopg.Connection[Any]] | None = None
        if analyst_dsn is not None:
            if not self.analyst_role:
                raise StoreError("store.analyst_dsn names no user: it must connect as the "
                                 "analyst's read-only role")
            self._analyst = ConnectionPool(
                analyst_dsn, min_size=0, max_size=2, configure=_configure_analyst, open=False,
                kwargs={"application_name": "streamwise-analyst"}, name="streamwise-analyst")
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            dsn, min_size=1, max_size=pool_size, configure=_configure, open=False,
            kwargs={"application_name": "streamwise-store"}, name="streamwise-store")
        try:
            self._pool.open(wait=True, timeout=30)
        except Exception as exc:  # PoolTimeout: the server is not there
            self._pool.close()
            raise StoreError(f"cannot connect to the PostgreSQL store: {exc}; check "
                             "store.postgres_dsn (STREAMWISE_STORE__POSTGRES_DSN)") from exc
        if not read_only:
            with self.transaction() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(?)", [_MIGRATION_LOCK])
                migrate(cur, "postgres")
                self.grant_analyst(cur)

    def grant_analyst(self, db: PgCursor) -> None:
        """SELECT on the whitelisted tables for the analyst role, if the store has one."""
        if self.analyst_role:
            grant_analyst(db, self.analyst_role)

    @contextmanager
    def transaction(self) -> Iterator[PgCursor]:
        with self._pool.connection() as conn:
            conn.read_only = self.read_only
            with conn.transaction(), conn.cursor() as raw:
                yield PgCursor(raw, analyst=self._analyst_reader())

    @contextmanager
    def cursor(self) -> Iterator[PgCursor]:
        with self._pool.connection() as conn:
            conn.read_only = self.read_only
            with conn.transaction(), conn.cursor() as raw:
                yield PgCursor(raw, analyst=self._analyst_reader())

    def _analyst_reader(self) -> Callable[[], AbstractContextManager[PgCursor]] | None:
        return None if self._analyst is None else self.analyst_cursor

    @contextmanager
    def analyst_cursor(self) -> Iterator[PgCursor]:
        """A read-only REPEATABLE READ transaction as the analyst role."""
        pool = self._analyst
        if pool is None:
            raise StoreError("this store has no analyst role (store.analyst_dsn)")
        if pool.closed:
            try:
                pool.open(wait=True, timeout=30)
            except Exception as exc:
                raise StoreError(f"cannot connect as the analyst role: {exc}; check "
                                 "store.analyst_dsn (STREAMWISE_STORE__ANALYST_DSN)") from exc
        with pool.connection() as conn, conn.transaction(), conn.cursor() as raw:
            yield PgCursor(raw)

    def analyst_snapshot(self, tables: Collection[str], path: Path) -> None:
        with self.cursor() as cur, analyst_cursor(cur) as reader:
            snapshot_to_duckdb(reader, tables, path)

    @contextmanager
    def analytics_reader(self, tables: Collection[str]) -> Iterator[duckdb.DuckDBPyConnection]:
        folder = Path(tempfile.mkdtemp(prefix="streamwise-analytics-"))
        try:
            self.analyst_snapshot(tables, folder / "snapshot.duckdb")
            conn = duckdb.connect(str(folder / "snapshot.duckdb"), read_only=True)
            try:
                yield conn
            finally:
                conn.close()
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        if self._analyst is not None:
            self._analyst.close()
        self._pool.close()


# --------------------------------------------------------------------------- copying


def copy_from_duckdb(source: duckdb.DuckDBPyConnection, db: PgCursor,
                     tables: Collection[str]) -> None:
    """Replace ``tables`` in PostgreSQL with DuckDB's (columns, types, primary keys, rows),
    inside the caller's transaction. How the seed reaches PostgreSQL: the generator
    writes DuckDB, this copies."""
    for table in tables:
        cols = source.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
            [table]).fetchall()
        if not cols:
            raise StoreError(f"cannot copy {table}: the source has no such table")
        keys = source.execute(
            "SELECT constraint_column_names FROM duckdb_constraints() WHERE table_name = ? "
            "AND schema_name = 'main' AND constraint_type = 'PRIMARY KEY'", [table]).fetchall()
        columns = [f"{quote(n)} {postgres_type(t)}" for n, t in cols]
        if keys:
            columns.append(f"PRIMARY KEY ({', '.join(quote(k) for k in keys[0][0])})")
        db.execute(f"DROP TABLE IF EXISTS {quote(table)}")
        db.execute(f"CREATE TABLE {quote(table)} ({', '.join(columns)})")
        names = [n for n, _ in cols]
        select = ", ".join(_as_text(n, t) for n, t in cols)
        with db.raw.copy(f"COPY {quote(table)} ({', '.join(quote(n) for n in names)}) "
                         f"FROM STDIN") as copy:
            rel = source.execute(f"SELECT {select} FROM main.{quote(table)}")
            while batch := rel.fetchmany(10_000):
                for row in batch:
                    copy.write_row(row)


def _as_text(name: str, dtype: str) -> str:
    # COPY takes text; JSON keeps its text verbatim, the rest as DuckDB prints it.
    return f"CAST({quote(name)} AS VARCHAR)" if dtype.upper() == "JSON" else quote(name)


def snapshot_to_duckdb(db: PgCursor, tables: Collection[str], path: Path) -> None:
    """``tables`` of the PostgreSQL store into a new DuckDB file at ``path``, from the
    caller's (REPEATABLE READ) transaction: one consistent snapshot. A retail view
    (``order_items``...) is DuckDB SQL over its base tables, so the bases are copied
    and the view created in the snapshot: the analyst reads the same names and types
    on both backends."""
    out = duckdb.connect(str(path))
    try:
        _fill(db, out, tables, rows=True)
    finally:
        out.close()


def schema_only(db: PgCursor, tables: Collection[str]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with ``tables`` (and views) of the PostgreSQL store, empty: what
    the analyst is told the columns and types are, without copying rows."""
    out = duckdb.connect()
    _fill(db, out, tables, rows=False)
    return out


def _fill(db: PgCursor, out: duckdb.DuckDBPyConnection, tables: Collection[str], *,
          rows: bool) -> None:
    from .retail_db import VIEWS

    wanted = set(tables)
    bases = {t for t in wanted if t not in VIEWS} | {b for v in wanted & set(VIEWS)
                                                     for b in VIEWS[v][0]}
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in db.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ANY(?) "
            "ORDER BY table_name, ordinal_position", [sorted(bases)]).fetchall():
        columns.setdefault(table, []).append((column, dtype))
    keys: dict[str, list[str]] = {}
    # From pg_catalog: information_schema shows a table's constraints only to a role with
    # more than SELECT on it, and the analyst's role has only that.
    for table, column in db.execute(
            "SELECT c.relname, a.attname FROM pg_constraint k "
            "JOIN pg_class c ON c.oid = k.conrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord) "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = u.attnum "
            "WHERE k.contype = 'p' AND n.nspname = current_schema() AND c.relname = ANY(?) "
            "ORDER BY c.relname, u.ord", [sorted(bases)]).fetchall():
        keys.setdefault(table, []).append(column)
    folder = Path(tempfile.mkdtemp(prefix="streamwise-pgcopy-"))
    try:
        for table, cols in sorted(columns.items()):
            spec = [f"{quote(n)} {duckdb_type(t)}" for n, t in cols]
            if table in keys:
                spec.append(f"PRIMARY KEY ({', '.join(quote(k) for k in keys[table])})")
            out.execute(f"CREATE TABLE {quote(table)} ({', '.join(spec)})")
            if not rows:
                continue
            csv = folder / f"{len(list(folder.iterdir()))}.csv"
            with open(csv, "wb") as fh, db.raw.copy(
                    f"COPY (SELECT * FROM {quote(table)}) TO STDOUT WITH (FORMAT csv)") as copy:
                for chunk in copy:
                    fh.write(chunk)
            if csv.stat().st_size:  # PostgreSQL's CSV: NULL unquoted empty, '' quoted
                out.execute(f"COPY {quote(table)} FROM '{_literal(str(csv))}' (FORMAT csv, "
                            "HEADER false, AUTO_DETECT false, DELIM ',', QUOTE '\"', "
                            "ESCAPE '\"', ALLOW_QUOTED_NULLS false)")
        for view in sorted(wanted & set(VIEWS)):
            if all(b in columns for b in VIEWS[view][0]):
                out.execute(VIEWS[view][1])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _literal(text: str) -> str:
    return text.replace("'", "''")


# --------------------------------------------------------------------------- embedded


_embedded_lock = threading.Lock()


def embedded_dsn(data_dir: Path, database: str = "streamwise") -> str:
    """A PostgreSQL server from the ``pgserver`` wheel under ``data_dir``, started if it is
    not running, left running for the other local workers (``streamwise store stop``
    is not needed: pgserver stops it when the last process using it exits). The analyst's
    role is created there too (``analyst_dsn``)."""
    try:
        with warnings.catch_warnings():  # its lock file falls back to /tmp/runtime-$UID: fine
            warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
            import pgserver
    except ImportError as exc:
        raise StoreError("store.backend is postgres without a DSN, so an embedded PostgreSQL "
                         "is needed: `pip install pgserver==0.1.4`, or set "
                         "STREAMWISE_STORE__POSTGRES_DSN") from exc
    with _embedded_lock:
        data_dir.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
            server = pgserver.get_server(data_dir, cleanup_mode="stop")
        _keep.append(server)
        with psycopg.connect(server.get_uri(), autocommit=True) as admin:
            found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  [database]).fetchone()
            if not found:
                # Another worker may create it meanwhile.
                with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                    admin.execute(f"CREATE DATABASE {quote(database)}".encode())
            ensure_analyst_role(admin)
        return str(server.get_uri(database=database))


def ensure_analyst_role(admin: psycopg.Connection[Any], role: str = ANALYST_ROLE) -> None:
    """The analyst's role on a server (an autocommit superuser connection): it may log in,
    nothing more; its transactions are read-only by default. The store grants it SELECT
    on the whitelisted tables (``grant_analyst``). The embedded server trusts local
    connections, so the role has no password."""
    if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
        return
    # Another worker may create it meanwhile.
    with contextlib.suppress(psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
        admin.execute(f"CREATE ROLE {quote(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                      "NOINHERIT".encode())
        admin.execute(f"ALTER ROLE {quote(role)} SET default_transaction_read_only = on"
                      .encode())


def analyst_dsn(dsn: str, role: str = ANALYST_ROLE) -> str:
    """``dsn`` (the store's, on the embedded server), connecting as the analyst's role."""
    return make_conninfo(dsn, user=role)


_keep: list[Any] = []  # the server handles, so pgserver counts this process as a user
