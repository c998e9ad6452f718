"""The connection analyst SQL runs on: a read-only snapshot that cannot reach the store.

Per query, the whitelisted tables it reads are copied, in one read transaction of
the store (a consistent snapshot; DuckDB or PostgreSQL), into a new DuckDB file in a private temporary
directory. That file is then opened by a separate DuckDB instance with
``access_mode=READ_ONLY``, ``enable_external_access=false`` (no file, no network, no
ATTACH/COPY/INSTALL/LOAD), extension autoloading off, no spilling to disk, a memory
limit, and ``lock_configuration=true`` so no SET can undo any of it. The instance
is closed and the directory removed when the query is done. See ``analytics`` for
why this design and not another.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from ._pg_store import PgCursor, analyst_cursor, snapshot_to_duckdb
from .store import copy_duckdb_tables


def _copy(db: Any, tables: Collection[str], path: Path) -> None:
    """The tables from the store behind ``db`` (a cursor of either backend), in one read
    transaction: DuckDB attaches the new file and copies; PostgreSQL's rows come over COPY
    in a REPEATABLE READ transaction (``_pg_store.snapshot_to_duckdb``), as the store's
    read-only analyst role where it has one (``_pg_store.analyst_cursor``)."""
    if isinstance(db, PgCursor):
        with analyst_cursor(db) as reader:
            snapshot_to_duckdb(reader, tables, path)
    else:
        copy_duckdb_tables(db, tables, path)


@contextmanager
def sandbox(db: Any, tables: Collection[str], *,
            memory_limit_mb: int, threads: int = 2) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only, file-less, network-less connection over a snapshot of ``tables``
    (tables or views of ``db``'s main schema, copied as tables)."""
    folder = Path(tempfile.mkdtemp(prefix="streamwise-sql-"))
    conn: duckdb.DuckDBPyConnection | None = None
    try:
        path = folder / "snapshot.duckdb"
        _copy(db, tables, path)
        conn = duckdb.connect(str(path), read_only=True, config={
            "enable_external_access": False,
            "autoload_known_extensions": False,
            "autoinstall_known_extensions": False,
            "allow_community_extensions": False,
            "temp_directory": "",  # nothing spills to disk: over the memory limit is an error
            "memory_limit": f"{memory_limit_mb}MB",
            "threads": threads,
            "lock_configuration": True,
        })
        yield conn
    finally:
        if conn is not None:
            conn.close()
        shutil.rmtree(folder, ignore_errors=True)
