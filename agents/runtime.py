"""Running an agent's graph for a request: resume, replay, pause for approval, trace.

``AgentRunner.run`` decides what a request means for its thread:

- the thread stopped in the middle (a crash): finish that run first, from its
  last checkpoint, with the same idempotency keys;
- the thread already finished this turn (a re-delivered event): return the
  stored result, marked ``replayed``;
- the thread waits for an approval: return that, nothing else runs;
- otherwise: start the turn.

After every pass the run's trace is written whole (``agents.trace``). A thread's
checkpoint is read through the graph's state model (``agents.state``): one it
cannot read raises ``StateFormatError`` naming the thread.
"""

from __future__ import annotations

import traceback
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, StateSnapshot
from pydantic import ValidationError

from .contracts import (
    AgentOutput,
    AgentRequest,
    AgentResult,
    ApprovalDecision,
    PendingApproval,
    Usage,
    parse_request,
)
from .errors import NotAwaitingApproval, RequestError, UnknownThread
from .state import LoopState, unreadable
from .trace import TraceRun, TraceStep, TraceStore


def _config(thread_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id}}


class AgentRunner:
    def __init__(self, name: str, graph: CompiledStateGraph[Any, Any, Any, Any],
                 traces: TraceStore | None) -> None:
        self.name = name
        self.graph = graph
        self.traces = traces
        self.schema: type[LoopState] = graph.builder.state_schema

    # ------------------------------------------------------------------ public

    def run_sync(self, request: AgentRequest,
                 callbacks: list[BaseCallbackHandler] | None = None) -> AgentResult:
        """Run (or finish, or replay) the request's turn. ``callbacks`` see the model's
        tokens as they stream (the terminal chat prints the reply with them)."""
        if request.agent != self.name:
            raise RequestError(f"the {self.name} agent got a request for {request.agent}")
        config = _config(request.thread_id)
        if callbacks:
            config["callbacks"] = callbacks
        snap = self.snapshot(config)
        # A checkpoint this version cannot read: say so before running. (One with no
        # request yet is a pass that died at its start: it is finished below.)
        if (snap.values or {}).get("request") is not None:
            self._state(snap)
        if snap.next and snap.interrupts:
            self._write_if_missing(snap)
            return self._result(snap)
        if snap.next:
            # A pass that died mid-way: finish it from its last checkpoint first (also one
            # that died after saving its input, before its start task put the request in).
            snap = self._invoke(None, config, snap)
            if snap.next or _turn(snap) == request.idempotency_base:
                return self._result(snap)
        elif _turn(snap) == request.idempotency_base and snap.values.get("result"):
            self._write_if_missing(snap)
            return self._result(snap).model_copy(update={"replayed": True})
        snap = self._invoke({"request": request.model_dump(mode="json")}, config, None,
                            request=request)
        return self._result(snap)

    def resume_sync(self, thread_id: str, decision: ApprovalDecision) -> AgentResult:
        config = _config(thread_id)
        snap = self.snapshot(config)
        if not snap.values:
            raise UnknownThread(f"no {self.name} thread {thread_id!r}")
        if not snap.interrupts:
            raise NotAwaitingApproval(f"thread {thread_id!r} is not waiting for an approval")
        self._state(snap)  # a checkpoint this version cannot read: say so before running
        pending = PendingApproval.model_validate(snap.interrupts[0].value)
        if decision.approval_id and decision.approval_id != pending.approval_id:
            raise NotAwaitingApproval(
                f"thread {thread_id!r} waits for approval {pending.approval_id!r}, "
                f"not {decision.approval_id!r}")
        snap = self._invoke(Command(resume=decision.model_dump(mode="json")), config, snap)
        return self._result(snap)

    def has_thread(self, thread_id: str) -> bool:
        return bool(self.snapshot(_config(thread_id)).values)

    # ------------------------------------------------------------------ passes

    def _invoke(self, payload: Any, config: RunnableConfig, before: StateSnapshot | None,
                request: AgentRequest | None = None) -> StateSnapshot:
        try:
            # "sync": each step is on disk before the next starts, so a crash loses none.
            self.graph.invoke(payload, config, durability="sync")
        except Exception as exc:
            snap = self.snapshot(config)
            self._write_failed(snap, request, exc)
            raise
        snap = self.snapshot(config)
        self._write(snap)
        return snap

    def snapshot(self, config: RunnableConfig) -> StateSnapshot:
        """The thread's snapshot; ``StateFormatError`` when its checkpoint does not fit."""
        try:
            return self.graph.get_state(config)
        except ValidationError as exc:  # LangGraph reads pending tasks' input with the models
            raise unreadable(exc, str(config["configurable"]["thread_id"])) from None

    def _state(self, snap: StateSnapshot) -> LoopState:
        thread = str(snap.config.get("configurable", {}).get("thread_id", "?"))
        return self.schema.read(snap.values, thread)

    def _result(self, snap: StateSnapshot) -> AgentResult:
        state = self._state(snap)
        request = state.request
        usage = _usage(state.trace)
        if snap.interrupts:
            approvals = [PendingApproval.model_validate(i.value) for i in snap.interrupts]
            return AgentResult(
                agent=request.agent, event_id=request.event_id, thread_id=request.thread_id,
                trace_id=request.event_id, status="awaiting_approval",
                decision="awaiting_approval",
                message=f"waiting for approval of {approvals[0].tool}: {approvals[0].reason}",
                outputs=[AgentOutput(kind="approval", subject_id=request.subject_id,
                                     action=a.tool, message=a.reason,
                                     details={"approval_id": a.approval_id,
                                              "thread_id": a.thread_id,
                                              "arguments": a.arguments, **a.details})
                         for a in approvals],
                approvals=approvals, usage=usage)
        if state.result is None:
            raise RequestError(f"thread {request.thread_id!r} has no result yet")
        return AgentResult(
            **dict(state.result), agent=request.agent, event_id=request.event_id,
            thread_id=request.thread_id, trace_id=request.event_id, usage=usage)

    # ------------------------------------------------------------------ traces

    def _write(self, snap: StateSnapshot) -> None:
        if self.traces is None or not snap.values:
            return
        result = self._result(snap)
        self.traces.write(_trace_run(snap, status=result.status, decision=result.decision,
                                     message=result.message,
                                     outputs=[o.model_dump(mode="json") for o in result.outputs],
                                     approvals=[a.model_dump(mode="json")
                                                for a in result.approvals]))

    def _write_if_missing(self, snap: StateSnapshot) -> None:
        """The trace of a pass whose process died after its last checkpoint and before its
        trace was written (a kill -9 in between), or whose last checkpoint write failed after
        the pass had finished (the trace says failed): the re-delivered event writes it."""
        request = (snap.values or {}).get("request")
        if self.traces is None or not request:
            return
        stored = self.traces.load(request["event_id"])
        if stored is None or stored.status == "failed":
            self._write(snap)

    def _write_failed(self, snap: StateSnapshot, request: AgentRequest | None,
                      exc: BaseException) -> None:
        if self.traces is None:
            return
        values = dict(snap.values or {})
        if request is not None and _turn(snap) != request.idempotency_base:
            # The failed pass never checkpointed its request: trace it from the request.
            values = {"request": request.model_dump(mode="json"), "trace": []}
        if "request" not in values:
            return
        error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        self.traces.write(_trace_run(snap, values=values, status="failed", decision="",
                                     message="", outputs=[], approvals=[], error=error))


def _turn(snap: StateSnapshot) -> str | None:
    request = (snap.values or {}).get("request")
    return request.get("idempotency_base") if request else None


def _usage(trace: list[dict[str, Any]]) -> Usage:
    models = [t for t in trace if t.get("kind") == "model"]
    return Usage(
        model_calls=len(models),
        input_tokens=sum(int(t.get("input_tokens") or 0) for t in models),
        output_tokens=sum(int(t.get("output_tokens") or 0) for t in models),
        tool_calls=sum(1 for t in trace if t.get("kind") == "tool"),
        model_latency_ms=sum(float(t.get("latency_ms") or 0) for t in models))


def _trace_run(snap: StateSnapshot, *, status: str, decision: str, message: str,
               outputs: list[Any], approvals: list[Any], error: str | None = None,
               values: dict[str, Any] | None = None) -> TraceRun:
    values = values if values is not None else snap.values
    request = parse_request(values["request"])
    trace = values.get("trace") or []
    usage = _usage(trace)
    return TraceRun(
        event_id=request.event_id, agent=request.agent, thread_id=request.thread_id,
        kind=request.kind, subject_id=request.subject_id, status=status, decision=decision,
        message=message, outputs=outputs, approvals=approvals, error=error,
        **usage.model_dump(),
        steps=[TraceStep.model_validate(t) for t in trace])
