"""Replay the model's recorded analyst queries through today's rules, without the model.

    python -m evals.replay benchmarks/results/eval_analyst_*.json    # from a checkout

Each case of an analyst result file keeps the model's first query as it wrote it
(``detail.queries[0].proposed``) and the gold rows. Completing those queries with the
current ``_sql_amend`` and compiler, on a freshly seeded store, says in seconds what a
change to the rules does to answers the model already gave: how many match the gold now,
and which changed either way. It is not a model run: a new prompt or linking would make
the model write other queries. The same question with the same proposal counts once.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from tools import DuckDBStore, Store, ToolSettings
from tools.seed import seed_store

from .analyst import (
    DEFAULT_LAYER,
    EXAMPLES_PATH,
    SqlWorld,
    Table,
    ensure_audit_trail,
    replayed_table,
    tables_match,
)

CHECKOUT_DATA = Path(__file__).resolve().parents[1] / "data"


class Replayed(BaseModel):
    case_id: str
    question: str
    passed_then: bool  # the run's own verdict (its whole loop, not only the first query)
    passed_now: bool


def proposals(files: Sequence[Path]) -> list[tuple[str, str, dict[str, Any], Table, bool]]:
    """(case id, question, first proposed query, gold table, passed) once per question
    and proposal, from analyst result files."""
    seen: dict[tuple[str, str], tuple[str, str, dict[str, Any], Table, bool]] = {}
    for path in files:
        for case in json.loads(path.read_text())["cases"]:
            detail = case.get("detail") or {}
            # The model's queries only: code's own (by "code") is not a proposal to replay.
            queries = [q for q in detail.get("queries") or [] if q.get("by", "model") == "model"]
            proposed = queries[0].get("proposed") if queries else None
            gold = detail.get("gold_rows")
            if not proposed or not gold:
                continue
            key = (detail["question"], json.dumps(proposed, sort_keys=True))
            table = Table(columns=[f"c{i}" for i in range(len(gold[0]))], rows=gold)
            seen.setdefault(key, (case["case_id"], detail["question"], proposed, table,
                                  bool(case["passed"])))
    return list(seen.values())


def replay(files: Sequence[Path], store: Store) -> list[Replayed]:
    kit = SqlWorld(DEFAULT_LAYER, EXAMPLES_PATH).ready(store)
    out = []
    for case_id, question, proposed, gold, passed in proposals(files):
        answer = replayed_table(kit, store, question, proposed)
        out.append(Replayed(case_id=case_id, question=question, passed_then=passed,
                            passed_now=answer is not None and tables_match(gold, answer)))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="analyst result files")
    parser.add_argument("--data", type=Path, default=CHECKOUT_DATA,
                        help="the retail data to seed from (default: the checkout's data/)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        store = DuckDBStore(Path(tmp) / "replay.duckdb")
        try:
            seed_store(store, ToolSettings(), args.data)
            ensure_audit_trail(store)
            results = replay(args.files, store)
        finally:
            store.close()
    now = sum(r.passed_now for r in results)
    print(f"{len(results)} recorded proposals: {now} match the gold with today's rules")
    for r in results:
        if r.passed_now != r.passed_then:
            print(f"  {'now right' if r.passed_now else 'now wrong'}  {r.case_id}  "
                  f"{r.question}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
