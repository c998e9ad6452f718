"""``LLMClient``: one OpenAI-compatible chat-completions client for every agent.

Configured by ``LLMSettings`` (base URL, model, key, timeout, concurrency,
retries). At most ``max_concurrency`` calls are in flight; 429/503 and
connection errors are retried with exponential backoff and jitter (honouring
``Retry-After``); a circuit breaker stops hammering a server that keeps
failing. Each call leaves an ``LLMCall`` record (tokens, latency, attempts)
that graphs put in their traces.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from pydantic import BaseModel, Field, ValidationError

from ..config import LLMSettings
from ._breaker import CircuitBreaker
from .errors import (
    CircuitOpenError,
    LLMCallError,
    LLMConnectionError,
    LLMError,
    LLMOverloadedError,
    LLMStatusError,
)
from .protocol import ChatCompletion, ChatMessage, ToolDef

RETRY_STATUS = frozenset({429, 502, 503, 504})


class LLMCall(BaseModel):
    """One chat completion as a trace record."""

    model: str
    started_at: datetime
    latency_ms: float
    attempts: int
    status: Literal["ok", "error"]
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    finish_reason: str | None = None
    tool_calls: list[str] = Field(default_factory=list)
    error: str | None = None


class ChatResult(BaseModel):
    completion: ChatCompletion
    call: LLMCall

    @property
    def message(self) -> Any:
        return self.completion.choices[0].message


class LLMClient:
    def __init__(self, settings: LLMSettings, *, transport: httpx.AsyncBaseTransport | None = None,
                 breaker: CircuitBreaker | None = None, backoff_s: float = 0.5,
                 max_backoff_s: float = 8.0, on_call: Callable[[LLMCall], None] | None = None,
                 history: int = 1000) -> None:
        if not settings.base_url:
            raise LLMError("settings.base_url is null: use agents.llm.llm_endpoint(settings) "
                           "to start the local server and get a base URL")
        self.settings = settings
        self.breaker = breaker or CircuitBreaker()
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.on_call = on_call
        self.calls: deque[LLMCall] = deque(maxlen=history)
        self._semaphore = asyncio.Semaphore(settings.max_concurrency)
        self._http = httpx.AsyncClient(
            base_url=settings.base_url.rstrip("/") + "/", transport=transport,
            timeout=httpx.Timeout(settings.timeout_s, connect=min(10.0, settings.timeout_s)),
            headers={"Authorization": f"Bearer {settings.api_key.get_secret_value()}"})

    async def __aenter__(self) -> LLMClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def chat(self, messages: Sequence[ChatMessage | dict[str, Any]], *,
                   tools: Sequence[ToolDef | dict[str, Any]] | None = None,
                   tool_choice: str | dict[str, Any] | None = None,
                   response_format: dict[str, Any] | None = None,
                   max_tokens: int | None = None, temperature: float | None = None,
                   **extra: Any) -> ChatResult:
        """One chat completion; raises an ``LLMCallError`` once retries are spent."""
        body: dict[str, Any] = {
            "model": self.settings.model,
            "messages": [_dump(m) for m in messages],
            "temperature": self.settings.temperature if temperature is None else temperature,
            **extra,
        }
        if tools:
            body["tools"] = [_dump(t) for t in tools]
        if tool_choice is not None:
            body["tool_choice"] = tool_choice
        if response_format is not None:
            body["response_format"] = response_format
        if max_tokens is not None:
            body["max_tokens"] = max_tokens
        async with self._semaphore:
            return await self._call(body)

    async def _call(self, body: dict[str, Any]) -> ChatResult:
        started_at, t0 = datetime.now(UTC), time.perf_counter()
        attempts = 0
        try:
            while True:
                if not self.breaker.allow():
                    raise CircuitOpenError(
                        f"the LLM at {self.settings.base_url} kept failing; calls are "
                        f"refused for {self.breaker.retry_after():.1f}s",
                        retry_after=self.breaker.retry_after())
                attempts += 1
                try:
                    completion = await self._attempt(body)
                except (LLMConnectionError, LLMOverloadedError) as exc:
                    self.breaker.failure()
                    if attempts > self.settings.max_retries:
                        raise
                    await asyncio.sleep(self._delay(attempts, exc))
                    continue
                except LLMStatusError as exc:
                    # A 5xx counts against the server; a 4xx is the caller's fault.
                    if exc.status_code >= 500:
                        self.breaker.failure()
                    else:
                        self.breaker.success()
                    raise
                self.breaker.success()
                break
        except LLMCallError as exc:
            self._record(LLMCall(model=body["model"], started_at=started_at,
                                 latency_ms=(time.perf_counter() - t0) * 1000,
                                 attempts=attempts, status="error", error=str(exc)))
            raise
        usage = completion.usage
        choice = completion.choices[0] if completion.choices else None
        call = LLMCall(
            model=completion.model, started_at=started_at,
            latency_ms=(time.perf_counter() - t0) * 1000, attempts=attempts, status="ok",
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            cached_tokens=((usage.prompt_tokens_details or {}).get("cached_tokens", 0)
                           if usage else 0),
            finish_reason=choice.finish_reason if choice else None,
            tool_calls=[c.function.name for c in (choice.message.tool_calls or [])]
            if choice else [])
        self._record(call)
        return ChatResult(completion=completion, call=call)

    async def _attempt(self, body: dict[str, Any]) -> ChatCompletion:
        try:
            response = await self._http.post("chat/completions", json=body)
        except httpx.TimeoutException as exc:
            raise LLMConnectionError(f"the LLM did not answer within "
                                     f"{self.settings.timeout_s}s: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise LLMConnectionError(
                f"cannot reach the LLM at {self.settings.base_url}: {exc!r}") from exc
        if response.status_code in RETRY_STATUS:
            raise LLMOverloadedError(
                f"the LLM answered {response.status_code}: {response.text[:300]}",
                status_code=response.status_code, body=response.text,
                retry_after=_retry_after(response))
        if response.status_code >= 400:
            raise LLMStatusError(f"the LLM answered {response.status_code}: {response.text[:500]}",
                                 status_code=response.status_code, body=response.text)
        try:
            return ChatCompletion.model_validate(response.json())
        except (ValueError, ValidationError) as exc:
            raise LLMStatusError(f"the LLM's answer is not a chat completion: {exc}",
                                 status_code=response.status_code, body=response.text) from exc

    def _delay(self, attempt: int, exc: LLMCallError) -> float:
        hinted = exc.retry_after if isinstance(exc, LLMOverloadedError) else None
        if hinted is not None:
            return min(hinted, self.max_backoff_s)
        base = min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1))
        return base * (0.5 + random.random() / 2)

    def _record(self, call: LLMCall) -> None:
        self.calls.append(call)
        if self.on_call is not None:
            self.on_call(call)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _dump(item: BaseModel | dict[str, Any]) -> dict[str, Any]:
    return item.model_dump(exclude_none=True, by_alias=True) if isinstance(item, BaseModel) \
        else item
