"""The one model client: a gated ChatOpenAI against a fake HTTP server (a local thread):
the concurrency bound, overloads as typed errors with Retry-After, the circuit breaker."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from agents.config import LLMSettings
from agents.llm import (
    CircuitBreaker,
    CircuitOpenError,
    LLMConnectionError,
    LLMError,
    LLMOverloadedError,
    LocalServer,
    LocalServerError,
    chat_model,
)
from agents.llm._gate import retry_after_s
from tests.fake_llm import FakeLLM, fake_llm


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with fake_llm() as f:
        yield f


def settings(url: str, **kw: object) -> LLMSettings:
    return LLMSettings(base_url=url, model="m", max_retries=0, **kw)  # type: ignore[arg-type]


def test_a_local_server_port_answered_by_another_process_is_refused(fake: FakeLLM) -> None:
    port = int(fake.url.rsplit(":", 1)[1].split("/")[0])
    server = LocalServer(LLMSettings(), port=port, startup_timeout_s=60)
    with pytest.raises(LocalServerError, match="another process"):
        server.start()
    assert server.pid is None  # the child it started is stopped


def test_null_base_url_is_explained() -> None:
    with pytest.raises(LLMError, match="LocalServer"):
        chat_model(LLMSettings())


def test_chat_model_uses_the_settings() -> None:
    m = chat_model(LLMSettings(base_url="http://llm.test/v1", model="m", max_retries=2,
                               timeout_s=7.0, temperature=0.3, max_concurrency=3))
    assert (m.model_name, m.openai_api_base, m.request_timeout, m.max_retries,
            m.temperature, m.gate.max_concurrency) == ("m", "http://llm.test/v1", 7.0, 2, 0.3, 3)
    local = chat_model(LLMSettings(local_model="qwen2.5-coder-1.5b-instruct"),
                       base_url="http://127.0.0.1:1/v1")
    assert local.model_name == "qwen2.5-coder-1.5b-instruct"


@pytest.mark.parametrize("streaming", [False, True])
def test_at_most_max_concurrency_requests_are_in_flight(fake: FakeLLM, streaming: bool) -> None:
    fake.hold = threading.Event()
    model = chat_model(settings(fake.url, max_concurrency=2), streaming=streaming,
                       stream_usage=False)
    answers: list[object] = []
    threads = [threading.Thread(target=lambda: answers.append(model.invoke("hi").content))
               for _ in range(5)]
    for t in threads:
        t.start()
    try:
        # Two requests reach the server; the other three wait at the gate.
        assert fake.arrived.acquire(timeout=30) and fake.arrived.acquire(timeout=30)
        assert model.gate.wait_until(lambda g: g.in_flight == 2 and g.waiting == 3, 30)
        assert fake.requests == 2
    finally:
        fake.hold.set()
        for t in threads:
            t.join(30)
    assert answers == ["hello"] * 5 and fake.requests == 5
    assert fake.peak == 2 and model.gate.in_flight == 0


def test_an_overload_is_a_typed_error_with_the_servers_retry_after(fake: FakeLLM) -> None:
    fake.script = [(503, {"Retry-After": "7"}), (429, {"retry-after-ms": "1500"})]
    model = chat_model(settings(fake.url))
    with pytest.raises(LLMOverloadedError) as info:
        model.invoke("hi")
    assert (info.value.status_code, info.value.retry_after) == (503, 7.0)
    with pytest.raises(LLMOverloadedError) as info:
        model.invoke("hi")
    assert (info.value.status_code, info.value.retry_after) == (429, 1.5)
    assert model.invoke("hi").content == "hello"


def test_an_overload_is_not_retried_by_the_sdk(fake: FakeLLM) -> None:
    fake.script = [(503, {"Retry-After": "0"})]
    model = chat_model(settings(fake.url).model_copy(update={"max_retries": 3}))
    with pytest.raises(LLMOverloadedError):
        model.invoke("hi")
    assert fake.requests == 1  # the caller backs off (pauses the partition), not the SDK


def test_the_circuit_opens_after_failures_and_refuses_without_a_request(fake: FakeLLM) -> None:
    fake.script = [(503, {}), (503, {})]
    model = chat_model(settings(fake.url, breaker_failures=2, breaker_reset_s=300))
    for _ in range(2):
        with pytest.raises(LLMOverloadedError):
            model.invoke("hi")
    with pytest.raises(CircuitOpenError) as info:
        model.invoke("hi")
    assert 0 < info.value.retry_after <= 300 and fake.requests == 2


def test_an_unreachable_model_is_a_connection_error() -> None:
    model = chat_model(settings("http://127.0.0.1:9/v1", timeout_s=5))
    with pytest.raises(LLMConnectionError):
        model.invoke("hi")
    assert model.gate.breaker.state == "closed"  # one failure of five


def test_half_open_allows_one_trial_that_closes_or_reopens_it() -> None:
    now = [0.0]
    b = CircuitBreaker(failure_threshold=1, reset_after_s=5, clock=lambda: now[0])
    b.failure()
    assert not b.allow() and b.retry_after() == 5
    now[0] = 6
    assert b.allow() and not b.allow()  # one trial only
    b.failure()
    assert b.state == "open"
    now[0] = 12
    assert b.allow()
    b.success()
    assert b.state == "closed" and b.allow()


def test_retry_after_reads_seconds_dates_and_millis() -> None:
    assert retry_after_s({"retry-after": "2.5"}) == 2.5
    assert retry_after_s({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0  # past
    assert retry_after_s({"retry-after": "soon"}) is None
    assert retry_after_s({}) is None
