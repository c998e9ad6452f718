"""The topic registry: each topic's name, partition count, key field and event types.

Keys decide ordering: every event of one order (placed, cancelled, status
changed) carries the order id as key, so one worker sees them in order.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

DLQ_SUFFIX = ".dlq"


class Topic(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    partitions: int
    key_field: str
    event_types: tuple[str, ...]
    kind: str  # "input" or "output"

    @property
    def dlq(self) -> str:
        return self.name + DLQ_SUFFIX


TOPICS: dict[str, Topic] = {
    t.name: t
    for t in (
        Topic(name="orders", partitions=6, key_field="order_id", kind="input",
              event_types=("OrderPlaced", "OrderCancelled", "OrderStatusChanged", "ShipmentDelayed")),
        Topic(name="tickets", partitions=3, key_field="ticket_id", kind="input",
              event_types=("TicketOpened", "TicketMessage")),
        Topic(name="inventory", partitions=3, key_field="item_id", kind="input",
              event_types=("InventoryAdjusted",)),
        Topic(name="prices", partitions=3, key_field="item_id", kind="input",
              event_types=("PriceChanged",)),
        Topic(name="catalog", partitions=1, key_field="product_id", kind="input",
              event_types=("CatalogUpdated",)),
        Topic(name="actions", partitions=3, key_field="subject_id", kind="output",
              event_types=("ActionTaken",)),
        Topic(name="alerts", partitions=1, key_field="subject_id", kind="output",
              event_types=("Alert",)),
        Topic(name="ticket-replies", partitions=3, key_field="ticket_id", kind="output",
              event_types=("TicketReply",)),
        Topic(name="approvals", partitions=1, key_field="approval_id", kind="output",
              event_types=("ApprovalRequested",)),
    )
}
EVENT_TOPIC: dict[str, str] = {
    event_type: topic.name for topic in TOPICS.values() for event_type in topic.event_types
}


def topic_for(event_type: str) -> Topic:
    """The topic an event type is published to."""
    try:
        return TOPICS[EVENT_TOPIC[event_type]]
    except KeyError:
        raise KeyError(
            f"no topic carries event type {event_type!r}; known: {sorted(EVENT_TOPIC)}"
        ) from None


def all_topic_specs() -> list[tuple[str, int]]:
    """(name, partitions) of every topic and of each input topic's dead-letter topic."""
    specs = [(t.name, t.partitions) for t in TOPICS.values()]
    specs += [(t.dlq, 1) for t in TOPICS.values() if t.kind == "input"]
    return specs
