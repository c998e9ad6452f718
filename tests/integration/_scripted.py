"""The scripted model of the multi-worker store test, and the ``streamwise`` CLI run with it.

A worker's model is asked only by the support agent, to read a ticket: the answer is
derived from the message (cancel the order it names), so any worker, or a worker
redoing a killed one's event, answers the same. The analyst (``streamwise ask``) gets a
fixed question plan: one query (units sold by region), then its answer.

    python -m tests.integration._scripted ask "..."      # the CLI, with this model
"""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from agents._support_schema import EXTRACT_PROMPT
from agents.scripted import ScriptedChatModel, call

ORDER_ID = re.compile(r"#W\d+")
BY_REGION = {"metrics": ["units_sold"], "group_by": ["sales_history.region"], "filters": [],
             "period": "last_month", "order": "desc", "limit": None}


def _step(messages: list[BaseMessage], *, analyst: bool) -> AIMessage:
    if messages[0].content == EXTRACT_PROMPT:
        named = [found for m in reversed(messages) if m.type == "human"
                 for found in ORDER_ID.findall(str(m.content))]
        if not named:
            raise AssertionError("the scripted model reads tickets that name an order")
        return call("respond", requests=[{"intent": "cancel", "order_id": named[0]}])
    if not analyst:
        raise AssertionError("only the support agent asks a worker's scripted model")
    # The analyst: the query first; once its result is in the conversation, the answer.
    if any(m.type == "tool" for m in messages):
        return call("respond")
    return call("query", **BY_REGION)


def scripted_model(*, analyst: bool = False) -> ScriptedChatModel:
    def step(messages: list[BaseMessage]) -> AIMessage:
        return _step(messages, analyst=analyst)

    return ScriptedChatModel(script=[step] * 100_000)


def main() -> None:
    """``streamwise`` with the scripted model in place of a served one."""
    import streamwise.cli_agents as cli_agents
    from streamwise.cli import app

    real = cli_agents.open_platform

    def with_model(settings: Any, **kwargs: Any) -> Any:
        return real(settings, chat=scripted_model(analyst=True), **kwargs)

    cli_agents.open_platform = with_model  # type: ignore[assignment]
    app()


if __name__ == "__main__":
    main()
