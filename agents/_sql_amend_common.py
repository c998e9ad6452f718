"""What every step of amending a query shares: the question's vocabulary (periods,
superlatives, bounds, shares, numbers said in words) and lookups of the tables and terms
the words name. See ``_sql_amend`` for the steps."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from ._semantic import Metric, SemanticLayer
from ._sql_catalog import Catalog
from ._sql_linking import Linked, phrase, tokens

_WORDS = {"zero": 0, "once": 1, "twice": 2, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
          "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
          "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
          "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
# Only for reading a filter's number back from the question, not for "top N".
_MORE_NUMBER_WORDS = {"dozen": 12, "hundred": 100, "thousand": 1000, "million": 1_000_000,
                      "week": 7, "weeks": 7, "fortnight": 14}
_NUMBER = r"(\d+|" + "|".join(_WORDS) + r")"

# Periods the question names, most specific first; the value is the query's period.
_PERIODS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), v) for p, v in [
        # (not a range's first day: "between today and November 7")
        (r"\b(?<!between )(?<!from )(today|so far today)\b(?! (?:and|to|until|till|through|up to) )",
         "today"),
        (r"\byesterday\b", "yesterday"),
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
# "top" and "bottom" pick rows, like a superlative.
_DESCENDING = (r"most|highest|largest|biggest|greatest|top|best|longest|maximum|max|busiest|"
               r"widest|heaviest|priciest|costliest|fattest|strongest|deepest|steepest")
_ASCENDING = (r"least|lowest|smallest|fewest|cheapest|bottom|worst|shortest|minimum|min|"
              r"thinnest|narrowest|slimmest|weakest|quietest|lightest|shallowest")
# "most recent" places in time; it ranks nothing.
_NOT_RANKING = r"(?! (recent|recently|latest)\b)"
_SUPERLATIVE = re.compile(rf"\b(?<!at )({_DESCENDING}|{_ASCENDING})\b{_NOT_RANKING}")  # not "at least"
_ASC = re.compile(rf"\b({_ASCENDING})\b")
# Words that ask for rows (a breakdown or a list) rather than one total ("across all
# warehouses", "across every warehouse" is not one: it sums over them).
# "due by November 7" is a date's bound, no breakdown
_GROUPING = re.compile(
    r"\b(?<!at )(by(?! (?:january|february|march|april|may|june|july|august|september|"
    r"october|november|december|the end|\d))|per|each|(?<!across )every|which|who|whom|"
    r"list(?! prices?\b)|show|top|bottom|most|least|highest|lowest|best|worst|"
    r"largest|biggest|greatest|smallest|fewest|cheapest|priciest|fastest|quickest|slowest|shortest|longest|"
    r"breakdown|break(?:s|ing)? down|broken down|split|among|compare|comparing|monthly|weekly|daily|trend|"
    r"over time|what are|where|name|names)\b" + _NOT_RANKING)
# Words that exclude: the value after them is "not" that value.
_NEGATION = re.compile(r"\b(not|no|non|never|except|excluding|without|other than|rather than|besides|"
                       r"leaving out|leave out|left out|ignoring|apart from|aside from|"
                       r"outside|aren t|isn t|wasn t|weren t|don t|doesn t|didn t|haven t|"
                       r"hasn t)\b")
_COLUMN = re.compile(r"(?:^|\()(\w+)\.\w+")  # "orders.status", "avg(variants.price)"
_UNREACHABLE = 99
# "more than 4", "at least 2", "fewer than 10": a bound on a figure; (op, number).
_BOUND = re.compile(rf"\b(more than|greater than|larger than|bigger than|higher than|longer than|"
                    rf"shorter than|over|above|"
                    rf"exceeding|at least|no fewer than|fewer than|less than|smaller than|"
                    rf"lower than|under|below|at most|no more than|exactly) \$?"
                    rf"(\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?|{'|'.join(_WORDS)})\b"
                    # (not a percent: "2 percentage-off deals" counts deals)
                    rf"(?!\s*(%|percent(?!age[- ](?:off|discount))|days? ago))")
_BOUND_OPS = {"more than": ">", "greater than": ">", "larger than": ">", "bigger than": ">",
              "higher than": ">", "longer than": ">", "smaller than": "<", "lower than": "<",
              "shorter than": "<",
              "over": ">", "above": ">",
              "exceeding": ">", "at least": ">=", "no fewer than": ">=", "fewer than": "<",
              "less than": "<", "under": "<", "below": "<", "at most": "<=",
              "no more than": "<=", "exactly": "="}
_UNIT_WORDS = frozenset({"units", "unit", "pieces", "pcs"})
# At the start (after a preposition: "on how many days"), or after one leading clause
# ("for each supplier country, how many ..."),
# but "on average, how many lines does an order have" is an average (``_average_per``).
# A leading clause or sentence ends at a comma, colon, semicolon, full stop, question mark
# or a dash between words ("Quick one: ...", "Where are orders headed? Which ...", "I'm
# putting together the review - how many ...").
_CLAUSE = r"(?:[^,:;?.\-–—]|(?<=\w)-(?=\w)|\.(?=\d))*(?:[,:;?]|\.(?!\d)|\s[-–—])\s*"
_HOW_MANY = re.compile(rf"^(?:(?!on (?:an )?average\b){_CLAUSE}){{0,3}}?\W*(?:(?:on|in|at|for) )?"
                       r"(how many|count|number of|what number of)\b")
_TIES = re.compile(r"\b(tie|tied|ties|tying|joint|equally)\b|"
                   r"\bshares? the (?:top|highest|lowest|most|same|first)\b|"
                   # "should several be level at the top"
                   r"\b(?:are|be|is|were|come|finish|end) (?:level|equal|even)\b")
# "if several tie for first", "tied for the top spot"
_TIED_FOR_FIRST = re.compile(r"\b(?:tie|tied|ties|tying|joint|level) (?:for |at )?(?:the )?"
                             r"(?:first|top|1st)\b|"
                             # ("which tools ... most often? include ties": no N asked)
                             r"\b(?:include|including|with) (?:any |all )?ties\b|\bties included\b")
_DATE_GRAINS = ("day", "week", "month", "year", "weekday", "month_of_year", "year_month",
                "month_number")
# "On average, how many lines does an order have", "units sold per day on average": a
# figure per thing (an order, a day), averaged over the things.
# "The average value of an order" is one too: the order's total, averaged over orders.
_ON_AVERAGE = re.compile(r"\b(on average|on an average|on a typical|average number of|"
                         r"average count of|average (?:\w+ ){1,2}?(?:(?:of|for) (?:a|an|one)|per) |"
                         r"(?:does|do|did|has|have) (?:the|an) (?:average|typical) |"
                         # "how many items are in the average basket"
                         r"\b(?:in|on) (?:the|an) (?:average|typical) |"
                         r"average (?:daily|weekly|monthly) |"
                         # "what do delivered orders average out to"
                         r"\baverages? out (?:to|at)\b)")
_PER_GRAIN = {"day": "day", "daily": "day", "week": "week", "weekly": "week", "month": "month",
              "monthly": "month", "year": "year"}
# "What percentage of orders were cancelled": the rows a condition keeps, as a share of all.
_SHARE_HEAD = (r"\b(?:what|which) (?:(?:is|was) (?:the )?)?(?:percentage|percent|share|"
               r"proportion|fraction) of")
# "which product has the highest share of sold-out variants": a share, ranked
# ("the highest percentage sitting at zero units", "... that are sold out": the part said)
_RANKED_SHARE = (rf"\bthe (?:{_DESCENDING}|{_ASCENDING}) (?:percentage|percent|share|proportion|"
                 rf"fraction) (?:of|(?=\w+ing\b|(?:that|which) (?:are|is|were|was)\b|with\b))")
# "which products have more than 50% of their variants sold out": a share per group, bounded
_BOUNDED_SHARE = (r"\b(?P<bound>more than|over|above|at least|less than|fewer than|under|below|"
                  r"at most) (?P<percent>\d+(?:\.\d+)?)\s*(?:%|percent) of (?=\w)")
# "price changes in October: what percent were reductions": the whole said before
_SHARE_OF_SAID = (r"\b(?:what|which) (?:percentage|percent|share|proportion|fraction) "
                  r"(?=(?:were|are) )")
_SHARE = re.compile(rf"{_SHARE_HEAD}\b|\bhow many percent of\b|{_RANKED_SHARE}\b|{_BOUNDED_SHARE}|"
                    rf"{_SHARE_OF_SAID}")


def _asked_table(words: str, catalog: Catalog, layer: SemanticLayer) -> str | None:
    """The table of the things "which X" / "list the X" asks for: the words after it, or
    their first ("which items are sold": items)."""
    which = _WHICH.match(words) or _LIST.match(words)
    return next((t for text in ((which["thing"], which["thing"].split()[0]) if which else ())
                 if (t := _table_named(text, catalog, layer))), None)


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
_TERM_FILLER = frozenset({"unit", "number", "total", "count", "amount"})


_SIMPLE_CONDITION = re.compile(r"^\s*(\w+\.\w+)\s*(=|!=|>=|<=|>|<)\s*(?:'([^']*)'|(-?\d+(?:\.\d+)?))\s*$")


def _term_conditions(metric: Metric) -> list[dict[str, Any]]:
    """A term's condition as filters, when it is simple ones joined by AND (open purchase
    orders: status = 'open'); none otherwise."""
    parts = re.split(r"\s+AND\s+", metric.filter or "", flags=re.IGNORECASE)
    found = [_SIMPLE_CONDITION.match(p) for p in parts if metric.filter]
    if not found or not all(found):
        return []
    return [{"field": m[1], "op": m[2], "value": m[3] if m[3] is not None else float(m[4])}
            for m in found if m is not None]
_ONE_COLUMN = re.compile(r"\s*(avg|sum|median|min|max)\((\w+\.\w+)\)\s*", re.IGNORECASE)


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
    if subject is None or subject not in catalog.tables or not catalog.tables[subject].primary_key:
        return None  # (a table with no key, a view: nothing of it is counted per row)
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
    # a segment's name is the more specific ("price increases" are price history rows,
    # whatever "price" alone names)
    segment = _segment_table(text, layer)
    if segment is not None and segment != subject \
            and catalog.tables[segment].column(key) is not None:
        return segment, phrase(text)
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


def _stem(word: str) -> str:
    """One form of a verb's: "received", "receive", "receiving" -> "receiv"."""
    for end in ("ed", "ing", "e"):
        if word.endswith(end) and len(word) > len(end) + 2:
            return word[:-len(end)]
    return word


def _subjects(catalog: Catalog) -> set[str]:
    """The tables' names as a question says them: what it counts, not a value ("orders")."""
    return {phrase(t) for name in catalog.tables for t in (name, name.replace("_", " "))}
# A column's abbreviations as a question spells them ("min_order_qty": minimum order quantity).
_SPELLED = {"qty": "quantity", "min": "minimum", "max": "maximum", "pct": "percent",
            "avg": "average", "num": "number", "amt": "amount", "std": "standard deviation",
            "dest": "destination", "orig": "origin"}


def _tables_said(words: str, catalog: Catalog, layer: SemanticLayer) -> set[str]:
    """The tables the question names (by name or synonym), anywhere; a name said only
    inside another table's longer one is not said ("discounts" in "quantity-based
    discounts", the volume tiers, names no promotion)."""
    said = f" {phrase(words)} "
    spans: dict[str, list[tuple[int, int]]] = {}
    for t in catalog.tables:
        for n in {phrase(n) for n in (t.replace("_", " "), *(
                layer.tables[t].synonyms if t in layer.tables else []))}:
            spans[t] = spans.get(t, []) + [(m.start(), m.end()) for m in re.finditer(
                rf"(?<= ){re.escape(n)}(?= )", said)]
    return {t for t, own in spans.items() if own and not all(
        any(a <= start and end <= b and b - a > end - start
            for u, others in spans.items() if u != t for a, b in others)
        for start, end in own)}


def _counted_table(words: str, catalog: Catalog, layer: SemanticLayer) -> str | None:
    """The table "how many X ..." counts, when the words after "how many" name exactly one
    table (its name or a synonym: "routes" -> carrier_lanes)."""
    match = _HOW_MANY.search(words)
    if match is None or match.group(1) != "how many":
        return None
    counted = _counted_words(words, match)
    if counted and counted[0] in _UNIT_WORDS:  # "how many units are reserved": a sum
        return None
    if _NOTHING_NAMED.match(words[match.end():]):
        # "Break down our orders by status: how many are there in each": the topic before
        before = words[:match.start(1)].split()
        return next((t for i in range(len(before))
                     if (t := _head_table(before[i:i + 4], catalog, layer)) is not None), None)
    if (pair := _PAIRS.match(words[match.end():].strip())) is not None:
        # "warehouse-variant combinations": the table keyed by the two things
        return _keyed_by(pair["a"], pair["b"], catalog, layer)
    # a segment's name is the more specific ("list price cuts" are price history rows)
    return _segment_table(" ".join(_counted_words(words, match, 3)), layer) or _head_table(
        _counted_words(words, match, 4), catalog, layer) or _table_named(
        " ".join(counted), catalog, layer) or _head_table(
        _past_modifiers(_counted_words(words, match, 5), layer), catalog, layer)


def _past_modifiers(counted: list[str], layer: SemanticLayer) -> list[str]:
    """The words after "how many" less the singular words before the first table word
    that describe the things ("how many space grey laptop versions": versions); none when
    none do. (A plural first word is a measure: "how many days orders took".)"""
    known = _table_words(layer)
    def names_table(w: str) -> bool:
        return bool(set(phrase(w).split()) & known)
    at = next((i for i, w in enumerate(counted) if names_table(w) or w in _PHRASE_ENDS
               or (w.endswith("s") and not w.endswith("ss"))), len(counted))
    return counted[at:] if 0 < at < len(counted) and names_table(counted[at]) else []


# "how many are there", "how many do we have", "how many had ...": the count names
# no thing
_NOTHING_NAMED = re.compile(r"\s*(?:(?:are|were|is|was) there\b|(?:do|did) (?:we|you) have\b|"
                            # "among the items still for sale, how many had zero units sold"
                            r"(?:had|have|has|got)\b|sold\b(?![- ]out\b))")
# "warehouse-variant combinations", "item-and-warehouse pairs"
_PAIRS = re.compile(r"(?P<a>[a-z]+)[- ](?:and[- ])?(?P<b>[a-z]+) (?:combinations?|pairs?|pairings?|"
                    r"slots?|locations?|spots?|positions?|places?)\b")


def _keyed_by(a: str, b: str, catalog: Catalog, layer: SemanticLayer) -> str | None:
    """The table whose key is the keys of the tables ``a`` and ``b`` name (stock is keyed
    by item and warehouse); None unless exactly one."""
    named = [_table_named(w, catalog, layer) for w in (a, b)]
    keys = {k for t in named if t in catalog.tables for k in catalog.tables[t].primary_key}
    found = [t.name for t in catalog.tables.values()
             if len(keys) == 2 and set(t.primary_key) == keys]
    return found[0] if len(found) == 1 else None


# "orders worth more than $3,000", "whose basket comes to over $500": a total per thing
_TOTALLED = re.compile(r"\b(?:worth|valued at|totall?ing|(?:adds?|added|adding) up to|comes? to|"
                       r"came to|amounts? to|"
                       r"(?:value|total|basket|sum) (?:of|is|was|are|were))\s*$")


def _money_total_per_thing(words: str, at: int, catalog: Catalog,
                     layer: SemanticLayer) -> Metric | None:
    """The money term a bound at ``at`` ("... worth more than $3,000") totals per counted
    or listed thing: the one unfiltered sum of money over another table that holds the thing's key
    (an order's value is the sum of its lines' prices); None when the words before the
    bound total nothing."""
    subject = _counted_table(words, catalog, layer) or _asked_table(words, catalog, layer)
    keys = catalog.tables[subject].primary_key if subject in catalog.tables else []
    if len(keys) != 1 or not _TOTALLED.search(words[:at].rstrip()):
        return None
    found = [m for m in layer.metrics if m.format == "money" and not m.filter
             and re.fullmatch(r"\s*sum\([\w.\s*]+\)\s*", m.sql, re.IGNORECASE)  # (no net of anything)
             and m.table != subject
             and m.table in catalog.tables and catalog.tables[m.table].column(keys[0])]
    return found[0] if len(found) == 1 else None


def _segment_table(text: str, layer: SemanticLayer) -> str | None:
    """The table of the one segment whose name ``text`` says (a phrase of two words or
    more, or one word first or after one other: "price markdowns"): "price cuts", "list
    price cuts" are rows of price_history."""
    said = f" {phrase(text)} "
    second = f" {' '.join(said.split()[1:])} "
    tables = {g.table for g in layer.segments for n in (g.label, *g.synonyms)
              if len(phrase(n).split()) > 1 and f" {phrase(n)} " in said
              or said.startswith(f" {phrase(n)} ") or second.startswith(f" {phrase(n)} ")}
    return tables.pop() if len(tables) == 1 else None


# Words after which a noun phrase has ended: "how many orders | from customers in Texas".
_PHRASE_ENDS = frozenset({"from", "in", "on", "at", "for", "with", "by", "per", "to", "that",
                          "across", "over", "among", "within",
                          "which", "who", "do", "does", "did", "are", "is", "was", "were",
                          "have", "has", "had", "will", "can", "we", "our", "of",
                          # a time said after the thing ("the best-selling product last month")
                          "last", "this", "past", "previous", "during", "today", "yesterday"})


def _table_words(layer: SemanticLayer) -> set[str]:
    """Every word of a table's name or synonyms."""
    return {w for t, note in layer.tables.items()
            for name in (t.replace("_", " "), *note.synonyms) for w in phrase(name).split()}


def _head_table(counted: list[str], catalog: Catalog, layer: SemanticLayer) -> str | None:
    """The table the head of a noun phrase of table names names: its last name said in
    the plural ("region-to-region routes" are routes, "variants sold nothing" variants; a
    modifier is singular), the phrase ending at a preposition, an auxiliary or a word in
    no table's name ("the money customers paid" names no table); the longer name of two
    ending there ("purchase orders"). None for none or a tie."""
    known = _table_words(layer)
    said: list[str] = []
    for w in counted:
        if w in _PHRASE_ENDS or not set(phrase(w).split()) & known:
            break
        said.append(w)
    words = phrase(" ".join(said)).split()
    plural = [len(w) > 3 and w.endswith("s") and not w.endswith("ss")
              for w in re.findall(r"[a-z0-9]+", " ".join(said))]
    # two plurals in a row: the second opens a clause ("the orders shoppers paid for")
    # (a modifier is singular: "order items")
    cut = next((i + 1 for i in range(len(plural) - 1) if plural[i] and plural[i + 1]), None)
    if cut is not None and len(plural) == len(words):
        words, plural = words[:cut], plural[:cut]
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


def _counts_days(words: str) -> bool:
    """Whether the question counts calendar days, weeks or months ("on how many days in
    October did units sold land between 1,200 and 1,500"): a bound then is on a figure
    per day, which no row holds."""
    asked = _HOW_MANY.search(words)
    counted = _counted_words(words, asked, 1) if asked and asked.group(1) == "how many" else []
    return bool(counted) and counted[0].rstrip("s") in _PER_GRAIN


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


def _singular(word: str) -> str:
    return word[:-3] + "y" if word.endswith("ies") and len(word) > 4 else phrase(word)


def _term_said(metric: Metric, words: str) -> bool:
    """Whether the question says a term: every word of its label (in any order), or one
    of its synonyms as written."""
    said = f" {phrase(words)} "
    return len(tokens(metric.label)) >= 2 and set(tokens(metric.label)) <= set(tokens(words)) \
        or any(len(tokens(t)) >= 2 and f" {phrase(t)} " in said for t in metric.synonyms)


def _term_written(metric: Metric, words: str) -> bool:
    """Whether the question writes a term's label or a synonym of two words or more as
    they are written."""
    said = f" {phrase(words)} "
    return any(len(tokens(t)) >= 2 and f" {phrase(t)} " in said
               for t in (metric.label, *metric.synonyms))


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


_AMOUNT = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
# "Priced between $100 and $200", "from 3 to 5 days": both ends, inclusive.
_BETWEEN = re.compile(rf"\b(?:between|from) (\$)?{_AMOUNT} (?:and|to) \$?{_AMOUNT}\b"
                      rf"(?:\s+([a-z]+))?(?!\s*(%|percent))")


class _Bound(NamedTuple):
    """A bound on a figure as the question says it: "more than 3", "over $3,000",
    "between 1,200 and 1,500" (both ends inclusive)."""

    start: int
    end: int  # after the last number
    said: str  # the bound's words: "more than", "at least", "between"
    number: str  # the (first) number as written: "3", "twice", "1,200"
    money: bool
    op: str
    value: float | list[float]


def _first_bound(words: str) -> _Bound | None:
    """The question's first bound (a ``_BOUND`` or a ``_BETWEEN``)."""
    bound, between = _BOUND.search(words), _BETWEEN.search(words)
    if between is not None and (bound is None or between.start() < bound.start()):
        low, high = (float(between.group(i).replace(",", "")) for i in (2, 3))
        return _Bound(between.start(), between.end(3), "between", between.group(2),
                      bool(between.group(1)), "between", sorted([low, high]))
    if bound is None:
        return None
    number = bound.group(2)
    value = float(_WORDS[number]) if number in _WORDS else float(number.replace(",", ""))
    return _Bound(bound.start(), bound.end(), bound.group(1), number, "$" in bound.group(0),
                  _BOUND_OPS[bound.group(1)], value)


def _plain_number(value: float) -> int | float:
    return int(value) if value.is_integer() else value


def _number(value: Any) -> float | None:
    """A filter value as a number ("1,200", "$99.5"); None when it is none."""
    try:
        return float(str(value).replace(",", "").lstrip("$"))
    except ValueError:
        return None


def _is_number(value: Any, number: float) -> bool:
    values = value if isinstance(value, list) else [value]
    return any(_number(v) == number for v in values)


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
# One leading clause may come first: "looking only at received orders, which 3 suppliers"
def _a_named_thing(word: str, catalog: Catalog) -> bool:
    """Whether ``word`` ("backpacks") is a value of a table's ``name`` column."""
    said = phrase(word)
    return any(phrase(v) == said for t in catalog.tables.values()
               if (c := t.column("name")) is not None for v in c.values)


def _figure_named(words: str, layer: SemanticLayer) -> bool:
    """Whether ``words`` start with a term's name, a figure ("the cogs", "the average order
    value", "the order count"); a count's name that says only the things counted ("the
    customers") names things."""
    named = f"{phrase(words)} "
    return any(named.startswith(f"{phrase(n)} ") for m in layer.metrics
               for n in (m.label, *m.synonyms)
               if m.format != "count" or re.search(r"\b(count|number|total)\b", n.lower()))


_LEADING_CLAUSE = rf"^(?:{_CLAUSE}){{0,3}}?"
# ("which 3 biggest customer cities", "show me our 3 biggest ...": the cities)
_RANK_WORD = r"(?:(?:biggest|largest|smallest|busiest|best|worst|highest|lowest) )?"
_WHICH = re.compile(rf"{_LEADING_CLAUSE}\W*(?:(?:in|from|for|to|at|on) )?(?:which|what) "
                    r"(?:(?:one |ones )?of (?:the |our |all (?:the |our )?))?"
                    rf"(?:(?:top |bottom )?(?:\d+|{'|'.join(_WORDS)}) {_RANK_WORD}|top |bottom |"
                    r"one |single )?(?!(?:are|is|was|were) (?:they|it|those|these)\b)"
                    r"(?P<thing>(?:\w+ ){0,2}\w+)")
# "List the 5 best-selling products", "show our top 3 suppliers", "3 priciest products by
# average list price", "the 2 most expensive lanes": which things, too.
_LIST = re.compile(rf"{_LEADING_CLAUSE}\W*(?:(?:list|show|name|rank|sort|line up)(?: me| us)? "
                   rf"(?:(?:all|the|our) )*"
                   rf"(?:(?:top |bottom )?{_NUMBER} )?|(?:(?:the|our) )?(?:top|bottom) {_NUMBER} |"
                   rf"(?:(?:the|our) )?{_NUMBER} (?:(?:most|least) \w+|{_DESCENDING}|{_ASCENDING}) )"
                   rf"{_RANK_WORD}(?:[a-z]+-[a-z]+ )?(?P<thing>(?:\w+ ){{0,2}}\w+)")


def _spell(name: str) -> str:
    """A column's name as words, its abbreviations spelled out ("destination region")."""
    return " ".join(_SPELLED.get(w, w) for w in name.split("_"))


def _cost_from(root: str | None, catalog: Catalog,
               layer: SemanticLayer) -> Callable[[str], tuple[int, int]]:
    """How far a field (a table.column or a dimension) lies from ``root`` (``_cost``)."""
    def cost(ref: str) -> tuple[int, int]:
        dim = layer.dimension(ref)
        return _cost(catalog, root, f"{dim.table}." if dim is not None else ref)
    return cost


def _stood_in(linked: Linked, cost: Callable[[str], tuple[int, int]],
              notes: list[str]) -> Linked:
    """``linked`` with each named thing the query's table cannot reach read as what it
    stands for, where the table reaches that ("from the Dallas site" on lanes: the
    warehouse's region)."""
    def reached(refs: list[str]) -> bool:
        return any(cost(ref)[0] < _UNREACHABLE for ref in refs)

    values = []
    for hit in linked.values:
        other = hit.stands_for
        if other is not None and not reached(hit.columns) and reached(other.columns):
            notes.append(f"{hit.words!r} read as its {other.value!r}: no join reaches it")
            hit = other
        values.append(hit)
    return linked.model_copy(update={"values": values})


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


def _period(words: str) -> str | None:
    for pattern, period in _PERIODS:
        if pattern.search(words):
            return period
    return None


# Participles with no -ed: "paid by card", "sold by BargainBay" say how or who.
_DONE_WORDS = frozenset({"paid", "sold", "made", "bought", "sent", "held", "run", "done",
                         "taken", "given", "shipped", "kept", "set", "put", "brought", "won",
                         "spent"})


def _participle(word: str) -> bool:
    return word.endswith("ed") or word in _DONE_WORDS
