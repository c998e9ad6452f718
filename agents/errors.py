"""Errors of the agents package (graphs, checkpoints, approvals, traces).

    AgentsError
     ├── CheckpointError       the checkpoint store is missing, misconfigured or unavailable
     │    └── StateFormatError a thread's checkpoint does not fit this version's state models
     ├── UnknownThread         no checkpointed conversation has this thread id
     ├── NotAwaitingApproval   a decision was sent to a thread that waits for none
     └── RequestError          this agent cannot handle the request (wrong kind, no data)

The LLM layer has its own tree in ``agents.llm.errors`` (``LLMError``). A tool
failure is never raised here: it is fed back to the model as a tool message.
"""

from __future__ import annotations


class AgentsError(Exception):
    """Base of errors raised by the agents package."""


class CheckpointError(AgentsError):
    """The checkpoint store cannot be opened or used."""


class StateFormatError(CheckpointError):
    """A thread's checkpoint does not fit this version's state models (``agents.state``)."""


class UnknownThread(AgentsError):
    """No checkpointed run or conversation has this thread id."""


class NotAwaitingApproval(AgentsError):
    """An approval decision was sent to a thread that is not waiting for one."""


class RequestError(AgentsError):
    """The request does not fit the agent (wrong kind, missing payload)."""
