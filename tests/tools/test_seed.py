"""The seed: deterministic, idempotent, and internally consistent."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from tools import DuckDBStore, Store, ToolSettings
from tools._forecast import ADI_CUTOFF
from tools.seed import GENERATED_TABLES, SEEDED_TABLES, seed_store, table_checksums

from ._seeded import DATA, SETTINGS, one, rows, seeded, seeded_template  # noqa: F401


def _seed(seed: int) -> dict[str, str]:
    s = DuckDBStore()
    try:
        return seed_store(s, ToolSettings(seed=seed), DATA).checksums
    finally:
        s.close()


def test_same_seed_same_tables_different_seed_different_data() -> None:
    a, b, c = _seed(7), _seed(7), _seed(8)
    assert a == b
    assert set(a) == set(SEEDED_TABLES)
    for t in ("products", "variants", "users", "orders", "warehouses"):
        assert a[t] == c[t]  # τ² data and fixed geography do not depend on the seed
    for t in ("stock", "sales_history", "unit_costs", "price_history", "promotions"):
        assert a[t] != c[t], t


def test_seeding_twice_is_a_no_op_and_force_rebuilds_the_same(tmp_path: Path) -> None:
    s = DuckDBStore(tmp_path / "s.duckdb")
    first = seed_store(s, SETTINGS, DATA)
    again = seed_store(s, SETTINGS, DATA)
    assert not first.skipped and again.skipped and not again.drifted
    assert again.checksums == first.checksums and again.row_counts == first.row_counts
    with s.transaction() as db:  # a tool effect since seeding
        db.execute("UPDATE stock SET on_hand = on_hand + 1 WHERE warehouse_id = 'WH-DFW'")
    drifted = seed_store(s, SETTINGS, DATA)
    assert drifted.skipped and drifted.drifted
    assert drifted.checksums["stock"] != first.checksums["stock"]
    forced = seed_store(s, SETTINGS, DATA, force=True)
    assert not forced.skipped
    assert forced.checksums == first.checksums and forced.row_counts == first.row_counts
    s.close()


def test_checksums_ignore_row_order_but_not_duplicates() -> None:
    s = DuckDBStore()
    with s.transaction() as db:
        db.execute("CREATE TABLE a (x INTEGER, y VARCHAR)")
        db.execute("CREATE TABLE b (x INTEGER, y VARCHAR)")
        db.execute("INSERT INTO a VALUES (1, 'p'), (2, 'q'), (3, 'r')")
        db.execute("INSERT INTO b VALUES (3, 'r'), (1, 'p'), (2, 'q')")
        sums = table_checksums(db, ["a", "b"])
        assert sums["a"] == sums["b"]
        db.execute("INSERT INTO b VALUES (1, 'p')")
        assert table_checksums(db, ["b"])["b"] != sums["a"]
    s.close()


# About the generator (DuckDB SQL); the PostgreSQL copy is checked row for row elsewhere.
@pytest.mark.parametrize("store_backend", ["duckdb"])
def test_generated_data_is_consistent(seeded: Store) -> None:  # noqa: F811
    n_variants = one(seeded, "SELECT count(*) FROM variants")
    n_wh = one(seeded, "SELECT count(*) FROM warehouses")
    assert n_wh >= 4 and len(rows(seeded, "SELECT DISTINCT region FROM warehouses")) == n_wh
    assert one(seeded, "SELECT count(*) FROM stock") == n_variants * n_wh
    assert one(seeded, "SELECT count(*) FROM variants v WHERE NOT EXISTS "
                       "(SELECT 1 FROM unit_costs c WHERE c.item_id = v.item_id "
                       "AND c.unit_cost > 0 AND c.unit_cost < v.price)") == 0
    # Sold-out τ² variants hold no stock; reservations match the stock's reserved column.
    assert one(seeded, "SELECT coalesce(sum(s.on_hand), 0) FROM stock s JOIN variants v "
                       "USING (item_id) WHERE NOT v.available") == 0
    assert one(seeded, "SELECT count(*) FROM stock WHERE reserved > on_hand OR reserved < 0") == 0
    assert one(seeded, "SELECT sum(reserved) FROM stock") == one(
        seeded, "SELECT sum(quantity) FROM reservations WHERE status = 'active'")
    assert one(seeded, "SELECT count(DISTINCT r.order_id) FROM reservations r JOIN orders o "
                       "USING (order_id) WHERE o.status <> 'pending'") == 0
    # 180 days of history ending the day before the business date.
    first, last, days = rows(seeded, "SELECT min(day), max(day), count(DISTINCT day) "
                                     "FROM sales_history")[0]
    as_of = one(seeded, "SELECT CAST(value AS DATE) FROM seed_meta WHERE key = 'as_of'")
    assert days == 180 and last == as_of - timedelta(days=1) and first == as_of - timedelta(180)
    # The price history ends at today's list price.
    assert one(seeded, "SELECT count(*) FROM variants v WHERE v.price <> (SELECT arg_max(price, "
                       "effective_on) FROM price_history h WHERE h.item_id = v.item_id)") == 0
    assert one(seeded, "SELECT count(*) FROM purchase_orders WHERE status = 'open' "
                       "AND expected_on <= ?", [as_of]) == 0
    assert one(seeded, "SELECT count(*) FROM promotions WHERE starts_on <= ? AND ends_on >= ?",
               [as_of, as_of]) > 0
    assert set(GENERATED_TABLES) <= {r[0] for r in rows(seeded, "SHOW TABLES")}


def test_history_mixes_intermittent_and_regular_items(seeded: Store) -> None:  # noqa: F811
    counts = rows(seeded, "SELECT item_id, count(DISTINCT day) FROM sales_history GROUP BY 1")
    sale_days = np.array([c for _, c in counts] + [0] * (
        int(one(seeded, "SELECT count(*) FROM variants")) - len(counts)))
    adi = 180 / np.maximum(sale_days, 1)
    share = float(np.mean(adi > ADI_CUTOFF))
    assert 0.1 < share < 0.7, share


# About the generator (DuckDB SQL); the PostgreSQL copy is checked row for row elsewhere.
@pytest.mark.parametrize("store_backend", ["duckdb"])
def test_weekly_seasonality_is_visible(seeded: Store) -> None:  # noqa: F811
    by_dow = dict(rows(seeded, "SELECT isodow(day), sum(quantity) FROM sales_history GROUP BY 1"))
    assert by_dow[6] > 1.15 * by_dow[2]  # Saturdays outsell Tuesdays
