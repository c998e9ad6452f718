"""agents: the LLM client and local server, LangGraph graphs, checkpoints, approvals, traces.

Never talks to Kafka directly: the wiring in ``streamwise/`` hands events in
and publishes what the graphs return.
"""

from .config import AgentSettings, LLMSettings

__all__ = ["AgentSettings", "LLMSettings"]
