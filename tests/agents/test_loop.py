"""The shared agent loop: routing, tool errors, approvals, crashes, replays, step limit."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from agents.checkpoint import sqlite_checkpointer
from agents.contracts import AgentRequest, ApprovalDecision, MessageRequest
from agents.errors import NotAwaitingApproval, UnknownThread
from agents.loop import LoopState, build_loop
from agents.runtime import AgentRunner
from agents.scripted import ScriptedChatModel, call, calls, say
from agents.trace import TraceStore, load_trace
from tools import Store, ToolRegistry

from .conftest import HelpdeskSpec, refunds

ONLY_RESPOND = "respond"  # tool_choice naming a tool: ChatOpenAI sends {"type": "function", ...}


def runner(registry: ToolRegistry, path: Path, model: ScriptedChatModel, store: Store,
           max_steps: int = 6) -> AgentRunner:
    graph = build_loop(HelpdeskSpec(), model=model, registry=registry,
                       checkpointer=sqlite_checkpointer(path), max_steps=max_steps)
    return AgentRunner("support", graph, TraceStore(store))


def ask(event_id: str, text: str = "help", thread: str = "") -> AgentRequest:
    return MessageRequest(agent="support", event_id=event_id, text=text,
                        thread_id=thread)


def tool_messages(messages: list[BaseMessage]) -> list[ToolMessage]:
    return [m for m in messages if isinstance(m, ToolMessage)]


def test_routes_tool_calls_and_offers_respond_with_required_choice(
        registry: ToolRegistry, checkpoint_path: Path, store: Store) -> None:
    model = ScriptedChatModel(script=[call("lookup_order", order_id="#1"),
                                      call("respond", message="It was delivered.")])
    result = runner(registry, checkpoint_path, model, store).run_sync(ask("e1"))

    assert result.status == "done" and result.message == "It was delivered."
    tools = ["lookup_order", "refund", "respond"]
    assert model.bound == [{"tools": tools, "tool_choice": "required"}]  # bound once, reused
    assert model.choices == ["required", "required"]
    seen = tool_messages(model.seen[1])
    assert json.loads(str(seen[-1].content)) == {"order_id": "#1", "status": "delivered"}
    assert result.usage.model_calls == 2 and result.usage.tool_calls == 1
    assert result.usage.input_tokens == 20


def test_tool_errors_go_back_to_the_model(registry: ToolRegistry, checkpoint_path: Path,
                                          store: Store) -> None:
    model = ScriptedChatModel(script=[
        call("lookup_order", order_id="#404"),
        call("lookup_order", wrong="x"),
        call("refund_everything"),
        call("respond", message="sorry")])
    result = runner(registry, checkpoint_path, model, store).run_sync(ask("e2"))

    errors = [json.loads(str(m.content))["error"] for m in tool_messages(model.seen[3])]
    assert [e["code"] for e in errors] == ["not_found", "invalid_arguments", "refused"]
    assert "#404" in errors[0]["message"]
    assert result.status == "done"
    trace = load_trace(store, "e2")
    assert trace is not None
    assert [s.status for s in trace.steps if s.kind == "tool"] == ["error"] * 3


def test_approval_interrupts_then_approve_acts_once(registry: ToolRegistry,
                                                    checkpoint_path: Path, store: Store) -> None:
    model = ScriptedChatModel(script=[call("refund", order_id="#1", amount=250),
                                      call("respond", message="refunded")])
    r = runner(registry, checkpoint_path, model, store)
    paused = r.run_sync(ask("e3"))

    assert paused.status == "awaiting_approval"
    assert paused.approvals[0].tool == "refund" and paused.approvals[0].arguments["amount"] == 250
    assert paused.outputs[0].kind == "approval"
    assert refunds(store) == []
    # A re-delivered event while paused changes nothing.
    assert r.run_sync(ask("e3")).status == "awaiting_approval" and refunds(store) == []

    done = r.resume_sync(paused.thread_id, ApprovalDecision(
        approved=True, reviewer="ana", approval_id=paused.approvals[0].approval_id))
    assert done.status == "done" and done.message == "refunded"
    assert refunds(store) == [("#1", 250.0)]
    with pytest.raises(NotAwaitingApproval):
        r.resume_sync(paused.thread_id, ApprovalDecision(approved=True))
    trace = load_trace(store, "e3")
    assert trace is not None
    assert [(s.kind, s.status) for s in trace.steps if s.name == "refund"] == [
        ("tool", "needs_approval"), ("approval", "approved"), ("tool", "ok")]


def test_rejected_approval_is_told_to_the_model(registry: ToolRegistry, checkpoint_path: Path,
                                                store: Store) -> None:
    model = ScriptedChatModel(script=[call("refund", order_id="#1", amount=250),
                                      call("respond", message="not approved")])
    r = runner(registry, checkpoint_path, model, store)
    paused = r.run_sync(ask("e4"))
    with pytest.raises(NotAwaitingApproval):
        r.resume_sync(paused.thread_id, ApprovalDecision(approved=True, approval_id="other"))
    done = r.resume_sync(paused.thread_id, ApprovalDecision(approved=False, note="too much"))

    assert done.message == "not approved" and refunds(store) == []
    told = json.loads(str(tool_messages(model.seen[1])[-1].content))["error"]
    assert told["code"] == "rejected" and "too much" in told["message"]


class Crash(RuntimeError):
    pass


class Killed(BaseException):  # SIGKILL: no handler runs after it
    pass


def test_crash_mid_graph_then_rerun_repeats_no_side_effect(
        registry: ToolRegistry, store: Store, checkpoint_path: Path) -> None:
    crashes = [1]

    class Spec(HelpdeskSpec):
        # The registry turns a tool's exception into an error result; a crash of the
        # process itself is what this stands for: it dies after the refund committed.
        def after_tool(self, state: LoopState, name: str, result: Any) -> dict[str, Any]:
            if crashes:
                crashes.pop()
                raise Crash("the process died here")
            return {}

    def make(script: list[Any]) -> AgentRunner:
        graph = build_loop(Spec(), model=ScriptedChatModel(script=script), registry=registry,
                           checkpointer=sqlite_checkpointer(checkpoint_path), max_steps=5)
        return AgentRunner("support", graph, TraceStore(store))

    # The refund commits, then the process dies inside the same tools step.
    first = make([call("refund", order_id="#2", amount=40)])
    with pytest.raises(Crash):
        first.run_sync(ask("e5"))
    assert refunds(store) == [("#2", 40.0)]
    failed = load_trace(store, "e5")
    assert failed is not None and failed.status == "failed" and "Crash" in (failed.error or "")

    # A new process: new graph, checkpointer and model; the event is delivered again.
    second = make([call("respond", message="ok")])
    result = second.run_sync(ask("e5"))
    assert result.status == "done"
    assert refunds(store) == [("#2", 40.0)]  # the idempotency key replayed the first refund
    trace = load_trace(store, "e5")
    assert trace is not None and trace.status == "done"
    refund_steps = [s for s in trace.steps if s.name == "refund"]
    assert [s.replayed for s in refund_steps] == [True]
    assert refund_steps[0].idempotency_key == "e5:1:refund"


def test_redelivered_finished_request_returns_stored_result(
        registry: ToolRegistry, checkpoint_path: Path, store: Store) -> None:
    model = ScriptedChatModel(script=[call("refund", order_id="#2", amount=10),
                                      call("respond", message="done")])
    r = runner(registry, checkpoint_path, model, store)
    first = r.run_sync(ask("e6"))
    again = r.run_sync(ask("e6"))  # the script is spent: a second run would raise

    assert again.replayed and not first.replayed
    assert again.message == first.message and refunds(store) == [("#2", 10.0)]


def test_a_redelivered_request_writes_the_trace_a_crash_left_out(
        registry: ToolRegistry, checkpoint_path: Path, store: Store) -> None:
    """A process killed after the graph's last checkpoint and before the trace was written:
    the event comes again, the stored result is replayed, and the trace is written then."""
    model = ScriptedChatModel(script=[call("refund", order_id="#2", amount=10),
                                      call("respond", message="done")])
    r = runner(registry, checkpoint_path, model, store)
    first = r.run_sync(ask("e6b"))
    with store.transaction() as db:  # what the kill left: the checkpoint, no trace
        db.execute("DELETE FROM agent_steps WHERE event_id = 'e6b'")
        db.execute("DELETE FROM agent_runs WHERE event_id = 'e6b'")
    again = r.run_sync(ask("e6b"))

    assert again.replayed and refunds(store) == [("#2", 10.0)]
    trace = load_trace(store, "e6b")
    assert trace is not None and trace.status == "done" and trace.message == first.message
    assert [s.name for s in trace.steps if s.kind == "tool"] == ["refund"]


def test_step_limit_ends_a_loop_that_never_answers(registry: ToolRegistry,
                                                   checkpoint_path: Path, store: Store) -> None:
    model = ScriptedChatModel(script=[lambda m: call("lookup_order", order_id="#1")] * 10)
    result = runner(registry, checkpoint_path, model, store, max_steps=3).run_sync(ask("e7"))

    assert result.status == "step_limit"
    assert result.usage.model_calls == 3 and model.remaining == 7
    # The last turn was only offered respond (a real server's grammar holds it to that).
    assert model.choices == ["required", "required", ONLY_RESPOND]


def test_last_turn_may_only_respond(registry: ToolRegistry, checkpoint_path: Path,
                                    store: Store) -> None:
    model = ScriptedChatModel(script=[call("lookup_order", order_id="#1"),
                                      call("respond", message="Delivered, as far as I can see.")])
    result = runner(registry, checkpoint_path, model, store, max_steps=2).run_sync(ask("e7b"))

    assert result.status == "done" and result.message == "Delivered, as far as I can see."
    assert model.choices == ["required", ONLY_RESPOND]


def test_a_repeated_call_is_not_run_again_and_the_next_turn_must_answer(
        registry: ToolRegistry, checkpoint_path: Path, store: Store) -> None:
    model = ScriptedChatModel(script=[call("refund", order_id="#2", amount=10.0),
                                      call("refund", order_id="#2", amount=10.0),
                                      call("respond", message="Refunded 10.")])
    result = runner(registry, checkpoint_path, model, store).run_sync(ask("e7c"))

    assert result.status == "done" and refunds(store) == [("#2", 10.0)]
    assert model.choices == ["required", "required", ONLY_RESPOND]
    first, repeat = tool_messages(model.seen[2])
    # The earlier answer, not a second refund.
    assert json.loads(str(repeat.content)) == json.loads(str(first.content))
    steps = [s for s in load_trace(store, "e7c").steps if s.kind == "tool"]
    assert [s.status for s in steps] == ["ok", "repeated"]
    # Different arguments are a different call: both run.
    other = ScriptedChatModel(script=[call("lookup_order", order_id="#1"),
                                      call("lookup_order", order_id="#2"),
                                      call("respond", message="ok")])
    runner(registry, checkpoint_path, other, store).run_sync(ask("e7d"))
    assert other.choices == ["required", "required", "required"]
    assert [json.loads(str(m.content))["order_id"] for m in tool_messages(other.seen[2])] \
        == ["#1", "#2"]


def test_plain_text_answer_and_empty_turns(registry: ToolRegistry, checkpoint_path: Path,
                                           store: Store) -> None:
    model = ScriptedChatModel(script=[AIMessage(content=""), say("Hello!")])
    result = runner(registry, checkpoint_path, model, store).run_sync(ask("e8"))
    assert result.message == "Hello!" and result.usage.model_calls == 2


def test_chat_resumes_after_restart(registry: ToolRegistry, checkpoint_path: Path,
                                    store: Store) -> None:
    first = runner(registry, checkpoint_path,
                   ScriptedChatModel(script=[call("respond", message="Which order?")]), store)
    first.run_sync(ask("turn-1", "where is my order", thread="chat-42"))

    model = ScriptedChatModel(script=[call("lookup_order", order_id="#1"),
                                      call("respond", message="Delivered.")])
    second = runner(registry, checkpoint_path, model, store)  # a restarted process
    result = second.run_sync(ask("turn-2", "order #1", thread="chat-42"))

    assert result.message == "Delivered." and result.thread_id == "chat-42"
    texts = [m.content for m in model.seen[0] if m.type == "human"]
    assert texts == ["where is my order", "order #1"]
    assert any(m.type == "ai" for m in model.seen[0])
    with pytest.raises(UnknownThread):
        second.resume_sync("no-such-thread", ApprovalDecision(approved=True))


def test_a_tool_call_cut_off_as_text_is_not_passed_on_as_the_answer(
        registry: ToolRegistry, checkpoint_path: Path, store: Store) -> None:
    model = ScriptedChatModel(script=[say('<tool_call>\n{"name": "respond", "arguments": {"mes'),
                                      call("respond", message="Here you are.")])
    result = runner(registry, checkpoint_path, model, store).run_sync(ask("e9"))
    assert result.message == "Here you are." and result.usage.model_calls == 2


def test_a_repeated_failing_call_gets_its_error_and_the_loop_goes_on(
        registry: ToolRegistry, checkpoint_path: Path, store: Store) -> None:
    model = ScriptedChatModel(script=[call("lookup_order", order_id="#9"),
                                      call("lookup_order", order_id="#9"),
                                      call("lookup_order", order_id="#1"),
                                      call("respond", message="It was delivered.")])
    result = runner(registry, checkpoint_path, model, store).run_sync(ask("e10"))

    assert result.message == "It was delivered."
    # Not forced to answer after the repeat: the model could fix the order id.
    assert model.choices == ["required", "required", "required", "required"]
    first, repeat = tool_messages(model.seen[2])
    assert json.loads(str(repeat.content)) == json.loads(str(first.content))
    assert json.loads(str(repeat.content))["error"]["code"] == "not_found"


class LoginSpec(HelpdeskSpec):
    """Authenticates with lookup_order('#1'); refunds need someone authenticated."""

    def guard(self, state: LoopState, name: str, arguments: dict[str, Any]) -> str | None:
        if name == "refund" and not state.memory.get("user"):
            return "not authenticated"
        return None

    def after_tool(self, state: LoopState, name: str, result: Any) -> dict[str, Any]:
        return {"user": "u1"} if name == "lookup_order" and result.ok else {}


def test_authentication_takes_effect_from_the_next_step_not_inside_the_batch(
        registry: ToolRegistry, checkpoint_path: Path, store: Store) -> None:
    model = ScriptedChatModel(script=[
        calls(("lookup_order", {"order_id": "#1"}), ("refund", {"order_id": "#2", "amount": 5})),
        call("refund", order_id="#2", amount=6),
        call("respond", message="ok")])
    graph = build_loop(LoginSpec(), model=model, registry=registry,
                       checkpointer=sqlite_checkpointer(checkpoint_path), max_steps=6)
    AgentRunner("support", graph, TraceStore(store)).run_sync(ask("e11"))

    batch = tool_messages(model.seen[1])
    assert json.loads(str(batch[1].content))["error"]["message"] == "not authenticated"
    assert refunds(store) == [("#2", 6.0)]  # only the call of the next step ran


class DecidingSpec(HelpdeskSpec):
    """Code decides the calls after the model's answer (the support agent's shape)."""

    def decide(self, state: LoopState, box: Any) -> dict[str, Any]:
        amount = float((state.final or {}).get("message") or 0)
        return {"planned": [{"tool": "refund", "arguments": {"order_id": "#1", "amount": a}}
                            for a in (amount, 1.0)],
                "context": {"decided": amount}}

    def finish(self, state: LoopState, box: Any) -> dict[str, Any]:
        done = [t["status"] for t in state.trace if t.get("name") == "refund"]
        return {"status": "done", "decision": "reply", "message": ",".join(done)}


def test_code_planned_calls_run_in_order_and_pause_for_approval(
        registry: ToolRegistry, checkpoint_path: Path, store: Store) -> None:
    model = ScriptedChatModel(script=[call("respond", message="250")])
    graph = build_loop(DecidingSpec(), model=model, registry=registry,
                       checkpointer=sqlite_checkpointer(checkpoint_path), max_steps=3)
    r = AgentRunner("support", graph, TraceStore(store))
    paused = r.run_sync(ask("e12"))

    assert paused.status == "awaiting_approval" and refunds(store) == []
    assert paused.approvals[0].approval_id == "e12:act:refund"
    done = r.resume_sync(paused.thread_id, ApprovalDecision(approved=True))
    # The held call ran with its key, then the rest of the plan; no second model call.
    assert sorted(refunds(store)) == [("#1", 1.0), ("#1", 250.0)]
    assert done.message == "needs_approval,approved,ok,ok" and model.remaining == 0


@pytest.mark.parametrize("death", [Killed, Crash])
@pytest.mark.parametrize("dies_after", range(1, 9))
def test_a_pass_that_dies_between_any_two_checkpoint_writes_finishes_on_redelivery(
        registry: ToolRegistry, store: Store, checkpoint_path: Path, dies_after: int,
        death: type[BaseException]) -> None:
    """A kill -9 (or an exception) can fall after any write of the checkpointer: after the
    input's checkpoint but before its start task's writes, between steps, after the last.
    The event comes again (a new process): it finishes once, and its trace says so."""
    writes: list[str] = []

    def dying(saver: Any) -> Any:
        def counted(name: str, write: Callable[..., Any]) -> Callable[..., Any]:
            def counted_write(*args: Any, **kwargs: Any) -> Any:
                writes.append(name)
                if len(writes) > dies_after:  # LangGraph may write from several threads
                    raise death(f"the process died after write {dies_after}")
                return write(*args, **kwargs)
            return counted_write

        for name in ("put", "put_writes"):
            setattr(saver, name, counted(name, getattr(saver, name)))
        return saver

    script = [call("refund", order_id="#2", amount=40), call("respond", message="ok")]
    first = AgentRunner("support", build_loop(
        HelpdeskSpec(), model=ScriptedChatModel(script=list(script)), registry=registry,
        checkpointer=dying(sqlite_checkpointer(checkpoint_path)), max_steps=5),
        TraceStore(store))
    with pytest.raises(death):
        first.run_sync(ask("e5k"))

    second = runner(registry, checkpoint_path, ScriptedChatModel(script=list(script)), store)
    result = second.run_sync(ask("e5k"))
    assert result.status == "done" and result.message == "ok"
    assert refunds(store) == [("#2", 40.0)]
    trace = load_trace(store, "e5k")
    assert trace is not None and trace.status == "done"
