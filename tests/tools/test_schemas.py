"""The OpenAI tool schemas every registered tool exports, and the package's public API."""

from __future__ import annotations

import re
from typing import Any

import pytest

import tools
from tools import DuckDBStore, build_registry

_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_JSON_TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}


def _resolve(ref: str, root: dict[str, Any]) -> dict[str, Any]:
    assert ref.startswith("#/"), f"only local $ref are allowed, got {ref}"
    node: Any = root
    for part in ref[2:].split("/"):
        assert isinstance(node, dict) and part in node, f"unresolved $ref {ref}"
        node = node[part]
    assert isinstance(node, dict)
    return node


def _check(node: Any, root: dict[str, Any], path: str) -> None:
    if isinstance(node, dict):
        if "$ref" in node:
            _resolve(node["$ref"], root)
        if "type" in node:
            types = node["type"] if isinstance(node["type"], list) else [node["type"]]
            assert set(types) <= _JSON_TYPES, f"{path}: bad type {node['type']}"
        if node.get("type") == "object" and "properties" in node:
            assert set(node.get("required", [])) <= set(node["properties"]), path
        for key, value in node.items():
            _check(value, root, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _check(value, root, f"{path}[{i}]")


@pytest.fixture(scope="module")
def schemas() -> list[dict[str, Any]]:
    return build_registry(DuckDBStore()).openai_tools()


def test_every_tool_schema_is_a_valid_openai_function(schemas: list[dict[str, Any]]) -> None:
    names = [s["function"]["name"] for s in schemas]
    assert len(names) == len(set(names))
    from tools.pricing import PRICING_TOOLS
    from tools.supply import SUPPLY_TOOLS

    every = tools.RETAIL_TOOLS + tools.ANALYTICS_TOOLS + SUPPLY_TOOLS + PRICING_TOOLS
    assert names == [t.name for t in every]
    for schema in schemas:
        assert set(schema) == {"type", "function"} and schema["type"] == "function"
        fn = schema["function"]
        assert _NAME.match(fn["name"]), fn["name"]
        assert isinstance(fn["description"], str) and fn["description"].strip()
        assert "\n" not in fn["description"].strip() or "\n\n" in fn["description"]
        params = fn["parameters"]
        assert params["type"] == "object"
        assert isinstance(params["properties"], dict)
        assert isinstance(params["required"], list)
        assert not _titles(params), (fn["name"], _titles(params))  # tokens the model needn't read
        _check(params, params, fn["name"])


def _titles(schema: Any) -> list[Any]:
    """pydantic's ``title`` annotations anywhere in a schema."""
    if isinstance(schema, list):
        return [t for s in schema for t in _titles(s)]
    if not isinstance(schema, dict):
        return []
    own = [schema["title"]] if isinstance(schema.get("title"), str) else []
    return own + [t for k, v in schema.items() if k != "title" for t in _titles(v)]


def test_every_input_model_refuses_unknown_fields(schemas: list[dict[str, Any]]) -> None:
    """A field the model invents is an error, never silently dropped (nested objects too)."""
    def objects(node: Any) -> list[dict[str, Any]]:
        if isinstance(node, list):
            return [o for n in node for o in objects(n)]
        if not isinstance(node, dict):
            return []
        own = [node] if node.get("type") == "object" and "properties" in node else []
        return own + [o for v in node.values() for o in objects(v)]

    for schema in schemas:
        for obj in objects(schema["function"]["parameters"]):
            assert obj.get("additionalProperties") is False, schema["function"]["name"]


def test_role_filter_hides_tools(schemas: list[dict[str, Any]]) -> None:
    registry = build_registry(DuckDBStore())
    analyst = {s["function"]["name"] for s in registry.openai_tools(role="analyst")}
    customer = {s["function"]["name"] for s in registry.openai_tools(role="customer")}
    assert "run_sql" in analyst and "cancel_pending_order" not in analyst
    assert "cancel_pending_order" in customer and "run_sql" not in customer


def test_public_api() -> None:
    assert sorted(tools.__all__) == sorted([
        "ANALYTICS_TOOLS", "RETAIL_TOOLS", "Actor", "ApprovalRequest", "Cursor", "DuckDBStore",
        "Store", "Tool", "ToolContext", "ToolEnv", "ToolError", "ToolRegistry", "ToolResult",
        "ToolSettings", "build_registry", "create_retail_schema", "export_tau2", "load_tau2",
        "open_store", "schema_description", "tool",
    ])
    for name in tools.__all__:
        assert hasattr(tools, name), name
    assert [t.name for t in tools.RETAIL_TOOLS] == [
        "find_user_id_by_email", "find_user_id_by_name_zip", "get_user_details",
        "get_order_details", "get_product_details", "get_item_details",
        "list_all_product_types", "cancel_pending_order", "modify_pending_order_address",
        "modify_pending_order_items", "modify_pending_order_payment", "modify_user_address",
        "return_delivered_order_items", "exchange_delivered_order_items", "calculate",
        "transfer_to_human_agents",
    ]
    writers = {t.name for t in tools.RETAIL_TOOLS if t.side_effect}
    assert writers == {"cancel_pending_order", "modify_pending_order_address",
                       "modify_pending_order_items", "modify_pending_order_payment",
                       "modify_user_address", "return_delivered_order_items",
                       "exchange_delivered_order_items"}
