"""Ticket replies the workers publish reach the reply webhook (the in-memory transport;
the same Worker runs on Kafka in tests/streams)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx

from streams._transport_memory import MemoryBroker, MemoryTransport
from streams.events import TicketReply, TicketReplyEvent, new_event_id, utcnow
from streamwise.api.replies import TOPIC, ReplyForwarder, wanted
from tests.streamwise.api._world import Model, build, settings_for


def test_ticket_replies_are_posted_to_the_webhook(tmp_path: Path,
                                                       seeded_template: Path) -> None:
    posted: list[dict[str, Any]] = []

    def hook(request: httpx.Request) -> httpx.Response:
        posted.append(json.loads(request.content))
        return httpx.Response(204)

    settings = settings_for(tmp_path, seeded_template)
    settings.api.reply_webhook_url = "http://helpdesk.test/replies"
    settings.broker.embedded = False
    app = build(settings, Model(), webhook=httpx.AsyncClient(transport=httpx.MockTransport(hook)))
    ctx = app.state.ctx
    assert not wanted(ctx)  # no broker configured
    settings.broker.bootstrap_servers = ["memory:0"]
    assert wanted(ctx)

    broker = MemoryBroker()
    broker.create_topic(TOPIC, 3)

    def publish(n: int) -> None:
        reply = TicketReplyEvent(event_id=new_event_id(), key=f"T-{n}", occurred_at=utcnow(),
                                 payload=TicketReply(ticket_id=f"T-{n}", message=f"Reply {n}.",
                                                     trace_id=f"evt-{n}"))
        broker.append(TOPIC, reply.to_bytes(), f"T-{n}".encode())

    publish(1)
    publish(2)

    async def run(forwarder: ReplyForwarder, until: int) -> None:
        task = asyncio.create_task(forwarder.run())
        deadline = time.monotonic() + 60
        while forwarder.posted < until:
            assert time.monotonic() < deadline and not task.done()
            await asyncio.sleep(0.05)
        forwarder.stop()
        await task

    try:
        asyncio.run(run(ReplyForwarder(ctx, transport=MemoryTransport(broker)), 2))
        # Committed: a forwarder started later posts only what came after.
        broker.append(TOPIC, b"not json", b"x")  # skipped, not posted
        publish(3)
        asyncio.run(run(ReplyForwarder(ctx, transport=MemoryTransport(broker)), 1))
    finally:
        ctx.platform.close()
    assert sorted((p["ticket_id"], p["message"], p["trace_id"]) for p in posted) == [
        ("T-1", "Reply 1.", "evt-1"), ("T-2", "Reply 2.", "evt-2"), ("T-3", "Reply 3.", "evt-3")]
    assert all(p["channel"] == "ticket" for p in posted)
