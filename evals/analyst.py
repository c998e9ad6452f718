"""The analyst suite: questions in an operations analyst's words, each with gold SQL.

A case (one line of ``evals/sets/analyst_questions.jsonl``) is ``{id, question,
gold_sql, family, notes?}``. ``run_case`` runs the gold SQL on the world's store
(so the gold and the agent see the same data), asks the analyst agent, reads
its trace and calls ``score``. The world is shared by all cases (``mutates``
is False); the only thing the suite writes is a fixed set of audit-trail runs
(``ensure_audit_trail``) so that questions about agent decisions have data.

Scoring (``score``):

* **passed** (execution accuracy): the answer table (``result.answer``)
  holds the gold rows as a multiset: every gold column is matched to a
  distinct answer column with the same values row for row, in any column and
  row order; the answer may carry extra columns (a name beside an id), never
  extra or missing rows. Cells compare normalised: numbers as floats within
  0.01 absolute or 1e-2 relative (integers exactly), strings trimmed and
  case-folded, dates as ISO text, so ``2026-10-01`` equals
  ``2026-10-01 00:00:00``.
* **sql_error**: some query of the run failed: a failed ``run_sql`` or ``query``
  step in the trace, or the agent's own ``details["failed_queries"]``.
* **no_answer**: no query of the run succeeded (no table to score).
* **wrong_table**: the answer's SQL reads none of the tables the gold SQL
  reads (views count as the tables they read; table names come from DuckDB's
  own parser, ``json_serialize_sql``).
* **invented_figure**: how many numbers the answer text states that appear in
  no successful query result of the run (the trace's query results, with the
  period each ran over, and the answer table, including row counts), in no
  successful SQL text and not
  in the question (so "top 5" is not a figure); ids and dates are not figures.
  Matching follows ``evals._figures`` (stated precision, 1 % tolerance,
  percentages of fractions).
* **model_asked**: whether the run called the model at all (with the analyst's
  ``first_query="code"`` a question code's query answers costs no model call).
* **baseline_passed**: the same check on a no-model baseline run in the same
  case: the linker's likeliest metric, completed by code from the question's
  words and compiled (``baseline_table``) — what the model adds is the gap.
"""

from __future__ import annotations

import json
import math
import re
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agents._semantic import DEFAULT_PATH as DEFAULT_LAYER
from agents._sql_amend import amend
from agents._sql_compile import QueryError
from agents._sql_linking import EXAMPLES_PATH, Linked, phrase
from agents._sql_query import StructuredQuery
from agents.analyst import (
    SqlKit,
    SqlWorld,
    code_query,
    shown_values,
    store_holds,
    store_lookup,
)
from agents.contracts import AgentResult, QuestionRequest
from agents.trace import TraceRun, TraceStep, TraceStore
from tools import Store
from tools.analytics import cell

from . import _figures
from .base import CaseResult, EvalWorld

SETS = Path(__file__).resolve().parent / "sets"
FAMILIES = (
    "orders", "users", "catalog", "stock", "suppliers", "shipping", "costs", "prices",
    "promotions", "sales", "audit",
)
ABS_TOL = 0.01
REL_TOL = 1e-2


class AnalystCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    question: str = Field(min_length=5)
    gold_sql: str = Field(min_length=10)
    family: str
    notes: str = ""


class Table(BaseModel):
    """A query result: column names and rows of plain JSON values."""

    columns: list[str]
    rows: list[list[Any]]


# --- loading ---------------------------------------------------------------------

def load_cases(path: Path) -> list[AnalystCase]:
    """The questions of a JSONL file; a bad line raises ValueError naming it."""
    cases: list[AnalystCase] = []
    seen: set[str] = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            case = AnalystCase.model_validate_json(line)
        except ValidationError as exc:
            raise ValueError(f"{path}:{n}: not an analyst question ({exc.errors()[0]['msg']} at "
                             f"{exc.errors()[0]['loc']}); each line needs id, question, gold_sql, "
                             "family") from exc
        if case.family not in FAMILIES:
            raise ValueError(f"{path}:{n}: family {case.family!r} is not one of {FAMILIES}")
        if case.id in seen:
            raise ValueError(f"{path}:{n}: the id {case.id!r} is used twice")
        seen.add(case.id)
        cases.append(case)
    return cases


# --- results and their comparison ----------------------------------------------------

def run_query(store: Store, sql: str) -> Table:
    """Run (gold) SQL on the store; raises duckdb.Error when it fails."""
    with store.cursor() as cur:
        cur.execute(sql)
        rows = cur.fetchall()
        columns = [d[0] for d in cur.description or []]
    return Table(columns=columns, rows=[[cell(v) for v in r] for r in rows])


def _norm(value: Any) -> Any:
    """A cell in a comparable form: a float, a bool, None or a case-folded string."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        return float(value)
    text = str(value).strip()
    if _figures.is_date(text):
        text = text.replace("T", " ")
        return text[:10] if text[10:].strip(" 0:.") == "" else text
    try:
        return float(text.replace(",", "")) if text and text[0] in "-+.0123456789" else text.casefold()
    except ValueError:
        return text.casefold()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if a.is_integer() and b.is_integer() and max(abs(a), abs(b)) >= 1:
            return a == b
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    return bool(a == b)


def _key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, value)
    if isinstance(value, float):
        return (2, value)
    return (3, str(value))


def _same_column(gold: list[Any], answer: list[Any]) -> bool:
    """Same multiset of values (sorted, then compared pairwise with tolerance)."""
    return all(_same(a, b) for a, b in zip(sorted(gold, key=_key), sorted(answer, key=_key),
                                           strict=True))


def _rows_match(gold: list[tuple[Any, ...]], answer: list[tuple[Any, ...]]) -> bool:
    """Multiset equality of rows with tolerance (greedy, fine for gold tables of this size)."""
    left = list(answer)
    for g in sorted(gold, key=lambda r: [_key(v) for v in r]):
        for i, a in enumerate(left):
            if all(_same(x, y) for x, y in zip(g, a, strict=True)):
                del left[i]
                break
        else:
            return False
    return not left


def tables_match(gold: Table, answer: Table) -> bool:
    """Execution accuracy: the answer holds the gold rows (see the module docstring)."""
    if len(gold.rows) != len(answer.rows) or len(answer.columns) < len(gold.columns):
        return False
    g_cols = [[_norm(r[i]) for r in gold.rows] for i in range(len(gold.columns))]
    a_cols = [[_norm(r[j]) for r in answer.rows] for j in range(len(answer.columns))]
    candidates = [[j for j, ac in enumerate(a_cols) if _same_column(gc, ac)] for gc in g_cols]
    gold_rows = [tuple(c[k] for c in g_cols) for k in range(len(gold.rows))]

    def assign(i: int, used: tuple[int, ...]) -> bool:
        if i == len(g_cols):
            picked = [tuple(a_cols[j][k] for j in used) for k in range(len(answer.rows))]
            return _rows_match(gold_rows, picked)
        return any(assign(i + 1, (*used, j)) for j in candidates[i] if j not in used)

    return assign(0, ())


# --- which tables a query reads ------------------------------------------------------

_VIEW_BODY = re.compile(r"\bAS\s+(SELECT|WITH)\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def _parser() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(":memory:")


def _nodes(tree: Any) -> Iterable[dict[str, Any]]:
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _nodes(value)


def tables_read(sql: str, views: dict[str, set[str]] | None = None) -> set[str]:
    """The tables a query reads (lower-case), views replaced by the tables they read."""
    row = _parser().execute("SELECT json_serialize_sql(?)", [sql]).fetchone()
    tree = json.loads(row[0]) if row else {"error": True}
    if tree.get("error"):
        return set()
    ctes = {e["key"].lower() for n in _nodes(tree) if isinstance(n.get("cte_map"), dict)
            for e in n["cte_map"].get("map", [])}
    names = {str(n.get("table_name", "")).lower() for n in _nodes(tree)
             if n.get("type") == "BASE_TABLE"} - ctes - {""}
    out: set[str] = set()
    for name in names:
        out |= (views or {}).get(name, {name})
    return out


def view_tables(store: Store) -> dict[str, set[str]]:
    """Each view of the store -> the tables its definition reads."""
    with store.cursor() as cur:
        rows = cur.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal").fetchall()
    out: dict[str, set[str]] = {}
    for name, sql in rows:
        body = _VIEW_BODY.search(sql)  # json_serialize_sql takes the SELECT, not the CREATE VIEW
        out[name.lower()] = (tables_read(sql[body.start(1):]) if body else set()) or {name.lower()}
    return out


# --- scoring ---------------------------------------------------------------------------

# Tools that run a query: ``run_sql`` (raw SQL) and ``query`` (a structured query compiled to
# SQL); any other tool step whose result is a table with its SQL counts too.
QUERY_TOOLS = frozenset({"run_sql", "query"})


def _sql_steps(steps: Sequence[TraceStep]) -> list[TraceStep]:
    return [s for s in steps if s.kind == "tool" and (s.name in QUERY_TOOLS or _ok(s))]


def _ok(step: TraceStep) -> bool:
    return (step.status == "ok" and isinstance(step.result, dict)
            and "rows" in step.result and "sql" in step.result)


def _failed_in_details(result: AgentResult) -> bool:
    """The agent's own count of failed queries (``details.failed_queries``), when it gives one."""
    return any(isinstance(o.details.get("failed_queries"), int) and o.details["failed_queries"] > 0
               for o in result.outputs)


def score(case: AnalystCase, result: AgentResult, gold: Table,
          steps: Sequence[TraceStep] = (), views: dict[str, set[str]] | None = None) -> CaseResult:
    """Score one run of the analyst on ``case`` against the gold table (no model, no store)."""
    sql_steps = _sql_steps(steps)
    ok_steps = [s for s in sql_steps if _ok(s)]
    answer = result.answer
    answer_table = Table(columns=answer.columns, rows=answer.rows) if answer else None
    passed = answer_table is not None and tables_match(gold, answer_table)
    wrong_table = bool(answer and answer.sql.strip()
                       and not tables_read(answer.sql, views) & tables_read(case.gold_sql, views))
    invented = invented_figures(result.message, case.question, answer, ok_steps)
    return CaseResult(
        suite="analyst", case_id=case.id, category=case.family, passed=passed,
        scores={"sql_error": float(any(not _ok(s) for s in sql_steps)
                                   or _failed_in_details(result)),
                "no_answer": float(answer is None and not ok_steps),
                "wrong_table": float(wrong_table),
                "invented_figure": float(len(invented)),
                "model_asked": float(any(s.kind == "model" for s in steps))},
        detail={"question": case.question, "answer": result.message,
                "sql": answer.sql if answer else "", "gold_rows": gold.rows[:10],
                "answer_rows": answer.rows[:10] if answer else [], "invented": invented,
                "status": result.status,
                # Each query as proposed (by code before any model call, at step 0, or by
                # the model) and what code changed in it, for reading and evals.replay.
                "queries": [{"proposed": s.proposed if s.amended else s.arguments,
                             "amended": s.amended, "status": s.status,
                             "by": "code" if s.step == 0 else "model"}
                            for s in steps if s.kind == "tool" and s.name in QUERY_TOOLS]})


def invented_figures(text: str, question: str, answer: Any,
                     ok_steps: Sequence[TraceStep]) -> list[str]:
    """The numbers ``text`` states that no successful query of the run returned."""
    values: list[float] = _figures.numbers_in(question)
    sources: list[Any] = [s.result for s in ok_steps]
    if answer is not None:
        sources.append({"sql": answer.sql, "rows": answer.rows})
    for src in sources:
        rows = src.get("rows", []) if isinstance(src, dict) else []
        values.extend(_figures.numbers_in(rows))
        values.extend(_figures.numbers_in(src.get("sql", "")))
        # The period the query ran over, as the tool reported it ("last 30 days (...)").
        values.extend(_figures.numbers_in(src.get("period", "")))
        values.append(float(len(rows)))
        if isinstance(src.get("row_count"), int):
            values.append(float(src["row_count"]))
    return [f.text for f in _figures.figures(text) if not _figures.supported(f, values)]


# --- the audit trail the audit questions ask about -------------------------------------------

AUDIT_PREFIX = "eval-audit-"


def audit_runs(order_ids: Sequence[str]) -> list[TraceRun]:
    """A fixed set of order and support runs over the given (real) order ids.

    24 order runs cycle through the decisions in a fixed pattern, with fixed
    model and tool usage; 4 support runs. Only ``updated_at`` depends on when
    they are written, so the gold SQL never reads it.
    """
    decisions = ["confirm", "confirm", "split_shipment", "confirm", "hold_for_review",
                 "backorder", "confirm", "hold_for_review"]
    runs: list[TraceRun] = []
    for n, order_id in enumerate(order_ids[:24]):
        decision = decisions[n % len(decisions)]
        status = "awaiting_approval" if n in (4, 15) else "failed" if n == 21 else "done"
        tools = ["get_stock", "plan_fulfilment"]
        if decision in ("confirm", "split_shipment"):
            tools.append("reserve_stock")
        if n % 3 == 0:
            tools.append("check_margin")
        steps = [TraceStep(step=0, kind="tool", name=t, arguments={"order_id": order_id},
                           result={"ok": True}, latency_ms=5.0 + i) for i, t in enumerate(tools)]
        calls = 1 + n % 3
        steps += [TraceStep(step=k + 1, kind="model", name="chat", input_tokens=800 + 10 * n,
                            output_tokens=40 + n, latency_ms=900.0 + 25 * n) for k in range(calls)]
        alerts = ([{"kind": "alert", "subject_id": order_id, "alert": "risky_order",
                    "severity": "warning"}] if decision == "hold_for_review" else [])
        runs.append(TraceRun(
            event_id=f"{AUDIT_PREFIX}order-{n:02d}", agent="order", thread_id=f"order:{n}",
            kind="order_placed", subject_id=order_id, status=status,
            decision="" if status == "failed" else decision,
            message=f"order {order_id}: {decision}",
            outputs=[{"kind": "action", "subject_id": order_id, "action": decision}, *alerts],
            model_calls=calls, input_tokens=sum(s.input_tokens for s in steps),
            output_tokens=sum(s.output_tokens for s in steps), tool_calls=len(tools),
            model_latency_ms=sum(s.latency_ms for s in steps if s.kind == "model"),
            error="model timed out" if status == "failed" else None, steps=steps))
    for n, order_id in enumerate(order_ids[24:28]):
        decision = "transfer" if n == 3 else "reply"
        steps = [TraceStep(step=1, kind="tool", name="get_order_details",
                           arguments={"order_id": order_id}, result={"ok": True}, latency_ms=3.0),
                 TraceStep(step=1, kind="model", name="chat", input_tokens=1500, output_tokens=90,
                           latency_ms=2100.0)]
        runs.append(TraceRun(
            event_id=f"{AUDIT_PREFIX}support-{n:02d}", agent="support", thread_id=f"support:{n}",
            kind="message", subject_id=order_id, status="done", decision=decision,
            message="about your order", model_calls=1, input_tokens=1500, output_tokens=90,
            tool_calls=1, model_latency_ms=2100.0, steps=steps))
    return runs


def ensure_audit_trail(store: Store) -> None:
    """Write the fixed audit runs (idempotent: each run replaces its earlier rows)."""
    with store.cursor() as cur:
        order_ids = [r[0] for r in cur.execute(
            "SELECT order_id FROM orders WHERE status = 'pending' ORDER BY order_id LIMIT 28")
            .fetchall()]
    traces = TraceStore(store)
    for run in audit_runs(order_ids):
        traces.write(run)


def baseline_table(kit: SqlKit, store: Store, question: str) -> Table | None:
    """The no-model baseline: the linker's likeliest metric, completed by code from the
    question's words (``_sql_amend``), compiled and run; None when that fails."""
    question = kit.read(question)
    linked = kit.linker.link(question, store_holds(store), store_lookup(store))
    proposal = code_query(kit, question, linked)
    return None if proposal is None else _compiled_table(kit, store, proposal[1].arguments)


def replayed_table(kit: SqlKit, store: Store, question: str,
                   proposed: dict[str, Any]) -> Table | None:
    """A recorded model query (a result file's ``proposed``) completed by today's code, as
    the agent would on its first query, compiled and run; None when that fails. Replaying
    a run's proposals measures a change to the rules without the model (``evals.replay``)."""
    question = kit.read(question)
    linked = kit.linker.link(question, store_holds(store), store_lookup(store))
    return _amended_table(kit, store, question, linked, proposed,
                          {phrase(v) for v in shown_values(linked)})


def _amended_table(kit: SqlKit, store: Store, question: str, linked: Linked,
                   proposed: dict[str, Any], example_values: set[str]) -> Table | None:
    done = amend(proposed, question, linked, kit.catalog, kit.layer, example_values)
    return _compiled_table(kit, store, done.arguments)


def _compiled_table(kit: SqlKit, store: Store, arguments: dict[str, Any]) -> Table | None:
    try:
        compiled = kit.compiler.compile(StructuredQuery.model_validate(arguments))
        return run_query(store, compiled.sql)
    except (QueryError, ValidationError, duckdb.Error):
        return None


# --- the suite -------------------------------------------------------------------------------

class AnalystSuite:
    name = "analyst"
    default_tasks = SETS / "analyst_questions.jsonl"
    mutates = False

    def __init__(self) -> None:
        self._views: dict[int, dict[str, set[str]]] = {}
        self._kits: dict[int, SqlKit] = {}

    def load(self, path: Path) -> Sequence[AnalystCase]:
        return load_cases(path)

    def prepare(self, store: Store) -> None:
        ensure_audit_trail(store)

    def run_case(self, case: AnalystCase, world: EvalWorld) -> CaseResult:
        started = time.perf_counter()
        key = id(world.store)
        if key not in self._views:
            ensure_audit_trail(world.store)  # no-op after prepare; a world of its own needs it
            self._views[key] = view_tables(world.store)
            self._kits[key] = SqlWorld(DEFAULT_LAYER, EXAMPLES_PATH).ready(world.store)
        try:
            gold = run_query(world.store, case.gold_sql)
        except duckdb.Error as exc:
            return CaseResult(suite=self.name, case_id=case.id, category=case.family,
                              passed=False, error=f"the gold SQL failed, fix the case: {exc}")
        base = baseline_table(self._kits[key], world.store, case.question)
        baseline = {"baseline_passed": float(base is not None and tables_match(gold, base))}
        request = QuestionRequest(agent="analyst", text=case.question,
                               event_id=f"eval-analyst-{case.id}-{uuid.uuid4().hex[:8]}")
        try:
            result = world.agents.run_sync(request)
            trace = world.agents.trace(result.event_id)
        except Exception as exc:  # noqa: BLE001 - an agent failure is a failed case, not a crash
            TraceStore(world.store).forget(request.event_id)
            return CaseResult(suite=self.name, case_id=case.id, category=case.family,
                              passed=False, error=f"{type(exc).__name__}: {exc}",
                              seconds=time.perf_counter() - started,
                              scores={"sql_error": 0.0, "no_answer": 1.0, "wrong_table": 0.0,
                                      "invented_figure": 0.0, "model_asked": 0.0,
                                      **baseline})
        # The analyst's own run would otherwise be in agent_runs when later cases run: every
        # case is to see the store as prepared, or audit golds would move during the eval.
        TraceStore(world.store).forget(request.event_id)
        out = score(case, result, gold, trace.steps if trace else [], self._views[key])
        out.seconds = time.perf_counter() - started
        out.scores.update(baseline)
        return out

    def summary(self, results: Sequence[CaseResult]) -> dict[str, float]:
        n = max(1, len(results))
        totals: Counter[str] = Counter()
        for r in results:
            totals.update(r.scores)
        return {"execution_accuracy": sum(r.passed for r in results) / n,
                "invented_figures": totals["invented_figure"],
                "sql_error_rate": totals["sql_error"] / n,
                "wrong_table_rate": totals["wrong_table"] / n,
                "no_answer_rate": totals["no_answer"] / n,
                "baseline_execution_accuracy": totals["baseline_passed"] / n,
                "model_asked_rate": totals["model_asked"] / n}

