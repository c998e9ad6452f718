"""What the endpoints share: the platform, the session log, the publisher, the reply webhook.

``ApiContext`` is built once per app (``create_app``) and reached from a request
with the ``context`` dependency. The publisher is the streams ``Producer`` when a
broker is configured (a test passes its own double); the reply webhook is an
``httpx.AsyncClient`` (a test gives it a ``MockTransport``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Annotated, Literal, Protocol

import httpx
from fastapi import Depends, Request
from pydantic import BaseModel

from streams.events import Event

from ..settings import Settings
from ..wiring import EventRouter, Platform
from .metrics import ApiMetrics
from .sessions import ChatMessage, SessionHub, SessionLog, Speaker

log = logging.getLogger(__name__)


class Publisher(Protocol):
    async def send(self, event: Event) -> object: ...

    def close(self) -> None: ...


class OutgoingReply(BaseModel):
    """What the reply webhook receives: one message to a customer."""

    channel: Literal["chat", "ticket"]
    session_id: str | None = None
    ticket_id: str | None = None
    message: str
    trace_id: str


@dataclass
class ApiContext:
    settings: Settings
    platform: Platform
    sessions: SessionLog
    publisher: Publisher | None = None
    webhook: httpx.AsyncClient | None = None
    metrics: ApiMetrics = field(default_factory=ApiMetrics)
    hub: SessionHub = field(default_factory=SessionHub)
    _locks: dict[str, asyncio.Lock] = field(default_factory=lambda: defaultdict(asyncio.Lock))

    def __post_init__(self) -> None:
        self.router = EventRouter(self.platform)

    def thread_lock(self, thread_id: str) -> asyncio.Lock:
        """One turn or decision at a time per thread (a LangGraph thread is not re-entrant)."""
        return self._locks[thread_id]

    def say(self, session_id: str, speaker: Speaker, text: str, event_id: str) -> ChatMessage:
        """Append to a session's transcript and push it to the session's listeners."""
        message = self.sessions.append(session_id, speaker, text, event_id)
        self.hub.publish(session_id, message)
        return message

    async def deliver(self, reply: OutgoingReply) -> bool:
        """POST a reply to the configured webhook; a failure is logged, never raised (the
        reply is already in the session or on the broker)."""
        url = self.settings.api.reply_webhook_url
        if not url or self.webhook is None:
            return False
        try:
            response = await self.webhook.post(url, json=reply.model_dump(mode="json"))
            response.raise_for_status()
        except httpx.HTTPError as exc:
            self.metrics.webhook_failures.inc()
            log.warning("reply webhook failed for %s: %s", reply.trace_id, exc)
            return False
        return True

    async def aclose(self) -> None:
        if self.webhook is not None:
            await self.webhook.aclose()
        if self.publisher is not None:
            self.publisher.close()
        self.sessions.close()


def context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.ctx
    return ctx


Ctx = Annotated[ApiContext, Depends(context)]
