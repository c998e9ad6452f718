"""FAISS index recipes, chosen by corpus size.

- below ``flat_threshold``: **flat**, exact inner product with an id map; removable.
- below ``pq_threshold`` on CPU: **ivf_fs**, IVF fast-scan PQ (4-bit codes, d/4 bytes
  per vector, scanned with SIMD lookup tables) whose top ``k_factor * k`` are re-ranked
  from 8-bit scalar codes (IndexRefine over IndexScalarQuantizer): ~1.1x the bytes of
  ivf_sq8, faster at the same recall. A single query reads every centroid, which was
  most of a query's time: from 1,024 lists the coarse quantizer scans 4-bit fast-scan
  PQ codes of the centroids and re-ranks its shortlist exactly (``_coarse_fs``), below
  that it keeps them in fp16 (k-means itself runs in float).
  No removal (tombstones + rebuild) and no GPU implementation of fast-scan, so with a
  GPU the chooser keeps ivf_sq8 instead.
- below ``pq_threshold`` with a GPU (or asked for): **ivf_sq8**, IVF with 8-bit scalar
  codes: 4x smaller than flat, removable (hashtable direct map), GPU-movable.
- option **hnsw**: HNSW32, good QPS without training, but it cannot remove ids
  (tombstones + rebuild) nor move to GPU.
- at or above ``pq_threshold`` (hundreds of millions): **ivf_pq**, IVF-PQ codes
  (48 bytes/vector) re-ranked with exact vectors (IndexRefineFlat), sharded over
  every GPU when present. At that scale the refine vectors would live on disk
  (mmap) or be replaced by SQ8 codes; not exercised on this machine.

All use inner product on L2-normalised vectors (cosine).

The IVF types choose their nprobe per corpus at build time (``calibrate_nprobe``): the
smallest that reaches a recall target on a sample of the corpus itself.
"""

from __future__ import annotations

import math
from typing import Any

import faiss as _faiss
import numpy as np

# SWIG bindings: the shipped stubs lag the runtime API (parameter kwargs, downcasts).
faiss: Any = _faiss

REMOVABLE = {"flat": True, "ivf_sq8": True, "ivf_fs": False, "hnsw": False, "ivf_pq": False}
# ivf_fs/ivf_pq ids are insertion positions: the refine codes are looked up by position.
POSITIONAL = {"flat": False, "ivf_sq8": False, "ivf_fs": True, "hnsw": False, "ivf_pq": True}
NEEDS_TRAINING = {"flat": False, "ivf_sq8": True, "ivf_fs": True, "hnsw": False, "ivf_pq": True}
GPU_MOVABLE = {"flat": True, "ivf_sq8": True, "ivf_fs": False, "hnsw": False, "ivf_pq": True}
# Size tier: an index grows into a higher tier, never sideways (a saved IVF-SQ8 index is
# not rebuilt as fast-scan on its first write).
TIER = {"flat": 0, "ivf_sq8": 1, "ivf_fs": 1, "hnsw": 1, "ivf_pq": 2}
# Candidates re-ranked per result by the refine types. On clustered low-rank 384-d data
# recall@10 was the same at 8; on isotropic near-ties (64-d test set) 4 gave 0.67, 8
# 0.93, 16 0.97: VectorIndex(k_factor=...) / retrieval.k_factor raises it.
K_FACTOR = 4.0


def choose_type(n: int, *, flat_threshold: int, pq_threshold: int, gpu: bool = False) -> str:
    if n < flat_threshold:
        return "flat"
    if n < pq_threshold:
        return "ivf_sq8" if gpu else "ivf_fs"
    return "ivf_pq"


def choose_nlist(n: int) -> int:
    """At least 4*sqrt(n) lists (rounded up to a power of two).

    Rounded up, not to the nearest: on clustered 384-d data at 100k, 1024 lists gave
    recall@10 0.93 at nprobe 16 and 2048 lists 0.97 (finer lists follow the clusters).
    """
    target = max(1, int(4 * math.sqrt(max(n, 1))))
    nlist = 1 << max(0, math.ceil(math.log2(target)))
    # k-means needs ~39 points per centroid to be meaningful.
    while nlist > 1 and n < 39 * nlist:
        nlist //= 2
    return min(nlist, 65536)


# From this many lists on, ivf_fs scans its centroids as fast-scan PQ codes (re-ranked
# exactly) instead of fp16: at 1M (4,096 lists) the coarse step went from ~225 us to
# ~30 us a query at the same recall. Below it the fp16 scan is short, and PQ codebooks
# (16 centroids per sub-quantizer) want more training points than there are centroids.
FS_QUANTIZER_MIN_LISTS = 1024
# Candidate centroids re-ranked exactly per list probed by that quantizer.
FS_QUANTIZER_K_FACTOR = 4


def _pq_m(dim: int, dims_per_code: int) -> int:
    """Sub-quantizers of ``dims_per_code`` dims each, or fewer dims per code for odd ``dim``."""
    return next(m for m in (dim // dims_per_code, dim // 2, dim) if m and dim % m == 0)


def _coarse_fs(dim: int, nlist: int) -> Any:
    """The coarse quantizer of ivf_fs: every centroid is read for every query.

    Few lists: the centroids in fp16 (half float's bytes, the same lists picked).
    Many lists: 4-bit fast-scan PQ codes over 8-dim sub-vectors (d/16 bytes a centroid,
    scanned with SIMD lookup tables) whose top ``FS_QUANTIZER_K_FACTOR * nprobe`` are
    re-ranked against the float centroids, so the lists probed are the exact top nprobe
    but for a rare miss in the PQ's shortlist.
    """
    ip = faiss.METRIC_INNER_PRODUCT
    if nlist < FS_QUANTIZER_MIN_LISTS:
        return faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16, ip)
    pq = faiss.IndexPQFastScan(dim, _pq_m(dim, 4), 4, ip)
    quantizer = faiss.IndexRefineFlat(pq)
    quantizer.k_factor = FS_QUANTIZER_K_FACTOR
    quantizer.own_fields = True
    pq.this.disown()
    return quantizer


def new_index(kind: str, dim: int, n_expected: int) -> Any:
    ip = faiss.METRIC_INNER_PRODUCT
    if kind == "flat":
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    if kind == "hnsw":
        hnsw = faiss.IndexHNSWFlat(dim, 32, ip)
        hnsw.hnsw.efConstruction = 80
        return faiss.IndexIDMap2(hnsw)
    nlist = choose_nlist(n_expected)
    quantizer = faiss.IndexFlatIP(dim)
    if kind == "ivf_sq8":
        qt = faiss.ScalarQuantizer.QT_8bit
        ivf = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, qt, ip)
        ivf.own_fields = True
        quantizer.this.disown()
        ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
        return ivf
    if kind == "ivf_fs":
        # 4-bit PQ over 4-dim sub-vectors (falls back to fewer dims per code for odd d).
        m = _pq_m(dim, 4)
        quantizer = _coarse_fs(dim, nlist)
        fs = faiss.IndexIVFPQFastScan(quantizer, dim, nlist, m, 4, ip)
        fs.own_fields = True
        quantizer.this.disown()
        if nlist >= FS_QUANTIZER_MIN_LISTS:
            fs.quantizer_trains_alone = 2  # k-means, then the quantizer trains on the centroids
        sq8 = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_8bit, ip)
        refine = faiss.IndexRefine(fs, sq8)
        refine.k_factor = K_FACTOR
        refine.own_fields = True
        fs.this.disown()
        sq8.this.disown()
        return refine
    if kind == "ivf_pq":
        m = 48 if dim % 48 == 0 else next(m for m in (32, 24, 16, 8, 4, 2, 1) if dim % m == 0)
        ivfpq = faiss.IndexIVFPQ(quantizer, dim, nlist, m, 8, ip)
        ivfpq.own_fields = True
        quantizer.this.disown()
        # No IndexIDMap2 here: it does not translate selectors nested in the
        # refine parameters. Ids are positions instead (the wrapper adds ids
        # 0, 1, 2, ... in order and never removes from this type).
        refine = faiss.IndexRefineFlat(ivfpq)
        refine.k_factor = K_FACTOR
        refine.own_fields = True
        ivfpq.this.disown()
        return refine
    raise ValueError(f"unknown index type {kind!r}: use flat, ivf_sq8, ivf_fs, hnsw or ivf_pq")


def train(index: Any, kind: str, vectors: np.ndarray, seed: int = 1234) -> np.ndarray | None:
    """Train ``index`` on ``vectors``; the rows trained on, or None for every row."""
    if not NEEDS_TRAINING[kind]:
        return None
    nlist = _ivf(index).nlist
    # A capped sample: k-means cost grows with n * nlist; 64 points per list is plenty.
    cap = 64 * nlist
    rows = None
    if len(vectors) > cap:
        rows = np.random.default_rng(seed).choice(len(vectors), cap, replace=False)
        vectors = vectors[rows]
    ivf = _ivf(index)
    ivf.cp.niter = 10
    # k-means in float whatever the quantizer stores; the quantizer gets the centroids.
    clustering = faiss.IndexFlatIP(ivf.d) if not isinstance(
        faiss.downcast_index(ivf.quantizer), faiss.IndexFlat) else None
    ivf.clustering_index = clustering
    try:
        index.train(np.ascontiguousarray(vectors, dtype=np.float32))
    finally:
        ivf.clustering_index = None
    return rows


# nprobe values tried in turn by ``calibrate_nprobe`` (then every list).
NPROBE_LADDER = (1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)


def calibrate_nprobe(
    index: Any, kind: str, vectors: np.ndarray, *, target: float, k_factor: float,
    k: int = 10, sample: int = 500, seed: int = 7, ladder: tuple[int, ...] = NPROBE_LADDER,
    trained_on: np.ndarray | None = None,
) -> tuple[int, float]:
    """The smallest nprobe whose recall@k on a sample of the corpus reaches ``target``.

    "Reaches": the one-sided 95% lower confidence bound of the sample's recall does.

    The queries are ``sample`` of the indexed vectors (ids are their rows, as ``build``
    adds them), drawn from the rows k-means did not train on (``trained_on``) when there
    are enough: the centroids fit their training points, and a real query is never one
    (1M corpus, nprobe 12: recall 0.960 on rows trained on, 0.954 on the others, 0.949
    on fresh queries; the lower bound keeps the rest of the gap). Each query's own id is
    left out of the
    exact and the found top k alike, as it would be a free hit. Returns (nprobe, its
    recall); every list if none reaches it. Leaves that nprobe set on the index.
    """
    ivf = _ivf(index)
    n = len(vectors)
    rows = calibration_rows(n, sample, seed, trained_on)
    queries = np.ascontiguousarray(vectors[rows])
    depth = min(k + 1, n)
    _, exact = faiss.knn(queries, vectors, depth, metric=faiss.METRIC_INNER_PRODUCT)
    truth = [set(_others(found, row, k)) for found, row in zip(exact, rows, strict=True)]
    recall = 0.0
    for nprobe in [p for p in ladder if p < ivf.nlist] + [ivf.nlist]:
        set_defaults(kind, index, nprobe=nprobe, ef_search=0, k_factor=k_factor)
        _, approx = index.search(queries, depth)
        per_query = np.array([
            len(truth_row & set(_others(found, row, k))) / max(len(truth_row), 1)
            for found, row, truth_row in zip(approx, rows, truth, strict=True)
        ])
        recall = float(per_query.mean())
        # One-sided 95% lower bound: the sample's mean alone passes half the time when the
        # true recall sits just under the target.
        if recall - 1.645 * float(per_query.std()) / np.sqrt(len(per_query)) >= target:
            return nprobe, recall
    return ivf.nlist, recall


def calibration_rows(n: int, sample: int, seed: int,
                     trained_on: np.ndarray | None) -> np.ndarray:
    """``sample`` rows of ``n`` (all if fewer), none of ``trained_on`` if enough are left."""
    pool = np.arange(n)
    if trained_on is not None and n - len(trained_on) >= min(sample, n):
        pool = np.setdiff1d(pool, trained_on, assume_unique=True)
    return np.random.default_rng(seed).choice(pool, min(sample, n), replace=False)


def _others(found: np.ndarray, row: int, k: int) -> list[int]:
    """The first ``k`` ids of ``found`` other than the query's own."""
    return [int(v) for v in found if v != row][:k]


def _ivf(index: Any) -> Any:
    if isinstance(index, faiss.IndexRefine):
        return faiss.extract_index_ivf(faiss.downcast_index(index.base_index))
    return faiss.extract_index_ivf(index)


def search_params(
    kind: str, *, nprobe: int, ef_search: int, sel: Any, k_factor: float = K_FACTOR
) -> Any:
    """Per-call parameters; the caller keeps ``sel`` alive for the duration of the search."""
    if kind in ("ivf_fs", "ivf_pq"):
        base = faiss.SearchParametersIVF(sel=sel, nprobe=nprobe)
        params = faiss.IndexRefineSearchParameters(k_factor=k_factor, base_index_params=base)
        params._base = base  # SWIG holds a raw pointer: keep the base alive with its owner
        return params
    if kind == "ivf_sq8":
        return faiss.SearchParametersIVF(sel=sel, nprobe=nprobe)
    if kind == "hnsw":
        return faiss.SearchParametersHNSW(sel=sel, efSearch=ef_search)
    return faiss.SearchParameters(sel=sel) if sel is not None else None


def set_defaults(
    kind: str, index: Any, *, nprobe: int, ef_search: int, k_factor: float = K_FACTOR
) -> None:
    """Defaults on the index itself: unfiltered searches pass no parameters (GPU clones too)."""
    if kind in ("ivf_sq8", "ivf_fs", "ivf_pq"):
        _ivf(index).nprobe = nprobe
        if isinstance(index, faiss.IndexRefine):
            index.k_factor = k_factor
    elif kind == "hnsw":
        faiss.downcast_index(index.index).hnsw.efSearch = ef_search
