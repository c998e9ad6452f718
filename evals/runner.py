"""Run a suite's cases, each in its world, with a progress bar; report and write the JSON.

    report = run_suite(suite, cases, worlds.open, RunInfo(model=..., endpoint=...))

A suite that changes the store gets a fresh world per case, any other one world
for the run. A case that raises (the harness or the agent failed in a way the
suite did not catch) is recorded with its ``error`` and counts as failed; the
run goes on.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from .base import CaseResult, EvalWorld, Suite, WorldFactory
from .report import EvalReport, category_table, per_category, summary_table, write_report


class RunInfo(BaseModel):
    """What the report says about the run besides its results."""

    model: str
    endpoint: str
    protocol: str = ""
    tasks: str = ""


def _load() -> tuple[float, float, float]:
    try:
        return os.getloadavg()
    except OSError:  # not available on this platform
        return (0.0, 0.0, 0.0)


def _case_id(case: Any, index: int) -> str:
    return str(getattr(case, "case_id", None) or getattr(case, "id", None) or index)


@contextlib.contextmanager
def _worlds(suite: Suite, factory: WorldFactory) -> Iterator[WorldFactory]:
    """Per case a fresh world for a suite that mutates; else one shared, kept open."""
    if suite.mutates:
        yield factory
        return
    with factory() as shared:

        @contextlib.contextmanager
        def same() -> Iterator[EvalWorld]:
            yield shared

        yield same


def run_case(suite: Suite, case: Any, index: int, world: WorldFactory) -> CaseResult:
    started = time.perf_counter()
    try:
        with world() as w:
            return suite.run_case(case, w)
    except Exception as exc:  # noqa: BLE001 - one failed case must not end the run
        return CaseResult(suite=suite.name, case_id=_case_id(case, index),
                          category=str(getattr(case, "category", "") or "error"),
                          passed=False, seconds=time.perf_counter() - started,
                          error=f"{type(exc).__name__}: {exc}")


def _summed(report: EvalReport, suite: Suite) -> EvalReport:
    """The report's figures over the cases run so far."""
    report.load_average_end = _load()
    report.per_category = per_category(report.cases)
    report.summary = suite.summary(report.cases)
    return report


def run_suite(suite: Suite, cases: Sequence[Any], worlds: WorldFactory, info: RunInfo, *,
              out: Path | None = None, console: Console | None = None) -> EvalReport:
    """Run every case, print the tables, write the report to ``out`` (when given)."""
    console = console or Console()
    report = EvalReport(suite=suite.name, model=info.model, endpoint=info.endpoint,
                        protocol=info.protocol, tasks=info.tasks,
                        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
                        load_average_start=_load())
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[passed]} passed"), TimeElapsedColumn(),
               TimeRemainingColumn())
    with _worlds(suite, worlds) as world, Progress(*columns, console=console) as progress:
        bar = progress.add_task(f"{suite.name} on {info.model}", total=len(cases), passed=0)
        for i, case in enumerate(cases):
            result = run_case(suite, case, i, world)
            report.cases.append(result)
            progress.update(bar, advance=1, passed=sum(r.passed for r in report.cases))
            if out is not None and i + 1 < len(cases):
                # A long CPU run that is stopped keeps what it measured (``finished_at``
                # stays empty until the last case).
                write_report(_summed(report, suite), out)
    _summed(report, suite).finished_at = datetime.now(UTC).isoformat(timespec="seconds")
    console.print(category_table(report))
    if report.summary:
        console.print(summary_table(report))
    if out is not None:
        write_report(report, out)
        console.print(f"results: {out}", highlight=False, soft_wrap=True)
    return report
