"""The analyst agent: SQL with the schema in context, retry on a SQL error, table and chart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from agents._charts import chart_for
from agents.analyst import AnalystAgent
from agents.checkpoint import sqlite_checkpointer
from agents.contracts import AgentRequest
from agents.loop import build_loop
from agents.runtime import AgentRunner
from agents.scripted import ScriptedChatModel, call
from agents.trace import TraceStore, load_trace
from tools import Store, ToolRegistry
from tools.analytics import ANALYTICS_TOOLS
from tools.retail_db import load_tau2

DATA = Path(__file__).resolve().parents[2] / "data"
GOOD_SQL = ("SELECT status, count(*) AS orders FROM orders GROUP BY status "
            "ORDER BY orders DESC")


@pytest.fixture()
def retail_store() -> Iterator[Store]:
    s = Store()
    with s.transaction() as db:
        load_tau2(db, DATA / "db.json")
    yield s
    s.close()


def fix_after_error(messages: list[BaseMessage]) -> AIMessage:
    last = messages[-1]
    assert isinstance(last, ToolMessage)
    error = json.loads(str(last.content))["error"]
    assert "order_state" in error["message"]  # DuckDB's message reached the model
    return call("run_sql", sql=GOOD_SQL)


def test_question_retries_after_sql_error_and_returns_table_and_chart(
        retail_store: Store, tmp_path: Path) -> None:
    registry = ToolRegistry(retail_store, tools=ANALYTICS_TOOLS)
    model = ScriptedChatModel(script=[
        call("run_sql", sql="SELECT order_state, count(*) FROM orders GROUP BY 1"),
        fix_after_error,
        call("respond", message="Most orders are pending.")])
    graph = build_loop(AnalystAgent(registry), model=model, registry=registry,
                       checkpointer=sqlite_checkpointer(tmp_path / "ck.sqlite"), max_steps=5)
    runner = AgentRunner("analyst", graph, TraceStore(retail_store))
    result = runner.run_sync(AgentRequest(agent="analyst", kind="question", event_id="q1",
                                          text="How many orders per status?"))

    system = model.seen[0][0].content
    assert "orders (table)" in str(system) and "status" in str(system)
    assert model.bound[0]["tools"] == ["run_sql", "respond"]
    with retail_store.cursor() as cur:
        expected = [list(r) for r in cur.execute(GOOD_SQL).fetchall()]
    assert result.answer is not None
    assert result.answer.sql.startswith("SELECT status")
    assert result.answer.columns == ["status", "orders"] and result.answer.rows == expected
    chart = result.answer.chart
    assert chart is not None and chart["mark"] == "bar"
    assert chart["encoding"]["x"]["field"] == "status"
    assert chart["data"]["values"][0] == {"status": expected[0][0], "orders": expected[0][1]}
    assert result.outputs[0].kind == "reply"
    assert result.outputs[0].details["failed_queries"] == 1
    trace = load_trace(retail_store, "q1")
    assert trace is not None
    assert [s.status for s in trace.steps if s.name == "run_sql"] == ["error", "ok"]


def test_charts_follow_the_column_types() -> None:
    rows = [["2026-01-01", 3], ["2026-01-02", 5]]
    line = chart_for([("day", "DATE"), ("n", "BIGINT")], rows)
    assert line is not None and line["mark"] == "line"
    assert line["encoding"]["x"]["type"] == "temporal"
    scatter = chart_for([("a", "DOUBLE"), ("b", "DOUBLE")], [[1.0, 2.0], [2.0, 3.0]])
    assert scatter is not None and scatter["mark"] == "point"
    assert scatter["encoding"]["y"]["field"] == "b"
    assert chart_for([("n", "BIGINT")], [[1], [2]]) is None
    assert chart_for([("s", "VARCHAR"), ("n", "BIGINT")], [["a", 1]]) is None
    assert chart_for([("s", "VARCHAR"), ("t", "VARCHAR")], [["a", "b"], ["c", "d"]]) is None
