"""LangGraph checkpointers: SQLite (WAL) embedded, PostgreSQL in production, and pruning.

A thread's checkpoints are what lets a chat, or an event run that crashed,
resume where it stopped. Only the latest checkpoint of a thread is needed for
that (the graphs here use plain channels, no ``DeltaChannel``, so every
checkpoint carries the whole state); ``prune_checkpoints`` drops the rest so
the store (a file, or the PostgreSQL tables) does not grow with every step of every run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver

from .config import AgentSettings
from .errors import CheckpointError


def open_checkpointer(settings: AgentSettings, *,
                      root: Path | None = None) -> BaseCheckpointSaver[str]:
    """The checkpointer the settings ask for. Relative SQLite paths resolve under ``root``."""
    if settings.checkpoint_backend == "postgres":
        return _postgres(settings)
    path = Path(settings.checkpoint_path)
    if root is not None and not path.is_absolute() and settings.checkpoint_path != ":memory:":
        path = root / path
    return sqlite_checkpointer(path)


def sqlite_checkpointer(path: str | Path) -> SqliteSaver:
    """A SQLite checkpointer in WAL mode; several worker processes may share the file."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        # The graphs run in worker threads; SqliteSaver serialises access with its own lock.
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=30000")
    except sqlite3.Error as exc:
        raise CheckpointError(f"cannot open the checkpoint database {path}: {exc}; "
                              "check agents.checkpoint_path") from exc
    saver = SqliteSaver(conn)
    saver.setup()
    return saver


def _postgres(settings: AgentSettings) -> BaseCheckpointSaver[str]:
    if settings.postgres_dsn is None:
        raise CheckpointError("agents.checkpoint_backend is postgres but no DSN is set: "
                              "set STREAMWISE_AGENTS__POSTGRES_DSN")
    try:
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg import Connection
        from psycopg.rows import dict_row
    except ImportError as exc:
        raise CheckpointError(
            "the postgres checkpointer is not installed: run "
            "`pip install langgraph-checkpoint-postgres` (it brings psycopg), "
            "or set agents.checkpoint_backend: sqlite") from exc
    try:
        # PostgresSaver's own settings for a connection it is handed (see its from_conn_string);
        # it serialises the graphs' worker threads on the one connection with its own lock.
        conn = Connection.connect(settings.postgres_dsn.get_secret_value(), autocommit=True,
                                  prepare_threshold=0, row_factory=dict_row,
                                  application_name="streamwise-checkpoints")
    except Exception as exc:  # psycopg.OperationalError and friends
        raise CheckpointError(f"cannot connect to the checkpoint database: {exc}") from exc
    saver = PostgresSaver(conn)
    saver.setup()
    return saver


def prune_checkpoints(saver: BaseCheckpointSaver[str],
                      thread_ids: Sequence[str] | None = None) -> int:
    """Keep only the latest checkpoint of each thread (and namespace); return how many went.

    ``thread_ids=None`` prunes every thread. Pending writes of the kept
    checkpoint stay, so an interrupted or crashed run still resumes.
    """
    if isinstance(saver, SqliteSaver):
        return _prune_sqlite(saver, thread_ids)
    if _is_postgres(saver):
        return _prune_postgres(saver, thread_ids)
    if thread_ids is None:
        raise CheckpointError(f"{type(saver).__name__} can only be pruned for given thread ids")
    try:
        saver.prune(list(thread_ids), strategy="keep_latest")
    except NotImplementedError as exc:
        raise CheckpointError(f"{type(saver).__name__} does not support pruning") from exc
    return -1  # the saver does not say how many


_KEEP = """
    SELECT thread_id, checkpoint_ns, MAX(checkpoint_id) FROM checkpoints {where}
    GROUP BY thread_id, checkpoint_ns
"""


def _prune_sqlite(saver: SqliteSaver, thread_ids: Sequence[str] | None) -> int:
    where, params = "", []
    if thread_ids is not None:
        if not thread_ids:
            return 0
        where = f"WHERE thread_id IN ({','.join('?' * len(thread_ids))})"
        params = list(thread_ids)
    # Checkpoint ids are uuid6 (time-ordered), so MAX is the newest of a thread.
    keep = _KEEP.format(where=where)
    scope = f"AND thread_id IN ({','.join('?' * len(params))})" if params else ""
    with saver.cursor() as cur:
        cur.execute(
            f"DELETE FROM checkpoints WHERE (thread_id, checkpoint_ns, checkpoint_id) "
            f"NOT IN ({keep}) {scope}", params + params)
        removed = cur.rowcount
        cur.execute(
            f"DELETE FROM writes WHERE (thread_id, checkpoint_ns, checkpoint_id) "
            f"NOT IN (SELECT thread_id, checkpoint_ns, checkpoint_id FROM checkpoints) {scope}",
            params)
    return removed


def _is_postgres(saver: BaseCheckpointSaver[str]) -> bool:
    try:
        from langgraph.checkpoint.postgres import PostgresSaver
    except ImportError:
        return False
    return isinstance(saver, PostgresSaver)


def _prune_postgres(saver: BaseCheckpointSaver[str], thread_ids: Sequence[str] | None) -> int:
    """``PostgresSaver.prune(keep_latest)`` (one transaction per thread), counted around it.

    The count is of checkpoint rows before and after, so a run that appends to a
    thread meanwhile makes it lower by the checkpoints it added.
    """
    import psycopg
    from langgraph.checkpoint.postgres import PostgresSaver

    assert isinstance(saver, PostgresSaver)

    def rows(sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
        # The saver's connection under the saver's lock: the graphs' threads share it.
        with saver.lock, _pg_connection(saver.conn) as conn, \
                conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
            return cur.execute(sql, params).fetchall()

    if thread_ids is None:
        ids = [str(r[0]) for r in rows("SELECT DISTINCT thread_id FROM checkpoints", [])]
    else:
        ids = list(dict.fromkeys(str(t) for t in thread_ids))
    if not ids:
        return 0
    count = "SELECT count(*) FROM checkpoints WHERE thread_id = ANY(%s)"
    before = int(rows(count, [ids])[0][0])
    try:
        saver.prune(ids, strategy="keep_latest")
    except NotImplementedError as exc:  # a thread uses a DeltaChannel
        raise CheckpointError(f"PostgresSaver cannot prune these threads: {exc}") from exc
    except (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected) as exc:
        raise CheckpointError(f"another prune or run changed a thread while pruning ({exc}); "
                              "pruning again is safe") from exc
    return before - int(rows(count, [ids])[0][0])


@contextmanager
def _pg_connection(conn: Any) -> Iterator[Any]:
    """A connection of a ``PostgresSaver``: its own, or one from its pool."""
    from psycopg_pool import ConnectionPool

    if isinstance(conn, ConnectionPool):
        with conn.connection() as pooled:
            yield pooled
    else:
        yield conn
