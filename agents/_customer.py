"""Who a support message is from, and what the agent should know about them, found in code.

A ticket usually names the customer (an email, or a name and a zip code), so
the look-up the policy asks for happens before the model is asked: the small
model then starts from the customer's records instead of spending turns (and
often the whole step budget) on getting the look-up right. A message that
names nobody leaves authentication to the conversation, as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ZIP = re.compile(r"\b\d{5}\b")
# Overlapping pairs of capitalised words ("Hi Yusuf Rossi": "Hi Yusuf", "Yusuf Rossi").
_NAME = re.compile(r"(?=\b([A-Z][a-z]+)\s+([A-Z][a-z]+)\b)")
_ORDER = re.compile(r"#W\d{7}\b")
MAX_TRIES = 8  # look-ups per message: a few names times a zip or two
_CONFIRM = re.compile(r"\b(yes|confirm(ed)?|go ahead|proceed)\b", re.IGNORECASE)


def identity_lookups(text: str) -> Iterator[tuple[str, dict[str, str]]]:
    """The authentication calls a message allows, most specific first (emails, then names)."""
    tries = 0
    for email in dict.fromkeys(_EMAIL.findall(text)):
        yield "find_user_id_by_email", {"email": email.rstrip(".")}
        tries += 1
    zips = list(dict.fromkeys(_ZIP.findall(text)))
    for first, last in dict.fromkeys(m.groups() for m in _NAME.finditer(text)):
        for zip_code in zips:
            if tries >= MAX_TRIES:
                return
            yield "find_user_id_by_name_zip", {"first_name": first, "last_name": last,
                                               "zip": zip_code}
            tries += 1


def mentioned_orders(text: str) -> list[str]:
    return list(dict.fromkeys(_ORDER.findall(text)))


def confirms(text: str) -> bool:
    """Whether the customer's message is an explicit go-ahead ("yes", "please proceed")."""
    return bool(_CONFIRM.search(text))


def describe_user(user: dict[str, Any], orders: list[dict[str, Any]]) -> str:
    """The customer's records in a few lines: what most requests need, without a look-up."""
    name, address = user["name"], user["address"]
    street = ", ".join(p for p in (address["address1"], address.get("address2"), address["city"])
                       if p)
    methods = []
    for method in user["payment_methods"].values():
        extra = (f" balance {method['balance']}" if method.get("balance") is not None else
                 f" {method.get('brand') or ''} ending {method['last_four']}"
                 if method.get("last_four") else "")
        methods.append(f"{method['id']}{extra}")
    lines = [
        f"Authenticated customer: user id {user['user_id']}, {name['first_name']} "
        f"{name['last_name']}, {user['email']}.",
        f"Address: {street}, {address['state']} {address['zip']}, {address['country']}.",
        "Payment methods: " + "; ".join(methods) + ".",
        "Orders: " + (", ".join(user["orders"]) or "none") + ".",
    ]
    for order in orders:
        items = "; ".join(
            f"{i['name']} item {i['item_id']} ${i['price']}"
            + (f" ({', '.join(f'{k} {v}' for k, v in i['options'].items())})"
               if i.get("options") else "")
            for i in order["items"])
        lines.append(f"Order {order['order_id']} ({order['status']}): {items}.")
    return "\n".join(lines)
