"""run_sql: one vetted read-only SELECT with row and time limits; schema_description."""

from __future__ import annotations

import pytest

from tools import Actor, Store, ToolContext, ToolRegistry, ToolSettings, build_registry
from tools.analytics import ANALYST_TABLES, SqlResult, schema_description
from tools.retail_db import VIEWS

ANALYST = ToolContext(actor=Actor(role="analyst"))


@pytest.fixture()
def reg(store: Store) -> ToolRegistry:
    return build_registry(store, ToolSettings(sql_max_rows=5, sql_timeout_s=1.0))


def _sql(reg: ToolRegistry, sql: str) -> SqlResult:
    result = reg.call("run_sql", {"sql": sql}, ANALYST)
    assert result.ok, result.for_model()
    assert isinstance(result.output, SqlResult)
    return result.output


def test_select_returns_columns_and_rows(reg: ToolRegistry) -> None:
    out = _sql(reg, "SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY n DESC")
    assert [c.name for c in out.columns] == ["status", "n"]
    assert out.rows[0] == ["pending", 423] and not out.truncated
    assert sum(r[1] for r in out.rows) == 1000  # type: ignore[misc]
    with_cte = _sql(reg, "WITH t AS (SELECT price FROM order_items) SELECT round(sum(price), 2)"
                         " AS total FROM t")
    assert with_cte.rows[0][0] is not None and with_cte.rows[0][0] > 0  # type: ignore[operator]


def test_row_limit_truncates(reg: ToolRegistry) -> None:
    out = _sql(reg, "SELECT order_id FROM orders")
    assert out.row_count == len(out.rows) == 5 and out.truncated
    exact = _sql(reg, "SELECT * FROM range(5)")
    assert exact.row_count == 5 and not exact.truncated


def test_time_limit_interrupts(reg: ToolRegistry) -> None:
    result = reg.call("run_sql", {"sql": "SELECT count(*) FROM range(1000000000000)"}, ANALYST)
    assert result.error is not None and result.error.code == "policy"
    assert "stopped" in result.error.message
    # The store still works afterwards.
    assert _sql(reg, "SELECT count(*) FROM users").rows == [[500]]


@pytest.mark.parametrize("sql", [
    "DROP TABLE orders",
    "CREATE TABLE x AS SELECT 1",
    "ALTER TABLE orders ADD COLUMN x INT",
    "DELETE FROM orders",
    "UPDATE orders SET status = 'cancelled'",
    "INSERT INTO products VALUES ('1', 'x', 0)",
    "SELECT 1; SELECT 2",
    "SELECT 1; DROP TABLE orders",
    "PRAGMA show_tables",
    "ATTACH 'other.duckdb' AS other",
    "COPY orders TO 'orders.csv'",
    "COPY (SELECT 1) TO 'x.csv'",
    "SET threads = 1",
    "INSTALL httpfs",
    "LOAD httpfs",
    "EXPLAIN SELECT 1",
    "SELECT * FROM read_csv('data/x.csv')",
    "SELECT * FROM read_csv_auto('data/x.csv')",
    "SELECT * FROM read_json_auto('data/db.json')",
    "SELECT * FROM read_parquet('x.parquet')",
    "SELECT * FROM 'data/db.json'",
    "SELECT * FROM glob('*')",
    "SELECT * FROM query('DROP TABLE orders')",
    "SELECT getenv('HOME')",
    "SELECT (SELECT count(*) FROM read_text('pyproject.toml'))",
    "SELECT * FROM no_such_table",
    "SELECT * FROM duckdb_secrets()",
    "not sql at all",
])
def test_refused(reg: ToolRegistry, sql: str) -> None:
    result = reg.call("run_sql", {"sql": sql}, ANALYST)
    assert result.error is not None and result.error.code == "policy", result.for_model()
    assert _sql(reg, "SELECT count(*) FROM orders").rows == [[1000]]


def test_query_error_is_returned(reg: ToolRegistry) -> None:
    result = reg.call("run_sql", {"sql": "SELECT no_such_column FROM orders"}, ANALYST)
    assert result.error is not None and result.error.code == "invalid_arguments"
    assert "no_such_column" in result.error.message


def test_customers_may_not_run_sql(reg: ToolRegistry) -> None:
    ctx = ToolContext(actor=Actor(role="customer", user_id="yusuf_rossi_9620"))
    result = reg.call("run_sql", {"sql": "SELECT * FROM users"}, ctx)
    assert result.error is not None and result.error.code == "forbidden"


def test_schema_description_covers_only_what_run_sql_reads(store: Store,
                                                           reg: ToolRegistry) -> None:
    with store.transaction() as db:
        db.execute("CREATE SCHEMA audit; CREATE TABLE audit.decisions (id INTEGER, why VARCHAR)")
        text = schema_description(db)
        names = {r[0] for r in db.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema()"
        ).fetchall()}
    described = {line.split(" (")[0] for line in text.splitlines()}
    # The retail views are DuckDB SQL: in a PostgreSQL store they live in the analyst's snapshot.
    assert described == (names | set(VIEWS)) & ANALYST_TABLES
    assert "tool_effects" in names and "tool_effects" not in described
    assert "audit.decisions" not in text and "decisions" not in described
    assert "order_items (view):" in text and "price DOUBLE" in text
    result = reg.call("describe_schema", {}, ANALYST)
    assert result.output is not None and result.output.model_dump()["text"] == text
    # Every table described can be read; what is not described cannot.
    for name in described:
        assert _sql(reg, f"SELECT count(*) FROM {name}").row_count == 1
    refused = reg.call("run_sql", {"sql": "SELECT * FROM tool_effects"}, ANALYST)
    assert refused.error is not None and refused.error.code == "policy"
    assert "orders" in refused.error.hint and "tool_effects" not in refused.error.hint


def test_data_modifying_cte_is_refused_and_changes_nothing(store: Store,
                                                           reg: ToolRegistry) -> None:
    result = reg.call("run_sql", {"sql": "WITH x AS (DELETE FROM orders RETURNING order_id) "
                                         "SELECT count(*) FROM x"}, ANALYST)
    assert result.error is not None and result.error.code == "policy"
    assert "delete" in result.error.message
    with store.cursor() as c:
        assert c.execute("SELECT count(*) FROM orders").fetchone() == (1000,)


def test_byte_cap_truncates_and_long_cells_are_cut(store: Store) -> None:
    reg = build_registry(store, ToolSettings(sql_max_rows=1000, sql_max_bytes=5_000,
                                             sql_max_cell_chars=100))
    out = _sql(reg, "SELECT order_id, items FROM orders ORDER BY order_id")
    assert out.truncated and out.truncated_by == "bytes" and 0 < out.row_count < 1000
    assert len(out.model_dump_json()) < 5_000 + 1_000
    assert out.cut_cells == sum(1 for r in out.rows if str(r[1]).endswith("…[cut]")) > 0
    assert all(len(str(r[1])) <= 100 + len("…[cut]") for r in out.rows)
    first = _sql(reg, "SELECT order_id FROM orders ORDER BY order_id LIMIT 1").rows[0][0]
    assert out.rows[0][0] == first
    short = _sql(reg, "SELECT left(name, 10) AS n FROM products ORDER BY n LIMIT 3")
    assert short.cut_cells == 0 and not short.truncated


def test_unknown_column_hint_lists_the_columns(reg: ToolRegistry) -> None:
    result = reg.call("run_sql", {"sql": "SELECT units FROM orders"}, ANALYST)
    assert result.error is not None and result.error.code == "invalid_arguments"
    assert "units" in result.error.message and "orders(order_id, user_id" in result.error.hint
