"""The support agent's graph state: this turn's facts (``SupportTurn``) and what a
thread keeps across turns (``SupportMemory``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ._support_confirm import Proposal
from ._support_plan import Outcome
from ._support_schema import CustomerRequest
from .state import LoopState


class SupportTurn(BaseModel):
    """The support agent's ``context``: this turn's facts, from prepare to the reply."""

    text: str = ""  # the customer's message, cleaned
    notes: list[str] = Field(default_factory=list)  # e.g. other_customer
    confirmed: Proposal | None = None  # the proposal this turn's "yes" runs
    identity: str = ""  # why no customer is known: none_given | not_found | ambiguous
    outcomes: list[Outcome] = Field(default_factory=list)  # each request, planned
    customer: str = ""  # the customer's first name
    # A reply that amends the proposal shown: "only" (some of its items), "also" (more),
    # or "instead" (a new request, perhaps about the proposal's items).
    amending: Literal["", "only", "also", "instead"] = ""


class SupportMemory(BaseModel):
    """What a support thread keeps across turns."""

    user_id: str = ""  # the thread's customer, once known
    identity: Literal["", "channel", "conversation"] = ""  # how it became known
    proposal: Proposal | None = None  # shown, waiting for a yes on the next turn
    requests: list[CustomerRequest] = Field(default_factory=list)  # still to be handled
    leftover: list[CustomerRequest] = Field(default_factory=list)  # after the proposal
    said: str = ""  # the words the proposal was planned from, for a reply that amends it
    shown: list[Outcome] = Field(default_factory=list)  # the proposal's changes, as planned
    last_turn: str = ""  # the event id of the turn before this one


class SupportState(LoopState):
    context: SupportTurn = Field(default_factory=SupportTurn)
    memory: SupportMemory = Field(default_factory=SupportMemory)
