"""The order rules, as pure functions over facts the order agent gathered with its tools.

The spec (issue 11; the evaluation oracle checks the same one, written apart):

- OrderPlaced: any risk flag -> hold_for_review, one ``risky_order`` alert per
  flag (unknown_customer, address_mismatch, unusual_quantity, high_total,
  total_mismatch, unknown_item); else the network cannot cover every line ->
  backorder; else no single warehouse can ship all lines -> split_shipment;
  else confirm. A line under its floor price (the tools' gross-margin
  floor, unit cost / (1 - margin floor), from ``check_margin``) raises
  ``below_margin`` without changing the decision.
- ShipmentDelayed: notify_customer; ``long_delay`` at ``delay_alert_days``.
- InventoryAdjusted: reorder when available + inbound is at or below the
  reorder point, else no_action; ``oversold`` when the warehouse's available
  stock is below zero after the change.
- PriceChanged: alert when the new price is under the floor price
  (``below_margin``, critical under cost) or moved at least
  ``max_price_change_pct`` either way (``price_swing``); else no_action.

No model is involved in any of it; the agent only renders the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .contracts import OrderData, OrderDecision

RiskRule = Literal["unknown_customer", "address_mismatch", "unusual_quantity", "high_total",
                   "total_mismatch", "unknown_item"]
StockRule = Literal["network_short", "no_single_warehouse", "single_warehouse"]


class OnFile(BaseModel):
    """The part of a customer's address on file that the address rule compares."""

    model_config = ConfigDict(extra="ignore")

    address1: str = ""
    zip: str = ""


class RiskFlag(BaseModel):
    rule: RiskRule
    detail: str  # a sentence naming the facts behind the flag (published as the alert)


def plain(x: Decimal | float | int) -> str:
    """A number written plainly: 2500.0 -> 2500, 12.50 -> 12.5, never 2.5E+3."""
    d = Decimal(str(x))
    return format(d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize(), "f")


def _norm(text: str | None) -> str:
    # The spec's comparison: lower case, commas removed, runs of spaces collapsed.
    return " ".join((text or "").lower().replace(",", "").split())


def risk_flags(order: OrderData, on_file: OnFile | None, unknown_items: Sequence[str], *,
               max_quantity: int, high_total: Decimal) -> list[RiskFlag]:
    """Every risk flag of ``order``, in the spec's order (one alert per flag).

    ``on_file`` is the customer's address on file (None: no such customer);
    ``unknown_items`` the order's item ids that are not in the catalog.
    """
    flags: list[RiskFlag] = []
    if on_file is None:
        flags.append(RiskFlag(rule="unknown_customer",
                              detail=f"customer {order.user_id} is not on file"))
    else:
        shipped = order.address
        if (_norm(shipped.zip) != _norm(on_file.zip)
                or _norm(shipped.address1) != _norm(on_file.address1)):
            flags.append(RiskFlag(
                rule="address_mismatch",
                detail=f"ships to {shipped.address1}, {shipped.zip}; the address on file is "
                       f"{on_file.address1}, {on_file.zip}"))
    for line in order.items:
        if line.quantity > max_quantity:
            flags.append(RiskFlag(rule="unusual_quantity",
                                  detail=f"{line.quantity} units of item {line.item_id} "
                                         f"(more than {max_quantity})"))
    if order.total > high_total:
        flags.append(RiskFlag(rule="high_total",
                              detail=f"total {order.total} is above {plain(high_total)}"))
    lines_total = lines_sum(order)
    if abs(lines_total - order.total) > Decimal("0.01") * len(order.items):
        flags.append(RiskFlag(rule="total_mismatch",
                              detail=f"the order total {order.total} does not match the "
                                     "sum of its line prices"))
    unknown = set(unknown_items)
    for line in order.items:
        if line.item_id in unknown:
            flags.append(RiskFlag(rule="unknown_item",
                                  detail=f"item {line.item_id} is not in the catalog"))
    return flags


def lines_sum(order: OrderData) -> Decimal:
    return sum((line.unit_price * line.quantity for line in order.items), Decimal(0))


def demand(order: OrderData) -> dict[str, int]:
    """Units wanted per item: two lines of one item draw on the same stock."""
    out: dict[str, int] = {}
    for line in order.items:
        out[line.item_id] = out.get(line.item_id, 0) + line.quantity
    return out


def network(wanted: Mapping[str, int], available: Mapping[str, Mapping[str, int]],
            ) -> dict[str, int]:
    """Units the whole network can ship per item. A warehouse that is oversold (negative)
    ships nothing, and takes nothing from the others."""
    return {item: sum(max(0, stock.get(item, 0)) for stock in available.values())
            for item in wanted}


def stock_decision(wanted: Mapping[str, int], available: Mapping[str, Mapping[str, int]],
                   ) -> tuple[OrderDecision, StockRule]:
    """Backorder, split or confirm from ``available`` (warehouse -> item -> on hand -
    reserved)."""
    total = network(wanted, available)
    if any(total[item] < units for item, units in wanted.items()):
        return "backorder", "network_short"
    if not any(all(stock.get(item, 0) >= units for item, units in wanted.items())
               for stock in available.values()):
        return "split_shipment", "no_single_warehouse"
    return "confirm", "single_warehouse"


def change_pct(old: Decimal, new: Decimal) -> Decimal | None:
    """The price change in percent of the old price, to one decimal; None from a zero price."""
    if old == 0:
        return None
    return ((new - old) / old * 100).quantize(Decimal("0.1"))


def is_swing(old: Decimal, new: Decimal, max_pct: float) -> bool:
    """A change of at least ``max_pct`` percent either way (any change from a zero price)."""
    if old == 0:
        return new != 0
    return abs(new - old) / old * 100 >= Decimal(str(max_pct))


def needs_reorder(position: int, reorder_point: float, daily_demand: float) -> bool:
    """The spec's reorder rule: available plus inbound at or below the reorder point, for
    an item that sells (without demand the reorder point is only safety stock; like the
    tool, order nothing)."""
    return daily_demand > 0 and position <= Decimal(str(reorder_point))
