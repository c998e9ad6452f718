"""What goes into an agent run and what comes out (the package boundary).

The wiring in ``streamwise/`` turns a stream event (or a chat turn, or an
analyst question) into an ``AgentRequest`` (one model per kind) and publishes each
``AgentOutput`` of the ``AgentResult`` as an output event. The payload models
(``OrderData``, ``ShipmentDelay``, ``InventoryChange``, ``PriceChange``) *are*
the stream payloads, from ``payloads``, so an event's payload is passed as is.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

# The payloads are the stream events' own models (one definition, in ``payloads``),
# under the names the agents use.
from payloads import Address as Address
from payloads import InventoryAdjusted as InventoryChange
from payloads import OrderLine as OrderLine
from payloads import OrderPlaced as OrderData
from payloads import PriceChanged as PriceChange
from payloads import ShipmentDelayed as ShipmentDelay

AgentName = Literal["order", "support", "analyst"]
RequestKind = Literal[
    "order_placed",  # order agent: ``OrderPlacedRequest``
    "shipment_delayed",  # order agent: ``ShipmentDelayedRequest``
    "inventory_adjusted",  # order agent: ``InventoryAdjustedRequest``
    "price_changed",  # order agent: ``PriceChangedRequest``
    "message",  # support agent: ``MessageRequest``, the customer's message
    "question",  # analyst agent: ``QuestionRequest``
]
OrderDecision = Literal["confirm", "split_shipment", "backorder", "hold_for_review"]
RunStatus = Literal["done", "awaiting_approval", "step_limit", "failed"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _RequestBase(_Model):
    """What every request has: one unit of work for one agent.

    ``event_id`` names the run's trace (``load_trace(event_id)``) and is the
    default idempotency base; ``thread_id`` names the checkpointed thread (a
    chat session keeps one thread over many turns; an event defaults to its own
    thread ``"<agent>:<event_id>"``). A request re-delivered with the same
    ``idempotency_base`` returns the stored result and repeats no side effect.
    """

    agent: AgentName
    event_id: str = Field(min_length=1)
    thread_id: str = ""
    idempotency_base: str = ""
    subject_id: str = ""  # a ticket id, an order id; defaults from the payload

    def _default_subject(self) -> str:
        return self.thread_id

    @model_validator(mode="after")
    def _fill(self) -> Self:
        if not self.thread_id:
            self.thread_id = f"{self.agent}:{self.event_id}"
        if not self.idempotency_base:
            self.idempotency_base = self.event_id
        if not self.subject_id:
            self.subject_id = self._default_subject()
        return self


class OrderPlacedRequest(_RequestBase):
    kind: Literal["order_placed"] = "order_placed"
    order: OrderData

    def _default_subject(self) -> str:
        return str(self.order.order_id) or self.thread_id


class ShipmentDelayedRequest(_RequestBase):
    kind: Literal["shipment_delayed"] = "shipment_delayed"
    shipment: ShipmentDelay

    def _default_subject(self) -> str:
        return str(self.shipment.order_id) or self.thread_id


class InventoryAdjustedRequest(_RequestBase):
    kind: Literal["inventory_adjusted"] = "inventory_adjusted"
    inventory: InventoryChange

    def _default_subject(self) -> str:
        return str(self.inventory.item_id) or self.thread_id


class PriceChangedRequest(_RequestBase):
    kind: Literal["price_changed"] = "price_changed"
    price: PriceChange

    def _default_subject(self) -> str:
        return str(self.price.item_id) or self.thread_id


class _TextRequest(_RequestBase):
    text: str

    @field_validator("text")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text.strip():
            raise ValueError(f"a {cls.model_fields['kind'].default} request needs text")
        return text


class MessageRequest(_TextRequest):
    """A customer's message to the support agent."""

    kind: Literal["message"] = "message"
    # Who the channel says wrote this (a ticket's author, an API principal), set by the
    # wiring from the channel, never from the text: it fixes a support thread's customer.
    author_user_id: str = ""
    author_email: str = ""


class QuestionRequest(_TextRequest):
    """A question to the analyst agent."""

    kind: Literal["question"] = "question"


OrderRequest = OrderPlacedRequest | ShipmentDelayedRequest | InventoryAdjustedRequest \
    | PriceChangedRequest
# One model per kind, told apart by ``kind``: code that reads a payload narrows first
# (``isinstance`` or ``match``), so a request cannot lack what its kind needs.
AgentRequest = Annotated[OrderRequest | MessageRequest | QuestionRequest,
                         Field(discriminator="kind")]
# Validates a request's JSON (the graph state keeps it so) or a dict into its kind's model.
AGENT_REQUEST: TypeAdapter[AgentRequest] = TypeAdapter(AgentRequest)


def parse_request(data: Any) -> AgentRequest:
    """The request of ``data`` (a dict, or a request already), checked for its kind."""
    return AGENT_REQUEST.validate_python(data)


class AgentOutput(_Model):
    """One thing to publish: an action, an alert, a reply or an approval request."""

    kind: Literal["action", "alert", "reply", "approval"]
    subject_id: str
    action: str = ""  # action: confirm, split_shipment, reserve_stock, notify_customer, ...
    alert: str = ""  # alert kind: risky_order, below_margin, low_stock, ...
    severity: Literal["info", "warning", "critical"] = "info"
    message: str = ""  # explanation, reply text or alert text
    transferred_to_human: bool = False
    details: dict[str, Any] = Field(default_factory=dict)


class PendingApproval(_Model):
    """A tool call held until a person decides; ``approval_id`` is its idempotency key."""

    approval_id: str
    thread_id: str
    tool: str
    arguments: dict[str, Any]
    reason: str
    details: dict[str, Any] = Field(default_factory=dict)


class ApprovalDecision(_Model):
    """A person's answer to a ``PendingApproval``; resumes the thread."""

    approved: bool
    reviewer: str = "human"
    note: str = ""
    approval_id: str | None = None  # when given, must match the pending approval


class Usage(_Model):
    model_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    tool_calls: int = 0
    model_latency_ms: float = 0.0


class SqlAnswer(_Model):
    """The analyst's evidence: the SQL that ran, its table and maybe a Vega-Lite chart."""

    sql: str
    columns: list[str]
    rows: list[list[Any]]
    chart: dict[str, Any] | None = None


class AgentResult(_Model):
    agent: AgentName
    event_id: str
    thread_id: str
    trace_id: str
    status: RunStatus
    # order: an OrderDecision or a notice kind; support: reply/transfer; analyst: answer
    decision: str
    message: str
    outputs: list[AgentOutput] = Field(default_factory=list)
    approvals: list[PendingApproval] = Field(default_factory=list)
    answer: SqlAnswer | None = None
    usage: Usage = Field(default_factory=Usage)
    replayed: bool = False  # True when a re-delivered request got the stored result
