"""Fixtures for the agents tests: a small real registry over a real DuckDB store,
a real SQLite checkpointer, and a minimal agent spec to drive the shared loop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from agents.checkpoint import sqlite_checkpointer
from agents.loop import AgentSpec, LoopState, Toolbox
from agents.trace import TraceStore
from tools import DuckDBStore, Store, ToolEnv, ToolRegistry, tool
from tools.errors import ApprovalRequired, NotFound


class OrderId(BaseModel):
    order_id: str


class OrderInfo(BaseModel):
    order_id: str
    status: str


class RefundArgs(BaseModel):
    order_id: str
    amount: float


class Refund(BaseModel):
    order_id: str
    amount: float
    refunds_so_far: int


@tool(roles={"system", "support"})
def lookup_order(args: OrderId, env: ToolEnv) -> OrderInfo:
    """Look up an order's status."""
    row = env.db.execute("SELECT status FROM t_orders WHERE order_id = ?",
                         [args.order_id]).fetchone()
    if row is None:
        raise NotFound(f"order {args.order_id} does not exist", "check the order id")
    return OrderInfo(order_id=args.order_id, status=row[0])


@tool(side_effect=True, roles={"system", "support"})
def refund(args: RefundArgs, env: ToolEnv) -> Refund:
    """Refund an amount on an order; above 100 it needs a person's approval."""
    if args.amount > 100 and not env.ctx.approved:
        raise ApprovalRequired("refund above the 100 limit", {"limit": 100})
    env.db.execute("INSERT INTO t_refunds VALUES (?, ?)", [args.order_id, args.amount])
    n = env.db.execute("SELECT count(*) FROM t_refunds").fetchone()
    return Refund(order_id=args.order_id, amount=args.amount, refunds_so_far=int(n[0]))


def refunds(store: Store) -> list[tuple[Any, ...]]:
    with store.cursor() as cur:
        return cur.execute("SELECT * FROM t_refunds ORDER BY order_id").fetchall()


@pytest.fixture()
def store() -> Iterator[Store]:
    s = DuckDBStore()
    with s.transaction() as db:
        db.execute("CREATE TABLE t_orders (order_id VARCHAR, status VARCHAR)")
        db.execute("CREATE TABLE t_refunds (order_id VARCHAR, amount DOUBLE)")
        db.execute("INSERT INTO t_orders VALUES ('#1', 'delivered'), ('#2', 'pending')")
    yield s
    s.close()


@pytest.fixture()
def registry(store: Store) -> ToolRegistry:
    return ToolRegistry(store, tools=[lookup_order, refund])


@pytest.fixture()
def checkpoint_path(tmp_path: Path) -> Path:
    return tmp_path / "checkpoints.sqlite"


@pytest.fixture()
def traces(store: Store) -> TraceStore:
    return TraceStore(store)


class HelpdeskSpec(AgentSpec):
    """A minimal agent over the test tools: answers with respond(message)."""

    name = "support"
    tool_names = ("lookup_order", "refund")

    def system_prompt(self, state: LoopState) -> str:
        return "You help with orders."

    def finish(self, state: LoopState, box: Toolbox) -> dict[str, Any]:
        final = state.final or {}
        limit = state.outcome == "step_limit"
        return {"status": "step_limit" if limit else "done", "decision": "reply",
                "message": final.get("message", "")}


@pytest.fixture()
def saver(checkpoint_path: Path) -> Any:
    return sqlite_checkpointer(checkpoint_path)
