"""Each retail tool through the registry: good calls, bad arguments, unknown ids, actors
who may not, and the policy refusals policy.md asks for."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tools import Actor, Store, ToolContext, ToolRegistry, ToolSettings, build_registry
from tools.retail_models import Order, User

from .conftest import customer, support

Pred = Callable[[dict[str, Any]], bool]


@pytest.fixture()
def reg(store: Store) -> ToolRegistry:
    return build_registry(store, ToolSettings())


def _orders(db: dict[str, Any], pred: Pred) -> Iterator[dict[str, Any]]:
    return (o for o in db["orders"].values() if pred(o))


def _order(db: dict[str, Any], pred: Pred) -> dict[str, Any]:
    return next(_orders(db, pred))


def _method(db: dict[str, Any], order: dict[str, Any]) -> dict[str, Any]:
    pm: dict[str, Any] = db["users"][order["user_id"]]["payment_methods"][
        order["payment_history"][0]["payment_method_id"]]
    return pm


def _variants(db: dict[str, Any], product_id: str) -> dict[str, Any]:
    v: dict[str, Any] = db["products"][product_id]["variants"]
    return v


def _small_pending(o: dict[str, Any]) -> bool:
    return o["status"] == "pending" and sum(p["amount"] for p in o["payment_history"]) < 400


def _user_record(reg: ToolRegistry, user_id: str) -> User:
    out = reg.call("get_user_details", {"user_id": user_id}, support()).output
    assert isinstance(out, User)
    return out


def _order_record(reg: ToolRegistry, order_id: str) -> Order:
    out = reg.call("get_order_details", {"order_id": order_id}, support()).output
    assert isinstance(out, Order)
    return out


# ---- lookups -------------------------------------------------------------------------


def test_find_user_by_email(reg: ToolRegistry, tau2_db: dict[str, Any]) -> None:
    user = next(iter(tau2_db["users"].values()))
    ok = reg.call("find_user_id_by_email", {"email": user["email"].upper()}, support())
    assert ok.ok and ok.output is not None
    assert ok.output.model_dump() == {"user_id": user["user_id"]}
    missing = reg.call("find_user_id_by_email", {"email": "nobody@example.com"}, support())
    assert missing.error is not None and missing.error.code == "not_found"
    bad = reg.call("find_user_id_by_email", {"email": 5}, support())
    assert bad.error is not None and bad.error.code == "invalid_arguments"
    assert "email" in bad.error.message
    extra = reg.call("find_user_id_by_email", {"email": user["email"], "x": 1}, support())
    assert extra.error is not None and extra.error.code == "invalid_arguments"


def test_customer_cannot_discover_another_users_id(reg: ToolRegistry,
                                                   tau2_db: dict[str, Any]) -> None:
    me, other = list(tau2_db["users"].values())[:2]
    mine = reg.call("find_user_id_by_email", {"email": me["email"]}, customer(me["user_id"]))
    assert mine.ok
    theirs = reg.call("find_user_id_by_email", {"email": other["email"]},
                      customer(me["user_id"]))
    assert theirs.error is not None and theirs.error.code == "not_found"
    by_name = reg.call("find_user_id_by_name_zip",
                       {**other["name"], "zip": other["address"]["zip"]},
                       customer(me["user_id"]))
    assert by_name.error is not None and by_name.error.code == "not_found"


def test_find_user_by_name_zip_ignores_case_and_accents(reg: ToolRegistry,
                                                        tau2_db: dict[str, Any]) -> None:
    user = tau2_db["users"]["yusuf_rossi_9620"]
    ok = reg.call("find_user_id_by_name_zip",
                  {"first_name": "yúsuf", "last_name": "ROSSI", "zip": "19122"}, support())
    assert ok.output is not None and ok.output.model_dump() == {"user_id": user["user_id"]}
    wrong_zip = reg.call("find_user_id_by_name_zip",
                         {"first_name": "Yusuf", "last_name": "Rossi", "zip": "19123"},
                         support())
    assert wrong_zip.error is not None and wrong_zip.error.code == "not_found"


def test_get_user_details(reg: ToolRegistry, tau2_db: dict[str, Any]) -> None:
    me, other = list(tau2_db["users"])[:2]
    assert _user_record(reg, me).model_dump(exclude_none=True) == tau2_db["users"][me]
    assert reg.call("get_user_details", {"user_id": me}, customer(me)).ok
    forbidden = reg.call("get_user_details", {"user_id": other}, customer(me))
    assert forbidden.error is not None and forbidden.error.code == "forbidden"
    missing = reg.call("get_user_details", {"user_id": "nobody_1"}, support())
    assert missing.error is not None and missing.error.code == "not_found"
    analyst = reg.call("get_user_details", {"user_id": me},
                       ToolContext(actor=Actor(role="analyst")))
    assert analyst.error is not None and analyst.error.code == "forbidden"


def test_get_order_details(reg: ToolRegistry, tau2_db: dict[str, Any]) -> None:
    order = next(iter(tau2_db["orders"].values()))
    assert _order_record(reg, order["order_id"]).model_dump(exclude_none=True) == order
    mine = reg.call("get_order_details", {"order_id": order["order_id"]},
                    customer(order["user_id"]))
    assert mine.ok
    other = next(u for u in tau2_db["users"] if u != order["user_id"])
    forbidden = reg.call("get_order_details", {"order_id": order["order_id"]}, customer(other))
    assert forbidden.error is not None and forbidden.error.code == "forbidden"
    missing = reg.call("get_order_details", {"order_id": "W000"}, support())
    assert missing.error is not None and missing.error.code == "not_found"
    assert "#" in missing.error.hint
    wrong = reg.call("get_order_details", {"order_id": ["#W1"]}, support())
    assert wrong.error is not None and wrong.error.code == "invalid_arguments"


def test_product_and_item_details(reg: ToolRegistry, tau2_db: dict[str, Any]) -> None:
    product = next(iter(tau2_db["products"].values()))
    got = reg.call("get_product_details", {"product_id": product["product_id"]},
                   customer("anyone_1"))
    assert got.output is not None and got.output.model_dump() == product
    item_id, variant = next(iter(product["variants"].items()))
    item = reg.call("get_item_details", {"item_id": item_id}, support())
    assert item.output is not None and item.output.model_dump() == variant
    # A product id is not an item id, and the other way round.
    assert reg.call("get_item_details", {"item_id": product["product_id"]},
                    support()).error is not None
    crossed = reg.call("get_product_details", {"product_id": item_id}, support())
    assert crossed.error is not None and crossed.error.message == "Product not found"


def test_list_all_product_types(reg: ToolRegistry, tau2_db: dict[str, Any]) -> None:
    out = reg.call("list_all_product_types", {}, support()).output
    assert out is not None
    products = out.model_dump()["products"]
    assert products == {p["name"]: p["product_id"] for p in tau2_db["products"].values()}
    assert list(products) == sorted(products)


def test_calculate(reg: ToolRegistry) -> None:
    out = reg.call("calculate", {"expression": "(2 + 2) * 3 / 7"}, support()).output
    assert out is not None and out.model_dump() == {"result": str(round(12 / 7, 2))}
    for bad in ("__import__('os')", "1 / 0", "2 ** 3", "(1 +"):
        result = reg.call("calculate", {"expression": bad}, support())
        assert result.error is not None and result.error.code == "invalid_arguments", bad


def test_transfer_to_human_agents(reg: ToolRegistry) -> None:
    out = reg.call("transfer_to_human_agents", {"summary": "wants a refund"}, support()).output
    assert out is not None and out.model_dump() == {"message": "Transfer successful"}


# ---- cancel ----------------------------------------------------------------------------


def test_cancel_refunds_gift_card_immediately(reg: ToolRegistry,
                                              tau2_db: dict[str, Any]) -> None:
    order = _order(tau2_db, lambda o: _small_pending(o) and len(o["payment_history"]) == 1
                   and _method(tau2_db, o)["source"] == "gift_card")
    method = _method(tau2_db, order)
    result = reg.call("cancel_pending_order",
                      {"order_id": order["order_id"], "reason": "no longer needed"},
                      customer(order["user_id"]))
    assert result.ok and isinstance(result.output, Order)
    assert result.output.status == "cancelled"
    assert result.output.cancel_reason == "no longer needed"
    refund = result.output.payment_history[-1]
    assert (refund.transaction_type, refund.amount) == (
        "refund", order["payment_history"][0]["amount"])
    balance = _user_record(reg, order["user_id"]).payment_methods[method["id"]].balance
    assert balance == round(method["balance"] + refund.amount, 2)
    again = reg.call("cancel_pending_order",
                     {"order_id": order["order_id"], "reason": "no longer needed"}, support())
    assert again.error is not None and again.error.code == "policy"


def test_cancel_refusals(reg: ToolRegistry, tau2_db: dict[str, Any]) -> None:
    processed = _order(tau2_db, lambda o: o["status"] == "processed")
    refused = reg.call("cancel_pending_order",
                       {"order_id": processed["order_id"], "reason": "ordered by mistake"},
                       support())
    assert refused.error is not None and refused.error.code == "policy"
    assert refused.error.message == "Non-pending order cannot be cancelled"
    pending = _order(tau2_db, _small_pending)
    reason = reg.call("cancel_pending_order",
                      {"order_id": pending["order_id"], "reason": "found it cheaper"}, support())
    assert reason.error is not None and reason.error.code == "invalid_arguments"
    other = next(u for u in tau2_db["users"] if u != pending["user_id"])
    forbidden = reg.call("cancel_pending_order",
                         {"order_id": pending["order_id"], "reason": "no longer needed"},
                         customer(other))
    assert forbidden.error is not None and forbidden.error.code == "forbidden"
    unknown = reg.call("cancel_pending_order",
                       {"order_id": "#W0000000", "reason": "no longer needed"}, support())
    assert unknown.error is not None and unknown.error.code == "not_found"
    assert _order_record(reg, pending["order_id"]).status == "pending"


def test_large_refund_needs_approval(reg: ToolRegistry, tau2_db: dict[str, Any]) -> None:
    order = _order(tau2_db, lambda o: o["status"] == "pending"
                   and o["payment_history"][0]["amount"] > 1000)
    args = {"order_id": order["order_id"], "reason": "no longer needed"}
    ctx = customer(order["user_id"], key="cancel-big")
    pending = reg.call("cancel_pending_order", args, ctx)
    assert pending.status == "needs_approval" and pending.approval is not None
    assert pending.approval.details["refund"] == order["payment_history"][0]["amount"]
    assert pending.approval.arguments == args
    assert _order_record(reg, order["order_id"]).status == "pending"
    # The approval step re-issues the same call, same key, approved.
    approved = reg.call("cancel_pending_order", args,
                        customer(order["user_id"], approved=True, key="cancel-big"))
    assert approved.ok and not approved.replayed
    assert _order_record(reg, order["order_id"]).status == "cancelled"


# ---- modify pending -------------------------------------------------------------------


def test_modify_pending_order_address(reg: ToolRegistry, tau2_db: dict[str, Any]) -> None:
    order = _order(tau2_db, _small_pending)
    address = {"address1": "1 Main St", "address2": "", "city": "Austin", "state": "TX",
               "country": "USA", "zip": "73301"}
    ok = reg.call("modify_pending_order_address", {"order_id": order["order_id"], **address},
                  customer(order["user_id"]))
    assert ok.ok
    assert _order_record(reg, order["order_id"]).address.model_dump() == address
    delivered = _order(tau2_db, lambda o: o["status"] == "delivered")
    refused = reg.call("modify_pending_order_address",
                       {"order_id": delivered["order_id"], **address}, support())
    assert refused.error is not None and refused.error.code == "policy"
    missing = reg.call("modify_pending_order_address",
                       {"order_id": order["order_id"], "city": "Austin"}, support())
    assert missing.error is not None and missing.error.code == "invalid_arguments"


def _swappable(db: dict[str, Any], status: str,
               available: bool = True) -> tuple[dict[str, Any], str, str]:
    """An order with a line whose product has another variant of the given availability."""
    for order in _orders(db, lambda o: o["status"] == status):
        for line in order["items"]:
            for item_id, v in _variants(db, line["product_id"]).items():
                if item_id != line["item_id"] and v["available"] == available:
                    return order, line["item_id"], item_id
    raise LookupError("no such order in db.json")


def test_modify_pending_order_items(reg: ToolRegistry, tau2_db: dict[str, Any]) -> None:
    order, old, new = _swappable(tau2_db, "pending")
    method = order["payment_history"][0]["payment_method_id"]
    args = {"order_id": order["order_id"], "item_ids": [old], "new_item_ids": [new],
            "payment_method_id": method}
    ok = reg.call("modify_pending_order_items", args, support())
    assert ok.ok and isinstance(ok.output, Order)
    line = next(i for i in ok.output.items if i.item_id == new)
    old_price = next(i["price"] for i in order["items"] if i["item_id"] == old)
    variant = _variants(tau2_db, line.product_id)[new]
    assert (line.price, line.options) == (variant["price"], variant["options"])
    assert ok.output.status == "pending (item modified)"
    assert ok.output.payment_history[-1].amount == round(abs(variant["price"] - old_price), 2)
    # Items can be modified only once.
    twice = reg.call("modify_pending_order_items", {**args, "item_ids": [new],
                                                    "new_item_ids": [old]}, support())
    assert twice.error is not None and twice.error.code == "policy"


def test_modify_items_refusals(reg: ToolRegistry, tau2_db: dict[str, Any]) -> None:
    order, old, new = _swappable(tau2_db, "pending")
    method = order["payment_history"][0]["payment_method_id"]
    base = {"order_id": order["order_id"], "payment_method_id": method}
    other_product = next(p for p in tau2_db["products"].values()
                         if old not in p["variants"])
    cases = {
        "not_found": {"item_ids": [old], "new_item_ids": [next(iter(other_product["variants"]))]},
        "invalid_arguments": {"item_ids": [old], "new_item_ids": [old]},
    }
    for code, extra in cases.items():
        result = reg.call("modify_pending_order_items", {**base, **extra}, support())
        assert result.error is not None and result.error.code == code, extra
    mismatch = reg.call("modify_pending_order_items",
                        {**base, "item_ids": [old], "new_item_ids": [new, new]}, support())
    assert mismatch.error is not None and mismatch.error.code == "invalid_arguments"
    absent = reg.call("modify_pending_order_items",
                      {**base, "item_ids": ["0000000000"], "new_item_ids": [new]}, support())
    assert absent.error is not None and absent.error.code == "not_found"
    order2, old2, unavailable = _swappable(tau2_db, "pending", available=False)
    result = reg.call("modify_pending_order_items",
                      {"order_id": order2["order_id"], "item_ids": [old2],
                       "new_item_ids": [unavailable],
                       "payment_method_id": order2["payment_history"][0]["payment_method_id"]},
                      support())
    assert result.error is not None and result.error.code == "policy"
    assert "available" in result.error.message
    assert _order_record(reg, order["order_id"]).status == "pending"


def test_modify_pending_order_payment(reg: ToolRegistry, tau2_db: dict[str, Any]) -> None:
    def has_rich_gift_card(o: dict[str, Any]) -> bool:
        methods = tau2_db["users"][o["user_id"]]["payment_methods"].values()
        return _small_pending(o) and len(o["payment_history"]) == 1 and any(
            m["source"] == "gift_card" and m["balance"] >= o["payment_history"][0]["amount"]
            and m["id"] != o["payment_history"][0]["payment_method_id"] for m in methods)

    order = _order(tau2_db, has_rich_gift_card)
    amount = order["payment_history"][0]["amount"]
    card = next(m for m in tau2_db["users"][order["user_id"]]["payment_methods"].values()
                if m["source"] == "gift_card" and m["balance"] >= amount
                and m["id"] != order["payment_history"][0]["payment_method_id"])
    same = reg.call("modify_pending_order_payment",
                    {"order_id": order["order_id"],
                     "payment_method_id": order["payment_history"][0]["payment_method_id"]},
                    support())
    assert same.error is not None and same.error.code == "policy"
    ok = reg.call("modify_pending_order_payment",
                  {"order_id": order["order_id"], "payment_method_id": card["id"]},
                  customer(order["user_id"]))
    assert ok.ok and isinstance(ok.output, Order)
    assert [p.transaction_type for p in ok.output.payment_history] == \
        ["payment", "payment", "refund"]
    balance = _user_record(reg, order["user_id"]).payment_methods[card["id"]].balance
    assert balance == round(card["balance"] - amount, 2)
    # Now there are three transactions: a second change is refused.
    again = reg.call("modify_pending_order_payment",
                     {"order_id": order["order_id"],
                      "payment_method_id": order["payment_history"][0]["payment_method_id"]},
                     support())
    assert again.error is not None and again.error.code == "policy"
    unknown = reg.call("modify_pending_order_payment",
                       {"order_id": order["order_id"], "payment_method_id": "paypal_0"},
                       support())
    assert unknown.error is not None and unknown.error.code == "not_found"


def test_gift_card_must_cover_the_order(reg: ToolRegistry, tau2_db: dict[str, Any]) -> None:
    def poor_card(o: dict[str, Any]) -> str | None:
        amount = o["payment_history"][0]["amount"]
        return next((m["id"] for m in tau2_db["users"][o["user_id"]]["payment_methods"].values()
                     if m["source"] == "gift_card" and m["balance"] < amount
                     and m["id"] != o["payment_history"][0]["payment_method_id"]), None)

    order = _order(tau2_db, lambda o: o["status"] == "pending"
                   and len(o["payment_history"]) == 1 and poor_card(o) is not None)
    result = reg.call("modify_pending_order_payment",
                      {"order_id": order["order_id"], "payment_method_id": poor_card(order)},
                      support())
    assert result.error is not None and result.error.code == "policy"
    assert "Insufficient gift card balance" in result.error.message


def test_modify_user_address(reg: ToolRegistry, tau2_db: dict[str, Any]) -> None:
    me, other = list(tau2_db["users"])[:2]
    address = {"address1": "2 Elm St", "address2": "Apt 3", "city": "Reno", "state": "NV",
               "country": "USA", "zip": "89501"}
    ok = reg.call("modify_user_address", {"user_id": me, **address}, customer(me))
    assert ok.ok and _user_record(reg, me).address.model_dump() == address
    forbidden = reg.call("modify_user_address", {"user_id": other, **address}, customer(me))
    assert forbidden.error is not None and forbidden.error.code == "forbidden"
    assert _user_record(reg, other).address.model_dump() == tau2_db["users"][other]["address"]


# ---- delivered: return and exchange -----------------------------------------------------


def test_return_delivered_order_items(reg: ToolRegistry, tau2_db: dict[str, Any]) -> None:
    order = _order(tau2_db, lambda o: o["status"] == "delivered"
                   and min(i["price"] for i in o["items"]) < 400)
    line = min(order["items"], key=lambda i: i["price"])
    original = order["payment_history"][0]["payment_method_id"]
    ok = reg.call("return_delivered_order_items",
                  {"order_id": order["order_id"], "item_ids": [line["item_id"]],
                   "payment_method_id": original}, customer(order["user_id"]))
    assert ok.ok and isinstance(ok.output, Order)
    assert (ok.output.status, ok.output.return_items, ok.output.return_payment_method_id) == \
        ("return requested", [line["item_id"]], original)
    pending = _order(tau2_db, _small_pending)
    refused = reg.call("return_delivered_order_items",
                       {"order_id": pending["order_id"],
                        "item_ids": [pending["items"][0]["item_id"]],
                        "payment_method_id": pending["payment_history"][0]["payment_method_id"]},
                       support())
    assert refused.error is not None and refused.error.code == "policy"


def test_return_refusals_and_approval(reg: ToolRegistry, tau2_db: dict[str, Any]) -> None:
    def other_non_gift(o: dict[str, Any]) -> str | None:
        return next((m for m, v in tau2_db["users"][o["user_id"]]["payment_methods"].items()
                     if v["source"] != "gift_card"
                     and m != o["payment_history"][0]["payment_method_id"]), None)

    order = _order(tau2_db, lambda o: o["status"] == "delivered" and other_non_gift(o)
                   is not None and max(i["price"] for i in o["items"]) > 600)
    item = max(order["items"], key=lambda i: i["price"])["item_id"]
    base = {"order_id": order["order_id"], "item_ids": [item]}
    wrong_method = reg.call("return_delivered_order_items",
                            {**base, "payment_method_id": other_non_gift(order)}, support())
    assert wrong_method.error is not None and wrong_method.error.code == "policy"
    original = order["payment_history"][0]["payment_method_id"]
    absent = reg.call("return_delivered_order_items",
                      {**base, "item_ids": [item, item, item], "payment_method_id": original},
                      support())
    assert absent.error is not None and absent.error.code == "not_found"
    needs = reg.call("return_delivered_order_items", {**base, "payment_method_id": original},
                     support(approved=False))
    assert needs.status == "needs_approval"
    assert _order_record(reg, order["order_id"]).status == "delivered"


def test_exchange_delivered_order_items(reg: ToolRegistry, tau2_db: dict[str, Any]) -> None:
    order, old, new = _swappable(tau2_db, "delivered")
    method = order["payment_history"][0]["payment_method_id"]
    args = {"order_id": order["order_id"], "item_ids": [old], "new_item_ids": [new],
            "payment_method_id": method}
    ok = reg.call("exchange_delivered_order_items", args, support())
    assert ok.ok and isinstance(ok.output, Order)
    old_price = next(i["price"] for i in order["items"] if i["item_id"] == old)
    new_price = next(p["variants"][new]["price"] for p in tau2_db["products"].values()
                     if new in p["variants"])
    assert ok.output.status == "exchange requested"
    assert ok.output.exchange_price_difference == round(new_price - old_price, 2)
    assert (ok.output.exchange_items, ok.output.exchange_new_items) == ([old], [new])
    # Exchange is possible once: the order is no longer 'delivered'.
    twice = reg.call("exchange_delivered_order_items", args, support())
    assert twice.error is not None and twice.error.code == "policy"
    pending, p_old, p_new = _swappable(tau2_db, "pending")
    refused = reg.call("exchange_delivered_order_items",
                       {"order_id": pending["order_id"], "item_ids": [p_old],
                        "new_item_ids": [p_new], "payment_method_id": method}, support())
    assert refused.error is not None and refused.error.code == "policy"


# ---- registry behaviour around the retail tools -------------------------------------


def test_idempotent_write_replays_first_result(reg: ToolRegistry,
                                               tau2_db: dict[str, Any]) -> None:
    order = _order(tau2_db, lambda o: o["status"] == "pending"
                   and len(o["payment_history"]) == 1
                   and _method(tau2_db, o)["source"] == "gift_card"
                   and o["payment_history"][0]["amount"] < 400)
    method = _method(tau2_db, order)
    args = {"order_id": order["order_id"], "reason": "ordered by mistake"}
    first = reg.call("cancel_pending_order", args, support(key="k-1"))
    second = reg.call("cancel_pending_order", args, support(key="k-1"))
    assert first.ok and second.ok and not first.replayed and second.replayed
    assert second.output == first.output
    # One refund, credited once.
    assert len(_order_record(reg, order["order_id"]).payment_history) == 2
    balance = _user_record(reg, order["user_id"]).payment_methods[method["id"]].balance
    assert balance == round(method["balance"] + order["payment_history"][0]["amount"], 2)
    with reg.store.cursor() as db:
        assert db.execute("SELECT count(*) FROM tool_effects WHERE idempotency_key = 'k-1'"
                          ).fetchone() == (1,)
    conflict = reg.call("cancel_pending_order", {**args, "reason": "no longer needed"},
                        support(key="k-1"))
    assert conflict.error is not None and conflict.error.code == "idempotency_conflict"
    other_tool = reg.call("modify_user_address",
                          {"user_id": order["user_id"], "address1": "a", "address2": "",
                           "city": "c", "state": "s", "country": "USA", "zip": "1"},
                          support(key="k-1"))
    assert other_tool.error is not None and other_tool.error.code == "idempotency_conflict"


def test_refused_write_records_nothing(reg: ToolRegistry, tau2_db: dict[str, Any]) -> None:
    processed = _order(tau2_db, lambda o: o["status"] == "processed")
    args = {"order_id": processed["order_id"], "reason": "no longer needed"}
    assert not reg.call("cancel_pending_order", args, support(key="k-2")).ok
    with reg.store.cursor() as db:
        assert db.execute("SELECT count(*) FROM tool_effects").fetchone() == (0,)


def test_write_needs_an_idempotency_key_and_a_role(reg: ToolRegistry,
                                                   tau2_db: dict[str, Any]) -> None:
    order = _order(tau2_db, _small_pending)
    args = {"order_id": order["order_id"], "reason": "no longer needed"}
    no_key = reg.call("cancel_pending_order", args, ToolContext(actor=Actor(role="support")))
    assert no_key.error is not None and no_key.error.code == "missing_idempotency_key"
    analyst = reg.call("cancel_pending_order", args,
                       ToolContext(actor=Actor(role="analyst"), idempotency_key="k-3"))
    assert analyst.error is not None and analyst.error.code == "forbidden"
    unknown = reg.call("cancel_all_orders", {}, support())
    assert unknown.error is not None and unknown.error.code == "unknown_tool"
    assert _order_record(reg, order["order_id"]).status == "pending"
