"""Streaming a grammar-constrained tool call as OpenAI ``tool_calls`` deltas, as it is decoded.

The model writes ``<tool_call>\\n{"name": "respond", "arguments": {...}}\\n</tool_call>``.
Once the name is known, the first delta carries the call's id and name; after
that every piece of the ``arguments`` object is forwarded as it arrives, so a
client sees a final answer (``respond(message=...)``) token by token. Braces
are counted outside JSON strings to know where the arguments end.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection
from typing import Any

_HEAD = re.compile(r'"name"\s*:\s*"([^"\\]+)"\s*,\s*"arguments"\s*:\s*')


class ToolCallStreamer:
    def __init__(self, names: Collection[str]) -> None:
        self.names = set(names)
        self.name: str | None = None
        self.finished = False
        self._head = ""
        self._depth = 0
        self._in_string = False
        self._escaped = False

    @property
    def started(self) -> bool:
        return self.name is not None

    def feed(self, text: str) -> list[dict[str, Any]]:
        """The deltas (OpenAI ``tool_calls`` entries) this piece of model text adds."""
        deltas: list[dict[str, Any]] = []
        if self.finished:
            return deltas
        if self.name is None:
            self._head += text
            match = _HEAD.search(self._head)
            if match is None or match.group(1) not in self.names:
                return deltas
            self.name = match.group(1)
            deltas.append({"index": 0, "id": f"call_{uuid.uuid4().hex[:24]}", "type": "function",
                           "function": {"name": self.name, "arguments": ""}})
            text = self._head[match.end():]
        arguments = self._scan(text)
        if arguments:
            deltas.append({"index": 0, "function": {"arguments": arguments}})
        return deltas

    def _scan(self, text: str) -> str:
        kept = []
        for ch in text:
            if self.finished:
                break
            kept.append(ch)
            if self._in_string:
                if self._escaped:
                    self._escaped = False
                elif ch == "\\":
                    self._escaped = True
                elif ch == '"':
                    self._in_string = False
            elif ch == '"':
                self._in_string = True
            elif ch in "{[":
                self._depth += 1
            elif ch in "}]":
                self._depth -= 1
                if self._depth == 0:
                    self.finished = True
        return "".join(kept)
