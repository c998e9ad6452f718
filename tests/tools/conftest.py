"""Fixtures for the tools tests: the vendored τ²-bench retail data and fresh stores."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tools import Actor, DuckDBStore, Store, ToolContext, load_tau2
from tools.retail_db import RETAIL_TABLES

from ._backends import BACKENDS, clones, fill_from_duckdb, make_template

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="session")
def tau2_db() -> dict[str, Any]:
    """db.json parsed once; tests must not mutate it."""
    data: dict[str, Any] = json.loads((DATA / "db.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory, tau2_db: dict[str, Any]) -> Path:
    """A DuckDB file loaded from db.json once; each test copies it (faster than reloading)."""
    path = tmp_path_factory.mktemp("tau2") / "template.duckdb"
    s = DuckDBStore(path)
    with s.transaction() as db:
        load_tau2(db, tau2_db)
    s.close()
    return path


@pytest.fixture(scope="session")
def pg_tau2_template(postgres_server: Any, tau2_db: dict[str, Any]) -> str:
    """A PostgreSQL database holding db.json, cloned per test."""
    return make_template(postgres_server, fill_from_duckdb(
        lambda s: _load(s, tau2_db), list(RETAIL_TABLES)))


@pytest.fixture(scope="session")
def pg_seeded_template(postgres_server: Any) -> str:
    """A PostgreSQL database seeded once (the generator's world, copied), cloned per test."""
    from tools.seed import seed_store

    from ._seeded import DATA as SEED_DATA
    from ._seeded import SETTINGS

    def fill(store: Store) -> None:
        seed_store(store, SETTINGS, SEED_DATA)

    return make_template(postgres_server, fill)


def _load(store: Store, data: dict[str, Any]) -> None:
    with store.transaction() as db:
        load_tau2(db, data)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # The store contract: every tools test that opens a store runs on each backend.
    # A test that names its backends itself (a DuckDB-only check of the generator) keeps them.
    chosen = any(m.args and m.args[0] == "store_backend"
                 for m in metafunc.definition.iter_markers("parametrize"))
    if "store_backend" in metafunc.fixturenames and not chosen:
        metafunc.parametrize("store_backend", BACKENDS)


@pytest.fixture()
def fresh_store(request: pytest.FixtureRequest, store_backend: str, template_db: Path,
                tmp_path: Path) -> Iterator[Callable[[], Store]]:
    """A factory of fresh stores holding db.json, on the test's backend."""
    if store_backend == "postgres":
        template = request.getfixturevalue("pg_tau2_template")
        yield from _pg_factory(request.getfixturevalue("postgres_server"), template)
        return
    opened: list[Store] = []

    def make() -> Store:
        path = tmp_path / f"store{len(opened)}.duckdb"
        shutil.copyfile(template_db, path)
        opened.append(DuckDBStore(path))
        return opened[-1]

    yield make
    for s in opened:
        s.close()


def _pg_factory(server: Any, template: str) -> Iterator[Callable[[], Store]]:
    for pg in clones(server, template):
        yield pg.store


@pytest.fixture()
def store(fresh_store: Callable[[], Store]) -> Store:
    """A fresh store holding db.json."""
    return fresh_store()


_keys = iter(range(10**9))


def support(approved: bool = True, key: str | None = None) -> ToolContext:
    return ToolContext(actor=Actor(role="support"), approved=approved,
                       idempotency_key=key or f"test-{next(_keys)}")


def customer(user_id: str, approved: bool = False, key: str | None = None) -> ToolContext:
    return ToolContext(actor=Actor(role="customer", user_id=user_id), approved=approved,
                       idempotency_key=key or f"test-{next(_keys)}")
