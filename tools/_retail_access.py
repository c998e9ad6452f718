"""Reading and writing retail records inside a tool's transaction, with ownership checks.

Records travel as db.json-shaped dicts so the write tools can follow the
reference implementation step by step (same arithmetic, same order of checks).
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from .context import ToolContext
from .errors import Forbidden, NotFound
from .retail_db import ORDER_OPTIONAL_KEYS, fetch_dicts, order_record, user_record, variant_record
from .store import Cursor

_ORDER_HINT = "order ids look like '#W0000000' (with the '#'); look them up in the user's details"


def fold(text: str) -> str:
    """Case- and accent-insensitive form used to match names and emails."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def check_owner(ctx: ToolContext, user_id: str, what: str) -> None:
    """A customer may see and change only their own records."""
    actor = ctx.actor
    if actor.role == "customer" and actor.user_id != user_id:
        raise Forbidden(f"this {what} belongs to another customer",
                        "a customer can only be helped with their own account and orders")


def load_order(db: Cursor, ctx: ToolContext, order_id: str) -> dict[str, Any]:
    rows = fetch_dicts(db, "SELECT * FROM orders WHERE order_id = ?", [order_id])
    if not rows:
        raise NotFound("Order not found", _ORDER_HINT)
    check_owner(ctx, rows[0]["user_id"], "order")
    record = order_record({**rows[0], "extended": True})
    return record


def save_order(db: Cursor, order: dict[str, Any]) -> None:
    """Write back an order; it now carries the optional keys, as the reference's dump does."""
    json_cols = ("address", "items", "fulfillments", "payment_history",
                 "exchange_items", "exchange_new_items", "return_items")
    cols = ["status", "address", "items", "fulfillments", "payment_history",
            *ORDER_OPTIONAL_KEYS]
    values = [json.dumps(order[c]) if c in json_cols and order[c] is not None else order[c]
              for c in cols]
    assignments = ", ".join(f"{c} = ?" for c in cols)
    db.execute(f"UPDATE orders SET {assignments}, extended = TRUE WHERE order_id = ?",
               [*values, order["order_id"]])


def load_user(db: Cursor, ctx: ToolContext, user_id: str) -> dict[str, Any]:
    rows = fetch_dicts(db, "SELECT * FROM users WHERE user_id = ?", [user_id])
    if not rows:
        raise NotFound("User not found",
                       "find the user id with find_user_id_by_email or find_user_id_by_name_zip")
    check_owner(ctx, user_id, "account")
    return user_record(rows[0])


def save_user(db: Cursor, user: dict[str, Any]) -> None:
    db.execute("UPDATE users SET address = ?, payment_methods = ? WHERE user_id = ?",
               [json.dumps(user["address"]), json.dumps(user["payment_methods"]),
                user["user_id"]])


def payment_method(user: dict[str, Any], payment_method_id: str) -> dict[str, Any]:
    method: dict[str, Any] | None = user["payment_methods"].get(payment_method_id)
    if method is None:
        raise NotFound("Payment method not found",
                       f"use one of the user's payment methods: "
                       f"{', '.join(user['payment_methods'])}")
    return method


def is_gift_card(method: dict[str, Any]) -> bool:
    return bool(method["source"] == "gift_card")


def load_variant(db: Cursor, product_id: str,
                 item_id: str) -> dict[str, Any]:
    """A variant of a given product (the reference's ``_get_variant``)."""
    if not db.execute("SELECT 1 FROM products WHERE product_id = ?", [product_id]).fetchone():
        raise NotFound("Product not found")
    rows = fetch_dicts(db, "SELECT * FROM variants WHERE product_id = ? AND item_id = ?",
                       [product_id, item_id])
    if not rows:
        raise NotFound("Variant not found",
                       "the new item must be a variant of the same product; "
                       "see get_product_details")
    return variant_record(rows[0])


def refundable(order: dict[str, Any]) -> dict[str, float]:
    """Per payment method, what was paid and not yet refunded (positive amounts only, cents).

    Every refund is bounded by this, so a refund entry in the history (a payment-method
    change, an earlier partial refund) is never paid out again.
    """
    net: dict[str, float] = {}
    for entry in order["payment_history"]:
        sign = 1.0 if entry["transaction_type"] == "payment" else -1.0
        method = entry["payment_method_id"]
        net[method] = net.get(method, 0.0) + sign * float(entry["amount"])
    return {m: round(v, 2) for m, v in net.items() if round(v, 2) > 0}
