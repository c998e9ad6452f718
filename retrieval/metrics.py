"""Prometheus metrics of retrieval (default registry, exposed by the API's /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

SEARCH_SECONDS = Histogram(
    "streamwise_retrieval_search_seconds", "Latency of retrieval.search, by mode",
    ["mode"], buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
INDEX_VECTORS = Gauge("streamwise_retrieval_index_vectors", "Live vectors in the FAISS index")
INDEX_BYTES = Gauge("streamwise_retrieval_index_bytes", "Serialized size of the FAISS index")
DOCUMENTS = Gauge("streamwise_retrieval_documents", "Documents in the store, by kind", ["kind"])
FRESHNESS_SECONDS = Histogram(
    "streamwise_retrieval_freshness_seconds",
    "From a catalog event's occurred_at to the change being searchable",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
UPDATES = Counter("streamwise_retrieval_updates_total", "Live document updates, by action",
                  ["action"])
