"""The analyst agent in the shared loop, with a scripted model over the seeded store.

The model fills the ``query`` tool; a failing query's error reaches it and it may
correct the query (also after repeating the failing call); the answer's figures
are the result's, written in code; without a success the answer says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, Literal

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from typer.testing import CliRunner

from agents._charts import chart_for
from agents._sql_answer import fmt
from agents.analyst import AnalystAgent
from agents.checkpoint import sqlite_checkpointer
from agents.contracts import AgentResult, QuestionRequest
from agents.loop import build_loop
from agents.runtime import AgentRunner
from agents.scripted import ScriptedChatModel, call
from agents.trace import TraceStore, load_trace
from tests.tools._seeded import seeded, seeded_template  # noqa: F401  (fixtures)
from tools import Store, ToolRegistry
from tools.analytics import ANALYTICS_TOOLS


def q(**fields: Any) -> dict[str, Any]:
    """A full structured query, as the grammar makes the model write it."""
    return {"metrics": [], "group_by": [], "filters": [], "period": "all", "order": "none",
            "limit": None, **fields}


REFUNDS_LAST_MONTH = q(metrics=["refunds"], period="last_month")  # payments have no dates
REFUNDS = q(metrics=["refunds"])
BY_REGION = q(metrics=["units_sold"], group_by=["sales_history.region"], period="last_month",
              order="desc")


@pytest.fixture()
def registry(seeded: Store) -> Iterator[ToolRegistry]:  # noqa: F811
    yield ToolRegistry(seeded, tools=ANALYTICS_TOOLS)


def ask(registry: ToolRegistry, tmp_path: Path, script: list[Any], text: str,
        max_steps: int = 6, event_id: str = "q1", first_query: Literal["code", "model"] = "model",
        ) -> tuple[AgentResult, ScriptedChatModel]:
    """Ask with a scripted model; by default the model writes the first query (the loop
    under test), ``first_query="code"`` as deployed."""
    model = ScriptedChatModel(script=script)
    graph = build_loop(AnalystAgent(registry, first_query=first_query), model=model,
                       registry=registry,
                       checkpointer=sqlite_checkpointer(tmp_path / "ck.sqlite"),
                       max_steps=max_steps)
    runner = AgentRunner("analyst", graph, TraceStore(registry.store))
    result = runner.run_sync(QuestionRequest(agent="analyst", event_id=event_id,
                                          text=text))
    return result, model


def one(store: Store, sql: str) -> Any:
    with store.cursor() as cur:
        row = cur.execute(sql).fetchone()
    assert row is not None
    return row[0]


def last_error(messages: list[BaseMessage]) -> dict[str, str]:
    last = messages[-1]
    assert isinstance(last, ToolMessage) and last.status == "error"
    error: dict[str, str] = json.loads(str(last.content))["error"]
    return error


def fixes(check: Callable[[dict[str, str]], None], query: dict[str, Any],
          ) -> Callable[[list[BaseMessage]], AIMessage]:
    def step(messages: list[BaseMessage]) -> AIMessage:
        check(last_error(messages))
        return call("query", **query)
    return step


def test_a_failing_query_gets_its_error_and_hint_and_is_corrected(
        registry: ToolRegistry, tmp_path: Path) -> None:
    def told(error: dict[str, str]) -> None:
        assert "no date column" in error["message"] and "period all" in error["hint"]

    result, model = ask(registry, tmp_path, [
        call("query", **REFUNDS_LAST_MONTH), fixes(told, REFUNDS), call("respond")],
        "How much money did we refund last month?")

    total = one(registry.store, "SELECT sum(amount) FROM order_payments "
                                "WHERE transaction_type = 'refund'")
    assert result.status == "done" and result.answer is not None
    assert result.answer.rows == [[pytest.approx(total)]]
    assert result.message == f"Refunded amount: {fmt(total, 'money')}."
    assert "order_payments.transaction_type = 'refund'" in result.answer.sql
    assert result.outputs[0].details["failed_queries"] == 1
    trace = load_trace(registry.store, "q1")
    assert trace is not None
    assert [s.status for s in trace.steps if s.name == "query"] == ["error", "ok"]
    # The first turn may only query; later turns may also respond.
    assert [b["tools"] for b in model.bound[:2]] == [["query"], ["query", "respond"]]


def test_a_repeated_failing_call_is_told_the_error_again_and_may_still_be_corrected(
        registry: ToolRegistry, tmp_path: Path) -> None:
    def told(error: dict[str, str]) -> None:
        assert "no date column" in error["message"]

    result, model = ask(registry, tmp_path, [
        call("query", **REFUNDS_LAST_MONTH), call("query", **REFUNDS_LAST_MONTH),
        fixes(told, REFUNDS), call("respond")], "Refunds last month?")

    # No turn was forced to respond: the third call could (and did) query again.
    assert model.choices[:3] == ["required", "required", "required"]
    assert result.answer is not None and result.answer.rows[0][0] > 0
    assert result.message.startswith("Refunded amount: $")


def test_without_a_successful_query_the_answer_says_so_and_invents_nothing(
        registry: ToolRegistry, tmp_path: Path) -> None:
    result, _ = ask(registry, tmp_path, [
        call("query", **REFUNDS_LAST_MONTH),
        call("respond", message="We refunded $100.00 last month.")],
        "How much did we refund last month?")

    assert result.answer is None
    assert result.message.startswith("I could not answer: no query succeeded. The last error:")
    assert "no date column" in result.message and "100" not in result.message


def test_an_unknown_name_never_reaches_the_store(registry: ToolRegistry, tmp_path: Path) -> None:
    def told(error: dict[str, str]) -> None:
        assert error["code"] == "invalid_arguments"
        assert "'refunds.amount' is not a field" in error["message"]

    result, _ = ask(registry, tmp_path, [
        call("query", **q(metrics=["refunds"], group_by=["refunds.amount"])),
        fixes(told, REFUNDS), call("respond")], "Refunds by amount?")
    assert result.answer is not None and "refunds.amount" not in result.answer.sql


def test_every_figure_of_the_answer_comes_from_the_result(
        registry: ToolRegistry, tmp_path: Path) -> None:
    result, model = ask(registry, tmp_path, [call("query", **BY_REGION)],
                        "Units sold per region last month, most first")

    with registry.store.cursor() as cur:
        gold = [list(r) for r in cur.execute(
            "SELECT region, sum(quantity) n FROM sales_history WHERE day BETWEEN "
            "DATE '2026-10-01' AND DATE '2026-10-31' GROUP BY 1 ORDER BY n DESC").fetchall()]
    assert result.answer is not None and result.answer.rows == gold
    allowed = {fmt(v, "units") for row in gold for v in row} | {"2026-10-01", "2026-10-31"}
    figures = re.findall(r"\d[\d,.\-]*\d|\d", result.message)
    assert figures and all(any(f in a for a in allowed) for f in figures), figures
    assert result.message.startswith("6 rows (last month (2026-10-01 to 2026-10-31)): ")
    assert f"{gold[0][0]}: units sold {fmt(gold[0][1], 'units')}" in result.message
    chart = result.answer.chart
    assert chart == chart_for([("region", "VARCHAR"), ("units_sold", "HUGEINT")], gold)
    assert chart is not None and chart["mark"] == "bar"
    # A result with rows is the answer: no second model call to read it back.
    assert len(model.seen) == 1


def test_the_answer_is_the_first_result_with_rows(registry: ToolRegistry,
                                                  tmp_path: Path) -> None:
    empty = q(metrics=["units_sold"], filters=[
        {"field": "sales_history.quantity", "op": "<", "value": 0}], group_by=["day"])
    result, model = ask(registry, tmp_path, [
        call("query", **empty), call("query", **BY_REGION), call("query", **REFUNDS),
        call("respond")], "Units sold per region last month")
    assert result.answer is not None and result.answer.columns == ["region", "units_sold"]
    assert result.outputs[0].details["failed_queries"] == 0
    # An empty result goes back to the model; the first with rows ends the turn.
    assert len(model.seen) == 2


def test_the_first_message_shows_the_linked_schema_terms_values_and_examples(
        registry: ToolRegistry, tmp_path: Path) -> None:
    agent = AnalystAgent(registry)
    _, model = ask(registry, tmp_path, [call("query", **BY_REGION), call("respond")],
                   "How many units of the Office Chair did we sell last month?")
    system, first = model.seen[0][0], model.seen[0][1]
    assert system.content == agent.constant_prompts()[0]  # constant: its prefix is cached
    assert isinstance(first, HumanMessage)
    text = str(first.content)
    assert "Business date: 2026-11-01" in text
    assert "- units_sold:" in text and "sales_history.quantity number" in text
    assert "'Office Chair' is a value of products.name" in text
    assert text.count("\nQ: ") >= 2 and text.endswith(
        "Question: How many units of the Office Chair did we sell last month?")
    schema = agent.tools(registry)[0]["function"]["parameters"]
    assert "units_sold" in schema["$defs"]["metric"]["enum"]
    # The examples show only fields the model may write: a code-only one ("absent")
    # would change what a small model writes for every question.
    shown = [json.loads(line.removeprefix("query: ")) for line in text.splitlines()
             if line.startswith("query: ")]
    assert shown and all(set(e) <= set(schema["properties"]) for e in shown)


def test_a_large_result_is_answered_whole_though_the_model_reads_ten_rows(
        registry: ToolRegistry, tmp_path: Path) -> None:
    listing = q(group_by=["stock.item_id"], filters=[
        {"field": "stock.on_hand", "op": "=", "value": 0}])
    result, _ = ask(registry, tmp_path, [call("query", **listing)],
                    "Which items are out of stock somewhere?")
    count = one(registry.store, "SELECT count(DISTINCT item_id) FROM stock WHERE on_hand = 0")
    assert result.answer is not None and len(result.answer.rows) == count > 10
    trace = load_trace(registry.store, "q1")
    assert trace is not None
    (shown,) = [s.result for s in trace.steps if s.name == "query"]
    assert shown is not None and len(shown["rows"]) == 10 and shown["row_count"] == count
    assert result.message.startswith(f"{count} results: ")
    # Not "and N more": a difference of counts is a figure no cell of the result holds.
    assert result.message.endswith("; the rest are in the table.")


def test_ask_saves_the_chart_and_prints_json(seeded: Store, tmp_path: Path,  # noqa: F811
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import streamwise.cli_agents as cli_agents
    from streamwise.cli import app
    from streamwise.settings import Settings

    db = Path(seeded.path)
    seeded.close()  # the command opens the store itself
    settings = Settings()
    settings.store.db_path = str(db)
    settings.agents.checkpoint_path = str(tmp_path / "ck.sqlite")
    model = ScriptedChatModel(script=[call("query", **BY_REGION), call("respond")])
    monkeypatch.setattr(cli_agents, "_settings", lambda config: settings)
    monkeypatch.setattr(cli_agents, "open_platform",
                        partial(cli_agents.open_platform, chat=model))
    chart = tmp_path / "out" / "chart.json"

    out = CliRunner().invoke(app, ["ask", "units per region last month", "--json",
                                   "--chart", str(chart)])

    assert out.exit_code == 0, out.output
    result = AgentResult.model_validate_json(out.stdout)
    assert result.answer is not None and result.message.startswith("6 rows")
    assert json.loads(chart.read_text()) == result.answer.chart
    assert result.answer.chart is not None and result.answer.chart["mark"] == "bar"


def amendments(registry: ToolRegistry, event_id: str = "q1") -> list[list[str]]:
    """What code changed in each query of a turn (from the trace)."""
    trace = load_trace(registry.store, event_id)
    assert trace is not None
    return [s.amended for s in trace.steps if s.name == "query"]


def test_a_filter_value_copied_from_an_example_is_dropped(registry: ToolRegistry,
                                                          tmp_path: Path) -> None:
    copied = q(metrics=["units_sold"], period="last_30_days", filters=[
        {"field": "products.name", "op": "=", "value": "Running Shoes"}])

    result, model = ask(registry, tmp_path, [call("query", **copied), call("respond")],
                        "How many units did we sell in the last 30 days?")
    first = str(model.seen[0][1].content)
    assert "Running Shoes" in first  # the example that showed it
    assert result.answer is not None and "Running Shoes" not in result.answer.sql
    assert amendments(registry) == [
        ["filter products.name = 'Running Shoes' dropped: copied from an example"]]
    # A value the question names itself stands.
    result, _ = ask(registry, tmp_path, [call("query", **copied), call("respond")],
                    "How many Running Shoes did we sell in the last 30 days?", event_id="q2")
    assert result.answer is not None and "Running Shoes" in result.answer.sql
    assert amendments(registry, "q2") == [[]]


def test_a_value_the_question_names_becomes_a_filter_and_an_invented_one_is_dropped(
        registry: ToolRegistry, tmp_path: Path) -> None:
    invented = q(metrics=["order_count"], filters=[
        {"field": "orders.user_id", "op": "=", "value": "anya"}])
    result, _ = ask(registry, tmp_path, [call("query", **invented), call("respond")],
                    "How many orders are still pending?")
    assert result.answer is not None
    assert result.answer.rows == [[one(registry.store, "SELECT count(*) FROM orders "
                                                       "WHERE status = 'pending'")]]
    assert "anya" not in result.answer.sql


def test_an_exclusion_follows_the_question(registry: ToolRegistry, tmp_path: Path) -> None:
    def status(op: str) -> dict[str, Any]:
        return q(metrics=["order_count"], filters=[
            {"field": "orders.status", "op": op, "value": "pending"}])

    result, _ = ask(registry, tmp_path, [call("query", **status("!=")), call("respond")],
                    "How many orders are still pending?")
    assert result.answer is not None
    assert result.answer.rows == [[one(registry.store, "SELECT count(*) FROM orders "
                                                       "WHERE status = 'pending'")]]
    assert amendments(registry) == [["the question excludes nothing: orders.status ="]]
    result, _ = ask(registry, tmp_path, [call("query", **status("!=")), call("respond")],
                    "How many orders aren't pending?", event_id="q2")
    assert result.answer is not None and "!=" in result.answer.sql


def test_a_breakdown_for_a_total_is_dropped(registry: ToolRegistry, tmp_path: Path) -> None:
    by_method = q(metrics=["refunds"], group_by=["order_payments.payment_method_id"])
    result, _ = ask(registry, tmp_path, [call("query", **by_method), call("respond")],
                    "What is the total amount refunded to customers?")
    assert result.answer is not None and result.answer.columns == ["refunds"]
    result, _ = ask(registry, tmp_path, [call("query", **by_method), call("respond")],
                    "Refunded amounts per payment method", event_id="q2")
    assert result.answer is not None and result.answer.columns == ["payment_method_id",
                                                                    "refunds"]


def test_a_count_of_things_past_a_bound_is_answered_from_groups(registry: ToolRegistry,
                                                                tmp_path: Path) -> None:
    # The model names only the metric; code groups per customer, bounds and counts.
    result, _ = ask(registry, tmp_path, [call("query", **q(metrics=["order_count"])),
                                         call("respond")],
                    "How many customers have placed more than 3 orders?")
    gold = one(registry.store, "SELECT count(*) FROM (SELECT user_id FROM orders "
                               "GROUP BY 1 HAVING count(*) > 3)")
    assert result.answer is not None and result.answer.rows == [[gold]]
    assert result.message == f"Number of users: {gold:,}."
    assert any("having > 3" in note for note in amendments(registry)[0])


def test_code_s_own_query_answers_without_a_model_call(registry: ToolRegistry,
                                                       tmp_path: Path) -> None:
    result, model = ask(registry, tmp_path, [], "How many orders were cancelled?",
                        first_query="code")

    cancelled = one(registry.store, "SELECT count(*) FROM orders WHERE status = 'cancelled'")
    assert result.status == "done" and result.answer is not None
    assert result.answer.rows == [[cancelled]] and model.seen == []
    trace = load_trace(registry.store, "q1")
    assert trace is not None
    (step,) = [s for s in trace.steps if s.name == "query"]
    # Traced as code's (step 0), with the linked term it started from and what the words added.
    assert step.step == 0 and step.status == "ok"
    assert step.proposed["metrics"] == ["order_count"] and step.proposed["filters"] == []
    assert any("cancelled" in note for note in step.amended)


def test_a_question_typed_in_shorthand_is_read_spelled_out(registry: ToolRegistry,
                                                          tmp_path: Path) -> None:
    result, model = ask(registry, tmp_path, [], "# custs w/ 3+ orders", first_query="code")

    gold = one(registry.store, "SELECT count(*) FROM (SELECT user_id FROM orders "
                               "GROUP BY 1 HAVING count(*) >= 3)")
    assert result.answer is not None and result.answer.rows == [[gold]] and model.seen == []


def test_when_code_s_query_fails_the_model_writes_one(registry: ToolRegistry,
                                                      tmp_path: Path) -> None:
    # Code's query keeps the period the words say, which refunds (no date column) lack.
    result, model = ask(registry, tmp_path, [call("query", **REFUNDS), call("respond")],
                        "How much money did we refund last month?", first_query="code")

    total = one(registry.store, "SELECT sum(amount) FROM order_payments "
                                "WHERE transaction_type = 'refund'")
    assert result.answer is not None and result.answer.rows == [[pytest.approx(total)]]
    trace = load_trace(registry.store, "q1")
    assert trace is not None
    assert [(s.step, s.status) for s in trace.steps if s.name == "query"] == [
        (0, "error"), (1, "ok")]
    # The model sees code's call and its error, as it would its own, and corrects it.
    assert len(model.seen) == 1
    told = last_error(model.seen[0])
    assert "no date column" in told["message"] and "period all" in told["hint"]


def test_a_question_no_term_fits_goes_to_the_model(registry: ToolRegistry,
                                                   tmp_path: Path) -> None:
    result, model = ask(registry, tmp_path, [call("query", **REFUNDS)], "Hello there",
                        first_query="code")
    assert len(model.seen) == 1 and result.answer is not None
    trace = load_trace(registry.store, "q1")
    assert trace is not None and [s.step for s in trace.steps if s.name == "query"] == [1]


def test_a_failure_quotes_no_figure_the_model_gave_only_the_question_s() -> None:
    from agents._sql_answer import render_failure
    text = render_failure(["variants.available is true or false, not 0.5 (give true or false)"],
                          "Which products have most of their variants sold out?")
    assert "0.5" not in text and "not the value given" in text
    kept = render_failure(["no route above 4 days, try 3.5"], "Which routes take more than 4 days?")
    assert "4 days" in kept and "3.5" not in kept


def test_an_unseeded_store_is_refused_with_what_to_do_and_read_again_once_seeded(
        seeded: Store, tmp_path: Path) -> None:  # noqa: F811
    from agents.errors import RequestError
    from tools import DuckDBStore

    empty = DuckDBStore(tmp_path / "empty.duckdb")
    try:
        TraceStore(empty)  # the agents' audit tables only, as a fresh var/ has
        registry = ToolRegistry(empty, tools=ANALYTICS_TOOLS)
        agent = AnalystAgent(registry)
        with pytest.raises(RequestError, match="streamwise seed"):
            ask(registry, tmp_path, [], "How many orders were cancelled?", first_query="code")
        # the empty catalog was not kept: the same world reads a seeded store's
        assert "orders" in agent.world.ready(seeded).catalog.tables
    finally:
        empty.close()
