"""The incoming-ticket webhook: a website or helpdesk opens a ticket, the workers answer it.

``POST /v1/tickets`` publishes a ``TicketOpened`` event to the ``tickets`` topic and
returns 202 once the broker acknowledged it; a worker's support agent handles it
like any other ticket, and its reply goes to ``ticket-replies``.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from streams.errors import ProduceError
from streams.events import TicketOpened, TicketOpenedEvent, new_event_id, utcnow
from streams.topics import topic_for

from .auth import Principal, require
from .context import Ctx
from .models import TicketAccepted, TicketCreate

router = APIRouter(prefix="/v1/tickets", tags=["tickets"])


@router.post("", status_code=202, response_model=TicketAccepted)
async def open_ticket(body: TicketCreate, who: Annotated[Principal, Depends(require("support"))],
                      ctx: Ctx) -> TicketAccepted:
    if ctx.publisher is None:
        raise HTTPException(503, "no broker is configured: set broker.bootstrap_servers "
                                 "(or serve with the embedded broker)")
    ticket_id = body.ticket_id or f"T-{uuid.uuid4().hex[:10]}"
    event = TicketOpenedEvent(
        event_id=new_event_id(), key=ticket_id, occurred_at=utcnow(), source="api",
        payload=TicketOpened(ticket_id=ticket_id, channel=body.channel, subject=body.subject,
                             message=body.message, customer_email=body.customer_email,
                             user_id=body.user_id))
    try:
        await ctx.publisher.send(event)
    except ProduceError as exc:
        raise HTTPException(503, f"the broker did not take the ticket: {exc}") from None
    return TicketAccepted(ticket_id=ticket_id, event_id=event.event_id,
                          topic=topic_for(event.type).name)
