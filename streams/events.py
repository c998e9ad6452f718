"""Event models: one envelope, one pydantic payload model per event type.

Every record on a streamwise topic is a JSON envelope::

    {"event_id": "...", "type": "OrderPlaced", "key": "#W2611340",
     "occurred_at": "2026-11-29T10:00:00Z", "schema_version": 1,
     "source": "simulator", "payload": {...}}

``parse_event`` turns bytes into the typed envelope of that ``type`` (a
discriminated union, so a validation error names the exact field, e.g.
``OrderPlaced.payload.items.0.quantity``). Unknown fields are kept, in the
envelope and in payloads, so a newer producer never loses data by passing
through an older consumer.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

SCHEMA_VERSION = 1
# Namespace for deterministic ids of derived events (uuid5 of parent id + name).
_DERIVED_NS = uuid.UUID("6f1c3c1e-2a9e-4a53-9a38-4c1f5d0f9b11")


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_event_id() -> str:
    return str(uuid.uuid4())


def derive_event_id(parent_event_id: str, name: str) -> str:
    """The id of an event produced while handling ``parent_event_id``.

    Deterministic, so a handler re-run after a crash emits the same ids and
    consumers downstream can dedupe.
    """
    return str(uuid.uuid5(_DERIVED_NS, f"{parent_event_id}/{name}"))


class Payload(BaseModel):
    """Base of all payloads: unknown fields are kept, not dropped."""

    model_config = ConfigDict(extra="allow")


# ---------------------------------------------------------------- pieces


class Address(Payload):
    address1: str
    address2: str = ""
    city: str
    state: str
    country: str
    zip: str


class OrderLine(Payload):
    item_id: str
    product_id: str
    quantity: int = Field(ge=1)
    unit_price: Decimal = Field(ge=0)


# ---------------------------------------------------------------- input payloads


class OrderPlaced(Payload):
    order_id: str
    user_id: str
    items: list[OrderLine] = Field(min_length=1)
    address: Address
    payment_method_id: str
    total: Decimal = Field(ge=0)


class OrderCancelled(Payload):
    order_id: str
    user_id: str
    reason: str


class OrderStatusChanged(Payload):
    order_id: str
    status: str
    previous_status: str | None = None


class TicketOpened(Payload):
    ticket_id: str
    channel: Literal["email", "chat", "phone", "web"] = "web"
    subject: str
    message: str
    customer_email: str | None = None
    user_id: str | None = None


class TicketMessage(Payload):
    ticket_id: str
    author: Literal["customer", "agent"] = "customer"
    message: str


class InventoryAdjusted(Payload):
    item_id: str
    warehouse_id: str
    delta: int
    reason: Literal["receipt", "sale", "damage", "count", "return", "transfer"]
    on_hand_after: int | None = None


class ShipmentDelayed(Payload):
    order_id: str
    carrier: str
    tracking_id: str | None = None
    delay_days: int = Field(ge=1)
    reason: str = ""


class PriceChanged(Payload):
    item_id: str
    product_id: str
    old_price: Decimal = Field(ge=0)
    new_price: Decimal = Field(ge=0)
    reason: str = ""


class CatalogUpdated(Payload):
    product_id: str
    name: str
    change: Literal["created", "updated", "deleted"]
    description: str = ""
    variants: dict[str, dict[str, Any]] = Field(default_factory=dict)


# ---------------------------------------------------------------- output payloads
# Agent outputs carry the ``trace_id`` of the run that produced them, so
# ``streamwise trace`` can be reached from any action, alert or reply.


class ActionTaken(Payload):
    subject_id: str  # the order, item or product the action is about
    action: str  # confirm, split_shipment, backorder, hold, reorder, notify_customer, ...
    agent: str
    explanation: str = ""
    details: dict[str, Any] = Field(default_factory=dict)
    trace_id: str = ""


class TicketReply(Payload):
    ticket_id: str
    message: str
    agent: str = "support"
    transferred_to_human: bool = False
    trace_id: str = ""


class Alert(Payload):
    subject_id: str
    severity: Literal["info", "warning", "critical"]
    kind: str  # below_margin, low_stock, risky_order, ...
    message: str
    trace_id: str = ""


class ApprovalRequested(Payload):
    approval_id: str
    subject_id: str
    action: str
    reason: str
    requested_by: str
    details: dict[str, Any] = Field(default_factory=dict)


class DeadLetter(Payload):
    origin_topic: str
    origin_partition: int
    origin_offset: int
    error_type: str
    error_message: str
    attempts: int


# ---------------------------------------------------------------- envelopes


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="allow")

    event_id: str = Field(default_factory=new_event_id, min_length=1)
    key: str = Field(min_length=1)
    occurred_at: datetime = Field(default_factory=utcnow)
    schema_version: int = SCHEMA_VERSION
    source: str = "streamwise"

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()


# One envelope class per type; the ``type`` literal is the discriminator.
class OrderPlacedEvent(_Envelope):
    type: Literal["OrderPlaced"] = "OrderPlaced"
    payload: OrderPlaced


class OrderCancelledEvent(_Envelope):
    type: Literal["OrderCancelled"] = "OrderCancelled"
    payload: OrderCancelled


class OrderStatusChangedEvent(_Envelope):
    type: Literal["OrderStatusChanged"] = "OrderStatusChanged"
    payload: OrderStatusChanged


class TicketOpenedEvent(_Envelope):
    type: Literal["TicketOpened"] = "TicketOpened"
    payload: TicketOpened


class TicketMessageEvent(_Envelope):
    type: Literal["TicketMessage"] = "TicketMessage"
    payload: TicketMessage


class InventoryAdjustedEvent(_Envelope):
    type: Literal["InventoryAdjusted"] = "InventoryAdjusted"
    payload: InventoryAdjusted


class ShipmentDelayedEvent(_Envelope):
    type: Literal["ShipmentDelayed"] = "ShipmentDelayed"
    payload: ShipmentDelayed


class PriceChangedEvent(_Envelope):
    type: Literal["PriceChanged"] = "PriceChanged"
    payload: PriceChanged


class CatalogUpdatedEvent(_Envelope):
    type: Literal["CatalogUpdated"] = "CatalogUpdated"
    payload: CatalogUpdated


class ActionTakenEvent(_Envelope):
    type: Literal["ActionTaken"] = "ActionTaken"
    payload: ActionTaken


class TicketReplyEvent(_Envelope):
    type: Literal["TicketReply"] = "TicketReply"
    payload: TicketReply


class AlertEvent(_Envelope):
    type: Literal["Alert"] = "Alert"
    payload: Alert


class ApprovalRequestedEvent(_Envelope):
    type: Literal["ApprovalRequested"] = "ApprovalRequested"
    payload: ApprovalRequested


class DeadLetterEvent(_Envelope):
    type: Literal["DeadLetter"] = "DeadLetter"
    payload: DeadLetter


InputEvent: TypeAlias = (
    OrderPlacedEvent
    | OrderCancelledEvent
    | OrderStatusChangedEvent
    | TicketOpenedEvent
    | TicketMessageEvent
    | InventoryAdjustedEvent
    | ShipmentDelayedEvent
    | PriceChangedEvent
    | CatalogUpdatedEvent
)
OutputEvent: TypeAlias = (
    ActionTakenEvent | TicketReplyEvent | AlertEvent | ApprovalRequestedEvent | DeadLetterEvent
)
Event: TypeAlias = InputEvent | OutputEvent

_EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(
    Annotated[Event, Field(discriminator="type")]  # type: ignore[arg-type]
)

EVENT_CLASSES: dict[str, type[_Envelope]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        OrderPlacedEvent,
        OrderCancelledEvent,
        OrderStatusChangedEvent,
        TicketOpenedEvent,
        TicketMessageEvent,
        InventoryAdjustedEvent,
        ShipmentDelayedEvent,
        PriceChangedEvent,
        CatalogUpdatedEvent,
        ActionTakenEvent,
        TicketReplyEvent,
        AlertEvent,
        ApprovalRequestedEvent,
        DeadLetterEvent,
    )
}
INPUT_TYPES = frozenset(t for t, c in EVENT_CLASSES.items() if c in InputEvent.__args__)  # type: ignore[attr-defined]
OUTPUT_TYPES = frozenset(EVENT_CLASSES) - INPUT_TYPES


def parse_event(data: bytes | str) -> Event:
    """Parse and validate one record value.

    Raises ``pydantic.ValidationError`` (a ``ValueError``) whose errors name the
    field, e.g. ``('OrderPlaced', 'payload', 'total')``; malformed JSON is a
    ``json_invalid`` error of the same type.
    """
    return _EVENT_ADAPTER.validate_json(data)


def event_from_dict(data: dict[str, Any]) -> Event:
    return _EVENT_ADAPTER.validate_python(data)
