"""JSON-schema responses and streaming with a final usage chunk."""

from __future__ import annotations

import json

import pytest
from openai import OpenAI

from .conftest import Endpoint
from .test_tools import ASK, TOOLS

pytestmark = pytest.mark.slow

PERSON = {"type": "object", "properties": {"name": {"type": "string"},
                                           "age": {"type": "integer"}},
          "required": ["name", "age"], "additionalProperties": False}


def test_json_schema_response_parses(client: OpenAI, endpoint: Endpoint) -> None:
    r = client.chat.completions.create(
        model=endpoint.model, max_tokens=40,
        messages=[{"role": "user", "content": "Ann is 30 years old. Give her as JSON."}],
        response_format={"type": "json_schema",
                         "json_schema": {"name": "person", "schema": PERSON, "strict": True}})
    value = json.loads(r.choices[0].message.content or "")
    assert set(value) == {"name", "age"}
    assert isinstance(value["name"], str) and isinstance(value["age"], int)


def test_stream_chunks_and_final_usage(client: OpenAI, endpoint: Endpoint) -> None:
    stream = client.chat.completions.create(
        model=endpoint.model, max_tokens=12, stream=True,
        stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "Count from one to ten in words."}])
    chunks = list(stream)
    deltas = [c.choices[0].delta.content for c in chunks if c.choices and
              c.choices[0].delta.content]
    assert len(deltas) >= 2  # token by token, not one blob
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and
                c.choices[0].finish_reason]
    assert finishes == ["length"]
    last = chunks[-1]
    assert last.choices == [] and last.usage is not None
    assert last.usage.completion_tokens == 12
    assert last.usage.total_tokens == last.usage.prompt_tokens + 12


def test_stream_tool_call(client: OpenAI, endpoint: Endpoint) -> None:
    stream = client.chat.completions.create(model=endpoint.model, messages=ASK, tools=TOOLS,
                                            tool_choice="required", max_tokens=48, stream=True)
    name, arguments, finish, pieces = "", "", None, 0
    for c in stream:
        if not c.choices:
            continue
        for tc in c.choices[0].delta.tool_calls or ():
            name += tc.function.name or "" if tc.function else ""
            arguments += tc.function.arguments or "" if tc.function else ""
            pieces += bool(tc.function and tc.function.arguments)
        finish = c.choices[0].finish_reason or finish
    assert name in {"get_order", "respond"} and finish == "tool_calls"
    assert isinstance(json.loads(arguments), dict)
    if endpoint.local:
        # The local server streams a call's arguments as they are decoded.
        assert pieces > 1


def test_shared_prefix_is_served_from_the_cache(client: OpenAI, endpoint: Endpoint) -> None:
    if not endpoint.local:
        pytest.skip("cached-token reporting is server-specific")
    system = "You are a support agent. " + "Orders ship from warehouse W-1 by ground. " * 30
    usages = []
    for question in ("Where is order A-1?", "Has order B-2 shipped?"):
        r = client.chat.completions.create(
            model=endpoint.model, max_tokens=1,
            messages=[{"role": "system", "content": system}, {"role": "user", "content": question}])
        assert r.usage is not None and r.usage.prompt_tokens_details is not None
        usages.append(r.usage)
    second = usages[1]
    cached = second.prompt_tokens_details.cached_tokens or 0  # type: ignore[union-attr]
    # Everything up to the user's question was evaluated by the first request.
    assert cached > 300 and cached < second.prompt_tokens


def test_prefixes_survive_an_interleaved_prompt(client: OpenAI, endpoint: Endpoint) -> None:
    """Two agents with different system prompts take turns: each keeps its cached prefix."""
    if not endpoint.local:
        pytest.skip("cached-token reporting is server-specific")
    support = "You are a support agent. " + "Refunds go to the original payment method. " * 30
    orders = "You are an order agent. " + "Orders ship from the nearest warehouse. " * 30
    cached = []
    for system, question in ((support, "Can I get a refund?"), (orders, "Ship order A-1?"),
                             (support, "Where is my refund?")):
        r = client.chat.completions.create(
            model=endpoint.model, max_tokens=1,
            messages=[{"role": "system", "content": system}, {"role": "user", "content": question}])
        assert r.usage is not None and r.usage.prompt_tokens_details is not None
        cached.append(r.usage.prompt_tokens_details.cached_tokens or 0)
    # The second shares almost nothing with the first; the third shares the first one's
    # whole system prompt (about 280 tokens), though another prompt came between.
    assert cached[1] < 50
    assert cached[2] > 250
