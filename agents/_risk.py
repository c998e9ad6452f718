"""Order risk rules and the decision the facts suggest, computed in code before the model.

The model only has to choose among the decisions the facts allow and explain
its choice; these rules decide what is allowed and what a safe default is.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from .contracts import OrderData, OrderDecision


class RiskFlag(BaseModel):
    rule: str  # address_mismatch, unusual_quantity, high_total, total_mismatch, unknown_customer
    detail: str


def _norm(text: str | None) -> str:
    return " ".join((text or "").lower().replace(",", " ").split())


def risk_flags(order: OrderData, address_on_file: dict[str, Any] | None, *,
               max_quantity: int, high_total: Decimal) -> list[RiskFlag]:
    flags: list[RiskFlag] = []
    if address_on_file is None:
        flags.append(RiskFlag(rule="unknown_customer",
                              detail=f"no customer {order.user_id} on file"))
    else:
        shipped = order.address
        if (_norm(shipped.zip) != _norm(address_on_file.get("zip"))
                or _norm(shipped.address1) != _norm(address_on_file.get("address1"))):
            flags.append(RiskFlag(
                rule="address_mismatch",
                detail=f"ships to {shipped.address1}, {shipped.zip}; on file: "
                       f"{address_on_file.get('address1')}, {address_on_file.get('zip')}"))
    for line in order.items:
        if line.quantity > max_quantity:
            flags.append(RiskFlag(rule="unusual_quantity",
                                  detail=f"{line.quantity} x item {line.item_id} "
                                         f"(more than {max_quantity})"))
    if order.total > high_total:
        flags.append(RiskFlag(rule="high_total",
                              detail=f"total {order.total} above {high_total}"))
    lines_total = sum((line.unit_price * line.quantity for line in order.items), Decimal(0))
    if abs(lines_total - order.total) > Decimal("0.01") * max(len(order.items), 1):
        flags.append(RiskFlag(rule="total_mismatch",
                              detail=f"lines add up to {lines_total}, order total {order.total}"))
    return flags


def allowed_decisions(plan: dict[str, Any] | None) -> list[OrderDecision]:
    """What the fulfilment plan makes possible; holding for review is always possible."""
    if plan is None:
        return ["hold_for_review"]
    if plan["backorders"]:
        return ["backorder", "hold_for_review"]
    if plan["splits"] > 0:
        return ["split_shipment", "hold_for_review"]
    return ["confirm", "hold_for_review"]


def suggested_decision(allowed: list[OrderDecision], flags: list[RiskFlag]) -> OrderDecision:
    return "hold_for_review" if flags else allowed[0]
