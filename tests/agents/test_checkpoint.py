"""Checkpointers from settings, run against SQLite and a real PostgreSQL: threads resume
after a restart, pruning keeps the latest checkpoint and threads stay resumable."""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.base import BaseCheckpointSaver
from pydantic import SecretStr

from agents.checkpoint import open_checkpointer, prune_checkpoints
from agents.config import AgentSettings
from agents.contracts import ApprovalDecision, MessageRequest
from agents.errors import CheckpointError, UnknownThread
from agents.loop import build_loop
from agents.runtime import AgentRunner
from agents.scripted import ScriptedChatModel, call
from agents.trace import TraceStore
from tools import Store, ToolRegistry

from .conftest import HelpdeskSpec, refunds


def count(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT thread_id, count(*) FROM checkpoints GROUP BY thread_id")
        return dict(rows.fetchall())


def test_sqlite_from_settings_resolves_under_root(tmp_path: Path) -> None:
    saver = open_checkpointer(AgentSettings(checkpoint_path="state/ck.sqlite"), root=tmp_path)
    assert (tmp_path / "state" / "ck.sqlite").is_file()
    with saver.cursor() as cur:
        assert cur.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_postgres_errors_say_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CheckpointError, match="STREAMWISE_AGENTS__POSTGRES_DSN"):
        open_checkpointer(AgentSettings(checkpoint_backend="postgres"))
    no_server = SecretStr(f"postgresql://u@/db?host={tmp_path}")  # a socket dir, no server
    settings = AgentSettings(checkpoint_backend="postgres", postgres_dsn=no_server)
    with pytest.raises(CheckpointError, match="cannot connect to the checkpoint database"):
        open_checkpointer(settings)
    monkeypatch.setitem(sys.modules, "langgraph.checkpoint.postgres", None)  # not installed
    with pytest.raises(CheckpointError, match="pip install langgraph-checkpoint-postgres"):
        open_checkpointer(settings)


@dataclass
class Backend:
    """A checkpoint store, opened the way a (restarted) process opens it, and its row counts."""

    name: str
    settings: AgentSettings
    root: Path

    def open(self) -> BaseCheckpointSaver[str]:
        return open_checkpointer(self.settings, root=self.root)

    def count(self) -> dict[str, int]:
        """Checkpoints per thread."""
        sql = "SELECT thread_id, count(*) FROM checkpoints GROUP BY thread_id"
        if self.name == "sqlite":
            return count(self.root / self.settings.checkpoint_path)
        import psycopg

        assert self.settings.postgres_dsn is not None
        with psycopg.connect(self.settings.postgres_dsn.get_secret_value()) as conn:
            return dict(conn.execute(sql).fetchall())  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "postgres":
        dsn = SecretStr(request.getfixturevalue("postgres_dsn"))
        return Backend("postgres", AgentSettings(checkpoint_backend="postgres", postgres_dsn=dsn),
                       tmp_path)
    return Backend("sqlite", AgentSettings(checkpoint_path="ck.sqlite"), tmp_path)


def close(saver: BaseCheckpointSaver[str]) -> None:
    """What a process that dies does to its connection."""
    saver.conn.close()  # type: ignore[attr-defined]


def test_opens_the_configured_backend(backend: Backend) -> None:
    saver = backend.open()
    expected = {"sqlite": "SqliteSaver", "postgres": "PostgresSaver"}[backend.name]
    assert type(saver).__name__ == expected
    assert backend.count() == {}
    close(saver)
    backend.open()  # setup() again on existing tables (migrations already applied)


def test_threads_resume_after_restart(registry: ToolRegistry, store: Store,
                                      backend: Backend) -> None:
    def runner(script: list[Any]) -> tuple[AgentRunner, ScriptedChatModel, Any]:
        saver, model = backend.open(), ScriptedChatModel(script=script)
        graph = build_loop(HelpdeskSpec(), model=model, registry=registry, checkpointer=saver,
                           max_steps=5)
        return AgentRunner("support", graph, TraceStore(store)), model, saver

    first, _, saver = runner([call("respond", message="Which order?"),
                              call("refund", order_id="#1", amount=300)])
    first.run_sync(MessageRequest(agent="support", event_id="t1",
                                text="where is my order", thread_id="chat"))
    paused = first.run_sync(MessageRequest(agent="support", event_id="p1",
                                         text="refund"))
    assert paused.status == "awaiting_approval" and refunds(store) == []
    close(saver)

    second, model, _ = runner([call("lookup_order", order_id="#1"),
                               call("respond", message="Delivered."),
                               call("respond", message="refunded")])
    turn2 = second.run_sync(MessageRequest(agent="support", event_id="t2",
                                         text="order #1", thread_id="chat"))
    assert turn2.message == "Delivered."
    assert [m.content for m in model.seen[0] if m.type == "human"] == [
        "where is my order", "order #1"]
    assert any(m.type == "ai" and m.tool_calls for m in model.seen[0])
    done = second.resume_sync(paused.thread_id, ApprovalDecision(approved=True))
    assert done.message == "refunded" and refunds(store) == [("#1", 300.0)]
    with pytest.raises(UnknownThread):
        second.resume_sync("no-such-thread", ApprovalDecision(approved=True))


def test_prune_keeps_latest_per_thread_and_threads_still_resume(
        registry: ToolRegistry, store: Store, backend: Backend) -> None:
    saver = backend.open()
    model = ScriptedChatModel(script=[
        call("lookup_order", order_id="#1"), call("respond", message="one"),   # chat turn 1
        call("refund", order_id="#1", amount=300),                            # paused thread
        call("respond", message="two"),                                       # chat turn 2
        call("respond", message="refunded")])                                 # after approval
    graph = build_loop(HelpdeskSpec(), model=model, registry=registry, checkpointer=saver,
                       max_steps=5)
    r = AgentRunner("support", graph, TraceStore(store))

    r.run_sync(MessageRequest(agent="support", event_id="t1", text="hi",
                            thread_id="chat"))
    paused = r.run_sync(MessageRequest(agent="support", event_id="p1",
                                     text="refund"))
    before = backend.count()
    assert before["chat"] > 1 and before[paused.thread_id] > 1

    removed = prune_checkpoints(saver)
    assert removed == sum(before.values()) - 2
    assert backend.count() == {"chat": 1, paused.thread_id: 1}
    assert prune_checkpoints(saver) == 0

    turn2 = r.run_sync(MessageRequest(agent="support", event_id="t2",
                                    text="and?", thread_id="chat"))
    assert turn2.message == "two"
    assert [m.content for m in model.seen[-1] if m.type == "human"] == ["hi", "and?"]
    done = r.resume_sync(paused.thread_id, ApprovalDecision(approved=True))
    assert done.message == "refunded" and refunds(store) == [("#1", 300.0)]

    grown = backend.count()
    assert prune_checkpoints(saver, thread_ids=["chat"]) == grown["chat"] - 1
    assert backend.count() == {"chat": 1, paused.thread_id: grown[paused.thread_id]}
    assert grown[paused.thread_id] > 1
    assert prune_checkpoints(saver, thread_ids=[]) == 0
