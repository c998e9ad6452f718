"""The analyst agent: a question becomes SQL through ``run_sql``, with the schema in context.

A failing query comes back to the model as a tool error carrying DuckDB's
message, so the model retries with it (up to the step limit). The answer
carries the text, the last query that worked, its table and, where one helps,
a Vega-Lite chart built in code from the result's columns.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage

from tools import Actor, ToolRegistry
from tools.analytics import schema_description

from ._charts import chart_for
from .contracts import AgentOutput, AgentRequest, SqlAnswer
from .errors import RequestError
from .loop import AgentSpec, LoopState, Toolbox

_PROMPT = """\
You are a data analyst for a retail company. Answer the question with DuckDB SQL.
Call run_sql with one SELECT statement over these tables and views:

{schema}

If run_sql returns an error, read it, fix the SQL and call run_sql again.
When you have the result, call respond with a short answer that states the numbers."""


class AnalystAgent(AgentSpec):
    name = "analyst"
    tool_names = ("run_sql",)
    respond_description = "Give the answer to the question, citing the numbers, and stop."

    def __init__(self, registry: ToolRegistry, *, max_schema_chars: int = 6000) -> None:
        self.registry = registry
        self.max_schema_chars = max_schema_chars

    def system_prompt(self, state: LoopState) -> str:
        return _PROMPT.format(schema=(state.get("context") or {}).get("schema", ""))

    def actor(self, state: LoopState) -> Actor:
        return Actor(role="analyst")

    def prepare(self, request: AgentRequest, state: LoopState, box: Toolbox) -> dict[str, Any]:
        if request.kind != "question":
            raise RequestError(f"the analyst agent answers questions, not {request.kind}")
        with self.registry.store.cursor() as cur:
            schema = schema_description(cur)
        return {"messages": [HumanMessage(request.text)],
                "context": {"schema": schema[: self.max_schema_chars]}}

    def finish(self, state: LoopState, box: Toolbox) -> dict[str, Any]:
        trace = state.get("trace") or []
        runs = [t for t in trace if t.get("kind") == "tool" and t.get("name") == "run_sql"]
        good = [t for t in runs if t.get("status") == "ok"]
        answer = None
        if good:
            result = good[-1]["result"]
            columns = [(c["name"], c["type"]) for c in result["columns"]]
            answer = SqlAnswer(sql=result["sql"], columns=[c[0] for c in columns],
                               rows=result["rows"], chart=chart_for(columns, result["rows"]))
        final = state.get("final") or {}
        if state.get("outcome") == "step_limit":
            status = "step_limit"
            message = (f"I could not answer within the step limit ({len(runs)} queries, "
                       f"{len(runs) - len(good)} failed).")
        elif answer is None:
            status, message = "done", str(final.get("message") or "No query succeeded.")
        else:
            status, message = "done", str(final.get("message", ""))
        reply = AgentOutput(kind="reply", subject_id=box.request.subject_id, message=message,
                            details={"sql": answer.sql if answer else None,
                                     "row_count": len(answer.rows) if answer else 0,
                                     "failed_queries": len(runs) - len(good)})
        return {"status": status, "decision": "answer", "message": message,
                "outputs": [reply.model_dump(mode="json")],
                "answer": answer.model_dump(mode="json") if answer else None}
