"""How the figure is formed: shares, ratios and differences, figures per thing and
their averages, bounds per group, rows with no match, routes, calendar buckets and
ranges. A step of ``_sql_amend``."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from ._semantic import Metric, Segment, SemanticLayer
from ._sql_amend_common import (
    _ASC,
    _BETWEEN,
    _BOUND,
    _BOUND_OPS,
    _DATE_GRAINS,
    _DESCENDING,
    _HOW_MANY,
    _LIST,
    _NEGATION,
    _ON_AVERAGE,
    _ONE_COLUMN,
    _PAIRS,
    _PER_GRAIN,
    _SHARE,
    _SIMPLE_CONDITION,
    _SUPERLATIVE,
    _TERM_FILLER,
    _UNIT_WORDS,
    _UNREACHABLE,
    _WHICH,
    _WORDS,
    _asked_table,
    _counted_table,
    _counted_words,
    _drop_unreached,
    _field_table,
    _first_bound,
    _head_table,
    _is_number,
    _keyed_by,
    _link_table,
    _money_total_per_thing,
    _names,
    _period,
    _plain_number,
    _root,
    _row_count,
    _segment_table,
    _stated,
    _stem,
    _table_named,
    _table_of_count,
    _tables_said,
    _term_conditions,
    _term_said,
)
from ._sql_amend_filters import _own_values, _useful
from ._sql_calendar import NamedRange, calendar_filter, date_column, named_range, two_ranges
from ._sql_catalog import Catalog
from ._sql_linking import Linked, ValueHit, phrase, tokens
from ._sql_query import MAX_FILTERS, MAX_GROUPS, totals_only

_CYCLES = [(re.compile(r"\b(day of the week|days of the week|weekday|weekdays)\b"), "weekday"),
           # (one year's calendar months are its months: "which calendar month of 2026")
           (re.compile(r"\b(month of the year|months of the year|calendar months?)\b"
                       r"(?! (?:of|in|during) 20\d\d)"), "month_of_year")]
# "in its most recent price check", "as of the latest snapshot": the rows of the latest date
# (not "the last 30 days" nor "last month", which are periods).
# (not a period: "for the last seven days")
_LATEST = re.compile(r"\b(in|at|on|from|as of|for) (its|their|the|our|each|\w+ s) (most recent|latest|"
                     rf"newest|last)\b(?! (\d+|{'|'.join(_WORDS)}|day|days|week|weeks|month|months|"
                     r"year|years|quarter)\b)")
# "month written as yyyy-mm", "labelling months like 2026-07"
_YEAR_MONTH = re.compile(r"\byyyy-mm\b|\b20\d\d-\d\d\b(?!-\d)")
# "month number (7, 8, 9)", "the month as a number"
_MONTH_NUMBER = re.compile(r"\bmonths? (?:numbers?|as (?:a )?numbers?|by number)\b|"
                           r"\bnumbered months?\b")
_CALENDAR_GRAIN = {"weekday": "day", "month_of_year": "month"}
_PER_THING = re.compile(r"(?=\b(?:per|each|every|does|do|did|an average|a typical|of a|of an|"
                        r"for a|for an|in a|in an|in one|in each|the average|the typical|"
                        r"average(?= daily| weekly| monthly)) "
                        r"(?:(?:a|an|one|the|single) )?((?:\w+ ){0,2}\w+))")
# Words that make the figure per thing a total of its rows ("adding up its item prices").
_TOTAL_WORDS = re.compile(r"\b(value|total|worth|come to|comes to|adding up|add up|sum|"
                          r"spend|spent|revenue)\b")
_SHARE_VERB = re.compile(r"\b(?:are|were|is|was|have|has|had|got|get|came|come|went|go|"
                         r"that|which|who)\b")


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
    """Only the metrics of the first metric's table: one query counts from one table
    (but for totals alone, each read from its own table)."""
    metrics = args.get("metrics")
    if not isinstance(metrics, list) or len(metrics) < 2 or totals_only(args):
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


_ROUTE = re.compile(r"\bfrom (?P<origin>(?:[\w-]+ ){0,6}?[\w-]+) to (?P<dest>(?:[\w-]+ ){0,5}[\w-]+)")
_BARE_ROUTE = re.compile(r"(?P<origin>(?:[\w-]+ ){0,2}[\w-]+) to (?P<dest>(?:[\w-]+ ){0,2}[\w-]+)")
_FROM = re.compile(r"\bfrom (?:the )?(?P<origin>(?:[\w'-]+ ){0,4}[\w'-]+)")
_ORIGIN_WORDS = ("origin", "from", "source", "src")
_DEST_WORDS = ("dest", "destination", "to", "target")


def _route(args: dict[str, Any], words: str, linked: Linked, catalog: Catalog,
           cost: Callable[[str], tuple[int, int]], notes: list[str]) -> bool:
    """"From the Northeast region to the West": on a table with an origin and a
    destination column holding those values, the first is the origin and the second the
    destination; other filters on those values go, and so do breakdowns by those columns
    (one value each). True when it changed the query."""
    match = _ROUTE.search(words)
    # "the west to northeast lane": two ends said without "from" (values of an origin and
    # a destination column, or no route)
    ends = [match] if match else list(_BARE_ROUTE.finditer(words))

    def hits(span: str) -> list[ValueHit]:
        said = f" {phrase(span)} "
        return [h for h in linked.values if f" {phrase(h.words)} " in said]

    pairs = [(o, d) for m in ends for o in hits(m.group("origin")) for d in hits(m.group("dest"))]
    # "shoppers in the northeast served from the Dallas site": the end said after "from"
    # is the origin, another end said elsewhere the destination
    pairs += [(o, d) for m in _FROM.finditer(words) for o in hits(m.group("origin"))
              for d in linked.values if d.value != o.value
              and f" {phrase(d.words)} " not in f" {phrase(m.group('origin'))} "]
    for origin, dest in pairs:
        pair = _end_columns(origin, dest, catalog, cost)
        if pair is None:
            continue
        values = {origin.value, dest.value}
        filters = [f for f in args.get("filters") or [] if f.get("field") not in pair
                   and not (set(v) & values if isinstance(v := f.get("value"), list)
                            else v in values)]
        filters += [{"field": pair[0], "op": "=", "value": origin.value},
                    {"field": pair[1], "op": "=", "value": dest.value}]
        args["filters"] = filters
        args["group_by"] = [g for g in args.get("group_by") or [] if g not in pair]
        notes.append(f"filters {pair[0]} = {origin.value!r}, {pair[1]} = {dest.value!r}: "
                     "the question says from where to where")
        return True
    return _one_end(args, words, linked, catalog, cost, notes)


_TOWARDS = ("to", "into", "towards", "toward")


def _one_end(args: dict[str, Any], words: str, linked: Linked, catalog: Catalog,
             cost: Callable[[str], tuple[int, int]], notes: list[str]) -> bool:
    """"Express shipping into the northeast": one end said after "to"/"into" is the
    destination, after "from"/"out of" the origin, on a table with both columns holding
    the value. True when it moved the model's filter."""
    said = phrase(words)
    for hit in linked.values:
        ends = _end_columns(hit, hit, catalog, cost)
        # ("into the region that Texas belongs to": the end said by what lies in it)
        way = re.search(rf"\b(to|into|towards?|from|out of) (?:the )?(?:(?:region|area|part) "
                        rf"(?:that|which|where|of|containing|holding)(?: the)? )?"
                        rf"{re.escape(phrase(hit.words))}\b", said)
        if ends is None or way is None:
            continue
        wanted, other = (ends[1], ends[0]) if way[1] in _TOWARDS else ends
        filters = args.get("filters") or []
        moved = [dict(f, field=wanted) if f.get("field") == other and f.get("value") == hit.value
                 else f for f in filters]
        if moved == filters:
            continue
        args["filters"] = moved
        notes.append(f"filter {wanted} = {hit.value!r}, not {other}: the question says "
                     f"{way[1]} {hit.words}")
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
                   r"lacks?|lacking|not (?:had |have |has |got |received )?a single|"
                   # "customers with zero orders" (not "more than zero", nor "zero units":
                   # a sum, bounded)
                   r"(?<!than )(?<!least )zero(?! (?:units?|stock|on hand|inventory|"
                   r"quantity|dollars)\b))\b")
_FLIPPED = {"!=": "=", "not_in": "in"}


def _absent(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
            notes: list[str]) -> bool:
    """"How many customers have never placed an order", "how many variants sold nothing in
    October 2026": the counted rows with no row of the table the negation names (after
    it, or just before: "sold nothing"), among those its conditions keep; the conditions
    themselves are said plainly ("none of their variants sold out": sold out ones). "Which
    products have none of their variants sold out" lists them; a figure that counts
    nothing is measured over its own rows that lack the table. True when it changed the
    query."""
    subject = _counted_table(words, catalog, layer)
    which = _WHICH.match(words) or _LIST.match(words) if subject is None else None
    if which is not None:
        subject = _table_named(which.group("thing"), catalog, layer)
    # "the value of the on-hand units of SKUs that sold nothing in the last 30 days": a
    # figure (not a count) over the rows of its own table that lack the table named
    measured = _measured_table(args, layer) if subject is None else None
    if measured is not None:
        subject, which = measured, None  # ("what is the value": no things listed)
    if subject is None or not (keys := catalog.tables[subject].primary_key) \
            or len(keys) != 1 and measured is None:
        return False
    for match in _NONE.finditer(words):
        if _restates_a_term(words, match.start(), layer):
            continue
        after = " ".join(words[match.end():].split()[:4])
        before = " ".join(words[:match.start()].split()[-1:])
        # ("never ordered": the orders, by the verb's stem)
        named = _table_of_count(after, subject, catalog, layer) or \
            _table_of_count(before, subject, catalog, layer) or \
            _table_of_verb(after, subject, catalog, layer) or \
            _table_of_value(" ".join(words[match.end():].split()[:7]), subject, args, catalog,
                            layer)
        count = _row_count(subject, catalog, layer)
        if named is None or count is None and measured is None:
            continue
        table = named[0]
        # "no promotion and no volume tier" (after "neither ... nor"): each table lacked
        others = [t for m in _NONE.finditer(words, match.end())
                  if (t := _table_of_count(" ".join(words[m.end():].split()[:4]), subject,
                                           catalog, layer)) and t[0] != table]
        # "no open purchase orders": the term's own condition is on the rows lacked
        term = layer.metric(str((args.get("metrics") or [""])[0]))
        kept = _term_conditions(term) if term is not None and term.table == table \
            and _term_said(term, words) else []
        args["absent"] = [table, *dict.fromkeys(t for t, _ in others)]
        if measured is None:
            args["metrics"] = [count]
        _lacked_values_on(args, table, subject, " ".join(words[match.end():].split()[:7]),
                          catalog, layer, notes)
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
        # A segment of the lacked rows said as held ("only a main supplier and no backup
        # one") describes the subject's other rows, not those lacked.
        held = [f for f in args.get("filters") or []
                if _field_table(f.get("field"), catalog, layer) == table
                and f.get("value") is True and layer.segment(str(f["field"]))
                and any(g.get("value") is False for g in args.get("filters") or [])]
        if held:
            args["filters"] = [f for f in args["filters"] if f not in held]
            notes.append(f"filters {[f['field'] for f in held]} dropped: held, not lacked")
        for f in args.get("filters") or []:
            if _field_table(f.get("field"), catalog, layer) == table:
                if f.get("op") in _FLIPPED:
                    f["op"] = _FLIPPED[f["op"]]
                elif isinstance(f.get("value"), bool) and layer.segment(str(f["field"])):
                    f["value"] = True
        notes.append(f"absent {table}: the question measures {subject} with no {table}"
                     if measured else f"metric {count}, absent {table}: the question counts "
                     f"{subject} with no {table}")
        _present(args, words[:match.start()], subject, table, catalog, layer, notes)
        if which is not None and not args.get("every"):
            shown = "name" if catalog.tables[subject].column("name") else \
                catalog.tables[subject].primary_key[0]
            args["group_by"], args["order"], args["limit"] = [f"{subject}.{shown}"], "none", None
            notes.append(f"group_by {subject}.{shown}: the question asks which {subject}")
        _drop_unreached(args, subject, catalog, layer, notes)
        return True
    return False


def _measured_table(args: dict[str, Any], layer: SemanticLayer) -> str | None:
    """The table of the query's one figure when it measures rather than counts."""
    metrics = args.get("metrics") or []
    term = layer.metric(str(metrics[0])) if len(metrics) == 1 else None
    return term.table if term is not None and term.format != "count" else None


def _lacked_values_on(args: dict[str, Any], table: str, subject: str, after: str,
                      catalog: Catalog, layer: SemanticLayer, notes: list[str]) -> None:
    """"Not had a single order delivered": a value said after the negation that the lacked
    table's own column of that name holds describes the rows lacked, wherever the model
    filtered it (the order lines' status)."""
    said = f" {phrase(after)} "
    for f in args.get("filters") or []:
        held = _field_table(f.get("field"), catalog, layer)
        name = str(f.get("field")).partition(".")[2]
        column = catalog.tables[table].column(name)
        if held in (None, table, subject) or column is None or not isinstance(
                f.get("value"), str) or f["value"] not in column.values \
                or f" {phrase(f['value'])} " not in said:
            continue
        notes.append(f"filter {table}.{name}, not {f['field']}: the {table} lacked are "
                     f"{f['value']}")
        f["field"] = f"{table}.{name}"


def _restates_a_term(words: str, at: int, layer: SemanticLayer) -> bool:
    """Whether ``at`` is inside brackets that say a term's name ("SKUs out of stock
    (nothing on hand)"): the brackets define the term, they lack nothing."""
    opened, closed = words.rfind("(", 0, at), words.find(")", at)
    if opened < 0 or closed < 0 or ")" in words[opened:at]:
        return False
    inside = phrase(words[opened + 1:closed])
    return any(phrase(name) == inside for term in (*layer.metrics, *layer.segments)
               for name in (term.label, *term.synonyms))


# "products that offer volume discounts but have never had a promotion": held, then lacked
_HAVE_BUT = re.compile(r"\b(?:(?:have|has|had)(?: (?:placed|made|bought|ordered|received))?|"
                       r"offer|offers|offered|with|carry|carries|hold|holds)"
                       r"(?: (?:a|an|any|some|at least one))? (?P<thing>(?:[\w-]+ ){0,3}?[\w-]+)"
                       r" but\b")


def _present(args: dict[str, Any], before: str, subject: str, lacked: str, catalog: Catalog,
             layer: SemanticLayer, notes: list[str]) -> None:
    """The table the subject's rows must have rows of, said before "but" and the negation:
    a filter that keeps those rows (an EXISTS on that table)."""
    said = _HAVE_BUT.search(before)
    key = catalog.tables[subject].primary_key[0]
    held = _table_of_count(said["thing"], subject, catalog, layer) if said else None
    if held is None or catalog.tables[held[0]].column(key) is None:
        return
    if held[0] == lacked:
        _none_of_held(args, subject, lacked, key, catalog, layer, notes)
        return
    field = f"{held[0]}.{key}"
    args["filters"] = [*(args.get("filters") or []),
                       {"field": field, "op": "is_not_null", "value": None}][:MAX_FILTERS]
    notes.append(f"filter {field} is_not_null: the question keeps {subject} with {held[1]}")


_NEGATED_OPS = {"=": "!=", "in": "not_in"}


def _none_of_held(args: dict[str, Any], subject: str, table: str, key: str, catalog: Catalog,
                  layer: SemanticLayer, notes: list[str]) -> None:
    """"Customers who have placed an order but not had a single order delivered": the
    subject's rows of the table held are all not of the kind lacked (each customer's orders
    grouped, every one not delivered), which keeps only those with such rows."""
    lacked = [f for f in args.get("filters") or []
              if _field_table(f.get("field"), catalog, layer) == table]
    count = _row_count(table, catalog, layer)
    if not lacked or count is None or any(
            f.get("op") not in _NEGATED_OPS or isinstance(f.get("value"), bool) for f in lacked):
        return
    args.update(metrics=[count], group_by=[f"{table}.{key}"], absent=[], every=True,
                count_groups=not args.get("group_by"), having=None, filters=[
                    dict(f, op=_NEGATED_OPS[f["op"]]) if f in lacked else f
                    for f in args.get("filters") or []])
    notes.append(f"every: the {subject} with {table}, none of them "
                 f"{[f.get('value') for f in lacked]}")


_VERB_BEFORE_VALUE = re.compile(r"^(?:(?:been |be )?\w+ (?:as|with|by|using|through|via|from|"
                                r"for) )?(?:an?|any|the) ")


def _table_of_value(after: str, subject: str, args: dict[str, Any], catalog: Catalog,
                    layer: SemanticLayer) -> tuple[str, str] | None:
    """The table of the filtered value said first after a negation: "no paypal account"
    lacks the payment methods whose source is paypal, "no backup supplier" the products'
    suppliers that are backups."""
    # "never a backup source", "never used as a fallback", "never paid with a gift card"
    said = f" {_VERB_BEFORE_VALUE.sub('', phrase(after))} "
    key = catalog.tables[subject].primary_key[0]
    for f in args.get("filters") or []:
        values = f.get("value") if isinstance(f.get("value"), list) else [f.get("value")]
        segment = layer.segment(str(f.get("field")))
        if segment is not None:  # "no backup supplier": the segment's own words
            values = [segment.label, *segment.synonyms]
        table = _field_table(f.get("field"), catalog, layer)
        if table and table != subject and catalog.tables[table].column(key) and any(
                isinstance(v, str) and said.startswith(f" {phrase(v)} ") for v in values):
            return table, str(f.get("field"))
    return None


# "every single variant is still available", "all of its variants are in stock" (not
# "what percentage of all the variants": the whole of a share)
_ALL_OF = re.compile(r"\b(?:(?<!of )(?:every|each|all)(?: single| one)?(?: of)?(?: (?:its|their|the))? "
                     r"(?P<child>\w+)(?: (?:is|are))?|(?:(?:its|their|whose) )?(?P<owned>\w+) "
                     r"(?:that |which )?(?:are|were) all)(?: still)? ")


def _all_as_none(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
                 notes: list[str]) -> str:
    """"Which product has every single variant still available": none of its variants is
    in the opposite segment (sold out), read as such by ``_absent``. The words it asks."""
    match = _ALL_OF.search(words)
    named = (match["child"] or match["owned"]) if match else ""
    child = _table_named(named, catalog, layer) if match else None
    if match is None or child is None:
        return words
    for f in args.get("filters") or []:
        segment = layer.segment(str(f.get("field")))
        if segment is None or segment.table != child or f.get("value") is not True:
            continue
        opposite = next((g for g in layer.segments if g.table == child and (
            g.sql.strip() == f"NOT {segment.sql.strip()}"
            or segment.sql.strip() == f"NOT {g.sql.strip()}")), None)
        if opposite is None:
            return words
        f["field"] = opposite.name
        notes.append(f"filter {opposite.name} lacked: every {named} is {segment.label}")
        return f"{words[:match.start()]}none of its {named} {opposite.label} " \
               f"{words[match.end():]}"
    return words


_AUXILIARIES = frozenset({"been", "be", "being", "ever", "yet", "once", "even", "had", "have"})


def _table_of_verb(after: str, subject: str, catalog: Catalog,
                   layer: SemanticLayer) -> tuple[str, str] | None:
    """The table the first verb after a negation names by its stem: "never ordered" the
    orders, "never been promoted" the promotions (``_table_of_count`` of that name)."""
    verbs = [_stem(w) for w in phrase(after).split() if w not in _AUXILIARIES][:1]
    if not verbs or len(verbs[0]) < 4:
        return None
    if (named := _table_of_count(verbs[0], subject, catalog, layer)) is not None:
        return named  # "order"
    names = {phrase(n.replace("_", " ")) for t in catalog.tables
             for n in (t, *(layer.tables[t].synonyms if t in layer.tables else []))}
    starting = [n for n in names if n.split()[0].startswith(verbs[0])]
    return _table_of_count(starting[0], subject, catalog, layer) if len(starting) == 1 else None


# "for each service level (ground, express, economy)", "by the type of payment method
# used - credit card, paypal or gift card"
_LISTED = re.compile(r"\b(?:each|every|per|by|compare|comparing) (?:\w+ ){0,6}?"
                     r"(?:\(([^)]*)\)|\w+ ?[—–:-] ?([^.?;—–(]*))")


# "the order bot and the support bot each used": two or more things, then "each"
_EACH_AFTER = re.compile(r"(?<![\w-])((?:[\w'-]+ ){1,4}(?:and|or) (?:[\w'-]+ ){1,4})"
                         r"(?:each|respectively)\b")
# a question or a verb after the colon or dash: a sentence, not a list of groups
_SENTENCE = re.compile(r"\b(?:how|what|which|who|is|are|was|were)\b")


def _listed_breakdown(args: dict[str, Any], words: str, linked: Linked,
                      cost: Callable[[str], tuple[int, int]],
                      notes: list[str]) -> list[str] | None:
    """"For each service level (ground, express, economy)": values listed after "each X"
    name the groups, not a filter: the breakdown is by the column holding them all; so do
    values listed before "each" ("the order bot and the support bot each used")."""
    match = _LISTED.search(words)
    if match is not None and match.group(2) and _SENTENCE.search(match.group(2)):
        return None  # ("compare basket sizes: taking ..., how much lower is ...": a sentence)
    # (values before "each" are the groups kept, out of more the column holds)
    each = _EACH_AFTER.search(words) if match is None else None
    listed = (match.group(1) or match.group(2)) if match is not None else each[1] if each else None
    if listed is None:
        return None
    inside = f" {phrase(listed)} "
    hits = [h for h in linked.values if f" {phrase(h.words)} " in inside]
    shared = set.intersection(*(set(h.columns) for h in hits)) if len(hits) > 1 else set()
    if not shared:
        return None
    column = min(sorted(shared), key=cost)
    if cost(column)[0] >= _UNREACHABLE:
        return None
    filters = args.get("filters") or []
    args["group_by"] = [column]
    if each is not None:
        if not any(f.get("field") in shared for f in filters):
            args["filters"] = [*filters, {"field": column, "op": "in",
                                          "value": [h.value for h in hits]}]
        notes.append(f"group_by {column}: the question asks for each of the values it lists")
        return [column]
    args["filters"] = [f for f in filters if f.get("field") not in shared]
    notes.append(f"group_by {column}, no filter on it: the question lists its groups")
    return [column]


def _calendar(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
              notes: list[str]) -> None:
    """"Ended during October 2026": the range the question names, on the date column it
    means, in place of the model's date filters (``_sql_calendar``); over all time."""
    found = calendar_filter(args, words, catalog, layer)
    if found is None:
        return
    wanted, replaced = found
    if _running_within(args, wanted, replaced, words, layer, notes):
        return
    kept = [f for f in args["filters"] if f.get("field") not in (*replaced, wanted["field"])]
    if len(kept) >= MAX_FILTERS or wanted in args["filters"]:
        return
    spans = _span_overlapping(wanted, words, layer)
    if spans and len(kept) + len(spans) <= MAX_FILTERS:
        args["filters"] = [*kept, *spans]
        notes.append(f"filters {spans[0]['field']} <= {spans[0]['value']} and "
                     f"{spans[1]['field']} >= {spans[1]['value']}: what ran at any time then")
        return
    args["filters"] = [*kept, wanted]
    notes.append(f"filter {wanted['field']} {wanted['op']} {wanted['value']}: the date the "
                 "question names")
    if args.get("period") not in (None, "all"):
        notes.append(f"period all, not {args.get('period')}: the question names its dates")
        args["period"] = "all"


# "ran at any point during", "were running in", "live on", "had started and not yet
# ended": what ran then, not what began
_RAN = re.compile(r"\b(?:ran|run|running|active|live|in effect|were on|was on)(?: at any (?:point|"
                  r"time))? (?:during|in|on|over|throughout)\b|"
                  r"\b(?:started|begun|began)\b(?:\W+\w+){0,3}?\W+(?:had |has |have |was |were )?"
                  r"(?:not|n t|never) (?:yet )?(?:ended|finished|expired|over)\b")
_AS_OF_BOUND = re.compile(r"\s*(\w+\.\w+)\s*(<=|>=|<|>)\s*\{as_of\}\s*")


def _span_overlapping(wanted: dict[str, Any], words: str,
                      layer: SemanticLayer) -> list[dict[str, Any]]:
    """"The deepest deal running at any point in August": rows whose own span (a start
    and an end column) overlaps the named range, not those that began in it; none when
    the question asks for no such thing or the column starts no span."""
    table, _, column = str(wanted["field"]).partition(".")
    note = layer.tables.get(table)
    if (wanted["op"] != "between" or note is None or not note.ends_column
            or column != note.time_column or not _RAN.search(words)):
        return []
    start, end = wanted["value"]
    return [{"field": wanted["field"], "op": "<=", "value": end},
            {"field": f"{table}.{note.ends_column}", "op": ">=", "value": start}]


def _running_within(args: dict[str, Any], wanted: dict[str, Any], replaced: list[str],
                    words: str, layer: SemanticLayer, notes: list[str]) -> bool:
    """"Promotions active on October 1", "running during September": a term of what is
    current on the business date (its filter bounds its dates by ``{as_of}``) read for
    the named day or range: the plain term, its bounds on that range's edges (what ran
    at any time in it). True when it did."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    if first is not None and "{as_of}" not in (first.filter or "") and _RAN.search(words):
        # "promotions that ran at any point during September": the current term's rows
        first = next((m for m in layer.metrics if m.table == first.table and m.sql == first.sql
                      and "{as_of}" in (m.filter or "")), first)
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


def _month_as_written(args: dict[str, Any], grouped: list[str], words: str,
                      notes: list[str]) -> list[str]:
    """"Month written as YYYY-MM", "labelling months like 2026-07": the months as text;
    "the month number (7, 8, 9)": as their numbers."""
    written = "year_month" if _YEAR_MONTH.search(words) else \
        "month_number" if _MONTH_NUMBER.search(words) else None
    if "month" not in grouped or written is None:
        return grouped
    grouped = [written if g == "month" else g for g in grouped]
    notes.append(f"group_by {written}: the question writes a month so")
    args["group_by"] = grouped
    return grouped


def _having(args: dict[str, Any], words: str, filters: list[dict[str, Any]], catalog: Catalog,
            layer: SemanticLayer, notes: list[str]) -> bool:
    """"Orders with more than 4 lines": a bound on the metric per group (``having``);
    "how many ..." then counts the groups. False when the question bounds nothing or
    a filter already carries the bound (a price above $1,000 is a row's)."""
    having = args.get("having")
    if isinstance(having, dict) and not _stated(having.get("value"), words):
        notes.append(f"having {having.get('op')} {having.get('value')} dropped: the "
                     "question states no such number")
        args["having"] = having = None
    # ("for each product with more than 15 variants, how many of its variants are still
    # available": how many of each group's rows, the subset, not how many groups)
    counts_groups = bool(_HOW_MANY.search(words)) and not args.get("subset")
    if having:
        if counts_groups and not args.get("count_groups"):
            args["count_groups"] = True
            notes.append("count_groups: the question asks how many groups")
        return True
    bound = _BOUND.search(words)
    if bound is None or not args.get("metrics"):
        return False
    number = bound.group(2)
    measured = layer.metric(str(args["metrics"][0]))
    counted = words[bound.end():].split()[:1]
    if measured is not None and measured.format != "count" and (
            counted and _table_named(counted[0], catalog, layer)
            or number in ("once", "twice") or counted[:1] == ["times"]):
        return False  # "customers who paid for at least one order", "paid us at least
        # once": things or times, not the sum paid
    value = _bound_value(number)
    if any(_is_number(f.get("value"), value) for f in [*filters, *(args.get("share") or [])]
           if isinstance(f, dict)):
        return False  # (the share's part carries it: "the share with zero units")
    args["having"] = {"op": _BOUND_OPS[bound.group(1)], "value": value}
    notes.append(f"having {args['having']['op']} {value:g}: the question bounds the metric")
    if _ON_AVERAGE.search(words):
        # "among customers who ordered at least once, how many orders has each placed on
        # average": the average over the groups that pass
        args["average_groups"] = True
        notes.append("average_groups: the question asks the average over them")
    elif counts_groups:
        args["count_groups"] = True
        notes.append("count_groups: the question asks how many groups")
        _second_bound(args, words, bound.end(), notes)
    return True


# "..., and how many are repeat buyers with two or more"
_AND_HOW_MANY = re.compile(r"\band how many\b")


def _second_bound(args: dict[str, Any], words: str, after: int, notes: list[str]) -> None:
    """"How many shoppers have exactly one order, and how many have two or more": a
    second bound after "and how many", its groups counted beside (``also_having``)."""
    asked = _AND_HOW_MANY.search(words, after)
    if asked is None:
        return
    rest = words[asked.end():]
    if (second := _BOUND.search(rest)) is not None:
        op, number = _BOUND_OPS[second.group(1)], second.group(2)
    elif (second := _OR_MORE.search(rest)) is not None:
        op, number = (">=" if second["way"] == "more" else "<="), second["n"]
    else:
        return
    args["also_having"] = {"op": op, "value": _bound_value(number)}
    notes.append(f"also_having {op} {number}: the question counts the groups of a second "
                 "bound too")


# "two or more", "5 or fewer" with no unit after
_OR_MORE = re.compile(rf"\b(?P<n>\d+|{'|'.join(_WORDS)}) or (?P<way>more|fewer|less)\b")


def _bound_value(number: str) -> float:
    return float(_WORDS[number]) if number in _WORDS else float(number.replace(",", ""))


# ("all three kinds of payment method: a credit card, paypal and a gift card")
_BOTH = re.compile(r"\bboth\b|\bas well as\b|\band also\b|\ball (?:three|four|five|\d) "
                   r"(?:kinds|types|sorts)?\b|\bevery one of\b")


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
    which = _WHICH.match(words) or _LIST.match(words)
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


_COUNT_WORDS = frozenset({"number", "count", "amount", "quantity"})
# a breakdown said in so many words: "broken down by", "for each", "per status", "by"
_BREAKDOWN = re.compile(r"\b(?:broken down by|break(?:down)? (?:down |out )?by|split by|by|"
                        r"for each|per|each of)\b")


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
    # ("what did customers pay on average per payment": who did it is no thing averaged
    # over where another thing is said)
    for match in sorted(_PER_THING.finditer(words), key=lambda m: words[m.start():].split()[0]
                        in ("does", "do", "did")):
        thing = match.group(1)
        if thing.split()[0] in _COUNT_WORDS:  # "the average number of items" is no item
            continue
        grain = _PER_GRAIN.get(thing.split()[0])
        if grain is not None:
            key = thing = grain
        else:
            table = _table_named(thing, catalog, layer)
            keys = catalog.tables[table].primary_key if table in catalog.tables else []
            # (a total per its own row, "the tokens one run uses on average", is the
            # average of what the term sums; a count per its own row is 1)
            own_total = table == metric.table and re.match(r"\s*sum\(", metric.sql, re.I)
            per_row = words[match.start():].split()[0] in ("per", "each", "every")
            summed = _ONE_COLUMN.fullmatch(metric.sql) if own_total and not keys \
                and per_row else None
            if summed is not None and summed.group(1).lower() == "sum":
                # (rows with no key of their own: the average of the column summed)
                args["metrics"] = [f"avg({summed.group(2)})", *names[1:]]
                notes.append(f"metric avg({summed.group(2)}): the question asks for an "
                             f"average per {table} row")
                return grouped
            if table is None or table == metric.table and not own_total or len(keys) != 1 \
                    or catalog.tables[metric.table].column(keys[0]) is None:
                continue
            key, thing = f"{metric.table}.{keys[0]}", table
        # a breakdown said beside ("by status, how many lines does an order have on
        # average") stays: the average is per each of its groups
        # (not the averaged things themselves under another table's key)
        outer = [g for g in args.get("group_by") or [] if isinstance(g, str)
                 and g.rpartition(".")[2] != key.rpartition(".")[2]
                 and (_BREAKDOWN.search(words) or _SIDE_BY_SIDE.search(words))][:MAX_GROUPS - 1]
        args["group_by"], args["average_groups"] = [*outer, key], True
        args["order"], args["limit"] = "none", None
        notes.append(f"average_groups over group_by {key}: the question asks for an average "
                     f"per {thing}" + (f", for each {', '.join(outer)}" if outer else ""))
        return [*outer, key]
    return grouped


# One sum, not a ratio of sums (an average selling price is revenue over units).
_ONE_SUM = re.compile(r"\s*sum\((?:[^()]|\([^()]*\))*\)\s*", re.IGNORECASE)


def _total_per_thing(args: dict[str, Any], names: list[str], words: str,
                     layer: SemanticLayer, notes: list[str]) -> Metric | None:
    """The figure to average per thing: where the question asks for a thing's total
    ("what an order comes to, adding up its items"), the model's first sum, or the sum
    behind its average of a column (an order's value, not an item's average price)."""
    metrics = [m for n in names if (m := layer.metric(n)) is not None]
    if not metrics:
        return None
    # (days a parcel spends in transit: time spent, not money)
    said = {w for w in _TOTAL_WORDS.findall(words)
            if metrics[0].format != "days" or w not in ("spend", "spent")}
    if not said:
        return metrics[0]
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
        # ("at least one refund": the words are the value's own, which stands)
        return bool(texts) and all(f" {phrase(t)} " in inside and f" {phrase(t)} " not in rest
                                   and phrase(t) != span for t in texts)

    filters = args.get("filters") or []
    kept = [f for f in filters if not only_inside(f)]
    if len(kept) < len(filters):
        notes.append(f"filters named only in {span!r} dropped: those words name the table")
        args["filters"] = kept


# "Reserved units as a percentage of units on hand": one term over another.
_PART_OF = re.compile(r"(?P<part>(?:\b\w+ ){1,4}?)as an? (?:percentage|percent|share|"
                      r"proportion|fraction) of (?P<whole>.*)$")
# "Gross margin for October - revenue minus cost, as a percentage of revenue"
_DEFINED_PART_OF = re.compile(r", as an? (?:percentage|percent|share|proportion|fraction) of "
                              r"(?P<whole>.*)$")
# "the reserved share of on-hand stock": the part named before "share"
_NAMED_SHARE = re.compile(r"\bthe (?P<part>[\w-]+(?: [\w-]+)?) (?:share|proportion|fraction) of "
                          r"(?P<whole>.*)$")
# "refunds taken together come to what percentage of all the money paid": part first
_PART_IS_WHAT = re.compile(r"^\W*(?P<part>(?:\w+ ){1,5}?)(?:come|comes|amount|amounts|add up) to "
                           r"what (?:percentage|percent|share|proportion|fraction) of "
                           r"(?P<whole>.*)$")

# "of all the money paid us, what percentage has gone back as refunds": the whole first
_WHOLE_FIRST = re.compile(r"\bof (?P<whole>[^,?;:]+), (?:what|which) (?:percentage|percent|share|"
                          r"proportion|fraction)(?: of (?:it|that|them|this))? (?:has|have|was|"
                          r"were|is|are|went|got|came)\b(?P<part>[^?;]*)")


def _ratio(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
           notes: list[str]) -> bool:
    """"What percentage of the stock on hand in Reno is reserved": the part is a term of
    the whole's table (units reserved), not a condition on its rows, so the answer is
    one term as a percentage of the other (``combine``). True when it is."""
    share = _SHARE.search(words)
    if (asked := _PART_IS_WHAT.search(words) or _WHOLE_FIRST.search(words)) is not None:
        part_said, whole_said = asked["part"], asked["whole"]
    elif share is not None:
        rest = words[share.end():]
        # at each verb ("of the stock in Reno | is | reserved"), the first that splits the
        # words into two terms ("of the total amount customers have paid us | has been
        # given back as refunds")
        splits = [(rest[:v.start()], rest[v.end():]) for v in _SHARE_VERB.finditer(rest)]
        # or, in a clause with no verb, at a word ("the largest share of its on-hand units
        # | reserved")
        clause = re.split(r"[?.,;:(]", rest)[0]
        said = clause.split() if not _SHARE_VERB.search(clause) else []
        splits += [(" ".join(said[:i]), " ".join(said[i:])) for i in range(len(said) - 1, 0, -1)]
        whole_said, part_said = next((s for s in splits if _two_terms(*s, layer)),
                                     splits[0] if splits else ("", ""))
    elif (of := _PART_OF.search(words) or _NAMED_SHARE.search(words)) is not None:
        part_said, whole_said = of["part"], of["whole"]
    elif (of := _DEFINED_PART_OF.search(words)) is not None:
        # the part is the figure the lead clause names, its definition between
        part_said, whole_said = re.split(r"[,:;(]|\s[-–—]\s", words)[0], of["whole"]
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
    """The whole's term and the part's (of its table, of one format), when two differ;
    where the whole's words name no one term ("all the money shoppers paid us for their
    orders"), the one among the part's table's terms."""
    whole = _term_in(whole_said, layer, None)
    if whole is not None and (pair := _two_terms_of(whole_said, part_said, layer,
                                                    whole.table)) is not None:
        return pair
    pairs = [pair for table in {m.table for m in layer.metrics}
             if (pair := _two_terms_of(whole_said, part_said, layer, table)) is not None]
    return pairs[0] if len(pairs) == 1 else None


# words that make a whole an amount of money ("of all the money shoppers paid us")
_MONEY_WHOLE = re.compile(r"\b(?:money|amount|dollars?|spend|spent|paid|revenue|value|worth)\b|\$")


def _two_terms_of(whole_said: str, part_said: str, layer: SemanticLayer,
                  table: str) -> tuple[Metric, Metric] | None:
    whole = _term_in(whole_said, layer, table) or (
        _term_in(whole_said, layer, table, fmt="money") if _MONEY_WHOLE.search(whole_said)
        else None)
    part = _term_in(part_said, layer, table, like=whole) if whole is not None else None
    if whole is None or part is None or part.name == whole.name or part.format != whole.format:
        return None
    return whole, part


def _term_in(said: str, layer: SemanticLayer, table: str | None,
             like: Metric | None = None, fmt: str | None = None) -> Metric | None:
    """The term ``said`` names (on ``table`` when given): its label or a synonym as
    written, or every word of its label but a filler ("units reserved": "reserved");
    the longest so named, of those the longest in ``like``'s format (or ``fmt``: "refunds"
    as a share of an amount: the refunded amount, not their count), none for a tie."""
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
    fmt = like.format if like is not None else fmt
    if len(named) > 1 and fmt is not None:
        named = [n for n in named if (term := layer.metric(n)) is not None
                 and term.format == fmt]
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
    # (within the sentence's first ask: not the "that" of "..., and that percentage")
    verb = _SHARE_VERB.search(re.split(r"[;?]|,? and ", rest)[0])
    # "of the orders that were paid by card, what percentage ended up cancelled" (read as
    # "... of the orders that were paid by card that ended up cancelled"): the last
    # relative clause is the part, those before it describe the whole
    clause = re.split(r"[,;?]| and ", rest)[0]
    relatives = list(re.finditer(r"\b(?:that|which|who)\b", clause))
    if len(relatives) >= 2:
        verb = relatives[-1]
    whole, part = (rest[:verb.start()], rest[verb.end():]) if verb else _after_head(
        rest, catalog, layer)
    if verb is None and not part:
        # "what share of price changes lowered the price": no verb to split at; the part
        # is what is said from the last condition named after the first word on
        said = f" {phrase(rest)} "
        at = [i for f in filters if (i := _said_at(f, said, layer)) is not None and i > 0]
        if at:
            whole, part = said[:max(at)], said[max(at):]

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


# "The difference between the highest and lowest price", "how many more orders were
# delivered than cancelled", "how much less revenue ... than ...".
_DIFFERENCE = re.compile(r"\b(?:difference|gap|spread)\b(?: in (?:\w+ ){1,2}?)? between\b|"
                         r"\bhow far apart\b(?=.* and\b)|"  # "how far apart are X and Y"
                         r"\bhow (?:many|much) (?P<way>more|fewer|less|bigger|larger|higher|"
                         r"greater|smaller|lower|cheaper|dearer|pricier|longer|shorter)\b"
                         r"(?=.* than\b)|"
                         # "the extra cost of shipping via SwiftAir compared with Parcelway"
                         r"\b(?:extra|additional) \w+\b(?=.* (?:compared (?:with|to)|over|"
                         r"versus|vs\.?)\b)|"
                         # "by how much does express shipping cost more than ground"
                         r"\bby how (?:many|much) (?:\w+ ){1,6}?(?P<by_way>more|fewer|less|"
                         r"bigger|larger|higher|greater|smaller|lower|cheaper|longer|shorter) "
                         r"than\b")
# the second side less the first: "how much smaller is X than Y"
_LESS_WAYS = ("fewer", "less", "smaller", "lower", "cheaper", "shorter")


def _difference(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
                notes: list[str]) -> None:
    """A difference the question asks for: of its two metrics (the larger extreme first:
    "between the lowest and highest price" is positive too), or of its metric over the
    two values of one filter, in the order said ("fewer" the other way round)."""
    if _range_of_column(args, words, layer, notes):
        return
    asked = _DIFFERENCE.search(words)
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    if asked is None and metrics and not args.get("share"):
        if _TWO_COUNTS.search(words) and not args.get("group_by") and _conditions_versus(
                args, words, None, catalog, layer, notes):
            return  # ("the number of price rises and the number of price cuts")
        if not _periods_compared(args, words, metrics[0], layer, notes):
            _compared_groups(args, words, catalog, layer, notes)
        return
    if asked is None or args.get("share") or args.get("group_by"):
        return
    way = asked["way"] or asked["by_way"]
    both = [f for f in args.get("filters") or [] if f.get("op") == "in"
            and isinstance(f.get("value"), list) and len(f["value"]) == 2]
    if len(metrics) == 2 and not both:
        if metrics[0].startswith("min(") and metrics[1] == f"max({metrics[0][4:]}":
            args["metrics"] = metrics = [metrics[1], metrics[0]]
        args["combine"] = "difference"
        notes.append(f"combine difference: the question asks for {metrics[0]} minus "
                     f"{metrics[1]}")
        return
    if not both and metrics and (_periods_versus(args, words, metrics[0], way, layer,
                                                 notes)
                                 or _periods_compared(args, words, metrics[0], layer, notes)):
        return  # ("by how much did revenue fall from September to October")
    if not both and _conditions_versus(args, words, way, catalog, layer, notes):
        return
    if not both and _value_both_ways(args, words, way, layer, notes):
        return
    if len(both) != 1 or not metrics:
        return
    said = f" {phrase(words)} "

    def at(value: Any) -> int:
        names = [str(value), *layer.value_synonyms.get(str(value), [])]
        found = [said.find(f" {phrase(n)} ") for n in names]
        return min((i for i in found if i >= 0), default=len(said))

    values = sorted(both[0]["value"], key=at)
    if way in _LESS_WAYS:
        values.reverse()
    field = both[0]["field"]
    args["filters"] = [f for f in args["filters"] if f is not both[0]]
    args["versus"] = [{"field": field, "op": "=", "value": v} for v in values]
    notes.append(f"versus {field} = {values[0]} and {values[1]}: the question asks for the "
                 "difference")


# what denies the value said right after it: "outside the US", "non-US", "other than"
_DENIED_BEFORE = re.compile(r"\b(?:outside|not|non|other than|except|excluding|besides|"
                            r"apart from|beyond)(?: (?:in|from|of))?(?: the)? $")


def _value_both_ways(args: dict[str, Any], words: str, way: str | None, layer: SemanticLayer,
                     notes: list[str]) -> bool:
    """"How many more days with suppliers outside the US than with US suppliers": one
    filter's value said once denied and once not; the metric over each side, in the order
    said ("fewer": the other way round). True when it is."""
    said = f" {phrase(words)} "
    for f in [f for f in args.get("filters") or [] if f.get("op") in ("=", "!=")
              and isinstance(f.get("value"), str)]:
        names = [f["value"], *layer.value_synonyms.get(f["value"], [])]
        places = sorted({m.start() for n in names
                         for m in re.finditer(rf"(?<= ){re.escape(phrase(n))}(?= )", said)})
        denied = [bool(_DENIED_BEFORE.search(said[:at])) for at in places]
        if len(places) < 2 or all(denied) or not any(denied):
            continue
        sides = [{"field": f["field"], "op": "!=" if d else "=", "value": f["value"]}
                 for d in (denied[0], not denied[0])]
        if way in _LESS_WAYS:
            sides.reverse()
        args["filters"] = [g for g in args["filters"] if g is not f]
        args["versus"] = sides
        notes.append(f"versus {f['field']} {sides[0]['op']} and {sides[1]['op']} "
                     f"{f['value']!r}: the question sets the value against the rest")
        return True
    return False


def _conditions_said(filters: list[dict[str, Any]],
                     layer: SemanticLayer) -> list[tuple[dict[str, Any], Segment]]:
    """The filters that keep a named condition's rows ("sold_out" = true), with it."""
    return [(f, seg) for f in filters if f.get("op") == "=" and f.get("value") is True
            and (seg := layer.segment(str(f.get("field")))) is not None]


def _conditions_versus(args: dict[str, Any], words: str, way: str | None, catalog: Catalog,
                       layer: SemanticLayer, notes: list[str]) -> bool:
    """"How many more price cuts than price increases": two named conditions of one table,
    each a side (the rows of that table counted unless the metric is of it), the first
    said less the second ("fewer": the other way round). True when it is."""
    filters = [f for f in args.get("filters") or [] if isinstance(f, dict)]
    said = _conditions_said(filters, layer)
    sides, tables = [f for f, _ in said], {seg.table for _, seg in said}
    if len(sides) != 2 or len(tables) != 1:
        return False
    table = tables.pop()
    metric = layer.metric(str((args.get("metrics") or [""])[0]))
    if metric is None or metric.table != table:
        count = _row_count(table, catalog, layer)
        if count is None:
            return False
        args["metrics"] = [count]
        notes.append(f"metric {count}: the question compares {table} rows")
    args["filters"] = [f for f in filters if f not in sides]
    _versus_sides(args, words, sides, layer, notes)
    if way in _LESS_WAYS:
        args["versus"].reverse()
    _drop_unreached(args, table, catalog, layer, notes)
    _calendar(args, words, catalog, layer, notes)  # on the compared rows' own date
    return True


def _periods_versus(args: dict[str, Any], words: str, name: str, way: str,
                    layer: SemanticLayer, notes: list[str]) -> bool:
    """"How many more units did we sell in September 2026 than in October 2026": the
    metric over each of the two calendar ranges said either side of "than", and the
    first less the second ("fewer": the other way round). True when it is."""
    before, than, after = words.partition(" than ")
    ranges = [named_range(before), named_range(after)] if than else []
    if not ranges or any(r is None for r in ranges):
        return False
    if way in _LESS_WAYS:
        ranges.reverse()
    return _versus_ranges(args, [r for r in ranges if r is not None], name, layer, notes,
                          "the question asks for the difference")


# "By what percent did revenue change from September to October 2026", "did purchase
# orders grow ...": the later range's figure against the earlier's.
_CHANGE_WORDS = (r"chang(?:e|ed|es)|grow|grew|growth|rise|rose|fall|fell|drop|dropped|increase|"
                 r"increased|decrease|decreased|decline|declined|(?:go|went) (?:up|down)|"
                 r"up or down|move|moved")
_CHANGE = re.compile(rf"\b(?:{_CHANGE_WORDS})\b")
_FELL = re.compile(r"\b(?:fall|fell|drop|dropped|decrease|decreased|decline|declined|shrink|"
                   r"shrank|(?:go|went) down)\b")
_IN_PERCENT = re.compile(r"\b(?:percent|percentage|pct)\b|%")
# "Compare revenue in August and September", "August vs September", "did we take more in
# August 2026 or September 2026", "week over week", "how many in the last 7 days, and how
# many in the 7 days before": each range's figure side by side.
_SIDE_BY_SIDE = re.compile(r"\b(?:compare|compared|comparing|comparison|versus|vs|side by side|against|"
                           r"each of (?:the|those|these) two|both|(?:day|week|month|quarter|year) "
                           r"over (?:day|week|month|quarter|year)|and (?:how (?:many|much)|what))\b|"
                           r"\b(?:more|less|fewer|higher|lower|bigger|smaller)\b.* \bor\b")


def _periods_compared(args: dict[str, Any], words: str, name: str, layer: SemanticLayer,
                      notes: list[str]) -> bool:
    """The metric over each of two calendar ranges the question sets against each other
    and their difference: a change "from" one "to" the other is the later less the
    earlier (in percent of the earlier when asked, ``combine`` "change"); a comparison
    keeps the order said. True when it is."""
    change = _CHANGE.search(words) is not None
    # ("units in October 2026 minus units in September 2026": the first less the second)
    if not change and _SIDE_BY_SIDE.search(words) is None and " minus " not in words:
        return False
    ranges = two_ranges(words, spans_are_pairs=change)
    if ranges is None:
        return False
    first, second = ranges
    if change:
        first, second = (second, first) if first.start < second.start else (first, second)
        if _FELL.search(words) and not _IN_PERCENT.search(words):
            first, second = second, first  # "by how much did it fall": the earlier less the later
        name = _changed_term(words, layer) or name
        if name != args["metrics"][0]:
            args["metrics"] = [name]
            notes.append(f"metric {name}: the question asks how it changed")
    if not _versus_ranges(args, [first, second], name, layer, notes,
                          "the question compares two periods"):
        return False
    if change and _IN_PERCENT.search(words):
        args["combine"] = "change"
        notes.append("combine change: the question asks for the change in percent")
    return True


def _compared_groups(args: dict[str, Any], words: str, catalog: Catalog,
                     layer: SemanticLayer, notes: list[str]) -> bool:
    """"Pending vs delivered: the average order value of each", "compare the list price of
    variants still for sale against those sold out": a row for each side, grouped by the
    column of the two values said (or by one of two conditions that are each other's
    negation, which then filter nothing). True when it is."""
    two_counts = _TWO_COUNTS.search(words) is not None
    if args.get("group_by") or _SIDE_BY_SIDE.search(words) is None and not two_counts:
        return False
    filters = [f for f in args.get("filters") or [] if isinstance(f, dict)]
    one_row = _ONE_ROW.search(words) is not None or two_counts
    pairs = [f for f in filters if f.get("op") == "in" and isinstance(f.get("value"), list)
             and len(f["value"]) == 2]
    if len(pairs) == 1:
        if one_row:
            args["filters"] = [f for f in filters if f is not pairs[0]]
            _versus_sides(args, words, [{"field": pairs[0]["field"], "op": "=", "value": v}
                                        for v in pairs[0]["value"]], layer, notes)
            return True
        args["group_by"] = [pairs[0]["field"]]
        notes.append(f"group_by {pairs[0]['field']}: the question compares "
                     f"{' and '.join(map(str, pairs[0]['value']))}")
        return True
    for (one, first), (other, second) in itertools.combinations(_conditions_said(filters, layer),
                                                                2):
        # "sold out" (NOT variants.available) against "still for sale" (variants.available)
        column = second.sql if first.sql == f"NOT {second.sql}" else \
            first.sql if second.sql == f"NOT {first.sql}" else None
        if column is not None and catalog.column(column) is not None:
            args["filters"] = [f for f in filters if f is not one and f is not other]
            if one_row:
                _versus_sides(args, words, [one, other], layer, notes)
                return True
            args["group_by"] = [column]
            notes.append(f"group_by {column}: the question compares {first.name} with "
                         f"{second.name}")
            return True
    return False


# "Give me two numbers in one row", "side by side": columns, not a row for each
# "the number of price rises and the number of price cuts": two counts, one row
_TWO_COUNTS = re.compile(r"\b(?:the number of|how many) (?:\w+ ){1,8}?and (?:also )?"
                         r"(?:the number of|how many)\b")
_ONE_ROW = re.compile(r"\b(?:in|on) (?:one|a single|the same) row\b|\bside by side\b|"
                      r"\btwo (?:numbers|figures|columns)\b")


def _said_at(condition: dict[str, Any], said: str, layer: SemanticLayer,
             words_of: dict[str, str] | None = None) -> int | None:
    """Where ``said`` (a phrase, space-framed) first names a filter's value or named
    condition, or by the words the linker found it by (``words_of``); None when nowhere."""
    term = layer.segment(str(condition["field"])) if condition.get("value") is True else None
    value = str(condition.get("value"))
    names = [term.label, *term.synonyms] if term else [
        value, *layer.value_synonyms.get(value, []),
        *([words_of[value]] if words_of and value in words_of else [])]
    found = [said.find(f" {phrase(n)} ") for n in names]
    if all(i < 0 for i in found):
        # ("raise a list price" for "raise the price": its first and last words, a few
        # words apart)
        loose = [re.search(rf" {re.escape(w[0])}\w* (?:\w+ ){{0,3}}{re.escape(w[-1])} ", said)
                 for n in names if len(w := phrase(n).split()) > 1]
        found = [m.start() for m in loose if m is not None]
    return min((i for i in found if i >= 0), default=None)


def _versus_sides(args: dict[str, Any], words: str, sides: list[dict[str, Any]],
                  layer: SemanticLayer, notes: list[str]) -> None:
    """The metric over each side as a column (``versus``), in the order the question says
    them."""
    said = f" {phrase(words)} "

    def at(side: dict[str, Any]) -> int:
        where = _said_at(side, said, layer)
        return len(said) if where is None else where

    args["versus"] = sorted(sides, key=at)
    notes.append("versus " + " and ".join(f"{s['field']} = {s['value']}" for s in args["versus"])
                 + ": the question asks for the two side by side")


# "by what percent did [sales revenue] change", "how much did [units sold] grow"
_CHANGED = re.compile(rf"\b(?:did|has|have|had|was|were) (?P<what>.+?) (?:{_CHANGE_WORDS})\b")


def _changed_term(words: str, layer: SemanticLayer) -> str | None:
    """The metric whose label or synonym the words that changed say, the longest; None
    when they name none (the model's metric stays)."""
    said = _CHANGED.search(words)
    if said is None:
        return None
    what = f" {phrase(said['what'])} "
    named = [(len(phrase(t).split()), m.name) for m in layer.metrics
             for t in (m.label, *m.synonyms) if f" {phrase(t)} " in what]
    longest = max(named, default=None)
    return longest[1] if longest and [n for n in named if n[0] == longest[0]] == [longest] \
        else None


def _versus_ranges(args: dict[str, Any], ranges: list[NamedRange], name: str,
                   layer: SemanticLayer, notes: list[str], why: str) -> bool:
    metric = layer.metric(name)
    column = (metric.time_column or layer.time_column(metric.table)) if metric else None
    if column is None or args.get("group_by"):
        return False
    args["versus"] = [r.filter(column) for r in ranges]
    args["filters"] = [f for f in args.get("filters") or []
                       if not (isinstance(f, dict) and f.get("field") == column)]
    args["period"] = "all"
    notes.append(f"versus {column} in two ranges: {why}")
    return True


_RANGE = re.compile(r"\b(?:price|cost|time|day|lead time|transit time) range\b|\brange of\b")


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


# "How many SKUs are no longer available, and what share of the catalogue is that", "what
# percentage of orders were cancelled, and how many was that": the part's figure too
_COUNT_AND_SHARE = re.compile(r"\bhow (?:many|much)\b.*\b(?:and|also) (?:what|which) "
                              r"(?:percentage|percent|share|proportion|fraction)\b|"
                              r"\b(?:percentage|percent|share|proportion|fraction)\b.*"
                              r"\b(?:and|also) how (?:many|much)\b")


def _share_part(args: dict[str, Any], words: str, notes: list[str]) -> None:
    """A share asked together with how many: the part's figure beside its share."""
    if args.get("share") and not args.get("group_by") and _COUNT_AND_SHARE.search(words):
        args["share_part"] = True
        notes.append("share_part: the question asks how many as well as what share")


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
    asked, bound = _HOW_MANY.search(words), _first_bound(words)
    counting = asked is not None and asked.group(1) == "how many"
    # "which customers placed more than 12 orders", "list the orders worth over $6,000":
    # the same bound per thing, the things that pass listed
    # (not in a ranking or a share: "which warehouse has the lowest share of its items
    # with zero units" bounds each item)
    listed = None if counting or args.get("share") or _SUPERLATIVE.search(words) \
        else _WHICH.match(words) or _LIST.match(words)
    start = asked.end() if counting and asked else listed.start("thing") if listed else None
    if start is None or bound is None or bound.start < start:
        return []
    counted = _counted_words(words, asked) if counting and asked else words[start:].split()[:3]
    after = " ".join(words[bound.end:].split()[:3])
    grain = _PER_GRAIN.get(counted[0].rstrip("s")) if counted else None
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    if grain is not None:  # "on how many days ... more than 1,500 units": the metric per day
        if first is None or first.format == "count" and not _names(after, first, layer, ""):
            return []
        per = first.table
        grouped = [grain]
    else:
        subject = (_counted_table if counting else _asked_table)(words, catalog, layer)
        keys = catalog.tables[subject].primary_key if subject in catalog.tables else []
        # ("fewer than 10 units", "under 10 sellable units")
        units = _units_term(words, keys[0], catalog, layer) \
            if len(keys) == 1 and set(after.split()[:2]) & _UNIT_WORDS else None
        # (a bound in dollars bounds money, not a count of what is said after it)
        named = _table_of_count(after, subject, catalog, layer) \
            if len(keys) == 1 and units is None and not bound.money else None
        count = _row_count(named[0], catalog, layer) if named else None
        if units is not None:
            # "variants with fewer than 5 units on hand", "variants that sold more than 500
            # units": the units term the question says, summed per variant
            named, count = (units.table, "units"), units.name
        if named is None and len(keys) == 1 and (
                bound.number in ("once", "twice") or after.startswith("times")):
            # "changed more than twice": the rows are the events the verb before names,
            # counted by the layer's count of them when it is named ("price changes")
            # (a segment's own words first: "list price raised" are price rises, whatever
            # a stem of them names)
            for said in sorted(_event_words(words[:bound.start]),
                               key=lambda s: _segment_table(s, layer) is None):
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
        if named is None and len(keys) == 1 and not bound.money and not after.strip(" .?!") \
                and (before := _units_said(" ".join(words[:bound.start].split()[-6:]),
                                           keys[0], catalog, layer)) is not None:
            # "variants whose free-to-sell quantity is less than 10": the units term said
            # just before the bound, summed per variant
            named, count = (before.table, "units"), before.name
        total = _money_total_per_thing(words, bound.start, catalog, layer) \
            if named is None and bound.money else None
        if total is not None:  # "orders worth more than $3,000": each order's value
            named, count = (total.table, total.label), total.name
        if named is None or count is None:
            return []
        per, term = named
        if per in (args.get("absent") or []) and bound.said == "at least" \
                and bound.number in ("1", "one"):
            # "primary for at least one product but never a backup for any": the rows
            # lacked are a kind of them; "at least one" only says the thing has some
            return []
        if per in (args.get("absent") or []) and bound.op in ("=", "<=") and bound.value == 0:
            # "customers with zero orders": none of them, as the absent rows say (a group
            # holds at least one row, so no bound on groups finds them)
            return []
        if first is None or first.table != per or first.format != "count" or (
                total is not None and first.name != count):
            args["metrics"] = [count]
            notes.append(f"metric {count}: the question bounds the {per} per {subject}")
            _drop_unreached(args, per, catalog, layer, notes)
            _drop_named_within(args, term, words, notes)
        grouped = [f"{per}.{keys[0]}"]
    value = bound.value
    ends = value if isinstance(value, list) else [value]
    filters = args.get("filters") or []
    kept = [f for f in filters if not any(_is_number(f.get("value"), v) for v in ends)
            or isinstance(f.get("value"), bool)]
    if len(kept) < len(filters):
        notes.append(f"filters on {value} dropped: the number bounds the {per} per group")
    if per in (args.get("absent") or []):
        # "sourced from only one supplier, with no backup supplier at all": the negation
        # says the bound again; rows lacked and a bound on them cannot both hold
        args["absent"] = [t for t in args["absent"] if t != per]
        kept = [f for f in kept if not (isinstance(f.get("value"), bool) and layer.segment(
            str(f.get("field"))) and _field_table(f.get("field"), catalog, layer) == per)]
        notes.append(f"absent {per} dropped: the bound on the {per} per group says it")
    args["filters"], args["group_by"] = kept, grouped
    args["having"] = {"op": bound.op, "value": value}
    args["count_groups"], args["order"], args["limit"] = counting, "none", None
    notes.append(f"group_by {grouped[0]}, having {args['having']['op']} {value}"
                 + (", count_groups: the question counts" if counting else
                    ": the question lists") + " what passes a bound per group")
    if counting:
        _second_bound(args, words, bound.end, notes)
    return grouped


def _bound_in_term(args: dict[str, Any], words: str, layer: SemanticLayer) -> bool:
    """Whether the counted term's own condition is the question's bound ("items with zero
    units on hand" counted by out-of-stock items): then it bounds nothing more."""
    bound = _BOUND.search(words)
    measured = layer.metric(str((args.get("metrics") or [""])[0]))
    if bound is None or measured is None or measured.format != "count":
        return False
    number = bound.group(2)
    value = float(_WORDS[number]) if number in _WORDS else float(number.replace(",", ""))
    return any(_is_number(c.get("value"), value) for c in _term_conditions(measured))


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
    # a name said whole first ("units free to sell" is stock, though "sell" is in it;
    # "sellable units")
    whole = [m for m in held if any(
        (n.lower().startswith("units ") or n.lower().endswith(" units"))
        and f" {phrase(n)} " in said
        for n in (m.label, *m.synonyms))]
    found = whole or [m for m in held if m.label.lower().startswith("units ") and says(m)]
    return found[0] if len(found) == 1 else None


def _units_said(text: str, key: str, catalog: Catalog, layer: SemanticLayer) -> Metric | None:
    """The one units term whose table holds ``key`` that ``text`` says by a whole name,
    the longest said ("unreserved stock", not "stock")."""
    said = f" {phrase(text)} "
    found: dict[str, int] = {}  # term -> the length of its longest name said
    for m in layer.metrics:
        if m.format == "units" and catalog.tables[m.table].column(key) is not None:
            sizes = [len(n) for n in map(phrase, (m.label, *m.synonyms)) if f" {n} " in said]
            if sizes:
                found[m.name] = max(sizes)
    longest = [n for n, size in found.items() if size == max(found.values())]
    return layer.metric(longest[0]) if len(longest) == 1 else None


_AUXILIARIES = frozenset({"has", "have", "had", "been", "was", "were", "is", "are", "be", "being",
                          "got", "gotten"})


def _event_words(before: str) -> list[str]:
    """The last words before a count of times with each past tense as its stem ("list
    price changed": "list price change", "list price chang"), then as said, to find the
    table whose rows are those events (price changes, not the prices the words say)."""
    # ("whose list price has been changed": the auxiliaries say no event)
    said = [w for w in before.split() if w not in _AUXILIARIES][-4:]
    # ("promoted" more than once: promotions)
    nouns = " ".join(f"{w[:-2]}ion" if w.endswith("ted") and len(w) > 5 else w for w in said)
    return ([nouns] if nouns != " ".join(said) else []) + [
        " ".join(w[:len(w) - cut] if w.endswith("ed") and len(w) > 4 else w for w in said)
        for cut in (1, 2, 0)]


_LEADING = frozenset({"all", "the", "our", "of", "every"})


def _share_counts(args: dict[str, Any], rest: str, catalog: Catalog, layer: SemanticLayer,
                  notes: list[str]) -> None:
    """"What percentage of all orders were cancelled": the whole is a count of the rows of
    the table named after "of", unless the model's metric is already that table's (its
    units, its money). A metric of another table, or a ratio, is no share of them."""
    # (up to a past tense: "of the order assistant's runs ended with ...": the runs)
    said = list(itertools.takewhile(lambda w: not w.endswith("ed"), [
        w.removesuffix("'s").removesuffix("’s") for w in rest.split()
        if w not in _LEADING and w != "s"]))[:4]
    # "of the order agent's runs": the runs (the head of the phrase), else the first word
    # ("of all item-and-warehouse slots": the table keyed by the two)
    pair = _PAIRS.match(" ".join(said))
    table = (_keyed_by(pair["a"], pair["b"], catalog, layer) if pair else None) or _head_table(
        said, catalog, layer) or (_table_named(" ".join(said[:1]), catalog, layer) if said else None)
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


_SIGNED = re.compile(r"^\s*\(?(\w+\.\w+)\s*(<|>)\s*(\w+\.\w+)\)?\s*$")


def _decrease_size(args: dict[str, Any], layer: SemanticLayer, notes: list[str]) -> None:
    """"When we cut a list price, how big is the cut on average": of the rows a segment
    keeps where the term's difference is below zero (``price < previous_price`` under
    ``price - previous_price``), a decrease is said by its size ("a 9.6% cut"), and "the
    deepest cut" is the largest size: the term's values are taken without their sign."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    extreme = re.fullmatch(r"(min|max)\((\w+)\)", metrics[0]) if metrics else None
    fn, name = (extreme[1], extreme[2]) if extreme else ("avg", metrics[0] if metrics else "")
    term = next((m for m in layer.metrics if m.name == name), None)
    values = layer.row_values(term) if term is not None else None
    if term is None or values is None:
        return
    for f in args.get("filters") or []:
        segment = layer.segment(str(f.get("field"))) if f.get("op") == "=" else None
        signed = _SIGNED.match(segment.sql) if segment and f.get("value") is True else None
        if segment is None or signed is None:
            continue
        left, op, right = signed.groups()
        if f"{left} - {right}" in values and op == "<" or f"{right} - {left}" in values \
                and op == ">":
            args["metrics"] = [f"{fn}_size({term.name})", *metrics[1:]]
            notes.append(f"metric {fn}_size({term.name}): {segment.name} keeps decreases, "
                         "said by their size")
            return


def _units_per_place(args: dict[str, Any], words: str, catalog: Catalog, layer: SemanticLayer,
                     notes: list[str]) -> list[dict[str, Any]]:
    """"Which warehouse has the most items with between 1 and 9 units on hand", "for each
    warehouse, how many items have zero units on hand": a units term kept per thing and
    place (stock: a row per item and warehouse), bounded per row, counted per place. The
    row filter it adds; [] when the question is not of this shape."""
    groups = [g for g in args.get("group_by") or [] if isinstance(g, str)]
    between = _BETWEEN.search(words)
    bound = between or next((m for m in _BOUND.finditer(words)
                             if words[m.end():].lstrip().startswith("units")), None)
    if not groups or bound is None or between is not None and between.group(4) != "units":
        return []
    for term in (m for m in layer.metrics if m.format == "units"):
        column = _ONE_COLUMN.fullmatch(term.sql)
        keys = catalog.tables[term.table].primary_key if term.table in catalog.tables else []
        if column is None or len(keys) != 2 or _units_term(words, keys[0], catalog, layer) \
                is not term and _units_term(words, keys[1], catalog, layer) is not term:
            continue
        # the place is the key the breakdown names, the thing the other one
        places = [k for k in keys for g in groups if g.rpartition(".")[2] == k
                  or _field_table(g, catalog, layer) in catalog.tables and k in
                  catalog.tables[str(_field_table(g, catalog, layer))].primary_key]
        if len(set(places)) != 1:
            continue
        thing = next(k for k in keys if k != places[0])
        value: Any
        if between is not None:
            low, high = (float(between.group(i).replace(",", "")) for i in (2, 3))
            op, value = "between", [_plain_number(low), _plain_number(high)]
        else:
            number = bound.group(2)
            op = _BOUND_OPS[bound.group(1)]
            value = _WORDS[number] if number in _WORDS else _plain_number(
                float(number.replace(",", "")))
        args["metrics"] = [f"count_distinct({term.table}.{thing})"]
        args["group_by"] = [f"{term.table}.{places[0]}" if g.rpartition(".")[2] == places[0]
                            else g for g in groups]
        args["having"], args["count_groups"] = None, False
        notes.append(f"metric count_distinct({term.table}.{thing}) per {places[0]}: the "
                     f"question counts the {thing}s whose {term.label} passes a bound there")
        row = {"field": column.group(2), "op": op, "value": value}
        notes.append(f"filter {row['field']} {op} {value}: each {term.table} row's units")
        return [row]
    return []


# "How many deals are live, and how many of those are multi-buy": a part of the rows too
_OF_THOSE = re.compile(r"\b(?:how many|how much|what number|what amount) of (?:those|them|these)\b|"
                       r"\bof (?:those|them|these),? how many\b")

_OF_ITS = re.compile(r"\b(?:how many|how much|what number|what amount) of (?:its|their)\b")


_SUM_OF_A_COLUMN = re.compile(r"\s*sum\(\s*[\w.]+\s*\)\s*", re.IGNORECASE)
_HOW_MANY_UNITS = re.compile(r"\bhow (?:many units|much stock|much inventory)\b")


def _whole_beside_part(args: dict[str, Any], before: str, layer: SemanticLayer,
                       notes: list[str]) -> bool:
    """"How many units are in our warehouses, and how many of those are reserved": the
    part is a column of its own (units reserved), not a condition; the whole is the
    table's one other plain sum of that kind (units on hand). True when there is one."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    part = layer.metric(metrics[0]) if len(metrics) == 1 else None
    if part is None or part.format != "units" or part.filter or \
            not _SUM_OF_A_COLUMN.fullmatch(part.sql) or not _HOW_MANY_UNITS.search(before):
        return False
    wholes = [m for m in layer.metrics if m.table == part.table and m.format == part.format
              and m is not part and not m.filter and _SUM_OF_A_COLUMN.fullmatch(m.sql)]
    if len(wholes) != 1:
        return False
    args["metrics"] = [wholes[0].name, part.name]
    notes.append(f"metric {wholes[0].name} beside {part.name}: the question asks how many "
                 f"{part.format} in all, and how many of those")
    return True


def _of_those(args: dict[str, Any], words: str, said_by: dict[str, str],
              layer: SemanticLayer, notes: list[str]) -> bool:
    """"How many orders did the agent hold for review, and how many of those are still
    awaiting approval": the figure over the rows the conditions said before "of those"
    keep, and again over those the conditions said after it also keep (``subset``). True
    when the question is of that shape."""
    match = _OF_THOSE.search(words)
    if match is None and args.get("group_by"):  # "for each product with more than 15
        match = _OF_ITS.search(words)  # variants, how many of its variants ...": per group
    elif args.get("group_by"):
        return False
    filters = [f for f in args.get("filters") or [] if isinstance(f, dict)]
    if match is None or not args.get("metrics") or args.get("share"):
        return False
    said = f" {phrase(words)} "
    cut = len(f" {phrase(words[:match.start()])}")
    part = [f for f in filters if (at := _said_at(f, said, layer, said_by)) is not None
            and at >= cut and f.get("op") != "latest"]
    if not part:
        return _whole_beside_part(args, words[:match.start()], layer, notes)
    args["filters"] = [f for f in filters if f not in part]
    args["subset"], args["versus"], args["combine"] = part, [], None
    notes.append("subset " + " and ".join(f"{f['field']} {f['op']} {f['value']!r}" for f in part)
                 + ": the question asks how many of those")
    return True
