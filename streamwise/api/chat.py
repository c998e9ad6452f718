"""Chat over HTTP: sessions, a turn streamed as server-sent events, a session's live events.

A turn's stream (``POST /v1/chat/sessions/{id}/messages``)::

    event: turn      {"event_id", "session_id", "thread_id"}
    event: progress  {"stage": "model"|"model_done"}           while the agent works
    event: token     {"text"}                                  the reply, piece by piece
    event: approval  PendingApproval                           when a person must decide
    event: done      {"status", "decision", "message", "trace_id"}
    event: error     {"message", "trace_id"}                   the turn failed (trace kept)

The support agent's model reads the message into a typed structure and code writes
the reply from facts (agents/support.py), so the reply exists whole when the turn
ends; its tokens (words with their spacing) are then sent one event each, the way
a client renders a streamed reply. ``progress`` events come while the model works.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent
from langchain_core.callbacks import BaseCallbackHandler

from agents.contracts import AgentResult, MessageRequest

from .auth import Principal, require
from .context import ApiContext, Ctx, OutgoingReply
from .models import MessageCreate, SessionCreate, SessionId, SessionView
from .sessions import Session, thread_of

router = APIRouter(prefix="/v1/chat", tags=["chat"])
Chatter = Annotated[Principal, Depends(require("support", "customer"))]
_TOKEN = re.compile(r"\S+\s*|\s+")


def tokens(text: str) -> list[str]:
    """``text`` as the pieces a streamed reply arrives in (joined, they are ``text``)."""
    return _TOKEN.findall(text)


def owned_session(session_id: Annotated[SessionId, Path()], who: Chatter, ctx: Ctx) -> Session:
    """The session, if the caller may use it: a customer only their own (404, not 403, for
    another's, so a token cannot probe which sessions exist)."""
    session = ctx.sessions.get(session_id)
    if session is None or (who.role == "customer" and session.customer_id != who.customer_id):
        raise HTTPException(404, f"no chat session {session_id!r}: create one with "
                                 "POST /v1/chat/sessions")
    return session


Owned = Annotated[Session, Depends(owned_session)]


@router.post("/sessions", status_code=201, response_model=Session)
async def create_session(body: SessionCreate, who: Chatter, ctx: Ctx) -> Session:
    """Open a session, or take up one by id: a `streamwise chat --session ID` thread, or a
    session from before a restart (its owner only)."""
    session_id = body.session_id or f"web-{uuid.uuid4().hex[:12]}"
    existing = ctx.sessions.get(session_id)
    if existing is not None:
        if existing.owner != who.name and who.role != "operator":
            raise HTTPException(409, f"session {session_id!r} belongs to someone else")
        return existing
    if body.session_id and who.role == "customer" and ctx.platform.agents.support.has_thread(
            thread_of(session_id)):
        # A terminal chat's thread is staff's; a customer token may not adopt it.
        raise HTTPException(409, f"session {session_id!r} belongs to someone else")
    return ctx.sessions.create(session_id, who.name, who.customer_id)


@router.get("/sessions/{session_id}", response_model=SessionView)
async def get_session(session: Owned, ctx: Ctx) -> SessionView:
    return SessionView(session=session, messages=ctx.sessions.messages(session.session_id))


class _Progress(BaseCallbackHandler):
    """Model-call progress from the graph's worker thread onto the stream's queue."""

    def __init__(self, loop: asyncio.AbstractEventLoop,
                 queue: asyncio.Queue[ServerSentEvent]) -> None:
        self.loop, self.queue = loop, queue

    def _put(self, stage: str) -> None:
        self.loop.call_soon_threadsafe(self.queue.put_nowait,
                                       ServerSentEvent(event="progress", data={"stage": stage}))

    def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
        self._put("model")

    def on_llm_end(self, *args: Any, **kwargs: Any) -> None:
        self._put("model_done")


def _turn_lock(session: Owned, ctx: Ctx) -> asyncio.Lock:
    lock = ctx.thread_lock(session.thread_id)
    if lock.locked():
        raise HTTPException(409, f"session {session.session_id!r} is answering another "
                                 "message; send this one when that turn is done")
    return lock


@router.post("/sessions/{session_id}/messages", response_class=EventSourceResponse,
             responses={200: {"description": "the turn as server-sent events"}})
async def post_message(body: MessageCreate, session: Owned, who: Chatter, ctx: Ctx,
                       lock: Annotated[asyncio.Lock, Depends(_turn_lock)],
                       ) -> AsyncIterator[ServerSentEvent]:
    """Send a message; the reply streams back as server-sent events (see the module doc)."""
    async with lock:
        request = MessageRequest(
            agent="support", text=body.text, event_id=f"{session.session_id}:{uuid.uuid4().hex[:8]}",
            thread_id=session.thread_id, subject_id=session.session_id,
            # A customer token names its customer: the thread's identity comes from the
            # channel, never from the text (agents/_support_identity.py).
            author_user_id=who.customer_id or "")
        ctx.say(session.session_id, "customer", body.text, request.event_id)
        yield ServerSentEvent(event="turn", data={"event_id": request.event_id,
                                                  "session_id": session.session_id,
                                                  "thread_id": session.thread_id})
        queue: asyncio.Queue[ServerSentEvent] = asyncio.Queue()
        progress = _Progress(asyncio.get_running_loop(), queue)
        task = asyncio.create_task(ctx.platform.agents.run(request, [progress]))
        ctx.metrics.streams.inc()
        try:
            while not task.done():
                getter = asyncio.create_task(queue.get())
                await asyncio.wait({task, getter}, return_when=asyncio.FIRST_COMPLETED)
                if getter.done():
                    yield getter.result()
                else:
                    getter.cancel()
            while not queue.empty():
                yield queue.get_nowait()
            try:
                result = task.result()
            except Exception as exc:  # noqa: BLE001 - told to the client; the trace has it
                ctx.metrics.turns.labels(status="failed").inc()
                yield ServerSentEvent(event="error", data={
                    "message": f"the agent failed ({type(exc).__name__}); the trace has the "
                               "details", "trace_id": request.event_id})
                return
            async for event in _reply_events(result, session, ctx):
                yield event
        finally:
            ctx.metrics.streams.dec()


async def _reply_events(result: AgentResult, session: Session,
                        ctx: ApiContext) -> AsyncIterator[ServerSentEvent]:
    ctx.metrics.turns.labels(status=result.status).inc()
    for piece in tokens(result.message):
        yield ServerSentEvent(event="token", data={"text": piece})
    ctx.say(session.session_id, "agent", result.message, result.event_id)
    for approval in result.approvals:
        yield ServerSentEvent(event="approval", data=approval.model_dump(mode="json"))
    yield ServerSentEvent(event="done", data={
        "status": result.status, "decision": result.decision, "message": result.message,
        "trace_id": result.trace_id})
    await ctx.deliver(OutgoingReply(channel="chat", session_id=session.session_id,
                                    message=result.message, trace_id=result.trace_id))


@router.get("/sessions/{session_id}/events", response_class=EventSourceResponse)
async def session_events(session: Owned, ctx: Ctx, after: int = 0,
                         max_events: Annotated[int | None, Query(ge=1)] = None,
                         ) -> AsyncIterator[ServerSentEvent]:
    """The session's messages after ``after`` (a ``seq``), then each new one as it is said:
    the customer's, the agent's, and replies that come later (an approval's outcome)."""
    queue = ctx.hub.subscribe(session.session_id)
    ctx.metrics.streams.inc()
    sent = 0
    try:
        last = after
        for message in ctx.sessions.messages(session.session_id, after):
            last = message.seq
            yield ServerSentEvent(event="message", id=str(message.seq),
                                  data=message.model_dump(mode="json"))
            sent += 1
            if max_events is not None and sent >= max_events:
                return
        while True:
            message = await queue.get()
            if message.seq <= last:
                continue
            last = message.seq
            yield ServerSentEvent(event="message", id=str(message.seq),
                                  data=message.model_dump(mode="json"))
            sent += 1
            if max_events is not None and sent >= max_events:
                return
    finally:
        ctx.metrics.streams.dec()
        ctx.hub.unsubscribe(session.session_id, queue)
