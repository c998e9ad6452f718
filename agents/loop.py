"""The agent loop every agent shares, as a LangGraph ``StateGraph``::

    START ─► prepare ─┬─► model ─┬─► tools ─┬─► model ...
                       │          │          └─► approval (interrupt) ─► model ...
                       │          └─► act ─┬─► approval (interrupt) ─► act ...
                       └──────────────────►└─► finish ─► END

- ``prepare`` does the deterministic work in code (an agent's ``prepare``:
  look-ups, plans, risk rules) and writes the turn's first message. When it
  already has the turn's answer (``final``: e.g. a "yes" to a pending
  proposal, read by rules) no model is asked.
- ``model`` calls the chat model with the agent's tools plus a final-answer
  tool (``respond``) and ``tool_choice="required"``, so a small local model
  and vLLM run the same loop. The last turn (``max_steps``) and the turn after
  a repeated call may only ``respond`` (the same tools, ``tool_choice`` naming
  ``respond``): a run ends with an answer, not a loop cut off at the limit.
- ``tools`` calls the registry with a ``ToolContext`` whose idempotency key is
  ``"{idempotency_base}:{step}:{tool}"`` (``:{i}`` appended for the i-th extra
  call of a turn): a re-run after a crash finds the first result and repeats
  no side effect. Errors go back to the model as tool messages. A call
  identical to an earlier one of the turn is not run again: it gets the
  earlier answer and the next turn must respond (small models repeat look-ups);
  a repeated call that *failed* gets its error again and the loop goes on (the
  model may fix the arguments next). A batch's calls all run as the identity
  the batch began with: a look-up that authenticates takes effect from the
  next model step, not for the calls beside it.
- ``act`` runs once the model answered: the agent's ``decide`` (code) turns
  the answer into calls it has checked (``planned``) and the loop runs them in
  order, as the turn's identity, with the same idempotency keys and approval
  pauses as the model's calls. An agent without ``decide`` goes on to finish.
- ``approval`` pauses on ``interrupt()`` for each call the tool answered
  ``needs_approval``; ``Command(resume=ApprovalDecision)`` continues it: on
  approve the call is re-issued with ``approved=True`` and the same key, on
  reject the model is told.
- ``finish`` turns the state into the agent's ``AgentResult`` (``finish``).

The state is a pydantic model (``agents.state``): nodes read it typed, and write
their updates as JSON (``stored``), which is what the checkpoints hold.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AnyMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.runnables import Runnable
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import interrupt
from pydantic_core import to_jsonable_python

from tools import Actor, ToolContext, ToolRegistry, ToolResult

from .contracts import (
    AgentRequest,
    ApprovalDecision,
    MessageRequest,
    PendingApproval,
    QuestionRequest,
)
from .state import HeldCall, LoopState, PlannedCall, TurnResult, reset_trace, stored

__all__ = ["RESPOND", "AgentSpec", "HeldCall", "LoopState", "PlannedCall", "Toolbox",
           "build_loop", "last_ai"]

RESPOND = "respond"
# A tool call cut off (by max_tokens) comes back as text: never an answer to pass on.
_CALL_TAG = "<tool_call>"
StateT = TypeVar("StateT", bound=LoopState)


class Toolbox:
    """Registry calls with idempotency keys, traced; used by nodes and agent hooks."""

    def __init__(self, registry: ToolRegistry, request: AgentRequest, actor: Actor) -> None:
        self.registry = registry
        self.request = request
        self.actor = actor
        self.trace: list[dict[str, Any]] = []

    def key(self, step: int | str, name: str, index: int = 0) -> str:
        base = f"{self.request.idempotency_base}:{step}:{name}"
        return base if index == 0 else f"{base}:{index}"

    def context(self, key: str | None = None, *, approved: bool = False) -> ToolContext:
        """The context a call runs in: this box's actor, the request as the trace id."""
        return ToolContext(actor=self.actor, idempotency_key=key,
                           trace_id=self.request.event_id, approved=approved)

    def call(self, name: str, arguments: dict[str, Any] | str | None, *, step: int | str,
             index: int = 0, approved: bool = False, trace_failure: bool = True) -> ToolResult:
        """Call and trace; ``trace_failure=False`` leaves a failed guess out of the trace."""
        key = self.key(step, name, index)
        started = time.perf_counter()
        if name not in self.registry:
            # Deterministic steps skip tools that this deployment does not register.
            result = ToolResult(tool=name, status="error", error=_missing(name))
        else:
            result = self.registry.call(name, arguments, self.context(key, approved=approved))
        if result.ok or trace_failure:
            self._record(name, arguments, result, key, step, started)
        return result

    def _record(self, name: str, arguments: Any, result: ToolResult, key: str,
                step: int | str, started: float) -> None:
        self.trace.append({
            "step": step if isinstance(step, int) else 0, "kind": "tool", "name": name,
            "arguments": arguments, "status": result.status,
            "result": json.loads(result.for_model()) if result.status != "error" else None,
            "error": result.error.model_dump_json() if result.error else None,
            "idempotency_key": key, "replayed": result.replayed,
            "latency_ms": (time.perf_counter() - started) * 1000,
        })


def _replayed(earlier: dict[str, Any], call_id: str, name: str) -> ToolMessage:
    """The tool message of an earlier call of the turn, from its trace record."""
    if earlier.get("status") == "error" and earlier.get("error"):
        error = earlier["error"]
        try:
            body = {"error": json.loads(error)}
        except ValueError:
            body = {"error": {"code": "refused", "message": error}}
        return ToolMessage(json.dumps(body), tool_call_id=call_id, name=name, status="error")
    return ToolMessage(json.dumps(earlier.get("result")), tool_call_id=call_id, name=name,
                       status="success")


def _signature(name: str, arguments: Any) -> str:
    """A call's identity for spotting repeats: the name and canonical JSON arguments."""
    if isinstance(arguments, str):
        with contextlib.suppress(ValueError):
            arguments = json.loads(arguments)
    return f"{name}:{json.dumps(arguments, sort_keys=True, default=str)}"


def _missing(name: str) -> Any:
    from tools import ToolError

    return ToolError(code="unknown_tool", message=f"there is no tool named {name!r}")


class AgentSpec(Generic[StateT]):
    """What makes one agent: its tools, prompt, final-answer tool, code steps and state.

    Subclasses override the hooks; the loop is the same for all. ``state_schema`` is
    the agent's ``LoopState`` (a subclass that types its ``context`` and ``memory``).
    """

    name: str = "agent"
    tool_names: Sequence[str] = ()
    respond_description = "Give the final answer and end this turn."
    state_schema: type[LoopState] = LoopState

    # Model calls a turn may spend before ``fallback_answer`` is asked (0: the loop's
    # ``max_steps``).
    answer_tries: int = 0

    def fallback_answer(self, state: StateT) -> dict[str, Any] | None:
        """The answer code gives when the model has given no valid one in
        ``answer_tries`` calls; None ends the turn at the step limit (the default)."""
        return None

    def respond_parameters(self) -> dict[str, Any]:
        return {"type": "object",
                "properties": {"message": {"type": "string", "description": "the answer"}},
                "required": ["message"]}

    def system_prompt(self, state: StateT) -> str:
        raise NotImplementedError

    def constant_prompts(self) -> list[str]:
        """System prompts that do not depend on the request: the prefixes worth warming."""
        return []

    def actor(self, state: StateT) -> Actor:
        return Actor.system()

    def prepare(self, request: AgentRequest, state: StateT, box: Toolbox) -> dict[str, Any]:
        """State updates for a new turn; must include the turn's first ``messages``."""
        text = request.text if isinstance(request, MessageRequest | QuestionRequest) else ""
        return {"messages": [HumanMessage(text)]}

    def amend(self, state: StateT, name: str, arguments: dict[str, Any],
              ) -> tuple[dict[str, Any], list[str]]:
        """The call as code completes it from the request, and a note per change (the
        trace keeps the model's own arguments beside them). Default: unchanged."""
        return arguments, []

    def guard(self, state: StateT, name: str, arguments: dict[str, Any]) -> str | None:
        """A reason to refuse this call before it reaches the registry, or None."""
        return None

    def prompt(self, state: StateT) -> list[BaseMessage]:
        """What the model is shown: by default the system prompt and the whole thread."""
        return [SystemMessage(self.system_prompt(state)), *state.messages]

    def decide(self, state: StateT, box: Toolbox) -> dict[str, Any]:
        """After the answer: state updates, with ``planned`` (``PlannedCall``s, or their
        ``{"tool", "arguments"}``) the calls code has decided to make. Default: none."""
        return {}

    def after_tool(self, state: StateT, name: str, result: ToolResult) -> dict[str, Any]:
        """Memory updates (JSON) after a call (e.g. the user a look-up authenticated)."""
        return {}

    def answered(self, state: StateT, trace: list[dict[str, Any]]) -> bool:
        """After a batch of tool calls (``trace`` holds them): whether code already has what
        it answers with, so the turn finishes without another model call. Default: no."""
        return False

    def finish(self, state: StateT, box: Toolbox) -> dict[str, Any]:
        """The ``AgentResult`` fields (decision, message, outputs, answer, status): a
        ``TurnResult``'s."""
        raise NotImplementedError

    def offered(self, state: StateT | None) -> list[str]:
        """The tools a turn offers, ``respond`` included, in prompt order. ``None``: the
        usual turn (what ``warm`` evaluates). A set that is a prefix of another shares
        its part of the prompt, and so of the server's prefix cache."""
        return [*self.tool_names, RESPOND]

    def tools(self, registry: ToolRegistry, names: Sequence[str] | None = None,
              ) -> list[dict[str, Any]]:
        """OpenAI schemas of ``names`` (default: the usual turn's), in that order."""
        wanted = [n for n in (names or self.offered(None)) if n == RESPOND or n in registry]
        schemas = {s["function"]["name"]: s
                   for s in registry.openai_tools(names=[n for n in wanted if n != RESPOND])}
        schemas[RESPOND] = {"type": "function", "function": {
            "name": RESPOND, "description": self.respond_description,
            "parameters": self.respond_parameters()}}
        return [schemas[n] for n in wanted]


def last_ai(messages: Sequence[BaseMessage]) -> AIMessage | None:
    for m in reversed(messages):
        if isinstance(m, AIMessage):
            return m
    return None


def _json(value: Any) -> dict[str, Any]:
    """A JSON object of ``value`` (a model or a dict): how the loop merges memory updates."""
    out: dict[str, Any] = to_jsonable_python(value, fallback=str) or {}
    return out


def build_loop(spec: AgentSpec[Any], *, model: BaseChatModel, registry: ToolRegistry,
               checkpointer: BaseCheckpointSaver[str] | None, max_steps: int,
               ) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Compile ``spec``'s graph over the shared loop, with ``spec.state_schema`` as its state.

    Every node returns its update through ``stored`` (JSON, messages aside)."""
    bindings: dict[tuple[tuple[str, ...], bool], Runnable[Any, BaseMessage]] = {}

    def bound(names: Sequence[str], answer_only: bool) -> Runnable[Any, BaseMessage]:
        # An answer-only turn offers the same tools (the same prompt, the same cached
        # prefix) and names respond as the tool_choice.
        key = (tuple(names), answer_only)
        if key not in bindings:
            bindings[key] = model.bind_tools(spec.tools(registry, names),
                                             tool_choice=RESPOND if answer_only else "required")
        return bindings[key]
    model_name = getattr(model, "model_name", None) or getattr(model, "model", None) or "model"

    def box_for(state: LoopState) -> Toolbox:
        return Toolbox(registry, state.request, spec.actor(state))

    def remember(state: LoopState, memory: dict[str, Any], name: str,
                 result: ToolResult) -> None:
        # The hook sees the memory as it stands after the calls before this one.
        memory.update(spec.after_tool(state.with_memory(memory), name, result))

    def prepare(state: LoopState) -> dict[str, Any]:
        box = box_for(state)
        update = spec.prepare(state.request, state, box)
        update["trace"] = reset_trace(box.trace + update.get("trace", []))
        return stored({"step": 0, "final": None, "outcome": "", "awaiting": [], "result": None,
                       "must_respond": False, "decided": False, "planned": [], **update})

    def after_prepare(state: LoopState) -> str:
        return "act" if state.final is not None else "model"

    def call_model(state: LoopState) -> dict[str, Any]:
        step = state.step
        if step >= min(max_steps, spec.answer_tries or max_steps):
            fallback = spec.fallback_answer(state)
            if fallback is None:
                return {"outcome": "step_limit"}
            record = {"step": step, "kind": "model", "name": str(model_name), "status": "error",
                      "error": f"no valid answer in {step} calls; code's fallback answers"}
            return stored({"final": fallback, "outcome": "fallback", "trace": [record]})
        prompt = spec.prompt(state)
        last_turn = step + 1 >= max_steps or state.must_respond
        started = time.perf_counter()
        reply = bound(spec.offered(state), last_turn).invoke(prompt)
        latency = (time.perf_counter() - started) * 1000
        assert isinstance(reply, AIMessage)
        usage: dict[str, Any] = dict(reply.usage_metadata or {})
        record = {"step": step + 1, "kind": "model", "name": str(model_name),
                  "result": {"content": reply.content,
                             "tool_calls": [{"name": c["name"], "args": c["args"]}
                                            for c in reply.tool_calls]},
                  "status": "ok" if reply.tool_calls or reply.content else "empty",
                  "input_tokens": usage.get("input_tokens", 0),
                  "output_tokens": usage.get("output_tokens", 0), "latency_ms": latency}
        update: dict[str, Any] = {"messages": [reply], "step": step + 1, "trace": [record]}
        final = next((c for c in reply.tool_calls if c["name"] == RESPOND), None)
        if final is not None:
            update.update(final=dict(final["args"]), outcome="answered")
        elif not reply.tool_calls and not reply.invalid_tool_calls:
            text = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
            if text.strip() and not text.lstrip().startswith(_CALL_TAG):
                # A model that answers in plain text despite tool_choice: take it as the answer.
                update.update(final={"message": text}, outcome="answered")
            else:
                update["messages"].append(HumanMessage(
                    f"Call one of the tools, or {RESPOND} to give your final answer."))
        return stored(update)

    def after_model(state: LoopState) -> str:
        if state.outcome == "step_limit":
            return "finish"
        if state.outcome == "fallback":
            return "act"
        ai = last_ai(state.messages)
        pending = ai is not None and (ai.invalid_tool_calls
                                      or any(c["name"] != RESPOND for c in ai.tool_calls))
        if pending:
            return "tools"
        return "act" if state.final is not None else "model"

    def run_tools(state: LoopState) -> dict[str, Any]:
        ai = last_ai(state.messages)
        assert ai is not None
        step = state.step
        box = box_for(state)
        messages: list[AnyMessage] = []
        awaiting: list[HeldCall] = []
        memory = _json(state.memory)
        # Calls that ran (a refusal can turn into a run once, say, the user is known).
        done_before = {_signature(t["name"], t.get("arguments")): t for t in state.trace
                       if t.get("kind") == "tool" and not t.get("refused")}
        repeated = False
        offered = spec.offered(state)  # as the model was offered them
        for bad in ai.invalid_tool_calls:
            messages.append(ToolMessage(
                json.dumps({"error": {"code": "invalid_arguments",
                                      "message": f"arguments are not JSON: {bad.get('error')}",
                                      "hint": "call the tool again with a JSON object"}}),
                tool_call_id=bad.get("id") or "", name=bad.get("name") or "", status="error"))
        index = 0
        for call in ai.tool_calls:
            name, args = call["name"], call["args"]
            if name == RESPOND:
                continue
            proposed, notes = args, list[str]()
            if name in spec.tool_names and isinstance(args, dict):
                args, notes = spec.amend(state, name, args)
            # As the batch began: an authentication in this batch counts from the next step.
            refusal = (f"{name} is not available to this agent"
                       if name not in spec.tool_names else spec.guard(state, name, args))
            if refusal is None and name not in offered:
                refusal = f"{name} is not available in this turn"
            earlier = done_before.get(_signature(name, args))
            if earlier is not None:
                # The same call gets the same answer, without running again. After a
                # success the model must answer (it would otherwise keep asking); a
                # failure is only told again: the model may still fix the call.
                repeated = repeated or earlier.get("status") == "ok"
                box.trace.append({"step": step, "kind": "tool", "name": name, "arguments": args,
                                  "status": "repeated", "refused": True,
                                  "result": earlier.get("result"), "error": earlier.get("error"),
                                  "idempotency_key": earlier.get("idempotency_key")})
                messages.append(_replayed(earlier, call["id"] or "", name))
                index += 1
                continue
            if refusal is not None:
                content = json.dumps({"error": {"code": "refused", "message": refusal}})
                box.trace.append({"step": step, "kind": "tool", "name": name, "arguments": args,
                                  "status": "error", "error": refusal, "refused": True,
                                  "idempotency_key": box.key(step, name, index)})
                messages.append(ToolMessage(content, tool_call_id=call["id"] or "", name=name,
                                            status="error"))
                index += 1
                continue
            result = box.call(name, args, step=step, index=index)
            if notes:
                box.trace[-1].update(proposed=proposed, amended=notes)
            if result.status == "needs_approval":
                assert result.approval is not None
                pending = PendingApproval(
                    approval_id=box.key(step, name, index), thread_id=box.request.thread_id,
                    tool=name, arguments=args, reason=result.approval.reason,
                    details=result.approval.details)
                awaiting.append(HeldCall(call_id=call["id"], tool=name, arguments=args,
                                         key=pending.approval_id, index=index,
                                         approval=pending))
            else:
                remember(state, memory, name, result)
                messages.append(ToolMessage(result.for_model(), tool_call_id=call["id"] or "",
                                            name=name, status="success" if result.ok else "error"))
            index += 1
        update: dict[str, Any] = {"messages": messages, "awaiting": awaiting,
                                  "trace": box.trace, "memory": memory,
                                  "must_respond": repeated}
        if not awaiting and spec.answered(state, box.trace):
            update.update(final={}, outcome="answered")
        return stored(update)

    def after_tools(state: LoopState) -> str:
        if state.awaiting:
            return "approval"
        return "act" if state.final is not None else "model"

    def act(state: LoopState) -> dict[str, Any]:
        update: dict[str, Any] = {}
        planned = list(state.planned)
        box = box_for(state)
        if not state.decided:
            update = spec.decide(state, box)
            planned = [PlannedCall.model_validate(c).model_copy(update={"index": i})
                       for i, c in enumerate(update.pop("planned", []))]
            update["decided"] = True  # the calls below still run as the turn's identity
        awaiting: list[HeldCall] = []
        memory = _json(update.get("memory", state.memory))
        while planned:
            call = planned.pop(0)
            name, args, index = call.tool, call.arguments, call.index
            refusal = spec.guard(state, name, args)  # code's calls pass the same guard
            if refusal is not None:
                box.trace.append({"step": 0, "kind": "tool", "name": name, "arguments": args,
                                  "status": "error", "error": refusal, "refused": True,
                                  "idempotency_key": box.key("act", name, index)})
                continue
            result = box.call(name, args, step="act", index=index)
            if result.status == "needs_approval":
                assert result.approval is not None
                pending = PendingApproval(
                    approval_id=box.key("act", name, index), thread_id=box.request.thread_id,
                    tool=name, arguments=args, reason=result.approval.reason,
                    details=result.approval.details)
                # No model call to answer: the approval's outcome is read from the trace.
                awaiting.append(HeldCall(call_id=None, tool=name, arguments=args,
                                         key=pending.approval_id, index=index, step="act",
                                         approval=pending))
                break
            remember(state, memory, name, result)
        return stored({**update, "planned": planned, "awaiting": awaiting, "memory": memory,
                       "trace": box.trace})

    def after_act(state: LoopState) -> str:
        return "approval" if state.awaiting else "finish"

    def approval(state: LoopState) -> dict[str, Any]:
        held = state.awaiting[0]
        # Nothing before interrupt() has effects: the node re-runs from the top on resume.
        answer = interrupt(held.approval.model_dump(mode="json"))
        decision = ApprovalDecision.model_validate(answer)
        box = box_for(state)
        record = {"step": state.step, "kind": "approval", "name": held.tool,
                  "arguments": held.arguments,
                  "status": "approved" if decision.approved else "rejected",
                  "result": decision.model_dump(mode="json"), "idempotency_key": held.key}
        memory = _json(state.memory)
        if decision.approved:
            # The same key as the held call: approving twice still acts once.
            result = box.call(held.tool, held.arguments,
                              step=held.step if held.step is not None else state.step,
                              index=held.index, approved=True)
            remember(state, memory, held.tool, result)
            content, status = result.for_model(), "success" if result.ok else "error"
        else:
            content = json.dumps({"error": {
                "code": "rejected",
                "message": f"a reviewer ({decision.reviewer}) rejected this action"
                           + (f": {decision.note}" if decision.note else ""),
                "hint": "do not retry it; tell the customer it was not approved"}})
            status = "error"
        answered = [] if held.call_id is None else [ToolMessage(
            content, tool_call_id=held.call_id, name=held.tool, status=status)]
        return stored({"messages": answered, "awaiting": state.awaiting[1:],
                       "trace": [record, *box.trace], "memory": memory})

    def after_approval(state: LoopState) -> str:
        if state.awaiting:
            return "approval"
        if state.decided:
            return "act" if state.planned else "finish"
        return "act" if state.final is not None else "model"

    def finish(state: LoopState) -> dict[str, Any]:
        box = box_for(state)
        result = TurnResult.model_validate(spec.finish(state, box))
        closing: list[AnyMessage] = []
        ai = last_ai(state.messages)
        if ai is not None:
            # Answer the respond() call so the thread's history stays a valid chat.
            closing = [ToolMessage("delivered", tool_call_id=c["id"] or "", name=RESPOND)
                       for c in ai.tool_calls if c["name"] == RESPOND]
        return stored({"result": result, "messages": closing, "trace": box.trace})

    schema = spec.state_schema
    graph: StateGraph[Any, Any, Any, Any] = StateGraph(schema)
    # input_schema: the nodes' annotation (LoopState) would otherwise be their input type.
    for name, node in (("prepare", prepare), ("model", call_model), ("tools", run_tools),
                       ("act", act), ("approval", approval), ("finish", finish)):
        graph.add_node(name, node, input_schema=schema)
    graph.add_edge(START, "prepare")
    graph.add_conditional_edges("prepare", after_prepare, ["act", "model"])
    graph.add_conditional_edges("model", after_model, ["tools", "act", "model", "finish"])
    graph.add_conditional_edges("tools", after_tools, ["approval", "act", "model"])
    graph.add_conditional_edges("act", after_act, ["approval", "finish"])
    graph.add_conditional_edges("approval", after_approval,
                                ["approval", "act", "finish", "model"])
    graph.add_edge("finish", END)
    return graph.compile(checkpointer=checkpointer, name=spec.name)
