"""The order agent over a seeded store: the rules decide in code, the model only words
a delay notice, and every published text is faithful to the facts."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from agents import AgentRequest, AgentResult, Agents, build_agents
from agents._faithful import unfaithful
from agents.config import AgentSettings
from agents.contracts import parse_request
from agents.loop import RESPOND
from agents.order import OrderAgent
from agents.scripted import ScriptedChatModel, call
from agents.support import SupportAgent
from tools import DuckDBStore, Store, ToolSettings
from tools.catalog import build_registry
from tools.seed import seed_store

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seeded") / "template.duckdb"
    s = DuckDBStore(path)
    seed_store(s, ToolSettings(), DATA)
    s.close()
    return path


@pytest.fixture()
def seeded(seeded_template: Path, tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "store.duckdb"
    shutil.copyfile(seeded_template, path)
    s = DuckDBStore(path)
    yield s
    s.close()


def agents_with(store: Store, tmp_path: Path, script: list[Any] | None = None,
                ) -> tuple[Agents, ScriptedChatModel]:
    """Agents over ``store``; the scripted model raises if called beyond ``script``
    (by default empty: a run that asks the model fails)."""
    model = ScriptedChatModel(script=script or [])
    settings = AgentSettings(checkpoint_path=str(tmp_path / "ck.sqlite"))
    return build_agents(settings, store, build_registry(store, ToolSettings()), model), model


def one(store: Store, sql: str, params: list[Any] | None = None) -> Any:
    with store.cursor() as cur:
        row = cur.execute(sql, params or []).fetchone()
    return row[0] if row else None


def execute(store: Store, sql: str, params: list[Any] | None = None) -> None:
    with store.transaction() as db:
        db.execute(sql, params or [])


def customer(store: Store) -> tuple[str, dict[str, Any]]:
    with store.cursor() as cur:
        row = cur.execute("SELECT user_id, address FROM users ORDER BY user_id LIMIT 1").fetchone()
    assert row is not None
    return row[0], json.loads(row[1])


def stocked_item(store: Store, warehouses: int = 1) -> tuple[str, str, Decimal]:
    """The item with the most available stock among those held in ``warehouses`` or more."""
    with store.cursor() as cur:
        row = cur.execute(
            "SELECT s.item_id, any_value(v.product_id), any_value(v.price) FROM stock s "
            "JOIN variants v USING (item_id) GROUP BY 1 HAVING count(*) >= ? "
            "ORDER BY sum(on_hand - reserved) DESC, 1 LIMIT 1", [warehouses]).fetchone()
    assert row is not None
    return row[0], row[1], Decimal(str(row[2]))


def unit_cost(store: Store, item_id: str) -> Decimal:
    return Decimal(str(one(store, "SELECT unit_cost FROM unit_costs WHERE item_id = ?",
                           [item_id])))


def order_request(store: Store, event_id: str, *, quantity: int = 1,
                  address: dict[str, Any] | None = None, user_id: str | None = None,
                  item: tuple[str, str, Decimal] | None = None, price: Decimal | None = None,
                  total: Decimal | None = None) -> AgentRequest:
    known_user, on_file = customer(store)
    item_id, product_id, list_price = item or stocked_item(store)
    unit = price if price is not None else list_price
    return parse_request({
        "agent": "order", "kind": "order_placed", "event_id": event_id,
        "order": {"order_id": f"#T{event_id}", "user_id": user_id or known_user,
                  "total": total if total is not None else unit * quantity,
                  "address": address or on_file, "payment_method_id": "x",
                  "items": [{"item_id": item_id, "product_id": product_id,
                             "quantity": quantity, "unit_price": unit}]}})


def reserved(store: Store, order_id: str) -> int:
    return int(one(store, "SELECT coalesce(sum(quantity), 0) FROM reservations "
                          "WHERE order_id = ? AND status = 'active'", [order_id]))


def action_of(result: AgentResult) -> Any:
    action = result.outputs[0]
    assert action.kind == "action" and action.action == result.decision
    # Every published explanation names only what its facts hold.
    assert unfaithful(action.message, action.details["facts"]) == []
    return action


def alerts_of(result: AgentResult) -> list[str]:
    return [o.alert for o in result.outputs if o.kind == "alert"]


# ----------------------------------------------------------------- OrderPlaced


def test_clean_order_is_confirmed_in_code_and_reserved_once(seeded: Store,
                                                            tmp_path: Path) -> None:
    agents, model = agents_with(seeded, tmp_path)
    request = order_request(seeded, "o1")
    result = agents.run_sync(request)

    assert result.decision == "confirm" and result.status == "done"
    assert result.usage.model_calls == 0 and model.seen == []
    action = action_of(result)
    assert action.details["rule"] == "single_warehouse"
    assert action.details["allowed"] == ["confirm"]
    assert action.details["reservation"]["status"] == "reserved"
    assert alerts_of(result) == []
    assert reserved(seeded, "#To1") == 1
    again = agents.run_sync(request)  # re-delivered: stored result, no second reservation
    assert again.replayed and reserved(seeded, "#To1") == 1
    trace = agents.trace("o1")
    assert trace is not None and trace.decision == "confirm"
    assert {s.name for s in trace.steps if s.kind == "tool"} >= {
        "get_stock", "check_margin", "get_user_details", "plan_fulfilment", "reserve_stock"}


def test_risky_order_is_held_with_one_alert_per_flag(seeded: Store, tmp_path: Path) -> None:
    agents, _ = agents_with(seeded, tmp_path)
    elsewhere = {"address1": "1 Nowhere Lane", "address2": "", "city": "Miami", "state": "FL",
                 "country": "USA", "zip": "33101"}
    result = agents.run_sync(order_request(seeded, "o2", quantity=9, address=elsewhere))

    assert result.decision == "hold_for_review" and result.usage.model_calls == 0
    action = action_of(result)
    assert action.details["rule"] == "risk:address_mismatch,unusual_quantity"
    rules = [o.details.get("rule") for o in result.outputs if o.alert == "risky_order"]
    assert rules == ["address_mismatch", "unusual_quantity"]
    assert reserved(seeded, "#To2") == 0


def test_the_address_on_file_matches_despite_case_commas_and_spaces(seeded: Store,
                                                                    tmp_path: Path) -> None:
    _, on_file = customer(seeded)
    messy = {**on_file, "address1": "  " + on_file["address1"].upper().replace(" ", ",  ")}
    agents, _ = agents_with(seeded, tmp_path)
    result = agents.run_sync(order_request(seeded, "o2b", address=messy))
    assert result.decision == "confirm" and alerts_of(result) == []


@pytest.mark.parametrize(("case", "rules"), [
    ("unknown_customer", ["unknown_customer"]),
    ("unknown_item", ["unknown_item"]),
    ("high_total", ["high_total"]),
    ("total_mismatch", ["total_mismatch"]),
])
def test_each_risk_rule_holds_the_order(seeded: Store, tmp_path: Path, case: str,
                                        rules: list[str]) -> None:
    item = stocked_item(seeded)
    cases: dict[str, dict[str, Any]] = {
        "unknown_customer": {"user_id": "nobody_on_file_0000"},
        "unknown_item": {"item": ("9999999999", "0000000000", Decimal("10.00"))},
        "high_total": {"price": Decimal("3000.00")},
        "total_mismatch": {"total": item[2] + Decimal("0.02")},
    }
    agents, _ = agents_with(seeded, tmp_path)
    result = agents.run_sync(order_request(seeded, case, **cases[case]))

    assert result.decision == "hold_for_review" and result.usage.model_calls == 0
    assert [o.details.get("rule") for o in result.outputs if o.alert == "risky_order"] == rules
    assert action_of(result).details["rule"] == "risk:" + rules[0]
    assert reserved(seeded, f"#T{case}") == 0


def test_a_total_within_a_cent_per_line_is_no_mismatch(seeded: Store, tmp_path: Path) -> None:
    item = stocked_item(seeded)
    agents, _ = agents_with(seeded, tmp_path)
    result = agents.run_sync(order_request(seeded, "o6", total=item[2] + Decimal("0.01")))
    assert result.decision == "confirm"


def test_no_single_warehouse_means_a_split_shipment(seeded: Store, tmp_path: Path) -> None:
    item = stocked_item(seeded, warehouses=2)
    # Three available in every warehouse: five units need two of them.
    execute(seeded, "UPDATE stock SET on_hand = reserved + 3 WHERE item_id = ?", [item[0]])
    agents, _ = agents_with(seeded, tmp_path)
    result = agents.run_sync(order_request(seeded, "o7", quantity=5, item=item))

    assert result.decision == "split_shipment" and result.usage.model_calls == 0
    action = action_of(result)
    assert action.details["rule"] == "no_single_warehouse"
    assert reserved(seeded, "#To7") == 5
    assert len({r["warehouse_id"] for r in action.details["reservation"]["reservations"]}) == 2


def test_short_network_stock_is_backordered(seeded: Store, tmp_path: Path) -> None:
    item = stocked_item(seeded, warehouses=2)
    # One available in each of two warehouses, none elsewhere: three units are short by one.
    execute(seeded, "UPDATE stock SET on_hand = reserved WHERE item_id = ?", [item[0]])
    execute(seeded, "UPDATE stock SET on_hand = reserved + 1 WHERE item_id = ? AND warehouse_id "
                    "IN (SELECT warehouse_id FROM stock WHERE item_id = ? ORDER BY 1 LIMIT 2)",
            [item[0], item[0]])
    agents, _ = agents_with(seeded, tmp_path)
    result = agents.run_sync(order_request(seeded, "o8", quantity=3, item=item))

    assert result.decision == "backorder" and result.usage.model_calls == 0
    action = action_of(result)
    assert action.details["rule"] == "network_short"
    assert action.details["reservation"]["status"] == "partial"
    assert [b["short"] for b in action.details["backorders"]] == [1]
    assert reserved(seeded, "#To8") == 2


def test_a_refused_reservation_holds_the_order_for_review(seeded: Store, tmp_path: Path) -> None:
    cancelled = one(seeded, "SELECT order_id FROM orders WHERE status = 'cancelled' "
                            "ORDER BY 1 LIMIT 1")
    request = order_request(seeded, "o9")
    assert request.order is not None
    request.order.order_id = cancelled  # the store refuses to reserve for a cancelled order
    agents, _ = agents_with(seeded, tmp_path)
    result = agents.run_sync(request)

    assert result.decision == "hold_for_review" and alerts_of(result) == ["reservation_failed"]
    action = action_of(result)
    assert action.details["rule"] == "reservation_failed" and cancelled in action.message


def test_margin_floor_is_a_gross_margin_and_only_alerts(seeded: Store, tmp_path: Path) -> None:
    item = stocked_item(seeded)
    cost = unit_cost(seeded, item[0])
    agents, _ = agents_with(seeded, tmp_path)
    # The floor is the tools' gross margin: cost / (1 - 0.15) = cost x 1.1765.
    fine = agents.run_sync(order_request(seeded, "m1", item=item,
                                         price=(cost * Decimal("1.19")).quantize(Decimal("0.01"))))
    assert fine.decision == "confirm" and "below_margin" not in alerts_of(fine)

    # 16% over cost is a 13.8% gross margin: under the floor (a markup reading kept it).
    under = agents.run_sync(order_request(seeded, "m2", item=item,
                                          price=(cost * Decimal("1.16")).quantize(Decimal("0.01"))))
    assert under.decision == "confirm"  # a margin alert does not change the decision
    margin = next(o for o in under.outputs if o.alert == "below_margin")
    assert margin.severity == "warning"
    action_of(under)

    loss = agents.run_sync(order_request(seeded, "m3", item=item,
                                         price=(cost * Decimal("0.90")).quantize(Decimal("0.01"))))
    assert next(o for o in loss.outputs if o.alert == "below_margin").severity == "critical"


# ----------------------------------------------------------------- ShipmentDelayed


def delay_request(store: Store, event_id: str, days: int, order_id: str | None = None,
                  ) -> tuple[AgentRequest, str]:
    order_id = order_id or one(store, "SELECT order_id FROM orders WHERE status = 'processed' "
                                      "ORDER BY order_id LIMIT 1")
    return parse_request({
        "agent": "order", "kind": "shipment_delayed", "event_id": event_id,
        "shipment": {"order_id": order_id, "carrier": "UPS", "delay_days": days,
                     "reason": "weather"}}), order_id


def test_delay_notice_is_worded_by_the_model_when_faithful(seeded: Store,
                                                           tmp_path: Path) -> None:
    request, order_id = delay_request(seeded, "d1", 7)
    text = f"We are sorry: your order {order_id} with UPS is delayed by 7 days (weather)."
    agents, model = agents_with(seeded, tmp_path, [call(RESPOND, message=text)])
    result = agents.run_sync(request)

    assert result.decision == "notify_customer" and result.usage.model_calls == 1
    notice = action_of(result)
    assert notice.message == text and notice.details["faithful"] is True
    assert notice.details["user_id"] == one(
        seeded, "SELECT user_id FROM orders WHERE order_id = ?", [order_id])
    assert alerts_of(result) == ["long_delay"]
    # The model saw the facts, and was offered no decision to make.
    shown = str(model.seen[0][-1].content)
    assert order_id in shown and "7 day" in shown
    respond = OrderAgent(build_registry(seeded, ToolSettings())).respond_parameters()
    assert set(respond["properties"]) == {"message"}


@pytest.mark.parametrize("text", [
    "Your order #W0000000 is delayed by 7 days.",  # another order
    "Your order is delayed by 3 days; a refund is on its way.",  # number and status invented
    "The customer is currently in the hold for review status.",
    "Your order is delayed by 7 days. We will be refunding the shipment.",  # seen on the 0.5B
    "Your order is delayed by 7 days. Thank您.",  # another script mid-word (0.5B)
])
def test_an_unfaithful_notice_is_replaced_by_the_template(seeded: Store, tmp_path: Path,
                                                          text: str) -> None:
    request, order_id = delay_request(seeded, "d2", 7)
    agents, _ = agents_with(seeded, tmp_path, [call(RESPOND, message=text)])
    result = agents.run_sync(request)

    notice = action_of(result)
    assert notice.message != text and order_id in notice.message
    assert notice.details["faithful"] is False and notice.details["model_text"] == text
    assert notice.details["unfaithful"]


def test_a_notice_cut_by_the_length_bound_keeps_its_complete_sentences(
        seeded: Store, tmp_path: Path) -> None:
    request, order_id = delay_request(seeded, "d7", 7)
    text = f"Sorry, order {order_id} is 7 days late. We apologize. Please let us know if you or"
    agents, _ = agents_with(seeded, tmp_path, [call(RESPOND, message=text)])
    notice = action_of(agents.run_sync(request))
    assert notice.message == f"Sorry, order {order_id} is 7 days late. We apologize."


def test_a_model_choosing_a_decision_changes_nothing(seeded: Store, tmp_path: Path) -> None:
    request, order_id = delay_request(seeded, "d3", 2)
    agents, _ = agents_with(seeded, tmp_path, [
        call(RESPOND, decision="hold_for_review", message=f"Order {order_id} is 2 days late.")])
    result = agents.run_sync(request)
    assert result.decision == "notify_customer" and alerts_of(result) == []
    assert action_of(result).details["allowed"] == ["notify_customer"]


def test_a_model_that_never_answers_leaves_the_template(seeded: Store, tmp_path: Path) -> None:
    request, order_id = delay_request(seeded, "d6", 3)
    steps = AgentSettings().max_steps
    agents, _ = agents_with(seeded, tmp_path, [call("get_stock", item_ids=["1"])] * steps)
    result = agents.run_sync(request)
    assert result.status == "step_limit" and result.usage.model_calls == steps
    assert result.decision == "notify_customer" and order_id in action_of(result).message


def test_a_delay_of_an_unknown_order_is_decided_without_the_model(seeded: Store,
                                                                  tmp_path: Path) -> None:
    request, _ = delay_request(seeded, "d4", 6, order_id="#W9999999")
    agents, _ = agents_with(seeded, tmp_path)
    result = agents.run_sync(request)

    assert result.decision == "notify_customer" and result.usage.model_calls == 0
    action = action_of(result)
    assert action.details["user_id"] is None and action.details["rule"] == "unknown_order"
    assert alerts_of(result) == ["long_delay", "unknown_order"]


def test_without_model_notices_the_template_is_sent(seeded: Store, tmp_path: Path) -> None:
    request, order_id = delay_request(seeded, "d5", 4)
    model = ScriptedChatModel(script=[])
    settings = AgentSettings(checkpoint_path=str(tmp_path / "ck.sqlite"),
                             order_model_notices=False)
    agents = build_agents(settings, seeded, build_registry(seeded, ToolSettings()), model)
    result = agents.run_sync(request)
    assert result.usage.model_calls == 0 and order_id in action_of(result).message
    assert alerts_of(result) == []


# ----------------------------------------------------------------- InventoryAdjusted


def inventory_request(event_id: str, item_id: str, warehouse: str, delta: int,
                      **extra: Any) -> AgentRequest:
    return parse_request({
        "agent": "order", "kind": "inventory_adjusted", "event_id": event_id,
        "inventory": {"item_id": item_id, "warehouse_id": warehouse, "delta": delta,
                      "reason": "damage" if delta < 0 else "receipt", **extra}})


def selling_item(store: Store) -> tuple[str, str]:
    """The best-selling item and its first warehouse."""
    item_id = one(store, "SELECT item_id FROM sales_history GROUP BY 1 "
                         "ORDER BY sum(quantity) DESC, 1 LIMIT 1")
    return item_id, one(store, "SELECT warehouse_id FROM stock WHERE item_id = ? ORDER BY 1",
                        [item_id])


def test_stock_at_or_below_the_reorder_point_after_the_change_is_reordered(
        seeded: Store, tmp_path: Path) -> None:
    item_id, warehouse = selling_item(seeded)
    # One unit available, nothing inbound; the change takes it: nothing left after it.
    execute(seeded, "UPDATE stock SET on_hand = reserved WHERE item_id = ?", [item_id])
    execute(seeded, "UPDATE stock SET on_hand = reserved + 1 WHERE item_id = ? "
                    "AND warehouse_id = ?", [item_id, warehouse])
    execute(seeded, "UPDATE purchase_orders SET status = 'received' WHERE item_id = ?",
            [item_id])
    agents, _ = agents_with(seeded, tmp_path)
    result = agents.run_sync(inventory_request("i1", item_id, warehouse, -1))

    assert result.decision == "reorder" and result.usage.model_calls == 0
    action = action_of(result)
    assert action.details["rule"] == "at_or_below_reorder_point"
    assert action.details["facts"]["position_after"] == 0
    assert action.details["quantity"] > 0
    assert alerts_of(result) == ["low_stock"]


def test_stock_above_the_reorder_point_needs_no_action(seeded: Store, tmp_path: Path) -> None:
    item_id, warehouse = selling_item(seeded)
    execute(seeded, "UPDATE stock SET on_hand = reserved + 100000 WHERE item_id = ?", [item_id])
    agents, _ = agents_with(seeded, tmp_path)
    result = agents.run_sync(inventory_request("i2", item_id, warehouse, -3))

    assert result.decision == "no_action" and result.usage.model_calls == 0
    assert action_of(result).details["rule"] == "above_reorder_point"
    assert alerts_of(result) == []


def test_an_item_without_demand_is_not_reordered(seeded: Store, tmp_path: Path) -> None:
    item_id, warehouse = selling_item(seeded)
    execute(seeded, "DELETE FROM sales_history WHERE item_id = ?", [item_id])
    execute(seeded, "UPDATE stock SET on_hand = reserved + 1 WHERE item_id = ?", [item_id])
    agents, _ = agents_with(seeded, tmp_path)
    result = agents.run_sync(inventory_request("i4", item_id, warehouse, -1))
    assert result.decision == "no_action" and action_of(result).details["rule"] == "no_demand"


def test_an_unknown_warehouse_or_item_needs_no_action(seeded: Store, tmp_path: Path) -> None:
    item_id, _ = selling_item(seeded)
    agents, _ = agents_with(seeded, tmp_path)
    for event_id, item, warehouse, rule in [("i5", item_id, "WH-NONE", "unknown_warehouse"),
                                            ("i6", "9999999999", "WH-RNO", "unknown_item")]:
        result = agents.run_sync(inventory_request(event_id, item, warehouse, -50))
        assert result.decision == "no_action" and alerts_of(result) == []
        assert action_of(result).details["rule"] == rule


@pytest.mark.parametrize(("delta", "extra", "oversold"), [
    (-2, {}, True),  # 3 on hand - 2 = 1, below the 2 reserved
    (-1, {}, False),  # 2 on hand, 2 reserved: zero available is not oversold
    (-1, {"on_hand_after": 1}, True),  # the count given by the event wins
])
def test_oversold_after_the_change_is_a_critical_alert(seeded: Store, tmp_path: Path, delta: int,
                                                       extra: dict[str, Any],
                                                       oversold: bool) -> None:
    item_id = stocked_item(seeded)[0]
    warehouse = one(seeded, "SELECT warehouse_id FROM stock WHERE item_id = ? ORDER BY 1",
                    [item_id])
    execute(seeded, "UPDATE stock SET on_hand = 3, reserved = 2 WHERE item_id = ? "
                    "AND warehouse_id = ?", [item_id, warehouse])
    agents, _ = agents_with(seeded, tmp_path)
    result = agents.run_sync(inventory_request("i3", item_id, warehouse, delta, **extra))

    alerts = {o.alert: o for o in result.outputs if o.kind == "alert"}
    assert ("oversold" in alerts) == oversold
    if oversold:
        assert alerts["oversold"].severity == "critical"
    action_of(result)


# ----------------------------------------------------------------- PriceChanged


def price_request(event_id: str, item: tuple[str, str, Decimal], old: Decimal,
                  new: Decimal) -> AgentRequest:
    return parse_request({
        "agent": "order", "kind": "price_changed", "event_id": event_id,
        "price": {"item_id": item[0], "product_id": item[1], "old_price": old,
                  "new_price": new}})


def cents(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"))


@pytest.mark.parametrize(("old_x", "new_x", "decision", "alerts", "severity"), [
    # multiples of the unit cost
    ("1.20", "1.19", "no_action", [], None),  # above the floor (1/0.85 = 1.1765), small
    ("1.50", "1.19", "alert", ["price_swing"], None),  # -20.7%: a swing, margin kept
    ("1.17", "1.16", "alert", ["below_margin"], "warning"),  # under the floor, over cost
    ("1.00", "0.90", "alert", ["below_margin"], "critical"),  # under cost
    ("2.00", "2.30", "alert", ["price_swing"], None),  # exactly +15%: at least the limit
])
def test_price_rules(seeded: Store, tmp_path: Path, old_x: str, new_x: str, decision: str,
                     alerts: list[str], severity: str | None) -> None:
    item = stocked_item(seeded)
    cost = unit_cost(seeded, item[0])
    old, new = cents(cost * Decimal(old_x)), cents(cost * Decimal(new_x))
    if old_x == "2.00":  # an exact +15% needs a price whose 15% is whole cents
        old, new = Decimal("100.00"), Decimal("115.00")
        execute(seeded, "UPDATE unit_costs SET unit_cost = 50 WHERE item_id = ?", [item[0]])
    agents, _ = agents_with(seeded, tmp_path)
    result = agents.run_sync(price_request("p", item, old, new))

    assert result.decision == decision and result.usage.model_calls == 0
    assert alerts_of(result) == alerts
    if severity:
        assert result.outputs[1].severity == severity
    action_of(result)


HOSTILE = "\u202eSorry\x1b[2J\x00 \ud800\ufeff"  # bidi override, escape, NUL, surrogate, BOM


@pytest.mark.parametrize("where", ["message", "details"])
def test_a_hostile_notice_still_makes_valid_output_events(seeded: Store, tmp_path: Path,
                                                          where: str) -> None:
    from streams.events import parse_event
    from streams.runtime import HandlerContext
    from streamwise.wiring import outputs_for

    request, order_id = delay_request(seeded, f"dh-{where}", 7)
    faithful = f"We are sorry: your order {order_id} is delayed by 7 days."
    # Faithful, it is published as the notice; unfaithful (and overlong), it is kept in
    # the action's details: either way a model's characters reach an output event.
    text = (f"{HOSTILE}{faithful}\r\n{HOSTILE}" if where == "message"
            else f"{HOSTILE} refund #W0000000 " + "x" * 9_000)
    agents, _ = agents_with(seeded, tmp_path, [call(RESPOND, message=text)])
    result = agents.run_sync(request)
    ctx = HandlerContext(topic="shipments", partition=0, offset=0, key=order_id,
                         event_id=request.event_id, idempotency_key="k", trace_id="t",
                         attempt=1, worker_id="w", producer=None)

    events = outputs_for(result, ctx)
    assert [e.type for e in events] == ["ActionTaken", "Alert"]
    action = parse_event(events[0].model_dump_json()).payload  # what a consumer reads
    shown = action.explanation if where == "message" else action.details["model_text"]
    assert faithful in shown if where == "message" else len(shown) == 8_000
    assert not any(c in shown for c in "\u202e\x1b\x00\ufeff")


def test_the_e2e_benchmark_drives_the_model_only_on_its_model_path(seeded: Store) -> None:
    from benchmarks.bench_e2e import MODEL_PATH, NO_MODEL_PATH, model_prompt
    from streams.simulator import Simulator

    registry = build_registry(seeded, ToolSettings())
    specs = {"order": OrderAgent(registry), "support": SupportAgent(registry)}

    def prompts(mix: Any) -> list[Any]:
        events = Simulator(DATA, seed=7, mix=mix, run="t").events(4)
        return [model_prompt(specs["support" if e.type == "TicketOpened" else "order"],
                             registry, e) for e in events]

    asked = prompts(MODEL_PATH)
    assert all(p is not None for p in asked)  # every event's turn starts with a model call
    assert {p[1][-1]["function"]["name"] for p in asked if p} == {RESPOND}
    assert prompts(NO_MODEL_PATH) == [None] * 4  # the rules decide these in code
