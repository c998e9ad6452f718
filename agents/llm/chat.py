"""``chat_model``: a LangChain ``ChatOpenAI`` on the same settings as ``LLMClient``."""

from __future__ import annotations

from typing import Any

from langchain_openai import ChatOpenAI

from ..config import LLMSettings
from .errors import LLMError


def chat_model(settings: LLMSettings, *, base_url: str | None = None,
               **overrides: Any) -> ChatOpenAI:
    """A ``ChatOpenAI`` for ``settings`` (base URL, key, model, timeout, retries, temperature).

    With no ``base_url`` in the settings, pass the one a ``LocalServer`` yields
    (or use ``llm_endpoint(settings)``, which fills it in). Agents should bind
    tools with ``tool_choice="required"`` and a final-answer tool: small local
    models do not emit reliable native tool-call tags in auto mode.
    """
    url = base_url or settings.base_url
    if not url:
        raise LLMError("settings.base_url is null: start a LocalServer(settings) and pass "
                       "its URL as base_url, or use agents.llm.llm_endpoint(settings)")
    model = settings.model if settings.base_url or not base_url else settings.local_model
    kwargs: dict[str, Any] = {
        "model": model, "base_url": url, "api_key": settings.api_key,
        "timeout": settings.timeout_s, "max_retries": settings.max_retries,
        "temperature": settings.temperature,
        # A bound on every answer: a small model can ramble inside a JSON string.
        "max_tokens": settings.max_tokens,
        # Our server and vLLM both report usage in the last streamed chunk.
        "stream_usage": True,
    }
    kwargs.update(overrides)
    return ChatOpenAI(**kwargs)
