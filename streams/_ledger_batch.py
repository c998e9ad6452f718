"""Asyncio front of a blocking ``Ledger``: calls are batched onto one thread.

Every lookup and mark waiting when the ledger thread is free goes in one call
(one SELECT ... IN, one transaction), so a busy worker pays one SQLite round
trip per batch, not per record, and the event loop never blocks on SQLite.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from .ledger import Ledger


class AsyncLedger:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="ledger")
        self._lookups: list[tuple[str, asyncio.Future[bool]]] = []
        self._marks: list[tuple[str, str, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def is_done(self, event_id: str) -> bool:
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._lookups.append((event_id, fut))
        self._kick()
        return await fut

    async def mark_done(self, event_id: str, origin: str) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._marks.append((event_id, origin, fut))
        self._kick()
        await fut

    def _kick(self) -> None:
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        while self._lookups or self._marks:
            lookups, self._lookups = self._lookups, []
            marks, self._marks = self._marks, []
            try:
                found = await loop.run_in_executor(self._executor, self._run, lookups, marks)
            except Exception as exc:  # every waiter of the batch sees the failure
                for *_, fut in lookups + marks:  # type: ignore[operator]
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            for event_id, lfut in lookups:
                if not lfut.done():
                    lfut.set_result(event_id in found)
            for _, _, mfut in marks:
                if not mfut.done():
                    mfut.set_result(None)

    def _run(self, lookups: list[tuple[str, asyncio.Future[bool]]],
             marks: list[tuple[str, str, asyncio.Future[None]]]) -> set[str]:
        if marks:
            self.ledger.mark_done_many((event_id, origin) for event_id, origin, _ in marks)
        return self.ledger.done_among(e for e, _ in lookups) if lookups else set()

    def close(self) -> None:
        self._executor.submit(self.ledger.close).result()
        self._executor.shutdown(wait=True)
