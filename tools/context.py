"""Who is calling a tool, under which idempotency key, at what time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Role = Literal["system", "customer", "support", "analyst"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Actor(BaseModel):
    """The principal a call acts for. A customer carries their ``user_id``."""

    model_config = ConfigDict(frozen=True)

    role: Role
    user_id: str | None = None

    @model_validator(mode="after")
    def _customer_has_user(self) -> Actor:
        if self.role == "customer" and not self.user_id:
            raise ValueError("a customer actor needs a user_id")
        return self

    @classmethod
    def system(cls) -> Actor:
        return cls(role="system")


class ToolContext(BaseModel):
    """Per-call context.

    ``idempotency_key`` is required for side-effecting tools: it is derived by
    the caller from the event (or chat turn) and the call's position, so a
    re-run after a crash finds the first result instead of acting twice.
    ``approved`` is set when a person approved this exact call (the agent's
    approval step re-issues it with the same key).
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    actor: Actor = Field(default_factory=Actor.system)
    idempotency_key: str | None = None
    trace_id: str = ""
    approved: bool = False
    clock: Callable[[], datetime] = _utcnow

    def now(self) -> datetime:
        return self.clock()
