"""Printing the support agent's reply token by token in the terminal chat.

The reply is the ``message`` argument of the final-answer tool (``respond``),
which the model server streams as tool-call argument deltas. This callback
collects those deltas and prints the decoded part of the message string as it
grows; other tool calls are shown by name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk

_MESSAGE = re.compile(r'"message"\s*:\s*"')


def partial_json_string(arguments: str, key_pattern: re.Pattern[str] = _MESSAGE) -> str:
    """The decoded prefix of a JSON string value in possibly unfinished JSON text."""
    match = key_pattern.search(arguments)
    if match is None:
        return ""
    out, i, text = [], match.end(), arguments
    while i < len(text):
        ch = text[i]
        if ch == '"':
            break
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        escape = text[i:i + 6] if text[i + 1:i + 2] == "u" else text[i:i + 2]
        if len(escape) < (6 if escape[1:2] == "u" else 2):
            break  # the escape is not complete yet
        out.append(json.loads(f'"{escape}"'))
        i += len(escape)
    return "".join(out)


class ReplyPrinter(BaseCallbackHandler):
    """Writes the reply as it streams; ``write`` gets each new piece of text."""

    def __init__(self, write: Callable[[str], None], final_tool: str = "respond") -> None:
        self.write = write
        self.final_tool = final_tool
        self._name = ""
        self._arguments = ""
        self._shown = 0
        self.printed = False

    def on_llm_start(self, *args: Any, **kwargs: Any) -> None:
        self._name, self._arguments, self._shown = "", "", 0

    def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
        self.on_llm_start()

    def on_llm_new_token(self, token: str | list[str | dict[str, Any]], *,
                         chunk: GenerationChunk | ChatGenerationChunk | None = None,
                         **kwargs: Any) -> None:
        message = getattr(chunk, "message", None)
        for piece in getattr(message, "tool_call_chunks", None) or ():
            if piece.get("name"):
                self._name = piece["name"]
                if self._name != self.final_tool:
                    self.write(f"[{self._name}] ")
            self._arguments += piece.get("args") or ""
        if self._name == self.final_tool:
            text = partial_json_string(self._arguments)
            if len(text) > self._shown:
                self.write(text[self._shown:])
                self._shown = len(text)
                self.printed = True
