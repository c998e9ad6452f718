"""Writes ``order_events.jsonl``: order-agent events built from the seeded store, labelled by the oracle.

    .venv/bin/python -m evals.sets.make_order_events [--seed 11] [--out PATH]

Deterministic in ``--seed`` (and the store's seed): it seeds a temporary store
from ``data/``, draws events from real users, addresses, items, stock levels
and costs, labels each with ``evals.oracle`` and keeps it when its branch
still has room, so every rule branch is covered several times:

* order_placed: confirm (addresses as on file, and re-typed: case, commas,
  spaces), split_shipment, backorder, lines below the margin floor, each risk
  flag alone and in pairs;
* shipment_delayed: known orders with short, boundary and long delays, and
  unknown orders;
* inventory_adjusted: receipts, damage, counts (with ``on_hand_after``) and
  oversold changes on items that need a reorder and items that do not;
* price_changed: small changes, swings either way, prices below the floor and
  below cost.

So that each label has one defensible answer, cases near a threshold the
rules leave open are not drawn: prices between unit cost x (1 + floor) and
unit cost / (1 - floor) (the two readings of "margin floor"), changes within
0.3 points of ``max_price_change_pct``, and inventory changes whose delta
would move the item across its reorder point (the label is the same whether
or not the agent counts the change in the tool's stock figures).
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from agents.contracts import InventoryChange, OrderData, PriceChange, ShipmentDelay
from evals.oracle import Label, Oracle, Payload, Rules
from tools import DuckDBStore, Store, ToolSettings
from tools.catalog import build_registry
from tools.seed import seed_store

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "order_events.jsonl"
ORDER_QUOTAS = {
    "confirm": 12, "confirm_retyped": 6, "split_shipment": 14, "backorder": 14, "margin": 10,
    "unknown_customer": 7, "address_mismatch": 8, "unusual_quantity": 7, "high_total": 7,
    "total_mismatch": 7, "unknown_item": 7, "two_flags": 6,
}
FLAGS = ["unknown_customer", "address_mismatch", "unusual_quantity", "high_total",
         "total_mismatch", "unknown_item"]
PAIRABLE = [f for f in FLAGS if f != "high_total"]  # a high total needs its own dear lines


def _money(x: float | Decimal) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.01"))


class World:
    """The seeded store's facts the generator draws from."""

    def __init__(self, store: Store) -> None:
        with store.cursor() as c:
            self.users = [(u, json.loads(a), json.loads(p)) for u, a, p in c.execute(
                "SELECT user_id, address, payment_methods FROM users ORDER BY user_id").fetchall()]
            self.variants = {i: (p, float(pr), bool(av)) for i, p, pr, av in c.execute(
                "SELECT item_id, product_id, price, available FROM variants ORDER BY item_id")
                .fetchall()}
            self.cost = dict(c.execute("SELECT item_id, unit_cost FROM unit_costs").fetchall())
            self.free: dict[str, dict[str, int]] = {}
            self.on_hand: dict[tuple[str, str], tuple[int, int]] = {}
            for i, w, oh, r in c.execute("SELECT item_id, warehouse_id, on_hand, reserved "
                                         "FROM stock ORDER BY item_id, warehouse_id").fetchall():
                self.free.setdefault(i, {})[w] = oh - r
                self.on_hand[(i, w)] = (oh, r)
            self.orders = c.execute("SELECT order_id, status, fulfillments FROM orders "
                                    "WHERE status IN ('pending', 'processed', 'delivered') "
                                    "ORDER BY order_id").fetchall()
            self.carriers = [r[0] for r in c.execute("SELECT name FROM carriers ORDER BY 1").fetchall()]
        self.items = sorted(self.variants)


class Generator:
    def __init__(self, world: World, oracle: Oracle, rng: random.Random) -> None:
        self.w, self.oracle, self.rng = world, oracle, rng
        self.cases: list[dict[str, Any]] = []
        self._n = 0

    def _keep(self, kind: str, payload: Payload, label: Label) -> None:
        self._n += 1
        self.cases.append({"id": f"{kind.split('_')[0]}-{self._n:03d}", "kind": kind,
                           "payload": payload.model_dump(mode="json", exclude_none=True),
                           "expected": {"decision": label.decision, "alerts": label.alerts},
                           "rule": label.rule})

    def _fill(self, kind: str, quotas: dict[str, int],
              draw: Callable[[str], tuple[Payload, str] | None], tries: int = 4000,
              strict: bool = True) -> None:
        """Draw candidates for each bucket until its quota is met; the oracle's label decides."""
        left = dict(quotas)
        for _ in range(tries):
            if not any(left.values()):
                return
            bucket = self.rng.choice([b for b, n in left.items() if n])
            made = draw(bucket)
            if made is None:
                continue
            payload, got = made
            label = self.oracle.label(kind, payload)
            if got == bucket and self._bucket_of(kind, label, bucket) == bucket:
                self._keep(kind, payload, label)
                left[bucket] -= 1
        missing = {b: n for b, n in left.items() if n}
        if missing and strict:
            raise RuntimeError(f"could not fill {kind} buckets {missing}; change the seed")

    @staticmethod
    def _bucket_of(kind: str, label: Label, wanted: str) -> str:
        if kind != "order_placed":
            return wanted
        if label.rule.startswith("risk:"):
            flags = label.rule.split(":", 1)[1].split("+")[0].split(",")
            return "two_flags" if len(flags) == 2 else flags[0] if len(flags) == 1 else "other"
        if "below_margin" in label.alerts:
            return "margin"
        decision = label.decision
        return "confirm_retyped" if wanted == "confirm_retyped" and decision == "confirm" \
            else decision

    # --- order placed -----------------------------------------------------------------

    def _lines(self, bucket: str) -> list[tuple[str, int]]:
        w, rng = self.w, self.rng
        stocked = [i for i in w.items if max(w.free[i].values()) >= 3 and w.variants[i][1] < 700]
        if bucket == "split_shipment":
            tight = [i for i in w.items if 1 <= max(w.free[i].values()) <= 4
                     and sum(w.free[i].values()) > max(w.free[i].values())]
            item = rng.choice(tight)
            lines = [(item, max(w.free[item].values()) + 1)]
        elif bucket == "backorder":
            short = [i for i in w.items if sum(w.free[i].values()) <= 4]
            item = rng.choice(short)
            lines = [(item, sum(w.free[item].values()) + 1)]
        elif bucket == "high_total":
            dear = [i for i in w.items if w.variants[i][1] > 900]
            lines = [(rng.choice(dear), rng.randint(3, 5))]
        else:
            return [(i, rng.randint(1, 2)) for i in rng.sample(stocked, rng.randint(1, 3))]
        if rng.random() < 0.4:
            lines.append((rng.choice(stocked), 1))
        return lines

    def _order(self, bucket: str) -> tuple[Payload, str] | None:
        w, rng = self.w, self.rng
        user_id, address, methods = rng.choice(w.users)
        lines = self._lines(bucket)
        prices = {i: w.variants[i][1] for i, _ in lines}
        products: dict[str, str] = {}
        if bucket == "margin":
            for item, _ in rng.sample(lines, rng.randint(1, len(lines))):
                # Below unit cost x (1 + floor) and below unit cost / (1 - floor), never between.
                prices[item] = float(_money(w.cost[item] * rng.uniform(0.85, 1.12)))
        addr = dict(address)
        flags = [bucket] if bucket in FLAGS else rng.sample(PAIRABLE, 2) if bucket == "two_flags" else []
        if "unknown_customer" in flags:
            user_id = f"{user_id.rsplit('_', 1)[0]}_{rng.randint(10000, 99999)}"
        if "address_mismatch" in flags:
            if rng.random() < 0.5:
                addr["zip"] = f"{(int(addr['zip']) + rng.randint(1, 900)) % 100000:05d}"
            else:
                number, _, street = addr["address1"].partition(" ")
                addr["address1"] = f"{int(number) + rng.randint(1, 50) if number.isdigit() else 7} {street}"
        if bucket == "confirm_retyped":
            a1 = addr["address1"]
            addr["address1"] = rng.choice([a1.upper(), a1.replace(" ", "  "), f"{a1},", f" {a1.lower()} "])
        if "unusual_quantity" in flags:
            k = rng.randrange(len(lines))
            lines[k] = (lines[k][0], rng.randint(6, 12))
        if "unknown_item" in flags:
            k = rng.randrange(len(lines))
            fake = str(rng.randint(10**9, 10**10 - 1))
            if fake in w.variants:
                return None
            prices[fake] = prices[lines[k][0]]
            products[fake] = w.variants[lines[k][0]][0]  # a real product, an unknown variant
            lines[k] = (fake, lines[k][1])
        total = sum(_money(prices[i]) * q for i, q in lines)
        if "total_mismatch" in flags:
            total += _money(rng.choice([-1, 1]) * rng.uniform(2.0, 60.0))
        items = [{"item_id": i, "product_id": products.get(i) or w.variants[i][0], "quantity": q,
                  "unit_price": str(_money(prices[i]))} for i, q in lines]
        self._n_orders = getattr(self, "_n_orders", 0) + 1
        payload = OrderData.model_validate({
            "order_id": f"#E{9000000 + self._n_orders}", "user_id": user_id, "items": items,
            "address": addr, "payment_method_id": next(iter(methods), "paypal_0000000"),
            "total": str(max(total, Decimal(0)))})
        return payload, bucket

    # --- shipment delayed -------------------------------------------------------------

    def _shipment(self, bucket: str) -> tuple[Payload, str] | None:
        rng = self.rng
        order_id, _, fulfillments = rng.choice(self.w.orders)
        tracking = (json.loads(fulfillments) or [{}])[0].get("tracking_id", [None])[0]
        if bucket.startswith("unknown"):
            order_id, tracking = f"#W{rng.randint(10**6, 10**7 - 1)}", None
        days = {"short": rng.randint(1, 4), "boundary": 5, "long": rng.randint(6, 14),
                "unknown_short": rng.randint(1, 4), "unknown_long": rng.randint(5, 10)}[bucket]
        payload = ShipmentDelay.model_validate({
            "order_id": order_id, "carrier": rng.choice(self.w.carriers), "tracking_id": tracking,
            "delay_days": days, "reason": rng.choice(["weather", "carrier capacity",
                                                      "address issue", "customs hold"])})
        return payload, bucket

    # --- inventory adjusted -----------------------------------------------------------

    def _inventory_items(self, per_side: int) -> list[str]:
        """Items with demand: half that need a reorder now, half that do not (tool facts)."""
        picked: dict[bool, list[str]] = {True: [], False: []}
        for item in self.rng.sample(self.w.items, len(self.w.items)):
            if not self.w.variants[item][2]:
                continue
            facts = self.oracle.reorder_facts(item)
            if facts is None or facts.mean_daily_demand <= 0:
                continue
            side = facts.inventory_position <= facts.reorder_point
            if len(picked[side]) < per_side:
                picked[side].append(item)
            if all(len(v) >= per_side for v in picked.values()):
                break
        return picked[True] + picked[False]

    def _inventory(self, item: str, bucket: str) -> tuple[Payload, str] | None:
        rng, w = self.rng, self.w
        warehouse = rng.choice(sorted(w.free[item]))
        on_hand, reserved = w.on_hand[(item, warehouse)]
        reason, after = "count", None
        if bucket == "receipt":
            delta, reason = rng.randint(1, 40), rng.choice(["receipt", "return"])
        elif bucket == "damage":
            if on_hand - reserved < 1:
                return None
            delta, reason = -rng.randint(1, min(3, on_hand - reserved)), "damage"
        elif bucket == "count":
            delta = rng.choice([-2, -1, 1, 2, 3])
            after = on_hand + delta
            if after < 0:
                return None
        else:  # oversold: more left than was free
            if on_hand < 1:
                return None
            delta, reason = -(on_hand - reserved + rng.randint(1, 3)), rng.choice(["damage", "sale"])
        facts = self.oracle.reorder_facts(item)
        assert facts is not None
        before = facts.inventory_position <= facts.reorder_point
        if (facts.inventory_position + delta <= facts.reorder_point) != before:
            return None  # the change crosses the reorder point: ambiguous, see the docstring
        payload = InventoryChange.model_validate({
            "item_id": item, "warehouse_id": warehouse, "delta": delta, "reason": reason,
            **({"on_hand_after": after} if after is not None else {})})
        return payload, bucket

    # --- price changed --------------------------------------------------------------------

    def _price(self, bucket: str) -> tuple[Payload, str] | None:
        rng, w = self.rng, self.w
        item = rng.choice(w.items)
        product, old, _ = w.variants[item]
        cost, floor = w.cost[item], self.oracle.rules.margin_floor
        new = {"small": old * (1 + rng.choice([-1, 1]) * rng.uniform(0.005, 0.12)),
               "swing_up": old * rng.uniform(1.16, 1.45),
               "swing_down": old * rng.uniform(0.62, 0.84),
               "below_floor": cost * rng.uniform(1.02, 1.12),
               "below_cost": cost * rng.uniform(0.6, 0.97)}[bucket]
        new_price = float(_money(new))
        pct = abs(new_price - old) / old * 100
        limit = self.oracle.rules.max_price_change_pct
        if abs(pct - limit) < 0.3:
            return None
        if cost * (1 + floor) - 0.01 <= new_price < cost / (1 - floor) + 0.01:
            return None  # the two readings of the margin floor disagree here
        if bucket == "swing_down" and new_price < cost / (1 - floor):
            return None
        payload = PriceChange.model_validate({
            "item_id": item, "product_id": product, "old_price": str(_money(old)),
            "new_price": str(_money(new_price)),
            "reason": rng.choice(["promotion", "competitor match", "cost change", "clearance"])})
        return payload, bucket

    def run(self) -> list[dict[str, Any]]:
        self._fill("order_placed", ORDER_QUOTAS, self._order)
        self._fill("shipment_delayed", {"short": 12, "boundary": 4, "long": 11,
                                        "unknown_short": 4, "unknown_long": 5}, self._shipment)
        items = self._inventory_items(per_side=4)
        quotas = {"receipt": 2, "damage": 1, "count": 1, "oversold": 1}
        for item in items:
            self._fill("inventory_adjusted", dict(quotas), partial(self._inventory, item), tries=200,
                       strict=False)  # an item just under its reorder point takes no receipt
        if sum(c["kind"] == "inventory_adjusted" for c in self.cases) < 35:
            raise RuntimeError("fewer than 35 inventory events; change the seed")
        self._fill("price_changed", {"small": 12, "swing_up": 7, "swing_down": 6,
                                     "below_floor": 5, "below_cost": 5}, self._price)
        return self.cases


def build(seed: int = 11, settings: ToolSettings | None = None) -> list[dict[str, Any]]:
    """The labelled events for a freshly seeded store."""
    settings = settings or ToolSettings()
    with tempfile.TemporaryDirectory() as tmp:
        store = DuckDBStore(Path(tmp) / "store.duckdb")
        try:
            seed_store(store, settings, ROOT / "data")
            registry = build_registry(store, settings)
            oracle = Oracle(store, registry, Rules(margin_floor=settings.margin_floor,
                                                   max_price_change_pct=settings.max_price_change_pct))
            return Generator(World(store), oracle, random.Random(seed)).run()
        finally:
            store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    cases = build(args.seed)
    with args.out.open("w", encoding="utf-8") as fh:
        for case in cases:
            fh.write(json.dumps(case, ensure_ascii=False) + "\n")
    print(f"wrote {len(cases)} events to {args.out}")


if __name__ == "__main__":
    main()
