"""The order agent: decisions and notices for order, shipment, inventory and price events.

The rules decide (``agents._risk``, the spec in the README's "ORDER RULES"):
``prepare`` gathers the facts with the registry's tools, settles the decision
and renders its explanation from a template over those facts, faithful by
construction. Such a run sets ``final`` in ``prepare`` and needs no model.

The model is asked only for wording: the notice to a customer whose shipment is
late. It is offered no decision at all (the decision is ``notify_customer``
whatever it writes), and its text is published only if ``agents._faithful``
finds every id, number and status in it among the facts; otherwise the
template is published and the model's text kept in the action's details.

``finish`` then acts (reserves stock under the event's idempotency keys) and
builds the outputs: one action (the decision, with ``rule``, ``allowed`` and
the ``facts`` in its details) followed by the alerts.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal
from typing import Any, Literal

from langchain_core.messages import HumanMessage
from pydantic import BaseModel, Field

from tools import ToolRegistry, ToolResult

from . import _risk
from ._faithful import unfaithful
from ._risk import plain as _num
from .config import AgentSettings
from .contracts import (
    AgentOutput,
    AgentRequest,
    InventoryAdjustedRequest,
    OrderData,
    OrderPlacedRequest,
    PriceChangedRequest,
    RequestKind,
    ShipmentDelayedRequest,
)
from .errors import RequestError
from .loop import AgentSpec, Toolbox
from .state import LoopState

Severity = Literal["info", "warning", "critical"]

NOTICE_PROMPT = """\
You write notices to customers of a retail company whose shipment is late.
You get the facts of one delayed shipment. Call respond once with a short, polite
notice (two or three sentences) to the customer: say that the shipment of their order
is delayed and by how many days, and apologise. Name only the ids and numbers in the
facts; promise no date, refund or compensation."""


class Ruling(BaseModel):
    """What the rules made of one event; kept in the turn's state between prepare and finish."""

    kind: RequestKind
    subject_id: str
    decision: str
    rule: str  # the branch of the rules that decided
    allowed: list[str]  # the decisions the facts allowed
    explanation: str  # rendered from ``facts`` by a template
    facts: dict[str, Any]  # JSON; every id, number and status of a published text is here
    alerts: list[AgentOutput] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)
    ask_model: bool = False  # the model writes the text (a delay notice)


class OrderTurn(BaseModel):
    """The order agent's ``context``: the ruling, from prepare to finish."""

    ruling: Ruling | None = None


class OrderState(LoopState):
    """The order agent's graph state: it keeps nothing across turns (each event is one)."""

    context: OrderTurn = Field(default_factory=OrderTurn)
    memory: dict[str, Any] = Field(default_factory=dict)


def _out(result: ToolResult) -> dict[str, Any] | None:
    return result.output.model_dump(mode="json") if result.ok and result.output else None


def _missing(result: ToolResult) -> bool:
    return result.error is not None and result.error.code == "not_found"




def _alert(subject: str, alert: str, message: str, severity: Severity = "warning",
           **details: Any) -> AgentOutput:
    return AgentOutput(kind="alert", subject_id=subject, alert=alert, severity=severity,
                       message=message, details=details)


class OrderAgent(AgentSpec[OrderState]):
    name = "order"
    state_schema = OrderState
    # The model only writes a notice from facts gathered in code: it gets only respond.
    tool_names: tuple[str, ...] = ()
    respond_description = "Give the notice to the customer, and stop."

    def __init__(self, registry: ToolRegistry, settings: AgentSettings | None = None) -> None:
        self.registry = registry
        self.settings = settings or AgentSettings()

    def respond_parameters(self) -> dict[str, Any]:
        # No decision field: the model cannot choose what the facts do not allow.
        # Bounded: every token is ~0.1 s on one CPU thread; the grammar holds the bound.
        return {"type": "object", "properties": {
            "message": {"type": "string", "description": "the notice, two or three sentences",
                        "maxLength": 300}},
            "required": ["message"]}

    def system_prompt(self, state: OrderState) -> str:
        return NOTICE_PROMPT

    def constant_prompts(self) -> list[str]:
        return [NOTICE_PROMPT]

    # ------------------------------------------------------------- prepare (rules)

    def prepare(self, request: AgentRequest, state: OrderState, box: Toolbox) -> dict[str, Any]:
        match request:
            case OrderPlacedRequest():
                ruling = self._order_ruling(request, box)
            case ShipmentDelayedRequest():
                ruling = self._delay_ruling(request, box)
            case InventoryAdjustedRequest():
                ruling = self._inventory_ruling(request, box)
            case PriceChangedRequest():
                ruling = self._price_ruling(request, box)
            case _:
                raise RequestError(f"the order agent rules on order events, not {request.kind}")
        ruling.facts["alerts"] = [a.alert for a in ruling.alerts]  # a text may name them
        update: dict[str, Any] = {"context": OrderTurn(ruling=ruling)}
        if ruling.ask_model:
            update["messages"] = [HumanMessage(_notice_request(ruling.facts))]
        else:
            # Decided and worded in code: a final answer already, so the loop needs no model.
            update["messages"] = [HumanMessage(ruling.explanation)]
            update["final"] = {"message": ruling.explanation}
        return update

    def _order_ruling(self, request: OrderPlacedRequest, box: Toolbox) -> Ruling:
        order = request.order
        wanted = _risk.demand(order)
        stock: dict[str, dict[str, int]] = {}  # warehouse -> item -> available
        unknown: list[str] = []
        for i, item in enumerate(wanted):
            got = box.call("get_stock", {"item_ids": [item]}, step="prep", index=i)
            level = _out(got)
            if level is None:
                if _missing(got):
                    unknown.append(item)
                continue
            for w in level["items"][0]["warehouses"]:
                stock.setdefault(w["warehouse_id"], {})[item] = w["available"]
        user = _out(box.call("get_user_details", {"user_id": order.user_id}, step="prep"))
        on_file = _risk.OnFile.model_validate(user["address"]) if user else None
        flags = _risk.risk_flags(order, on_file, unknown,
                                 max_quantity=self.settings.risk_max_quantity,
                                 high_total=Decimal(str(self.settings.risk_high_total)))
        below = self._below_margin(order, unknown, box)
        facts: dict[str, Any] = {
            "kind": request.kind, "order": order.model_dump(mode="json"),
            "lines": len(order.items), "items": len(wanted),
            "lines_total": str(_risk.lines_sum(order)),
            "address_on_file": user["address"] if user else None,
            "available": stock, "network_available": _risk.network(wanted, stock),
            "unknown_items": unknown,
            "flags": [f.model_dump() for f in flags], "below_margin": below,
            "limits": {"risk_max_quantity": self.settings.risk_max_quantity,
                       "risk_high_total": self.settings.risk_high_total}}
        if flags:
            decision, rule = "hold_for_review", "risk:" + ",".join(
                dict.fromkeys(f.rule for f in flags))
            text = f"Order {order.order_id} is held for review: " + "; ".join(
                f.detail for f in flags) + "."
        else:
            decision, rule = _risk.stock_decision(wanted, stock)
            plan = _out(box.call("plan_fulfilment", {
                "lines": [{"item_id": i, "quantity": q} for i, q in wanted.items()],
                "state": order.address.state, "zip_code": order.address.zip}, step="prep"))
            facts["plan"] = plan
            if decision == "backorder" and plan:
                facts["eta_days"] = self._backorder_eta(plan, box)
            text = _stock_text(order.order_id, decision, wanted, stock, facts)
        facts["decision"] = decision
        if below:
            text += " Below the margin floor: " + "; ".join(
                f"item {m['item_id']} at {m['price']} (unit cost {m['unit_cost']})"
                for m in below) + "."
        alerts = [_alert(order.order_id, "risky_order", f.detail, rule=f.rule) for f in flags]
        alerts += [_alert(order.order_id, "below_margin",
                          f"item {m['item_id']} at {m['price']} is below its margin floor "
                          f"(unit cost {m['unit_cost']})",
                          "critical" if m["below_cost"] else "warning", **m) for m in below]
        return Ruling(kind=request.kind, subject_id=order.order_id, decision=decision, rule=rule,
                      allowed=[decision], explanation=text, facts=facts, alerts=alerts)

    def _below_margin(self, order: OrderData, unknown: list[str], box: Toolbox) -> list[dict[str, Any]]:
        """The lines priced under their floor price (``check_margin``'s, tools/pricing.py)."""
        below = []
        for i, line in enumerate(order.items):
            if line.item_id in unknown:
                continue
            m = _out(box.call("check_margin", {"item_id": line.item_id,
                                               "price": float(line.unit_price) or None},
                              step="prep", index=i))
            if m is None:
                continue
            cost, floor = Decimal(str(m["unit_cost"])), Decimal(str(m["floor_price"]))
            if line.unit_price < floor:
                below.append({"item_id": line.item_id, "price": _num(line.unit_price),
                              "unit_cost": _num(cost), "margin_floor": m["margin_floor"],
                              "floor_price": _num(floor),
                              "below_cost": bool(line.unit_price < cost)})
        return below

    def _backorder_eta(self, plan: dict[str, Any], box: Toolbox) -> int | None:
        # Supplier lead time of the slowest short item, plus the delivery leg.
        leads = []
        for i, b in enumerate(plan["backorders"]):
            r = _out(box.call("reorder_suggestion", {"item_id": b["item_id"]}, step="prep",
                              index=i))
            if r is not None:
                leads.append(math.ceil(r["lead_time_mean_days"]))
        if not leads:
            return None
        return max(leads) + int(plan.get("delivery_days") or 0)

    def _delay_ruling(self, request: ShipmentDelayedRequest, box: Toolbox) -> Ruling:
        delay = request.shipment
        order = _out(box.call("get_order_details", {"order_id": delay.order_id}, step="prep"))
        user = (_out(box.call("get_user_details", {"user_id": order["user_id"]}, step="prep"))
                if order else None)
        facts: dict[str, Any] = {
            "kind": request.kind, **delay.model_dump(mode="json"),
            "user_id": order["user_id"] if order else None,
            "customer_first_name": user["name"]["first_name"] if user else None}
        long = delay.delay_days >= self.settings.delay_alert_days
        alerts = []
        if long:
            alerts.append(_alert(delay.order_id, "long_delay",
                                 f"the shipment of order {delay.order_id} is delayed "
                                 f"{delay.delay_days} days", delay_days=delay.delay_days))
        why = f" ({delay.reason})" if delay.reason else ""
        if order is None:
            alerts.append(_alert(delay.order_id, "unknown_order",
                                 f"order {delay.order_id} is not on file: no customer to notify"))
            text = (f"The shipment of order {delay.order_id} is delayed by "
                    f"{_days(delay.delay_days)}{why}, but the order is not on file: "
                    "there is no customer to notify.")
            rule = "unknown_order"
        else:
            name = facts["customer_first_name"]
            text = (f"{'Dear ' + name + ', w' if name else 'W'}e are sorry: the shipment of "
                    f"your order {delay.order_id} is delayed by {_days(delay.delay_days)}{why}.")
            rule = "long_delay" if long else "delay"
        return Ruling(kind=request.kind, subject_id=delay.order_id, decision="notify_customer",
                      rule=rule, allowed=["notify_customer"], explanation=text, facts=facts,
                      alerts=alerts, details={"user_id": facts["user_id"],
                                              "delay_days": delay.delay_days,
                                              "carrier": delay.carrier},
                      ask_model=order is not None and self.settings.order_model_notices)

    def _inventory_ruling(self, request: InventoryAdjustedRequest, box: Toolbox) -> Ruling:
        change = request.inventory
        item, wh = change.item_id, change.warehouse_id
        level = _out(box.call("get_stock", {"item_ids": [item]}, step="prep"))
        # Every warehouse has a stock row for every item: a missing one is no warehouse.
        at_wh = next((w for w in (level["items"][0]["warehouses"] if level else [])
                      if w["warehouse_id"] == wh), None)
        facts: dict[str, Any] = {"kind": request.kind, **change.model_dump(mode="json")}
        text = (f"Item {item} at {wh}: {change.delta:+d} units"
                f"{' (' + change.reason + ')' if change.reason else ''}.")
        if at_wh is None:
            why = "is not in the catalog" if level is None else f"has no warehouse {wh}"
            facts["decision"] = "no_action"
            return Ruling(kind=request.kind, subject_id=item, decision="no_action",
                          rule="unknown_item" if level is None else "unknown_warehouse",
                          allowed=["no_action"], facts=facts,
                          explanation=f"{text} The stock of item {item} {why}: no action.")
        # The event reports a change the store does not hold yet: apply it (the count
        # the event gives, when it gives one).
        before, reserved = at_wh["on_hand"], at_wh["reserved"]
        on_hand = change.on_hand_after if change.on_hand_after is not None else before + change.delta
        facts.update(on_hand_before=before, on_hand_after=on_hand, reserved=reserved,
                     available_after=on_hand - reserved)
        alerts = []
        if on_hand - reserved < 0:
            alerts.append(_alert(item, "oversold",
                                 f"{wh} is oversold: fewer units on hand than the {reserved} "
                                 "reserved; customers with reservations need notice", "critical",
                                 warehouse_id=wh, on_hand=on_hand, reserved=reserved))
            text += f" {wh} is oversold: fewer units on hand than the {reserved} reserved."
        reorder = _out(box.call("reorder_suggestion", {"item_id": item}, step="prep"))
        facts["reorder"] = reorder
        details: dict[str, Any] = {}
        if reorder is None:
            decision, rule = "no_action", "no_reorder_facts"
            text += " There are no reorder facts for this item: no action."
        else:
            position = reorder["available"] + reorder["inbound_open"] + on_hand - before
            rop = reorder["reorder_point"]
            facts["position_after"] = position
            stands = ("After the change, available and inbound stock is {} the reorder point "
                      f"{_num(rop)}")
            if _risk.needs_reorder(position, rop, reorder["mean_daily_demand"]):
                decision, rule = "reorder", "at_or_below_reorder_point"
                qty = reorder["order_quantity"] or _at_least(rop - position,
                                                             reorder["min_order_qty"])
                facts["order_quantity"] = qty
                details = {"quantity": qty, "supplier_id": reorder["supplier_id"],
                           "steps": reorder["steps"]}
                text += (f" {stands.format('at or below')}: reorder from "
                         f"{reorder['supplier_id']}.")
                alerts.append(_alert(item, "low_stock",
                                     f"item {item}: available and inbound stock is at or below "
                                     f"the reorder point {_num(rop)}", quantity=qty))
            else:
                decision = "no_action"
                rule = "no_demand" if reorder["mean_daily_demand"] <= 0 else "above_reorder_point"
                text += f" {stands.format('above')}" + (
                    ", and no demand" if rule == "no_demand" else "") + ": no action."
        facts["decision"] = decision
        return Ruling(kind=request.kind, subject_id=item, decision=decision, rule=rule,
                      allowed=[decision], explanation=text, facts=facts, alerts=alerts,
                      details=details)

    def _price_ruling(self, request: PriceChangedRequest, box: Toolbox) -> Ruling:
        change = request.price
        item, old, new = change.item_id, change.old_price, change.new_price
        margin = _out(box.call("check_margin", {"item_id": item,
                                                "price": float(new) or None}, step="prep"))
        pct = _risk.change_pct(old, new)
        max_pct = self.registry.settings.max_price_change_pct
        facts: dict[str, Any] = {"kind": request.kind, **change.model_dump(mode="json"),
                                 "change_pct": str(pct) if pct is not None else None,
                                 "max_price_change_pct": max_pct}
        text = f"Price of item {item} changed from {_num(old)} to {_num(new)}."
        alerts = []
        if margin is not None:
            # The tools' floor price: the gross margin floor, cost / (1 - floor).
            cost, floor = Decimal(str(margin["unit_cost"])), Decimal(str(margin["floor_price"]))
            facts.update(unit_cost=_num(cost), margin_floor=margin["margin_floor"],
                         floor_price=_num(floor))
            if new < floor:
                under_cost = new < cost
                what = "below the unit cost " + _num(cost) if under_cost else (
                    f"below its margin floor (unit cost {_num(cost)})")
                text += f" {_num(new)} is {what}."
                alerts.append(_alert(item, "below_margin", f"item {item} at {_num(new)} is "
                                     f"{what}", "critical" if under_cost else "warning",
                                     item_id=item, price=_num(new), unit_cost=_num(cost),
                                     floor_price=_num(floor)))
        if _risk.is_swing(old, new, max_pct):
            moved = (f"by at least the {_num(max_pct)}% limit" if pct is not None
                     else "from a zero price")
            text += f" The change is {moved}."
            alerts.append(_alert(item, "price_swing", f"price of item {item} moved {moved}",
                                 "info", change_pct=facts["change_pct"]))
        decision = "alert" if alerts else "no_action"
        rule = "+".join(a.alert for a in alerts) or "within_limits"
        if not alerts:
            text += " Within the margin floor and the change limit: no action."
        facts["decision"] = decision
        return Ruling(kind=request.kind, subject_id=item, decision=decision, rule=rule,
                      allowed=[decision], explanation=text, facts=facts, alerts=alerts)

    # ------------------------------------------------------------- finish (code acts)

    def finish(self, state: OrderState, box: Toolbox) -> dict[str, Any]:
        ruling = state.context.ruling
        assert ruling is not None  # prepare rules on every event
        message, checked = ruling.explanation, dict[str, Any]()
        limited = ruling.ask_model and state.outcome == "step_limit"
        if ruling.ask_model and not limited:
            message, checked = _checked(str((state.final or {}).get("message") or ""), ruling)
        details = {**ruling.details, "rule": ruling.rule, "allowed": ruling.allowed,
                   **checked, "facts": ruling.facts}
        decision, outputs = ruling.decision, list(ruling.alerts)
        if ruling.kind == "order_placed" and decision != "hold_for_review":
            decision, message = self._reserve(box, ruling, details, outputs, message)
        action = AgentOutput(kind="action", subject_id=ruling.subject_id, action=decision,
                             message=message, details=details)
        return {"status": "step_limit" if limited else "done", "decision": decision,
                "message": message,
                "outputs": [o.model_dump(mode="json") for o in [action, *outputs]]}

    def _reserve(self, box: Toolbox, ruling: Ruling, details: dict[str, Any],
                 outputs: list[AgentOutput], message: str) -> tuple[str, str]:
        request = box.request
        assert isinstance(request, OrderPlacedRequest)  # only an order_placed ruling reserves
        order = request.order
        decision, plan = ruling.decision, ruling.facts.get("plan") or {}
        details["shipments"] = plan.get("shipments", [])
        reserved = box.call("reserve_stock", {
            "order_id": order.order_id, "state": order.address.state,
            "zip_code": order.address.zip, "allow_partial": decision == "backorder",
            "lines": [{"item_id": li.item_id, "quantity": li.quantity} for li in order.items]},
            step="act")
        if not reserved.ok:
            assert reserved.error is not None
            # The rules allowed it a moment ago; stock moved since (or the destination
            # cannot be served): a person looks at it.
            outputs.append(_alert(order.order_id, "reservation_failed", reserved.error.message))
            details.update(rule="reservation_failed", allowed=["hold_for_review"],
                           facts={**ruling.facts, "decision": "hold_for_review",
                                  "reservation_error": reserved.error.message})
            return "hold_for_review", (f"Order {order.order_id} is held for review: stock "
                                       f"could not be reserved ({reserved.error.message}).")
        details["reservation"] = _out(reserved)
        if decision == "backorder":
            details["eta_days"] = ruling.facts.get("eta_days")
            details["backorders"] = plan.get("backorders", [])
        return decision, message


def _checked(text: str, ruling: Ruling) -> tuple[str, dict[str, Any]]:
    """The model's text if it is faithful to the facts, else the template (and why)."""
    # The length bound can cut the last sentence: publish the complete ones only.
    cut = _SENTENCE_END.search(text.strip())
    told = text.strip()[:cut.end()] if cut else text.strip()
    wrong = unfaithful(told, ruling.facts) if told else ["(empty)"]
    # A small model slips into another script mid-word ("Thank您"): not a notice to send.
    wrong += [c for c in dict.fromkeys(told) if c.isalpha() and not c.isascii()
              and not unicodedata.name(c, "").startswith("LATIN")]
    if not wrong:
        return told, {"faithful": True}
    return ruling.explanation, {"faithful": False, "model_text": text, "unfaithful": wrong}


_SENTENCE_END = re.compile(r"^.*[.!?](?=\s|$)", re.DOTALL)


def _notice_request(facts: dict[str, Any]) -> str:
    lines = [f"Order: {facts['order_id']}", f"Delayed by: {_days(facts['delay_days'])}"]
    if facts.get("customer_first_name"):
        lines.insert(0, f"Customer: {facts['customer_first_name']}")
    if facts.get("carrier"):
        lines.append(f"Carrier: {facts['carrier']}")
    if facts.get("tracking_id"):
        lines.append(f"Tracking: {facts['tracking_id']}")
    if facts.get("reason"):
        lines.append(f"Reason: {facts['reason']}")
    return "Facts of the delayed shipment:\n" + "\n".join(lines)


def _stock_text(order_id: str, decision: str, wanted: dict[str, int],
                stock: dict[str, dict[str, int]], facts: dict[str, Any]) -> str:
    if decision == "backorder":
        network = _risk.network(wanted, stock)
        short = [f"item {item}" for item, units in wanted.items() if network[item] < units]
        return (f"Order {order_id} is backordered: the network's available stock cannot "
                f"cover {', '.join(short)}.")
    shipments = (facts.get("plan") or {}).get("shipments") or []
    if decision == "split_shipment":
        where = ", ".join(s["warehouse_id"] for s in shipments)
        return (f"Order {order_id} ships as a split shipment"
                + (f" from {where}" if where else "")
                + ": no single warehouse can ship all its items.")
    where = (shipments[0]["warehouse_id"] if len(shipments) == 1 else
             next(w for w, s in sorted(stock.items())
                  if all(s.get(i, 0) >= q for i, q in wanted.items())))
    return (f"Order {order_id} is confirmed: {where} can ship all its items, "
            "and no risk rule applies.")


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _at_least(shortfall: float, moq: int) -> int:
    """Units to reorder when the tool proposed none: the shortfall, in supplier lots."""
    lots = max(1, math.ceil(shortfall / moq)) if moq > 0 else 1
    return lots * max(moq, 1)


__all__ = ["NOTICE_PROMPT", "OrderAgent", "Ruling"]
