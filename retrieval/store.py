"""The document store: one DuckDB table in retrieval's own file under ``index_dir``.

The main store file belongs to the tools package (and DuckDB lets one process
write a file at a time), so retrieval keeps a separate ``documents.duckdb``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from .errors import DocumentNotFound
from .models import Document

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id          VARCHAR PRIMARY KEY,
    kind        VARCHAR NOT NULL,
    text        VARCHAR NOT NULL,
    meta        JSON NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
)
"""


class DocumentStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._con = duckdb.connect(str(path))
        self._lock = threading.Lock()
        self._con.execute(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def upsert(self, docs: Iterable[Document]) -> list[Document]:
        now = datetime.now(UTC)
        stamped = [d.model_copy(update={"updated_at": d.updated_at or now}) for d in docs]
        rows = [(d.id, d.kind, d.text, json.dumps(d.meta), d.updated_at) for d in stamped]
        if rows:
            with self._lock:
                self._con.executemany(
                    "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?)", rows
                )
        return stamped

    def delete(self, ids: Sequence[str]) -> int:
        if not ids:
            return 0
        with self._lock:
            found = self._con.execute(
                "DELETE FROM documents WHERE id IN (SELECT unnest(?)) RETURNING id", [list(ids)]
            ).fetchall()
        return len(found)

    def get(self, doc_id: str) -> Document:
        docs = self.get_many([doc_id])
        if not docs:
            raise DocumentNotFound(f"no document {doc_id!r} in {self.path}")
        return docs[doc_id]

    def get_many(self, ids: Sequence[str]) -> dict[str, Document]:
        if not ids:
            return {}
        with self._lock:
            rows = self._con.execute(
                "SELECT id, kind, text, meta, updated_at FROM documents "
                "WHERE id IN (SELECT unnest(?))", [list(ids)]
            ).fetchall()
        return {r[0]: _doc(r) for r in rows}

    def all(self, kind: str | None = None) -> list[Document]:
        sql = "SELECT id, kind, text, meta, updated_at FROM documents"
        with self._lock:
            if kind:
                rows = self._con.execute(sql + " WHERE kind = ? ORDER BY id", [kind]).fetchall()
            else:
                rows = self._con.execute(sql + " ORDER BY id").fetchall()
        return [_doc(r) for r in rows]

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._con.execute(
                "SELECT kind, count(*) FROM documents GROUP BY kind ORDER BY kind"
            ).fetchall()
        return {k: int(n) for k, n in rows}

    def clear(self, kinds: Sequence[str] | None = None) -> None:
        with self._lock:
            if kinds:
                self._con.execute("DELETE FROM documents WHERE kind IN (SELECT unnest(?))",
                                  [list(kinds)])
            else:
                self._con.execute("DELETE FROM documents")


def _doc(row: tuple) -> Document:
    doc_id, kind, text, meta, updated_at = row
    return Document(id=doc_id, kind=kind, text=text, meta=json.loads(meta), updated_at=updated_at)
