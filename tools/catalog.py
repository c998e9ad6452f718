"""Every tool of the platform in one registry: ``build_registry(store, settings)``."""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from .analytics import ANALYTICS_TOOLS
from .config import ToolSettings
from .registry import Tool, ToolRegistry
from .retail import RETAIL_TOOLS
from .store import Store


def _optional_tools(module: str, attr: str) -> list[Tool[Any, Any]]:
    # TODO(tools): tools.supply and tools.pricing are written concurrently; import them
    # directly (and drop this helper) once both modules have landed.
    if importlib.util.find_spec(module) is None:
        return []
    tools: list[Tool[Any, Any]] = getattr(importlib.import_module(module), attr)
    return tools


def all_tools() -> list[Tool[Any, Any]]:
    """The retail, analytics, supply and pricing tools, in that order."""
    return [*RETAIL_TOOLS, *ANALYTICS_TOOLS,
            *_optional_tools("tools.supply", "SUPPLY_TOOLS"),
            *_optional_tools("tools.pricing", "PRICING_TOOLS")]


def build_registry(store: Store, settings: ToolSettings | None = None) -> ToolRegistry:
    """A registry holding every tool, over ``store``, enforcing ``settings``' limits."""
    return ToolRegistry(store, settings or ToolSettings(), all_tools())
