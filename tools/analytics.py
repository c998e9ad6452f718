"""Read-only SQL for analysts over the store (operational tables and the audit trail).

``run_sql`` runs one SELECT (or WITH ... SELECT) over ``ANALYST_TABLES`` and returns
at most ``sql_max_rows`` rows and ``sql_max_bytes`` bytes of JSON, text cells cut at
``sql_max_cell_chars``; it is interrupted after ``sql_timeout_s``.

The sandbox (guarantees by construction). The query runs on a separate DuckDB
instance over a snapshot of just the whitelisted tables it reads (``_sql_sandbox``):
that instance opens the snapshot file READ_ONLY, with ``enable_external_access=false``,
no extension autoloading, no spilling, a memory limit and ``lock_configuration=true``.
So a query cannot write (the database is read-only, and the store is not in it
at all), cannot read files or the network, cannot change a setting, and cannot see
a table outside the whitelist (it is not in the snapshot). ``_sql_guard`` checks
the statement first, with DuckDB's parser, to refuse what is not a plain read with
a message the model can act on and to know which tables to copy.

Why not the alternatives (DuckDB 2.0, one process, the store open read-write):

- the store's own connection in a rolled-back transaction: ATTACH, COPY, SET,
  INSTALL are not transactional, and ``enable_external_access=false`` would be
  database-wide and irreversible, taking file access from the store itself;
- the store's file opened again read-only (``duckdb.connect(read_only=True)`` or
  ``ATTACH ... (READ_ONLY)`` from another instance): DuckDB refuses a second
  configuration of an open file in one process, and a second instance would read
  the file without the writer's WAL while the writer checkpoints it;
- an in-memory copy: cannot be made read-only, and copying it through Python
  (no pyarrow here) loses the JSON, DATE and nested types.

The cost is copying the tables a query reads (the seeded store: milliseconds), while
the call holds the store's lock as every tool call does.

``tool_effects`` is not in the whitelist: it holds other actors' arguments and
results keyed by their idempotency keys. ``agent_runs``/``agent_steps`` (the audit
trail) are.

PostgreSQL (a backend still to come) must give the same guarantees its own way:
the query in a ``READ ONLY`` transaction (``SET TRANSACTION READ ONLY``) that is
rolled back, as a role with ``SELECT`` on the whitelisted tables only (no write
grant, no ``pg_read_server_files``, no ``pg_execute_server_program``, no other
schema), with ``statement_timeout`` and ``idle_in_transaction_session_timeout`` set,
and the same statement check in front.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from decimal import Decimal
from typing import Annotated, Any, Literal

import duckdb
from duckdb.sqltypes import DuckDBPyType
from pydantic import BaseModel, Field, StringConstraints

from ._args import ToolArgs
from ._pg_store import PgCursor, analyst_cursor, schema_only
from ._sql_guard import VettedQuery, check_select
from ._sql_sandbox import sandbox
from .config import ToolSettings
from .context import Role
from .errors import InvalidArguments, PolicyViolation
from .registry import Tool, ToolEnv, tool
from .retail_db import RETAIL_TABLES
from .seed import GENERATED_TABLES

Cell = str | int | float | bool | None
_SQL_ROLES: tuple[Role, ...] = ("analyst", "system", "support")

# What analyst SQL may read (when the store has it): the operational tables, the
# retail views, the seed's metadata and the agents' audit trail.
ANALYST_TABLES: frozenset[str] = frozenset({
    *RETAIL_TABLES, "order_items", "order_payments", "user_payment_methods",
    *GENERATED_TABLES, "seed_meta", "agent_runs", "agent_steps",
})
# A question's SQL is never near this; a huge literal is a way to exhaust memory.
MAX_SQL_CHARS = 20_000
_CUT = "…[cut]"
_BATCH = 64


class RunSqlArgs(ToolArgs):
    sql: Annotated[str, StringConstraints(min_length=1, max_length=MAX_SQL_CHARS)] = Field(
        description="One DuckDB SELECT (or WITH ... SELECT) statement over the tables "
                    "describe_schema lists; no DDL, DML, PRAGMA, SET, COPY or files.")


class NoArgs(ToolArgs):
    pass


class Column(BaseModel):
    name: str
    type: str


class SqlResult(BaseModel):
    """Rows of a query. ``truncated`` when rows were left out: ``truncated_by`` says
    whether the row cap or the byte cap did it; ``cut_cells`` text cells were cut and
    end with "…[cut]"."""

    sql: str
    columns: list[Column]
    rows: list[list[Cell]]
    row_count: int
    truncated: bool
    truncated_by: Literal["rows", "bytes"] | None = None
    cut_cells: int = 0


class SchemaDescription(BaseModel):
    text: str


def cell(value: Any) -> Cell:
    """A DuckDB value as the JSON cell ``run_sql`` returns (and the evaluation compares)."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _store_tables(db: Any) -> dict[str, tuple[str, list[str]]]:
    """The whitelisted tables the store has: name -> (table|view, ["column TYPE", ...]),
    in DuckDB's types (what the sandbox runs on; a PostgreSQL store's are mapped)."""
    if isinstance(db, PgCursor):
        with analyst_cursor(db) as reader:  # what the analyst's role may read
            schema = schema_only(reader, ANALYST_TABLES)
        try:
            return _store_tables(schema)
        finally:
            schema.close()
    rows = db.execute(
        """
        SELECT lower(t.table_name), t.table_type, c.column_name, c.data_type
        FROM information_schema.tables AS t
        JOIN information_schema.columns AS c USING (table_catalog, table_schema, table_name)
        WHERE t.table_schema = 'main' AND t.table_catalog = current_database()
        ORDER BY t.table_name, c.ordinal_position
        """
    ).fetchall()
    out: dict[str, tuple[str, list[str]]] = {}
    for table, kind, column, dtype in rows:
        if table in ANALYST_TABLES:
            label = "view" if kind == "VIEW" else "table"
            out.setdefault(table, (label, []))[1].append(f"{column} {dtype}")
    return out


def schema_description(db: Any) -> str:
    """Every table and view run_sql may read, with its columns and types, one per line."""
    return "\n".join(f"{name} ({label}): {', '.join(columns)}"
                     for name, (label, columns) in sorted(_store_tables(db).items()))


def _bounded(sql: str, types: list[DuckDBPyType], names: list[str],
             max_chars: int) -> str:
    """The query with every text-like cell cut to max_chars + 1 inside DuckDB, so a huge
    cell never reaches Python; nested values become JSON text."""
    exprs = []
    for i, (kind, name) in enumerate(zip(types, names, strict=True), start=1):
        alias = '"' + name.replace('"', '""') + '"'
        if kind.id in ("list", "struct", "map", "array", "union"):
            exprs.append(f"left(CAST(to_json(#{i}) AS VARCHAR), {max_chars + 1}) AS {alias}")
        elif kind.id in ("varchar", "blob", "bit", "bignum") or str(kind) == "JSON":
            exprs.append(f"left(CAST(#{i} AS VARCHAR), {max_chars + 1}) AS {alias}")
        else:
            exprs.append(f"#{i} AS {alias}")
    # Newlines: a trailing comment in the query must not swallow the closing parenthesis.
    return f"SELECT {', '.join(exprs)} FROM (\n{sql}\n) AS q"


def _message(exc: BaseException, limit: int = 600) -> str:
    """DuckDB's error without its long candidate lists."""
    text = str(exc).strip()
    cut = text.split("\n\tCandidate functions:")[0]
    return cut[:limit] + ("…" if len(cut) > limit else "")


def _columns_hint(vetted: VettedQuery, tables: dict[str, tuple[str, list[str]]]) -> str:
    named = [f"{t}({', '.join(c.split(' ')[0] for c in tables[t][1])})"
             for t in sorted(vetted.tables) if t in tables]
    base = "fix the SQL and call run_sql again"
    return f"{base}; the columns are: {'; '.join(named)}"[:1500] if named else base


def _run(conn: duckdb.DuckDBPyConnection, vetted: VettedQuery, settings: ToolSettings,
         tables: dict[str, tuple[str, list[str]]]) -> SqlResult:
    rel = conn.sql(vetted.sql)  # binds only: names and types, or the model's mistake
    names, types = list(rel.columns), list(rel.dtypes)
    columns = [Column(name=n, type=str(t)) for n, t in zip(names, types, strict=True)]
    # The byte cap counts the whole result: the query text and the columns too.
    size = len(vetted.sql.encode()) + sum(len(c.model_dump_json()) + 1 for c in columns)
    if size > settings.sql_max_bytes:
        raise PolicyViolation(
            f"the result's {len(columns)} columns exceed the {settings.sql_max_bytes}-byte "
            "result cap", "select fewer columns")
    cur = conn.execute(_bounded(vetted.sql, types, names, settings.sql_max_cell_chars))
    rows: list[list[Cell]] = []
    cut = 0
    truncated_by: Literal["rows", "bytes"] | None = None
    while truncated_by is None:
        batch = cur.fetchmany(_BATCH)
        if not batch:
            break
        for raw in batch:
            if len(rows) == settings.sql_max_rows:
                truncated_by = "rows"
                break
            row = [cell(v) for v in raw]
            long = [j for j, v in enumerate(row)
                    if isinstance(v, str) and len(v) > settings.sql_max_cell_chars]
            for j in long:
                row[j] = str(row[j])[: settings.sql_max_cell_chars] + _CUT
            size += len(json.dumps(row, ensure_ascii=False).encode()) + 1
            if size > settings.sql_max_bytes:
                truncated_by = "bytes"
                break
            rows.append(row)
            cut += len(long)
    return SqlResult(sql=vetted.sql, columns=columns, rows=rows, row_count=len(rows),
                     truncated=truncated_by is not None, truncated_by=truncated_by,
                     cut_cells=cut)


@tool(roles=_SQL_ROLES)
def run_sql(args: RunSqlArgs, env: ToolEnv) -> SqlResult:
    """Run one read-only SQL query (DuckDB dialect) over the tables describe_schema lists
    and return its columns and rows (at most a configured number of rows and bytes,
    flagged as truncated beyond; long text cells are cut). Call describe_schema first."""
    tables = _store_tables(env.db)
    vetted = check_select(args.sql, tables)
    settings = env.settings
    with sandbox(env.db, vetted.tables, memory_limit_mb=settings.sql_memory_limit_mb) as conn:
        # DuckDB checks for interrupts while it runs, so a timer can stop a runaway query.
        timer = threading.Timer(settings.sql_timeout_s, conn.interrupt)
        timer.start()
        try:
            return _run(conn, vetted, settings, tables)
        except duckdb.InterruptException as exc:
            raise PolicyViolation(
                f"the query ran longer than {settings.sql_timeout_s:g}s and was stopped",
                "filter or aggregate more, or add a LIMIT") from exc
        except duckdb.OutOfMemoryException as exc:
            raise PolicyViolation(
                f"the query needs more than {settings.sql_memory_limit_mb} MB of memory",
                "aggregate or filter before sorting or joining, or add a LIMIT") from exc
        except duckdb.PermissionException as exc:
            raise PolicyViolation("analyst SQL cannot read files, the network or settings",
                                  "query only the tables describe_schema lists") from exc
        except duckdb.Error as exc:
            raise InvalidArguments(f"the query failed: {_message(exc)}",
                                   _columns_hint(vetted, tables)) from exc
        finally:
            timer.cancel()


@tool(roles=_SQL_ROLES)
def describe_schema(args: NoArgs, env: ToolEnv) -> SchemaDescription:
    """Describe the tables and views run_sql may read: each with its columns and SQL types."""
    return SchemaDescription(text=schema_description(env.db))


ANALYTICS_TOOLS: list[Tool[Any, Any]] = [run_sql, describe_schema]
