"""The store contract on both backends: migrations, the effect and its idempotency record
in one transaction, rollback on failure, idempotent replays, and concurrent reservations
of the last unit (PostgreSQL: two processes; DuckDB, one writing process: two threads).

Every tool's own effect is checked by the tools tests, whose ``seeded``/``fresh_store``
fixtures run each test on both backends (``_backends``); the τ² gold replay too.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from pydantic import BaseModel

from tools import Actor, DuckDBStore, Store, ToolContext, ToolSettings, build_registry
from tools._migrations import LATEST, schema_version
from tools._pg_store import PostgresStore
from tools.errors import StoreError
from tools.registry import ToolEnv, tool

from ._backends import PgClones, clones
from ._seeded import ctx, one, registry, rows, seeded, seeded_template  # noqa: F401
from ._store_race import race


def test_migrations_are_recorded_and_applied_once(seeded: Store) -> None:  # noqa: F811
    with seeded.cursor() as db:
        assert schema_version(db) == LATEST
        versions = [r[0] for r in db.execute(
            "SELECT version FROM schema_migrations ORDER BY version").fetchall()]
    assert versions == list(range(1, LATEST + 1))


def test_a_store_newer_than_the_code_is_refused(tmp_path: Any) -> None:
    path = tmp_path / "s.duckdb"
    with DuckDBStore(path) as s, s.transaction() as db:
        db.execute("INSERT INTO schema_migrations (version, name) VALUES (?, 'future')",
                   [LATEST + 1])
    with pytest.raises(StoreError, match="newer than this"):
        DuckDBStore(path)


class _Move(BaseModel):
    item_id: str


class _Moved(BaseModel):
    item_id: str


@tool(side_effect=True)
def _breaks_after_writing(args: _Move, env: ToolEnv) -> _Moved:
    """Writes, then fails: nothing of it may stay."""
    env.db.execute("UPDATE stock SET on_hand = on_hand + 1000 WHERE item_id = ?", [args.item_id])
    raise RuntimeError("the tool broke after its write")


@tool(side_effect=True)
def _adds_one(args: _Move, env: ToolEnv) -> _Moved:
    """Adds one unit to every warehouse's stock of the item."""
    env.db.execute("UPDATE stock SET on_hand = on_hand + 1 WHERE item_id = ?", [args.item_id])
    return _Moved(item_id=args.item_id)


def _item(store: Store) -> str:
    return str(one(store, "SELECT item_id FROM stock ORDER BY item_id LIMIT 1"))


def test_a_failing_call_rolls_back_its_effect_and_records_nothing(
        seeded: Store) -> None:  # noqa: F811
    reg = build_registry(seeded, ToolSettings())
    reg.register(_breaks_after_writing)
    item = _item(seeded)
    before = one(seeded, "SELECT sum(on_hand) FROM stock WHERE item_id = ?", [item])
    res = reg.call("_breaks_after_writing", {"item_id": item}, ctx(key="breaks"))
    assert res.status == "error" and res.error is not None
    assert res.error.code == "internal_error"
    assert one(seeded, "SELECT sum(on_hand) FROM stock WHERE item_id = ?", [item]) == before
    assert one(seeded, "SELECT count(*) FROM tool_effects WHERE idempotency_key = 'breaks'") == 0


def test_the_effect_and_its_record_commit_together_and_a_replay_changes_nothing(
        seeded: Store) -> None:  # noqa: F811
    reg = build_registry(seeded, ToolSettings())
    reg.register(_adds_one)
    item = _item(seeded)
    before = one(seeded, "SELECT sum(on_hand) FROM stock WHERE item_id = ?", [item])
    first = reg.call("_adds_one", {"item_id": item}, ctx(key="adds"))
    again = reg.call("_adds_one", {"item_id": item}, ctx(key="adds"))
    assert first.ok and again.ok and again.replayed and not first.replayed
    warehouses = one(seeded, "SELECT count(*) FROM stock WHERE item_id = ?", [item])
    after = one(seeded, "SELECT sum(on_hand) FROM stock WHERE item_id = ?", [item])
    assert int(after) == int(before) + int(warehouses)  # type: ignore[call-overload]
    recorded = rows(seeded, "SELECT tool, actor FROM tool_effects WHERE idempotency_key = 'adds'")
    assert [r[0] for r in recorded] == ["_adds_one"]


# --- the last unit, reserved at once by two callers ----------------------------------------

ROUNDS = 12


def _race_setup(store: Store) -> list[tuple[str, list[str]]]:
    """ROUNDS items with exactly one unit left (at WH-DFW), two fresh pending orders each."""
    items = [r[0] for r in rows(store, "SELECT item_id FROM variants WHERE available "
                                       "ORDER BY item_id LIMIT ?", [ROUNDS])]
    orders = [r[0] for r in rows(
        store, "SELECT order_id FROM orders WHERE status = 'pending' AND order_id NOT IN "
               "(SELECT order_id FROM reservations) ORDER BY order_id LIMIT ?", [2 * ROUNDS])]
    with store.transaction() as db:
        for item in items:
            db.execute("DELETE FROM reservations WHERE item_id = ?", [item])
            db.execute("UPDATE stock SET on_hand = 0, reserved = 0 WHERE item_id = ?", [item])
            db.execute("UPDATE stock SET on_hand = 1 WHERE item_id = ? "
                       "AND warehouse_id = 'WH-DFW'", [item])
    return [(item, orders[2 * n:2 * n + 2]) for n, item in enumerate(items)]


def assert_one_wins_each_round(store: Store, rounds: list[tuple[str, list[str]]],
                results: list[tuple[int, int, str, str | None, str | None]]) -> None:
    assert len(results) == 2 * len(rounds)
    for n in range(len(rounds)):
        outcomes = sorted((status, out, code) for r, _, status, out, code in results if r == n)
        assert outcomes == [("error", None, "policy"), ("ok", "reserved", None)], (n, outcomes)
    items = [item for item, _ in rounds]
    assert one(store, "SELECT min(on_hand - reserved) FROM stock WHERE item_id = ANY(?)",
               [items]) == 0
    assert one(store, "SELECT sum(reserved) FROM stock WHERE item_id = ANY(?)",
               [items]) == len(rounds)
    assert one(store, "SELECT count(*) FROM reservations WHERE item_id = ANY(?)",
               [items]) == len(rounds)


@pytest.fixture()
def pg_seeded(postgres_server: Any, pg_seeded_template: str) -> Iterator[PgClones]:
    yield from clones(postgres_server, pg_seeded_template)


def test_two_processes_reserving_the_last_unit_one_wins_postgres(pg_seeded: PgClones) -> None:
    """Row versions under REPEATABLE READ: the loser's UPDATE of the stock row fails to
    serialize, ``Store.run`` runs its call again, and it finds no stock left."""
    dsn = pg_seeded.dsn()
    store = PostgresStore(dsn)
    pg_seeded.stores.append(store)
    rounds = _race_setup(store)
    mp = multiprocessing.get_context("spawn")
    barrier, queue = mp.Barrier(2), mp.Queue()
    procs = [mp.Process(target=race, args=(dsn, racer, rounds, barrier, queue))
             for racer in (0, 1)]
    for p in procs:
        p.start()
    try:
        results = [queue.get(timeout=120) for _ in range(2 * ROUNDS)]
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
                p.join()
    assert [p.exitcode for p in procs] == [0, 0]
    assert_one_wins_each_round(store, rounds, results)


def test_two_threads_reserving_the_last_unit_one_wins_duckdb(tmp_path: Any,
                                                             seeded_template: Any) -> None:  # noqa: F811
    """DuckDB has one writing process: two callers are two threads, serialised by the store."""
    import shutil

    shutil.copyfile(seeded_template, tmp_path / "s.duckdb")
    with DuckDBStore(tmp_path / "s.duckdb") as store:
        rounds = _race_setup(store)
        reg = build_registry(store, ToolSettings())
        barrier = threading.Barrier(2)
        results: list[tuple[int, int, str, str | None, str | None]] = []

        def racer(k: int) -> None:
            for n, (item, orders) in enumerate(rounds):
                barrier.wait(timeout=60)
                res = reg.call("reserve_stock", {
                    "order_id": orders[k], "lines": [{"item_id": item, "quantity": 1}],
                    "state": "TX"}, ToolContext(actor=Actor(role="system"),
                                                idempotency_key=f"race-{n}-{k}"))
                results.append((n, k, res.status, getattr(res.output, "status", None),
                                res.error.code if res.error else None))

        threads = [threading.Thread(target=racer, args=(k,)) for k in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert_one_wins_each_round(store, rounds, results)


def test_the_seed_on_postgres_is_the_same_world_row_for_row(
        pg_seeded: PgClones, seeded_template: Any) -> None:  # noqa: F811
    from tools.seed import SEEDED_TABLES

    pg = pg_seeded.store()
    with DuckDBStore(seeded_template, read_only=True) as duck, duck.cursor() as d, \
            pg.cursor() as p:
        for table in SEEDED_TABLES:
            mine, theirs = (sorted((tuple(_plain(v) for v in r)
                                    for r in c.execute(f"SELECT * FROM {table}").fetchall()),
                                   key=repr) for c in (d, p))
            assert mine == theirs, table


def _plain(value: Any) -> Any:
    return round(value, 9) if isinstance(value, float) else value


def test_postgres_without_a_dsn_starts_an_embedded_server_that_processes_share(
        tmp_path: Any) -> None:
    from tools import open_store
    from tools._pg_store import _keep

    settings = ToolSettings(backend="postgres", postgres_dir=str(tmp_path / "pgstore"))
    kept = len(_keep)
    try:
        with open_store(settings) as first, first.transaction() as db:
            db.execute("INSERT INTO seed_meta VALUES ('probe', 'kept')")
        # A second opening (another worker) finds the same server and database, migrated once.
        with open_store(settings) as second, second.cursor() as db:
            assert db.execute("SELECT value FROM seed_meta WHERE key = 'probe'").fetchone() == (
                "kept",)
            assert schema_version(db) == LATEST
        # The embedded server has the analyst's role: SELECT on the whitelisted tables only.
        with open_store(settings) as third:
            assert isinstance(third, PostgresStore)
            with third.analyst_cursor() as ro:
                assert ro.execute("SELECT current_user").fetchone() == ("streamwise_analyst",)
                assert ro.execute("SELECT count(*) FROM seed_meta").fetchone() == (1,)
            with pytest.raises(psycopg.errors.InsufficientPrivilege), \
                    third.analyst_cursor() as ro:
                ro.execute("SELECT count(*) FROM tool_effects")
    finally:
        for server in _keep[kept:]:
            server.cleanup()  # the last handle stops the server
        del _keep[kept:]
