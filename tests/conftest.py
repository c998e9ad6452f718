"""Fixtures shared by the package tests: a throwaway PostgreSQL server.

``postgres_server`` starts one real PostgreSQL (the binaries of the ``pgserver``
wheel, a test dependency) for the session, in a temporary directory, listening
on a Unix socket only; ``postgres_dsn`` gives each test a fresh database on it.
As root, pgserver runs the server as a system user ``pgserver`` it creates
(PostgreSQL refuses to run as root) and opens the directories on the way to
its data and binaries for reading by others.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    with warnings.catch_warnings():  # its lock file falls back to /tmp/runtime-$UID: fine
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        import pgserver

    root = Path(tempfile.mkdtemp(prefix="streamwise-pg-"))
    server = pgserver.get_server(root / "pgdata", cleanup_mode="delete")
    try:
        yield server
    finally:
        server.cleanup()  # pg_ctl stop, then the data directory goes
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture()
def postgres_dsn(postgres_server: Any) -> Iterator[str]:
    """The DSN of a new, empty database, dropped after the test."""
    import psycopg

    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server.get_uri(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield postgres_server.get_uri(database=name)
    with psycopg.connect(postgres_server.get_uri(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture()
def store_backend() -> str:
    """The store backend of the ``seeded``/``fresh_store`` fixtures: DuckDB, except in the
    tools tests, which run on both backends (the store contract, tests/tools/conftest.py)."""
    return "duckdb"
