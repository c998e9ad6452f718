"""Supply-chain tools: stock, fulfilment planning, reservations, shipping ETAs, demand, reorders.

Roles: customers may only ask for a shipping ETA; stock levels, plans and
reservations are for support and the system (analysts may read, not reserve);
forecasts and reorder suggestions are for the system and analysts.
"""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from statistics import NormalDist
from typing import Any, Literal

from pydantic import BaseModel, Field

from . import _forecast
from ._args import MAX_MONEY, AddressLine, Identifier, Name, ToolArgs
from ._fulfil import plan
from ._ops_db import (
    available_stock,
    check_warehouse,
    daily_series,
    delivery_days,
    destination_region,
    query,
    today,
    utc_naive,
    variant_rows,
)
from .errors import InvalidArguments, NotFound, PolicyViolation
from .registry import Tool, ToolEnv, tool

Service = Literal["ground", "express", "economy"]


class OrderLine(ToolArgs):
    item_id: Identifier = Field(description="10-digit variant id")
    quantity: int = Field(default=1, ge=1, le=1000)


def _merge(lines: list[OrderLine]) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in lines:
        out[line.item_id] = out.get(line.item_id, 0) + line.quantity
    return out


# --- get_stock ---------------------------------------------------------------

class GetStockArgs(ToolArgs):
    item_ids: list[Identifier] = Field(min_length=1, max_length=50, description="variant ids")


class WarehouseStock(BaseModel):
    warehouse_id: str
    region: str
    on_hand: int
    reserved: int
    available: int
    inbound: int = Field(description="units on open purchase orders to this warehouse")


class StockLevel(BaseModel):
    item_id: str
    product_name: str
    available: int
    on_hand: int
    reserved: int
    inbound: int
    warehouses: list[WarehouseStock]


class StockReport(BaseModel):
    items: list[StockLevel]


@tool(roles={"system", "support", "analyst"})
def get_stock(args: GetStockArgs, env: ToolEnv) -> StockReport:
    """Stock of variants per warehouse: on hand, reserved, available (= on hand - reserved) and
    inbound on open purchase orders, with network totals."""
    ids = list(dict.fromkeys(args.item_ids))
    variants = variant_rows(env.db, ids)
    rows = query(env.db, """
        SELECT s.item_id, s.warehouse_id, w.region, s.on_hand, s.reserved,
               coalesce((SELECT sum(quantity) FROM purchase_orders p WHERE p.status = 'open'
                         AND p.item_id = s.item_id AND p.warehouse_id = s.warehouse_id), 0)
        FROM stock s JOIN warehouses w USING (warehouse_id)
        WHERE s.item_id = ANY(?) ORDER BY s.item_id, s.warehouse_id""", [ids])
    per_item: dict[str, list[WarehouseStock]] = {i: [] for i in ids}
    for item, wh, region, on_hand, reserved, inbound in rows:
        per_item[item].append(WarehouseStock(
            warehouse_id=wh, region=region, on_hand=on_hand, reserved=reserved,
            available=on_hand - reserved, inbound=int(inbound)))
    return StockReport(items=[
        StockLevel(item_id=i, product_name=variants[i][1], warehouses=ws,
                   available=sum(w.available for w in ws), on_hand=sum(w.on_hand for w in ws),
                   reserved=sum(w.reserved for w in ws), inbound=sum(w.inbound for w in ws))
        for i, ws in per_item.items()
    ])


# --- plan_fulfilment ---------------------------------------------------------

class Destination(ToolArgs):
    state: Name | None = Field(default=None, description="two-letter US state code, e.g. 'TX'")
    zip_code: Name | None = Field(default=None, description="5-digit ZIP code")


class PlanFulfilmentArgs(Destination):
    lines: list[OrderLine] = Field(min_length=1, max_length=50)
    service: Service = "ground"


class ShipmentLine(BaseModel):
    item_id: str
    quantity: int


class Shipment(BaseModel):
    warehouse_id: str
    carrier: str
    delivery_days: int = Field(description="handling + transit days")
    lines: list[ShipmentLine]


class Backorder(BaseModel):
    item_id: str
    requested: int
    short: int = Field(description="units no warehouse can ship now")


class FulfilmentPlan(BaseModel):
    destination_region: str
    shipments: list[Shipment]
    splits: int = Field(description="number of shipments minus one")
    backorders: list[Backorder]
    fully_fillable: bool
    delivery_days: int | None = Field(description="days until the last shipment arrives")


def _plan(env: ToolEnv, demand: dict[str, int], region: str, service: Service) -> FulfilmentPlan:
    variant_rows(env.db, list(demand))
    lanes = delivery_days(env.db, region, service)
    days = {w: h + t for w, (h, t, *_rest) in lanes.items()}
    p = plan(demand, available_stock(env.db, list(demand)), days)
    shipments = [
        Shipment(warehouse_id=w, carrier=lanes[w][3], delivery_days=days[w],
                 lines=[ShipmentLine(item_id=i, quantity=q) for i, q in sorted(items.items())])
        for w, items in sorted(p.allocation.items(), key=lambda kv: (days[kv[0]], kv[0]))
    ]
    return FulfilmentPlan(
        destination_region=region, shipments=shipments, splits=max(0, len(shipments) - 1),
        backorders=[Backorder(item_id=i, requested=demand[i], short=s) for i, s in p.short.items()],
        fully_fillable=not p.short,
        delivery_days=max((s.delivery_days for s in shipments), default=None))


@tool(roles={"system", "support", "analyst"})
def plan_fulfilment(args: PlanFulfilmentArgs, env: ToolEnv) -> FulfilmentPlan:
    """Choose warehouses for order lines shipped to a US state or ZIP: ship everything that is
    available (after reservations) with the fewest shipments, then the shortest delivery;
    lines nobody can fill are listed as backorders. Reserves nothing."""
    region = destination_region(env.db, args.state, args.zip_code)
    return _plan(env, _merge(args.lines), region, args.service)


# --- reserve_stock / release_reservation -------------------------------------

class ReserveStockArgs(Destination):
    order_id: Identifier
    lines: list[OrderLine] | None = Field(
        default=None, max_length=50, description="default: the order's own items")
    allow_partial: bool = Field(default=False,
                                description="reserve what is available and backorder the rest")


class ReservedLine(BaseModel):
    item_id: str
    warehouse_id: str
    quantity: int


class ReservationResult(BaseModel):
    order_id: str
    status: Literal["reserved", "partial", "already_reserved", "released", "nothing_to_release"]
    reservations: list[ReservedLine]
    backorders: list[Backorder] = []


def _active(env: ToolEnv, order_id: str) -> list[ReservedLine]:
    rows = query(env.db, "SELECT item_id, warehouse_id, sum(quantity) FROM reservations "
                         "WHERE order_id = ? AND status = 'active' GROUP BY item_id, warehouse_id "
                         "ORDER BY item_id, warehouse_id",
                 [order_id])
    return [ReservedLine(item_id=i, warehouse_id=w, quantity=int(q)) for i, w, q in rows]


@tool(side_effect=True, roles={"system", "support"})
def reserve_stock(args: ReserveStockArgs, env: ToolEnv) -> ReservationResult:
    """Reserve stock for an order (its own items unless lines are given), from the warehouses
    plan_fulfilment would choose. Never reserves more than is available: a shortfall is refused
    unless allow_partial. An order that already holds reservations keeps them."""
    order = query(env.db, "SELECT status, items FROM orders WHERE order_id = ?", [args.order_id])
    if order and order[0][0] in ("cancelled", "delivered"):
        raise PolicyViolation(f"order {args.order_id} is {order[0][0]}; nothing to reserve")
    existing = _active(env, args.order_id)
    if existing:
        return ReservationResult(order_id=args.order_id, status="already_reserved",
                                 reservations=existing)
    if args.lines is not None:
        demand = _merge(args.lines)
    elif order:
        demand = _merge([OrderLine(item_id=line["item_id"]) for line in json.loads(order[0][1])])
    else:
        raise NotFound(f"order {args.order_id} not found",
                       "give the order's lines explicitly, or check the order id ('#W0000000')")
    region = destination_region(env.db, args.state, args.zip_code, args.order_id)
    p = _plan(env, demand, region, "ground")
    if p.backorders and not args.allow_partial:
        short = "; ".join(f"{b.item_id}: {b.short} of {b.requested} short" for b in p.backorders)
        raise PolicyViolation(f"not enough stock to reserve order {args.order_id} ({short})",
                              "reserve with allow_partial=true to backorder the rest")
    now = utc_naive(env.ctx)
    reserved: list[ReservedLine] = []
    for s in p.shipments:
        for line in s.lines:
            # The WHERE guard makes over-reservation impossible even if stock moved meanwhile.
            changed = query(env.db, "UPDATE stock SET reserved = reserved + ? WHERE item_id = ? "
                                    "AND warehouse_id = ? AND on_hand - reserved >= ? RETURNING 1",
                            [line.quantity, line.item_id, s.warehouse_id, line.quantity])
            if not changed:
                raise PolicyViolation(f"stock of {line.item_id} at {s.warehouse_id} changed; "
                                      "nothing was reserved", "plan again")
            query(env.db, "INSERT INTO reservations VALUES (?, ?, ?, ?, 'active', ?, NULL, NULL)",
                  [args.order_id, line.item_id, s.warehouse_id, line.quantity, now])
            reserved.append(ReservedLine(item_id=line.item_id, warehouse_id=s.warehouse_id,
                                         quantity=line.quantity))
    return ReservationResult(order_id=args.order_id,
                             status="partial" if p.backorders else "reserved",
                             reservations=reserved, backorders=p.backorders)


class ReleaseReservationArgs(ToolArgs):
    order_id: Identifier
    reason: AddressLine = Field(default="order cancelled", max_length=200)


@tool(side_effect=True, roles={"system", "support"})
def release_reservation(args: ReleaseReservationArgs, env: ToolEnv) -> ReservationResult:
    """Release every active stock reservation of an order (on cancel), returning the units to
    available stock. An order with nothing reserved is reported, not an error."""
    active = _active(env, args.order_id)
    if not active:
        known = query(env.db, "SELECT 1 FROM orders WHERE order_id = ? UNION ALL "
                              "SELECT 1 FROM reservations WHERE order_id = ?",
                      [args.order_id, args.order_id])
        if not known:
            raise NotFound(f"order {args.order_id} not found", "order ids look like '#W0000000'")
        return ReservationResult(order_id=args.order_id, status="nothing_to_release",
                                 reservations=[])
    for r in active:
        query(env.db, "UPDATE stock SET reserved = reserved - ? WHERE item_id = ? "
                      "AND warehouse_id = ?", [r.quantity, r.item_id, r.warehouse_id])
    query(env.db, "UPDATE reservations SET status = 'released', released_at = ?, "
                  "release_reason = ? WHERE order_id = ? AND status = 'active'",
          [utc_naive(env.ctx), args.reason, args.order_id])
    return ReservationResult(order_id=args.order_id, status="released", reservations=active)


# --- shipping_eta --------------------------------------------------------------

class ShippingEtaArgs(Destination):
    warehouse_id: Identifier | None = Field(default=None,
                                            description="default: the nearest warehouse")


class EtaOption(BaseModel):
    service: str
    carrier: str
    warehouse_id: str
    handling_days: int
    transit_days: int
    delivery_days: int
    estimated_delivery: date
    cost_usd: float


class ShippingEta(BaseModel):
    destination_region: str
    ship_date: date
    options: list[EtaOption]


@tool(roles={"system", "customer", "support", "analyst"})
def shipping_eta(args: ShippingEtaArgs, env: ToolEnv) -> ShippingEta:
    """Delivery estimate to a US state or ZIP for each carrier service: warehouse handling days
    plus carrier transit days, counted from today (calendar days)."""
    region = destination_region(env.db, args.state, args.zip_code)
    check_warehouse(env.db, args.warehouse_id)
    ground = delivery_days(env.db, region, "ground")
    warehouse = args.warehouse_id or min(ground, key=lambda w: (sum(ground[w][:2]), w))
    start = today(env.db)
    options: list[EtaOption] = []
    for service in ("express", "ground", "economy"):
        lane = delivery_days(env.db, region, service).get(warehouse)
        if lane is None:
            continue
        handling, transit, _, carrier, cost = lane
        options.append(EtaOption(
            service=service, carrier=carrier, warehouse_id=warehouse, handling_days=handling,
            transit_days=transit, delivery_days=handling + transit,
            estimated_delivery=start + timedelta(days=handling + transit), cost_usd=cost))
    return ShippingEta(destination_region=region, ship_date=start, options=options)


# --- demand_forecast ------------------------------------------------------------

class DemandForecastArgs(ToolArgs):
    item_id: Identifier
    horizon_days: int = Field(default=14, ge=1, le=90)
    warehouse_id: Identifier | None = Field(default=None,
                                            description="default: the whole network")


class DayForecast(BaseModel):
    day: date
    quantity: float


class BacktestScore(BaseModel):
    holdout_days: int
    mase: float | None = Field(description="MASE vs in-sample weekly seasonal naive")
    wape: float | None
    baseline_mase: float | None = Field(description="weekly seasonal naive on the same hold-out")
    baseline_wape: float | None


class DemandForecast(BaseModel):
    item_id: str
    warehouse_id: str | None
    method: _forecast.Method
    adi: float | None = Field(description="average inter-demand interval (days per sale day)")
    cv2: float
    history_days: int
    history_units: int
    forecast: list[DayForecast]
    forecast_units: float
    backtest: BacktestScore | None


def _r(x: float | None, nd: int = 3) -> float | None:
    return None if x is None or not math.isfinite(x) else round(x, nd)


def forecast_item(env: ToolEnv, item_id: str, horizon: int,
                  warehouse_id: str | None) -> tuple[DemandForecast, _forecast.Forecast]:
    variant_rows(env.db, [item_id])
    check_warehouse(env.db, warehouse_id)
    start, y = daily_series(env.db, item_id, warehouse_id)
    fc = _forecast.forecast(y, horizon)
    score = None
    if fc.backtest is not None:
        base = _forecast.backtest(y, "seasonal_naive", fc.backtest.actual.size)
        score = BacktestScore(holdout_days=fc.backtest.actual.size, mase=_r(fc.backtest.mase),
                              wape=_r(fc.backtest.wape), baseline_mase=_r(base.mase),
                              baseline_wape=_r(base.wape))
    out = DemandForecast(
        item_id=item_id, warehouse_id=warehouse_id, method=fc.method, adi=_r(fc.adi),
        cv2=round(fc.cv2, 3), history_days=y.size, history_units=int(y.sum()),
        forecast=[DayForecast(day=start + timedelta(days=h), quantity=round(float(q), 2))
                  for h, q in enumerate(fc.values)],
        forecast_units=round(float(fc.values.sum()), 2), backtest=score)
    return out, fc


@tool(roles={"system", "analyst"})
def demand_forecast(args: DemandForecastArgs, env: ToolEnv) -> DemandForecast:
    """Daily demand forecast of a variant from its sales history. The method is chosen from the
    data: Croston/SBA for intermittent demand (ADI > 1.32), Holt-Winters with weekly seasonality
    otherwise; the backtest error on the last 28 days is reported beside a seasonal-naive one."""
    return forecast_item(env, args.item_id, args.horizon_days, args.warehouse_id)[0]


# --- reorder_suggestion ----------------------------------------------------------

_MAX_ORDER = 10_000_000  # units in one purchase order: beyond it the inputs are wrong

class ReorderSuggestionArgs(ToolArgs):
    item_id: Identifier
    warehouse_id: Identifier | None = Field(default=None,
                                            description="default: the whole network")
    service_level: float = Field(default=0.95, gt=0.5, lt=1.0)
    ordering_cost: float = Field(default=50.0, gt=0, le=MAX_MONEY,
                                 description="fixed cost per purchase order")
    holding_rate: float = Field(default=0.25, ge=0.001, le=2,
                                description="yearly holding cost as a fraction of unit cost")


class ReorderSuggestion(BaseModel):
    item_id: str
    warehouse_id: str | None
    supplier_id: str
    lead_time_mean_days: float
    lead_time_std_days: float
    forecast_method: str
    mean_daily_demand: float
    daily_demand_std: float
    safety_stock: float
    reorder_point: float
    available: int
    inbound_open: int
    inventory_position: int
    should_reorder: bool
    order_quantity: int
    eoq: float
    min_order_qty: int
    steps: list[str]


@tool(roles={"system", "analyst"})
def reorder_suggestion(args: ReorderSuggestionArgs, env: ToolEnv) -> ReorderSuggestion:
    """Whether to reorder a variant and how much: reorder point = lead-time demand + safety
    stock (z at the service level, demand and lead-time variability), compared with available
    stock plus open purchase orders; the quantity is the EOQ, at least enough to get back above
    the reorder point plus a week, rounded up to the supplier's minimum order."""
    sup = query(env.db, "SELECT sp.supplier_id, sp.lead_time_mean_days, sp.lead_time_std_days, "
                        "sp.min_order_qty, c.unit_cost FROM variants v "
                        "JOIN supplier_products sp "
                        "ON sp.product_id = v.product_id AND sp.is_primary "
                        "JOIN unit_costs c ON c.item_id = v.item_id WHERE v.item_id = ?",
                [args.item_id])
    if not sup:
        variant_rows(env.db, [args.item_id])  # raises NotFound for an unknown id
        raise InvalidArguments(f"item {args.item_id} has no primary supplier or unit cost")
    supplier, lt, lt_sd, moq, unit_cost = sup[0]
    lead = max(1, math.ceil(lt))
    out, fc = forecast_item(env, args.item_id, lead + 7, args.warehouse_id)
    d = float(fc.values[:lead].mean())
    sigma = fc.residual_std
    z = NormalDist().inv_cdf(args.service_level)
    safety = z * math.sqrt(lt * sigma**2 + d**2 * lt_sd**2)
    rop = d * lt + safety
    wh = "AND warehouse_id = ?" if args.warehouse_id else ""
    params = [args.item_id, *([args.warehouse_id] if args.warehouse_id else [])]
    avail = int(query(env.db, f"SELECT coalesce(sum(on_hand - reserved), 0) FROM stock "
                              f"WHERE item_id = ? {wh}", params)[0][0])
    inbound = int(query(env.db, f"SELECT coalesce(sum(quantity), 0) FROM purchase_orders "
                                f"WHERE status = 'open' AND item_id = ? {wh}", params)[0][0])
    position = avail + inbound
    holding = args.holding_rate * unit_cost
    eoq = math.sqrt(2 * 365 * d * args.ordering_cost / holding) if d > 0 and holding > 0 \
        else 0.0
    should = d > 0 and position <= rop
    qty = 0
    if should:
        need = rop + 7 * d - position
        # Bounded before rounding: ceil() of an infinite or absurd float is an overflow.
        if not (math.isfinite(eoq) and math.isfinite(need)) or max(eoq, need) > _MAX_ORDER:
            raise InvalidArguments(
                f"the suggested order of item {args.item_id} would exceed {_MAX_ORDER:,} units",
                "check ordering_cost and holding_rate")
        moq = max(1, int(moq))
        qty = max(math.ceil(eoq), math.ceil(need))
        qty = math.ceil(qty / moq) * moq
    steps = [
        f"forecast ({fc.method}): {d:.2f} units/day over the {lead}-day lead time, "
        f"demand noise sigma {sigma:.2f}/day",
        f"lead time {lt:.1f} ± {lt_sd:.1f} days from {supplier}",
        f"safety stock = z({args.service_level:.3f})={z:.2f} × sqrt(L·σd² + d²·σL²) = {safety:.1f}",
        f"reorder point = {d:.2f} × {lt:.1f} + {safety:.1f} = {rop:.1f}",
        f"inventory position = available {avail} + inbound {inbound} = {position}",
        (f"{position} ≤ {rop:.1f}: order {qty} (EOQ {eoq:.0f}, MOQ {moq})" if should
         else f"{position} > {rop:.1f} (or no demand): no order needed"),
    ]
    return ReorderSuggestion(
        item_id=args.item_id, warehouse_id=args.warehouse_id, supplier_id=supplier,
        lead_time_mean_days=lt, lead_time_std_days=lt_sd, forecast_method=out.method,
        mean_daily_demand=round(d, 3), daily_demand_std=round(sigma, 3),
        safety_stock=round(safety, 2), reorder_point=round(rop, 2), available=avail,
        inbound_open=inbound, inventory_position=position, should_reorder=should,
        order_quantity=qty, eoq=round(eoq, 1), min_order_qty=moq, steps=steps)


SUPPLY_TOOLS: list[Tool[Any, Any]] = [
    get_stock, plan_fulfilment, reserve_stock, release_reservation, shipping_eta,
    demand_forecast, reorder_suggestion,
]
