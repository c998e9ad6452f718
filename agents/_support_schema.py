"""What the model is asked for: the customer's message as a typed list of requests.

One structured extraction per customer message, as the arguments of the
``respond`` tool (the same OpenAI call on the local server and on vLLM). The
schema is short on purpose: a 0.5B model fills slots; it decides nothing.
Every field is optional: code checks each slot against the records and asks
for what is missing. What code can read reliably (order ids, emails, zip
codes, a cancellation reason) it also reads from the text itself
(``_support_text``), so a slot the model skips is not lost.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Intent = Literal[
    "cancel",  # cancel a pending order
    "return",  # return delivered items
    "exchange",  # exchange delivered items for other variants
    "modify_items",  # change items of a pending order to other variants
    "modify_address",  # change a pending order's shipping address
    "modify_payment",  # pay a pending order with another method
    "user_address",  # change the customer's default address
    "status",  # where is an order, what was paid, tracking
    "human",  # the customer asks for a person
    "other",
]
INTENTS: tuple[str, ...] = Intent.__args__  # type: ignore[attr-defined]
MAX_REQUESTS = 6


class _Slots(BaseModel):
    # Unknown keys are dropped: a model that adds a field costs nothing.
    model_config = ConfigDict(extra="ignore")


class NewAddress(_Slots):
    address1: str = ""
    address2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    country: str = ""

    def complete(self) -> bool:
        """Street, city, state and zip, the street with its number: a small model fills
        address1 with the city ("Denver") from "I live in Denver CO 80239"."""
        return all((self.address1, self.city, self.state, self.zip)) and any(
            c.isdigit() for c in self.address1) and self.zip not in self.address1


class CustomerRequest(_Slots):
    intent: Intent = "other"
    order_id: str = Field(default="", max_length=40)
    items: list[str] = Field(default_factory=list, max_length=12)  # "the blue kettle"
    wanted: list[str] = Field(default_factory=list, max_length=12)  # "size 8", "red"
    payment: str = Field(default="", max_length=80)  # "gift card", "paypal", "original"
    reason: str = Field(default="", max_length=80)  # why (cancellations)
    address: NewAddress | None = None


class Extraction(_Slots):
    requests: list[CustomerRequest] = Field(default_factory=list, max_length=MAX_REQUESTS)
    email: str = Field(default="", max_length=120)
    first_name: str = Field(default="", max_length=60)
    last_name: str = Field(default="", max_length=60)
    zip: str = Field(default="", max_length=10)


def extraction_schema() -> dict[str, Any]:
    """The ``respond`` tool's parameters: short, flat where it can be, bounded."""
    text = {"type": "string", "maxLength": 80}
    words = {"type": "array", "items": text, "maxItems": 6}
    address = {"type": "object", "properties": {
        k: {"type": "string", "maxLength": 60}
        for k in ("address1", "address2", "city", "state", "zip", "country")}}
    request = {"type": "object", "properties": {
        "intent": {"type": "string", "enum": list(INTENTS)},
        "order_id": {"type": "string", "maxLength": 12, "description": "as written in the message"},
        "items": {**words, "description": "the items the customer names"},
        "wanted": {**words, "description": "options the customer wants instead"},
        "payment": {**text, "description": "payment method named for a refund or charge"},
        "reason": text,
        "address": address,
    }, "required": ["intent"]}
    return {"type": "object", "properties": {
        "requests": {"type": "array", "items": request, "maxItems": MAX_REQUESTS},
        "email": {"type": "string", "maxLength": 80},
        "first_name": {"type": "string", "maxLength": 40},
        "last_name": {"type": "string", "maxLength": 40},
        "zip": {"type": "string", "maxLength": 10},
    }, "required": ["requests"]}


EXTRACT_PROMPT = """\
You read one message from a customer of an online shop and record what they ask \
for, with the respond tool. Do not answer them. One entry in "requests" per thing \
they want done, in their order. intent: cancel (a pending order), return or \
exchange (delivered items), modify_items, modify_address or modify_payment (a \
pending order), user_address (their default address), status (questions about an \
order), human (they ask for a person), other. Copy words only from the message: \
the order id, the names of the items, the options they want instead, the payment \
method they name, the reason. Leave a field empty when the message does not say \
it; never make one up. Also copy their email, or first name, last name and zip \
code, if the message gives them."""


def parse_extraction(arguments: dict[str, Any] | None) -> Extraction:
    """The model's arguments as an ``Extraction``; what does not fit is dropped, per
    request, rather than losing the whole message."""
    raw = dict(arguments or {})
    requests = raw.get("requests")
    kept: list[CustomerRequest] = []
    for item in requests if isinstance(requests, list) else []:
        try:
            kept.append(CustomerRequest.model_validate(item))
        except ValidationError:
            continue
    raw["requests"] = kept[:MAX_REQUESTS]
    for key in ("email", "first_name", "last_name", "zip"):
        if not isinstance(raw.get(key), str):
            raw.pop(key, None)
        else:
            raw[key] = raw[key][:60]
    try:
        return Extraction.model_validate(raw)
    except ValidationError:
        return Extraction(requests=kept[:MAX_REQUESTS])
