"""The three agents wired together: what ``streamwise/`` builds and calls.

    agents = build_agents(settings.agents, store, registry, chat_model, retriever)
    result = await agents.run(request)                  # AgentRequest -> AgentResult
    result = await agents.resume(thread_id, decision)   # ApprovalDecision -> AgentResult

All three graphs share one checkpointer (threads are distinct per agent) and
write their traces to the store's ``agent_runs``/``agent_steps`` tables.
``run`` and ``resume`` run the (synchronous) graph in a worker thread, so
many requests can be in flight on one event loop.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.base import BaseCheckpointSaver

from tools import Store, ToolRegistry

from .analyst import AnalystAgent
from .checkpoint import open_checkpointer, prune_checkpoints
from .config import AgentSettings
from .contracts import AgentName, AgentRequest, AgentResult, ApprovalDecision
from .errors import UnknownThread
from .loop import build_loop
from .order import OrderAgent
from .runtime import AgentRunner
from .support import Retriever, SupportAgent
from .trace import TraceRun, TraceStore


@dataclass
class Agents:
    order: AgentRunner
    support: AgentRunner
    analyst: AgentRunner
    checkpointer: BaseCheckpointSaver[str]
    traces: TraceStore

    def runner(self, agent: AgentName) -> AgentRunner:
        runner: AgentRunner = getattr(self, agent)
        return runner

    def run_sync(self, request: AgentRequest,
                 callbacks: list[BaseCallbackHandler] | None = None) -> AgentResult:
        return self.runner(request.agent).run_sync(request, callbacks)

    def resume_sync(self, thread_id: str, decision: ApprovalDecision) -> AgentResult:
        snap = self.order.graph.get_state({"configurable": {"thread_id": thread_id}})
        request = (snap.values or {}).get("request")
        if not request:
            raise UnknownThread(f"no thread {thread_id!r} in the checkpoint store")
        return self.runner(request["agent"]).resume_sync(thread_id, decision)

    async def run(self, request: AgentRequest) -> AgentResult:
        return await asyncio.to_thread(self.run_sync, request)

    async def resume(self, thread_id: str, decision: ApprovalDecision) -> AgentResult:
        return await asyncio.to_thread(self.resume_sync, thread_id, decision)

    def trace(self, event_id: str) -> TraceRun | None:
        return self.traces.load(event_id)

    def prune(self, thread_ids: list[str] | None = None) -> int:
        """Drop all but the latest checkpoint of each thread (or of the given threads)."""
        return prune_checkpoints(self.checkpointer, thread_ids)


def build_agents(settings: AgentSettings, store: Store, registry: ToolRegistry,
                 chat_model: BaseChatModel, retriever: Retriever | None = None, *,
                 checkpointer: BaseCheckpointSaver[str] | None = None,
                 root: Path | None = None) -> Agents:
    """Compile the order, support and analyst graphs over one checkpointer and trace store.

    ``checkpointer`` defaults to the one ``settings`` configure (relative SQLite
    paths resolve under ``root``); ``retriever`` (``retrieval.search``-shaped:
    ``(query, k, Filters) -> list[Hit]``) is optional.
    """
    saver = checkpointer or open_checkpointer(settings, root=root)
    traces = TraceStore(store)

    def runner(spec: OrderAgent | SupportAgent | AnalystAgent) -> AgentRunner:
        graph = build_loop(spec, model=chat_model, registry=registry, checkpointer=saver,
                           max_steps=settings.max_steps)
        return AgentRunner(spec.name, graph, traces)

    return Agents(order=runner(OrderAgent(registry, settings)),
                  support=runner(SupportAgent(registry, retriever)),
                  analyst=runner(AnalystAgent(registry)),
                  checkpointer=saver, traces=traces)
