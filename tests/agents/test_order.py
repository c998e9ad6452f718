"""The order agent over a seeded store: facts in code, the model's choice, actions and alerts."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage

from agents import AgentRequest, Agents, build_agents
from agents.config import AgentSettings
from agents.scripted import ScriptedChatModel, call
from tools import Actor, Store, ToolContext, ToolSettings
from tools.catalog import build_registry
from tools.seed import seed_store

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seeded") / "template.duckdb"
    s = Store(path)
    seed_store(s, ToolSettings(), DATA)
    s.close()
    return path


@pytest.fixture()
def seeded(seeded_template: Path, tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "store.duckdb"
    shutil.copyfile(seeded_template, path)
    s = Store(path)
    yield s
    s.close()


def agents_with(store: Store, tmp_path: Path, script: list[Any]) -> tuple[Agents, ScriptedChatModel]:
    model = ScriptedChatModel(script=script)
    settings = AgentSettings(checkpoint_path=str(tmp_path / "ck.sqlite"))
    return build_agents(settings, store, build_registry(store, ToolSettings()), model), model


def one(store: Store, sql: str, params: list[Any] | None = None) -> Any:
    with store.cursor() as cur:
        row = cur.execute(sql, params or []).fetchone()
    return row[0] if row else None


def customer(store: Store) -> tuple[str, dict[str, Any]]:
    with store.cursor() as cur:
        user_id, address = cur.execute(
            "SELECT user_id, address FROM users ORDER BY user_id LIMIT 1").fetchone()
    return user_id, json.loads(address)


def well_stocked_item(store: Store) -> tuple[str, str, float]:
    with store.cursor() as cur:
        return cur.execute(
            "SELECT s.item_id, any_value(v.product_id), any_value(v.price) FROM stock s "
            "JOIN variants v USING (item_id) GROUP BY 1 ORDER BY sum(on_hand - reserved) DESC, 1 "
            "LIMIT 1").fetchone()


def order_request(store: Store, event_id: str, *, quantity: int = 1, address: dict[str, Any]
                  | None = None, item: tuple[str, str, float] | None = None) -> AgentRequest:
    user_id, on_file = customer(store)
    item_id, product_id, price = item or well_stocked_item(store)
    total = Decimal(str(price)) * quantity
    return AgentRequest.model_validate({
        "agent": "order", "kind": "order_placed", "event_id": event_id,
        "order": {"order_id": f"#T{event_id}", "user_id": user_id, "total": str(total),
                  "address": address or on_file, "payment_method_id": "x",
                  "items": [{"item_id": item_id, "product_id": product_id,
                             "quantity": quantity, "unit_price": str(price)}]}})


def reserved(store: Store, order_id: str) -> int:
    return int(one(store, "SELECT coalesce(sum(quantity), 0) FROM reservations "
                          "WHERE order_id = ? AND status = 'active'", [order_id]))


def summary(seen: list[list[BaseMessage]]) -> str:
    return str([m for m in seen[0] if m.type == "human"][-1].content)


def test_clean_order_is_confirmed_and_stock_reserved_once(seeded: Store, tmp_path: Path) -> None:
    agents, model = agents_with(seeded, tmp_path, [
        call("respond", decision="confirm", message="In stock at one warehouse; no risk.")])
    request = order_request(seeded, "o1")
    result = agents.run_sync(request)

    assert "Allowed decisions: confirm, hold_for_review. Suggested: confirm." in summary(model.seen)
    assert result.decision == "confirm" and result.status == "done"
    assert [o.kind for o in result.outputs] == ["action"]
    action = result.outputs[0]
    assert action.action == "confirm" and action.subject_id == "#To1"
    assert action.details["reservation"]["status"] == "reserved"
    assert reserved(seeded, "#To1") == 1
    again = agents.run_sync(request)  # re-delivered: stored result, no second reservation
    assert again.replayed and reserved(seeded, "#To1") == 1
    trace = agents.trace("o1")
    assert trace is not None and trace.decision == "confirm"
    assert {s.name for s in trace.steps if s.kind == "tool"} >= {
        "plan_fulfilment", "check_margin", "get_user_details", "reserve_stock"}


def test_risky_order_is_held_with_alerts_and_nothing_reserved(seeded: Store,
                                                              tmp_path: Path) -> None:
    agents, model = agents_with(seeded, tmp_path, [
        call("respond", decision="hold_for_review", message="Address and quantity are odd.")])
    elsewhere = {"address1": "1 Nowhere Lane", "address2": "", "city": "Miami", "state": "FL",
                 "country": "USA", "zip": "33101"}
    result = agents.run_sync(order_request(seeded, "o2", quantity=9, address=elsewhere))

    assert "Suggested: hold_for_review" in summary(model.seen)
    assert result.decision == "hold_for_review"
    rules = {o.details.get("rule") for o in result.outputs if o.alert == "risky_order"}
    assert rules == {"address_mismatch", "unusual_quantity"}
    assert reserved(seeded, "#To2") == 0


def test_a_choice_the_facts_do_not_allow_falls_back(seeded: Store, tmp_path: Path) -> None:
    agents, _ = agents_with(seeded, tmp_path, [
        call("respond", decision="backorder", message="Let us wait.")])
    result = agents.run_sync(order_request(seeded, "o3"))
    assert result.decision == "confirm" and "'backorder'" in result.message
    assert reserved(seeded, "#To3") == 1


def test_short_stock_is_backordered_with_an_eta(seeded: Store, tmp_path: Path) -> None:
    with seeded.cursor() as cur:
        item = cur.execute(
            "SELECT s.item_id, any_value(v.product_id), any_value(v.price) FROM stock s "
            "JOIN variants v USING (item_id) JOIN supplier_products sp "
            "ON sp.product_id = v.product_id AND sp.is_primary "
            "GROUP BY 1 HAVING sum(on_hand - reserved) BETWEEN 1 AND 20 ORDER BY 1 LIMIT 1"
        ).fetchone()
    agents, model = agents_with(seeded, tmp_path, [
        call("respond", decision="backorder", message="Part ships now, the rest later.")])
    request = order_request(seeded, "o4", quantity=50, item=item)
    result = agents.run_sync(request)

    assert "Allowed decisions: backorder, hold_for_review" in summary(model.seen)
    action = result.outputs[0]
    assert result.decision == "backorder" and action.action == "backorder"
    assert isinstance(action.details["eta_days"], int) and action.details["eta_days"] > 0
    assert action.details["reservation"]["status"] == "partial"
    short = action.details["backorders"][0]["short"]
    assert reserved(seeded, "#To4") == 50 - short


def test_price_below_cost_raises_a_critical_margin_alert(seeded: Store, tmp_path: Path) -> None:
    item_id, product_id, price = well_stocked_item(seeded)
    cost = float(one(seeded, "SELECT unit_cost FROM unit_costs WHERE item_id = ?", [item_id]))
    agents, model = agents_with(seeded, tmp_path, [
        call("respond", decision="acknowledge", message="New price is under cost.")])
    result = agents.run_sync(AgentRequest.model_validate({
        "agent": "order", "kind": "price_changed", "event_id": "p1",
        "price": {"item_id": item_id, "product_id": product_id, "old_price": str(price),
                  "new_price": f"{cost * 0.9:.2f}"}}))

    alerts = {o.alert: o for o in result.outputs}
    assert alerts["below_margin"].severity == "critical"
    assert alerts["below_margin"].details["unit_cost"] == pytest.approx(cost)
    assert "price_swing" in alerts and result.decision == "alert"


def test_shipment_delay_notifies_the_customer(seeded: Store, tmp_path: Path) -> None:
    order_id = one(seeded, "SELECT order_id FROM orders WHERE status = 'processed' "
                           "ORDER BY order_id LIMIT 1")
    agents, _ = agents_with(seeded, tmp_path, [
        call("respond", decision="acknowledge", message="Sorry, your parcel is 7 days late.")])
    result = agents.run_sync(AgentRequest.model_validate({
        "agent": "order", "kind": "shipment_delayed", "event_id": "d1",
        "shipment": {"order_id": order_id, "carrier": "UPS", "delay_days": 7}}))

    notice = result.outputs[0]
    assert notice.action == "notify_customer" and notice.message.startswith("Sorry")
    assert notice.details["user_id"] == one(
        seeded, "SELECT user_id FROM orders WHERE order_id = ?", [order_id])
    assert [o.alert for o in result.outputs[1:]] == ["long_delay"]


def test_inventory_adjustment_follows_the_reorder_suggestion(seeded: Store,
                                                             tmp_path: Path) -> None:
    registry = build_registry(seeded, ToolSettings())
    item_id, _, _ = well_stocked_item(seeded)
    warehouse = one(seeded, "SELECT warehouse_id FROM stock WHERE item_id = ? ORDER BY 1",
                    [item_id])
    agents, _ = agents_with(seeded, tmp_path, [
        call("respond", decision="acknowledge", message="Stock counted down.")])
    result = agents.run_sync(AgentRequest.model_validate({
        "agent": "order", "kind": "inventory_adjusted", "event_id": "i1",
        "inventory": {"item_id": item_id, "warehouse_id": warehouse, "delta": -3,
                      "reason": "damage"}}))

    expected = registry.call("reorder_suggestion", {"item_id": item_id},
                             ToolContext(actor=Actor.system()))
    assert expected.output is not None
    should = expected.output.model_dump()["should_reorder"]
    assert result.decision == ("reorder" if should else "no_action")
    assert any(o.action == "reorder" for o in result.outputs) == should
    # Even "nothing to do" is published, so every event leaves a record downstream.
    assert result.outputs and (should or result.outputs[0].action == "no_action")


def test_step_limit_applies_the_suggested_decision(seeded: Store, tmp_path: Path) -> None:
    item_id = well_stocked_item(seeded)[0]
    agents, _ = agents_with(seeded, tmp_path, [
        call("get_stock", item_ids=[item_id]) for _ in range(20)])
    result = agents.run_sync(order_request(seeded, "o5"))
    assert result.status == "step_limit" and result.decision == "confirm"
    assert result.usage.model_calls == AgentSettings().max_steps
