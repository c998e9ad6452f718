"""Is a text faithful to its facts? The check every model-written text passes before it is published.

    unfaithful("Order #W12 arrives 7 days later.", {"order_id": "#W12", "delay_days": 7})  # -> []
    unfaithful("Order #W13 was refunded $20.", {"order_id": "#W12"})  # -> ["#W13", "refunded", "$20"]

A text is faithful when every **id**, **number** and **status word** it names
appears in the facts (any JSON-able value: dicts, lists, strings, numbers,
Decimals). Wording is free; these three are what a small model invents, and
what a reader acts on.

- ids: ``#W0000001``, ``mia_garcia_4516``, ``WH-03``, ``2024-05-01``, digit runs of
  six or more (item and tracking ids); matched case-insensitively, a leading
  ``#`` optional on either side;
- numbers: compared as values, so ``12.5``, ``12.50`` and ``$12.50`` are one number,
  ``1,200`` is ``1200``, and a percentage matches its fraction (``5%`` and
  ``0.05``); the sign is not compared ("down 3 units" states a delta of -3).
  Numbers are not rounded: a text that rounds 0.1234 to "12%" is flagged, so a
  caller that wants rounded figures in a text puts the rounded figure in the facts;
- number words ``two`` .. ``twelve`` count as numbers ("seven days");
- status words: a fixed vocabulary of order, shipment, stock and decision states
  (``_STATUSES``), matched with their inflections ("held for review" is the
  status ``hold_for_review``); a status is faithful when a fact string names
  the same status.

Dict keys are not facts (a key ``should_reorder`` does not make "reorder" true).
The check errs on the strict side: a flagged paraphrase costs only wording
(the caller publishes its template instead), a missed invention misleads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

# canonical status -> its surface forms (lower case, spaces between words)
_STATUSES: dict[str, tuple[str, ...]] = {
    "pending": ("pending",),
    "processed": ("processed", "processing"),
    "shipped": ("shipped", "in transit"),
    "delivered": ("delivered",),
    "delayed": ("delayed", "delay", "delays", "late"),
    "lost": ("lost",),
    "damaged": ("damaged", "damage"),
    "cancelled": ("cancelled", "canceled", "cancellation", "cancel", "cancelling", "canceling"),
    "returned": ("returned", "return", "returns"),
    "exchanged": ("exchanged", "exchange", "exchanging"),
    "refunded": ("refunded", "refund", "refunds", "refunding"),
    "confirmed": ("confirmed", "confirm"),
    "split_shipment": ("split shipment", "split shipments", "split", "splitting"),
    "backorder": ("backorder", "backordered", "back order", "back ordered", "backorders"),
    "hold_for_review": ("hold for review", "held for review", "on hold", "hold", "held"),
    "reorder": ("reorder", "reordered", "reordering", "restock", "restocked"),
    "no_action": ("no action",),
    "oversold": ("oversold",),
    "low_stock": ("low stock",),
    "out_of_stock": ("out of stock", "sold out"),
    "approved": ("approved",),
    "rejected": ("rejected",),
}
_FORM_TO_STATUS = {form: status for status, forms in _STATUSES.items() for form in forms}
# Longest forms first, so "hold for review" wins over "hold".
_STATUS_RE = re.compile(r"\b(" + "|".join(
    re.escape(f).replace(r"\ ", r"\s+") for f in sorted(_FORM_TO_STATUS, key=len, reverse=True)
) + r")\b", re.IGNORECASE)

# "one" is left out: "one of your items" names no count worth checking.
_NUMBER_WORDS = {w: Decimal(i) for i, w in enumerate(
    ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
     "twelve"], start=2)}
_NUMBER_WORD_RE = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", re.IGNORECASE)

# An id: a '#'-prefixed token, an upper-case code with a hyphen, a token mixing letters
# and digits (with _ or -), an ISO date, or a run of six or more digits.
_ID_RE = re.compile(
    r"#[\w-]+"
    r"|\b[A-Z][A-Z0-9]*-[A-Z0-9][A-Z0-9-]*\b"  # WH-RNO, SUP-7: upper case with a hyphen
    r"|\b\d{4}-\d{2}-\d{2}\b"
    r"|\b(?=[\w-]*[A-Za-z])(?=[\w-]*\d)[A-Za-z0-9][\w-]*[A-Za-z0-9]\b"
    r"|\b\d{6,}\b")
# "7-day", "3rd", "10am": digits run into a word are a quantity, not an id.
_QUANTITY_WORD = re.compile(r"\d+(?:\.\d+)?-?[A-Za-z]+")
# A number: optional currency sign, thousands separators, decimals, percent.
_NUMBER_RE = re.compile(
    r"(?<![\w.])[$€£]?\s?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(\s?%)?(?![\w])")


def unfaithful(text: str, facts: Any) -> list[str]:
    """The ids, numbers and status words in ``text`` that ``facts`` do not contain,
    as written in the text, each once, in the order they appear. Empty: faithful."""
    known = _Known.of(facts)
    found: list[tuple[int, str]] = []
    rest = text
    for m in _ID_RE.finditer(text):
        if _QUANTITY_WORD.fullmatch(m.group()):
            continue  # "7-day", "3rd": a number with a word, read below as a number
        if not known.has_id(m.group()):
            found.append((m.start(), m.group()))
        # Blank the id out, so its digits are not read again as a number.
        rest = rest[:m.start()] + " " * len(m.group()) + rest[m.end():]
    for m in _NUMBER_RE.finditer(rest):
        value, percent = _decimal(m.group(1)), bool(m.group(2))
        if value is not None and not known.has_number(value, percent):
            found.append((m.start(), m.group().strip()))
    for m in _NUMBER_WORD_RE.finditer(rest):
        if not known.has_number(_NUMBER_WORDS[m.group().lower()], False):
            found.append((m.start(), m.group()))
    for m in _STATUS_RE.finditer(rest):
        if _status(m.group()) not in known.statuses:
            found.append((m.start(), m.group()))
    seen: set[str] = set()
    out = []
    for _, token in sorted(found):
        if token.lower() not in seen:
            seen.add(token.lower())
            out.append(token)
    return out


class _Known:
    """Everything the facts name: ids, numbers (absolute values) and statuses."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.numbers: set[Decimal] = set()
        self.statuses: set[str] = set()

    @classmethod
    def of(cls, facts: Any) -> _Known:
        known = cls()
        for leaf in _leaves(facts):
            if isinstance(leaf, bool) or leaf is None:
                continue
            if isinstance(leaf, int | float | Decimal):
                value = _decimal(str(leaf))
                if value is not None:
                    known.numbers.add(abs(value))
                continue
            known.add_text(str(leaf))
        return known

    def add_text(self, text: str) -> None:
        # Fact strings use snake_case for states ("hold_for_review"): read them as words.
        words = text.replace("_", " ")
        self.statuses.update(_status(m.group()) for m in _STATUS_RE.finditer(words))
        rest = text
        for m in _ID_RE.finditer(text):
            self.ids.add(_id_key(m.group()))
            rest = rest[:m.start()] + " " * len(m.group()) + rest[m.end():]
        self.ids.add(_id_key(text.strip()))  # a whole value is an id too ("UPS", "WH-A")
        for m in _NUMBER_RE.finditer(rest):
            value = _decimal(m.group(1))
            if value is not None:
                self.numbers.add(abs(value))
                if m.group(2):
                    self.numbers.add(abs(value) / 100)
        # A number-only string ("12.50", a Decimal serialised as text) is a number.
        whole = _decimal(text.strip())
        if whole is not None:
            self.numbers.add(abs(whole))

    def has_id(self, token: str) -> bool:
        key = _id_key(token)
        if key in self.ids:
            return True
        # An id that is only digits may also be a number of the facts (a ZIP, a quantity).
        value = _decimal(key)
        return value is not None and value in self.numbers

    def has_number(self, value: Decimal, percent: bool) -> bool:
        value = abs(value)
        return value in self.numbers or (percent and value / 100 in self.numbers)


def _leaves(facts: Any) -> Iterator[Any]:
    if isinstance(facts, dict):
        for value in facts.values():
            yield from _leaves(value)
    elif isinstance(facts, list | tuple | set):
        for value in facts:
            yield from _leaves(value)
    else:
        yield facts


def _id_key(token: str) -> str:
    return token.lower().lstrip("#")


def _status(form: str) -> str:
    return _FORM_TO_STATUS[" ".join(form.lower().split())]


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


__all__ = ["unfaithful"]
