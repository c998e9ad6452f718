"""Ticket replies to the reply webhook: what the workers answer reaches the helpdesk too.

Workers publish each ticket's reply as a ``TicketReply`` on ``ticket-replies`` (an output
topic, which the worker runtime refuses to consume). When ``api.reply_webhook_url`` is
set and a broker is configured, the API process runs ``ReplyForwarder``: one member of the
group ``<worker.group_id>-replies`` (so several API processes post each reply once
between them), on the streams transport, that POSTs each reply and then commits its
offset. Delivery is at least once: a crash between the POST and the commit posts it
again, so the receiver dedupes on ``trace_id``. A reply the webhook refuses is logged and
counted (``streamwise_api_webhook_failures``), not retried.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

from pydantic import ValidationError

from streams.errors import StreamsError
from streams.events import TicketReplyEvent, parse_event
from streams.transport import TP, RawRecord, RebalanceIO, Transport, open_transport

from .context import ApiContext, OutgoingReply

log = logging.getLogger(__name__)
TOPIC = "ticket-replies"


class _Listener:
    """Nothing to do on a rebalance: offsets are committed after every batch."""

    async def on_revoked(self, tps: set[TP], io: RebalanceIO) -> None:
        return None

    async def on_lost(self, tps: set[TP]) -> None:
        return None

    def on_assigned(self, tps: set[TP], seek: Callable[[TP, int], None]) -> None:
        return None


class ReplyForwarder:
    """``await run()`` until ``stop()``, like a ``streams`` worker."""

    def __init__(self, ctx: ApiContext, *, transport: Transport | None = None) -> None:
        self.ctx = ctx
        self.transport = transport or open_transport(ctx.settings.broker)
        self.settings = ctx.settings.worker.model_copy(update={
            "group_id": f"{ctx.settings.worker.group_id}-replies", "metrics_port": None})
        self._stop = threading.Event()
        self.posted = 0

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        await asyncio.to_thread(self._consume, asyncio.get_running_loop())

    def _consume(self, loop: asyncio.AbstractEventLoop) -> None:
        consumer = self.transport.consumer(self.ctx.settings.broker, self.settings,
                                           "streamwise-api-replies")
        consumer.subscribe([TOPIC], _Listener())
        try:
            while not self._stop.is_set():
                records = consumer.poll(500, 500)
                for record in records:
                    self._forward(record, loop)
                if records:
                    ends = {r.tp: r.offset + 1 for r in records}
                    try:
                        consumer.commit(ends)
                    except StreamsError as exc:  # a rebalance: those may be posted again
                        log.warning("reply offsets not committed: %s", exc)
        finally:
            consumer.close()

    def _forward(self, record: RawRecord, loop: asyncio.AbstractEventLoop) -> None:
        try:
            event = parse_event(record.value or b"")
        except ValidationError:
            log.warning("not a valid event on %s@%d: skipped", record.tp, record.offset)
            return
        if not isinstance(event, TicketReplyEvent):
            return
        reply = event.payload
        asyncio.run_coroutine_threadsafe(self.ctx.deliver(OutgoingReply(
            channel="ticket", ticket_id=reply.ticket_id, message=reply.message,
            trace_id=reply.trace_id)), loop).result()
        self.posted += 1


def wanted(ctx: ApiContext) -> bool:
    """Whether this process should forward ticket replies."""
    return bool(ctx.settings.api.reply_webhook_url and ctx.webhook is not None
                and ctx.settings.broker.bootstrap_servers)
