"""retrieval: embedder, FAISS index, document store, hybrid search. Knows nothing about Kafka.

Public surface: ``Retriever`` (build, search, apply_catalog_update, add_resolution,
stats), the boundary models (``Hit``, ``Filters``, ``Document``, ``UpdateResult``,
``IndexStats``), ``Embedder`` / ``SentenceTransformerEmbedder``, ``VectorIndex``,
``DocumentStore`` and the settings; ``VectorIndex.search`` returns ``Hits``.
"""

from .config import RetrievalSettings
from .embedder import Embedder, SentenceTransformerEmbedder
from .errors import (
    DocumentNotFound,
    EvaluationError,
    IndexStateError,
    ModelError,
    RetrievalError,
)
from .index import Hits, VectorIndex
from .models import Document, Filters, Hit, IndexStats, UpdateResult
from .service import Retriever
from .store import DocumentStore

__all__ = [
    "Document",
    "DocumentNotFound",
    "DocumentStore",
    "Embedder",
    "EvaluationError",
    "Filters",
    "Hit",
    "Hits",
    "IndexStateError",
    "IndexStats",
    "ModelError",
    "RetrievalError",
    "RetrievalSettings",
    "Retriever",
    "SentenceTransformerEmbedder",
    "UpdateResult",
    "VectorIndex",
]
