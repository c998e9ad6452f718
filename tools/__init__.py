"""tools: typed tools over the store (DuckDB or PostgreSQL), their registry and policy. Never calls an LLM."""

from .analytics import ANALYTICS_TOOLS, schema_description
from .catalog import build_registry
from .config import ToolSettings
from .context import Actor, ToolContext
from .registry import ApprovalRequest, Tool, ToolEnv, ToolError, ToolRegistry, ToolResult, tool
from .retail import RETAIL_TOOLS
from .retail_db import create_retail_schema, export_tau2, load_tau2
from .store import Cursor, DuckDBStore, Store, open_store

__all__ = [
    "ANALYTICS_TOOLS",
    "RETAIL_TOOLS",
    "Actor",
    "ApprovalRequest",
    "Cursor",
    "DuckDBStore",
    "Store",
    "Tool",
    "ToolContext",
    "ToolEnv",
    "ToolError",
    "ToolRegistry",
    "ToolResult",
    "ToolSettings",
    "build_registry",
    "create_retail_schema",
    "export_tau2",
    "load_tau2",
    "open_store",
    "schema_description",
    "tool",
]
