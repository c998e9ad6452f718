"""Hostile event records, as a broken or malicious producer writes them to a topic.

Each attempt is one record value handed to ``parse_event`` (what the worker runs
on every record before anything else). It is **held** when ``parse_event``
raises its documented ``pydantic.ValidationError`` and the error names the field
(the worker dead-letters the record with that text in its headers); accepted
input fails an assertion (**breached**); any other exception **crashed** it.
The ``test_control_*`` tests are legitimate records that must still parse.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from payloads import MAX_ID_CHARS, MAX_JSON_INT, MAX_TEXT_CHARS, fit_json, fit_label, fit_text
from streams.dlq import MAX_MESSAGE_CHARS, DeadLetterInfo, dead_letter_info
from streams.events import EVENT_CLASSES, ActionTaken, Alert, Event, parse_event

MB = 1_000_000
ADDRESS = {"address1": "1 Main St", "address2": "", "city": "Austin", "state": "TX",
           "country": "USA", "zip": "78701"}
PAYLOADS: dict[str, dict[str, Any]] = {
    "OrderPlaced": {"order_id": "#W1", "user_id": "u1", "payment_method_id": "gift_card_1",
                    "total": "10.50", "address": ADDRESS,
                    "items": [{"item_id": "i1", "product_id": "p1", "quantity": 2,
                               "unit_price": 5.25}]},
    "OrderCancelled": {"order_id": "#W1", "user_id": "u1", "reason": "ordered by mistake"},
    "OrderStatusChanged": {"order_id": "#W1", "status": "processed"},
    "TicketOpened": {"ticket_id": "T1", "channel": "email", "subject": "refund",
                     "message": "Where is my refund?\nThanks", "customer_email": "a@b.c"},
    "TicketMessage": {"ticket_id": "T1", "message": "yes"},
    "InventoryAdjusted": {"item_id": "i1", "warehouse_id": "WH-EAST", "delta": -3,
                          "reason": "damage", "on_hand_after": 12},
    "ShipmentDelayed": {"order_id": "#W1", "carrier": "UPS", "delay_days": 2,
                        "tracking_id": "1Z999"},
    "PriceChanged": {"item_id": "i1", "product_id": "p1", "old_price": "10", "new_price": 9.5},
    "CatalogUpdated": {"product_id": "p1", "name": "Lamp", "change": "updated",
                       "variants": {"i1": {"price": 10.0, "available": True,
                                           "options": {"color": "red"}}}},
    "ActionTaken": {"subject_id": "#W1", "action": "confirm", "agent": "order",
                    "details": {"lines": [1, 2], "note": None}},
    "TicketReply": {"ticket_id": "T1", "message": "Done.", "transferred_to_human": False},
    "Alert": {"subject_id": "i1", "severity": "warning", "kind": "below_margin", "message": "m"},
    "ApprovalRequested": {"approval_id": "a1", "subject_id": "#W1", "action": "refund",
                          "reason": "above limit", "requested_by": "support"},
    "DeadLetter": {"origin_topic": "orders", "origin_partition": 0, "origin_offset": 5,
                   "error_type": "ValidationError", "error_message": "x", "attempts": 1},
}


def envelope(event_type: str) -> dict[str, Any]:
    return {"event_id": "evt-1", "type": event_type, "key": "k1",
            "occurred_at": "2026-11-29T10:00:00Z", "schema_version": 1, "source": "test",
            "payload": json.loads(json.dumps(PAYLOADS[event_type]))}


class Raw:
    """A JSON token written as is (``NaN``, ``1e400``, ``"\\ud800"``), which json.dumps won't."""

    def __init__(self, text: str) -> None:
        self.text = text


DELETE = object()


def record(event_type: str, path: tuple[str | int, ...], value: Any) -> str:
    """The valid ``event_type`` envelope with the value at ``path`` replaced (or deleted)."""
    data = envelope(event_type)
    *parents, last = path
    node: Any = data
    for part in parents:
        node = node[part]
    raws: dict[str, str] = {}
    if value is DELETE:
        del node[last]
    elif isinstance(value, Raw):
        marker = f"@@raw{len(raws)}@@"
        raws[f'"{marker}"'] = value.text
        node[last] = marker
    else:
        node[last] = value
    text = json.dumps(data)  # NaN/Infinity floats come out as the bare tokens
    for marker, token in raws.items():
        text = text.replace(marker, token)
    return text


def refused(raw: bytes | str) -> ValidationError:
    try:
        event = parse_event(raw)
    except ValidationError as exc:
        return exc
    raise AssertionError(f"accepted a hostile record as {type(event).__name__}: {str(raw)[:120]!r}")


# ---------------------------------------------------------------- one field at a time
# (event type, path, value, what the reason must name; None: the path itself)

ORD, TKT, INV, SHP, PRC = (
    "OrderPlaced", "TicketOpened", "InventoryAdjusted", "ShipmentDelayed", "PriceChanged")
LINE = ("payload", "items", 0)
CASES: list[tuple[str, tuple[str | int, ...], Any, str | None]] = [
    # the envelope: id, time, key and type are required, never defaulted
    (ORD, ("event_id",), DELETE, None),
    (ORD, ("occurred_at",), DELETE, None),
    (ORD, ("key",), DELETE, None),
    (ORD, ("type",), DELETE, "discriminator 'type'"),
    (ORD, ("payload",), DELETE, None),
    (ORD, ("event_id",), None, None),
    (ORD, ("event_id",), "", None),
    (ORD, ("event_id",), 123, None),
    (ORD, ("event_id",), True, None),
    (ORD, ("event_id",), ["evt-1"], None),
    (ORD, ("event_id",), {"id": "evt-1"}, None),
    (ORD, ("event_id",), "evt 1", None),
    (ORD, ("event_id",), "evt-1\n", None),
    (ORD, ("event_id",), "x" * (MAX_ID_CHARS + 1), None),
    (ORD, ("event_id",), "evt\u202e1-tve", None),
    (ORD, ("event_id",), "evt\u200b1", None),
    (ORD, ("event_id",), Raw('"evt-\\ud800"'), None),
    (ORD, ("key",), "", None),
    (ORD, ("key",), 5, None),
    (ORD, ("key",), "k" * MB, None),
    (ORD, ("occurred_at",), "2026-11-29T10:00:00", None),
    (ORD, ("occurred_at",), "2026-11-29", None),
    (ORD, ("occurred_at",), "2026-13-01T00:00:00Z", None),
    (ORD, ("occurred_at",), 1764410400, None),
    (ORD, ("occurred_at",), 1764410400.5, None),
    (ORD, ("occurred_at",), "1764410400", None),
    (ORD, ("occurred_at",), True, None),
    (ORD, ("occurred_at",), "", None),
    (ORD, ("occurred_at",), "yesterday", None),
    (ORD, ("occurred_at",), "0001-01-01T00:00:00Z", None),
    (ORD, ("occurred_at",), "9999-12-31T23:59:59+00:00", None),
    (ORD, ("occurred_at",), None, None),
    (ORD, ("type",), "orderplaced", "'orderplaced'"),
    (ORD, ("type",), "OrderPlaced ", "'OrderPlaced '"),
    (ORD, ("type",), "NoSuchEvent", "'NoSuchEvent'"),
    (ORD, ("type",), "__class__", "'__class__'"),
    (ORD, ("type",), 5, "type"),
    (ORD, ("type",), None, "type"),
    (ORD, ("type",), ["OrderPlaced"], "type"),
    (ORD, ("type",), "TicketMessage", "TicketMessage.payload"),  # a payload of another type
    (ORD, ("schema_version",), "1", None),
    (ORD, ("schema_version",), True, None),
    (ORD, ("schema_version",), 1.5, None),
    (ORD, ("schema_version",), 0, None),
    (ORD, ("schema_version",), 10**30, None),
    (ORD, ("source",), "s" * MB, None),
    (ORD, ("source",), "sim\x00", None),
    # numbers: no strings, no booleans, finite, bounded
    (ORD, (*LINE, "quantity"), "2", None),
    (ORD, (*LINE, "quantity"), True, None),
    (ORD, (*LINE, "quantity"), False, None),
    (ORD, (*LINE, "quantity"), 2.5, None),
    (ORD, (*LINE, "quantity"), 2.0, None),
    (ORD, (*LINE, "quantity"), 0, None),
    (ORD, (*LINE, "quantity"), -1, None),
    (ORD, (*LINE, "quantity"), 10**6, None),
    (ORD, (*LINE, "quantity"), 10**30, None),
    (ORD, (*LINE, "quantity"), None, None),
    (ORD, (*LINE, "quantity"), [2], None),
    (ORD, (*LINE, "quantity"), Raw("1e400"), "json_invalid"),
    (ORD, (*LINE, "quantity"), Raw("NaN"), "json_invalid"),
    (ORD, (*LINE, "quantity"), Raw("9" * 5000), "json_invalid"),
    (ORD, (*LINE, "unit_price"), True, None),
    (ORD, (*LINE, "unit_price"), "abc", None),
    (ORD, (*LINE, "unit_price"), "NaN", None),
    (ORD, (*LINE, "unit_price"), "Infinity", None),
    (ORD, (*LINE, "unit_price"), "-1", None),
    (ORD, (*LINE, "unit_price"), -0.01, None),
    (ORD, (*LINE, "unit_price"), "1_000", None),
    (ORD, (*LINE, "unit_price"), " 5 ", None),
    (ORD, (*LINE, "unit_price"), "0x10", None),
    (ORD, (*LINE, "unit_price"), "1e3", None),
    (ORD, (*LINE, "unit_price"), 10**7, None),
    (ORD, (*LINE, "unit_price"), 0.30000000000000004, None),
    (ORD, (*LINE, "unit_price"), "", None),
    (ORD, (*LINE, "unit_price"), {"amount": 5}, None),
    (ORD, (*LINE, "unit_price"), Raw("Infinity"), "json_invalid"),
    (ORD, (*LINE, "unit_price"), Raw("-Infinity"), "json_invalid"),
    (ORD, ("payload", "total"), 10**10, None),
    (ORD, ("payload", "total"), "10.50.1", None),
    (ORD, ("payload", "total"), False, None),
    (SHP, ("payload", "delay_days"), "3", None),
    (SHP, ("payload", "delay_days"), True, None),
    (SHP, ("payload", "delay_days"), 0, None),
    (SHP, ("payload", "delay_days"), 366, None),
    (SHP, ("payload", "delay_days"), 3.5, None),
    (SHP, ("payload", "delay_days"), -1, None),
    (INV, ("payload", "delta"), "5", None),
    (INV, ("payload", "delta"), True, None),
    (INV, ("payload", "delta"), 10**10, None),
    (INV, ("payload", "delta"), 1.5, None),
    (INV, ("payload", "on_hand_after"), "5", None),
    (INV, ("payload", "on_hand_after"), False, None),
    (PRC, ("payload", "old_price"), "-5", None),
    (PRC, ("payload", "new_price"), True, None),
    (PRC, ("payload", "new_price"), Raw("NaN"), "json_invalid"),
    ("DeadLetter", ("payload", "origin_partition"), "0", None),
    ("DeadLetter", ("payload", "origin_offset"), -1, None),
    ("DeadLetter", ("payload", "attempts"), 10**9, None),
    ("TicketReply", ("payload", "transferred_to_human"), "true", None),
    ("TicketReply", ("payload", "transferred_to_human"), 1, None),
    ("TicketReply", ("payload", "transferred_to_human"), "yes", None),
    # text: bounded, no control characters, no lone surrogates, no invisible tricks
    (ORD, ("payload", "order_id"), "#W" * MB, None),
    (TKT, ("payload", "message"), "m" * MB, None),
    (TKT, ("payload", "message"), "m" * (MAX_TEXT_CHARS + 1), None),
    (TKT, ("payload", "subject"), "s" * 10_000, None),
    (ORD, ("payload", "address", "city"), "c" * MB, None),
    (TKT, ("payload", "message"), "a\x00b", None),
    (TKT, ("payload", "message"), "bell\x07", None),
    (TKT, ("payload", "message"), "\x1b[2J\x1b[31mred", None),
    (TKT, ("payload", "message"), "del\x7f", None),
    (TKT, ("payload", "message"), "c1\x85\x9b", None),
    (TKT, ("payload", "message"), "pay \u202egnp.exe", None),
    (TKT, ("payload", "message"), "\ufeffbom", None),
    (TKT, ("payload", "message"), "\uffff", None),
    (TKT, ("payload", "message"), Raw('"\\ud800"'), None),
    (TKT, ("payload", "message"), Raw('"tail \\udfff"'), None),
    (TKT, ("payload", "message"), Raw('"\\udc00\\ud800"'), None),  # a pair in the wrong order
    (TKT, ("payload", "subject"), Raw('"\\ud83d"'), None),
    (TKT, ("payload", "subject"), "two\nlines", None),
    (TKT, ("payload", "subject"), "tab\there", None),
    (TKT, ("payload", "ticket_id"), "T 1", None),
    (TKT, ("payload", "ticket_id"), "T1\t", None),
    (TKT, ("payload", "ticket_id"), Raw('"T\\ud800"'), None),
    (TKT, ("payload", "customer_email"), "a@b.c\r\nBcc: x@y.z", None),
    (TKT, ("payload", "message"), None, None),
    (TKT, ("payload", "message"), ["hi"], None),
    (TKT, ("payload", "subject"), {"a": 1}, None),
    (ORD, ("payload", "user_id"), 123, None),
    (ORD, ("payload", "user_id"), True, None),
    (TKT, ("payload", "channel"), "sms", None),
    ("Alert", ("payload", "severity"), "fatal", None),
    (INV, ("payload", "reason"), "stolen", None),
    ("CatalogUpdated", ("payload", "change"), "DELETE", None),
    # structure
    (ORD, ("payload", "items"), [], None),
    (ORD, ("payload", "items"), [PAYLOADS[ORD]["items"][0]] * 101, None),
    (ORD, ("payload", "items"), "i1", None),
    (ORD, ("payload", "items"), [None], None),
    (ORD, ("payload", "address"), "1 Main St, Austin", None),
    (ORD, ("payload", "address", "zip"), DELETE, None),
    (ORD, ("payload",), [PAYLOADS[ORD]], None),
    (ORD, ("payload",), None, None),
    (ORD, ("payload",), "{}", None),
    # unknown fields are kept, so they get the bounds of any free-form value
    (ORD, ("note",), "n" * MB, "unknown field 'note'"),
    (ORD, ("note",), Raw("NaN"), "json_invalid"),
    (ORD, ("note",), 2**64, "unknown field 'note'"),
    (ORD, ("note",), "\x1b]0;owned\x07", "unknown field 'note'"),
    (ORD, ("note",), Raw('{"x": "\\ud800"}'), "unknown field 'note'"),
    (ORD, ("note",), [[[[[[[[[[["deep"]]]]]]]]]]], "unknown field 'note'"),
    (ORD, ("note",), list(range(5000)), "unknown field 'note'"),
    (ORD, ("payload", "note"), {"\x00key": 1}, "unknown field 'note'"),
    (ORD, ("nul\x00field",), 1, "unknown field"),
    ("ActionTaken", ("payload", "details", "note"), "x" * MB, "details"),
    ("ActionTaken", ("payload", "details", "lines"), Raw("[1, Infinity]"), "json_invalid"),
    ("ActionTaken", ("payload", "details"), {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {
        "i": {"j": 1}}}}}}}}}}, "details"),
    ("ActionTaken", ("payload", "details"), [1, 2], "details"),
    ("CatalogUpdated", ("payload", "variants"), {"i 1": {}}, "variants"),
    ("CatalogUpdated", ("payload", "variants"), {"i1": "available"}, "variants"),
    ("CatalogUpdated", ("payload", "variants", "i1", "price"), Raw("NaN"), "json_invalid"),
]


def _case_id(case: tuple[str, tuple[str | int, ...], Any, str | None]) -> str:
    event_type, path, value, _ = case
    shown = "DELETE" if value is DELETE else value.text if isinstance(value, Raw) else repr(value)
    return f"{event_type}.{'.'.join(map(str, path))}={shown[:24]}"


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_one_hostile_field(case: tuple[str, tuple[str | int, ...], Any, str | None]) -> None:
    event_type, path, value, names = case
    exc = refused(record(event_type, path, value))
    reason = str(exc) + " " + " ".join(e["type"] for e in exc.errors())
    expected = names or ".".join(map(str, (event_type, *path)))
    assert expected in reason, f"the reason does not name {expected!r}: {reason[:300]}"


# ---------------------------------------------------------------- whole records

VALID_BYTES = json.dumps(envelope("TicketMessage")).encode()
WHOLE: dict[str, bytes | str] = {
    "empty": b"",
    "whitespace": b"  \n ",
    "empty-object": b"{}",
    "top-level-list": b"[]",
    "top-level-string": b'"OrderPlaced"',
    "top-level-null": b"null",
    "top-level-number": b"42",
    "truncated": VALID_BYTES[:-7],
    "two-objects": VALID_BYTES + VALID_BYTES,
    "trailing-garbage": VALID_BYTES + b"garbage",
    "single-quotes": VALID_BYTES.replace(b'"', b"'"),
    "comment": b"/* hi */" + VALID_BYTES,
    "nan-bare": b"NaN",
    "deep-array": b"[" * 100_000 + b"]" * 100_000,
    "deep-object": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "deep-just-readable": b'{"type": "TicketMessage", "x": ' + b"[" * 900 + b"]" * 900 + b"}",
    "duplicate-event-id": VALID_BYTES.replace(b'"event_id": "evt-1"',
                                              b'"event_id": "evt-1", "event_id": "evt-2"'),
    "duplicate-type": VALID_BYTES.replace(b'"type": "TicketMessage"',
                                          b'"type": "TicketMessage", "type": "OrderPlaced"'),
    "duplicate-in-payload": VALID_BYTES.replace(b'"message": "yes"',
                                                b'"message": "yes", "message": "no"'),
    "not-utf8": b'{"event_id": "\xff"}',
    "invalid-continuation": VALID_BYTES.replace(b"yes", b"\xc3\x28"),
    "overlong-slash": VALID_BYTES.replace(b"yes", b"\xc0\xaf"),
    "utf8-encoded-surrogate": VALID_BYTES.replace(b"yes", b"\xed\xa0\x80"),
    "truncated-multibyte": VALID_BYTES.replace(b"yes", b"\xe2\x82"),
    "latin1": VALID_BYTES.replace(b"yes", "café".encode("latin-1")),
    "utf16": VALID_BYTES.decode().encode("utf-16"),
    "utf8-bom": b"\xef\xbb\xbf" + VALID_BYTES,
    "nul-bytes": b"\x00" * 64,
    "raw-control-in-string": VALID_BYTES.replace(b"yes", b"y\x01s"),
}


@pytest.mark.parametrize("name", sorted(WHOLE))
def test_whole_record(name: str) -> None:
    exc = refused(WHOLE[name])
    assert exc.errors(), name


# ---------------------------------------------------------------- the dead letter's reason
# The worker puts ``str(error)`` in the dead letter's headers: it must encode, fit, and
# still name the field when the field's name or value is itself hostile.

DEAD_LETTERS: dict[str, tuple[bytes | str, str]] = {
    "surrogate-variant-key": (record("CatalogUpdated", ("payload", "variants"), Raw('{"\\ud800": {}}')),
                              "CatalogUpdated.payload.variants"),
    "control-in-message": (record(TKT, ("payload", "message"), "\x1b[2J"), "TicketOpened.payload.message"),
    "newline-in-unknown-field-name": (record(ORD, ("x\ndlq.error_type",), 1), "unknown field"),
    "megabyte-key": (record(ORD, ("key",), "k" * MB), "OrderPlaced.key"),
    "missing-id": (record(ORD, ("event_id",), DELETE), "OrderPlaced.event_id"),
    "hundred-bad-lines": (record(ORD, ("payload", "items"), [{"quantity": "1"}] * 100),
                          "OrderPlaced.payload.items.0.item_id"),
    "not-utf8": (WHOLE["not-utf8"], "json_invalid"),
}


@pytest.mark.parametrize("name", sorted(DEAD_LETTERS))
def test_dead_letter_reason(name: str) -> None:
    raw, names = DEAD_LETTERS[name]
    exc = refused(raw)
    headers = dead_letter_info(exc, attempts=0, topic="orders", partition=0, offset=1,
                               worker_id="w").headers()
    info = DeadLetterInfo.from_headers(headers)
    assert info.error_type == "ValidationError"
    assert len(info.error_message) <= MAX_MESSAGE_CHARS
    assert names in info.error_message
    assert [k for k, _ in headers].count("dlq.error_type") == 1


# ---------------------------------------------------------------- properties

def _forbidden(text: str) -> bool:
    return bool(re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069"
                          "\ufeff\ufffe\uffff]", text))


def assert_bounded(value: Any) -> None:
    """Every string, number and nested value of a parsed event is within the documented bounds."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            assert_bounded(getattr(value, name))
        assert_bounded(value.model_extra or {})
    elif isinstance(value, str):
        assert len(value) <= MAX_TEXT_CHARS and not _forbidden(value), repr(value[:80])
    elif isinstance(value, bool) or value is None:
        pass
    elif isinstance(value, int):
        assert abs(value) <= MAX_JSON_INT
    elif isinstance(value, float | Decimal):
        assert math.isfinite(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            assert_bounded(k)
            assert_bounded(v)
    elif isinstance(value, list):
        for v in value:
            assert_bounded(v)


def accepted_or_refused(raw: bytes | str) -> Event | None:
    """``parse_event``'s whole contract: an event, or its ValidationError (anything else crashes)."""
    try:
        return parse_event(raw)
    except ValidationError:
        return None


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_only_ever_raise_the_documented_error(data: bytes) -> None:
    event = accepted_or_refused(data)
    assert event is None  # random bytes are never a valid event


@PROPERTY
@given(st.sampled_from(sorted(PAYLOADS)), st.data())
def test_any_field_replaced_by_any_json_is_refused_or_parses_within_bounds(
        event_type: str, data: st.DataObject) -> None:
    env = envelope(event_type)
    node: Any = env
    # Walk to a random field of the envelope or (deeper) its payload, and replace it.
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            break
        key = data.draw(st.sampled_from(keys))
        child = node[key]
        if isinstance(child, dict | list) and child and data.draw(st.booleans()):
            node = child
            continue
        node[key] = data.draw(JSON)
        break
    raw = json.dumps(env, allow_nan=True)
    event = accepted_or_refused(raw)
    if event is not None:
        assert_bounded(event)
        assert parse_event(event.to_bytes()) == event


@PROPERTY
@given(st.sampled_from(sorted(PAYLOADS)), st.text(max_size=300), st.text(max_size=40))
def test_any_text_in_a_message_and_an_id_is_refused_or_kept_clean(
        event_type: str, text: str, ident: str) -> None:
    env = envelope(event_type)
    env["key"] = ident
    env["payload"]["comment"] = text  # an unknown field: kept, so bounded like free text
    event = accepted_or_refused(json.dumps(env))  # lone surrogates go as \ud800 escapes
    if event is not None:
        assert_bounded(event)
        assert event.key == unicodedata.normalize("NFC", ident) and not re.search(r"\s", ident)
        assert parse_event(event.to_bytes()) == event


@PROPERTY
@given(st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                 st.text(max_size=12), st.none(), st.decimals(allow_nan=True).map(str)))
def test_a_quantity_is_accepted_only_as_an_integer_in_range(value: Any) -> None:
    raw = record("OrderPlaced", (*LINE, "quantity"), value)
    event = accepted_or_refused(raw)
    valid = type(value) is int and 1 <= value <= 10_000
    assert (event is not None) == valid, value


@PROPERTY
@given(st.one_of(st.decimals(allow_nan=True, allow_infinity=True),
                 st.decimals(allow_nan=False, allow_infinity=False, places=2,
                             min_value=0, max_value=1_000_000)))
def test_a_price_string_is_accepted_only_when_plain_finite_and_in_range(value: Decimal) -> None:
    text = str(value)
    event = accepted_or_refused(record("OrderPlaced", (*LINE, "unit_price"), text))
    plain = re.fullmatch(r"-?[0-9]{1,16}(\.[0-9]{1,16})?", text) is not None
    # "-0" is zero; trailing zeros are not decimal places ("1.50000" is 1.5).
    ok = plain and 0 <= value <= 1_000_000 and -value.normalize().as_tuple().exponent <= 4  # type: ignore[operator]
    assert (event is not None) == ok, text
    if event is not None:
        assert event.payload.items[0].unit_price == value  # type: ignore[union-attr]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200) | st.just("\u202e\x1b\x00\ud800\r\n" * 2_000), JSON)
def test_fitted_text_and_json_are_always_valid_output_payloads(text: str, value: Any) -> None:
    # What the wiring does to every agent output before it becomes an event.
    deep = {"model_text": text, "value": value, "nested": [[[[[[[[[[text]]]]]]]]]],
            "many": list(range(3_000)), "inf": math.inf, "big": 2**80}
    alert = Alert(subject_id="o1", severity="info", kind=fit_label(text) or "k",
                  message=fit_text(text))
    action = ActionTaken(subject_id="o1", action="notify", agent="order",
                         explanation=fit_text(text), details=fit_json(deep))
    for payload in (alert, action):
        assert type(payload).model_validate_json(payload.model_dump_json()) == payload
    assert fit_text(alert.message) == alert.message  # fitting twice changes nothing
    assert len(alert.message) <= MAX_TEXT_CHARS and "\x00" not in alert.message


# ---------------------------------------------------------------- controls


@pytest.mark.parametrize("event_type", sorted(PAYLOADS))
def test_control_every_event_type_parses_and_round_trips(event_type: str) -> None:
    assert set(PAYLOADS) == set(EVENT_CLASSES)
    event = parse_event(json.dumps(envelope(event_type)).encode())
    assert type(event) is EVENT_CLASSES[event_type]
    assert event.event_id == "evt-1" and event.occurred_at.tzinfo is not None
    again = parse_event(event.to_bytes())
    assert again == event
    assert_bounded(again)


@pytest.mark.parametrize("event_type", sorted(PAYLOADS))
def test_control_unknown_fields_are_kept(event_type: str) -> None:
    env = envelope(event_type)
    env["trace"] = {"hops": [1, 2.5, "x"], "ok": True}
    env["payload"]["future"] = "kept"
    dumped = json.loads(parse_event(json.dumps(env)).to_bytes())
    assert dumped["trace"] == {"hops": [1, 2.5, "x"], "ok": True}
    assert dumped["payload"]["future"] == "kept"


def test_control_money_as_a_number_or_a_decimal_string() -> None:
    for value, expected in [(5.25, "5.25"), ("5.25", "5.25"), (5, "5"), ("0.0001", "0.0001"),
                            ("1000000", "1000000")]:
        event = parse_event(record("OrderPlaced", (*LINE, "unit_price"), value))
        assert event.payload.items[0].unit_price == Decimal(expected)  # type: ignore[union-attr]


def test_control_text_at_its_bounds_with_newlines_tabs_and_any_script() -> None:
    message = "Hola 👋 — 你好, مرحبا\n\tline two " + "x" * (MAX_TEXT_CHARS - 40)
    event = parse_event(record("TicketOpened", ("payload", "message"), message[:MAX_TEXT_CHARS]))
    assert event.payload.message == message[:MAX_TEXT_CHARS]  # type: ignore[union-attr]
    event = parse_event(record("TicketOpened", ("event_id",), "e" * MAX_ID_CHARS))
    assert len(event.event_id) == MAX_ID_CHARS


def test_control_a_pair_of_surrogate_escapes_is_one_character() -> None:
    event = parse_event(record("TicketOpened", ("payload", "message"), Raw('"ok \\ud83d\\ude00"')))
    assert event.payload.message == "ok 😀"  # type: ignore[union-attr]


def test_control_time_with_any_offset_and_fraction() -> None:
    for when in ("2026-11-29T10:00:00+05:30", "2026-11-29T10:00:00.123456Z",
                 "2026-11-29 10:00:00-08:00"):
        event = parse_event(record("TicketMessage", ("occurred_at",), when))
        assert event.occurred_at.utcoffset() is not None
