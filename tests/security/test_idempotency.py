"""Idempotency keys replayed by someone else.

A first call stores its result under its key; the same actor repeating it gets that result
back (the control). Another actor reusing the key, with the same or other arguments, must
get ``idempotency_conflict``, learn nothing of the stored result and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.security._tool_world import (
    DB,
    USERS,
    assert_held,
    ctx,
    customer,
    first_method,
    orders,
)
from tests.tools._seeded import registry, seeded, seeded_template  # noqa: F401  (fixtures)
from tools import Store, ToolContext, ToolRegistry

_ADDRESS = {"address1": "9 Secret Rd", "address2": "Unit 7", "city": "Boston", "state": "MA",
            "country": "USA", "zip": "02110"}
_ORDER = orders(lambda o: o["status"] == "pending" and sum(
    p["amount"] for p in o["payment_history"]) < 400)[0]
_OWNER = _ORDER["user_id"]
_OTHER = next(u for u in USERS if u != _OWNER)
_ITEM = next(iter(next(iter(DB["products"].values()))["variants"]))

# (label, first actor, tool, arguments): a side effect whose result is worth stealing.
FIRST_CALLS: list[tuple[str, Callable[[str], ToolContext], str, dict[str, Any]]] = [
    ("customer_address", lambda k: customer(_OWNER, key=k), "modify_pending_order_address",
     {"order_id": _ORDER["order_id"], **_ADDRESS}),
    ("customer_user_address", lambda k: customer(_OWNER, key=k), "modify_user_address",
     {"user_id": _OWNER, **_ADDRESS}),
    ("customer_cancel", lambda k: customer(_OWNER, key=k), "cancel_pending_order",
     {"order_id": _ORDER["order_id"], "reason": "no longer needed"}),
    ("support_cancel", lambda k: ctx("support", key=k), "cancel_pending_order",
     {"order_id": _ORDER["order_id"], "reason": "ordered by mistake"}),
    ("system_price", lambda k: ctx("system", key=k), "apply_price_change",
     {"item_id": _ITEM, "new_price": None, "reason": "keyed change"}),
    ("system_reserve", lambda k: ctx("system", key=k), "reserve_stock",
     {"order_id": _ORDER["order_id"], "allow_partial": True}),
]

# Who replays the key: each is someone other than the first actor for some first calls.
REPLAYERS: dict[str, Callable[[str], ToolContext]] = {
    "other_customer": lambda k: customer(_OTHER, key=k),
    "owner_customer": lambda k: customer(_OWNER, key=k),
    "support": lambda k: ctx("support", key=k),
    "system": lambda k: ctx("system", key=k),
    "analyst": lambda k: ctx("analyst", key=k),
    "approved_other_customer": lambda k: customer(_OTHER, key=k, approved=True),
}


def _price_now(store: Store) -> float:
    with store.cursor() as c:
        found = c.execute("SELECT price FROM variants WHERE item_id = ?", [_ITEM]).fetchone()
    assert found is not None
    return float(found[0])


def _args(store: Store, args: dict[str, Any]) -> dict[str, Any]:
    if "new_price" in args:  # a small rise, within the limit
        return {**args, "new_price": round(_price_now(store) * 1.02, 2)}
    return args


def _actor_of(make: Callable[[str], ToolContext]) -> tuple[str, str | None]:
    c = make("probe")
    return c.actor.role, c.actor.user_id


CASES = [pytest.param(label, first, tool, args, replayer, id=f"{label}-by-{name}")
         for label, first, tool, args in FIRST_CALLS
         for name, replayer in REPLAYERS.items() if _actor_of(replayer) != _actor_of(first)]


@pytest.mark.parametrize(("label", "first", "tool_name", "args", "replayer"), CASES)
def test_another_actors_key_returns_nothing_of_theirs(
        seeded: Store, registry: ToolRegistry, label: str,  # noqa: F811
        first: Callable[[str], ToolContext], tool_name: str, args: dict[str, Any],
        replayer: Callable[[str], ToolContext]) -> None:
    key = f"key-{label}"
    args = _args(seeded, args)
    original = registry.call(tool_name, args, first(key))
    assert original.ok, original.for_model()
    stored = original.for_model()
    for attempt in (args, {**args, "order_id": "#W0000000"} if "order_id" in args else args):
        result = assert_held(seeded, lambda a=attempt: registry.call(tool_name, a, replayer(key)),
                      allowed=("error",))
        assert result.error is not None
        assert result.error.code in ("idempotency_conflict", "forbidden"), result.error
        assert result.output is None and not result.replayed
        text = result.for_model()
        assert "Secret" not in text and _OWNER not in text and stored not in text


# The same actor, but a different call under the key: refused without the stored result.
SAME_ACTOR_OTHER_CALL = [
    pytest.param(label, first, tool, args, id=label) for label, first, tool, args in FIRST_CALLS
]


@pytest.mark.parametrize(("label", "first", "tool_name", "args"), SAME_ACTOR_OTHER_CALL)
def test_same_key_for_another_call_is_a_conflict(
        seeded: Store, registry: ToolRegistry, label: str,  # noqa: F811
        first: Callable[[str], ToolContext], tool_name: str, args: dict[str, Any]) -> None:
    key = f"key-{label}"
    args = _args(seeded, args)
    assert registry.call(tool_name, args, first(key)).ok
    other = {"order_id": _ORDER["order_id"], "payment_method_id": first_method(_ORDER)}
    result = assert_held(seeded, lambda: registry.call("modify_pending_order_payment", other,
                                                first(key)), allowed=("error",))
    assert result.error is not None
    assert result.error.code in ("idempotency_conflict", "forbidden"), result.error


@pytest.mark.parametrize(("label", "first", "tool_name", "args"), SAME_ACTOR_OTHER_CALL)
def test_control_same_actor_replay_gets_the_first_result(
        seeded: Store, registry: ToolRegistry, label: str,  # noqa: F811
        first: Callable[[str], ToolContext], tool_name: str, args: dict[str, Any]) -> None:
    key = f"key-{label}"
    args = _args(seeded, args)
    original = registry.call(tool_name, args, first(key))
    again = registry.call(tool_name, args, first(key))
    assert original.ok and again.ok and again.replayed
    assert again.output == original.output
