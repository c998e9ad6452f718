"""The API over the real platform (seeded DuckDB store, SQLite checkpoints and session log)
with a scripted model: what the API tests and the browser tests share."""

from __future__ import annotations

import shutil
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from agents._support_schema import EXTRACT_PROMPT
from agents.scripted import ScriptedChatModel, call
from streams.events import Event
from streamwise.api import ApiContext, SessionLog, create_app, parse_tokens
from streamwise.settings import Settings
from streamwise.wiring import open_platform
from tools import DuckDBStore

TOKENS = {"operator": "op-token", "support": "sup-token", "analyst": "an-token"}
BY_REGION = {"metrics": ["units_sold"], "group_by": ["sales_history.region"], "filters": [],
             "period": "last_month", "order": "desc", "limit": None}


@dataclass
class Model:
    """Scripted turns per agent: the support extraction and the analyst's calls are queued
    apart, so a test need not know in which order the agents ask."""

    support: deque[AIMessage] = field(default_factory=deque)
    analyst: deque[AIMessage] = field(default_factory=deque)

    def step(self, messages: list[BaseMessage]) -> AIMessage:
        queue = self.support if messages[0].content == EXTRACT_PROMPT else self.analyst
        if not queue:
            raise AssertionError("the scripted model has no turn left for this agent")
        return queue.popleft()

    def chat(self) -> ScriptedChatModel:
        return ScriptedChatModel(script=[self.step] * 1000)

    def extraction(self, *requests: dict[str, Any], **identity: str) -> None:
        self.support.append(call("respond", requests=list(requests), **identity))

    def by_region(self) -> None:
        self.analyst.extend([call("query", **BY_REGION), call("respond")])


class Recorded:
    """A publisher double: keeps what would go to the broker."""

    def __init__(self) -> None:
        self.sent: list[Event] = []

    async def send(self, event: Event) -> object:
        self.sent.append(event)
        return None

    def close(self) -> None:
        pass


def token_spec(customers: dict[str, str] | None = None) -> str:
    pairs = [f"{role}={token}" for role, token in TOKENS.items()]
    pairs += [f"customer:{user}={token}" for user, token in (customers or {}).items()]
    return ",".join(pairs)


def settings_for(tmp: Path, seeded_template: Path) -> Settings:
    db = tmp / "store.duckdb"
    shutil.copyfile(seeded_template, db)
    settings = Settings()
    settings.store.db_path = str(db)
    settings.agents.checkpoint_path = str(tmp / "checkpoints.sqlite")
    settings.api.sessions_path = str(tmp / "chat.sqlite")
    settings.broker.bootstrap_servers = []
    return settings


def build(settings: Settings, model: Model, *, customers: dict[str, str] | None = None,
          publisher: Any = None, webhook: Any = None) -> Any:
    platform = open_platform(settings, chat=model.chat(), with_retriever=False)
    ctx = ApiContext(settings, platform, SessionLog(settings.api.sessions_path),
                     publisher=publisher, webhook=webhook)
    return create_app(ctx, parse_tokens(token_spec(customers)))


def big_pending_order(store_path: str) -> tuple[str, str]:
    """(user_id, order_id) of a pending order whose refund needs a person's approval."""
    store = DuckDBStore(store_path, read_only=True)
    try:
        with store.cursor() as cur:
            row = cur.execute("""
                SELECT o.user_id, o.order_id FROM orders o JOIN order_items i USING (order_id)
                WHERE o.status = 'pending' GROUP BY ALL HAVING sum(i.price) > 600
                ORDER BY o.order_id LIMIT 1""").fetchone()
    finally:
        store.close()
    assert row is not None
    return str(row[0]), str(row[1])


def bearer(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def sse(text: str) -> list[tuple[str, Any]]:
    """(event, data) of each event of an SSE body; comments (keep-alives) skipped."""
    import json

    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events


def closing(app: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        yield client
    app.state.ctx.platform.close()


def dead_letter(bootstrap: str, topic: str = "tickets") -> str:
    """Put a dead letter on ``<topic>.dlq`` as the runtime writes one (the original record,
    the reason in ``dlq.*`` headers); returns its event id."""
    from datetime import UTC, datetime

    from kafka import KafkaProducer

    from streams.dlq import DeadLetterInfo
    from streams.events import TicketOpened, TicketOpenedEvent, new_event_id, utcnow

    event = TicketOpenedEvent(event_id=new_event_id(), key="T-dead", occurred_at=utcnow(),
                              payload=TicketOpened(ticket_id="T-dead", subject="Lost",
                                                   message="My parcel is lost"))
    info = DeadLetterInfo(error_type="TimeoutError", error_message="the model timed out",
                          attempts=3, origin_topic=topic, origin_partition=0, origin_offset=0,
                          worker_id="w-test", failed_at=datetime.now(UTC))
    producer = KafkaProducer(bootstrap_servers=[bootstrap], acks="all")
    try:
        producer.send(f"{topic}.dlq", value=event.to_bytes(), key=b"T-dead",
                      headers=info.headers()).get(timeout=30)
    finally:
        producer.close()
    return event.event_id
