"""Vetting analyst SQL before it runs: one read-only SELECT over the store's own tables.

DuckDB's own parser decides: ``extract_statements`` gives the statement count and
type, and ``json_serialize_sql`` gives the syntax tree, which is walked for what a
SELECT can still reach outside the store: table functions that read files or the
network (``read_csv``, ``glob``, ``query``...), replacement scans (``FROM 'x.csv'``),
other attached catalogs, and scalar functions such as ``getenv``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import duckdb

from .errors import PolicyViolation

# Table functions a SELECT may use in FROM: all compute from their arguments only.
_TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest", "json_each", "json_tree"})
# Scalar functions that read the environment, files or secrets.
_DENIED_FUNCTIONS = frozenset({
    "getenv", "read_text", "read_blob", "current_setting", "duckdb_secrets", "which_secret",
    "query", "query_table", "load_extension", "glob", "sniff_csv",
})
_DENIED_PREFIXES = ("read_", "parquet_", "iceberg_", "delta_", "sqlite_", "postgres_",
                    "mysql_", "http")
_ALLOWED_SCHEMAS = frozenset({"", "main", "information_schema", "pg_catalog"})

_HINT = "ask one SELECT (or WITH ... SELECT) over the store's tables; see describe_schema"


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _nodes(value)


def _cte_names(tree: Any) -> set[str]:
    names: set[str] = set()
    for node in _nodes(tree):
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict):
            names.update(entry["key"].lower() for entry in cte_map.get("map", []))
    return names


def check_select(db: duckdb.DuckDBPyConnection, sql: str) -> str:
    """Return the single statement's text if it is a safe SELECT; raise PolicyViolation if not."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise PolicyViolation(f"the SQL does not parse: {exc}", _HINT) from exc
    if len(statements) != 1:
        raise PolicyViolation(f"exactly one statement is allowed, got {len(statements)}", _HINT)
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        raise PolicyViolation(f"only SELECT queries are allowed, not {statement.type.name}",
                              _HINT)
    serialized = db.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()
    tree = json.loads(serialized[0]) if serialized else {"error": True}
    if tree.get("error"):
        raise PolicyViolation(f"the query cannot be vetted: {tree.get('error_message', '')}",
                              _HINT)
    known = {name.lower() for (name,) in db.execute(
        "SELECT table_name FROM information_schema.tables").fetchall()}
    known |= _cte_names(tree)
    for node in _nodes(tree):
        kind = node.get("type")
        if kind == "TABLE_FUNCTION":
            name = str(node.get("function", {}).get("function_name", "")).lower()
            if name not in _TABLE_FUNCTIONS:
                raise PolicyViolation(f"the table function {name}() is not allowed", _HINT)
        elif kind == "BASE_TABLE":
            table = str(node.get("table_name", ""))
            schema = str(node.get("schema_name", "")).lower()
            if node.get("catalog_name") or schema not in _ALLOWED_SCHEMAS or (
                    schema in ("", "main") and table.lower() not in known):
                raise PolicyViolation(f"{table!r} is not a table of the store", _HINT)
        elif node.get("class") == "FUNCTION":
            name = str(node.get("function_name", "")).lower()
            if name in _DENIED_FUNCTIONS or name.startswith(_DENIED_PREFIXES):
                raise PolicyViolation(f"the function {name}() is not allowed", _HINT)
    return statement.query
