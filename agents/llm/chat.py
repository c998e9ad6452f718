"""``chat_model``: the one model client of the agents, a LangChain ``ChatOpenAI``.

Every request goes through the chat model's ``ModelGate`` (``_gate``): at most
``max_concurrency`` in flight, a circuit breaker, and typed overload errors.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import openai
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_openai import ChatOpenAI
from pydantic import PrivateAttr

from ..config import LLMSettings
from ._gate import OVERLOAD_STATUS, CircuitBreaker, ModelGate
from .errors import LLMError


class GatedChatOpenAI(ChatOpenAI):  # type: ignore[override]
    """``ChatOpenAI`` whose every request passes ``gate`` (bound, breaker, typed errors)."""

    _gate: ModelGate = PrivateAttr()

    @property
    def gate(self) -> ModelGate:
        return self._gate

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None,
                  **kwargs: Any) -> ChatResult:
        with self._gate.call():
            return super()._generate(messages, stop, run_manager, **kwargs)

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        with self._gate.call():
            yield from super()._stream(*args, **kwargs)

    async def _agenerate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                         run_manager: AsyncCallbackManagerForLLMRun | None = None,
                         **kwargs: Any) -> ChatResult:
        # The gate is a thread primitive (agents run in threads): the async API takes the
        # same gated path in a thread (without token callbacks).
        return await asyncio.to_thread(self._generate, messages, stop, None, **kwargs)

    async def _astream(self, *args: Any, **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
        raise NotImplementedError("stream from a thread (invoke with streaming=True): "
                                  "the async stream would bypass the model gate")
        yield  # pragma: no cover - makes this an async generator


def _no_sdk_retry_on_overload(response: httpx.Response) -> None:
    """Mark an overload answer final for the OpenAI SDK (it obeys ``x-should-retry``);
    its retries stay for dropped connections and timeouts."""
    if response.status_code in OVERLOAD_STATUS:
        response.headers["x-should-retry"] = "false"


def chat_model(settings: LLMSettings, *, base_url: str | None = None,
               **overrides: Any) -> GatedChatOpenAI:
    """A gated ``ChatOpenAI`` for ``settings`` (base URL, key, model, timeout, retries,
    temperature, ``max_concurrency``, breaker).

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
        # An overload is answered by pausing partitions (backpressure), not by the SDK
        # sleeping out its retries while holding one of the gate's slots.
        "http_client": openai.DefaultHttpxClient(
            event_hooks={"response": [_no_sdk_retry_on_overload]}),
    }
    kwargs.update(overrides)
    chat = GatedChatOpenAI(**kwargs)
    chat._gate = ModelGate(settings.max_concurrency, CircuitBreaker(
        settings.breaker_failures, settings.breaker_reset_s))
    return chat
