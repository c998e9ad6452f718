"""agents: the LLM client and local server, LangGraph graphs, checkpoints, approvals, traces.

Never talks to Kafka directly: the wiring in ``streamwise/`` hands events in
and publishes what the graphs return.

The boundary (``agents.contracts``)::

    AgentRequest(agent, kind, event_id, thread_id, idempotency_base, subject_id, text,
                 order | shipment | inventory | price)
        agent: order | support | analyst
        kind:  order_placed | shipment_delayed | inventory_adjusted | price_changed
               (order agent) | message (support) | question (analyst)
    AgentResult(agent, event_id, thread_id, trace_id, status, decision, message,
                outputs: list[AgentOutput], approvals: list[PendingApproval],
                answer: SqlAnswer | None, usage: Usage, replayed)
        status: done | awaiting_approval | step_limit | failed
    AgentOutput(kind: action | alert | reply | approval, subject_id, action, alert,
                severity, message, transferred_to_human, details)
    ApprovalDecision(approved, reviewer, note, approval_id)  -> Agents.resume(thread_id, ...)

Entry point: ``build_agents(settings.agents, store, registry, chat_model, retriever)``
returns ``Agents`` with ``async run(request)`` and ``async resume(thread_id, decision)``;
``load_trace(store, event_id)`` reads a run's audit trail.
"""

from .config import AgentSettings, LLMSettings
from .contracts import (
    AgentOutput,
    AgentRequest,
    AgentResult,
    ApprovalDecision,
    PendingApproval,
    SqlAnswer,
    Usage,
)
from .service import Agents, build_agents
from .trace import TraceRun, TraceStep, load_trace

__all__ = [
    "AgentOutput",
    "AgentRequest",
    "AgentResult",
    "AgentSettings",
    "Agents",
    "ApprovalDecision",
    "LLMSettings",
    "PendingApproval",
    "SqlAnswer",
    "TraceRun",
    "TraceStep",
    "Usage",
    "build_agents",
    "load_trace",
]
