"""Tool calling in every tool_choice mode, and a multi-turn tool loop."""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest
from openai import OpenAI
from pydantic import BaseModel, Field

from .conftest import Endpoint

pytestmark = pytest.mark.slow

SYSTEM = ("You are a customer-support agent for an online shop. Use get_order to look up "
          "orders and respond to give the customer your final answer.")
TOOLS: list[Any] = [
    {"type": "function", "function": {
        "name": "get_order", "description": "Look up an order by its id.",
        "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}},
                       "required": ["order_id"]}}},
    {"type": "function", "function": {
        "name": "respond", "description": "Give the final answer to the customer.",
        "parameters": {"type": "object", "properties": {"message": {"type": "string"}},
                       "required": ["message"]}}},
]
ASK = [{"role": "system", "content": SYSTEM},
       {"role": "user", "content": "Where is my order A-1001?"}]


def args_of(call: Any) -> dict[str, Any]:
    value = json.loads(call.function.arguments)
    assert isinstance(value, dict)
    return value


def test_required_returns_a_valid_call(client: OpenAI, endpoint: Endpoint) -> None:
    r = client.chat.completions.create(model=endpoint.model, messages=ASK, tools=TOOLS,
                                       tool_choice="required", max_tokens=48)
    choice = r.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert not choice.message.content  # null (or empty) beside tool calls
    call = choice.message.tool_calls[0]
    assert call.id and call.type == "function"
    assert call.function.name in {"get_order", "respond"}
    args = args_of(call)
    if call.function.name == "get_order":
        assert isinstance(args["order_id"], str)
    assert r.usage and r.usage.prompt_tokens > 0 and r.usage.completion_tokens > 0


def test_named_choice_forces_that_tool(client: OpenAI, endpoint: Endpoint) -> None:
    r = client.chat.completions.create(
        model=endpoint.model, messages=ASK, tools=TOOLS, max_tokens=48,
        tool_choice={"type": "function", "function": {"name": "respond"}})
    call = r.choices[0].message.tool_calls[0]
    assert call.function.name == "respond"
    assert isinstance(args_of(call)["message"], str)


def test_auto_gives_text_or_a_valid_call(client: OpenAI, endpoint: Endpoint) -> None:
    r = client.chat.completions.create(model=endpoint.model, messages=ASK, tools=TOOLS,
                                       tool_choice="auto", max_tokens=48)
    message = r.choices[0].message
    if message.tool_calls:
        assert message.tool_calls[0].function.name in {"get_order", "respond"}
        args_of(message.tool_calls[0])
    else:
        assert message.content and message.content.strip()


def test_none_gives_text_only(client: OpenAI, endpoint: Endpoint) -> None:
    r = client.chat.completions.create(model=endpoint.model, messages=ASK, tools=TOOLS,
                                       tool_choice="none", max_tokens=16)
    assert not r.choices[0].message.tool_calls
    assert r.choices[0].message.content


def test_tool_loop_with_content_null(client: OpenAI, endpoint: Endpoint) -> None:
    """Call, tool result, next decision, final answer: assistant ``content: null`` and
    ``tool`` messages are accepted turn after turn. Which tool a small model picks
    after the result differs between servers, so the last turn names ``respond``."""
    messages: list[Any] = list(ASK)
    choices: list[Any] = ["required", "required",
                          {"type": "function", "function": {"name": "respond"}}]
    names = []
    for turn, choice in enumerate(choices):
        r = client.chat.completions.create(model=endpoint.model, messages=messages, tools=TOOLS,
                                           tool_choice=choice, max_tokens=64)
        call = r.choices[0].message.tool_calls[0]
        args = args_of(call)
        names.append(call.function.name)
        messages.append({"role": "assistant", "content": None, "tool_calls": [
            {"id": call.id, "type": "function",
             "function": {"name": call.function.name, "arguments": call.function.arguments}}]})
        result = ({"order_id": args.get("order_id", "A-1001"), "status": "shipped",
                   "carrier": "DHL", "eta": "2025-06-03"}
                  if call.function.name == "get_order" else {"delivered": True})
        messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})
        assert len(messages) == len(ASK) + 2 * (turn + 1)
    assert names[-1] == "respond" and all(n in {"get_order", "respond"} for n in names)


def test_langchain_chat_model_binds_required_tools(endpoint: Endpoint) -> None:
    from agents.config import LLMSettings
    from agents.llm import chat_model

    settings = LLMSettings(base_url=endpoint.base_url, model=endpoint.model,
                           api_key=endpoint.api_key, max_retries=0)
    llm = chat_model(settings).bind_tools(TOOLS, tool_choice="required")
    m = llm.invoke(ASK, max_tokens=48)
    assert m.tool_calls and m.tool_calls[0]["name"] in {"get_order", "respond"}
    assert m.usage_metadata and m.usage_metadata["input_tokens"] > 0


class Line(BaseModel):
    item_id: str
    quantity: int = Field(default=1, ge=1)


class Reserve(BaseModel):
    order_id: str
    lines: list[Line] | None = None
    service: Literal["ground", "express"] = "ground"


def test_pydantic_schema_with_defs_gives_valid_arguments(client: OpenAI,
                                                         endpoint: Endpoint) -> None:
    tool: Any = {"type": "function", "function": {
        "name": "reserve_stock", "description": "Reserve stock for an order's lines.",
        "parameters": Reserve.model_json_schema()}}
    r = client.chat.completions.create(
        model=endpoint.model, tools=[tool, *TOOLS], max_tokens=120,
        tool_choice={"type": "function", "function": {"name": "reserve_stock"}},
        messages=[{"role": "user", "content": "Reserve 2 of item 1000000001 for order A-9, "
                                              "express."}])
    call = r.choices[0].message.tool_calls[0]
    assert call.function.name == "reserve_stock"
    assert r.choices[0].finish_reason != "length", call.function.arguments
    Reserve.model_validate_json(call.function.arguments)  # raises when it does not fit
