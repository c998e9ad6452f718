"""Chat sessions over HTTP: who owns a session and what was said in it.

The conversation itself is the support agent's checkpointed thread
``chat:<session>``, the same one ``streamwise chat --session <session>`` uses, so a
session resumes after a restart from either side. This log (SQLite, WAL, like the
checkpoints) adds what the thread does not keep: the session's owner, for the
customer-token scope, and the transcript the console shows, including replies
that arrive later (an approval's outcome). ``SessionHub`` pushes new messages to
the clients listening on a session's event stream.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

Speaker = Literal["customer", "agent", "system"]

_DDL = """
CREATE TABLE IF NOT EXISTS chat_sessions (
    session_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,          -- the principal's name (role, or customer:USER_ID)
    customer_id TEXT,             -- set when a customer token opened it
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chat_messages (
    session_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    speaker TEXT NOT NULL,
    text TEXT NOT NULL,
    event_id TEXT NOT NULL,       -- the turn's event id: its trace
    at TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
);
"""


class Session(BaseModel):
    session_id: str
    thread_id: str
    owner: str
    customer_id: str | None = None
    created_at: datetime


class ChatMessage(BaseModel):
    seq: int
    speaker: Speaker
    text: str
    event_id: str
    at: datetime


def thread_of(session_id: str) -> str:
    """The support thread of a session (``streamwise chat`` names it the same way)."""
    return f"chat:{session_id}"


class SessionLog:
    def __init__(self, path: str | Path) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._lock = threading.Lock()
        with self._lock, self._conn:
            self._conn.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a commit survives a crash of the process, not of the machine;
            # the conversation itself is in the checkpoints, this is the transcript.
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(_DDL)

    def close(self) -> None:
        self._conn.close()

    def create(self, session_id: str, owner: str, customer_id: str | None) -> Session:
        now = datetime.now(UTC)
        with self._lock, self._conn:
            self._conn.execute("INSERT INTO chat_sessions VALUES (?, ?, ?, ?)",
                               [session_id, owner, customer_id, now.isoformat()])
        return Session(session_id=session_id, thread_id=thread_of(session_id), owner=owner,
                       customer_id=customer_id, created_at=now)

    def get(self, session_id: str) -> Session | None:
        with self._lock:
            row = self._conn.execute("SELECT owner, customer_id, created_at FROM chat_sessions "
                                     "WHERE session_id = ?", [session_id]).fetchone()
        if row is None:
            return None
        return Session(session_id=session_id, thread_id=thread_of(session_id), owner=row[0],
                       customer_id=row[1], created_at=datetime.fromisoformat(row[2]))

    def append(self, session_id: str, speaker: Speaker, text: str, event_id: str) -> ChatMessage:
        now = datetime.now(UTC)
        with self._lock, self._conn:
            (seq,) = self._conn.execute(
                "SELECT coalesce(max(seq), 0) + 1 FROM chat_messages WHERE session_id = ?",
                [session_id]).fetchone()
            self._conn.execute("INSERT INTO chat_messages VALUES (?, ?, ?, ?, ?, ?)",
                               [session_id, seq, speaker, text, event_id, now.isoformat()])
        return ChatMessage(seq=seq, speaker=speaker, text=text, event_id=event_id, at=now)

    def messages(self, session_id: str, after: int = 0) -> list[ChatMessage]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, speaker, text, event_id, at FROM chat_messages "
                "WHERE session_id = ? AND seq > ? ORDER BY seq", [session_id, after]).fetchall()
        return [ChatMessage(seq=r[0], speaker=r[1], text=r[2], event_id=r[3],
                            at=datetime.fromisoformat(r[4])) for r in rows]


class SessionHub:
    """In-process fan-out of a session's new messages to its open event streams."""

    def __init__(self) -> None:
        self._listeners: dict[str, set[asyncio.Queue[ChatMessage]]] = defaultdict(set)
        self._loop: asyncio.AbstractEventLoop | None = None

    def subscribe(self, session_id: str) -> asyncio.Queue[ChatMessage]:
        self._loop = asyncio.get_running_loop()
        queue: asyncio.Queue[ChatMessage] = asyncio.Queue()
        self._listeners[session_id].add(queue)
        return queue

    def unsubscribe(self, session_id: str, queue: asyncio.Queue[ChatMessage]) -> None:
        self._listeners[session_id].discard(queue)
        if not self._listeners[session_id]:
            del self._listeners[session_id]

    def publish(self, session_id: str, message: ChatMessage) -> None:
        """Called on the event loop's thread."""
        for queue in list(self._listeners.get(session_id, ())):
            queue.put_nowait(message)
