"""Malformed arguments, as a confused or hostile model sends them, against every tool.

Each attempt mutates one field of a well-formed call (a lone UTF-16 surrogate, a control
character, a megabyte of text, "5" or true for a number, inf/NaN/1e308, an unknown field,
broken JSON text) and must come back as an error from ``ToolRegistry.call`` with nothing
changed: no exception out of the registry, no coercion, nothing stored.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security._tool_world import DB, ORDERS, assert_held, shared
from tests.tools._seeded import seeded_template  # noqa: F401  (fixture)
from tools import Store, ToolRegistry

__all__ = ["shared"]

_PENDING = next(o for o in ORDERS if o["status"] == "pending")
_DELIVERED = next(o for o in ORDERS if o["status"] == "delivered")
_USER = DB["users"][_PENDING["user_id"]]
_ITEM = _PENDING["items"][0]
_ADDRESS = {"address1": "1 Main St", "address2": "", "city": "Austin", "state": "TX",
            "country": "USA", "zip": "78701"}
_PM = _PENDING["payment_history"][0]["payment_method_id"]

# One well-formed call per tool; each attempt breaks exactly one part of it.
VALID: dict[str, dict[str, Any]] = {
    "find_user_id_by_email": {"email": _USER["email"]},
    "find_user_id_by_name_zip": {"first_name": _USER["name"]["first_name"],
                                 "last_name": _USER["name"]["last_name"],
                                 "zip": _USER["address"]["zip"]},
    "get_user_details": {"user_id": _USER["user_id"]},
    "get_order_details": {"order_id": _PENDING["order_id"]},
    "get_product_details": {"product_id": _ITEM["product_id"]},
    "get_item_details": {"item_id": _ITEM["item_id"]},
    "cancel_pending_order": {"order_id": _PENDING["order_id"], "reason": "no longer needed"},
    "modify_pending_order_address": {"order_id": _PENDING["order_id"], **_ADDRESS},
    "modify_pending_order_items": {"order_id": _PENDING["order_id"],
                                   "item_ids": [_ITEM["item_id"]],
                                   "new_item_ids": [_ITEM["item_id"]],
                                   "payment_method_id": _PM},
    "modify_pending_order_payment": {"order_id": _PENDING["order_id"],
                                     "payment_method_id": _PM},
    "modify_user_address": {"user_id": _USER["user_id"], **_ADDRESS},
    "return_delivered_order_items": {"order_id": _DELIVERED["order_id"],
                                     "item_ids": [_DELIVERED["items"][0]["item_id"]],
                                     "payment_method_id": _PM},
    "exchange_delivered_order_items": {"order_id": _DELIVERED["order_id"],
                                       "item_ids": [_DELIVERED["items"][0]["item_id"]],
                                       "new_item_ids": [_DELIVERED["items"][0]["item_id"]],
                                       "payment_method_id": _PM},
    "calculate": {"expression": "2 + 2"},
    "transfer_to_human_agents": {"summary": "the customer wants a person"},
    "run_sql": {"sql": "SELECT 1"},
    "get_stock": {"item_ids": [_ITEM["item_id"]]},
    "plan_fulfilment": {"lines": [{"item_id": _ITEM["item_id"], "quantity": 2}],
                        "state": "TX"},
    "reserve_stock": {"order_id": _PENDING["order_id"], "state": "TX"},
    "release_reservation": {"order_id": _PENDING["order_id"], "reason": "order cancelled"},
    "shipping_eta": {"state": "TX", "zip_code": "78701"},
    "demand_forecast": {"item_id": _ITEM["item_id"], "horizon_days": 7},
    "reorder_suggestion": {"item_id": _ITEM["item_id"], "service_level": 0.9,
                           "ordering_cost": 50.0, "holding_rate": 0.25},
    "quote": {"item_id": _ITEM["item_id"], "quantity": 3},
    "check_margin": {"item_id": _ITEM["item_id"], "price": 10.5, "quantity": 1},
    "suggest_price": {"item_id": _ITEM["item_id"]},
    "apply_price_change": {"item_id": _ITEM["item_id"], "new_price": 10.5,
                           "reason": "a test change"},
}

Path = tuple[str | int, ...]


def _leaves(value: Any, path: Path = ()) -> list[tuple[Path, Any]]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in _leaves(v, (*path, i))]
    return [(path, value)]


def _set(args: dict[str, Any], path: Path, new: Any) -> dict[str, Any]:
    out: Any = json.loads(json.dumps(args))
    node = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = new
    assert isinstance(out, dict)
    return out


_STRING_BREAKS: dict[str, Any] = {
    "lone_surrogate": lambda s: s + "\ud800",
    "low_surrogate_first": lambda s: "\udc00" + s,
    "nul_byte": lambda s: s[:1] + "\x00" + s[1:],
    "escape_sequence": lambda s: s + "\x1b[2J",
    "one_megabyte": lambda s: s + "A" * 1_000_000,
    "number_instead": lambda s: 12345,
}
# A free-text summary may hold newlines but not these; ids and names hold neither.
_NUMBER_BREAKS: dict[str, Any] = {
    "string_digits": lambda n: str(n),
    "boolean_true": lambda n: True,
    "infinity": lambda n: float("inf"),
    "nan": lambda n: float("nan"),
    "huge": lambda n: 1e308,
    "negative": lambda n: -abs(n) - 1,
}

# Fields that are not free to break: a literal reason is checked anyway, and run_sql's text
# is another engineer's guard; both still get every break, and must still be refused.
CASES: list[Any] = []
for tool_name, good in VALID.items():
    for path, value in _leaves(good):
        where = ".".join(str(p) for p in path)
        breaks = _STRING_BREAKS if isinstance(value, str) else _NUMBER_BREAKS
        for label, fn in breaks.items():
            CASES.append(pytest.param(tool_name, _set(good, path, fn(value)),
                                      id=f"{tool_name}-{where}-{label}"))
    CASES.append(pytest.param(tool_name, {**good, "is_admin": True},
                              id=f"{tool_name}-unknown_field"))
    CASES.append(pytest.param(tool_name, [good], id=f"{tool_name}-array_not_object"))


@pytest.mark.parametrize(("tool_name", "args"), CASES)
def test_malformed_argument_is_refused(shared: tuple[Store, ToolRegistry], tool_name: str,
                                       args: Any) -> None:
    store, registry = shared
    result = assert_held(store, lambda: registry.call(tool_name, args, _ctx()), allowed=("error",))
    assert result.error is not None and result.error.code in (
        "invalid_arguments", "not_found", "policy"), result.error


# The same, as the raw JSON text a model's tool call carries: a \ud800 escape decodes to a
# lone surrogate, which no store can encode.
RAW: list[Any] = []
for tool_name, good in VALID.items():
    text = json.dumps(good)
    strings = [v for _, v in _leaves(good) if isinstance(v, str)]
    if strings:
        RAW.append(pytest.param(tool_name, text.replace(json.dumps(strings[0]),
                                                        '"\\ud83d' + strings[0] + '"', 1),
                                id=f"{tool_name}-escaped_lone_surrogate"))
    RAW.append(pytest.param(tool_name, text[:-1], id=f"{tool_name}-truncated_json"))


@pytest.mark.parametrize(("tool_name", "raw"), RAW)
def test_malformed_json_text_is_refused(shared: tuple[Store, ToolRegistry], tool_name: str,
                                        raw: str) -> None:
    store, registry = shared
    result = assert_held(store, lambda: registry.call(tool_name, raw, _ctx()), allowed=("error",))
    assert result.error is not None and result.error.code == "invalid_arguments"


_BOMBS = [
    "(" * 5000 + "1" + ")" * 5000,
    "1" + "+1" * 100_000,
    "-" * 100_000 + "1",
    "9" * 400 + " * " + "9" * 400,
    "99999999999 * 99999999999 * 99999999999 * 99999999999",
    "1 / 0",
    "2 ** 2 ** 2 ** 2 ** 2",
    "1 // 0",
    "((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))",
    "1e308 * 10",
    "__import__('os')",
    "",
]


@pytest.mark.parametrize("expression", _BOMBS, ids=[f"bomb{i}" for i in range(len(_BOMBS))])
def test_calculate_bomb_is_an_error(shared: tuple[Store, ToolRegistry], expression: str) -> None:
    store, registry = shared
    result = assert_held(store, lambda: registry.call("calculate", {"expression": expression},
                                               _ctx("customer")), allowed=("error",))
    assert result.error is not None and result.error.code == "invalid_arguments"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.characters(categories=["Cs", "Cc"]), min_size=1, max_size=20),
       prefix=st.text(max_size=10))
def test_hostile_text_in_an_address_is_never_stored(shared: tuple[Store, ToolRegistry],
                                                    text: str, prefix: str) -> None:
    store, registry = shared
    args = {**VALID["modify_user_address"], "address1": prefix + text}
    assert_held(store, lambda: registry.call("modify_user_address", args, _ctx()), allowed=("error",))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(price=st.one_of(st.floats(allow_nan=True, allow_infinity=True).filter(
    lambda x: not 0 < x <= 1e6), st.integers(min_value=10**6 + 1)))
def test_out_of_range_price_is_refused(shared: tuple[Store, ToolRegistry], price: float) -> None:
    store, registry = shared
    args = {**VALID["apply_price_change"], "new_price": price}
    assert_held(store, lambda: registry.call("apply_price_change", args, _ctx(approved=True)),
         allowed=("error",))


def test_control_well_formed_calls_still_work(shared: tuple[Store, ToolRegistry]) -> None:
    _, registry = shared
    for name in ("find_user_id_by_email", "get_order_details", "get_item_details", "quote",
                 "check_margin", "shipping_eta", "plan_fulfilment", "calculate",
                 "transfer_to_human_agents", "get_stock"):
        result = registry.call(name, VALID[name], _ctx())
        assert result.ok, (name, result.for_model())


def test_control_text_is_normalised_and_newlines_kept_in_free_text(
        shared: tuple[Store, ToolRegistry]) -> None:
    _, registry = shared
    result = registry.call("transfer_to_human_agents",
                           {"summary": "Cafe\u0301 order:\n\tdamaged"}, _ctx())
    assert result.ok
    found = registry.call("find_user_id_by_email", json.dumps(VALID["find_user_id_by_email"]),
                          _ctx())
    assert found.ok and found.output is not None
    assert found.output.model_dump() == {"user_id": _USER["user_id"]}


def test_control_calculator_still_adds_up(shared: tuple[Store, ToolRegistry]) -> None:
    _, registry = shared
    result = registry.call("calculate", {"expression": "200.8 + 96.35 + (193.38 * 2) / 4"},
                           _ctx("customer"))
    assert result.ok and result.output is not None
    assert result.output.model_dump() == {"result": str(round(200.8 + 96.35 + 193.38 / 2, 2))}


def _ctx(role: str = "system", approved: bool = False) -> Any:
    from tests.security._tool_world import ctx
    return ctx(role, user_id=_USER["user_id"] if role == "customer" else None,
               approved=approved)
