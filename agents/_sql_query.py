"""The structured query the analyst model fills instead of writing SQL.

Every identifier in it is one of the store's own names: a metric of the semantic
layer, a ``table.column`` of the catalog, a named dimension or a calendar grain.
``Vocabulary.schema()`` is the tool's JSON schema with those names as enums (the
server holds decoding to it with a grammar); ``Vocabulary.check`` refuses any
other name with a "did you mean" (for servers that do not hold the schema).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ._semantic import AGGREGATES, CODE_AGGREGATES, SemanticLayer
from ._sql_catalog import Catalog

Period = Literal["all", "today", "yesterday", "last_7_days", "last_30_days", "last_90_days", "this_month",
                 "last_month", "this_year", "last_year", "next_7_days", "next_30_days"]
Op = Literal["=", "!=", ">", ">=", "<", "<=", "in", "not_in", "contains", "between",
             "is_null", "is_not_null", "latest"]
Compare = Literal[">", ">=", "<", "<=", "=", "!="]
Order = Literal["desc", "asc", "none"]
# Calendar buckets of the metric's date: truncations (month, week, day, year) and cycles
# ("which day of the week", "which month of the year"), which group across years.
# "year_month": a month written as text, YYYY-MM; "month_number": a month as its number,
# 1 to 12.
GRAINS = ("month", "week", "day", "year", "weekday", "month_of_year", "year_month",
          "month_number")
Value = str | float | int | bool | list[str | float | int] | None

MAX_METRICS, MAX_GROUPS, MAX_FILTERS = 3, 3, 4
# Query fields only code writes: not in the model's schema, nor in the examples it reads.
CODE_ONLY_FIELDS = frozenset({"absent", "combine", "versus", "period_on", "decimals", "every",
                              "compare", "subset", "also_having", "share_part"})


class Filter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str
    op: Op
    value: Value = None


class Having(BaseModel):
    """A condition on the first metric of each group ("orders with more than 4 lines");
    op ``between`` takes both ends, inclusive ("days with between 1,200 and 1,500 units
    sold")."""

    model_config = ConfigDict(extra="forbid")

    op: Compare | Literal["between"]
    value: float | list[float]

    @model_validator(mode="after")
    def _ends_fit_op(self) -> Having:
        if (self.op == "between") != isinstance(self.value, list) or (
                isinstance(self.value, list) and len(self.value) != 2):
            raise ValueError("having: op between takes a list of two numbers [low, high]; "
                             "any other op takes one number")
        return self

    def condition(self, expr: str) -> str:
        """The SQL condition on ``expr`` ("count(*) > 4", "q BETWEEN 1200 AND 1500")."""
        if isinstance(self.value, list):
            low, high = sorted(self.value)
            return f"{expr} BETWEEN {_plain(low)} AND {_plain(high)}"
        return f"{expr} {self.op} {_plain(self.value)}"


def _plain(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


class StructuredQuery(BaseModel):
    """What to compute: metrics per group, over filtered rows in a period.

    ``having`` keeps the groups whose first metric passes; ``count_groups`` answers
    with how many groups are left ("how many customers placed more than 3 orders"),
    ``average_groups`` with the average of the first metric over them ("how many
    lines does an order have on average"); ``share`` answers each metric over the rows
    its filters keep as a percentage of the metric over all the rows the query keeps
    ("what percentage of orders were cancelled"); ``ties`` keeps every group tied with
    the last one the limit keeps ("which cities are tied for the most customers");
    ``absent`` keeps the rows with none of a table's rows ("never ordered"). A
    filter with op ``latest`` keeps the rows of the field's latest date among the rows
    the other filters keep.
    """

    model_config = ConfigDict(extra="forbid")

    metrics: list[str] = Field(default_factory=list, max_length=MAX_METRICS)
    group_by: list[str] = Field(default_factory=list, max_length=MAX_GROUPS)
    filters: list[Filter] = Field(default_factory=list, max_length=MAX_FILTERS)
    period: Period = "all"
    order: Order = "none"
    limit: int | None = Field(default=None, ge=1, le=1000)
    having: Having | None = None
    count_groups: bool = False
    average_groups: bool = False
    share: list[Filter] = Field(default_factory=list, max_length=MAX_FILTERS)
    ties: bool = False
    # Code only (not in the model's schema): keep the rows of the query's table that have
    # no row of these tables, among the rows the filters on them keep ("customers who
    # never placed an order", "variants with no sales in October").
    absent: list[str] = Field(default_factory=list, max_length=2)
    # Code only: the first metric and the second combined, as one more column: their
    # difference ("between the highest and the lowest price") or the first as a percentage
    # of the second ("what percentage of the stock on hand is reserved"); with ``versus``,
    # "change": the first part's change from the second in percent ("by what percent did
    # revenue change from September to October").
    combine: Literal["difference", "percent", "change"] | None = None
    # Code only: the first metric over the rows of the first filter and of the second, and
    # the first minus the second ("how many more orders were delivered than cancelled").
    versus: list[Filter] = Field(default_factory=list, max_length=2)
    # Code only: the first metric again over the rows these filters also keep, as one more
    # column beside it ("how many deals are live, and how many of those are multi-buy").
    subset: list[Filter] = Field(default_factory=list, max_length=2)
    # Code only: with ``share``, the metric over the part's rows as one more column before
    # its share ("how many SKUs are no longer available, and what share of the catalogue
    # is that").
    share_part: bool = False
    # Code only: with ``count_groups``, a second bound whose groups are counted in one more
    # column ("how many buyers have exactly one order, and how many two or more").
    also_having: Having | None = None
    # Code only: the date column the period applies to, where the question names another
    # than the metric's ("purchase orders due to arrive in the next 7 days": expected_on).
    period_on: str | None = None
    # Code only: the decimals the figures are rounded to, where the question says ("round
    # to 1 decimal", "as a whole number").
    decimals: int | None = Field(default=None, ge=0, le=6)
    # Code only: the filters test every row of a group instead of picking rows: the groups
    # whose rows all pass ("items with no stock in every warehouse").
    every: bool = False
    # Code only: row conditions between two columns, each a filter whose value is the other
    # column ("variants priced below their unit cost": variants.price < unit_costs.unit_cost).
    compare: list[Filter] = Field(default_factory=list, max_length=2)


def totals_only(fields: dict[str, Any]) -> bool:
    """Whether a query's fields ask only for its metrics' totals (over a period, rounded):
    no groups, no conditions, no ranking; so each metric may come from a table of its own
    ("how many products and how many variants")."""
    default = StructuredQuery().model_dump()
    return all(k in ("metrics", "period", "decimals") or not v or v == default.get(k)
               for k, v in fields.items())


_VALUE_SCHEMA: dict[str, Any] = {"anyOf": [
    {"type": "string", "maxLength": 60}, {"type": "number"}, {"type": "boolean"},
    {"type": "array", "maxItems": 8,
     "items": {"anyOf": [{"type": "string", "maxLength": 60}, {"type": "number"}]}},
    {"type": "null"}]}


def _literal_values(t: Any) -> list[str]:
    return list(t.__args__)


class Vocabulary:
    """The names a query may use, from the catalog and the semantic layer."""

    def __init__(self, catalog: Catalog, layer: SemanticLayer) -> None:
        self.catalog = catalog
        self.layer = layer
        # Named metrics first, then an aggregate of any number column ("avg(table.column)").
        numbers = [c.ref for t in catalog.tables.values() for c in t.columns
                   if c.kind == "number" and not c.name.endswith(("_id", "_no", "position"))]
        self.metrics = [m.name for m in layer.metrics] + [
            f"{fn}({ref})" for ref in numbers for fn in AGGREGATES]
        self.fields = [*catalog.column_refs(), *(d.name for d in layer.dimensions),
                       *(g.name for g in layer.segments), *GRAINS]
        # Valid in a query, not offered to the model: code adds them (see SemanticLayer).
        self.code_fields = [a.name for a in layer.attributes]
        dates = [c.ref for t in catalog.tables.values() for c in t.columns if c.kind == "date"]
        self.code_metrics = {f"{fn}({ref})" for ref in catalog.column_refs()
                             for fn in CODE_AGGREGATES} | {
                                f"{fn}({ref})" for ref in dates for fn in ("min", "max")} | {
                                f"count_distinct({d.name})"
                                for d in [*layer.dimensions, *layer.attributes]} | {
                                f"{fn}({m.name})" for m in layer.metrics
                                if layer.row_values(m) is not None
                                for fn in ("min", "max", "avg_size", "min_size", "max_size")} | {
                                f"{kind}({t})" for t in catalog.tables
                                if layer.ends_column(t) is not None
                                for kind in ("duration", "span")}

    def schema(self) -> dict[str, Any]:
        """The JSON schema of a ``StructuredQuery`` whose names are the store's."""
        def enum(name: str, description: str) -> dict[str, Any]:
            return {"$ref": f"#/$defs/{name}", "description": description}
        return {
            "type": "object",
            "properties": {
                "metrics": {"type": "array", "maxItems": MAX_METRICS,
                            "items": enum("metric", "a business metric"),
                            "description": "what to compute; empty to list rows"},
                "group_by": {"type": "array", "maxItems": MAX_GROUPS,
                             "items": enum("field", "a column, dimension or month/week/day"),
                             "description": "one result row per value of these (or the "
                                            "columns to list when there is no metric)"},
                "filters": {"type": "array", "maxItems": MAX_FILTERS,
                            "items": {"$ref": "#/$defs/filter"}},
                "period": {"enum": _literal_values(Period),
                           "description": "relative to the business date"},
                "order": {"enum": _literal_values(Order),
                          "description": "by the first metric (else the first group_by)"},
                "limit": {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 1000},
                                    {"type": "null"}]},
                # Optional: a small model leaves them out; code sets them from the words.
                "having": {"anyOf": [{"type": "object", "properties": {
                    "op": {"enum": _literal_values(Compare)}, "value": {"type": "number"}},
                    "required": ["op", "value"], "additionalProperties": False},
                    {"type": "null"}], "description": "keep groups whose first metric passes"},
                "count_groups": {"type": "boolean",
                                 "description": "answer with the number of groups"},
                "average_groups": {"type": "boolean",
                                   "description": "answer with the first metric's average "
                                                  "over the groups"},
                "share": {"type": "array", "maxItems": MAX_FILTERS,
                          "items": {"$ref": "#/$defs/filter"},
                          "description": "answer each metric over the rows these keep as a "
                                         "percentage of it over all rows"},
                "ties": {"type": "boolean",
                         "description": "keep groups tied with the last one kept"},
            },
            "required": ["metrics", "group_by", "filters", "period", "order", "limit"],
            "additionalProperties": False,
            "$defs": {"metric": {"enum": self.metrics}, "field": {"enum": self.fields},
                      "filter": {"type": "object",
                                 "properties": {"field": {"$ref": "#/$defs/field"},
                                                "op": {"enum": _literal_values(Op)},
                                                "value": _VALUE_SCHEMA},
                                 "required": ["field", "op", "value"],
                                 "additionalProperties": False}},
        }

    def check(self, query: StructuredQuery) -> None:
        """Raise ValueError naming each unknown name and the nearest known ones."""
        problems = [_unknown(n, self.metrics, "metric") for n in query.metrics
                    if n not in self.metrics and n not in self.code_metrics]
        problems += [f"{t!r} is not a table of the store" for t in query.absent
                     if t not in self.catalog.tables]
        fields = [*query.group_by, *([query.period_on] if query.period_on else []),
                  *(f.field for f in [*query.filters, *query.share, *query.versus,
                                      *query.subset]),
                  *(str(v) for f in query.compare for v in (f.field, f.value))]
        problems += [_unknown(n, self.fields + self.metrics, "field") for n in fields
                     if n not in self.fields and n not in self.code_fields]
        if problems:
            raise ValueError("; ".join(problems))


def _unknown(name: str, known: list[str], what: str) -> str:
    near = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    if not near and "." in name:  # a column of a table that does not exist: match the column
        column = name.rsplit(".", 1)[1]
        near = [k for k in known if k.endswith(f".{column}")][:3]
    hint = f"; did you mean {' or '.join(near)}?" if near else ""
    return f"{name!r} is not a {what} of the store{hint}"


def bound_query_model(vocabulary: Callable[[], Vocabulary]) -> type[StructuredQuery]:
    """A ``StructuredQuery`` whose validation and JSON schema use the names of
    ``vocabulary()`` (called when first needed: the store may be seeded after start)."""

    class Query(StructuredQuery):
        @model_validator(mode="after")
        def _known_names(self) -> Query:
            vocabulary().check(self)
            return self

        @classmethod
        def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
            return vocabulary().schema()

    return Query
