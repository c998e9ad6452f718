"""The graph state, as pydantic models: what the shared loop (``agents.loop``) and each
agent keep between nodes and across turns.

``LoopState`` is the loop's state. An agent types its own part in a subclass that
narrows ``context`` (what it computed in code for this turn) and ``memory`` (what
it keeps across turns) to its models, and names it as its ``state_schema``
(``OrderState``, ``SupportState``); ``LoopState`` itself keeps them as JSON objects
(the analyst's).

Checkpoints hold JSON. A node returns its update; the loop writes it through
``stored`` (models to JSON, messages as they are) and LangGraph validates the
channels into the state model when the next node reads them. So a checkpoint
never names these classes (no pickled types for LangGraph's msgpack allow-list),
and a thread written before the state was typed (the same JSON, from the TypedDict
state) still loads; a checkpoint the models cannot read fails with
``StateFormatError`` naming the thread and the field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from langchain_core.messages import AnyMessage, BaseMessage
from langgraph.graph.message import add_messages
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import to_jsonable_python

from .contracts import AgentOutput, AgentRequest, PendingApproval, RunStatus, SqlAnswer
from .errors import StateFormatError

_RESET: dict[str, Any] = {"reset": True}


class PlannedCall(BaseModel):
    """A call code decided on: a support proposal's calls (a "yes" runs exactly these),
    and the calls ``act`` runs in order."""

    tool: str
    arguments: dict[str, Any]
    index: int = 0  # its place in the running plan (the loop numbers it): in its idempotency key

    def same_call(self, tool: str, arguments: dict[str, Any]) -> bool:
        return self.tool == tool and self.arguments == arguments


class HeldCall(BaseModel):
    """A call the tool answered ``needs_approval``, held until a person decides."""

    call_id: str | None  # the model's tool call to answer; None for a planned call
    tool: str
    arguments: dict[str, Any]
    key: str  # the idempotency key the approved call re-runs with
    index: int
    step: str | None = None  # "act" for a planned call; else the model step's
    approval: PendingApproval  # what the interrupt shows


class TurnResult(BaseModel):
    """What an agent's ``finish`` made of the turn; the runner adds who, which and usage."""

    model_config = ConfigDict(extra="ignore")

    status: RunStatus = "done"
    decision: str
    message: str
    outputs: list[AgentOutput] = Field(default_factory=list)
    answer: SqlAnswer | None = None


def trace_reducer(old: list[dict[str, Any]] | None,
                  new: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """A new turn starts its trace afresh (``reset_trace``); every node appends to it."""
    if new and new[0].get("reset"):
        return list(new[1:])
    return (old or []) + (new or [])


def reset_trace(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [_RESET, *records]


class LoopState(BaseModel):
    """The shared loop's state. Trace records stay dicts: ``TraceStep`` rows in the making,
    with loop-only keys (``refused``)."""

    messages: Annotated[list[AnyMessage], add_messages] = Field(default_factory=list)
    request: AgentRequest  # the current turn's
    step: int = 0  # model calls in this turn
    final: dict[str, Any] | None = None  # the respond() arguments (or code's own answer)
    outcome: Literal["", "answered", "fallback", "step_limit"] = ""
    must_respond: bool = False  # the next model call may only respond (after a repeat)
    decided: bool = False  # the agent's decide() ran for this turn's answer
    planned: list[PlannedCall] = Field(default_factory=list)  # decided, not yet run
    awaiting: list[HeldCall] = Field(default_factory=list)  # held for approval
    trace: Annotated[list[dict[str, Any]], trace_reducer] = Field(default_factory=list)
    # What the agent computed in code for this turn, and what it keeps across turns (e.g.
    # the authenticated user): JSON objects here, an agent's models in its subclass.
    context: Any = Field(default_factory=dict)
    memory: Any = Field(default_factory=dict)
    result: TurnResult | None = None  # this turn's, once finished

    def with_memory(self, memory: Any) -> Self:
        """This state with ``memory`` (JSON or the model) as its memory."""
        return self.model_validate({**dict(self), "memory": memory})

    @classmethod
    def read(cls, values: dict[str, Any], thread_id: str) -> Self:
        """The state of a checkpoint's channel values; a clear error when they do not fit."""
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise unreadable(exc, thread_id) from None


def unreadable(exc: ValidationError, thread_id: str) -> StateFormatError:
    """The error for a thread whose checkpoint the state models refuse."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return StateFormatError(
        f"thread {thread_id!r} has a checkpoint this version cannot read ({where}: "
        f"{first['msg']}); it was written by an incompatible version: finish it with that "
        "version, or delete the thread from the checkpoint store")


def stored(update: dict[str, Any]) -> dict[str, Any]:
    """A node's update as the checkpoint keeps it: JSON, except the chat messages."""
    return {k: v if k == "messages" or isinstance(v, BaseMessage)
            else to_jsonable_python(v, fallback=str) for k, v in update.items()}
