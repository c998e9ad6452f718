"""A FAISS wrapper: string doc ids, upsert/delete, metadata filters, persistence, GPU when present.

Int ids ("vids") are allocated 0, 1, 2, ... and never reused, so a vid is also
the row of the attribute columns kept beside the index; a rebuild renumbers.
Filters become an ``IDSelectorBitmap`` over vids; types that cannot remove ids
(IVF fast-scan, HNSW, IVF-PQ) keep deleted vids as tombstones, excluded by the same bitmap,
until a rebuild compacts them.

A search returns ``Hits``: (n, k) arrays like FAISS's own, with doc ids in place of vids.
The doc ids live in a numpy string column, so a search gathers them in C; building Python
(doc id, score) pairs per hit costs ~5 us a query at 100k (each hit's str is a cache miss),
about 8% of an IVF fast-scan search. The pairs are built when a caller reads a row.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

import faiss as _faiss
import numpy as np

from . import _faiss_types as T
from ._device import resolve_faiss_device
from .errors import IndexStateError

# SWIG bindings: the shipped stubs lag the runtime API (parameter kwargs, downcasts).
faiss: Any = _faiss

FILTER_FIELDS = ("kind", "category", "in_stock")
_FORMAT = 1


@dataclass(frozen=True, slots=True, eq=False)
class Hits(Sequence[list[tuple[str, float]]]):
    """Top-k per query: ``doc_ids`` and ``scores`` are (queries, k) arrays, best first.

    Where fewer than k docs matched, a row ends in '' (and FAISS's padding score).
    Indexing a row gives its (doc id, inner product) pairs, without the padding.
    """

    doc_ids: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.doc_ids)

    @overload
    def __getitem__(self, i: int) -> list[tuple[str, float]]: ...
    @overload
    def __getitem__(self, i: slice) -> list[list[tuple[str, float]]]: ...
    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return [(d, s) for d, s in zip(self.doc_ids[i].tolist(), self.scores[i].tolist(),
                                       strict=True) if d]

    def __iter__(self) -> Iterator[list[tuple[str, float]]]:
        return (self[i] for i in range(len(self)))

    def tolist(self) -> list[list[tuple[str, float]]]:
        return list(self)

    def __eq__(self, other: object) -> bool:  # as the lists of pairs are
        return isinstance(other, Sequence) and self.tolist() == list(other)

    __hash__ = None  # type: ignore[assignment]


class _DocColumn:
    """vid -> doc id in a numpy string array that grows by doubling; '' marks a deleted doc.

    The array always keeps its last slot empty, so FAISS's -1 padding reads '' in a
    gather, with no check (a numpy test of the vids costs ~1 us, over 1% of a search).
    """

    def __init__(self, doc_ids: Sequence[str] = ()) -> None:
        self._ids = np.array([*doc_ids, ""], dtype=str)
        self._n = len(doc_ids)

    def __len__(self) -> int:
        return self._n

    def append(self, doc_ids: Sequence[str]) -> None:
        new = np.array(doc_ids, dtype=str)
        end = self._n + len(new)
        if end >= len(self._ids) or new.dtype.itemsize > self._ids.dtype.itemsize:
            grown = np.zeros(max(end + 1, 2 * len(self._ids)),
                             dtype=np.result_type(new.dtype, self._ids.dtype))
            grown[:self._n] = self._ids[:self._n]
            self._ids = grown
        self._ids[self._n:end] = new
        self._n = end

    def clear(self, vids: np.ndarray) -> None:
        self._ids[vids] = ""

    def live(self) -> np.ndarray:
        return self._ids[:self._n] != ""

    def of(self, vids: np.ndarray) -> np.ndarray:
        """The doc ids of an array of vids; '' for FAISS's -1 padding (the empty last slot)."""
        return self._ids[vids]

    def array(self) -> np.ndarray:
        return self._ids[:self._n]


class VectorIndex:
    def __init__(
        self,
        dim: int,
        *,
        index_type: str = "auto",
        device: str = "auto",
        threads: int = 1,
        flat_threshold: int = 50_000,
        pq_threshold: int = 50_000_000,
        nprobe: int | None = None,
        recall_target: float = 0.95,
        ef_search: int = 64,
        k_factor: float = T.K_FACTOR,
        mmap_min_bytes: int = 1 << 30,
        fields: Sequence[str] = FILTER_FIELDS,
    ) -> None:
        self.dim = dim
        self.wanted_type = index_type
        self.device = resolve_faiss_device(device)  # type: ignore[arg-type]
        self.threads = threads
        self.flat_threshold = flat_threshold
        self.pq_threshold = pq_threshold
        # None: each IVF build chooses the smallest nprobe reaching ``recall_target``
        # on a sample of its own corpus (T.calibrate_nprobe); an int fixes it.
        self._fixed_nprobe = nprobe
        self.recall_target = recall_target
        self._nprobe = nprobe or 16
        self.calibrated_recall: float | None = None
        self.ef_search = ef_search
        self.k_factor = k_factor
        self.mmap_min_bytes = mmap_min_bytes
        self.fields = tuple(fields)
        faiss.omp_set_num_threads(threads)
        self._lock = threading.RLock()
        self._reset(None)

    # ------------------------------------------------------------------ state

    def _reset(self, kind: str | None) -> None:
        self.kind = kind or "flat"
        self._built_n = 0
        self._index: Any = None
        self._gpu: Any = None
        self._gpu_stale = True
        self._read_only = False
        self._source: Path | None = None
        self._docs = _DocColumn()
        self._vid: dict[str, int] = {}
        self._cols: dict[str, list[int]] = {f: [] for f in self.fields}
        self._vocab: dict[str, dict[str, int]] = {f: {} for f in self.fields}
        self._np_cache: dict[str, np.ndarray] = {}
        # The index's vector count, kept here: reading ``ntotal`` through SWIG costs a few
        # microseconds, which an unfiltered search would pay on every call.
        self._ntotal = 0

    @property
    def nprobe(self) -> int:
        return self._nprobe

    @nprobe.setter
    def nprobe(self, value: int) -> None:
        # Set on the index once, not per search: unfiltered searches pass no parameters.
        with self._lock:
            self._fixed_nprobe = self._nprobe = value
            self.calibrated_recall = None
            if self._index is not None:
                self._apply_defaults()

    def _apply_defaults(self) -> None:
        T.set_defaults(self.kind, self._index, nprobe=self._nprobe, ef_search=self.ef_search,
                       k_factor=self.k_factor)
        self._gpu_stale = True

    def __len__(self) -> int:
        return len(self._vid)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._vid

    @property
    def tombstones(self) -> int:
        return self._ntotal - len(self._vid)

    def ids(self) -> list[str]:
        return list(self._vid)

    def nbytes(self) -> int:
        """Serialized size; from the saved file for large indexes (serializing costs a copy)."""
        if self._index is None:
            return 0
        if self._index.ntotal > 100_000 and self._source is not None and self._source.is_file():
            return self._source.stat().st_size
        return int(faiss.serialize_index(self._index).nbytes)

    # ---------------------------------------------------------------- writing

    def build(
        self, doc_ids: Sequence[str], vectors: np.ndarray, attrs: Sequence[Mapping[str, Any]]
    ) -> None:
        """Replace everything; the type follows the corpus size unless fixed by ``index_type``."""
        if len(set(doc_ids)) != len(doc_ids):
            raise IndexStateError("duplicate doc ids given to build(); ids must be unique")
        with self._lock:
            kind = self._choose(len(doc_ids))
            self._reset(kind)
            self._index = T.new_index(kind, self.dim, len(doc_ids))
            self._built_n = len(doc_ids)
            trained_on = T.train(self._index, kind, self._check(vectors)) if len(doc_ids) \
                else None
            T.set_defaults(kind, self._index, nprobe=self.nprobe, ef_search=self.ef_search,
                       k_factor=self.k_factor)
            self._add(doc_ids, vectors, attrs)
            self.calibrated_recall = None
            if self._fixed_nprobe is None and T.NEEDS_TRAINING[kind] and len(doc_ids) > 1:
                self._nprobe, self.calibrated_recall = T.calibrate_nprobe(
                    self._index, kind, self._check(vectors), target=self.recall_target,
                    k_factor=self.k_factor, trained_on=trained_on)
                self._apply_defaults()

    def upsert(
        self, doc_ids: Sequence[str], vectors: np.ndarray, attrs: Sequence[Mapping[str, Any]]
    ) -> None:
        with self._lock:
            if self._index is None or (self._index.ntotal == 0 and not self._index.is_trained):
                self.build(doc_ids, vectors, attrs)
                return
            self._writable()
            self._remove([d for d in doc_ids if d in self._vid])
            self._add(doc_ids, vectors, attrs)
            self._maybe_rebuild()

    def delete(self, doc_ids: Sequence[str]) -> int:
        with self._lock:
            present = [d for d in doc_ids if d in self._vid]
            if present:
                self._writable()
                self._remove(present)
                self._maybe_rebuild()
            return len(present)

    def _check(self, vectors: np.ndarray) -> np.ndarray:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise IndexStateError(f"vectors of shape {vectors.shape}; expected (n, {self.dim})")
        return vectors

    def _add(
        self, doc_ids: Sequence[str], vectors: np.ndarray, attrs: Sequence[Mapping[str, Any]]
    ) -> None:
        vectors = self._check(vectors)
        if not (len(doc_ids) == len(vectors) == len(attrs)):
            raise IndexStateError("doc_ids, vectors and attrs must have the same length")
        if not doc_ids:
            return
        if not all(doc_ids):
            raise IndexStateError("an empty doc id was given; every doc needs an id")
        start = len(self._docs)
        if T.POSITIONAL[self.kind] and start != self._index.ntotal:
            raise IndexStateError("positional index out of step with its id map; rebuild it")
        vids = np.arange(start, start + len(doc_ids), dtype=np.int64)
        if T.POSITIONAL[self.kind]:
            self._index.add(vectors)
        else:
            self._index.add_with_ids(vectors, vids)
        self._docs.append(doc_ids)
        for doc_id, vid, meta in zip(doc_ids, vids, attrs, strict=True):
            self._vid[doc_id] = int(vid)
            for f in self.fields:
                self._cols[f].append(self._code(f, meta.get(f)))
        self._changed()

    def _remove(self, doc_ids: Sequence[str]) -> None:
        vids = np.array([self._vid.pop(d) for d in doc_ids], dtype=np.int64)
        self._docs.clear(vids)
        if len(vids) and T.REMOVABLE[self.kind]:
            # IDSelectorArray: the hashtable direct map of IVF accepts no other selector.
            self._index.remove_ids(faiss.IDSelectorArray(vids))
        self._changed()

    def _code(self, field: str, value: Any) -> int:
        if value is None:
            return -1
        key = str(value).lower() if isinstance(value, bool) else str(value)
        return self._vocab[field].setdefault(key, len(self._vocab[field]))

    def _changed(self) -> None:
        self._ntotal = self._index.ntotal if self._index is not None else 0
        self._np_cache.clear()
        self._gpu_stale = True

    def _choose(self, n: int) -> str:
        if self.wanted_type != "auto":
            return self.wanted_type
        return T.choose_type(n, flat_threshold=self.flat_threshold, pq_threshold=self.pq_threshold,
                             gpu=self.device == "gpu")

    def _maybe_rebuild(self) -> None:
        """Grow into the next type, or compact when tombstones pass a quarter of the index."""
        n = len(self._vid)
        auto = self.wanted_type == "auto"
        grow = auto and T.TIER[self._choose(n)] > T.TIER[self.kind]
        # IVF lists sized for the corpus at build time get long as it grows: re-cluster at 16x.
        outgrown = T.NEEDS_TRAINING[self.kind] and n > 16 * max(self._built_n, 1)
        if grow or outgrown or (self._index.ntotal > 64 and self.tombstones > self._index.ntotal // 4):
            self.rebuild()

    def rebuild(self) -> None:
        """Re-create the index from its live vectors (renumbers vids, drops tombstones)."""
        with self._lock:
            live = [(d, v) for d, v in self._vid.items()]
            vids = np.array([v for _, v in live], dtype=np.int64)
            vectors = self._reconstruct(vids)
            inverse = {f: {c: k for k, c in self._vocab[f].items()} for f in self.fields}
            attrs = [{f: inverse[f].get(self._cols[f][v]) for f in self.fields} for _, v in live]
            self.build([d for d, _ in live], vectors, attrs)

    def _reconstruct(self, vids: np.ndarray) -> np.ndarray:
        out = np.empty((len(vids), self.dim), dtype=np.float32)
        for i, v in enumerate(vids):
            out[i] = self._index.reconstruct(int(v))
        return out

    # --------------------------------------------------------------- reading

    def search(
        self,
        queries: np.ndarray,
        k: int,
        constraints: Mapping[str, Sequence[str]] | None = None,
    ) -> Hits:
        """Top ``k`` (doc id, inner product) per query, only among docs matching ``constraints``."""
        queries = self._check(queries)
        with self._lock:
            # The hot path first: each test on the way costs ~1% of an IVF search at 100k.
            if not constraints and 0 < len(self._vid) == self._ntotal and k > 0:
                return self._search_live(queries, min(k, self._ntotal))
            if self._index is None or not self._vid:
                return _no_hits(len(queries))
            sel, bitmap, allowed = self._selector(constraints)
            if allowed == 0:
                return _no_hits(len(queries))
            params = T.search_params(
                self.kind, nprobe=self.nprobe, ef_search=self.ef_search, sel=sel,
                k_factor=self.k_factor,
            )
            scores, vids = self._index.search(queries, min(k, allowed), params=params)
            del bitmap  # kept alive until here: the selector points into it
            # The selector admits live docs only, so no tombstone's '' is among the hits.
            return Hits(self._docs.of(vids), scores)

    def _search_live(self, queries: np.ndarray, k: int) -> Hits:
        """The hot path: no filter and no tombstone, so every id found is a live doc.

        nprobe/efSearch/k_factor live on the index (set_defaults), so there is no
        per-call parameter object, selector or bitmap; the C++ search is called
        directly (``_check`` did the checks FAISS's Python wrapper repeats): at ~70 us
        a query (ivf_fs, 100k) a microsecond is over 1% of it.
        """
        n = len(queries)
        scores = np.empty((n, k), dtype=np.float32)
        vids = np.empty((n, k), dtype=np.int64)
        ptr = faiss.swig_ptr
        self._search_target().search_c(n, ptr(queries), k, ptr(scores), ptr(vids), None)
        return Hits(self._docs.of(vids), scores)

    def _selector(
        self, constraints: Mapping[str, Sequence[str]] | None
    ) -> tuple[Any, np.ndarray, int]:
        """A FAISS selector of the live docs matching ``constraints``, its bitmap, its count."""
        mask = self._live_mask()
        for field, values in (constraints or {}).items():
            if field not in self._vocab:
                raise IndexStateError(f"cannot filter on {field!r}; filterable: {self.fields}")
            codes = [self._vocab[field][v] for v in values if v in self._vocab[field]]
            mask = mask & np.isin(self._column(field), codes)
        bitmap = np.packbits(mask, bitorder="little")
        return faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bitmap)), bitmap, int(mask.sum())

    def _live_mask(self) -> np.ndarray:
        if "_live" not in self._np_cache:
            self._np_cache["_live"] = self._docs.live()
        return self._np_cache["_live"]

    def _column(self, field: str) -> np.ndarray:
        if field not in self._np_cache:
            self._np_cache[field] = np.asarray(self._cols[field], dtype=np.int32)
        return self._np_cache[field]

    def _search_target(self) -> Any:
        """The GPU clone for unfiltered searches when a GPU is present, else the CPU index."""
        if self.device != "gpu" or not T.GPU_MOVABLE[self.kind]:
            return self._index
        if self._gpu is None or self._gpu_stale:
            co = faiss.GpuMultipleClonerOptions()
            co.shard = True  # split the vectors over every GPU rather than replicate them
            self._gpu = faiss.index_cpu_to_all_gpus(self._index, co=co)
            self._gpu_stale = False
        return self._gpu

    # ------------------------------------------------------------ persistence

    def save(self, directory: str | Path) -> None:
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        with self._lock:
            if self._index is None:
                raise IndexStateError("nothing to save: build() the index first")
            if not (self._read_only and self._source == d / "vectors.faiss"):
                _atomic(d / "vectors.faiss", lambda p: faiss.write_index(self._index, str(p)))
                self._source = d / "vectors.faiss"
            meta = {
                "format": _FORMAT, "kind": self.kind, "dim": self.dim, "fields": self.fields,
                "vocab": self._vocab, "nprobe": self._nprobe,
                "calibrated_recall": self.calibrated_recall,
            }
            _atomic(d / "idmap.json", lambda p: p.write_text(json.dumps(meta)))
            arrays: dict[str, Any] = {"docs": self._docs.array(), "live": self._live_mask()}
            arrays.update({f"col_{f}": self._column(f) for f in self.fields})
            _atomic(d / "idmap.npz", lambda p: np.savez(p, **arrays))

    def load(self, directory: str | Path) -> None:
        d = Path(directory)
        path = d / "vectors.faiss"
        if not path.is_file() or not (d / "idmap.json").is_file():
            raise IndexStateError(f"no saved index in {d}: run `streamwise index build`")
        meta = json.loads((d / "idmap.json").read_text())
        if meta.get("format") != _FORMAT or meta["dim"] != self.dim:
            raise IndexStateError(f"index in {d} has format/dim {meta.get('format')}/{meta['dim']};"
                                  f" expected {_FORMAT}/{self.dim}: rebuild it")
        with self._lock:
            self._reset(meta["kind"])
            mmap = path.stat().st_size >= self.mmap_min_bytes
            self._index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP if mmap else 0)
            self._read_only, self._source = mmap, path
            if self._fixed_nprobe is None and meta.get("calibrated_recall") is not None:
                self._nprobe, self.calibrated_recall = meta["nprobe"], meta["calibrated_recall"]
            T.set_defaults(self.kind, self._index, nprobe=self.nprobe, ef_search=self.ef_search,
                       k_factor=self.k_factor)
            with np.load(d / "idmap.npz") as z:
                docs = np.where(z["live"], z["docs"], "")
                self._docs = _DocColumn(docs.tolist())
                self._cols = {f: z[f"col_{f}"].tolist() for f in meta["fields"]}
            self.fields = tuple(meta["fields"])
            self._vocab = meta["vocab"]
            self._vid = {doc: v for v, doc in enumerate(docs.tolist()) if doc}
            self._built_n = len(self._vid)
            self._changed()

    def _writable(self) -> None:
        # An mmap-loaded index is read-only: writing to it aborts the process
        # inside FAISS, so the first write loads it into memory instead.
        if self._read_only and self._source is not None:
            self._index = faiss.read_index(str(self._source))
            T.set_defaults(self.kind, self._index, nprobe=self.nprobe, ef_search=self.ef_search,
                       k_factor=self.k_factor)
            self._read_only = False


def _no_hits(n: int) -> Hits:
    return Hits(np.full((n, 0), "", dtype=str), np.empty((n, 0), dtype=np.float32))


def _atomic(path: Path, write: Any) -> None:
    tmp = path.with_name(path.name + ".tmp" + path.suffix)
    write(tmp)
    os.replace(tmp, path)
