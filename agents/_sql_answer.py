"""The analyst's answer text, written in code from a successful result.

Every figure in it is a cell of the result, formatted by its column's kind
(money, units, days, percent); the model writes none of it. Without a
successful query the answer says so and gives the last error, less the figures
the model put in its query (an error quotes the value it refused).
"""

from __future__ import annotations

import re
from typing import Any

from ._sql_compile import OutputColumn

_SHOWN = 5  # rows named in the text; the table carries them all


def fmt(value: Any, kind: str) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if kind == "money":
        return f"${value:,.2f}"
    if kind == "percent":
        return f"{value:,.1f}%"
    if kind == "days":
        return f"{value:,.1f} days"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def _row_text(columns: list[OutputColumn], row: list[Any]) -> str:
    keys = [fmt(v, c.format) for c, v in zip(columns, row, strict=False) if not c.metric]
    figures = [f"{c.label} {fmt(v, c.format)}" for c, v in zip(columns, row, strict=False)
               if c.metric]
    head = ", ".join(keys)
    return f"{head}: {', '.join(figures)}" if figures and head else head or ", ".join(figures)


def render_answer(columns: list[OutputColumn], rows: list[list[Any]], *, truncated: bool,
                  period: str) -> str:
    when = f" ({period})" if period else ""
    if not rows:
        return f"The query ran and found no matching rows{when}."
    metrics = [c for c in columns if c.metric]
    if len(rows) == 1 and len(metrics) == len(columns):
        figures = "; ".join(f"{c.label}: {fmt(v, c.format)}"
                            for c, v in zip(columns, rows[0], strict=False))
        return f"{figures[0].upper()}{figures[1:]}{when}."
    count = f"{len(rows):,}{'+' if truncated else ''}"
    what = ("row" if metrics else "result") + ("" if len(rows) == 1 and not truncated else "s")
    listed = "; ".join(_row_text(columns, r) for r in rows[:_SHOWN])
    # "the rest in the table", not "and 45 more": a difference is a figure no cell holds.
    more = "; the rest are in the table" if len(rows) > _SHOWN else ""
    return f"{count} {what}{when}: {listed}{more}."


_FIGURE = re.compile(r"(?<![\w.$])\$?\d[\d,]*(?:\.\d+)?%?(?![\w.])")


def render_failure(errors: list[str], question: str = "") -> str:
    if not errors:
        return "I could not answer: no query was run."
    # No count of attempts, and no figure but the question's: an answer states no figure
    # that no successful query returned ("not 0.5" quotes the model, not the store).
    error = _FIGURE.sub(lambda m: m.group(0) if m.group(0) in question else "the value given",
                        errors[-1])
    return f"I could not answer: no query succeeded. The last error: {error}"
