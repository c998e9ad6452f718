"""Fresh worlds for evaluation cases: a seeded store copied from a template, its tools,
and the agents over the chat model under test.

Seeding once and copying the DuckDB file per case is far cheaper than seeding
per case, so a suite that changes the store can give every case the same start.
All files (template, copies, checkpoints) live in one working directory that
the caller owns (a temporary directory for a run).

Evaluation stores run the tools in ``tau2_compat`` mode: the tasks and their
gold end states come from the τ² reference, so the store must price modified
items as the reference does for the end states to be comparable.
"""

from __future__ import annotations

import contextlib
import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

from langchain_core.language_models import BaseChatModel

from agents.checkpoint import sqlite_checkpointer
from agents.config import AgentSettings
from agents.service import build_agents
from agents.support import Retriever
from tools import DuckDBStore, ToolSettings, build_registry, load_tau2
from tools.seed import seed_store

from .base import EvalWorld


def seeded_template(path: Path, settings: ToolSettings, data_dir: Path) -> Path:
    """The full seeded store (retail tables plus the generated operational data)."""
    store = DuckDBStore(path)
    try:
        seed_store(store, settings, data_dir)
    finally:
        store.close()
    return path


def retail_template(path: Path, data_dir: Path) -> Path:
    """Only the τ² retail tables: enough for the support suite, and seconds faster."""
    store = DuckDBStore(path)
    try:
        with store.transaction() as cur:
            load_tau2(cur, data_dir / "db.json")
    finally:
        store.close()
    return path


class Worlds:
    """Opens ``EvalWorld``s over copies of ``template``; ``worlds.open`` is a WorldFactory."""

    def __init__(self, workdir: Path, template: Path, chat: BaseChatModel, *,
                 tool_settings: ToolSettings | None = None,
                 agent_settings: AgentSettings | None = None,
                 retriever: Retriever | None = None) -> None:
        self.workdir = workdir
        self.template = template
        self.chat = chat
        self.tool_settings = (tool_settings or ToolSettings()).model_copy(
            update={"tau2_compat": True})
        self.agent_settings = agent_settings or AgentSettings()
        self.retriever = retriever
        # One checkpoint file for the run: every case has its own thread ids.
        self.checkpointer = sqlite_checkpointer(workdir / "checkpoints.sqlite")
        self._n = itertools.count()

    @contextlib.contextmanager
    def open(self) -> Iterator[EvalWorld]:
        path = self.workdir / f"world-{next(self._n)}.duckdb"
        shutil.copyfile(self.template, path)
        store = DuckDBStore(path)
        try:
            registry = build_registry(store, self.tool_settings)
            agents = build_agents(self.agent_settings, store, registry, self.chat,
                                  self.retriever, checkpointer=self.checkpointer)
            yield EvalWorld(store=store, registry=registry, agents=agents)
        finally:
            store.close()
            path.unlink(missing_ok=True)
            path.with_suffix(".duckdb.wal").unlink(missing_ok=True)

    def close(self) -> None:
        self.checkpointer.conn.close()

    def __enter__(self) -> Worlds:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

