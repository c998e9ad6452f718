"""Approvals: the runs paused for a person, and the decision that resumes them.

A pending approval is a run whose trace says ``awaiting_approval`` (the trace is
rewritten when the run resumes, so the list is current). Deciding resumes the
LangGraph thread (``EventRouter.resolve``) and tells the customer the outcome
where they are: on a chat thread in the session's transcript (and its live
stream), on a ticket thread as a ``TicketReply`` on the broker; both also go to
the reply webhook when one is configured.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from agents.contracts import ApprovalDecision, PendingApproval
from agents.errors import NotAwaitingApproval, UnknownThread
from streams.errors import ProduceError

from .auth import Principal, require
from .context import Ctx, OutgoingReply
from .models import ApprovalDecide, ApprovalOutcome, ApprovalView, Label

router = APIRouter(prefix="/v1/approvals", tags=["approvals"])
Approver = Annotated[Principal, Depends(require("support"))]


@router.get("", response_model=list[ApprovalView])
async def list_approvals(who: Approver, ctx: Ctx) -> list[ApprovalView]:
    runs = await asyncio.to_thread(ctx.platform.agents.traces.find, status="awaiting_approval",
                                   limit=500)
    return [ApprovalView(thread_id=run.thread_id, event_id=run.event_id, agent=run.agent,
                         subject_id=run.subject_id, waiting_since=run.updated_at,
                         approval=PendingApproval.model_validate(approval))
            for run in runs for approval in run.approvals]


@router.post("/{thread_id}", response_model=ApprovalOutcome)
async def decide(thread_id: Label, body: ApprovalDecide, who: Approver,
                 ctx: Ctx) -> ApprovalOutcome:
    lock = ctx.thread_lock(thread_id)
    if lock.locked():
        raise HTTPException(409, f"thread {thread_id!r} is busy; decide again in a moment")
    decision = ApprovalDecision(approved=body.decision == "approve", reviewer=who.name,
                                note=body.reason, approval_id=body.approval_id)
    async with lock:
        try:
            result, events = await ctx.router.resolve(thread_id, decision)
        except UnknownThread as exc:
            raise HTTPException(404, str(exc)) from None
        except NotAwaitingApproval as exc:
            raise HTTPException(409, str(exc)) from None
    ctx.metrics.decisions.labels(decision=body.decision).inc()
    published, session_id = 0, None
    if thread_id.startswith("ticket:"):
        if ctx.publisher is not None:
            try:
                for event in events:
                    await ctx.publisher.send(event)
                    published += 1
            except ProduceError as exc:
                raise HTTPException(503, f"the decision is recorded, but publishing its "
                                         f"outcome failed: {exc}") from None
        # Published, it reaches the webhook through ticket-replies (api/replies.py).
        reply = None if published else OutgoingReply(
            channel="ticket", ticket_id=thread_id.removeprefix("ticket:"),
            message=result.message, trace_id=result.trace_id)
    else:
        if thread_id.startswith("chat:") and ctx.sessions.get(thread_id[5:]) is not None:
            session_id = thread_id[5:]
            ctx.say(session_id, "agent", result.message, result.event_id)
        reply = OutgoingReply(channel="chat", session_id=session_id or thread_id,
                              message=result.message, trace_id=result.trace_id)
    if reply is not None:
        await ctx.deliver(reply)
    return ApprovalOutcome(thread_id=thread_id, status=result.status, decision=result.decision,
                           message=result.message, published=published,
                           delivered_to_session=session_id)
