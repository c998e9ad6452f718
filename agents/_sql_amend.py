"""Code completes the model's structured query from the question's own words.

A small model reliably picks the metric, and often forgets or invents the rest: a
filter on a value the question names ("the Columbus warehouse"), a period the
question never mentions, ``!=`` where nothing is excluded, a filter value copied
from an example or made up ('all', a user id), a breakdown for a total, the "2" of
"which 2 states". Each of these is a fact of the question's wording, so code
settles it instead of asking the model again:

- **period** — a period the question names ("last 30 days", "this month") is
  set (on a later try "all" stands: the store may have no dates for it); with no
  time words at all the period is all time.
- **values** — a category value the question names (``Linked.values``) becomes a
  filter when the query has none on that column (``in`` for several, ``!=`` /
  ``not_in`` after a negation such as "not" or "except").
- **named conditions** — a segment of the semantic layer the question names ("sold
  out") becomes a filter (``= false`` after a negation: "not sold out").
- **invented values** — a text filter value the question does not name is
  dropped when it is not one of the column's values or was copied from an
  example; an exclusion (``!=``) the question does not ask for becomes ``=``; when
  the question spells out some of a list's values, the unnamed others go; a number
  filter with a number the question never states (other than 0 and 1) is dropped.
- **shape** — a breakdown is dropped when the question asks for one total; "top
  5" / "which 2 ... most" set the order and the limit; a superlative without a
  number ("which product ... the most") keeps the first row.

- **hygiene** — a filter written twice, one that lists every value of its column
  (``available in (true, false)``) and an id filter the question never names are
  dropped; metrics of another table than the first metric's are dropped (one query
  reads one base table), but for totals alone, which are read each from its own table.
- **constructs** — "day of the week" / "month of the year" bucket the metric's
  date by weekday / month name; "more than 4" / "at least 2" on a breakdown keeps
  the groups whose metric passes (``having``), and "how many ..." then counts
  them (``count_groups``); "how many customers placed more than 3 orders" / "on how
  many days did we sell more than 1,500 units" counts the things whose count of what
  the bound names (or whose metric, per day) passes it, and "on average, how many
  items does an order contain" averages that count per thing; "tied" / "ties" keeps
  every group tied with the last; "in its most recent check" keeps the rows of the
  metric's latest date; "never placed an order" / "sold nothing in October" keeps the
  counted rows with no such row (``absent``); "from the Northeast to the West" sets a
  table's origin and destination; "for each service level (ground, express)" groups by
  the column listed; "which 3 products" gives a row per product; "on
  average ... per day / does an order have" averages the metric per day or per order
  (``average_groups``); "what percentage of orders were cancelled" moves the filters
  said after the verb into ``share`` (the part of the whole the other filters keep).

Where the words do not settle it, the metric and the columns stay the model's choice
(the words settle it for the shapes above, and for "how many X", "the average unit
cost", "the most gross profit": see each rule). Each change
is named in ``Amended.notes`` so the trace shows what code changed and why.

``amend`` runs the steps in order; they live in modules by what they decide:
``_sql_amend_metric`` (what is measured), ``_sql_amend_filters`` (which rows),
``_sql_amend_shape`` (how the figure is formed: shares, ratios, bounds per group,
calendar) and ``_sql_amend_rows`` (how the answer's rows are laid out), over the
vocabulary and lookups of ``_sql_amend_common``.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from pydantic import BaseModel

from ._semantic import SemanticLayer
from ._sql_amend_common import (
    _BOUND,
    _GROUPING,
    _HOW_MANY,
    _NEGATION,
    _ON_AVERAGE,
    _SHARE,
    _TIED_FOR_FIRST,
    _TIES,
    _TIME_WORDS,
    _cost_from,
    _drop_unreached,
    _period,
    _root,
    _row_count,
    _stood_in,
    _subjects,
)
from ._sql_amend_filters import (
    _RATIO_BOUND,
    _as_question,
    _column_bound,
    _column_names,
    _first_of_opposites,
    _flags_said,
    _in_table_names,
    _option_unsaid,
    _own_values,
    _percent_off,
    _plain_bounds,
    _rehome,
    _said_flags,
    _said_twice,
    _segment_filters,
    _useful,
    _value_filters,
    _which_not_null,
)
from ._sql_amend_metric import (
    _amount_of_count,
    _average_of_total,
    _by_count,
    _column_aggregate,
    _cost_term,
    _count_beside,
    _count_named,
    _counts_of_two_tables,
    _date_asked,
    _date_word_of,
    _duration_asked,
    _figures_listed,
    _measured_while_running,
    _metric_of_values,
    _milliseconds_asked,
    _minus,
    _money_asked,
    _money_of_units,
    _named_metric,
    _narrower_term,
    _negated_term,
    _percent_per_subject,
    _product_defined,
    _second_figure,
    _speed,
    _term_across,
    _term_extreme,
    _term_of_value,
    _things_ranked,
    _two_asks,
    _units_ranked,
    _unsaid_qualifier,
    _which_have,
    _worth,
)
from ._sql_amend_rows import (
    _as_of_history,
    _columns_compared,
    _extreme_row,
    _grain_asked,
    _in_every,
    _most_common,
    _names_beside_ids,
    _nearer_groups,
    _rank,
    _rehome_to_final_table,
    _rounding,
    _said_breakdown,
    _single_row,
    _unasked_groups,
    _which_subject,
)
from ._sql_amend_shape import (
    _absent,
    _all_as_none,
    _as_of_today,
    _asked_constructs,
    _average_per,
    _both,
    _bound_in_term,
    _calendar,
    _count_per_subject,
    _cycles,
    _decrease_size,
    _difference,
    _having,
    _latest,
    _listed_breakdown,
    _month_as_written,
    _of_those,
    _one_table,
    _per_subject,
    _period_column,
    _ratio,
    _route,
    _share,
    _share_part,
    _units_per_place,
)
from ._sql_calendar import date_column
from ._sql_catalog import Catalog
from ._sql_linking import Linked, phrase, tokens


class Amended(BaseModel):
    arguments: dict[str, Any]
    notes: list[str]


def amend(arguments: dict[str, Any], question: str, linked: Linked, catalog: Catalog,
          layer: SemanticLayer, example_values: set[str], *, first: bool = True) -> Amended:
    """``arguments`` (a ``query`` call's, as the model wrote them) completed from the
    question's words. Arguments that are not a query's shape are returned unchanged:
    validation says what is wrong with them. After the first query of a turn a period
    of all time stands: the model may have been told the named one does not apply."""
    said = f" {phrase(question)} "
    words = _column_names(_plain_bounds(_as_question(
        question.lower().replace("'", " ").replace("’", " "), catalog, layer)), catalog)
    args = dict(arguments)
    notes: list[str] = []
    filters = args.get("filters")
    if not isinstance(filters, list) or not all(isinstance(f, dict) for f in filters):
        return Amended(arguments=arguments, notes=[])
    filters = [dict(f) for f in filters]

    grouped = [g for g in args.get("group_by") or [] if isinstance(g, str)]
    args["filters"] = filters
    _unsaid_qualifier(args, words, layer, notes)
    _money_asked(args, words, layer, notes)
    _money_of_units(args, words, layer, notes)
    filters = args["filters"]
    if _named_metric(args, words, catalog, layer, notes) | _amount_of_count(
            args, words, catalog, layer, notes) | _narrower_term(
            args, words, layer, notes) or _units_ranked(
            args, words, linked, catalog, layer, notes) or _things_ranked(
            args, words, linked, catalog, layer, notes):
        grouped = [g for g in args.get("group_by") or [] if isinstance(g, str)]
        filters = args["filters"]
    if _measured_while_running(args, words, linked, catalog, layer, notes) or _duration_asked(
            args, words, catalog, layer, notes) or _term_extreme(
            args, words, catalog, layer, notes) or _date_asked(
            args, words, catalog, layer, notes) or _column_aggregate(
            args, words, catalog, layer, notes):
        grouped = [g for g in args.get("group_by") or [] if isinstance(g, str)]
        filters = args["filters"]
    if _percent_per_subject(args, words, linked, catalog, layer, notes) or _count_named(
            args, words, linked, catalog, layer, notes) or _which_have(
            args, words, catalog, layer, notes):
        grouped = [g for g in args.get("group_by") or [] if isinstance(g, str)]
        filters = args["filters"]
    if _metric_of_values(args, words, linked, catalog, layer, notes) or _term_across(
            args, words, linked, catalog, layer, notes) or _worth(args, words, layer, notes) \
            or _by_count(args, words, catalog, layer, notes):
        grouped = [g for g in args.get("group_by") or [] if isinstance(g, str)]
        filters = args["filters"]
    if _cost_term(args, words, linked, layer, catalog, notes):
        grouped = [g for g in args.get("group_by") or [] if isinstance(g, str)]
        filters = args["filters"]
    if (ranked := _speed(args, words, linked, layer, catalog, notes)) != words:
        words, grouped = ranked, [g for g in args.get("group_by") or [] if isinstance(g, str)]
        filters = args["filters"]
    if _figures_listed(args, words, layer, notes) or _two_asks(
            args, words, linked, layer, notes) or _minus(args, words, catalog, layer, notes):
        filters = args["filters"]
    if _product_defined(args, words, catalog, layer, notes):
        grouped = [g for g in args.get("group_by") or [] if isinstance(g, str)]
        filters = args["filters"]
    if _second_figure(args, words, catalog, layer, notes) or _count_beside(
            args, words, catalog, layer, notes) or _counts_of_two_tables(
            args, words, catalog, layer, notes):
        filters = args["filters"]
    if _milliseconds_asked(args, words, catalog, layer, notes):
        grouped = [g for g in args.get("group_by") or [] if isinstance(g, str)]
        filters = args["filters"]
    if _average_of_total(args, words, catalog, layer, notes):
        filters = args["filters"]
    root = _root(args.get("metrics"), grouped, layer)
    if root in catalog.tables:  # no join leads there: it would not compile
        args["filters"] = filters
        _drop_unreached(args, root, catalog, layer, notes)
        grouped = [g for g in args.get("group_by") or [] if isinstance(g, str)]
        filters = args["filters"]

    cost = _cost_from(root, catalog, layer)
    linked = _stood_in(linked, cost, notes)
    _one_table(args, layer, notes)
    _asked_constructs(args, said, words, catalog, example_values, notes)
    held = {h.value.casefold() for h in linked.values}
    filters = [kept for f in filters
               if (kept := _own_values(f, said, words, catalog, example_values, notes, held))
               is not None]
    for f in filters:
        _rehome(f, linked, cost, notes, words, catalog, layer)
    filters = _useful(filters, catalog, notes)
    filters = _said_flags(filters, said, catalog, notes)
    filters += _flags_said(filters, words, catalog, layer, cost, notes)
    grouped = _nearer_groups(args, grouped, layer, cost, notes)
    grouped = _said_breakdown(args, grouped, words, catalog, layer, root, cost, notes,
                              {h.value for h in linked.values})
    grouped = _which_subject(args, grouped, words, catalog, layer, root, cost, notes)
    grouped = _extreme_row(args, grouped, words, catalog, layer, root, cost, notes)
    grouped = _most_common(args, grouped, words, catalog, layer, root, notes)
    grouped = _unasked_groups(args, grouped, words, layer, notes)
    _which_not_null(filters, grouped, words, catalog, notes)

    negated = bool(_NEGATION.search(words))
    for f in filters:
        if f.get("op") in ("!=", "not_in") and not negated:
            f["op"] = "=" if f["op"] == "!=" else "in"
            notes.append(f"the question excludes nothing: {f.get('field')} {f['op']}")

    subjects = {phrase(h.value) for h in linked.values
                if _in_table_names(h, said, catalog, layer)} | _subjects(catalog)
    # "which tool failed the most" with failed tool calls: 'failed' is the term's, not a
    # run status to filter by
    term = layer.metric(str((args.get("metrics") or [""])[0]))
    note = layer.tables.get(term.table) if term is not None else None
    # (a name of the term explains a word only where the question says more of that name
    # than the word: "delivered" is not "units delivered by suppliers")
    asked = set(tokens(words))
    explained = {w for t in ((term.label, *term.synonyms) if term in layer.metrics else ())
                 if len(set(tokens(t))) == 1 or len(set(tokens(t)) & asked) >= 2
                 for w in tokens(t)} - {  # a row count's own table name explains nothing
        w for t in ((term.table.replace("_", " "), *note.synonyms) if term and note else ())
        for w in tokens(t)}
    def value_words(f: dict[str, Any]) -> set[str]:
        return set(tokens(" ".join(map(str, f["value"] if isinstance(f["value"], list)
                                       else [f["value"]]))))

    # ("net of refunds": the term itself tells refunds from payments, no filter on them)
    tested = set(re.findall(r"(\w+\.\w+) = '", term.sql)) if term is not None else set()
    # (a value of stop words only, "US", is explained by no term)
    # ("deals that had not finished": the deals' own end date, no run that is 'done')
    spoken = linked.model_copy(update={"values": [
        h for h in linked.values if (term is None or not _date_word_of(term.table, h, layer))
        and not _option_unsaid(h, words, linked, layer)
        and not tested.intersection(h.columns)]})
    filters += [f for f in _value_filters(spoken, filters, words, notes, cost, subjects,
                                             catalog)
                if not (said_words := value_words(f)) or not said_words <= explained
                or f.get("op") == "!="]  # ("purchase orders that are not open")
    filters += _segment_filters(layer, filters, said, words, notes, cost)
    args["filters"] = filters = _said_twice(filters, said, layer, notes)
    _term_of_value(args, layer, notes)
    filters = args["filters"]
    _decrease_size(args, layer, notes)
    if _negated_term(args, layer, notes):
        filters = args["filters"]
    if (listed := _listed_breakdown(args, words, linked, cost, notes)) is not None:
        grouped, filters = listed, args["filters"]
    if _route(args, words, linked, catalog, cost, notes):
        grouped, filters = list(args.get("group_by") or []), args["filters"]
    # ("count each item once": no "every item is still available" that lacks nothing)
    said_filters: list[dict[str, Any]] = copy.deepcopy(args["filters"])
    said_notes = len(notes)
    if _absent(args, none_said := _all_as_none(args, words, catalog, layer, notes), catalog,
               layer, notes):
        grouped, filters = list(args.get("group_by") or []), args["filters"]
    elif none_said != words:
        args["filters"] = filters = said_filters
        del notes[said_notes:]
    _calendar(args, words, catalog, layer, notes)
    if not _ratio(args, words, catalog, layer, notes):
        _share(args, words, catalog, layer, notes)
        _share_part(args, words, notes)
        grouped = [g for g in args.get("group_by") or [] if isinstance(g, str)]
    if _of_those(args, words, {h.value: h.words for h in linked.values}, layer, notes):
        filters = args["filters"]  # (the part's conditions moved to the subset)
    else:
        _difference(args, words, catalog, layer, notes)

    grouped = _cycles(args, grouped, words, notes)
    _latest(args, words, layer, notes)
    # "lanes that take 7 days or longer": a bound on a column of each row, not per group
    row_bound = _units_per_place(args, words, catalog, layer, notes)
    if row_bound:
        grouped = list(args["group_by"])
    else:
        row_bound = _column_bound(args, words, filters, catalog, layer, root, notes)
        # ("the percentage of its items with zero units on hand": the share's part already;
        # "what percentage of customers hold a gift card with at least $50 left on it": a
        # bound on the part's rows is more of the part)
        share = [f for f in args.get("share") or [] if isinstance(f, dict)]
        row_bound = [f for f in row_bound if f["field"] not in {g.get("field") for g in share}]
        part = [f for f in row_bound if {str(g.get("field")).partition(".")[0] for g in share}
                == {f["field"].partition(".")[0]}]
        if part:
            args["share"], row_bound = [*share, *part], [f for f in row_bound if f not in part]
            notes.append(f"share also {part[0]['field']} {part[0]['op']} {part[0]['value']}: "
                         "the bound is on the part's rows")
    filters += row_bound
    # (a bound in percent of another figure asks no share: "cost more than 60% of the price")
    if row_bound and _SHARE.search(_RATIO_BOUND.sub(" ", words)) and not args.get("share") \
            and not args.get("combine"):
        # "what percentage of all variants have a list price over $500": the bound is the
        # part, the rows' count the whole
        filters = [f for f in filters if f not in row_bound]
        args["filters"], args["share"] = filters, row_bound
        measured = layer.metric(str((args.get("metrics") or [""])[0]))
        count = _row_count(root, catalog, layer)
        if count is not None and (measured is None or measured.format != "count"):
            args["metrics"] = [count]
        notes.append(f"share of {row_bound[0]['field']} {row_bound[0]['op']} "
                     f"{row_bound[0]['value']}: the question asks what part")
    in_term = _bound_in_term(args, words, layer)
    counted_per = [] if row_bound or in_term else _count_per_subject(args, words, catalog, layer,
                                                                      notes)
    if counted_per:
        _calendar(args, words, catalog, layer, notes)  # the new metric's date, if it changed
        grouped, filters = counted_per, args["filters"]
    elif not grouped and not row_bound and not in_term and _BOUND.search(words) \
            and _HOW_MANY.search(words):
        grouped = _per_subject(args, words, catalog, layer, notes)
    bounded = bool(counted_per) or bool(grouped) and not row_bound and not in_term and _having(
        args, words, filters, catalog, layer, notes)
    if not bounded and (both := _both(args, words, catalog, layer, notes)):
        grouped, bounded = both, True
    if not bounded and _ON_AVERAGE.search(words):
        grouped = _average_per(args, grouped, words, catalog, layer, notes)
        bounded = bool(args.get("average_groups"))
    # ("units sold while the 30% off deal ran": the deals' percent, whose days are compared)
    compared = {str(f.get("value")).partition(".")[0] for f in args.get("compare") or []}
    filters += _percent_off(words, filters, catalog, layer, root, notes, compared)
    if grouped and not bounded and not args.get("every") and not _GROUPING.search(words):
        args["group_by"] = []
        notes.append(f"one total asked: group_by {grouped} dropped")
        grouped = []

    period = _period(words)
    if period == "today" and date_column(args, words, catalog, layer) is None:
        period = None  # "the margin at today's price" of rows with no dates: as they are now
    if period is not None and args.get("period") != period and (
            first or args.get("period") not in (None, "all")):
        notes.append(f"period {period}, as the question says")
        args["period"] = period
    elif period is None and not _TIME_WORDS.search(words) and args.get("period") not in (
            None, "all"):
        notes.append(f"the question names no time: period all, not {args.get('period')}")
        args["period"] = "all"

    _as_of_today(args, layer, notes)
    _period_column(args, words, catalog, layer, notes)

    if not bounded and not args.get("count_groups"):
        grouped = _grain_asked(args, grouped, words, notes)
    grouped = _month_as_written(args, grouped, words, notes)
    if not grouped and (args.get("having") or args.get("count_groups")):
        # the model's bound per group with no groups: the rows themselves are asked for
        args["having"], args["count_groups"] = None, False
        notes.append("having and count_groups dropped: there are no groups to bound")
    _names_beside_ids(args, words, catalog, notes)
    # ("the average purchase order value per supplier, top 5": the suppliers ranked)
    if grouped and (not bounded or args.get("average_groups") and len(grouped) > 1):
        _rank(args, words, notes)
        if not args.get("limit") and args.get("order") in ("asc", "desc") \
                and _TIED_FOR_FIRST.search(words):
            args["limit"] = 1  # "which tools ... most often? if several tie for first, ..."
            notes.append("limit 1: the question asks for the first, ties and all")
        if args.get("limit") and _TIES.search(words) and not args.get("ties"):
            args["ties"] = True
            notes.append("ties: the question asks for every group tied")
    _single_row(args, words, layer, notes)
    _rehome_to_final_table(args, words, linked, catalog, layer, notes)
    if _columns_compared(args, words, linked, catalog, layer, notes):
        _calendar(args, words, catalog, layer, notes)  # the compared table's dates, if any
    _in_every(args, words, linked, catalog, layer, notes)
    _as_of_history(args, words, catalog, layer, notes)
    _first_of_opposites(args, layer, said, notes)
    _rounding(args, words, notes)
    return Amended(arguments=args, notes=notes)
