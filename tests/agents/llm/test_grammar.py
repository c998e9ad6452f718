"""Grammar and tool-call schema building, and parsing of what the model wrote."""

from __future__ import annotations

import json
import re
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from agents.llm._grammar import (
    GrammarError,
    inline_refs,
    parse_tool_call,
    response_format_gbnf,
    schema_gbnf,
    tool_call_gbnf,
    tool_call_schema,
)

ORDER = {"type": "object", "properties": {"order_id": {"type": "string"}},
         "required": ["order_id"]}
RESPOND = {"type": "object", "properties": {"message": {"type": "string"}},
           "required": ["message"]}


def rules(gbnf: str) -> dict[str, str]:
    return dict(re.findall(r"^([\w-]+)\s*::=\s*(.*)$", gbnf, re.MULTILINE))


def test_one_tool_schema_pins_name_and_arguments() -> None:
    schema = tool_call_schema({"get_order": ORDER})
    assert schema["properties"]["name"] == {"const": "get_order"}
    assert schema["properties"]["arguments"] == ORDER
    assert schema["required"] == ["name", "arguments"]


def test_several_tools_are_alternatives() -> None:
    schema = tool_call_schema({"get_order": ORDER, "respond": RESPOND})
    names = [v["properties"]["name"]["const"] for v in schema["anyOf"]]
    assert names == ["get_order", "respond"]


def test_tool_without_parameters_gets_an_empty_object() -> None:
    schema = tool_call_schema({"ping": {}})
    assert schema["properties"]["arguments"]["type"] == "object"


def test_no_tools_is_refused() -> None:
    with pytest.raises(GrammarError):
        tool_call_schema({})


def test_required_grammar_allows_only_a_tagged_call() -> None:
    g = rules(tool_call_gbnf({"get_order": ORDER, "respond": RESPOND}, allow_text=False))
    assert g["root"].strip() == "toolcall"
    assert "<tool_call>" in g["toolcall"] and "toolcallbody" in g["toolcall"]
    assert "toolcallbody" in g
    assert "get_order" in "".join(g.values()) and "respond" in "".join(g.values())


def test_auto_grammar_also_allows_bare_calls_and_prose() -> None:
    g = rules(tool_call_gbnf({"get_order": ORDER}, allow_text=True))
    assert set(g["root"].replace(" ", "").split("|")) == {"toolcall", "toolcallbody", "plaintext"}
    assert g["plaintext"].startswith("[^<{]")


def test_schema_rule_can_be_renamed_without_clash() -> None:
    g = rules(schema_gbnf(ORDER, rule="body"))
    assert "body" in g and "root" not in g


def test_response_formats() -> None:
    assert "root" in rules(response_format_gbnf("json_object", None))
    assert "root" in rules(response_format_gbnf("json_schema", RESPOND))
    with pytest.raises(GrammarError):
        response_format_gbnf("text", None)


@pytest.mark.parametrize("text", [
    '<tool_call>\n{"name": "get_order", "arguments": {"order_id": "A-1"}}\n</tool_call>',
    '{"name": "get_order", "arguments": {"order_id": "A-1"}}',
    '  <tool_call>{"name": "get_order", "arguments": "{\\"order_id\\": \\"A-1\\"}"}</tool_call> ',
])
def test_parse_tool_call_forms(text: str) -> None:
    assert parse_tool_call(text) == ("get_order", {"order_id": "A-1"})


@pytest.mark.parametrize("text", [
    "The order has shipped.",
    '<tool_call>\n{"name": "get_order", "arguments": {"order_',
    json.dumps({"arguments": {}}),
    json.dumps({"name": "x", "arguments": [1]}),
])
def test_parse_tool_call_rejects_non_calls(text: str) -> None:
    assert parse_tool_call(text) is None


class Line(BaseModel):
    item_id: str
    quantity: int = Field(default=1, ge=1)


class Reserve(BaseModel):
    order_id: str
    lines: list[Line] | None = None
    service: Literal["ground", "express"] = "ground"


class Tree(BaseModel):
    name: str
    children: list[Tree] = []


def test_pydantic_refs_are_inlined_per_tool() -> None:
    params = Reserve.model_json_schema()
    assert "$defs" in params
    inlined = inline_refs(params)
    text = json.dumps(inlined)
    assert "$ref" not in text and "$defs" not in text
    item = inlined["properties"]["lines"]["anyOf"][0]["items"]
    assert item["properties"]["item_id"] == {"title": "Item Id", "type": "string"}
    # Nested under the call schema, the grammar still builds.
    g = rules(tool_call_gbnf({"reserve": params, "get_order": ORDER}, allow_text=False))
    assert any("item-id" in name for name in g)


def test_recursive_refs_are_cut_not_looping() -> None:
    inlined = inline_refs(Tree.model_json_schema(), max_depth=3)
    assert "$ref" not in json.dumps(inlined)
    schema_gbnf(inlined)


def test_unresolved_ref_is_refused() -> None:
    with pytest.raises(GrammarError, match="unresolved"):
        inline_refs({"type": "object", "properties": {"a": {"$ref": "#/$defs/Missing"}}})
