"""An evaluation run's report: per-category figures, the rich tables, the JSON file."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field
from rich.table import Table

from .base import CaseResult

RESULTS_DIR = Path(__file__).resolve().parents[1] / "benchmarks" / "results"


class CategoryStats(BaseModel):
    cases: int
    passed: int
    passed_pct: float
    # The mean of each per-case score over the cases that report it.
    scores: dict[str, float] = Field(default_factory=dict)
    errors: int = 0
    seconds_per_case: float = 0.0


class EvalReport(BaseModel):
    suite: str
    model: str
    endpoint: str
    protocol: str = ""
    tasks: str = ""
    started_at: str
    finished_at: str = ""
    load_average_start: tuple[float, float, float]
    load_average_end: tuple[float, float, float] = (0.0, 0.0, 0.0)
    summary: dict[str, float] = Field(default_factory=dict)
    per_category: dict[str, CategoryStats] = Field(default_factory=dict)
    cases: list[CaseResult] = Field(default_factory=list)


def stats(results: Sequence[CaseResult]) -> CategoryStats:
    n = len(results)
    passed = sum(r.passed for r in results)
    by_score: dict[str, list[float]] = defaultdict(list)
    for r in results:
        for name, value in r.scores.items():
            by_score[name].append(value)
    return CategoryStats(
        cases=n, passed=passed, passed_pct=100.0 * passed / n if n else 0.0,
        scores={k: sum(v) / len(v) for k, v in sorted(by_score.items())},
        errors=sum(1 for r in results if r.error),
        seconds_per_case=sum(r.seconds for r in results) / n if n else 0.0)


def per_category(results: Sequence[CaseResult]) -> dict[str, CategoryStats]:
    """Figures per category (sorted), then "all" over every case."""
    groups: dict[str, list[CaseResult]] = defaultdict(list)
    for r in results:
        groups[r.category].append(r)
    out = {c: stats(groups[c]) for c in sorted(groups)}
    out["all"] = stats(results)
    return out


def category_table(report: EvalReport) -> Table:
    names = sorted({s for c in report.per_category.values() for s in c.scores})
    table = Table(title=f"{report.suite} — {report.model}"
                  + (f" ({report.protocol})" if report.protocol else "")
                  + (": means per category" if names else ""))
    table.add_column("category", no_wrap=True)
    table.add_column("cases", justify="right")
    table.add_column("passed", justify="right")
    for name in names:
        table.add_column(name, justify="right")
    table.add_column("errors", justify="right")
    table.add_column("s/case", justify="right")
    for category, c in report.per_category.items():
        cells = [f"{c.scores[n]:.2f}" if n in c.scores else "-" for n in names]
        if category == "all":
            table.add_section()
        table.add_row(category, str(c.cases), f"{c.passed_pct:.0f}%", *cells, str(c.errors),
                      f"{c.seconds_per_case:.1f}")
    return table


def summary_table(report: EvalReport) -> Table:
    table = Table(title=f"{report.suite} summary")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in report.summary.items():
        table.add_row(name, f"{value:.3f}" if value != int(value) else f"{int(value)}")
    return table


def safe_name(text: str) -> str:
    """A model name as a file name part ("Qwen/Qwen2.5-7B" -> "Qwen_Qwen2.5-7B")."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "model"


def result_path(suite: str, model: str, directory: Path = RESULTS_DIR) -> Path:
    return directory / f"eval_{safe_name(suite)}_{safe_name(model)}.json"


def write_report(report: EvalReport, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
