"""Overhead of the agent loop (LangGraph, SQLite checkpoints, DuckDB traces) per tool call.

    .venv/bin/python -m benchmarks.bench_agent_loop [--tasks 20]

Replays the gold actions of τ²-bench train tasks two ways in the same run, on a
fresh store per task: (baseline) each action as a direct registry call, and
(loop) the same actions as scripted tool calls through the support graph, with
a file-backed SQLite checkpointer and the trace written to DuckDB. The scripted
model takes no time, so the difference is the loop's own cost. Writes
benchmarks/results/agent_loop.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from agents.checkpoint import sqlite_checkpointer
from agents.contracts import ApprovalDecision, MessageRequest
from agents.loop import build_loop
from agents.runtime import AgentRunner
from agents.scripted import ScriptedChatModel, call
from agents.support import SupportAgent
from agents.trace import TraceStore
from tools import Actor, DuckDBStore, Store, ToolContext, ToolSettings
from tools.catalog import build_registry
from tools.retail_db import load_tau2

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
RESULTS = ROOT / "benchmarks" / "results" / "agent_loop.json"
SETTINGS = ToolSettings(tau2_compat=True, refund_approval_limit=10**9)  # type: ignore[arg-type]


def _store(db: dict[str, Any]) -> Store:
    s = DuckDBStore()
    with s.transaction() as cur:
        load_tau2(cur, db)
    return s


def _direct(task: dict[str, Any], db: dict[str, Any]) -> tuple[float, int]:
    store = _store(db)
    registry = build_registry(store, SETTINGS)
    actions = task["evaluation_criteria"]["actions"] or []
    start = time.perf_counter()
    for i, a in enumerate(actions):
        registry.call(a["name"], a["arguments"],
                      ToolContext(actor=Actor(role="support"), idempotency_key=f"d{i}"))
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed, len(actions)


def _loop(task: dict[str, Any], db: dict[str, Any], tmp: Path) -> float:
    store = _store(db)
    registry = build_registry(store, SETTINGS)
    actions = task["evaluation_criteria"]["actions"] or []

    class Open(SupportAgent):
        def guard(self, state: Any, name: str, arguments: dict[str, Any]) -> str | None:
            return None  # the baseline does not authenticate either

    script = [call(a["name"], **a["arguments"]) for a in actions]
    model = ScriptedChatModel(script=[*script, call("respond", message="done")])
    graph = build_loop(Open(registry), model=model, registry=registry,
                       checkpointer=sqlite_checkpointer(tmp / f"{task['id']}.sqlite"),
                       max_steps=len(script) + 2)
    runner = AgentRunner("support", graph, TraceStore(store))
    start = time.perf_counter()
    result = runner.run_sync(MessageRequest(agent="support",
                                          event_id=f"b{task['id']}", text="help"))
    while result.status == "awaiting_approval":
        result = runner.resume_sync(result.thread_id, ApprovalDecision(approved=True))
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=20)
    args = parser.parse_args()
    db = json.loads((DATA / "db.json").read_text(encoding="utf-8"))
    tasks = json.loads((DATA / "tasks_train.json").read_text(encoding="utf-8"))[: args.tasks]
    direct_s = loop_s = 0.0
    calls = 0
    with tempfile.TemporaryDirectory() as tmp:
        for task in tasks:
            d, n = _direct(task, db)
            direct_s += d
            calls += n
            loop_s += _loop(task, db, Path(tmp))
    per_call = {"direct_ms": direct_s / calls * 1000, "loop_ms": loop_s / calls * 1000}
    per_call["overhead_ms"] = per_call["loop_ms"] - per_call["direct_ms"]
    print(f"{len(tasks)} tasks, {calls} tool calls")
    print(f"{'':28}{'ms per tool call':>18}")
    print(f"{'direct registry (baseline)':28}{per_call['direct_ms']:18.2f}")
    print(f"{'support graph, scripted':28}{per_call['loop_ms']:18.2f}")
    print(f"{'loop overhead':28}{per_call['overhead_ms']:18.2f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"tasks": len(tasks), "tool_calls": calls, **per_call,
                                   "machine": platform.platform()}, indent=2))


if __name__ == "__main__":
    main()
