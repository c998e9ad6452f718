"""The LLM contract suite: runs against any OpenAI-compatible endpoint.

    pytest tests/contract --llm-base-url http://host:8000/v1 --llm-model NAME
    STREAMWISE_CONTRACT_BASE_URL=... STREAMWISE_CONTRACT_MODEL=... pytest tests/contract

With neither, it starts the local llama.cpp server (0.5B) for the session.
Tests that need to control the server itself (queue bound) run only then.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from openai import OpenAI

from agents.config import LLMSettings
from agents.llm import LocalServer


def pytest_addoption(parser: pytest.Parser) -> None:
    # Only read when tests/contract is named on the command line (pytest reads
    # options from the first conftests only); the env variables work always.
    group = parser.getgroup("llm contract")
    group.addoption("--llm-base-url", default=None, help="OpenAI-compatible base URL (…/v1)")
    group.addoption("--llm-model", default=None, help="model name served there")
    group.addoption("--llm-api-key", default=None, help="API key (default: not-needed)")


@dataclass(frozen=True)
class Endpoint:
    base_url: str
    model: str
    api_key: str
    local: bool  # started by this suite: server-specific checks apply


def _option(config: pytest.Config, name: str, env: str) -> str | None:
    try:
        value = config.getoption(name)
    except ValueError:
        value = None
    return value or os.environ.get(env) or None


@pytest.fixture(scope="session")
def endpoint(request: pytest.FixtureRequest) -> Iterator[Endpoint]:
    url = _option(request.config, "--llm-base-url", "STREAMWISE_CONTRACT_BASE_URL")
    key = _option(request.config, "--llm-api-key", "STREAMWISE_CONTRACT_API_KEY") or "not-needed"
    if url:
        model = _option(request.config, "--llm-model", "STREAMWISE_CONTRACT_MODEL")
        if not model:
            pytest.fail("--llm-model (or STREAMWISE_CONTRACT_MODEL) is required with a base URL")
        yield Endpoint(url.rstrip("/"), model, key, local=False)
        return
    settings = LLMSettings(local_context=2048)
    with LocalServer(settings) as base_url:
        yield Endpoint(base_url, settings.local_model, key, local=True)


@pytest.fixture(scope="session")
def client(endpoint: Endpoint) -> OpenAI:
    return OpenAI(base_url=endpoint.base_url, api_key=endpoint.api_key, max_retries=0,
                  timeout=300)
