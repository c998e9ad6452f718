"""How the answer's rows are laid out: the breakdown the words ask for, the subject of
"which ...", ranking and ties, names beside ids, a value as of a date, rounding. A step
of ``_sql_amend``."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from ._semantic import SemanticLayer
from ._sql_amend_common import (
    _ASC,
    _ASCENDING,
    _BOUND_OPS,
    _DATE_GRAINS,
    _DESCENDING,
    _HOW_MANY,
    _LEADING_CLAUSE,
    _LIST,
    _NOT_RANKING,
    _ONE_COLUMN,
    _PER_GRAIN,
    _PHRASE_ENDS,
    _SUPERLATIVE,
    _UNREACHABLE,
    _WHICH,
    _WORDS,
    _asked_table,
    _cost_from,
    _counted_table,
    _drop_unreached,
    _field_table,
    _figure_named,
    _link_table,
    _participle,
    _root,
    _row_count,
    _singular,
    _spell,
    _stated,
    _stated_numbers,
    _stem,
    _table_named,
    _table_of_count,
    _tables_said,
    _term_conditions,
)
from ._sql_amend_filters import _rehome
from ._sql_calendar import named_range
from ._sql_catalog import Catalog, CatalogColumn
from ._sql_linking import Linked, phrase, tokens
from ._sql_query import MAX_GROUPS

# A count of rows is small: "which month of 2026 had the most" ranks no 2,026 rows.
_FEW = rf"(\d{{1,3}}|{'|'.join(_WORDS)})"
# "top 5", "5 ... with the most", "priciest 3 products", "slowest 3 suppliers" (slow and
# fast rank by the duration the question measures: the order the query already has)
_TOP_N = re.compile(rf"\b(top|bottom) {_FEW}\b|(?<![\d,.]){_FEW} (\w+ ){{0,3}}?"
                    rf"(with |have |has )?(the )?({_DESCENDING}|{_ASCENDING})\b|"
                    rf"\b(?<!at )(?P<first>{_DESCENDING}|{_ASCENDING}|(?P<speed>slowest|fastest|"
                    rf"quickest)) (?P<n>{_FEW})\b(?![\d,.%]| ?percent)")
# "the most" picks one row; "most first" only sorts.
_WHICH_N = re.compile(rf"{_LEADING_CLAUSE}\W*(?:which|what) (?:top )?(\d{{1,2}}|{'|'.join(_WORDS)}) ")
_PICK = re.compile(rf"\bthe ({_DESCENDING}|{_ASCENDING})\b(?! first){_NOT_RANKING}")
_BEST_GRAIN = re.compile(rf"\b(?P<sup>{_DESCENDING}|{_ASCENDING}|slowest)"
                         rf"(?: single)? (?P<grain>day|week|month|year)\b(?! of the)")
_PER_GRAIN_SAID = re.compile(r"\b(?:per|each|every|by) (?P<grain>day|week|month|year)\b|"
                             r"(?<!average )(?<!mean )(?<!typical )\b(?P<ly>daily|weekly|monthly)"
                             # (not an occasion: "for the weekly trading call")
                             r"(?! average)\b(?! (?:\w+ )?(?:call|meeting|report|review|deck|"
                             r"sync|stand-?up|update|email|newsletter|summary|briefing)s?\b)")
_LY = {"daily": "day", "weekly": "week", "monthly": "month"}
# "on what date did we sell the most": a day picked by a superlative (not "what date did
# the first order arrive", a date asked of the rows)
_WHICH_DATE = re.compile(rf"\b(?:which|what) (?:calendar |single )?date\b(?=.*\b(?:{_DESCENDING}|"
                         rf"{_ASCENDING})\b)")
_WHICH_GRAIN = re.compile(r"\b(?:which|what) (?:calendar |single )?(?P<grain>day|week|month|year)\b"
                          r"(?! of the)")


_MORE_THAN = ("above|over|higher than|greater than|more than|larger than|bigger than|exceeds?"
              "|exceeding|in excess of|after|later than|dearer than|pricier than")
_LESS_THAN = ("below|under|lower than|less than|smaller than|cheaper than|before|earlier than"
              "|undercut|undercuts|undercutting")
# "priced below their unit cost", "received after the expected date": a column, not a number
_COMPARED = re.compile(rf"\b(?:(?P<more>{_MORE_THAN})|(?P<less>{_LESS_THAN})) "
                       r"(?:(?:what|the|their|its|our|each|his|her|it|they) )*"
                       r"(?P<other>[a-z][a-z ]*)")
# "more units reserved than on hand": the first column between, the other after "than"
_MORE_X_THAN = re.compile(r"\b(?:(?P<more>more|greater|higher)|(?P<less>fewer|less|lower)) "
                          r"(?P<this>[a-z][a-z ]{2,30}?) than "
                          r"(?:(?:what|the|their|its|our|each|it|they|is|are) )*"
                          r"(?P<other>[a-z][a-z ]*)")
# a formula said in words, after which "over" divides ("price minus cost, over price")
_ARITHMETIC = re.compile(r"\b(?:minus|plus|less|times)\b")
# a comparison that is one of prices ("cheaper than", "pricier than")
_PRICED = re.compile(r"(?:cheaper|dearer|pricier|costlier) than\b")
# stems, as a column says ("charging less than": the price)
_SAID_AS = {"arriv": "receiv", "deliver": "receiv", "due": "expect", "charg": "pric",
            "ask": "pric"}
_NOT_COMPARED = ("_id", "_no", "position", "seq", "lat", "lon")


def _columns_compared(args: dict[str, Any], words: str, linked: Linked, catalog: Catalog,
                      layer: SemanticLayer, notes: list[str]) -> bool:
    """"Variants priced below their unit cost", "purchase orders received after their
    expected date": a row condition between the column the words before the comparison
    name and the one after it (two numbers or two dates), as the question says them.
    True when it added one."""
    root = _root(args.get("metrics"), [g for g in args.get("group_by") or []
                                       if isinstance(g, str)], layer)
    if root not in catalog.tables or args.get("compare"):
        return False
    if (same := _SAME.search(words)) is not None:
        # "routes that start and end in the same region": the two columns of that name
        ends = [c for c in catalog.tables[root].columns
                if c.kind == "text" and c.name.endswith(f"_{same['what']}")]
        if len(ends) == 2:
            args["compare"] = [{"field": ends[0].ref, "op": "=", "value": ends[1].ref}]
            notes.append(f"compare {ends[0].ref} = {ends[1].ref}: the question says the same "
                         f"{same['what']}")
            return True
    pairs = [(said, " ".join(words[:said.start()].split()[-3:]))
             for said in _COMPARED.finditer(words)]
    pairs += [(said, said["this"]) for said in _MORE_X_THAN.finditer(words)]
    for said, before in pairs:
        if said.group(0).startswith("over ") and _ARITHMETIC.search(before):
            continue  # "list price minus unit cost, over list price": divided by, no bound
        after = " ".join(said["other"].split()[:3])
        left = _compared_column(before, root, catalog, layer, linked, near_end=True)
        if left is None and _PRICED.match(said.group(0)):
            # "was each competitor cheaper than our list price": the root's own price
            left = _compared_column("price", root, catalog, layer, linked, near_end=True)
        right = _compared_column(after, root, catalog, layer, linked, near_end=False)
        if right is None and left is not None and _THEIRS.match(after):
            right = _namesake(left, words, root, catalog, layer, linked)
        if left is None or right is None or left.ref == right.ref or left.kind != right.kind:
            continue
        op = ">" if said["more"] else "<"
        args["compare"] = [{"field": left.ref, "op": op, "value": right.ref}]
        # a bound the model read on either column was this comparison
        args["filters"] = [f for f in args.get("filters") or []
                           if not (isinstance(f, dict) and f.get("field") in (left.ref, right.ref)
                                   and f.get("op") in _BOUND_OPS.values())]
        notes.append(f"compare {left.ref} {op} {right.ref}: the question compares the two")
        return True
    return False


# "in the same region", "within a single region", "within one region"
_SAME = re.compile(r"\b(?:the same|(?:within )?(?:a|one) single|within (?:one|the|a)|"
                   # "parcels that stay inside the region they start from"
                   r"(?:stay|stays|staying|remain|remains|kept) (?:inside|within|in) (?:the|their|"
                   r"its|one|a)(?: same| own| single)?) (?P<what>(?!same\b)[a-z]+)\b")


def _compared_column(text: str, root: str, catalog: Catalog, layer: SemanticLayer,
                     linked: Linked, *, near_end: bool) -> CatalogColumn | None:
    """The one number or date column ``text`` names by its parts ("unit cost", "priced",
    "expected date"), reachable from ``root``: the most parts said, then said nearest the
    comparison (the end of ``text`` or its start), then the table's name or a value it
    holds said too ("what BargainBay charged": a competitor's price), then the root's
    own."""
    stems = [_SAID_AS.get(s, s) for s in (_stem(phrase(w)) for w in text.split())]
    tables = _tables_described(text, catalog, layer, linked)
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


def _tables_described(text: str, catalog: Catalog, layer: SemanticLayer,
                      linked: Linked) -> set[str]:
    """The tables ``text`` says by name, a synonym, a value one holds, or a text column's
    name ("a competitor charged" is the competitors' prices)."""
    said = f" {phrase(text)} "
    return _tables_said(text, catalog, layer) | {
        c.partition(".")[0] for h in linked.values
        if f" {phrase(h.words)} " in said for c in h.columns} | {
        t.name for t in catalog.tables.values() for c in t.columns
        if c.kind == "text" and not c.name.endswith("_id") and f" {phrase(c.name)} " in said}


# the other side of a comparison said as a pronoun: "our list price is higher than theirs"
_THEIRS = re.compile(r"(?:theirs|hers|his)\b")


def _namesake(column: CatalogColumn, words: str, root: str, catalog: Catalog,
              layer: SemanticLayer, linked: Linked) -> CatalogColumn | None:
    """The column of ``column``'s name on the one other table reachable from ``root``
    that the question says ("going by MegaMart Online's prices ... our list price is
    higher than theirs": the competitor's price)."""
    said = _tables_described(words, catalog, layer, linked) - {column.table}
    found = [c for t in sorted(said) if (c := catalog.tables[t].column(column.name)) is not None
             and c.kind == column.kind
             and (t == root or catalog.path(root, t) is not None)]
    return found[0] if len(found) == 1 else None


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


def _in_every(args: dict[str, Any], words: str, linked: Linked, catalog: Catalog,
              layer: SemanticLayer, notes: list[str]) -> None:
    """"How many items are out of stock in every warehouse": of a table with a row per
    thing and place (stock), the things whose rows all meet the condition (the filters on
    those rows, else the condition of the term for them), counted or listed."""
    said = _IN_EVERY.search(words)
    thing = _counted_table(words, catalog, layer) or _asked_table(words, catalog, layer)
    if said is None:
        _all_its_rows(args, words, thing, catalog, layer, notes)
        return
    place = _table_named(said["place"], catalog, layer)
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
        if not counted:
            _names_beside_ids(args, words, catalog, notes)
        return


# "every one of its versions", "all of their variants", "all its lines"
_ALL_ITS = re.compile(r"\b(?:every(?: single)? one of|all(?: of)?|each of) (?:its|their) "
                      r"(?P<rows>\w+(?: \w+)?)")


def _all_its_rows(args: dict[str, Any], words: str, thing: str | None, catalog: Catalog,
                  layer: SemanticLayer, notes: list[str]) -> None:
    """"Which products have every one of their variants available": the things whose own
    rows of another table (rows holding the thing's key) all meet the filters on that
    table, counted or listed."""
    said = _ALL_ITS.search(words) if not args.get("absent") else None  # (none of the
    # opposite kind: ``_all_as_none`` read it so)
    rows = next((t for text in (said["rows"], said["rows"].split()[0])
                 if (t := _table_named(text, catalog, layer))), None) if said else None
    keys = catalog.tables[thing].primary_key if thing in catalog.tables else []
    if rows is None or rows == thing or len(keys) != 1 or catalog.tables[rows].column(
            keys[0]) is None or (count := _row_count(rows, catalog, layer)) is None:
        return
    filters = [f for f in args.get("filters") or [] if isinstance(f, dict)]
    condition = [f for f in filters if _field_table(f.get("field"), catalog, layer) == rows]
    if not condition:
        return
    counted = _counted_table(words, catalog, layer) is not None
    args.update(metrics=[count], group_by=[f"{rows}.{keys[0]}"], filters=filters,
                every=True, count_groups=counted, having=None, average_groups=False,
                absent=[], share=[], order="none", limit=None)
    notes.append(f"every: the {thing} whose {rows} rows all meet "
                 f"{[f.get('field') for f in condition]}" + (", counted" if counted else ""))
    if not counted:  # the things listed by the name a person reads, as any breakdown is
        _names_beside_ids(args, words, catalog, notes)


_ROUNDED = re.compile(
    r"\b(?:round(?:ed|ing)?|correct|accurate|give (?:it|them|that)|expressed|shown?)\b[^.?;]{0,40}?"
    r"\bto (?:the nearest )?(?:(?P<n>\d|one|two|three|four|a|no|zero) (?:decimal(?: place)?s?|dp"
    r"|places?|digits? after the point)\b|(?P<whole>(?:a )?whole(?: \w+)?|an? integers?|integers?"
    r"|(?:the nearest )?(?:dollar|unit|day|percent(?:age point)?)s?)\b|(?P<cent>(?:the )?cents?)\b)"
    r"|\bas (?:a )?(?P<as_whole>whole (?:number|dollar|day|unit|percent)s?|integers?)\b"
    r"|\bin whole (?:dollars|days|units|percent)\b(?P<in_whole>)"
    r"|\((?P<paren>\d) (?:decimal(?: place)?s?|dp)\)"
    r"|\bto (?P<bare>\d|one|two|three|four) (?:decimal(?: place)?s?|dp)\b"
    r"|\bto the nearest (?:whole(?: \w+)?|dollar|integer|(?P<near_cent>cent))\b"
    # "... in days? one decimal.", "..., 2 decimals please": the clause says only that
    r"|(?:^|[.?!;,:]\s*)(?P<alone>\d|one|two|three|four) (?:decimal(?: place)?s?|dp)\b")
_DIGIT_WORDS = {"one": 1, "a": 1, "two": 2, "three": 3, "four": 4, "no": 0, "zero": 0}


def _rounding(args: dict[str, Any], words: str, notes: list[str]) -> None:
    """"Round to 1 decimal", "to two decimal places", "as a whole number", "to the nearest
    dollar", "to the cent": the figures come rounded as the question asks."""
    said = _ROUNDED.search(words)
    if said is None or args.get("decimals") is not None:
        return
    n = said["n"] or said["paren"] or said["bare"] or said["alone"]
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
    if grain is None and _WHICH_DATE.search(words):
        grain = "day"  # "on what date did we move the most units"
    if grain is None or any(g in _DATE_GRAINS for g in grouped) or len(grouped) >= MAX_GROUPS \
            or args.get("versus"):  # ("both weekly totals": each period is a column already)
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
    shown_by = _SHOWN_BY.search(words)
    listed = f" {phrase(words[shown_by.start(1):])} " if shown_by else ""
    # (the things an average is taken over are averaged away: no name beside them)
    averaged = grouped[-1:] if args.get("average_groups") else []
    for ref in list(grouped):
        column = ref.partition(".")[2]
        if not column.endswith("_id") or catalog.column(ref) is None or ref in averaged:
            continue
        keyed = next((t for t in catalog.tables.values() if t.primary_key == [column]), None)
        if keyed is None:
            continue
        texts = [c.name for c in keyed.columns if c.kind == "text" and c.name != column]
        # the one said first, and the others listed after it ("give their first name,
        # last name and the total")
        wanted_all = [c for c in texts if _spelled(c) in said]
        wanted_all += [c for c in texts if wanted_all and c not in wanted_all
                       and f" {_spelled(c)} " in listed]
        wanted = wanted_all[0] if wanted_all else None
        named = keyed.name if wanted or "name" in texts else _owner_asked(
            keyed.name, words, catalog)
        shown = f"{named}.{wanted or 'name'}"
        if named is None or shown in grouped:
            continue
        more = [f"{named}.{c}" for c in wanted_all[1:] if f"{named}.{c}" not in grouped]
        if len(grouped) >= MAX_GROUPS:
            # no room beside it: the name instead of the id, when the question asks for it
            # ("with the carrier's name, the origin and destination regions")
            if re.search(rf"\b{_singular(named.rstrip('s'))} s name\b|\b{_singular(named.rstrip('s'))}"
                         rf" names?\b", words):
                grouped[grouped.index(ref)] = shown
                args["group_by"] = grouped
                notes.append(f"group_by {shown} instead of {ref}: the question asks for the name")
            continue
        shown_all = [shown, *more][:MAX_GROUPS - len(grouped)]
        at = grouped.index(ref) + 1
        grouped[at:at] = shown_all
        args["group_by"] = grouped
        notes.append(f"group_by {', '.join(shown_all)} beside {ref}: a name a person reads")


def _owner_asked(table: str, words: str, catalog: Catalog) -> str | None:
    """"The most expensive variant: which product is it": a nameless thing is shown by the
    name of the thing it belongs to, when the question asks which (or what) that is, or
    for its name ("give the product name")."""
    asked = {m.group(1).rstrip("s") for m in _WHICH_ONE.finditer(words)} | {
        m.group(1).rstrip("s") for m in _OWNER_NAME.finditer(words)}
    for column in catalog.tables[table].columns:
        owner = next((t for t in catalog.tables.values()
                      if t.primary_key == [column.name] and t.name != table), None)
        if owner is not None and owner.column("name") is not None \
                and owner.name.rstrip("s") in asked:
            return owner.name
    return None


# "which product is it", "what product, and at what price"
_WHICH_ONE = re.compile(r"\b(?:which|what) (\w+)")
# "give the product name and its list price"
_OWNER_NAME = re.compile(r"\b(\w+) names?\b")


# "name each warehouse by its city", "identify them by their email", "give the warehouse
# cities"
_SHOWN_BY = re.compile(r"(?:\bby (?:its|their|the)|\b(?:name[ds]?|identif(?:y|ied)|label(?:l?ed)?)"
                       r"(?: them| it| each(?: one| \w+)?| the \w+)? by(?: its| their| the)?|"
                       r"\b(?:give|show|list)(?: me| us)? (?:the|their|its|each)(?: \w+ s(?= \w))?|"
                       # "... to the cent. Warehouse city and margin.", "units per warehouse, city
                       # and total": the columns listed
                       r"[.?!:;,](?= \w+(?: \w+)? and ))"
                       r" (\w+(?: \w+)?)\b")


# "the most orders" counts them; "spent the most on orders" ranks what was spent on them
_MOST_OF = re.compile(r"\bthe (?:most|fewest|least) (?!(?:on|in|for|from|at|with|by|over|during)\b)"
                      r"((?:\w+ ){0,2}\w+)")
# "What is the cheapest variant", "what are the 3 most expensive lanes", "the most popular
# product": which things, too (not "the most recent"; "the most common status" names no
# table's things, ``_most_common``).
_WHAT_THE_MOST = re.compile(
    rf"{_LEADING_CLAUSE}\W*what (?:is|was|are|were) (?:the|our) (?:(?:top )?{_FEW} |single )?"
    rf"(?:{_DESCENDING}|{_ASCENDING}|fastest|quickest|slowest)\b(?! (?:recent|recently|latest)\b)"
    rf"(?:-[a-z]+)? (?:(?:expensive|popular|common|frequent|[a-z]+-[a-z]+) )?"
    rf"(?P<thing>(?:\w+ ){{0,2}}\w+)")


def _names_table(word: str, table: str, layer: SemanticLayer) -> bool:
    note = layer.tables.get(table)
    names = [table.replace("_", " "), *(note.synonyms if note else [])]
    return any(phrase(n).split()[-1:] == [phrase(word)] for n in names)


# "give me the order id and the amount", "product name, item id and the price": the
# columns a person wants shown, named as a thing's id or name
_SHOWN_AS = re.compile(r"\b([a-z]+) (?:(id|ids|number|numbers)|(name|names))\b")
_EXTREME_OF_COLUMN = re.compile(r"(min|max)\((\w+)\.\w+\)")


def _extreme_row(args: dict[str, Any], grouped: list[str], words: str, catalog: Catalog,
                 layer: SemanticLayer, root: str | None, cost: Callable[[str], tuple[int, int]],
                 notes: list[str]) -> list[str]:
    """"What's the biggest refund on a single order? Give me the order id and the
    amount": the largest (smallest) value of a column asked for beside the id or name of
    the thing that holds it is that thing's row, ranked, as "which order got the biggest
    refund" is: one row per id, not the bare extreme."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if metrics else None
    extreme = _EXTREME_OF_COLUMN.fullmatch((first.sql if first else metrics[0] if metrics
                                            else "").replace(" ", ""))
    if grouped or extreme is None or extreme.group(2) != root or root not in catalog.tables \
            or not _SUPERLATIVE.search(words):
        return grouped
    shown: list[str] = []
    for m in _SHOWN_AS.finditer(words):
        table = _table_named(m.group(1), catalog, layer)
        keys = catalog.tables[table].primary_key if table in catalog.tables else []
        column = keys[0] if m.group(2) and len(keys) == 1 else "name" if m.group(3) else None
        if table is None or column is None or catalog.column(f"{table}.{column}") is None:
            continue
        # the metric's own table holds the id too (a refund's order_id): no join needed
        ref = (f"{root}.{column}" if column.endswith("_id") and catalog.column(
            f"{root}.{column}") is not None else f"{table}.{column}")
        if cost(ref)[0] < _UNREACHABLE and ref not in shown:
            shown.append(ref)
    if not shown or len(shown) > MAX_GROUPS:
        return grouped
    args["group_by"] = shown
    notes.append(f"group_by {', '.join(shown)}: the question asks for the row holding the "
                 "extreme, by its id or name")
    return shown


# verbs that end a "which ..." subject after its first word ("which product gives
# shoppers the most ...")
_SUBJECT_VERBS = frozenset({"gives", "offers", "makes", "sells", "carries", "brings", "gets",
                            "needs", "takes", "holds", "provides", "generates", "earns", "lets",
                            # "which site sold the most": the verb ends the subject
                            "gave", "offered", "made", "sold", "sell", "carried", "brought",
                            "got", "needed", "took", "held", "provided", "generated", "earned",
                            "shipped", "ship", "ships", "sent", "send", "sends", "received",
                            "receive", "receives", "delivered", "deliver", "delivers", "paid",
                            "pays", "spent", "spend", "spends", "bought", "buy", "buys",
                            "placed", "places", "handled", "handles", "processed", "processes",
                            "moved", "moves", "ran", "runs", "kept", "keeps"})


def _subject_words(thing: list[str]) -> list[str]:
    said = list(itertools.takewhile(lambda w: w not in _PHRASE_ENDS, thing))
    first = 2 if said[:1] in (["most"], ["least"]) else 1  # "the most sold products"
    return said[:first] + list(itertools.takewhile(lambda w: w not in _SUBJECT_VERBS,
                                                   said[first:]))


def _which_subject(args: dict[str, Any], grouped: list[str], words: str, catalog: Catalog,
                   layer: SemanticLayer, root: str | None,
                   cost: Callable[[str], tuple[int, int]], notes: list[str]) -> list[str]:
    """"Which 3 products have the highest average unit cost": one row per product. When
    the model's breakdown reads none of that table's columns, it is by the table's key
    (on the query's own table when it holds it; the name is added beside it)."""
    the_most = _WHAT_THE_MOST.match(words)
    list_asked = _LIST.match(words)
    if list_asked is not None and _figure_named(words[list_asked.start("thing"):], layer) \
            and not the_most and not _WHICH.match(words):
        return grouped  # "show the average order value": a figure, not rows to list
    asked = the_most or _WHICH.match(words) or list_asked
    named = " ".join(_subject_words(asked.group("thing").split())) if asked else ""
    subject = _table_named(named, catalog, layer) if named else None
    keys = catalog.tables[subject].primary_key if subject in catalog.tables else []
    if the_most and subject is not None and not _names_table(named.split()[-1], subject, layer):
        return grouped  # "the highest revenue day" asks for a day, not a sales row
    note = layer.tables.get(subject) if subject else None
    if the_most and note is not None and any(
            phrase(named) == phrase(w) for ws in note.column_words.values() for w in ws):
        return grouped  # "what is the biggest bulk discount": a column's value, no rows
    # ("the top 3 states": states)
    thing = next((w for w in phrase(asked.group("thing")).split()
                  if w not in ("top", "bottom") and not w.isdigit() and w not in _WORDS), "") \
        if asked else ""
    # "which fulfilment region('s warehouse)": a breakdown by a region names it
    said = phrase(asked.group("thing")).split()[:2] if asked else []
    names_thing = [g for g in grouped
                   if set(phrase(g.replace("_", " ").replace(".", " ")).split()[-1:]) & set(said)]
    own_dims = [d.name for d in layer.dimensions if root and d.table == root
                and _group_word(d.name, catalog, layer) == _singular(thing)] if thing else []
    # "which two ship-to states": a dimension of the root's by its label or another name
    asked_as = f" {phrase(words[asked.start('thing'):])} " if asked else ""
    own_dims = own_dims or [d.name for d in layer.dimensions if root and d.table == root and any(
        asked_as.startswith(f" {phrase(n)} ") for n in (d.label, *d.synonyms))][:1]
    # "which 3 customer home states": a compound whose last word ends a dimension's label
    # and holds the label's other words names that dimension, wherever it lies
    compound = [_singular(w) for w in phrase(asked.group("thing")).split()] if asked else []
    own_dims = own_dims or [d.name for d in layer.dimensions if len(compound) > 1 and (
        label := [_singular(w) for w in phrase(d.label).split()]) and len(label) > 1
        and label[-1] == compound[-1] and set(label) <= set(compound)
        and cost(d.name)[0] < _UNREACHABLE][:1]
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
    # ("which promotion runs the longest": a value of each row, from its own columns)
    row_values = layer.row_values(first) if first is not None else None
    own_column = first is not None and (re.fullmatch(
        rf"(min|max|avg|sum|median)\({root}\.\w+\)", first.sql.replace(" ", "")) is not None
        or row_values is not None and {t for t, _ in re.findall(r"\b(\w+)\.(\w+)\b", row_values)}
        == {root})
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
            own_column and (the_most or _SUPERLATIVE.search(words)) or listed) \
            and not names_thing:
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
                          r"((?:\w+ ){0,2}\w+)|"
                          # "which discount size do we use most often"
                          rf"{_LEADING_CLAUSE}\W*(?:(?:in|from|for|to|at|on) )?which ((?:\w+ ){{0,2}}\w+) "
                          r"(?:do|does|did|is|are|was|were|have|has|had) .*\b(?:most|least) (?:often|"
                          r"frequently|commonly)\b")


def _most_common(args: dict[str, Any], grouped: list[str], words: str, catalog: Catalog,
                 layer: SemanticLayer, root: str | None, notes: list[str]) -> list[str]:
    """"What is the most common order status": a breakdown by the text column of the
    query's table that the words name (the ranking then picks the first)."""
    said = _MOST_COMMON.search(words)
    if said is None or grouped or root not in catalog.tables:
        return grouped
    thing = said.group(1) or said.group(2)
    named = set(phrase(thing).split())
    columns = [c for c in catalog.tables[root].columns
               if c.kind == "text" and not c.name.endswith("_id")
               and phrase(c.name.replace("_", " ")).split()[-1] in named]
    note = layer.tables.get(root)
    # (a number column by its other name: "discount size" is a promotion's percent off)
    columns = columns or [c for c in catalog.tables[root].columns if note and any(
        f" {phrase(w)} " in f" {phrase(thing)} " for w in note.column_words.get(c.name, []))]
    if len(columns) != 1:
        return grouped
    args["group_by"] = [columns[0].ref]
    notes.append(f"group_by {columns[0].ref}: the question asks for the most common one")
    return [columns[0].ref]


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
# ("across every one of our warehouses" adds them up, as "across every warehouse" does)
# ("across every", "of every", "out of every", "among every": all of them, no breakdown)
_EACH = re.compile(r"(?:\b|^\W*)(each|(?<!across )(?<!of )(?<!among )every|per|by|(?<![\w ])which|"
                   r"(?<=^in |^to |^at |^on )which|(?<=^for )which|(?<=^from )which|"
                   r"(?<=[:;,] )which)"  # "Parcelway out of the west: which regions ..."
                   rf"(?: single| (?:one )?of (?:the|our|its|their)| (?:top )?{_FEW}(?= \w))?"
                   # (not into the next breakdown: "per parcel for each carrier")
                   r" (?P<thing>(?:(?!(?:each|every|per|for)\b)\w+ ){0,2}\w+)")
_NOT_ATTRIBUTES = _GENERIC | {"status", "source"}  # the same name means other things per table


def _spelled(name: str) -> str:
    return phrase(_spell(name))


def _group_word(ref: str, catalog: Catalog, layer: SemanticLayer) -> str | None:
    """The attribute a breakdown reads, in one word: a column's name, a dimension's
    label's last word ("shipping region": region)."""
    dim = layer.dimension(ref)
    if dim is not None:
        # (a JSON attribute's label is its key and table: "storage (variants)")
        label = dim.label.lower().split(" (")[0].split() if dim.label else []
        return phrase(label[-1]) if label else None
    column = catalog.column(ref)
    return column.name if column is not None and column.kind in ("text", "number") else None


def _already_per(args: dict[str, Any], ref: str, layer: SemanticLayer) -> bool:
    """Whether the query's one figure is already per one of ``ref``'s things (a total over
    their distinct count: the average order value is per order), so that one per each
    of them would be each one's own total."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    first = layer.metric(metrics[0]) if len(metrics) == 1 else None
    return first is not None and \
        f"/ nullif(count(distinct {ref.lower()}), 0)" in first.sql.lower()


def _said_breakdown(args: dict[str, Any], grouped: list[str], words: str, catalog: Catalog,
                    layer: SemanticLayer, root: str | None,
                    cost: Callable[[str], tuple[int, int]], notes: list[str],
                    held: set[str]) -> list[str]:
    """A breakdown by the attribute the question names, from the table nearest the
    query's: "pending orders headed to each region" is by the orders' region, not by
    state; "units free to sell for each region" is by the warehouses' region, not the
    region of the same items' sales. ``held``: the stored values the question says."""
    said = set(phrase(words).split())

    def holders(word: str) -> list[str]:
        if word in _NOT_ATTRIBUTES:
            return []
        # one word ("region") or a column's two spelled out ("destination region")
        refs = [c.ref for t in catalog.tables.values() for c in t.columns
                if (word in (c.name, _spelled(c.name)) or t.name in layer.tables and word in map(
                    phrase, layer.tables[t.name].column_words.get(c.name, [])))
                and c.kind in ("text", "number")]  # ("discount size": percent_off)
        refs += [d.name for d in [*layer.dimensions, *layer.attributes] if word in (
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
    # "pay by gift card", "shipped by SwiftAir": a stored value said is how, not a breakdown
    values = {phrase(name) for value in held
              for name in (value.replace("_", " "), *layer.value_synonyms.get(value, []))}
    for how, thing in _breakdowns_said(words):
        if how == "by" and phrase(thing) in values and not any(  # ("by tool": the tool's name)
                _group_word(d.name, catalog, layer) == phrase(thing) for d in layer.dimensions):
            continue
        word = _singular(thing.split()[0])
        if holders(two := phrase(" ".join(thing.split()[:2]))):
            word = two
        elif not holders(word) and len(thing.split()) > 1 \
                and holders(second := _singular(thing.split()[1])):
            word = second  # "each fulfilment region": a region
        # "by"/"which": a text attribute ("by region", "which city"), not a measure
        options = [r for r in holders(word) if how in ("each", "every", "per")
                   or (catalog.column(r) or _TEXT).kind == "text"]
        if not options and not nearer and how in ("each", "every", "per", "by"):
            options = _key_of(thing, root, catalog, layer, cost)  # "for each supplier"
        if not options or any(_group_word(g, catalog, layer) == word for g in nearer):
            continue
        unsaid = [i for i, g in enumerate(nearer) if _group_word(g, catalog, layer) not in said]
        if len(nearer) and not unsaid:
            continue
        best = min(options, key=cost)
        if _already_per(args, best, layer):
            continue  # "what does an order come to on average ... per order, averaged"
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


def _plural(word: str) -> bool:
    """"customers", not "status" nor "address"."""
    return phrase(word) != word and not word.endswith(("us", "ss", "is"))


_DATE_NOUN = re.compile(r"^(?:\w+ )?(?:date|day)\b")
_BREAK_DOWN = re.compile(r"\bbreak(?:s|ing)? down (?:(?:the|our|its|their|all) )*"
                         r"(?:(?:\w+ ){0,3}\w+ s )?(?P<thing>(?:\w+ ){0,2}\w+)")
_LISTED = re.compile(rf"{_LEADING_CLAUSE}\W*(?:please )?(?:list|name)(?: me| us)? "
                     r"(?:(?:all|the|our|every) )*(?P<thing>(?:\w+ ){0,2}\w+)")


# a figure defined in brackets: "(sum of each order's line prices, averaged over orders)"
_DEFINITION = re.compile(r"\s*(?:i\.?e\.?,? )?(?:the )?(?:(?:sum|total|average|count) of|"
                         r"adding up)\b")


def _breakdowns_said(words: str) -> list[tuple[str, str]]:
    """(how, the noun phrase) of each breakdown the words ask for: "for each region",
    "per purchase order", "by customer" (singular: "placed by customers" names who),
    "which city"."""
    found = []
    asks = [(m.group(1), m) for m in _EACH.finditer(words)]
    if (listed := _LISTED.match(words)) and any(map(_plural, listed["thing"].split()[:2])):
        asks.append(("which", listed))  # "list the destination regions ...": which ones
    # "break down the support bot's decisions": by decision
    asks += [("which", m) for m in _BREAK_DOWN.finditer(words)]
    for how, match in asks:
        opened = words.rfind("(", 0, match.start())
        if opened >= 0 and ")" not in words[opened:match.start()] \
                and _DEFINITION.match(words, opened + 1):
            continue  # "(sum of each order's line prices, ...)": how a figure is made
        thing = " ".join(itertools.takewhile(lambda w: w not in _PHRASE_ENDS,
                                             match.group("thing").split()))
        thing = thing.split(" s ")[0].removesuffix(" s")  # "each carrier's name": the carrier
        thing = re.sub(r"^(?:the|our|its|their) ", "", thing)  # "going by the state on ..."
        before = words[:match.start()].split()[-1:]
        if how == "every" and len(thing.split()) > 1 and _participle(thing.split()[1]):
            continue  # "every unit reserved", "every one already sold": all of them, no breakdown
        if not thing or how == "by" and (
                _plural(thing.split()[-1])  # "by customers": who
                or before and (_participle(before[0]) or before[0] == "for")  # "pay for by"
                or _DATE_NOUN.search(match.group("thing"))):  # "(by order date)": which date
            continue  # "paid by credit card": how, not a breakdown
        found.append((how, thing))
    return found


def _key_of(thing: str, root: str | None, catalog: Catalog, layer: SemanticLayer,
            cost: Callable[[str], tuple[int, int]]) -> list[str]:
    """The key of the table ``thing`` names, as a breakdown: on the nearest table holding
    it (a purchase order's supplier_id, not the suppliers' own), [] when none is reached
    or it is the query's own rows' key (one row per group)."""
    table = _table_named(thing, catalog, layer) if thing.split()[0] not in _PER_GRAIN else None
    if len(thing.split()) > 1 and _table_named(thing.split()[-1], catalog, layer) == root:
        return []  # "per order bot run": the query's own rows, a run, named last
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


def _rehome_to_final_table(args: dict[str, Any], words: str, linked: Linked, catalog: Catalog,
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
                _rehome(f, linked, cost, notes, words, catalog, layer)


# "list every lane that ties": the rows tied for first, no breakdown
_EVERY_TIED = re.compile(r"\b(?:each|every) (?:\w+ ){0,2}?(?:(?:that|which|who) )?"
                         r"(?:ties|tie|tied|is tied|are tied)\b")


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
            how in ("each", "every", "per")
            for how, _ in _breakdowns_said(_EVERY_TIED.sub(" ", words))):
        # "for each carrier, the shortest and longest transit times": the superlatives
        # are each group's extremes, not a ranking of the groups
        if args.get("limit") and float(args["limit"]) not in _stated_numbers(words):
            notes.append(f"limit {args['limit']} dropped: each group's extremes are asked")
            args["order"], args["limit"] = "none", None
        return
    if top is not None:
        number = next(g for g in (top.group(2), top.group(3), top["n"]) if g)
        n = int(number) if number.isdigit() else _WORDS[number]
        order = "asc" if _ASC.search(top.group(0)) else "desc"
        if top["speed"]:
            order = str(args["order"]) if args.get("order") in ("asc", "desc") else (
                "desc" if top["speed"] == "slowest" else "asc")
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
