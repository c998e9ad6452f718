"""Asyncio front of a blocking ``Ledger``: calls are batched onto one thread.

Every lookup and mark waiting when the ledger thread is free goes in one call
(one SELECT ... IN, one transaction), so a busy worker pays one SQLite round
trip per batch, not per record, and the event loop never blocks on SQLite.
A caller passes a list (one record's id, or a whole fetched run's): one future
per call, not per id.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from .ledger import Ledger

_Lookup = tuple[list[str], "asyncio.Future[dict[str, str]]"]
_Mark = tuple[list[tuple[str, str]], "asyncio.Future[None]"]


class AsyncLedger:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="ledger")
        self._lookups: list[_Lookup] = []
        self._marks: list[_Mark] = []
        self._flusher: asyncio.Task[None] | None = None

    async def origins(self, event_ids: list[str]) -> dict[str, str]:
        """Of ``event_ids``, those done, each with the origin it was marked with."""
        if not event_ids:
            return {}
        fut: asyncio.Future[dict[str, str]] = asyncio.get_running_loop().create_future()
        self._lookups.append((event_ids, fut))
        self._kick()
        return await fut

    async def is_done(self, event_id: str) -> bool:
        return bool(await self.origins([event_id]))

    async def mark_done(self, entries: list[tuple[str, str]]) -> None:
        """Mark ``(event_id, origin)`` pairs done; returns once they are committed."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._marks.append((entries, fut))
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
                futures: list[asyncio.Future[dict[str, str]] | asyncio.Future[None]] = [
                    f for _, f in lookups]
                futures += [f for _, f in marks]
                for fut in futures:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            for ids, lfut in lookups:
                if not lfut.done():
                    lfut.set_result({i: found[i] for i in ids if i in found})
            for _, mfut in marks:
                if not mfut.done():
                    mfut.set_result(None)

    def _run(self, lookups: list[_Lookup], marks: list[_Mark]) -> dict[str, str]:
        if marks:
            self.ledger.mark_done_many(e for entries, _ in marks for e in entries)
        if not lookups:
            return {}
        return self.ledger.origins_among(i for ids, _ in lookups for i in ids)

    def close(self) -> None:
        self._executor.submit(self.ledger.close).result()
        self._executor.shutdown(wait=True)
