"""Every tool of the platform in one registry: ``build_registry(store, settings)``."""

from __future__ import annotations

from typing import Any

from .analytics import ANALYTICS_TOOLS
from .config import ToolSettings
from .pricing import PRICING_TOOLS
from .registry import Tool, ToolRegistry
from .retail import RETAIL_TOOLS
from .store import Store
from .supply import SUPPLY_TOOLS


def all_tools() -> list[Tool[Any, Any]]:
    """The retail, analytics, supply and pricing tools, in that order."""
    return [*RETAIL_TOOLS, *ANALYTICS_TOOLS, *SUPPLY_TOOLS, *PRICING_TOOLS]


def build_registry(store: Store, settings: ToolSettings | None = None) -> ToolRegistry:
    """A registry holding every tool, over ``store``, enforcing ``settings``' limits."""
    return ToolRegistry(store, settings or ToolSettings(), all_tools())
