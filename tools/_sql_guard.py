"""The statement check of analyst SQL: the second layer, in front of the sandbox.

The first layer is the sandbox itself (``_sql_sandbox``): a read-only snapshot with
no file system, no network and locked settings. This check refuses, with a message
the model can act on, what that layer would also stop, and decides which tables the
snapshot must hold. DuckDB's own parser decides, never a pattern over the text:

- ``extract_statements``: exactly one statement, of type SELECT;
- ``json_serialize_sql``: the syntax tree, walked with an allow-list of node types, so a
  data-modifying CTE (``WITH x AS (DELETE ... RETURNING ...)``), which parses as a
  SELECT, is refused by its node type;
- every table reference is a CTE defined in an enclosing scope (in order: a CTE sees
  itself and the CTEs before it) or a whitelisted table of the store's main schema;
  a quoted path (``FROM '/etc/passwd'``, ``"x.csv"``) is neither, whatever CTE of
  another scope bears that name;
- table functions come from an allow-list of pure generators; scalar functions that
  read settings, sequences or the environment, or sleep, are refused; functions whose
  output size is an argument (``repeat``, ``lpad``, ``rpad``) need a small constant.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

import duckdb

from .errors import PolicyViolation

# Table functions a SELECT may use in FROM: all compute from their arguments only.
_TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest", "json_each", "json_tree"})
# Scalar functions that read settings, the environment or sequences, or only wait.
_DENIED_FUNCTIONS = frozenset({
    "current_setting", "getenv", "nextval", "currval", "setval", "sleep_ms", "pg_sleep",
    "current_query", "query", "query_table", "glob", "sniff_csv", "which_secret",
    "json_execute_serialized_sql", "load_extension",
})
_DENIED_PREFIXES = ("duckdb_", "pg_", "pragma_", "read_", "parquet_", "sqlite_", "postgres_",
                    "mysql_", "iceberg_", "delta_", "http", "icu_")
# Functions whose result grows with an argument, DuckDB's memory limit does not count
# string results, so that argument must be a constant at most _MAX_SIZE_ARG.
_SIZE_ARGUMENT = {"repeat": 1, "lpad": 1, "rpad": 1}
_MAX_SIZE_ARG = 10_000
# Query nodes ("..._NODE") and table references a read-only query is built from; any
# other query node (DELETE_QUERY_NODE, UPDATE_QUERY_NODE, ...) or table reference is refused.
_READ_NODES = frozenset({
    "SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE", "CTE_NODE",
    "BASE_TABLE", "JOIN", "SUBQUERY", "TABLE_FUNCTION", "EMPTY", "EXPRESSION_LIST", "PIVOT",
})
_TABLE_REFS = frozenset({"BASE_TABLE", "JOIN", "SUBQUERY", "TABLE_FUNCTION", "EMPTY",
                         "EXPRESSION_LIST", "PIVOT", "SHOW_REF", "COLUMN_DATA", "DELIM_GET",
                         "CTE", "BOUND_TABLE_REF"})
_MAIN_SCHEMAS = ("", "main")

_HINT = "write one SELECT (or WITH ... SELECT) that reads only the tables describe_schema lists"

# Only the parser and json_serialize_sql run here: no table, no file, locked settings.
_PARSER = duckdb.connect(":memory:", config={
    "enable_external_access": False, "autoload_known_extensions": False,
    "autoinstall_known_extensions": False, "lock_configuration": True})


@dataclass(frozen=True)
class VettedQuery:
    sql: str  # the statement's text, without a trailing semicolon
    tables: frozenset[str]  # the whitelisted tables it reads (lower case)


def _allowed_hint(allowed: Collection[str]) -> str:
    return f"the tables you may query are: {', '.join(sorted(allowed))}"


def _parse(sql: str) -> tuple[str, dict[str, Any]]:
    if "\x00" in sql:
        raise PolicyViolation("the SQL contains a NUL character", "remove it and call again")
    cur = _PARSER.cursor()
    try:
        statements = cur.extract_statements(sql)
        if len(statements) != 1:
            raise PolicyViolation(f"exactly one statement is allowed, got {len(statements)}",
                                  _HINT)
        statement = statements[0]
        if statement.type != duckdb.StatementType.SELECT:
            raise PolicyViolation(
                f"only SELECT queries are allowed, not {statement.type.name}", _HINT)
        row = cur.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()
    except duckdb.Error as exc:
        raise PolicyViolation(f"the SQL does not parse: {_first_line(exc)}", _HINT) from exc
    finally:
        cur.close()
    try:
        tree = json.loads(row[0]) if row else {"error": True}
    except RecursionError as exc:
        raise PolicyViolation("the query is nested too deeply to check",
                              "flatten it: use CTEs instead of deeply nested expressions"
                              ) from exc
    if tree.get("error"):
        raise PolicyViolation(f"the query cannot be checked: {tree.get('error_message', '')}",
                              _HINT)
    text = statement.query.rstrip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    return text, tree


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__


def _children(node: dict[str, Any], scope: frozenset[str]
              ) -> Iterator[tuple[Any, frozenset[str]]]:
    """A node's children with the CTE names each may refer to."""
    entries = (node.get("cte_map") or {}).get("map") or []
    names = [str(e.get("key", "")).lower() for e in entries]
    for i, entry in enumerate(entries):
        # A CTE sees itself (WITH RECURSIVE) and the CTEs defined before it.
        yield entry.get("value"), scope | frozenset(names[: i + 1])
    inner = scope | frozenset(names)
    for key, value in node.items():
        if key != "cte_map":
            yield value, inner


def _function(node: dict[str, Any]) -> str:
    name = str(node.get("function_name", "")).lower()
    if node.get("catalog") or str(node.get("schema", "")).lower() not in _MAIN_SCHEMAS:
        raise PolicyViolation(f"the qualified function {name}() is not allowed",
                              "call functions by their plain name")
    if name in _DENIED_FUNCTIONS or name.startswith(_DENIED_PREFIXES):
        raise PolicyViolation(f"the function {name}() is not allowed in analyst SQL", _HINT)
    position = _SIZE_ARGUMENT.get(name)
    if position is not None:
        args = [a.get("expression") or {} for a in node.get("arguments") or []]
        size = args[position] if len(args) > position else {}
        literal = size.get("literal") or {} if size.get("class") == "CONSTANT" else {}
        text = str(literal.get("text", ""))
        if literal.get("kind") != "INTEGER" or not text.isdigit() or int(text) > _MAX_SIZE_ARG:
            raise PolicyViolation(
                f"{name}() needs a constant length of at most {_MAX_SIZE_ARG}",
                f"write the length as a number, e.g. {name}(x, 10)")
    return name


def _table(node: dict[str, Any], scope: frozenset[str], allowed: Collection[str]) -> str | None:
    """The whitelisted table a reference reads, None for a CTE; refuses anything else."""
    table = str(node.get("table_name", ""))
    name, schema = table.lower(), str(node.get("schema_name", "")).lower()
    catalog = str(node.get("catalog_name", ""))
    if not catalog and not schema and name in scope:
        return None
    if not catalog and schema in _MAIN_SCHEMAS and name in allowed:
        return name
    shown = ".".join(p for p in (catalog, schema, table) if p)[:200]
    raise PolicyViolation(f"{shown!r} is not a table you may query", _allowed_hint(allowed))


def check_select(sql: str, allowed: Collection[str]) -> VettedQuery:
    """Vet one analyst query against ``allowed`` (lower-case table names); raise
    PolicyViolation with what to change if it is not a plain read of those tables."""
    text, tree = _parse(sql)
    tables: set[str] = set()
    stack: list[tuple[Any, frozenset[str]]] = [(tree.get("statements"), frozenset())]
    while stack:  # iterative: a deep tree must not exhaust Python's stack
        value, scope = stack.pop()
        if isinstance(value, list):
            stack.extend((v, scope) for v in value)
            continue
        if not isinstance(value, dict):
            continue
        kind = value.get("type")
        if "class" not in value and isinstance(kind, str):
            if (kind.endswith("_NODE") or kind in _TABLE_REFS) and kind not in _READ_NODES:
                raise PolicyViolation(
                    f"the query contains a {kind.lower().replace('_', ' ')}; analyst SQL "
                    "may only read", _HINT)
            if kind == "BASE_TABLE":
                found = _table(value, scope, allowed)
                if found:
                    tables.add(found)
            elif kind == "TABLE_FUNCTION":
                fn = value.get("function") or {}
                name = _function(fn)
                if name not in _TABLE_FUNCTIONS:
                    raise PolicyViolation(
                        f"the table function {name}() is not allowed; only "
                        f"{', '.join(sorted(_TABLE_FUNCTIONS))} are", _allowed_hint(allowed))
        elif value.get("class") == "FUNCTION":
            _function(value)
        stack.extend(_children(value, scope))
    return VettedQuery(sql=text, tables=frozenset(tables))
