"""tools: typed tools over the DuckDB store, their registry and policy. Never calls an LLM."""

from .config import ToolSettings
from .context import Actor, ToolContext
from .registry import ApprovalRequest, Tool, ToolEnv, ToolError, ToolRegistry, ToolResult, tool
from .store import Store

__all__ = [
    "Actor",
    "ApprovalRequest",
    "Store",
    "Tool",
    "ToolContext",
    "ToolEnv",
    "ToolError",
    "ToolRegistry",
    "ToolResult",
    "ToolSettings",
    "tool",
]
