"""Read-only SQL for analysts over the store (operational tables and the audit trail).

``run_sql`` accepts exactly one SELECT (or WITH ... SELECT) over the store's own
tables, vetted by DuckDB's parser (see ``_sql_guard``); it returns at most
``settings.sql_max_rows`` rows and is interrupted after ``settings.sql_timeout_s``.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from decimal import Decimal
from typing import Any

import duckdb
from pydantic import BaseModel, ConfigDict, Field

from ._sql_guard import check_select
from .context import Role
from .errors import InvalidArguments, PolicyViolation
from .registry import Tool, ToolEnv, tool

Cell = str | int | float | bool | None
_SQL_ROLES: tuple[Role, ...] = ("analyst", "system", "support")


class RunSqlArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sql: str = Field(description="One DuckDB SELECT (or WITH ... SELECT) statement over the "
                                 "store's tables; no DDL, DML, PRAGMA, SET, COPY or files.")


class NoArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Column(BaseModel):
    name: str
    type: str


class SqlResult(BaseModel):
    """Rows of a query; ``truncated`` when more rows existed than were returned."""

    sql: str
    columns: list[Column]
    rows: list[list[Cell]]
    row_count: int
    truncated: bool


class SchemaDescription(BaseModel):
    text: str


def _cell(value: Any) -> Cell:
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | dict | tuple):
        return json.dumps(value, default=str)
    return str(value)


@tool(roles=_SQL_ROLES)
def run_sql(args: RunSqlArgs, env: ToolEnv) -> SqlResult:
    """Run one read-only SQL query (DuckDB dialect) over the store and return its columns and
    rows (at most a configured number of rows, flagged as truncated beyond it). Call
    describe_schema first to see the tables and columns."""
    sql = check_select(env.db, args.sql)
    limit = env.settings.sql_max_rows
    # DuckDB checks for interrupts while it runs, so a timer thread can stop a runaway query.
    timer = threading.Timer(env.settings.sql_timeout_s, env.db.interrupt)
    timer.start()
    try:
        cur = env.db.execute(sql)
        fetched = cur.fetchmany(limit + 1)
        description = cur.description or []
    except duckdb.InterruptException as exc:
        raise PolicyViolation(
            f"the query ran longer than {env.settings.sql_timeout_s:g}s and was stopped",
            "filter or aggregate more, or add a LIMIT") from exc
    except duckdb.Error as exc:
        raise InvalidArguments(f"the query failed: {exc}",
                               "check table and column names with describe_schema") from exc
    finally:
        timer.cancel()
    rows = [[_cell(v) for v in row] for row in fetched[:limit]]
    return SqlResult(sql=sql, columns=[Column(name=d[0], type=str(d[1])) for d in description],
                     rows=rows, row_count=len(rows), truncated=len(fetched) > limit)


def schema_description(db: duckdb.DuckDBPyConnection) -> str:
    """Every table and view of the store with its columns and types, one table per line."""
    rows = db.execute(
        """
        SELECT t.table_schema, t.table_name, t.table_type, c.column_name, c.data_type
        FROM information_schema.tables AS t
        JOIN information_schema.columns AS c
          USING (table_catalog, table_schema, table_name)
        WHERE t.table_schema NOT IN ('information_schema', 'pg_catalog')
        ORDER BY t.table_schema, t.table_name, c.ordinal_position
        """
    ).fetchall()
    tables: dict[tuple[str, str, str], list[str]] = {}
    for schema, table, kind, column, dtype in rows:
        tables.setdefault((schema, table, kind), []).append(f"{column} {dtype}")
    lines = []
    for (schema, table, kind), columns in tables.items():
        name = table if schema == "main" else f"{schema}.{table}"
        label = "view" if kind == "VIEW" else "table"
        lines.append(f"{name} ({label}): {', '.join(columns)}")
    return "\n".join(lines)


@tool(roles=_SQL_ROLES)
def describe_schema(args: NoArgs, env: ToolEnv) -> SchemaDescription:
    """Describe the store's tables and views: each with its columns and their SQL types."""
    return SchemaDescription(text=schema_description(env.db))


ANALYTICS_TOOLS: list[Tool[Any, Any]] = [run_sql, describe_schema]
