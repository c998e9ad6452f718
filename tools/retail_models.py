"""Records of the retail domain as the tools return them (db.json's shapes)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Address(_Record):
    address1: str
    address2: str
    city: str
    country: str
    state: str
    zip: str


class OrderItem(_Record):
    name: str
    product_id: str
    item_id: str
    price: float
    options: dict[str, str]


class Fulfillment(_Record):
    tracking_id: list[str]
    item_ids: list[str]


class Payment(_Record):
    transaction_type: Literal["payment", "refund"]
    amount: float
    payment_method_id: str


class Order(_Record):
    """An order; the optional fields are set by cancellations, exchanges and returns."""

    order_id: str
    user_id: str
    address: Address
    items: list[OrderItem]
    status: str
    fulfillments: list[Fulfillment]
    payment_history: list[Payment]
    cancel_reason: str | None = None
    exchange_items: list[str] | None = None
    exchange_new_items: list[str] | None = None
    exchange_payment_method_id: str | None = None
    exchange_price_difference: float | None = None
    return_items: list[str] | None = None
    return_payment_method_id: str | None = None


class UserName(_Record):
    first_name: str
    last_name: str


class PaymentMethod(_Record):
    """A gift card carries ``balance``; a credit card ``brand`` and ``last_four``."""

    source: Literal["gift_card", "credit_card", "paypal"]
    id: str
    brand: str | None = None
    last_four: str | None = None
    balance: float | None = None


class User(_Record):
    user_id: str
    name: UserName
    address: Address
    email: str
    payment_methods: dict[str, PaymentMethod]
    orders: list[str]


class Variant(_Record):
    item_id: str
    options: dict[str, str]
    available: bool
    price: float


class Product(_Record):
    name: str
    product_id: str
    variants: dict[str, Variant]


class UserId(_Record):
    user_id: str


class ProductTypes(_Record):
    """Product name -> product id, sorted by name."""

    products: dict[str, str]


class Calculation(_Record):
    result: str


class Transfer(_Record):
    message: str
