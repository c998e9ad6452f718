"""Constrained field types: what any text or number crossing a topic may be.

Every string is NFC-normalised and bounded by its kind, and never carries a
C0/C1 control character, a lone surrogate, a byte-order mark or a bidi
override (all invisible, all a way to make two readers see different text).
Numbers are finite and bounded; ``bool`` is never a number; a number is never
given as a string, except money (below).

Money is a JSON number *or* a plain decimal string ("12.50"): Kafka producers
in other languages commonly send decimal strings to keep cents exact, and our
own ``model_dump_json`` writes ``Decimal`` as a string, so both must round-trip.
At most four decimal places: a float artefact like ``0.30000000000000004`` is
a producer bug (round before sending), not a price.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field

MAX_ID_CHARS = 128  # ids, keys, names of things: a uuid is 36
MAX_LABEL_CHARS = 256  # one line: a city, a subject, a reason
MAX_TEXT_CHARS = 8_000  # free text: a customer's message, an explanation
MAX_QUANTITY = 10_000  # units of one item in one order line
MAX_STOCK = 1_000_000_000  # units of one item in one warehouse (and a change of it)
MAX_DELAY_DAYS = 365
MAX_PRICE = Decimal(1_000_000)  # one unit
MAX_AMOUNT = Decimal(1_000_000_000)  # an order total
MAX_JSON_DEPTH = 8  # nesting of free-form objects (details, variants, unknown fields)
MAX_JSON_NODES = 2_000  # values in one free-form object, all levels together
MAX_JSON_INT = 2**63 - 1  # what every JSON reader (and Kafka tooling) holds exactly
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)

# Never in any text: C0 except \t \n (\r is normalised away first), DEL and C1,
# lone surrogates, bidi embeddings/overrides/isolates, BOM, non-characters.
_FORBIDDEN = "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff"
_BAD_TEXT = re.compile(f"[{_FORBIDDEN}]")
_BAD_LABEL = re.compile(f"[\t\n{_FORBIDDEN}]")
# Ids: no whitespace and no invisible format characters at all.
_BAD_ID = re.compile(f"[\\s{_FORBIDDEN}\u00ad\u200b-\u200f\u2028-\u202f\u2060-\u206f]")
_DECIMAL_STRING = re.compile(r"-?[0-9]{1,16}(\.[0-9]{1,16})?")


def _check(value: str, pattern: re.Pattern[str], max_chars: int, what: str) -> str:
    # Reject before normalising: unicodedata.normalize keeps lone surrogates, but
    # the message should name the character as it was sent.
    bad = pattern.search(value)
    if bad is not None:
        raise ValueError(f"{what} contains the character U+{ord(bad.group()):04X} at "
                         f"position {bad.start()}, which is not allowed; remove it")
    value = unicodedata.normalize("NFC", value)
    if len(value) > max_chars:  # NFC can lengthen a string slightly
        raise ValueError(f"{what} has {len(value)} characters; at most {max_chars} are allowed")
    return value


def clean_id(value: str) -> str:
    return _check(value, _BAD_ID, MAX_ID_CHARS, "an id")


def clean_label(value: str) -> str:
    return _check(value, _BAD_LABEL, MAX_LABEL_CHARS, "a one-line text").strip()


def clean_text(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _check(value, _BAD_TEXT, MAX_TEXT_CHARS, "a text")


# ``max_length`` is checked by pydantic-core before the validator runs, so a
# megabyte string is refused without being scanned.
Id = Annotated[str, Field(strict=True, min_length=1, max_length=MAX_ID_CHARS),
               AfterValidator(clean_id)]
Label = Annotated[str, Field(strict=True, max_length=MAX_LABEL_CHARS),
                  AfterValidator(clean_label)]
Text = Annotated[str, Field(strict=True, max_length=MAX_TEXT_CHARS),
                 AfterValidator(clean_text)]


def _money_input(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a money amount must be a number, not true/false")
    if isinstance(value, str) and not _DECIMAL_STRING.fullmatch(value):
        raise ValueError('a money amount given as a string must be a plain decimal like "12.50"')
    return value


def _money(maximum: Decimal) -> Any:
    return Annotated[Decimal, BeforeValidator(_money_input),
                     Field(strict=False, ge=0, le=maximum, decimal_places=4, allow_inf_nan=False)]


Price = _money(MAX_PRICE)
Amount = _money(MAX_AMOUNT)
Quantity = Annotated[int, Field(strict=True, ge=1, le=MAX_QUANTITY)]
StockDelta = Annotated[int, Field(strict=True, ge=-MAX_STOCK, le=MAX_STOCK)]
StockLevel = Annotated[int, Field(strict=True, ge=-MAX_STOCK, le=MAX_STOCK)]
DelayDays = Annotated[int, Field(strict=True, ge=1, le=MAX_DELAY_DAYS)]


def _timestamp_input(value: Any) -> Any:
    # pydantic would read a number (or a string of digits) as Unix time: refused,
    # since a producer that sends one most likely means another unit or field.
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError('a time must be an ISO-8601 string with a UTC offset, '
                     'like "2026-11-29T10:00:00Z"')


def _timestamp_range(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise ValueError(f"a time must fall in [{EARLIEST.year}, {LATEST.year}); got {value.isoformat()}")
    return value


Timestamp = Annotated[AwareDatetime, BeforeValidator(_timestamp_input), Field(strict=False),
                      AfterValidator(_timestamp_range)]


class _Budget:
    def __init__(self) -> None:
        self.nodes = 0


def clean_json(value: Any, where: str = "the value", depth: int = 0,
               budget: _Budget | None = None) -> Any:
    """A bounded copy of a free-form JSON value: depth, size, finite numbers, clean text.

    ``where`` names the value in messages (``details.lines[2].note``), so a
    dead letter's reason points at the offending part.
    """
    budget = budget or _Budget()
    budget.nodes += 1
    if budget.nodes > MAX_JSON_NODES:
        raise ValueError(f"{where}: a free-form value may hold at most {MAX_JSON_NODES} values")
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"{where}: a free-form value may nest at most {MAX_JSON_DEPTH} levels")
    try:
        if isinstance(value, str):
            return clean_text(value)
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int):
            if abs(value) > MAX_JSON_INT:
                raise ValueError(f"an integer must lie within ±{MAX_JSON_INT}")
            return value
        if isinstance(value, float | Decimal):
            if not math.isfinite(value):
                raise ValueError("a number must be finite (no NaN or Infinity)")
            return value
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where}: an object's keys must be strings")
            try:
                name = clean_label(key)
            except ValueError as exc:
                raise ValueError(f"{where}: a key: {exc}") from None
            out[name] = clean_json(item, f"{where}.{name[:64]}", depth + 1, budget)
        return out
    if isinstance(value, list | tuple):
        return [clean_json(item, f"{where}[{i}]", depth + 1, budget) for i, item in enumerate(value)]
    # Other scalars built in code (datetime, UUID, Enum) serialise as JSON already.
    return value


def _clean_object(value: dict[str, Any]) -> dict[str, Any]:
    # pydantic adds the field's own location; messages name the part inside it.
    return clean_json(value, "the object")  # type: ignore[no-any-return]


# A free-form JSON object (tool details, catalog variants): kept as sent, bounded.
JsonObject = Annotated[dict[str, Any], Field(strict=True), AfterValidator(_clean_object)]


# --- fitting text the platform publishes (instead of refusing it) ---------------------

def fit_text(value: str, max_chars: int = MAX_TEXT_CHARS) -> str:
    """``value`` made a valid ``Text`` instead of refused: for text the platform itself
    publishes (a model's reply, an explanation), where refusing would lose the output.

    The characters ``Text`` refuses are dropped, line ends normalised, the result
    NFC-normalised and cut to ``max_chars`` with a trailing "…" when longer.
    """
    value = _BAD_TEXT.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return _cut(unicodedata.normalize("NFC", value), max_chars)


def fit_label(value: str, max_chars: int = MAX_LABEL_CHARS) -> str:
    """``value`` made a valid ``Label``: as ``fit_text``, with line breaks and tabs as spaces."""
    value = re.sub(r"[\t\n\r]+", " ", value)
    return _cut(unicodedata.normalize("NFC", _BAD_LABEL.sub("", value)).strip(), max_chars)


def _cut(value: str, max_chars: int) -> str:
    return value if len(value) <= max_chars else value[:max_chars - 1].rstrip() + "\u2026"


def fit_json(value: Any) -> Any:
    """``value`` made a valid ``JsonObject`` value (``clean_json`` accepts the result):
    strings fitted (``fit_text``, keys ``fit_label``), non-finite numbers and integers
    beyond JSON's range as ``None`` and a string, values nested deeper than
    ``MAX_JSON_DEPTH`` as "…", and values past ``MAX_JSON_NODES`` left out."""
    return _fit_json(value, 0, _Budget())


def _fit_json(value: Any, depth: int, budget: _Budget) -> Any:
    budget.nodes += 1
    if isinstance(value, str):
        return fit_text(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if abs(value) <= MAX_JSON_INT else str(value)
    if isinstance(value, float | Decimal):
        return value if math.isfinite(value) else None
    if not isinstance(value, dict | list | tuple):
        return value  # datetime, UUID, Enum: serialise as JSON already
    if depth >= MAX_JSON_DEPTH:
        return "\u2026"
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if budget.nodes >= MAX_JSON_NODES:
                break
            out[fit_label(str(key)) or "_"] = _fit_json(item, depth + 1, budget)
        return out
    items: list[Any] = []
    for item in value:
        if budget.nodes >= MAX_JSON_NODES:
            break
        items.append(_fit_json(item, depth + 1, budget))
    return items
