"""Compiles a ``StructuredQuery`` to DuckDB SQL, in code.

The FROM table is the first metric's base table (else the first column's); every
other table a name needs is joined along the catalog's keys. Filter values are
checked against the column's type and, for a category column, matched to a value
it really holds ("Pending" -> 'pending'), so a query does not silently come back
empty. A filter on a table that would repeat the root's rows (the many side of a
key) is asked as EXISTS rather than joined, so sums and counts are not multiplied. A
period is a date range ending at the business date. Anything that cannot be compiled
raises ``QueryError`` whose message says what to change.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel

from ._semantic import Metric, SemanticLayer
from ._sql_catalog import Catalog, Join
from ._sql_query import GRAINS, Filter, Period, StructuredQuery, totals_only


class QueryError(ValueError):
    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class OutputColumn(BaseModel):
    name: str
    label: str
    format: str  # count | money | units | days | percent | number | text | date
    metric: bool = False


class Compiled(BaseModel):
    sql: str
    columns: list[OutputColumn]
    period: str  # the period in words, "" for all time


@dataclass
class _Select:
    expr: str
    out: OutputColumn


@dataclass
class _Plan:
    root: str
    tables: list[str] = field(default_factory=list)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _date(value: date) -> str:
    return f"DATE '{value.isoformat()}'"


def period_range(period: Period, as_of: date) -> tuple[date, date] | None:
    """[start, end] (inclusive) of ``period`` around the business date; None for all time."""
    if period == "all":
        return None
    if period == "today":
        return as_of, as_of
    if period == "yesterday":
        return as_of - timedelta(days=1), as_of - timedelta(days=1)
    if period.startswith("last_") and period.endswith("_days"):
        # the N whole days before the business date ("the last 30 days" of 2026-11-01 are
        # 2026-10-02 to 2026-10-31, as evals/sets/README.md writes them)
        return as_of - timedelta(days=int(period.split("_")[1])), as_of - timedelta(days=1)
    if period.startswith("next_"):
        return as_of, as_of + timedelta(days=int(period.split("_")[1]))
    month_start = as_of.replace(day=1)
    if period == "this_month":
        return month_start, as_of
    if period == "last_month":
        prev = (month_start - timedelta(days=1)).replace(day=1)
        return prev, month_start - timedelta(days=1)
    if period == "this_year":
        return as_of.replace(month=1, day=1), as_of
    return date(as_of.year - 1, 1, 1), date(as_of.year - 1, 12, 31)  # last_year


class Compiler:
    def __init__(self, catalog: Catalog, layer: SemanticLayer, as_of: date) -> None:
        self.catalog = catalog
        self.layer = layer
        self.as_of = as_of

    def compile(self, q: StructuredQuery, max_rows: int = 1000) -> Compiled:
        metrics = [m for m in (self.layer.metric(n) for n in q.metrics) if m is not None]
        bases = sorted({m.table for m in metrics})
        if len(bases) > 1 and totals_only(q.model_dump()):
            return self._side_by_side(q, max_rows)
        if len(bases) > 1:
            raise QueryError(
                f"the metrics {', '.join(q.metrics)} come from different tables "
                f"({', '.join(bases)}) and cannot be combined in one query",
                "ask for metrics of one table, or one metric at a time")
        if not metrics and not q.group_by:
            raise QueryError("the query names no metric and no column to list",
                             "put a metric in metrics, or the columns to list in group_by")
        plan = _Plan(root=bases[0] if bases else self._table_of(
            next((g for g in q.group_by if g not in GRAINS), None)
            or (q.filters[0].field if q.filters else "")))
        time_col = self._time_column(metrics, plan.root)
        where: list[str] = []
        for m in metrics:
            plan.tables += m.joins
        if len({m.filter for m in metrics}) == 1 and metrics[0].filter:
            where.append(self._fill(metrics[0].filter))
        selects = [self._dimension(g, time_col, plan, len(q.group_by)) for g in q.group_by]
        shared_filter = len({m.filter for m in metrics}) == 1
        if q.share and not metrics:
            raise QueryError("share needs a metric: it is a metric's share of its total",
                             "put the metric to compare in metrics")
        share = " AND ".join(self._conditions(q.share, plan, time_col))
        if share and q.share_part:  # the part's own figure before its share
            selects += [self._metric(m, inline_filter=not shared_filter, part=share)
                        for m in metrics]
        selects += [self._metric(m, inline_filter=not shared_filter, share=share)
                    for m in metrics]
        differences = self._differences(q, metrics, selects, plan, time_col, shared_filter)
        if q.versus:  # its two parts replace the metric over all the rows
            selects = [s for s in selects if not s.out.metric]
        selects += differences
        latest = [f for f in q.filters if f.op == "latest"]
        span = period_range(q.period, self.as_of)
        # "variants that sold nothing in the last 30 days", "items in pending orders marked
        # down in the last 30 days": where the counted rows have no dates, the period is
        # of the absent table's rows, else of the one filtered table's that has dates.
        lacking_when = self._period_elsewhere(q, plan, time_col, span)
        conditions = self._conditions([f for f in q.filters if f.op != "latest"], plan,
                                      time_col, absent=q.absent, within=lacking_when,
                                      compare=q.compare)
        every = ""
        if q.every:
            if not q.group_by or not metrics:
                raise QueryError("every tests each group's rows: it needs group_by and a "
                                 "metric", "put the things to keep in group_by")
            every, conditions = " AND ".join(conditions) or "TRUE", []
        for condition in conditions:
            _add(where, condition)
        if q.having is not None and not q.group_by:
            raise QueryError("having needs groups: it keeps the groups whose first metric "
                             "passes", "put the column to count per in group_by")
        if (q.having is not None or q.count_groups or q.average_groups) and not metrics:
            raise QueryError("having, count_groups and average_groups need a metric",
                             "put the metric to test per group in metrics")
        if q.average_groups and (q.count_groups or not q.group_by):
            raise QueryError("average_groups averages the first metric over the groups: it "
                             "needs group_by and no count_groups",
                             "put the thing to average per (an order's id, a day) in group_by")
        described = ""
        if span is not None and lacking_when:
            described = f"{q.period.replace('_', ' ')} ({span[0]} to {span[1]})"
        elif span is not None:
            period_col = self._period_column(q, plan) or time_col
            if period_col is None:
                raise QueryError(f"the period {q.period} does not apply: {plan.root} has no "
                                 "date column", "use period all, or a metric with dates")
            ends = self.layer.ends_column(plan.root)
            if ends is not None and period_col == self.layer.time_column(plan.root):
                # rows that last (promotions): those running at some time in the period
                where.append(f"CAST({period_col} AS DATE) <= {_date(span[1])} AND "
                             f"CAST({ends} AS DATE) >= {_date(span[0])}")
            else:
                where.append(f"CAST({period_col} AS DATE) BETWEEN {_date(span[0])} AND "
                             f"{_date(span[1])}")
            described = f"{q.period.replace('_', ' ')} ({span[0]} to {span[1]})"
        # "latest" reads the latest date among the rows the other conditions keep, so
        # "BargainBay's latest check" is BargainBay's, not the latest check of anyone.
        dated = [(f, self._date_expr(f, plan, time_col)) for f in latest]
        joins = render_joins(plan.root, plan.tables, self.catalog)
        inner = " ".join([f"FROM {plan.root}", *joins]
                         + (["WHERE " + " AND ".join(where)] if where else []))
        for _, expr in dated:
            where.append(f"{expr} = (SELECT max({expr}) {inner})")
        source = plan.root
        if metrics and not q.share and not every and not any(m.joins for m in metrics) and any(
                self._fans_out(plan.root, t) for t in set(plan.tables) - {plan.root}):
            source, selects = _one_row_per_group(plan.root, joins, where, selects)
            joins, where = [], []
        if q.also_having is not None and not (q.count_groups and q.having and metrics):
            raise QueryError("also_having counts the groups of a second bound beside having's",
                             "give count_groups, having and a metric, or drop also_having")
        banded = q.model_copy(update={"having": None}) if q.also_having else q
        sql = _render_sql(banded, source, joins, selects, where, bool(metrics), max_rows, every)
        columns = [s.out for s in selects]
        if q.also_having is not None and q.having is not None:
            # each bound's groups counted over one grouping: a column each
            measured = next(c.name for c in columns if c.metric)
            bands = [(q.having, "group_count"), (q.also_having, "group_count_also")]
            counts = ", ".join(f"count(*) FILTER (WHERE {h.condition(measured)}) AS {name}"
                               for h, name in bands)
            sql = f"SELECT {counts} FROM (\n{sql}\n) AS groups"
            columns = [OutputColumn(name=name, label=f"groups with {h.condition(measured)}",
                                    format="count", metric=True)
                       for h, name in bands]
        elif q.count_groups and q.group_by:
            noun = selects[0].out.name.removesuffix("_id").replace("_", " ")
            count = OutputColumn(name="group_count", label=f"number of {noun}s", format="count",
                                 metric=True)
            sql, columns = f"SELECT count(*) AS group_count FROM (\n{sql}\n) AS groups", [count]
        elif q.average_groups:
            # over the last group's things, per each of the groups before it ("per status,
            # the lines of an order on average": by status and order, averaged per status)
            groups = [c for c in columns if not c.metric]
            outer, per = groups[:-1], groups[-1].label.removesuffix(" id")
            metric = next(c for c in columns if c.metric)
            average = OutputColumn(name=f"average_{metric.name}",
                                   label=f"average {metric.label} per {per}",
                                   format="number" if metric.format == "count" else metric.format,
                                   metric=True)
            kept = "".join(f"{c.name}, " for c in outer)
            # (the outer groups ranked by their average: "per supplier, top 5")
            ranked = q.order in ("asc", "desc") and outer
            order = f"{average.name} {q.order.upper()} NULLS LAST, 1" if ranked else "1"
            sql = (f"SELECT {kept}{_rounded(f'avg({metric.name})', q.decimals)} AS "
                   f"{average.name} FROM (\n{sql}\n) AS groups"
                   + (f"\nGROUP BY {', '.join(str(i + 1) for i in range(len(outer)))}"
                      f"\nORDER BY {order}" if outer else "")
                   + (f"\nLIMIT {q.limit}" if ranked and q.limit else ""))
            columns = [*outer, average]
        return Compiled(sql=sql, columns=columns, period=described)

    def _side_by_side(self, q: StructuredQuery, max_rows: int) -> Compiled:
        """"How many products and how many variants": totals of different tables, each
        over its own table, in one row."""
        parts = [self.compile(q.model_copy(update={"metrics": [name]}), max_rows)
                 for name in q.metrics]
        sql = "SELECT * FROM " + ", ".join(f"(\n{p.sql}\n) AS total_{i}"
                                           for i, p in enumerate(parts, start=1))
        return Compiled(sql=sql, columns=[c for p in parts for c in p.columns],
                        period=parts[0].period)

    def _differences(self, q: StructuredQuery, metrics: list[Metric], selects: list[_Select],
                     plan: _Plan, time_col: str | None, shared_filter: bool) -> list[_Select]:
        """The columns ``versus`` and ``combine`` add: the first metric over each of two
        sets of rows and their difference, or two metrics' difference or ratio."""
        measured = [s for s in selects if s.out.metric]
        if q.combine == "percent" and q.versus and shared_filter:
            return self._ratio_versus(q, measured, plan, time_col)
        if q.combine is not None and q.combine != "change":
            if len(measured) < 2:
                raise QueryError(f"combine {q.combine} needs two metrics: the first and the "
                                 "second", "put both metrics in metrics")
            first, second = measured[:2]
            if q.combine == "difference":
                return [_Select(f"({first.expr}) - ({second.expr})", OutputColumn(
                    name="difference", label=f"{first.out.label} minus {second.out.label}",
                    format=first.out.format, metric=True))]
            return [_Select(f"100.0 * ({first.expr}) / nullif({second.expr}, 0)", OutputColumn(
                name="percent", label=f"{first.out.label} as % of {second.out.label}",
                format="percent", metric=True))]
        if q.subset:
            if not metrics or q.versus:
                raise QueryError("subset repeats the first metric over fewer rows: it needs a "
                                 "metric and no versus", "give a metric, or drop subset")
            m, first = metrics[0], measured[0]
            condition = " AND ".join(self._conditions(q.subset, plan, time_col))
            own = self._fill(m.filter) if m.filter and not shared_filter else ""
            names = ", ".join(str(f.value) if not isinstance(f.value, bool)
                              else f.field.rpartition(".")[2] for f in q.subset)
            return [_Select(_with_filter(self._fill(m.sql),
                                         f"({own}) AND {condition}" if own else condition),
                            OutputColumn(name=f"{first.out.name}_of_those",
                                         label=f"{first.out.label}, of those {names}",
                                         format=m.format, metric=True))]
        if not q.versus:
            if q.combine == "change":
                raise QueryError("combine change is a change between the two parts of versus",
                                 "give versus two filters")
            return []
        if len(q.versus) != 2 or not metrics:
            raise QueryError("versus compares a metric over the rows of two filters",
                             "give a metric and exactly two filters in versus")
        m = metrics[0]
        raw = self._fill(m.sql)
        own = self._fill(m.filter) if m.filter and not shared_filter else ""
        out = []
        base = measured[0].out.name if measured else m.name  # ("avg_price", not "avg(...)")
        sides = _side_names(q.versus)
        for f, side in zip(q.versus, sides, strict=True):
            condition = " AND ".join(self._conditions([f], plan, time_col))
            value = "_".join(re.findall(r"[a-z0-9]+", side.lower()))[:30]
            out.append(_Select(
                _with_filter(raw, f"({own}) AND {condition}" if own else condition),
                OutputColumn(name=f"{base}_{value}", label=f"{m.label}, {side}",
                             format=m.format, metric=True)))
        out.append(_Select(f"({out[0].expr}) - ({out[1].expr})", OutputColumn(
            name="difference", label=f"{m.label}: {sides[0]} minus {sides[1]}",
            format=m.format, metric=True)))
        if q.combine == "change":
            out.append(_Select(f"100.0 * ({out[2].expr}) / nullif({out[1].expr}, 0)", OutputColumn(
                name="percent_change", label=f"{m.label}: change from {sides[1]} to "
                f"{sides[0]} in %", format="percent", metric=True)))
        return out

    def _ratio_versus(self, q: StructuredQuery, measured: list[_Select], plan: _Plan,
                      time_col: str | None) -> list[_Select]:
        """"Margin as a percentage of revenue in October compared with September": the
        first metric as a percentage of the second over each side's rows, and their
        difference in points."""
        if len(measured) < 2 or len(q.versus) != 2:
            raise QueryError("combine percent with versus needs two metrics and two filters",
                             "put both metrics in metrics and both sides in versus")
        first, second = measured[:2]
        ratio = f"100.0 * ({first.expr}) / nullif({second.expr}, 0)"
        out = []
        for f, side in zip(q.versus, _side_names(q.versus), strict=True):
            condition = " AND ".join(self._conditions([f], plan, time_col))
            value = "_".join(re.findall(r"[a-z0-9]+", side.lower()))[:30]
            out.append(_Select(_with_filter(ratio, condition), OutputColumn(
                name=f"percent_{value}", label=f"{first.out.label} as % of "
                f"{second.out.label}, {side}", format="percent", metric=True)))
        out.append(_Select(f"({out[0].expr}) - ({out[1].expr})", OutputColumn(
            name="difference", label="percentage points between them", format="number",
            metric=True)))
        return out

    def _period_column(self, q: StructuredQuery, plan: _Plan) -> str | None:
        if q.period_on is None:
            return None
        column = self.catalog.column(q.period_on)
        if column is None or column.kind != "date":
            raise QueryError(f"period_on needs a date column, and {q.period_on} is not one",
                             "name a date column of the query's tables")
        plan.tables.append(column.table)
        return column.ref

    def _date_expr(self, f: Filter, plan: _Plan, time_col: str | None) -> str:
        """The date a ``latest`` filter compares: a date column, else the metric's date."""
        if f.field in GRAINS or self.catalog.column(f.field) is None:
            if time_col is None:
                raise QueryError(f"latest on {f.field} needs dates and {plan.root} has none",
                                 "use latest on a date column")
            return f"CAST({time_col} AS DATE)"
        column = self.catalog.column(f.field)
        assert column is not None
        if column.kind != "date":
            raise QueryError(f"latest needs a date column, and {f.field} is not one",
                             "use latest on a date column")
        plan.tables.append(column.table)
        return f"CAST({f.field} AS DATE)"

    # -- names -----------------------------------------------------------------------

    def _filter_table(self, field: str) -> str:
        segment = self.layer.segment(field)
        return segment.table if segment is not None else self._table_of(field)

    def _table_of(self, name: str) -> str:
        dim = self.layer.dimension(name)
        if dim is not None:
            return dim.table
        table = name.partition(".")[0]
        if table not in self.catalog.tables:
            raise QueryError(f"{name!r} is not a column of the store",
                             "use a table.column of the schema")
        return table

    def _time_column(self, metrics: list[Metric], root: str) -> str | None:
        if metrics and metrics[0].time_column:
            return metrics[0].time_column
        return self.layer.time_column(root)

    def _fill(self, sql: str) -> str:
        return sql.replace("{as_of}", _date(self.as_of))

    def _alias(self, ref: str, count: int) -> str:
        table, _, column = ref.partition(".")
        if column in ("name", "id") or count > 1 and column in ("status", "price", "quantity"):
            return f"{table[:-1] if table.endswith('s') else table}_{column}"
        return column

    # -- select list -----------------------------------------------------------------

    def _dimension(self, name: str, time_col: str | None, plan: _Plan, count: int) -> _Select:
        if name in GRAINS:
            if time_col is None:
                raise QueryError(f"group_by {name} needs dates, and {plan.root} has none",
                                 "group by a column instead, or use a metric with dates")
            expr, fmt = _grain(name, time_col)
            return _Select(expr, OutputColumn(name=name, label=name.replace("_", " "),
                                              format=fmt))
        dim = self.layer.dimension(name)
        if dim is not None:
            plan.tables += [dim.table, *dim.joins]
            return _Select(self._fill(dim.sql), OutputColumn(
                name=dim.name, label=dim.label, format="text" if dim.kind == "text" else dim.kind))
        column = self.catalog.column(name)
        if column is None:
            raise QueryError(f"{name!r} is not a column of the store",
                             "use a table.column of the schema")
        plan.tables.append(column.table)
        alias = self._alias(name, count)
        fmt = {"date": "date", "number": "number"}.get(column.kind, "text")
        return _Select(name, OutputColumn(name=alias, label=alias.replace("_", " "), format=fmt))

    def _metric(self, m: Metric, *, inline_filter: bool, share: str = "",
                part: str = "") -> _Select:
        """The metric's column: over the query's rows; ``share``: the part its conditions
        keep as a percentage of that; ``part``: over only the rows its conditions keep."""
        raw = self._fill(m.sql)
        own = self._fill(m.filter) if inline_filter and m.filter else ""
        if part:
            own = f"({own}) AND {part}" if own else part
        expr = _with_filter(raw, own) if own else raw
        # "avg(carrier_lanes.cost_usd)" is named avg_cost_usd in the result,
        # "count_distinct(volume_tiers.product_id)" product_count.
        name = re.sub(r"^count_distinct\(\w+\.(\w+?)(?:_id)?\)$", r"\1_count", m.name)
        name = re.sub(r"^(\w+)\(\w+\.(\w+)\)$", r"\1_\2", name)
        name = re.sub(r"^count_distinct\((\w+)\)$", r"\1_count", name)
        name = re.sub(r"^(?:duration|span)\((\w+)\)$", r"\1_days", name)  # duration(promotions)
        name = re.sub(r"^(min|max|\w+_size)\((\w+)\)$", r"\1_\2", name)  # max(price_change_pct)
        if share:  # the part the share's rows make of the whole, in percent
            part = _with_filter(raw, f"({own}) AND {share}" if own else share)
            return _Select(f"100.0 * {part} / nullif({expr}, 0)", OutputColumn(
                name=f"{name}_share_pct", label=f"share of {m.label} (%)", format="percent",
                metric=True))
        if part:
            return _Select(expr, OutputColumn(name=f"{name}_part", label=f"{m.label}, the part",
                                              format=m.format, metric=True))
        return _Select(expr, OutputColumn(name=name, label=m.label, format=m.format,
                                          metric=True))

    # -- filters ---------------------------------------------------------------------

    def _period_elsewhere(self, q: StructuredQuery, plan: _Plan, time_col: str | None,
                          span: tuple[date, date] | None) -> dict[str, str]:
        """The period as a condition on the first absent table with dates, else on the one
        filtered table with dates, where the query's own rows have none (else {}: the
        period applies as usual)."""
        if span is None or self._period_column(q, plan) or time_col:
            return {}
        filtered = {t for f in q.filters if f.field not in GRAINS
                    and (t := self._filter_table(f.field)) != plan.root}
        dated = [t for t in (*q.absent, *sorted(filtered)) if self.layer.time_column(t)]
        lacked = dated[0] if dated and (dated[0] in q.absent or len(dated) == 1) else None
        if lacked is None:
            return {}
        column = self.layer.time_column(lacked)
        return {lacked: f"CAST({column} AS DATE) BETWEEN {_date(span[0])} AND {_date(span[1])}"}

    def _conditions(self, filters: list[Filter], plan: _Plan, time_col: str | None,
                    absent: list[str] | None = None, within: dict[str, str] | None = None,
                    compare: list[Filter] | None = None) -> list[str]:
        """The filters' conditions. Those on a table that would multiply the root's rows
        (one reached through a one-to-many key, "stock of items with an open purchase
        order") are asked as EXISTS, one per table, instead of joined, so a sum or a
        count over the root stays right; a table the select list joins anyway is joined.
        For an ``absent`` table the EXISTS is negated: no such row (that its filters keep,
        in the period ``within`` gives it)."""
        absent = absent or []
        for lacked in absent:
            if lacked == plan.root or not self._fans_out(plan.root, lacked):
                raise QueryError(f"{plan.root} rows cannot lack {lacked} rows: each has at "
                                 "most one", "count from the table whose rows may have none")
        out: list[str] = []
        within = within or {}
        semi: dict[str, list[str]] = {t: [*([within[t]] if t in within else [])]
                                      for t in absent}
        tagged = [(f, False) for f in filters] + [(f, True) for f in compare or []]
        for f, between_columns in tagged:
            own = _Plan(root=plan.root)
            condition = (self._comparison(f, own) if between_columns
                         else self._filter(f, own, time_col))
            needed = {t for t in own.tables if t != plan.root}
            table = next(iter(needed)) if len(needed) == 1 else None
            if table is not None and (table in absent or table not in plan.tables
                                      and self._fans_out(plan.root, table)):
                semi.setdefault(table, [*([within[table]] if table in within else [])]
                                ).append(condition)
            else:
                plan.tables += own.tables
                out.append(condition)
        # the period of a table whose filters were joined: on the joined rows
        out += [within[t] for t in within if t not in semi and t in plan.tables]
        via = frozenset(plan.tables) - {plan.root}
        return out + [("NOT " if t in absent else "")
                      + self._exists(plan.root, t, " AND ".join(c) or "TRUE", via)
                      for t, c in semi.items()]

    def _comparison(self, f: Filter, plan: _Plan) -> str:
        """``field op value`` where the value names another column: two numbers or two
        dates of a row ("priced below its unit cost", "received after it was expected"),
        or two texts equal or not ("routes within the same region")."""
        if f.op not in ("<", "<=", ">", ">=", "=", "!="):
            raise QueryError(f"a comparison of two columns takes <, <=, >, >=, = or !=, "
                             f"not {f.op}", "use one of those")
        kinds_allowed = ("number", "date", "text") if f.op in ("=", "!=") else ("number", "date")
        sides, kinds = [], set()
        for ref in (f.field, str(f.value)):
            column = self.catalog.column(ref)
            if column is None or column.kind not in kinds_allowed:
                raise QueryError(f"{ref!r} is not a {' or '.join(kinds_allowed)} column of the "
                                 "store", "compare two number columns or two date columns "
                                 "(two text columns for = or !=)")
            plan.tables.append(column.table)
            kinds.add(column.kind)
            sides.append(f"CAST({ref} AS DATE)" if column.kind == "date" else ref)
        if len(kinds) != 1:
            raise QueryError(f"{f.field} and {f.value} are a number and a date",
                             "compare two columns of one kind")
        return f"{sides[0]} {f.op} {sides[1]}"

    def _fans_out(self, root: str, table: str) -> bool:
        """Whether joining ``table`` to ``root`` can repeat a root row (a step toward the
        many side of a key: the join's ``left``)."""
        at = root
        for j in self.catalog.path(root, table) or []:
            if at == j.right:
                return True
            at = j.right
        return False

    def _exists(self, root: str, table: str, condition: str,
                via: frozenset[str] = frozenset()) -> str:
        path = self.catalog.path(root, table, via)
        assert path  # _fans_out found it
        first = path[0]
        start = first.left if first.right == root else first.right
        joined, clauses = {root, start}, []
        for j in path[1:]:
            new = j.right if j.right not in joined else j.left
            clauses.append(f"JOIN {new} ON {j.left}.{j.left_column} = {j.right}.{j.right_column}")
            joined.add(new)
        link = f"{first.left}.{first.left_column} = {first.right}.{first.right_column}"
        return (f"EXISTS (SELECT 1 FROM {' '.join([start, *clauses])} "
                f"WHERE {link} AND {condition})")

    def _filter(self, f: Filter, plan: _Plan, time_col: str | None) -> str:
        values: list[str] = []
        if f.field in GRAINS:
            if time_col is None:
                raise QueryError(f"the filter on {f.field} needs dates and {plan.root} has none",
                                 "filter on a date column instead")
            expr, kind = _grain(f.field, time_col)
            expr = f"CAST({time_col} AS DATE)" if kind == "date" else expr
        elif (seg := self.layer.segment(f.field)) is not None:
            plan.tables += [seg.table, *seg.joins]
            return self._segment(f, self._fill(seg.sql))
        elif (dim := self.layer.dimension(f.field)) is not None:
            plan.tables += [dim.table, *dim.joins]
            expr, kind = self._fill(dim.sql), dim.kind
        else:
            column = self.catalog.column(f.field)
            if column is None:
                raise QueryError(f"{f.field!r} is not a column of the store",
                                 "use a table.column of the schema")
            plan.tables.append(column.table)
            expr, kind, values = f.field, column.kind, column.values
            if kind == "date":
                expr = f"CAST({f.field} AS DATE)"
        if f.op in ("is_null", "is_not_null"):
            return f"{expr} IS {'NOT ' if f.op == 'is_not_null' else ''}NULL"
        items = f.value if isinstance(f.value, list) else [f.value]
        if f.op in ("in", "not_in", "between"):
            literals = [self._literal(f.field, kind, v, values) for v in items]
            if f.op == "between":
                if len(literals) != 2:
                    raise QueryError(f"between on {f.field} needs two values, got {len(items)}",
                                     "give value as [low, high]")
                return f"{expr} BETWEEN {literals[0]} AND {literals[1]}"
            return f"{expr} {'NOT ' if f.op == 'not_in' else ''}IN ({', '.join(literals)})"
        if len(items) != 1:
            raise QueryError(f"the filter {f.field} {f.op} takes one value, got {len(items)}",
                             "use op in for a list of values")
        if f.op == "contains":
            return f"CAST({expr} AS VARCHAR) ILIKE {_quote('%' + str(items[0]) + '%')}"
        return f"{expr} {f.op} {self._literal(f.field, kind, items[0], values)}"

    def _segment(self, f: Filter, condition: str) -> str:
        """A named condition: ``= true`` keeps the rows it holds for, ``= false`` the rest."""
        value = f.value[0] if isinstance(f.value, list) and len(f.value) == 1 else f.value
        holds = str(value).strip().lower() not in ("false", "no", "0")
        if f.op in ("!=", "not_in"):
            holds = not holds
        elif f.op not in ("=", "in"):
            raise QueryError(f"{f.field} is a named condition: filter it with = true or false",
                             "use op = and value true (or false for the rows it excludes)")
        return f"({condition})" if holds else f"NOT ({condition})"

    def _literal(self, name: str, kind: str, value: Any, values: list[str]) -> str:
        if value is None:
            raise QueryError(f"the filter on {name} has no value",
                             "give a value, or use op is_null")
        text = str(value).strip()
        if kind == "number":
            try:
                return repr(float(text)) if "." in text else str(int(float(text)))
            except ValueError:
                raise QueryError(f"{name} holds numbers, not {value!r}",
                                 "give a number") from None
        if kind == "bool":
            if text.lower() in ("true", "yes", "1"):
                return "TRUE"
            if text.lower() in ("false", "no", "0"):
                return "FALSE"
            raise QueryError(f"{name} is true or false, not {value!r}", "give true or false")
        if kind == "date":
            if text.lower() in ("today", "as_of", "now"):
                return _date(self.as_of)
            try:
                return _date(date.fromisoformat(text[:10]))
            except ValueError:
                raise QueryError(f"{name} holds dates, not {value!r}",
                                 "give a date as YYYY-MM-DD, or use period") from None
        return _quote(_match_value(name, text, values))


def _grain(name: str, time_col: str) -> tuple[str, str]:
    """The SQL of a calendar bucket of ``time_col`` and its format."""
    if name == "weekday":
        return f"dayname({time_col})", "text"
    if name == "month_of_year":
        return f"monthname({time_col})", "text"
    if name == "year_month":
        return f"strftime({time_col}, '%Y-%m')", "text"
    if name == "month_number":
        return f"month({time_col})", "number"
    return f"CAST(date_trunc('{name}', {time_col}) AS DATE)", "date"


def _add(where: list[str], condition: str) -> None:
    """A condition once: a filter the metric already carries is not written twice."""
    if condition not in where:
        where.append(condition)


def _match_value(name: str, text: str, values: list[str]) -> str:
    """The stored value ``text`` means: exact, any case, singular/plural, or a close match."""
    if not values or text in values:
        return text
    folded = {v.lower(): v for v in values}
    # "order_agent" in agent_runs.agent, "pending status" in orders.status: the value with
    # the column's own name said beside it.
    column = name.rpartition(".")[2].lower()
    bare = re.sub(rf"(^|[ _]){re.escape(column)}s?($|[ _])", " ", text.lower()).strip(" _")
    for candidate in (text.lower(), text.lower().rstrip("s"), text.lower() + "s",
                      text.lower().replace("_", " "), text.lower().replace(" ", "_"), bare):
        if candidate in folded:
            return folded[candidate]
    # Part of one value only ("earbuds" -> 'Wireless Earbuds'); part of several: ask which.
    # Whole words only: "blue" is not part of 'Bluetooth Speaker'.
    word = re.compile(r"\b" + re.escape(text.lower().rstrip("s")) + r"s?\b")
    inside = [v for k, v in folded.items() if word.search(k)]
    if len(inside) == 1:
        return inside[0]
    near = [k for k, v in folded.items() if v in inside][:5] or difflib.get_close_matches(
        text.lower(), list(folded), n=3, cutoff=0.8)
    if len(near) == 1 and not inside:
        return folded[near[0]]
    shown = ", ".join(repr(folded[n]) for n in near) if near else ", ".join(
        repr(v) for v in values[:12])
    raise QueryError(f"{text!r} is not a value of {name}",
                     f"{name} holds: {shown}{' ...' if not near and len(values) > 12 else ''}")


def _side_names(sides: list[Filter]) -> list[str]:
    """Each side named by its value, or by its condition's name ("sold_out" = true)."""
    return [f.field.rpartition(".")[2] if isinstance(f.value, bool) else
            f"not {f.value}" if f.op in ("!=", "not_in") else str(f.value) for f in sides]


def _with_filter(expr: str, condition: str) -> str:
    """``expr`` restricted to rows where ``condition`` holds (DuckDB's FILTER clause)."""
    # A composite expression (a ratio of sums) gets the filter on each aggregate.
    return re.sub(r"\b(count|sum|avg|min|max)\(([^()]*(?:\([^()]*\)[^()]*)*)\)",
                  lambda m: f"{m.group(0)} FILTER (WHERE {condition})", expr,
                  flags=re.IGNORECASE)


def render_joins(root: str, tables: list[str], catalog: Catalog) -> list[str]:
    """JOIN clauses that bring every table of ``tables`` in from ``root``."""
    joined, clauses = {root}, []
    for table in tables:
        if table in joined:
            continue
        path: list[Join] | None = catalog.path(root, table)
        if path is None:
            raise QueryError(f"{table} cannot be joined to {root} (no shared key)",
                             f"use columns of {root} or of tables linked to it")
        for j in path:
            new = j.right if j.right not in joined else j.left
            if new in joined:
                continue
            clauses.append(f"JOIN {new} ON {j.left}.{j.left_column} = "
                           f"{j.right}.{j.right_column}")
            joined.add(new)
    return clauses


def _one_row_per_group(root: str, joins: list[str], where: list[str], selects: list[_Select],
                       ) -> tuple[str, list[_Select]]:
    """The joined rows cut to one per root row and group, as a subquery named ``root``.

    A join toward the many side of a key repeats a root row once per match, so a sum
    over the root would count it as often ("stock on hand by purchase-order status":
    a variant with three open orders is still one stock row). The metrics read only the
    root's columns, so they run unchanged over the subquery; the groups come out of it
    as ``_group<i>``."""
    cols = ", ".join([f"{root}.*", *(f"{s.expr} AS _group{i}"
                                     for i, s in enumerate(selects) if not s.out.metric)])
    inner = " ".join([f"SELECT DISTINCT {cols} FROM {root}", *joins]
                     + (["WHERE " + " AND ".join(where)] if where else []))
    return f"({inner}) AS {root}", [
        s if s.out.metric else _Select(f"_group{i}", s.out) for i, s in enumerate(selects)]


def _rounded(expr: str, decimals: int | None) -> str:
    return expr if decimals is None else f"round({expr}, {decimals})"


def _render_sql(q: StructuredQuery, root: str, joins: list[str], selects: list[_Select],
                where: list[str], has_metrics: bool, max_rows: int, every: str = "") -> str:
    """The SELECT; ``every``: a condition each group's rows must all meet."""
    def column(s: _Select) -> str:
        expr = s.expr
        if q.decimals is not None and s.out.metric and s.out.format not in ("date", "text") \
                and not (q.count_groups or q.average_groups):  # those round their own figure
            expr = _rounded(expr, q.decimals)
        return expr if expr == s.out.name or expr.endswith(f".{s.out.name}") \
            else f"{expr} AS {s.out.name}"
    cols = ", ".join(column(s) for s in selects)
    parts = [f"SELECT {'' if has_metrics else 'DISTINCT '}{cols}", f"FROM {root}", *joins]
    if where:
        parts.append("WHERE " + " AND ".join(where))
    groups = [s for s in selects if not s.out.metric]
    metrics = [s for s in selects if s.out.metric]
    if has_metrics and groups:
        parts.append("GROUP BY " + ", ".join(str(i) for i in range(1, len(groups) + 1)))
    having = [f"bool_and({every})"] if every else []
    if q.having is not None and metrics:
        having.append(q.having.condition(metrics[0].expr))
    if having:
        parts.append("HAVING " + " AND ".join(having))
    if (q.count_groups or q.average_groups) and groups:
        return "\n".join(parts)  # counted or averaged as a whole: no order, no limit
    order = _order_by(q, selects, has_metrics)
    if q.ties and q.limit and metrics and groups:
        # Every group ranked within the limit, ties included (rank, not row_number).
        direction = "ASC" if q.order == "asc" else "DESC"
        parts.append(f"QUALIFY rank() OVER (ORDER BY {metrics[0].expr} {direction}) "
                     f"<= {q.limit}")
        if order:
            parts.append("ORDER BY " + order)
        parts.append(f"LIMIT {max_rows}")
        return "\n".join(parts)
    if order:
        parts.append("ORDER BY " + order)
    limit = q.limit or (None if has_metrics and not groups else max_rows)
    if limit is not None and (groups or not has_metrics):
        parts.append(f"LIMIT {limit}")
    return "\n".join(parts)


def _order_by(q: StructuredQuery, selects: list[_Select], has_metrics: bool) -> str:
    groups = [s for s in selects if not s.out.metric]
    metrics = [s for s in selects if s.out.metric]
    if not groups:
        return ""
    direction = q.order.upper() if q.order != "none" else ""
    if metrics and (direction or q.limit):
        # "the widest price range", "the highest share of cancelled orders"
        ranked = metrics[-1] if q.combine or q.share else metrics[0]
        return f"{ranked.out.name} {direction or 'DESC'} NULLS LAST"
    dated = [s for s in groups if s.out.format == "date"]
    numbers = [s for s in groups if s.out.format == "number"]
    # A list ordered "desc" means by its figure ("the most expensive items"), else by date.
    first = (numbers[0] if direction and numbers and not metrics
             else dated[0] if dated else groups[0])
    tie = ", ".join(str(i + 1) for i, s in enumerate(groups) if s is not first)
    key = str(selects.index(first) + 1)
    return f"{key} {direction or 'ASC'}" + (f", {tie}" if tie else "")
