"""Queries shared by the supply and pricing tools (inside the call's transaction)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._dialect import MISSING_TABLE_ERRORS
from ._geo import region_of
from ._seedgen import HISTORY_DAYS
from .context import ToolContext
from .errors import InvalidArguments, NotFound, StoreError
from .seed import business_date
from .store import Cursor

_NOT_SEEDED = "the operational tables are missing: run `streamwise seed` first"


def query(db: Cursor, sql: str,
          params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
    """Run a query; a missing table is an ops problem (store not seeded), not the model's."""
    try:
        return db.execute(sql, list(params)).fetchall()
    except MISSING_TABLE_ERRORS as exc:
        raise StoreError(f"{_NOT_SEEDED} ({exc})") from exc


def today(db: Cursor) -> date:
    return business_date(db)


def utc_naive(ctx: ToolContext) -> datetime:
    """The call's time as naive UTC (the store's TIMESTAMP columns are UTC)."""
    return ctx.now().astimezone(UTC).replace(tzinfo=None)


def variant_rows(db: Cursor, item_ids: list[str]) -> dict[str, tuple[Any, ...]]:
    """item_id -> (product_id, product name, price, available); NotFound names the unknown ids."""
    rows = query(db, "SELECT v.item_id, v.product_id, p.name, v.price, v.available "
                     "FROM variants v JOIN products p USING (product_id) "
                     "WHERE v.item_id = ANY(?)", [item_ids])
    found = {r[0]: r[1:] for r in rows}
    missing = [i for i in item_ids if i not in found]
    if missing:
        raise NotFound(f"unknown item id(s): {', '.join(missing)}",
                       "item ids are the 10-digit variant ids from the product details")
    return found


def destination_region(db: Cursor, state: str | None, zip_code: str | None,
                       order_id: str | None = None) -> str:
    """The region of a destination given by state or ZIP, or by the order's address."""
    if not state and not zip_code and order_id:
        rows = query(db, "SELECT address FROM orders WHERE order_id = ?", [order_id])
        if rows:
            address = json.loads(rows[0][0])
            state, zip_code = address.get("state"), address.get("zip")
    region = region_of(state, zip_code)
    if region is None:
        raise InvalidArguments(
            f"cannot place the destination (state={state!r}, zip={zip_code!r})",
            "give a two-letter US state code such as 'TX' or a 5-digit ZIP code")
    return region


def delivery_days(db: Cursor, dest_region: str,
                  service: str) -> dict[str, tuple[int, int, str, str, float]]:
    """warehouse -> (handling days, transit days, carrier id, carrier name, cost) for a service."""
    rows = query(db, "SELECT w.warehouse_id, w.handling_days, l.transit_days, c.carrier_id, "
                     "c.name, l.cost_usd FROM warehouses w "
                     "JOIN carrier_lanes l ON l.origin_region = w.region "
                     "JOIN carriers c USING (carrier_id) "
                     "WHERE l.dest_region = ? AND c.service = ?", [dest_region, service])
    return {r[0]: (int(r[1]), int(r[2]), r[3], r[4], float(r[5])) for r in rows}


def available_stock(db: Cursor,
                    item_ids: list[str]) -> dict[str, dict[str, int]]:
    """warehouse -> item -> on_hand - reserved."""
    out: dict[str, dict[str, int]] = {}
    for w, i, a in query(db, "SELECT warehouse_id, item_id, on_hand - reserved FROM stock "
                             "WHERE item_id = ANY(?)", [item_ids]):
        out.setdefault(w, {})[i] = int(a)
    return out


def daily_series(db: Cursor, item_id: str,
                 warehouse_id: str | None = None) -> tuple[date, NDArray[np.float64]]:
    """Units sold per day over the history window ending the day before the business date."""
    end = today(db)
    start = end - timedelta(days=HISTORY_DAYS)
    sql = ("SELECT day, sum(quantity) FROM sales_history WHERE item_id = ? "
           "AND day >= ? AND day < ?")
    params: list[Any] = [item_id, start, end]
    if warehouse_id:
        sql += " AND warehouse_id = ?"
        params.append(warehouse_id)
    y = np.zeros(HISTORY_DAYS)
    for day, qty in query(db, sql + " GROUP BY day", params):
        y[(day - start).days] = float(qty)
    return end, y


def check_warehouse(db: Cursor, warehouse_id: str | None) -> None:
    if warehouse_id is None:
        return
    if not query(db, "SELECT 1 FROM warehouses WHERE warehouse_id = ?", [warehouse_id]):
        ids = ", ".join(r[0] for r in query(db, "SELECT warehouse_id FROM warehouses ORDER BY 1"))
        raise NotFound(f"unknown warehouse {warehouse_id!r}", f"warehouses are: {ids}")
