from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="session")
def embedder():
    """The real model, loaded once per test session."""
    from retrieval import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(cache_size=10_000)


@pytest.fixture(scope="session")
def built_index_dir(tmp_path_factory, embedder) -> Path:
    """An index of the real catalog, policy and FAQ, built once and copied per test."""
    from retrieval import RetrievalSettings, Retriever

    d = tmp_path_factory.mktemp("index")
    with Retriever(RetrievalSettings(index_dir=str(d)), embedder=embedder) as r:
        r.build(DATA)
    return d


@pytest.fixture()
def retriever(built_index_dir, tmp_path, embedder):
    import shutil

    from retrieval import RetrievalSettings, Retriever

    d = tmp_path / "index"
    shutil.copytree(built_index_dir, d)
    r = Retriever(RetrievalSettings(index_dir=str(d)), embedder=embedder)
    yield r
    r.close()
