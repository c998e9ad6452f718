from __future__ import annotations

import types

import pytest

from retrieval import VectorIndex
from retrieval._device import faiss_gpus, resolve_faiss_device


def test_faiss_cpu_module_means_no_gpu():
    # faiss-cpu has index_cpu_to_all_gpus (it raises when called) but no GPU resources class
    fake_cpu = types.SimpleNamespace(index_cpu_to_all_gpus=lambda *a: None)
    assert faiss_gpus(fake_cpu) == 0
    assert resolve_faiss_device("auto", fake_cpu) == "cpu"
    assert resolve_faiss_device("gpu", fake_cpu) == "cpu"


def test_gpu_module_with_devices_is_used_unless_cpu_asked():
    fake_gpu = types.SimpleNamespace(StandardGpuResources=object, get_num_gpus=lambda: 2)
    assert faiss_gpus(fake_gpu) == 2
    assert resolve_faiss_device("auto", fake_gpu) == "gpu"
    assert resolve_faiss_device("cpu", fake_gpu) == "cpu"
    broken = types.SimpleNamespace(StandardGpuResources=object, get_num_gpus=lambda: 1 / 0)
    assert faiss_gpus(broken) == 0


def test_this_machine_takes_the_cpu_path():
    import faiss

    if faiss_gpus(faiss) > 0:
        pytest.skip("a GPU is present here")
    ix = VectorIndex(8, device="auto")
    assert ix.device == "cpu"
