"""Fixtures for the seed, supply and pricing tests: a store seeded once, copied per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools import Actor, DuckDBStore, Store, ToolContext, ToolSettings
from tools.catalog import build_registry
from tools.registry import ToolRegistry
from tools.seed import seed_store

from ._backends import clones

DATA = Path(__file__).resolve().parents[2] / "data"
SETTINGS = ToolSettings()


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seeded") / "template.duckdb"
    s = DuckDBStore(path)
    seed_store(s, SETTINGS, DATA)
    s.close()
    return path


@pytest.fixture()
def seeded(request: pytest.FixtureRequest, store_backend: str, seeded_template: Path,
           tmp_path: Path) -> Iterator[Store]:
    """A freshly seeded store on the test's backend (both, in the tools tests)."""
    if store_backend == "postgres":
        for pg in clones(request.getfixturevalue("postgres_server"),
                         request.getfixturevalue("pg_seeded_template")):
            yield pg.store()
        return
    path = tmp_path / "store.duckdb"
    shutil.copyfile(seeded_template, path)
    s = DuckDBStore(path)
    yield s
    s.close()


@pytest.fixture()
def registry(seeded: Store) -> ToolRegistry:
    return build_registry(seeded, SETTINGS)


_keys = iter(range(10**9))


def ctx(role: str = "system", key: str | None = None, approved: bool = False,
        user_id: str | None = None) -> ToolContext:
    actor = Actor(role=role, user_id=user_id or ("u_1" if role == "customer" else None))  # type: ignore[arg-type]
    return ToolContext(actor=actor, idempotency_key=key or f"seeded-test-{next(_keys)}",
                       approved=approved)


def one(store: Store, sql: str, params: list[object] | None = None) -> object:
    with store.cursor() as c:
        row = c.execute(sql, params or []).fetchone()
    assert row is not None
    return row[0]


def rows(store: Store, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    with store.cursor() as c:
        return c.execute(sql, params or []).fetchall()
