"""retrieval: embedder, FAISS index, document store, hybrid search. Knows nothing about Kafka."""

from .config import RetrievalSettings

__all__ = ["RetrievalSettings"]
