"""The wiring: stream events to agent requests, agent results to output events.

``Platform`` opens the parts once (store, tool registry, retriever, LLM
endpoint, agents); ``EventRouter.handle`` is the ``streams`` handler. An
event's payload goes into the request as is (both use the ``payloads``
models), so no domain logic lives here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.language_models import BaseChatModel

from agents.contracts import (
    AgentName,
    AgentOutput,
    AgentRequest,
    AgentResult,
    ApprovalDecision,
    InventoryAdjustedRequest,
    MessageRequest,
    OrderPlacedRequest,
    PriceChangedRequest,
    ShipmentDelayedRequest,
)
from agents.llm import CircuitOpenError, LLMOverloadedError, LocalServer, chat_model
from agents.service import Agents, build_agents
from payloads import fit_json, fit_label, fit_text
from retrieval import Retriever
from streams.errors import BackpressureError
from streams.events import (
    ActionTaken,
    ActionTakenEvent,
    Alert,
    AlertEvent,
    ApprovalRequested,
    ApprovalRequestedEvent,
    CatalogUpdatedEvent,
    Event,
    InventoryAdjustedEvent,
    OrderCancelledEvent,
    OrderPlacedEvent,
    OrderStatusChangedEvent,
    OutputEvent,
    PriceChangedEvent,
    ShipmentDelayedEvent,
    TicketMessageEvent,
    TicketOpenedEvent,
    TicketReply,
    TicketReplyEvent,
    derive_event_id,
    utcnow,
)
from streams.runtime import HandlerContext
from tools import Actor, Store, ToolContext, ToolRegistry, build_registry, open_store

from .settings import ROOT, Settings, abs_path
from .telemetry import otlp_exporter

log = logging.getLogger(__name__)

# Input topics the workers consume, and the agent behind each.
WORKER_TOPICS = ("orders", "inventory", "prices", "tickets", "catalog")
# Its events update the retrieval index (a file one process holds).
CATALOG_TOPIC = "catalog"


@dataclass
class Platform:
    """Everything a worker, the chat or the analyst needs, opened once."""

    settings: Settings
    store: Store
    registry: ToolRegistry
    retriever: Retriever | None
    agents: Agents
    llm_base_url: str | None
    _closers: list[contextlib.AbstractContextManager[object]] = field(default_factory=list)

    def warm(self, agents: Sequence[AgentName]) -> threading.Thread:
        """Warm the agents' constant prompt prefixes on the local model server, in the
        background (its queue is first come, first served: requests sent later find
        them evaluated). Nothing to do for a remote server, which manages its own."""
        copies = self.settings.llm.local_parallel if self.settings.llm.base_url is None else 0
        thread = threading.Thread(target=lambda: self.agents.warm(agents, copies=copies),
                                  name="warm-prefixes", daemon=True)
        if copies:
            thread.start()
        return thread

    def close(self) -> None:
        self.agents.close()
        for closer in reversed(self._closers):
            with contextlib.suppress(Exception):
                closer.__exit__(None, None, None)
        if self.retriever is not None:
            self.retriever.close()
        self.store.close()

    def __enter__(self) -> Platform:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_platform(settings: Settings, *, chat: BaseChatModel | None = None,
                  with_retriever: bool = True, streaming: bool = False) -> Platform:
    """Open the store, registry, retriever and agents; start the local model server
    when ``settings.llm.base_url`` is null and no ``chat`` model is given.
    ``streaming`` makes model calls stream, so callbacks see tokens as they come."""
    closers: list[contextlib.AbstractContextManager[object]] = []
    base_url = settings.llm.base_url
    # The store first: a store that cannot be opened (a DuckDB file a worker holds) is
    # said at once, not after the model server has started.
    store = open_store(settings.store)
    if chat is None:
        if base_url is None:
            server = LocalServer(settings.llm)
            try:
                base_url = server.start()
            except BaseException:
                store.close()
                raise
            closers.append(_Stopper(server))
        # With a local server the model name is ``local_model``; chat_model picks it.
        chat = chat_model(settings.llm, base_url=base_url, streaming=streaming)
    registry = build_registry(store, settings.store)
    retriever = None
    if with_retriever:
        retriever = Retriever(settings.retrieval.model_copy(
            update={"index_dir": str(abs_path(settings.retrieval.index_dir))}))
    agents = build_agents(settings.agents, store, registry, chat,
                          retriever.search if retriever else None, root=ROOT,
                          max_workers=settings.worker.max_in_flight)
    exporter = otlp_exporter(settings.telemetry)
    if exporter is not None:  # OpenTelemetry spans beside the DuckDB traces
        agents.traces.listeners.append(exporter)
        closers.append(contextlib.closing(exporter))
    return Platform(settings, store, registry, retriever, agents, base_url, closers)


class _Stopper(contextlib.AbstractContextManager[object]):
    def __init__(self, server: LocalServer) -> None:
        self.server = server

    def __exit__(self, *exc: object) -> None:
        self.server.stop()


def request_for(event: Event) -> AgentRequest | None:
    """The agent request an input event asks for, or None when no agent is needed."""
    eid = event.event_id
    match event:
        case OrderPlacedEvent():
            return OrderPlacedRequest(agent="order", event_id=eid,
                                order=event.payload)
        case ShipmentDelayedEvent():
            return ShipmentDelayedRequest(agent="order", event_id=eid,
                                shipment=event.payload)
        case InventoryAdjustedEvent():
            return InventoryAdjustedRequest(agent="order", event_id=eid,
                                inventory=event.payload)
        case PriceChangedEvent():
            return PriceChangedRequest(agent="order", event_id=eid,
                                price=event.payload)
        case TicketOpenedEvent():
            p = event.payload
            # The channel's author fixes the thread's customer (agents/_support_identity.py);
            # it travels beside the text, never inside it, where anyone could write it.
            return MessageRequest(agent="support", event_id=eid,
                                thread_id=f"ticket:{p.ticket_id}", subject_id=p.ticket_id,
                                text=f"{p.subject}: {p.message}",
                                author_user_id=p.user_id or "",
                                author_email=p.customer_email or "")
        case TicketMessageEvent():
            msg = event.payload
            if msg.author != "customer":
                return None  # the agent's own messages are not requests
            return MessageRequest(agent="support", event_id=eid,
                                thread_id=f"ticket:{msg.ticket_id}", subject_id=msg.ticket_id,
                                text=msg.message)
    return None


def outputs_for(result: AgentResult, ctx: HandlerContext) -> list[OutputEvent]:
    """Output events for an agent result; ids derive from the input event."""
    return [_output_event(out, result, ctx.output_id(f"{i}/{out.kind}"))
            for i, out in enumerate(result.outputs)]


def resolution_outputs(result: AgentResult, approval_id: str) -> list[OutputEvent]:
    """Output events of a thread resumed by an approval decision: the actions taken and
    the reply that tells the customer the outcome (a ``TicketReply`` on a ticket thread).
    Ids derive from the approval, so deciding twice publishes the same events."""
    return [_output_event(out, result, derive_event_id(f"approval:{approval_id}",
                                                       f"{i}/{out.kind}"))
            for i, out in enumerate(result.outputs)]


def _output_event(out: AgentOutput, result: AgentResult, event_id: str) -> OutputEvent:
    # A model's text (a reply, a notice, one kept in details) may hold what the strict
    # output payloads refuse (control or bidi characters, overlong text): fitted here,
    # where every agent output becomes an event, so no reply makes its event invalid.
    out = out.model_copy(update={
        "message": fit_text(out.message), "action": fit_label(out.action),
        "alert": fit_label(out.alert), "details": fit_json(out.details)})
    now = utcnow()
    if out.kind == "action":
        return ActionTakenEvent(event_id=event_id, key=out.subject_id, occurred_at=now,
                                payload=ActionTaken(
            subject_id=out.subject_id, action=out.action, agent=result.agent,
            explanation=out.message, details=out.details, trace_id=result.trace_id))
    if out.kind == "alert":
        return AlertEvent(event_id=event_id, key=out.subject_id, occurred_at=now, payload=Alert(
            subject_id=out.subject_id, severity=out.severity, kind=out.alert or "notice",
            message=out.message, trace_id=result.trace_id))
    if out.kind == "reply":
        ticket = out.subject_id
        return TicketReplyEvent(event_id=event_id, key=ticket, occurred_at=now,
                                payload=TicketReply(
            ticket_id=ticket, message=out.message, agent=result.agent,
            transferred_to_human=out.transferred_to_human, trace_id=result.trace_id))
    approval_id = str(out.details.get("approval_id") or event_id)
    return ApprovalRequestedEvent(event_id=event_id, key=approval_id, occurred_at=now,
                                  payload=ApprovalRequested(
        approval_id=approval_id, subject_id=out.subject_id, action=out.action or "approve",
        reason=out.message, requested_by=result.agent,
        details=fit_json({**out.details, "thread_id": result.thread_id})))


@contextlib.contextmanager
def overload_as_backpressure() -> Iterator[None]:
    """An overloaded model (429/503 after the client's retries, or its circuit open) is
    the runtime's ``BackpressureError``: the partition pauses for the server's Retry-After
    and the record is retried, rather than spending attempts towards a dead letter."""
    try:
        yield
    except (LLMOverloadedError, CircuitOpenError) as exc:
        raise BackpressureError(str(exc), retry_after_s=exc.retry_after) from exc


class EventRouter:
    """The ``streams`` handler for every input topic."""

    def __init__(self, platform: Platform,
                 on_result: Callable[[AgentResult, float], None] | None = None) -> None:
        self.platform = platform
        # (result, seconds) of every agent run: what the demo summarises.
        self.results: list[tuple[AgentResult, float]] = []
        self.on_result = on_result  # `streamwise run`'s live line

    async def handle(self, event: Event, ctx: HandlerContext) -> Sequence[OutputEvent]:
        match event:
            case CatalogUpdatedEvent():
                return await self._catalog(event)
            case OrderCancelledEvent():
                return await self._cancelled(event, ctx)
            case OrderStatusChangedEvent():
                return []  # recorded by the order system itself; nothing to decide
        request = request_for(event)
        if request is None:
            log.warning("no agent handles %s events; skipped %s", event.type, event.event_id)
            return []
        started = time.perf_counter()
        with overload_as_backpressure():
            result = await self.platform.agents.run(request)
        seconds = time.perf_counter() - started
        self.results.append((result, seconds))
        if self.on_result is not None:
            self.on_result(result, seconds)
        return outputs_for(result, ctx)

    async def resolve(self, thread_id: str,
                      decision: ApprovalDecision) -> tuple[AgentResult, list[OutputEvent]]:
        """Resume a thread waiting for an approval; the events that tell its outcome."""
        with overload_as_backpressure():
            result = await self.platform.agents.resume(thread_id, decision)
        approval_id = decision.approval_id or f"{thread_id}:{result.event_id}"
        return result, resolution_outputs(result, approval_id)

    async def _catalog(self, event: CatalogUpdatedEvent) -> list[OutputEvent]:
        retriever = self.platform.retriever
        if retriever is not None:
            p = event.payload
            await asyncio.to_thread(retriever.apply_catalog_update, p.product_id, p.name,
                                    p.change, p.description, p.variants,
                                    occurred_at=event.occurred_at)
        return []

    async def _cancelled(self, event: OrderCancelledEvent,
                         ctx: HandlerContext) -> list[OutputEvent]:
        # A cancelled order frees its reserved stock: a side effect under the event's key.
        tool_ctx = ToolContext(actor=Actor.system(), idempotency_key=f"{ctx.idempotency_key}:release",
                               trace_id=ctx.trace_id)
        result = await asyncio.to_thread(self.platform.registry.call, "release_reservation",
                                         {"order_id": event.payload.order_id}, tool_ctx)
        if not result.ok:
            log.info("release for %s: %s", event.payload.order_id, result.for_model())
            return []
        return [ActionTakenEvent(
            event_id=ctx.output_id("0/action"), key=event.payload.order_id,
            occurred_at=utcnow(),
            payload=ActionTaken(subject_id=event.payload.order_id, action="release_reservation",
                                agent="system", explanation=event.payload.reason,
                                details=result.output.model_dump(mode="json") if result.output else {}))]


def data_dir(settings: Settings) -> Path:
    return Path(settings.data_dir)
