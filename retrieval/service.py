"""The public face of retrieval: build, search, live updates, stats.

The DuckDB document store is the source of truth; the FAISS index and BM25
are derived from it. On open, documents changed since the index was last
saved (by content hash) are re-embedded, so a crash loses no update.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from . import metrics as M
from ._bm25 import BM25Index
from ._corpus import (
    embedding_text,
    faq_documents,
    policy_documents,
    product_doc_id,
    product_document,
    product_documents,
    resolution_doc_id,
)
from ._fusion import rrf
from .config import RetrievalSettings
from .embedder import Embedder, SentenceTransformerEmbedder
from .errors import IndexStateError
from .index import FILTER_FIELDS, VectorIndex
from .models import Document, Filters, Hit, IndexStats, MetaValue, UpdateResult
from .store import DocumentStore

Mode = Literal["dense", "bm25", "hybrid"]
Progress = Callable[[int, int], None]


def _attrs(doc: Document) -> dict[str, Any]:
    return {"kind": doc.kind, "category": doc.meta.get("category"),
            "in_stock": doc.meta.get("in_stock")}


def _hash(doc: Document) -> str:
    blob = json.dumps([doc.kind, doc.text, _attrs(doc)], sort_keys=True).encode()
    return hashlib.blake2b(blob, digest_size=12).hexdigest()


class Retriever:
    def __init__(self, settings: RetrievalSettings | None = None, *,
                 embedder: Embedder | None = None) -> None:
        self.settings = s = settings or RetrievalSettings()
        self.dir = Path(s.index_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.embedder: Embedder = embedder or SentenceTransformerEmbedder(
            s.model_path, device=s.device, batch_size=s.batch_size, cache_size=s.cache_size,
            threads=s.embed_threads,
        )
        self.store = DocumentStore(self.dir / "documents.duckdb")
        self.index = VectorIndex(
            self.embedder.dim, index_type=s.index_type, device=s.device, threads=s.threads,
            flat_threshold=s.flat_threshold, pq_threshold=s.pq_threshold, nprobe=s.nprobe,
            recall_target=s.recall_target, ef_search=s.ef_search, k_factor=s.k_factor,
            mmap_min_bytes=s.mmap_min_bytes,
        )
        self.bm25 = BM25Index(FILTER_FIELDS)
        self._hashes: dict[str, str] = {}
        self._lock = threading.RLock()
        self._unsaved = 0
        self._open()

    # ------------------------------------------------------------ lifecycle

    def _open(self) -> None:
        docs = self.store.all()
        if (self.dir / "vectors.faiss").is_file():
            self.index.load(self.dir)
            hashes = self.dir / "hashes.json"
            self._hashes = json.loads(hashes.read_text()) if hashes.is_file() else {}
        stale = [d for d in docs if self._hashes.get(d.id) != _hash(d) or d.id not in self.index]
        ids = {d.id for d in docs}
        gone = [i for i in list(self._hashes) if i not in ids]
        gone += [i for i in self.index.ids() if i not in ids]
        if stale:
            self._index_docs(stale)
        if gone:
            self.index.delete(sorted(set(gone)))
            for i in gone:
                self._hashes.pop(i, None)
        for d in docs:
            self.bm25.upsert(d.id, d.text, _attrs(d))
        if stale or gone:
            self.save()
        self._gauges()

    def close(self) -> None:
        with self._lock:
            if self._unsaved:
                self.save()
            self.store.close()

    def __enter__(self) -> Retriever:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def save(self) -> None:
        with self._lock:
            if len(self.index) == 0 and self.index._index is None:
                return
            self.index.save(self.dir)
            tmp = self.dir / "hashes.json.tmp"
            tmp.write_text(json.dumps(self._hashes))
            tmp.replace(self.dir / "hashes.json")
            self._unsaved = 0

    def build(self, data_dir: str | Path, *, progress: Progress | None = None) -> dict[str, int]:
        """(Re)index the catalog, policy and FAQ from ``data_dir``; resolutions are kept."""
        d = Path(data_dir)
        docs = product_documents(d / "db.json") + policy_documents(d / "policy.md")
        if (d / "faq.md").is_file():
            docs += faq_documents(d / "faq.md")
        with self._lock:
            kept = self.store.all("resolution")
            self.store.clear(["product", "policy", "faq"])
            docs = self.store.upsert(docs) + kept
            vectors = self._embed([embedding_text(x) for x in docs], progress)
            self.index.build([x.id for x in docs], vectors, [_attrs(x) for x in docs])
            self._hashes = {x.id: _hash(x) for x in docs}
            self.bm25 = BM25Index(FILTER_FIELDS)
            for x in docs:
                self.bm25.upsert(x.id, x.text, _attrs(x))
            self.save()
            self._gauges()
            return self.store.counts()

    def _embed(self, texts: Sequence[str], progress: Progress | None = None) -> Any:
        import numpy as np

        step = self.settings.batch_size * 4
        parts = []
        for start in range(0, len(texts), step):
            parts.append(self.embedder.embed(texts[start:start + step]))
            if progress:
                progress(min(start + step, len(texts)), len(texts))
        return np.concatenate(parts) if parts else np.empty((0, self.embedder.dim), np.float32)

    # -------------------------------------------------------------- writing

    def upsert_documents(self, docs: Sequence[Document]) -> list[Document]:
        with self._lock:
            stored = self.store.upsert(docs)
            self._index_docs(stored)
            self._after_write()
            return stored

    def delete_documents(self, ids: Sequence[str]) -> int:
        with self._lock:
            n = self.store.delete(ids)
            self.index.delete(ids)
            for i in ids:
                self.bm25.delete(i)
                self._hashes.pop(i, None)
            self._after_write()
            return n

    def _index_docs(self, docs: Sequence[Document]) -> None:
        if not docs:
            return
        vectors = self._embed([embedding_text(d) for d in docs])
        self.index.upsert([d.id for d in docs], vectors, [_attrs(d) for d in docs])
        for d in docs:
            self.bm25.upsert(d.id, d.text, _attrs(d))
            self._hashes[d.id] = _hash(d)

    def _after_write(self) -> None:
        self._unsaved += 1
        if self.settings.save_every and self._unsaved >= self.settings.save_every:
            self.save()
        self._gauges()

    def apply_catalog_update(
        self,
        product_id: str,
        name: str,
        change: Literal["created", "updated", "deleted"],
        description: str = "",
        variants: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        occurred_at: datetime | None = None,
    ) -> UpdateResult:
        """Apply one CatalogUpdated event: upsert or delete the product's document and vector.

        ``occurred_at`` (the event time) makes the result carry ``freshness_s``, the
        time from the event to the change being searchable, also observed as a metric.
        """
        t0 = time.perf_counter()
        doc_id = product_doc_id(product_id)
        with self._lock:
            if change == "deleted":
                action = "deleted" if self.delete_documents([doc_id]) else "absent"
            else:
                doc = product_document(product_id, name, variants or {}, description)
                if self._hashes.get(doc_id) == _hash(doc) and doc_id in self.index:
                    action = "unchanged"
                else:
                    self.upsert_documents([doc])
                    action = "upserted"
        return self._result(doc_id, action, t0, occurred_at)

    def add_resolution(self, ticket_id: str, text: str,
                       meta: Mapping[str, MetaValue] | None = None, *,
                       occurred_at: datetime | None = None) -> UpdateResult:
        """Index how a ticket was resolved (agent output) so later tickets can find it."""
        t0 = time.perf_counter()
        doc = Document(id=resolution_doc_id(ticket_id), kind="resolution", text=text,
                       meta={"ticket_id": ticket_id, **(meta or {})})
        self.upsert_documents([doc])
        return self._result(doc.id, "upserted", t0, occurred_at)

    def _result(self, doc_id: str, action: Any, t0: float,
                occurred_at: datetime | None) -> UpdateResult:
        now = datetime.now(UTC)
        fresh = None
        if occurred_at is not None:
            when = occurred_at if occurred_at.tzinfo else occurred_at.replace(tzinfo=UTC)
            fresh = max(0.0, (now - when).total_seconds())
            M.FRESHNESS_SECONDS.observe(fresh)
        M.UPDATES.labels(action).inc()
        return UpdateResult(doc_id=doc_id, action=action, searchable_at=now, freshness_s=fresh,
                            apply_s=time.perf_counter() - t0)

    # -------------------------------------------------------------- reading

    def search(self, query: str, k: int = 5, filters: Filters | None = None, *,
               mode: Mode | None = None) -> list[Hit]:
        """Top ``k`` documents for ``query``; mode defaults to hybrid when settings say so."""
        mode = mode or ("hybrid" if self.settings.hybrid else "dense")
        constraints = filters.as_constraints() if filters else None
        if mode not in ("dense", "bm25", "hybrid"):
            raise ValueError(f"unknown search mode {mode!r}: dense, bm25 or hybrid")
        t0 = time.perf_counter()
        # Embed outside the lock: encoding is the slow part and the embedder is thread-safe.
        vector = self.embedder.embed([query]) if mode != "bm25" else None
        depth = max(4 * k, 50) if mode == "hybrid" else k
        with self._lock:
            dense = self.index.search(vector, depth, constraints)[0] if vector is not None else []
            lexical = self.bm25.search(query, depth, constraints) if mode != "dense" else []
            if mode == "hybrid":
                ranked = rrf([[d for d, _ in dense], [d for d, _ in lexical]],
                             self.settings.rrf_k)[:k]
            else:
                ranked = dense or lexical
            docs = self.store.get_many([d for d, _ in ranked])
        M.SEARCH_SECONDS.labels(mode).observe(time.perf_counter() - t0)
        return [Hit(doc_id=d, score=s, text=docs[d].text, meta=docs[d].meta)
                for d, s in ranked if d in docs]

    def stats(self) -> IndexStats:
        cache_hits = getattr(self.embedder, "cache_hits", 0)
        cache_misses = getattr(self.embedder, "cache_misses", 0)
        return IndexStats(
            index_type=self.index.kind, device=self.index.device, vectors=len(self.index),
            documents=self.store.counts(), dim=self.embedder.dim, index_bytes=self.index.nbytes(),
            nprobe=self.index.nprobe if self.index.kind.startswith("ivf") else None,
            calibrated_recall=self.index.calibrated_recall,
            embed_cache_hits=cache_hits, embed_cache_misses=cache_misses,
        )

    def _gauges(self) -> None:
        M.INDEX_VECTORS.set(len(self.index))
        M.INDEX_BYTES.set(self.index.nbytes())
        for kind, n in self.store.counts().items():
            M.DOCUMENTS.labels(kind).set(n)


def require_index(settings: RetrievalSettings) -> None:
    if not (Path(settings.index_dir) / "documents.duckdb").is_file():
        raise IndexStateError(f"no index under {settings.index_dir}: run `streamwise index build`")
