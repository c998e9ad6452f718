import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

import payloads
from agents import contracts
from streams import events
from streams.dlq import DeadLetterInfo, dead_letter_info
from streams.events import (
    EVENT_CLASSES,
    INPUT_TYPES,
    OUTPUT_TYPES,
    derive_event_id,
    event_from_dict,
    parse_event,
)
from streams.simulator import Simulator, SimulatorMix
from streams.topics import EVENT_TOPIC, TOPICS, topic_for

SAMPLE_PAYLOADS: dict[str, dict[str, Any]] = {
    "OrderPlaced": {"order_id": "#W1", "user_id": "u1", "payment_method_id": "gift_card_1",
                    "total": "10.50", "address": {"address1": "1 Main St", "city": "Austin",
                                                   "state": "TX", "country": "USA", "zip": "78701"},
                    "items": [{"item_id": "i1", "product_id": "p1", "quantity": 2,
                               "unit_price": "5.25"}]},
    "OrderCancelled": {"order_id": "#W1", "user_id": "u1", "reason": "ordered by mistake"},
    "OrderStatusChanged": {"order_id": "#W1", "status": "processed"},
    "TicketOpened": {"ticket_id": "T1", "subject": "refund", "message": "where is my refund"},
    "TicketMessage": {"ticket_id": "T1", "message": "yes"},
    "InventoryAdjusted": {"item_id": "i1", "warehouse_id": "WH-EAST", "delta": -3, "reason": "damage"},
    "ShipmentDelayed": {"order_id": "#W1", "carrier": "UPS", "delay_days": 2},
    "PriceChanged": {"item_id": "i1", "product_id": "p1", "old_price": "10", "new_price": "9.5"},
    "CatalogUpdated": {"product_id": "p1", "name": "Lamp", "change": "updated"},
    "ActionTaken": {"subject_id": "#W1", "action": "confirm", "agent": "order"},
    "TicketReply": {"ticket_id": "T1", "message": "Done."},
    "Alert": {"subject_id": "i1", "severity": "warning", "kind": "below_margin", "message": "m"},
    "ApprovalRequested": {"approval_id": "a1", "subject_id": "#W1", "action": "refund",
                          "reason": "above limit", "requested_by": "support"},
    "DeadLetter": {"origin_topic": "orders", "origin_partition": 0, "origin_offset": 5,
                   "error_type": "ValidationError", "error_message": "x", "attempts": 1},
}


def envelope(event_type: str, payload: dict[str, Any], **fields: object) -> dict[str, Any]:
    return {"event_id": "e-1", "type": event_type, "key": "k1",
            "occurred_at": "2026-11-29T10:00:00+01:00", "payload": payload, **fields}


def test_every_type_has_a_sample_and_a_topic_when_input():
    assert set(SAMPLE_PAYLOADS) == set(EVENT_CLASSES)
    assert set(EVENT_CLASSES) == INPUT_TYPES | OUTPUT_TYPES
    for t in INPUT_TYPES:
        assert TOPICS[EVENT_TOPIC[t]].kind == "input"


@pytest.mark.parametrize("event_type", sorted(SAMPLE_PAYLOADS))
def test_round_trip_through_json(event_type):
    event = event_from_dict(envelope(event_type, SAMPLE_PAYLOADS[event_type]))
    again = parse_event(event.to_bytes())
    assert again == event
    assert type(again).__name__ == f"{event_type}Event"
    assert again.event_id == "e-1" and again.schema_version == 1
    assert again.occurred_at.utcoffset() is not None and again.occurred_at.hour == 10


def test_unknown_fields_are_kept():
    raw = envelope("TicketMessage", {"ticket_id": "T1", "message": "hi", "sentiment": "angry"},
                   future_field=1)
    event = event_from_dict(raw)
    dumped = json.loads(event.to_bytes())
    assert dumped["future_field"] == 1
    assert dumped["payload"]["sentiment"] == "angry"


def test_wrong_type_names_the_field():
    payload = dict(SAMPLE_PAYLOADS["OrderPlaced"], total="not-a-number")
    with pytest.raises(ValidationError) as info:
        event_from_dict(envelope("OrderPlaced", payload))
    locs = [e["loc"] for e in info.value.errors()]
    assert ("OrderPlaced", "payload", "total") in locs


def test_missing_nested_field_is_named():
    payload = json.loads(json.dumps(SAMPLE_PAYLOADS["OrderPlaced"]))
    del payload["items"][0]["quantity"]
    with pytest.raises(ValidationError) as info:
        event_from_dict(envelope("OrderPlaced", payload))
    assert ("OrderPlaced", "payload", "items", 0, "quantity") in [e["loc"] for e in info.value.errors()]


@pytest.mark.parametrize("field", ["event_id", "occurred_at", "key"])
def test_an_envelope_without_its_id_time_or_key_is_invalid_not_defaulted(field):
    raw = envelope("TicketMessage", SAMPLE_PAYLOADS["TicketMessage"])
    del raw[field]
    with pytest.raises(ValidationError) as info:
        parse_event(json.dumps(raw))
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [
        ("missing", ("TicketMessage", field))]


@pytest.mark.parametrize(("when", "error"), [
    ("2026-11-29T10:00:00", "timezone_aware"),  # no offset: which 10 o'clock?
    ("1764410400", "value_error"),  # Unix time as a string
    (1764410400, "value_error"),
    ("2026-11-29", "timezone_aware"),
    ("2200-01-01T00:00:00Z", "value_error"),
])
def test_occurred_at_is_an_aware_iso_time_in_range(when, error):
    with pytest.raises(ValidationError) as info:
        parse_event(json.dumps(envelope("TicketMessage", SAMPLE_PAYLOADS["TicketMessage"],
                                        occurred_at=when)))
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [
        (error, ("TicketMessage", "occurred_at"))]


@pytest.mark.parametrize(("field", "value"), [
    ("quantity", "2"), ("quantity", True), ("quantity", 2.0), ("quantity", 10_001),
    ("unit_price", True), ("unit_price", "1e3"), ("unit_price", 0.30000000000000004),
    ("unit_price", "NaN"), ("unit_price", 2_000_000),
])
def test_numbers_are_strict_finite_and_bounded(field, value):
    payload = json.loads(json.dumps(SAMPLE_PAYLOADS["OrderPlaced"]))
    payload["items"][0][field] = value
    with pytest.raises(ValidationError) as info:
        parse_event(json.dumps(envelope("OrderPlaced", payload)))
    assert [e["loc"] for e in info.value.errors()] == [("OrderPlaced", "payload", "items", 0, field)]


def test_money_is_a_json_number_or_a_decimal_string():
    payload = json.loads(json.dumps(SAMPLE_PAYLOADS["OrderPlaced"]))
    payload["items"][0]["unit_price"] = 5.25
    event = parse_event(json.dumps(envelope("OrderPlaced", payload)))
    assert event.payload.items[0].unit_price == Decimal("5.25")  # type: ignore[union-attr]
    assert event.payload.total == Decimal("10.50")  # type: ignore[union-attr]


@pytest.mark.parametrize(("text", "field"), [
    ("a\u0000b", "message"), ("\u001b[31mred", "message"), ("\ud800", "message"),
    ("x" * 8_001, "message"), ("line\nbreak", "subject"), ("T 1", "ticket_id"),
])
def test_text_is_bounded_and_free_of_control_characters(text, field):
    # json.dumps writes control characters and the lone surrogate as \uXXXX escapes.
    payload = dict(SAMPLE_PAYLOADS["TicketOpened"], **{field: text})
    with pytest.raises(ValidationError) as info:
        parse_event(json.dumps(envelope("TicketOpened", payload)))
    assert [e["loc"] for e in info.value.errors()] == [("TicketOpened", "payload", field)]


def test_text_is_normalised():
    payload = dict(SAMPLE_PAYLOADS["TicketOpened"], message="Cafe\u0301\r\nthanks\tbye",
                   subject="  refund  ")
    event = parse_event(json.dumps(envelope("TicketOpened", payload)))
    assert event.payload.message == "Caf\u00e9\nthanks\tbye"  # type: ignore[union-attr]
    assert event.payload.subject == "refund"  # type: ignore[union-attr]


def test_a_duplicate_key_is_malformed_json():
    raw = json.dumps(envelope("TicketMessage", SAMPLE_PAYLOADS["TicketMessage"]))
    raw = raw.replace('"key": "k1"', '"key": "k1", "key": "k2"')
    with pytest.raises(ValidationError) as info:
        parse_event(raw)
    assert info.value.errors()[0]["type"] == "json_invalid"
    assert "duplicate key 'key'" in str(info.value)


def test_dead_letter_reason_names_the_field():
    raw = envelope("TicketMessage", SAMPLE_PAYLOADS["TicketMessage"])
    del raw["event_id"]
    with pytest.raises(ValidationError) as info:
        parse_event(json.dumps(raw))
    headers = dead_letter_info(info.value, attempts=0, topic="tickets", partition=0, offset=7,
                               worker_id="w").headers()
    back = DeadLetterInfo.from_headers(headers)
    assert back.error_type == "ValidationError"
    assert "TicketMessage.event_id" in back.error_message and "Field required" in back.error_message


def test_each_commerce_payload_has_one_definition():
    assert events.OrderPlaced is payloads.OrderPlaced is contracts.OrderData
    assert events.OrderLine is payloads.OrderLine is contracts.OrderLine
    assert events.Address is payloads.Address is contracts.Address
    assert events.ShipmentDelayed is payloads.ShipmentDelayed is contracts.ShipmentDelay
    assert events.InventoryAdjusted is payloads.InventoryAdjusted is contracts.InventoryChange
    assert events.PriceChanged is payloads.PriceChanged is contracts.PriceChange


def test_an_event_payload_goes_into_an_agent_request_as_is():
    event = parse_event(json.dumps(envelope("OrderPlaced", SAMPLE_PAYLOADS["OrderPlaced"])))
    assert isinstance(event, events.OrderPlacedEvent)
    request = contracts.OrderPlacedRequest(agent="order", event_id=event.event_id,
                                     order=event.payload)
    assert request.order is event.payload and request.subject_id == "#W1"


def test_unknown_type_and_malformed_json_are_rejected():
    with pytest.raises(ValidationError) as info:
        parse_event(b'{"type": "Nope", "key": "k", "payload": {}}')
    assert info.value.errors()[0]["type"] == "union_tag_invalid"
    assert "'Nope'" in info.value.errors()[0]["msg"]
    with pytest.raises(ValidationError):
        parse_event(b'{"type": "OrderPlaced", ')


def test_derived_ids_are_deterministic_and_distinct():
    assert derive_event_id("e1", "action") == derive_event_id("e1", "action")
    assert derive_event_id("e1", "action") != derive_event_id("e1", "alert")
    assert derive_event_id("e1", "action") != derive_event_id("e2", "action")


def test_topic_for_unknown_type_explains():
    with pytest.raises(KeyError, match="known"):
        topic_for("Nope")


def test_simulator_output_validates_and_is_deterministic():
    a = Simulator("data", seed=3).events(300)
    b = Simulator("data", seed=3).events(300)
    c = Simulator("data", seed=4).events(300)
    assert [e.to_bytes() for e in a] == [e.to_bytes() for e in b]
    assert [e.to_bytes() for e in a] != [e.to_bytes() for e in c]
    for e in a:
        assert parse_event(e.to_bytes()) == e
        assert e.type in INPUT_TYPES
        assert e.key == getattr(e.payload, TOPICS[EVENT_TOPIC[e.type]].key_field)
    assert len({e.type for e in a}) == len(INPUT_TYPES)
    assert len({e.event_id for e in a}) == len(a)


def test_simulated_orders_use_real_users_and_available_variants():
    db = json.loads(Path("data/db.json").read_text())
    variants = {v["item_id"]: v for p in db["products"].values() for v in p["variants"].values()}
    orders = [e for e in Simulator("data", seed=9).events(200) if e.type == "OrderPlaced"]
    assert orders
    for e in orders:
        assert e.payload.user_id in db["users"]
        assert e.payload.total == sum(ln.unit_price * ln.quantity for ln in e.payload.items)
        for line in e.payload.items:
            assert variants[line.item_id]["available"]
            assert line.unit_price == Decimal(str(variants[line.item_id]["price"]))


def test_a_burst_has_exactly_the_mix_proportions_in_a_seeded_order():
    mix = SimulatorMix(order_placed=12, order_cancelled=0, order_status_changed=0,
                       ticket_opened=3, ticket_message=0, inventory_adjusted=2,
                       shipment_delayed=2, price_changed=2, catalog_updated=1)
    burst = Simulator("data", seed=5, mix=mix).burst(22)
    counts = Counter(e.type for e in burst)
    assert counts == {"OrderPlaced": 12, "TicketOpened": 3, "InventoryAdjusted": 2,
                      "ShipmentDelayed": 2, "PriceChanged": 2, "CatalogUpdated": 1}
    assert [e.type for e in burst] != sorted(e.type for e in burst)  # shuffled
    again = Simulator("data", seed=5, mix=mix).burst(22)
    assert [e.model_dump_json() for e in again] == [e.model_dump_json() for e in burst]
    # Half the size: the largest remainders get the odd events.
    assert len(Simulator("data", seed=5, mix=mix).burst(11)) == 11


def test_tickets_read_as_the_customer_wrote_them():
    from streams.simulator import customer_voice

    brief = ("You want to return the helmet you just bought. If the agent asks for a reason, "
             "say it is too small. Make sure you mention the order. "
             "You name is Sofia Li and your zip code is 78260.")
    assert customer_voice(brief) == ("I want to return the helmet I just bought. "
                                     "My name is Sofia Li and my zip code is 78260.")
    tickets = [e for e in Simulator("data", seed=2).events(300) if e.type == "TicketOpened"]
    assert tickets and not any(" you " in f" {t.payload.message.lower()} " for t in tickets[:20])
