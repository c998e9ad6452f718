from __future__ import annotations

import faiss
import numpy as np
import pytest

from retrieval import IndexStateError, VectorIndex
from retrieval import _faiss_types as T
from retrieval._faiss_types import choose_nlist, choose_type

D = 32


def _data(n: int, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, D)).astype(np.float32)
    faiss.normalize_L2(x)
    return x


def _attrs(n: int) -> list[dict]:
    return [{"kind": "product" if i % 2 else "policy", "category": f"c{i % 3}",
             "in_stock": i % 4 != 0} for i in range(n)]


def _ids(n: int, start: int = 0) -> list[str]:
    return [f"d{i}" for i in range(start, start + n)]


def test_type_follows_corpus_size():
    assert choose_type(10, flat_threshold=50_000, pq_threshold=10**8) == "flat"
    assert choose_type(60_000, flat_threshold=50_000, pq_threshold=10**8) == "ivf_fs"
    # fast-scan has no GPU implementation: with a GPU the GPU-movable IVF-SQ8 is kept
    assert choose_type(60_000, flat_threshold=50_000, pq_threshold=10**8, gpu=True) == "ivf_sq8"
    assert choose_type(2 * 10**8, flat_threshold=50_000, pq_threshold=10**8) == "ivf_pq"
    assert choose_nlist(1_000_000) == 4096
    assert choose_nlist(100_000) == 2048
    assert 39 * choose_nlist(3000) <= 3000


def _clustered(n: int, seed: int = 0, d: int = 64, r: int = 4) -> np.ndarray:
    """50 clusters, each spread along its own r directions (low local dimension)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((50, d)).astype(np.float32)
    basis = rng.standard_normal((50, r, d)).astype(np.float32)
    w = rng.integers(0, 50, n)
    coef = rng.standard_normal((n, r)).astype(np.float32)
    x = centres[w] + np.einsum("nr,nrd->nd", coef, basis[w])
    faiss.normalize_L2(x)
    return x


def test_fast_scan_recall_against_exact_search():
    # Fixed seeds and a single thread: the figure is deterministic, not a timing.
    x = _clustered(6000)
    base, q = x[:5000], x[5000:5200]
    exact = faiss.IndexFlatIP(64)
    exact.add(base)
    _, truth = exact.search(q, 10)
    ix = VectorIndex(64, index_type="ivf_fs", nprobe=8)
    ix.build(_ids(5000), base, [{}] * 5000)
    found = ix.search(q, 10)
    recall = np.mean([len({int(d[1:]) for d, _ in f} & set(t.tolist())) / 10
                      for f, t in zip(found, truth, strict=True)])
    assert recall >= 0.93  # 0.9465 (IVF-SQ8 0.9485 on the same data)
    ix.k_factor = 16.0  # read by set_defaults: it takes effect with the next nprobe/rebuild
    ix.nprobe = 8
    assert ix._index.k_factor == 16.0


def test_many_lists_are_probed_through_a_fast_scan_quantizer(tmp_path):
    # 40k vectors: 1,024 lists, the size from which the centroids are scanned as PQ codes.
    x = _clustered(40_200, d=64, r=8)
    base, q = x[:40_000], x[40_000:]
    exact = faiss.IndexFlatIP(64)
    exact.add(base)
    _, truth = exact.search(q, 10)
    ix = VectorIndex(64, index_type="ivf_fs", nprobe=16)
    ix.build(_ids(40_000), base, [{}] * 40_000)
    quantizer = faiss.downcast_index(T._ivf(ix._index).quantizer)
    assert isinstance(quantizer, faiss.IndexRefineFlat) and quantizer.ntotal == 1024
    assert isinstance(faiss.downcast_index(quantizer.base_index), faiss.IndexPQFastScan)
    found = ix.search(q, 10)
    recall = np.mean([len({int(d[1:]) for d, _ in f} & set(t.tolist())) / 10
                      for f, t in zip(found, truth, strict=True)])
    assert recall >= 0.93  # 0.9485 (the fp16 quantizer 0.9525 on the same data)
    ix.save(tmp_path)
    again = VectorIndex(64)
    again.load(tmp_path)
    assert again.search(q, 10) == found


def test_calibration_queries_avoid_the_rows_kmeans_trained_on():
    trained = np.arange(0, 10_000, 2)  # every even row
    rows = T.calibration_rows(10_000, 500, seed=7, trained_on=trained)
    assert len(set(rows.tolist())) == 500 and all(r % 2 for r in rows)
    # too few rows left out: the sample may use any row
    most = np.arange(9_800)
    assert len(T.calibration_rows(10_000, 500, seed=7, trained_on=most)) == 500
    assert len(T.calibration_rows(300, 500, seed=7, trained_on=None)) == 300


def test_fewer_found_than_asked_returns_only_what_was_found():
    # One list of 64 probed cannot hold k results: FAISS pads with -1, which is no doc.
    x = _data(3000)
    ix = VectorIndex(D, index_type="ivf_sq8", nprobe=1)
    ix.build(_ids(3000), x, _attrs(3000))
    for hits in ix.search(x[:5], 1000):
        ids = [doc for doc, _ in hits]
        assert 0 < len(ids) < 1000 and len(set(ids)) == len(ids)


def test_chooser_builds_fast_scan_above_the_flat_threshold_and_gpu_falls_back():
    x = _data(3000)
    ix = VectorIndex(D, flat_threshold=2000, nprobe=64)
    ix.build(_ids(3000), x, _attrs(3000))
    assert ix.kind == "ivf_fs"
    assert isinstance(ix._index, faiss.IndexRefine)
    # a GPU device with this type searches the CPU index: nothing is cloned to a GPU
    ix.device = "gpu"
    assert ix._search_target() is ix._index and ix._gpu is None
    assert ix.search(x[:1], 1)[0][0][0] == "d0"


def test_nprobe_is_set_on_the_index_once():
    x = _data(3000)
    ix = VectorIndex(D, index_type="ivf_fs", nprobe=4)
    ix.build(_ids(3000), x, _attrs(3000))
    assert faiss.extract_index_ivf(ix._index.base_index).nprobe == 4
    ix.nprobe = 32
    assert faiss.extract_index_ivf(ix._index.base_index).nprobe == 32


def test_flat_finds_exact_neighbours():
    x = _data(500)
    ix = VectorIndex(D, flat_threshold=1000)
    ix.build(_ids(500), x, _attrs(500))
    assert ix.kind == "flat"
    hits = ix.search(x[:3], 1)
    assert [h[0][0] for h in hits] == ["d0", "d1", "d2"]
    assert hits[0][0][1] == pytest.approx(1.0, abs=1e-5)


def test_grows_from_flat_to_ivf_with_a_low_threshold():
    x = _data(3000)
    ix = VectorIndex(D, flat_threshold=2000, nprobe=64)
    ix.build(_ids(1500), x[:1500], _attrs(1500))
    assert ix.kind == "flat"
    ix.upsert(_ids(1500, 1500), x[1500:], _attrs(3000)[1500:])
    assert ix.kind == "ivf_fs" and len(ix) == 3000
    top = [h[0][0] for h in ix.search(x[:20], 1)]
    assert sum(t == f"d{i}" for i, t in enumerate(top)) >= 18  # SQ8 is approximate


@pytest.mark.parametrize("kind", ["flat", "ivf_sq8", "ivf_fs", "hnsw", "ivf_pq"])
def test_upsert_delete_and_filters(kind):
    x = _data(2000)
    ix = VectorIndex(D, index_type=kind, nprobe=64, ef_search=128)
    ix.build(_ids(2000), x, _attrs(2000))
    assert ix.kind == kind
    # delete: gone from results, even as its own nearest neighbour
    assert ix.delete(["d0", "missing"]) == 1
    assert "d0" not in [d for d, _ in ix.search(x[:1], 10)[0]]
    # upsert moves d1 to d2's vector
    ix.upsert(["d1"], x[2:3], [{"kind": "faq"}])
    assert len(ix) == 1999
    assert ix.search(x[2:3], 2, {"kind": ["faq"]})[0][0][0] == "d1"
    # filters: every hit satisfies every constraint
    hits = ix.search(x[10:15], 10, {"kind": ["product"], "in_stock": ["true"]})
    for row in hits:
        assert row
        for doc, _ in row:
            i = int(doc[1:])
            assert i % 2 == 1 and i % 4 != 0
    assert ix.search(x[:1], 5, {"category": ["no-such"]}) == [[]]


def test_hits_are_arrays_of_doc_ids_and_rows_read_as_pairs():
    x = _data(100)
    ix = VectorIndex(D, index_type="flat")
    ix.build(_ids(3), x[:3], _attrs(3))
    hits = ix.search(x[:2], 5)  # 5 asked, 3 docs: FAISS pads each row's tail
    assert hits.doc_ids.shape == hits.scores.shape == (2, 3)
    # ids longer than any before widen the column; the padding still reads as no doc
    ix.upsert(["a-much-longer-doc-id"], x[3:4], [{}])
    flat = ix.search(x[3:4], 5)
    assert flat[0][0][0] == "a-much-longer-doc-id" and len(flat[0]) == 4
    ivf = VectorIndex(D, index_type="ivf_sq8", nprobe=1)
    ivf.build(_ids(100), x, _attrs(100))
    padded = ivf.search(x[:1], 100)
    assert "" in padded.doc_ids[0].tolist()  # fewer found than asked: a row ends in ''
    row = padded[0]
    assert 0 < len(row) < 100 and all(doc for doc, _ in row)
    assert row == [(d, s) for d, s in zip(padded.doc_ids[0].tolist(),
                                         padded.scores[0].tolist(), strict=True) if d]
    with pytest.raises(IndexStateError, match="empty doc id"):
        ix.upsert([""], x[4:5], [{}])


def test_hnsw_deletes_are_tombstones_until_compaction():
    x = _data(400)
    ix = VectorIndex(D, index_type="hnsw")
    ix.build(_ids(400), x, _attrs(400))
    ix.delete(_ids(50))
    assert ix.tombstones == 50
    ix.delete(_ids(60, 50))  # past a quarter of the index: rebuilt without tombstones
    assert ix.tombstones == 0 and len(ix) == 290
    assert ix.search(x[200:201], 1)[0][0][0] == "d200"
    assert "d100" not in [d for d, _ in ix.search(x[100:101], 5)[0]]


@pytest.mark.parametrize("kind", ["ivf_sq8", "ivf_fs"])
def test_persistence_and_mmap_reload(tmp_path, kind):
    x = _data(3000)
    ix = VectorIndex(D, index_type=kind, nprobe=64)
    ix.build(_ids(3000), x, _attrs(3000))
    ix.delete(["d5"])
    before = ix.search(x[:20], 5)
    ix.save(tmp_path)
    again = VectorIndex(D, nprobe=64, mmap_min_bytes=0)  # force mmap
    again.load(tmp_path)
    assert again.kind == kind and len(again) == 2999 and "d5" not in again
    assert again.tombstones == ix.tombstones == (1 if kind == "ivf_fs" else 0)
    assert again.search(x[:20], 5) == before
    assert again.search(x[7:8], 1, {"kind": ["product"]})[0][0][0] == "d7"
    # writing to an mmap'ed index would abort inside FAISS: it is re-read into memory first
    again.upsert(["new"], x[5:6], [{"kind": "faq"}])
    assert again.search(x[5:6], 1)[0][0][0] == "new"


def test_load_refuses_a_missing_or_mismatched_index(tmp_path):
    with pytest.raises(IndexStateError):
        VectorIndex(D).load(tmp_path)
    ix = VectorIndex(D)
    ix.build(["a"], _data(1), [{}])
    ix.save(tmp_path)
    with pytest.raises(IndexStateError):
        VectorIndex(D * 2).load(tmp_path)


def test_wrong_dimension_is_refused():
    ix = VectorIndex(D)
    with pytest.raises(IndexStateError):
        ix.build(["a"], np.zeros((1, D + 1), np.float32), [{}])


def test_a_saved_ivf_sq8_index_is_not_rebuilt_sideways_on_write(tmp_path):
    x = _data(3000)
    ix = VectorIndex(D, index_type="ivf_sq8", nprobe=64)
    ix.build(_ids(3000), x, _attrs(3000))
    ix.save(tmp_path)
    again = VectorIndex(D, flat_threshold=2000, nprobe=64)  # auto would choose ivf_fs
    again.load(tmp_path)
    again.upsert(["new"], x[5:6], [{"kind": "faq"}])
    assert again.kind == "ivf_sq8" and len(again) == 3001


def _recall_at_10(ix: VectorIndex, q: np.ndarray, truth: np.ndarray) -> float:
    found = ix.search(q, 10)
    return float(np.mean([len({int(d[1:]) for d, _ in f} & set(t.tolist())) / 10
                          for f, t in zip(found, truth, strict=True)]))


@pytest.mark.parametrize("kind", ["ivf_fs", "ivf_sq8"])
def test_nprobe_is_chosen_per_corpus_to_reach_the_recall_target(kind):
    x = _clustered(6200, seed=3)
    base, q = x[:6000], x[6000:]
    _, truth = faiss.knn(q, base, 10, metric=faiss.METRIC_INNER_PRODUCT)
    nlist = choose_nlist(6000)
    ix = VectorIndex(64, index_type=kind, k_factor=8.0)
    ix.build(_ids(6000), base, [{}] * 6000)
    assert ix.calibrated_recall is not None and ix.calibrated_recall >= 0.95
    assert 1 <= ix.nprobe < nlist  # this data needs far fewer lists than all
    # Checked on queries the calibration never saw (not in the corpus): within the
    # sampling error of the 500-vector estimate.
    assert _recall_at_10(ix, q, truth) >= 0.93
    # The smallest that reaches it: one step down the ladder misses the target (tried
    # alone, calibration falls through to every list).
    lower = max(p for p in (0, *T.NPROBE_LADDER) if p < ix.nprobe)
    if lower:
        assert T.calibrate_nprobe(ix._index, kind, base, target=0.95, k_factor=8.0,
                                  ladder=(lower,))[0] == nlist
    # An unreachable target: every list.
    assert T.calibrate_nprobe(ix._index, kind, base, target=1.01, k_factor=8.0)[0] == nlist
    strict = VectorIndex(64, index_type=kind, k_factor=8.0, recall_target=0.99)
    strict.build(_ids(6000), base, [{}] * 6000)
    assert strict.nprobe >= ix.nprobe


def test_fast_scan_keeps_its_centroids_in_fp16_and_clusters_in_float():
    x = _clustered(3000, seed=4)
    ix = VectorIndex(64, index_type="ivf_fs", nprobe=4)
    ix.build(_ids(3000), x, [{}] * 3000)
    ivf = faiss.extract_index_ivf(ix._index.base_index)
    quantizer = faiss.downcast_index(ivf.quantizer)
    assert isinstance(quantizer, faiss.IndexScalarQuantizer)
    assert quantizer.sq.qtype == faiss.ScalarQuantizer.QT_fp16
    assert quantizer.ntotal == ivf.nlist and ivf.clustering_index is None
    assert [h[0][0] for h in ix.search(x[:5], 1)] == _ids(5)


def test_a_calibrated_nprobe_is_saved_and_a_fixed_one_wins_on_load(tmp_path):
    x = _clustered(3000, seed=5)
    ix = VectorIndex(64, index_type="ivf_fs")
    ix.build(_ids(3000), x, [{}] * 3000)
    ix.save(tmp_path)
    again = VectorIndex(64)
    again.load(tmp_path)
    assert (again.nprobe, again.calibrated_recall) == (ix.nprobe, ix.calibrated_recall)
    assert faiss.extract_index_ivf(again._index.base_index).nprobe == ix.nprobe
    fixed = VectorIndex(64, nprobe=ix.nprobe + 1)
    fixed.load(tmp_path)
    assert fixed.nprobe == ix.nprobe + 1 and fixed.calibrated_recall is None
