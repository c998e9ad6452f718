"""Replaying recorded analyst queries through today's rules (``evals.replay``)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from evals.analyst import ensure_audit_trail, run_query
from evals.replay import replay
from tests.tools._seeded import seeded_template  # noqa: F401  (a fixture)
from tools import DuckDBStore


@pytest.fixture(scope="module")
def store(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory,  # noqa: F811
          ) -> Iterator[DuckDBStore]:
    path = tmp_path_factory.mktemp("replay") / "store.duckdb"
    shutil.copyfile(seeded_template, path)
    s = DuckDBStore(path)
    ensure_audit_trail(s)
    yield s
    s.close()


def _case(case_id: str, question: str, proposed: dict[str, object], gold: list[list[object]],
          passed: bool, *, code_first: dict[str, object] | None = None) -> dict[str, object]:
    code = [{"proposed": code_first, "by": "code"}] if code_first is not None else []
    return {"case_id": case_id, "passed": passed,
            "detail": {"question": question, "gold_rows": gold,
                       "queries": [*code, {"proposed": proposed, "by": "model"}]}}


def test_a_recorded_query_is_completed_by_today_s_rules_and_scored(
        store: DuckDBStore, tmp_path: Path) -> None:
    count = run_query(store, "SELECT count(*) FROM promotions WHERE ends_on "
                             "BETWEEN DATE '2026-10-01' AND DATE '2026-10-31'").rows
    wrong = run_query(store, "SELECT count(*) FROM promotions").rows
    base = {"group_by": [], "period": "all", "order": "none", "limit": None}
    # the model bounded the wrong edge of the month; the calendar rule reads it right
    month = {**base, "metrics": ["promotion_count"],
             "filters": [{"field": "promotions.ends_on", "op": ">=", "value": "2026-10-31"}]}
    results = tmp_path / "eval_analyst_x.json"
    results.write_text(json.dumps({"cases": [
        _case("a", "How many promotions ended during October 2026?", month, count, False),
        _case("a", "How many promotions ended during October 2026?", month, count, False),
        _case("b", "How many promotions ended during October 2026?",
              {**month, "filters": []}, wrong, True),
        _case("c", "no proposal recorded", {}, count, False),
        # code's own query ran first: the model's (the next) is the proposal replayed
        _case("d", "How many promotions ended during October 2026?", month, count, False,
              code_first={**base, "metrics": ["order_count"], "filters": []}),
    ]}))
    got = {r.case_id: (r.passed_then, r.passed_now) for r in replay([results], store)}
    # once per question and proposal (d's model query is a's); c skipped
    assert got == {"a": (False, True), "b": (True, False)}
