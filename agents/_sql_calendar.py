"""Calendar dates a question names ("in September 2026", "from May to October 2026",
"by November 7, 2026"), read into a filter on a date column by code: a small model
writes such ranges wrong (``ends_on >= 2026-10-31`` for "ended during October 2026").

``named_range`` reads the words; ``calendar_filter`` chooses the date column (one whose
name the question says, "received" for ``received_on``; else the one the model
filtered; else the metric's time column) and the filter for it.
"""

from __future__ import annotations

import calendar
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ._semantic import SemanticLayer
from ._sql_catalog import Catalog

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY = rf"(?P<m>{_MONTH})\.? (?P<d>\d{{1,2}})(?:st|nd|rd|th)?,? (?P<y>20\d\d)\b"
_ISO = r"(?P<iy>20\d\d)-(?P<im>\d{2})-(?P<id>\d{2})\b"
_MONTH_YEAR = rf"(?P<mm>{_MONTH})\.?,? (?P<my>20\d\d)\b"
# (not a bound's number: "more than 2000 tokens")
_YEAR = (r"(?<!than )(?<!least )(?<!most )(?<!over )(?<!under )(?<!above )(?<!below )"
         r"(?<!exactly )(?<!\$)(?P<yy>20\d\d)\b(?!,\d)")
_ONE = re.compile(rf"\b(?:(?P<prep>in|during|on|by|before|after|since|until|through|from|"
                  rf"for) (?:the )?)?(?:{_DAY}|{_ISO}|{_MONTH_YEAR}|{_YEAR})")
# "from May to October 2026", "between June and August 2026", "June through September
# 2026": one year for both months.
_SPAN = re.compile(rf"\b(?:between (?P<a1>{_MONTH}) and|(?:from )?(?P<a>{_MONTH}) "
                   rf"(?:to|through|thru|until|till|-|–)) (?P<b>{_MONTH}),? (?P<y>20\d\d)\b")
# "in September or October 2026", "during July and August 2026": two months in a row,
# one range (unless the question sets them against each other: ``two_ranges``)
_EITHER = re.compile(rf"\b(?P<a>{_MONTH}),? (?:or|and) (?P<b>{_MONTH}),? (?P<y>20\d\d)\b")
# "between August 1 and August 15, 2026", "from July 1 to September 30, 2026", "the week
# of October 5 to October 11, 2026" (without "from" or "between": "to", not "and")
_DAY_SPAN = re.compile(rf"\b(?:(?P<lead>from|between) )?(?P<m1>{_MONTH})\.? (?P<d1>\d{{1,2}})"
                       rf"(?:st|nd|rd|th)?(?:,? (?P<y1>20\d\d))? "
                       rf"(?:to|(?(lead)and|to)|through|until) (?:(?P<m2>{_MONTH})\.? )?"
                       rf"(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,? (?P<y2>20\d\d)\b")
# "from 2026-10-19 to 2026-10-25", "between 2026-09-01 and 2026-09-15"
_ISO_SPAN = re.compile(r"\b(?P<a>20\d\d-\d\d-\d\d) ?(?:to|and|through|thru|until|-|–) ?"
                       r"(?P<b>20\d\d-\d\d-\d\d)\b")
# "the third quarter of 2026", "q3 2026", "the first half of 2026".
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3,
             "4th": 4}
_QUARTER = re.compile(r"\b(?:(?:the )?(?P<n>first|second|third|fourth|1st|2nd|3rd|4th) "
                      r"(?P<part>quarter|half)(?: of)?|q(?P<q>[1-4])) (?P<y>20\d\d)\b")
# "the first week of October 2026", "the last week of September 2026": days 1-7 (8-14,
# ...), or the month's last seven.
_WEEK_OF = re.compile(rf"\b(?:the )?(?P<n>first|second|third|fourth|last|1st|2nd|3rd|4th) "
                      rf"week of {_MONTH_YEAR}")
# "The first day in our sales records", "when did we last ...": a date asked for, not a
# period ("the last 30 days", "last month" are periods).
_FIRST = ("first", "earliest", "oldest")
_EXTREME = re.compile(r"^\W*(?:(?:what|which) (?:was|is|were) (?:the|our|its) (?P<which>first|"
                      r"earliest|oldest|last|latest|most recent|newest) (?:day|date)\b|when\b.*?"
                      r"\b(?P<when>first|earliest|last|latest|most recent)\b"
                      r"(?! \d| (?:day|week|month|year)s?\b)|"
                      # "on what date did we place the oldest open purchase order"
                      r"(?:on )?what (?:date|day) (?:did|was|were|is|does|do)\b.*?"
                      r"\b(?P<on>first|earliest|oldest|last|latest|newest|most recent)\b|"
                      # "on what date do our sales records begin", "when do they end"
                      r"(?:(?:on )?what (?:date|day)|when) (?:do|does|did)\b.*?"
                      r"\b(?P<edge>begin|start|end|stop)\b)")
# "7 November 2026": "november 7, 2026"; "on or before", "no later than": "by"; "on or
# after", "no earlier than", "since the start of": "since" (``_plain_dates``).
_DAY_FIRST = re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<m>{_MONTH})\.?,? (?P<y>20\d\d)\b")
# ... and the first day of a range, its year said after the last: "between 2 October and
# 31 October 2026"
_DAY_FIRST_OPENS = re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<m>{_MONTH})\b\.?"
                              r"(?= ?(?:-|–|to|and|through|thru|until) )")
_BOUND_WORDS = [(re.compile(r"\b(?:on or before|no later than|up to and including|not after)\b"),
                 "by"),
                (re.compile(r"\b(?:on or after|no earlier than|not before|"
                            r"since the (?:start|beginning) of)\b"), "since")]


# A range of days in one month: "october 19-25, 2026", "between 1 and 7 november 2026",
# "oct 1-31" (the year the question gives elsewhere): "from october 19 to october 25,
# 2026".
_TO = r" ?(?:-|–|to|and|through|thru|until) ?"
_DAYS_OF_MONTH = re.compile(
    rf"\b(?:(?:from|between) )?(?:(?P<m>{_MONTH})\.? (?P<d1>\d{{1,2}})(?:st|nd|rd|th)?{_TO}"
    rf"(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b(?!:)|(?:the )?(?P<e1>\d{{1,2}})(?:st|nd|rd|th)?{_TO}"
    rf"(?:the )?(?P<e2>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<n>{_MONTH})\b\.?)(?:,? (?P<y>20\d\d)\b)?")


def _day_range(m: re.Match[str], years: list[str]) -> str:
    year = m["y"] or (years[0] if len(set(years)) == 1 else None)
    if year is None:
        return m[0]
    month = m["m"] or m["n"]
    first, last = m["d1"] or m["e1"], m["d2"] or m["e2"]
    return f"from {month} {first} to {month} {last}, {year}"


# "monday 5 october", "friday, october 9": the weekday says nothing the date does not
_WEEKDAY = re.compile(rf"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday),? "
                      rf"(?:the )?(?=\d|(?:{_MONTH})\b)")


def _plain_dates(words: str) -> str:
    words = _WEEKDAY.sub("", words)
    years = re.findall(r"\b20\d\d\b", words)
    words = _DAYS_OF_MONTH.sub(lambda m: _day_range(m, years), words)
    words = _DAY_FIRST.sub(lambda m: f"{m['m']} {m['d']}, {m['y']}", words)
    words = _DAY_FIRST_OPENS.sub(lambda m: f"{m['m']} {m['d']}", words)
    for bound, plain in _BOUND_WORDS:
        words = bound.sub(plain, words)
    return words


# "between today and November 7, 2026", "from today through November 7, 2026"
_FROM_TODAY = re.compile(rf"\b(?:between today and|(?:from )?today (?:to|until|till|through|"
                         rf"up to)) (?:the )?{_DAY}")
# A month or a quarter said without a year ("For October, ...", "in Q3", "October's
# revenue"); "may" only where it cannot be the verb ("in May", "May 3")
_AFTER_PREPOSITION = "|".join(f"(?<={w} )" for w in ("in", "of", "for", "during", "before",
                                                      "after", "since", "until", "through"))
_YEARLESS = re.compile(
    rf"\b(?:(?P<month>(?!may\b)(?:{_MONTH})|(?:{_AFTER_PREPOSITION})may|may(?= \d))\.?"
    rf"(?: (?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:{_TO}\d{{1,2}}(?:st|nd|rd|th)?)?)?"
    rf"|(?P<quarter>(?:the )?(?:first|second|third|fourth|1st|2nd|3rd|4th) (?:quarter|half)|"
    rf"q[1-4]))\b(?!-\d)", re.I)
_QUARTER_FIRST_MONTH = {"first": 1, "1st": 1, "q1": 1, "second": 4, "2nd": 4, "q2": 4,
                        "third": 7, "3rd": 7, "q3": 7, "fourth": 10, "4th": 10, "q4": 10}


def with_year(question: str, today: date) -> str:
    """``question`` with a year written after each month or quarter when it names no year
    at all: a person reviewing the business means the latest one that has begun by
    ``today`` ("For October" on 2026-11-01 is October 2026; "December" is 2025). The
    first end of a range or of a pair said together ("from May to October", "July or
    August") gets none: the calendar reads one year, after the last, for both."""
    if re.search(r"\b20\d\d\b", question):
        return question
    found = list(_YEARLESS.finditer(question))
    for this, after in reversed(list(zip(found, [*found[1:], None][:len(found)], strict=True))):
        if after is not None and _JOINED.fullmatch(question[this.end():after.start()]):
            continue
        said = this.group(0).lower()
        if this["quarter"]:
            first = _QUARTER_FIRST_MONTH[said.split()[-2] if " " in said else said]
            if said.endswith("half"):
                first = 1 if said.split()[-2] in ("first", "1st") else 7
        else:
            first = _MONTHS[this["month"].lower().rstrip(".") if this["month"] else "may"]
        year = today.year if first <= today.month else today.year - 1
        joint = " of " if this["quarter"] and not said.startswith("q") else (
            ", " if this["day"] else " ")
        question = f"{question[:this.end()]}{joint}{year}{question[this.end():]}"
    return question


# Two periods counted back from the business date and set against each other: "the last
# 7 days, and the 7 days before that", "this month versus last month", "last week
# against the previous week". Alone, each is the query's period; together they are two
# ranges, written out as dates (``relative_pair``) for ``two_ranges`` to read.
_COUNT_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10,
                "fourteen": 14, "thirty": 30, "sixty": 60, "ninety": 90}
_N = rf"(?:\d{{1,3}}|{'|'.join(_COUNT_WORDS)})"
_UNIT = r"(?:(?P<n>{n}) (?P<units>days|weeks)|(?P<unit>week|month))"
_BACK = re.compile(
    rf"\b(?:the )?(?:(?P<latest>last|past|previous|prior|preceding) {_UNIT.format(n=_N)}"
    rf"|(?P<now>this month|month[ -]to[ -]date)"
    rf"|(?:the|those) {_UNIT.format(n=_N).replace('?P<', '?P<b_')} (?:before|prior to|preceding)"
    rf"(?: (?:that|it|them|then|those|this))?)\b", re.I)


def _back(m: re.Match[str], today: date, after: NamedRange | None) -> NamedRange | None:
    """The range ``m`` names, counted back from ``today`` or, for a range said after
    another ("the 7 days before that", "the previous week"), from that one's start."""
    if m["now"]:
        return NamedRange(today.replace(day=1), today, "between")
    follows = m["latest"] is None or (after is not None and m["latest"].lower() != "last")
    if follows and after is None or not follows and m["latest"].lower() in ("prior",
                                                                             "preceding"):
        return None
    end = (after.start if follows and after is not None else today) - timedelta(days=1)
    n, units, unit = (m["n"], m["units"], m["unit"]) if m["latest"] else (
        m["b_n"], m["b_units"], m["b_unit"])
    if unit and unit.lower() == "month":
        start = end.replace(day=1)
        return NamedRange(start, end, "between")
    count = int(n) if n and n.isdigit() else _COUNT_WORDS.get((n or "").lower(), 1)
    days = count * (7 if (units or unit or "").lower().startswith("week") else 1)
    return NamedRange(end - timedelta(days=days - 1), end, "between")


def relative_pair(question: str, today: date) -> str:
    """``question`` with two periods counted back from ``today`` written out as dates
    when it sets exactly two against each other; unchanged otherwise."""
    found = list(_BACK.finditer(question))
    if len(found) != 2:
        return question
    first = _back(found[0], today, None)
    second = _back(found[1], today, first)
    if first is None or second is None or first == second:
        return question
    for m, named in reversed(list(zip(found, (first, second), strict=True))):
        dates = f"{named.start.isoformat()} to {named.end.isoformat()}"
        question = f"{question[:m.start()]}{dates}{question[m.end():]}"
    return question


# what joins the two ends of one range or pair
_JOINED = re.compile(r"\s*,?\s*(?:to|through|thru|till|until|and|or|-|–)\s*(?:the\s+)?", re.I)


# Bounds: "by" a date includes it, "before" it does not.
_OPS = {"by": "<=", "until": "<=", "through": "<=", "before": "<", "after": ">",
        "since": ">=", "from": ">="}


@dataclass(frozen=True)
class NamedRange:
    start: date
    end: date  # inclusive
    op: str  # "between" or a bound: "<=", "<", ">", ">="
    from_today: bool = False  # "between today and November 7": the business date on

    def filter(self, field: str) -> dict[str, Any]:
        if self.from_today:  # (the compiler reads 'today' as the business date)
            return {"field": field, "op": "between", "value": ["today", self.end.isoformat()]}
        if self.op == "between":
            return {"field": field, "op": "between",
                    "value": [self.start.isoformat(), self.end.isoformat()]}
        edge = self.start if self.op in ("<", ">=") else self.end
        return {"field": field, "op": self.op, "value": edge.isoformat()}


def named_range(words: str, either: bool = True) -> NamedRange | None:
    """The one calendar range ``words`` (lower case) name; None for none or several.
    ``either``: two months in a row said with "or"/"and" are one range."""
    words = _plain_dates(words)
    ahead = _FROM_TODAY.search(words)
    if ahead is not None:
        try:
            end = date(int(ahead["y"]), _MONTHS[ahead["m"]], int(ahead["d"]))
        except ValueError:
            return None
        return NamedRange(end, end, "between", from_today=True)
    iso = _ISO_SPAN.search(words)
    if iso is not None:  # "the week of 2026-10-19 to 2026-10-25"
        try:
            start, end = date.fromisoformat(iso["a"]), date.fromisoformat(iso["b"])
        except ValueError:
            return None
        return NamedRange(start, end, "between") if start <= end else None
    days = _DAY_SPAN.search(words)
    if days is not None:
        year = int(days["y2"])
        try:
            start = date(int(days["y1"] or year), _MONTHS[days["m1"]], int(days["d1"]))
            end = date(year, _MONTHS[days["m2"] or days["m1"]], int(days["d2"]))
        except ValueError:
            return None
        return NamedRange(start, end, "between") if start <= end else None
    week = _WEEK_OF.search(words)
    if week is not None:
        year, month = int(week["my"]), _MONTHS[week["mm"]]
        month_end = _month_end(year, month)
        start = month_end - timedelta(days=6) if week["n"] == "last" else date(
            year, month, 7 * (_ORDINALS[week["n"]] - 1) + 1)
        return NamedRange(start, start + timedelta(days=6), "between")
    part = _QUARTER.search(words)
    if part is not None:
        year = int(part["y"])
        size = 6 if part["part"] == "half" else 3
        n = int(part["q"]) if part["q"] else _ORDINALS[part["n"]]
        if n > 12 // size:
            return None
        first = (n - 1) * size + 1
        return NamedRange(date(year, first, 1), _month_end(year, first + size - 1), "between")
    span = _SPAN.search(words)
    if span is not None:
        year = int(span["y"])
        first, last = _MONTHS[span["a"] or span["a1"]], _MONTHS[span["b"]]
        if first > last:
            return None
        return NamedRange(date(year, first, 1), _month_end(year, last), "between")
    pair = _EITHER.search(words) if either else None
    if pair is not None and _MONTHS[pair["b"]] == _MONTHS[pair["a"]] + 1:
        year = int(pair["y"])
        return NamedRange(date(year, _MONTHS[pair["a"]], 1),
                          _month_end(year, _MONTHS[pair["b"]]), "between")
    found = list(_ONE.finditer(words))
    if len(found) != 1:
        return None
    m = found[0]
    months = re.findall(rf"\b({_MONTH})\b(?! \d)", words) if m["iy"] else []
    if len(re.findall(rf"\b(?:{_MONTH})\b", words)) > (1 if m["m"] or m["mm"] else 0) and not (
            # ("planning around mid-october: ... on 2026-10-15": the day's own month, no
            # second date)
            months and len(months) == len(re.findall(rf"\b(?:{_MONTH})\b", words))
            and all(_MONTHS[n] == int(m["im"]) for n in months)):
        return None  # "between June 1 and June 30, 2026": more than this one date
    try:
        if m["d"]:
            start = end = date(int(m["y"]), _MONTHS[m["m"]], int(m["d"]))
        elif m["iy"]:
            start = end = date(int(m["iy"]), int(m["im"]), int(m["id"]))
        elif m["mm"]:
            start = date(int(m["my"]), _MONTHS[m["mm"]], 1)
            end = _month_end(start.year, start.month)
        else:
            start, end = date(int(m["yy"]), 1, 1), date(int(m["yy"]), 12, 31)
    except ValueError:  # "February 30, 2026"
        return None
    return NamedRange(start, end, _OPS.get(m["prep"] or "", "between"))


# Two ranges set against each other: "August 2026 or September 2026", "from September
# 2026 to October 2026", "August vs September 2026" (one year for both months), "units
# in October 2026 minus units in September 2026".
_AGAINST = re.compile(r" (?:to|and|or|vs\.?|versus|than|against|compared (?:to|with)|with|minus)"
                      r"(?: (?:in|during|for|on))? ")
_TWO_MONTHS = re.compile(rf"\b(?P<a>{_MONTH})\.?{_AGAINST.pattern}(?P<b>{_MONTH})\.?,? "
                         rf"(?P<y>20\d\d)\b")


def two_ranges(words: str, spans_are_pairs: bool = False) -> tuple[NamedRange, NamedRange] | None:
    """The two calendar ranges a question sets against each other, in the order said
    (each whole: "from September 2026" is the month); None unless there are exactly two.
    "From May to October 2026" is one range, unless ``spans_are_pairs`` ("did revenue
    grow from September to October 2026": the two months)."""
    words = _plain_dates(words)
    # (one range said, unless two spans of days are: "19 to 25 October, and the week
    # before, 12 to 18 October")
    spans = [m.span() for m in (*_DAY_SPAN.finditer(words), *_ISO_SPAN.finditer(words))]
    if not spans_are_pairs and len(spans) < 2 and named_range(words, either=False) is not None:
        return None
    months = _TWO_MONTHS.search(words)
    if months is not None:
        year = int(months["y"])
        a, b = (date(year, _MONTHS[months[k]], 1) for k in ("a", "b"))
        return (NamedRange(a, _month_end(a.year, a.month), "between"),
                NamedRange(b, _month_end(b.year, b.month), "between"))
    pairs = set()
    for join in _AGAINST.finditer(words):
        if any(a < join.start() < b for a, b in spans):
            continue  # the "to" inside a span of days
        # (within the sentence: "... from September to October 2026? Give September minus
        # October" sets the same two months against each other once)
        # (or within the brackets: "... to October 2026 (October minus September)")
        before = re.split(r"[?!;()]|\.(?!\d)", words[:join.start()])[-1]
        after = re.split(r"[?!;()]|\.(?!\d)", words[join.end():])[0]
        first, second = named_range(before), named_range(after)
        if second is None:  # ("... with the week before (12 to 18 october)": in brackets)
            second = named_range(re.split(r"[?!;)]|\.(?!\d)", words[join.end():])[0])
        if first is not None and second is not None:
            pairs.add((_whole(first), _whole(second)))
    if len(pairs) != 1:
        return None
    first, second = pairs.pop()
    return (first, second) if first != second else None


def _whole(named: NamedRange) -> NamedRange:
    """A bound read as the range it names: "from September 2026" is September."""
    return named if named.op == "between" else NamedRange(named.start, named.end, "between")


def calendar_filter(args: dict[str, Any], words: str, catalog: Catalog,
                    layer: SemanticLayer) -> tuple[dict[str, Any], list[str]] | None:
    """The filter the named range puts on the right date column of the query's metric
    table, and the date filters of the model's it replaces; None when the question
    names no one range or the metric has no date column."""
    named = named_range(words)
    column = date_column(args, words, catalog, layer) if named is not None else None
    if named is None or column is None:
        return None
    return named.filter(column), _date_filters(args, catalog)


def date_extreme(args: dict[str, Any], words: str, catalog: Catalog,
                 layer: SemanticLayer) -> str | None:
    """"What was the first day in our sales records", "when did the latest purchase order
    arrive": the earliest or latest date of the column the question means, as a metric
    (``min(sales_history.day)``); None when the question asks for no such date."""
    asked = _EXTREME.search(words)
    if asked is None:
        return None
    column = date_column(args, words, catalog, layer)
    named = _named_table_time(words, layer)
    if column is None or named is not None and named.split(".")[0] != column.split(".")[0]:
        column = named  # ("when do our sales records begin": the sales', whatever the term)
    if column is None:
        return None
    which = asked["which"] or asked["when"] or asked["on"] or (
        "first" if asked["edge"] in ("begin", "start") else "last")
    return f"{'min' if which in _FIRST else 'max'}({column})"


def _named_table_time(words: str, layer: SemanticLayer) -> str | None:
    """The time column of the one dated table the words name ("our sales records"), for a
    date asked of a query whose metric table has none."""
    def one(text: str) -> str:  # "a campaign" names the campaigns too
        return " ".join(w[:-1] if w.endswith("s") and len(w) > 3 else w
                        for w in re.findall(r"[a-z]+", text))

    said = f" {one(words)} "
    named = {f"{t}.{note.time_column}" for t, note in layer.tables.items() if note.time_column
             and any(f" {one(n)} " in said for n in (t.replace("_", " "), *note.synonyms))}
    return named.pop() if len(named) == 1 else None


def date_column(args: dict[str, Any], words: str, catalog: Catalog,
                layer: SemanticLayer) -> str | None:
    """The date column of the query's metric table that ``words`` mean: one whose name
    they say ("received" -> received_on), else the one the model filtered, else the
    metric's time column; None when that is not one column."""
    metrics = [n for n in args.get("metrics") or [] if isinstance(n, str)]
    metric = layer.metric(metrics[0]) if metrics else None
    if metric is None or metric.table not in catalog.tables:
        return None
    # A table with no dates of its own dates the rows it must lack ("variants with no
    # sales in October": the sales' days).
    # Nor does a table another filter is on ("variants ... what BargainBay charged in its
    # October 25 check": the check's date).
    # Nor does a table the rows are compared with ("items a competitor charged less for
    # in its October 25 check").
    filtered = [str(f.get(k)).partition(".")[0]
                for f in [*(args.get("filters") or []), *(args.get("compare") or [])]
                if isinstance(f, dict) for k in ("field", "value") if isinstance(f.get(k), str)]
    # Nor, last, does a dated table the question names ("products with a campaign running
    # on 1 November": the campaigns' dates).
    named = (_named_table_time(words, layer) or "").partition(".")[0]
    table = next((t for t in [metric.table, *(args.get("absent") or []), *filtered, named]
                  if t in catalog.tables
                  and any(c.kind == "date" for c in catalog.tables[t].columns)), metric.table)
    dated = [c.ref for c in catalog.tables[table].columns if c.kind == "date"]
    said = re.findall(r"[a-z]+", words)
    # "ordered" names ordered_on, unless it is the table's or the metric's own word
    # ("purchase orders"; "price changes" is not changed_at).
    own = [*table.split("_"), *re.findall(r"[a-z]+", metric.label.lower()),
           "on", "at", "date", "day"]

    def says(part: str) -> bool:  # a word of a column's name, said as itself
        return not any(_same_word(part, o) for o in own) and any(
            _same_word(part, w) for w in said)

    note = layer.tables.get(table)
    spoken = {c: list(w) for c, w in note.date_words.items()} if note else {}
    time_col = (metric.time_column if table == metric.table else None) or \
        layer.time_column(table)
    if time_col is not None and time_col == metric.time_column and time_col in dated:
        # ("units we received in october on orders placed with ...": the term's own word
        # names its own date as much as "placed" names the order date)
        column = time_col.split(".")[1]
        spoken[column] = [*spoken.get(column, []), *(
            w for w in own if len(w) > 3 and any(_same_word(p, w) for p in column.split("_")))]
    text = f" {' '.join(said)} "
    by_name = [ref for ref in dated if any(says(p) for p in ref.split(".")[1].split("_"))
               or any(f" {w} " in text or " " not in w and any(_same_word(w, s) for s in said)
                      for w in spoken.get(ref.split(".")[1], []))]
    if note is not None and note.ends_column and {r.split(".")[1] for r in by_name} == {
            note.time_column, note.ends_column}:
        by_name = [f"{table}.{note.time_column}"]  # "had started and not yet ended": the span
    if len(by_name) > 1:
        by_name = _nearest_before_date(by_name, said, spoken, says)
    choices = by_name or [ref for ref in _date_filters(args, catalog) if ref in dated] or (
        [time_col] if time_col else [])
    return choices[0] if len(choices) == 1 else None


def _nearest_before_date(refs: list[str], said: list[str], spoken: dict[str, list[str]],
                         says: Callable[[str], bool]) -> list[str]:
    """Of several date columns the words name, the one named last before the date ("the
    orders we placed in september 2026 that have since been received": placed)."""
    at = next((i for i, w in enumerate(said) if w in _MONTHS or re.fullmatch(r"20\d\d", w)),
              None)
    if at is None:
        return refs
    last: dict[str, int] = {}
    for ref in refs:
        column = ref.split(".")[1]
        names = [*(p for p in column.split("_") if says(p)),
                 *(w for w in spoken.get(column, []) if " " not in w)]
        hits = [i for i, w in enumerate(said[:at]) if any(_same_word(n, w) for n in names)]
        if hits:
            last[ref] = max(hits)
    if not last:
        return refs
    nearest = max(last.values())
    return [ref for ref, i in last.items() if i == nearest]


def _date_filters(args: dict[str, Any], catalog: Catalog) -> list[str]:
    return [f["field"] for f in args.get("filters") or []
            if isinstance(f, dict) and (c := catalog.column(str(f.get("field")))) is not None
            and c.kind == "date"]


def _same_word(a: str, b: str) -> bool:
    """Forms of one word: "received"/"receive", "ended"/"ends", "effective"/"effect" (a
    shared start of five letters, or all of the shorter word), not "recent"/"received"."""
    a, b = (w[:-1] if len(w) > 3 and w.endswith("s") else w for w in (a, b))
    shared = len(os.path.commonprefix([a, b]))
    return shared >= 3 and shared >= min(len(a), len(b), 5)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])
