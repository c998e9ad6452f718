"""A Vega-Lite spec for a result table, chosen from its column types in code.

- a date/time column and a number  -> line chart over time
- a text column and a number       -> bar chart, largest first
- two numbers and no text          -> scatter plot
Anything else (one value, one column, no numbers) gets no chart.
"""

from __future__ import annotations

from typing import Any

VEGA_LITE = "https://vega.github.io/schema/vega-lite/v5.json"
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UBIGINT", "UINTEGER",
            "USMALLINT", "UTINYINT", "FLOAT", "DOUBLE", "DECIMAL", "REAL")
_TEMPORAL = ("DATE", "TIMESTAMP", "TIME")


def _kind(sql_type: str) -> str:
    t = sql_type.upper()
    if t.startswith(_NUMERIC):
        return "quantitative"
    if t.startswith(_TEMPORAL):
        return "temporal"
    return "nominal"


def chart_for(columns: list[tuple[str, str]], rows: list[list[Any]]) -> dict[str, Any] | None:
    """A Vega-Lite v5 spec for ``rows`` of ``columns`` ((name, SQL type) pairs), or None."""
    if len(rows) < 2 or len(columns) < 2:
        return None
    kinds = {name: _kind(t) for name, t in columns}
    numbers = [n for n, k in kinds.items() if k == "quantitative"]
    times = [n for n, k in kinds.items() if k == "temporal"]
    texts = [n for n, k in kinds.items() if k == "nominal"]
    if not numbers:
        return None
    y = numbers[0] if (times or texts) else numbers[1] if len(numbers) > 1 else None
    if times:
        mark, x = "line", {"field": times[0], "type": "temporal"}
    elif texts:
        mark, x = "bar", {"field": texts[0], "type": "nominal", "sort": "-y"}
    elif y is not None:
        mark, x = "point", {"field": numbers[0], "type": "quantitative"}
    else:
        return None
    names = [n for n, _ in columns]
    return {
        "$schema": VEGA_LITE,
        "data": {"values": [dict(zip(names, row, strict=False)) for row in rows]},
        "mark": mark,
        "encoding": {"x": x, "y": {"field": y, "type": "quantitative"}},
    }
