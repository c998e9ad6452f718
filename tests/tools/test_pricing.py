"""Pricing tools through ToolRegistry.call on a seeded store, and the elasticity maths."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tools import Store
from tools import _elasticity as el
from tools.registry import ToolRegistry

from ._seeded import SETTINGS, ctx, one, registry, rows, seeded, seeded_template  # noqa: F401


def _out(reg: ToolRegistry, name: str, args: dict[str, Any], **kw: Any) -> Any:
    res = reg.call(name, args, ctx(**kw))
    assert res.status == "ok", res.for_model()
    return res.output


def _err(reg: ToolRegistry, name: str, args: Any, **kw: Any) -> str:
    res = reg.call(name, args, ctx(**kw))
    assert res.status == "error", res.for_model()
    assert res.error is not None
    return res.error.code


def _dense_item(seeded: Store) -> str:  # noqa: F811
    return str(one(seeded, "SELECT s.item_id FROM sales_history s JOIN variants v USING (item_id) "
                           "WHERE v.available GROUP BY 1 ORDER BY sum(quantity) DESC LIMIT 1"))


# --- elasticity maths ----------------------------------------------------------------

def test_elasticity_recovers_a_known_value() -> None:
    rng = np.random.default_rng(3)
    n = 180
    price = np.where(rng.random(n) < 0.3, 0.8, 1.0) * np.repeat([1.0, 1.1, 0.95], 60)
    weekday = np.arange(n) % 7
    rate = 20 * price ** -1.8 * (1 + 0.3 * (weekday >= 5))
    est = el.estimate(rng.poisson(rate), price, weekday)
    assert est is not None and est.reliable
    assert est.value == pytest.approx(-1.8, abs=3 * est.std_error)
    assert el.estimate(rng.poisson(rate), np.ones(n), weekday) is None  # price never moved
    assert el.estimate(np.zeros(n), price, weekday) is None


def test_profit_maximising_price() -> None:
    assert el.profit_max_price(10.0, -2.0) == pytest.approx(20.0)
    assert el.profit_max_price(10.0, -0.8) is None
    assert el.volume_ratio(110, 100, -2.0) == pytest.approx(1.1 ** -2)


# --- quote ---------------------------------------------------------------------------

def test_quote_applies_tier_then_best_promotion(registry: ToolRegistry,  # noqa: F811
                                                seeded: Store) -> None:  # noqa: F811
    as_of = one(seeded, "SELECT CAST(value AS DATE) FROM seed_meta WHERE key = 'as_of'")
    item, pct, product = rows(seeded, """
        SELECT v.item_id, p.percent_off, v.product_id FROM variants v
        JOIN promotions p ON p.product_id = v.product_id AND p.item_id IS NULL
        WHERE p.kind = 'percent' AND p.starts_on <= ? AND p.ends_on >= ?
          AND v.product_id IN (SELECT product_id FROM volume_tiers)
        ORDER BY 1 LIMIT 1""", [as_of, as_of])[0]
    min_qty, tier_pct = rows(seeded, "SELECT min_qty, percent_off FROM volume_tiers "
                                     "WHERE product_id = ? ORDER BY min_qty LIMIT 1", [product])[0]
    price = one(seeded, "SELECT price FROM variants WHERE item_id = ?", [item])
    q = _out(registry, "quote", {"item_id": item, "quantity": min_qty}, role="customer")
    expected = round(price * (1 - tier_pct / 100) * (1 - pct / 100), 2)
    assert q.unit_price == pytest.approx(expected, abs=0.011)
    assert [s.step for s in q.steps] == ["list_price", "volume_tier", "promotion", "final"]
    assert q.total == pytest.approx(q.unit_price * min_qty, abs=0.011)
    assert q.savings == pytest.approx(price * min_qty - q.total, abs=0.011)
    single = _out(registry, "quote", {"item_id": item})
    assert [s.step for s in single.steps] == ["list_price", "promotion", "final"]


def test_quote_without_discounts_and_refusals(registry: ToolRegistry,  # noqa: F811
                                              seeded: Store) -> None:  # noqa: F811
    item = one(seeded, "SELECT item_id FROM variants WHERE product_id NOT IN (SELECT product_id "
                       "FROM promotions) AND product_id NOT IN (SELECT product_id FROM "
                       "volume_tiers) ORDER BY 1 LIMIT 1")
    q = _out(registry, "quote", {"item_id": item, "quantity": 50})
    assert q.unit_price == q.list_price and len(q.steps) == 2
    assert _err(registry, "quote", {"item_id": "nope"}) == "not_found"
    assert _err(registry, "quote", {"item_id": item, "quantity": "many"}) == "invalid_arguments"
    assert _err(registry, "quote", {"item_id": item, "quantity": 0}) == "invalid_arguments"


# --- check_margin -----------------------------------------------------------------------

def test_check_margin(registry: ToolRegistry, seeded: Store) -> None:  # noqa: F811
    item = _dense_item(seeded)
    cost = one(seeded, "SELECT unit_cost FROM unit_costs WHERE item_id = ?", [item])
    current = _out(registry, "check_margin", {"item_id": item}, role="analyst")
    assert current.price_source == "quote" and current.unit_cost == cost
    low = _out(registry, "check_margin", {"item_id": item, "price": cost * 1.05})
    assert not low.ok and low.margin < SETTINGS.margin_floor
    at_floor = _out(registry, "check_margin", {"item_id": item, "price": low.floor_price})
    assert at_floor.ok
    # The floor is a gross margin, cost / (1 - floor); a markup of cost x (1 + floor) is under it.
    assert low.floor_price == pytest.approx(cost / (1 - SETTINGS.margin_floor), abs=0.01)
    marked_up = round(cost * (1 + SETTINGS.margin_floor), 2)
    assert not _out(registry, "check_margin", {"item_id": item, "price": marked_up}).ok
    assert _err(registry, "check_margin", {"item_id": item}, role="customer") == "forbidden"
    assert _err(registry, "check_margin", {"item_id": item, "price": -1}) == "invalid_arguments"


# --- suggest_price -------------------------------------------------------------------------

def test_suggestion_respects_guard_rails(registry: ToolRegistry,  # noqa: F811
                                         seeded: Store) -> None:  # noqa: F811
    items = [r[0] for r in rows(seeded, "SELECT item_id FROM variants ORDER BY item_id LIMIT 6")]
    scopes = set()
    for item in [*items, _dense_item(seeded)]:
        s = _out(registry, "suggest_price", {"item_id": item}, role="analyst")
        scopes.add(s.elasticity_scope)
        assert s.suggested_price >= s.floor_price
        assert abs(s.change_pct) <= SETTINGS.max_price_change_pct + 1e-6 or (
            s.suggested_price == s.floor_price and s.requires_approval)
        if s.elasticity is not None:
            assert s.elasticity < 0 and s.expected_volume_change_pct is not None
    assert "variant" in scopes


def test_margin_floor_wins_over_the_change_limit(registry: ToolRegistry,  # noqa: F811
                                                 seeded: Store) -> None:  # noqa: F811
    item = _dense_item(seeded)
    price = one(seeded, "SELECT price FROM variants WHERE item_id = ?", [item])
    with seeded.transaction() as db:
        db.execute("UPDATE unit_costs SET unit_cost = ? WHERE item_id = ?", [price * 1.2, item])
    s = _out(registry, "suggest_price", {"item_id": item})
    assert s.suggested_price == s.floor_price and s.requires_approval
    assert s.change_pct > SETTINGS.max_price_change_pct
    assert _err(registry, "suggest_price", {"item_id": item}, role="support") == "forbidden"


# --- apply_price_change -----------------------------------------------------------------------

def test_apply_small_change_once(registry: ToolRegistry, seeded: Store) -> None:  # noqa: F811
    item = _dense_item(seeded)
    price = one(seeded, "SELECT price FROM variants WHERE item_id = ?", [item])
    history = one(seeded, "SELECT count(*) FROM price_history WHERE item_id = ?", [item])
    args = {"item_id": item, "new_price": round(price * 1.05, 2), "reason": "match market"}
    first = registry.call("apply_price_change", args, ctx(role="analyst", key="p1"))
    assert first.ok and first.output is not None and not first.output.approved
    again = registry.call("apply_price_change", args, ctx(role="analyst", key="p1"))
    assert again.replayed and again.output == first.output
    assert one(seeded, "SELECT price FROM variants WHERE item_id = ?", [item]) == args["new_price"]
    assert one(seeded, "SELECT count(*) FROM price_history WHERE item_id = ?", [item]) == history + 1
    last = rows(seeded, "SELECT price, previous_price, source FROM price_history WHERE item_id = ? "
                        "ORDER BY changed_at DESC NULLS LAST LIMIT 1", [item])[0]
    assert last == (args["new_price"], price, "tool:analyst")


def test_large_change_needs_approval(registry: ToolRegistry, seeded: Store) -> None:  # noqa: F811
    item = _dense_item(seeded)
    price = one(seeded, "SELECT price FROM variants WHERE item_id = ?", [item])
    args = {"item_id": item, "new_price": round(price * 1.4, 2), "reason": "repositioning"}
    res = registry.call("apply_price_change", args, ctx())
    assert res.status == "needs_approval" and res.approval is not None
    assert res.approval.details["change_pct"] == pytest.approx(40, abs=0.1)
    assert one(seeded, "SELECT price FROM variants WHERE item_id = ?", [item]) == price
    approved = _out(registry, "apply_price_change", args, approved=True)
    assert approved.approved and approved.new_price == args["new_price"]


def test_below_margin_floor_is_refused_even_when_approved(registry: ToolRegistry,  # noqa: F811
                                                          seeded: Store) -> None:  # noqa: F811
    item = _dense_item(seeded)
    price = one(seeded, "SELECT price FROM variants WHERE item_id = ?", [item])
    cost = one(seeded, "SELECT unit_cost FROM unit_costs WHERE item_id = ?", [item])
    args = {"item_id": item, "new_price": round(cost * 1.01, 2), "reason": "clearance"}
    assert _err(registry, "apply_price_change", args, approved=True) == "policy"
    assert one(seeded, "SELECT price FROM variants WHERE item_id = ?", [item]) == price
    for role in ("customer", "support"):
        assert _err(registry, "apply_price_change", args, role=role) == "forbidden"
    assert _err(registry, "apply_price_change", {**args, "new_price": "cheap"}) == (
        "invalid_arguments")
    assert _err(registry, "apply_price_change", {**args, "item_id": "x"}) == "not_found"
