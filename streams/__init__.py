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
from .ledger import Ledger, PostgresLedger, SqliteLedger, open_ledger
from .metrics import WorkerMetrics
from .producer import Producer
from .runtime import Handler, HandlerContext, Worker
from .topics import TOPICS, Topic, topic_for

__all__ = [
    "TOPICS",
    "BrokerSettings",
    "EmbeddedBroker",
    "Handler",
    "HandlerContext",
    "Ledger",
    "PostgresLedger",
    "Producer",
    "SqliteLedger",
    "Event",
    "InputEvent",
    "OutputEvent",
    "Topic",
    "Worker",
    "WorkerMetrics",
    "WorkerSettings",
    "create_topics",
    "derive_event_id",
    "event_from_dict",
    "open_ledger",
    "parse_event",
    "topic_for",
]
