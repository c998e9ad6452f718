"""Agent runs go to the platform's own pool, sized from ``worker.max_in_flight``."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from agents.scripted import ScriptedChatModel
from streamwise.settings import Settings
from streamwise.wiring import open_platform


def test_the_agent_pool_follows_max_in_flight_and_closes_with_the_platform(
        tmp_path: Path) -> None:
    settings = Settings()
    settings.store.db_path = str(tmp_path / "store.duckdb")
    settings.agents.checkpoint_path = str(tmp_path / "checkpoints.sqlite")
    # More than asyncio's default pool would give (min(32, cpus + 4)).
    settings.worker.max_in_flight = 40
    platform = open_platform(settings, chat=ScriptedChatModel(), with_retriever=False)
    pool = platform.agents.executor
    try:
        # All 40 runs must be in flight at once for the barrier to open.
        barrier = threading.Barrier(40, timeout=60)
        assert sorted(pool.map(lambda _: barrier.wait(), range(40))) == list(range(40))
    finally:
        platform.close()
    with pytest.raises(RuntimeError, match="shutdown"):
        pool.submit(print)
