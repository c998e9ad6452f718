"""Which device FAISS and the embedder run on; the one place that asks for GPUs."""

from __future__ import annotations

from typing import Any, Literal

import faiss as _faiss

# SWIG bindings: the shipped stubs lag the runtime API (parameter kwargs, downcasts).
faiss: Any = _faiss


def faiss_gpus(module: Any = faiss) -> int:
    """Number of GPUs FAISS can use; 0 for faiss-cpu.

    faiss-cpu exposes ``index_cpu_to_all_gpus`` but calling it raises NameError,
    so the test is for the GPU resources class plus a device count.
    """
    if not hasattr(module, "StandardGpuResources"):
        return 0
    try:
        return int(module.get_num_gpus())
    except Exception:
        return 0


def resolve_faiss_device(wanted: Literal["auto", "cpu", "gpu"], module: Any = faiss) -> str:
    """``gpu`` when asked for (or auto) and available; gpu without one falls back to cpu."""
    if wanted == "cpu":
        return "cpu"
    return "gpu" if faiss_gpus(module) > 0 else "cpu"


def resolve_torch_device(wanted: Literal["auto", "cpu", "gpu"]) -> str:
    if wanted == "cpu":
        return "cpu"
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"
