"""Stores of both backends for the store contract suite (LangGraph checkpoint-conformance
style): the tools tests' ``store``/``fresh_store``/``seeded`` fixtures are parametrized over
``BACKENDS``, so every tool's effect is checked on DuckDB and on PostgreSQL alike.

PostgreSQL stores are databases cloned (``CREATE DATABASE ... TEMPLATE``) from a template
filled once per session: a fresh store costs a file copy's time, not a reload.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg

from tools import DuckDBStore, Store
from tools._pg_store import PostgresStore

BACKENDS = ["duckdb", "postgres"]


def make_template(server: Any, fill: Callable[[Store], None]) -> str:
    """A new database filled by ``fill(store)``; returns its name (no connection left open)."""
    name = f"tpl_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.get_uri(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"'.encode())
    store = PostgresStore(server.get_uri(database=name))
    try:
        fill(store)
    finally:
        store.close()
    return name


def fill_from_duckdb(fill: Callable[[Store], None], tables: list[str]) -> Callable[[Store], None]:
    """A ``fill`` for PostgreSQL that runs a DuckDB-only loader in memory and copies tables."""
    from tools.seed import load_from_duckdb

    def run(store: Store) -> None:
        with DuckDBStore() as scratch:
            fill(scratch)
            with scratch.cursor() as source:
                load_from_duckdb(store, source, tables)

    return run


class PgClones:
    """Fresh databases cloned from a template, dropped at the end."""

    def __init__(self, server: Any, template: str) -> None:
        self.server, self.template = server, template
        self.names: list[str] = []
        self.stores: list[Store] = []

    def dsn(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.server.get_uri(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'.encode())
        self.names.append(name)
        return str(self.server.get_uri(database=name))

    def store(self) -> Store:
        self.stores.append(PostgresStore(self.dsn()))
        return self.stores[-1]

    def close(self) -> None:
        for s in self.stores:
            s.close()
        with psycopg.connect(self.server.get_uri(), autocommit=True) as admin:
            for name in self.names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


def clones(server: Any, template: str) -> Iterator[PgClones]:
    c = PgClones(server, template)
    try:
        yield c
    finally:
        c.close()
