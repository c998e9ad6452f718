"""Hostile analyst SQL through ``run_sql``: writes, file and network reads, catalog and
settings leaks, resource exhaustion and broken text.

An attempt is held when the call comes back (an error or a harmless result), every
table of the store hashes as before, no schema, database or setting of the store
changed, no file was written, and the output carries none of the canaries: a secret
file's content, another actor's idempotency key, an environment variable, the
sandbox's temporary path, a setting's value.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Collection, Iterator
from pathlib import Path

import duckdb
import pytest

from tests.tools._seeded import seeded_template  # noqa: F401  (a fixture)
from tools import Actor, DuckDBStore, Store, ToolContext, ToolResult, ToolSettings, analytics
from tools._sql_guard import VettedQuery
from tools.analytics import ANALYST_TABLES, SqlResult
from tools.catalog import build_registry
from tools.seed import table_checksums

ANALYST = ToolContext(actor=Actor(role="analyst"))
SETTINGS = ToolSettings(sql_max_rows=200, sql_max_bytes=50_000, sql_max_cell_chars=500,
                        sql_timeout_s=2.0, sql_memory_limit_mb=256)
FILE_CANARY = "FILECANARY7f3a"
KEY_CANARY = "KEYCANARY91c2"
ENV_CANARY = "ENVCANARY5d0e"
ENV_NAME = "STREAMWISE_SQL_TEST_CANARY"


class World:
    def __init__(self, store: Store, folder: Path) -> None:
        self.store = store
        self.folder = folder
        self.reg = build_registry(store, SETTINGS)

    def state(self) -> tuple[object, ...]:
        """Everything of the store an attempt could change, besides the files."""
        with self.store.cursor() as c:
            sums = table_checksums(c)
            tables = c.execute("SELECT table_schema, table_name, table_type "
                               "FROM information_schema.tables ORDER BY ALL").fetchall()
            dbs = c.execute("SELECT database_name FROM duckdb_databases() ORDER BY 1").fetchall()
            settings = c.execute("SELECT name, value FROM duckdb_settings() "
                                 "WHERE name NOT LIKE '%memory%' ORDER BY 1").fetchall()
            macros = c.execute("SELECT count(*) FROM duckdb_functions() "
                               "WHERE NOT internal").fetchall()
        return sums, tables, dbs, settings, macros

    def files(self) -> set[Path]:
        return set(self.folder.rglob("*"))

    def call(self, sql: str) -> ToolResult:
        return self.reg.call("run_sql", {"sql": sql}, ANALYST)


@pytest.fixture(scope="module")
def world(seeded_template: Path,  # noqa: F811
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One store for the module: each attempt compares the whole store before and after
    itself, so sharing it costs no precision (and saves a copy per attempt)."""
    base = tmp_path_factory.mktemp("sql_sandbox")
    folder = base / "files"
    folder.mkdir()
    (folder / "secret.csv").write_text(f"a,b\n{FILE_CANARY},1\n", encoding="utf-8")
    (folder / "secret.json").write_text(json.dumps([{"a": FILE_CANARY}]), encoding="utf-8")
    (folder / "secret.txt").write_text(FILE_CANARY, encoding="utf-8")
    side = duckdb.connect()
    side.execute(f"COPY (SELECT '{FILE_CANARY}' AS a) TO '{folder / 'secret.parquet'}' "
                 "(FORMAT parquet)")
    side.execute(f"ATTACH '{folder / 'other.duckdb'}' AS other")
    side.execute(f"CREATE TABLE other.secrets AS SELECT '{FILE_CANARY}' AS a")
    side.close()
    shutil.copyfile(seeded_template, base / "store.duckdb")
    store = DuckDBStore(base / "store.duckdb")
    with store.transaction() as db:
        db.execute("INSERT INTO tool_effects VALUES (?, 'refund', '{}', '{}', "
                   "'{\"role\": \"support\"}', NULL, now())", [KEY_CANARY])
        # A small audit trail of its own in place of the store's (migrated) empty one.
        db.execute("DROP TABLE agent_steps")
        db.execute("DROP TABLE agent_runs")
        db.execute("CREATE TABLE agent_runs (event_id VARCHAR PRIMARY KEY, agent VARCHAR, "
                   "status VARCHAR, updated_at TIMESTAMPTZ)")
        db.execute("CREATE TABLE agent_steps (event_id VARCHAR, seq INTEGER, kind VARCHAR, "
                   "name VARCHAR, status VARCHAR)")
        db.execute("INSERT INTO agent_runs VALUES ('e1', 'analyst', 'done', now()), "
                   "('e2', 'support', 'failed', now())")
        db.execute("INSERT INTO agent_steps VALUES ('e1', 0, 'tool', 'run_sql', 'ok'), "
                   "('e1', 1, 'model', 'respond', 'ok'), ('e2', 0, 'tool', 'refund', 'error')")
    os.environ[ENV_NAME] = ENV_CANARY
    try:
        yield World(store, folder)
    finally:
        os.environ.pop(ENV_NAME, None)
        store.close()


_CANARIES = (FILE_CANARY, KEY_CANARY, ENV_CANARY, "streamwise-sql-", "snapshot.duckdb")
# The sandbox's own settings: only the statement check keeps these from the model.
_SETTINGS_CANARIES = ("enable_external_access", "lock_configuration")


def attempt(world: World, sql: str,
            canaries: tuple[str, ...] = _CANARIES + _SETTINGS_CANARIES) -> ToolResult:
    """One hostile query: it must come back, change nothing, write nothing, leak nothing."""
    sql = sql.replace("{dir}", str(world.folder))
    before, files = world.state(), world.files()
    result = world.call(sql)
    assert result.status in ("ok", "error"), result.status
    assert world.state() == before, "the store changed"
    assert world.files() == files, "a file was written"
    text = result.for_model()
    # (Not the folder's path: a refusal may quote the attempt's own SQL.)
    for canary in canaries:
        assert canary not in text, f"leaked {canary!r}: {text[:300]}"
    if result.ok:
        out = result.output
        assert isinstance(out, SqlResult)
        assert len(text.encode()) <= SETTINGS.sql_max_bytes + 5_000
    return result


def assert_refused(world: World, sql: str) -> ToolResult:
    result = attempt(world, sql)
    assert result.error is not None, f"not refused: {result.for_model()[:300]}"
    return result


# --- writes: DML and DDL in every position ---------------------------------------------

WRITES = [
    "WITH x AS (DELETE FROM orders RETURNING order_id) SELECT count(*) FROM x",
    "WITH x AS (UPDATE variants SET price = 0.01 RETURNING item_id) SELECT count(*) FROM x",
    "WITH x AS (INSERT INTO tool_effects VALUES ('k', 't', '{}', '{}', '{}', NULL, now()) "
    "RETURNING 1) SELECT * FROM x",
    "WITH x AS (DELETE FROM reservations RETURNING *) SELECT 1",
    "WITH x AS MATERIALIZED (UPDATE users SET payment_methods = '{}' RETURNING 1) SELECT 1",
    "WITH a AS (SELECT 1), x AS (DELETE FROM orders RETURNING 1) SELECT * FROM a",
    "SELECT * FROM (WITH x AS (DELETE FROM orders RETURNING 1) SELECT * FROM x) s",
    "SELECT (WITH x AS (DELETE FROM orders RETURNING 1) SELECT count(*) FROM x)",
    "SELECT 1 WHERE EXISTS (WITH x AS (DELETE FROM stock RETURNING 1) SELECT * FROM x)",
    "SELECT 1 UNION ALL (WITH x AS (DELETE FROM orders RETURNING 1) SELECT count(*) FROM x)",
    "WITH RECURSIVE x AS (DELETE FROM orders RETURNING 1) SELECT * FROM x",
    "with X as (delete from ORDERS returning 1) select * from X",
    "WITH\n\tx\tAS\n(\nDELETE\nFROM\norders\nRETURNING\n1\n)\nSELECT * FROM x",
    "WITH x AS (/* read */ DELETE FROM orders RETURNING 1) SELECT * FROM x",
    "WITH x AS (DELETE FROM orders RETURNING 1) SELECT * FROM x -- just a read",
    "DELETE FROM orders",
    "delete from orders where true",
    "UPDATE variants SET price = 0.01",
    "INSERT INTO tool_effects VALUES ('k', 't', '{}', '{}', '{}', NULL, now())",
    "INSERT INTO orders SELECT * FROM orders",
    "INSERT OR REPLACE INTO products VALUES ('x', 'y', 1)",
    "MERGE INTO products USING products AS p ON false WHEN NOT MATCHED THEN INSERT VALUES "
    "('x', 'y', 1)",
    "TRUNCATE orders",
    "DROP TABLE orders",
    "DROP VIEW order_items",
    "ALTER TABLE orders ADD COLUMN pwned INTEGER",
    "ALTER TABLE orders RENAME TO orders_old",
    "CREATE TABLE pwned AS SELECT * FROM users",
    "CREATE TEMP TABLE pwned AS SELECT 1",
    "CREATE OR REPLACE VIEW order_items AS SELECT 1 AS x",
    "CREATE SCHEMA pwned",
    "CREATE SEQUENCE pwned",
    "CREATE INDEX pwned ON orders(user_id)",
    "CREATE MACRO pwned(a) AS a + 1",
    "CREATE MACRO read_it(p) AS TABLE SELECT * FROM read_csv(p)",
    "CREATE TYPE pwned AS ENUM ('a')",
    "CREATE SECRET pwned (TYPE s3, KEY_ID 'a', SECRET 'b')",
    "SELECT 1; DELETE FROM orders",
    "SELECT 1;\nDROP TABLE orders;",
    "SELECT 1; -- comment\nDELETE FROM orders",
    "/* SELECT */ DELETE FROM orders",
    "BEGIN; DELETE FROM orders; COMMIT",
    "BEGIN TRANSACTION",
    "COMMIT",
    "ROLLBACK",
    "VACUUM",
    "CHECKPOINT",
    "FORCE CHECKPOINT",
    "SELECT * FROM checkpoint()",
    "SELECT * FROM force_checkpoint()",
    "PRAGMA enable_profiling",
    "PRAGMA database_size",
    "SET enable_external_access = true",
    "SET threads = 1",
    "RESET ALL",
    "SET GLOBAL lock_configuration = false",
    "ATTACH '{dir}/other.duckdb' AS other",
    "ATTACH ':memory:' AS scratch",
    "DETACH memory",
    "USE system",
    "COPY orders TO '{dir}/out.csv'",
    "COPY (SELECT * FROM users) TO '{dir}/users.parquet' (FORMAT parquet)",
    "COPY orders FROM '{dir}/secret.csv'",
    "EXPORT DATABASE '{dir}/dump'",
    "IMPORT DATABASE '{dir}/dump'",
    "INSTALL httpfs",
    "LOAD httpfs",
    "FORCE INSTALL httpfs",
    "CALL pragma_version()",
    "CALL enable_logging()",
    "EXPLAIN SELECT 1",
    "EXPLAIN ANALYZE SELECT * FROM orders",
    "PIVOT orders ON status USING count(*)",
    "SELECT nextval('pwned')",
    "SELECT setval('pwned', 5)",
    "SELECT * FROM query('DELETE FROM orders')",
    "SELECT * FROM query_table('tool_effects')",
    "SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT 1'))",
]


@pytest.mark.parametrize("sql", WRITES)
def test_writes_are_held(world: World, sql: str) -> None:
    assert_refused(world, sql)


# --- files and the network -------------------------------------------------------------

FILES = [
    "SELECT * FROM read_csv('{dir}/secret.csv')",
    "SELECT * FROM read_csv_auto('{dir}/secret.csv')",
    "SELECT * FROM read_json('{dir}/secret.json')",
    "SELECT * FROM read_json_auto('{dir}/secret.json')",
    "SELECT * FROM read_ndjson_objects('{dir}/secret.json')",
    "SELECT * FROM read_parquet('{dir}/secret.parquet')",
    "SELECT * FROM parquet_scan('{dir}/secret.parquet')",
    "SELECT * FROM parquet_metadata('{dir}/secret.parquet')",
    "SELECT * FROM read_text('{dir}/secret.txt')",
    "SELECT * FROM read_blob('{dir}/secret.txt')",
    "SELECT * FROM glob('{dir}/*')",
    "SELECT * FROM sniff_csv('{dir}/secret.csv')",
    "SELECT * FROM read_duckdb('{dir}/other.duckdb')",
    "SELECT (SELECT count(*) FROM read_text('{dir}/secret.txt'))",
    "SELECT * FROM orders WHERE order_id IN (SELECT a FROM read_csv('{dir}/secret.csv'))",
    "SELECT 1 UNION ALL SELECT count(*) FROM read_csv('{dir}/secret.csv')",
    "SELECT * FROM '{dir}/secret.csv'",
    "SELECT * FROM \"{dir}/secret.csv\"",
    "FROM '{dir}/secret.parquet'",
    "SELECT * FROM '{dir}/*.csv'",
    "SELECT * FROM '{dir}/secret.json'",
    "SELECT * FROM '{dir}/other.duckdb'",
    "SELECT * FROM main.\"{dir}/secret.csv\"",
    "SELECT * FROM orders, '{dir}/secret.csv' AS s",
    "SELECT * FROM orders JOIN '{dir}/secret.csv' AS s ON true",
    # A CTE of that name in another scope must not make the path a CTE at the top.
    "SELECT * FROM (WITH \"{dir}/secret.csv\" AS (SELECT 1) SELECT * FROM "
    "\"{dir}/secret.csv\") s, \"{dir}/secret.csv\"",
    "SELECT (WITH \"{dir}/secret.csv\" AS (SELECT 1) SELECT 1), * FROM \"{dir}/secret.csv\"",
    "SELECT * FROM \"{dir}/secret.csv\" WHERE EXISTS (WITH \"{dir}/secret.csv\" AS "
    "(SELECT 1) SELECT 1)",
    "SELECT 1 UNION ALL (WITH \"{dir}/secret.csv\" AS (SELECT 1) SELECT 1) UNION ALL "
    "SELECT * FROM \"{dir}/secret.csv\"",
    "WITH a AS (WITH \"{dir}/secret.csv\" AS (SELECT 1) SELECT 1) SELECT * FROM "
    "\"{dir}/secret.csv\"",
    "WITH a AS (SELECT * FROM \"{dir}/secret.csv\"), \"{dir}/secret.csv\" AS (SELECT 1) "
    "SELECT * FROM a",
    "SELECT * FROM other.secrets",
    "SELECT * FROM other.main.secrets",
    "SELECT * FROM system.main.duckdb_settings()",
    "SELECT * FROM read_csv('https://example.com/x.csv')",
    "SELECT * FROM 'https://example.com/x.parquet'",
    "SELECT * FROM 's3://bucket/key.parquet'",
    "SELECT * FROM read_parquet('http://169.254.169.254/latest/meta-data')",
    "SELECT * FROM 'file:///etc/passwd'",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM read_csv('/etc/passwd', sep=':')",
    "SELECT * FROM read_csv('/proc/self/environ')",
]


@pytest.mark.parametrize("sql", FILES)
def test_files_and_network_are_held(world: World, sql: str) -> None:
    assert_refused(world, sql)


# --- the sandbox alone: with the statement check switched off, it still holds ----------

_LAYER_ONE = [sql for sql in WRITES if sql.startswith(("WITH", "with", "SELECT"))
              or sql.split()[0] in ("COPY", "ATTACH", "SET", "INSTALL", "LOAD", "EXPORT",
                                     "CREATE", "DELETE", "UPDATE", "INSERT", "DROP")]
_LAYER_ONE += [sql for sql in FILES if "duckdb_" not in sql]  # settings: the check's job


def _unchecked(sql: str, allowed: Collection[str]) -> VettedQuery:
    """No statement check: the query goes to the sandbox as written."""
    text = sql.strip().rstrip(";")
    return VettedQuery(sql=text, tables=frozenset({"orders", "users", "variants", "stock",
                                                   "reservations", "products"} & set(allowed)))


@pytest.mark.parametrize("sql", _LAYER_ONE)
def test_sandbox_alone_holds(world: World, sql: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analytics, "check_select", _unchecked)
    # A refused SET may name the setting it tried: that is the attempt's own text.
    result = attempt(world, sql, _CANARIES)
    if result.ok:  # a read of the snapshot at most: never a file's or the store's secrets
        assert isinstance(result.output, SqlResult)


# --- catalog, settings and tables outside the whitelist ---------------------------------

CATALOG = [
    "SELECT * FROM pg_catalog.pg_settings",
    "SELECT * FROM pg_settings",
    "SELECT * FROM information_schema.tables",
    "SELECT * FROM information_schema.columns",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM duckdb_databases()",
    "SELECT * FROM duckdb_tables()",
    "SELECT * FROM duckdb_secrets()",
    "SELECT * FROM duckdb_extensions()",
    "SELECT * FROM duckdb_temporary_files()",
    "SELECT * FROM pragma_database_size()",
    "SELECT * FROM pragma_table_info('tool_effects')",
    "SELECT current_setting('temp_directory')",
    "SELECT current_setting('enable_external_access')",
    "SELECT getenv('" + ENV_NAME + "')",
    "SELECT current_query()",
    "SELECT * FROM tool_effects",
    "SELECT idempotency_key FROM main.tool_effects",
    "SELECT * FROM orders WHERE order_id IN (SELECT idempotency_key FROM tool_effects)",
    "SELECT * FROM memory.main.tool_effects",
    "SELECT * FROM \"TOOL_EFFECTS\"",
    "SHOW TABLES",
    "SHOW ALL TABLES",
    "DESCRIBE tool_effects",
    "SUMMARIZE tool_effects",
    "SELECT * FROM which_secret('s3://x', 's3')",
    "SELECT version(), * FROM duckdb_settings()",
]


@pytest.mark.parametrize("sql", CATALOG)
def test_catalog_and_settings_are_held(world: World, sql: str) -> None:
    assert_refused(world, sql)


# --- resources -----------------------------------------------------------------------------

def test_huge_result_is_capped_by_bytes(world: World) -> None:
    result = attempt(world, "SELECT repeat('x', 400) AS s FROM range(100000)")
    assert isinstance(result.output, SqlResult)
    assert result.output.truncated and result.output.truncated_by == "bytes"


def test_huge_cells_are_cut(world: World) -> None:
    result = attempt(world, "SELECT string_agg(order_id, ',') AS s FROM orders")
    assert isinstance(result.output, SqlResult) and result.output.cut_cells == 1
    cell = result.output.rows[0][0]
    assert isinstance(cell, str) and len(cell) <= SETTINGS.sql_max_cell_chars + 10


RESOURCES = [
    "SELECT count(*) FROM range(1000000000000)",
    "SELECT count(*) FROM range(100000) a, range(100000) b",
    "SELECT sum(x) FROM generate_series(1, 1000000000000) t(x)",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
    "SELECT * FROM range(100000000) ORDER BY random()",
    "SELECT list(range) FROM range(1000000000)",
    "SELECT repeat('x', 1000000000)",
    "SELECT length(repeat('x', 100000000)) FROM range(10000)",
    "SELECT lpad('x', 1000000000, 'y')",
    "SELECT repeat('x', (SELECT count(*) FROM orders) * 1000000)",
    "SELECT sleep_ms(100000)",
    "SELECT pg_sleep(1000)",
    "SELECT " + "(" * 3000 + "1" + ")" * 3000,
    "SELECT 1" + " + 1" * 5000,
    "SELECT " + "abs(" * 2000 + "1" + ")" * 2000,
    "SELECT * FROM " + "(SELECT * FROM " * 500 + "orders" + ") AS t" * 500,
    "WITH " + ", ".join(f"c{i} AS (SELECT {i})" for i in range(3000)) + " SELECT 1",
    "SELECT '" + "x" * 25_000 + "'",
    "SELECT " + ", ".join(["1"] * 6000),
    "SELECT " + " OR ".join(["true"] * 5000),
]


@pytest.mark.parametrize("sql", RESOURCES, ids=[f"r{i}" for i in range(len(RESOURCES))])
def test_resource_exhaustion_is_held(world: World, sql: str) -> None:
    result = attempt(world, sql)
    if result.error is not None:
        assert result.error.code in ("policy", "invalid_arguments"), result.error


# --- broken text ---------------------------------------------------------------------------

# (sql, must be refused): a harmless reading of odd text may also come back as rows.
TEXT = [
    ("SELECT \ud800 FROM orders", True),
    ("SELECT '\udfff'", True),
    ("SELECT 1\x00; DELETE FROM orders", True),
    ("SELECT\x001", True),
    ("SELECT 1\x1b[2J", True),
    ("\x07SELECT 1", True),
    ("SELECT * FROM orders\u200b; DELETE FROM orders", True),
    ("ＳＥＬＥＣＴ * FROM orders", True),
    ("SELECT * FROM orders\u202e; DELETE FROM orders", True),
    ("DЕLETE FROM orders", True),  # a Cyrillic Е
    ("SELECT * FROM \"ordеrs\"", True),  # a Cyrillic е: not the table
    ("SELECT * FROM \"orders\x00\"", True),
    ("\ufeffSELECT 1; DROP TABLE orders", True),
    ("", True),
    ("   ", True),
    (";", True),
    ("--", True),
    ("/*", True),
    ("SELECT 1 /* ; DELETE FROM orders */", False),
    ("SELECT 'é', '日本', '🙂', 'a\u0301'", False),
    ("SELECT 1 -- \u2028 DELETE FROM orders", False),
]


@pytest.mark.parametrize(("sql", "must_refuse"), TEXT, ids=[f"t{i}" for i in range(len(TEXT))])
def test_broken_text_is_held(world: World, sql: str, must_refuse: bool) -> None:
    result = attempt(world, sql)
    if must_refuse:
        assert result.error is not None, result.for_model()[:300]


# --- positive controls: legitimate analyst queries still work and return the right rows --

CONTROLS = [
    "SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY n DESC, status",
    "SELECT o.user_id, count(*) AS orders, round(sum(i.price), 2) AS spent "
    "FROM orders AS o JOIN order_items AS i USING (order_id) "
    "GROUP BY o.user_id ORDER BY spent DESC, o.user_id LIMIT 10",
    "WITH totals AS (SELECT product_id, sum(quantity) AS q FROM sales_history "
    "GROUP BY product_id) SELECT p.name, t.q FROM totals AS t JOIN products AS p "
    "USING (product_id) ORDER BY t.q DESC, p.name LIMIT 5",
    "WITH daily AS (SELECT item_id, day, sum(quantity) AS q FROM sales_history GROUP BY ALL) "
    "SELECT item_id, day, q, sum(q) OVER (PARTITION BY item_id ORDER BY day "
    "ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS week FROM daily "
    "ORDER BY item_id, day LIMIT 20",
    "SELECT date_trunc('month', day) AS month, sum(quantity * unit_price) AS revenue "
    "FROM sales_history GROUP BY ALL ORDER BY month",
    "SELECT max(day) - min(day) AS span, max(day) + INTERVAL 7 DAY AS next_week "
    "FROM sales_history",
    "SELECT status, count(*) FROM orders WHERE order_id IN (SELECT order_id FROM "
    "order_payments WHERE amount > 500) GROUP BY status ORDER BY status",
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) "
    "SELECT i, i * i AS sq FROM n ORDER BY i",
    "SELECT r.agent, s.status, count(*) AS steps FROM agent_runs AS r JOIN agent_steps AS s "
    "USING (event_id) GROUP BY ALL ORDER BY ALL",
    "WITH orders AS (SELECT 1 AS shadow) SELECT * FROM orders",
    "SELECT brand, count(*) FROM user_payment_methods WHERE source = 'credit_card' "
    "GROUP BY brand ORDER BY 2 DESC, 1",
    "SELECT * FROM range(3) AS r(x) CROSS JOIN (VALUES ('a'), ('b')) AS v(y) ORDER BY ALL",
    "SELECT product_id, rank() OVER (ORDER BY count(*) DESC, product_id) AS r FROM "
    "variants GROUP BY product_id QUALIFY r <= 3 ORDER BY r",
    "SELECT lpad(CAST(count(*) AS VARCHAR), 8, '0') FROM users",
]


def _direct(store: Store, sql: str) -> list[list[object]]:
    from tools.analytics import cell as _cell
    with store.cursor() as c:
        return [[_cell(v) for v in row] for row in c.execute(sql).fetchall()]


@pytest.mark.parametrize("sql", CONTROLS, ids=[f"c{i}" for i in range(len(CONTROLS))])
def test_control_queries_return_the_right_rows(world: World, sql: str) -> None:
    result = attempt(world, sql)
    assert isinstance(result.output, SqlResult), result.for_model()
    # (a float sum's last digits depend on how DuckDB's threads split the rows)
    assert result.output.rows == [[pytest.approx(v, rel=1e-12) if isinstance(v, float) else v
                                   for v in row] for row in _direct(world.store, sql)]
    assert not result.output.truncated


def test_control_every_whitelisted_table_is_readable(world: World) -> None:
    with world.store.cursor() as c:
        present = {r[0] for r in c.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
    for table in sorted(ANALYST_TABLES & present):
        result = attempt(world, f"SELECT count(*) FROM {table}")
        assert isinstance(result.output, SqlResult), result.for_model()
        assert result.output.rows == _direct(world.store, f"SELECT count(*) FROM {table}")


def test_control_errors_say_what_to_fix(world: World) -> None:
    unknown = assert_refused(world, "SELECT * FROM orderz")
    assert unknown.error is not None and "orderz" in unknown.error.message
    assert "orders" in unknown.error.hint
    column = assert_refused(world, "SELECT units FROM sales_history")
    assert column.error is not None and "units" in column.error.message
    assert "sales_history(day" in column.error.hint


def test_control_store_keeps_working_after_attempts(world: World) -> None:
    for sql in ("SELECT count(*) FROM range(1000000000000)", "DROP TABLE orders",
                "SELECT * FROM read_csv('{dir}/secret.csv')"):
        assert_refused(world, sql)
    result = attempt(world, "SELECT count(*) FROM orders")
    assert isinstance(result.output, SqlResult) and result.output.rows == [[1000]]
    assert os.environ[ENV_NAME] == ENV_CANARY
