"""The analyst suite: its question set, its gold SQL and its scorer (no model)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agents.contracts import AgentOutput, AgentRequest, AgentResult, SqlAnswer
from agents.trace import TraceRun, TraceStep, TraceStore
from evals import analyst
from evals.analyst import (
    AnalystCase,
    AnalystSuite,
    Table,
    load_cases,
    run_query,
    score,
    tables_match,
)
from evals.base import EvalWorld
from tests.tools._seeded import seeded_template  # noqa: F401  (a fixture)
from tools import DuckDBStore, Store, ToolSettings
from tools.catalog import build_registry

# The labelled set, the held-out ones and the paraphrase sets (evals/sets/README.md): the
# same checks hold for all.
CASES = [*load_cases(analyst.AnalystSuite.default_tasks),
         *(case for name in ("analyst_heldout.jsonl", "analyst_heldout2.jsonl",
                             "analyst_heldout3.jsonl", "analyst_heldout4.jsonl",
                             "analyst_heldout5.jsonl", "analyst_heldout6.jsonl",
                             "analyst_heldout7.jsonl", "analyst_heldout8.jsonl",
                             "analyst_heldout9.jsonl", "analyst_heldout10.jsonl",
                             "analyst_heldout11.jsonl", "analyst_heldout12.jsonl",
                             "analyst_heldout13.jsonl", "analyst_heldout14.jsonl",
                             "analyst_heldout15.jsonl", "analyst_heldout16.jsonl",
                             "analyst_heldout17.jsonl", "analyst_heldout18.jsonl",
                             "analyst_heldout19.jsonl", "analyst_heldout20.jsonl",
                             "analyst_heldout21.jsonl", "analyst_heldout22.jsonl",
                             "analyst_heldout23.jsonl", "analyst_heldout24.jsonl",
                             "analyst_heldout25.jsonl", "analyst_heldout26.jsonl",
                             "analyst_heldout27.jsonl", "analyst_heldout28.jsonl",
                             "analyst_heldout29.jsonl", "analyst_heldout30.jsonl",
                             "analyst_heldout31.jsonl", "analyst_heldout32.jsonl",
                             "analyst_heldout33.jsonl", "analyst_heldout34.jsonl",
                             "analyst_heldout35.jsonl", "analyst_heldout36.jsonl",
                             "analyst_heldout37.jsonl", "analyst_heldout38.jsonl",
                             "analyst_heldout39.jsonl", "analyst_heldout40.jsonl",
                             "analyst_heldout41.jsonl", "analyst_heldout42.jsonl",
                             "analyst_heldout43.jsonl", "analyst_heldout44.jsonl",
                             "analyst_heldout45.jsonl", "analyst_heldout46.jsonl",
                             "analyst_heldout47.jsonl", "analyst_heldout48.jsonl",
                             "analyst_heldout49.jsonl", "analyst_heldout50.jsonl",
                             "analyst_heldout51.jsonl", "analyst_heldout52.jsonl",
                             "analyst_paraphrase1.jsonl", "analyst_paraphrase2.jsonl",
                             "analyst_paraphrase3.jsonl")
           for case in load_cases(analyst.AnalystSuite.default_tasks.with_name(name)))]


@pytest.fixture(scope="module")
def store(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:  # noqa: F811
    path = tmp_path_factory.mktemp("analyst") / "store.duckdb"
    shutil.copyfile(seeded_template, path)
    s = DuckDBStore(path)
    analyst.ensure_audit_trail(s)
    yield s
    s.close()


@pytest.fixture(scope="module")
def golds(store: Store) -> dict[str, Table]:
    return {c.id: analyst.run_query(store, c.gold_sql) for c in CASES}


def _result(answer: Table | None, message: str = "", sql: str = "SELECT 1",
            status: str = "done") -> AgentResult:
    return AgentResult(
        agent="analyst", event_id="e1", thread_id="analyst:e1", trace_id="e1", status=status,  # type: ignore[arg-type]
        decision="answer", message=message,
        answer=SqlAnswer(sql=sql, columns=answer.columns, rows=answer.rows) if answer else None)


def _ok_step(sql: str, table: Table) -> TraceStep:
    return TraceStep(step=1, kind="tool", name="run_sql", arguments={"sql": sql}, status="ok",
                     result={"sql": sql, "columns": [{"name": c, "type": "?"} for c in table.columns],
                             "rows": table.rows, "row_count": len(table.rows), "truncated": False})


# --- the set ----------------------------------------------------------------------------------

def test_the_set_has_100_questions_over_every_family() -> None:
    assert len(CASES) >= 100
    per_family = {f: sum(c.family == f for c in CASES) for f in analyst.FAMILIES}
    assert all(n >= 5 for n in per_family.values()), per_family


def test_questions_are_worded_as_an_analyst_asks_not_with_table_or_column_names(store: Store) -> None:
    with store.cursor() as cur:
        names = {r[0].lower() for r in cur.execute(
            "SELECT DISTINCT column_name FROM information_schema.columns UNION "
            "SELECT table_name FROM information_schema.tables").fetchall()}
    snake = {n for n in names if "_" in n}
    for case in CASES:
        words = set(re.findall(r"[a-z_]+", case.question.lower()))
        assert not words & snake, (case.id, words & snake)


def test_every_gold_sql_runs_on_a_fresh_store_with_a_non_empty_stable_answer(
        store: Store, golds: dict[str, Table]) -> None:
    for case in CASES:
        gold = golds[case.id]
        assert gold.rows and any(v is not None for v in gold.rows[0]), case.id
        assert tables_match(gold, analyst.run_query(store, case.gold_sql)), case.id


def test_top_n_questions_have_no_tie_at_the_boundary(store: Store) -> None:
    # A tie at the boundary makes the top N depend on how ties break: break them both ways.
    checked = 0
    for case in CASES:
        m = re.search(r"ORDER BY (.+?) (DESC|ASC) LIMIT (\d+)$", case.gold_sql)
        if not m:
            continue
        head, tail = case.gold_sql[:m.end(2)], case.gold_sql[m.end(2):]
        one = analyst.run_query(store, f"{head}, 1 ASC{tail}")
        other = analyst.run_query(store, f"{head}, 1 DESC{tail}")
        assert tables_match(one, other), case.id
        checked += 1
    assert checked >= 20


def test_load_rejects_a_bad_line_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    good = CASES[0].model_dump_json()
    path.write_text(good + "\n" + json.dumps({"id": "x", "question": "How many?"}) + "\n")
    with pytest.raises(ValueError, match=r"q.jsonl:2"):
        load_cases(path)
    path.write_text(good + "\n" + good + "\n")
    with pytest.raises(ValueError, match="used twice"):
        load_cases(path)


# --- scoring ----------------------------------------------------------------------------------

def _reordered(table: Table) -> Table:
    """The gold table with columns reversed, an extra column and rows reversed."""
    return Table(columns=["extra", *reversed(table.columns)],
                 rows=[["x", *reversed(r)] for r in reversed(table.rows)])


def _wrong(table: Table) -> Table:
    if len(table.rows) > 1:
        return Table(columns=table.columns, rows=table.rows[:-1])
    row = list(table.rows[0])
    for i, v in enumerate(row):
        if isinstance(v, int | float) and not isinstance(v, bool):
            row[i] = v * 1.1 + 1
            break
        row[i] = f"{v}-not-it"
    return Table(columns=table.columns, rows=[row])


def test_the_gold_answer_passes_every_case_and_a_wrong_one_fails(golds: dict[str, Table]) -> None:
    views = {"order_items": {"orders"}, "order_payments": {"orders"},
             "user_payment_methods": {"users"}}
    for case in CASES:
        gold = golds[case.id]
        mine = _reordered(gold)
        good = score(case, _result(mine, sql=case.gold_sql), gold,
                     [_ok_step(case.gold_sql, mine)], views)
        assert good.passed, case.id
        assert good.scores == {"sql_error": 0.0, "no_answer": 0.0, "wrong_table": 0.0,
                               "invented_figure": 0.0, "model_asked": 0.0}, case.id
        bad = score(case, _result(_wrong(gold), sql=case.gold_sql), gold,
                    [_ok_step(case.gold_sql, _wrong(gold))], views)
        assert not bad.passed, case.id


def test_cells_compare_with_tolerance_and_normalised_text() -> None:
    gold = Table(columns=["day", "name", "revenue", "n"],
                 rows=[["2026-10-01", "Laptop", 1234.567, 12], ["2026-10-02", "Tablet", 10.0, 3]])
    close = Table(columns=["n", "revenue", "name", "day"],
                  rows=[[3, 10.004, "tablet", "2026-10-02 00:00:00"],
                        [12, 1234.57, " LAPTOP ", "2026-10-01"]])
    assert tables_match(gold, close)
    off_by_one = Table(columns=close.columns, rows=[[4, 10.0, "tablet", "2026-10-02"],
                                                    [12, 1234.57, "Laptop", "2026-10-01"]])
    assert not tables_match(gold, off_by_one)  # counts compare exactly
    assert not tables_match(gold, Table(columns=["n", "revenue"], rows=[[3, 10.0], [12, 1234.57]]))
    assert not tables_match(gold, Table(columns=close.columns, rows=close.rows + close.rows[:1]))


def test_an_invented_figure_is_counted_and_question_numbers_are_not() -> None:
    case = AnalystCase(id="t", question="Which 5 products sold most in the last 30 days?",
                       gold_sql="SELECT name, units FROM t ORDER BY units DESC LIMIT 5", family="sales")
    table = Table(columns=["name", "units"], rows=[["Laptop", 1234], ["Tablet", 0.1234]])
    step = _ok_step("SELECT name, units FROM t LIMIT 5", table)
    ok = ("The top 5 products: Laptop sold 1,234 units and Tablet 12.3% of that; "
          "2 products in all over the last 30 days (item 6469567736, on 2026-10-01).")
    assert analyst.invented_figures(ok, case.question, None, [step]) == []
    made_up = "Laptop sold 1,234 units, about 1,500 more than last year, and revenue was $98,000.50."
    assert analyst.invented_figures(made_up, case.question, None, [step]) == ["1,500", "$98,000.50"]
    result = _result(table, message=made_up)
    assert score(case, result, table, [step]).scores["invented_figure"] == 2.0


def test_wrong_table_sql_errors_and_no_answer_are_flagged(store: Store) -> None:
    views = analyst.view_tables(store)
    assert views["order_items"] == {"orders"}
    case = next(c for c in CASES if c.id == "sal-01")
    gold = Table(columns=["units"], rows=[[41889]])
    other = score(case, _result(gold, sql="SELECT count(*) FROM products"), gold, [], views)
    assert other.passed and other.scores["wrong_table"] == 1.0
    order_case = next(c for c in CASES if "order_items" in c.gold_sql)
    via_base = score(order_case, _result(gold, sql="SELECT count(*) FROM orders o, json_each(o.items)"),
                     gold, [], views)
    assert via_base.scores["wrong_table"] == 0.0  # the view reads orders
    failed = TraceStep(step=1, kind="tool", name="run_sql", arguments={"sql": "SELECT nope"},
                       status="error", error='{"code": "invalid_arguments"}')
    nothing = score(case, _result(None, message="I could not find it", status="failed"), gold, [failed])
    assert not nothing.passed
    assert nothing.scores["sql_error"] == 1.0 and nothing.scores["no_answer"] == 1.0


class _FakeAgents:
    """Answers with a fixed table (or raises) and keeps no trace."""

    def __init__(self, answer: Table | None, fail: bool = False) -> None:
        self.answer, self.fail = answer, fail
        self.requests: list[AgentRequest] = []

    def run_sync(self, request: AgentRequest) -> AgentResult:
        self.requests.append(request)
        if self.fail:
            raise RuntimeError("the model server went away")
        return _result(self.answer, sql="SELECT sum(quantity) FROM sales_history")

    def trace(self, event_id: str) -> Any:
        return None


def test_the_suite_runs_a_case_against_the_world_and_sums_up(store: Store) -> None:
    suite = AnalystSuite()
    assert suite.name == "analyst" and not suite.mutates and suite.default_tasks.exists()
    case = next(c for c in CASES if c.id == "sal-01")
    gold = analyst.run_query(store, case.gold_sql)
    registry = build_registry(store, ToolSettings())
    agents = _FakeAgents(gold)
    world = EvalWorld(store=store, registry=registry, agents=agents)  # type: ignore[arg-type]
    passed = suite.run_case(case, world)
    assert passed.passed and passed.category == "sales"
    assert agents.requests[0].agent == "analyst" and agents.requests[0].text == case.question
    wrong = EvalWorld(store=store, registry=registry, agents=_FakeAgents(_wrong(gold)))  # type: ignore[arg-type]
    failed = suite.run_case(case, wrong)
    crashed = suite.run_case(case, EvalWorld(store=store, registry=registry,
                                             agents=_FakeAgents(None, fail=True)))  # type: ignore[arg-type]
    assert not failed.passed and not crashed.passed and "went away" in crashed.error
    summary = suite.summary([passed, failed, crashed])
    assert summary["execution_accuracy"] == pytest.approx(1 / 3)
    assert summary["invented_figures"] == 0


class _TracingAgents(_FakeAgents):
    """Writes each run's trace into the store, as the real agents do."""

    def __init__(self, answer: Table | None, store: Store, fail: bool = False) -> None:
        super().__init__(answer, fail)
        self.traces = TraceStore(store)

    def run_sync(self, request: AgentRequest) -> AgentResult:
        self.traces.write(TraceRun(event_id=request.event_id, agent="analyst",
                                   thread_id=request.event_id, kind="question", status="done",
                                   steps=[TraceStep(step=1, kind="model", name="chat")]))
        return super().run_sync(request)

    def trace(self, event_id: str) -> Any:
        return self.traces.load(event_id)


@pytest.mark.parametrize("fail", [False, True])
def test_every_case_sees_the_store_as_prepared_not_the_evals_own_runs(
        store: Store, fail: bool) -> None:
    # An audit question's gold counts runs by agent: the analyst's runs during the eval
    # must not be among them when a later case runs.
    case = next(c for c in CASES if c.id == "sal-01")
    runs = "SELECT count(*) FROM agent_runs"
    before = analyst.run_query(store, runs).rows
    registry = build_registry(store, ToolSettings())
    agents = _TracingAgents(analyst.run_query(store, case.gold_sql), store, fail=fail)
    result = AnalystSuite().run_case(case, EvalWorld(store=store, registry=registry,
                                                     agents=agents))  # type: ignore[arg-type]
    assert result.passed is not fail and agents.requests
    assert analyst.run_query(store, runs).rows == before


def test_a_structured_query_tool_counts_like_run_sql() -> None:
    case = next(c for c in CASES if c.id == "ord-04")
    table = Table(columns=["refunds"], rows=[[174087.69]])
    step = _ok_step("SELECT sum(amount) FROM order_payments", table).model_copy(update={"name": "query"})
    told = score(case, _result(table, message="We refunded $174,087.69."), table, [step])
    assert told.passed and told.scores["invented_figure"] == 0.0
    failed = TraceStep(step=1, kind="tool", name="query", status="error", error="no such metric")
    assert score(case, _result(table), table, [failed, step]).scores["sql_error"] == 1.0
    quiet = _result(table).model_copy(update={"outputs": [AgentOutput(
        kind="reply", subject_id="q", details={"failed_queries": 2})]})
    assert score(case, quiet, table, [step]).scores["sql_error"] == 1.0


def test_the_score_tells_code_s_query_from_the_model_s_and_whether_a_model_was_asked() -> None:
    case = next(c for c in CASES if c.id == "ord-04")
    table = Table(columns=["refunds"], rows=[[174087.69]])
    ok = _ok_step("SELECT sum(amount) FROM order_payments", table).model_copy(
        update={"name": "query"})
    code = ok.model_copy(update={"step": 0})
    by_code = score(case, _result(table), table, [code])
    assert by_code.scores["model_asked"] == 0.0
    assert [q["by"] for q in by_code.detail["queries"]] == ["code"]
    model = TraceStep(step=1, kind="model", name="qwen", status="ok")
    failed = code.model_copy(update={"status": "error", "result": None})
    by_model = score(case, _result(table), table, [failed, model, ok])
    assert by_model.scores["model_asked"] == 1.0
    assert [q["by"] for q in by_model.detail["queries"]] == ["code", "model"]


def test_dates_written_in_words_are_not_figures() -> None:
    text = "In October 2026 we sold 41,889 units; on Oct 5, 2026 we sold 12."
    assert [f.text for f in analyst._figures.figures(text)] == ["41,889", "12"]


def test_the_example_bank_holds_no_evaluation_question_nor_a_close_paraphrase() -> None:
    from agents._sql_linking import load_examples, tokens

    def words(text: str) -> set[str]:  # the content words, in one form
        return set(tokens(text)) or {text}

    close = [(e.question, c.question) for e in load_examples() for c in CASES
             if len(words(e.question) & words(c.question))
             / len(words(e.question) | words(c.question)) >= 0.7]
    assert close == []


def test_the_no_model_baseline_answers_a_plain_count_and_fails_what_no_term_covers(
        store: Store) -> None:
    from agents._semantic import DEFAULT_PATH
    from agents._sql_linking import EXAMPLES_PATH
    from agents.analyst import SqlWorld
    from evals.analyst import baseline_table

    kit = SqlWorld(DEFAULT_PATH, EXAMPLES_PATH).ready(store)
    cancelled = baseline_table(kit, store, "How many orders were cancelled?")
    gold = run_query(store, "SELECT count(*) FROM orders WHERE status = 'cancelled'")
    assert cancelled is not None and tables_match(gold, cancelled)
    # a price rise over the unit cost is a ratio of two tables' columns per row: no term
    # or rule says it
    rise = baseline_table(kit, store, "Which variant's price rose by the largest share of "
                                      "its unit cost in a single change?")
    gold = run_query(store, "SELECT h.item_id, (h.price - h.previous_price) / c.unit_cost "
                            "FROM price_history h JOIN unit_costs c USING (item_id) "
                            "WHERE h.previous_price IS NOT NULL ORDER BY 2 DESC LIMIT 1")
    assert rise is None or not tables_match(gold, rise)


def test_the_period_a_query_ran_over_is_the_querys_not_an_invented_figure() -> None:
    table = Table(columns=["units"], rows=[[812]])
    step = _ok_step("SELECT sum(quantity) FROM sales_history", table)
    assert step.result is not None
    step.result["period"] = "last 30 days (2026-10-02 to 2026-11-01)"
    said = "Units sold: 812 (last 30 days (2026-10-02 to 2026-11-01))."
    assert analyst.invented_figures(said, "How many units did we sell lately?", None,
                                    [step]) == []
    assert analyst.invented_figures(said.replace("30", "60"), "How many units lately?", None,
                                    [step]) == ["60"]


def test_prepare_writes_the_audit_trail_before_any_agent_reads_the_catalog(
        seeded_template: Path, tmp_path: Path) -> None:  # noqa: F811
    # Agents read the catalog (and its category values) when they are built, so the
    # decisions audit questions name must be in the store before the worlds open.
    path = tmp_path / "template.duckdb"
    shutil.copyfile(seeded_template, path)
    template = DuckDBStore(path)
    try:
        count = "SELECT count(*) FROM agent_runs WHERE decision = 'hold_for_review'"
        assert analyst.run_query(template, count).rows == [[0]]
        AnalystSuite().prepare(template)
        assert analyst.run_query(template, count).rows[0][0] > 0
    finally:
        template.close()
