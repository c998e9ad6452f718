"""agents: the LLM client and local server, LangGraph graphs, checkpoints, approvals, traces.

Never talks to Kafka directly: the wiring in ``streamwise/`` hands events in
and publishes what the graphs return.

The boundary (``agents.contracts``)::

    AgentRequest = one model per kind (a union on ``kind``), all with
                   agent, event_id, thread_id, idempotency_base, subject_id:
        OrderPlacedRequest(order) | ShipmentDelayedRequest(shipment)
        | InventoryAdjustedRequest(inventory) | PriceChangedRequest(price)   (order agent)
        | MessageRequest(text, author_user_id, author_email)                (support)
        | QuestionRequest(text)                                             (analyst)
        parse_request(dict) -> AgentRequest
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
    InventoryAdjustedRequest,
    MessageRequest,
    OrderPlacedRequest,
    PendingApproval,
    PriceChangedRequest,
    QuestionRequest,
    ShipmentDelayedRequest,
    SqlAnswer,
    Usage,
    parse_request,
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
    "InventoryAdjustedRequest",
    "LLMSettings",
    "MessageRequest",
    "OrderPlacedRequest",
    "PendingApproval",
    "PriceChangedRequest",
    "QuestionRequest",
    "ShipmentDelayedRequest",
    "SqlAnswer",
    "TraceRun",
    "TraceStep",
    "Usage",
    "build_agents",
    "load_trace",
    "parse_request",
]
