"""Generates the seed store's operational tables from the τ²-bench catalogue and a seed.

Everything is a function of (db.json, seed): no wall clock. The world is anchored
at ``AS_OF``; the sales history covers the ``HISTORY_DAYS`` days before it.
Each section draws from its own child generator (``default_rng([seed, k])``), so
changing one section does not shift the random numbers of the others.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._geo import REGION_CENTRE, STATE_REGION, WAREHOUSES, haversine_km

AS_OF = date(2026, 11, 1)
HISTORY_DAYS = 180
REGIONS = list(REGION_CENTRE)
COMPETITORS = ["ShopRival", "MegaMart Online", "BargainBay"]
# (supplier_id, name, country, base lead time in days)
SUPPLIERS = [
    ("SUP-01", "Keystone Goods Co.", "US", 6), ("SUP-02", "Prairie Manufacturing", "US", 8),
    ("SUP-03", "Bayside Distributors", "US", 5), ("SUP-04", "Norte Industrial", "MX", 14),
    ("SUP-05", "Monterrey Supply", "MX", 12), ("SUP-06", "Shenzhen Bright Electronics", "CN", 35),
    ("SUP-07", "Ningbo Homewares", "CN", 38), ("SUP-08", "Saigon Textile", "VN", 32),
    ("SUP-09", "Hanoi Outdoor Gear", "VN", 30), ("SUP-10", "Rhein Precision", "DE", 24),
    ("SUP-11", "Lisbon Leather Works", "PT", 26), ("SUP-12", "Pune Components", "IN", 34),
]
CARRIERS = [("CAR-GND", "Parcelway", "ground"), ("CAR-EXP", "SwiftAir", "express"),
            ("CAR-PST", "National Post", "economy")]

Columns = dict[str, NDArray[Any]]


@dataclass
class Table:
    name: str
    ddl: str  # the column list of CREATE TABLE
    columns: Columns = field(default_factory=dict)


def _day(offsets: NDArray[Any] | int) -> NDArray[Any]:
    """Days relative to AS_OF as numpy datetimes DuckDB accepts for DATE columns."""
    off = np.asarray(offsets, dtype=np.int64).astype("timedelta64[D]")
    return (np.datetime64(AS_OF) + off).astype("datetime64[us]")


def _obj(values: list[Any]) -> NDArray[Any]:
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    return arr


@dataclass
class Catalogue:
    product_ids: list[str]
    product_names: list[str]
    item_ids: NDArray[Any]
    pidx: NDArray[np.int64]  # product index of each variant
    price: NDArray[np.float64]
    available: NDArray[np.bool_]

    @classmethod
    def from_db(cls, db: Mapping[str, Any]) -> Catalogue:
        products = sorted(db["products"].values(), key=lambda p: p["product_id"])
        items, pidx, price, avail = [], [], [], []
        for i, p in enumerate(products):
            for v in sorted(p["variants"].values(), key=lambda v: v["item_id"]):
                items.append(v["item_id"])
                pidx.append(i)
                price.append(float(v["price"]))
                avail.append(bool(v["available"]))
        return cls([p["product_id"] for p in products], [p["name"] for p in products],
                   _obj(items), np.array(pidx), np.array(price), np.array(avail))


def _rng(seed: int, section: int) -> np.random.Generator:
    return np.random.default_rng([seed, section])


def _region_weights(db: Mapping[str, Any]) -> NDArray[np.float64]:
    counts = np.zeros(len(REGIONS))
    for u in db["users"].values():
        region = STATE_REGION.get(u["address"]["state"])
        if region:
            counts[REGIONS.index(region)] += 1
    w = counts + 0.05 * counts.sum() + 1.0  # every region sells a little
    return np.asarray(w / w.sum(), dtype=np.float64)


def _geo_tables(seed: int) -> list[Table]:
    rng = _rng(seed, 1)
    wh = Table("warehouses", "warehouse_id VARCHAR PRIMARY KEY, name VARCHAR, city VARCHAR, "
               "state VARCHAR, region VARCHAR, lat DOUBLE, lon DOUBLE, handling_days INTEGER")
    cols = list(zip(*WAREHOUSES, strict=True))
    wh.columns = {"warehouse_id": _obj(list(cols[0])), "name": _obj(list(cols[1])),
                  "city": _obj(list(cols[2])), "state": _obj(list(cols[3])),
                  "region": _obj([STATE_REGION[s] for s in cols[3]]),
                  "lat": np.array(cols[4]), "lon": np.array(cols[5]),
                  "handling_days": np.array(cols[6])}
    sr = Table("state_regions", "state VARCHAR PRIMARY KEY, region VARCHAR")
    states = sorted(STATE_REGION)
    sr.columns = {"state": _obj(states), "region": _obj([STATE_REGION[s] for s in states])}
    car = Table("carriers", "carrier_id VARCHAR PRIMARY KEY, name VARCHAR, service VARCHAR")
    car.columns = {k: _obj([c[i] for c in CARRIERS])
                   for i, k in enumerate(["carrier_id", "name", "service"])}
    lanes: list[tuple[str, str, str, int, float]] = []
    for w in WAREHOUSES:
        origin = STATE_REGION[w[3]]
        for dest in REGIONS:
            km = haversine_km((w[4], w[5]), REGION_CENTRE[dest])
            ground = 1 + math.ceil(km / 700) + int(rng.integers(0, 2))
            lanes.append(("CAR-GND", origin, dest, ground, round(6 + km * 0.003, 2)))
            lanes.append(("CAR-EXP", origin, dest, 1 if km < 1200 else 2,
                          round(18 + km * 0.006, 2)))
            lanes.append(("CAR-PST", origin, dest, ground + 1 + int(rng.integers(0, 2)),
                          round(4 + km * 0.002, 2)))
    ln = Table("carrier_lanes", "carrier_id VARCHAR, origin_region VARCHAR, dest_region VARCHAR, "
               "transit_days INTEGER, cost_usd DOUBLE, PRIMARY KEY (carrier_id, origin_region, "
               "dest_region)")
    lc = list(zip(*lanes, strict=True))
    ln.columns = {"carrier_id": _obj(list(lc[0])), "origin_region": _obj(list(lc[1])),
                  "dest_region": _obj(list(lc[2])), "transit_days": np.array(lc[3]),
                  "cost_usd": np.array(lc[4])}
    return [wh, sr, car, ln]


@dataclass
class Demand:
    base: NDArray[np.float64]  # units/day per variant at the current price, at the end of history
    elasticity: NDArray[np.float64]  # per product
    list_price: NDArray[np.float64]  # (V, T)
    unit_price: NDArray[np.float64]  # (V, T) after promotions
    qty: NDArray[np.int64]  # (V, T) units sold, all regions


def _price_paths(seed: int, cat: Catalogue, T: int) -> tuple[NDArray[np.float64], Table]:
    """Product-level list price changes ending at today's price, and their history rows."""
    rng = _rng(seed, 2)
    P = len(cat.product_ids)
    mult = np.ones((P, T))
    changes: list[list[tuple[int, float]]] = []
    for p in range(P):
        k = int(rng.integers(1, 4))
        days = np.sort(rng.choice(np.arange(10, T - 10), size=k, replace=False))
        steps = rng.uniform(0.04, 0.15, size=k) * rng.choice([-1.0, 1.0], size=k)
        m = 1.0
        for d, s in zip(days[::-1], steps[::-1], strict=True):
            m /= 1 + s
            mult[p, :d] = m
        changes.append([(0, float(mult[p, 0]))] + [(int(d), float(mult[p, d])) for d in days])
    list_price = np.round(cat.price[:, None] * mult[cat.pidx], 2)
    rows: list[tuple[str, str, int, float, float | None, str]] = []
    for v, item in enumerate(cat.item_ids):
        prev: float | None = None
        for d, _ in changes[cat.pidx[v]]:
            price = float(list_price[v, d])
            rows.append((item, cat.product_ids[cat.pidx[v]], d - T, price, prev,
                         "initial list price" if prev is None else "list price change"))
            prev = price
    t = Table("price_history", "item_id VARCHAR, product_id VARCHAR, effective_on DATE, "
              "price DOUBLE, previous_price DOUBLE, source VARCHAR, reason VARCHAR, "
              "changed_at TIMESTAMP")
    c = list(zip(*rows, strict=True))
    t.columns = {"item_id": _obj(list(c[0])), "product_id": _obj(list(c[1])),
                 "effective_on": _day(np.array(c[2])), "price": np.array(c[3]),
                 "previous_price": _obj(list(c[4])), "source": _obj(["seed"] * len(rows)),
                 "reason": _obj(list(c[5])),
                 "changed_at": _day(np.array(c[2]))}
    return list_price, t


def _promotions(seed: int, cat: Catalogue, T: int) -> tuple[NDArray[np.float64], Table]:
    """Past and active promotions and the daily discount each variant saw (V, T)."""
    rng = _rng(seed, 3)
    P, V = len(cat.product_ids), cat.item_ids.size
    promos: list[tuple[int, str, float | None, str | None, int, int]] = []
    for p in range(P):
        for _ in range(int(rng.integers(0, 3))):
            start = int(rng.integers(-T, -25))
            promos.append((p, *_promo_kind(rng), start, start + int(rng.integers(5, 22))))
    for q in rng.choice(P, size=12, replace=False):
        promos.append((int(q), *_promo_kind(rng), -int(rng.integers(1, 11)),
                       int(rng.integers(5, 21))))
    discount = np.zeros((V, T))
    rows = []
    for n, (p, kind, pct, tiers, start, end) in enumerate(promos, start=1):
        variants = np.flatnonzero(cat.pidx == p)
        item: str | None = None
        if rng.random() < 0.2:  # some promotions are on one variant only
            variants = variants[[int(rng.integers(0, variants.size))]]
            item = str(cat.item_ids[variants[0]])
        # Demand sees the percent off, or half the first tier (most baskets hold one unit).
        eff = (pct or 0) / 100 if kind == "percent" else json.loads(tiers or "[]")[0][
            "percent_off"] / 200
        lo, hi = max(start + T, 0), min(end + T + 1, T)
        if lo < hi:
            discount[variants, lo:hi] = np.maximum(discount[variants, lo:hi], eff)
        label = f"{pct:.0f}% off" if kind == "percent" else "multi-buy"
        rows.append((f"PROMO-{n:04d}", f"{label} {cat.product_names[p]}", cat.product_ids[p],
                     item, kind, pct, tiers, start, end))
    t = Table("promotions", "promo_id VARCHAR PRIMARY KEY, name VARCHAR, product_id VARCHAR, "
              "item_id VARCHAR, kind VARCHAR, percent_off DOUBLE, tiers JSON, "
              "starts_on DATE, ends_on DATE")
    c = list(zip(*rows, strict=True))
    t.columns = {"promo_id": _obj(list(c[0])), "name": _obj(list(c[1])),
                 "product_id": _obj(list(c[2])), "item_id": _obj(list(c[3])),
                 "kind": _obj(list(c[4])), "percent_off": _obj(list(c[5])),
                 "tiers": _obj(list(c[6])), "starts_on": _day(np.array(c[7])),
                 "ends_on": _day(np.array(c[8]))}
    return discount, t


def _promo_kind(rng: np.random.Generator) -> tuple[str, float | None, str | None]:
    pct = float(rng.choice([10, 15, 20, 25, 30]))
    if rng.random() < 0.25:
        tiers = [{"min_qty": 2, "percent_off": pct / 2}, {"min_qty": 4, "percent_off": pct}]
        return "tiered", None, json.dumps(tiers)
    return "percent", pct, None


def _demand(seed: int, cat: Catalogue, list_price: NDArray[np.float64],
            discount: NDArray[np.float64], T: int) -> Demand:
    rng = _rng(seed, 4)
    P, V = len(cat.product_ids), cat.item_ids.size
    product_rate = rng.lognormal(np.log(25.0), 0.9, size=P)
    share = np.empty(V)
    for p in range(P):
        idx = np.flatnonzero(cat.pidx == p)
        share[idx] = rng.dirichlet(np.full(idx.size, 2.0))
    base = product_rate[cat.pidx] * share
    sparse = rng.random(V) < 0.18
    base[sparse] = rng.uniform(0.04, 0.4, size=int(sparse.sum()))
    elasticity = rng.uniform(-2.8, -0.6, size=P)
    weekly = np.array([-0.25, -0.35, -0.2, 0.0, 0.25, 0.55, 0.3])  # Mon..Sun shape
    amp = rng.uniform(0.1, 0.6, size=P)
    dow = 1 + amp[:, None] * weekly[None, :]
    first_dow = (AS_OF.toordinal() - T - 1) % 7  # date.weekday() of day 0
    dow_idx = (first_dow + np.arange(T)) % 7
    trend = rng.normal(0.0, 0.3, size=V)
    t_rel = (np.arange(T) - (T - 1)) / T
    unit_price = np.round(list_price * (1 - discount), 2)
    rate = (base[:, None] * dow[cat.pidx][:, dow_idx] * np.exp(trend[:, None] * t_rel[None, :])
            * (unit_price / cat.price[:, None]) ** elasticity[cat.pidx][:, None])
    # Gamma-Poisson: over-dispersed counts, as real daily sales are.
    qty = rng.poisson(rng.gamma(8.0, rate / 8.0)).astype(np.int64)
    # Sold-out variants stopped selling some days before AS_OF.
    for v in np.flatnonzero(~cat.available):
        qty[v, T - int(rng.integers(3, 30)):] = 0
    return Demand(base, elasticity, list_price, unit_price, qty)


def _sales(seed: int, cat: Catalogue, dem: Demand, weights: NDArray[np.float64],
           T: int) -> Table:
    rng = _rng(seed, 5)
    v_idx, t_idx = np.nonzero(dem.qty)
    split = rng.multinomial(dem.qty[v_idx, t_idx], weights)  # (n, regions)
    n_idx, r_idx = np.nonzero(split)
    wh_of_region = {STATE_REGION[w[3]]: w[0] for w in WAREHOUSES}
    regions = _obj(REGIONS)
    warehouses = _obj([wh_of_region[r] for r in REGIONS])
    vv, tt = v_idx[n_idx], t_idx[n_idx]
    t = Table("sales_history", "day DATE, item_id VARCHAR, product_id VARCHAR, "
              "warehouse_id VARCHAR, region VARCHAR, quantity INTEGER, unit_price DOUBLE")
    t.columns = {"day": _day(tt - T), "item_id": cat.item_ids[vv],
                 "product_id": _obj(cat.product_ids)[cat.pidx[vv]],
                 "warehouse_id": warehouses[r_idx], "region": regions[r_idx],
                 "quantity": split[n_idx, r_idx], "unit_price": dem.unit_price[vv, tt]}
    return t


def _stock(seed: int, cat: Catalogue, dem: Demand, weights: NDArray[np.float64],
           db: Mapping[str, Any]) -> tuple[Table, Table, NDArray[np.int64]]:
    """On-hand stock per variant and warehouse, with the pending orders' reservations."""
    rng = _rng(seed, 6)
    V, W = cat.item_ids.size, len(WAREHOUSES)
    w_region = np.array([weights[REGIONS.index(STATE_REGION[w[3]])] for w in WAREHOUSES])
    cover = rng.uniform(14, 60, size=V)
    on_hand = rng.poisson(dem.base[:, None] * w_region[None, :] * cover[:, None] * 1.5)
    on_hand += rng.integers(0, 4, size=(V, W))
    on_hand[rng.random((V, W)) < 0.07] = 0  # local stock-outs
    on_hand[~cat.available] = 0  # τ² "available: false" means sold out everywhere
    reserved = np.zeros((V, W), dtype=np.int64)
    item_pos = {str(i): n for n, i in enumerate(cat.item_ids)}
    # Nearest warehouses first, per destination region.
    order_by_region = {
        r: sorted(range(W), key=lambda w: haversine_km(WAREHOUSES[w][4:6], REGION_CENTRE[r]))
        for r in REGIONS
    }
    res_rows: list[tuple[str, str, str, int]] = []
    for order in sorted(db["orders"].values(), key=lambda o: o["order_id"]):
        if order["status"] != "pending":
            continue
        region = STATE_REGION.get(order["address"]["state"], "midwest")
        wanted: dict[int, int] = {}
        for line in order["items"]:
            v = item_pos.get(line["item_id"])
            if v is not None:
                wanted[v] = wanted.get(v, 0) + 1
        for v, q in sorted(wanted.items()):
            for w in order_by_region[region]:
                if on_hand[v, w] - reserved[v, w] >= q:
                    reserved[v, w] += q
                    res_rows.append((order["order_id"], str(cat.item_ids[v]), WAREHOUSES[w][0], q))
                    break
    st = Table("stock", "item_id VARCHAR, warehouse_id VARCHAR, on_hand INTEGER, "
               "reserved INTEGER, PRIMARY KEY (item_id, warehouse_id), "
               "CHECK (reserved >= 0 AND reserved <= on_hand)")
    wh_ids = _obj([w[0] for w in WAREHOUSES])
    st.columns = {"item_id": np.repeat(cat.item_ids, W), "warehouse_id": np.tile(wh_ids, V),
                  "on_hand": on_hand.ravel(), "reserved": reserved.ravel()}
    rs = Table("reservations", "order_id VARCHAR, item_id VARCHAR, warehouse_id VARCHAR, "
               "quantity INTEGER CHECK (quantity > 0), status VARCHAR, created_at TIMESTAMP, "
               "released_at TIMESTAMP, release_reason VARCHAR")
    c = list(zip(*res_rows, strict=True))
    n = len(res_rows)
    rs.columns = {"order_id": _obj(list(c[0])), "item_id": _obj(list(c[1])),
                  "warehouse_id": _obj(list(c[2])), "quantity": np.array(c[3]),
                  "status": _obj(["active"] * n), "created_at": _day(np.full(n, -1)),
                  "released_at": np.full(n, np.datetime64("NaT"), dtype="datetime64[us]"),
                  "release_reason": _obj([None] * n)}
    return st, rs, on_hand - reserved


def _supply(seed: int, cat: Catalogue, dem: Demand, weights: NDArray[np.float64],
            free: NDArray[np.int64], cost: NDArray[np.float64]) -> list[Table]:
    rng = _rng(seed, 7)
    P, W = len(cat.product_ids), len(WAREHOUSES)
    sup = Table("suppliers", "supplier_id VARCHAR PRIMARY KEY, name VARCHAR, country VARCHAR")
    sup.columns = {k: _obj([s[i] for s in SUPPLIERS])
                   for i, k in enumerate(["supplier_id", "name", "country"])}
    sp_rows: list[tuple[str, str, bool, float, float, int]] = []
    primary: list[tuple[int, float, float, int]] = []
    for p in range(P):
        picks = rng.choice(len(SUPPLIERS), size=2, replace=False)
        for rank, s in enumerate(picks[: 1 + int(rng.random() < 0.4)]):
            mean = round(SUPPLIERS[s][3] * rng.uniform(0.8, 1.25), 1)
            std = round(mean * rng.uniform(0.1, 0.35), 1)
            moq = int(rng.choice([1, 10, 25, 50]))
            sp_rows.append((cat.product_ids[p], SUPPLIERS[s][0], rank == 0, mean, std, moq))
            if rank == 0:
                primary.append((int(s), mean, std, moq))
    sp = Table("supplier_products", "product_id VARCHAR, supplier_id VARCHAR, is_primary BOOLEAN, "
               "lead_time_mean_days DOUBLE, lead_time_std_days DOUBLE, min_order_qty INTEGER, "
               "PRIMARY KEY (product_id, supplier_id)")
    c = list(zip(*sp_rows, strict=True))
    sp.columns = {"product_id": _obj(list(c[0])), "supplier_id": _obj(list(c[1])),
                  "is_primary": np.array(c[2]), "lead_time_mean_days": np.array(c[3]),
                  "lead_time_std_days": np.array(c[4]), "min_order_qty": np.array(c[5])}
    w_region = np.array([weights[REGIONS.index(STATE_REGION[w[3]])] for w in WAREHOUSES])
    po_rows: list[tuple[str, int, int, int, int, int, int | None]] = []
    for v in range(cat.item_ids.size):
        s, mean, std, moq = primary[cat.pidx[v]]
        for w in range(W):
            daily = dem.base[v] * w_region[w]
            lead = max(1, round(rng.normal(mean, std)))
            qty = max(moq, math.ceil(daily * 30))
            if rng.random() < 0.5:  # a received replenishment in the past
                ordered = -int(rng.integers(lead + 5, 150))
                arrived = ordered + lead
                po_rows.append((SUPPLIERS[s][0], v, w, qty, ordered, arrived, arrived))
            low = free[v, w] < daily * 10 or not cat.available[v]
            if low and rng.random() < 0.6:  # an open order on its way
                ordered = -int(rng.integers(1, max(2, lead)))
                po_rows.append((SUPPLIERS[s][0], v, w, qty, ordered, max(1, ordered + lead), None))
    po = Table("purchase_orders", "po_id VARCHAR PRIMARY KEY, supplier_id VARCHAR, "
               "item_id VARCHAR, product_id VARCHAR, warehouse_id VARCHAR, quantity INTEGER, "
               "unit_cost DOUBLE, ordered_on DATE, expected_on DATE, status VARCHAR, "
               "received_on DATE")
    c = list(zip(*po_rows, strict=True))
    vs, ws = np.array(c[1]), np.array(c[2])
    received = [r[6] is not None for r in po_rows]
    po.columns = {"po_id": _obj([f"PO-{n:05d}" for n in range(1, len(po_rows) + 1)]),
                  "supplier_id": _obj(list(c[0])), "item_id": cat.item_ids[vs],
                  "product_id": _obj(cat.product_ids)[cat.pidx[vs]],
                  "warehouse_id": _obj([w[0] for w in WAREHOUSES])[ws],
                  "quantity": np.array(c[3]), "unit_cost": cost[vs],
                  "ordered_on": _day(np.array(c[4])), "expected_on": _day(np.array(c[5])),
                  "status": _obj(["received" if r else "open" for r in received]),
                  "received_on": np.where(np.array(received), _day(np.array(
                      [r[6] if r[6] is not None else 0 for r in po_rows])),
                      np.datetime64("NaT", "us"))}
    return [sup, sp, po]


def _pricing(seed: int, cat: Catalogue) -> tuple[NDArray[np.float64], list[Table]]:
    rng = _rng(seed, 8)
    P, V = len(cat.product_ids), cat.item_ids.size
    ratio = np.round(rng.uniform(0.42, 0.70, size=P), 3)
    cost = np.round(cat.price * ratio[cat.pidx], 2)
    uc = Table("unit_costs", "item_id VARCHAR PRIMARY KEY, product_id VARCHAR, "
               "cost_ratio DOUBLE, unit_cost DOUBLE")
    uc.columns = {"item_id": cat.item_ids, "product_id": _obj(cat.product_ids)[cat.pidx],
                  "cost_ratio": ratio[cat.pidx], "unit_cost": cost}
    tier_rows: list[tuple[str, int, float]] = []
    for p in range(P):
        if rng.random() < 0.6:
            scale = rng.uniform(0.5, 1.5)
            for min_qty, pct in ((5, 3.0), (10, 6.0), (25, 10.0)):
                tier_rows.append((cat.product_ids[p], min_qty, round(pct * scale * 2) / 2))
    vt = Table("volume_tiers", "product_id VARCHAR, min_qty INTEGER, percent_off DOUBLE, "
               "PRIMARY KEY (product_id, min_qty)")
    c = list(zip(*tier_rows, strict=True))
    vt.columns = {"product_id": _obj(list(c[0])), "min_qty": np.array(c[1]),
                  "percent_off": np.array(c[2])}
    bias = {"ShopRival": -0.03, "MegaMart Online": 0.02, "BargainBay": -0.08}
    weeks = np.arange(1, 9)
    comp_parts: list[Columns] = []
    for comp in COMPETITORS:
        carried = np.flatnonzero(rng.random(V) < rng.uniform(0.6, 0.8))
        level = 1 + bias[comp] + rng.normal(0, 0.05, size=carried.size)
        noise = rng.normal(0, 0.01, size=(carried.size, weeks.size))
        prices = np.round(cat.price[carried, None] * (level[:, None] + noise), 2)
        comp_parts.append({
            "competitor": _obj([comp] * prices.size),
            "item_id": np.repeat(cat.item_ids[carried], weeks.size),
            "product_id": np.repeat(_obj(cat.product_ids)[cat.pidx[carried]], weeks.size),
            "observed_on": _day(np.tile(-7 * weeks, carried.size)),
            "price": prices.ravel(),
        })
    cp = Table("competitor_prices", "competitor VARCHAR, item_id VARCHAR, product_id VARCHAR, "
               "observed_on DATE, price DOUBLE")
    cp.columns = {k: np.concatenate([part[k] for part in comp_parts]) for k in comp_parts[0]}
    return cost, [uc, vt, cp]


def generate(db: Mapping[str, Any], seed: int) -> list[Table]:
    """All generated tables for ``db`` (τ²-bench db.json, parsed) and ``seed``, in load order."""
    T = HISTORY_DAYS
    cat = Catalogue.from_db(db)
    weights = _region_weights(db)
    tables = _geo_tables(seed)
    list_price, price_history = _price_paths(seed, cat, T)
    discount, promotions = _promotions(seed, cat, T)
    dem = _demand(seed, cat, list_price, discount, T)
    cost, pricing = _pricing(seed, cat)
    stock, reservations, free = _stock(seed, cat, dem, weights, db)
    supply = _supply(seed, cat, dem, weights, free, cost)
    sales = _sales(seed, cat, dem, weights, T)
    return [*tables, stock, reservations, *supply, *pricing, price_history, promotions, sales]
