"""Bad requests get a 4xx naming the problem; concurrent requests queue; a full queue 503s."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from agents.config import LLMSettings
from agents.llm import LocalServer

from .conftest import Endpoint

pytestmark = pytest.mark.slow


def post(endpoint: Endpoint, body: Any, **kw: Any) -> httpx.Response:
    content = body if isinstance(body, bytes) else None
    return httpx.post(f"{endpoint.base_url}/chat/completions", timeout=300,
                      headers={"Authorization": f"Bearer {endpoint.api_key}",
                               "Content-Type": "application/json"},
                      content=content, json=None if content else body, **kw)


def message_of(r: httpx.Response) -> str:
    body = r.json()
    return str(body.get("error", {}).get("message") if isinstance(body.get("error"), dict)
               else body.get("message", body))


def test_models_lists_the_model(endpoint: Endpoint) -> None:
    r = httpx.get(f"{endpoint.base_url}/models",
                  headers={"Authorization": f"Bearer {endpoint.api_key}"})
    assert r.status_code == 200
    assert endpoint.model in [m["id"] for m in r.json()["data"]]


def test_malformed_json_is_400(endpoint: Endpoint) -> None:
    r = post(endpoint, b'{"model": "x", "messages": [')
    assert r.status_code == 400


def test_missing_messages_is_400(endpoint: Endpoint) -> None:
    r = post(endpoint, {"model": endpoint.model})
    assert r.status_code == 400
    assert "messages" in message_of(r)


def test_unknown_model_is_404(endpoint: Endpoint) -> None:
    r = post(endpoint, {"model": "no-such-model", "messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 404
    assert "no-such-model" in message_of(r)


def test_context_overflow_is_400_with_token_counts(endpoint: Endpoint) -> None:
    long = "order " * 40_000  # beyond any context this suite runs with
    r = post(endpoint, {"model": endpoint.model, "max_tokens": 8,
                        "messages": [{"role": "user", "content": long}]})
    assert r.status_code == 400
    assert any(ch.isdigit() for ch in message_of(r))


def test_local_rejections_name_the_problem(endpoint: Endpoint) -> None:
    if not endpoint.local:
        pytest.skip("checks messages of the local server")
    r = post(endpoint, {"model": endpoint.model,
                        "messages": [{"role": "assistant", "content": None}]})
    assert r.status_code == 400 and "tool_calls" in message_of(r)
    r = post(endpoint, {"model": endpoint.model, "tool_choice": "required",
                        "messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 400 and "at least one tool" in message_of(r)
    long = "order " * 3000
    r = post(endpoint, {"model": endpoint.model, "max_tokens": 8,
                        "messages": [{"role": "user", "content": long}]})
    assert r.status_code == 400 and r.json()["error"]["code"] == "context_length_exceeded"
    assert "2048" in message_of(r)


async def _burst(base_url: str, model: str, n: int, max_tokens: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=600) as c:
        return list(await asyncio.gather(*(
            c.post(f"{base_url}/chat/completions", json={
                "model": model, "max_tokens": max_tokens,
                "messages": [{"role": "user", "content": f"Say the number {i}."}]})
            for i in range(n))))


def test_concurrent_requests_all_complete(endpoint: Endpoint) -> None:
    responses = asyncio.run(_burst(endpoint.base_url, endpoint.model, 4, 4))
    assert [r.status_code for r in responses] == [200] * 4
    assert all(r.json()["choices"][0]["message"]["content"] for r in responses)


def test_full_queue_answers_503_with_retry_after(endpoint: Endpoint) -> None:
    if not endpoint.local:
        pytest.skip("needs a local server with a tiny queue")
    settings = LLMSettings(local_queue=1, local_context=1024)
    with LocalServer(settings) as base_url:
        responses = asyncio.run(_burst(base_url, settings.local_model, 4, 16))
        metrics = httpx.get(base_url.removesuffix("/v1") + "/metrics").text
    codes = sorted(r.status_code for r in responses)
    # One runs, one waits, the rest are refused at once.
    assert codes.count(200) >= 2 and 503 in codes
    refused = next(r for r in responses if r.status_code == 503)
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["error"]["code"] == "queue_full"
    assert 'llm_requests_total{status="503"}' in metrics
