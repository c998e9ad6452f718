"""The order suite: its event set, the oracle's labels and the scorer (no model)."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from agents.contracts import (
    AgentOutput,
    AgentRequest,
    AgentResult,
    InventoryChange,
    OrderData,
    PriceChange,
    ShipmentDelay,
)
from agents.trace import TraceStep
from evals import order
from evals.base import EvalWorld
from evals.oracle import DECISIONS, Oracle, Rules
from evals.order import BASELINE_DECISION, OrderCase, OrderSuite, load_cases, score
from tests.tools._seeded import seeded_template  # noqa: F401  (a fixture)
from tools import DuckDBStore, ToolSettings
from tools.catalog import build_registry

CASES = load_cases(OrderSuite.default_tasks)
FLAGS = ("unknown_customer", "address_mismatch", "unusual_quantity", "high_total",
         "total_mismatch", "unknown_item")


@pytest.fixture(scope="module")
def oracle(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oracle]:  # noqa: F811
    path = tmp_path_factory.mktemp("order") / "store.duckdb"
    shutil.copyfile(seeded_template, path)
    store = DuckDBStore(path)
    yield Oracle(store, build_registry(store, ToolSettings()))
    store.close()


def _one(oracle: Oracle, sql: str, params: list[Any] | None = None) -> Any:
    with oracle.store.cursor() as cur:
        row = cur.execute(sql, params or []).fetchone()
    assert row is not None
    return row


def _result(case: OrderCase, decision: str, alerts: list[str], message: str = "",
            details: dict[str, Any] | None = None) -> AgentResult:
    subject = getattr(case.payload, "order_id", "") or getattr(case.payload, "item_id", "")
    outputs = [AgentOutput(kind="action", subject_id=subject, action=decision, message=message,
                           details=details or {})]
    outputs += [AgentOutput(kind="alert", subject_id=subject, alert=a) for a in alerts]
    return AgentResult(agent="order", event_id="e1", thread_id="order:e1", trace_id="e1",
                       status="done", decision=decision, message=message, outputs=outputs)


# --- the set ----------------------------------------------------------------------------------

def test_the_set_has_200_events_of_every_kind_covering_every_branch() -> None:
    assert len(CASES) >= 200
    kinds: Counter[str] = Counter(c.kind for c in CASES)
    assert kinds["order_placed"] >= 90 and all(kinds[k] >= 30 for k in DECISIONS), kinds
    for kind, decisions in DECISIONS.items():
        seen = {c.expected.decision for c in CASES if c.kind == kind}
        assert seen == set(decisions), kind
    rules = " ".join(c.rule for c in CASES)
    for flag in FLAGS:
        assert sum(flag in c.rule for c in CASES) >= 5, flag
    alerts = Counter(a for c in CASES for a in set(c.expected.alerts))
    for kind in ("risky_order", "below_margin", "long_delay", "unknown_order", "low_stock",
                 "oversold", "price_swing"):
        assert alerts[kind] >= 4, kind
    assert "below_cost" in rules and "delay:short" in rules and "price:small_change" in rules


def test_every_label_is_the_oracles_on_a_freshly_seeded_store(oracle: Oracle) -> None:
    for case in CASES:
        label = oracle.label(case.kind, case.payload)
        assert (label.decision, label.alerts, label.rule) == (
            case.expected.decision, sorted(case.expected.alerts), case.rule), case.id


def test_load_rejects_a_decision_the_kind_does_not_have(tmp_path: Path) -> None:
    line = json.loads(CASES[0].model_dump_json())
    line["expected"]["decision"] = "reorder"
    path = tmp_path / "e.jsonl"
    path.write_text(json.dumps(line) + "\n")
    with pytest.raises(ValueError, match=r"e.jsonl:1"):
        load_cases(path)


# --- the oracle on hand-made events --------------------------------------------------------------

def _order(oracle: Oracle, **change: Any) -> OrderData:
    user_id, address = _one(oracle, "SELECT user_id, address FROM users ORDER BY user_id LIMIT 1")
    item, product, price = _one(
        oracle, "SELECT s.item_id, v.product_id, v.price FROM stock s JOIN variants v USING (item_id) "
                "WHERE s.on_hand - s.reserved >= 5 AND v.price < 400 ORDER BY s.item_id LIMIT 1")
    data: dict[str, Any] = {
        "order_id": "#T1", "user_id": user_id, "address": json.loads(address),
        "payment_method_id": "paypal_1",
        "items": [{"item_id": item, "product_id": product, "quantity": 1, "unit_price": str(price)}],
        "total": str(price)}
    data.update(change)
    return OrderData.model_validate(data)


def test_the_oracle_reads_addresses_totals_and_quantities_as_the_rules_say(oracle: Oracle) -> None:
    clean = _order(oracle)
    assert oracle.order(clean).decision == "confirm"
    retyped = clean.model_copy(update={"address": clean.address.model_copy(
        update={"address1": "  " + clean.address.address1.upper().replace(" ", " ,  ") + "  "})})
    assert oracle.order(retyped).rule == "stock:confirm"
    moved = clean.model_copy(update={"address": clean.address.model_copy(update={"zip": "00001"})})
    assert oracle.order(moved).rule == "risk:address_mismatch"
    line = clean.items[0]
    off_by_a_cent = clean.model_copy(update={"total": clean.total + Decimal("0.01")})
    assert oracle.order(off_by_a_cent).decision == "confirm"  # within 0.01 per line
    off = clean.model_copy(update={"total": clean.total + Decimal("0.02")})
    assert oracle.order(off).rule == "risk:total_mismatch"
    many = clean.model_copy(update={"items": [line.model_copy(update={"quantity": 6})],
                                    "total": line.unit_price * 6})
    assert oracle.order(many).rule.startswith("risk:unusual_quantity")
    stranger = clean.model_copy(update={"user_id": "nobody_0"})
    assert oracle.order(stranger).alerts == ["risky_order"]


def test_the_oracle_flags_lines_below_the_margin_floor_without_changing_the_decision(
        oracle: Oracle) -> None:
    clean = _order(oracle)
    line = clean.items[0]
    (cost,) = _one(oracle, "SELECT unit_cost FROM unit_costs WHERE item_id = ?", [line.item_id])
    cheap = Decimal(str(round(cost * 1.1, 2)))  # below unit cost x 1.15
    label = oracle.order(clean.model_copy(update={
        "items": [line.model_copy(update={"unit_price": cheap})], "total": cheap}))
    assert label.decision == "confirm" and label.alerts == ["below_margin"]


def test_the_oracle_on_delays_and_prices_at_their_thresholds(oracle: Oracle) -> None:
    (known,) = _one(oracle, "SELECT order_id FROM orders ORDER BY order_id LIMIT 1")
    at = oracle.shipment(ShipmentDelay.model_validate({"order_id": known, "carrier": "x", "delay_days": 5}))
    below = oracle.shipment(ShipmentDelay.model_validate({"order_id": known, "carrier": "x",
                                                          "delay_days": 4}))
    lost = oracle.shipment(ShipmentDelay.model_validate({"order_id": "#NOPE", "carrier": "x",
                                                         "delay_days": 1}))
    assert (at.alerts, below.alerts, lost.alerts) == (["long_delay"], [], ["unknown_order"])
    assert {at.decision, below.decision, lost.decision} == {"notify_customer"}
    item, product, cost = _one(oracle, "SELECT item_id, product_id, unit_cost FROM unit_costs "
                                       "ORDER BY item_id LIMIT 1")
    old = Decimal("100.00") if cost < 60 else Decimal(str(round(cost * 2, 2)))

    def change(new: Decimal) -> PriceChange:
        return PriceChange.model_validate({"item_id": item, "product_id": product,
                                           "old_price": str(old),
                                           "new_price": str(new.quantize(Decimal("0.0001")))})

    assert oracle.price(change(old * Decimal("1.15"))).alerts == ["price_swing"]  # at least 15 %
    assert oracle.price(change(old * Decimal("1.149"))).decision == "no_action"
    below_cost = oracle.price(change(Decimal(str(round(cost * 0.9, 2)))))
    assert "below_margin" in below_cost.alerts and below_cost.rule.endswith("below_cost")


def test_the_oracle_on_inventory_uses_the_reorder_facts_and_warehouse_stock(oracle: Oracle) -> None:
    case = next(c for c in CASES if c.kind == "inventory_adjusted" and "oversold" in c.rule)
    change = case.payload
    assert isinstance(change, InventoryChange)
    on_hand, reserved = _one(oracle, "SELECT on_hand, reserved FROM stock WHERE item_id = ? AND "
                                     "warehouse_id = ?", [change.item_id, change.warehouse_id])
    assert on_hand + change.delta - reserved < 0
    facts = oracle.reorder_facts(change.item_id)
    assert facts is not None
    fits = change.model_copy(update={"delta": reserved - on_hand})  # exactly nothing left free
    label = oracle.inventory(fits)
    assert "oversold" not in label.alerts
    assert (label.decision == "reorder") == (
        facts.inventory_position + fits.delta <= facts.reorder_point)


# --- scoring ----------------------------------------------------------------------------------

def test_the_oracles_answer_passes_and_a_wrong_one_fails() -> None:
    for case in CASES:
        good = score(case, _result(case, case.expected.decision, case.expected.alerts), [])
        baseline = float(BASELINE_DECISION[case.kind] == case.expected.decision)
        assert good.passed and good.scores == {"alerts_match": 1.0, "disallowed_choice": 0.0,
                                               "faithful": 1.0,
                                               "baseline_passed": baseline}, case.id
        wrong = next(d for d in [*DECISIONS[case.kind], "confirm"] if d != case.expected.decision)
        bad = score(case, _result(case, wrong, [*case.expected.alerts, "made_up"]), [])
        assert not bad.passed and bad.scores["alerts_match"] == 0.0, case.id


def test_a_disallowed_model_choice_is_found_in_the_note_or_the_details() -> None:
    case = next(c for c in CASES if c.rule.startswith("risk:"))
    note = ("Held for review [the model chose confirm, which the facts do not allow; "
            "kept hold_for_review]")
    assert score(case, _result(case, "hold_for_review", ["risky_order"], note)).scores[
        "disallowed_choice"] == 1.0
    details = {"model_choice": "confirm", "allowed": ["hold_for_review"]}
    assert score(case, _result(case, "hold_for_review", ["risky_order"], details=details)).scores[
        "disallowed_choice"] == 1.0
    allowed = {"model_choice": "hold_for_review", "allowed": ["hold_for_review"]}
    assert score(case, _result(case, "hold_for_review", ["risky_order"], details=allowed)).scores[
        "disallowed_choice"] == 0.0


def test_faithfulness_accepts_facts_and_flags_invented_ids_numbers_and_statuses() -> None:
    case = next(c for c in CASES if c.kind == "shipment_delayed" and c.rule == "delay:long_delay")
    delay = case.payload
    assert isinstance(delay, ShipmentDelay)
    step = TraceStep(step=0, kind="tool", name="get_order_details", status="ok",
                     arguments={"order_id": delay.order_id},
                     result={"order_id": delay.order_id, "status": "processed", "total": 536.65})
    faithful = (f"Order {delay.order_id} (processed, $536.65) is {delay.delay_days} days late "
                f"with {delay.carrier}; delays of 5 days or more are escalated.")
    good = score(case, _result(case, "notify_customer", ["long_delay"], faithful), [step])
    assert good.scores["faithful"] == 1.0, good.detail["unsupported"]
    invented = (f"Order {delay.order_id} was delivered on 2026-10-30; we refunded $12.50 "
                f"to card_1234567.")
    bad = score(case, _result(case, "notify_customer", ["long_delay"], invented), [step])
    assert bad.scores["faithful"] == 0.0
    assert set(bad.detail["unsupported"]) == {"2026-10-30", "$12.50", "card_1234567", "delivered"}
    no_trace = score(case, _result(case, "notify_customer", ["long_delay"], faithful), [])
    assert set(no_trace.detail["unsupported"]) == {"$536.65", "processed"}


class _FakeAgents:
    def __init__(self, reply: Any) -> None:
        self.reply = reply
        self.requests: list[AgentRequest] = []

    def run_sync(self, request: AgentRequest) -> AgentResult:
        self.requests.append(request)
        if isinstance(self.reply, Exception):
            raise self.reply
        result: AgentResult = self.reply
        return result

    def trace(self, event_id: str) -> Any:
        return None


def test_the_suite_sends_each_kind_as_its_request_and_sums_up(oracle: Oracle) -> None:
    suite = OrderSuite()
    assert suite.name == "order" and suite.mutates
    registry = oracle.registry
    results = []
    for kind in DECISIONS:
        case = next(c for c in CASES if c.kind == kind)
        agents = _FakeAgents(_result(case, case.expected.decision, case.expected.alerts))
        world = EvalWorld(store=oracle.store, registry=registry, agents=agents)  # type: ignore[arg-type]
        results.append(suite.run_case(case, world))
        sent = agents.requests[0]
        assert sent.agent == "order" and sent.kind == kind
        assert getattr(sent, order._REQUEST_FIELD[kind]) == case.payload
    crashed = suite.run_case(CASES[0], EvalWorld(store=oracle.store, registry=registry,
                                                 agents=_FakeAgents(RuntimeError("down"))))  # type: ignore[arg-type]
    assert not crashed.passed and "down" in crashed.error
    summary = suite.summary([*results, crashed])
    sent_cases = [next(c for c in CASES if c.kind == kind) for kind in DECISIONS]
    baseline = sum(BASELINE_DECISION[c.kind] == c.expected.decision
                   for c in [*sent_cases, CASES[0]]) / 5
    assert summary == {"decision_accuracy": 0.8, "disallowed_choice_rate": 0.0,
                       "faithful_rate": 0.8, "alerts_match_rate": 0.8,
                       "baseline_decision_accuracy": baseline}
    assert Rules().delay_alert_days == 5


def test_pending_review_is_not_a_status_claim_but_pending_is() -> None:
    facts = [{"order_id": "#W1", "total": "10.00"}]
    assert order.unfaithful(["Order #W1 ($10.00) is held pending review."], facts) == []
    assert order.unfaithful(["Order #W1 is pending."], facts) == ["pending"]
    assert order.unfaithful(["Order #W1 is pending."], [*facts, {"status": "pending"}]) == []
