"""Where a fast-scan query's time goes, and what the coarse quantizer choices buy.

    .venv/bin/python -m benchmarks.bench_faiss_coarse [--size 1000000] [--queries 1000]

The chosen CPU index at 1M (``ivf_fs``: IVF4096 over 4-bit fast-scan PQ, re-ranked from
SQ8 codes) spends most of a single query in the coarse quantizer: 4,096 centroids x 384
floats (6.3 MB) read per query (with the float quantizer it had then). This measures,
on bare FAISS over the same clustered low-rank data as ``bench_retrieval`` (one query
per call, 1 thread, best of 2 passes):

- the coarse search alone per query (flat, and HNSW32 at several efSearch);
- the whole query for IVF4096 with a flat quantizer (the choice then) beside an HNSW
  quantizer, and flat quantizers over fewer lists (2048, 1024);
- each at nprobe 12/16/20 and k_factor 4/8, with recall@10 against exact search.

The baseline is the choice this was written to question (flat, 4·√n lists rounded up,
k_factor 4, nprobe 16), measured in the same run. What came of it: ``ivf_fs`` chooses
nprobe per corpus and, from 1,024 lists, scans its centroids as fast-scan PQ codes
re-ranked exactly (``retrieval._faiss_types._coarse_fs``); this script still measures
the float quantizer alternatives above. Writes
benchmarks/results/faiss_coarse.json (other sizes: faiss_coarse_<size>.json).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from benchmarks.bench_retrieval import clustered
from retrieval._faiss_types import choose_nlist

RESULTS = Path(__file__).resolve().parent / "results" / "faiss_coarse.json"
D = 384


def _recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / 10
                          for f, t in zip(found.tolist(), truth.tolist(), strict=True)]))


def _per_query(index: Any, q: np.ndarray, k: int) -> tuple[float, np.ndarray]:
    """Best-of-2 seconds for ``q`` one query per call on 1 thread, and the ids found."""
    faiss.omp_set_num_threads(1)
    best, found = float("inf"), np.empty((0, k), dtype=np.int64)
    for _ in range(2):
        t = time.perf_counter()
        found = np.vstack([index.search(row[None, :], k)[1] for row in q])
        best = min(best, time.perf_counter() - t)
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    return best, found


def _build(quantizer_kind: str, nlist: int, base: np.ndarray) -> tuple[Any, Any, Any, float]:
    ip = faiss.METRIC_INNER_PRODUCT
    quantizer = (faiss.IndexFlatIP(D) if quantizer_kind == "flat"
                 else faiss.IndexHNSWFlat(D, 32, ip))
    fs = faiss.IndexIVFPQFastScan(quantizer, D, nlist, D // 4, 4, ip)
    fs.cp.niter = 10
    refine = faiss.IndexRefine(fs, faiss.IndexScalarQuantizer(D, faiss.ScalarQuantizer.QT_8bit, ip))
    sample = base[np.random.default_rng(1).choice(len(base), min(len(base), 64 * nlist),
                                                  replace=False)]
    t = time.perf_counter()
    refine.train(sample)
    refine.add(base)
    return refine, fs, quantizer, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=1000)
    args = ap.parse_args()
    load_before = os.getloadavg()
    x = clustered(args.size + args.queries, D, seed=args.size)
    base, q = x[:args.size], x[args.size:]
    exact = faiss.IndexFlatIP(D)
    exact.add(base)
    _, truth = exact.search(q, 10)
    del exact
    default_nlist = choose_nlist(args.size)
    configs = [("flat", default_nlist), ("hnsw", default_nlist),
               ("flat", default_nlist // 2), ("flat", default_nlist // 4)]
    runs: list[dict[str, Any]] = []
    for quantizer_kind, nlist in configs:
        refine, fs, quantizer, build_s = _build(quantizer_kind, nlist, base)
        efs = [None] if quantizer_kind == "flat" else [64, 128, 256]
        for ef in efs:
            if ef is not None:
                quantizer.hnsw.efSearch = ef
            coarse_s, _ = _per_query(quantizer, q, 16)
            for k_factor in (4, 8):
                refine.k_factor = k_factor
                for nprobe in (12, 16, 20):
                    fs.nprobe = nprobe
                    seconds, found = _per_query(refine, q, 10)
                    run = {"quantizer": quantizer_kind, "nlist": nlist, "ef_search": ef,
                           "k_factor": k_factor, "nprobe": nprobe,
                           "build_s": round(build_s, 1),
                           "coarse_us": round(1e6 * coarse_s / len(q), 1),
                           "qps_1_thread": round(len(q) / seconds, 1),
                           "recall_at_10": round(_recall(found, truth), 4)}
                    runs.append(run)
                    print(f"{quantizer_kind:4} nlist {nlist:5} ef {ef or '-':>4} k_factor "
                          f"{k_factor} nprobe {nprobe:2}: {run['qps_1_thread']:7,.0f} QPS "
                          f"recall@10 {run['recall_at_10']:.4f} (coarse {run['coarse_us']} µs)",
                          flush=True)
        del refine
    baseline = next(r for r in runs if r["quantizer"] == "flat" and r["nlist"] == default_nlist
                    and r["k_factor"] == 4 and r["nprobe"] == 16)
    out = {"vectors": args.size, "queries": args.queries, "dim": D, "faiss": faiss.__version__,
           "baseline": baseline, "runs": runs, "loadavg_before": load_before,
           "loadavg_after": os.getloadavg(), "cpus": os.cpu_count()}
    path = RESULTS if args.size == 1_000_000 else RESULTS.with_stem(
        f"{RESULTS.stem}_{args.size}")
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"baseline (flat, nprobe 16): {baseline['qps_1_thread']:,.0f} QPS recall@10 "
          f"{baseline['recall_at_10']:.4f}; wrote {path}")


if __name__ == "__main__":
    main()
