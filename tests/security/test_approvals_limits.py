"""Limits a caller tries to walk around: refunds beyond what was paid, price changes in small
steps, approved prices that are absurd, changes on orders whose status forbids them, refunds
over the approval limit, and supply maths pushed to overflow.

An attempt is held when it is refused (error or needs_approval) with nothing changed, or,
where the call may legitimately succeed, when the invariant it attacks still holds (never more
refunded than paid; never a price beyond the cumulative limit without approval).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest

from tests.security._tool_world import (
    USERS,
    assert_held,
    ctx,
    first_method,
    order_row,
    orders,
    other_variant,
    paid,
    row,
)
from tests.tools._seeded import SETTINGS, registry, seeded, seeded_template  # noqa: F401
from tools import Store, ToolRegistry
from tools.seed import business_date

STAFF = "support"


def _staff(approved: bool = False) -> Any:
    return ctx(STAFF, approved=approved)


# ---- refunds come from what was paid and not yet refunded -----------------------------------

def _other_method(order: dict[str, Any]) -> str | None:
    methods = USERS[order["user_id"]]["payment_methods"]
    current = first_method(order)
    for method_id, method in methods.items():
        if method_id == current:
            continue
        if method["source"] != "gift_card" or method["balance"] >= paid(order):
            return str(method_id)
    return None


_REPAYABLE = [o for o in orders(lambda o: o["status"] == "pending") if _other_method(o)][:24]


def _net_by_method(history: list[dict[str, Any]]) -> dict[str, float]:
    net: dict[str, float] = {}
    for p in history:
        sign = 1 if p["transaction_type"] == "payment" else -1
        net[p["payment_method_id"]] = round(net.get(p["payment_method_id"], 0) + sign * p["amount"],
                                            2)
    return net


def _gift_balances(store: Store, user_id: str) -> dict[str, float]:
    import json

    (methods,) = row(store, "SELECT payment_methods FROM users WHERE user_id = ?", [user_id])
    return {k: float(v["balance"]) for k, v in json.loads(methods).items()
            if v["source"] == "gift_card"}


@pytest.mark.parametrize("order", _REPAYABLE, ids=[o["order_id"] for o in _REPAYABLE])
def test_cancel_after_payment_change_refunds_only_what_was_paid(
        seeded: Store, registry: ToolRegistry, order: dict[str, Any]) -> None:  # noqa: F811
    new_method = _other_method(order)
    before = _gift_balances(seeded, order["user_id"])
    changed = registry.call("modify_pending_order_payment",
                            {"order_id": order["order_id"], "payment_method_id": new_method},
                            _staff())
    assert changed.ok, changed.for_model()
    cancelled = registry.call("cancel_pending_order",
                              {"order_id": order["order_id"], "reason": "no longer needed"},
                              _staff(approved=True))
    assert cancelled.ok, cancelled.for_model()
    history = order_row(seeded, order["order_id"])["payment_history"]
    refunded = sum(p["amount"] for p in history if p["transaction_type"] == "refund")
    payments = sum(p["amount"] for p in history if p["transaction_type"] == "payment")
    assert round(refunded, 2) == round(payments, 2), history
    assert all(v == 0 for v in _net_by_method(history).values()), history
    # Each gift card gets back, once, what the order had taken from it.
    expected = {m: round(b + _net_by_method(order["payment_history"]).get(m, 0), 2)
                for m, b in before.items()}
    assert _gift_balances(seeded, order["user_id"]) == pytest.approx(expected)


# ---- the cumulative price-change limit ------------------------------------------------------

def _items(n: int) -> list[str]:
    from tests.security._tool_world import DB

    return [next(iter(p["variants"])) for p in list(DB["products"].values())[:n]]


_STEP_PATTERNS = {"four_up_14": [14, 14, 14, 14], "up_down_up": [14, -5, 14, 14],
                  "ten_small_steps": [5] * 10, "down_then_up_big": [-10, 14, 14]}
_STEPS = [pytest.param(item, steps, id=f"{name}-{item}") for item in _items(8)
          for name, steps in _STEP_PATTERNS.items()]


def _window_start(store: Store, item_id: str) -> float:
    """The price in effect price_change_window_days ago, read straight from the history."""
    with store.cursor() as c:
        start = business_date(c) - timedelta(days=SETTINGS.price_change_window_days)
        found = c.execute("SELECT price FROM price_history WHERE item_id = ? AND effective_on "
                          "<= ? ORDER BY effective_on DESC, changed_at DESC NULLS LAST LIMIT 1",
                          [item_id, start]).fetchone()
    if found is None:
        found = row(store, "SELECT coalesce(previous_price, price) FROM price_history "
                           "WHERE item_id = ? ORDER BY effective_on, changed_at NULLS FIRST "
                           "LIMIT 1", [item_id])
    return float(found[0])


def _price(store: Store, item_id: str) -> float:
    return float(row(store, "SELECT price FROM variants WHERE item_id = ?", [item_id])[0])


@pytest.mark.parametrize(("item_id", "steps"), _STEPS)
def test_small_price_steps_never_add_up_past_the_limit(
        seeded: Store, registry: ToolRegistry, item_id: str, steps: list[int]) -> None:  # noqa: F811
    start = _window_start(seeded, item_id)
    limit = SETTINGS.max_price_change_pct / 100
    for pct in steps:
        current = _price(seeded, item_id)
        new = round(current * (1 + pct / 100), 2)
        result = registry.call("apply_price_change", {"item_id": item_id, "new_price": new,
                                                      "reason": "step"}, ctx("system"))
        if result.status != "ok":
            assert _price(seeded, item_id) == current  # a refused step changed nothing
            continue
        price = _price(seeded, item_id)
        assert abs(price / start - 1) <= limit + 1e-3, (start, price)
        assert abs(price / current - 1) <= limit + 1e-3, (current, price)


_ABSURD = {"x5_5": 5.5, "x100": 100.0, "max_money": None, "one_cent": 0.0}


@pytest.mark.parametrize(("item_id", "factor"),
                         [pytest.param(i, f, id=f"{n}-{i}") for i in _items(6)
                          for n, f in _ABSURD.items()])
def test_an_approved_price_is_still_bounded(seeded: Store, registry: ToolRegistry,  # noqa: F811
                                            item_id: str, factor: float | None) -> None:
    current = _price(seeded, item_id)
    new = 1_000_000.0 if factor is None else max(0.01, round(current * factor, 2))
    assert_held(seeded, lambda: registry.call("apply_price_change",
                                       {"item_id": item_id, "new_price": new,
                                        "reason": "approved by a person"},
                                       ctx("system", approved=True)), allowed=("error",))


# ---- changes only on orders whose status the policy allows -----------------------------------

def _one_of(status: str, k: int) -> list[dict[str, Any]]:
    return orders(lambda o: o["status"] == status and any(other_variant(i)
                                                          for i in o["items"]))[:k]


def _swap(order: dict[str, Any]) -> tuple[list[str], list[str]]:
    item = next(i for i in order["items"] if other_variant(i))
    return [item["item_id"]], [str(other_variant(item))]


def _change(tool: str, order: dict[str, Any]) -> dict[str, Any]:
    address = {"address1": "1 Main St", "address2": "", "city": "Austin", "state": "TX",
               "country": "USA", "zip": "78701"}
    old, new = _swap(order)
    pm = first_method(order)
    other = _other_method(order) or pm
    return {
        "modify_pending_order_address": {"order_id": order["order_id"], **address},
        "modify_pending_order_payment": {"order_id": order["order_id"],
                                         "payment_method_id": other},
        "cancel_pending_order": {"order_id": order["order_id"], "reason": "no longer needed"},
        "modify_pending_order_items": {"order_id": order["order_id"], "item_ids": old,
                                       "new_item_ids": new, "payment_method_id": pm},
        "return_delivered_order_items": {"order_id": order["order_id"], "item_ids": old,
                                         "payment_method_id": pm},
        "exchange_delivered_order_items": {"order_id": order["order_id"], "item_ids": old,
                                           "new_item_ids": new, "payment_method_id": pm},
    }[tool]


_FORBIDDEN_STATUS = {
    "modify_pending_order_address": ["item_modified", "processed", "delivered", "cancelled"],
    "modify_pending_order_payment": ["item_modified", "processed", "delivered", "cancelled"],
    "cancel_pending_order": ["item_modified", "processed", "delivered", "cancelled"],
    "modify_pending_order_items": ["item_modified", "processed", "delivered", "cancelled"],
    "return_delivered_order_items": ["pending", "processed", "cancelled", "item_modified"],
    "exchange_delivered_order_items": ["pending", "processed", "cancelled", "item_modified"],
}
_STATUS_CASES = [pytest.param(tool, status, n, id=f"{tool}-{status}-{n}")
                 for tool, statuses in _FORBIDDEN_STATUS.items() for status in statuses
                 for n in range(2)]


@pytest.mark.parametrize(("tool_name", "status", "n"), _STATUS_CASES)
def test_change_on_a_status_the_policy_forbids_is_refused(
        seeded: Store, registry: ToolRegistry, tool_name: str, status: str,  # noqa: F811
        n: int) -> None:
    source = "pending" if status == "item_modified" else status
    order = _one_of(source, 2)[n]
    if status == "item_modified":  # the policy: after this the order cannot change again
        first = registry.call("modify_pending_order_items",
                              _change("modify_pending_order_items", order), _staff(True))
        assert first.ok, first.for_model()
        assert order_row(seeded, order["order_id"])["status"] == "pending (item modified)"
    result = assert_held(seeded, lambda: registry.call(tool_name, _change(tool_name, order),
                                                _staff(approved=True)), allowed=("error",))
    assert result.error is not None and result.error.code == "policy", result.error


# ---- refunds above the approval limit wait for a person ---------------------------------------

_LIMIT = float(SETTINGS.refund_approval_limit)
_BIG_PENDING = orders(lambda o: o["status"] == "pending" and paid(o) > _LIMIT)[:10]
_BIG_DELIVERED = [o for o in orders(lambda o: o["status"] == "delivered")
                  if sum(i["price"] for i in o["items"]) > _LIMIT][:10]


@pytest.mark.parametrize("order", _BIG_PENDING, ids=[o["order_id"] for o in _BIG_PENDING])
def test_large_cancel_needs_approval(seeded: Store, registry: ToolRegistry,  # noqa: F811
                                     order: dict[str, Any]) -> None:
    for role in ("support", "customer", "system"):
        context = ctx(role, user_id=order["user_id"] if role == "customer" else None)
        assert_held(seeded, lambda context=context: registry.call(
            "cancel_pending_order", {"order_id": order["order_id"],
                                     "reason": "ordered by mistake"}, context),
            allowed=("needs_approval",))


@pytest.mark.parametrize("order", _BIG_DELIVERED, ids=[o["order_id"] for o in _BIG_DELIVERED])
def test_large_return_needs_approval(seeded: Store, registry: ToolRegistry,  # noqa: F811
                                     order: dict[str, Any]) -> None:
    args = {"order_id": order["order_id"], "item_ids": [i["item_id"] for i in order["items"]],
            "payment_method_id": first_method(order)}
    assert_held(seeded, lambda: registry.call("return_delivered_order_items", args,
                                       ctx("customer", user_id=order["user_id"])),
         allowed=("needs_approval",))


# ---- supply maths at the edges ----------------------------------------------------------------

_EXTREMES = [(1_000_000.0, 0.001, 0.9999), (1_000_000.0, 0.001, 0.51), (0.0001, 2.0, 0.9999),
             (999_999.99, 0.001, 0.99)]


@pytest.mark.parametrize(("item_id", "cost", "rate", "level"),
                         [pytest.param(i, c, r, s, id=f"{i}-{c:g}-{r:g}-{s:g}")
                          for i in _items(3) for c, r, s in _EXTREMES])
def test_reorder_maths_never_overflow(seeded: Store, registry: ToolRegistry,  # noqa: F811
                                      item_id: str, cost: float, rate: float,
                                      level: float) -> None:
    result = assert_held(seeded, lambda: registry.call(
        "reorder_suggestion", {"item_id": item_id, "ordering_cost": cost, "holding_rate": rate,
                               "service_level": level}, ctx("system")),
        allowed=("ok", "error"))
    if result.ok:
        out = result.output.model_dump()  # type: ignore[union-attr]
        assert math.isfinite(out["eoq"]) and 0 <= out["order_quantity"] <= 10_000_000


# ---- controls -----------------------------------------------------------------------------------

def test_control_small_price_change_is_applied(
        seeded: Store, registry: ToolRegistry) -> None:  # noqa: F811
    for item_id in _items(8):
        current = _price(seeded, item_id)
        start = _window_start(seeded, item_id)
        new = round(current * 1.01, 2)
        if abs(new / start - 1) > 0.14:
            continue
        result = registry.call("apply_price_change", {"item_id": item_id, "new_price": new,
                                                      "reason": "small"}, ctx("system"))
        assert result.ok, result.for_model()
        assert _price(seeded, item_id) == new
        return
    pytest.fail("no item in the sample could take a 1% change")


def test_control_approved_large_change_is_applied(
        seeded: Store, registry: ToolRegistry) -> None:  # noqa: F811
    item_id = _items(1)[0]
    new = round(_price(seeded, item_id) * 1.5, 2)
    asked = registry.call("apply_price_change", {"item_id": item_id, "new_price": new,
                                                 "reason": "approved rise"}, ctx("system"))
    assert asked.status == "needs_approval"
    done = registry.call("apply_price_change", {"item_id": item_id, "new_price": new,
                                                "reason": "approved rise"},
                         ctx("system", approved=True))
    assert done.ok and _price(seeded, item_id) == new


def test_control_plain_cancel_refunds_the_payment(
        seeded: Store, registry: ToolRegistry) -> None:  # noqa: F811
    order = _REPAYABLE[0]
    result = registry.call("cancel_pending_order", {"order_id": order["order_id"],
                                                    "reason": "no longer needed"},
                           _staff(approved=True))
    assert result.ok
    history = order_row(seeded, order["order_id"])["payment_history"]
    assert history[-1] == {"transaction_type": "refund", "amount": paid(order),
                           "payment_method_id": first_method(order)}
