"""streams: event models, topics, the embedded broker, producer, consumer runtime, simulator.

Knows nothing about LLMs or tools.
"""

from .broker import EmbeddedBroker, create_topics
from .config import BrokerSettings, WorkerSettings
from .events import (
    Event,
    InputEvent,
    OutputEvent,
    derive_event_id,
    event_from_dict,
    parse_event,
)
from .topics import TOPICS, Topic, topic_for

__all__ = [
    "TOPICS",
    "BrokerSettings",
    "EmbeddedBroker",
    "Event",
    "InputEvent",
    "OutputEvent",
    "Topic",
    "WorkerSettings",
    "create_topics",
    "derive_event_id",
    "event_from_dict",
    "parse_event",
    "topic_for",
]
