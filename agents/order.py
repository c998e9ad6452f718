"""The order agent: decisions and notices for order, shipment, inventory and price events.

Everything deterministic happens in code, through the registry, before the
model is asked (fulfilment plan, margins, the address on file, risk rules,
backorder ETA, reorder maths); the model gets a compact summary, chooses among
the decisions the facts allow and writes the explanation. Code then acts on
the choice (reserves stock under the event's idempotency keys) and builds the
outputs. A choice the facts do not allow falls back to the suggested one.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, get_args

from langchain_core.messages import HumanMessage

from tools import ToolRegistry, ToolResult

from ._risk import RiskFlag, allowed_decisions, risk_flags, suggested_decision
from .config import AgentSettings
from .contracts import AgentOutput, AgentRequest, OrderDecision
from .loop import AgentSpec, LoopState, Toolbox

_PROMPT = """\
You are the order-operations agent of a retail company. You get the facts of one event,
already checked by the system. {task}
Call respond once with your decision and a short explanation (one or two sentences)
that names the facts behind it."""

_TASKS = {
    "order_placed": "Choose the decision for the new order among the allowed ones.",
    "shipment_delayed": "Write the notice to the customer about the delay "
                        "(decision: acknowledge).",
    "inventory_adjusted": "Summarise the stock change and what is being done "
                          "(decision: acknowledge).",
    "price_changed": "Summarise the price change and its margin (decision: acknowledge).",
}
DECISIONS = [*get_args(OrderDecision), "acknowledge"]


def _out(result: ToolResult) -> dict[str, Any] | None:
    return result.output.model_dump(mode="json") if result.ok and result.output else None


class OrderAgent(AgentSpec):
    name = "order"
    # Every fact is gathered in code before the model is asked, so the model gets
    # only ``respond``: one call per event. Offering look-up tools made the 0.5B
    # model loop on malformed get_stock calls until the step limit.
    tool_names: tuple[str, ...] = ()
    respond_description = "Give your decision and its explanation, and stop."

    def __init__(self, registry: ToolRegistry, settings: AgentSettings | None = None) -> None:
        self.registry = registry
        self.settings = settings or AgentSettings()

    def respond_parameters(self) -> dict[str, Any]:
        return {"type": "object", "properties": {
            "decision": {"type": "string", "enum": DECISIONS},
            # Bounded: a small model tends to echo the whole summary back, and every
            # token is ~0.1 s on one CPU thread. The grammar enforces the bound.
            "message": {"type": "string", "description": "the explanation, one or two sentences",
                        "maxLength": 280}},
            "required": ["decision", "message"]}

    def system_prompt(self, state: LoopState) -> str:
        kind = state["request"]["kind"]
        return _PROMPT.format(task=_TASKS[kind])

    def constant_prompts(self) -> list[str]:
        return [_PROMPT.format(task=task) for task in _TASKS.values()]

    # ------------------------------------------------------------- prepare (code)

    def prepare(self, request: AgentRequest, state: LoopState, box: Toolbox) -> dict[str, Any]:
        facts = {
            "order_placed": self._order_facts,
            "shipment_delayed": self._delay_facts,
            "inventory_adjusted": self._inventory_facts,
            "price_changed": self._price_facts,
        }[request.kind](request, box)
        return {"messages": [HumanMessage(facts.pop("summary"))], "context": facts}

    def _order_facts(self, request: AgentRequest, box: Toolbox) -> dict[str, Any]:
        order = request.order
        assert order is not None
        lines = [{"item_id": line.item_id, "quantity": line.quantity} for line in order.items]
        plan = _out(box.call("plan_fulfilment", {"lines": lines, "state": order.address.state,
                                                 "zip_code": order.address.zip}, step="prep"))
        margins = []
        for i, line in enumerate(order.items):
            m = _out(box.call("check_margin", {"item_id": line.item_id,
                                               "price": float(line.unit_price) or None,
                                               "quantity": line.quantity},
                              step="prep", index=i))
            if m is not None:
                margins.append(m)
        user = _out(box.call("get_user_details", {"user_id": order.user_id}, step="prep"))
        flags = risk_flags(order, user["address"] if user else None,
                           max_quantity=self.settings.risk_max_quantity,
                           high_total=Decimal(str(self.settings.risk_high_total)))
        eta_days = self._backorder_eta(plan, box) if plan and plan["backorders"] else None
        allowed = allowed_decisions(plan)
        suggested = suggested_decision(allowed, flags)
        below = [m for m in margins if not m["ok"]]
        summary = "\n".join([
            f"Order {order.order_id} by {order.user_id}: {len(order.items)} line(s), "
            f"total {order.total}.",
            _plan_text(plan, eta_days),
            "Margins: " + ("all above the floor." if not below else "; ".join(
                f"item {m['item_id']} at {m['price']} is below the floor "
                f"(margin {m['margin']:.0%}, floor price {m['floor_price']})" for m in below)),
            "Risk: " + ("none." if not flags else "; ".join(f.detail for f in flags)),
            f"Allowed decisions: {', '.join(allowed)}. Suggested: {suggested}.",
        ])
        return {"summary": summary, "plan": plan, "margins": margins,
                "flags": [f.model_dump() for f in flags], "allowed": allowed,
                "suggested": suggested, "eta_days": eta_days}

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

    def _delay_facts(self, request: AgentRequest, box: Toolbox) -> dict[str, Any]:
        delay = request.shipment
        assert delay is not None
        order = _out(box.call("get_order_details", {"order_id": delay.order_id}, step="prep"))
        user = order["user_id"] if order else None
        summary = (f"Shipment of order {delay.order_id} (customer {user or 'unknown'}) with "
                   f"{delay.carrier or 'the carrier'} is delayed by {delay.delay_days} day(s)"
                   + (f": {delay.reason}." if delay.reason else "."))
        return {"summary": summary, "user_id": user, "allowed": ["acknowledge"],
                "suggested": "acknowledge"}

    def _inventory_facts(self, request: AgentRequest, box: Toolbox) -> dict[str, Any]:
        change = request.inventory
        assert change is not None
        stock = _out(box.call("get_stock", {"item_ids": [change.item_id]}, step="prep"))
        reorder = _out(box.call("reorder_suggestion", {"item_id": change.item_id}, step="prep"))
        level = stock["items"][0] if stock else None
        at_wh = next((w for w in (level or {}).get("warehouses", [])
                      if w["warehouse_id"] == change.warehouse_id), None)
        parts = [f"Item {change.item_id} at {change.warehouse_id}: {change.delta:+d} units "
                 f"({change.reason or 'adjustment'})."]
        if level:
            parts.append(f"Network stock: {level['available']} available, "
                         f"{level['reserved']} reserved, {level['inbound']} inbound.")
        if reorder:
            qty = reorder["order_quantity"]
            parts.append(f"Reorder: yes, {qty} units." if reorder["should_reorder"]
                         else "Reorder: not needed.")
        return {"summary": " ".join(parts), "stock": level, "at_warehouse": at_wh,
                "reorder": reorder, "allowed": ["acknowledge"], "suggested": "acknowledge"}

    def _price_facts(self, request: AgentRequest, box: Toolbox) -> dict[str, Any]:
        change = request.price
        assert change is not None
        margin = _out(box.call("check_margin", {"item_id": change.item_id,
                                                "price": float(change.new_price) or None},
                               step="prep"))
        pct = (float((change.new_price - change.old_price) / change.old_price * 100)
               if change.old_price else 0.0)
        summary = (f"Price of item {change.item_id} changed from {change.old_price} to "
                   f"{change.new_price} ({pct:+.1f}%). " + (
                       f"Margin {margin['margin']:.0%} against a floor of "
                       f"{margin['margin_floor']:.0%}." if margin else "Margin unknown."))
        return {"summary": summary, "margin": margin, "change_pct": pct,
                "allowed": ["acknowledge"], "suggested": "acknowledge"}

    # ------------------------------------------------------------- finish (code acts)

    def finish(self, state: LoopState, box: Toolbox) -> dict[str, Any]:
        request = box.request
        ctx = state.get("context") or {}
        final = state.get("final") or {}
        limited = state.get("outcome") == "step_limit"
        chosen = final.get("decision")
        decision = str(chosen if chosen in ctx["allowed"] else ctx["suggested"])
        message = str(final.get("message") or "")
        if limited:
            message = f"No decision within the step limit; applied the default ({decision})."
        elif decision != chosen:
            message = (f"{message} [the model chose {chosen!r}, which the facts do not "
                       f"allow; applied {decision}]").strip()
        build = {"order_placed": self._order_outputs, "shipment_delayed": self._delay_outputs,
                 "inventory_adjusted": self._inventory_outputs,
                 "price_changed": self._price_outputs}[request.kind]
        outputs, decision = build(request, ctx, decision, message, box)
        return {"status": "step_limit" if limited else "done", "decision": decision,
                "message": message, "outputs": [o.model_dump(mode="json") for o in outputs]}

    def _order_outputs(self, request: AgentRequest, ctx: dict[str, Any], decision: str,
                       message: str, box: Toolbox) -> tuple[list[AgentOutput], str]:
        order = request.order
        assert order is not None
        subject, plan = order.order_id, ctx.get("plan") or {}
        outputs: list[AgentOutput] = []
        details: dict[str, Any] = {"shipments": plan.get("shipments", []),
                                   "risk": ctx.get("flags", [])}
        if decision in ("confirm", "split_shipment", "backorder"):
            reserved = box.call("reserve_stock", {
                "order_id": order.order_id, "state": order.address.state,
                "zip_code": order.address.zip, "allow_partial": decision == "backorder",
                "lines": [{"item_id": li.item_id, "quantity": li.quantity}
                          for li in order.items]}, step="act")
            if reserved.ok:
                details["reservation"] = _out(reserved)
            else:
                assert reserved.error is not None
                outputs.append(AgentOutput(kind="alert", subject_id=subject, severity="warning",
                                           alert="reservation_failed",
                                           message=reserved.error.message))
                decision, message = "hold_for_review", (
                    f"{message} [stock could not be reserved: {reserved.error.message}]")
        if decision == "backorder":
            details["eta_days"] = ctx.get("eta_days")
            details["backorders"] = plan.get("backorders", [])
        outputs.insert(0, AgentOutput(kind="action", subject_id=subject, action=decision,
                                      message=message, details=details))
        for flag in ctx.get("flags", []):
            outputs.append(AgentOutput(kind="alert", subject_id=subject, alert="risky_order",
                                       severity="warning", message=flag["detail"],
                                       details={"rule": flag["rule"]}))
        for m in ctx.get("margins", []):
            if not m["ok"]:
                outputs.append(_margin_alert(subject, m))
        return outputs, decision

    def _delay_outputs(self, request: AgentRequest, ctx: dict[str, Any], decision: str,
                       message: str, box: Toolbox) -> tuple[list[AgentOutput], str]:
        delay = request.shipment
        assert delay is not None
        outputs = [AgentOutput(kind="action", subject_id=delay.order_id,
                               action="notify_customer", message=message,
                               details={"user_id": ctx.get("user_id"),
                                        "delay_days": delay.delay_days,
                                        "carrier": delay.carrier})]
        if delay.delay_days >= self.settings.delay_alert_days:
            outputs.append(AgentOutput(kind="alert", subject_id=delay.order_id,
                                       alert="long_delay", severity="warning",
                                       message=f"shipment delayed {delay.delay_days} days"))
        return outputs, "notify_customer"

    def _inventory_outputs(self, request: AgentRequest, ctx: dict[str, Any], decision: str,
                           message: str, box: Toolbox) -> tuple[list[AgentOutput], str]:
        change = request.inventory
        assert change is not None
        outputs, reorder = [], ctx.get("reorder")
        at_wh = ctx.get("at_warehouse")
        if at_wh is not None and at_wh["available"] < 0:
            outputs.append(AgentOutput(
                kind="alert", subject_id=change.item_id, alert="oversold", severity="critical",
                message=f"{change.warehouse_id} has {at_wh['reserved']} reserved but "
                        f"{at_wh['on_hand']} on hand: customers with reservations need notice",
                details={"warehouse_id": change.warehouse_id}))
        if reorder and reorder["should_reorder"]:
            outputs.insert(0, AgentOutput(
                kind="action", subject_id=change.item_id, action="reorder", message=message,
                details={"quantity": reorder["order_quantity"],
                         "supplier_id": reorder["supplier_id"], "steps": reorder["steps"]}))
            outputs.append(AgentOutput(kind="alert", subject_id=change.item_id,
                                       alert="low_stock", severity="warning",
                                       message=f"reorder {reorder['order_quantity']} units"))
            return outputs, "reorder"
        return outputs or [_reviewed(change.item_id, message)], "no_action"

    def _price_outputs(self, request: AgentRequest, ctx: dict[str, Any], decision: str,
                       message: str, box: Toolbox) -> tuple[list[AgentOutput], str]:
        change = request.price
        assert change is not None
        outputs, margin = [], ctx.get("margin")
        if margin is not None and not margin["ok"]:
            outputs.append(_margin_alert(change.item_id, margin, explanation=message))
        if abs(ctx.get("change_pct", 0.0)) >= self.registry.settings.max_price_change_pct:
            outputs.append(AgentOutput(kind="alert", subject_id=change.item_id,
                                       alert="price_swing", severity="info",
                                       message=f"price moved {ctx['change_pct']:+.1f}%"))
        return outputs or [_reviewed(change.item_id, message)], "alert" if outputs else "no_action"


def _reviewed(subject: str, message: str) -> AgentOutput:
    """Nothing to do is a decision too: publish it, so every event leaves a record downstream."""
    return AgentOutput(kind="action", subject_id=subject, action="no_action", message=message)


def _margin_alert(subject: str, m: dict[str, Any], explanation: str = "") -> AgentOutput:
    return AgentOutput(
        kind="alert", subject_id=subject, alert="below_margin",
        severity="critical" if m["margin"] < 0 else "warning",
        message=explanation or f"item {m['item_id']} at {m['price']} is below the margin floor",
        details={"item_id": m["item_id"], "price": m["price"], "margin": m["margin"],
                 "floor_price": m["floor_price"], "unit_cost": m["unit_cost"]})


def _plan_text(plan: dict[str, Any] | None, eta_days: int | None) -> str:
    if plan is None:
        return "Fulfilment: no plan could be made."
    ships = "; ".join(f"{s['warehouse_id']} ({s['delivery_days']} days)"
                      for s in plan["shipments"]) or "none"
    text = f"Fulfilment: {len(plan['shipments'])} shipment(s): {ships}."
    if plan["backorders"]:
        text += " Short: " + ", ".join(f"{b['short']} of item {b['item_id']}"
                                       for b in plan["backorders"])
        text += f"; estimated arrival in {eta_days} days." if eta_days else "."
    return text


__all__ = ["OrderAgent", "RiskFlag"]
