import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

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

SAMPLE_PAYLOADS = {
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


def test_every_type_has_a_sample_and_a_topic_when_input():
    assert set(SAMPLE_PAYLOADS) == set(EVENT_CLASSES)
    assert set(EVENT_CLASSES) == INPUT_TYPES | OUTPUT_TYPES
    for t in INPUT_TYPES:
        assert TOPICS[EVENT_TOPIC[t]].kind == "input"


@pytest.mark.parametrize("event_type", sorted(SAMPLE_PAYLOADS))
def test_round_trip_through_json(event_type):
    event = event_from_dict({"type": event_type, "key": "k1", "payload": SAMPLE_PAYLOADS[event_type]})
    again = parse_event(event.to_bytes())
    assert again == event
    assert type(again).__name__ == f"{event_type}Event"
    assert again.event_id and again.schema_version == 1


def test_unknown_fields_are_kept():
    raw = {"type": "TicketMessage", "key": "T1", "future_field": 1,
           "payload": {"ticket_id": "T1", "message": "hi", "sentiment": "angry"}}
    event = event_from_dict(raw)
    dumped = json.loads(event.to_bytes())
    assert dumped["future_field"] == 1
    assert dumped["payload"]["sentiment"] == "angry"


def test_wrong_type_names_the_field():
    payload = dict(SAMPLE_PAYLOADS["OrderPlaced"], total="not-a-number")
    with pytest.raises(ValidationError) as info:
        event_from_dict({"type": "OrderPlaced", "key": "k", "payload": payload})
    locs = [e["loc"] for e in info.value.errors()]
    assert ("OrderPlaced", "payload", "total") in locs


def test_missing_nested_field_is_named():
    payload = json.loads(json.dumps(SAMPLE_PAYLOADS["OrderPlaced"]))
    del payload["items"][0]["quantity"]
    with pytest.raises(ValidationError) as info:
        event_from_dict({"type": "OrderPlaced", "key": "k", "payload": payload})
    assert ("OrderPlaced", "payload", "items", 0, "quantity") in [e["loc"] for e in info.value.errors()]


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
