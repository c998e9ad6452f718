"""How far a list price may move: per change, cumulatively over a window, and even when approved.

A single change is measured against the current price; a run of changes against the price
at the start of the window (``price_change_window_days``), so four +14% steps are not four
changes "within" a 15% limit. Beyond the band a person must approve; even then the price
stays within ``max_approved_price_ratio`` of both references (a typo of 1000x is refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ._ops_db import query, today
from .config import ToolSettings
from .store import Cursor


@dataclass(frozen=True)
class PriceBand:
    current: float
    window_start: float  # the price in effect when the window began
    lo: float  # lowest price that needs no approval
    hi: float  # highest price that needs no approval
    approved_lo: float  # lowest price even an approval allows (the margin floor aside)
    approved_hi: float

    def needs_approval(self, price: float) -> bool:
        if abs(price - self.current) < 0.005:  # not a change
            return False
        return not self.lo - 1e-9 <= price <= self.hi + 1e-9

    def approvable(self, price: float) -> bool:
        return self.approved_lo - 1e-9 <= price <= self.approved_hi + 1e-9


def window_start_price(db: Cursor, item_id: str, days: int) -> float | None:
    """The list price in effect ``days`` before the business date (None without history)."""
    start = today(db) - timedelta(days=days)
    rows = query(db, "SELECT price FROM price_history WHERE item_id = ? AND effective_on <= ? "
                     "ORDER BY effective_on DESC, changed_at DESC NULLS LAST LIMIT 1",
                 [item_id, start])
    if rows:
        return float(rows[0][0])
    # The item's history begins inside the window: its first price is the reference.
    rows = query(db, "SELECT coalesce(previous_price, price) FROM price_history "
                     "WHERE item_id = ? ORDER BY effective_on, changed_at NULLS FIRST LIMIT 1",
                 [item_id])
    return float(rows[0][0]) if rows else None


def price_band(db: Cursor, settings: ToolSettings, item_id: str,
               current: float) -> PriceBand:
    start = window_start_price(db, item_id, settings.price_change_window_days)
    refs = (current,) if start is None else (current, start)
    step = settings.max_price_change_pct / 100
    ratio = settings.max_approved_price_ratio
    return PriceBand(
        current=current, window_start=refs[-1],
        lo=max(r * (1 - step) for r in refs), hi=min(r * (1 + step) for r in refs),
        approved_lo=max(r / ratio for r in refs), approved_hi=min(r * ratio for r in refs))
