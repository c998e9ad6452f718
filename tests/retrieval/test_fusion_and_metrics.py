from __future__ import annotations

import math

import pytest

from retrieval._bm25 import BM25Index, tokenize
from retrieval._fusion import rrf
from retrieval.evaluate import LabelledQuery, evaluate, ndcg_at_k, recall_at_k


def test_rrf_by_hand():
    fused = dict(rrf([["a", "b", "c"], ["b", "d"]], k=60))
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert fused["a"] == pytest.approx(1 / 61)
    assert fused["d"] == pytest.approx(1 / 62)
    assert [d for d, _ in rrf([["a", "b", "c"], ["b", "d"]], k=60)] == ["b", "a", "d", "c"]


def test_rrf_agreement_beats_a_single_first_place():
    ranked = rrf([["x", "y"], ["y", "z"], ["w", "y"]], k=1)
    assert ranked[0][0] == "y"


def test_ndcg_by_hand():
    # relevant at ranks 1 and 3 of 2 relevant: (1 + 1/log2(4)) / (1 + 1/log2(3))
    expected = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(["a", "x", "b"], {"a", "b"}, 10) == pytest.approx(expected)
    assert ndcg_at_k(["a", "b"], {"a", "b"}, 10) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "y"], {"a"}, 10) == 0.0
    assert ndcg_at_k(["x", "a"], {"a"}, 1) == 0.0  # cut at k


def test_recall_by_hand():
    assert recall_at_k(["a", "x", "b"], {"a", "b", "c", "d"}, 10) == 0.5
    assert recall_at_k(["a", "x", "b"], {"a", "b"}, 2) == 0.5
    assert recall_at_k([], {"a"}, 10) == 0.0


def test_evaluate_averages_per_group_and_overall():
    queries = [LabelledQuery(id="1", group="g1", query="q1", relevant=["a"]),
               LabelledQuery(id="2", group="g2", query="q2", relevant=["b"])]
    report = evaluate(lambda q, k, mode: ["a"], queries, k=10, modes=["m"])
    assert report.scores["m"]["g1"].recall == 1.0
    assert report.scores["m"]["g2"].recall == 0.0
    assert report.scores["m"]["all"].recall == 0.5


def test_bm25_ranks_term_matches_and_filters():
    b = BM25Index(["kind"])
    b.upsert("p1", "red running shoes with rubber sole", {"kind": "product"})
    b.upsert("p2", "blue cotton t-shirt", {"kind": "product"})
    b.upsert("f1", "how to return shoes you received", {"kind": "faq"})
    assert b.search("running shoes", 3)[0][0] == "p1"
    assert [d for d, _ in b.search("shoes", 3, {"kind": ["faq"]})] == ["f1"]
    b.delete("p1")
    assert "p1" not in [d for d, _ in b.search("running shoes", 3)]
    assert tokenize("The Orders are pending") == ["order", "pending"]
