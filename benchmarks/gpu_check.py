"""One-shot check of VectorIndex's GPU path (FAISS GPU clone for unfiltered searches).

    python3 benchmarks/gpu_check.py [--n-ivf 1000000] [--n-flat 100000] [--queries 10000]

Meant for a machine with an NVIDIA GPU and a GPU build of FAISS; on a CPU-only FAISS it
runs the CPU half and reports the GPU half as skipped. It needs only numpy, faiss and
the modules retrieval/index.py imports (``_device``, ``_faiss_types``, ``errors``): the
``retrieval`` package's ``__init__`` (sentence-transformers, duckdb, pydantic ...) is
bypassed.

For each index (flat on ``--n-flat`` vectors, then the type ``index_type="auto"`` chooses
on ``--n-ivf`` with a GPU: ivf_sq8, its nprobe calibrated by the build unless ``--nprobe``),
built once through ``VectorIndex(device="gpu")`` on clustered, L2-normalised 384-d vectors:

- recall@10 of CPU and GPU results against exact search (first ``--recall-queries``
  queries), and GPU/CPU agreement
  (mean overlap of the top-10 sets, largest score difference on common ids);
- QPS of one batch of ``--queries`` queries and latency of single-query calls, for the
  GPU clone and the CPU index (the same VectorIndex, ``device`` switched), both through
  ``VectorIndex.search`` and through the raw FAISS index (median of ``--repeats`` runs);
- the time of the first GPU search (clone + search) and that the clone follows writes:
  an upserted doc is found, a deleted one is gone, a filtered search (CPU path with an
  IDSelector) returns only matching docs.

Writes JSON to stdout and to ``$OUT/gpu_check.json`` (or ``--out``).

When FAISS is a CUDA 12 build running where only CUDA 13 libraries exist (faiss-gpu 1.15.1
with a libcudart.so.12 and a libcublas.so.12 stand-in that forwards to cuBLAS 13), cuBLAS 13
is loaded first, with RTLD_GLOBAL, so that the stand-in finds it; elsewhere this is a no-op.
"""

from __future__ import annotations

import argparse
import ctypes
import glob
import json
import os
import platform
import statistics
import sys
import time
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CUBLAS_USED = ("cublasCreate_v2", "cublasDestroy_v2", "cublasGemmEx", "cublasGemmStridedBatchedEx",
               "cublasGetMathMode", "cublasSetMathMode", "cublasSetStream_v2", "cublasSgemmEx")


def preload_cublas13() -> dict[str, Any]:
    """Load the CUDA 13 cuBLAS (pip wheels' nvidia/cu13/lib or a toolkit) with RTLD_GLOBAL."""
    info: dict[str, Any] = {"cublas13": None}
    roots = [p for p in sys.path if p and os.path.isdir(p)]
    pats = [os.path.join(r, "nvidia", sub, "lib", "libcublas.so.13")
            for r in roots for sub in ("cu13", "cublas")]
    pats += ["/usr/local/cuda*/lib64/libcublas.so.13",
             "/usr/local/cuda*/targets/x86_64-linux/lib/libcublas.so.13"]
    hits = [h for p in pats for h in glob.glob(p)]
    if not hits:
        return info
    path = hits[0]
    libdir = os.path.dirname(path)
    for name in ("libnvJitLink.so.13", "libcublasLt.so.13"):  # cuBLAS 13 links these
        if os.path.exists(os.path.join(libdir, name)):
            ctypes.CDLL(os.path.join(libdir, name), mode=ctypes.RTLD_GLOBAL)
    lib = ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
    os.environ["FAISS_CUBLAS13"] = path  # read by the libcublas.so.12 stand-in
    info["cublas13"] = path
    info["cublas13_missing"] = [f for f in CUBLAS_USED if not hasattr(lib, f)]
    # Let the carried nvidia/* (in /tmp/site) join the namespace even if another nvidia
    # package on the path is a regular package.
    try:
        import nvidia  # type: ignore[import-not-found]

        for r in roots:
            d = os.path.join(r, "nvidia")
            if os.path.isdir(d) and d not in list(nvidia.__path__):
                nvidia.__path__.append(d)
    except ImportError:
        pass
    return info


def import_vector_index() -> Any:
    """retrieval.index.VectorIndex without running retrieval/__init__.py."""
    if "retrieval" not in sys.modules:
        pkg = types.ModuleType("retrieval")
        pkg.__path__ = [str(ROOT / "retrieval")]
        sys.modules["retrieval"] = pkg
    from retrieval.index import VectorIndex

    return VectorIndex


def clustered(n: int, d: int, seed: int, centers: int = 2000) -> Any:
    """Clusters of uneven size on the sphere, each varying along 16 own directions
    (the distribution of benchmarks/bench_retrieval.py's ``lowrank``, generated faster)."""
    import faiss
    import numpy as np

    rng = np.random.default_rng(seed)
    c = rng.standard_normal((centers, d)).astype(np.float32)
    faiss.normalize_L2(c)
    weights = rng.pareto(1.5, centers) + 1
    which = rng.choice(centers, n, p=weights / weights.sum())
    r = 16
    basis = rng.standard_normal((centers, r, d)).astype(np.float32) / np.sqrt(d)
    coef = rng.standard_normal((n, r), dtype=np.float32) * 0.35
    x = c[which] + rng.standard_normal((n, d), dtype=np.float32) * 0.01
    order = np.argsort(which, kind="stable")  # one small matmul per cluster, no n x r x d gather
    bounds = np.searchsorted(which[order], np.arange(centers + 1))
    for j in range(centers):
        idx = order[bounds[j]:bounds[j + 1]]
        if len(idx):
            x[idx] += coef[idx] @ basis[j]
    faiss.normalize_L2(x)
    return x


def _median_time(fn: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _recall(found: Any, truth: Any, k: int) -> float:
    hits = sum(len(set(f[:k]) & set(t[:k])) for f, t in zip(found, truth, strict=True))
    return float(hits / (k * len(truth)))


def _ids(results: Any) -> list[list[int]]:  # VectorIndex.search's Hits
    return [[int(doc) for doc, _ in row] for row in results]


def check_index(VectorIndex: Any, kind: str, n: int, args: argparse.Namespace,
                gpu: bool) -> dict[str, Any]:
    import faiss
    import numpy as np

    d, k, nq = args.dim, 10, args.queries
    out: dict[str, Any] = {"type": kind, "vectors": n, "dim": d, "queries": nq, "k": k,
                           "recall_queries": min(nq, args.recall_queries)}
    t = time.perf_counter()
    x = clustered(n + nq, d, seed=n)
    base, q = x[:n], x[n:]
    out["data_s"] = round(time.perf_counter() - t, 2)

    t = time.perf_counter()
    exact = faiss.IndexFlatIP(d)
    exact.add(base)
    nr = min(nq, args.recall_queries)  # recall on the first nr queries: exact search is costly
    _, truth = exact.search(q[:nr], k)
    del exact
    out["exact_s"] = round(time.perf_counter() - t, 2)

    ids = [str(i) for i in range(n)]
    cats = [{"kind": "product", "category": f"c{j}", "in_stock": j % 2 == 0} for j in range(10)]
    attrs = [cats[i % 10] for i in range(n)]
    ix = VectorIndex(d, index_type=kind, device="gpu", threads=args.threads,
                     nprobe=args.nprobe or None)  # None: the build calibrates nprobe
    out["device_resolved"] = ix.device
    t = time.perf_counter()
    ix.build(ids, base, attrs)
    out["build_s"] = round(time.perf_counter() - t, 2)
    out["chosen_type"] = ix.kind  # "auto" resolves by size and device
    if ix.kind != "flat":
        out["nlist"] = int(faiss.extract_index_ivf(ix._index).nlist)
        out["nprobe"] = ix.nprobe
        out["calibrated_recall"] = ix.calibrated_recall

    def on(device: str) -> None:
        ix.device = device  # same built index; only the search target changes

    # -- CPU (reference) --------------------------------------------------------------
    on("cpu")
    cpu_res = ix.search(q, k)
    cpu_ids = _ids(cpu_res)
    out["cpu"] = {"recall_at_10": round(_recall(cpu_ids[:nr], truth.tolist(), k), 4)}
    out["cpu"].update(_speeds(ix, ix._index, q, k, args))

    if not gpu or out["device_resolved"] != "gpu":
        out["gpu"] = {"skipped": "no GPU visible to FAISS"}
        return out

    # -- GPU ------------------------------------------------------------------------------
    on("gpu")
    t = time.perf_counter()
    gpu_res = ix.search(q[:1], k)
    out["gpu_first_search_s"] = round(time.perf_counter() - t, 3)  # clone + one query
    target = ix._search_target()
    out["gpu_clone_type"] = type(target).__name__
    out["gpu_clone_repr"] = _describe(faiss, target)
    gpu_res = ix.search(q, k)
    gpu_ids = _ids(gpu_res)
    overlap = [len(set(a) & set(b)) / k for a, b in zip(gpu_ids, cpu_ids, strict=True)]
    diffs = []
    for g, c in zip(gpu_res, cpu_res, strict=True):
        cs = dict(c)
        diffs += [abs(s - cs[doc]) for doc, s in g if doc in cs]
    out["gpu"] = {
        "recall_at_10": round(_recall(gpu_ids[:nr], truth.tolist(), k), 4),
        "agreement_with_cpu_top10": round(float(np.mean(overlap)), 4),
        "identical_rows": int(sum(a == b for a, b in zip(gpu_ids, cpu_ids, strict=True))),
        "max_abs_score_diff": float(max(diffs)) if diffs else None,
    }
    out["gpu"].update(_speeds(ix, target, q, k, args))
    c, g = out["cpu"], out["gpu"]
    out["speedup_batch_qps"] = round(g["batch_qps_wrapper"] / c["batch_qps_wrapper"], 2)
    out["speedup_batch_qps_raw"] = round(g["batch_qps_raw"] / c["batch_qps_raw"], 2)
    out["writes"] = _writes(ix, q, k, n)
    return out


def _speeds(ix: Any, index: Any, q: Any, k: int, args: argparse.Namespace) -> dict[str, float]:
    """Batch QPS and single-query latency, through the wrapper and on the raw index."""
    single = q[: args.single]
    ix.search(q[:64], k)  # warm-up
    wrap = _median_time(lambda: ix.search(q, k), args.repeats)
    raw = _median_time(lambda: index.search(q, k), args.repeats)

    rows = [row[None, :] for row in single]

    def one_by_one(search: Any) -> float:
        return _median_time(lambda: [search(row, k) for row in rows],
                            max(1, args.repeats // 2)) / len(rows)

    lat, lat_raw = one_by_one(ix.search), one_by_one(index.search)
    return {"batch_qps_wrapper": round(len(q) / wrap, 1), "batch_qps_raw": round(len(q) / raw, 1),
            "single_query_ms_wrapper": round(lat * 1e3, 4),
            "single_query_ms_raw": round(lat_raw * 1e3, 4)}


def _writes(ix: Any, q: Any, k: int, n: int) -> dict[str, Any]:
    """The GPU clone must follow upserts and deletes; filtered searches stay correct."""
    out: dict[str, Any] = {}
    probe = q[:1]
    ix.upsert(["new-doc"], probe, [{"kind": "product", "category": "fresh", "in_stock": True}])
    top = ix.search(probe, k)[0]
    out["upserted_is_top1_on_gpu"] = bool(top and top[0][0] == "new-doc")
    out["gpu_target_after_upsert"] = type(ix._search_target()).__name__
    victim = top[1][0] if len(top) > 1 else None
    if victim is not None:
        ix.delete([victim])
        after = [doc for doc, _ in ix.search(probe, k)[0]]
        out["deleted_absent"] = victim not in after
        out["tombstones_after_delete"] = ix.tombstones
    got = ix.search(q[:20], k, {"category": ["c3"]})
    out["filtered_all_match"] = all(int(doc) % 10 == 3 for row in got for doc, _ in row
                                    if doc != "new-doc")
    out["filtered_rows_nonempty"] = sum(1 for row in got if row)
    return out


def _describe(faiss: Any, index: Any) -> str:
    try:
        sub = faiss.downcast_index(index.index) if hasattr(index, "index") else None
    except Exception:
        sub = None
    name = type(index).__name__
    return f"{name}({type(sub).__name__})" if sub is not None else name


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-ivf", type=int, default=1_000_000)
    ap.add_argument("--n-flat", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--queries", type=int, default=10_000)
    ap.add_argument("--recall-queries", type=int, default=2000)
    ap.add_argument("--single", type=int, default=200, help="queries timed one call each")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--nprobe", type=int, default=0, help="0: calibrated by the build")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", default=None, help="JSON path (default $OUT/gpu_check.json)")
    ap.add_argument("--require-gpu", action="store_true", help="exit 2 when FAISS sees no GPU")
    args = ap.parse_args()

    report: dict[str, Any] = {"python": platform.python_version(), "host": platform.node(),
                              "cpus": os.cpu_count(), "threads": args.threads}
    report.update(preload_cublas13())
    import faiss
    import numpy as np

    VectorIndex = import_vector_index()
    from retrieval._device import faiss_gpus, resolve_faiss_device

    gpus = faiss_gpus(faiss)
    report.update({"faiss": faiss.__version__, "faiss_file": faiss.__file__,
                   "numpy": np.__version__, "faiss_gpus": gpus,
                   "resolve_auto": resolve_faiss_device("auto")})
    if gpus:
        try:
            import subprocess

            report["nvidia_smi"] = subprocess.run(
                ["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
                capture_output=True, text=True, timeout=20).stdout.strip()
        except Exception as e:  # noqa: BLE001
            report["nvidia_smi"] = repr(e)
    dest = args.out or (os.path.join(os.environ["OUT"], "gpu_check.json") if os.environ.get("OUT")
                        else None)
    report["results"] = []
    t0 = time.perf_counter()
    # flat first (quick); then the type VectorIndex chooses at --n-ivf with a GPU (ivf_sq8:
    # fast-scan has no GPU implementation), nprobe calibrated by the build unless --nprobe.
    for kind, n in (("flat", args.n_flat), ("auto", args.n_ivf)):
        if n <= 0:
            continue
        try:
            res = check_index(VectorIndex, kind, n, args, gpu=gpus > 0)
        except Exception as e:  # noqa: BLE001 - report and go on to the next type
            import traceback

            res = {"type": kind, "vectors": n, "error": repr(e), "traceback": traceback.format_exc()}
        report["results"].append(res)
        report["total_s"] = round(time.perf_counter() - t0, 1)
        print(json.dumps(res), file=sys.stderr, flush=True)
        if dest:  # after each type, so a run cut short still leaves what it measured
            Path(dest).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    if args.require_gpu and not gpus:
        return 2
    return 1 if any("error" in r for r in report["results"]) else 0


if __name__ == "__main__":
    sys.exit(main())
