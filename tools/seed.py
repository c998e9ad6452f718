"""Seeds the store: the τ²-bench retail tables plus generated operational data.

``seed_store`` is idempotent. A store already seeded with the same seed, generator
version and db.json is left alone (tool effects since then are kept); ``force``
rebuilds everything in one transaction (and clears the idempotency ledger, whose
results describe the world being replaced). The same inputs always give the same
rows: ``table_checksums`` proves it.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from pydantic import BaseModel
from rich.progress import Progress, TaskID

from ._dialect import MISSING_TABLE_ERRORS
from ._pg_store import PgCursor, PostgresStore, copy_from_duckdb
from ._seedgen import AS_OF, HISTORY_DAYS, generate
from .config import ToolSettings
from .errors import StoreError
from .retail_db import RETAIL_TABLES, load_tau2
from .store import Cursor, DuckDBStore, Store

SEED_VERSION = "1"

GENERATED_TABLES = (
    "warehouses", "state_regions", "carriers", "carrier_lanes", "stock", "reservations",
    "suppliers", "supplier_products", "purchase_orders", "unit_costs", "volume_tiers",
    "competitor_prices", "price_history", "promotions", "sales_history",
)
SEEDED_TABLES = (*RETAIL_TABLES, *GENERATED_TABLES)

_META_DDL = "CREATE TABLE IF NOT EXISTS seed_meta (key VARCHAR PRIMARY KEY, value VARCHAR)"


class SeedReport(BaseModel):
    seed: int
    as_of: date
    history_days: int
    skipped: bool  # already seeded with these inputs: nothing was changed
    drifted: bool  # tables differ from what the seed wrote (tool effects since seeding)
    seconds: float
    row_counts: dict[str, int]
    checksums: dict[str, str]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_counts(db: duckdb.DuckDBPyConnection,
                 tables: Iterable[str] = SEEDED_TABLES) -> dict[str, int]:
    out: dict[str, int] = {}
    for t in tables:
        row = db.execute(f"SELECT count(*) FROM {_quote(t)}").fetchone()
        out[t] = int(row[0]) if row else 0
    return out


def table_checksums(db: Any,
                    tables: Iterable[str] | None = None) -> dict[str, str]:
    """An order-independent hash of each table's rows (all base tables by default).

    The sum (mod 2**64) of per-row hashes does not depend on row order and, unlike
    XOR, does not cancel duplicate rows. (DuckDB; ``_pg_checksums`` on PostgreSQL.)
    """
    if isinstance(db, PgCursor):
        return _pg_checksums(db, tables or SEEDED_TABLES)
    if tables is None:
        tables = [r[0] for r in db.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'BASE TABLE' ORDER BY table_name").fetchall()]
    out: dict[str, str] = {}
    for t in tables:
        row = db.execute(
            f"SELECT count(*), coalesce(sum(hash(_t)::HUGEINT), 0) % 18446744073709551616 "
            f"FROM {_quote(t)} AS _t").fetchone()
        assert row is not None
        out[t] = f"{int(row[0]):x}-{int(row[1]):016x}"
    return out


def _pg_checksums(db: PgCursor, tables: Iterable[str]) -> dict[str, str]:
    """The same idea on PostgreSQL: md5 over the sorted md5s of the rows' text."""
    out: dict[str, str] = {}
    for t in tables:
        row = db.execute(f"SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h), '')) "
                         f"FROM (SELECT md5(_t::text) AS h FROM {_quote(t)} AS _t) AS r").fetchone()
        assert row is not None
        out[t] = f"{int(row[0]):x}-{str(row[1])[:16]}"
    return out


def _combined(checksums: dict[str, str]) -> str:
    text = json.dumps(sorted(checksums.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _read_meta(db: duckdb.DuckDBPyConnection) -> dict[str, str]:
    db.execute(_META_DDL)
    return dict(db.execute("SELECT key, value FROM seed_meta").fetchall())


def _insert(db: duckdb.DuckDBPyConnection, name: str, ddl: str, columns: dict[str, Any]) -> None:
    db.execute(f"CREATE TABLE {name} ({ddl})")
    cols = ", ".join(columns)
    seed_columns = columns  # noqa: F841  (found by DuckDB's replacement scan below)
    db.execute(f"INSERT INTO {name} ({cols}) SELECT {cols} FROM seed_columns")


def seed_store(store: Store, settings: ToolSettings, data_dir: str | Path,
               progress: Progress | None = None, *, force: bool = False) -> SeedReport:
    """Load τ²-bench's db.json from ``data_dir`` and generate the operational tables.

    Deterministic in ``settings.seed``; a no-op when already seeded with the same inputs
    unless ``force``.
    """
    started = time.perf_counter()
    raw, inputs = _inputs(settings, data_dir)
    if store.backend == "postgres":
        return _seed_postgres(store, settings, data_dir, progress, force=force, inputs=inputs,
                              started=started)
    task: TaskID | None = None
    with store.transaction() as db:
        meta = _read_meta(db)
        if not force and all(meta.get(k) == v for k, v in inputs.items()):
            sums = table_checksums(db, SEEDED_TABLES)
            return SeedReport(seed=settings.seed, as_of=AS_OF, history_days=HISTORY_DAYS,
                              skipped=True, drifted=_combined(sums) != meta.get("checksum"),
                              seconds=time.perf_counter() - started,
                              row_counts=table_counts(db), checksums=sums)
        data = json.loads(raw)
        if progress is not None:
            task = progress.add_task("seeding the store", total=len(GENERATED_TABLES) + 3)

        def step(what: str) -> None:
            if progress is not None and task is not None:
                progress.update(task, advance=1, description=what)

        for name in GENERATED_TABLES:
            db.execute(f"DROP TABLE IF EXISTS {name}")
        load_tau2(db, data)
        step("loaded the τ²-bench retail tables")
        tables = generate(data, settings.seed)
        step("generated the operational data")
        assert tuple(sorted(t.name for t in tables)) == tuple(sorted(GENERATED_TABLES))
        for t in tables:
            _insert(db, t.name, t.ddl, t.columns)
            step(f"wrote {t.name}")
        db.execute("DELETE FROM tool_effects")
        sums = table_checksums(db, SEEDED_TABLES)
        db.execute("DELETE FROM seed_meta")
        db.executemany("INSERT INTO seed_meta VALUES (?, ?)",
                       [[k, v] for k, v in {**inputs, "checksum": _combined(sums)}.items()])
        step("recorded checksums")
        counts = table_counts(db)
    return SeedReport(seed=settings.seed, as_of=AS_OF, history_days=HISTORY_DAYS, skipped=False,
                      drifted=False, seconds=time.perf_counter() - started,
                      row_counts=counts, checksums=sums)


def _inputs(settings: ToolSettings, data_dir: str | Path) -> tuple[bytes, dict[str, str]]:
    db_json = Path(data_dir) / "db.json"
    try:
        raw = db_json.read_bytes()
    except OSError as exc:
        raise StoreError(f"cannot read {db_json}: {exc}", ) from exc
    return raw, {"seed": str(settings.seed), "version": SEED_VERSION,
                 "data_sha256": hashlib.sha256(raw).hexdigest(), "as_of": AS_OF.isoformat()}


def _seed_postgres(store: Store, settings: ToolSettings, data_dir: str | Path,
                   progress: Progress | None, *, force: bool, inputs: dict[str, str],
                   started: float) -> SeedReport:
    """The generator writes an in-memory DuckDB store; its tables are copied over in one
    PostgreSQL transaction (so the seeded world is the same row for row)."""
    with store.transaction() as db:
        meta = dict(db.execute("SELECT key, value FROM seed_meta").fetchall())
        if not force and all(meta.get(k) == v for k, v in inputs.items()):
            sums = table_checksums(db, SEEDED_TABLES)
            return SeedReport(seed=settings.seed, as_of=AS_OF, history_days=HISTORY_DAYS,
                              skipped=True, drifted=_combined(sums) != meta.get("checksum"),
                              seconds=time.perf_counter() - started,
                              row_counts=table_counts(db), checksums=sums)
    with DuckDBStore() as scratch:
        seed_store(scratch, settings, data_dir, progress, force=True)
        with scratch.cursor() as source:
            load_from_duckdb(store, source, SEEDED_TABLES, inputs=inputs)
    with store.cursor() as db:
        sums = table_checksums(db, SEEDED_TABLES)
        counts = table_counts(db)
    return SeedReport(seed=settings.seed, as_of=AS_OF, history_days=HISTORY_DAYS, skipped=False,
                      drifted=False, seconds=time.perf_counter() - started,
                      row_counts=counts, checksums=sums)


def load_from_duckdb(store: Store, source: duckdb.DuckDBPyConnection, tables: Iterable[str],
                     *, inputs: dict[str, str] | None = None) -> None:
    """Replace ``tables`` of a PostgreSQL store with a DuckDB connection's, in one
    transaction; the idempotency records (of the world replaced) go, and with ``inputs``
    the seed metadata is rewritten."""
    with store.transaction() as db:
        assert isinstance(db, PgCursor)
        copy_from_duckdb(source, db, list(tables))
        if isinstance(store, PostgresStore):  # re-created tables lost their grants
            store.grant_analyst(db)
        db.execute("DELETE FROM tool_effects")
        if inputs is not None:
            sums = table_checksums(db, SEEDED_TABLES)
            db.execute("DELETE FROM seed_meta")
            db.executemany("INSERT INTO seed_meta VALUES (?, ?)",
                           [[k, v] for k, v in {**inputs, "checksum": _combined(sums)}.items()])


def business_date(db: Cursor) -> date:
    """The date the seeded world stands at: promotions, ETAs and forecasts count from it."""
    try:
        row = db.execute("SELECT value FROM seed_meta WHERE key = 'as_of'").fetchone()
    except MISSING_TABLE_ERRORS:
        row = None
    return date.fromisoformat(row[0]) if row else AS_OF
