"""The connection analyst SQL runs on: a read-only snapshot that cannot reach the store.

Per query, the whitelisted tables it reads are copied, in one read transaction of
the store (a consistent snapshot), into a new DuckDB file in a private temporary
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
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _copy(db: duckdb.DuckDBPyConnection, tables: Collection[str], path: Path) -> None:
    # A connection of its own: the caller's cursor is inside the tool call's transaction,
    # which must neither commit the copy nor see an attached database.
    copier = db.cursor()
    alias = _quote(f"analyst_snapshot_{uuid.uuid4().hex}")
    try:
        copier.execute(f"ATTACH {_literal(str(path))} AS {alias} (READ_WRITE)")
        try:
            copier.execute("BEGIN TRANSACTION")
            for table in sorted(tables):
                copier.execute(f"CREATE TABLE {alias}.main.{_quote(table)} AS "
                               f"SELECT * FROM main.{_quote(table)}")
            copier.execute("COMMIT")
        finally:
            copier.execute("DETACH " + alias)
    finally:
        copier.close()


@contextmanager
def sandbox(db: duckdb.DuckDBPyConnection, tables: Collection[str], *,
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
