"""Pricing tools: quotes, margin checks, price suggestions and (approved) price changes.

Roles: anyone may ask for a quote (it shows no cost); margins and suggestions
reveal unit costs, so they are for the system and analysts; only the system
and analysts may change a price, and a change beyond ``max_price_change_pct``
(of the current price, or cumulatively of the price ``price_change_window_days``
ago) needs a person's approval; see ``_price_limits``. No role may price below
the margin floor.
"""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from . import _elasticity
from ._args import Identifier, Money, Quantity, Reason, ToolArgs
from ._ops_db import query, today, utc_naive, variant_rows
from ._price_limits import price_band
from ._seedgen import HISTORY_DAYS
from .errors import ApprovalRequired, PolicyViolation, StoreError
from .registry import Tool, ToolEnv, tool


def _money(x: float) -> float:
    return float(round(x + 1e-9, 2))


# --- quote ---------------------------------------------------------------------

class QuoteArgs(ToolArgs):
    item_id: Identifier = Field(description="10-digit variant id")
    quantity: Quantity = 1


class PriceStep(BaseModel):
    step: Literal["list_price", "volume_tier", "promotion", "final"]
    detail: str
    unit_price: float


class Quote(BaseModel):
    item_id: str
    product_name: str
    quantity: int
    list_price: float
    unit_price: float
    total: float
    savings: float
    promotion_id: str | None
    steps: list[PriceStep]


def _promo_pct(kind: str, pct: float | None, tiers: str | None, qty: int) -> float:
    if kind == "percent":
        return float(pct or 0.0)
    best = 0.0
    for tier in json.loads(tiers or "[]"):
        if qty >= int(tier["min_qty"]):
            best = max(best, float(tier["percent_off"]))
    return best


def quote_item(env: ToolEnv, item_id: str, quantity: int) -> Quote:
    product_id, name, price, _ = variant_rows(env.db, [item_id])[item_id]
    list_price = float(price)
    steps = [PriceStep(step="list_price", detail=f"list price {list_price:.2f}",
                       unit_price=list_price)]
    unit = list_price
    tier = query(env.db, "SELECT min_qty, percent_off FROM volume_tiers WHERE product_id = ? "
                         "AND min_qty <= ? ORDER BY min_qty DESC LIMIT 1", [product_id, quantity])
    if tier:
        unit = unit * (1 - tier[0][1] / 100)
        steps.append(PriceStep(step="volume_tier", unit_price=_money(unit),
                               detail=f"{tier[0][0]}+ units: {tier[0][1]:g}% off"))
    day = today(env.db)
    promos = query(env.db, "SELECT promo_id, name, kind, percent_off, tiers FROM promotions "
                           "WHERE product_id = ? AND (item_id IS NULL OR item_id = ?) "
                           "AND starts_on <= ? AND ends_on >= ? ORDER BY promo_id",
                   [product_id, item_id, day, day])
    # Promotions do not stack with each other: the best one for this quantity applies.
    best = max(((_promo_pct(k, p, t, quantity), pid, n) for pid, n, k, p, t in promos),
               default=(0.0, None, None), key=lambda x: x[0])  # first (lowest id) wins ties
    promotion_id = None
    if best[0] > 0:
        unit = unit * (1 - best[0] / 100)
        promotion_id = best[1]
        steps.append(PriceStep(step="promotion", unit_price=_money(unit),
                               detail=f"{best[1]} '{best[2]}': {best[0]:g}% off"))
    unit = _money(unit)
    total = _money(unit * quantity)
    steps.append(PriceStep(step="final", unit_price=unit,
                           detail=f"{quantity} × {unit:.2f} = {total:.2f}"))
    return Quote(item_id=item_id, product_name=name, quantity=quantity, list_price=list_price,
                 unit_price=unit, total=total, savings=_money(list_price * quantity - total),
                 promotion_id=promotion_id, steps=steps)


@tool()
def quote(args: QuoteArgs, env: ToolEnv) -> Quote:
    """Price of a variant for a quantity: list price, then the volume tier for the quantity,
    then the best active promotion (promotions do not stack), each step shown."""
    return quote_item(env, args.item_id, args.quantity)


# --- check_margin --------------------------------------------------------------

class CheckMarginArgs(ToolArgs):
    item_id: Identifier
    price: Money | None = Field(default=None,
                                description="default: the quoted unit price for the quantity")
    quantity: Quantity = 1


class MarginCheck(BaseModel):
    item_id: str
    price: float
    price_source: Literal["given", "quote"]
    unit_cost: float
    margin: float = Field(description="(price - unit cost) / price")
    margin_floor: float
    floor_price: float = Field(description="the lowest price that keeps the margin floor")
    ok: bool


def _unit_cost(env: ToolEnv, item_id: str) -> float:
    variant_rows(env.db, [item_id])
    rows = query(env.db, "SELECT unit_cost FROM unit_costs WHERE item_id = ?", [item_id])
    if not rows:
        raise StoreError(f"item {item_id} has no unit cost: reseed the store")
    return float(rows[0][0])


def floor_price(unit_cost: float, margin_floor: float) -> float:
    """The lowest price, in whole cents, that keeps the margin floor: the floor is a gross
    margin, (price - cost) / price >= floor, so the price is at least cost / (1 - floor).

    The one definition: check_margin, suggest_price, apply_price_change and the order
    agent's rules (which read check_margin's ``floor_price``) all use it.
    """
    return math.ceil(unit_cost / (1 - margin_floor) * 100 - 1e-6) / 100


@tool(roles={"system", "analyst"})
def check_margin(args: CheckMarginArgs, env: ToolEnv) -> MarginCheck:
    """Gross margin of a price (default: the current quote) against the unit cost and the
    margin floor, with the lowest price that keeps the floor."""
    cost = _unit_cost(env, args.item_id)
    source: Literal["given", "quote"] = "given"
    price = args.price
    if price is None:
        price, source = quote_item(env, args.item_id, args.quantity).unit_price, "quote"
    margin = (price - cost) / price
    floor = env.settings.margin_floor
    fp = floor_price(cost, floor)
    # ok is "at or above the floor price", the test apply_price_change applies.
    return MarginCheck(item_id=args.item_id, price=price, price_source=source, unit_cost=cost,
                       margin=round(margin, 4), margin_floor=floor, floor_price=fp,
                       ok=price >= fp - 1e-9)


# --- suggest_price --------------------------------------------------------------

class SuggestPriceArgs(ToolArgs):
    item_id: Identifier


class PriceSuggestion(BaseModel):
    item_id: str
    current_price: float
    suggested_price: float
    change_pct: float
    unit_cost: float
    floor_price: float
    elasticity: float | None
    elasticity_std_error: float | None
    elasticity_scope: Literal["variant", "product", "none"]
    competitor_median: float | None
    competitors: int
    expected_volume_change_pct: float | None
    expected_profit_change_pct: float | None
    requires_approval: bool
    steps: list[str]


def _daily_prices(env: ToolEnv, item_id: str, product_id: str, start: date,
                  n: int) -> tuple[np.ndarray, np.ndarray]:
    """Units and the price paid per day; days without a sale get the list price less any
    percent promotion running that day."""
    qty = np.zeros(n)
    price = np.full(n, np.nan)
    for eff, p in query(env.db, "SELECT effective_on, price FROM price_history WHERE item_id = ? "
                                "ORDER BY effective_on, changed_at NULLS FIRST", [item_id]):
        price[max(0, (eff - start).days):] = p
    if np.isnan(price[0]) and np.isfinite(price).any():
        price[: int(np.argmax(np.isfinite(price)))] = price[np.isfinite(price)][0]
    disc = np.zeros(n)
    for s, e, pct in query(env.db, "SELECT starts_on, ends_on, percent_off FROM promotions "
                                   "WHERE product_id = ? AND (item_id IS NULL OR item_id = ?) "
                                   "AND kind = 'percent'", [product_id, item_id]):
        lo, hi = max(0, (s - start).days), min(n, (e - start).days + 1)
        if lo < hi:
            disc[lo:hi] = np.maximum(disc[lo:hi], pct / 100)
    price *= 1 - disc
    for day, q, paid in query(env.db, "SELECT day, sum(quantity), sum(quantity * unit_price) / "
                                      "sum(quantity) FROM sales_history WHERE item_id = ? "
                                      "AND day >= ? AND day < ? GROUP BY day",
                              [item_id, start, start + timedelta(days=n)]):
        qty[(day - start).days], price[(day - start).days] = q, paid
    return qty, price


def _sold_out_tail(q: np.ndarray, p: np.ndarray, available: bool) -> np.ndarray:
    """A sold-out variant's last days without sales are a stock-out, not demand: drop them."""
    if not available and q.any():
        p = p.copy()
        p[int(np.flatnonzero(q)[-1]) + 1:] = np.nan
    return p


def _elasticity_of(env: ToolEnv, item_id: str, product_id: str,
                   current: float) -> tuple[_elasticity.Elasticity | None, str]:
    start = today(env.db) - timedelta(days=HISTORY_DAYS)
    days = np.arange(HISTORY_DAYS)
    weekday = (start.weekday() + days) % 7
    q, p = _daily_prices(env, item_id, product_id, start, HISTORY_DAYS)
    p = _sold_out_tail(q, p, bool(variant_rows(env.db, [item_id])[item_id][3]))
    est = _elasticity.estimate(q, p / current, weekday, days)
    if est is not None and est.reliable and est.units >= 60:
        return est, "variant"
    # Too few sales of this variant: pool its product's variants, each at its own level.
    siblings = query(env.db, "SELECT item_id, price, available FROM variants "
                             "WHERE product_id = ? ORDER BY item_id", [product_id])
    qs, ps, groups = [], [], []
    for k, (sib, sib_price, sib_available) in enumerate(siblings):
        sq, sp = _daily_prices(env, sib, product_id, start, HISTORY_DAYS)
        qs.append(sq)
        ps.append(_sold_out_tail(sq, sp, bool(sib_available)) / sib_price)
        groups.append(np.full(HISTORY_DAYS, k))
    pooled = _elasticity.estimate(np.concatenate(qs), np.concatenate(ps),
                                  np.tile(weekday, len(siblings)), np.tile(days, len(siblings)),
                                  np.concatenate(groups))
    if pooled is not None and pooled.reliable:
        return pooled, "product"
    return None, "none"


@tool(roles={"system", "analyst"})
def suggest_price(args: SuggestPriceArgs, env: ToolEnv) -> PriceSuggestion:
    """Suggest a price for a variant from its sales and price history (log-log elasticity),
    competitor prices and the guard rails: never beyond max_price_change_pct from the current
    price and never below the margin floor (the floor wins; then approval is needed)."""
    product_id, _, current, _ = variant_rows(env.db, [args.item_id])[args.item_id]
    cost = _unit_cost(env, args.item_id)
    s = env.settings
    fp = floor_price(cost, s.margin_floor)
    est, scope = _elasticity_of(env, args.item_id, product_id, current)
    steps: list[str] = []
    if est is None:
        candidate = current
        steps.append("no reliable elasticity (too few sales or prices never moved): keep price")
    else:
        optimum = _elasticity.profit_max_price(cost, est.value)
        steps.append(f"elasticity {est.value:.2f} ± {est.std_error:.2f} ({scope}, "
                     f"{est.units} units over {est.n_days} days)")
        if optimum is None:
            candidate = current * (1 + s.max_price_change_pct / 100)
            steps.append("inelastic demand (e ≥ -1): a higher price raises profit")
        else:
            candidate = optimum
            steps.append(f"profit-maximising price c·e/(1+e) = {optimum:.2f}")
    comp = query(env.db, "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY price), count(*) "
                         "FROM (SELECT DISTINCT ON (competitor) price FROM competitor_prices "
                         "WHERE item_id = ? ORDER BY competitor, observed_on DESC) AS latest",
                 [args.item_id])
    comp_median = float(comp[0][0]) if comp and comp[0][0] is not None else None
    if comp_median is not None and candidate > comp_median * 1.10:
        candidate = comp_median * 1.10
        steps.append(f"capped at 10% above the competitors' median {comp_median:.2f}")
    band = price_band(env.db, s, args.item_id, current)
    lo, hi = band.lo, band.hi
    if lo > hi:  # earlier changes in the window used up the limit: only a person may move it
        lo = hi = current
    if not lo <= candidate <= hi:
        candidate = min(max(candidate, lo), hi)
        steps.append(f"limited to ±{s.max_price_change_pct:g}% of {current:.2f} and of "
                     f"{band.window_start:.2f} ({s.price_change_window_days} days ago)")
    if candidate < fp:
        candidate = fp
        steps.append(f"raised to the margin floor price {fp:.2f}")
    suggested = max(_money(candidate), fp)
    if suggested > fp:  # rounding to cents must not step over the change limit
        suggested = min(max(suggested, math.ceil(lo * 100) / 100), math.floor(hi * 100) / 100)
    change = (suggested / current - 1) * 100
    vol = profit = None
    if est is not None:
        ratio = _elasticity.volume_ratio(suggested, current, est.value)
        vol = round((ratio - 1) * 100, 2)
        if current > cost:
            profit = round(((suggested - cost) * ratio / (current - cost) - 1) * 100, 2)
    steps.append(f"suggested {suggested:.2f} ({change:+.1f}%)")
    return PriceSuggestion(
        item_id=args.item_id, current_price=current, suggested_price=suggested,
        change_pct=round(change, 2), unit_cost=cost, floor_price=fp,
        elasticity=None if est is None else round(est.value, 3),
        elasticity_std_error=None if est is None else round(est.std_error, 3),
        elasticity_scope="variant" if scope == "variant" else "product" if scope == "product"
        else "none", competitor_median=comp_median, competitors=int(comp[0][1]),
        expected_volume_change_pct=vol, expected_profit_change_pct=profit,
        requires_approval=band.needs_approval(suggested), steps=steps)


# --- apply_price_change ------------------------------------------------------------

class ApplyPriceChangeArgs(ToolArgs):
    item_id: Identifier
    new_price: Money
    reason: Reason


class PriceChange(BaseModel):
    item_id: str
    previous_price: float
    new_price: float
    change_pct: float
    margin: float
    effective_on: date
    approved: bool = Field(description="a person approved a change beyond the limit")


@tool(side_effect=True, roles={"system", "analyst"})
def apply_price_change(args: ApplyPriceChangeArgs, env: ToolEnv) -> PriceChange:
    """Set a variant's list price and record it in the price history. A price below the margin
    floor is refused; a change beyond max_price_change_pct needs a person's approval."""
    product_id, _, current, _ = variant_rows(env.db, [args.item_id])[args.item_id]
    cost = _unit_cost(env, args.item_id)
    new = _money(args.new_price)
    s = env.settings
    fp = floor_price(cost, s.margin_floor)
    if new < fp:
        raise PolicyViolation(
            f"{new:.2f} is below the margin floor price {fp:.2f} "
            f"(unit cost {cost:.2f}, floor {s.margin_floor:.0%})",
            f"choose a price of at least {fp:.2f}")
    change = (new / current - 1) * 100
    band = price_band(env.db, s, args.item_id, current)
    if not band.approvable(new):
        raise PolicyViolation(
            f"{new:.2f} is more than {s.max_approved_price_ratio:g}x away from the current "
            f"price {current:.2f} or the price {band.window_start:.2f} of "
            f"{s.price_change_window_days} days ago; not even an approval allows it",
            f"choose a price between {band.approved_lo:.2f} and {band.approved_hi:.2f}")
    beyond = band.needs_approval(new)
    if beyond and not env.ctx.approved:
        total = (new / band.window_start - 1) * 100
        raise ApprovalRequired(
            f"a {change:+.1f}% price change ({total:+.1f}% over the last "
            f"{s.price_change_window_days} days) exceeds the {s.max_price_change_pct:g}% limit",
            {"item_id": args.item_id, "current_price": current, "new_price": new,
             "change_pct": round(change, 2), "window_start_price": band.window_start,
             "window_change_pct": round(total, 2),
             "max_price_change_pct": s.max_price_change_pct})
    day = today(env.db)
    query(env.db, "UPDATE variants SET price = ? WHERE item_id = ?", [new, args.item_id])
    query(env.db, "INSERT INTO price_history VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          [args.item_id, product_id, day, new, current, f"tool:{env.ctx.actor.role}",
           args.reason, utc_naive(env.ctx)])
    return PriceChange(item_id=args.item_id, previous_price=current, new_price=new,
                       change_pct=round(change, 2), margin=round((new - cost) / new, 4),
                       effective_on=day, approved=beyond)


PRICING_TOOLS: list[Tool[Any, Any]] = [quote, check_margin, suggest_price, apply_price_change]
