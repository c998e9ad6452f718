"""Pydantic models at the retrieval boundary: what search returns and what updates report."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DocKind = Literal["product", "policy", "faq", "resolution"]
MetaValue = str | int | float | bool | list[str] | None


class Filters(BaseModel):
    """Metadata filters; a field left None does not filter. Lists mean "any of"."""

    model_config = ConfigDict(extra="forbid")

    kind: DocKind | list[DocKind] | None = None
    category: str | list[str] | None = None
    in_stock: bool | None = None

    def as_constraints(self) -> dict[str, list[str]]:
        """Field -> accepted values (as strings), for the index's attribute columns."""
        out: dict[str, list[str]] = {}
        for name in ("kind", "category"):
            value = getattr(self, name)
            if value is not None:
                out[name] = [value] if isinstance(value, str) else list(value)
        if self.in_stock is not None:
            out["in_stock"] = [str(self.in_stock).lower()]
        return out


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    kind: DocKind
    text: str
    meta: dict[str, MetaValue] = Field(default_factory=dict)
    updated_at: datetime | None = None


class Hit(BaseModel):
    """One search result. ``score``: cosine for dense, BM25 for lexical, RRF for hybrid."""

    model_config = ConfigDict(extra="forbid")

    doc_id: str
    score: float
    text: str
    meta: dict[str, MetaValue] = Field(default_factory=dict)


class UpdateResult(BaseModel):
    """What a live update did and how fresh the index is (event time -> searchable)."""

    model_config = ConfigDict(extra="forbid")

    doc_id: str
    action: Literal["upserted", "deleted", "unchanged", "absent"]
    searchable_at: datetime
    freshness_s: float | None = None  # None when the caller gave no event time
    apply_s: float  # time spent inside the update (embed + index + store)


class IndexStats(BaseModel):
    model_config = ConfigDict(extra="forbid")

    index_type: str
    device: str
    vectors: int
    documents: dict[str, int]
    dim: int
    index_bytes: int
    # IVF types: lists searched per query, and the recall@10 that chose it (None: fixed).
    nprobe: int | None = None
    calibrated_recall: float | None = None
    embed_cache_hits: int
    embed_cache_misses: int
