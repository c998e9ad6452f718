"""Request validation: what the server refuses with a 400 before touching the model."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from agents.llm.protocol import ChatCompletionRequest, ChatMessage, NamedToolChoice

TOOL = {"type": "function", "function": {"name": "get_order", "parameters": {"type": "object"}}}
USER = {"role": "user", "content": "hi"}


def req(**kw: Any) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate({"model": "m", "messages": [USER], **kw})


def test_minimal_request_defaults() -> None:
    r = req()
    assert r.effective_tool_choice() == "none" and r.token_limit() is None and not r.stream


def test_tools_default_to_auto_and_max_completion_tokens_wins() -> None:
    r = req(tools=[TOOL], max_tokens=10, max_completion_tokens=5)
    assert r.effective_tool_choice() == "auto" and r.token_limit() == 5


def test_named_choice_must_name_a_given_tool() -> None:
    r = req(tools=[TOOL], tool_choice={"type": "function", "function": {"name": "get_order"}})
    assert isinstance(r.effective_tool_choice(), NamedToolChoice)
    with pytest.raises(ValidationError, match="not in tools"):
        req(tools=[TOOL], tool_choice={"type": "function", "function": {"name": "other"}})


@pytest.mark.parametrize(("kw", "fragment"), [
    ({"tool_choice": "required"}, "at least one tool"),
    ({"tools": [TOOL, TOOL]}, "unique"),
    ({"n": 2}, "less than or equal"),
    ({"messages": []}, "at least 1"),
    ({"tool_choice": "sometimes", "tools": [TOOL]}, "tool_choice"),
    ({"tools": [TOOL], "tool_choice": "required",
      "response_format": {"type": "json_object"}}, "either tools"),
    ({"response_format": {"type": "json_schema"}}, "needs a json_schema"),
    ({"temperature": 3}, "less than or equal"),
])
def test_bad_requests_are_refused_with_the_reason(kw: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        req(**kw)


def test_assistant_content_null_needs_tool_calls() -> None:
    call = {"id": "c1", "type": "function",
            "function": {"name": "get_order", "arguments": '{"order_id": "A"}'}}
    m = ChatMessage.model_validate({"role": "assistant", "content": None, "tool_calls": [call]})
    assert m.text() == "" and m.tool_calls and m.tool_calls[0].function.parsed_arguments() == {
        "order_id": "A"}
    with pytest.raises(ValidationError, match="needs tool_calls"):
        ChatMessage.model_validate({"role": "assistant", "content": None})
    with pytest.raises(ValidationError, match="only assistant"):
        ChatMessage.model_validate({"role": "user", "content": None})


def test_tool_message_needs_its_call_id() -> None:
    with pytest.raises(ValidationError, match="tool_call_id"):
        ChatMessage.model_validate({"role": "tool", "content": "ok"})


def test_text_parts_are_joined_and_images_refused() -> None:
    m = ChatMessage.model_validate({"role": "user", "content": [
        {"type": "text", "text": "a"}, {"type": "text", "text": "b"}]})
    assert m.text() == "ab"
    img = ChatMessage.model_validate({"role": "user", "content": [{"type": "image_url"}]})
    with pytest.raises(ValueError, match="image_url"):
        img.text()


def test_unknown_parameters_are_accepted_and_ignored() -> None:
    assert req(logprobs=False, user="u1").model == "m"
