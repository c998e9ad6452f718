"""Fixtures for the tools tests: the vendored τ²-bench retail data and fresh stores."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tools import Actor, Store, ToolContext, load_tau2

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
    s = Store(path)
    with s.transaction() as db:
        load_tau2(db, tau2_db)
    s.close()
    return path


@pytest.fixture()
def fresh_store(template_db: Path, tmp_path: Path) -> Iterator[Callable[[], Store]]:
    """A factory of fresh stores holding db.json."""
    opened: list[Store] = []

    def make() -> Store:
        path = tmp_path / f"store{len(opened)}.duckdb"
        shutil.copyfile(template_db, path)
        opened.append(Store(path))
        return opened[-1]

    yield make
    for s in opened:
        s.close()


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
