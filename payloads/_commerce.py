"""The commerce payloads that both an event and an agent request carry."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ._types import (
    Amount,
    DelayDays,
    Id,
    Label,
    Price,
    Quantity,
    StockDelta,
    StockLevel,
    clean_json,
    clean_label,
)

MAX_ORDER_LINES = 100


class Payload(BaseModel):
    """Base of all payloads: strict types, and unknown fields kept (bounded) rather than dropped,
    so a newer producer never loses data by passing through an older consumer."""

    model_config = ConfigDict(extra="allow", strict=True)

    @model_validator(mode="after")
    def _bounded_extras(self) -> Any:
        check_extras(self)
        return self


def check_extras(model: BaseModel) -> None:
    """Unknown fields get the bounds of a free-form object (they are re-published as sent)."""
    extra = model.__pydantic_extra__
    if extra:
        for key, value in list(extra.items()):
            try:
                clean_label(key)
            except ValueError as exc:
                raise ValueError(f"the name of an unknown field: {exc}") from None
            extra[key] = clean_json(value, f"unknown field {key[:64]!r}", depth=1)


class Address(Payload):
    address1: Label
    address2: Label = ""
    city: Label
    state: Label
    country: Label
    zip: Label


class OrderLine(Payload):
    item_id: Id
    product_id: Id
    quantity: Quantity
    unit_price: Price


class OrderPlaced(Payload):
    order_id: Id
    user_id: Id
    items: list[OrderLine] = Field(min_length=1, max_length=MAX_ORDER_LINES)
    address: Address
    payment_method_id: Id
    total: Amount


class ShipmentDelayed(Payload):
    order_id: Id
    carrier: Label
    tracking_id: Id | None = None
    delay_days: DelayDays
    reason: Label = ""


class InventoryAdjusted(Payload):
    item_id: Id
    warehouse_id: Id
    delta: StockDelta
    reason: Literal["receipt", "sale", "damage", "count", "return", "transfer"]
    on_hand_after: StockLevel | None = None


class PriceChanged(Payload):
    item_id: Id
    product_id: Id
    old_price: Price
    new_price: Price
    reason: Label = ""
