"""An asyncio producer over any transport's ``ProducerClient`` (kafka-python by default).

``await producer.send(event)`` returns once the broker acknowledged the record
(``acks="all"``). The value is the event's JSON, the key its ``key``, the
topic the one that carries its type unless given.

Acks arrive on the client's thread. Waking the event loop costs a write to its
self-pipe, so acks are queued and one wake-up drains all that arrived since the
last: at thousands of records a second that is one wake-up per produce
response, not one per record.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Sequence
from typing import Any

from .config import BrokerSettings
from .errors import ProduceError
from .events import Event
from .topics import topic_for
from .transport import Headers, ProducerClient, open_transport


class Producer:
    def __init__(self, settings: BrokerSettings, *, client: ProducerClient | None = None,
                 **overrides: Any) -> None:
        self.client = client or open_transport(settings).producer(
            settings, overrides.pop("client_id", settings.client_id), **overrides)
        self._lock = threading.Lock()
        self._acks: dict[asyncio.AbstractEventLoop, _Acks] = {}  # one queue per event loop

    async def send(self, event: Event, topic: str | None = None,
                   headers: Headers | None = None) -> None:
        """Publish ``event`` and wait for the broker's ack."""
        await self.send_raw(topic or topic_for(event.type).name, event.to_bytes(),
                            key=event.key.encode(), headers=headers)

    def send_nowait(self, topic: str, value: bytes | None, key: bytes | None = None,
                    headers: Headers | None = None) -> asyncio.Future[None]:
        """Queue a record; the future resolves on the broker's ack (``ProduceError`` if refused).

        Raises at once what the client refuses before sending (``MessageTooLargeError``).
        """
        loop = asyncio.get_running_loop()
        result: asyncio.Future[None] = loop.create_future()
        acks = self._acks.get(loop)
        if acks is None:
            with self._lock:
                acks = self._acks.setdefault(loop, _Acks(loop))

        def delivered(exc: BaseException | None) -> None:
            acks.put(result, exc)

        self.client.send(topic, value, key, headers, delivered)
        return result

    async def send_raw(self, topic: str, value: bytes | None, key: bytes | None = None,
                       headers: Headers | None = None) -> None:
        await self.send_nowait(topic, value, key, headers)

    async def send_many(self, records: Sequence[tuple[str, bytes | None, bytes | None,
                                                      Headers | None]]) -> None:
        """Publish several records and wait until the broker acked them all."""
        futures = [self.send_nowait(*r) for r in records]
        for fut in futures:
            await fut

    def send_sync(self, topic: str, value: bytes | None, key: bytes | None = None,
                  timeout_s: float = 30.0) -> None:
        """Publish from plain (non-async) code and wait for the ack."""
        done = threading.Event()
        failure: list[BaseException | None] = [None]

        def delivered(exc: BaseException | None) -> None:
            failure[0] = exc
            done.set()

        self.client.send(topic, value, key, None, delivered)
        self.client.flush(timeout_s)
        if not done.wait(timeout_s):
            raise ProduceError(f"record to {topic!r} not acknowledged within {timeout_s:.0f}s")
        if failure[0] is not None:
            raise ProduceError(f"record to {topic!r} not acknowledged: {failure[0]}")

    def flush(self, timeout_s: float | None = None) -> None:
        self.client.flush(timeout_s)

    def close(self, timeout_s: float = 10.0) -> None:
        self.client.close(timeout_s)


class _Acks:
    """Acks for one event loop's futures, handed over with one wake-up per burst."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._thread = threading.get_ident()
        self._lock = threading.Lock()
        self._queue: deque[tuple[asyncio.Future[None], BaseException | None]] = deque()
        self._wake_pending = False

    def put(self, fut: asyncio.Future[None], exc: BaseException | None) -> None:
        with self._lock:
            self._queue.append((fut, exc))
            if self._wake_pending:
                return
            self._wake_pending = True
        if threading.get_ident() == self._thread:
            self._loop.call_soon(self._drain)
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._drain)

    def _drain(self) -> None:
        with self._lock:
            acks, self._queue = self._queue, deque()
            self._wake_pending = False
        for fut, exc in acks:
            if fut.done():
                continue
            if exc is not None:
                fut.set_exception(ProduceError(f"record not acknowledged by the broker: {exc}"))
            else:
                fut.set_result(None)
