"""GBNF grammars that make the local model's output always parse.

Small Qwen models choose the right tool but do not reliably write the
``<tool_call>`` tags their chat template asks for. Constraining decoding
with a grammar built from the tools' JSON schemas (llama.cpp's own
JSON-schema converter) fixes the form and leaves the choice to the model.
The grammar keeps Qwen's trained tool-call shape so the model stays on
familiar ground: ``<tool_call>\\n{"name": ..., "arguments": {...}}\\n</tool_call>``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from llama_cpp.llama_grammar import JSON_GBNF, json_schema_to_gbnf

TOOL_CALL_OPEN = "<tool_call>"
TOOL_CALL_CLOSE = "</tool_call>"

# "Any JSON value", spelled so the converter accepts it where {} fails (array items).
_ANY_JSON: dict[str, Any] = {"anyOf": [{"type": t} for t in (
    "object", "array", "string", "number", "boolean", "null")]}
_ROOT_RE = re.compile(r"^root\s*::=", re.MULTILINE)


class GrammarError(ValueError):
    """A JSON schema that cannot be turned into a grammar."""


def tool_call_schema(tools: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """JSON schema of one call: ``{"name": <one tool>, "arguments": <its parameters>}``."""
    if not tools:
        raise GrammarError("no tools to build a tool-call schema from")
    variants = [
        {"type": "object",
         "properties": {"name": {"const": name}, "arguments": _object_schema(params)},
         "required": ["name", "arguments"], "additionalProperties": False}
        for name, params in tools.items()
    ]
    return variants[0] if len(variants) == 1 else {"anyOf": variants}


def _object_schema(params: dict[str, Any]) -> dict[str, Any]:
    # Tools without parameters still get an object, as OpenAI returns "{}".
    if not params or params == {"type": "object"}:
        return {"type": "object", "properties": {}, "additionalProperties": False}
    return inline_refs(params)


def inline_refs(schema: dict[str, Any], max_depth: int = 8) -> dict[str, Any]:
    """``schema`` with its local ``#/$defs/...`` refs replaced by the definitions.

    Each tool's parameters carry their own ``$defs`` (pydantic puts them
    there); once nested under a combined call schema, ``#/`` would point at
    the wrong root. A recursive definition is cut at ``max_depth`` into "any
    JSON value".
    """
    defs = {**schema.get("definitions", {}), **schema.get("$defs", {})}

    def walk(node: Any, depth: int) -> Any:
        if isinstance(node, list):
            return [walk(v, depth) for v in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(("#/$defs/", "#/definitions/")):
            target = defs.get(ref.rsplit("/", 1)[1])
            if target is None:
                raise GrammarError(f"unresolved reference {ref!r} in a tool's parameters")
            if depth >= max_depth:
                return dict(_ANY_JSON)
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return walk({**target, **rest}, depth + 1)
        return {k: walk(v, depth) for k, v in node.items() if k not in ("$defs", "definitions")}

    result = walk(schema, 0)
    assert isinstance(result, dict)
    return result


def schema_gbnf(schema: dict[str, Any], rule: str = "root") -> str:
    """GBNF for ``schema`` whose top rule is named ``rule``."""
    try:
        gbnf = json_schema_to_gbnf(json.dumps(schema))
    except Exception as exc:  # the converter raises bare exceptions on what it can't do
        raise GrammarError(f"cannot build a grammar from the JSON schema: {exc}") from None
    if rule != "root":
        if re.search(rf"^{re.escape(rule)}\s*::=", gbnf, re.MULTILINE):
            raise GrammarError(f"rule name {rule!r} clashes with the schema's rules")
        gbnf = _ROOT_RE.sub(f"{rule} ::=", gbnf, count=1)
    return gbnf


def tool_call_gbnf(tools: dict[str, dict[str, Any]], *, allow_text: bool) -> str:
    """Exactly one tagged tool call; with ``allow_text`` plain text may come instead."""
    call = schema_gbnf(tool_call_schema(tools), rule="toolcallbody")
    head = 'toolcall ::= "<tool_call>\\n" toolcallbody "\\n</tool_call>"\n'
    if allow_text:
        # In auto mode these models often write the call's JSON without the tags:
        # a reply opening with "{" is held to the call schema too, and prose may
        # open with neither "<" nor "{", so a reply is a call or prose, never both.
        root = ('root ::= toolcall | toolcallbody | plaintext\n'
                'plaintext ::= [^<{] [^\\x00]*\n')
    else:
        root = "root ::= toolcall\n"
    return root + head + call


def response_format_gbnf(kind: str, schema: dict[str, Any] | None) -> str:
    if kind == "json_object":
        return JSON_GBNF
    if kind == "json_schema":
        return schema_gbnf(schema or {})
    raise GrammarError(f"response_format type {kind!r} has no grammar")


def parse_tool_call(text: str) -> tuple[str, dict[str, Any]] | None:
    """``(name, arguments)`` when ``text`` is one tool call (tagged or bare JSON), else ``None``."""
    body = text.strip()
    if body.startswith(TOOL_CALL_OPEN):
        body = body[len(TOOL_CALL_OPEN):].rstrip()
        if body.endswith(TOOL_CALL_CLOSE):
            body = body[: -len(TOOL_CALL_CLOSE)]
    elif not body.startswith("{"):
        return None
    try:
        value = json.loads(body)
    except ValueError:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        return None
    args = value.get("arguments", {})
    if isinstance(args, str):  # some models double-encode
        try:
            args = json.loads(args)
        except ValueError:
            return None
    return (value["name"], args) if isinstance(args, dict) else None
