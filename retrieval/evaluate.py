"""Retrieval quality on the labelled query set: nDCG@k and recall@k for dense, BM25 and hybrid.

``python -m retrieval.evaluate`` or ``streamwise index eval``. Relevance is binary.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import EvaluationError

QUERIES = Path(__file__).with_name("eval") / "queries.jsonl"
MODES = ("dense", "bm25", "hybrid")


class LabelledQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    group: str
    query: str
    relevant: list[str]


class ModeScores(BaseModel):
    ndcg: float
    recall: float
    queries: int


class EvalReport(BaseModel):
    k: int
    queries: int
    # mode -> group ("all" included) -> scores
    scores: dict[str, dict[str, ModeScores]]


def dcg(gains: Sequence[float]) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """Binary-gain nDCG: DCG of the top k over the DCG of a perfect top k."""
    if not relevant:
        return 0.0
    gains = [1.0 if d in relevant else 0.0 for d in ranked[:k]]
    ideal = dcg([1.0] * min(len(relevant), k))
    return dcg(gains) / ideal


def recall_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & relevant) / len(relevant)


def load_queries(path: Path = QUERIES) -> list[LabelledQuery]:
    if not path.is_file():
        raise EvaluationError(f"no query set at {path}: run python -m retrieval.eval.build_queries")
    try:
        return [LabelledQuery.model_validate_json(line)
                for line in path.read_text().splitlines() if line.strip()]
    except ValidationError as exc:
        raise EvaluationError(f"malformed query set {path}: {exc}") from None


def evaluate(
    search: Callable[[str, int, str], Sequence[str]],
    queries: Sequence[LabelledQuery],
    *,
    k: int = 10,
    modes: Sequence[str] = MODES,
) -> EvalReport:
    """``search(query, k, mode)`` returns ranked doc ids."""
    scores: dict[str, dict[str, ModeScores]] = {}
    for mode in modes:
        per: dict[str, list[tuple[float, float]]] = {}
        for q in queries:
            ranked = list(search(q.query, k, mode))
            rel = set(q.relevant)
            pair = (ndcg_at_k(ranked, rel, k), recall_at_k(ranked, rel, k))
            per.setdefault(q.group, []).append(pair)
            per.setdefault("all", []).append(pair)
        scores[mode] = {
            g: ModeScores(ndcg=sum(p[0] for p in v) / len(v), recall=sum(p[1] for p in v) / len(v),
                          queries=len(v))
            for g, v in per.items()
        }
    return EvalReport(k=k, queries=len(queries), scores=scores)


def run(retriever: object, path: Path = QUERIES, k: int = 10) -> EvalReport:
    from .service import Retriever

    if not isinstance(retriever, Retriever):
        raise TypeError("run() needs a retrieval.Retriever")

    def search(query: str, n: int, mode: str) -> list[str]:
        return [h.doc_id for h in retriever.search(query, n, mode=mode)]  # type: ignore[arg-type]

    return evaluate(search, load_queries(path), k=k)


def format_report(report: EvalReport) -> str:
    groups = sorted(next(iter(report.scores.values())), key=lambda g: (g != "all", g))
    lines = [f"{'mode':<8}{'group':<20}{'n':>5}{'nDCG@' + str(report.k):>10}"
             f"{'recall@' + str(report.k):>11}"]
    for mode, by_group in report.scores.items():
        for g in groups:
            s = by_group[g]
            lines.append(f"{mode:<8}{g:<20}{s.queries:>5}{s.ndcg:>10.3f}{s.recall:>11.3f}")
    return "\n".join(lines)


def main() -> None:
    import argparse

    from .config import RetrievalSettings
    from .service import Retriever

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--index-dir", default="var/index")
    ap.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[1] / "data"))
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--json", dest="json_out", default=None)
    args = ap.parse_args()
    with Retriever(RetrievalSettings(index_dir=args.index_dir)) as r:
        if not r.stats().vectors:
            r.build(args.data_dir)
        report = run(r, k=args.k)
    print(format_report(report))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report.model_dump(), indent=2))


if __name__ == "__main__":
    main()
