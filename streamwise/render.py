"""Rich renderings of traces, analyst answers and run summaries for the terminal."""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from agents.contracts import AgentResult, SqlAnswer
from agents.trace import TraceRun


def _short(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def trace_panel(run: TraceRun) -> Panel:
    head = Text.assemble(
        (f"{run.agent} agent", "bold"), f"  event {run.event_id}  thread {run.thread_id}\n",
        f"status {run.status}  decision ", (run.decision or "-", "bold green"),
        f"  model calls {run.model_calls}  tokens {run.input_tokens}+{run.output_tokens}"
        f"  tool calls {run.tool_calls}  model time {run.model_latency_ms:.0f} ms\n",
        (run.message or "", "italic"),
    )
    steps = Table(show_header=True, header_style="bold", expand=True)
    for col in ("#", "step", "kind", "name", "status", "detail"):
        steps.add_column(col, overflow="fold")
    for s in run.steps:
        if s.kind == "model":
            detail = f"{s.input_tokens}+{s.output_tokens} tok, {s.latency_ms:.0f} ms"
        else:
            detail = _short(s.error or s.result if s.status != "ok" else s.arguments)
        steps.add_row(str(s.seq), str(s.step), s.kind, s.name, s.status, detail)
    outputs = Text("outputs: " + "; ".join(
        f"{o.get('kind')}:{o.get('action') or o.get('alert') or ''}"
        for o in run.outputs if isinstance(o, dict)) if run.outputs else "outputs: none")
    return Panel(Group(head, steps, outputs), title=f"trace {run.event_id}")


def answer_panel(result: AgentResult) -> RenderableType:
    parts: list[RenderableType] = [Text(result.message or "(no answer)", style="bold")]
    answer: SqlAnswer | None = result.answer
    if answer is not None:
        parts.append(Text(f"\nSQL: {answer.sql}", style="cyan"))
        table = Table(*answer.columns)
        for row in answer.rows[:20]:
            table.add_row(*(str(v) for v in row))
        parts.append(table)
        if len(answer.rows) > 20:
            parts.append(Text(f"... {len(answer.rows) - 20} more rows"))
        if answer.chart:
            parts.append(Text("Vega-Lite chart: " + json.dumps(answer.chart)[:300], style="dim"))
    return Panel(Group(*parts), title=f"analyst ({result.status})")


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary_table(results: Sequence[tuple[AgentResult, float]], dead_letters: int) -> Table:
    """Per agent: events, actions, approvals, p50 latency, tokens."""
    table = Table(title="per agent")
    for col in ("agent", "events", "actions", "alerts", "replies", "approvals",
                "p50 latency s", "p95 latency s", "tokens in+out"):
        table.add_column(col, justify="right" if col != "agent" else "left")
    by_agent: dict[str, list[tuple[AgentResult, float]]] = {}
    for result, seconds in results:
        by_agent.setdefault(result.agent, []).append((result, seconds))
    for agent, rows in sorted(by_agent.items()):
        kinds = [o.kind for r, _ in rows for o in r.outputs]
        lat = [s for _, s in rows]
        table.add_row(
            agent, str(len(rows)), str(kinds.count("action")), str(kinds.count("alert")),
            str(kinds.count("reply")), str(sum(len(r.approvals) for r, _ in rows)),
            f"{statistics.median(lat):.1f}", f"{percentile(lat, 0.95):.1f}",
            f"{sum(r.usage.input_tokens for r, _ in rows)}+"
            f"{sum(r.usage.output_tokens for r, _ in rows)}",
        )
    table.caption = f"dead letters: {dead_letters}"
    return table
