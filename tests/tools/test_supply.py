"""Supply-chain tools through ToolRegistry.call on a seeded store."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tools import Store
from tools._fulfil import plan
from tools.registry import ToolRegistry

from ._seeded import ctx, one, registry, rows, seeded, seeded_template  # noqa: F401

WAREHOUSES = ["WH-ABE", "WH-ATL", "WH-CMH", "WH-DEN", "WH-DFW", "WH-RNO"]


def _items(store: Store, n: int) -> list[str]:
    return [r[0] for r in rows(store, "SELECT item_id FROM variants WHERE available "
                                      "ORDER BY item_id LIMIT ?", [n])]


def _set_stock(store: Store, item: str, levels: dict[str, int]) -> None:
    with store.transaction() as db:
        db.execute("DELETE FROM reservations WHERE item_id = ?", [item])
        for w in WAREHOUSES:
            db.execute("UPDATE stock SET on_hand = ?, reserved = 0 WHERE item_id = ? "
                       "AND warehouse_id = ?", [levels.get(w, 0), item, w])


def _out(reg: ToolRegistry, name: str, args: dict[str, Any], **kw: Any) -> Any:
    res = reg.call(name, args, ctx(**kw))
    assert res.status == "ok", res.for_model()
    return res.output


def _err(reg: ToolRegistry, name: str, args: Any, **kw: Any) -> str:
    res = reg.call(name, args, ctx(**kw))
    assert res.status == "error", res.for_model()
    assert res.error is not None
    return res.error.code


# --- the pure planner -------------------------------------------------------

def test_planner_prefers_one_warehouse_then_speed_then_backorders() -> None:
    days = {"near": 2, "mid": 3, "far": 5}
    avail = {"near": {"a": 5}, "mid": {"a": 5, "b": 5}, "far": {"a": 9, "b": 9}}
    p = plan({"a": 2, "b": 2}, avail, days)
    assert p.allocation == {"mid": {"a": 2, "b": 2}} and p.short == {}  # no split beats speed
    p = plan({"a": 2}, avail, days)
    assert p.allocation == {"near": {"a": 2}}
    p = plan({"a": 12, "b": 1}, avail, days)  # a needs two warehouses: the fastest pair that fits
    assert sum(q.get("a", 0) for q in p.allocation.values()) == 12 and len(p.allocation) == 2
    p = plan({"a": 30}, avail, days)
    assert p.short == {"a": 11} and sum(v["a"] for v in p.allocation.values()) == 19
    assert plan({"z": 1}, avail, days).short == {"z": 1}


# --- get_stock -----------------------------------------------------------------

def test_get_stock_reports_available_after_reservations(registry: ToolRegistry,  # noqa: F811
                                                        seeded: Store) -> None:  # noqa: F811
    item = one(seeded, "SELECT item_id FROM stock WHERE reserved > 0 ORDER BY 1 LIMIT 1")
    out = _out(registry, "get_stock", {"item_ids": [item]}, role="support")
    level = out.items[0]
    assert len(level.warehouses) == 6
    for w in level.warehouses:
        on_hand, reserved = rows(seeded, "SELECT on_hand, reserved FROM stock WHERE item_id = ? "
                                         "AND warehouse_id = ?", [item, w.warehouse_id])[0]
        assert (w.on_hand, w.reserved, w.available) == (on_hand, reserved, on_hand - reserved)
    assert level.available == level.on_hand - level.reserved and level.reserved > 0


def test_get_stock_refusals(registry: ToolRegistry) -> None:  # noqa: F811
    assert _err(registry, "get_stock", {"item_ids": ["0000000000"]}) == "not_found"
    assert _err(registry, "get_stock", {"item_ids": "1234"}) == "invalid_arguments"
    assert _err(registry, "get_stock", {"item_ids": []}) == "invalid_arguments"
    assert _err(registry, "get_stock", {"item_ids": ["1"]}, role="customer") == "forbidden"


# --- plan_fulfilment --------------------------------------------------------------

def test_plan_avoids_splits_then_picks_the_fastest(registry: ToolRegistry,  # noqa: F811
                                                   seeded: Store) -> None:  # noqa: F811
    a, b = _items(seeded, 2)
    _set_stock(seeded, a, {"WH-ABE": 5, "WH-RNO": 5})
    _set_stock(seeded, b, {"WH-RNO": 5})
    out = _out(registry, "plan_fulfilment",
               {"lines": [{"item_id": a, "quantity": 2}, {"item_id": b}], "state": "NY"})
    assert [s.warehouse_id for s in out.shipments] == ["WH-RNO"] and out.splits == 0
    only_a = _out(registry, "plan_fulfilment", {"lines": [{"item_id": a}], "zip_code": "10001"})
    assert [s.warehouse_id for s in only_a.shipments] == ["WH-ABE"]
    assert only_a.destination_region == "northeast"
    assert only_a.delivery_days < out.delivery_days
    short = _out(registry, "plan_fulfilment",
                 {"lines": [{"item_id": b, "quantity": 8}], "state": "CA"})
    assert not short.fully_fillable
    assert [(x.item_id, x.requested, x.short) for x in short.backorders] == [(b, 8, 3)]


def test_plan_refusals(registry: ToolRegistry, seeded: Store) -> None:  # noqa: F811
    (a,) = _items(seeded, 1)
    line = [{"item_id": a}]
    assert _err(registry, "plan_fulfilment", {"lines": line}) == "invalid_arguments"
    assert _err(registry, "plan_fulfilment", {"lines": line, "state": "ZZ"}) == "invalid_arguments"
    assert _err(registry, "plan_fulfilment",
                {"lines": [{"item_id": a, "quantity": "lots"}], "state": "TX"}) == "invalid_arguments"
    assert _err(registry, "plan_fulfilment",
                {"lines": [{"item_id": "999"}], "state": "TX"}) == "not_found"


# --- reserve_stock / release_reservation -----------------------------------------

def _pending_order(seeded: Store) -> str:  # noqa: F811
    return str(one(seeded, "SELECT order_id FROM orders WHERE status = 'pending' AND order_id "
                           "NOT IN (SELECT order_id FROM reservations) ORDER BY 1 LIMIT 1"))


def test_reserve_then_release(registry: ToolRegistry, seeded: Store) -> None:  # noqa: F811
    (a,) = _items(seeded, 1)
    _set_stock(seeded, a, {"WH-DFW": 3, "WH-ATL": 2})
    order = _pending_order(seeded)
    args = {"order_id": order, "lines": [{"item_id": a, "quantity": 4}], "state": "TX"}
    res = registry.call("reserve_stock", args, ctx(key="r1"))
    assert res.ok and res.output is not None and res.output.status == "reserved"
    assert one(seeded, "SELECT sum(reserved) FROM stock WHERE item_id = ?", [a]) == 4
    assert one(seeded, "SELECT reserved FROM stock WHERE item_id = ? AND warehouse_id = 'WH-DFW'",
               [a]) == 3
    again = registry.call("reserve_stock", args, ctx(key="r1"))  # same key: replayed
    assert again.replayed and again.output == res.output
    other_key = _out(registry, "reserve_stock", args)
    assert other_key.status == "already_reserved"
    assert one(seeded, "SELECT sum(reserved) FROM stock WHERE item_id = ?", [a]) == 4
    released = _out(registry, "release_reservation", {"order_id": order}, role="support")
    assert released.status == "released" and sum(r.quantity for r in released.reservations) == 4
    assert one(seeded, "SELECT sum(reserved) FROM stock WHERE item_id = ?", [a]) == 0
    assert _out(registry, "release_reservation",
                {"order_id": order}).status == "nothing_to_release"


def test_never_reserves_more_than_available(registry: ToolRegistry,  # noqa: F811
                                            seeded: Store) -> None:  # noqa: F811
    (a,) = _items(seeded, 1)
    _set_stock(seeded, a, {"WH-CMH": 2})
    order = _pending_order(seeded)
    args: dict[str, Any] = {"order_id": order, "lines": [{"item_id": a, "quantity": 3}],
                            "state": "OH"}
    assert _err(registry, "reserve_stock", args) == "policy"
    assert one(seeded, "SELECT sum(reserved) FROM stock WHERE item_id = ?", [a]) == 0
    assert one(seeded, "SELECT count(*) FROM reservations WHERE order_id = ?", [order]) == 0
    partial = _out(registry, "reserve_stock", {**args, "allow_partial": True})
    assert partial.status == "partial" and partial.backorders[0].short == 1
    assert one(seeded, "SELECT on_hand - reserved FROM stock WHERE item_id = ? "
                       "AND warehouse_id = 'WH-CMH'", [a]) == 0


def test_reserve_defaults_to_the_orders_items_and_address(registry: ToolRegistry,  # noqa: F811
                                                          seeded: Store) -> None:  # noqa: F811
    order = _pending_order(seeded)
    # From the order's JSON (the order_items view is DuckDB SQL: the analyst's, not the store's).
    lines = json.loads(str(one(seeded, "SELECT items FROM orders WHERE order_id = ?", [order])))
    items = [(line["item_id"],) for line in lines]
    for (i,) in items:
        _set_stock(seeded, i, {w: 10 for w in WAREHOUSES})
    out = _out(registry, "reserve_stock", {"order_id": order})
    assert sorted(r.item_id for r in out.reservations) == sorted(i for (i,) in items)


def test_reservation_refusals(registry: ToolRegistry, seeded: Store) -> None:  # noqa: F811
    cancelled = one(seeded, "SELECT order_id FROM orders WHERE status = 'cancelled' LIMIT 1")
    assert _err(registry, "reserve_stock", {"order_id": cancelled}) == "policy"
    assert _err(registry, "reserve_stock", {"order_id": "#W0"}) == "not_found"
    assert _err(registry, "release_reservation", {"order_id": "#W0"}) == "not_found"
    order = _pending_order(seeded)
    assert _err(registry, "reserve_stock", {"order_id": order}, role="customer") == "forbidden"
    assert _err(registry, "release_reservation", {"order_id": order},
                role="analyst") == "forbidden"
    no_key = registry.call("reserve_stock", {"order_id": order}, ctx().model_copy(
        update={"idempotency_key": None}))
    assert no_key.error is not None and no_key.error.code == "missing_idempotency_key"


# --- shipping_eta --------------------------------------------------------------------

def test_shipping_eta(registry: ToolRegistry, seeded: Store) -> None:  # noqa: F811
    out = _out(registry, "shipping_eta", {"state": "CA"}, role="customer")
    assert out.destination_region == "west" and out.options[0].warehouse_id == "WH-RNO"
    days = {o.service: o.delivery_days for o in out.options}
    assert days["express"] < days["ground"] < days["economy"]
    for o in out.options:
        assert o.delivery_days == o.handling_days + o.transit_days
        assert (o.estimated_delivery - out.ship_date).days == o.delivery_days
    far = _out(registry, "shipping_eta", {"state": "CA", "warehouse_id": "WH-ABE"})
    assert far.options[1].delivery_days > out.options[1].delivery_days
    assert _err(registry, "shipping_eta", {"state": "CA", "warehouse_id": "WH-X"}) == "not_found"
    assert _err(registry, "shipping_eta", {}) == "invalid_arguments"


# --- demand_forecast / reorder_suggestion ---------------------------------------------

def _by_sale_days(seeded: Store, op: str) -> str:  # noqa: F811
    return str(one(seeded, f"SELECT item_id FROM sales_history GROUP BY 1 HAVING count(DISTINCT "
                           f"day) {op} ORDER BY 1 LIMIT 1"))


def test_forecast_method_follows_the_series(registry: ToolRegistry,  # noqa: F811
                                            seeded: Store) -> None:  # noqa: F811
    sparse = _out(registry, "demand_forecast", {"item_id": _by_sale_days(seeded, "< 60")},
                  role="analyst")
    assert sparse.method == "croston_sba" and sparse.adi > 1.32
    dense = _out(registry, "demand_forecast",
                 {"item_id": _by_sale_days(seeded, "= 180"), "horizon_days": 21})
    assert dense.method == "holt_winters" and dense.adi == pytest.approx(1.0)
    assert len(dense.forecast) == 21 and all(d.quantity >= 0 for d in dense.forecast)
    assert dense.backtest is not None and dense.backtest.holdout_days == 28
    assert dense.backtest.wape is not None and dense.backtest.baseline_wape is not None
    assert dense.history_units == one(seeded, "SELECT sum(quantity) FROM sales_history "
                                               "WHERE item_id = ?", [dense.item_id])


def test_forecast_refusals(registry: ToolRegistry, seeded: Store) -> None:  # noqa: F811
    item = _by_sale_days(seeded, "= 180")
    assert _err(registry, "demand_forecast", {"item_id": "nope"}) == "not_found"
    assert _err(registry, "demand_forecast", {"item_id": item, "horizon_days": 0}) == (
        "invalid_arguments")
    assert _err(registry, "demand_forecast", {"item_id": item}, role="customer") == "forbidden"
    assert _err(registry, "reorder_suggestion", {"item_id": item}, role="support") == "forbidden"


def test_reorder_when_stock_runs_low(registry: ToolRegistry, seeded: Store) -> None:  # noqa: F811
    item = _by_sale_days(seeded, "= 180")
    _set_stock(seeded, item, {})
    with seeded.transaction() as db:
        db.execute("DELETE FROM purchase_orders WHERE item_id = ?", [item])
    low = _out(registry, "reorder_suggestion", {"item_id": item})
    assert low.should_reorder and low.inventory_position == 0
    assert low.order_quantity >= max(low.eoq, low.reorder_point)
    assert low.order_quantity % low.min_order_qty == 0
    assert low.reorder_point > low.mean_daily_demand * low.lead_time_mean_days
    _set_stock(seeded, item, {"WH-DFW": 100_000})
    high = _out(registry, "reorder_suggestion", {"item_id": item, "service_level": 0.99})
    assert not high.should_reorder and high.order_quantity == 0
    assert high.safety_stock > low.safety_stock  # a higher service level needs more cover
