"""The independent order oracle: the decision and alerts the ORDER RULES give for an event.

Written from the rules, not from the order agent: its own SQL over the store
(addresses on file, the catalogue, stock per warehouse, unit costs) and, for
reorders only, the ``reorder_suggestion`` tool (its reorder point needs a
forecast). It labels an event against the store as the event finds it (the
suite gives each case a freshly seeded store).

The rules, with the choices the spec leaves open made explicit:

A. ``order_placed`` -> confirm | split_shipment | backorder | hold_for_review.
   1. Risk flags, one ``risky_order`` alert each, any -> hold_for_review:
      unknown_customer (user not on file); address_mismatch (ZIP or address1
      differ from the address on file after lower-casing, dropping commas and
      collapsing spaces; only for a known customer); unusual_quantity (a line
      over ``risk_max_quantity``); high_total (total over ``risk_high_total``);
      total_mismatch (|sum(unit_price x quantity) - total| > 0.01 x lines);
      unknown_item (an item id not in the catalogue).
   2. Else by stock, quantities of the same item summed over lines, available
      = on_hand - reserved per warehouse: the network cannot cover some item ->
      backorder; no single warehouse covers every item -> split_shipment;
      else confirm.
   3. Whatever the decision, each line of a catalogued item whose unit price
      is below its floor price, unit cost / (1 - margin_floor) in whole cents, raises a
      ``below_margin`` alert.
B. ``shipment_delayed`` -> notify_customer; ``long_delay`` when delay_days >=
   delay_alert_days; ``unknown_order`` when the order is not in the store.
C. ``inventory_adjusted`` -> reorder (with ``low_stock``) when the item's
   network inventory position (available + open inbound, the tool's facts)
   after the change is at or below the tool's reorder point and the item has
   demand; else no_action. The event reports a change the store does not hold
   yet: the change to on-hand is ``on_hand_after - on_hand`` when given, else
   ``delta``. ``oversold`` when that warehouse's on_hand after the change minus
   its reserved units is below zero. An unknown item or warehouse -> no_action.
D. ``price_changed`` -> alert when the new price is below the floor price
   (``below_margin``; critical below unit cost) or |new - old| / old >=
   max_price_change_pct % (``price_swing``); else no_action.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import ROUND_CEILING, Decimal
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from agents.config import AgentSettings
from agents.contracts import InventoryChange, OrderData, PriceChange, ShipmentDelay
from tools import Actor, Store, ToolContext, ToolRegistry, ToolSettings

EventKind = Literal["order_placed", "shipment_delayed", "inventory_adjusted", "price_changed"]
Payload = OrderData | ShipmentDelay | InventoryChange | PriceChange
PAYLOAD_MODELS: dict[str, type[Payload]] = {
    "order_placed": OrderData, "shipment_delayed": ShipmentDelay,
    "inventory_adjusted": InventoryChange, "price_changed": PriceChange,
}
# The decisions each kind allows (what "a choice the facts allow" ranges over).
DECISIONS: dict[str, tuple[str, ...]] = {
    "order_placed": ("confirm", "split_shipment", "backorder", "hold_for_review"),
    "shipment_delayed": ("notify_customer",),
    "inventory_adjusted": ("reorder", "no_action"),
    "price_changed": ("alert", "no_action"),
}


class Rules(BaseModel):
    """The settings the rules read (AgentSettings / ToolSettings fields)."""

    model_config = ConfigDict(frozen=True)

    risk_max_quantity: int = 5
    risk_high_total: float = 2500.0
    delay_alert_days: int = 5
    margin_floor: float = 0.15
    max_price_change_pct: float = 15.0

    @classmethod
    def of(cls, agents: AgentSettings, tools: ToolSettings) -> Rules:
        return cls(risk_max_quantity=agents.risk_max_quantity,
                   risk_high_total=agents.risk_high_total,
                   delay_alert_days=agents.delay_alert_days, margin_floor=tools.margin_floor,
                   max_price_change_pct=tools.max_price_change_pct)


class Label(BaseModel):
    """What the rules decide for one event."""

    decision: str
    alerts: list[str]  # alert kinds, one per alert, sorted
    rule: str  # the branch that decided, e.g. "risk:address_mismatch" or "stock:split_shipment"


class ReorderFacts(BaseModel):
    reorder_point: float
    inventory_position: int
    mean_daily_demand: float


def normalise_address(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower().replace(",", "")).strip()


def _label(decision: str, alerts: list[str], rule: str) -> Label:
    return Label(decision=decision, alerts=sorted(alerts), rule=rule)


class Oracle:
    """Labels events against one store. Reorder facts are cached per item: label events
    against a store nothing else changes meanwhile (a freshly seeded one)."""

    def __init__(self, store: Store, registry: ToolRegistry, rules: Rules | None = None) -> None:
        self.store = store
        self.registry = registry
        self.rules = rules or Rules()
        self.reorder_facts: Callable[[str], ReorderFacts | None] = lru_cache(maxsize=None)(
            self._reorder_facts)

    def _rows(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        with self.store.cursor() as cur:
            return cur.execute(sql, params).fetchall()

    def label(self, kind: str, payload: Payload) -> Label:
        if isinstance(payload, OrderData):
            return self.order(payload)
        if isinstance(payload, ShipmentDelay):
            return self.shipment(payload)
        if isinstance(payload, InventoryChange):
            return self.inventory(payload)
        if isinstance(payload, PriceChange):
            return self.price(payload)
        raise ValueError(f"no rules for a {kind} event")

    # --- A. order placed --------------------------------------------------------------

    def risk_flags(self, order: OrderData) -> list[str]:
        r = self.rules
        flags: list[str] = []
        on_file = self._rows("SELECT address ->> '$.address1', address ->> '$.zip' FROM users "
                             "WHERE user_id = ?", [order.user_id])
        if not on_file:
            flags.append("unknown_customer")
        else:
            address1, zip_code = (str(v or "") for v in on_file[0])
            if (normalise_address(order.address.address1) != normalise_address(address1)
                    or normalise_address(order.address.zip) != normalise_address(zip_code)):
                flags.append("address_mismatch")
        if any(line.quantity > r.risk_max_quantity for line in order.items):
            flags.append("unusual_quantity")
        if order.total > Decimal(str(r.risk_high_total)):
            flags.append("high_total")
        lines_sum = sum((line.unit_price * line.quantity for line in order.items), Decimal(0))
        if abs(lines_sum - order.total) > Decimal("0.01") * len(order.items):
            flags.append("total_mismatch")
        known = {row[0] for row in self._rows(
            "SELECT item_id FROM variants WHERE item_id IN (SELECT unnest(?))",
            [[line.item_id for line in order.items]])}
        if any(line.item_id not in known for line in order.items):
            flags.append("unknown_item")
        return flags

    def stock_decision(self, order: OrderData) -> str:
        wanted: dict[str, int] = {}
        for line in order.items:
            wanted[line.item_id] = wanted.get(line.item_id, 0) + line.quantity
        free: dict[str, dict[str, int]] = {}
        for warehouse, item, available in self._rows(
                "SELECT warehouse_id, item_id, on_hand - reserved FROM stock "
                "WHERE item_id IN (SELECT unnest(?))", [list(wanted)]):
            free.setdefault(str(warehouse), {})[str(item)] = int(available)
        for item, qty in wanted.items():
            if sum(max(0, w.get(item, 0)) for w in free.values()) < qty:
                return "backorder"
        if any(all(w.get(item, 0) >= qty for item, qty in wanted.items()) for w in free.values()):
            return "confirm"
        return "split_shipment"

    def below_margin_lines(self, order: OrderData) -> int:
        costs: dict[str, float] = dict(self._rows("SELECT item_id, unit_cost FROM unit_costs "
                                "WHERE item_id IN (SELECT unnest(?))",
                                [[line.item_id for line in order.items]]))
        return sum(int(line.item_id in costs
                       and line.unit_price < self.floor_price(float(costs[line.item_id])))
                   for line in order.items)

    def floor_price(self, unit_cost: float) -> Decimal:
        # Decimal arithmetic, so a price exactly at a threshold is not lost to float rounding.
        # The floor is a gross margin: price >= cost / (1 - floor), in whole cents, rounded up.
        exact = Decimal(str(unit_cost)) / (1 - Decimal(str(self.rules.margin_floor)))
        return exact.quantize(Decimal("0.01"), rounding=ROUND_CEILING)

    def order(self, order: OrderData) -> Label:
        flags = self.risk_flags(order)
        margins = self.below_margin_lines(order)
        alerts = ["risky_order"] * len(flags) + ["below_margin"] * margins
        suffix = f"+below_margin:{margins}" if margins else ""
        if flags:
            return _label("hold_for_review", alerts, "risk:" + ",".join(flags) + suffix)
        decision = self.stock_decision(order)
        return _label(decision, alerts, f"stock:{decision}{suffix}")

    # --- B. shipment delayed --------------------------------------------------------------

    def shipment(self, delay: ShipmentDelay) -> Label:
        alerts, why = [], []
        if not self._rows("SELECT 1 FROM orders WHERE order_id = ?", [delay.order_id]):
            alerts.append("unknown_order")
            why.append("unknown_order")
        if delay.delay_days >= self.rules.delay_alert_days:
            alerts.append("long_delay")
            why.append("long_delay")
        return _label("notify_customer", alerts, "delay:" + (",".join(why) or "short"))

    # --- C. inventory adjusted -------------------------------------------------------------

    def _reorder_facts(self, item_id: str) -> ReorderFacts | None:
        result = self.registry.call("reorder_suggestion", {"item_id": item_id},
                                    ToolContext(actor=Actor.system()))
        if not result.ok or result.output is None:
            return None
        return ReorderFacts.model_validate(result.output.model_dump())

    def on_hand_change(self, change: InventoryChange) -> tuple[int, int, int] | None:
        """(on_hand before, change to on_hand, reserved) of the item at the warehouse, or None."""
        rows = self._rows("SELECT on_hand, reserved FROM stock WHERE item_id = ? "
                          "AND warehouse_id = ?", [change.item_id, change.warehouse_id])
        if not rows:
            return None
        on_hand, reserved = int(rows[0][0]), int(rows[0][1])
        moved = (change.on_hand_after - on_hand if change.on_hand_after is not None
                 else change.delta)
        return on_hand, moved, reserved

    def inventory(self, change: InventoryChange) -> Label:
        where = self.on_hand_change(change)
        facts = self.reorder_facts(change.item_id)
        if where is None or facts is None:
            return _label("no_action", [], "inventory:unknown_item_or_warehouse")
        on_hand, moved, reserved = where
        alerts, why = [], []
        if on_hand + moved - reserved < 0:
            alerts.append("oversold")
            why.append("oversold")
        position = facts.inventory_position + moved
        if facts.mean_daily_demand > 0 and position <= facts.reorder_point:
            alerts.append("low_stock")
            return _label("reorder", alerts, "inventory:reorder" + "".join(f",{w}" for w in why))
        return _label("no_action", alerts, "inventory:no_reorder" + "".join(f",{w}" for w in why))

    # --- D. price changed -----------------------------------------------------------------

    def price(self, change: PriceChange) -> Label:
        rows = self._rows("SELECT unit_cost FROM unit_costs WHERE item_id = ?", [change.item_id])
        alerts = []
        new, old = change.new_price, change.old_price
        cost = float(rows[0][0]) if rows else None
        if cost is not None and new < self.floor_price(cost):
            alerts.append("below_margin")
        if old > 0 and abs(new - old) / old * 100 >= Decimal(str(self.rules.max_price_change_pct)):
            alerts.append("price_swing")
        below_cost = ",below_cost" if cost is not None and new < Decimal(str(cost)) else ""
        return _label("alert" if alerts else "no_action", alerts,
                      "price:" + (",".join(alerts) or "small_change") + below_cost)
