"""``streamwise approve`` finds out that a thread is unknown before it loads anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from langgraph.checkpoint.base import empty_checkpoint

from agents.checkpoint import sqlite_checkpointer
from agents.errors import UnknownThread
from streamwise.cli_agents import _check_thread
from streamwise.settings import load_settings


def test_a_known_thread_passes_an_unknown_one_is_refused(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "checkpoints.sqlite"
    monkeypatch.setenv("STREAMWISE_AGENTS__CHECKPOINT_PATH", str(path))
    settings = load_settings()
    with pytest.raises(UnknownThread, match="no checkpoint store"):
        _check_thread(settings, "ticket:T1")
    saver = sqlite_checkpointer(path)
    saver.put({"configurable": {"thread_id": "ticket:T1", "checkpoint_ns": ""}},
              empty_checkpoint(), {}, {})
    saver.conn.close()
    _check_thread(settings, "ticket:T1")
    with pytest.raises(UnknownThread, match="'ticket:T2'"):
        _check_thread(settings, "ticket:T2")
