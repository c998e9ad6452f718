"""Checkpointers: SQLite from settings, Postgres not installed, pruning keeps threads resumable."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from pydantic import SecretStr

from agents.checkpoint import open_checkpointer, prune_checkpoints, sqlite_checkpointer
from agents.config import AgentSettings
from agents.contracts import AgentRequest, ApprovalDecision
from agents.errors import CheckpointError
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


def test_postgres_without_the_package_says_what_to_install() -> None:
    settings = AgentSettings(checkpoint_backend="postgres",
                             postgres_dsn=SecretStr("postgresql://u:p@localhost/db"))
    try:
        import langgraph.checkpoint.postgres  # noqa: F401
    except ImportError:
        with pytest.raises(CheckpointError, match="pip install langgraph-checkpoint-postgres"):
            open_checkpointer(settings)
    with pytest.raises(CheckpointError, match="POSTGRES_DSN"):
        open_checkpointer(AgentSettings(checkpoint_backend="postgres"))


def test_prune_keeps_latest_per_thread_and_threads_still_resume(
        registry: ToolRegistry, store: Store, checkpoint_path: Path) -> None:
    saver = sqlite_checkpointer(checkpoint_path)
    model = ScriptedChatModel(script=[
        call("lookup_order", order_id="#1"), call("respond", message="one"),   # chat turn 1
        call("refund", order_id="#1", amount=300),                            # paused thread
        call("respond", message="two"),                                       # chat turn 2
        call("respond", message="refunded")])                                 # after approval
    graph = build_loop(HelpdeskSpec(), model=model, registry=registry, checkpointer=saver,
                       max_steps=5)
    r = AgentRunner("support", graph, TraceStore(store))

    r.run_sync(AgentRequest(agent="support", kind="message", event_id="t1", text="hi",
                            thread_id="chat"))
    paused = r.run_sync(AgentRequest(agent="support", kind="message", event_id="p1",
                                     text="refund"))
    before = count(checkpoint_path)
    assert before["chat"] > 1 and before[paused.thread_id] > 1

    removed = prune_checkpoints(saver)
    assert removed == sum(before.values()) - 2
    assert count(checkpoint_path) == {"chat": 1, paused.thread_id: 1}
    assert prune_checkpoints(saver) == 0

    turn2 = r.run_sync(AgentRequest(agent="support", kind="message", event_id="t2",
                                    text="and?", thread_id="chat"))
    assert turn2.message == "two"
    assert [m.content for m in model.seen[-1] if m.type == "human"] == ["hi", "and?"]
    done = r.resume_sync(paused.thread_id, ApprovalDecision(approved=True))
    assert done.message == "refunded" and refunds(store) == [("#1", 300.0)]

    prune_checkpoints(saver, thread_ids=["chat"])
    assert count(checkpoint_path)["chat"] == 1 and count(checkpoint_path)[paused.thread_id] > 1
