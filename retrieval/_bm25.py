"""BM25 over the document store with ``bm25s``.

DuckDB's own full-text extension cannot be installed offline (extensions are
downloaded at run time), so lexical search uses bm25s, a pure-Python package.
bm25s has no incremental add: the index is rebuilt lazily on the first search
after a change, which costs milliseconds for thousands of documents.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import bm25s
import numpy as np

_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_STOP_WORDS = (
    "a an and are as at be but by can do does for from has have how i if in into is it its me "
    "my no not of on or our so such that the their then there these they this to was were "
    "what when where which will with would you your we us"
)
_STOP = frozenset(_STOP_WORDS.split())


def tokenize(text: str) -> list[str]:
    """Lower-case words minus stop words, with plural 's' stripped (no stemmer package here)."""
    out = []
    for tok in _TOKEN.findall(text.lower()):
        if tok in _STOP:
            continue
        if len(tok) > 3 and tok.endswith("s") and not tok.endswith("ss"):
            tok = tok[:-1]
        out.append(tok)
    return out


class BM25Index:
    def __init__(self, fields: Sequence[str]) -> None:
        self.fields = tuple(fields)
        self._lock = threading.Lock()
        self._docs: dict[str, tuple[str, Mapping[str, Any]]] = {}
        self._dirty = True
        self._ids: list[str] = []
        self._model: Any = None
        self._cols: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._docs)

    def upsert(self, doc_id: str, text: str, attrs: Mapping[str, Any]) -> None:
        with self._lock:
            self._docs[doc_id] = (text, attrs)
            self._dirty = True

    def delete(self, doc_id: str) -> None:
        with self._lock:
            if self._docs.pop(doc_id, None) is not None:
                self._dirty = True

    def _refresh(self) -> None:
        if not self._dirty:
            return
        self._ids = list(self._docs)
        corpus = [tokenize(self._docs[d][0]) for d in self._ids]
        self._model = None
        if self._ids:
            model = bm25s.BM25()
            model.index(corpus, show_progress=False)
            self._model = model
        self._cols = {
            f: np.array([_norm(self._docs[d][1].get(f)) for d in self._ids], dtype=object)
            for f in self.fields
        }
        self._dirty = False

    def search(
        self, query: str, k: int, constraints: Mapping[str, Sequence[str]] | None = None
    ) -> list[tuple[str, float]]:
        with self._lock:
            self._refresh()
            if self._model is None:
                return []
            vocab = self._model.vocab_dict
            tokens = [t for t in tokenize(query) if t in vocab]
            if not tokens:
                return []
            scores = np.asarray(self._model.get_scores(tokens), dtype=np.float64)
            for field, values in (constraints or {}).items():
                scores[~np.isin(self._cols[field], list(values))] = -np.inf
            k = min(k, len(scores))
            top = np.argpartition(-scores, k - 1)[:k]
            top = top[np.argsort(-scores[top], kind="stable")]
            return [(self._ids[i], float(scores[i])) for i in top if scores[i] > 0]


def _norm(value: Any) -> str | None:
    if value is None:
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)
