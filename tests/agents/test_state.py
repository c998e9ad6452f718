"""The typed graph state (``agents.state``) reads threads checkpointed before it existed.

``data/pre_model_state/`` holds two SQLite checkpoint files written by the
TypedDict state (commit 34769a0) and pruned to their latest checkpoint: a support
thread whose proposal waits for the customer's yes, and a helpdesk thread paused
for a refund approval. Both must finish under the models, with the same
idempotency keys; a checkpoint the models cannot read fails with a clear error.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage

from agents.checkpoint import sqlite_checkpointer
from agents.contracts import ApprovalDecision
from agents.errors import StateFormatError
from agents.loop import build_loop
from agents.runtime import AgentRunner
from agents.scripted import ScriptedChatModel, call
from agents.state import LoopState, PlannedCall, stored
from agents.trace import TraceStore, load_trace
from tools import Store, ToolRegistry

from .conftest import HelpdeskSpec, refunds
from .test_support import YES, Desk, customer, retail_store, status  # noqa: F401 (fixture)

OLD = Path(__file__).parent / "data" / "pre_model_state"


def test_a_support_proposal_shown_before_the_models_runs_on_yes(retail_store: Store,  # noqa: F811
                                                                tmp_path: Path) -> None:
    shutil.copy(OLD / "support_awaiting_yes.sqlite", tmp_path / "ck.sqlite")
    c = customer(retail_store)  # the customer the file was written for (the same data)
    desk = Desk(retail_store, tmp_path, [])
    desk.turns = 1  # turn t-1 showed the proposal

    done = desk.say(YES)

    assert done.decision == "done" and status(retail_store, c.pending) == "cancelled"
    assert [o.action for o in done.outputs if o.kind == "action"] == ["cancel_pending_order"]


def test_an_approval_held_before_the_models_resumes_with_its_key(
        registry: ToolRegistry, store: Store, tmp_path: Path) -> None:
    shutil.copy(OLD / "helpdesk_awaiting_approval.sqlite", tmp_path / "ck.sqlite")
    graph = build_loop(HelpdeskSpec(), model=ScriptedChatModel(script=[
        call("respond", message="Refunded.")]), registry=registry,
        checkpointer=sqlite_checkpointer(tmp_path / "ck.sqlite"), max_steps=5)
    runner = AgentRunner("support", graph, TraceStore(store))

    done = runner.resume_sync("paused", ApprovalDecision(approved=True))

    assert done.message == "Refunded." and refunds(store) == [("#1", 300.0)]
    trace = load_trace(store, "p1")
    assert trace is not None
    assert [s.idempotency_key for s in trace.steps if s.name == "refund" and
            s.kind == "tool"][-1] == "p1:2:refund"


def test_a_checkpoint_the_models_cannot_read_is_a_clear_error(
        registry: ToolRegistry, store: Store, tmp_path: Path) -> None:
    shutil.copy(OLD / "helpdesk_awaiting_approval.sqlite", tmp_path / "ck.sqlite")
    saver = sqlite_checkpointer(tmp_path / "ck.sqlite")
    # Rewrite the latest checkpoint in place with a held call no version wrote.
    saved = saver.get_tuple({"configurable": {"thread_id": "paused"}})
    assert saved is not None
    saved.checkpoint["channel_values"]["awaiting"] = [{"tool": "refund"}]
    saver.put(saved.config, saved.checkpoint, saved.metadata, {})
    graph = build_loop(HelpdeskSpec(), model=ScriptedChatModel(script=[]), registry=registry,
                       checkpointer=saver, max_steps=5)

    with pytest.raises(StateFormatError, match=r"thread 'paused' .*awaiting\.0"):
        AgentRunner("support", graph, None).resume_sync(
            "paused", ApprovalDecision(approved=True))


def test_updates_are_stored_as_json_and_read_back_typed() -> None:
    call_ = PlannedCall(tool="refund", arguments={"order_id": "#1"}, index=2)
    update = stored({"planned": [call_], "messages": [HumanMessage("hi")]})

    assert update["planned"] == [{"tool": "refund", "arguments": {"order_id": "#1"},
                                  "index": 2}]
    assert isinstance(update["messages"][0], HumanMessage)  # messages stay LangChain's
    state = LoopState.model_validate({
        "request": {"agent": "support", "kind": "message", "event_id": "e", "text": "hi"},
        "planned": update["planned"]})
    assert state.planned == [call_] and state.request.thread_id == "support:e"
