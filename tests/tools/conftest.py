"""Fixtures for the tools tests: the vendored τ²-bench retail data and fresh stores."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tools import Store
from tools.retail_db import load_tau2

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="session")
def tau2_db() -> dict[str, Any]:
    """db.json parsed once; tests must not mutate it."""
    data: dict[str, Any] = json.loads((DATA / "db.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture()
def store(tau2_db: dict[str, Any]) -> Iterator[Store]:
    """A fresh in-memory store holding db.json."""
    s = Store()
    with s.transaction() as db:
        load_tau2(db, tau2_db)
    yield s
    s.close()
