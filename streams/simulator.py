"""A realistic mixed event stream, from the τ²-bench retail data.

Orders are placed by real users for real, available variants; tickets are
written from the scenarios of ``tasks_train.json``; delays hit orders that were
really shipped; price changes and catalog updates touch real products. The same
seed gives the same stream (ids and times included), so runs are comparable.

The simulator reads the data files directly (streams knows nothing of the
tools' store); warehouse ids are passed in by whoever knows them.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from .events import (
    Address,
    CatalogUpdated,
    CatalogUpdatedEvent,
    Event,
    InventoryAdjusted,
    InventoryAdjustedEvent,
    OrderCancelled,
    OrderCancelledEvent,
    OrderLine,
    OrderPlaced,
    OrderPlacedEvent,
    OrderStatusChanged,
    OrderStatusChangedEvent,
    PriceChanged,
    PriceChangedEvent,
    ShipmentDelayed,
    ShipmentDelayedEvent,
    TicketMessage,
    TicketMessageEvent,
    TicketOpened,
    TicketOpenedEvent,
)

DEFAULT_WAREHOUSES = ("WH-EAST", "WH-CENTRAL", "WH-WEST")
CARRIERS = ("UPS", "FedEx", "USPS", "DHL")


class SimulatorMix(BaseModel):
    """Relative weights of each kind of event in the stream."""

    order_placed: float = Field(default=40, ge=0)
    order_cancelled: float = Field(default=4, ge=0)
    order_status_changed: float = Field(default=8, ge=0)
    ticket_opened: float = Field(default=12, ge=0)
    ticket_message: float = Field(default=6, ge=0)
    inventory_adjusted: float = Field(default=12, ge=0)
    shipment_delayed: float = Field(default=6, ge=0)
    price_changed: float = Field(default=8, ge=0)
    catalog_updated: float = Field(default=4, ge=0)


@dataclass
class _Data:
    users: list[dict[str, Any]]
    products: list[dict[str, Any]]
    shipped_orders: list[dict[str, Any]]
    scenarios: list[dict[str, Any]]

    @classmethod
    def load(cls, data_dir: Path) -> _Data:
        db = json.loads((data_dir / "db.json").read_text())
        tasks = json.loads((data_dir / "tasks_train.json").read_text())
        shipped = [o for o in db["orders"].values() if o["status"] == "processed"]
        scenarios = [t["user_scenario"]["instructions"] for t in tasks]
        return cls(list(db["users"].values()), list(db["products"].values()), shipped, scenarios)


_SENTENCE = re.compile(r"(?<=[.!?])\s+")
# Words after "you" that make it the subject ("you want" -> "I want"); else it is "me".
_SUBJECT_VERBS = ("want", "wish", "would", "prefer", "are", "were", "have", "had", "need", "live",
                  "just", "received", "recently", "realize", "wonder", "ask", "bought", "also",
                  "ordered", "made", "think", "thought", "like", "love", "don't", "do", "can",
                  "will", "go", "only", "really", "expect", "already", "regret", "change", "say",
                  "add", "paid", "should", "first", "become", "forgot", "decide", "intend",
                  "plan", "find", "opened", "tried", "got", "placed")


def customer_voice(instructions: str) -> str:
    """A τ² user-simulator brief ("You want to return ... If the agent asks, ...") as the
    customer's own message: first person, without the sentences that script the dialogue."""
    kept = [s for s in _SENTENCE.split(instructions.strip())
            if s and "agent" not in s.lower() and not s.startswith(("If ", "Make sure"))]
    text = " ".join(kept) or instructions.strip()
    text = re.sub(r"\bYou name is\b", "My name is", text)
    text = re.sub(r"\b[Yy]ou are\b", "I am", text)
    text = re.sub(r"\b[Yy]ou'd\b", "I'd", text)
    text = re.sub(r"\b[Yy]ou're\b", "I'm", text)
    text = re.sub(r"\b[Yy]ourself\b", "myself", text)
    text = re.sub(r"\bYour\b", "My", text)
    text = re.sub(r"\byour\b", "my", text)
    verbs = "|".join(_SUBJECT_VERBS)
    text = re.sub(rf"\b[Yy]ou(?= (?:{verbs})\b)", "I", text)
    text = re.sub(r"\bYou\b", "I", text)
    return re.sub(r"\byou\b", "me", text)


@dataclass
class Simulator:
    """Generates events; iterate ``events(n)`` or ``stream(rate, duration)``."""

    data_dir: Path
    seed: int = 0
    warehouses: tuple[str, ...] = DEFAULT_WAREHOUSES
    mix: SimulatorMix = field(default_factory=SimulatorMix)
    start: datetime = field(default_factory=lambda: datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    source: str = "simulator"
    # Distinguishes runs with the same seed (ids stay deterministic for a given run).
    run: str = "r0"

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._data = _Data.load(Path(self.data_dir))
        self._placed: list[OrderPlaced] = []
        self._tickets: list[str] = []
        self._seq = 0
        self._clock = self.start

    # ------------------------------------------------------------ public

    def events(self, n: int) -> list[Event]:
        return [self.next_event() for _ in range(n)]

    def burst(self, n: int) -> list[Event]:
        """``n`` events in exactly the mix's proportions (largest remainder), shuffled."""
        kinds = list(SimulatorMix.model_fields)
        weights = [getattr(self.mix, k) for k in kinds]
        quotas = [n * w / sum(weights) for w in weights]
        counts = [int(q) for q in quotas]
        by_remainder = sorted(range(len(kinds)), key=lambda i: counts[i] - quotas[i])
        for i in by_remainder[: n - sum(counts)]:
            counts[i] += 1
        order = [kind for kind, count in zip(kinds, counts, strict=True) for _ in range(count)]
        self._rng.shuffle(order)
        return [self._make(kind) for kind in order]

    def next_event(self) -> Event:
        kinds = list(SimulatorMix.model_fields)
        weights = [getattr(self.mix, k) for k in kinds]
        return self._make(self._rng.choices(kinds, weights)[0])

    def _make(self, kind: str) -> Event:
        self._seq += 1
        self._clock += timedelta(seconds=self._rng.expovariate(1 / 20))
        event = getattr(self, "_" + kind)()
        return event  # type: ignore[no-any-return]

    def iter_events(self) -> Iterator[Event]:
        while True:
            yield self.next_event()

    # ------------------------------------------------------------ helpers

    def _id(self, prefix: str) -> str:
        # Ids derive from the seed and the sequence, never from the wall clock.
        return f"{prefix}{self.run}-{self.seed}-{self._seq:06d}"

    def _envelope(self, key: str) -> dict[str, Any]:
        return {"event_id": self._id("evt-"), "key": key, "occurred_at": self._clock,
                "source": self.source}

    def _available_variants(self, product: dict[str, Any]) -> list[dict[str, Any]]:
        return [v for v in product["variants"].values() if v["available"]]

    # ------------------------------------------------------------ generators

    def _order_placed(self) -> OrderPlacedEvent:
        user = self._rng.choice(self._data.users)
        lines: list[OrderLine] = []
        for product in self._rng.sample(self._data.products, k=self._rng.choice((1, 1, 1, 2, 2, 3))):
            variants = self._available_variants(product)
            if not variants:
                continue
            v = self._rng.choice(variants)
            # Now and then an unusual quantity, for the order agent's risk rules.
            qty = self._rng.choice((1,) * 12 + (2, 3, 25))
            lines.append(OrderLine(item_id=v["item_id"], product_id=product["product_id"],
                                   quantity=qty, unit_price=Decimal(str(v["price"]))))
        if not lines:
            return self._order_placed()
        address = dict(user["address"])
        if self._rng.random() < 0.1:  # shipping somewhere other than the address on file
            other = self._rng.choice(self._data.users)["address"]
            address = dict(other)
        payment = self._rng.choice(list(user["payment_methods"]))
        order_id = self._id("#S")
        payload = OrderPlaced(
            order_id=order_id, user_id=user["user_id"], items=lines,
            address=Address(**address), payment_method_id=payment,
            total=sum((ln.unit_price * ln.quantity for ln in lines), Decimal(0)),
        )
        self._placed.append(payload)
        return OrderPlacedEvent(payload=payload, **self._envelope(order_id))

    def _order_cancelled(self) -> Event:
        if not self._placed:
            return self._order_placed()
        order = self._placed.pop(self._rng.randrange(len(self._placed)))
        reason = self._rng.choice(("no longer needed", "ordered by mistake"))
        return OrderCancelledEvent(
            payload=OrderCancelled(order_id=order.order_id, user_id=order.user_id, reason=reason),
            **self._envelope(order.order_id))

    def _order_status_changed(self) -> Event:
        if not self._placed:
            return self._order_placed()
        order = self._rng.choice(self._placed)
        return OrderStatusChangedEvent(
            payload=OrderStatusChanged(order_id=order.order_id, status="processed",
                                       previous_status="pending"),
            **self._envelope(order.order_id))

    def _ticket_opened(self) -> TicketOpenedEvent:
        scenario = self._rng.choice(self._data.scenarios)
        ticket_id = self._id("T")
        self._tickets.append(ticket_id)
        message = customer_voice(f"{scenario['reason_for_call']} {scenario.get('known_info') or ''}")
        subject = customer_voice(scenario["reason_for_call"]).split(".")[0][:80]
        return TicketOpenedEvent(
            payload=TicketOpened(ticket_id=ticket_id, channel=self._rng.choice(("email", "web", "chat")),
                                 subject=subject, message=message),
            **self._envelope(ticket_id))

    def _ticket_message(self) -> Event:
        if not self._tickets:
            return self._ticket_opened()
        ticket_id = self._rng.choice(self._tickets)
        text = self._rng.choice(("Any update on this?", "Yes, please go ahead.",
                                 "Can you confirm the refund amount?"))
        return TicketMessageEvent(payload=TicketMessage(ticket_id=ticket_id, message=text),
                                  **self._envelope(ticket_id))

    def _inventory_adjusted(self) -> InventoryAdjustedEvent:
        product = self._rng.choice(self._data.products)
        variant = self._rng.choice(list(product["variants"].values()))
        reason = self._rng.choice(("receipt", "damage", "count", "return"))
        delta = self._rng.randint(5, 60) if reason in ("receipt", "return") else -self._rng.randint(1, 15)
        return InventoryAdjustedEvent(
            payload=InventoryAdjusted(item_id=variant["item_id"],
                                      warehouse_id=self._rng.choice(self.warehouses),
                                      delta=delta, reason=reason),  # type: ignore[arg-type]
            **self._envelope(variant["item_id"]))

    def _shipment_delayed(self) -> ShipmentDelayedEvent:
        order = self._rng.choice(self._data.shipped_orders)
        tracking = order["fulfillments"][0]["tracking_id"][0] if order["fulfillments"] else None
        return ShipmentDelayedEvent(
            payload=ShipmentDelayed(order_id=order["order_id"], carrier=self._rng.choice(CARRIERS),
                                    tracking_id=tracking, delay_days=self._rng.randint(1, 7),
                                    reason=self._rng.choice(("weather", "carrier capacity",
                                                             "address issue"))),
            **self._envelope(order["order_id"]))

    def _price_changed(self) -> PriceChangedEvent:
        product = self._rng.choice(self._data.products)
        variant = self._rng.choice(list(product["variants"].values()))
        old = Decimal(str(variant["price"]))
        factor = Decimal(str(round(self._rng.uniform(0.7, 1.15), 3)))
        new = (old * factor).quantize(Decimal("0.01"))
        return PriceChangedEvent(
            payload=PriceChanged(item_id=variant["item_id"], product_id=product["product_id"],
                                 old_price=old, new_price=new,
                                 reason=self._rng.choice(("promotion", "competitor match", "cost change"))),
            **self._envelope(variant["item_id"]))

    def _catalog_updated(self) -> CatalogUpdatedEvent:
        product = self._rng.choice(self._data.products)
        variants = {k: dict(v) for k, v in product["variants"].items()}
        # Flip availability of one variant: a realistic, searchable change.
        flip = self._rng.choice(list(variants))
        variants[flip]["available"] = not variants[flip]["available"]
        return CatalogUpdatedEvent(
            payload=CatalogUpdated(product_id=product["product_id"], name=product["name"],
                                   change="updated", variants=variants),
            **self._envelope(product["product_id"]))


def invalid_records(rng: random.Random, n: int) -> list[bytes]:
    """Records that must be dead-lettered: malformed JSON, wrong types, unknown type."""
    kinds = [
        b'{"event_id": "bad-json", "type": "OrderPlaced", ',
        json.dumps({"event_id": "bad-type", "type": "OrderPlaced", "key": "k",
                    "payload": {"order_id": "#X", "user_id": "u", "items": [],
                                "address": {}, "payment_method_id": "p", "total": "abc"}}).encode(),
        json.dumps({"event_id": "bad-kind", "type": "NoSuchEvent", "key": "k", "payload": {}}).encode(),
    ]
    return [rng.choice(kinds) for _ in range(n)]
