from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from retrieval import Filters, Hit, RetrievalSettings, Retriever
from retrieval.evaluate import load_queries

from .conftest import DATA

KEYBOARD = "product:1656367028"


def test_build_indexes_every_collection(retriever):
    stats = retriever.stats()
    assert stats.documents["product"] == 50
    assert stats.documents["faq"] >= 15
    assert stats.documents["policy"] >= 10
    assert stats.vectors == sum(stats.documents.values())
    assert stats.index_type == "flat" and stats.device == "cpu"


def test_search_contract_and_modes(retriever):
    for mode in ("dense", "bm25", "hybrid"):
        hits = retriever.search("mechanical keyboard with clicky switches", 3, mode=mode)
        assert hits and all(isinstance(h, Hit) for h in hits)
        assert hits[0].doc_id == KEYBOARD
        assert hits[0].meta["name"] == "Mechanical Keyboard"
        assert "clicky" in hits[0].text
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_policy_question_finds_policy(retriever):
    hits = retriever.search("can I cancel an order that was already delivered", 5)
    ids = [h.doc_id for h in hits]
    assert "policy:cancel-pending-order" in ids or "faq:5" in ids


def test_filters_apply_to_every_mode(retriever):
    for mode in ("dense", "bm25", "hybrid"):
        hits = retriever.search("refund to a gift card", 5, Filters(kind="faq"), mode=mode)
        assert hits and all(h.doc_id.startswith("faq:") for h in hits)
        hits = retriever.search("headphones", 10, Filters(kind="product", category="electronics",
                                                          in_stock=True), mode=mode)
        assert hits
        assert all(h.meta["category"] == "electronics" and h.meta["in_stock"] for h in hits)


def test_live_update_creates_and_deletes(retriever):
    query = "solar powered camping lantern"
    assert "product:lantern1" not in [h.doc_id for h in retriever.search(query, 5)]
    occurred = datetime.now(UTC) - timedelta(milliseconds=50)
    res = retriever.apply_catalog_update(
        "lantern1", "Solar Lantern", "created", "A solar powered lantern for camping",
        {"777": {"options": {"color": "green"}, "available": True, "price": 24.5}},
        occurred_at=occurred,
    )
    assert res.action == "upserted" and res.freshness_s is not None and res.freshness_s >= 0.05
    for mode in ("dense", "bm25", "hybrid"):
        assert retriever.search(query, 3, mode=mode)[0].doc_id == "product:lantern1"
    same = retriever.apply_catalog_update(
        "lantern1", "Solar Lantern", "created", "A solar powered lantern for camping",
        {"777": {"options": {"color": "green"}, "available": True, "price": 24.5}})
    assert same.action == "unchanged"
    gone = retriever.apply_catalog_update("lantern1", "Solar Lantern", "deleted")
    assert gone.action == "deleted"
    for mode in ("dense", "bm25", "hybrid"):
        assert "product:lantern1" not in [h.doc_id for h in retriever.search(query, 10, mode=mode)]
    assert retriever.apply_catalog_update("lantern1", "x", "deleted").action == "absent"


def test_update_out_of_stock_changes_the_filter(retriever):
    products = json.loads((DATA / "db.json").read_text())["products"]
    p = products["1656367028"]
    variants = {k: {**v, "available": False} for k, v in p["variants"].items()}
    retriever.apply_catalog_update(p["product_id"], p["name"], "updated", "", variants)
    in_stock = retriever.search("mechanical keyboard", 10, Filters(in_stock=True, kind="product"))
    assert KEYBOARD not in [h.doc_id for h in in_stock]
    out = retriever.search("mechanical keyboard", 3, Filters(in_stock=False))
    assert out[0].doc_id == KEYBOARD


def test_resolutions_are_searchable(retriever):
    retriever.add_resolution("T-991", "Customer's espresso machine leaked; exchanged for the "
                             "same model with a new pump", {"order_id": "#W1"})
    hits = retriever.search("espresso machine leaking water", 3, Filters(kind="resolution"))
    assert hits[0].doc_id == "resolution:T-991" and hits[0].meta["order_id"] == "#W1"


def test_reopen_recovers_unsaved_updates(retriever, embedder):
    # save_every=0: the index file is not rewritten, only the document store is
    retriever.settings = retriever.settings.model_copy(update={"save_every": 0})
    retriever.apply_catalog_update("kite9", "Stunt Kite", "created", "A dual-line stunt kite",
                                   {"1": {"options": {}, "available": True, "price": 40.0}})
    retriever.delete_documents(["faq:1"])
    retriever.store.close()  # a crash: nothing saved beyond the store
    again = Retriever(RetrievalSettings(index_dir=str(retriever.dir)), embedder=embedder)
    assert again.search("stunt kite", 1)[0].doc_id == "product:kite9"
    assert "faq:1" not in [h.doc_id for h in again.search("prove who I am", 10, mode="dense")]
    again.close()


def test_query_set_labels_point_at_real_documents(retriever):
    queries = load_queries()
    assert len(queries) >= 100
    ids = {d.id for d in retriever.store.all()}
    for q in queries:
        assert q.relevant and set(q.relevant) <= ids, q.id


def test_concurrent_searches_and_updates(retriever):
    from concurrent.futures import ThreadPoolExecutor

    def search(i: int) -> str:
        return retriever.search(f"mechanical keyboard {i % 3}", 3)[0].doc_id

    def update(i: int) -> str:
        return retriever.apply_catalog_update(f"c{i}", f"Camp Chair {i}", "created",
                                              "folding chair").action

    with ThreadPoolExecutor(4) as pool:
        searches = [pool.submit(search, i) for i in range(12)]
        updates = [pool.submit(update, i) for i in range(4)]
        assert all(f.result() == KEYBOARD for f in searches)
        assert all(f.result() == "upserted" for f in updates)
    assert retriever.stats().documents["product"] == 54
