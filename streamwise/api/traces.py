"""Traces: one run by event id, a thread's runs, a filtered list, and the live decision feed.

The feed (``GET /v1/feed``) reads the trace table, not an in-process queue, so it
shows every run the store records, whichever process ran it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent

from agents.trace import TraceRun

from .auth import Principal, require
from .context import Ctx
from .models import Label, TraceSummary

router = APIRouter(tags=["traces"])
Reader = Annotated[Principal, Depends(require("support", "analyst"))]
FEED_POLL_S = 1.0


@router.get("/v1/traces", response_model=list[TraceSummary])
async def list_traces(who: Reader, ctx: Ctx, agent: Label | None = None,
                      decision: Label | None = None, status: Label | None = None,
                      thread_id: Label | None = None, since: datetime | None = None,
                      until: datetime | None = None,
                      limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[TraceSummary]:
    """Runs matching every filter given (``since``/``until``: ISO times), newest first."""
    runs = await asyncio.to_thread(ctx.platform.agents.traces.find, agent=agent,
                                   decision=decision, status=status, thread_id=thread_id,
                                   since=since, until=until, limit=limit)
    return [TraceSummary.of(r) for r in runs]


@router.get("/v1/traces/{event_id}", response_model=TraceRun)
async def get_trace(event_id: Label, who: Reader, ctx: Ctx) -> TraceRun:
    run = await asyncio.to_thread(ctx.platform.agents.traces.load, event_id)
    if run is None:
        raise HTTPException(404, f"no trace for event {event_id!r}")
    return run


@router.get("/v1/threads/{thread_id}/traces", response_model=list[TraceSummary])
async def thread_traces(thread_id: Label, who: Reader, ctx: Ctx) -> list[TraceSummary]:
    runs = await asyncio.to_thread(ctx.platform.agents.traces.find, thread_id=thread_id,
                                   limit=1000)
    if not runs:
        raise HTTPException(404, f"no runs on thread {thread_id!r}")
    return [TraceSummary.of(r) for r in runs]


@router.get("/v1/feed", response_class=EventSourceResponse)
async def feed(who: Reader, ctx: Ctx, backlog: Annotated[int, Query(ge=0, le=200)] = 20,
               max_events: Annotated[int | None, Query(ge=1)] = None,
               ) -> AsyncIterator[ServerSentEvent]:
    """The last ``backlog`` decisions, then each run as it is recorded (``event: decision``,
    a ``TraceSummary``; a run seen again, e.g. resumed after an approval, comes again)."""
    traces = ctx.platform.agents.traces
    runs = list(reversed(await asyncio.to_thread(traces.find, limit=backlog))) if backlog else []
    seen = {r.event_id: r.updated_at for r in runs}
    since = max((r.updated_at for r in runs if r.updated_at), default=None)
    if since is None:
        latest = await asyncio.to_thread(traces.find, limit=1)
        since = latest[0].updated_at if latest else None
    sent = 0
    ctx.metrics.streams.inc()
    try:
        while True:
            for run in runs:
                yield ServerSentEvent(event="decision", id=run.event_id,
                                      data=TraceSummary.of(run).model_dump(mode="json"))
                sent += 1
                if max_events is not None and sent >= max_events:
                    return
            await asyncio.sleep(FEED_POLL_S)
            # A second back: a run recorded in the same instant as the last one seen still comes.
            found = await asyncio.to_thread(traces.find, limit=200, since=since - timedelta(
                seconds=1) if since else None)
            runs = [r for r in reversed(found) if seen.get(r.event_id) != r.updated_at]
            for r in runs:
                seen[r.event_id] = r.updated_at
            since = max((r.updated_at for r in found if r.updated_at), default=since)
    finally:
        ctx.metrics.streams.dec()
