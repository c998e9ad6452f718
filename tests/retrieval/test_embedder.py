from __future__ import annotations

import numpy as np

from retrieval import Embedder
from retrieval.embedder import MODEL_SHA256, _sha256, bundled_model_path


def test_bundled_model_is_the_pinned_one():
    assert _sha256(bundled_model_path() / "model.safetensors") == MODEL_SHA256


def test_vectors_are_normalised_float32(embedder):
    v = embedder.embed(["a waterproof hiking boot", "how do I cancel an order"])
    assert isinstance(embedder, Embedder)
    assert v.shape == (2, embedder.dim) == (2, 384)
    assert v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def test_similar_texts_score_higher(embedder):
    a, b, c = embedder.embed(["cancel my order", "I want to cancel an order", "red running shoes"])
    assert a @ b > a @ c


def test_cache_hits_return_identical_vectors(embedder):
    text = "a unique sentence for the cache test 8841"
    misses0, hits0 = embedder.cache_misses, embedder.cache_hits
    first = embedder.embed([text])
    assert embedder.cache_misses == misses0 + 1
    again = embedder.embed([text, text])
    assert embedder.cache_hits == hits0 + 2
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(again[0], again[1])


def test_duplicates_in_one_call_are_encoded_once(embedder):
    misses0 = embedder.cache_misses
    out = embedder.embed(["dup text 5521", "dup text 5521", "other text 5521"])
    assert embedder.cache_misses == misses0 + 3  # looked up three times...
    np.testing.assert_array_equal(out[0], out[1])  # ...but one vector for the pair
    assert not np.array_equal(out[0], out[2])
