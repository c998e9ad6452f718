from __future__ import annotations

from datetime import UTC, datetime

import pytest

from retrieval import Document, DocumentNotFound, DocumentStore


def test_upsert_get_delete_roundtrip(tmp_path):
    path = tmp_path / "docs.duckdb"
    store = DocumentStore(path)
    store.upsert([
        Document(id="faq:1", kind="faq", text="Q: hi", meta={"question": "hi"}),
        Document(id="product:1", kind="product", text="Kettle",
                 meta={"in_stock": True, "item_ids": ["a", "b"], "price_min": 9.5}),
    ])
    doc = store.get("product:1")
    assert doc.meta == {"in_stock": True, "item_ids": ["a", "b"], "price_min": 9.5}
    assert doc.updated_at is not None and doc.updated_at <= datetime.now(UTC)
    store.upsert([Document(id="product:1", kind="product", text="Kettle v2")])
    assert store.get("product:1").text == "Kettle v2"
    assert store.counts() == {"faq": 1, "product": 1}
    assert store.delete(["product:1", "nope"]) == 1
    with pytest.raises(DocumentNotFound):
        store.get("product:1")
    store.close()
    reopened = DocumentStore(path)  # persisted in its own DuckDB file
    assert [d.id for d in reopened.all()] == ["faq:1"]
    reopened.clear(["faq"])
    assert reopened.counts() == {}
