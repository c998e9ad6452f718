"""The three agents wired together: what ``streamwise/`` builds and calls.

    agents = build_agents(settings.agents, store, registry, chat_model, retriever)
    result = await agents.run(request)                  # AgentRequest -> AgentResult
    result = await agents.resume(thread_id, decision)   # ApprovalDecision -> AgentResult
    agents.warm(["order", "support"])                   # evaluate constant prompt prefixes

All three graphs share one checkpointer (threads are distinct per agent) and
write their traces to the store's ``agent_runs``/``agent_steps`` tables.
``run`` and ``resume`` run the (synchronous) graph on the agents' own thread
pool (``build_agents(..., max_workers=N)``; the wiring sizes it from
``worker.max_in_flight``), so that many requests can be in flight on one event
loop; ``close`` shuts it down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.checkpoint.base import BaseCheckpointSaver

from tools import Store, ToolRegistry

from .analyst import AnalystAgent
from .checkpoint import open_checkpointer, prune_checkpoints
from .config import AgentSettings
from .contracts import AgentName, AgentRequest, AgentResult, ApprovalDecision
from .errors import UnknownThread
from .loop import AgentSpec, build_loop
from .order import OrderAgent
from .runtime import AgentRunner
from .support import Retriever, SupportAgent
from .trace import TraceRun, TraceStore

DEFAULT_WORKERS = 16  # the worker's default max_in_flight


@dataclass
class Agents:
    order: AgentRunner
    support: AgentRunner
    analyst: AgentRunner
    checkpointer: BaseCheckpointSaver[str]
    traces: TraceStore
    # Per agent: one call per constant prompt prefix (see ``warm``).
    warmers: dict[AgentName, list[Callable[[], object]]] = field(default_factory=dict)
    # Where ``run`` and ``resume`` run the graphs (not asyncio's default pool, whose
    # min(32, cpus + 4) threads would cap the agent runs in flight).
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(DEFAULT_WORKERS, thread_name_prefix="agent"))

    def runner(self, agent: AgentName) -> AgentRunner:
        runner: AgentRunner = getattr(self, agent)
        return runner

    def run_sync(self, request: AgentRequest,
                 callbacks: list[BaseCallbackHandler] | None = None) -> AgentResult:
        return self.runner(request.agent).run_sync(request, callbacks)

    def resume_sync(self, thread_id: str, decision: ApprovalDecision) -> AgentResult:
        snap = self.order.snapshot({"configurable": {"thread_id": thread_id}})
        request = (snap.values or {}).get("request")
        if not request:
            raise UnknownThread(f"no thread {thread_id!r} in the checkpoint store")
        return self.runner(request["agent"]).resume_sync(thread_id, decision)

    async def run(self, request: AgentRequest,
                  callbacks: list[BaseCallbackHandler] | None = None) -> AgentResult:
        return await asyncio.get_running_loop().run_in_executor(
            self.executor, self.run_sync, request, callbacks)

    async def resume(self, thread_id: str, decision: ApprovalDecision) -> AgentResult:
        return await asyncio.get_running_loop().run_in_executor(
            self.executor, self.resume_sync, thread_id, decision)

    def close(self) -> None:
        """Wait for the runs in flight, then end the pool's threads."""
        self.executor.shutdown(wait=True, cancel_futures=True)

    def trace(self, event_id: str) -> TraceRun | None:
        return self.traces.load(event_id)

    def warm(self, agents: Sequence[AgentName] = ("order", "support"), *,
             copies: int = 1) -> int:
        """Send each agent's constant prompt prefix (system prompt and tools) to the model
        once per server instance (``copies``), so that a server with a prefix cache (the
        local one) evaluates it now, not in the first event's turn. Returns the calls
        that succeeded; a failure only costs the warmth."""
        calls = [warm for agent in agents for warm in self.warmers.get(agent, [])] * copies
        with ThreadPoolExecutor(max_workers=max(1, copies)) as pool:
            return sum(pool.map(_succeeds, calls))

    def prune(self, thread_ids: list[str] | None = None) -> int:
        """Drop all but the latest checkpoint of each thread (or of the given threads)."""
        return prune_checkpoints(self.checkpointer, thread_ids)


def _succeeds(call: Callable[[], object]) -> bool:
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - warming is an optimisation, never an error
        logging.getLogger(__name__).warning("warming a prompt prefix failed: %s", exc)
        return False
    return True


def _warmers(spec: AgentSpec, model: BaseChatModel,
             registry: ToolRegistry) -> list[Callable[[], object]]:
    # The graph's own binding, so the server renders exactly the prefix a turn will.
    bound = model.bind_tools(spec.tools(registry), tool_choice="required")  # the usual turn

    def warmer(prompt: str) -> Callable[[], object]:
        return lambda: bound.invoke([SystemMessage(prompt), HumanMessage("ping")],
                                    max_tokens=1)

    return [warmer(p) for p in spec.constant_prompts()]


def build_agents(settings: AgentSettings, store: Store, registry: ToolRegistry,
                 chat_model: BaseChatModel, retriever: Retriever | None = None, *,
                 checkpointer: BaseCheckpointSaver[str] | None = None,
                 root: Path | None = None, max_workers: int = DEFAULT_WORKERS) -> Agents:
    """Compile the order, support and analyst graphs over one checkpointer and trace store.

    ``checkpointer`` defaults to the one ``settings`` configure (relative SQLite
    paths resolve under ``root``); ``retriever`` (``retrieval.search``-shaped:
    ``(query, k, Filters) -> list[Hit]``) is optional. ``max_workers``: agent runs
    in flight at once through ``run``/``resume``.
    """
    saver = checkpointer or open_checkpointer(settings, root=root)
    traces = TraceStore(store)

    def runner(spec: OrderAgent | SupportAgent | AnalystAgent) -> AgentRunner:
        graph = build_loop(spec, model=chat_model, registry=registry, checkpointer=saver,
                           max_steps=settings.max_steps)
        return AgentRunner(spec.name, graph, traces)

    specs: dict[AgentName, OrderAgent | SupportAgent | AnalystAgent] = {
        "order": OrderAgent(registry, settings), "support": SupportAgent(registry, retriever),
        "analyst": AnalystAgent(registry, first_query=settings.analyst_first_query)}
    return Agents(order=runner(specs["order"]), support=runner(specs["support"]),
                  analyst=runner(specs["analyst"]), checkpointer=saver, traces=traces,
                  warmers={name: _warmers(spec, chat_model, registry)
                           for name, spec in specs.items()},
                  executor=ThreadPoolExecutor(max_workers, thread_name_prefix="agent"))
