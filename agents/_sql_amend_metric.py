"""What the question measures: the term or column aggregate its words ask for, when
they settle it ("how many units", "the average unit cost", "the most gross profit",
"which 3 suppliers ... the most orders"). A step of ``_sql_amend``."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from typing import Any

from ._semantic import Metric, SemanticLayer
from ._sql_amend_common import (
    _ASCENDING,
    _BETWEEN,
    _BOUND,
    _BOUND_OPS,
    _DESCENDING,
    _HOW_MANY,
    _LIST,
    _NEGATION,
    _ONE_COLUMN,
    _PER_GRAIN,
    _PHRASE_ENDS,
    _SHARE_HEAD,
    _SIMPLE_CONDITION,
    _SUPERLATIVE,
    _TERM_FILLER,
    _UNIT_WORDS,
    _UNREACHABLE,
    _WHICH,
    _a_named_thing,
    _asked_table,
    _cost,
    _counted_table,
    _drop_unreached,
    _field_table,
    _head_table,
    _names,
    _participle,
    _plain_number,
    _row_count,
    _segment_table,
    _singular,
    _spell,
    _stem,
    _subjects,
    _table_named,
    _table_words,
    _tables_said,
    _term_conditions,
    _term_said,
    _term_written,
)
from ._sql_amend_filters import _UNIT_PHRASE, _in_table_names, _said_outside
from ._sql_calendar import _MONTH as _MONTH_NAMES
from ._sql_calendar import date_extreme
from ._sql_catalog import Catalog
from ._sql_linking import Linked, ValueHit, phrase, tokens
from ._sql_query import MAX_FILTERS, MAX_METRICS, totals_only

# "what was our revenue", "how did our revenue in october compare with september"
_ASKED_FOR = re.compile(r"^(?:(?:what|which) (?:(?:is|was|are|were) )?|"
                        r"how (?:did|does|do|has|have|is|was|are|were) )(?:(?:the|our) )?(.*)$")
# a period said before the term: "october 2026 revenue", "q3 2026 sales", "last month s"
_PERIOD_FIRST = re.compile(rf"^ (?:(?:{_MONTH_NAMES}|q[1-4]|20\d\d|last|this|month|week|year|"
                           r"quarter|s)\s)+")
# "units sold per region last month", "total revenue by month": a headline, the term first
_HEADLINE = re.compile(r"^(?:(?:show|list|give|get)(?: me)? )?(?:(?:the|our) )?(?!what\b|which\b|how\b)(.*)$")
# "how many units shipped out of Denver": what is counted or summed
_HOW_MANY_ANCHOR = re.compile(r"\bhow many (.*)$")
# "which 3 products made the most gross profit": what the things are ranked by
_RANKED_BY = re.compile(rf"\b(?:the|our) (?:{_DESCENDING}|{_ASCENDING}) (.*)$")
# "how many units", and a question that opens with the units it asks for ("units on open
# purchase orders due ...?", "total units ...")
_UNITS_ASKED = re.compile(r"\bhow many units\b|^\W*(?:(?:what (?:is|are) )?(?:the )?"
                          r"(?:total|number of) )?units\b|"
                          # "what quantity is still outstanding", "the total quantity",
                          # "quantity still on order in open POs"
                          r"\bwhat (?:total )?quantity\b|\bthe total quantity\b|"
                          r"^\W*(?:the )?(?:total )?quantity\b")
# "how many days does it take", "how many days did the orders need": a length of time
_DAYS_ASKED = re.compile(r"^\W*(?:on average, )?how many days (?:does|do|did|will|would)\b")
_NEGATED_WORD = re.compile(r"\b(?:not(?: yet)?|never|yet to be|no longer) \w+")
# "what share of revenue came from ...", not "margin as a percentage of revenue" (a ratio)
_SHARE_OF = re.compile(rf"{_SHARE_HEAD} (?:(?:the|our|all) )*(.*)$")
# ("how much higher or lower was revenue in October": the term after the comparison)
_HOW_MUCH_MORE = re.compile(r"\bhow much (?:(?:more|less|higher|lower|bigger|smaller|greater)"
                            r"(?: or (?:more|less|higher|lower|bigger|smaller))? )?"
                            r"(?:(?:was|is|were|are|did|does) )?(?:(?:the|our) )?(.*)$")
_BOUND_OF = re.compile(r"\b(?:more|fewer|less|greater) than [\d,.]+ (.*)$")
# "Which warehouse holds the most units", "the fewest units": a sum of units, ranked.
_UNITS_RANKED = re.compile(rf"\b(?:{_DESCENDING}|{_ASCENDING}) (?:(?:number|amount|total|count) of )?"
                           r"(?:(?P<kind>[a-z]+) )?units\b")
_VALUE_OF = re.compile(r"\bvalue of (?:(?:the|our|all) )*((?:\w+ ){0,3}\w+)")
# those who buy from us: what they buy is what we sell
_BUYERS = r"(?:customers|shoppers|buyers|clients|people)"
_BUY = ("buy", "bought", "purchase", "purchased")
# "How many units did we receive": the measure is the noun and the verb ("units received").
_DONE_TO = re.compile(r"\bhow many (\w+(?: \w+)??) (?:did|do|does|have|has|had|will) (?:we|you|"
                      rf"they|(?P<buyers>(?:(?:our|the) )?{_BUYERS})|our \w+|the \w+) (\w+)|"
                      r"\bhow many (\w+(?: \w+)??) (?:were |was |"
                      r"have been |got )?(sold|bought|ordered|received|shipped|returned)\b|"
                      # "the days on which we sold over 1,500 units": units sold, bounded
                      r"\b(?:we|they|you) (sold|sell|bought|buy|ordered|order|received|receive|shipped|ship|"
                      r"returned|return) (?:(?:over|"
                      r"above|under|below|more than|fewer than|less than|at least|at most|exactly) )?"
                      r"[\d,.]+ (\w+)")


# "the busiest day by units sold": the measure a ranking or breakdown is by
# (not "weighted by units sold": the weight of an average, not the measure asked)
_BY_MEASURE = re.compile(r"(?<!\bweighted )(?<!\bweighting )(?<!\bweight )\bby (.*)$")
# "our single best day ever for revenue": the measure that ranks
_FOR_MEASURE = re.compile(r"\b(?:best|worst|top|biggest|strongest|weakest|busiest|quietest) "
                          r"(?:\w+ ){0,3}?for (.*)$")
_BY_NUMBER = re.compile(r"\bby (?:the )?((?:number|count) of .*)$")


_CATEGORY = re.compile(r"\s*(?:AND\s+)?[\w.]+\s*=\s*'[^']*'\s*", re.IGNORECASE)


# "in total", "ever", "of all time": not only what runs on the business date
_EVER = re.compile(r"\b(?:in total|ever|of all time|all time|altogether|to date)\b")


def _use_metric(args: dict[str, Any], metric: Metric, why: str, was: list[str],
                catalog: Catalog, layer: SemanticLayer, notes: list[str]) -> None:
    """The query's metric becomes ``metric`` (noted with ``why`` and the one it replaces);
    breakdowns and filters its table cannot reach go."""
    args["metrics"] = [metric.name]
    notes.append(f"metric {metric.name}: {why}" + (f", not {was[0]}" if was else ""))
    _drop_unreached(args, metric.table, catalog, layer, notes)


# "to the cent", "in dollars": an amount of money is asked
_IN_MONEY = re.compile(r"\bto the (?:cent|penny|nearest (?:cent|dollar))\b|\bin dollars\b|"
                          r"\bhow many dollars\b")


def _money_asked(args: dict[str, Any], words: str, layer: SemanticLayer,
                 notes: list[str]) -> None:
    """"How much did gross margin change from September to October, to the cent": the
    money term of the percent term's own words (gross margin, not gross margin %), when
    the question asks for money and says no percentage."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    if first is None or first.format != "percent" or not _IN_MONEY.search(words) \
            or re.search(r"\bpercent|%", words):
        return
    own = set(tokens(first.label))
    twins = [m for m in layer.metrics if m.table == first.table and m.format == "money"
             and set(tokens(m.label)) and set(tokens(m.label)) <= own]
    if len(twins) == 1:
        args["metrics"] = [twins[0].name, *metrics[1:]]
        notes.append(f"metric {twins[0].name}, not {first.name}: the question asks for money")


# "the most money committed", "in dollars": money asked, whatever the term counts
_MONEY_SAID = re.compile(r"\b(?:money|dollars?)\b")


def _money_of_units(args: dict[str, Any], words: str, layer: SemanticLayer,
                    notes: list[str]) -> None:
    """"Which supplier do we have the most money committed to in restock orders that
    haven't arrived yet": a units term where the question asks for money is the money
    term of the same table."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if len(metrics) == 1 else None
    if first is None or first.format != "units" or not _MONEY_SAID.search(words) \
            or re.search(r"\bhow many units\b", words):
        return
    twins = [m for m in layer.metrics if m.table == first.table and m.format == "money"
             and m.filter in (None, first.filter)]
    if len(twins) != 1:
        return
    # (no condition of the units term carried over: the question's own words keep the
    # rows, "haven't arrived yet")
    args["metrics"] = [twins[0].name]
    notes.append(f"metric {twins[0].name}, not {first.name}: the question asks for money")


# "how much is each refund for", "how much were the refunds, on average": an amount
_HOW_MUCH_IS = re.compile(r"\bhow much (?:is|was|are|were|did|does|do)\b")
_EACH_ONE = re.compile(r"\b(?:each|every|a single|one|per|on average|average|typical)\b")


def _amount_of_count(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
                     notes: list[str]) -> bool:
    """"On average, how much is each refund transaction for": "how much" asked of a count
    of rows whose table has one amount: its average (of each one) or its total, over the
    rows the count's condition keeps. True when it changed."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    if first is None or first.format != "count" or not _HOW_MUCH_IS.search(words) \
            or _HOW_MANY.search(words) or first.table not in catalog.tables:
        return False
    amounts = [c.ref for c in catalog.tables[first.table].columns if c.kind == "number"
               and not c.name.endswith(("_id", "_no", "position", "seq"))]
    if len(amounts) != 1:
        return False
    metric = f"{'avg' if _EACH_ONE.search(words) else 'sum'}({amounts[0]})"
    held = args.get("filters") or []
    kept = [f for f in _term_conditions(first) if f not in held]
    args["metrics"], args["filters"] = [metric, *metrics[1:]], [*held, *kept]
    notes.append(f"metric {metric}: the question asks how much, not {first.name}")
    return True


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


def _qualifies_other(after: str, table: str, catalog: Catalog, layer: SemanticLayer) -> bool:
    """Whether a count's words qualify the things said right after them, of another table
    ("the most sold-out variants": variants that are sold out, not out-of-stock locations;
    "the most sold products" are ranked by a measure, which is no count)."""
    named = _table_named(" ".join(after.split()[:1]), catalog, layer)
    return named is not None and named != table


def _inside_condition(term: str, anchor: str, layer: SemanticLayer) -> bool:
    """Whether ``anchor`` starts with a named condition longer than ``term`` ("sold out"
    is a condition of variants; "sold" inside it names no units sold), or with ``term``
    before one ("price markdowns": markdowns of a price, no list price)."""
    # (a condition that starts with a past verb says what the term's rows did: "price
    # changes lowered the price" are price changes)
    return any(anchor.startswith(f" {phrase(n)} ") and len(phrase(n).split()) > len(term.split())
               or anchor.startswith(f" {term} {phrase(n)} ") and not n.split()[0].endswith("ed")
               for seg in layer.segments for n in (seg.label, *seg.synonyms))


def _term_words(catalog: Catalog, layer: SemanticLayer) -> set[str]:
    """Every word of a term's or table's name (as ``phrase`` writes it)."""
    return {w for m in layer.metrics for n in (m.label, *m.synonyms)
            for w in phrase(n).split()} | _table_words(layer) | {
        w for t in catalog.tables for w in phrase(t.replace("_", " ")).split()}


def _named_metric(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
                  notes: list[str]) -> bool:
    """"What gross profit did we make", "which products made the most gross profit": the
    metric the question asks for by its label or a synonym of two words or more, right
    after "what (is/was) (the/our)", "the most/least", "how many" or "by", counts (the
    longest named wins; a tie changes nothing), unless the model chose a metric the
    question names too. Elsewhere such words only qualify ("units on open purchase
    orders"). True when it changed."""
    said_as = phrase(words)
    # (after a topic and a colon, the question starts again: "pending vs delivered: give
    # me the average order value ...")
    starts = [said_as, *([phrase(words.partition(": ")[2])] if ": " in words else [])]
    anchors = [f" {m.group(1)} " for start in starts
               for m in (_ASKED_FOR.match(start), _HEADLINE.match(start))
               if m] + [f" {m.group(1)} " for m in (_RANKED_BY.search(said_as),
                                                    _HOW_MANY_ANCHOR.search(said_as),
                                                    _BY_MEASURE.search(said_as),
                                                    _FOR_MEASURE.search(said_as),
                                                    _SHARE_OF.search(said_as),
                                                    _BOUND_OF.search(said_as),
                                                    _HOW_MUCH_MORE.search(said_as))
                        if m]
    # "what share of October 2026 revenue", "Q3 2026 margin": the term after its period
    anchors += [f" {a[period.end():]}" for a in anchors if (period := _PERIOD_FIRST.match(a))]
    # "the highest total revenue": the term after its aggregate word
    anchors += [f" {a[len(w) + 2:]}" for a in anchors for w in ("total", "overall", "combined",
                                                                  "all time", "lifetime")
                if a.startswith(f" {w} ")]
    # "the average daily revenue": the term after its aggregate and grain
    anchors += [f" {a[len(w) + 2:]}" for a in anchors for w in (
        "average daily", "average weekly", "average monthly", "daily", "weekly", "monthly",
        "average", "mean")
        if a.startswith(f" {w} ")]
    # "how many Electric Kettle units did we sell": the term after the words naming no
    # term or table (a product's name)
    vocabulary = _term_words(catalog, layer)
    described = ""
    if (counted := _HOW_MANY_ANCHOR.search(said_as)) is not None:
        rest = counted.group(1).split()
        lead = next((i for i, w in enumerate(rest) if w in vocabulary), 0)
        if 0 < lead <= 3:
            described = f" {' '.join(rest[lead:])} "
            anchors.append(described)
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
    units_asked = bool(_UNITS_ASKED.search(words)) or described.startswith(" unit ")
    # "how much purchase spend is open on POs due to arrive": "how much" asks no count
    amount_asked = first is not None and first.format == "count" and bool(
        _HOW_MUCH_MORE.search(said_as)) and any(
        (named_term := layer.metric(n)) is not None and named_term.format != "count" for n in named)
    if not valued and first is not None and _term_said(first, words) and not any(
            n > max(verbatim, 2) for n in named.values()) and not (
            units_asked and first.format != "units") and not amount_asked:
        return False  # ("how many units" no count answers)
    if units_asked:
        # "on order and not yet received" says "on order", not "received"
        affirmed = set(tokens(_NEGATED_WORD.sub(" ", words)))
        for m in layer.metrics:  # "how many units of chairs are on hand": units on hand
            for name in (m.label, *m.synonyms):  # "units were shipped": units shipped
                rest = name.lower().removeprefix("units ")
                # "sold" as any form ("did we sell"); "on order" as said ("order from" is not)
                plain = len(tokens(rest)) == len(rest.split())
                if m.format == "units" and name.lower().startswith("units ") and (
                        set(tokens(rest)) <= affirmed if plain
                        else f" {phrase(rest)} " in said):
                    named[m.name] = max(named.get(m.name, 0), 2)
        # a count's rows in units: the units term of its table and condition ("units on
        # open purchase orders": units on order)
        same = _units_of_rows(first.name, layer) if first is not None else None
        if same is not None and not named:
            named[same.name] = 2
        # (else the sum of its table's one units column, for a count with no condition:
        # "how many units did we order on purchase orders placed in July")
        columns = [c.ref for c in catalog.tables[first.table].columns if c.kind == "number"
                   and c.name in ("quantity", "qty", "units")] \
            if first is not None and first.format == "count" and not first.filter \
            and first.table in catalog.tables else []
        if not same and not named and len(columns) == 1:
            named[f"sum({columns[0]})"] = 2
    for done in _DONE_TO.finditer(words):  # "how many units did we receive"
        # "how many backpacks did we sell", "... backpacks sold": units of a thing named
        thing = done.group(1) or done.group(4) or done.group(7)
        verb = done.group(3) or done.group(5) or done.group(6)
        if done["buyers"] and verb in _BUY:
            verb = "sold"  # "how many units did shoppers buy": what we sold them
        noun = "units" if _a_named_thing(thing, catalog) else thing
        asked = {_stem(w) for w in tokens(f"{noun} {verb}")}
        for m in layer.metrics:  # "units received", not "units on order" (open ones)
            if len(m.label.split()) == 2 and {_stem(w) for w in tokens(m.label)} == asked:
                named[m.name] = max(named.get(m.name, 0), 2)
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    longest = max(named.values(), default=0)
    best = [n for n, length in named.items() if length == longest]
    # (the model's term named in fewer words than another stays only where the longer
    # one's words are not its own with more: "average order value" over "order value")
    # "open POs by vendor: which suppliers have the most units inbound": the count named
    # says which rows; their units are asked (the units term of those rows)
    units = _units_of_rows(best[0], layer) if units_asked and len(best) == 1 else None
    if units is not None and metrics and metrics[0] == units.name or units is None and (
            len(best) != 1 or metrics and metrics[0] in named and not _said_within(
            metrics[0], best[0], layer)):
        return False
    chosen = units or layer.metric(best[0])
    assert chosen is not None
    _use_metric(args, chosen, "the question names it", metrics, catalog, layer, notes)
    if first is not None and first.table == chosen.table and not chosen.filter \
            and _term_said(first, words):
        # "the value of purchase orders due to arrive": the replaced term's words name
        # which rows (open ones), as its condition says
        held = args.get("filters") or []
        kept = [f for f in _term_conditions(first) if f not in held]
        if kept:
            args["filters"] = [*held, *kept]
            notes.append(f"filters {kept}: the rows the question's words for "
                         f"{first.name} name")
    return True


def _said_within(shorter: str, longer: str, layer: SemanticLayer) -> bool:
    """Whether a name of metric ``longer`` holds a name of metric ``shorter`` as its last
    words ("average order value" holds "order value")."""
    short, long = layer.metric(shorter), layer.metric(longer)
    return short is not None and long is not None and shorter != longer and any(
        f" {phrase(b)}".endswith(f" {phrase(a)}") and phrase(a) != phrase(b)
        for a in (short.label, *short.synonyms) for b in (long.label, *long.synonyms))


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
_PRICEY = re.compile(r"\b(cheapest|least expensive|most expensive|priciest|costliest|dearest|"
                     r"(?:lowest|highest)[- ](?:cost|priced))\b")
# "the highest cost as a fraction of the item's price": a ranking by a ratio of costs,
# not by what things cost
_RATIO = r"as an? (?:fraction|share|percentage|proportion|ratio) of|relative to"
_RATIO_SAID = re.compile(rf"\b(?:{_RATIO})\b")
# what a thing is worth in money, not how many of it there are
_WORTH = re.compile(r"\b(?:worth|valued?|valuing|valuation)\b")
_RATIO_AFTER = re.compile(rf"^\W*(?:{_RATIO}|compared (?:with|to)|in relation to|over)\b")


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
    pricey = _PRICEY.search(words)
    if pricey is None or _RATIO_AFTER.search(words[pricey.end():]):
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
        _use_metric(args, chosen, "the question ranks by what things cost", metrics, catalog,
                    layer, notes)
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
        # (of the things ranked: "which carrier is the slowest" is no tool call's latency)
        ranked = {g.split(".")[0] for g in args.get("group_by") or []
                  if isinstance(g, str) and g.split(".")[0] in catalog.tables}
        durations = [m for n in linked.metrics
                     if (m := layer.metric(n)) is not None and _is_duration(m)]
        reached = [m for m in durations if m.table in catalog.tables
                   and all(catalog.path(t, m.table) is not None for t in ranked)]
        duration = next((m.name for m in reached or durations), None)
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

    said = f" {phrase(words)} "

    def adds(m: Metric) -> bool:
        extra = set(tokens(m.label)) - set(tokens(first.label)) - _TERM_FILLER
        if extra and not extra & names and extra <= set(tokens(words)):
            return True
        # or another name of it said whole ("stock positions with nothing left")
        return any(len(phrase(n).split()) >= 2 and f" {phrase(n)} " in said
                   and not set(tokens(n)) <= set(tokens(first.label)) for n in m.synonyms)

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
        # ("the most price markdowns": a named condition's rows, price changes; "the
        # biggest price increase" is a size)
        counted = re.search(r"\b(?:most|fewest|least|number|count)\b", anchor.group(0))
        table = _head_table(rest, catalog, layer) or (
            _segment_table(" ".join(rest), layer) if counted else None)
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
        # (the model's term stands where the question writes it, not where its words are
        # scattered: "which customer region ... by the state" says no state_regions count)
        if first is not None and (first.table == table and first.format == "count"
                                  or _term_written(first, words)):
            return False
        args["metrics"] = [count]
        notes.append(f"metric {count}: the question ranks by how many {table}"
                     + (f", not {metrics[0]}" if metrics else ""))
        _drop_unreached(args, table, catalog, layer, notes)
        return True
    return False


# "how many units did we sell while it ran", "... while the 30% off Headphones promotion was
# live", "during the deal": rows dated within each lasting row's own days
_WHILE_RAN = re.compile(r"\b(?:while|when|as long as) (?:it|they|the (?:[\w%'-]+ ){0,6}?"
                        r"(?:promotions?|promos?|deals?|offers?|discounts?|campaigns?)) "
                        r"(?:was |were )?(?:ran|running|run|live|on|active|lasted)\b|"
                        r"\bduring (?:the|that|this) (?:[\w%'-]+ ){0,6}?"
                        r"(?:promotion|promo|deal|offer|campaign)(?:'s| s)? (?:run|window|dates)\b")


def _measured_while_running(args: dict[str, Any], words: str, linked: Linked,
                            catalog: Catalog, layer: SemanticLayer, notes: list[str]) -> bool:
    """"How many kettle units did we sell while the multi-buy deal ran": a dated term
    (units sold) over the rows whose date falls within the starts and ends of the lasting
    rows (promotions) the filters keep, as two column comparisons. True when it did."""
    said = _WHILE_RAN.search(words)
    lasting = [t for t in catalog.tables if layer.ends_column(t) and layer.time_column(t)]
    if said is None or len(lasting) != 1 or args.get("compare"):
        return False
    table = lasting[0]
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    units = re.search(r"\bunits?\b", words) is not None
    candidates = [m for n in [*metrics[:1], *linked.metrics] if (m := layer.metric(n))]
    measured = next((m for m in candidates if m.table != table and not m.filter
                     and layer.time_column(m.table) and (m.format == "units" or not units)
                     and catalog.path(m.table, table) is not None), None)
    if measured is None:
        return False
    day = layer.time_column(measured.table)
    args["metrics"] = [measured.name]
    args["compare"] = [{"field": day, "op": ">=", "value": layer.time_column(table)},
                       {"field": day, "op": "<=", "value": layer.ends_column(table)}]
    args["period"] = "all"
    notes.append(f"metric {measured.name} on the days from {layer.time_column(table)} to "
                 f"{layer.ends_column(table)}: the question asks what happened while it ran"
                 + (f", not {metrics[0]}" if metrics and metrics[0] != measured.name else ""))
    return True


# "how many milliseconds do model calls take": a term measured in milliseconds
_MS_ASKED = re.compile(r"\bhow many (?:milliseconds|ms)\b|\bin (?:milliseconds|ms)\b")
_MS_FILLER = frozenset({"latency", "time", "average", "ms", "mean"})


def _milliseconds_asked(args: dict[str, Any], words: str, catalog: Catalog,
                        layer: SemanticLayer, notes: list[str]) -> bool:
    """"On average, how many milliseconds do the order agent's model calls take": of the
    terms in milliseconds (labelled "(ms)"), the one whose other words the question says
    most of (model calls, not a run's whole model time). True when it changed."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    if not _MS_ASKED.search(words) or first is not None and "(ms)" in first.label:
        return False
    said = set(tokens(words))
    scored = {m.name: len((set(tokens(m.label)) - _MS_FILLER) & said)
              for m in layer.metrics if "(ms)" in m.label}
    best = max(scored.values(), default=0)
    chosen = [n for n, score in scored.items() if score == best]
    if best == 0 or len(chosen) != 1 or (term := layer.metric(chosen[0])) is None:
        return False
    _use_metric(args, term, "the question asks for milliseconds", metrics, catalog, layer,
                notes)
    return True


# "(quantity times unit cost)": the figure defined as a product of two columns
_TIMES = re.compile(r"\b(?P<a>[a-z]+(?: [a-z]+)?) (?:times|multiplied by) (?:the |our |its )?"
                    r"(?P<b>[a-z]+(?: [a-z]+)?)\b")


def _product_defined(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
                     notes: list[str]) -> bool:
    """"What did the POs we placed in September come to (quantity times unit cost)": the
    term whose total multiplies the two columns the question names (a purchase order's
    quantity by its unit cost), when the model's term does not. True when it changed."""
    said = _TIMES.search(words)
    if said is None:
        return False

    def columns(text: str) -> set[str]:  # "unit cost" -> purchase_orders.unit_cost, ...
        name = phrase(text).replace(" ", "_")
        return {c.ref for t in catalog.tables.values() for c in t.columns
                if c.kind == "number" and c.name in (name, name.split("_")[-1])}

    a, b = columns(said["a"]), columns(said["b"])
    sql = {m.name: m.sql.replace(" ", "") for m in layer.metrics}
    found = [m for m in layer.metrics if any(
        f"{x}*{y}" in sql[m.name] or f"{y}*{x}" in sql[m.name] for x in a for y in b)]
    # (both columns of the term's own table first: a purchase order's quantity and cost)
    found = [m for m in found if any(f"{m.table}.{x.partition('.')[2]}" in a
                                     and f"{m.table}.{y.partition('.')[2]}" in b
                                     for x in a for y in b)] or found
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    if len(found) != 1 or metrics[:1] == [found[0].name]:
        return False
    _use_metric(args, found[0], f"the question defines it as {said['a']} times {said['b']}",
                metrics, catalog, layer, notes)
    return True


# what may stand between two figures of a list: "units on hand, units reserved and ..."
_LIST_GAP = re.compile(r"\W*(?:(?:and|the|its|their|our|plus|as well as)\W+)*")
# ("purchase orders due to arrive": one term qualifying the other, not two figures)
_LIST_SEPARATOR = re.compile(r"[,;/&]|\b(?:and|plus|as well as)\b")


def _figures_listed(args: dict[str, Any], words: str, layer: SemanticLayer,
                    notes: list[str]) -> bool:
    """"Give the warehouse id, units on hand, units reserved and units free to sell": the
    layer's terms of one table that the question lists one after the other, each a
    figure, in the order said. True when it changed the metrics."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    if first is None or first not in layer.metrics:
        return False
    own = [term for term in layer.metrics if term.table == first.table]
    # (a label's last word alone, "its transit days and cost", names the one term of the
    # table whose label ends so)
    heads = Counter(term.label.split()[-1].lower() for term in own)
    spans = sorted(((m.start(), -len(name), m.end(), term) for term in own
                    for name in (term.label, *term.synonyms, *(
                        [term.label.split()[-1]] if heads[term.label.split()[-1].lower()] == 1
                        else []))
                    for m in re.finditer(rf"\b{re.escape(name.lower())}\b", words)),
                   key=lambda s: (s[0], s[1]))
    said: list[tuple[int, int, Metric]] = []
    for start, _, end, term in spans:  # the longest name at each place, none inside another
        if not said or start >= said[-1][1]:
            said.append((start, end, term))
    run = max(_adjacent_runs(said, words), key=len, default=[])
    names = list(dict.fromkeys(t.name for t in run))
    if len(names) < 2 or len(names) > MAX_METRICS or names == metrics:
        return False
    args["metrics"], args["combine"] = names, None
    notes.append(f"metrics {', '.join(names)}: the question lists them")
    return True


def _adjacent_runs(said: list[tuple[int, int, Metric]], words: str) -> list[list[Metric]]:
    """The terms said one right after the other (a comma or "and" between, nothing else)."""
    runs: list[list[Metric]] = []
    for i, (start, _, term) in enumerate(said):
        gap = words[said[i - 1][1]:start]
        if i and _LIST_GAP.fullmatch(gap) and _LIST_SEPARATOR.search(gap):
            runs[-1].append(term)
        else:
            runs.append([term])
    return runs


# "..., what does it cost and how many days does it take": a second question after "and"
_AND_ASK = re.compile(r"\band (?=(?:what|how|which)\b)")
# what kind of figure an ask wants, by its words
_ASK_FORMATS = (("days", re.compile(r"\bhow (?:many days|long)\b|\bdays?\b")),
                ("money", re.compile(r"\b(?:cost|costs|charge|charges|price|pay|how much)\b")),
                ("units", re.compile(r"\bhow many units\b")))


def _two_asks(args: dict[str, Any], words: str, linked: Linked, layer: SemanticLayer,
              notes: list[str]) -> bool:
    """"From the west to the northeast by express, what does it cost and how many days does
    it take?": two questions joined by "and", each asking a different kind of figure
    (money, days, units) of the same rows; the linked term of that kind of the model's
    table for each, in the order asked. True when it changed the metrics."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if len(metrics) == 1 else None
    asks = [a for a in _AND_ASK.split(words) if a.strip()]
    if first is None or first not in layer.metrics or len(asks) != 2:
        return False
    chosen = []
    for ask in asks:
        # (the kind said first: "what does it charge? Give ... transit days and cost")
        kinds = sorted((found.start(), k) for k, said in _ASK_FORMATS
                       if (found := said.search(ask)) is not None)
        terms = [m for n in linked.metrics if (m := layer.metric(n)) is not None
                 and m.table == first.table and kinds and kinds[0][1] == m.format]
        if not terms:
            return False
        chosen.append(terms[0].name)
    if len(set(chosen)) != 2 or chosen == metrics:
        return False
    args["metrics"] = chosen
    notes.append(f"metrics {', '.join(chosen)}: the question asks for each")
    return True


# "total payments minus total refunds": one term less another
_MINUS = re.compile(r"\b(?P<a>(?:\w+ ){0,3}\w+) (?:minus|less(?! than\b)) (?P<b>\w+(?: \w+){0,3})")


def _minus(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
           notes: list[str]) -> bool:
    """"Net cash in: total payments minus total refunds": the two terms of one table the
    question names on either side of "minus", the first less the second (``combine``);
    filters on what the terms' own conditions hold go. True when it changed."""
    said = _MINUS.search(words)
    if said is None:
        return False

    def term(text: str) -> Metric | None:  # the longest name said in ``text``
        inside = f" {phrase(text)} "
        named = [(len(phrase(n)), m) for m in layer.metrics for n in (m.label, *m.synonyms)
                 if f" {phrase(n)} " in inside]
        return max(named, key=lambda p: p[0])[1] if named else None

    # ("revenue minus units sold times unit cost": a product taken off, no second term)
    if re.search(r"\b(?:times|multiplied|divided)\b", said["b"]):
        return False
    # ("the most gross profit (revenue minus what the units cost us)": a named term's
    # definition in brackets, not another figure)
    opened = words.rfind("(", 0, said.start())
    if opened >= 0 and ")" not in words[opened:said.start()] \
            and term(" ".join(words[:opened].split()[-4:])) is not None:
        return False
    a, b = term(said["a"]), term(said["b"])
    if a is None or b is None or a == b or a.table != b.table:
        return False
    conditions = f"{a.filter or ''} {b.filter or ''}"
    args["metrics"], args["combine"] = [a.name, b.name], "difference"
    args["filters"] = [f for f in args["filters"] if str(f.get("field")) not in conditions]
    notes.append(f"metrics {a.name}, {b.name}, combine difference: the question asks for "
                 "one minus the other")
    return True


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
            _use_metric(args, days, "the question asks how many days", metrics, catalog,
                        layer, notes)
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
    _use_metric(args, chosen, "the question ranks by units", metrics, catalog, layer, notes)
    return True


def _says(metric: Metric, stem: str) -> bool:
    """Whether the term's label or a synonym has a word of that stem ("reserv")."""
    return any(_stem(w) == stem for t in (metric.label, *metric.synonyms)
               for w in phrase(t).split())


_LASTING = r"(?:run|runs|ran|running|last|lasts|lasted|go on|goes on|went on)"
_DURATION_ASKED = re.compile(
    rf"\bhow (?:long|many days)\b.*\b{_LASTING}\b|\b{_LASTING} (?:for )?(?:the )?"
    rf"(?:longest|shortest)\b|\b(?:longest|shortest)[- ](?:running|lasting)\b")


def _duration_asked(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
                    notes: list[str]) -> bool:
    """"How many days does a promotion run", "which promotion runs the longest": the days
    each row of the one table whose rows last (from its time column to its
    ``ends_column``) that the words name, or the query's table (``duration(promotions)``).
    True when it changed the query."""
    if not _DURATION_ASKED.search(words):
        return False
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    lasting = {t for t in catalog.tables if layer.ends_column(t) is not None}
    named = _tables_said(words, catalog, layer) & lasting or (
        {first.table} & lasting if first is not None else set())
    if len(named) != 1:
        return False
    table = named.pop()
    duration = f"{'span' if _END_MINUS_START.search(words) else 'duration'}({table})"
    if metrics[:1] == [duration]:
        return False
    args["metrics"] = [duration]
    notes.append(f"metric {duration}: the question asks how long each runs"
                 + (f", not {metrics[0]}" if metrics else ""))
    _drop_unreached(args, table, catalog, layer, notes)
    return True


# "counted as end date minus start date", "the difference between start and end dates"
_END_MINUS_START = re.compile(r"\b(?:end|ending|last)(?: date| day)? minus (?:the |its )?(?:start|"
                              r"starting|first|begin)|\bdifference between (?:the |its )?"
                              r"(?:start|end)(?:ing)?(?: date| day)?s? and")


_ONE_ROW = re.compile(r"\b(single|any|individual|one)\b")


def _term_extreme(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
                  notes: list[str]) -> bool:
    """"What was the biggest price increase we made in a single change": the largest of
    the values an averaged term takes row by row (``max(price_change_pct)``), when a
    superlative comes right before (two words between at most) the term's words or those
    of a segment of its table ("price increase"; of a decrease, "the deepest price cut",
    ``_decrease_size`` makes it the largest size). Not when the question asks for an
    average, nor when it asks
    which thing ranks so ("which supplier has the longest lead time" compares their
    averages) unless it says one row ("the biggest single price increase").
    True when it changed the query."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    values = layer.row_values(first) if first is not None else None
    # one column's extremes are its own aggregates (``_column_aggregate``)
    if first is None or first.name not in {m.name for m in layer.metrics} or values is None \
            or re.fullmatch(r"\w+\.\w+", values) or re.search(r"\b(average|mean)\b", words):
        return False
    which = _WHICH.match(words) or _LIST.match(words)
    thing = " ".join(itertools.takewhile(lambda w: w not in _PHRASE_ENDS,
                                         which.group("thing").split())) if which else ""
    if thing and _table_named(thing, catalog, layer) and not _ONE_ROW.search(words):
        return False
    said = f" {phrase(words)} "
    named = [*(first.label, *first.synonyms), *(t for g in layer.segments
                                               if g.table == first.table
                                               for t in (g.label, *g.synonyms))]
    for sup in _SUPERLATIVE.finditer(said):
        for name in named:
            words_of = phrase(re.sub(r"^average |\s*\(.*?\)", "", name))
            if not re.match(rf" (?:\w+ ){{0,2}}{re.escape(words_of)} ", said[sup.end():]):
                continue
            fn = "min" if re.fullmatch(_ASCENDING, sup.group(1)) else "max"
            extreme = f"{fn}({first.name})"
            if layer.metric(extreme) is None:
                return False
            args["metrics"] = [extreme, *metrics[1:]]
            notes.append(f"metric {extreme}: the question asks for the {sup.group(1)} single "
                         f"{words_of}, not the average")
            return True
    return False


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
                    "lowest": "min", "smallest": "min", "minimum": "min",
                    # (of a time: "the fastest and slowest transit time")
                    "fastest": "min", "quickest": "min", "slowest": "max"}
_VALUE = "value"  # a column's value asked for with no aggregate word
_BY_RANK = "by"  # a column that ranks things ("top 5 SKUs by unit cost")
_RANKED_BEFORE = re.compile(r"\b(?:top|bottom) \S+ (?:\w+ ){0,3}\w+$|\b(?:ranked|sorted|ordered)$")
_BE = frozenset({"is", "was", "are", "were", "s"})
_BEFORE_COLUMN = frozenset({"the", "our", "a", "an", "single", "individual", "all", "remaining",
                            "outstanding", "current"})
_PRICE_WORDS = {"cheapest": "lowest", "least expensive": "lowest", "most expensive": "highest",
                "priciest": "highest", "lowest priced": "lowest", "highest priced": "highest"}
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


def _is_ratio(metric: Metric) -> bool:
    return bool(re.search(r"\b(?:ratio|fraction|divided)\b",
                          f"{metric.label} {metric.description}"))


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
    # ("the cheapest and the priciest price": the first of two says no thing; the gap
    # between them is a range, ``_range_of_column``'s)
    both = not re.search(r"\b(?:spread|gap|difference|range)\b", words)
    found, aggregates = _columns_named(words, both, catalog, layer)
    if not found and "(" in words:
        # "the largest volume (bulk) discount": the name around an aside
        found, aggregates = _columns_named(re.sub(r"\([^)]*\)", " ", words), both, catalog,
                                           layer)
    if not found:
        return False
    longest = max(found.values())
    best = [k for k, n in found.items() if n == longest]
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    if len(best) > 1 and first is not None and "(" not in first.name and (mine := [
            k for k in best if first.sql.replace(" ", "").lower().endswith(f"({k})")]):
        best = mine  # "the average price each competitor charged": the named term's own
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
    # "the highest unit cost as a fraction of list price": the model's ratio term stands
    if first is not None and _RATIO_SAID.search(words) and _is_ratio(first):
        return False
    ratios = [m for m in layer.metrics if m.table == best[0].split(".")[0] and _is_ratio(m)]
    if _RATIO_SAID.search(words) and len(ratios) == 1:
        # "the highest unit cost relative to its list price": the table's ratio term
        args["metrics"] = [ratios[0].name, *metrics[1:]][:MAX_METRICS]
        notes.append(f"metric {ratios[0].name}: the question asks for {best[0]} as a ratio"
                     + (f", not {metrics[0]}" if metrics else ""))
        _drop_unreached(args, ratios[0].table, catalog, layer, notes)
        return True
    if aggregates[best[0]] == [_BY_RANK]:
        # a count of the things ranked, or of the table named like the column ("unit
        # costs"), misreads each thing's own value; any other term ranks as chosen
        table = best[0].split(".")[0]
        keys = catalog.tables[table].primary_key
        if first is None or first.format != "count" or first.table != table and not (
                len(keys) == 1 and catalog.tables[first.table].column(keys[0]) is not None):
            return False
        aggregates[best[0]] = ["avg"]
    if aggregates[best[0]] == [_VALUE]:
        # "what is the unit cost of variant 12" asks for a value, which no count answers:
        # the average of the rows the question keeps (one row's own value). A term that
        # is a value ("what is the stock on hand worth") stands.
        if first is not None and first.format != "count":
            return False
        aggregates[best[0]] = ["avg"]
    if aggregates[best[0]] in (["max"], ["min"]) and _AVERAGED.search(words):
        # "which products cost us the most per unit, averaged over their versions": the
        # superlative ranks, the figure is the average
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
    # ("priciest 3 products by average list price": the label says its own aggregate, so
    # the superlative only ranks)
    said_labels = [] if first is None else [
        label for t in (first.label, *first.synonyms) if len((label := phrase(t)).split()) >= 2
        and label != phrase(first.table.replace("_", " ")) and f" {label} " in f" {phrase(words)} "]
    own_fn = re.match(r"\s*(\w+)\(", first.sql) if first is not None else None
    if named and first is not None and not part and (
            first.sql.replace(" ", "").lower().startswith(f"{fn}({column}")
            or said_labels and not extreme
            or own_fn is not None and any(_AGGREGATE_WORDS.get(label.split()[0]) ==
                                          own_fn[1].lower() for label in said_labels)):
        return False
    chosen = layer.metric(best[0])
    assert chosen is not None
    if first is not None and first.format == "money" and chosen.format != "money" \
            and column in first.sql and _WORTH.search(words):
        return False  # "the inventory on hand ... worth at unit cost": the money term stands
    args["metrics"] = [*best, *metrics[1:]][:MAX_METRICS] if len(best) == 1 else best
    notes.append(f"metric {', '.join(best)}: the question asks for the {chosen.label}"
                 + (f", not {metrics[0]}" if metrics else ""))
    _drop_unreached(args, chosen.table, catalog, layer, notes)
    return True



# "averaged over their versions", "on average": the figure is an average
_AVERAGED = re.compile(r"\baveraged\b|\bon average\b")


def _columns_named(words: str, both: bool, catalog: Catalog, layer: SemanticLayer
                   ) -> tuple[dict[str, int], dict[str, list[str]]]:
    """The number columns ``words`` name after an aggregate word: how many words named
    each ("table.column" -> n) and the aggregates asked of it."""
    said = _PRICE_SUPERLATIVE.sub(
        lambda m: f"{_PRICE_WORDS[m[1]]} {m[2]}" if m[2] in ("and", "or") and both else
        f"{_PRICE_WORDS[m[1]]} {_price_column(m[2], catalog, layer)} {m[2]}",
        phrase(words)).split()
    found: dict[str, int] = {}  # "table.column" -> how many words named it
    aggregates: dict[str, list[str]] = {}  # "table.column" -> the aggregates asked of it
    # one-word table names, as a thing is said before a column ("variant unit cost")
    things = {w for t in catalog.tables if "_" not in t for w in (t, _singular(t))}
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
                for i in range(len(said) - len(term) + 1):
                    if said[i:i + len(term)] != term:
                        continue
                    # ("unit cost of SKU 12?": a headline naming a value of one thing)
                    headline = said[:i] in ([], ["the"]) and said[i + len(term):][:1] == ["of"]
                    # (a column of two words or more: "the average order value" is a term)
                    fns = [_VALUE] if headline else _aggregates_before(
                        said, i, things if len(term) > 1 else set()) if i else []
                    if fns == [_VALUE] and name in own:
                        continue  # "what were the order lines worth": no value of a column
                    if fns and len(term) >= found.get(c.ref, 0):
                        found[c.ref], aggregates[c.ref] = len(term), fns
    return found, aggregates

def _aggregates_before(said: list[str], at: int,
                       things: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """The aggregates the words before ``said[at]`` ask for: "the average", "the lowest
    and the highest" (past one word of ``things`` that says whose: "the average variant
    unit cost")."""
    fns: list[str] = []
    j = at - 1
    if j > 1 and said[j] in things:
        j -= 1
    while j > 0:
        while j > 0 and said[j] in _BEFORE_COLUMN:
            j -= 1
        if not fns and said[j] in ("they", "it") and said[j - 1] == "what" and j > 2:
            j -= 2  # "top 5 SKUs by what they cost us per unit"
        if not fns and said[j] == "by" and _RANKED_BEFORE.search(" ".join(said[:j])):
            return [_BY_RANK]  # "top 5 SKUs by unit cost": each thing's own value ranks
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
    counted = _HOW_MANY_ANCHOR.search(phrase(words))
    # ("how many products have a promotion": those among the promotions' rows)
    if _count_present(args, words, first, table, catalog, layer, notes):
        return True
    if first is not None and first.format == "count" and counted is not None and \
            _term_heads(first, counted.group(1), catalog, layer):
        return False  # "how many item-and-warehouse positions": the term names the count
    if first is not None and first.format == "count" and first.table == table:
        return False
    if first is not None and first.format == "units" and counted is not None and any(
            _a_named_thing(" ".join(counted.group(1).split()[:n]), catalog) for n in (1, 2, 3)):
        return False  # "how many backpacks sold": units of a named thing, not rows
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


def _term_heads(term: Metric, counted: str, catalog: Catalog, layer: SemanticLayer) -> bool:
    """Whether what "how many" counts opens with a name of the count ``term`` that is the
    whole noun ("item-and-warehouse positions have ..."), not a qualifier of another
    table's ("sold-out variants")."""
    nouns = {w for t in catalog.tables for w in t.split("_")} | {
        w for note in layer.tables.values() for n in note.synonyms for w in tokens(n)}
    said = f" {phrase(counted)} "
    for name in (term.label, *term.synonyms):
        if said.startswith(f" {phrase(name)} "):
            after = said[len(phrase(name)) + 2:].split()[:1]
            if not after or _stem(after[0]) not in {_stem(n) for n in nouns}:
                return True
    return False


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
    if verb is None or len(keys) != 1 or _BOUND.search(words) or _BETWEEN.search(words) \
            or _NEGATION.search(words):
        return False
    holders = [t for t in _tables_said(words[verb.end():], catalog, layer)
               if t != counted and catalog.tables[t].column(keys[0]) is not None
               # (a table keyed by it alone extends each row: every one is there)
               and catalog.tables[t].primary_key != keys]
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
    if any(_participle(w) for w in words[verb.end():].split()[:1]):
        return False  # "which customers have spent the most on orders": a verb, not having
    if re.match(r"\s*(?:the|a) (?!most\b|fewest\b|least\b)\w+est\b", words[verb.end():]):
        return False  # "which product has the deepest discount": a measure ranks, no rows
    if (most := re.match(r"\s*(?:the )?(?:most|least) ", words[verb.end():])) is not None and any(
            f" {phrase(words[verb.end() + most.end():])} ".startswith(f" {phrase(n)} ")
            for m in layer.metrics if m.format != "count" for n in (m.label, *m.synonyms)):
        return False  # "which warehouse has least free stock": a named measure ranks
    if set(words[verb.end():].split()[:5]) & _UNIT_WORDS:
        return False  # "each warehouse with the number of units available": a sum of units
    holders = [t for t in _tables_said(words[verb.end():], catalog, layer)
               if t != subject and catalog.tables[t].column(keys[0]) is not None
               and keys[0] not in catalog.tables[t].primary_key]
    # ("the most price increases across its items": a named condition's rows, price changes)
    named = _segment_table(words[verb.end():], layer)
    if named is not None and named != subject and catalog.tables[named].column(keys[0]) is not None:
        holders = [named]
    count = _row_count(holders[0], catalog, layer) if len(holders) == 1 else None
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    if count is None or first is not None and first.table == holders[0]:
        return False
    # ("which warehouse has stock set aside for the most distinct orders": the different
    # orders among the reservations, as the model's count of orders said there)
    counted = catalog.tables[first.table].primary_key if first is not None \
        and first.format == "count" and first.table in catalog.tables else []
    if len(counted) == 1 and first is not None and first.table != subject \
            and counted != keys and catalog.tables[holders[0]].column(counted[0]) is not None \
            and first.table in _tables_said(words[verb.end():], catalog, layer):
        count = f"count_distinct({holders[0]}.{counted[0]})"
    ranked = _RANKED_BY.match(words[verb.end():].lstrip())
    if ranked is not None and first is not None and first.format == "count" and _head_table(
            ranked.group(1).split(), catalog, layer) == first.table:
        return False  # "has the most stock positions where every unit is reserved": the
        # model's count of the things ranked (``_things_ranked``), not of those said after
    args["metrics"], args["group_by"] = [count], [f"{holders[0]}.{keys[0]}"]
    notes.append(f"metric {count}, group_by {holders[0]}.{keys[0]}: the question asks which "
                 f"{subject} have {holders[0]}")
    _drop_unreached(args, holders[0], catalog, layer, notes)
    return True


_DISTINCT_WORDS = frozenset({"different", "distinct", "unique", "separate", "individual"})


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


def _date_word_of(table: str, hit: ValueHit, layer: SemanticLayer) -> bool:
    """Whether the value was said only by a word the table's own dates are spoken by."""
    note = layer.tables.get(table)
    return note is not None and phrase(hit.words) != phrase(hit.value) and any(
        phrase(hit.words) == phrase(w) for ws in note.date_words.values() for w in ws)


_DIFFERENT = re.compile(r"\b(?:different|distinct|unique|separate)\b")


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
    said = f" {phrase(words)} "
    for hit in owned or linked.values:
        if phrase(hit.value) in subjects or _in_table_names(hit, said, catalog, layer):
            continue  # ('payment' in "payment methods" is no payment transaction's)
        if not _said_outside(hit.words, words, _UNIT_PHRASE):
            continue  # "as a percent of the old price" is a unit, no kind of promotion
        if _date_word_of(first.table, hit, layer):
            continue  # "deals that had not finished": the deals' end, no run that is done
        holders = {_field_table(c, catalog, layer) for c in hit.columns} - {None}
        # A distinct count stays right through a join that multiplies rows; a sum does not.
        fanouts = 0 if "count(distinct" not in first.sql.lower() else _UNREACHABLE - 1
        if any(_cost(catalog, first.table, f"{t}.")[0] <= fanouts for t in holders if t):
            continue
        reached = [t for t in holders if t and _cost(catalog, first.table, f"{t}.")[0] < _UNREACHABLE]
        if hit.stands_for is not None and not reached and any(  # ("from the Dallas site")
                _cost(catalog, first.table, ref)[0] < _UNREACHABLE
                for ref in hit.stands_for.columns if catalog.column(ref) is not None):
            continue  # (what it stands for, its region, is reached: the amend reads that)
        # (a count may also count the holder's rows, linked or not, unless it asks for
        # different things: rows repeat them)
        keys = catalog.tables[first.table].primary_key if first.table in catalog.tables else []
        counts = [c for t in sorted(t for t in holders if t) if first.format == "count"
                  and not _DIFFERENT.search(words)
                  and (c := _row_count(t, catalog, layer)) is not None]
        if first.format == "count" and _DIFFERENT.search(words) and len(keys) == 1:
            # "how many distinct skus does bargainbay price": the things among its rows
            among = [t for t in sorted(t for t in holders if t)
                     if t != first.table and catalog.tables[t].column(keys[0]) is not None]
            if len(among) == 1:
                args["metrics"] = [f"count_distinct({among[0]}.{keys[0]})"]
                notes.append(f"metric {args['metrics'][0]}: the different {first.table} among "
                             f"{hit.value!r}'s rows")
                _drop_unreached(args, among[0], catalog, layer, notes)
                return True
        # ("BargainBay's prices": its money, though a percent term ranked first, unless a
        # percent is asked)
        formats = {first.format} | ({"money"} if owned and first.format == "percent"
                                    and not _PERCENT_ASKED.search(words) else set())
        better = next((m for n in [*linked.metrics, *counts] if (m := layer.metric(n)) is not None
                       and any(_cost(catalog, m.table, f"{t}.")[0] == 0 for t in holders if t)
                       and m.format in formats), None)
        if better is None or better.name == first.name:
            continue
        args["metrics"] = [better.name]
        notes.append(f"metric {better.name}, not {first.name}: {hit.value!r} is "
                     f"{better.table}'s")
        _drop_unreached(args, better.table, catalog, layer, notes)
        return True
    return False


def _units_of_rows(name: str, layer: SemanticLayer) -> Metric | None:
    """The units term of a count term's rows (open purchase orders: units on order)."""
    count = layer.metric(name)
    same = [m for m in layer.metrics if count is not None and count.format == "count"
            and m.format == "units" and m.table == count.table and m.filter == count.filter]
    return same[0] if len(same) == 1 else None


_PERCENT_ASKED = re.compile(r"\b(?:percent|percentage|share|rate|ratio|margin|proportion)\b|%")


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
    if first.format == "count" and _counted_table(words, catalog, layer) == first.table:
        return False  # "how many variants have no stock across all warehouses": variants
    said = f" {phrase(words)} "
    if any(f" {phrase(h.words)} s " in said and any(
            c.partition(".")[0] == first.table for c in h.columns) for h in linked.values):
        return False  # "bargainbay's average price across the items": the term's own rows
    better = next((m for n in linked.metrics if (m := layer.metric(n)) is not None
                   and m.table == table and m.format == first.format), None)
    if better is None:
        return False
    args["metrics"] = [better.name]
    notes.append(f"metric {better.name}, not {first.name}: the question takes it across "
                 f"{table}")
    _drop_unreached(args, better.table, catalog, layer, notes)
    return True


# "how many open purchase orders are there, and how many units do they hold": a second
# figure of the same rows
_AND_ALSO = re.compile(r",? and (?:how many|how much|how long|what (?:is|was|are|were) "
                       r"(?:the |their |its )?(?:total |combined )?|"
                       # "..., and what do they add up to": their sum
                       r"what (?:do|did|does) (?:they|these|those|it|all of them) "
                       r"(?=(?:all )?(?:add up to|total|come to|amount to|sum to)\b))"
                       r"\s*(?P<rest>(?:\w+ ){0,4}\w+)")
# "add up to", "come to": a sum, of money unless units are said
_ADD_UP_TO = re.compile(r"(?:all )?(?:add up to|total|come to|amount to|sum to)\b")
# (as tokens() gives them: "paid" is "pay")
_MONEY_ASKED = frozenset({"value", "worth", "amount", "cost", "spent", "pay", "money"})


def _second_figure(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
                   notes: list[str]) -> bool:
    """"How many replenishment orders are due ..., and how many units do they add up to":
    beside the count, the sum of units (or money) of the same rows: the layer's term of
    that table and condition, else the sum of the table's one such column when the count
    has no condition of its own. True when it added one."""
    also = _AND_ALSO.search(words)
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if len(metrics) == 1 else None
    if first is not None and first.table in catalog.tables and (
            then := _AND_AGGREGATE.search(phrase(words))) is not None and (
            second := _aggregate_of_column(then[1], first.table, catalog, layer)) is not None \
            and second.partition("(")[2] not in first.sql:
        # "the average transit days and the average cost per lane": two of the same rows
        args["metrics"] = [first.name, second]
        notes.append(f"metric {second} beside {first.name}: the question asks for both")
        return True
    if also is None or first is None or first.format != "count" \
            or first.table not in catalog.tables or _HOW_MANY_ANCHOR.search(words) is None:
        return False
    rest = set(tokens(also["rest"]))
    kind = "units" if rest & _UNIT_WORDS else "money" if rest & _MONEY_ASKED or \
        _ADD_UP_TO.match(also["rest"]) else None
    same = [m.name for m in layer.metrics if m.table == first.table and m.format == kind
            and m.filter == first.filter and re.match(r"\s*sum\(", m.sql, re.IGNORECASE)]
    names = ("quantity", "qty", "units") if kind == "units" else ("amount", "total", "value")
    columns = [c.ref for c in catalog.tables[first.table].columns
               if c.kind == "number" and c.name in names]
    lasting = "how long" in also[0] and layer.ends_column(first.table) is not None
    second = (f"{'span' if _END_MINUS_START.search(words) else 'duration'}({first.table})"
              if lasting else None) or _aggregate_of_column(
        also["rest"], first.table, catalog, layer) or (
        None if kind is None else same[0] if len(same) == 1 else
        f"sum({columns[0]})" if len(columns) == 1 and not first.filter else None)
    if second is None and kind == "money" and not first.filter:
        return _money_of_rows_below(args, first, also["rest"], catalog, layer, notes)
    if second is None:
        return False
    args["metrics"] = [first.name, second]
    notes.append(f"metric {second} beside {first.name}: the question asks for both")
    return True


def _money_of_rows_below(args: dict[str, Any], first: Metric, rest: str, catalog: Catalog,
                         layer: SemanticLayer, notes: list[str]) -> bool:
    """"How many orders did shoppers pay for with PayPal, and how much did they pay": the
    money term the second ask names, of a table whose rows belong to the counted ones
    (payments of orders); the count is then of the distinct keys there, so both figures
    come from one table. True when it is."""
    keys = catalog.tables[first.table].primary_key
    said = set(tokens(rest))  # ("did they pay" says "paid")
    found = [m for m in layer.metrics if m.format == "money" and m.table != first.table
             and m.table in catalog.tables and len(keys) == 1
             and catalog.tables[m.table].column(keys[0]) is not None
             and any(set(tokens(t)) <= said for t in (m.label, *m.synonyms))]
    if len(found) != 1:
        return False
    count = f"count_distinct({found[0].table}.{keys[0]})"
    args["metrics"] = [count, found[0].name]
    notes.append(f"metrics {count} and {found[0].name}: the question asks for the "
                 f"{first.table} and the {found[0].label} of their {found[0].table}")
    return True


# "..., and on how many orders?": a second ask, split from the first
_ASKS_SPLIT = re.compile(r",? and (?=(?:on |in |for |across |over )?(?:how|what)\b)")
_HOW_MANY_WHAT = re.compile(r"\bhow many (?P<what>(?:\w+ ){0,2}\w+)")


def _count_beside(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
                  notes: list[str]) -> bool:
    """"How much have we refunded, and on how many orders?", "how many orders are waiting
    to go out, and what are the items in them worth": beside a figure of one table, a
    count of the things the other ask names, as the distinct keys of those things among
    the figure's own rows (both from one table, over the same filters). True when it
    added one."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if len(metrics) == 1 else None
    asks = _ASKS_SPLIT.split(words)
    if first is None or first not in layer.metrics or first.format == "count" \
            or first.table not in catalog.tables or len(asks) != 2:
        return False
    for i, ask in enumerate(asks):
        said = _HOW_MANY_WHAT.search(ask)
        counted = _table_named(said["what"], catalog, layer) if said else None
        keys = catalog.tables[counted].primary_key if counted in catalog.tables else []
        if counted == first.table or len(keys) != 1 \
                or catalog.tables[first.table].column(keys[0]) is None:
            continue
        count = f"count_distinct({first.table}.{keys[0]})"
        args["metrics"] = [count, first.name] if i == 0 else [first.name, count]
        # (the term's own condition keeps the rows counted too: the orders paid for)
        args["filters"] = [*(args.get("filters") or []), *(
            f for f in _term_conditions(first) if f not in (args.get("filters") or []))]
        notes.append(f"metric {count} beside {first.name}: the question also asks how many "
                     f"{counted}")
        return True
    return False


_BACK_REFERENCE = re.compile(r"\b(?:them|those|these|they|their|its?)\b")


def _counts_of_two_tables(args: dict[str, Any], words: str, catalog: Catalog,
                          layer: SemanticLayer, notes: list[str]) -> bool:
    """"How many products do we carry, and how many versions of them are there": two
    counts, each of the table its ask names, over all its rows (side by side, see
    ``Compiler``). A second ask that points back ("of them") is a count of all its
    things only where each of them belongs to one of the first ("the variants of the
    products"); the customers who placed orders are not all customers. True when it is."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if len(metrics) == 1 else None
    asks = _ASKS_SPLIT.split(words)
    if first is None or first.format != "count" or not totals_only(args) or len(asks) != 2:
        return False
    said = [_HOW_MANY_WHAT.search(ask) for ask in asks]
    # ("how many of those holds": a part of the first, ``_of_those``)
    named = [_table_named(s["what"], catalog, layer)
             if s and not s["what"].startswith("of ") else None for s in said]
    tables = [t for t in named if t is not None]
    if len(tables) != 2 or tables[0] == tables[1] or first.table not in tables:
        return False
    owner, owned = (catalog.tables[t] for t in tables)  # (tables are in the catalog)
    if _BACK_REFERENCE.search(asks[1]) and not (
            len(owner.primary_key) == 1 and owned.column(owner.primary_key[0]) is not None):
        return False
    counts = [_count_of(t, catalog, layer) for t in tables]
    if None in counts:
        return False
    args["metrics"] = counts
    notes.append(f"metrics {' and '.join(map(str, counts))}: the question asks how many "
                 f"{tables[0]} and how many {tables[1]}")
    return True


def _count_of(table: str, catalog: Catalog, layer: SemanticLayer) -> str | None:
    """The layer's count of all the rows of ``table``, else of its one key's values."""
    plain = [m.name for m in layer.metrics if m.table == table and m.format == "count"
             and not m.filter and re.fullmatch(r"count\((?:\*|DISTINCT [\w.]+)\)", m.sql, re.I)]
    keys = catalog.tables[table].primary_key
    return plain[0] if len(plain) == 1 else (
        f"count_distinct({table}.{keys[0]})" if not plain and len(keys) == 1 else None)


_AND_AGGREGATE = re.compile(r"\band ((?:the |their |its )?(?:average|mean|total|combined) \w+)")
_AGGREGATE_NAMED = re.compile(r"^(?:the |their |its )?(?P<fn>average|mean|total|combined|"
                              r"largest|biggest|highest|deepest|smallest|lowest) (?P<what>\w+)")
_AGGREGATE_FN = {"average": "avg", "mean": "avg", "total": "sum", "combined": "sum",
                 "largest": "max", "biggest": "max", "highest": "max", "deepest": "max",
                 "smallest": "min", "lowest": "min"}


def _aggregate_of_column(rest: str, table: str, catalog: Catalog,
                         layer: SemanticLayer) -> str | None:
    """"..., and what was their average discount": an aggregate of the one number column
    of the counted rows that the next word names (by its name or the layer's words for
    it), or None."""
    asked = _AGGREGATE_NAMED.match(phrase(rest))
    if asked is None:
        return None
    note = layer.tables.get(table)
    numbers = [c for c in catalog.tables[table].columns
               if c.kind == "number" and not c.name.endswith(("_id", "_no"))]
    if asked["what"] in _UNIT_WORDS:  # "the total units": the count of units, not a unit cost
        named = [c for c in numbers if c.name in ("quantity", "qty", "units")]
    else:
        named = [c for c in numbers if set(tokens(asked["what"])) <= set(tokens(" ".join(
            [_spell(c.name), *(note.column_words.get(c.name, []) if note else [])])))]
    return f"{_AGGREGATE_FN[asked['fn']]}({named[0].ref})" if len(named) == 1 else None


def _term_of_value(args: dict[str, Any], layer: SemanticLayer, notes: list[str]) -> None:
    """"Payments only" with the refunded amount: a value filter that contradicts the
    term's own condition asks for the term of the same measure whose condition it is
    (the amount paid), which then needs no such filter."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if len(metrics) == 1 else None
    own = _term_conditions(first) if first is not None else []
    if first is None or len(own) != 1 or own[0]["op"] != "=":
        return
    named = [f for f in args.get("filters") or [] if f.get("field") == own[0]["field"]
             and f.get("op") == "=" and f.get("value") != own[0]["value"]]
    other = next((m for m in layer.metrics if named and m.table == first.table
                  and m.sql == first.sql and m.format == first.format
                  and _term_conditions(m) == [{**own[0], "value": named[0]["value"]}]), None)
    if other is None:
        return
    args["metrics"] = [other.name]
    args["filters"] = [f for f in args["filters"] if f is not named[0]]
    notes.append(f"metric {other.name}, not {first.name}: the question names "
                 f"{named[0]['value']!r}")


def _average_of_total(args: dict[str, Any], words: str, catalog: Catalog,
                      layer: SemanticLayer, notes: list[str]) -> bool:
    """"What is the average refund amount": a term that totals one column of its rows
    (refunds, a sum of payment amounts), named right after "average" or "mean", asks for
    that column's average over the same rows; its condition stays as filters. Not where
    the average is per other things ("average revenue per customer": per customer).
    True when it changed."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if len(metrics) == 1 else None
    column = _ONE_COLUMN.fullmatch(first.sql) if first is not None else None
    if first is None or column is None or column[1].lower() != "sum" \
            or first.format != "money":  # (units per row of sales history mean little)
        return False
    said = f" {phrase(words)} "
    if not any(re.search(rf" (?:average|mean|typical) {re.escape(phrase(t))} ", said)
               for t in (first.label, *first.synonyms)):
        return False
    per = re.search(r"\b(?:per|each|every|a|by) (\w+)", words[re.search(
        r"\b(?:average|mean|typical)\b", words).end():])  # type: ignore[union-attr]
    if per is not None and (_table_named(per[1], catalog, layer) not in (None, first.table)
                            or per[1] in _PER_GRAIN):
        return False
    conditions = [c for c in _term_conditions(first) if c not in args["filters"]]
    if first.filter and not _term_conditions(first):
        return False
    args["metrics"] = [f"avg({column[2]})"]
    args["filters"] = [*args["filters"], *conditions]
    notes.append(f"metric avg({column[2]}), not {first.name}: the question asks for the "
                 "average of what it totals")
    return True


def _negated_term(args: dict[str, Any], layer: SemanticLayer, notes: list[str]) -> bool:
    """"How much have customers paid us, not counting refunds": the term counts the rows
    of the value the question excludes (refunds); the term of the same sum over the other
    value counts instead (payments), and the exclusion is its condition. With no one
    such term ("purchase orders that are not open"), the same sum over all rows, and the
    exclusion stays as a filter. True when it changed."""
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
    plain = [m for m in layer.metrics if m.table == first.table and m.sql == first.sql
             and not m.filter]
    if not excluded or len(others) != 1 and len(plain) != 1:
        return False
    if len(others) != 1:
        args["metrics"] = [plain[0].name, *metrics[1:]]
        notes.append(f"metric {plain[0].name}, not {first.name}: the question leaves out "
                     f"{value!r}")
        return True
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
# "what % by count", "by number": how many rows, not the amount they hold
_BY_COUNT = re.compile(r"\b(?:by|in) (?:count|number|headcount)\b(?! of)")


def _by_count(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
              notes: list[str]) -> bool:
    """"Of all payments, what % by count went through PayPal": the rows the amount term
    sums are counted instead (with its own conditions as filters). True when it changed."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    count = _row_count(first.table, catalog, layer) if first is not None else None
    if first is None or first.format == "count" or count is None \
            or not _BY_COUNT.search(words):
        return False
    args["metrics"] = [count, *metrics[1:]]
    kept = [f for f in _term_conditions(first) if f not in (args.get("filters") or [])]
    args["filters"] = [*(args.get("filters") or []), *kept][:MAX_FILTERS]
    notes.append(f"metric {count}, not {first.name}: the question asks by count")
    return True


_ACROSS = re.compile(r"\bacross (?:all )?(?:of )?(?:the |our )?(?P<things>(?:\w+ )?\w+)")
