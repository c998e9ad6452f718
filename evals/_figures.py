"""Reading the figures and ids a piece of text states, and checking them against facts.

Used by the analyst scorer (a figure in the answer that no successful query
returned is invented) and the order scorer (an explanation names only ids,
numbers and statuses found in the facts). The rules, in one place:

* A text is split on white space; each token loses surrounding punctuation
  (brackets, quotes, ``.,;:!?``), but keeps a leading ``#``/``$`` and a
  trailing ``%``.
* A **date** is ``YYYY-MM-DD`` (optionally with a time).
* An **id** is a token that starts with ``#`` and has a digit (``#W2611340``),
  has both digits and letters/underscores (``noah_brown_6181``, ``SUP-01``),
  is an upper-case code with a hyphen (``WH-DEN``), or is a run of six or more
  digits (``6469567736``, a variant id).
* A **number** is the rest that reads as one: ``1,234.5``, ``$12``, ``-3``,
  ``15%`` (a percentage), ``5-day`` (a number with a unit glued on). Ordinals
  (``1st``, ``2nd``), number words and the day and year after a month's name
  (``October 5, 2026``) are not figures.
* A stated number is **supported** by a fact value ``v`` when, comparing
  magnitudes, it is ``v`` rounded to the precision the text states (half a unit
  of its last digit), or within 1 % of ``v``; a percentage may also be ``100 v``
  (a fraction stated as a percentage).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

_STRIP = "()[]{}<>\"'`.,;:!?*"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_NUMBER = re.compile(
    r"^(?P<sign>[-+−]?)\$?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?"
    r"(?P<pct>%)?(?:-?(?P<unit>[a-z]+))?$")
_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th)$", re.IGNORECASE)
_CODE = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$")
_PERCENT_WORDS = ("percent", "per cent", "pct")
_MONTHS = frozenset({
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec"})
# A relative tolerance on top of rounding: a model may round 1,234.56 to "1,235" or "1,230".
REL_TOL = 1e-2


@dataclass(frozen=True)
class Figure:
    """A number a text states, with the precision it states it at."""

    text: str
    value: float
    decimals: int
    percent: bool


def tokens(text: str) -> list[str]:
    out = []
    for raw in text.split():
        token = raw.strip(_STRIP)
        # "5%." / "(#W1)," lose trailing punctuation after the % too
        while token and token[-1] in _STRIP:
            token = token[:-1]
        if token:
            out.append(token)
    return out


def is_date(token: str) -> bool:
    return bool(_DATE.match(token))


def is_id(token: str) -> bool:
    if token.isdigit() and len(token) >= 6:
        return True
    if is_date(token) or _ORDINAL.match(token) or _NUMBER.match(token):
        return False
    has_digit = any(c.isdigit() for c in token)
    if token.startswith("#") and has_digit:
        return True
    if has_digit and any(c.isalpha() or c == "_" for c in token):
        return True
    return bool(_CODE.match(token))


def _figure(token: str, next_word: str) -> Figure | None:
    m = _NUMBER.match(token)
    if m is None:
        return None
    value = float(m.group("int").replace(",", "") + (m.group("frac") or ""))
    if m.group("sign") in ("-", "−"):
        value = -value
    decimals = len(m.group("frac") or ".") - 1
    unit = (m.group("unit") or "").lower()
    pct = bool(m.group("pct")) or unit in _PERCENT_WORDS or next_word.lower() in _PERCENT_WORDS
    return Figure(token, value, decimals, pct)


def figures(text: str) -> list[Figure]:
    """Every number the text states (not ids, dates or ordinals)."""
    toks = tokens(text)
    out = []
    for i, token in enumerate(toks):
        if is_id(token) or is_date(token) or _ORDINAL.match(token) or _date_part(toks, i):
            continue
        fig = _figure(token, toks[i + 1] if i + 1 < len(toks) else "")
        if fig is not None:
            out.append(fig)
    return out


def _date_part(toks: list[str], i: int) -> bool:
    """A day or year written after a month's name: "October 5", "Oct 2026", "October 5, 2026"."""
    if not toks[i].isdigit() or len(toks[i]) not in (1, 2, 4):
        return False
    back = [t.lower() for t in toks[max(0, i - 2):i]]
    if back and back[-1] == "may" and len(toks[i]) != 4:
        return False  # "we may sell 5": only "May 2026" is a date
    return bool(back) and (back[-1] in _MONTHS or (
        len(back) == 2 and back[0] in _MONTHS and back[1].isdigit() and len(back[1]) <= 2
        and len(toks[i]) == 4))


def ids(text: str) -> list[str]:
    """Every id-like token and date the text names."""
    return [t for t in tokens(text) if is_id(t) or is_date(t)]


def supported(fig: Figure, values: Iterable[float]) -> bool:
    """Whether some fact value rounds to the stated figure (see the module docstring)."""
    half_unit = 0.5 * 10 ** -fig.decimals + 1e-9
    target = abs(fig.value)
    for v in values:
        for cand in ((abs(v), abs(v) * 100) if fig.percent else (abs(v),)):
            if abs(target - cand) <= max(half_unit, REL_TOL * cand):
                return True
    return False


def numbers_in(value: Any) -> list[float]:
    """Every number in a JSON-like value: numeric leaves, and figures written in its strings."""
    out: list[float] = []
    if isinstance(value, bool) or value is None:
        return out
    if isinstance(value, int | float | Decimal):
        f = float(value)
        if math.isfinite(f):
            out.append(f)
    elif isinstance(value, str):
        out.extend(f.value for f in figures(value))
        stripped = value.strip()
        if stripped.isdigit():  # a numeric string such as an item id or a ZIP code
            out.append(float(stripped))
    elif isinstance(value, dict):
        for v in value.values():
            out.extend(numbers_in(v))
    elif isinstance(value, list | tuple | set):
        for v in value:
            out.extend(numbers_in(v))
    return out


def text_of(value: Any) -> str:
    """All of a JSON-like value as lower-case text, for finding ids and words in it."""
    return json.dumps(value, default=str, ensure_ascii=False).lower()
