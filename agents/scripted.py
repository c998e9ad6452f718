"""A scripted chat model: the test double that lets agent tests run without an LLM.

    model = ScriptedChatModel(script=[
        call("get_order_details", order_id="#W1"),
        call("respond", message="Your order is on its way."),
    ])

Each model call takes the next entry: an ``AIMessage`` (see ``call``/``say``)
or a function of the messages so far that returns one. ``bind_tools`` records
the tools and ``tool_choice`` it was given and returns the model bound to
that choice; ``choices`` lists the ``tool_choice`` of every call, so a test
can assert what the graph offered. Used by tests only, never by the demo.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from pydantic import ConfigDict, Field, PrivateAttr, SkipValidation

Step = AIMessage | Callable[[list[BaseMessage]], AIMessage]

_ids = itertools.count(1)


def call(name: str, /, **arguments: Any) -> AIMessage:
    """An assistant turn that makes one tool call."""
    return calls((name, arguments))


def calls(*tool_calls: tuple[str, dict[str, Any]]) -> AIMessage:
    """An assistant turn that makes several tool calls at once."""
    return AIMessage(
        content="",
        tool_calls=[{"name": n, "args": a, "id": f"call_{next(_ids)}", "type": "tool_call"}
                    for n, a in tool_calls],
    )


def say(text: str) -> AIMessage:
    """An assistant turn with text and no tool call."""
    return AIMessage(content=text)


class ScriptExhausted(RuntimeError):
    """The graph asked the scripted model for more turns than the script has."""


class ScriptedChatModel(BaseChatModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    # Not validated: pydantic would try to coerce a function into an AIMessage.
    script: SkipValidation[list[Step]] = Field(default_factory=list)
    # Tokens reported per call, so usage accounting can be tested.
    tokens_in: int = 10
    tokens_out: int = 5
    _position: int = PrivateAttr(default=0)
    _seen: list[list[BaseMessage]] = PrivateAttr(default_factory=list)
    _bound: list[dict[str, Any]] = PrivateAttr(default_factory=list)
    _choices: list[Any] = PrivateAttr(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def seen(self) -> list[list[BaseMessage]]:
        """The messages of every call, in order."""
        return self._seen

    @property
    def bound(self) -> list[dict[str, Any]]:
        """One record per ``bind_tools``: ``{"tools": [names], "tool_choice": ...}``."""
        return self._bound

    @property
    def choices(self) -> list[Any]:
        """The ``tool_choice`` each call was made with (None when unbound)."""
        return self._choices

    @property
    def remaining(self) -> int:
        return len(self.script) - self._position

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | Any],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[Any, AIMessage]:
        names = [t["function"]["name"] if isinstance(t, dict) else getattr(t, "name", str(t))
                 for t in tools]
        self._bound.append({"tools": names, "tool_choice": tool_choice})
        return self.bind(tool_choice=tool_choice)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self._seen.append(list(messages))
        self._choices.append(kwargs.get("tool_choice"))
        if self._position >= len(self.script):
            raise ScriptExhausted(f"the script has {len(self.script)} turns; call "
                                  f"{self._position + 1} asked for one more")
        step = self.script[self._position]
        self._position += 1
        message = step if isinstance(step, AIMessage) else step(list(messages))
        message = message.model_copy(update={"usage_metadata": {
            "input_tokens": self.tokens_in, "output_tokens": self.tokens_out,
            "total_tokens": self.tokens_in + self.tokens_out}})
        return ChatResult(generations=[ChatGeneration(message=message)])
