"""Fixtures for the evaluation harness tests: a retail template store copied per world."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from evals._tau2 import Task, load_tasks
from evals.base import EvalWorld
from evals.world import retail_template
from tools import DuckDBStore, Store, ToolRegistry, ToolSettings, build_registry

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return retail_template(tmp_path_factory.mktemp("evals") / "template.duckdb", DATA)


@pytest.fixture(scope="session")
def train() -> dict[str, Task]:
    return {t.id: t for t in load_tasks(DATA / "tasks_train.json")}


@pytest.fixture()
def world_with(template: Path, tmp_path: Path
               ) -> Iterator[Callable[[Callable[[ToolRegistry], Any]], EvalWorld]]:
    """A world over a fresh copy of the template, with (fake) agents made over its tools."""
    opened: list[Store] = []

    def make(agents: Callable[[ToolRegistry], Any]) -> EvalWorld:
        path = tmp_path / f"world{len(opened)}.duckdb"
        shutil.copyfile(template, path)
        store = DuckDBStore(path)
        opened.append(store)
        registry = build_registry(store, ToolSettings(tau2_compat=True))
        return EvalWorld(store=store, registry=registry, agents=agents(registry))

    yield make
    for s in opened:
        s.close()
