"""The hostile-input suite: every test here is one attempt, classified at the end.

Each ``test_<category>.py`` holds the attempts of one category as parametrized
tests that go through the public API (a tool call, an event parse, an agent
turn driven by the scripted model). An attempt that passes was **held**; one
that fails an assertion **breached** a guarantee; one that raises anything else
out of the public API **crashed** it. Tests named ``test_control_*`` are the
positive controls (legitimate calls that must still work) and are counted apart.
The summary prints a table per category after the run.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest

_OUTCOMES: dict[str, Counter[str]] = defaultdict(Counter)


def _category(item: pytest.Item) -> str:
    name = Path(str(item.fspath)).stem.removeprefix("test_")
    return f"{name} (controls)" if item.name.startswith("test_control") else name


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" and not (report.when == "setup" and report.failed):
        return
    if "tests/security" not in str(item.fspath).replace("\\", "/"):
        return
    if report.passed:
        verdict = "held"
    elif report.skipped:
        verdict = "skipped"
    elif call.excinfo is not None and call.excinfo.errisinstance(AssertionError):
        verdict = "breached"
    else:
        verdict = "crashed"
    _OUTCOMES[_category(item)][verdict] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _OUTCOMES:
        return
    tr = terminalreporter
    tr.section("hostile-input attempts")
    tr.write_line(f"{'category':<34}{'held':>7}{'breached':>10}{'crashed':>9}")
    total: Counter[str] = Counter()
    for category in sorted(_OUTCOMES):
        c = _OUTCOMES[category]
        if not category.endswith("(controls)"):
            total.update(c)
        tr.write_line(f"{category:<34}{c['held']:>7}{c['breached']:>10}{c['crashed']:>9}")
    tr.write_line(f"{'attempts (controls excluded)':<34}{total['held']:>7}"
                  f"{total['breached']:>10}{total['crashed']:>9}")
