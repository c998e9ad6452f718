"""A customer reaching for another customer's users, orders and payment methods.

The attacker is an authenticated customer; every attempt names a victim's record (directly,
or hidden inside the attacker's own order as a payment method) and must be refused with
nothing changed. Staff-only tools are refused to customers whatever they ask.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.security._tool_world import (
    DB,
    USERS,
    assert_held,
    customer,
    first_method,
    order_row,
    orders,
    other_variant,
    shared,  # noqa: F401  (fixture)
)
from tests.tools._seeded import registry, seeded, seeded_template  # noqa: F401  (fixtures)
from tools import Store, ToolRegistry


def _has_alternative(order: dict[str, Any]) -> bool:
    return any(other_variant(i) for i in order["items"])


def _pick(user_id: str, status: str) -> dict[str, Any] | None:
    found = orders(lambda o: o["user_id"] == user_id and o["status"] == status
                   and _has_alternative(o))
    return found[0] if found else None


def _people() -> list[str]:
    """Users with a pending and a delivered order whose items have other variants."""
    return [u for u in USERS if _pick(u, "pending") and _pick(u, "delivered")]


PEOPLE = _people()
ATTACKER = PEOPLE[0]
VICTIMS = PEOPLE[1:8]
A_PENDING = _pick(ATTACKER, "pending")
A_DELIVERED = _pick(ATTACKER, "delivered")
assert A_PENDING and A_DELIVERED and len(VICTIMS) == 7
ADDRESS = {"address1": "66 Attacker Way", "address2": "", "city": "Austin", "state": "TX",
           "country": "USA", "zip": "78701"}


def _swap(order: dict[str, Any]) -> tuple[list[str], list[str]]:
    item = next(i for i in order["items"] if other_variant(i))
    new = other_variant(item)
    assert new is not None
    return [item["item_id"]], [new]


def _victim_methods(victim: str) -> list[str]:
    return list(USERS[victim]["payment_methods"])


def _attempts(victim: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(label, tool, arguments): each names something of ``victim``'s."""
    assert A_PENDING and A_DELIVERED
    pending, delivered = _pick(victim, "pending"), _pick(victim, "delivered")
    assert pending and delivered
    user = USERS[victim]
    v_pm, a_pm = first_method(pending), first_method(A_PENDING)
    other_pm = _victim_methods(victim)[-1]
    old, new = _swap(pending)
    d_old, d_new = _swap(delivered)
    a_old, a_new = _swap(A_PENDING)
    ad_old, ad_new = _swap(A_DELIVERED)
    return [
        ("read_user", "get_user_details", {"user_id": victim}),
        ("read_pending_order", "get_order_details", {"order_id": pending["order_id"]}),
        ("read_delivered_order", "get_order_details", {"order_id": delivered["order_id"]}),
        ("find_by_email", "find_user_id_by_email", {"email": user["email"]}),
        ("find_by_email_upper", "find_user_id_by_email", {"email": user["email"].upper()}),
        ("find_by_name_zip", "find_user_id_by_name_zip",
         {"first_name": user["name"]["first_name"], "last_name": user["name"]["last_name"],
          "zip": user["address"]["zip"]}),
        ("cancel_order", "cancel_pending_order",
         {"order_id": pending["order_id"], "reason": "no longer needed"}),
        ("redirect_order", "modify_pending_order_address",
         {"order_id": pending["order_id"], **ADDRESS}),
        ("repay_order_with_own_method", "modify_pending_order_payment",
         {"order_id": pending["order_id"], "payment_method_id": a_pm}),
        ("repay_order_with_their_method", "modify_pending_order_payment",
         {"order_id": pending["order_id"], "payment_method_id": other_pm}),
        ("modify_items", "modify_pending_order_items",
         {"order_id": pending["order_id"], "item_ids": old, "new_item_ids": new,
          "payment_method_id": v_pm}),
        ("change_user_address", "modify_user_address", {"user_id": victim, **ADDRESS}),
        ("return_items", "return_delivered_order_items",
         {"order_id": delivered["order_id"], "item_ids": d_old,
          "payment_method_id": first_method(delivered)}),
        ("exchange_items", "exchange_delivered_order_items",
         {"order_id": delivered["order_id"], "item_ids": d_old, "new_item_ids": d_new,
          "payment_method_id": first_method(delivered)}),
        # The attacker's own orders, paid or refunded through the victim's methods.
        ("own_order_paid_by_victim", "modify_pending_order_payment",
         {"order_id": A_PENDING["order_id"], "payment_method_id": v_pm}),
        ("own_items_paid_by_victim", "modify_pending_order_items",
         {"order_id": A_PENDING["order_id"], "item_ids": a_old, "new_item_ids": a_new,
          "payment_method_id": v_pm}),
        ("own_return_to_victim", "return_delivered_order_items",
         {"order_id": A_DELIVERED["order_id"], "item_ids": ad_old, "payment_method_id": v_pm}),
        ("own_exchange_paid_by_victim", "exchange_delivered_order_items",
         {"order_id": A_DELIVERED["order_id"], "item_ids": ad_old, "new_item_ids": ad_new,
          "payment_method_id": other_pm}),
    ]


CASES = [pytest.param(victim, tool, args, id=f"{label}-{i}")
         for i, victim in enumerate(VICTIMS) for label, tool, args in _attempts(victim)]


@pytest.mark.parametrize(("victim", "tool_name", "args"), CASES)
def test_other_customers_records_are_out_of_reach(
        shared: tuple[Store, ToolRegistry], victim: str, tool_name: str,  # noqa: F811
        args: dict[str, Any]) -> None:
    store, reg = shared
    for approved in (False, True):  # an approval never widens whose records may be touched
        context = customer(ATTACKER, approved=approved)
        result = assert_held(store, lambda c=context: reg.call(tool_name, args, c),
                      allowed=("error",))
        assert result.error is not None
        assert result.error.code in ("forbidden", "not_found"), result.error
        # Nothing about the victim leaks through the refusal.
        assert victim not in result.for_model()
        assert USERS[victim]["email"].lower() not in result.for_model().lower()


_ANY_ITEM = next(iter(next(iter(DB["products"].values()))["variants"]))
_STAFF_ONLY: list[tuple[str, dict[str, Any]]] = [
    ("reserve_stock", {"order_id": "#W0000000", "state": "TX"}),
    ("release_reservation", {"order_id": "#W0000000"}),
    ("get_stock", {"item_ids": [_ANY_ITEM]}),
    ("plan_fulfilment", {"lines": [{"item_id": _ANY_ITEM}], "state": "TX"}),
    ("apply_price_change", {"item_id": _ANY_ITEM, "new_price": 1.0, "reason": "cheap"}),
    ("check_margin", {"item_id": _ANY_ITEM}),
    ("suggest_price", {"item_id": _ANY_ITEM}),
    ("demand_forecast", {"item_id": _ANY_ITEM}),
    ("reorder_suggestion", {"item_id": _ANY_ITEM}),
    ("run_sql", {"sql": "SELECT * FROM users"}),
    ("describe_schema", {}),
]


@pytest.mark.parametrize(("tool_name", "args"), _STAFF_ONLY, ids=[t for t, _ in _STAFF_ONLY])
def test_staff_tools_are_refused_to_customers(shared: tuple[Store, ToolRegistry],  # noqa: F811
                                              tool_name: str, args: dict[str, Any]) -> None:
    store, reg = shared
    result = assert_held(store, lambda: reg.call(tool_name, args, customer(ATTACKER, approved=True)),
                  allowed=("error",))
    assert result.error is not None and result.error.code == "forbidden"


def test_control_customer_reads_and_changes_own_records(
        seeded: Store, registry: ToolRegistry) -> None:  # noqa: F811
    assert A_PENDING is not None
    me = customer(ATTACKER)
    user = registry.call("get_user_details", {"user_id": ATTACKER}, me)
    assert user.ok and user.output is not None
    assert user.output.model_dump()["user_id"] == ATTACKER
    found = registry.call("find_user_id_by_email", {"email": USERS[ATTACKER]["email"]}, me)
    assert found.ok
    order = registry.call("get_order_details", {"order_id": A_PENDING["order_id"]}, me)
    assert order.ok
    moved = registry.call("modify_pending_order_address",
                          {"order_id": A_PENDING["order_id"], **ADDRESS}, customer(ATTACKER))
    assert moved.ok, moved.for_model()
    own_methods = [m for m in USERS[ATTACKER]["payment_methods"]
                   if m != first_method(A_PENDING)
                   and USERS[ATTACKER]["payment_methods"][m]["source"] != "gift_card"]
    if own_methods:
        repaid = registry.call("modify_pending_order_payment",
                               {"order_id": A_PENDING["order_id"],
                                "payment_method_id": own_methods[0]}, customer(ATTACKER))
        assert repaid.ok, repaid.for_model()
        history = order_row(seeded, A_PENDING["order_id"])["payment_history"]
        assert [p["payment_method_id"] for p in history][-2:] == [
            own_methods[0], first_method(A_PENDING)]


def test_control_support_still_serves_any_customer(
        seeded: Store, registry: ToolRegistry) -> None:  # noqa: F811
    from tests.security._tool_world import ctx

    victim = VICTIMS[0]
    pending = _pick(victim, "pending")
    assert pending is not None
    assert registry.call("get_user_details", {"user_id": victim}, ctx("support")).ok
    cancelled = registry.call("cancel_pending_order",
                              {"order_id": pending["order_id"], "reason": "ordered by mistake"},
                              ctx("support", approved=True))
    assert cancelled.ok, cancelled.for_model()
    assert order_row(seeded, pending["order_id"])["status"] == "cancelled"
    assert DB["orders"][pending["order_id"]]["status"] == "pending"
