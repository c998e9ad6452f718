"""Where DuckDB's SQL and PostgreSQL's differ, in one place.

The tools write one SQL text for both backends: ``?`` placeholders and the common
subset of the two dialects (``= ANY(?)`` for a list, ``DISTINCT ON``,
``percentile_cont(...) WITHIN GROUP``, ``->>`` with a plain key, ``DOUBLE PRECISION``).
What cannot be shared is here: the placeholder style, the column types met when a
table crosses from one engine to the other, and which driver errors mean "a table
is missing" or "a concurrent transaction won, run again".
"""

from __future__ import annotations

from functools import lru_cache

import duckdb
from psycopg import errors as pg_errors

# A table the query reads does not exist (the store is not seeded yet).
MISSING_TABLE_ERRORS: tuple[type[Exception], ...] = (duckdb.CatalogException,
                                                     pg_errors.UndefinedTable)


@lru_cache(maxsize=2048)
def to_postgres(sql: str) -> str:
    """``?`` placeholders to psycopg's ``%s``; a literal ``%`` doubled (psycopg reads it)."""
    out: list[str] = []
    quote: str | None = None
    for ch in sql:
        if ch == "%":
            out.append("%%")
            continue
        if quote is not None:
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
        elif ch == "?":
            out.append("%s")
            continue
        out.append(ch)
    return "".join(out)


def is_conflict(exc: BaseException) -> bool:
    """A concurrent transaction got there first; running the whole transaction again is safe.

    Serialization failures (REPEATABLE READ: a row this transaction updates was changed
    since its snapshot), deadlocks, and a duplicate idempotency key (two workers ran the
    same call at once: the retry finds the first one's record and replays it).
    """
    if isinstance(exc, pg_errors.SerializationFailure | pg_errors.DeadlockDetected):
        return True
    if isinstance(exc, pg_errors.UniqueViolation):
        return exc.diag.table_name in ("tool_effects", "agent_runs")
    return isinstance(exc, duckdb.TransactionException) and "Conflict" in str(exc)


# DuckDB column type -> PostgreSQL column type, for tables seeded in DuckDB and copied over.
_DUCK_TO_PG = {
    "VARCHAR": "TEXT", "DOUBLE": "DOUBLE PRECISION", "FLOAT": "REAL", "INTEGER": "INTEGER",
    "BIGINT": "BIGINT", "SMALLINT": "SMALLINT", "BOOLEAN": "BOOLEAN", "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMP", "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ", "JSON": "JSON",
    "HUGEINT": "NUMERIC",
}
# PostgreSQL column type (information_schema.columns.data_type) -> DuckDB column type,
# for the analyst's snapshot of PostgreSQL tables.
_PG_TO_DUCK = {
    "text": "VARCHAR", "character varying": "VARCHAR", "double precision": "DOUBLE",
    "real": "FLOAT", "integer": "INTEGER", "bigint": "BIGINT", "smallint": "SMALLINT",
    "boolean": "BOOLEAN", "date": "DATE", "timestamp without time zone": "TIMESTAMP",
    "timestamp with time zone": "TIMESTAMPTZ", "json": "JSON", "jsonb": "JSON",
    "numeric": "DOUBLE",
}


def postgres_type(duckdb_type: str) -> str:
    try:
        return _DUCK_TO_PG[duckdb_type.upper()]
    except KeyError:
        raise ValueError(f"no PostgreSQL column type for DuckDB's {duckdb_type}") from None


def duckdb_type(postgres_data_type: str) -> str:
    try:
        return _PG_TO_DUCK[postgres_data_type]
    except KeyError:
        raise ValueError(f"no DuckDB column type for PostgreSQL's {postgres_data_type}") from None


def quote(name: str) -> str:
    """An identifier, quoted the way both engines read it."""
    return '"' + name.replace('"', '""') + '"'

