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
  reads one base table).
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
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from ._semantic import Metric, SemanticLayer
from ._sql_calendar import calendar_filter, date_column, date_extreme, named_range
from ._sql_catalog import Catalog, CatalogColumn, CatalogTable
from ._sql_linking import Linked, ValueHit, phrase, tokens
from ._sql_query import MAX_FILTERS, MAX_GROUPS, MAX_METRICS

_WORDS = {"once": 1, "twice": 2, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10, "twenty": 20}
# Only for reading a filter's number back from the question, not for "top N".
_MORE_NUMBER_WORDS = {"dozen": 12, "hundred": 100, "thousand": 1000, "million": 1_000_000,
                      "week": 7, "weeks": 7, "fortnight": 14}
_NUMBER = r"(\d+|" + "|".join(_WORDS) + r")"

# Periods the question names, most specific first; the value is the query's period.
_PERIODS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), v) for p, v in [
        (r"\b(today|so far today)\b", "today"),
        (r"\b(last|past|previous) (7|seven) days\b|\b(last|past|previous) week\b(?! of)",
         "last_7_days"),
        (r"\b(last|past|previous) (30|thirty) days\b", "last_30_days"),
        (r"\b(last|past|previous) (90|ninety) days\b|\b(last|past) (3|three) months\b",
         "last_90_days"),
        (r"\bthis month\b|\bmonth[ -]to[ -]date\b|\bmtd\b", "this_month"),
        (r"\b(last|previous) month\b", "last_month"),
        (r"\bthis year\b|\byear[ -]to[ -]date\b|\bytd\b|\bso far this year\b", "this_year"),
        (r"\b(last|previous) year\b", "last_year"),
        (r"\bnext (7|seven) days\b|\bnext week\b|\bcoming week\b", "next_7_days"),
        (r"\bnext (30|thirty) days\b|\bnext month\b", "next_30_days"),
    ]]
# Words that place a question in time: with none of them it means all time. A bare unit
# is not one ("routes that take more than 4 days" is a duration, not a period).
_TIME_WORDS = re.compile(
    r"\b(today|yesterday|tomorrow|tonight|recent|recently|lately|since|until|before|after|"
    r"during|last|past|previous|next|coming|upcoming|dated|quarter|"
    r"this (day|week|month|year)|month[ -]to[ -]date|year[ -]to[ -]date|ytd|mtd|"
    r"january|february|march|april|may|june|july|august|september|october|november|"
    r"december|20\d\d)\b")
# A date the question names: a day, a month or a year.
_DATES = re.compile(r"\b(\d{4} \d{1,2} \d{1,2}|\d{1,2} \d{1,2} \d{4}|20\d\d|january|february|"
                    r"march|april|may|june|july|august|september|october|november|december|"
                    r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b")
# "top" and "bottom" pick rows, like a superlative.
_DESCENDING = (r"most|highest|largest|biggest|greatest|top|best|longest|maximum|max|busiest|"
               r"widest|heaviest|priciest|costliest|fattest|strongest|deepest|steepest")
_ASCENDING = (r"least|lowest|smallest|fewest|cheapest|bottom|worst|shortest|minimum|min|"
              r"thinnest|narrowest|slimmest|weakest|quietest|lightest|shallowest")
# A count of rows is small: "which month of 2026 had the most" ranks no 2,026 rows.
_FEW = rf"(\d{{1,3}}|{'|'.join(_WORDS)})"
_TOP_N = re.compile(rf"\b(top|bottom) {_FEW}\b|(?<![\d,.]){_FEW} (\w+ ){{0,3}}?"
                    rf"(with |have |has )?(the )?({_DESCENDING}|{_ASCENDING})\b")
# "most recent" places in time; it ranks nothing.
_NOT_RANKING = r"(?! (recent|recently|latest)\b)"
_SUPERLATIVE = re.compile(rf"\b(?<!at )({_DESCENDING}|{_ASCENDING})\b{_NOT_RANKING}")  # not "at least"
# "the most" picks one row; "most first" only sorts.
_WHICH_N = re.compile(rf"^\W*(?:which|what) (?:top )?(\d{{1,2}}|{'|'.join(_WORDS)}) ")
_PICK = re.compile(rf"\bthe ({_DESCENDING}|{_ASCENDING})\b(?! first){_NOT_RANKING}")
_ASC = re.compile(rf"\b({_ASCENDING})\b")
# Words that ask for rows (a breakdown or a list) rather than one total ("across all
# warehouses", "across every warehouse" is not one: it sums over them).
# "due by November 7" is a date's bound, no breakdown
_GROUPING = re.compile(
    r"\b(?<!at )(by(?! (?:january|february|march|april|may|june|july|august|september|"
    r"october|november|december|the end|\d))|per|each|(?<!across )every|which|who|whom|"
    r"list(?! prices?\b)|show|top|bottom|most|least|highest|lowest|best|worst|"
    r"largest|smallest|fewest|cheapest|priciest|fastest|quickest|slowest|shortest|longest|"
    r"breakdown|split|among|monthly|weekly|daily|trend|"
    r"over time|what are|where|name|names)\b" + _NOT_RANKING)
# Words that exclude: the value after them is "not" that value.
_NEGATION = re.compile(r"\b(not|no|non|never|except|excluding|without|other than|besides|"
                       r"leaving out|leave out|left out|ignoring|apart from|aside from|"
                       r"outside|aren t|isn t|wasn t|weren t|don t|doesn t|didn t|haven t|"
                       r"hasn t)\b")
_COLUMN = re.compile(r"(?:^|\()(\w+)\.\w+")  # "orders.status", "avg(variants.price)"
_NEGATED_WINDOW = 4  # words between a negation and the value it excludes
_UNREACHABLE = 99
# Words that quantify rather than name: "all the stock" asks for no filter at all.
_QUANTIFIERS = frozenset({"all", "any", "every", "each", "none", "total", "everything",
                          "anything", "*", "%"})
_PARAPHRASED_VALUES = 12  # a category this small may be named in other words (statuses)
# "more than 4", "at least 2", "fewer than 10": a bound on a figure; (op, number).
_BOUND = re.compile(rf"\b(more than|greater than|larger than|bigger than|higher than|over|above|"
                    rf"exceeding|at least|no fewer than|fewer than|less than|smaller than|"
                    rf"lower than|under|below|at most|no more than|exactly) \$?"
                    rf"(\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?|{'|'.join(_WORDS)})\b"
                    rf"(?!\s*(%|percent|days? ago))")
_BOUND_OPS = {"more than": ">", "greater than": ">", "larger than": ">", "bigger than": ">",
              "higher than": ">", "smaller than": "<", "lower than": "<",
              "over": ">", "above": ">",
              "exceeding": ">", "at least": ">=", "no fewer than": ">=", "fewer than": "<",
              "less than": "<", "under": "<", "below": "<", "at most": "<=",
              "no more than": "<=", "exactly": "="}
_UNIT_WORDS = frozenset({"units", "unit", "pieces", "pcs"})
# "A week or longer", "5 or more items", "10 units or fewer": the same bounds as "at least
# 7 days", "at least 5 items", "at most 10 units", written so one pattern reads them all.
_OR_MORE = re.compile(rf"\b(a|an|{_NUMBER}) (?:(\w+) or (more|longer|over|above|greater|"
                      rf"less|fewer|shorter|under|below)|or (more|fewer|less) (\w+))\b")
_AT_MOST_WORDS = frozenset({"less", "fewer", "shorter", "under", "below"})
# At the start (after a preposition: "on how many days"), or after one leading clause
# ("for each supplier country, how many ..."),
# but "on average, how many lines does an order have" is an average (``_average_per``).
_HOW_MANY = re.compile(r"^(?:(?!on (?:an )?average\b)[^,:;?]*[,:;]\s*)?\W*(?:(?:on|in|at|for) )?"
                       r"(how many|count|number of|what number of)\b")
_TIES = re.compile(r"\b(tie|tied|ties|tying|joint|equally)\b")
_CYCLES = [(re.compile(r"\b(day of the week|days of the week|weekday|weekdays)\b"), "weekday"),
           (re.compile(r"\b(month of the year|months of the year|calendar month)\b"),
            "month_of_year")]
# "in its most recent price check", "as of the latest snapshot": the rows of the latest date
# (not "the last 30 days" nor "last month", which are periods).
_LATEST = re.compile(r"\b(in|at|on|from|as of|for) (its|their|the|our|each) (most recent|latest|"
                     r"newest|last)\b(?! (\d+|day|days|week|weeks|month|months|year|years|"
                     r"quarter)\b)")
_DATE_GRAINS = ("day", "week", "month", "year", "weekday", "month_of_year")
_CALENDAR_GRAIN = {"weekday": "day", "month_of_year": "month"}
_BEST_GRAIN = re.compile(rf"\b(?P<sup>{_DESCENDING}|{_ASCENDING}|slowest)"
                         rf"(?: single)? (?P<grain>day|week|month|year)\b(?! of the)")
_PER_GRAIN_SAID = re.compile(r"\b(?:per|each|every|by) (?P<grain>day|week|month|year)\b|"
                             r"(?<!average )(?<!mean )(?<!typical )\b(?P<ly>daily|weekly|monthly)"
                             r"(?! average)\b")
_LY = {"daily": "day", "weekly": "week", "monthly": "month"}
_WHICH_GRAIN = re.compile(r"\b(?:which|what) (?P<grain>day|week|month|year)\b(?! of the)")
# "On average, how many lines does an order have", "units sold per day on average": a
# figure per thing (an order, a day), averaged over the things.
# "The average value of an order" is one too: the order's total, averaged over orders.
_ON_AVERAGE = re.compile(r"\b(on average|on an average|on a typical|average number of|"
                         r"average count of|average (?:\w+ ){1,2}?(?:(?:of|for) (?:a|an|one)|per) |"
                         r"(?:does|do|did|has|have) (?:the|an) (?:average|typical) |"
                         r"average (?:daily|weekly|monthly) )")
_PER_THING = re.compile(r"(?=\b(?:per|each|every|does|do|did|an average|a typical|of a|of an|"
                        r"for a|for an|the average|the typical|average(?= daily| weekly| monthly)) "
                        r"(?:(?:a|an|one|the|single) )?((?:\w+ ){0,2}\w+))")
# Words that make the figure per thing a total of its rows ("adding up its item prices").
_TOTAL_WORDS = re.compile(r"\b(value|total|worth|come to|comes to|adding up|add up|sum|"
                          r"spend|spent|revenue)\b")
_PER_GRAIN = {"day": "day", "daily": "day", "week": "week", "weekly": "week", "month": "month",
              "monthly": "month", "year": "year"}
# "What percentage of orders were cancelled": the rows a condition keeps, as a share of all.
_SHARE_HEAD = (r"\b(?:what|which) (?:(?:is|was) (?:the )?)?(?:percentage|percent|share|"
               r"proportion|fraction) of")
# "which product has the highest share of sold-out variants": a share, ranked
_RANKED_SHARE = (rf"\bthe (?:{_DESCENDING}|{_ASCENDING}) (?:percentage|percent|share|proportion|"
                 rf"fraction) of")
# "which products have more than 50% of their variants sold out": a share per group, bounded
_BOUNDED_SHARE = (r"\b(?P<bound>more than|over|above|at least|less than|fewer than|under|below|"
                  r"at most) (?P<percent>\d+(?:\.\d+)?)\s*(?:%|percent) of (?=their|its|each)")
_SHARE = re.compile(rf"{_SHARE_HEAD}\b|\bhow many percent of\b|{_RANKED_SHARE}\b|{_BOUNDED_SHARE}")
_SHARE_VERB = re.compile(r"\b(?:are|were|is|was|have|has|had|got|get|came|come|went|go|"
                         r"that|which|who)\b")


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
        question.lower().replace("'", " ").replace("’", " "))), catalog)
    args = dict(arguments)
    notes: list[str] = []
    filters = args.get("filters")
    if not isinstance(filters, list) or not all(isinstance(f, dict) for f in filters):
        return Amended(arguments=arguments, notes=[])
    filters = [dict(f) for f in filters]

    grouped = [g for g in args.get("group_by") or [] if isinstance(g, str)]
    args["filters"] = filters
    _unsaid_qualifier(args, words, layer, notes)
    if _named_metric(args, words, catalog, layer, notes) | _narrower_term(
            args, words, layer, notes) or _units_ranked(
            args, words, linked, catalog, layer, notes) or _things_ranked(
            args, words, linked, catalog, layer, notes):
        grouped = [g for g in args.get("group_by") or [] if isinstance(g, str)]
        filters = args["filters"]
    if _date_asked(args, words, catalog, layer, notes) or _column_aggregate(
            args, words, catalog, layer, notes):
        grouped = [g for g in args.get("group_by") or [] if isinstance(g, str)]
        filters = args["filters"]
    if _percent_per_subject(args, words, linked, catalog, layer, notes) or _count_named(
            args, words, linked, catalog, layer, notes) or _which_have(
            args, words, catalog, layer, notes):
        grouped = [g for g in args.get("group_by") or [] if isinstance(g, str)]
        filters = args["filters"]
    if _metric_of_values(args, words, linked, catalog, layer, notes) or _term_across(
            args, words, linked, catalog, layer, notes) or _worth(args, words, layer, notes):
        grouped = [g for g in args.get("group_by") or [] if isinstance(g, str)]
        filters = args["filters"]
    if _cost_term(args, words, linked, layer, catalog, notes):
        grouped = [g for g in args.get("group_by") or [] if isinstance(g, str)]
        filters = args["filters"]
    if (ranked := _speed(args, words, linked, layer, catalog, notes)) != words:
        words, grouped = ranked, [g for g in args.get("group_by") or [] if isinstance(g, str)]
        filters = args["filters"]
    root = _root(args.get("metrics"), grouped, layer)
    if root in catalog.tables:  # no join leads there: it would not compile
        args["filters"] = filters
        _drop_unreached(args, root, catalog, layer, notes)
        grouped = [g for g in args.get("group_by") or [] if isinstance(g, str)]
        filters = args["filters"]

    cost = _cost_from(root, catalog, layer)
    _one_table(args, layer, notes)
    _asked_constructs(args, said, words, catalog, example_values, notes)
    held = {h.value.casefold() for h in linked.values}
    filters = [kept for f in filters
               if (kept := _own_values(f, said, words, catalog, example_values, notes, held))
               is not None]
    for f in filters:
        _rehome(f, linked, cost, notes)
    filters = _useful(filters, catalog, notes)
    filters = _said_flags(filters, said, catalog, notes)
    filters += _flags_said(filters, words, catalog, layer, cost, notes)
    grouped = _nearer_groups(args, grouped, layer, cost, notes)
    grouped = _said_breakdown(args, grouped, words, catalog, layer, root, cost, notes)
    grouped = _which_subject(args, grouped, words, catalog, layer, root, cost, notes)
    grouped = _most_common(args, grouped, words, catalog, root, notes)
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
    explained = {w for t in ((term.label, *term.synonyms) if term in layer.metrics else ())
                 for w in tokens(t)} - {  # a row count's own table name explains nothing
        w for t in ((term.table.replace("_", " "), *note.synonyms) if term and note else ())
        for w in tokens(t)}
    filters += [f for f in _value_filters(linked, filters, words, notes, cost, subjects)
                if not set(tokens(" ".join(map(str, f["value"] if isinstance(f["value"], list)
                                               else [f["value"]])))) <= explained]
    filters += _segment_filters(layer, filters, said, words, notes, cost)
    args["filters"] = filters
    if _negated_term(args, layer, notes):
        filters = args["filters"]
    if (listed := _listed_breakdown(args, words, linked, cost, notes)) is not None:
        grouped, filters = listed, args["filters"]
    if _route(args, words, linked, catalog, cost, notes):
        grouped, filters = list(args.get("group_by") or []), args["filters"]
    if _absent(args, words, catalog, layer, notes):
        grouped, filters = list(args.get("group_by") or []), args["filters"]
    _calendar(args, words, catalog, layer, notes)
    if not _ratio(args, words, catalog, layer, notes):
        _share(args, words, catalog, layer, notes)
        grouped = [g for g in args.get("group_by") or [] if isinstance(g, str)]
    _difference(args, words, layer, notes)

    grouped = _cycles(args, grouped, words, notes)
    _latest(args, words, layer, notes)
    # "lanes that take 7 days or longer": a bound on a column of each row, not per group
    row_bound = _column_bound(args, words, filters, catalog, layer, root, notes)
    filters += row_bound
    if row_bound and _SHARE.search(words) and not args.get("share") and not args.get("combine"):
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
    counted_per = [] if row_bound else _count_per_subject(args, words, catalog, layer, notes)
    if counted_per:
        _calendar(args, words, catalog, layer, notes)  # the new metric's date, if it changed
        grouped, filters = counted_per, args["filters"]
    elif not grouped and not row_bound and _BOUND.search(words) and _HOW_MANY.search(words):
        grouped = _per_subject(args, words, catalog, layer, notes)
    bounded = bool(counted_per) or bool(grouped) and not row_bound and _having(
        args, words, filters, notes)
    if not bounded and (both := _both(args, words, catalog, layer, notes)):
        grouped, bounded = both, True
    if not bounded and _ON_AVERAGE.search(words):
        grouped = _average_per(args, grouped, words, catalog, layer, notes)
        bounded = bool(args.get("average_groups"))
    filters += _percent_off(words, filters, catalog, layer, root, notes)
    if grouped and not bounded and not _GROUPING.search(words):
        args["group_by"] = []
        notes.append(f"one total asked: group_by {grouped} dropped")
        grouped = []

    period = _period(words)
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
    if not grouped and (args.get("having") or args.get("count_groups")):
        # the model's bound per group with no groups: the rows themselves are asked for
        args["having"], args["count_groups"] = None, False
        notes.append("having and count_groups dropped: there are no groups to bound")
    _names_beside_ids(args, words, catalog, notes)
    if grouped and not bounded:
        _rank(args, words, notes)
        if args.get("limit") and _TIES.search(words) and not args.get("ties"):
            args["ties"] = True
            notes.append("ties: the question asks for every group tied")
    _single_row(args, words, layer, notes)
    _rehome_to_final_table(args, linked, catalog, layer, notes)
    _columns_compared(args, words, linked, catalog, layer, notes)
    _in_every(args, words, linked, catalog, layer, notes)
    _as_of_history(args, words, catalog, layer, notes)
    _rounding(args, words, notes)
    return Amended(arguments=args, notes=notes)


_MORE_THAN = ("above|over|higher than|greater than|more than|larger than|bigger than|exceeds?"
              "|exceeding|in excess of|after|later than|dearer than|pricier than")
_LESS_THAN = "below|under|lower than|less than|smaller than|cheaper than|before|earlier than"
# "priced below their unit cost", "received after the expected date": a column, not a number
_COMPARED = re.compile(rf"\b(?:(?P<more>{_MORE_THAN})|(?P<less>{_LESS_THAN})) "
                       r"(?:(?:what|the|their|its|our|each|his|her|it|they) )*"
                       r"(?P<other>[a-z][a-z ]*)")
# "more units reserved than on hand": the first column between, the other after "than"
_MORE_X_THAN = re.compile(r"\b(?:(?P<more>more|greater|higher)|(?P<less>fewer|less|lower)) "
                          r"(?P<this>[a-z][a-z ]{2,30}?) than "
                          r"(?:(?:what|the|their|its|our|each|it|they|is|are) )*"
                          r"(?P<other>[a-z][a-z ]*)")
# stems, as a column says ("charging less than": the price)
_SAID_AS = {"arriv": "receiv", "deliver": "receiv", "due": "expect", "charg": "pric",
            "ask": "pric"}
_NOT_COMPARED = ("_id", "_no", "position", "seq", "lat", "lon")


def _columns_compared(args: dict[str, Any], words: str, linked: Linked, catalog: Catalog,
                      layer: SemanticLayer, notes: list[str]) -> None:
    """"Variants priced below their unit cost", "purchase orders received after their
    expected date": a row condition between the column the words before the comparison
    name and the one after it (two numbers or two dates), as the question says them."""
    root = _root(args.get("metrics"), [g for g in args.get("group_by") or []
                                       if isinstance(g, str)], layer)
    if root not in catalog.tables or args.get("compare"):
        return
    if (same := _SAME.search(words)) is not None:
        # "routes that start and end in the same region": the two columns of that name
        ends = [c for c in catalog.tables[root].columns
                if c.kind == "text" and c.name.endswith(f"_{same['what']}")]
        if len(ends) == 2:
            args["compare"] = [{"field": ends[0].ref, "op": "=", "value": ends[1].ref}]
            notes.append(f"compare {ends[0].ref} = {ends[1].ref}: the question says the same "
                         f"{same['what']}")
            return
    pairs = [(said, " ".join(words[:said.start()].split()[-3:]))
             for said in _COMPARED.finditer(words)]
    pairs += [(said, said["this"]) for said in _MORE_X_THAN.finditer(words)]
    for said, before in pairs:
        after = " ".join(said["other"].split()[:3])
        left = _compared_column(before, root, catalog, layer, linked, near_end=True)
        right = _compared_column(after, root, catalog, layer, linked, near_end=False)
        if left is None or right is None or left.ref == right.ref or left.kind != right.kind:
            continue
        op = ">" if said["more"] else "<"
        args["compare"] = [{"field": left.ref, "op": op, "value": right.ref}]
        # a bound the model read on either column was this comparison
        args["filters"] = [f for f in args.get("filters") or []
                           if not (isinstance(f, dict) and f.get("field") in (left.ref, right.ref)
                                   and f.get("op") in _BOUND_OPS.values())]
        notes.append(f"compare {left.ref} {op} {right.ref}: the question compares the two")
        return


# "in the same region", "within a single region", "within one region"
_SAME = re.compile(r"\b(?:the same|(?:within )?(?:a|one) single|within (?:one|the|a)) "
                   r"(?P<what>[a-z]+)\b")


def _compared_column(text: str, root: str, catalog: Catalog, layer: SemanticLayer,
                     linked: Linked, *, near_end: bool) -> CatalogColumn | None:
    """The one number or date column ``text`` names by its parts ("unit cost", "priced",
    "expected date"), reachable from ``root``: the most parts said, then said nearest the
    comparison (the end of ``text`` or its start), then the table's name or a value it
    holds said too ("what BargainBay charged": a competitor's price), then the root's
    own."""
    stems = [_SAID_AS.get(s, s) for s in (_stem(phrase(w)) for w in text.split())]
    tables = _tables_said(text, catalog, layer) | {
        c.partition(".")[0] for h in linked.values
        if f" {phrase(h.words)} " in f" {phrase(text)} " for c in h.columns}
    scored = []
    for table in catalog.tables.values():
        if table.name != root and catalog.path(root, table.name) is None:
            continue
        for c in table.columns:
            if c.kind not in ("number", "date") or c.name.endswith(_NOT_COMPARED):
                continue
            at = [i for p in c.name.split("_") if len(p) > 2
                  for i, s in enumerate(stems) if s == _stem(phrase(p))]
            if at:
                near = max(at) if near_end else -min(at)
                scored.append(((len(at), near, c.table in tables, c.table == root), c))
    if not scored:
        return None
    best = max(key for key, _ in scored)
    top = [c for key, c in scored if key == best]
    return top[0] if len(top) == 1 else None


_GLUE = frozenset({"of", "the", "a", "an", "and", "per", "for", "with", "our", "to", "in", "by"})


def _as_of_history(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
                   notes: list[str]) -> None:
    """"What was the list price of variant 1340995114 on September 15, 2026": a column
    of one thing that has no dates (``variants.price``, today's) read on a day from the
    table that keeps its history (``price_history.price``: a row per change, with the
    day it took effect), as the latest row on or before that day."""
    day = named_range(words)
    first = layer.metric(str((args.get("metrics") or [""])[0]))
    column = _ONE_COLUMN.fullmatch(first.sql) if first is not None else None
    if day is None or day.op not in ("between", "<=") or day.start != day.end \
            or first is None or column is None or layer.time_column(first.table):
        return
    keys = catalog.tables[first.table].primary_key
    name = column.group(2).partition(".")[2]
    filters = [f for f in args.get("filters") or [] if isinstance(f, dict)]
    thing = [f for f in filters if keys and f.get("field") == f"{first.table}.{keys[0]}"
             and f.get("op") == "=" and isinstance(f.get("value"), str)]
    if len(keys) != 1 or len(thing) != 1:
        return  # one thing's value on a day; of many things, each has its own last change
    # of the tables with that column by day, the one described as the term is (the list
    # price's changes, not competitors' prices)
    term = set(phrase(f"{first.label} {first.description}").split()) - _GLUE
    overlap = {}
    for table in catalog.tables.values():
        note = layer.tables.get(table.name)
        if table.name != first.table and layer.time_column(table.name) and note \
                and table.column(name) is not None and table.column(keys[0]) is not None:
            overlap[table.name] = len(term & set(phrase(" ".join([note.description,
                                                                  *note.synonyms])).split()))
    best = [t for t, n in overlap.items() if n == max(overlap.values(), default=0) and n]
    for table in (catalog.tables[t] for t in best[:1] if len(best) == 1):
        kept_on = str(layer.time_column(table.name))
        args.update(metrics=[f"max({table.name}.{name})"], group_by=[], period="all",
                    filters=[{"field": f"{table.name}.{keys[0]}", "op": "=",
                              "value": thing[0]["value"]},
                             {"field": kept_on, "op": "<=", "value": day.end.isoformat()},
                             {"field": kept_on, "op": "latest"}])
        notes.append(f"{table.name}.{name} as of {day.end}: its latest row on or before the "
                     f"day, for {first.table}.{name} has only today's")
        return


# "in every warehouse", "at all of our warehouses" ("for every"/"across all" are breakdowns
# and totals)
_IN_EVERY = re.compile(r"\b(?:in|at) (?:every(?: single)?(?: one of)?|all(?: of)?) "
                       r"(?:our |the |its |their )?(?P<place>\w+(?: \w+)?)")


def _asked_table(words: str, catalog: Catalog, layer: SemanticLayer) -> str | None:
    """The table of the things "which X" / "list the X" asks for: the words after it, or
    their first ("which items are sold": items)."""
    which = _WHICH.match(words) or _LIST.match(words)
    return next((t for text in ((which["thing"], which["thing"].split()[0]) if which else ())
                 if (t := _table_named(text, catalog, layer))), None)


def _in_every(args: dict[str, Any], words: str, linked: Linked, catalog: Catalog,
              layer: SemanticLayer, notes: list[str]) -> None:
    """"How many items are out of stock in every warehouse": of a table with a row per
    thing and place (stock), the things whose rows all meet the condition (the filters on
    those rows, else the condition of the term for them), counted or listed."""
    said = _IN_EVERY.search(words)
    thing = _counted_table(words, catalog, layer) or _asked_table(words, catalog, layer)
    place = _table_named(said["place"], catalog, layer) if said else None
    if place is None or thing is None or thing == place:
        return
    keys = [catalog.tables[t].primary_key for t in (thing, place)]
    if any(len(k) != 1 for k in keys):
        return
    thing_key, place_key = keys[0][0], keys[1][0]
    filters = [f for f in args.get("filters") or [] if isinstance(f, dict)]
    for name in dict.fromkeys([*(args.get("metrics") or []), *linked.metrics]):
        term = layer.metric(str(name))
        rows = term.table if term is not None else None
        if rows is None or any(catalog.tables[rows].column(k) is None
                               for k in (thing_key, place_key)):
            continue
        kept = [f for f in filters if _field_table(f.get("field"), catalog, layer) == rows]
        condition = kept or _term_conditions(term) if term is not None else kept
        count = _row_count(rows, catalog, layer)
        if not condition or count is None:
            continue
        counted = _counted_table(words, catalog, layer) is not None
        args.update(metrics=[count], group_by=[f"{rows}.{thing_key}"], filters=condition,
                    every=True, count_groups=counted, having=None, average_groups=False,
                    absent=[],
                    share=[], order="none", limit=None, period="all")
        notes.append(f"every: the {thing} whose {rows} rows in each {place} meet "
                     f"{[f.get('field') for f in condition]}"
                     + (", counted" if counted else ""))
        return


_ROUNDED = re.compile(
    r"\b(?:round(?:ed|ing)?|correct|accurate|give (?:it|them|that)|expressed|shown?)\b[^.?;]{0,40}?"
    r"\bto (?:the nearest )?(?:(?P<n>\d|one|two|three|four|a|no|zero) (?:decimal(?: place)?s?|dp"
    r"|places?|digits? after the point)\b|(?P<whole>(?:a )?whole(?: \w+)?|an? integers?|integers?"
    r"|(?:the nearest )?(?:dollar|unit|day|percent(?:age point)?)s?)\b|(?P<cent>(?:the )?cents?)\b)"
    r"|\bas (?:a )?(?P<as_whole>whole (?:number|dollar|day|unit|percent)s?|integers?)\b"
    r"|\bin whole (?:dollars|days|units|percent)\b(?P<in_whole>)"
    r"|\((?P<paren>\d) (?:decimal(?: place)?s?|dp)\)"
    r"|\bto (?P<bare>\d|one|two|three|four) (?:decimal(?: place)?s?|dp)\b"
    r"|\bto the nearest (?:whole(?: \w+)?|dollar|integer|(?P<near_cent>cent))\b")
_DIGIT_WORDS = {"one": 1, "a": 1, "two": 2, "three": 3, "four": 4, "no": 0, "zero": 0}


def _rounding(args: dict[str, Any], words: str, notes: list[str]) -> None:
    """"Round to 1 decimal", "to two decimal places", "as a whole number", "to the nearest
    dollar", "to the cent": the figures come rounded as the question asks."""
    said = _ROUNDED.search(words)
    if said is None or args.get("decimals") is not None:
        return
    n = said["n"] or said["paren"] or said["bare"]
    cents = said["cent"] or said["near_cent"]
    decimals = (int(n) if n.isdigit() else _DIGIT_WORDS[n]) if n else 2 if cents else 0
    args["decimals"] = decimals
    notes.append(f"decimals {decimals}: the question asks its figures rounded so")


def _grain_asked(args: dict[str, Any], grouped: list[str], words: str,
                 notes: list[str]) -> list[str]:
    """"Our best single day for units sold", "which month had the most orders": the
    question asks for a calendar day (week, month, year), so the metric is grouped by it;
    a superlative on the day itself picks the one."""
    best = _BEST_GRAIN.search(words)
    which = _WHICH_GRAIN.search(words) or _PER_GRAIN_SAID.search(words)
    grain = best["grain"] if best else (which["grain"] or _LY[which["ly"]]) if which else None
    if grain is None or any(g in _DATE_GRAINS for g in grouped) or len(grouped) >= MAX_GROUPS:
        return grouped
    grouped = [grain, *grouped]
    args["group_by"] = grouped
    notes.append(f"group_by {grain}: the question asks for a {grain}")
    if best is not None:
        order = "asc" if _ASC.search(best["sup"]) or best["sup"] == "slowest" \
            else "desc"
        args["order"], args["limit"] = order, 1
        notes.append(f"order {order}, limit 1: the question picks one {grain}")
    return grouped


def _names_beside_ids(args: dict[str, Any], words: str, catalog: Catalog,
                      notes: list[str]) -> None:
    """"Which supplier has the most open purchase orders": a breakdown by a key of a
    table with a ``name`` (``purchase_orders.supplier_id``) shows that name beside it,
    which is what a person reads (the id stays: names need not be unique). "Name each
    warehouse by its city": the text column the question names instead."""
    grouped = [g for g in args.get("group_by") or [] if isinstance(g, str)]
    said = {w for m in _SHOWN_BY.finditer(words)  # "its city and", "the warehouse cities"
            for w in (" ".join(map(_singular, m.group(1).split())),
                      *map(_singular, m.group(1).split()))}
    for ref in list(grouped):
        column = ref.partition(".")[2]
        if not column.endswith("_id") or catalog.column(ref) is None:
            continue
        keyed = next((t for t in catalog.tables.values() if t.primary_key == [column]), None)
        if keyed is None:
            continue
        texts = [c.name for c in keyed.columns if c.kind == "text" and c.name != column]
        wanted = next((c for c in texts if _spelled(c) in said), None)
        named = keyed.name if wanted or "name" in texts else _owner_asked(
            keyed.name, words, catalog)
        shown = f"{named}.{wanted or 'name'}"
        if named is None or shown in grouped or len(grouped) >= MAX_GROUPS:
            continue
        grouped.insert(grouped.index(ref) + 1, shown)
        args["group_by"] = grouped
        notes.append(f"group_by {shown} beside {ref}: a name a person reads")


def _owner_asked(table: str, words: str, catalog: Catalog) -> str | None:
    """"The most expensive variant: which product is it": a nameless thing is shown by the
    name of the thing it belongs to, when the question asks which (or what) that is."""
    asked = {m.group(1).rstrip("s") for m in _WHICH_ONE.finditer(words)}
    for column in catalog.tables[table].columns:
        owner = next((t for t in catalog.tables.values()
                      if t.primary_key == [column.name] and t.name != table), None)
        if owner is not None and owner.column("name") is not None \
                and owner.name.rstrip("s") in asked:
            return owner.name
    return None


# "which product is it", "what product, and at what price"
_WHICH_ONE = re.compile(r"\b(?:which|what) (\w+)")


# "name each warehouse by its city", "identify them by their email", "give the warehouse
# cities"
_SHOWN_BY = re.compile(r"(?:\bby (?:its|their|the)|\b(?:name[ds]?|identif(?:y|ied)|label(?:l?ed)?)"
                       r"(?: them| it| each(?: one| \w+)?| the \w+)? by(?: its| their| the)?|"
                       r"\b(?:give|show|list) (?:the|their|its|each)(?: \w+ s(?= \w))?)"
                       r" (\w+(?: \w+)?)\b")


def _latest(args: dict[str, Any], words: str, layer: SemanticLayer, notes: list[str]) -> None:
    """"In its most recent price check": the metric over the rows of its latest date (a
    day, not a window: a period the question does not name goes)."""
    filters = args.get("filters") or []
    if not _LATEST.search(words) or any(f.get("op") == "latest" for f in filters):
        return
    if args.get("period") not in (None, "all"):
        if _period(words) is not None:
            return
        notes.append(f"period all, not {args.get('period')}: the question asks for the latest")
        args["period"] = "all"
    names = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    metric = layer.metric(names[0]) if names else None
    if metric is None:
        return
    column = metric.time_column or layer.time_column(metric.table)
    if column is None or any(f.get("field") == column for f in filters):
        return
    args["filters"] = [*filters, {"field": column, "op": "latest", "value": None}]
    notes.append(f"filter {column} latest: the question asks for the latest")


def _one_table(args: dict[str, Any], layer: SemanticLayer, notes: list[str]) -> None:
    """Only the metrics of the first metric's table: one query counts from one table."""
    metrics = args.get("metrics")
    if not isinstance(metrics, list) or len(metrics) < 2:
        return
    tables = [m.table if (m := layer.metric(n)) is not None else None
              for n in metrics if isinstance(n, str)]
    if None in tables or len(set(tables)) < 2:
        return
    kept = [n for n, t in zip(metrics, tables, strict=True) if t == tables[0]]
    notes.append(f"metrics {[n for n in metrics if n not in kept]} dropped: another table "
                 f"than {tables[0]}'s")
    args["metrics"] = kept


def _asked_constructs(args: dict[str, Any], said: str, words: str, catalog: Catalog,
                      examples: set[str], notes: list[str]) -> None:
    """The constructs the model may set only where the question asks for them: an average
    over groups with no "on average", a count of groups with no "how many", a share with
    no percentage asked go; a share keeps only the values the question gives (as filters
    do)."""
    if args.get("average_groups") and not _ON_AVERAGE.search(words):
        args["average_groups"] = False
        notes.append("average_groups dropped: the question asks for no average per thing")
    if args.get("count_groups") and not _HOW_MANY.search(words):
        args["count_groups"] = False
        notes.append("count_groups dropped: the question asks for no count")
    share = args.get("share")
    if not share:
        return
    if not isinstance(share, list) or not all(isinstance(f, dict) for f in share) \
            or not _SHARE.search(words):
        args["share"] = []
        notes.append("share dropped: the question asks for no percentage")
        return
    kept = [k for f in share if (k := _own_values(dict(f), said, words, catalog, examples, notes))]
    args["share"] = _useful(kept, catalog, notes)


_ROUTE = re.compile(r"\bfrom (?P<origin>(?:[\w-]+ ){0,4}?[\w-]+) to (?P<dest>(?:[\w-]+ ){0,3}[\w-]+)")
_ORIGIN_WORDS = ("origin", "from", "source", "src")
_DEST_WORDS = ("dest", "destination", "to", "target")


def _route(args: dict[str, Any], words: str, linked: Linked, catalog: Catalog,
           cost: Callable[[str], tuple[int, int]], notes: list[str]) -> bool:
    """"From the Northeast region to the West": on a table with an origin and a
    destination column holding those values, the first is the origin and the second the
    destination; other filters on those values go, and so do breakdowns by those columns
    (one value each). True when it changed the query."""
    match = _ROUTE.search(words)
    if match is None:
        return False

    def hits(span: str) -> list[ValueHit]:
        said = f" {phrase(span)} "
        return [h for h in linked.values if f" {phrase(h.words)} " in said]

    for origin in hits(match.group("origin")):
        for dest in hits(match.group("dest")):
            pair = _end_columns(origin, dest, catalog, cost)
            if pair is None:
                continue
            values = {origin.value, dest.value}
            filters = [f for f in args.get("filters") or [] if f.get("field") not in pair
                       and not (f.get("value") in values or isinstance(f.get("value"), list)
                                and values & set(f["value"]))]
            filters += [{"field": pair[0], "op": "=", "value": origin.value},
                        {"field": pair[1], "op": "=", "value": dest.value}]
            args["filters"] = filters
            args["group_by"] = [g for g in args.get("group_by") or [] if g not in pair]
            notes.append(f"filters {pair[0]} = {origin.value!r}, {pair[1]} = {dest.value!r}: "
                         "the question says from where to where")
            return True
    return False


def _end_columns(origin: ValueHit, dest: ValueHit, catalog: Catalog,
                 cost: Callable[[str], tuple[int, int]]) -> tuple[str, str] | None:
    """The nearest table's (origin column, destination column) that hold the two values."""
    pairs = []
    for o in origin.columns:
        table, _, o_name = o.partition(".")
        for d in dest.columns:
            d_table, _, d_name = d.partition(".")
            if d_table == table and o_name.split("_")[0] in _ORIGIN_WORDS \
                    and d_name.split("_")[0] in _DEST_WORDS and catalog.column(o) is not None:
                pairs.append((o, d))
    reachable = [p for p in pairs if cost(p[0])[0] < _UNREACHABLE]
    return min(reachable, key=lambda p: cost(p[0])) if reachable else None


# "never placed an order", "sold nothing", "none of their variants", "without any sales"
# ("no longer" negates a state: "no longer available" is sold out, not without rows)
_NONE = re.compile(r"\b(?:never|no(?! longer\b)|none of|nothing|not any|without any|without|"
                   r"lacks?|lacking)\b")
_FLIPPED = {"!=": "=", "not_in": "in"}


def _absent(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
            notes: list[str]) -> bool:
    """"How many customers have never placed an order", "how many variants sold nothing in
    October 2026": the counted rows with no row of the table the negation names (after
    it, or just before: "sold nothing"), among those its conditions keep; the conditions
    themselves are said plainly ("none of their variants sold out": sold out ones). "Which
    products have none of their variants sold out" lists them. True when it changed the
    query."""
    subject = _counted_table(words, catalog, layer)
    which = _WHICH.match(words) if subject is None else None
    if which is not None:
        subject = _table_named(which.group(1), catalog, layer)
    if subject is None or len(catalog.tables[subject].primary_key) != 1:
        return False
    for match in _NONE.finditer(words):
        after = " ".join(words[match.end():].split()[:4])
        before = " ".join(words[:match.start()].split()[-1:])
        named = _table_of_count(after, subject, catalog, layer) or \
            _table_of_count(before, subject, catalog, layer)
        count = _row_count(subject, catalog, layer)
        if named is None or count is None:
            continue
        table = named[0]
        # "no open purchase orders": the term's own condition is on the rows lacked
        term = layer.metric(str((args.get("metrics") or [""])[0]))
        kept = _term_conditions(term) if term is not None and term.table == table \
            and _term_said(term, words) else []
        args["metrics"], args["absent"] = [count], [table]
        args["filters"] = [*(args.get("filters") or []), *(
            f for f in kept if f not in (args.get("filters") or []))][:MAX_FILTERS]
        said = f" {phrase(words)} "
        # The rows lacked are those the question describes: a status it only implies
        # (as "called off" implies cancelled) would turn "never" into "never pending".
        unsaid = [f for f in args.get("filters") or []
                  if _field_table(f.get("field"), catalog, layer) == table
                  and isinstance(f.get("value"), str) and f" {phrase(f['value'])} " not in said]
        if unsaid:
            args["filters"] = [f for f in args["filters"] if f not in unsaid]
            notes.append(f"filters on {table} the question does not say dropped")
        for f in args.get("filters") or []:
            if _field_table(f.get("field"), catalog, layer) == table:
                if f.get("op") in _FLIPPED:
                    f["op"] = _FLIPPED[f["op"]]
                elif isinstance(f.get("value"), bool) and layer.segment(str(f["field"])):
                    f["value"] = True
        notes.append(f"metric {count}, absent {table}: the question counts {subject} with "
                     f"no {table}")
        if which is not None:
            shown = "name" if catalog.tables[subject].column("name") else \
                catalog.tables[subject].primary_key[0]
            args["group_by"], args["order"], args["limit"] = [f"{subject}.{shown}"], "none", None
            notes.append(f"group_by {subject}.{shown}: the question asks which {subject}")
        _drop_unreached(args, subject, catalog, layer, notes)
        return True
    return False


_LISTED = re.compile(r"\b(?:each|every|per|by) (?:\w+ ){0,4}\(([^)]*)\)")


def _listed_breakdown(args: dict[str, Any], words: str, linked: Linked,
                      cost: Callable[[str], tuple[int, int]],
                      notes: list[str]) -> list[str] | None:
    """"For each service level (ground, express, economy)": values listed after "each X"
    name the groups, not a filter: the breakdown is by the column holding them all."""
    match = _LISTED.search(words)
    if match is None:
        return None
    inside = f" {phrase(match.group(1))} "
    hits = [h for h in linked.values if f" {phrase(h.words)} " in inside]
    shared = set.intersection(*(set(h.columns) for h in hits)) if len(hits) > 1 else set()
    if not shared:
        return None
    column = min(sorted(shared), key=cost)
    if cost(column)[0] >= _UNREACHABLE:
        return None
    filters = args.get("filters") or []
    args["filters"] = [f for f in filters if f.get("field") not in shared]
    args["group_by"] = [column]
    notes.append(f"group_by {column}, no filter on it: the question lists its groups")
    return [column]


def _useful(filters: list[dict[str, Any]], catalog: Catalog,
            notes: list[str]) -> list[dict[str, Any]]:
    """The filters less repeats and those that keep every row (every value listed); one
    column equal to several values at once ("source = 'paypal' AND source = 'gift_card'",
    which no row is) lists them (``in``)."""
    equal: dict[str, list[dict[str, Any]]] = {}
    for f in filters:
        if f.get("op") == "=" and not isinstance(f.get("value"), list | dict | None):
            equal.setdefault(str(f.get("field")), []).append(f)
    for field, same in equal.items():
        values = list(dict.fromkeys(f["value"] for f in same))
        if len(values) > 1:
            notes.append(f"filters {field} = {values!r} listed: no row has them all")
            at = filters.index(same[0])
            filters = [f for f in filters if f not in same]
            filters.insert(at, {"field": field, "op": "in", "value": values})
    out: list[dict[str, Any]] = []
    for f in filters:
        if f in out:
            notes.append(f"filter {f.get('field')} {f.get('op')} {f.get('value')!r} dropped: "
                         "written twice")
            continue
        column = catalog.column(str(f.get("field", "")))
        value = f.get("value")
        if column is not None and f.get("op") == "in" and isinstance(value, list):
            listed = {str(v).lower() for v in value}
            every = ({"true", "false"} if column.kind == "bool"
                     else {v.lower() for v in column.values})
            if every and every <= listed:
                notes.append(f"filter on {f.get('field')} dropped: it lists every value")
                continue
        out.append(f)
    return out


def _calendar(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
              notes: list[str]) -> None:
    """"Ended during October 2026": the range the question names, on the date column it
    means, in place of the model's date filters (``_sql_calendar``); over all time."""
    found = calendar_filter(args, words, catalog, layer)
    if found is None:
        return
    wanted, replaced = found
    if _running_within(args, wanted, replaced, layer, notes):
        return
    kept = [f for f in args["filters"] if f.get("field") not in (*replaced, wanted["field"])]
    if len(kept) >= MAX_FILTERS or wanted in args["filters"]:
        return
    args["filters"] = [*kept, wanted]
    notes.append(f"filter {wanted['field']} {wanted['op']} {wanted['value']}: the date the "
                 "question names")
    if args.get("period") not in (None, "all"):
        notes.append(f"period all, not {args.get('period')}: the question names its dates")
        args["period"] = "all"


_AS_OF_BOUND = re.compile(r"\s*(\w+\.\w+)\s*(<=|>=|<|>)\s*\{as_of\}\s*")


def _running_within(args: dict[str, Any], wanted: dict[str, Any], replaced: list[str],
                    layer: SemanticLayer, notes: list[str]) -> bool:
    """"Promotions active on October 1", "running during September": a term of what is
    current on the business date (its filter bounds its dates by ``{as_of}``) read for
    the named day or range: the plain term, its bounds on that range's edges (what ran
    at any time in it). True when it did."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    if first is None or wanted["op"] != "between" or "{as_of}" not in (first.filter or ""):
        return False
    bounds = [_AS_OF_BOUND.fullmatch(p) for p in re.split(r"\s+AND\s+", first.filter or "",
                                                           flags=re.IGNORECASE)]
    plain = next((m for m in layer.metrics if m.table == first.table and m.sql == first.sql
                  and not m.filter and not m.joins), None)
    if plain is None or not all(bounds):
        return False
    start, end = wanted["value"]
    edges = [{"field": b[1], "op": b[2], "value": end if b[2] in ("<=", "<") else start}
             for b in bounds if b is not None]
    kept = [f for f in args["filters"] if f.get("field") not in replaced]
    if len(kept) + len(edges) > MAX_FILTERS:
        return False
    args["metrics"], args["filters"] = [plain.name, *metrics[1:]], [*kept, *edges]
    notes.append(f"metric {plain.name} with {first.name}'s dates bounded by {start}..{end}: "
                 "the question asks what ran then")
    if args.get("period") not in (None, "all"):
        args["period"] = "all"
    return True


def _cycles(args: dict[str, Any], grouped: list[str], words: str,
            notes: list[str]) -> list[str]:
    """"Which day of the week": the date bucketed by weekday, not by calendar day; and a
    cycle the question does not ask for is its calendar grain ("each month from May to
    October 2026" means six months, not six month names)."""
    for pattern, cycle in _CYCLES:
        grain = _CALENDAR_GRAIN[cycle]
        if cycle in grouped and not pattern.search(words) and grain not in grouped:
            grouped = [grain if g == cycle else g for g in grouped]
            notes.append(f"group_by {grain}, not {cycle}: the question names no cycle")
            args["group_by"] = grouped
        if not pattern.search(words) or cycle in grouped:
            continue
        dates = [g for g in grouped if g in _DATE_GRAINS]
        grouped = ([cycle if g == dates[0] else g for g in grouped if g not in dates[1:]]
                   if dates else [cycle, *grouped])
        notes.append(f"group_by {cycle}: the question asks for a {cycle.replace('_', ' ')}")
        args["group_by"] = grouped
    return grouped


def _having(args: dict[str, Any], words: str, filters: list[dict[str, Any]],
            notes: list[str]) -> bool:
    """"Orders with more than 4 lines": a bound on the metric per group (``having``);
    "how many ..." then counts the groups. False when the question bounds nothing or
    a filter already carries the bound (a price above $1,000 is a row's)."""
    having = args.get("having")
    if isinstance(having, dict) and not _stated(having.get("value"), words):
        notes.append(f"having {having.get('op')} {having.get('value')} dropped: the "
                     "question states no such number")
        args["having"] = having = None
    if having:
        if _HOW_MANY.search(words) and not args.get("count_groups"):
            args["count_groups"] = True
            notes.append("count_groups: the question asks how many groups")
        return True
    bound = _BOUND.search(words)
    if bound is None or not args.get("metrics"):
        return False
    number = bound.group(2)
    value = float(_WORDS[number]) if number in _WORDS else float(number.replace(",", ""))
    if any(_is_number(f.get("value"), value) for f in filters):
        return False
    args["having"] = {"op": _BOUND_OPS[bound.group(1)], "value": value}
    notes.append(f"having {args['having']['op']} {value:g}: the question bounds the metric")
    if _HOW_MANY.search(words):
        args["count_groups"] = True
        notes.append("count_groups: the question asks how many groups")
    return True


_BOTH = re.compile(r"\bboth\b")


def _both(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
          notes: list[str]) -> list[str]:
    """"How many customers have both a credit card and a PayPal account": the things
    whose rows hold every one of the values (not any of them), as the things whose
    distinct values among those rows number as many as the values. The groups (by the
    things' key where the values are), or [] when the question is not of that shape."""
    if not _BOTH.search(words) or _NEGATION.search(words):
        return []
    listed = [f for f in args.get("filters") or [] if f.get("op") == "in"
              and isinstance(f.get("value"), list) and len(f["value"]) >= 2
              and catalog.column(str(f.get("field"))) is not None]
    which = _WHICH.match(words)
    subject = _counted_table(words, catalog, layer) or (
        _table_named(which.group("thing"), catalog, layer) if which else None)
    if len(listed) != 1 or subject not in catalog.tables:
        return []
    column = catalog.column(str(listed[0]["field"]))
    keys = catalog.tables[subject].primary_key
    if column is None or column.table == subject or len(keys) != 1 \
            or catalog.tables[column.table].column(keys[0]) is None:
        return []
    key = f"{column.table}.{keys[0]}"
    args.update(metrics=[f"count_distinct({column.ref})"], group_by=[key],
                having={"op": "=", "value": float(len(listed[0]["value"]))},
                count_groups=bool(_HOW_MANY.search(words)), order="none", limit=None)
    notes.append(f"the {subject} with every one of {listed[0]['value']}: group_by {key}, "
                 f"having count_distinct({column.ref}) = {len(listed[0]['value'])}")
    return [key]


def _table_named(text: str, catalog: Catalog, layer: SemanticLayer) -> str | None:
    """The one table ``text`` names (its name or a synonym). The longest name wins ("order
    lines" names order_items, not orders); a tie names none."""
    said = f" {phrase(text)} "
    best: dict[str, int] = {}
    for table, note in layer.tables.items():
        for name in (table, table.replace("_", " "), *note.synonyms):
            term = phrase(name)
            if table in catalog.tables and term and f" {term} " in said:
                best[table] = max(best.get(table, 0), len(term))
    longest = max(best.values(), default=0)
    named = [t for t, n in best.items() if n == longest]
    return named[0] if len(named) == 1 else None


_COUNT_WORDS = frozenset({"number", "count", "amount", "quantity"})


def _average_per(args: dict[str, Any], grouped: list[str], words: str, catalog: Catalog,
                 layer: SemanticLayer, notes: list[str]) -> list[str]:
    """"On average, how many lines does an order have": the metric per order (grouped by
    the order's key on the metric's table, or by day for "per day"), averaged over the
    orders (``average_groups``). Unchanged when the metric is an average already or the
    question names no thing to average over."""
    _count_asked_per(args, words, catalog, layer, notes)
    names = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    metric = _total_per_thing(args, names, words, layer, notes)
    # an average already (avg(), or a ratio named so: the average order value)
    if metric is None or re.match(r"\s*avg\(", metric.sql, re.IGNORECASE) \
            or metric.label.lower().startswith("average"):
        return grouped
    for match in _PER_THING.finditer(words):
        thing = match.group(1)
        if thing.split()[0] in _COUNT_WORDS:  # "the average number of items" is no item
            continue
        grain = _PER_GRAIN.get(thing.split()[0])
        if grain is not None:
            key = thing = grain
        else:
            table = _table_named(thing, catalog, layer)
            keys = catalog.tables[table].primary_key if table in catalog.tables else []
            if table is None or table == metric.table or len(keys) != 1 \
                    or catalog.tables[metric.table].column(keys[0]) is None:
                continue
            key, thing = f"{metric.table}.{keys[0]}", table
        args["group_by"], args["average_groups"] = [key], True
        args["order"], args["limit"] = "none", None
        notes.append(f"average_groups over group_by {key}: the question asks for an average "
                     f"per {thing}")
        return [key]
    return grouped


# One sum, not a ratio of sums (an average selling price is revenue over units).
_ONE_SUM = re.compile(r"\s*sum\((?:[^()]|\([^()]*\))*\)\s*", re.IGNORECASE)


def _total_per_thing(args: dict[str, Any], names: list[str], words: str,
                     layer: SemanticLayer, notes: list[str]) -> Metric | None:
    """The figure to average per thing: where the question asks for a thing's total
    ("what an order comes to, adding up its items"), the model's first sum, or the sum
    behind its average of a column (an order's value, not an item's average price)."""
    metrics = [m for n in names if (m := layer.metric(n)) is not None]
    if not metrics or not _TOTAL_WORDS.search(words):
        return metrics[0] if metrics else None
    summed = next((m for m in metrics if _ONE_SUM.fullmatch(m.sql)), None)
    averaged = re.fullmatch(r"\s*avg\((\w+\.\w+)\)\s*", metrics[0].sql, re.IGNORECASE)
    if summed is None and averaged is not None:
        summed = layer.metric(f"sum({averaged.group(1)})")
    if summed is None or summed is metrics[0]:
        return metrics[0]
    args["metrics"] = [summed.name]
    notes.append(f"metric {summed.name}, not {metrics[0].name}: the question averages a total "
                 f"per thing")
    return summed


_HOW_MANY_OF = re.compile(r"\b(?:how many|(?:number|count) of) ((?:\w+ ){0,2}\w+)")


def _count_asked_per(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
                     notes: list[str]) -> None:
    """"On average, how many items does an order contain": the figure averaged is a count
    of the rows the words after "how many" name among the thing's own (order_items per
    order), whatever the model's metric was (the items' average price)."""
    many = _HOW_MANY_OF.search(words)
    if many is None:
        return
    for match in _PER_THING.finditer(words, many.start(1)):  # not "the average number of"
        named = _table_of_count(many.group(1), _table_named(match.group(1), catalog, layer),
                                catalog, layer)
        count = _row_count(named[0], catalog, layer) if named else None
        if named is None or count is None:
            continue
        counted, term = named
        metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
        first = layer.metric(metrics[0]) if metrics else None
        if first is None or first.table != counted or first.format != "count":
            args["metrics"] = [count]
            notes.append(f"metric {count}: the question averages how many "
                         f"{counted} per {match.group(1).split()[0]}")
            _drop_unreached(args, counted, catalog, layer, notes)
            _drop_named_within(args, term, words, notes)
        return


def _drop_named_within(args: dict[str, Any], span: str, words: str, notes: list[str]) -> None:
    """Filters whose text values the question says only inside ``span`` (a phrase: the
    words that name the counted table): 'payment' in "payment methods" names no
    transaction type."""
    said = f" {phrase(words)} "
    at = said.find(f" {span} ")
    if at < 0:
        return
    rest = f"{said[:at]} | {said[at + len(span) + 1:]}"
    inside = f" {span} "

    def only_inside(f: dict[str, Any]) -> bool:
        value = f.get("value")
        texts = [v for v in (value if isinstance(value, list) else [value])
                 if isinstance(v, str)]
        return bool(texts) and all(f" {phrase(t)} " in inside and f" {phrase(t)} " not in rest
                                   for t in texts)

    filters = args.get("filters") or []
    kept = [f for f in filters if not only_inside(f)]
    if len(kept) < len(filters):
        notes.append(f"filters named only in {span!r} dropped: those words name the table")
        args["filters"] = kept


# "Reserved units as a percentage of units on hand": one term over another.
_PART_OF = re.compile(r"(?P<part>(?:\b\w+ ){1,4}?)as an? (?:percentage|percent|share|"
                      r"proportion|fraction) of (?P<whole>.*)$")
# "refunds taken together come to what percentage of all the money paid": part first
_PART_IS_WHAT = re.compile(r"^\W*(?P<part>(?:\w+ ){1,5}?)(?:come|comes|amount|amounts|add up) to "
                           r"what (?:percentage|percent|share|proportion|fraction) of "
                           r"(?P<whole>.*)$")
_TERM_FILLER = frozenset({"unit", "number", "total", "count", "amount"})


def _ratio(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
           notes: list[str]) -> bool:
    """"What percentage of the stock on hand in Reno is reserved": the part is a term of
    the whole's table (units reserved), not a condition on its rows, so the answer is
    one term as a percentage of the other (``combine``). True when it is."""
    share = _SHARE.search(words)
    if (asked := _PART_IS_WHAT.search(words)) is not None:
        part_said, whole_said = asked["part"], asked["whole"]
    elif share is not None:
        rest = words[share.end():]
        # at each verb ("of the stock in Reno | is | reserved"), the first that splits the
        # words into two terms ("of the total amount customers have paid us | has been
        # given back as refunds")
        splits = [(rest[:v.start()], rest[v.end():]) for v in _SHARE_VERB.finditer(rest)]
        whole_said, part_said = next((s for s in splits if _two_terms(*s, layer)),
                                     splits[0] if splits else ("", ""))
    elif (of := _PART_OF.search(words)) is not None:
        part_said, whole_said = of["part"], of["whole"]
    else:
        return False
    if _BOUND.search(part_said) or _BETWEEN.search(part_said):
        return False  # "variants have a list price over $500": a condition on the rows
    terms = _two_terms(whole_said, part_said, layer)
    if terms is None:
        return False
    whole, part = terms
    args["metrics"], args["combine"], args["share"] = [part.name, whole.name], "percent", []
    notes.append(f"combine percent: {part.name} as a percentage of {whole.name}")
    # "refunds" named the refund rows; each term keeps its own rows now
    own = f"{part.filter or ''} {whole.filter or ''}"
    filters = args.get("filters") or []
    kept = [f for f in filters if str(f.get("field")) not in own]
    if len(kept) < len(filters):
        args["filters"] = kept
        notes.append("filters the terms' own conditions say dropped")
    return True


def _two_terms(whole_said: str, part_said: str,
               layer: SemanticLayer) -> tuple[Metric, Metric] | None:
    """The whole's term and the part's (of its table, of one format), when two differ."""
    whole = _term_in(whole_said, layer, None)
    part = _term_in(part_said, layer, whole.table, like=whole) if whole is not None else None
    if whole is None or part is None or part.name == whole.name or part.format != whole.format:
        return None
    return whole, part


def _term_in(said: str, layer: SemanticLayer, table: str | None,
             like: Metric | None = None) -> Metric | None:
    """The term ``said`` names (on ``table`` when given): its label or a synonym as
    written, or every word of its label but a filler ("units reserved": "reserved");
    the longest so named, of those the longest in ``like``'s format ("refunds" as a
    share of an amount: the refunded amount, not their count), none for a tie."""
    text, own = f" {phrase(said)} ", set(tokens(said))
    best: dict[str, int] = {}
    for m in layer.metrics:
        if table is not None and m.table != table:
            continue
        for name in (m.label, *m.synonyms):
            words = set(tokens(name)) - _TERM_FILLER
            if f" {phrase(name)} " in text or words and words <= own:
                best[m.name] = max(best.get(m.name, 0), len(tokens(name)))
    top = max(best.values(), default=0)
    named = [n for n, size in best.items() if size == top]
    if len(named) > 1 and like is not None:
        named = [n for n in named if (term := layer.metric(n)) is not None
                 and term.format == like.format]
    return layer.metric(named[0]) if len(named) == 1 else None


def _share(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
           notes: list[str]) -> None:
    """"What percentage of orders were cancelled": the filters on what the question says
    after the counted thing's verb move to ``share`` (the part); those it says before
    ("of the delivered orders") stay filters (the whole)."""
    match = _SHARE.search(words)
    if match is None:
        return
    _share_counts(args, words[match.end():], catalog, layer, notes)
    filters = args.get("filters") or []
    if not filters and not args.get("share") and args.get("metrics"):
        _share_of_term(args, catalog, layer, notes)
    if args.get("share") or not args.get("metrics") or not filters:
        return
    rest = words[match.end():]
    verb = _SHARE_VERB.search(rest)
    whole, part = (rest[:verb.start()], rest[verb.end():]) if verb else _after_head(
        rest, catalog, layer)

    def named_in(f: dict[str, Any], text: str) -> bool:
        value = f.get("value")
        values = value if isinstance(value, list) else [value]
        said = f" {phrase(text)} "
        texts = [str(v) for v in values if isinstance(v, str)]
        texts += [w for v in texts for w in layer.value_synonyms.get(v, [])]  # "Texas"
        if (segment := layer.segment(str(f.get("field")))) is not None:
            texts += [segment.name.replace("_", " "), segment.label, *segment.synonyms]
        return any(t and f" {phrase(t)} " in said for t in texts)

    moved = [f for f in filters if named_in(f, part) and not named_in(f, whole)]
    if not moved and len(filters) == 1 and not named_in(filters[0], whole) and part:
        moved = filters  # the one condition, said in other words ("were called off")
    if not moved:
        return
    args["filters"] = [f for f in filters if f not in moved]
    args["share"] = moved
    notes.append("share of " + ", ".join(f"{f.get('field')} {f.get('op')} {f.get('value')!r}"
                                         for f in moved) + ": the question asks what part")
    if match["bound"]:
        _bounded_share(args, words, match, catalog, layer, notes)
        return
    # "what percentage of purchase orders are still open": the whole is all of them, not
    # the open ones a term counts
    first = layer.metric(str(args["metrics"][0]))
    if first is not None and first.format not in ("count", "money", "units"):
        # "what percentage of the price changes lowered the price": a share of rows, not of
        # an average (the average change): the same rows' count
        counted = next((m.name for m in layer.metrics if m.table == first.table
                        and m.format == "count" and m.filter == first.filter), None) \
            or _row_count(first.table, catalog, layer)
        if counted is not None:
            args["metrics"] = [counted]
            notes.append(f"metric {counted}, not {first.name}: a share counts rows")
            return
    plain = _plain_metric(first, layer) if first is not None else None
    if plain is not None and first is not None:
        args["metrics"] = [plain.name, *args["metrics"][1:]]
        notes.append(f"metric {plain.name}, not {first.name}: the whole of a share is "
                     "unfiltered")


def _bounded_share(args: dict[str, Any], words: str, match: re.Match[str], catalog: Catalog,
                   layer: SemanticLayer, notes: list[str]) -> None:
    """"Which products have more than 50% of their variants sold out": the share is each
    group's, bounded (``having``); "how many products ..." groups by the counted thing's key
    among the share's rows and counts the groups that pass."""
    if not args.get("group_by"):
        first = layer.metric(str(args["metrics"][0]))
        subject = _counted_table(words, catalog, layer)
        keys = catalog.tables[subject].primary_key if subject in catalog.tables else []
        rows = _row_count(first.table, catalog, layer) if first is not None else None
        if first is None or rows is None or len(keys) != 1 \
                or catalog.tables[first.table].column(keys[0]) is None:
            return
        args["metrics"], args["group_by"] = [rows], [f"{first.table}.{keys[0]}"]
        args["count_groups"] = True
        notes.append(f"metric {rows}, group_by {first.table}.{keys[0]}, count_groups: the "
                     f"question counts the {subject} whose share passes")
    percent = float(match["percent"])
    args["having"] = {"op": _BOUND_OPS[match["bound"]], "value": _plain_number(percent)}
    notes.append(f"having {args['having']['op']} {percent:g}: the question bounds each "
                 "group's share")


_SIMPLE_CONDITION = re.compile(r"^\s*(\w+\.\w+)\s*(=|!=|>=|<=|>|<)\s*(?:'([^']*)'|(-?\d+(?:\.\d+)?))\s*$")


# "The difference between the highest and lowest price", "how many more orders were
# delivered than cancelled", "how much less revenue ... than ...".
_DIFFERENCE = re.compile(r"\b(?:difference|gap|spread)\b(?: in (?:\w+ ){1,2}?)? between\b|"
                         r"\bhow (?:many|much) (?P<way>more|fewer|less)\b(?=.* than\b)")


def _difference(args: dict[str, Any], words: str, layer: SemanticLayer,
                notes: list[str]) -> None:
    """A difference the question asks for: of its two metrics (the larger extreme first:
    "between the lowest and highest price" is positive too), or of its metric over the
    two values of one filter, in the order said ("fewer" the other way round)."""
    if _range_of_column(args, words, layer, notes):
        return
    asked = _DIFFERENCE.search(words)
    if asked is None or args.get("share") or args.get("group_by"):
        return
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    both = [f for f in args.get("filters") or [] if f.get("op") == "in"
            and isinstance(f.get("value"), list) and len(f["value"]) == 2]
    if len(metrics) == 2 and not both:
        if metrics[0].startswith("min(") and metrics[1] == f"max({metrics[0][4:]}":
            args["metrics"] = metrics = [metrics[1], metrics[0]]
        args["combine"] = "difference"
        notes.append(f"combine difference: the question asks for {metrics[0]} minus "
                     f"{metrics[1]}")
        return
    if not both and metrics and _periods_versus(args, words, metrics[0], asked["way"], layer,
                                                notes):
        return
    if len(both) != 1 or not metrics:
        return
    said = f" {phrase(words)} "

    def at(value: Any) -> int:
        names = [str(value), *layer.value_synonyms.get(str(value), [])]
        found = [said.find(f" {phrase(n)} ") for n in names]
        return min((i for i in found if i >= 0), default=len(said))

    values = sorted(both[0]["value"], key=at)
    if asked["way"] in ("fewer", "less"):
        values.reverse()
    field = both[0]["field"]
    args["filters"] = [f for f in args["filters"] if f is not both[0]]
    args["versus"] = [{"field": field, "op": "=", "value": v} for v in values]
    notes.append(f"versus {field} = {values[0]} and {values[1]}: the question asks for the "
                 "difference")


def _periods_versus(args: dict[str, Any], words: str, name: str, way: str,
                    layer: SemanticLayer, notes: list[str]) -> bool:
    """"How many more units did we sell in September 2026 than in October 2026": the
    metric over each of the two calendar ranges said either side of "than", and the
    first less the second ("fewer": the other way round). True when it is."""
    metric = layer.metric(name)
    column = (metric.time_column or layer.time_column(metric.table)) if metric else None
    before, than, after = words.partition(" than ")
    ranges = [named_range(before), named_range(after)] if than else []
    if column is None or not ranges or any(r is None for r in ranges):
        return False
    if way in ("fewer", "less"):
        ranges.reverse()
    args["versus"] = [r.filter(column) for r in ranges if r is not None]
    args["filters"] = [f for f in args.get("filters") or []
                       if not (isinstance(f, dict) and f.get("field") == column)]
    args["period"] = "all"
    notes.append(f"versus {column} in two ranges: the question asks for the difference")
    return True


def _term_conditions(metric: Metric) -> list[dict[str, Any]]:
    """A term's condition as filters, when it is simple ones joined by AND (open purchase
    orders: status = 'open'); none otherwise."""
    parts = re.split(r"\s+AND\s+", metric.filter or "", flags=re.IGNORECASE)
    found = [_SIMPLE_CONDITION.match(p) for p in parts if metric.filter]
    if not found or not all(found):
        return []
    return [{"field": m[1], "op": m[2], "value": m[3] if m[3] is not None else float(m[4])}
            for m in found if m is not None]


_RANGE = re.compile(r"\b(?:price|cost|time|day|lead time|transit time) range\b|\brange of\b")
_ONE_COLUMN = re.compile(r"\s*(avg|sum|median|min|max)\((\w+\.\w+)\)\s*", re.IGNORECASE)


def _range_of_column(args: dict[str, Any], words: str, layer: SemanticLayer,
                     notes: list[str]) -> bool:
    """"The widest price range across its variants": the highest less the lowest of the
    column the term reads (per group when there are groups; a ranking then ranks it)."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    # "the gap between its cheapest variant and its most expensive one": a range too
    extremes = _DIFFERENCE.search(words) is not None and _ASC.search(words) is not None \
        and re.search(rf"\b(?:{_DESCENDING}|most expensive|priciest)\b", words) is not None
    column = _ONE_COLUMN.fullmatch(first.sql) if first is not None else None
    if column is not None and column[1].lower() in ("min", "max") and not extremes:
        column = None  # "the price range: the lowest and the highest" asks for both
    if not (_RANGE.search(words) or extremes) or column is None or first is None \
            or first.filter or len(metrics) > 1 and extremes and not _RANGE.search(words):
        return False
    args["metrics"] = [f"max({column[2]})", f"min({column[2]})"]
    args["combine"] = "difference"
    notes.append(f"combine difference of max and min {column[2]}: the question asks for its "
                 "range")
    return True


def _plain_metric(first: Metric, layer: SemanticLayer) -> Metric | None:
    """The term counting (summing) what ``first`` does without its last condition: tool
    calls for failed tool calls (kind = 'tool', without status = 'error')."""
    def rest(m: Metric) -> str | None:
        if not first.filter or m.filter == first.filter:
            return None
        if not m.filter:
            return first.filter
        head = f"{m.filter} AND "
        return first.filter[len(head):] if first.filter.startswith(head) else None
    return next((m for m in layer.metrics if m.table == first.table
                 and m.format == first.format and not m.joins and m.sql == first.sql
                 and _SIMPLE_CONDITION.match(rest(m) or "")), None)


def _share_of_term(args: dict[str, Any], catalog: Catalog, layer: SemanticLayer,
                   notes: list[str]) -> None:
    """"What share of stock locations are out of stock": the share of the term's own
    condition (a simple one) among all rows the plainer term counts."""
    first = layer.metric(str(args["metrics"][0]))
    plain = _plain_metric(first, layer) if first is not None else None
    if plain is None or first is None or not first.filter:
        return
    condition = _SIMPLE_CONDITION.match(first.filter.removeprefix(f"{plain.filter} AND ")
                                        if plain.filter else first.filter)
    if condition is None:
        return
    field, op, text, number = condition.groups()
    column = catalog.column(field)
    if text is not None and column is not None and column.values and text not in column.values:
        return  # no row holds it: the term's own count (0) answers
    value: Any = text if text is not None else float(number)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    args["metrics"] = [plain.name, *args["metrics"][1:]]
    args["share"] = [{"field": field, "op": op, "value": value}]
    notes.append(f"share of {field} {op} {value!r}, metric {plain.name}: the question asks "
                 f"what part of all is {first.label}")


def _after_head(rest: str, catalog: Catalog, layer: SemanticLayer) -> tuple[str, str]:
    """("the order agent's runs", "failed"): a share's whole ends at the last word that
    names a table before the first that names none ("runs failed": no verb said); with
    nothing after it, the words before it are the part ("sold-out variants")."""
    said = rest.split()
    ends = [i for i, w in enumerate(said) if _tables_said(w, catalog, layer)]
    if not ends:
        return rest, ""
    end = ends[0]
    while end + 1 < len(said) and end + 1 in ends:
        end += 1
    if end + 1 == len(said) and ends[0] > 0:
        return " ".join(said[ends[0]:]), " ".join(said[:ends[0]])
    return " ".join(said[:end + 1]), " ".join(said[end + 1:])


def _count_per_subject(args: dict[str, Any], words: str, catalog: Catalog,
                       layer: SemanticLayer, notes: list[str]) -> list[str]:
    """"How many customers placed more than 3 orders", "how many orders contain more
    than 4 items", "on how many days did we sell more than 1,500 units": the bound is on
    a figure per counted thing (a count of the thing said after the bound, per the
    counted thing's key; the query's metric, per day), and the answer counts the things
    that pass (``having``, ``count_groups``). The question fixes that shape whatever the
    model grouped by; a filter carrying the bound's number was the model's way to say it
    and goes. [] when the question is not of this shape."""
    asked, bound = _HOW_MANY.search(words), _BOUND.search(words)
    if asked is None or bound is None or asked.group(1) != "how many" \
            or bound.start() < asked.end():
        return []
    counted = _counted_words(words, asked)
    after = " ".join(words[bound.end():].split()[:3])
    grain = _PER_GRAIN.get(counted[0].rstrip("s")) if counted else None
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    if grain is not None:  # "on how many days ... more than 1,500 units": the metric per day
        if first is None or first.format == "count" and not _names(after, first, layer, ""):
            return []
        per = first.table
        grouped = [grain]
    else:
        subject = _counted_table(words, catalog, layer)
        keys = catalog.tables[subject].primary_key if subject in catalog.tables else []
        units = _units_term(words, keys[0], catalog, layer) \
            if len(keys) == 1 and after.split()[:1] and after.split()[0] in _UNIT_WORDS else None
        named = _table_of_count(after, subject, catalog, layer) \
            if len(keys) == 1 and units is None else None
        count = _row_count(named[0], catalog, layer) if named else None
        if units is not None:
            # "variants with fewer than 5 units on hand", "variants that sold more than 500
            # units": the units term the question says, summed per variant
            named, count = (units.table, "units"), units.name
        if named is None and len(keys) == 1 and (
                bound.group(2) in ("once", "twice") or after.startswith("times")):
            # "changed more than twice": the rows are the events the verb before names,
            # counted by the layer's count of them when it is named ("price changes")
            for said in _event_words(words[:bound.start()]):
                if named := _table_of_count(said, subject, catalog, layer):
                    count = next((m.name for m in layer.metrics if m.table == named[0]
                                  and m.format == "count" and any(
                                      f" {phrase(t)} " in f" {said} "
                                      for t in (m.label, *m.synonyms))),
                                 _row_count(named[0], catalog, layer))
                    break
        if named is None and subject is not None and len(keys) == 1:
            # "products bought from more than one supplier": suppliers per product are
            # the distinct suppliers the table linking the two holds for it
            link = _link_table(after, subject, catalog, layer)
            if link is not None:
                named, count = (link[0], link[1]), f"count_distinct({link[0]}.{link[2]})"
        if named is None or count is None:
            return []
        per, term = named
        if first is None or first.table != per or first.format != "count":
            args["metrics"] = [count]
            notes.append(f"metric {count}: the question bounds the {per} per {subject}")
            _drop_unreached(args, per, catalog, layer, notes)
            _drop_named_within(args, term, words, notes)
        grouped = [f"{per}.{keys[0]}"]
    number = bound.group(2)
    value = float(_WORDS[number]) if number in _WORDS else float(number.replace(",", ""))
    filters = args.get("filters") or []
    kept = [f for f in filters if not _is_number(f.get("value"), value)
            or isinstance(f.get("value"), bool)]
    if len(kept) < len(filters):
        notes.append(f"filters on {value:g} dropped: the number bounds the {per} per group")
    args["filters"], args["group_by"] = kept, grouped
    args["having"] = {"op": _BOUND_OPS[bound.group(1)], "value": value}
    args["count_groups"], args["order"], args["limit"] = True, "none", None
    notes.append(f"group_by {grouped[0]}, having {args['having']['op']} {value:g}, "
                 "count_groups: the question counts what passes a bound per group")
    return grouped


def _units_term(words: str, key: str, catalog: Catalog, layer: SemanticLayer) -> Metric | None:
    """The one "units ..." term the question says ("units on hand" as said, "units sold"
    in any form: "sold", "sell") whose table holds ``key``; None for none or several."""
    said = f" {phrase(words)} "

    def says(m: Metric) -> bool:
        rest = m.label.lower().removeprefix("units ")
        if len(tokens(rest)) == len(rest.split()):
            return set(tokens(rest)) <= set(tokens(words))
        return f" {phrase(rest)} " in said
    held = [m for m in layer.metrics if m.format == "units"
            and catalog.tables[m.table].column(key) is not None]
    # a name said whole first ("units free to sell" is stock, though "sell" is in it)
    whole = [m for m in held if any(
        n.lower().startswith("units ") and f" {phrase(n)} " in said
        for n in (m.label, *m.synonyms))]
    found = whole or [m for m in held if m.label.lower().startswith("units ") and says(m)]
    return found[0] if len(found) == 1 else None


def _event_words(before: str) -> list[str]:
    """The last words before a count of times with each past tense as its stem ("list
    price changed": "list price change", "list price chang"), then as said, to find the
    table whose rows are those events (price changes, not the prices the words say)."""
    said = before.split()[-4:]
    return [" ".join(w[:len(w) - cut] if w.endswith("ed") and len(w) > 4 else w for w in said)
            for cut in (1, 2, 0)]


def _row_count(table: str | None, catalog: Catalog, layer: SemanticLayer) -> str | None:
    """A metric counting ``table``'s rows: the layer's unfiltered count, else the distinct
    count of its one-column key (the same number: code writes it, as for "how many")."""
    counts = [m.name for m in layer.metrics if m.table == table and m.format == "count"
              and not m.filter]
    keys = catalog.tables[table].primary_key if table in catalog.tables else []
    if counts or len(keys) != 1:
        return counts[0] if counts else None
    return f"count_distinct({table}.{keys[0]})"


def _table_of_count(text: str, subject: str | None, catalog: Catalog,
                    layer: SemanticLayer) -> tuple[str, str] | None:
    """The table whose rows ``text`` ("orders", "items", "payment methods") counts per
    ``subject``, and the name it goes by there: one that names it and holds the subject's
    key ("items" of orders are order_items, whose name says what they belong to). None
    unless exactly one."""
    if subject is None or subject not in catalog.tables:
        return None
    key = catalog.tables[subject].primary_key[0]
    said = f" {phrase(text)} "
    found: dict[str, str] = {}  # table -> the longest of its names said
    for table in catalog.tables:
        note = layer.tables.get(table)
        if table == subject or catalog.tables[table].column(key) is None:
            continue
        # "items" of an order: order_items; an owner's prefix may be another word
        # ("payment methods" of a customer: user_payment_methods).
        tail = [table.split("_", 1)[1]] if "_" in table else []
        for name in (table, *tail, *(note.synonyms if note else [])):
            term = phrase(name.replace("_", " "))
            if f" {term} " in said and len(term) > len(found.get(table, "")):
                found[table] = term
    longest = max(map(len, found.values()), default=0)  # "payment methods", not "payments"
    named = [(t, term) for t, term in found.items() if len(term) == longest]
    return named[0] if len(named) == 1 else None


def _link_table(text: str, subject: str, catalog: Catalog,
                layer: SemanticLayer) -> tuple[str, str, str] | None:
    """The table linking ``subject`` to the thing ``text`` names (supplier_products for
    products and suppliers), the thing's name as said, and its key there: a table holding
    both keys, the one whose own key is the pair when several do."""
    thing = _table_named(text, catalog, layer)
    own = catalog.tables[subject].primary_key
    theirs = catalog.tables[thing].primary_key if thing in catalog.tables else []
    if thing is None or thing == subject or len(theirs) != 1 or len(own) != 1 \
            or catalog.tables[thing].column(own[0]) is not None:  # it holds the key itself
        return None
    both = [t for t in catalog.tables.values() if t.name not in (subject, thing)
            and t.column(own[0]) is not None and t.column(theirs[0]) is not None]
    pairs = [t for t in both if {own[0], theirs[0]} <= set(t.primary_key)]
    chosen = pairs if pairs else both
    if len(chosen) != 1:
        return None
    return chosen[0].name, text.split()[0], theirs[0]


_LEADING = frozenset({"all", "the", "our", "of", "every"})


def _share_counts(args: dict[str, Any], rest: str, catalog: Catalog, layer: SemanticLayer,
                  notes: list[str]) -> None:
    """"What percentage of all orders were cancelled": the whole is a count of the rows of
    the table named after "of", unless the model's metric is already that table's (its
    units, its money). A metric of another table, or a ratio, is no share of them."""
    said = [w for w in rest.split() if w not in _LEADING and w != "s"][:4]
    # "of the order agent's runs": the runs (the head of the phrase), else the first word
    table = _head_table(said, catalog, layer) or (
        _table_named(" ".join(said[:1]), catalog, layer) if said else None)
    count = _row_count(table, catalog, layer)
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    if table is None or count is None or first is not None and first.table == table:
        return
    args["metrics"] = [count]
    notes.append(f"metric {count}: the question asks what part of the {table}")
    _drop_unreached(args, table, catalog, layer, notes)


def _per_subject(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
                 notes: list[str]) -> list[str]:
    """"How many customers spent more than $500": when no table is named after the bound
    (``_count_per_subject`` has no count to bound), the model's metric per customer,
    grouped by the counted thing's key on the metric's table (``orders.user_id``)."""
    root = _root(args.get("metrics"), [], layer)
    if root is None or root not in catalog.tables:
        return []
    subject = words.split("how many", 1)[-1].split()[:3] if "how many" in words else []
    for table, note in layer.tables.items():
        names = {table, table.replace("_", " "), *note.synonyms}
        said = {w for w in names if any(phrase(w) in (s, s.rstrip("s")) for s in subject)}
        keys = catalog.tables[table].primary_key if table in catalog.tables else []
        if not said or table == root or len(keys) != 1:
            continue
        if catalog.tables[root].column(keys[0]) is not None:
            ref = f"{root}.{keys[0]}"
            notes.append(f"group_by {ref}: the metric per {table} the question counts")
            args["group_by"] = [ref]
            return [ref]
    return []


_ASKED_FOR = re.compile(r"^(?:what|which) (?:(?:is|was|are|were) )?(?:(?:the|our) )?(.*)$")
# "units sold per region last month", "total revenue by month": a headline, the term first
_HEADLINE = re.compile(r"^(?:(?:show|list|give|get)(?: me)? )?(?:(?:the|our) )?(?!what\b|which\b|how\b)(.*)$")
# "how many units shipped out of Denver": what is counted or summed
_HOW_MANY_ANCHOR = re.compile(r"\bhow many (.*)$")
# "which 3 products made the most gross profit": what the things are ranked by
_RANKED_BY = re.compile(rf"\b(?:the|our) (?:{_DESCENDING}|{_ASCENDING}) (.*)$")
_UNITS_ASKED = re.compile(r"\bhow many units\b")
# "how many days does it take", "how many days did the orders need": a length of time
_DAYS_ASKED = re.compile(r"^\W*(?:on average, )?how many days (?:does|do|did|will|would)\b")
_NEGATED_WORD = re.compile(r"\b(?:not(?: yet)?|never|yet to be) \w+")
# "what share of revenue came from ...", not "margin as a percentage of revenue" (a ratio)
_SHARE_OF = re.compile(rf"{_SHARE_HEAD} (?:(?:the|our|all) )*(.*)$")
_HOW_MUCH_MORE = re.compile(r"\bhow much (?:more |less )?(.*)$")
_BOUND_OF = re.compile(r"\b(?:more|fewer|less|greater) than [\d,.]+ (.*)$")
# "Which warehouse holds the most units", "the fewest units": a sum of units, ranked.
_UNITS_RANKED = re.compile(rf"\b(?:{_DESCENDING}|{_ASCENDING}) (?:(?P<kind>[a-z]+) )?units\b")
_VALUE_OF = re.compile(r"\bvalue of (?:(?:the|our|all) )*((?:\w+ ){0,3}\w+)")
# "How many units did we receive": the measure is the noun and the verb ("units received").
_DONE_TO = re.compile(r"\bhow many (\w+) (?:did|do|does|have|has|had|will) (?:we|you|they|"
                      r"our \w+|the \w+) (\w+)")


def _stem(word: str) -> str:
    """One form of a verb's: "received", "receive", "receiving" -> "receiv"."""
    for end in ("ed", "ing", "e"):
        if word.endswith(end) and len(word) > len(end) + 2:
            return word[:-len(end)]
    return word


# "the busiest day by units sold": the measure a ranking or breakdown is by
_BY_MEASURE = re.compile(r"\bby (.*)$")
_BY_NUMBER = re.compile(r"\bby (?:the )?((?:number|count) of .*)$")


def _subjects(catalog: Catalog) -> set[str]:
    """The tables' names as a question says them: what it counts, not a value ("orders")."""
    return {phrase(t) for name in catalog.tables for t in (name, name.replace("_", " "))}


def _in_table_names(hit: ValueHit, said: str, catalog: Catalog, layer: SemanticLayer) -> bool:
    """Whether the question says the value only as part of a longer name of another
    table than the value's ('payment' in "payment methods", which names
    user_payment_methods, is no transaction type). A name that is the value itself ("gift
    cards"), or a table's own value in its name ('model' in "model calls" of agent
    steps), still names the value."""
    term = f" {phrase(hit.words)} "
    own = {c.partition(".")[0] for c in hit.columns}
    synonyms = {t: note.synonyms for t, note in layer.tables.items()}
    names = {f" {phrase(n.replace('_', ' '))} " for t in catalog.tables if t not in own
             for n in (t, *t.split("_", 1)[1:], *synonyms.get(t, []))}
    rest = said
    for name in sorted(names, key=len, reverse=True):
        if term in name and term != name:
            rest = rest.replace(name, " | ")
    if term in said and term not in rest:
        return True
    # ("order placed" in "purchase orders placed": it starts inside another table's name)
    spans = [(m.start(), m.end()) for name in names
             for m in re.finditer(re.escape(name.strip()), said)]
    found = [m.start() for m in re.finditer(re.escape(term.strip()), said)]
    return bool(found) and all(any(a < at < b < at + len(term.strip()) for a, b in spans)
                               for at in found)


_CATEGORY = re.compile(r"\s*(?:AND\s+)?[\w.]+\s*=\s*'[^']*'\s*", re.IGNORECASE)


# "in total", "ever", "of all time": not only what runs on the business date
_EVER = re.compile(r"\b(?:in total|ever|of all time|all time|altogether|to date)\b")


def _unsaid_qualifier(args: dict[str, Any], words: str, layer: SemanticLayer,
                      notes: list[str]) -> None:
    """"Which tools has the order agent called": not failed_tool_calls, whose label adds
    a word ("failed") to tool calls' that the question never says: the model's first metric
    becomes the plainer one of the same table and kind, whose condition is part of its and
    which lacks only a category ("status = 'error'") or the business date ("active
    promotions": "how many promotions are tiered deals" asks about all of them, as does
    "how many have we run, or are running, in total"). A bound or another date may be
    said in other words: "none on hand"."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    if first is None or not first.filter:
        return
    said = set(tokens(words))
    own = {w for text in (first.label, *first.synonyms) for w in tokens(text)}
    for plain in layer.metrics:
        if plain.table != first.table or plain.format != first.format or plain is first \
                or (plain.filter and plain.filter not in first.filter) \
                or not set(tokens(plain.label)) < set(tokens(first.label)) \
                or not _CATEGORY.fullmatch(first.filter.replace(plain.filter or "", "")) \
                and "{as_of}" not in first.filter:
            continue
        table = layer.tables.get(plain.table)
        shared = {w for text in (plain.label, *plain.synonyms, plain.table.replace("_", " "),
                                 *(table.synonyms if table else [])) for w in tokens(text)}
        ever = "{as_of}" in first.filter and bool(_EVER.search(words))
        if own - shared and (not (own - shared) & said or ever):
            args["metrics"] = [plain.name, *metrics[1:]]
            notes.append(f"metric {plain.name}, not {first.name}: the question " + (
                "asks about all time" if ever else
                f"does not say {', '.join(sorted(own - shared))}"))
            return


def _a_named_thing(word: str, catalog: Catalog) -> bool:
    """Whether ``word`` ("backpacks") is a value of a table's ``name`` column."""
    said = phrase(word)
    return any(phrase(v) == said for t in catalog.tables.values()
               if (c := t.column("name")) is not None for v in c.values)


def _qualifies_other(after: str, table: str, catalog: Catalog, layer: SemanticLayer) -> bool:
    """Whether a count's words qualify the things said right after them, of another table
    ("the most sold-out variants": variants that are sold out, not out-of-stock locations;
    "the most sold products" are ranked by a measure, which is no count)."""
    named = _table_named(" ".join(after.split()[:1]), catalog, layer)
    return named is not None and named != table


def _inside_condition(term: str, anchor: str, layer: SemanticLayer) -> bool:
    """Whether ``anchor`` starts with a named condition longer than ``term`` ("sold out"
    is a condition of variants; "sold" inside it names no units sold)."""
    return any(anchor.startswith(f" {phrase(n)} ") and len(phrase(n).split()) > len(term.split())
               for seg in layer.segments for n in (seg.label, *seg.synonyms))


def _named_metric(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
                  notes: list[str]) -> bool:
    """"What gross profit did we make", "which products made the most gross profit": the
    metric the question asks for by its label or a synonym of two words or more, right
    after "what (is/was) (the/our)", "the most/least", "how many" or "by", counts (the
    longest named wins; a tie changes nothing), unless the model chose a metric the
    question names too. Elsewhere such words only qualify ("units on open purchase
    orders"). True when it changed."""
    said_as = phrase(words)
    anchors = [f" {m.group(1)} " for m in (_ASKED_FOR.match(said_as), _HEADLINE.match(said_as),
                                          _RANKED_BY.search(said_as),
                                          _HOW_MANY_ANCHOR.search(said_as),
                                          _BY_MEASURE.search(said_as),
                                          _SHARE_OF.search(said_as), _BOUND_OF.search(said_as),
                                          _HOW_MUCH_MORE.search(said_as))
               if m]
    # "the highest total revenue": the term after its aggregate word
    anchors += [f" {a[len(w) + 2:]}" for a in anchors for w in ("total", "overall", "combined")
                if a.startswith(f" {w} ")]
    # "the average daily revenue": the term after its aggregate and grain
    anchors += [f" {a[len(w) + 2:]}" for a in anchors for w in (
        "average daily", "average weekly", "average monthly", "daily", "weekly", "monthly",
        "average", "mean")
        if a.startswith(f" {w} ")]
    # One word names a term only where it is no table's name nor a count of things ("the
    # most orders", "which items" are rows; "the highest revenue" is the term)
    tables = {phrase(t.replace("_", " ")) for t in catalog.tables}
    named: dict[str, int] = {}
    for m in layer.metrics:
        for text in (m.label, *m.synonyms):
            term = phrase(text)
            if (len(term.split()) >= 2 or term not in tables and m.format != "count"
                    and not _HOW_MANY_ANCHOR.search(said_as)) and any(
                    a.startswith(f" {term} ") and not (m.format == "count" and _qualifies_other(
                        a[len(term) + 2:], m.table, catalog, layer))
                    and not _inside_condition(term, a, layer) for a in anchors):
                named[m.name] = max(named.get(m.name, 0), len(term.split()))
    first = layer.metric(str((args.get("metrics") or [""])[0]))
    said = f" {phrase(words)} "
    valued = False
    if (value := _VALUE_OF.search(phrase(words))) is not None:  # "the value of open POs"
        of = set(tokens(value.group(1)))
        for m in layer.metrics:
            own = set(tokens(m.label)) - {"value"}
            if "value" in tokens(m.label) and own and own <= of:
                named[m.name] = max(named.get(m.name, 0), len(own) + 1)
                valued = True
    # the model's term is said too ("purchase orders ... overdue"), unless another is named
    # in more words as written ("the average percentage price change" over the words of
    # "average list price")
    verbatim = max((len(phrase(t).split()) for t in ((first.label, *first.synonyms) if first
                                                     else ()) if f" {phrase(t)} " in said),
                   default=0)
    units_asked = bool(_UNITS_ASKED.search(words))
    if not valued and first is not None and _term_said(first, words) and not any(
            n > max(verbatim, 2) for n in named.values()) and not (
            units_asked and first.format != "units"):  # "how many units" no count answers
        return False
    if units_asked:
        # "on order and not yet received" says "on order", not "received"
        affirmed = set(tokens(_NEGATED_WORD.sub(" ", words)))
        for m in layer.metrics:  # "how many units of chairs are on hand": units on hand
            rest = m.label.lower().removeprefix("units ")
            # "sold" as any form ("did we sell"); "on order" as said ("order from" is not)
            plain = len(tokens(rest)) == len(rest.split())
            if m.format == "units" and m.label.lower().startswith("units ") and (
                    set(tokens(rest)) <= affirmed if plain
                    else f" {phrase(rest)} " in said):
                named[m.name] = max(named.get(m.name, 0), 2)
    if (done := _DONE_TO.search(words)) is not None:  # "how many units did we receive"
        # "how many backpacks did we sell": units of a thing the store names
        noun = "units" if _a_named_thing(done.group(1), catalog) else done.group(1)
        asked = {_stem(w) for w in tokens(f"{noun} {done.group(2)}")}
        for m in layer.metrics:  # "units received", not "units on order" (open ones)
            if len(m.label.split()) == 2 and {_stem(w) for w in tokens(m.label)} == asked:
                named[m.name] = max(named.get(m.name, 0), 2)
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    longest = max(named.values(), default=0)
    best = [n for n, length in named.items() if length == longest]
    if len(best) != 1 or (metrics and metrics[0] in named):
        return False
    chosen = layer.metric(best[0])
    assert chosen is not None
    args["metrics"] = [best[0]]
    notes.append(f"metric {best[0]}: the question names it"
                 + (f", not {metrics[0]}" if metrics else ""))
    _drop_unreached(args, chosen.table, catalog, layer, notes)
    return True


# "The fastest carrier", "the slowest supplier to deliver": a ranking by how long
# something takes; "the fastest-selling product" ranks by how much sells.
_SPEED = re.compile(r"\b(fastest|quickest|speediest|slowest)\b(?P<rate>[ -](?:selling|moving|"
                    r"growing|sellers?)\b)?")
_SPEED_AS = {("fastest", True): "shortest", ("quickest", True): "shortest",
             ("speediest", True): "shortest", ("slowest", True): "longest",
             ("fastest", False): "highest", ("quickest", False): "highest",
             ("speediest", False): "highest", ("slowest", False): "lowest"}
_DURATION = re.compile(r"\bdays?\b|latency|_ms\b|\(ms\)|\btime\b")


# "The cheapest region to ship to": a ranking by what something costs.
_PRICEY = re.compile(r"\b(cheapest|least expensive|most expensive|priciest|costliest|dearest)\b")


def _is_duration(metric: Metric | None) -> bool:
    return metric is not None and (metric.format == "days" or bool(_DURATION.search(
        f"{metric.label} {metric.sql}".lower().replace("_days", " days"))))


def _cost_term(args: dict[str, Any], words: str, linked: Linked, layer: SemanticLayer,
               catalog: Catalog, notes: list[str]) -> bool:
    """"Which destination region is cheapest to ship to": a ranking by what things cost
    is of the linker's likeliest money term when the model's is none, else of the query
    table's one price or cost column, averaged. True when it changed."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    if not _PRICEY.search(words):
        return False
    # of the things asked for ("which carrier"): a money term of their rows, or of rows
    # that name them (carrier lanes), the linker's likeliest first
    subject = _asked_table(words, catalog, layer)
    key = catalog.tables[subject].primary_key if subject else []

    def priced_for(m: Metric | None) -> bool:
        return m is not None and m.format == "money" and (
            subject is None or m.table == subject
            or len(key) == 1 and catalog.tables[m.table].column(key[0]) is not None)
    if first is not None and first.format == "money" and (
            priced_for(first) or not any(priced_for(m) for m in layer.metrics)):
        return False
    money = next((n for n in linked.metrics if priced_for(layer.metric(n))), None)
    if money is None and subject is not None:
        money = next((m.name for m in layer.metrics if priced_for(m)), None)
    if money is None:  # the things are no table's rows ("which destination region")
        money = next((n for n in linked.metrics if (m := layer.metric(n)) is not None
                      and m.format == "money"), None)
    if money is None and first is not None and first.table in catalog.tables:
        priced = [c for c in catalog.tables[first.table].columns
                  if c.kind == "number" and re.search(r"price|cost", c.name)]
        money = f"avg({priced[0].ref})" if len(priced) == 1 else None
    if money is not None and (chosen := layer.metric(money)) is not None:
        args["metrics"] = [money]
        notes.append(f"metric {money}: the question ranks by what things cost"
                     + (f", not {metrics[0]}" if metrics else ""))
        _drop_unreached(args, chosen.table, catalog, layer, notes)
        return True
    return False


def _speed(args: dict[str, Any], words: str, linked: Linked, layer: SemanticLayer,
           catalog: Catalog, notes: list[str]) -> str:
    """"Which carrier is the fastest": speed is a duration ranked from the shortest, so
    the term is the linker's likeliest duration when the model's is none, and the words
    say "shortest" ("longest" for the slowest). Without a duration to rank, "fastest"
    is the most of the term ("the slowest week for sales"). Returns the words."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    said = _SPEED.search(words)
    if said is None:
        return words
    if not _is_duration(first) and not said["rate"]:
        duration = next((n for n in linked.metrics if _is_duration(layer.metric(n))), None)
        if duration is not None:
            args["metrics"] = [duration]
            notes.append(f"metric {duration}: speed is how long it takes"
                         + (f", not {metrics[0]}" if metrics else ""))
            chosen = layer.metric(duration)
            assert chosen is not None
            _drop_unreached(args, chosen.table, catalog, layer, notes)
            first = chosen
    as_word = _SPEED_AS[(said.group(1), _is_duration(first) and not said["rate"])]
    return f"{words[:said.start()]}{as_word}{words[said.end(1):]}"


def _narrower_term(args: dict[str, Any], words: str, layer: SemanticLayer,
                   notes: list[str]) -> bool:
    """"How many open purchase orders are overdue": of two terms the question says, the
    one whose condition adds to the other's (overdue ones are open ones past due)."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    if first is None:
        return False
    # what the narrower term adds is said as its own word, not as part of a table's name
    # ("units on order" is not said by "units ... on purchase orders")
    names = {w for t, note in layer.tables.items()
             for n in (t.replace("_", " "), *note.synonyms) for w in tokens(n)}

    def adds(m: Metric) -> bool:
        extra = set(tokens(m.label)) - set(tokens(first.label)) - _TERM_FILLER
        return bool(extra) and not extra & names and extra <= set(tokens(words))

    narrower = [m for m in layer.metrics if m.table == first.table and m.sql == first.sql
                and m.filter and m.name != first.name and adds(m)
                and (not first.filter or m.filter.startswith(f"{first.filter} AND "))]
    if not narrower:
        return False
    chosen = max(narrower, key=lambda m: len(m.filter or ""))
    args["metrics"] = [chosen.name, *metrics[1:]]
    notes.append(f"metric {chosen.name}, not {first.name}: the question says the narrower "
                 "term")
    return True


def _things_ranked(args: dict[str, Any], words: str, linked: Linked, catalog: Catalog,
                   layer: SemanticLayer, notes: list[str]) -> bool:
    """"Which 3 cities have the most pending orders", "the top 3 states by number of
    customers": a ranking by how many of a table's things (the values said before them
    filter them), when the model's term is no count of them and the question does not
    say it. True when it changed."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    # value words before the things ("pending"), not the things ("order" is an agent too)
    values = {w for h in linked.values for w in phrase(h.words).split()} - _subjects(catalog)
    # ("held by customers" says who, not a measure)
    for anchor in (_RANKED_BY.search(words), _BY_NUMBER.search(words)):
        if anchor is None:
            continue
        rest = re.sub(r"^(?:(?:number|count) of (?:the |our )?)", "", anchor.group(1)).split()
        distinct = bool(rest) and rest[0] in _DISTINCT_WORDS
        rest = list(itertools.dropwhile(lambda w: phrase(w) in values or w in _DISTINCT_WORDS,
                                        rest))[:4]
        table = _head_table(rest, catalog, layer)
        count = _row_count(table, catalog, layer) if table else None
        if count is None or table is None:
            continue
        keys = catalog.tables[table].primary_key
        if distinct and first is not None and first.table != table and len(keys) == 1 \
                and catalog.tables[first.table].column(keys[0]) is not None:
            # "reservations for the largest number of different orders": the distinct
            # orders among the rows the query counts
            count = f"count_distinct({first.table}.{keys[0]})"
            args["metrics"] = [count]
            notes.append(f"metric {count}: the question ranks by how many different {table}"
                         f", not {metrics[0]}")
            return True
        if first is not None and (first.table == table and first.format == "count"
                                  or _term_said(first, words)):
            return False
        args["metrics"] = [count]
        notes.append(f"metric {count}: the question ranks by how many {table}"
                     + (f", not {metrics[0]}" if metrics else ""))
        _drop_unreached(args, table, catalog, layer, notes)
        return True
    return False


def _units_ranked(args: dict[str, Any], words: str, linked: Linked, catalog: Catalog,
                  layer: SemanticLayer, notes: list[str]) -> bool:
    """"Which warehouse holds the most units": a units term is ranked; the model's when
    it is one, else the linker's likeliest. True when it changed."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    if (asked := _DAYS_ASKED.search(words)) and (first is None or first.format != "days"):
        # "how many days does SwiftAir take from the Mountain region": a days term of the
        # rows the subject is or reaches (not a route's for "does a promotion run")
        subject = " ".join(words[asked.end():].split()[:3])
        held = {c.partition(".")[0] for h in linked.values
                if f" {phrase(h.words)} " in f" {phrase(subject)} " for c in h.columns}
        things = {t for t in (_table_named(subject, catalog, layer),) if t} | held
        days = next((m for n in linked.metrics if (m := layer.metric(n)) is not None
                     and m.format == "days" and things and all(
                         t == m.table or catalog.path(m.table, t) is not None
                         for t in things)), None)
        if days is not None:
            args["metrics"] = [days.name]
            notes.append(f"metric {days.name}: the question asks how many days"
                         + (f", not {metrics[0]}" if metrics else ""))
            _drop_unreached(args, days.table, catalog, layer, notes)
            return True
    ranked = _UNITS_RANKED.search(words)
    kind = _stem(ranked["kind"]) if ranked and ranked["kind"] else ""
    if ranked is None or first is not None and first.format == "units" and (
            not kind or _says(first, kind)):
        return False
    # "the most reserved units": the units term that says so, else the likeliest
    units = [m for n in linked.metrics if (m := layer.metric(n)) is not None
             and m.format == "units"]
    units += [m for m in layer.metrics if kind and m.format == "units" and m not in units]
    chosen = next((m for m in units if kind and _says(m, kind)),
                  None if kind else next(iter(units), None))
    if chosen is None or chosen == first:
        return False
    args["metrics"] = [chosen.name]
    notes.append(f"metric {chosen.name}: the question ranks by units"
                 + (f", not {metrics[0]}" if metrics else ""))
    _drop_unreached(args, chosen.table, catalog, layer, notes)
    return True


def _says(metric: Metric, stem: str) -> bool:
    """Whether the term's label or a synonym has a word of that stem ("reserv")."""
    return any(_stem(w) == stem for t in (metric.label, *metric.synonyms)
               for w in phrase(t).split())


def _date_asked(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
                notes: list[str]) -> bool:
    """"What was the first day in our sales records": the earliest (latest) date of the
    column the question means is the answer (``_sql_calendar.date_extreme``)."""
    metric = date_extreme(args, words, catalog, layer)
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    if metric is None or metrics[:1] == [metric]:
        return False
    args["metrics"] = [metric]
    notes.append(f"metric {metric}: the question asks for a date"
                 + (f", not {metrics[0]}" if metrics else ""))
    return True


_AGGREGATE_WORDS = {"average": "avg", "mean": "avg", "median": "median", "total": "sum",
                    "combined": "sum",
                    "highest": "max", "largest": "max", "biggest": "max", "maximum": "max",
                    "deepest": "max", "steepest": "max", "shallowest": "min",
                    "longest": "max", "shortest": "min",
                    "lowest": "min", "smallest": "min", "minimum": "min"}
# A column's abbreviations as a question spells them ("min_order_qty": minimum order quantity).
_SPELLED = {"qty": "quantity", "min": "minimum", "max": "maximum", "pct": "percent",
            "avg": "average", "num": "number", "amt": "amount", "std": "standard deviation",
            "dest": "destination", "orig": "origin"}
_VALUE = "value"  # a column's value asked for with no aggregate word
_BE = frozenset({"is", "was", "are", "were", "s"})
_BEFORE_COLUMN = frozenset({"the", "our", "a", "an", "single", "all", "remaining",
                            "outstanding", "current"})
_PRICE_WORDS = {"cheapest": "lowest", "least expensive": "lowest", "most expensive": "highest",
                "priciest": "highest"}
_PRICE_SUPERLATIVE = re.compile(rf"\b({'|'.join(_PRICE_WORDS)}) (\w+)")


def _price_column(thing: str, catalog: Catalog, layer: SemanticLayer) -> str:
    """What "expensive" reads of a thing: its price, or its cost where it has no price
    ("the most expensive lane" costs the most to ship on)."""
    table = catalog.tables.get(_table_named(thing, catalog, layer) or "")
    columns = [c.name for c in table.columns if c.kind == "number"] if table else []
    if any("price" in c for c in columns):
        return "price"
    cost = [c for c in columns if "cost" in c]
    return cost[0].replace("_", " ") if len(cost) == 1 else "price"


def _column_aggregate(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
                      notes: list[str]) -> bool:
    """"What is the average unit cost across our variants": an aggregate word right before
    the words of one number column (its name, or its table's and its name: "variant
    price") asks for that aggregate of that column, unless the model's first metric is
    it or a term whose label the question says. Several columns so named: the one of
    the table the words name too (unit_costs.unit_cost, not purchase_orders'), else
    the one on the model's table, else none. True when it changed."""
    if _HOW_MANY.search(words):
        return False
    # "the cheapest variant" asks for the lowest variant price
    # "the cheapest (laptop) variant": the lowest price of a (laptop) variant
    said = _PRICE_SUPERLATIVE.sub(
        lambda m: f"{_PRICE_WORDS[m[1]]} {_price_column(m[2], catalog, layer)} {m[2]}",
        phrase(words)).split()
    found: dict[str, int] = {}  # "table.column" -> how many words named it
    aggregates: dict[str, list[str]] = {}  # "table.column" -> the aggregates asked of it
    for table in catalog.tables.values():
        numbers = [c for c in table.columns
                   if c.kind == "number" and not c.name.endswith(("_id", "_no", "position"))]
        note = layer.tables.get(table.name)
        for c in numbers:
            # "the largest single payment": a table's one number column, by the table's name
            # ("the largest order by value" names its measure after "by")
            own = [table.name, *(note.synonyms if note else [])] \
                if len(numbers) == 1 and not _BY_MEASURE.search(words) else []
            spelled = _spell(c.name)
            # "handling time", "transit time": a column of days said as a time
            timed = [f"{c.name.removesuffix('_days')} time"] if c.name.endswith("_days") else []
            # "gift card balance": a synonym of its table before it
            prefixed = [f"{t} {c.name}" for t in (note.synonyms if note else [])]
            # "the largest bulk discount": a name the layer gives the column
            other = note.column_words.get(c.name, []) if note else []
            for name in (c.name, spelled, *timed, f"{table.name} {c.name}", *prefixed, *own,
                         *other):
                term = phrase(name.replace("_", " ")).split()
                for i in range(1, len(said) - len(term) + 1):
                    if said[i:i + len(term)] != term:
                        continue
                    fns = _aggregates_before(said, i)
                    if fns == [_VALUE] and name in own:
                        continue  # "what were the order lines worth": no value of a column
                    if fns and len(term) >= found.get(c.ref, 0):
                        found[c.ref], aggregates[c.ref] = len(term), fns
    if not found:
        return False
    longest = max(found.values())
    best = [k for k, n in found.items() if n == longest]
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    if len(best) > 1:
        def named_for(ref: str) -> bool:  # unit_costs.unit_cost: the table holds the column
            table, column = ref.split(".")
            return phrase(table.replace("_", " ")) == phrase(column.replace("_", " "))
        tables = _tables_said(words, catalog, layer)
        best = ([k for k in best if named_for(k)]
                or [k for k in best if k.split(".")[0] in tables]
                or [k for k in best if first is not None and k.startswith(f"{first.table}.")])
    if len(best) != 1:
        return False
    if aggregates[best[0]] == [_VALUE]:
        # "what is the unit cost of variant 12" asks for a value, which no count answers:
        # the average of the rows the question keeps (one row's own value). A term that
        # is a value ("what is the stock on hand worth") stands.
        if first is not None and first.format != "count":
            return False
        aggregates[best[0]] = ["avg"]
    asked = [f"{fn}({best[0]})" for fn in aggregates[best[0]]]
    if metrics[:len(asked)] == asked:
        return False
    best = asked
    # A term of the layer with the same aggregate of the column refines it ("refunds":
    # the sum of refund transactions' amounts), as does one whose label the question says
    # (other than its table's name, which a table's row count has for label).
    named = first is not None and any(m.name == first.name for m in layer.metrics)
    fn, column = best[0][:-1].split("(")
    # ("the highest transit time" is no average transit time, though it says the label)
    extreme = fn in ("min", "max") and not re.match(r"\s*(min|max)\(", first.sql if first
                                                     else "", re.IGNORECASE)
    # ("the input tokens": one of the columns the term adds up, named on its own)
    part = first is not None and column in first.sql and len(set(
        re.findall(r"\b\w+\.\w+\b", first.sql))) > 1
    if named and first is not None and not part and (
            first.sql.replace(" ", "").lower().startswith(f"{fn}({column}") or not extreme and any(
            f" {label} " in f" {' '.join(said)} " for t in (first.label, *first.synonyms)
            if len((label := phrase(t)).split()) >= 2
            and label != phrase(first.table.replace("_", " ")))):
        return False
    chosen = layer.metric(best[0])
    assert chosen is not None
    args["metrics"] = [*best, *metrics[1:]][:MAX_METRICS] if len(best) == 1 else best
    notes.append(f"metric {', '.join(best)}: the question asks for the {chosen.label}"
                 + (f", not {metrics[0]}" if metrics else ""))
    _drop_unreached(args, chosen.table, catalog, layer, notes)
    return True


def _aggregates_before(said: list[str], at: int) -> list[str]:
    """The aggregates the words before ``said[at]`` ask for: "the average", "the lowest
    and the highest"."""
    fns: list[str] = []
    j = at - 1
    while j > 0:
        while j > 0 and said[j] in _BEFORE_COLUMN:
            j -= 1
        if j > 1 and said[j] == "of" and said[j - 1] in ("number", "amount") \
                and said[j - 2] == "total":
            j -= 2  # "the total number of input tokens" ("the largest number of" counts)
        fn = _AGGREGATE_WORDS.get(said[j])
        if said[j] == "much" and said[j - 1] == "how":  # "how much balance is left"
            fn = "sum"
        if not fns and said[j] in _BE and said[j - 1] == "what" and j == 1:
            fn = _VALUE  # "what is the unit cost of variant 12"
        if fn is None:
            break
        fns.insert(0, fn)
        j -= 1
        while j > 0 and said[j] in _BEFORE_COLUMN:
            j -= 1
        if said[j] not in ("and", "or"):
            break
        j -= 1
    return list(dict.fromkeys(fns))


def _tables_said(words: str, catalog: Catalog, layer: SemanticLayer) -> set[str]:
    """The tables the question names (by name or synonym), anywhere."""
    said = f" {phrase(words)} "
    return {t for t in catalog.tables for n in (t.replace("_", " "), *(
        layer.tables[t].synonyms if t in layer.tables else [])) if f" {phrase(n)} " in said}


def _counted_table(words: str, catalog: Catalog, layer: SemanticLayer) -> str | None:
    """The table "how many X ..." counts, when the words after "how many" name exactly one
    table (its name or a synonym: "routes" -> carrier_lanes)."""
    match = _HOW_MANY.search(words)
    if match is None or match.group(1) != "how many":
        return None
    counted = _counted_words(words, match)
    if counted and counted[0] in _UNIT_WORDS:  # "how many units are reserved": a sum
        return None
    return _head_table(_counted_words(words, match, 4), catalog, layer) or _table_named(
        " ".join(counted), catalog, layer)


# Words after which a noun phrase has ended: "how many orders | from customers in Texas".
_PHRASE_ENDS = frozenset({"from", "in", "on", "at", "for", "with", "by", "per", "to", "that",
                          "which", "who", "do", "does", "did", "are", "is", "was", "were",
                          "have", "has", "had", "will", "can", "we", "our", "of",
                          # a time said after the thing ("the best-selling product last month")
                          "last", "this", "past", "previous", "during", "today", "yesterday"})


def _head_table(counted: list[str], catalog: Catalog, layer: SemanticLayer) -> str | None:
    """The table the head of a noun phrase of table names names: its last name said in
    the plural ("region-to-region routes" are routes, "variants sold nothing" variants; a
    modifier is singular), the phrase ending at a preposition, an auxiliary or a word in
    no table's name ("the money customers paid" names no table); the longer name of two
    ending there ("purchase orders"). None for none or a tie."""
    known = {w for t, note in layer.tables.items()
             for name in (t.replace("_", " "), *note.synonyms) for w in phrase(name).split()}
    said: list[str] = []
    for w in counted:
        if w in _PHRASE_ENDS or not set(phrase(w).split()) & known:
            break
        said.append(w)
    words = phrase(" ".join(said)).split()
    plural = [len(w) > 3 and w.endswith("s") and not w.endswith("ss")
              for w in re.findall(r"[a-z0-9]+", " ".join(said))]
    best: dict[str, tuple[int, int]] = {}  # table -> (where its name ends, its length)
    for table, note in layer.tables.items():
        for name in (table, table.replace("_", " "), *note.synonyms):
            term = phrase(name).split()
            ends = [i + len(term) for i in range(len(words) - len(term) + 1)
                    if term and words[i:i + len(term)] == term and plural[i + len(term) - 1]]
            if table in catalog.tables and ends:
                best[table] = max(best.get(table, (0, 0)), (max(ends), len(term)))
    top = max(best.values(), default=None)
    named = [t for t, at in best.items() if at == top]
    return named[0] if len(named) == 1 else None


_OF_THE = re.compile(r"\s*of (?:the|our|all|these|those)\b")


def _counted_words(words: str, asked: re.Match[str], n: int = 3) -> list[str]:
    """The ``n`` words naming what "how many" counts: "how many of the order agent's
    runs" counts "order agent runs" (``words`` has its apostrophes as spaces)."""
    rest = words[asked.end():]
    if of := _OF_THE.match(rest):
        rest = rest[of.end():]
    return [w for w in rest.split() if w != "s"][:n]


def _names(words: str, metric: Metric, layer: SemanticLayer, counted: str,
           linked: Linked | None = None) -> bool:
    """Whether the question names the metric or its table in any of their words, other
    than the words that also name the ``counted`` table ("orders" names orders, not
    order_payments_count) or a value of it ("how many runs failed" says a run's status,
    not failed_tool_calls)."""
    def names(table: str) -> list[str]:
        note = layer.tables.get(table)
        return [table, table.replace("_", " "), *(note.synonyms if note else [])]

    own = [metric.name.replace("_", " "), metric.label, *metric.synonyms, *names(metric.table)]
    shared = {w for n in names(counted) for w in tokens(n)}
    shared |= {w for h in (linked.values if linked else [])
               if any(c.partition(".")[0] == counted for c in h.columns) for w in tokens(h.words)}
    said = set(tokens(words)) - shared
    return any(w in said for n in own for w in tokens(n) if len(w) > 3)


def _percent_per_subject(args: dict[str, Any], words: str, linked: Linked, catalog: Catalog,
                         layer: SemanticLayer, notes: list[str]) -> bool:
    """"How many variants make a gross margin below 40% at their current price": a bound in
    percent on a percent term per counted thing. The likeliest linked percent term whose
    table holds the thing's key, per key (``having``); the things that pass are counted.
    True when it changed."""
    bound = _PERCENT_BOUND.search(words)
    subject = _counted_table(words, catalog, layer) if bound else None
    keys = catalog.tables[subject].primary_key if subject in catalog.tables else []
    if bound is None or len(keys) != 1:
        return False
    term = next((m for n in linked.metrics if (m := layer.metric(n)) is not None
                 and m.format == "percent" and m.table in catalog.tables
                 and catalog.tables[m.table].column(keys[0]) is not None), None)
    if term is None:
        return False
    value = _plain_number(float(bound["percent"]))
    args["metrics"], args["group_by"] = [term.name], [f"{term.table}.{keys[0]}"]
    args["having"] = {"op": _BOUND_OPS[bound["bound"]], "value": value}
    args["count_groups"], args["order"], args["limit"] = True, "none", None
    notes.append(f"metric {term.name} per {term.table}.{keys[0]}, having "
                 f"{args['having']['op']} {value}, count_groups: the question counts the "
                 f"{subject} whose {term.label} passes a bound")
    return True


# "a gross margin below 40%" (not "more than 30% of their variants": a share)
_PERCENT_BOUND = re.compile(rf"\b(?P<bound>{'|'.join(_BOUND_OPS)}) (?P<percent>\d+(?:\.\d+)?)"
                            r"\s*(?:%|percent)(?! of\b| off\b)")


def _count_named(args: dict[str, Any], words: str, linked: Linked, catalog: Catalog,
                 layer: SemanticLayer, notes: list[str]) -> bool:
    """"How many routes take ...": a count of the routes, when the model's first metric is
    no count (an average of their days). Breakdowns and filters on tables the counted one
    cannot reach go with the old metric. True when the metric changed."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    table = _counted_table(words, catalog, layer)
    if table is None:
        return _count_column(args, words, first, catalog, layer, notes)
    if _count_present(args, words, first, table, catalog, layer, notes):
        return True
    if first is not None and first.format == "count" and first.table == table:
        return False
    if first is not None and first.format == "count" and _names(
            words, first, layer, table, linked) and _count_distinct(
            args, words, first, table, catalog, notes):
        return True
    counts = [m for m in layer.metrics if m.table == table and m.format == "count"
              and not m.filter]
    if not counts:
        return False
    args["metrics"] = [counts[0].name]
    notes.append(f"metric {counts[0].name}: the question counts {table}"
                 + (f", not {metrics[0]}" if metrics else ""))
    _drop_unreached(args, table, catalog, layer, notes)
    # The counted thing's own key as a breakdown counts 1 per group: one total is asked.
    keys = catalog.tables[table].primary_key if table in catalog.tables else []
    grouped = args.get("group_by") or []
    kept = [g for g in grouped if not (len(keys) == 1 and isinstance(g, str)
                                       and g.partition(".")[2] == keys[0])]
    if len(kept) < len(grouped):
        args["group_by"] = kept
        notes.append(f"group_by {keys[0]} dropped: one {table} per group counts 1 each")
    return True


_HAVING_VERB = re.compile(r"\b(?:have|has|had|hold|holds|held|with|got|get|gets)\b")
# "How many distinct products were sold in October": the table the participle names
# holds them (the match ends before it, so that it is among the words said after).
_DONE_TO_THEM = re.compile(r"\b(?:were|was|are|is|been|got|get) (?=(?:\w+ed|sold|paid|bought|"
                           r"held|made|sent|shipped|kept|given|taken)\b)")


def _count_present(args: dict[str, Any], words: str, first: Metric | None, counted: str,
                   catalog: Catalog, layer: SemanticLayer, notes: list[str]) -> bool:
    """"How many orders have stock reserved for them", "how many customers have a gift
    card": the counted things that appear in the table named after the verb, as the
    distinct keys that table holds (its filters then apply to its own rows). Not with a
    bound ("more than 3 orders", ``_per_subject``) or a negation (``_absent``), nor when
    the model counts rows of another table that holds the key (``_count_distinct``)."""
    keys = catalog.tables[counted].primary_key if counted in catalog.tables else []
    if first is not None and first.table != counted and len(keys) == 1 and \
            first.table in catalog.tables and catalog.tables[first.table].column(keys[0]):
        return False
    match = _HOW_MANY.search(words)
    verb = (_HAVING_VERB.search(words, match.end()) or _DONE_TO_THEM.search(words, match.end())
            ) if match else None
    if verb is None or len(keys) != 1 or _BOUND.search(words) or _NEGATION.search(words):
        return False
    holders = [t for t in _tables_said(words[verb.end():], catalog, layer)
               if t != counted and catalog.tables[t].column(keys[0]) is not None
               and keys[0] not in catalog.tables[t].primary_key]
    if len(holders) != 1:
        return False
    metric = f"count_distinct({holders[0]}.{keys[0]})"
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    if metrics[:1] == [metric]:
        return False
    args["metrics"] = [metric]
    notes.append(f"metric {metric}: the question counts the {counted} that have "
                 f"{holders[0]}")
    _drop_unreached(args, holders[0], catalog, layer, notes)
    return True


def _which_have(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
                notes: list[str]) -> bool:
    """"Which products have a promotion running today": the things among the rows of
    the table named after the verb, one row each (by the things' key there), counted by
    that table's terms (their conditions and dates then apply). Not with a negation
    (``_absent``) or a bound. True when it changed the query."""
    which = _WHICH.match(words) or _LIST.match(words)
    if which is None or _NEGATION.search(words) or _BOUND.search(words) \
            or _UNITS_RANKED.search(words):  # "has the most reserved units": a sum of units
        return False
    thing = " ".join(itertools.takewhile(lambda w: w not in _PHRASE_ENDS,
                                         which.group("thing").split()))
    subject = _table_named(thing, catalog, layer) if thing else None
    keys = catalog.tables[subject].primary_key if subject in catalog.tables else []
    verb = _HAVING_VERB.search(words, which.end("thing") - len(which.group("thing"))
                               + len(thing))
    if subject is None or len(keys) != 1 or verb is None:
        return False
    holders = [t for t in _tables_said(words[verb.end():], catalog, layer)
               if t != subject and catalog.tables[t].column(keys[0]) is not None
               and keys[0] not in catalog.tables[t].primary_key]
    count = _row_count(holders[0], catalog, layer) if len(holders) == 1 else None
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    if count is None or first is not None and first.table == holders[0]:
        return False
    args["metrics"], args["group_by"] = [count], [f"{holders[0]}.{keys[0]}"]
    notes.append(f"metric {count}, group_by {holders[0]}.{keys[0]}: the question asks which "
                 f"{subject} have {holders[0]}")
    _drop_unreached(args, holders[0], catalog, layer, notes)
    return True


_DISTINCT_WORDS = frozenset({"different", "distinct", "unique", "separate", "individual"})


def _singular(word: str) -> str:
    return word[:-3] + "y" if word.endswith("ies") and len(word) > 4 else phrase(word)


def _count_column(args: dict[str, Any], words: str, first: Metric | None, catalog: Catalog,
                  layer: SemanticLayer, notes: list[str]) -> bool:
    """"How many competitors do we track", "how many different cities do our customers
    live in": no table is a competitor or a city, but a text column or a dimension of
    that name holds them: its distinct values are counted. The one on the model's table
    wins, else the one on a table the question names, else the only one."""
    match = _HOW_MANY.search(words)
    said = [w for w in words[match.end():].split() if w not in _DISTINCT_WORDS][:1] \
        if match and match.group(1) == "how many" else []
    thing = _singular(said[0]) if said else ""
    if not thing:
        return False
    found: list[tuple[str, str]] = [  # (what is counted distinct, its table)
        (c.ref, c.table) for t in catalog.tables.values() for c in t.columns
        if c.kind == "text" and phrase(c.name.replace("_", " ")) == thing]
    # a dimension's label ends with the thing ("customer city"); a JSON attribute's
    # label is its key and table ("color (variants)")
    # ("color", not "frame color", when both are)
    named = [d for d in [*layer.dimensions, *layer.attributes] if d.kind == "text"]
    exact = [d for d in named if phrase(d.label.split(" (")[0]) == thing]
    found += [(d.name, d.table) for d in exact or [
        d for d in named if d.label.split(" (")[0].split()[-1] == thing]]
    said_tables = _tables_said(words, catalog, layer)
    for keep in (lambda t: first is not None and t == first.table, lambda t: t in said_tables,
                 lambda t: True):
        kept = [f for f in found if keep(f[1])]
        if kept:
            break
    if len(kept) != 1 or first is not None and first.name.startswith("count_distinct("):
        return False
    metric = f"count_distinct({kept[0][0]})"
    args["metrics"] = [metric]
    notes.append(f"metric {metric}: the question counts the {thing} values {kept[0][0]} holds")
    _drop_unreached(args, kept[0][1], catalog, layer, notes)
    return True


def _count_distinct(args: dict[str, Any], words: str, first: Metric, counted: str,
                    catalog: Catalog, notes: list[str]) -> bool:
    """"How many products come with volume discounts": the model counts the rows of the
    table the question names too (volume_tiers), which hold the counted thing's key
    several times over; the count is of its distinct keys there. Not for a bound ("more
    than 3 orders"): a count per counted thing answers that (``_per_subject``)."""
    keys = catalog.tables[counted].primary_key if counted in catalog.tables else []
    rows = catalog.tables.get(first.table)
    if (_BOUND.search(words) or len(keys) != 1 or rows is None or rows.column(keys[0]) is None
            or first.filter or first.sql.replace(" ", "").lower() != "count(*)"):
        return False
    ref = f"{first.table}.{keys[0]}"
    args["metrics"] = [f"count_distinct({ref})", *args["metrics"][1:]]
    notes.append(f"metric count_distinct({ref}): the question counts {counted} "
                 f"among {first.table}")
    return True


def _term_said(metric: Metric, words: str) -> bool:
    """Whether the question says a term: every word of its label (in any order), or one
    of its synonyms as written."""
    said = f" {phrase(words)} "
    return len(tokens(metric.label)) >= 2 and set(tokens(metric.label)) <= set(tokens(words)) \
        or any(len(tokens(t)) >= 2 and f" {phrase(t)} " in said for t in metric.synonyms)


def _metric_of_values(args: dict[str, Any], words: str, linked: Linked, catalog: Catalog,
                      layer: SemanticLayer, notes: list[str]) -> bool:
    """"BargainBay's average price": when a value the question names lies on no table the
    model's metric reaches (a distinct count), or reaches without multiplying its rows
    (any other), the likeliest linked metric of a table that holds it counts instead (a
    competitor's price, not our sales price).
    Breakdowns and filters the new table does not reach go. True when it changed."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    if first is None:
        return False
    # a term the question says stands ("promotions active on October 1"), unless it is
    # said as a named value's ("BargainBay's average price")
    owned = [h for h in linked.values if f" {phrase(h.words)} s " in f" {phrase(words)} "]
    if first in layer.metrics and _term_said(first, words) and not owned:
        return False
    subjects = _subjects(catalog)
    for hit in owned or linked.values:
        if phrase(hit.value) in subjects:
            continue
        holders = {_field_table(c, catalog, layer) for c in hit.columns} - {None}
        # A distinct count stays right through a join that multiplies rows; a sum does not.
        fanouts = 0 if "count(distinct" not in first.sql.lower() else _UNREACHABLE - 1
        if any(_cost(catalog, first.table, f"{t}.")[0] <= fanouts for t in holders if t):
            continue
        better = next((m for n in linked.metrics if (m := layer.metric(n)) is not None
                       and any(_cost(catalog, m.table, f"{t}.")[0] == 0 for t in holders if t)
                       and m.format == first.format), None)
        if better is None or better.name == first.name:
            continue
        args["metrics"] = [better.name]
        notes.append(f"metric {better.name}, not {first.name}: {hit.value!r} is "
                     f"{better.table}'s")
        _drop_unreached(args, better.table, catalog, layer, notes)
        return True
    return False


def _term_across(args: dict[str, Any], words: str, linked: Linked, catalog: Catalog,
                 layer: SemanticLayer, notes: list[str]) -> bool:
    """"Our average gross margin as a percentage of price across all variants": the figure
    is taken over the rows the question names, so a linked term of the same kind on that
    table counts instead of the likeliest (the margin at list price, not on sales)."""
    across = _ACROSS.search(words)
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    table = _table_named(across["things"], catalog, layer) if across else None
    if first not in layer.metrics or table is None or first.table == table:
        return False  # (a column the question names is what it asks for)
    better = next((m for n in linked.metrics if (m := layer.metric(n)) is not None
                   and m.table == table and m.format == first.format), None)
    if better is None:
        return False
    args["metrics"] = [better.name]
    notes.append(f"metric {better.name}, not {first.name}: the question takes it across "
                 f"{table}")
    _drop_unreached(args, better.table, catalog, layer, notes)
    return True


def _negated_term(args: dict[str, Any], layer: SemanticLayer, notes: list[str]) -> bool:
    """"How much have customers paid us, not counting refunds": the term counts the rows
    of the value the question excludes (refunds); the term of the same sum over the other
    value counts instead (payments), and the exclusion is its condition. True when it
    changed."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    condition = _SIMPLE_CONDITION.match(first.filter) if first and first.filter else None
    if first is None or condition is None or condition[2] != "=" or condition[3] is None:
        return False
    field, value = condition[1], condition[3]
    excluded = [f for f in args.get("filters") or []
                if f.get("field") == field and f.get("op") == "!=" and f.get("value") == value]
    others = [m for m in layer.metrics if m.table == first.table and m.sql == first.sql
              and m.filter and (c := _SIMPLE_CONDITION.match(m.filter)) is not None
              and c[1] == field and c[2] == "=" and c[3] not in (None, value)]
    if not excluded or len(others) != 1:
        return False
    args["metrics"] = [others[0].name, *metrics[1:]]
    args["filters"] = [f for f in args.get("filters") or [] if f not in excluded]
    notes.append(f"metric {others[0].name}, not {first.name}: the question leaves out "
                 f"{value!r}")
    return True


def _worth(args: dict[str, Any], words: str, layer: SemanticLayer, notes: list[str]) -> bool:
    """"What are the open purchase orders worth": an amount of money, not a count: the
    money term of the counted rows' table (with the count's own condition, when one
    has it; else the table's plain one). True when it changed."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    if first is None or first.format != "count" or not _WORTH.search(words):
        return False
    money = [m for m in layer.metrics if m.table == first.table and m.format == "money"
             and m.filter in (first.filter, None) and not m.joins]
    chosen = next((m for m in money if m.filter == first.filter), None) or next(
        (m for m in money if m.filter is None), None)
    if chosen is None:
        return False
    args["metrics"] = [chosen.name]
    notes.append(f"metric {chosen.name}, not {first.name}: the question asks what they are "
                 "worth")
    if first.filter and chosen.filter != first.filter and (
            condition := _SIMPLE_CONDITION.match(first.filter)) is not None:
        field, op, text, number = condition.groups()
        value: Any = text if text is not None else _plain_number(float(number))
        args["filters"] = [*(args.get("filters") or []),
                           {"field": field, "op": op, "value": value}]
        notes.append(f"filter {field} {op} {value!r}: the rows {first.name} counts")
    return True


_WORTH = re.compile(r"\b(?:worth|valued? at)\b")
_ACROSS = re.compile(r"\bacross (?:all )?(?:of )?(?:the |our )?(?P<things>(?:\w+ )?\w+)")


def _drop_unreached(args: dict[str, Any], table: str, catalog: Catalog, layer: SemanticLayer,
                    notes: list[str]) -> None:
    """Breakdowns and filters on tables that ``table`` has no join to."""
    reach = {table, *(t for t in catalog.tables if catalog.path(table, t) is not None)}
    for key in ("group_by", "filters"):
        items = args.get(key) or []
        kept = [i for i in items if _field_table(i if key == "group_by" else i.get("field"),
                                                 catalog, layer) in (reach | {None})]
        if len(kept) < len(items):
            notes.append(f"{key} on tables {table} does not reach dropped")
            args[key] = kept


def _field_table(field: Any, catalog: Catalog, layer: SemanticLayer) -> str | None:
    """The table of a query field (a column, dimension or segment); None for a calendar
    bucket, which goes with any metric that has dates."""
    if not isinstance(field, str):
        return None
    term = layer.dimension(field) or layer.segment(field)
    if term is not None:
        return term.table
    table = field.partition(".")[0]
    return table if table in catalog.tables else None


_UNIT_BOUND = re.compile(_BOUND.pattern + r"\s+([a-z]+)")


def _column_names(words: str, catalog: Catalog) -> str:
    """``words`` with a column's name said in full that starts with an extreme ("minimum
    order quantity") written as the column's (min_order_qty): it ranks nothing."""
    for table in catalog.tables.values():
        for c in table.columns:
            parts = c.name.split("_")
            if parts[0] in ("min", "max") and len(parts) > 1:
                spelled = _spell(c.name)
                words = re.sub(rf"\b{spelled}s?\b", c.name, words)
    return words


def _as_question(words: str) -> str:
    """An instruction to count read as the question it asks: "count the variants that ..."
    as "how many variants ..." (a list asked for, "list the ...", is read as it is); "the
    best-selling product" as "the most sold product"; "what does X cost us per unit" as
    "what is the unit cost of X"."""
    words = _SELLING.sub(lambda m: "least sold" if m["worst"] else "most sold", words)
    words = _COST_PER_UNIT.sub(r"what is the unit cost of \g<thing>", words, count=1)
    words = _EACH_OWNS.sub(r"\g<owned> of each \g<owner>", words)
    words = _FRACTION.sub(lambda m: f"{m[1]} {_FRACTIONS[m[2]]}% of", words)
    words = _OF_THE_WHAT.sub(r"what \g<share> of \g<whole> that ", words, count=1)
    words = _DATE_COMMA.sub(r"\1 \2", words)
    words = _NOT_A_SINGLE.sub(r"\g<verb> nothing", words)
    return _COUNT_THE.sub("how many ", words, count=1)


# "of the price changes in October, what percentage lowered the price": "what percentage
# of the price changes in October that lowered the price" (the part after "that")
_OF_THE_WHAT = re.compile(r"^\W*(?:of|among|out of) (?P<whole>(?:the|our|all) [^?]+?), what "
                          r"(?P<share>percentage|percent|share|proportion|fraction) ")
# "have not sold a single unit", "did not sell any units": "sold nothing"
_NOT_A_SINGLE = re.compile(r"\b(?:have|has|had|did|do|does) (?:not|n t) (?P<verb>\w+) "
                           r"(?:a single|any|one) (?:units?|items?|ones?)\b")
# "october 25, 2026": no clause ends at the comma of a date
_DATE_COMMA = re.compile(r"\b((?:january|february|march|april|may|june|july|august|september|"
                         r"october|november|december) \d{1,2}),\s*(\d{4})\b")
# "more than half of their variants": "more than 50% of"
_FRACTIONS = {"half": 50, "a half": 50, "a quarter": 25, "three quarters": 75}
_FRACTION = re.compile(rf"\b(more than|over|at least|less than|fewer than|under|at most) "
                       rf"({'|'.join(_FRACTIONS)}) of\b")
# "each product's variants" (the apostrophe read as a space): "variants of each product"
_EACH_OWNS = re.compile(r"\b(?:each|every) (?P<owner>\w+) s (?P<owned>\w+)")
# "what does variant 12 cost us per unit": its unit cost
_COST_PER_UNIT = re.compile(r"^\W*what (?:does|do|did) (?P<thing>.+?) cost(?: us| to make| to buy)?"
                            r" (?:per unit|each|a unit|apiece)\b")


_SELLING = re.compile(r"\b(?:(?:best|top|(?P<worst>worst|slowest))[- ]?sell(?:ing|ers?)|"
                      r"bestsell(?:ing|ers?))\b")


_COUNT_THE = re.compile(r"^\W*(?:please )?count (?:up )?(?:the |all (?:the )?)?(?=[a-z])")


def _plain_bounds(words: str) -> str:
    """``words`` with "N units or more" and "N or more units" as "at least N units" (and
    "... or fewer" as "at most"); a week counts 7 days."""
    def plain(m: re.Match[str]) -> str:
        number, unit = m.group(2) or "1", m.group(3) or m.group(6)
        direction = m.group(4) or m.group(5)
        if m.group(2) is None and unit not in ("day", "week"):
            return m.group(0)  # "a lot or more" bounds nothing
        count = int(number) if number.isdigit() else _WORDS[number]
        if unit in ("week", "weeks"):
            count, unit = 7 * count, "days"
        bound = "at most" if direction in _AT_MOST_WORDS else "at least"
        return f"{bound} {count} {unit}"
    # "products with only one supplier": exactly one
    words = _ONLY_N.sub(lambda m: f"exactly {m.group(1)} ", words)
    # "variants that have no units on hand": a sum of units that is exactly 0
    words = _NO_UNITS.sub(r"\g<verb> exactly 0 units", words)
    return _OR_MORE.sub(plain, words)


_NO_UNITS = re.compile(r"\b(?P<verb>have|has|had|with|hold|holds) (?:no|zero) units\b")
_ONLY_N = re.compile(rf"\b(?:only|just) {_NUMBER} (?=[a-z])")


_MONEY_UNITS = frozenset({"dollars", "dollar", "usd", "bucks"})
_MONEY_COLUMN = re.compile(r"price|cost|amount|balance|usd")


def _money_column(words: str, root: str, catalog: Catalog,
                  layer: SemanticLayer) -> list[CatalogColumn]:
    """"Variants priced above $1,000": the money column of the rows the question counts or
    lists (the one it names when several: priced -> price), none when those are other
    things than the query's rows ("customers who spent more than $5,000": per customer)."""
    which = _WHICH.match(words) or _LIST.match(words)
    things = _counted_table(words, catalog, layer) or (
        _table_named(which.group("thing"), catalog, layer) if which else None)
    if things != root:
        return []
    money = [c for c in catalog.tables[root].columns
             if c.kind == "number" and _MONEY_COLUMN.search(c.name)]
    said = {_stem(w) for w in tokens(words)}
    named = [c for c in money if {_stem(w) for w in c.name.split("_")} & said]
    return named if len(money) > 1 else money


_AMOUNT = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
# "Priced between $100 and $200", "from 3 to 5 days": both ends, inclusive.
_BETWEEN = re.compile(rf"\b(?:between|from) (\$)?{_AMOUNT} (?:and|to) \$?{_AMOUNT}\b"
                      rf"(?:\s+([a-z]+))?(?!\s*(%|percent))")


def _column_bound(args: dict[str, Any], words: str, filters: list[dict[str, Any]],
                  catalog: Catalog, layer: SemanticLayer, root: str | None,
                  notes: list[str]) -> list[dict[str, Any]]:
    """"Routes that take more than 4 days", "variants priced between $100 and $200": a
    row filter on the one number column of the query's table that the unit names
    (``carrier_lanes.transit_days > 4``), or its money column for dollars."""
    if root not in catalog.tables:
        return []
    between = _BETWEEN.search(words)
    if between is not None:
        low, high = (float(between.group(i).replace(",", "")) for i in (2, 3))
        unit, money = between.group(4) or "", bool(between.group(1))
        at = between.start()
        op: str = "between"
        value: Any = [_plain_number(low), _plain_number(high)]
    else:
        # "larger than $2,000?": dollars, with no unit word after. Of several bounds the
        # first on a column: "at least one variant priced above $1,000" bounds the price
        # (the count is ``_count_per_subject``'s)
        bounds = [*_UNIT_BOUND.finditer(words),
                  *(m for m in _BOUND.finditer(words) if "$" in m.group(0))]
        if not bounds:
            return []
        bound = next((m for m in bounds if _bounds_a_column(m, catalog.tables[root])),
                     bounds[0])
        number, unit = bound.group(2), (bound.group(4) if bound.re is _UNIT_BOUND else "")
        money, op = "$" in bound.group(0), _BOUND_OPS[bound.group(1)]
        at = bound.start()
        amount = float(_WORDS[number]) if number in _WORDS else float(number.replace(",", ""))
        value = _plain_number(amount)
    if unit in _UNIT_WORDS:
        # "purchase orders for more than 100 units": each row's quantity, when the rows
        # are the things counted; otherwise a sum per thing (``_count_per_subject``)
        which = _WHICH.match(words) or _LIST.match(words)
        things = _counted_table(words, catalog, layer) or (
            _table_named(which.group("thing"), catalog, layer) if which else None)
        quantity = [c for c in catalog.tables[root].columns
                    if c.kind == "number" and c.name in ("quantity", "qty", "units")]
        if things != root or len(quantity) != 1:
            # "a main supplier that requires a minimum order of at least 25 units": the
            # column the words before the bound name, whatever the rows counted
            quantity = _column_before(words[:at], root, catalog, layer)
            if len(quantity) != 1:
                return []
        f = {"field": quantity[0].ref, "op": op, "value": value}
        notes.append(f"filter {f['field']} {f['op']} {f['value']}: the question bounds each "
                     f"{quantity[0].table} row's units")
        return [f]
    if any(_is_number(f.get("value"), v) for f in filters
           for v in (value if isinstance(value, list) else [value])):
        return []
    stem = unit[:-1] if unit.endswith("s") else unit
    columns = [c for c in catalog.tables[root].columns
               if c.kind == "number" and stem in c.name.split("_")
               or c.kind == "number" and f"{stem}s" in c.name.split("_")]
    if not columns and (not unit or unit in _MONEY_UNITS or money):
        columns = _column_before(words[:at], root, catalog, layer)
    if not columns and (unit in _MONEY_UNITS or money):
        columns = _money_column(words, root, catalog, layer)
    if len(columns) != 1:
        return []
    f = {"field": columns[0].ref, "op": op, "value": value}
    notes.append(f"filter {f['field']} {f['op']} {f['value']}: the question bounds its "
                 f"{unit or 'amount'}")
    return [f]


def _bounds_a_column(bound: re.Match[str], table: CatalogTable) -> bool:
    """Whether a bound is on money, on units, or on a number column its unit names."""
    unit = bound.group(4) if bound.re is _UNIT_BOUND else ""
    stem = unit[:-1] if unit.endswith("s") else unit
    return "$" in bound.group(0) or unit in _MONEY_UNITS | _UNIT_WORDS or any(
        c.kind == "number" and (stem in c.name.split("_") or f"{stem}s" in c.name.split("_"))
        for c in table.columns)


def _column_before(before: str, root: str, catalog: Catalog,
                   layer: SemanticLayer) -> list[CatalogColumn]:
    """The number column a bound's words just before it name: "priced above" the price,
    "a gift card balance over" the balance (of the query's table, else of a table the
    question names, else the only one)."""
    said = {_stem(phrase(w)) for w in before.split()[-3:]}
    named = [c for t in catalog.tables.values() for c in t.columns if c.kind == "number"
             and not c.name.endswith(("_id", "_no", "position"))
             and (c.table == root or catalog.path(root, c.table) is not None)
             and any(_stem(phrase(p)) in said for p in c.name.split("_") if len(p) > 3)]
    tables = _tables_said(before, catalog, layer)
    for keep in (lambda c: c.table == root, lambda c: c.table in tables, lambda c: True):
        kept = [c for c in named if keep(c)]
        if kept:
            return kept
    return []


def _plain_number(value: float) -> int | float:
    return int(value) if value.is_integer() else value


# "give 30% off": that discount exactly (a bound on it, "more than 30%", is no equality)
_PERCENT_OFF = re.compile(rf"\b(?:(?P<bound>{'|'.join(_BOUND_OPS)}) )?"
                          r"(?P<number>\d+(?:\.\d+)?)\s*(?:%|percent) off\b")


def _percent_off(words: str, filters: list[dict[str, Any]], catalog: Catalog,
                 layer: SemanticLayer, root: str | None,
                 notes: list[str]) -> list[dict[str, Any]]:
    """"Which promotions give 30% off", "more than 20% off": the one percent column of the
    query's table equal to (or bounded by) that number, unless a filter carries it."""
    said = _PERCENT_OFF.search(words) or _PERCENT_OF_NAMED.search(words)
    if said is None or root not in catalog.tables:
        return []
    trailing = said.groupdict()
    op = ">=" if trailing.get("more") else "<=" if trailing.get("less") else _BOUND_OPS.get(
        said["bound"] or "", "=")
    value = float(said["number"])
    columns = [c for c in catalog.tables[root].columns
               if c.kind == "number" and "percent" in c.name.split("_")]
    if said.re is _PERCENT_OF_NAMED:  # "a quantity discount of at least 10%": so named
        note = layer.tables.get(root)
        columns = [c for c in columns if any(
            f" {phrase(n)} " in f" {phrase(said['named'])} "
            for n in (c.name.replace("_", " "), *(note.column_words.get(c.name, []) if note
                                                   else [])))]
    if len(columns) != 1 or any(f.get("field") == columns[0].ref for f in filters):
        return []
    f = {"field": columns[0].ref, "op": op, "value": int(value) if value.is_integer() else value}
    notes.append(f"filter {f['field']} {op} {f['value']}: the question names that discount")
    return [f]


# "a quantity discount of 10% or more" (read "of at least 10%"): the column so named
_PERCENT_OF_NAMED = re.compile(
    rf"(?P<named>(?:\w+ ){{1,3}})of (?:(?P<bound>{'|'.join(_BOUND_OPS)}) )?"
    r"(?P<number>\d+(?:\.\d+)?)\s*(?:%|percent)(?! of\b| off\b)"
    r"(?: or (?:(?P<more>more|higher|greater|above)|(?P<less>less|lower|fewer|below)))?")


def _number(value: Any) -> float | None:
    """A filter value as a number ("1,200", "$99.5"); None when it is none."""
    try:
        return float(str(value).replace(",", "").lstrip("$"))
    except ValueError:
        return None


def _is_number(value: Any, number: float) -> bool:
    values = value if isinstance(value, list) else [value]
    return any(_number(v) == number for v in values)


def _own_values(f: dict[str, Any], said: str, words: str, catalog: Catalog,
                examples: set[str], notes: list[str],
                held: frozenset[str] | set[str] = frozenset()) -> dict[str, Any] | None:
    """The filter with only the text values the question gives it, or None when none is
    left. A value counts when the question names it, or when it is one of a short list
    of category values (a status said in other words: "called off" for 'cancelled')
    that no example showed; a value copied from an example, made up ('all', a user id)
    or one of many names (products) the question never says is dropped, as is a word of
    the question that is none of the column's values and no value the question names
    elsewhere (``held``: 'Columbus' on a warehouse id moves to the city)."""
    column = catalog.column(str(f.get("field", "")))
    if column is None or f.get("op") in ("is_null", "is_not_null", "latest"):
        return f
    if column.kind == "date":
        if _DATES.search(said):
            return f
        notes.append(f"filter on {f.get('field')} dropped: the question names no date "
                     "(the period says when)")
        return None
    if column.kind == "number":
        return _own_numbers(f, words, notes)
    if column.kind != "text":
        return f
    value = f.get("value")
    values = value if isinstance(value, list) else [value]
    # A question that spells out some of the values wants those: the others are padding.
    spelled = any(isinstance(v, str) and f" {phrase(v)} " in said for v in values)
    kept: list[Any] = []
    tables = {phrase(t.replace("_", " ")) for t in catalog.tables}
    for v in values:
        if isinstance(v, str) and v.strip().lower() in _QUANTIFIERS:
            notes.append(f"filter {f.get('field')} = {v!r} dropped: a quantifier, not a value")
        elif isinstance(v, str) and phrase(v) in tables and v not in column.values:
            notes.append(f"filter {f.get('field')} = {v!r} dropped: it names a table, not a "
                         "value")
        elif isinstance(v, str) and column.values and v.strip().casefold() not in held \
                and v.strip().casefold() not in {c.casefold() for c in column.values}:
            # a word of the question ("due to arrive") that no row holds: the values
            # the question does name are added from the linked values
            notes.append(f"filter {f.get('field')} = {v!r} dropped: not one of its values "
                         f"({', '.join(column.values)})")
        elif not isinstance(v, str) or f" {phrase(v)} " in said:
            kept.append(v)
        elif phrase(v) in examples:
            notes.append(f"filter {f.get('field')} = {v!r} dropped: copied from an example")
        elif v in column.values and len(column.values) <= _PARAPHRASED_VALUES \
                and not column.name.endswith("_id") and not spelled:  # nor an id
            kept.append(v)
        else:
            notes.append(f"filter {f.get('field')} = {v!r} dropped: the question does not "
                         "name it")
    kept = list(dict.fromkeys(kept))
    if not kept:
        return None
    return {**f, "value": kept if isinstance(value, list) else kept[0]}


def _own_numbers(f: dict[str, Any], words: str, notes: list[str]) -> dict[str, Any] | None:
    """The filter, unless it compares with a number the question never states (a copied
    "min_qty >= 5")."""
    value = f.get("value")
    values = value if isinstance(value, list) else [value]
    if all(_stated(v, words) for v in values):
        return f
    notes.append(f"filter {f.get('field')} {f.get('op')} {value} dropped: the "
                 "question states no such number")
    return None


def _stated(value: Any, words: str) -> bool:
    """Whether the question states ``value`` (anything but a number passes: validation
    says what is wrong with it). 0 and 1 stand unsaid ("out of stock", "more than
    once"); a percentage may be written as a fraction ("15%" as 0.15) and the other way
    round."""
    number = _number(value)
    return number is None or number in (0, 1) or any(
        math.isclose(number, n * scale) for n in _stated_numbers(words)
        for scale in (1, 0.01, 100))


def _stated_numbers(words: str) -> set[float]:
    """The numbers a question states, in digits or words ("five", "a thousand", "a week")."""
    found = {float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", words)}
    named = {**_WORDS, **_MORE_NUMBER_WORDS}
    return found | {float(n) for w, n in named.items() if re.search(rf"\b{w}\b", words)}


_MOST_OF = re.compile(r"\bthe (?:most|fewest|least) ((?:\w+ ){0,2}\w+)")
# One leading clause may come first: "looking only at received orders, which 3 suppliers"
_LEADING_CLAUSE = r"^(?:[^,:;?]*[,:;]\s*)?"
_WHICH = re.compile(rf"{_LEADING_CLAUSE}\W*(?:(?:in|from|for|to|at|on) )?(?:which|what) "
                    r"(?:(?:top )?\d+ |one |single )?(?P<thing>(?:\w+ ){0,2}\w+)")
# "What is the cheapest variant", "what are the 3 most expensive lanes", "the most popular
# product": which things, too (not "the most recent"; "the most common status" names no
# table's things, ``_most_common``).
_WHAT_THE_MOST = re.compile(
    rf"{_LEADING_CLAUSE}\W*what (?:is|was|are|were) (?:the|our) (?:(?:top )?{_FEW} |single )?"
    rf"(?:{_DESCENDING}|{_ASCENDING}|fastest|quickest|slowest)\b(?! (?:recent|recently|latest)\b)"
    rf"(?:-[a-z]+)? (?:(?:expensive|popular|common|frequent|[a-z]+-[a-z]+) )?"
    rf"(?P<thing>(?:\w+ ){{0,2}}\w+)")
# "List the 5 best-selling products", "show our top 3 suppliers": which things, too.
_LIST = re.compile(rf"{_LEADING_CLAUSE}\W*(?:(?:list|show|name|rank)(?: me| us)? (?:(?:all|the|our) )*"
                   rf"(?:(?:top |bottom )?{_NUMBER} )?|(?:(?:the|our) )?(?:top|bottom) {_NUMBER} )"
                   rf"(?:[a-z]+-[a-z]+ )?(?P<thing>(?:\w+ ){{0,2}}\w+)")


def _names_table(word: str, table: str, layer: SemanticLayer) -> bool:
    note = layer.tables.get(table)
    names = [table.replace("_", " "), *(note.synonyms if note else [])]
    return any(phrase(n).split()[-1:] == [phrase(word)] for n in names)


def _which_subject(args: dict[str, Any], grouped: list[str], words: str, catalog: Catalog,
                   layer: SemanticLayer, root: str | None,
                   cost: Callable[[str], tuple[int, int]], notes: list[str]) -> list[str]:
    """"Which 3 products have the highest average unit cost": one row per product. When
    the model's breakdown reads none of that table's columns, it is by the table's key
    (on the query's own table when it holds it; the name is added beside it)."""
    the_most = _WHAT_THE_MOST.match(words)
    asked = the_most or _WHICH.match(words) or _LIST.match(words)
    named = " ".join(itertools.takewhile(lambda w: w not in _PHRASE_ENDS,
                                         asked.group("thing").split())) if asked else ""
    subject = _table_named(named, catalog, layer) if named else None
    keys = catalog.tables[subject].primary_key if subject in catalog.tables else []
    if the_most and subject is not None and not _names_table(named.split()[-1], subject, layer):
        return grouped  # "the highest revenue day" asks for a day, not a sales row
    thing = phrase(asked.group("thing")).split()[0] if asked else ""
    # "which fulfilment region('s warehouse)": a breakdown by a region names it
    said = phrase(asked.group("thing")).split()[:2] if asked else []
    names_thing = [g for g in grouped
                   if set(phrase(g.replace("_", " ").replace(".", " ")).split()[-1:]) & set(said)]
    own_dims = [d.name for d in layer.dimensions if root and d.table == root
                and _group_word(d.name, catalog, layer) == _singular(thing)] if thing else []
    if len(own_dims) == 1 and not names_thing:
        # "the top 3 states by number of customers": the customers' own state
        args["group_by"] = own_dims
        notes.append(f"group_by {own_dims[0]}: the question asks which {thing}")
        return own_dims
    if thing and not names_thing and root in catalog.tables:
        # "which decision has the order agent made most often": a column of that name
        column = catalog.tables[root].column(thing)
        if column is not None and column.kind == "text":
            args["group_by"] = [column.ref]
            notes.append(f"group_by {column.ref}: the question asks which {thing}"
                         + (f", not by {', '.join(grouped)}" if grouped else ""))
            return [column.ref]
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    # "which warehouse has the lowest handling time": its rows' own column, row by row;
    # "which orders were cancelled": the rows themselves
    own_column = first is not None and re.fullmatch(
        rf"(min|max|avg|sum|median)\({root}\.\w+\)", first.sql.replace(" ", "")) is not None
    listed = not _SUPERLATIVE.search(words) and not _HOW_MANY.search(words)
    most = _MOST_OF.search(words, asked.end()) if asked and len(keys) == 1 else None
    # "which product appears on the most orders": its distinct orders among the order
    # lines that link the two (not its purchase orders, which "orders" also ends)
    link = _link_table(most.group(1), subject, catalog, layer) if most and subject else None
    counted = _table_of_count(most.group(1), subject, catalog, layer) \
        if most and link is None else None
    count = _row_count(counted[0], catalog, layer) if counted else None
    if link is not None:
        counted, count = (link[0], link[1]), f"count_distinct({link[0]}.{link[2]})"
    if subject is not None and 1 < len(keys) <= MAX_GROUPS and subject == root and (
            the_most and own_column or listed) and not names_thing:
        # "the most expensive lane", "which lanes take 3 days": a lane is its carrier,
        # origin and destination
        args["group_by"] = [f"{subject}.{k}" for k in keys]
        notes.append(f"group_by {', '.join(keys)}: the question asks which {subject}")
        return list(args["group_by"])
    if subject is None or len(keys) != 1 or subject == root and not (
            own_column or listed or counted) or names_thing or any(
            # "which states": customer_state is one (its last word names it)
            g.partition(".")[2] in (keys[0], "name") and catalog.column(g) is not None
            for g in grouped):
        return grouped
    if counted and count and root != counted[0]:  # "placed the most orders": a count of them
        args["metrics"], root = [count], counted[0]
        notes.append(f"metric {count}: the question ranks {subject} by their {root}")
        _drop_unreached(args, root, catalog, layer, notes)
    own = root in catalog.tables and catalog.tables[root].column(keys[0]) is not None
    key = f"{root}.{keys[0]}" if own else f"{subject}.{keys[0]}"
    if cost(key)[0] >= _UNREACHABLE:
        return grouped
    args["group_by"] = [key]
    notes.append(f"group_by {key}: the question asks which {subject}"
                 + (f", not by {', '.join(grouped)}" if grouped else ""))
    return [key]


_MOST_COMMON = re.compile(r"\b(?:most|least) (?:common|frequent|popular|usual|often used) "
                          r"((?:\w+ ){0,2}\w+)")


def _most_common(args: dict[str, Any], grouped: list[str], words: str, catalog: Catalog,
                 root: str | None, notes: list[str]) -> list[str]:
    """"What is the most common order status": a breakdown by the text column of the
    query's table that the words name (the ranking then picks the first)."""
    said = _MOST_COMMON.search(words)
    if said is None or grouped or root not in catalog.tables:
        return grouped
    named = set(phrase(said.group(1)).split())
    columns = [c for c in catalog.tables[root].columns
               if c.kind == "text" and not c.name.endswith("_id")
               and phrase(c.name.replace("_", " ")).split()[-1] in named]
    if len(columns) != 1:
        return grouped
    args["group_by"] = [columns[0].ref]
    notes.append(f"group_by {columns[0].ref}: the question asks for the most common one")
    return [columns[0].ref]


def _said_flags(filters: list[dict[str, Any]], said: str, catalog: Catalog,
                notes: list[str]) -> list[dict[str, Any]]:
    """A yes/no column is a condition only where the question says its word ("available",
    "primary"); otherwise the model made it up ("variants that sold nothing" are not only
    the available ones). Named conditions over such columns are segments ("sold out")."""
    kept = []
    for f in filters:
        column = catalog.column(str(f.get("field")))
        if column is not None and column.kind == "bool" and not any(
                f" {w} " in said for w in phrase(column.name.replace("_", " ")).split()
                if w not in ("is", "has")):
            notes.append(f"filter on {column.ref} dropped: the question does not say it")
            continue
        kept.append(f)
    return kept


def _flags_said(filters: list[dict[str, Any]], words: str, catalog: Catalog,
                layer: SemanticLayer, cost: Callable[[str], tuple[int, int]],
                notes: list[str]) -> list[dict[str, Any]]:
    """"The average list price of available variants", "variants that are (not)
    available": a yes/no column said as an adjective of its table's things is a
    condition, true, or false when "not" comes right before it."""
    added = []
    for table in catalog.tables.values():
        note = layer.tables.get(table.name)
        nouns = "|".join(re.escape(phrase(n)) for n in (
            table.name.replace("_", " "), *(note.synonyms if note else [])))
        for c in table.columns:
            word = c.name.removeprefix("is_").removeprefix("has_").replace("_", " ")
            if c.kind != "bool" or any(f.get("field") == c.ref for f in filters) \
                    or cost(c.ref)[0] >= _UNREACHABLE:
                continue
            before = re.search(rf"\b{word} (?:\w+ )?(?:{nouns})s?\b", phrase(words))
            after = re.search(rf"\b(?:{nouns})s? (?:(?:that|which) )?(?:are|is|were|was) "
                              rf"(?:still |currently )?(?P<no>not |no longer )?{word}\b",
                              phrase(words))
            if after is not None:
                holds = not after["no"]
            elif before is not None and not _negated(words, word):
                holds = True
            else:
                continue
            added.append({"field": c.ref, "op": "=", "value": holds})
            notes.append(f"filter {c.ref} = {str(holds).lower()}: the question says "
                         f"{'' if holds else 'not '}{word}")
    return added


def _which_not_null(filters: list[dict[str, Any]], grouped: list[str], words: str,
                    catalog: Catalog, notes: list[str]) -> None:
    """"Which card brands do customers use": the brands there are; a method with no brand
    (PayPal) answers no "which", so rows without a value in the text column grouped by
    (when the question asks "which" of it) are left out."""
    asked = _WHICH.match(words)
    if asked is None or len(grouped) != 1:
        return
    column = catalog.column(grouped[0])
    thing = set(tokens(asked.group(1)))
    if column is None or column.kind != "text" or column.name.endswith("_id") \
            or not set(tokens(column.name)) & thing:
        return
    if not any(f.get("field") == column.ref for f in filters):
        filters.append({"field": column.ref, "op": "is_not_null", "value": None})
        notes.append(f"filter {column.ref} is_not_null: the question asks which {column.name}")


_GENERIC = frozenset({"name", "id", "count", "number", "total", "value", "type", "kind"})


def _unasked_groups(args: dict[str, Any], grouped: list[str], words: str,
                    layer: SemanticLayer, notes: list[str]) -> list[str]:
    """"Which 2 products appear on the most cancelled lines": a breakdown by product, not
    also by the order's city. A column or dimension none of whose words the question says
    goes, when another group's words are said (calendar grains stay)."""
    said = set(tokens(words))

    def asked(ref: str) -> bool:  # a dimension by its own words ("city" of order_city)
        dim = layer.dimension(ref)
        texts = [dim.name, dim.label, *dim.synonyms] if dim else [ref.replace(".", " ")]
        own = {w for t in texts for w in tokens(t)} - _GENERIC
        if dim is not None:
            own = own - set(tokens(dim.table.replace("_", " "))) or own
        return bool(own & said)

    shown = [g for g in grouped if g in _DATE_GRAINS or asked(g)]
    if not shown or len(shown) == len(grouped):
        return grouped
    dropped = [g for g in grouped if g not in shown]
    args["group_by"] = shown
    notes.append(f"group_by {dropped} dropped: the question asks for no such breakdown")
    return shown


def _nearer_groups(args: dict[str, Any], grouped: list[str], layer: SemanticLayer,
                   cost: Callable[[str], tuple[int, int]], notes: list[str]) -> list[str]:
    """A breakdown by a column that a dimension takes the values of nearer the query's
    table ("customers in each region": the customer's region, not the region of the
    warehouses that reserved their orders' stock)."""
    nearer = list(grouped)
    for i, ref in enumerate(grouped):
        best = min((d for d in layer.dimensions if d.values_of == ref),
                   key=lambda d: cost(d.name), default=None)
        if best is not None and cost(best.name) < cost(ref):
            nearer[i] = best.name
            notes.append(f"group_by {best.name}, not {ref}: the same values, nearer")
    if nearer != grouped:
        args["group_by"] = nearer
    return nearer


# "For each region", "per country", "in every one of our cities": a breakdown by the
# thing's attribute the words name.
_EACH = re.compile(r"(?:\b|^\W*)(each|every|per|by|(?<![\w ])which|"
                   r"(?<=^in |^to |^at |^on )which|(?<=^for )which|(?<=^from )which)"
                   rf"(?: single| (?:one )?of (?:the|our|its|their)| (?:top )?{_FEW}(?= \w))?"
                   r" (?P<thing>(?:\w+ ){0,2}\w+)")
_NOT_ATTRIBUTES = _GENERIC | {"status", "source"}  # the same name means other things per table


def _spell(name: str) -> str:
    """A column's name as words, its abbreviations spelled out ("destination region")."""
    return " ".join(_SPELLED.get(w, w) for w in name.split("_"))


def _spelled(name: str) -> str:
    return phrase(_spell(name))


def _group_word(ref: str, catalog: Catalog, layer: SemanticLayer) -> str | None:
    """The attribute a breakdown reads, in one word: a column's name, a dimension's
    label's last word ("shipping region": region)."""
    dim = layer.dimension(ref)
    if dim is not None:
        label = dim.label.lower().split() if dim.label else []
        return phrase(label[-1]) if label else None
    column = catalog.column(ref)
    return column.name if column is not None and column.kind in ("text", "number") else None


def _said_breakdown(args: dict[str, Any], grouped: list[str], words: str, catalog: Catalog,
                    layer: SemanticLayer, root: str | None,
                    cost: Callable[[str], tuple[int, int]], notes: list[str]) -> list[str]:
    """A breakdown by the attribute the question names, from the table nearest the
    query's: "pending orders headed to each region" is by the orders' region, not by
    state; "units free to sell for each region" is by the warehouses' region, not the
    region of the same items' sales."""
    said = set(phrase(words).split())

    def holders(word: str) -> list[str]:
        if word in _NOT_ATTRIBUTES:
            return []
        # one word ("region") or a column's two spelled out ("destination region")
        refs = [c.ref for t in catalog.tables.values() for c in t.columns
                if word in (c.name, _spelled(c.name)) and c.kind in ("text", "number")]
        refs += [d.name for d in layer.dimensions if word in (
            _group_word(d.name, catalog, layer), phrase(d.label))]
        owner, _, attribute = word.partition(" ")
        if not refs and attribute and (table := _table_named(owner, catalog, layer)):
            # "by supplier country": the column of the table the first word names
            refs = [c.ref for c in catalog.tables[table].columns
                    if attribute == _spelled(c.name) and c.kind == "text"]
        return [r for r in refs if cost(r)[0] < _UNREACHABLE]

    nearer = list(grouped)
    for i, ref in enumerate(grouped):
        word = _group_word(ref, catalog, layer)
        if word is None or word not in said:
            continue
        best = min(holders(word), key=cost, default=ref)
        if cost(best) < cost(ref):
            nearer[i] = best
            notes.append(f"group_by {best}, not {ref}: the same {word}, nearer")
    for how, thing in _breakdowns_said(words):
        word = _singular(thing.split()[0])
        if holders(two := phrase(" ".join(thing.split()[:2]))):
            word = two
        # "by"/"which": a text attribute ("by region", "which city"), not a measure
        options = [r for r in holders(word) if how in ("each", "every", "per")
                   or (catalog.column(r) or _TEXT).kind == "text"]
        if not options and not nearer and how in ("each", "per", "by"):
            options = _key_of(thing, root, catalog, layer, cost)  # "for each supplier"
        if not options or any(_group_word(g, catalog, layer) == word for g in nearer):
            continue
        unsaid = [i for i, g in enumerate(nearer) if _group_word(g, catalog, layer) not in said]
        if len(nearer) and not unsaid:
            continue
        best = min(options, key=cost)
        if unsaid:
            notes.append(f"group_by {best}, not {nearer[unsaid[0]]}: the question asks "
                         f"for each {word}")
            nearer[unsaid[0]] = best
        else:
            notes.append(f"group_by {best}: the question asks for each {word}")
            nearer.append(best)
    if nearer != grouped:
        args["group_by"] = nearer
    return nearer


_TEXT = CatalogColumn(table="", name="", type="VARCHAR")  # a dimension reads as text


# Participles with no -ed: "paid by card", "sold by BargainBay" say how or who.
_DONE_WORDS = frozenset({"paid", "sold", "made", "bought", "sent", "held", "run", "done",
                         "taken", "given", "shipped", "kept", "set", "put", "brought", "won"})


def _breakdowns_said(words: str) -> list[tuple[str, str]]:
    """(how, the noun phrase) of each breakdown the words ask for: "for each region",
    "per purchase order", "by customer" (singular: "placed by customers" names who),
    "which city"."""
    found = []
    for match in _EACH.finditer(words):
        how = match.group(1)
        thing = " ".join(itertools.takewhile(lambda w: w not in _PHRASE_ENDS,
                                             match.group("thing").split()))
        before = words[:match.start()].split()[-1:]
        if not thing or how == "by" and (
                phrase(thing.split()[-1]) != thing.split()[-1]  # "by customers": who
                or before and (before[0].endswith("ed") or before[0] in _DONE_WORDS)):
            continue  # "paid by credit card": how, not a breakdown
        found.append((how, thing))
    return found


def _key_of(thing: str, root: str | None, catalog: Catalog, layer: SemanticLayer,
            cost: Callable[[str], tuple[int, int]]) -> list[str]:
    """The key of the table ``thing`` names, as a breakdown: on the nearest table holding
    it (a purchase order's supplier_id, not the suppliers' own), [] when none is reached
    or it is the query's own rows' key (one row per group)."""
    table = _table_named(thing, catalog, layer) if thing.split()[0] not in _PER_GRAIN else None
    keys = catalog.tables[table].primary_key if table in catalog.tables else []
    if table is None or len(keys) != 1 or root in catalog.tables and \
            catalog.tables[root].primary_key == keys:
        return []
    refs = [f"{t.name}.{keys[0]}" for t in catalog.tables.values() if t.column(keys[0])]
    best = min(refs, key=cost, default=None)
    return [best] if best is not None and cost(best)[0] < _UNREACHABLE else []


# "the most expensive single lane", "its cheapest single variant": one row's value
_SINGLE = re.compile(rf"\b(?:(?P<low>{_ASCENDING}|least expensive)|{_DESCENDING}|most expensive"
                     rf"|priciest|dearest) single\b")


def _single_row(args: dict[str, Any], words: str, layer: SemanticLayer,
                notes: list[str]) -> None:
    """"Which carrier has the most expensive single lane": an average term over one
    column ranks that column's highest (lowest) row instead."""
    said = _SINGLE.search(words)
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    column = _ONE_COLUMN.fullmatch(first.sql) if first is not None else None
    if said is None or first is None or column is None or first.filter \
            or column.group(1).lower() != "avg":
        return
    single = f"{'min' if said['low'] else 'max'}({column.group(2)})"
    args["metrics"] = [single, *metrics[1:]]
    notes.append(f"metric {single}, not {first.name}: the question asks for a single row's")


def _rehome_to_final_table(args: dict[str, Any], linked: Linked, catalog: Catalog,
                           layer: SemanticLayer, notes: list[str]) -> None:
    """The named values' filters, again, nearest the table the query ends up counting
    from: a rule may have changed the metric after they were placed ("what percentage of
    orders were delivered": the orders' status, not their lines')."""
    root = _root(args.get("metrics"), [g for g in args.get("group_by") or []
                                       if isinstance(g, str)], layer)
    if root not in catalog.tables:
        return
    cost = _cost_from(root, catalog, layer)
    for key in ("filters", "share"):
        for f in args.get(key) or []:
            if isinstance(f, dict) and isinstance(f.get("value"), str | list):
                _rehome(f, linked, cost, notes)


def _cost_from(root: str | None, catalog: Catalog,
               layer: SemanticLayer) -> Callable[[str], tuple[int, int]]:
    """How far a field (a table.column or a dimension) lies from ``root`` (``_cost``)."""
    def cost(ref: str) -> tuple[int, int]:
        dim = layer.dimension(ref)
        return _cost(catalog, root, f"{dim.table}." if dim is not None else ref)
    return cost


def _rehome(f: dict[str, Any], linked: Linked, cost: Callable[[str], tuple[int, int]],
            notes: list[str]) -> None:
    """Move a filter whose values the question names to the column that holds them
    nearest the query's table without multiplying its rows ('Columbus' is a warehouse's
    city, not a warehouse id; a T-shirt is a product name, not an order line's)."""
    value = f.get("value")
    values = value if isinstance(value, list) else [value]
    hits = [next((h for h in linked.values if isinstance(v, str)
                  and phrase(v) in (phrase(h.value), phrase(h.words))), None) for v in values]
    if not hits or any(h is None for h in hits):
        return
    shared = set.intersection(*(set(h.columns) for h in hits if h is not None))
    if not shared:
        return
    field = str(f.get("field", ""))
    first = next(h for h in hits if h is not None)
    best = min((c for c in first.columns if c in shared), key=cost)  # ties: the list's order
    stored = [h.value for h in hits if h is not None]
    as_stored = stored if isinstance(value, list) else stored[0]
    if field != best and (field not in shared or cost(best) < cost(field)) \
            and cost(best)[0] < _UNREACHABLE:
        notes.append(f"filter on {field} moved to {best}, which holds {value!r}")
        f["field"], f["value"] = best, as_stored
    elif field in shared and value != as_stored:
        notes.append(f"filter {field} = {as_stored!r}, as stored for {value!r}")
        f["value"] = as_stored


def _root(metrics: Any, grouped: list[str], layer: SemanticLayer) -> str | None:
    """The table the query counts from: its first metric's (else its first column's)."""
    names = [m for m in metrics if isinstance(m, str)] if isinstance(metrics, list) else []
    for name in [*names, *grouped]:
        metric = layer.metric(name)
        if metric is not None:
            return metric.table
        column = _COLUMN.search(name)
        if column:
            return column.group(1)
    return None


def _cost(catalog: Catalog, root: str | None, ref: str) -> tuple[int, int]:
    """(joins that multiply rows, joins) from the query's table to the column's;
    ``_UNREACHABLE`` when no join leads there."""
    table = ref.partition(".")[0]
    if root is None:
        return (0, 0)
    path = catalog.path(root, table)
    if path is None:
        return (_UNREACHABLE, _UNREACHABLE)
    fanouts, at = 0, root
    for join in path:  # from the key's side to the referencing side, rows multiply
        fanouts += join.right == at
        at = join.left if join.right == at else join.right
    return (fanouts, len(path))


def _value_filters(linked: Linked, filters: list[dict[str, Any]],
                   words: str, notes: list[str], cost: Callable[[str], tuple[int, int]],
                   subjects: set[str]) -> list[dict[str, Any]]:
    """Filters for the category values the question names that the query lacks, each on
    the holding column nearest the query's table (none when no join reaches it)."""
    filtered = {str(f.get("field")) for f in filters}
    by_column: dict[str, list[str]] = {}
    for hit in linked.values:
        if any(c in filtered for c in hit.columns):
            continue  # the model filtered that column (its choice of value stands)
        if phrase(hit.value) in subjects and not _before_its_column(hit, words):
            continue  # "orders" is what is counted, not the agent named 'order'
        if re.fullmatch(r"[\d.,]+\s*%?", hit.value) and any(
                hit.value.rstrip("% ") in m.group(0)
                for m in [*_BOUND.finditer(words), *_BETWEEN.finditer(words)]):
            continue  # "a balance of at least $80" names no size '80%'
        if not _said_outside(hit.words, words, _UNIT_PHRASE):
            continue  # "in percent" is the unit of the figure asked for, no kind 'percent'
        nearest = min(hit.columns, key=cost)
        if cost(nearest)[0] < _UNREACHABLE:
            by_column.setdefault(nearest, []).append(hit.value)
    added = []
    for field, values in by_column.items():
        said = {h.value: h.words for h in linked.values}
        negated = any(_negated(words, said.get(v, v)) for v in values)
        f: dict[str, Any]
        if len(values) == 1:
            f = {"field": field, "op": "!=" if negated else "=", "value": values[0]}
        else:
            f = {"field": field, "op": "not_in" if negated else "in", "value": values}
        notes.append(f"filter {field} {f['op']} {f['value']!r}: the question names it")
        added.append(f)
    return added


# "in percent", "as a percentage", "in dollars", "what percent off": the unit a figure is
# asked in
_UNIT_PHRASE = re.compile(r"\b(?:in|as an?) (?:percent|percentage|dollars|days|units)\b|"
                          r"\b(?:what|how many) percent(?:age)?\b")


def _said_outside(value: str, words: str, pattern: re.Pattern[str]) -> bool:
    """Whether ``value`` is said somewhere in ``words`` other than where ``pattern`` is."""
    return f" {phrase(value)} " in f" {phrase(pattern.sub(' ', words))} "


def _before_its_column(hit: ValueHit, words: str) -> bool:
    """Whether the question says the value just before its column's name ("the order
    agent", "the express service"): a value then, even one that names a table."""
    said = f" {phrase(words)} "
    return any(f" {phrase(hit.words)} {phrase(c.partition('.')[2].replace('_', ' '))} " in said
               for c in hit.columns)


def _segment_filters(layer: SemanticLayer, filters: list[dict[str, Any]], said: str,
                     words: str, notes: list[str],
                     cost: Callable[[str], tuple[int, int]]) -> list[dict[str, Any]]:
    """A filter for each named condition the question names ("sold out"), false after a
    negation ("not sold out"); none when the query filters it or no join reaches it. A
    model's filter whose value is a word of that name ('main' of "main supplier") goes."""
    added = []
    filtered = {str(f.get("field")) for f in filters}
    for seg in layer.segments:
        named = [p for p in [seg.name.replace("_", " "), seg.label, *seg.synonyms]
                 if _name_said(p, said)]
        if not named or seg.name in filtered or cost(f"{seg.table}.x")[0] >= _UNREACHABLE:
            continue
        negated = _negated(words, named[0])
        # the segment says it: a value that is a word of its name, or any condition on a
        # column it reads ("available != true" beside "sold out" would contradict it)
        inside = [g for g in filters if isinstance(g.get("value"), str) and g["value"].strip()
                  and f" {phrase(g['value'])} " in f" {phrase(named[0])} "
                  or re.search(rf"\b{re.escape(str(g.get('field')))}\b", seg.sql)]
        if inside:
            filters[:] = [g for g in filters if g not in inside]
            notes.append(f"filters on {sorted({str(g.get('field')) for g in inside})} "
                         f"dropped: {named[0]!r} says them")
        f = {"field": seg.name, "op": "=", "value": not negated}
        notes.append(f"filter {seg.name} = {not negated}: the question names it")
        added.append(f)
    return added


def _name_said(name: str, said: str) -> bool:
    """Whether ``said`` (a phrase, padded) says ``name``: as written, or a name with "the"
    with another determiner and perhaps one more word ("cut the price": "cut a list price",
    "lowered its price")."""
    written = phrase(name)
    if f" {written} " in said:
        return True
    if " the " not in f" {written} ":
        return False
    pattern = r"\b" + r" (?:the|a|an|its|our|their|this|that)(?: \w+)? ".join(
        re.escape(part.strip()) for part in f" {written} ".split(" the ")).strip() + r"\b"
    return re.search(pattern, said) is not None


def _negated(words: str, value: str) -> bool:
    """Whether a negation stands within a few words before ``value``."""
    at = words.find(value.lower())
    if at < 0:
        return False
    before = words[:at].split()[-_NEGATED_WINDOW:]
    return bool(_NEGATION.search(" ".join(before)))


def _period(words: str) -> str | None:
    for pattern, period in _PERIODS:
        if pattern.search(words):
            return period
    return None


def _as_of_today(args: dict[str, Any], layer: SemanticLayer, notes: list[str]) -> None:
    """"Running today" with a metric that already holds the rows current on the business
    date (active promotions): the period "today" would keep only the rows that began today."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    if args.get("period") == "today" and first is not None and "{as_of}" in (first.filter or ""):
        args["period"] = "all"
        notes.append(f"period all: {first.name} already counts what is current today")


def _period_column(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
                   notes: list[str]) -> None:
    """"Purchase orders due to arrive in the next 7 days": the period applies to the date
    column the words name (expected_on), not the metric's own (ordered_on)."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    metric = layer.metric(metrics[0]) if metrics else None
    if args.get("period") in (None, "all") or metric is None:
        return
    column = date_column(args, words, catalog, layer)
    own = metric.time_column or layer.time_column(metric.table)
    if column is not None and own is not None and column != own \
            and column.partition(".")[0] == metric.table:
        args["period_on"] = column
        notes.append(f"period_on {column}: the date the question means")


def _rank(args: dict[str, Any], words: str, notes: list[str]) -> None:
    """Order and limit from "top 5", "which 2 ... most", "the cheapest"; "most first"
    only orders."""
    top = _TOP_N.search(words)
    pick = _PICK.search(words)
    which_n = _WHICH_N.match(words)
    ranked = _SUPERLATIVE.search(words)
    n: int | None
    extremes = any(str(m).startswith(("min(", "max(")) for m in args.get("metrics") or [])
    if extremes and top is None and which_n is None and any(
            how in ("each", "every", "per") for how, _ in _breakdowns_said(words)):
        # "for each carrier, the shortest and longest transit times": the superlatives
        # are each group's extremes, not a ranking of the groups
        if args.get("limit") and float(args["limit"]) not in _stated_numbers(words):
            notes.append(f"limit {args['limit']} dropped: each group's extremes are asked")
            args["order"], args["limit"] = "none", None
        return
    if top is not None:
        number = next(g for g in (top.group(2), top.group(3)) if g)
        n = int(number) if number.isdigit() else _WORDS[number]
        order = "asc" if _ASC.search(top.group(0)) else "desc"
    elif which_n is not None and ranked is not None:
        # "which 3 suppliers have we spent the most with": as many as it asks for
        number = which_n.group(1)
        n = int(number) if number.isdigit() else _WORDS[number]
        order = "asc" if _ASC.search(ranked.group(0)) else "desc"
    elif pick is not None:
        n, order = 1, "asc" if _ASC.search(pick.group(0)) else "desc"
    elif (sorted_by := _SUPERLATIVE.search(words)) is not None:
        n, order = args.get("limit"), "asc" if _ASC.search(sorted_by.group(0)) else "desc"
        which = _WHICH.match(words)
        thing = which.group(1).split()[0] if which else ""
        if thing and phrase(thing) == thing and not thing.isdigit():
            n = 1  # "which decision ... most often": one (a plural would ask for several)
    else:
        if args.get("limit") and not _stated(args["limit"], words):
            # "which products have a promotion running": all of them, not the model's 10
            notes.append(f"limit {args['limit']} dropped: the question ranks nothing")
            args["order"], args["limit"] = "none", None
        return
    if (args.get("order"), args.get("limit")) != (order, n):
        notes.append(f"order {order}, limit {n}: as the question ranks")
        args["order"], args["limit"] = order, n
