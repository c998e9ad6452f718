"""The DuckDB store: one file, one writing process, serialised transactions.

DuckDB allows one writing process per file; inside the process this class
serialises writers with a lock so every tool call is one transaction (the
effect and its idempotency record commit together or not at all).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from .errors import StoreError

# Idempotency records of side-effecting tool calls: written in the same
# transaction as the effect, so "done" and "recorded" cannot disagree.
_LEDGER_DDL = """
CREATE TABLE IF NOT EXISTS tool_effects (
    idempotency_key VARCHAR PRIMARY KEY,
    tool VARCHAR NOT NULL,
    arguments JSON NOT NULL,
    result JSON NOT NULL,
    actor VARCHAR NOT NULL,
    trace_id VARCHAR,
    created_at TIMESTAMPTZ NOT NULL
)
"""


class Store:
    def __init__(self, path: str | Path = ":memory:", *, read_only: bool = False) -> None:
        self.path = str(path)
        self.read_only = read_only
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open DuckDB store {self.path}: {exc}") from exc
        self._lock = threading.RLock()
        if not read_only:
            self._conn.execute(_LEDGER_DDL)

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside BEGIN ... COMMIT; rolled back if the block raises."""
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
        """A cursor for reads (auto-commit); serialised with writers."""
        with self._lock:
            cur = self._conn.cursor()
            try:
                yield cur
            finally:
                cur.close()

    def close(self) -> None:
        self._conn.close()
