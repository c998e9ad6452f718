"""LLMClient against httpx.MockTransport: retries, backoff hints, circuit breaker, records."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from agents.config import LLMSettings
from agents.llm import (
    CircuitOpenError,
    LLMClient,
    LLMConnectionError,
    LLMError,
    LLMOverloadedError,
    LLMStatusError,
    chat_model,
)
from agents.llm._breaker import CircuitBreaker

SETTINGS = LLMSettings(base_url="http://llm.test/v1", model="m", max_retries=2,
                       max_concurrency=2)
MESSAGES = [{"role": "user", "content": "hi"}]


def completion(content: str | None = "hello", tool: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool:
        message["tool_calls"] = [{"id": "c1", "type": "function",
                                  "function": {"name": tool, "arguments": "{}"}}]
    return {"id": "x", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "message": message,
                         "finish_reason": "tool_calls" if tool else "stop"}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15,
                      "prompt_tokens_details": {"cached_tokens": 8}}}


class Script:
    """Answers requests in turn from a list of responses (or exceptions)."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def client(script: Callable[[httpx.Request], httpx.Response], **kw: Any) -> LLMClient:
    return LLMClient(kw.pop("settings", SETTINGS), transport=httpx.MockTransport(script),
                     backoff_s=0.001, **kw)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_success_records_tokens_and_sends_the_request() -> None:
    script = Script(httpx.Response(200, json=completion(tool="respond")))
    c = client(script)
    result = run(c.chat(MESSAGES, tools=[{"type": "function", "function": {"name": "respond"}}],
                        tool_choice="required", max_tokens=5))
    body = json.loads(script.requests[0].content)
    assert body["model"] == "m" and body["tool_choice"] == "required" and body["max_tokens"] == 5
    assert script.requests[0].headers["authorization"] == "Bearer not-needed"
    assert script.requests[0].url.path == "/v1/chat/completions"
    call = result.call
    assert (call.status, call.attempts, call.prompt_tokens, call.completion_tokens,
            call.cached_tokens, call.tool_calls) == ("ok", 1, 12, 3, 8, ["respond"])
    assert list(c.calls) == [call]


def test_retries_503_then_succeeds() -> None:
    script = Script(httpx.Response(503, headers={"Retry-After": "0"}),
                    httpx.Response(429), httpx.Response(200, json=completion()))
    result = run(client(script).chat(MESSAGES))
    assert result.call.attempts == 3 and result.message.content == "hello"


def test_gives_up_after_max_retries_with_retry_after() -> None:
    script = Script(httpx.Response(503, headers={"Retry-After": "0.001"}))
    c = client(script)
    with pytest.raises(LLMOverloadedError) as info:
        run(c.chat(MESSAGES))
    assert info.value.retry_after == pytest.approx(0.001)
    assert len(script.requests) == 3  # 1 + max_retries
    assert c.calls[-1].status == "error" and c.calls[-1].attempts == 3


def test_connection_errors_are_retried_then_raised() -> None:
    script = Script(httpx.ConnectError("refused"))
    with pytest.raises(LLMConnectionError, match="cannot reach"):
        run(client(script).chat(MESSAGES))
    assert len(script.requests) == 3


def test_client_errors_are_not_retried() -> None:
    script = Script(httpx.Response(400, json={"error": {"message": "bad"}}))
    with pytest.raises(LLMStatusError) as info:
        run(client(script).chat(MESSAGES))
    assert info.value.status_code == 400 and len(script.requests) == 1


def test_circuit_opens_after_failures_then_half_opens() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failure_threshold=3, reset_after_s=10, clock=lambda: now[0])
    script = Script(httpx.ConnectError("down"))
    c = client(script, breaker=breaker)
    with pytest.raises(LLMConnectionError):
        run(c.chat(MESSAGES))  # 3 attempts: the breaker opens
    assert breaker.state == "open"
    with pytest.raises(CircuitOpenError) as info:
        run(c.chat(MESSAGES))
    assert info.value.retry_after == pytest.approx(10)
    assert len(script.requests) == 3  # refused without a request
    now[0] = 11.0
    script.answers = [httpx.Response(200, json=completion())]
    assert run(c.chat(MESSAGES)).call.status == "ok"  # the trial call closes it
    assert breaker.state == "closed"


def test_half_open_allows_one_trial_and_reopens_on_failure() -> None:
    now = [0.0]
    b = CircuitBreaker(failure_threshold=1, reset_after_s=5, clock=lambda: now[0])
    b.failure()
    assert not b.allow()
    now[0] = 6
    assert b.allow() and not b.allow()  # one trial only
    b.failure()
    assert b.state == "open"


def test_concurrency_is_limited() -> None:
    in_flight, peak = [0], [0]

    async def handler(request: httpx.Request) -> httpx.Response:
        in_flight[0] += 1
        peak[0] = max(peak[0], in_flight[0])
        await asyncio.sleep(0.01)
        in_flight[0] -= 1
        return httpx.Response(200, json=completion())

    async def main() -> None:
        c = LLMClient(SETTINGS, transport=httpx.MockTransport(handler))
        await asyncio.gather(*(c.chat(MESSAGES) for _ in range(6)))
        await c.aclose()

    run(main())
    assert peak[0] == SETTINGS.max_concurrency


def test_null_base_url_is_explained() -> None:
    with pytest.raises(LLMError, match="llm_endpoint"):
        LLMClient(LLMSettings())
    with pytest.raises(LLMError, match="LocalServer"):
        chat_model(LLMSettings())


def test_chat_model_uses_the_settings() -> None:
    m = chat_model(SETTINGS.model_copy(update={"timeout_s": 7.0, "temperature": 0.3}))
    assert (m.model_name, m.openai_api_base, m.request_timeout, m.max_retries,
            m.temperature) == ("m", "http://llm.test/v1", 7.0, 2, 0.3)
    local = chat_model(LLMSettings(local_model="qwen2.5-coder-1.5b-instruct"),
                       base_url="http://127.0.0.1:1/v1")
    assert local.model_name == "qwen2.5-coder-1.5b-instruct"
