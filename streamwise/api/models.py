"""Request and response bodies of the HTTP API (pydantic; unknown fields are refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from agents.contracts import PendingApproval, RunStatus
from agents.trace import TraceRun

from .sessions import ChatMessage, Session

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
SessionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- chat

class SessionCreate(_Body):
    # Resume a session by id (one `streamwise chat` started, or one from before a restart);
    # a new id is made when absent.
    session_id: SessionId | None = None


class SessionView(BaseModel):
    session: Session
    messages: list[ChatMessage]


class MessageCreate(_Body):
    text: Text


# ---------------------------------------------------------------- tickets

class TicketCreate(_Body):
    """A ticket from a website or helpdesk; published as a ``TicketOpened`` event."""

    ticket_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:#-]{1,64}$")] | None = None
    channel: Literal["email", "chat", "phone", "web"] = "web"
    subject: Label
    message: Text
    customer_email: Label | None = None
    user_id: Label | None = None


class TicketAccepted(BaseModel):
    ticket_id: str
    event_id: str
    topic: str


# ---------------------------------------------------------------- approvals

class ApprovalView(BaseModel):
    thread_id: str
    event_id: str  # the paused run: its trace
    agent: str
    subject_id: str
    approval: PendingApproval
    waiting_since: datetime | None = None


class ApprovalDecide(_Body):
    decision: Literal["approve", "reject"]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""
    approval_id: Label | None = None  # when given, must be the one the thread waits for


class ApprovalOutcome(BaseModel):
    thread_id: str
    status: RunStatus
    decision: str
    message: str
    published: int  # output events sent to the broker
    delivered_to_session: str | None = None


# ---------------------------------------------------------------- traces

class TraceSummary(BaseModel):
    event_id: str
    agent: str
    thread_id: str
    kind: str
    subject_id: str
    status: str
    decision: str
    message: str
    updated_at: datetime | None = None

    @classmethod
    def of(cls, run: TraceRun) -> TraceSummary:
        return cls.model_validate(run.model_dump(include=set(cls.model_fields)))


# ---------------------------------------------------------------- analyst

class AskBody(_Body):
    question: Text


class AskAnswer(BaseModel):
    event_id: str
    status: RunStatus
    answer: str
    sql: str | None
    columns: list[str]
    rows: list[list[Any]]
    chart: dict[str, Any] | None  # Vega-Lite v5


# ---------------------------------------------------------------- health

class Check(BaseModel):
    ok: bool
    detail: str


class Readiness(BaseModel):
    ready: bool
    checks: dict[str, Check]


class Problem(BaseModel):
    """Every 4xx/5xx body: FastAPI's ``detail``."""

    detail: Any = Field(description="what was wrong and, where it helps, what to do")
