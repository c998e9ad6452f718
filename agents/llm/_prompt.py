"""Render an OpenAI conversation with the model's own chat template.

Qwen's template (read from the GGUF) supports tools: it lists them in the
system turn, renders assistant tool calls as ``<tool_call>`` blocks and tool
results as ``<tool_response>`` blocks. It expects arguments as objects and
content as strings, so the OpenAI shapes are converted first.
"""

from __future__ import annotations

import json
from typing import Any

from llama_cpp.llama_chat_format import Jinja2ChatFormatter

from .protocol import ChatMessage, ToolDef

# Used when a GGUF carries no template: ChatML, which every Qwen model reads.
CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message.role + '\n' + message.content"
    " + '<|im_end|>\n' }}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\n' }}{% endif %}"
)


class PromptRenderer:
    def __init__(self, template: str | None, *, eos_token: str, bos_token: str) -> None:
        self._formatter = Jinja2ChatFormatter(template or CHATML, eos_token=eos_token,
                                              bos_token=bos_token, add_generation_prompt=True)

    def render(self, messages: list[ChatMessage], tools: list[ToolDef] | None) -> str:
        msgs = [_as_template_message(m) for m in messages]
        tool_dicts = [t.model_dump(exclude_none=True) for t in tools] if tools else None
        result = self._formatter(messages=msgs, tools=tool_dicts)  # type: ignore[arg-type]
        return str(result.prompt)


def _as_template_message(m: ChatMessage) -> dict[str, Any]:
    role = "system" if m.role == "developer" else m.role
    out: dict[str, Any] = {"role": role, "content": m.text()}
    if m.tool_calls:
        out["tool_calls"] = [
            {"id": c.id, "type": "function",
             "function": {"name": c.function.name, "arguments": _arguments(c.function.arguments)}}
            for c in m.tool_calls
        ]
    if m.tool_call_id:
        out["tool_call_id"] = m.tool_call_id
    if m.name:
        out["name"] = m.name
    return out


def _arguments(text: str) -> Any:
    try:
        return json.loads(text or "{}")
    except ValueError:
        return text  # rendered as given: the model sees what it sent
