"""Event models: one envelope, one pydantic payload model per event type.

Every record on a streamwise topic is a JSON envelope::

    {"event_id": "...", "type": "OrderPlaced", "key": "#W2611340",
     "occurred_at": "2026-11-29T10:00:00Z", "schema_version": 1,
     "source": "simulator", "payload": {...}}

``parse_event`` turns bytes into the typed envelope of that ``type`` (a
discriminated union, so a validation error names the exact field, e.g.
``OrderPlaced.payload.items.0.quantity``). ``event_id``, ``key``, ``type``
and ``occurred_at`` (ISO-8601 with an offset) are required. Types are strict:
a number is never read from a string (money excepted, see ``payloads``), a
boolean never as a number; text and numbers are bounded (``payloads``' field
types). Unknown fields are kept, in the envelope and in payloads, so a newer
producer never loses data by passing through an older consumer; they get the
same bounds as any free-form value.
"""

from __future__ import annotations

import json
import math
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator
from pydantic_core import InitErrorDetails

# The shared payloads are re-exported: they are as much this module's events as the rest.
from payloads import Address as Address
from payloads import Id, JsonObject, Label, Payload, Text, Timestamp, check_extras
from payloads import InventoryAdjusted as InventoryAdjusted
from payloads import OrderLine as OrderLine
from payloads import OrderPlaced as OrderPlaced
from payloads import PriceChanged as PriceChanged
from payloads import ShipmentDelayed as ShipmentDelayed

SCHEMA_VERSION = 1
MAX_VARIANTS = 500  # variants of one product in one catalog update
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


# ---------------------------------------------------------------- input payloads
# Orders, shipments, inventory and prices are defined once, in ``payloads``
# (agents' requests carry the same models); the rest are the streams' own.


class OrderCancelled(Payload):
    order_id: Id
    user_id: Id
    reason: Label


class OrderStatusChanged(Payload):
    order_id: Id
    status: Label
    previous_status: Label | None = None


class TicketOpened(Payload):
    ticket_id: Id
    channel: Literal["email", "chat", "phone", "web"] = "web"
    subject: Label
    message: Text
    customer_email: Label | None = None
    user_id: Id | None = None


class TicketMessage(Payload):
    ticket_id: Id
    author: Literal["customer", "agent"] = "customer"
    message: Text


class CatalogUpdated(Payload):
    product_id: Id
    name: Label
    change: Literal["created", "updated", "deleted"]
    description: Text = ""
    variants: Annotated[dict[Id, JsonObject], Field(max_length=MAX_VARIANTS)] = Field(
        default_factory=dict)


# ---------------------------------------------------------------- output payloads
# Agent outputs carry the ``trace_id`` of the run that produced them, so
# ``streamwise trace`` can be reached from any action, alert or reply.


class ActionTaken(Payload):
    subject_id: Id  # the order, item or product the action is about
    action: Label  # confirm, split_shipment, backorder, hold, reorder, notify_customer, ...
    agent: Label
    explanation: Text = ""
    details: JsonObject = Field(default_factory=dict)
    trace_id: Label = ""


class TicketReply(Payload):
    ticket_id: Id
    message: Text
    agent: Label = "support"
    transferred_to_human: bool = False
    trace_id: Label = ""


class Alert(Payload):
    subject_id: Id
    severity: Literal["info", "warning", "critical"]
    kind: Label  # below_margin, low_stock, risky_order, ...
    message: Text
    trace_id: Label = ""


class ApprovalRequested(Payload):
    approval_id: Id
    subject_id: Id
    action: Label
    reason: Text
    requested_by: Label
    details: JsonObject = Field(default_factory=dict)


class DeadLetter(Payload):
    origin_topic: Label
    origin_partition: Annotated[int, Field(ge=0, le=2**31 - 1)]
    origin_offset: Annotated[int, Field(ge=0, le=2**63 - 1)]
    error_type: Label
    error_message: Text
    attempts: Annotated[int, Field(ge=0, le=1_000)]


# ---------------------------------------------------------------- envelopes


class _Envelope(BaseModel):
    # No defaults for ``event_id`` and ``occurred_at``: a record without an id
    # could never be deduplicated on redelivery, so it is invalid; producers set
    # both explicitly (``new_event_id()``/``derive_event_id()``, ``utcnow()``).
    model_config = ConfigDict(extra="allow", strict=True)

    event_id: Id
    key: Id
    occurred_at: Timestamp
    schema_version: Annotated[int, Field(ge=1, le=1_000)] = SCHEMA_VERSION
    source: Label = "streamwise"

    @model_validator(mode="after")
    def _bounded_extras(self) -> Any:
        check_extras(self)
        return self

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

# The title heads every error message (and so every dead letter's reason): short.
_EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(
    Annotated[Event, Field(discriminator="type")],  # type: ignore[arg-type]
    config=ConfigDict(title="Event"),
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

    Raises ``pydantic.ValidationError`` (a ``ValueError``) and nothing else.
    Its errors name the field, e.g. ``('OrderPlaced', 'payload', 'total')``;
    anything that is not one well-formed JSON text (bytes that are not UTF-8,
    a duplicate key, ``NaN``/``Infinity``, an integer of more than 100 digits,
    nesting too deep to read) is a ``json_invalid`` error of the same type.
    """
    return _EVENT_ADAPTER.validate_python(_load_json(data))


def event_from_dict(data: dict[str, Any]) -> Event:
    """Validate an envelope built in code (or read by another JSON reader): same rules."""
    return _EVENT_ADAPTER.validate_python(data)


# ---------------------------------------------------------------- strict JSON
# The standard library reader, told to refuse what JSON allows but readers
# disagree on: with a duplicate key one reader takes the first value and
# another the last, so a record could mean two things; NaN and Infinity are
# not JSON at all; a 5,000-digit integer stalls some readers and crashes others.

# Far beyond any field's bound (those name the field); refused here only so a
# megabyte of digits never reaches int(), which is quadratic in their number.
_MAX_INT_DIGITS = 100


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key[:64]!r} in an object; send each key once")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number; send a finite number")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise ValueError(f"an integer of {len(text)} digits is out of range")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:32]} is out of range")
    return value


def _load_json(data: bytes | str) -> Any:
    try:
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant,
                          parse_int=_bounded_int, parse_float=_finite_float)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError too
        if isinstance(exc, RecursionError):
            reason = "nested too deeply; send one UTF-8 JSON object of a few levels"
        elif isinstance(exc, json.JSONDecodeError | UnicodeDecodeError):
            reason = f"{exc}; send one UTF-8 JSON object"
        else:  # from the hooks above, which say what to do
            reason = str(exc)
        raise ValidationError.from_exception_data("Event", [InitErrorDetails(
            type="json_invalid", loc=(), input=_preview(data), ctx={"error": reason})]) from None


def _preview(data: bytes | str) -> str:
    head = data[:80]
    return head.decode("utf-8", "replace") if isinstance(head, bytes | bytearray) else head
