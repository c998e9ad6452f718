"""The store's catalog as the analyst sees it, read once at start.

Tables and views with their columns and SQL types, primary keys, the join graph
and a few sample values per text column. Joins are the store's foreign keys as
DuckDB reports them, plus the implicit ones the seed relies on: a column that
is, by name, another table's single-column primary key (``sales_history.item_id``
-> ``variants.item_id``). A view cannot declare a key, so the semantic layer
may name one (``tables.<view>.key``): the view then takes part in those joins
like a table (``order_payments.payment_method_id`` -> ``user_payment_methods``).
The compiler joins only along these edges, so the model never writes a join
condition.
"""

from __future__ import annotations

import duckdb
from pydantic import BaseModel, Field

# Columns the model never needs: the τ²-bench record order, raw JSON documents.
_HIDDEN_COLUMNS = frozenset({"seq", "extended"})
# Bookkeeping; the audit trail (agent_runs, agent_steps) is for analysts and stays.
_HIDDEN_TABLES = frozenset({"tool_effects", "seed_meta"})
_MAX_SAMPLES = 60  # a text column with at most this many values is a "category"
_MAX_KEYS = 100  # a JSON column with more keys is keyed by ids (payment methods), not attributes


class CatalogColumn(BaseModel):
    table: str
    name: str
    type: str
    values: list[str] = Field(default_factory=list)  # all values of a category column

    @property
    def ref(self) -> str:
        return f"{self.table}.{self.name}"

    @property
    def kind(self) -> str:
        """number | date | text | bool | json: what a filter value must be."""
        t = self.type.upper()
        if t.startswith(("DATE", "TIMESTAMP")):
            return "date"
        if t.startswith("BOOL"):
            return "bool"
        if t.startswith("JSON"):
            return "json"
        if t.startswith(("INT", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "DOUBLE", "FLOAT",
                         "DECIMAL", "REAL", "UBIGINT", "UINTEGER")):
            return "number"
        return "text"


class JsonAttribute(BaseModel):
    """A top-level key of a JSON column whose values are a category: a variant's
    ``options.color`` ('blue', 'black', ...), an address's ``state``."""

    table: str
    column: str
    key: str
    rows: int  # rows that have the key
    values: list[str]

    @property
    def sql(self) -> str:
        return f"{self.table}.{self.column} ->> {_literal(self.key)}"


# a reference set on fewer rows than this is a poor way between tables when another is
# one join longer
_MOSTLY_SET = 0.5


class Join(BaseModel):
    """``left.column = right.column`` where ``right.column`` is ``right``'s key."""

    left: str
    right: str
    left_column: str
    right_column: str
    # the share of ``left`` rows whose column is set: a reference most rows leave empty
    # ("promotions.item_id", set only for a one-variant deal) is a poor way between tables
    filled: float = 1.0


class CatalogTable(BaseModel):
    name: str
    view: bool = False
    columns: list[CatalogColumn]
    primary_key: list[str] = Field(default_factory=list)

    def column(self, name: str) -> CatalogColumn | None:
        return next((c for c in self.columns if c.name == name), None)


class Catalog(BaseModel):
    tables: dict[str, CatalogTable]
    joins: list[Join]

    def column(self, ref: str) -> CatalogColumn | None:
        table, _, name = ref.partition(".")
        t = self.tables.get(table)
        return t.column(name) if t else None

    def column_refs(self) -> list[str]:
        return [c.ref for t in self.tables.values() for c in t.columns if c.kind != "json"]

    def path(self, start: str, goal: str, via: frozenset[str] = frozenset()) -> list[Join] | None:
        """The shortest chain of joins from ``start`` to ``goal`` (either direction).

        Among chains of that length, the one with the fewest steps up to a shared parent
        and back down to another of its children: orders reach the payment methods an
        order was paid with through its payments, not the methods its customer holds
        through the customer (siblings under one parent are not related to each other).
        A chain through a reference most rows leave empty gives way to one a join longer
        through a table of ``via`` (the tables a query groups by).
        """
        if start == goal:
            return []

        def rank(chain: list[Join]) -> tuple[int, float]:
            return _siblings(start, chain), -min(j.filled for j in chain)

        chains: list[tuple[str, list[Join]]] = [(start, [])]
        seen = {start}
        sparse: list[Join] | None = None  # the shortest chain, through a mostly empty column
        while chains:
            longer = [(j.right if j.left == table else j.left, [*chain, j])
                      for table, chain in chains for j in self.joins
                      if table in (j.left, j.right)
                      and (j.right if j.left == table else j.left) not in seen]
            found = [chain for table, chain in longer if table == goal]
            if sparse is not None:
                # one step longer through columns mostly set and a table of ``via``: the
                # promotions of the products grouped by, not of the one variant a few name
                full = [c for c in found if min(j.filled for j in c) >= _MOSTLY_SET
                        and via & {t for j in c for t in (j.left, j.right)}]
                return min(full, key=rank) if full else sparse
            if found:
                best = min(found, key=rank)
                if min(j.filled for j in best) >= _MOSTLY_SET or not via:
                    return best
                sparse = best
            seen |= {table for table, _ in longer if table != goal}
            chains = [(table, chain) for table, chain in longer if table != goal]
        return sparse


def _siblings(start: str, chain: list[Join]) -> int:
    """Steps of ``chain`` from ``start`` that go up to a key's table and straight back
    down from it to another table referencing it."""
    at, up_before, turns = start, False, 0
    for j in chain:
        up = at == j.left  # at holds the reference: a step to the table it references
        turns += up_before and not up
        up_before, at = up, j.right if up else j.left
    return turns


def read_catalog(db: duckdb.DuckDBPyConnection,
                 view_keys: dict[str, list[str]] | None = None,
                 references: list[Join] | None = None) -> Catalog:
    """The catalog of the store behind ``db`` (main schema, without bookkeeping tables);
    ``view_keys``: the key of a view the store cannot declare, ``references``: joins on
    columns whose names do not say what they reference (both the semantic layer's)."""
    rows = db.execute(
        "SELECT t.table_name, t.table_type, c.column_name, c.data_type "
        "FROM information_schema.tables t JOIN information_schema.columns c "
        "USING (table_catalog, table_schema, table_name) WHERE t.table_schema = 'main' "
        "ORDER BY t.table_name, c.ordinal_position").fetchall()
    tables: dict[str, CatalogTable] = {}
    for table, kind, column, dtype in rows:
        if table in _HIDDEN_TABLES or column in _HIDDEN_COLUMNS:
            continue
        t = tables.setdefault(table, CatalogTable(name=table, view=kind == "VIEW", columns=[]))
        t.columns.append(CatalogColumn(table=table, name=column, type=str(dtype)))
    for table, columns in db.execute(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
            "WHERE constraint_type = 'PRIMARY KEY' AND schema_name = 'main'").fetchall():
        if table in tables:
            tables[table].primary_key = list(columns)
    for table, columns in (view_keys or {}).items():
        view = tables.get(table)
        if view is not None and not view.primary_key and all(view.column(c) for c in columns):
            view.primary_key = list(columns)
    for t in tables.values():
        for c in t.columns:
            if c.kind == "text":
                c.values = expression_values(db, t.name, f'"{c.name}"')
    declared = [j for j in references or [] if j.left in tables and j.right in tables
                and tables[j.left].column(j.left_column) and tables[j.right].column(j.right_column)]
    return Catalog(tables=tables, joins=_joins(db, tables) + declared)


def json_attributes(db: duckdb.DuckDBPyConnection, catalog: Catalog) -> list[JsonAttribute]:
    """The category-valued keys of the catalog's JSON columns, the commonest first."""
    found: list[JsonAttribute] = []
    for t in catalog.tables.values():
        for c in t.columns:
            if c.kind != "json":
                continue
            keys = db.execute(
                f'SELECT k, count(*) FROM (SELECT unnest(json_keys("{c.name}")) AS k '
                f'FROM "{t.name}" WHERE json_type("{c.name}") = \'OBJECT\') '
                f"GROUP BY k ORDER BY 2 DESC, 1 LIMIT {_MAX_KEYS + 1}").fetchall()
            if len(keys) > _MAX_KEYS:
                continue
            for key, rows in keys:
                attribute = JsonAttribute(table=t.name, column=c.name, key=key, rows=rows,
                                          values=[])
                attribute.values = expression_values(db, t.name, attribute.sql)
                if attribute.values:
                    found.append(attribute)
    return sorted(found, key=lambda a: -a.rows)


def expression_values(db: duckdb.DuckDBPyConnection, table: str, sql: str) -> list[str]:
    """The values of a text expression over ``table`` when they are a category, else []."""
    rows = db.execute(f'SELECT DISTINCT {sql} AS _value FROM "{table}" WHERE _value IS NOT NULL '
                      f"LIMIT {_MAX_SAMPLES + 1}").fetchall()
    if len(rows) > _MAX_SAMPLES:
        return []
    return sorted(str(r[0]) for r in rows)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _joins(db: duckdb.DuckDBPyConnection, tables: dict[str, CatalogTable]) -> list[Join]:
    joins: dict[tuple[str, str], Join] = {}
    declared = db.execute(
        "SELECT table_name, constraint_column_names, referenced_table, "
        "referenced_column_names FROM duckdb_constraints() "
        "WHERE constraint_type = 'FOREIGN KEY' AND schema_name = 'main'").fetchall()
    for table, cols, ref_table, ref_cols in declared:
        if table in tables and ref_table in tables and len(cols) == 1:
            joins[(table, ref_table)] = Join(left=table, right=ref_table, left_column=cols[0],
                                             right_column=ref_cols[0])
    keys = {t.primary_key[0]: t.name for t in tables.values() if len(t.primary_key) == 1}
    for t in tables.values():
        for c in t.columns:
            target = keys.get(c.name)
            if target and target != t.name and (t.name, target) not in joins:
                joins[(t.name, target)] = Join(left=t.name, right=target, left_column=c.name,
                                               right_column=c.name)
    for key, join in joins.items():
        filled = db.execute(f'SELECT count("{join.left_column}") / greatest(count(*), 1) '
                            f'FROM "{join.left}"').fetchone()
        if filled is not None and filled[0] is not None:
            joins[key] = join.model_copy(update={"filled": float(filled[0])})
    return list(joins.values())
