"""The semantic layer: named business terms over the store (``configs/semantic.yaml``).

A metric is an aggregate SQL expression over a base table, with the extra tables
its expression needs, an optional row filter and the date column that a period
("last month") applies to. A dimension is a named expression to group or filter
by. A segment is a named row condition ("sold out": ``NOT variants.available``) a
query filters by, also through a join ("order lines of sold-out variants"); its
synonyms are the phrases that name it. Expressions may use ``{as_of}``, the business date, as a DATE literal.
``check`` refuses a layer that names a table or column the catalog lacks, so a
config typo fails at start, not in a user's answer.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from ._sql_catalog import Catalog, Join, JsonAttribute

Format = Literal["count", "money", "units", "days", "percent", "number", "date"]
_TOP = Path(__file__).resolve().parents[1]
# The checkout's configs/, or where a wheel puts them (streamwise/_configs, see pyproject).
DEFAULT_PATH = next((p for p in (_TOP / "configs" / "semantic.yaml",
                                 _TOP / "streamwise" / "_configs" / "semantic.yaml") if p.is_file()),
                    _TOP / "configs" / "semantic.yaml")
AGGREGATES = ("sum", "avg", "min", "max")
# Written by code only (``_sql_amend``: "how many products have volume tiers" counts the
# distinct products of volume_tiers, "the median price" is one); not offered to the model,
# whose schema they would double.
CODE_AGGREGATES = ("count_distinct", "median")
_FN_WORDS = {"sum": "total", "avg": "average", "min": "lowest", "max": "highest",
             "median": "median"}
_AGGREGATE = re.compile(
    r"^(sum|avg|min|max|median|count_distinct)\(([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\)$")
# The store's date columns' names (``day``, ``ordered_on``, ``created_at``): an earliest or
# latest of one (written by code, ``_sql_calendar.date_extreme``) is a date, not a number.
_DATE_NAME = re.compile(r"(^day$|date|_on$|_at$)")
# "count_distinct(customer_city)": how many values a dimension takes (code writes it).
_DIMENSION_COUNT = re.compile(r"^count_distinct\(([a-z_][a-z0-9_]*)\)$")
_REF = re.compile(r"\b([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\b")
# "max(price_change_pct)": the largest of the values a term averages, one per row (the
# biggest single price change); "avg_size(price_change_pct)" the average of their sizes
# (how big a price cut is). Code writes them (``_sql_amend_metric._term_extreme``,
# ``_sql_amend_shape._decrease_size``).
_TERM_EXTREME = re.compile(r"^(min|max|avg_size|min_size|max_size)\(([a-z][a-z0-9_]*)\)$")
# "duration(promotions)": the days each row of a table whose rows last (``ends_column``)
# runs, first and last day counted, averaged over the rows; "span(promotions)": its end
# date minus its start date (code writes them, ``_sql_amend_metric._duration_asked``).
_DURATION = re.compile(r"^(duration|span)\(([a-z][a-z0-9_]*)\)$")


class _Term(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    description: str
    synonyms: list[str] = Field(default_factory=list)
    table: str  # the base table: a query over this term starts (FROM) here
    joins: list[str] = Field(default_factory=list)  # other tables the expression reads
    # Tables only a subquery inside ``sql`` reads (a state's region for an address): they
    # must exist, and are not joined.
    reads: list[str] = Field(default_factory=list)
    sql: str  # over fully qualified columns (table.column)

    def search_text(self) -> str:
        return " ".join([self.name.replace("_", " "), self.label, self.description,
                         *self.synonyms])


class Metric(_Term):
    filter: str | None = None  # a row condition the metric always carries
    time_column: str | None = None  # table.column a period applies to (default: the table's)
    format: Format = "number"


class Dimension(_Term):
    kind: Literal["text", "number", "date"] = "text"
    # The column whose values this takes from nearer its table (a customer's region is
    # state_regions.region, without the joins through orders and warehouses).
    values_of: str | None = None


class Segment(_Term):
    """A named condition: ``sql`` is a boolean expression over its tables."""


class TableNote(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str
    time_column: str | None = None  # the column a period applies to, by name
    # Rows that last from time_column to this column (a promotion runs from starts_on to
    # ends_on): a period means the rows running in it, unless a date word names one end.
    ends_column: str | None = None
    synonyms: list[str] = Field(default_factory=list)
    key: list[str] = Field(default_factory=list)  # a view's key, which a view cannot declare
    # Other words a question uses for a date column ("due", "arrive" -> expected_on).
    date_words: dict[str, list[str]] = Field(default_factory=dict)
    # Other names a question uses for a number column ("bulk discount" -> percent_off).
    column_words: dict[str, list[str]] = Field(default_factory=dict)
    # Columns that hold another table's key under another name, as "table.column"
    # (an agent run's subject_id is the order's id for order-agent runs).
    references: dict[str, str] = Field(default_factory=dict)


class SemanticLayer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tables: dict[str, TableNote] = Field(default_factory=dict)
    metrics: list[Metric] = Field(default_factory=list)
    dimensions: list[Dimension] = Field(default_factory=list)
    segments: list[Segment] = Field(default_factory=list)
    # Read from the store, not the config: the category-valued keys of JSON columns (a
    # variant's color). There are dozens, so the model is not offered them; code filters
    # by one when the question names one of its values ("variants in blue").
    attributes: list[Dimension] = Field(default_factory=list)
    value_synonyms: dict[str, list[str]] = Field(default_factory=dict)  # 'TX': [Texas]
    shorthand: dict[str, str] = Field(default_factory=dict)  # 'avg': average

    def view_keys(self) -> dict[str, list[str]]:
        return {table: note.key for table, note in self.tables.items() if note.key}

    def references(self) -> list[Join]:
        return [Join(left=table, right=target.partition(".")[0], left_column=column,
                     right_column=target.partition(".")[2])
                for table, note in self.tables.items()
                for column, target in note.references.items()]

    def metric(self, name: str) -> Metric | None:
        """A named metric, or an aggregate of one column written ``avg(table.column)``."""
        found = next((m for m in self.metrics if m.name == name), None)
        if found is None and (counted := _DIMENSION_COUNT.match(name)) is not None:
            return self._values_counted(counted.group(1))
        if found is None and (extreme := _TERM_EXTREME.match(name)) is not None:
            return self._term_extreme(extreme.group(1), extreme.group(2))
        if found is None and (lasting := _DURATION.match(name)) is not None:
            return self._duration(lasting.group(2), inclusive=lasting.group(1) == "duration")
        match = _AGGREGATE.match(name)
        if found is not None or match is None:
            return found
        fn, table, column = match.groups()
        if fn == "count_distinct":
            thing = column.removesuffix("_id").replace("_", " ")
            return Metric.model_construct(
                name=name, label=f"{thing} count", description=f"number of distinct {thing}s "
                f"in {table}", synonyms=[], table=table, joins=[],
                sql=f"count(DISTINCT {table}.{column})", filter=None, time_column=None,
                format="count")
        fmt: Format = ("money" if re.search(r"price|cost|amount|balance|usd", column)
                       else "days" if "days" in column and fn != "sum"
                       else "date" if _DATE_NAME.search(column) and fn in ("min", "max")
                       else "number")
        word = {"min": "earliest", "max": "latest"}[fn] if fmt == "date" else _FN_WORDS[fn]
        # Not validated: the name is the SQL, checked against the catalog by the vocabulary.
        return Metric.model_construct(
            name=name, label=f"{word} {column.replace('_', ' ')}",
            description=f"the {word} of {table}.{column}", synonyms=[], table=table,
            joins=[], sql=name, filter=None, time_column=None, format=fmt)

    def row_values(self, term: Metric) -> str | None:
        """The expression a term averages over its rows (``avg(<it>)``), else None."""
        inner = term.sql.strip()
        if not (inner.lower().startswith("avg(") and inner.endswith(")")):
            return None
        inner = inner[4:-1]
        depth = 0
        for ch in inner:  # "avg(a) / avg(b)" is no average of one expression
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if depth < 0:
                return None
        return inner if depth == 0 else None

    def _term_extreme(self, fn: str, term_name: str) -> Metric | None:
        term = next((m for m in self.metrics if m.name == term_name), None)
        values = self.row_values(term) if term is not None else None
        if term is None or values is None:
            return None
        label = re.sub(r"^average ", "", term.label)
        aggregate, size = fn.partition("_")[0], fn.endswith("_size")
        word = _FN_WORDS[aggregate]
        return Metric.model_construct(
            name=f"{fn}({term.name})", label=f"{word} {'size of ' if size else ''}{label}",
            description=f"the {word} {'size' if size else 'single value'} of {term.label}",
            synonyms=[], table=term.table, joins=term.joins, reads=term.reads,
            sql=f"{aggregate}(abs({values}))" if size else f"{aggregate}({values})",
            filter=term.filter, time_column=term.time_column, format=term.format)

    def _duration(self, table: str, inclusive: bool) -> Metric | None:
        starts, ends = self.time_column(table), self.ends_column(table)
        if starts is None or ends is None:
            return None
        # Inclusive, as a period's running rows are (a promotion ending today runs today),
        # unless the question counts the end date minus the start date.
        name, counted = ("duration", "first and last day counted") if inclusive else (
            "span", "end date minus start date")
        return Metric.model_construct(
            name=f"{name}({table})", label=f"{table.replace('_', ' ')} {name} (days)",
            description=f"days each row of {table} runs, {counted}",
            synonyms=[], table=table, joins=[], reads=[],
            sql=f"avg(date_diff('day', {starts}, {ends}){' + 1' if inclusive else ''})",
            filter=None, time_column=None, format="days")

    def _values_counted(self, name: str) -> Metric | None:
        dim = self.dimension(name)
        if dim is None:
            return None
        return Metric.model_construct(
            name=f"count_distinct({name})", label=f"{dim.label} count",
            description=f"number of distinct values of {dim.label}", synonyms=[],
            table=dim.table, joins=dim.joins, reads=dim.reads,
            sql=f"count(DISTINCT {dim.sql})", filter=None, time_column=None, format="count")

    def dimension(self, name: str) -> Dimension | None:
        return next((d for d in [*self.dimensions, *self.attributes] if d.name == name), None)

    def with_attributes(self, found: list[JsonAttribute]) -> SemanticLayer:
        """The layer with a dimension for each JSON attribute that no configured dimension
        already reads (``customer_state`` is ``users.address``'s state)."""
        configured = {_json_path(d.sql) for d in self.dimensions}
        taken = {t.name for t in [*self.metrics, *self.dimensions, *self.segments]}
        attributes = []
        for a in found:
            name = re.sub(r"[^a-z0-9]+", "_", f"{a.table}_{a.key}".lower()).strip("_")
            if (a.table, a.column, a.key) in configured or name in taken:
                continue
            taken.add(name)
            attributes.append(Dimension(
                name=name, label=f"{a.key} ({a.table})", table=a.table, sql=a.sql,
                description=f"the {a.key} in {a.table}.{a.column}"))
        return self.model_copy(update={"attributes": attributes})

    def segment(self, name: str) -> Segment | None:
        return next((g for g in self.segments if g.name == name), None)

    def time_column(self, table: str) -> str | None:
        note = self.tables.get(table)
        return f"{table}.{note.time_column}" if note and note.time_column else None

    def ends_column(self, table: str) -> str | None:
        note = self.tables.get(table)
        return f"{table}.{note.ends_column}" if note and note.ends_column else None

    def restrict(self, catalog: Catalog) -> SemanticLayer:
        """The terms whose tables the store has (a store without the operational tables
        still answers questions about orders); then ``check`` the rest."""
        have = set(catalog.tables)
        metrics = [m for m in self.metrics if {m.table, *m.joins} <= have]
        # Every table can be counted ("how many warehouses"), also one the config forgot.
        counted = {m.table for m in metrics if m.sql.lower().startswith("count(") and not m.filter}
        metrics += [Metric(name=f"{t}_count", label=t.replace("_", " "),
                           description=f"number of rows of {t}", synonyms=[f"how many {t}"],
                           table=t, sql="count(*)", format="count")
                    for t in catalog.tables if t not in counted]
        layer = SemanticLayer(
            tables={t: n for t, n in self.tables.items() if t in have}, metrics=metrics,
            # a customer's state stays without state_regions; only its nearer twin goes
            dimensions=[d if not d.values_of or d.values_of.partition(".")[0] in have
                        else d.model_copy(update={"values_of": None})
                        for d in self.dimensions if {d.table, *d.joins, *d.reads} <= have],
            segments=[g for g in self.segments if {g.table, *g.joins, *g.reads} <= have],
            value_synonyms=self.value_synonyms, shorthand=self.shorthand)
        layer.check(catalog)
        return layer

    def check(self, catalog: Catalog) -> None:
        """Raise ValueError naming every table or column the layer uses and the store lacks."""
        problems: list[str] = []
        for table, note in self.tables.items():
            if table not in catalog.tables:
                problems.append(f"tables.{table}: no such table")
            elif note.time_column and catalog.column(f"{table}.{note.time_column}") is None:
                problems.append(f"tables.{table}.time_column: no column {note.time_column}")
            problems += [f"tables.{table}.{what}: no column {c}"
                         for what, columns in (("key", note.key), ("date_words", note.date_words),
                                               ("column_words", note.column_words),
                                               ("references", note.references),
                                               ("ends_column", [note.ends_column]
                                                if note.ends_column else []))
                         for c in columns
                         if table in catalog.tables and catalog.column(f"{table}.{c}") is None]
            problems += [f"tables.{table}.references.{c}: no column {target}"
                         for c, target in note.references.items()  # (a store without
                         if target.partition(".")[0] in catalog.tables  # the table: none)
                         and catalog.column(target) is None]
        names: set[str] = set()
        for term in [*self.metrics, *self.dimensions, *self.segments, *self.attributes]:
            if term.name in names:
                problems.append(f"{term.name}: defined twice")
            names.add(term.name)
            for table in [term.table, *term.joins, *term.reads]:
                if table not in catalog.tables:
                    problems.append(f"{term.name}: no table {table}")
            texts = [term.sql, getattr(term, "filter", None) or "",
                     getattr(term, "time_column", None) or ""]
            for text in texts:
                for table, column in _REF.findall(text):
                    if table not in [term.table, *term.joins, *term.reads]:
                        problems.append(f"{term.name}: {table}.{column} needs {table} in joins")
                    elif catalog.column(f"{table}.{column}") is None:
                        problems.append(f"{term.name}: no column {table}.{column}")
            values_of = getattr(term, "values_of", None)
            if values_of and catalog.column(values_of) is None:
                problems.append(f"{term.name}.values_of: no column {values_of}")
        if problems:
            raise ValueError("the semantic layer does not fit the store: " + "; ".join(problems))


_JSON_PATH = re.compile(r"^\s*([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\s*->>\s*'\$?\.?([^']+)'\s*$")


def _json_path(sql: str) -> tuple[str, str, str] | None:
    """(table, column, key) of ``table.column ->> '$.key'``, else None."""
    match = _JSON_PATH.match(sql)
    return (match.group(1), match.group(2), match.group(3)) if match else None


def load_layer(path: str | Path = DEFAULT_PATH) -> SemanticLayer:
    with open(path, encoding="utf-8") as f:
        return SemanticLayer.model_validate(yaml.safe_load(f) or {})
