"""The analyst agent: the model fills a structured query, code writes the SQL and the answer.

- At start (lazily: the store may be seeded later) the catalog is read and the
  semantic layer (``configs/semantic.yaml``) fitted to it; the ``query`` tool's
  JSON schema names only the store's metrics, columns and dimensions, so the
  model cannot name a table or column that does not exist.
- ``prepare`` links the question to a few tables, terms, category values and
  similar examples (``_sql_linking``) and puts them in the turn's first message.
  With ``first_query="code"`` (the default) it first runs code's own query
  (``code_query``: the linker's likeliest term, completed from the words); rows
  answer the turn without a model call; an error or no rows leave it to the model,
  which sees code's call and its result. The first model turn may only ``query``.
  Code completes each query from the question's own words (``_sql_amend``: named
  values become filters, invented or copied values and unasked periods, breakdowns
  and exclusions are dropped, "top 5" sets the limit); the trace keeps the query as
  proposed beside the amended one.
- The ``query`` tool compiles the structured query to SQL (joins along the
  store's keys) and runs it through ``run_sql``'s read-only path. A failure goes
  back to the model as ``ToolError(code, message, hint)`` and may be corrected.
- ``finish`` writes the answer in code from the first successful result with
  rows (else the last success): no figure is typed by the model; without a
  success it says that no query succeeded and names the last error.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from pydantic import BaseModel, Field

from tools import Actor, Store, Tool, ToolEnv, ToolRegistry
from tools.analytics import ANALYST_TABLES, RunSqlArgs, run_sql
from tools.errors import InvalidArguments
from tools.retail_db import RETAIL_TABLES
from tools.seed import business_date

from ._charts import chart_for
from ._semantic import DEFAULT_PATH, SemanticLayer, load_layer
from ._sql_amend import Amended, amend
from ._sql_answer import render_answer, render_failure
from ._sql_calendar import relative_pair, with_year
from ._sql_catalog import Catalog, expression_values, json_attributes, read_catalog
from ._sql_compile import Compiler, OutputColumn, QueryError
from ._sql_linking import EXAMPLES_PATH, Holds, Linked, Linker, Lookup, load_examples, phrase
from ._sql_query import CODE_ONLY_FIELDS, StructuredQuery, Vocabulary, bound_query_model
from ._sql_shorthand import each_with_its_noun, spell_out
from .contracts import AgentOutput, AgentRequest, SqlAnswer
from .errors import RequestError
from .loop import RESPOND, AgentSpec, LoopState, Toolbox

QUERY = "query"
_OPTIONAL = ("having", "count_groups", "average_groups", "share", "ties")  # a model may omit
_SHOWN_TO_MODEL = 10  # rows the model reads back; the answer's table has them all

_PROMPT = """\
You answer questions about a retail company's operations by calling the query tool.
Fill the query from the question: the metrics to compute (a business metric when one \
fits, else sum/avg/min/max of a number column), group_by columns (or the columns to list \
when no metric fits), filters with values copied from the question, a period counted back \
from the business date, order and limit. Optional: having (a bound on the first metric per \
group), count_groups (how many groups), ties (keep groups tied with the last), and a filter \
op latest on a date column (the latest date only).
Use only the names the first message shows. If query returns an error, read its message \
and hint, fix the query and call query again. When a result comes back, call respond."""


class ResultColumn(OutputColumn):
    type: str  # the SQL type of the result column


class QueryResult(BaseModel):
    """What the model reads after a query: the SQL, the columns and the first rows."""

    sql: str
    columns: list[ResultColumn]
    rows: list[list[Any]]
    row_count: int
    truncated: bool  # the store had more rows than sql_max_rows
    period: str
    next: str = "This result answers the question: call respond."


@dataclass(frozen=True)
class SqlKit:
    """What one store's questions are answered with, built once from its catalog."""

    catalog: Catalog
    layer: SemanticLayer
    vocabulary: Vocabulary
    compiler: Compiler
    linker: Linker

    def read(self, question: str) -> str:
        """The question as the linker and the rules read it: chat shorthand spelled out
        ("avg PO value per wh" is "average purchase order value per warehouse"), a noun
        said once after two values written after each ("the order and support bots"),
        the year written after a month or quarter said without one ("for October"), two periods
        counted back from today and set against each other written out as dates."""
        as_of = self.compiler.as_of
        said = each_with_its_noun(spell_out(question, self.layer.shorthand), self.value_words)
        return relative_pair(with_year(said, as_of), as_of)

    @cached_property
    def value_words(self) -> set[str]:
        """The layer's words of more than one word for stored values ("support bot")."""
        return {w.lower() for words in self.layer.value_synonyms.values() for w in words
                if " " in w}


class SqlWorld:
    """Builds the ``SqlKit`` of a store on first need (the store may be seeded after start)."""

    def __init__(self, layer_path: Path, examples_path: Path) -> None:
        self.layer_path, self.examples_path = layer_path, examples_path
        self._lock = threading.Lock()
        self._kit: SqlKit | None = None

    def ready(self, store: Store) -> SqlKit:
        with self._lock:
            if self._kit is None:
                # A DuckDB view of the store: itself, or a snapshot of a PostgreSQL store.
                configured = load_layer(self.layer_path)
                with store.analytics_reader(ANALYST_TABLES) as db:
                    catalog = read_catalog(db, configured.view_keys(), configured.references())
                    today = business_date(db)
                    attributes = json_attributes(db, catalog)
                    layer = configured.restrict(catalog).with_attributes(attributes)
                    read = {a.sql: a.values for a in attributes}
                    values = {d.name: read.get(d.sql) or expression_values(db, d.table, d.sql)
                              for d in [*layer.dimensions, *layer.attributes]
                              if d.kind == "text" and not d.joins and "{" not in d.sql}
                vocabulary = Vocabulary(catalog, layer)
                examples = [e for e in load_examples(self.examples_path)
                            if _fits(vocabulary, e.query)]
                kit = SqlKit(catalog, layer, vocabulary, Compiler(catalog, layer, today),
                             Linker(catalog, layer, examples, dimension_values=values))
                if not seeded(catalog):
                    return kit  # read again once the store is seeded
                self._kit = kit
            return self._kit


def seeded(catalog: Catalog) -> bool:
    """Whether the store holds the retail tables (not only the agents' audit trail)."""
    return bool(set(catalog.tables) & set(RETAIL_TABLES))


def store_holds(store: Store) -> Holds:
    """Whether ``store`` holds a value in an id column: the linker's question about an id
    the question gives (names from the store's own catalog, the value a parameter)."""
    def holds(ref: str, value: str) -> bool:
        table, _, column = ref.partition(".")
        with store.cursor() as db:
            return db.execute(f'SELECT 1 FROM "{table}" WHERE "{column}" = ? LIMIT 1',
                              [value]).fetchone() is not None
    return holds


def store_lookup(store: Store) -> Lookup:
    """A named thing's other column on its rows, read from ``store`` (the linker's
    question about "the Dallas fulfilment centre's region"; names from the catalog)."""
    def lookup(ref: str, value: str, column: str) -> list[str]:
        table, _, holder = ref.partition(".")
        with store.cursor() as db:
            rows = db.execute(f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM "{table}" '
                              f'WHERE "{holder}" = ? LIMIT 2', [value]).fetchall()
        return [str(r[0]) for r in rows if r[0] is not None]
    return lookup


def shown_values(linked: Linked) -> list[str]:
    """The values the linked examples show: those an example's question names word for
    word ("Running Shoes"); not those it maps from other words ("Mexico" -> 'MX'), which
    another question may mean too. A model that copies one unasked is corrected."""
    return [v for e in linked.examples for f in e.query.filters
            for v in (f.value if isinstance(f.value, list) else [f.value])
            if isinstance(v, str) and f" {phrase(v)} " in f" {phrase(e.question)} "]


def code_query(kit: SqlKit, question: str, linked: Linked) -> tuple[dict[str, Any], Amended] | None:
    """Code's own query for ``question``: the linker's likeliest term, completed from the
    question's words as a model's query would be; None when no term is linked. Returns the
    starting query and its completion (the trace shows both)."""
    if not linked.metrics:
        return None
    start = StructuredQuery(metrics=linked.metrics[:1]).model_dump(mode="json")
    return start, amend(start, question, linked, kit.catalog, kit.layer, set())


def _fits(vocabulary: Vocabulary, query: StructuredQuery) -> bool:
    """An example whose names this store has (a retail-only store drops the rest)."""
    try:
        vocabulary.check(query)
    except ValueError:
        return False
    return True


class QueryRunner:
    """The ``query`` tool's function: compile, run read-only, report the first rows."""

    def __init__(self, world: SqlWorld, store: Store) -> None:
        self.world, self.store = world, store

    def __call__(self, args: StructuredQuery, env: ToolEnv) -> QueryResult:
        kit = self.world.ready(self.store)
        try:
            compiled = kit.compiler.compile(args, env.settings.sql_max_rows)
        except QueryError as exc:
            raise InvalidArguments(exc.message, exc.hint) from exc
        result = run_sql.func(RunSqlArgs(sql=compiled.sql), env)
        columns = [ResultColumn(**out.model_dump(), type=col.type)
                   for out, col in zip(compiled.columns, result.columns, strict=True)]
        return QueryResult(sql=compiled.sql, columns=columns, rows=result.rows[:_SHOWN_TO_MODEL],
                           row_count=result.row_count, truncated=result.truncated,
                           period=compiled.period)


def query_tool(registry: ToolRegistry, world: SqlWorld) -> Tool[Any, Any]:
    def vocabulary() -> Vocabulary:
        return world.ready(registry.store).vocabulary

    return Tool(
        name=QUERY,
        description=("Answer a question from the store: metrics per group over filtered "
                     "rows in a period. Code writes and runs the SQL; errors say what to fix."),
        input_model=bound_query_model(vocabulary), output_model=QueryResult,
        func=QueryRunner(world, registry.store), roles=frozenset({"analyst"}))


class AnalystTurn(BaseModel):
    """The analyst's ``context``: the question as linked, from prepare to amend."""

    question: str = ""
    linked: Linked | None = None
    example_values: list[str] = Field(default_factory=list)  # values examples showed


class AnalystState(LoopState):
    """The analyst's graph state: each question is one turn; nothing is kept across."""

    context: AnalystTurn = Field(default_factory=AnalystTurn)
    memory: dict[str, Any] = Field(default_factory=dict)


class AnalystAgent(AgentSpec[AnalystState]):
    name = "analyst"
    state_schema = AnalystState
    tool_names = (QUERY,)
    respond_description = "Finish: the answer is written from the query's result."

    def __init__(self, registry: ToolRegistry, *, first_query: Literal["code", "model"] = "code",
                 layer_path: Path = DEFAULT_PATH, examples_path: Path = EXAMPLES_PATH) -> None:
        self.registry = registry
        self.first_query = first_query
        existing = registry.get(QUERY) if QUERY in registry else None
        if existing is not None and isinstance(existing.func, QueryRunner):
            self.world = existing.func.world  # another analyst over the same registry
        else:
            self.world = SqlWorld(layer_path, examples_path)
            registry.register(query_tool(registry, self.world))

    def offered(self, state: AnalystState | None) -> list[str]:
        # The first call must be a query: a small model otherwise "answers" at once. The
        # set is a prefix of the usual one, so the server's prefix cache still serves it.
        if state is not None and state.step == 0:
            return [QUERY]
        return [QUERY, RESPOND]

    def answered(self, state: AnalystState, trace: list[dict[str, Any]]) -> bool:
        # finish answers from the first result with rows, so once there is one a later
        # model call could not change the answer: it would only cost its seconds.
        return any(t.get("kind") == "tool" and t.get("name") == QUERY and t.get("status") == "ok"
                   and (t.get("result") or {}).get("row_count") for t in trace)

    def respond_parameters(self) -> dict[str, Any]:
        # The answer is rendered in code from the result: the model types no figure.
        return {"type": "object", "properties": {}, "required": []}

    def system_prompt(self, state: AnalystState) -> str:
        return _PROMPT

    def constant_prompts(self) -> list[str]:
        return [_PROMPT]

    def actor(self, state: AnalystState) -> Actor:
        return Actor(role="analyst")

    def prepare(self, request: AgentRequest, state: AnalystState, box: Toolbox) -> dict[str, Any]:
        if request.kind != "question":
            raise RequestError(f"the analyst agent answers questions, not {request.kind}")
        kit = self.world.ready(self.registry.store)
        if not seeded(kit.catalog):
            raise RequestError("the store holds no retail data to answer from: run "
                               "`streamwise seed` first")
        question = kit.read(request.text)
        linked = kit.linker.link(question, store_holds(self.registry.store),
                                  store_lookup(self.registry.store))
        update: dict[str, Any] = {
            "messages": [HumanMessage(first_message(question, linked, kit))],
            "context": AnalystTurn(question=question, linked=linked,
                                   example_values=shown_values(linked))}
        if self.first_query == "code":
            update.update(self._code_first(question, linked, kit, box, update["messages"]))
        return update

    def _code_first(self, question: str, linked: Linked, kit: SqlKit, box: Toolbox,
                    messages: list[BaseMessage]) -> dict[str, Any]:
        """Run code's query (traced at step 0, before any model call). Rows answer the turn
        (finish reads them from the trace). An error or no rows leave it to the model, which
        is shown code's call and its result as if it had made them: it corrects that query
        as it would its own (and the rules treat its next query as a correction)."""
        proposal = code_query(kit, question, linked)
        if proposal is None:
            return {}
        start, done = proposal
        result = box.call(QUERY, done.arguments, step=0)
        box.trace[-1].update(proposed=start, amended=done.notes)
        if isinstance(result.output, QueryResult) and result.output.row_count:
            return {"final": {}, "outcome": "answered"}
        tried = AIMessage("", tool_calls=[{"name": QUERY, "args": done.arguments,
                                           "id": "code-query", "type": "tool_call"}])
        told = ToolMessage(result.for_model(), tool_call_id="code-query", name=QUERY,
                           status="success" if result.ok else "error")
        return {"messages": [*messages, tried, told]}

    def amend(self, state: AnalystState, name: str, arguments: dict[str, Any],
              ) -> tuple[dict[str, Any], list[str]]:
        turn = state.context
        if name != QUERY or turn.linked is None:
            return arguments, []
        kit = self.world.ready(self.registry.store)
        first = not any(t.get("name") == QUERY for t in state.trace)
        done = amend(arguments, turn.question, turn.linked, kit.catalog, kit.layer,
                     {phrase(v) for v in turn.example_values}, first=first)
        return done.arguments, done.notes

    def finish(self, state: AnalystState, box: Toolbox) -> dict[str, Any]:
        trace = state.trace
        runs = [t for t in trace if t.get("kind") == "tool" and t.get("name") == QUERY
                and t.get("status") in ("ok", "error")]
        good = [t for t in runs if t.get("status") == "ok" and t.get("result")]
        answer, message = None, ""
        if good:
            # The first result with rows answers; later queries of a small model drift.
            chosen = next((t for t in good if t["result"].get("row_count")), good[-1])
            result = QueryResult.model_validate(chosen["result"])
            rows = self._all_rows(result, box)
            answer = SqlAnswer(sql=result.sql, columns=[c.name for c in result.columns],
                               rows=rows, chart=chart_for(
                                   [(c.name, c.type) for c in result.columns], rows))
            message = render_answer(list(result.columns), rows, truncated=result.truncated,
                                    period=result.period)
        else:
            message = render_failure([_error_text(t.get("error")) for t in runs],
                                     state.context.question)
        failed = len(runs) - len(good)
        status = "step_limit" if state.outcome == "step_limit" and not good else "done"
        reply = AgentOutput(kind="reply", subject_id=box.request.subject_id, message=message,
                            details={"sql": answer.sql if answer else None,
                                     "row_count": len(answer.rows) if answer else 0,
                                     "failed_queries": failed})
        return {"status": status, "decision": "answer", "message": message,
                "outputs": [reply.model_dump(mode="json")],
                "answer": answer.model_dump(mode="json") if answer else None}

    def _all_rows(self, result: QueryResult, box: Toolbox) -> list[list[Any]]:
        """The whole table: the model read only the first rows of it."""
        if result.row_count <= len(result.rows) or "run_sql" not in self.registry:
            return result.rows
        again = self.registry.call("run_sql", {"sql": result.sql}, box.context())
        if not again.ok or again.output is None:
            return result.rows
        rows: list[list[Any]] = again.output.model_dump()["rows"]
        return rows


def _error_text(error: Any) -> str:
    try:
        body = json.loads(error) if isinstance(error, str) else error
    except ValueError:
        return str(error)
    if isinstance(body, dict):
        hint = f" ({body['hint']})" if body.get("hint") else ""
        return f"{body.get('message', '')}{hint}"
    return str(body)


def first_message(question: str, linked: Linked, kit: SqlKit) -> str:
    """The turn's first message: the linked part of the schema, terms, values, examples."""
    catalog, layer = kit.catalog, kit.layer
    lines = [f"Business date: {kit.compiler.as_of.isoformat()} (periods count back from it).",
             "Tables:"]
    for name in linked.tables:
        cols = []
        for c in catalog.tables[name].columns:
            if c.kind == "json":
                continue
            values = f" [{', '.join(c.values[:8])}{', ...' if len(c.values) > 8 else ''}]" \
                if c.values and len(c.values) <= 30 else ""
            cols.append(f"{c.ref} {c.kind}{values}")
        note = layer.tables.get(name)
        lines.append(f"- {name}: {note.description if note else ''}\n  " + "; ".join(cols))
    if linked.metrics:
        lines.append("Metrics:")
        for m in (layer.metric(n) for n in linked.metrics):
            if m is not None:
                lines.append(f"- {m.name}: {m.description} (from {m.table})")
    if linked.dimensions:
        lines.append("Dimensions: " + "; ".join(
            f"{d.name}: {d.description}" for d in (layer.dimension(n) for n in linked.dimensions)
            if d is not None))
    for hit in linked.values:
        stored = f" (stored as {hit.value!r})" if hit.said else ""
        lines.append(f"The question's {hit.words!r}{stored} is a value of "
                     f"{', '.join(hit.columns[:3])}.")
    if linked.examples:
        lines.append("Examples:")
        for e in linked.examples:
            shown = e.query.model_dump(mode="json", exclude=set(CODE_ONLY_FIELDS))
            for key in _OPTIONAL:  # shown where an example uses them, else left out
                if not shown.get(key):
                    shown.pop(key, None)
            lines.append(f"Q: {e.question}\nquery: " + json.dumps(shown, separators=(",", ":")))
    lines.append(f"Question: {question}")
    return "\n".join(lines)

