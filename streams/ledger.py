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
process per file. A PostgreSQL ledger for a cluster implements the same
``Ledger`` protocol.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol, runtime_checkable


@runtime_checkable
class Ledger(Protocol):
    def done_among(self, event_ids: Iterable[str]) -> set[str]:
        """The subset of ``event_ids`` already marked done."""
        ...

    def mark_done_many(self, entries: Iterable[tuple[str, str]]) -> None:
        """Mark ``(event_id, origin)`` pairs done, in one transaction; repeats are no-ops."""
        ...

    def close(self) -> None: ...


class SqliteLedger:
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

    def is_done(self, event_id: str) -> bool:
        return bool(self.done_among([event_id]))

    def mark_done(self, event_id: str, origin: str = "") -> None:
        self.mark_done_many([(event_id, origin)])

    def done_among(self, event_ids: Iterable[str]) -> set[str]:
        ids = list(dict.fromkeys(event_ids))
        found: set[str] = set()
        for i in range(0, len(ids), self._CHUNK):
            chunk = ids[i:i + self._CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT event_id FROM done_events WHERE event_id IN ({marks})", chunk
            ).fetchall()
            found.update(r[0] for r in rows)
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

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM done_events").fetchone()[0])

    def close(self) -> None:
        self._db.close()
