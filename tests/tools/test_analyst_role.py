"""The analyst's copy on PostgreSQL reads as a role that may only SELECT the whitelisted
tables: it cannot write, cannot create, cannot read the idempotency records, and what
``run_sql`` sees is what that role may read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tools import Actor, DuckDBStore, ToolContext, ToolSettings, build_registry, load_tau2
from tools._pg_store import ANALYST_ROLE, PostgresStore, analyst_dsn, ensure_analyst_role
from tools.seed import load_from_duckdb

from ._backends import clones

ANALYST = ToolContext(actor=Actor(role="analyst"))


@pytest.fixture()
def store(postgres_server: Any, pg_tau2_template: str) -> Iterator[PostgresStore]:
    with psycopg.connect(postgres_server.get_uri(), autocommit=True) as admin:
        ensure_analyst_role(admin)
        ensure_analyst_role(admin)  # a second worker starting: nothing to do
    for pg in clones(postgres_server, pg_tau2_template):
        dsn = pg.dsn()
        opened = PostgresStore(dsn, analyst_dsn=analyst_dsn(dsn))
        try:
            yield opened
        finally:
            opened.close()


def _refused(store: PostgresStore, sql: str) -> str:
    with pytest.raises(psycopg.Error) as raised, store.analyst_cursor() as ro:
        ro.execute(sql)
    return type(raised.value).__name__


@pytest.mark.parametrize("sql", [
    "INSERT INTO seed_meta VALUES ('k', 'v')",
    "UPDATE orders SET status = 'cancelled'",
    "DELETE FROM agent_runs",
    "CREATE TABLE mine (x INTEGER)",
    "SELECT * FROM tool_effects",
    "SELECT * FROM schema_migrations",
    "GRANT SELECT ON tool_effects TO PUBLIC",
])
def test_the_analyst_role_can_only_read_the_whitelisted_tables(store: PostgresStore,
                                                                sql: str) -> None:
    assert _refused(store, sql) in ("ReadOnlySqlTransaction", "InsufficientPrivilege")


def test_run_sql_reads_through_the_role_and_sees_what_it_may(store: PostgresStore) -> None:
    with store.analyst_cursor() as ro:
        assert ro.execute("SELECT current_user").fetchone() == (ANALYST_ROLE,)
        assert ro.execute("SELECT count(*) > 0 FROM orders").fetchone() == (True,)
    registry = build_registry(store, ToolSettings())
    counted = registry.call("run_sql", {"sql": "SELECT count(*) AS n FROM orders"}, ANALYST)
    assert counted.ok, counted.for_model()
    # What the role may not read does not exist for run_sql: the copy reads as the role.
    with store.transaction() as db:
        db.execute(f'REVOKE SELECT ON orders FROM "{ANALYST_ROLE}"')
    refused = registry.call("run_sql", {"sql": "SELECT count(*) AS n FROM orders"}, ANALYST)
    assert not refused.ok and "orders" in refused.for_model()


def test_tables_the_seed_re_creates_are_granted_again(store: PostgresStore,
                                                      tau2_db: dict[str, Any]) -> None:
    with DuckDBStore() as scratch:
        with scratch.transaction() as db:
            load_tau2(db, tau2_db)
        with scratch.cursor() as source:
            load_from_duckdb(store, source, ["orders"])  # DROP TABLE, CREATE TABLE, COPY
    with store.analyst_cursor() as ro:
        assert ro.execute("SELECT count(*) > 0 FROM orders").fetchone() == (True,)


def test_the_analyst_s_id_lookup_reads_a_postgresql_store(store: PostgresStore) -> None:
    from agents.analyst import store_holds

    with store.cursor() as db:
        order = db.execute("SELECT max(order_id) FROM orders").fetchone()[0]
    holds = store_holds(store)
    assert holds("orders.order_id", order) and not holds("orders.order_id", order + "x")
