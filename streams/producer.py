"""A thin asyncio wrapper over kafka-python's ``KafkaProducer``.

``await producer.send(event)`` returns once the broker acknowledged the record
(``acks="all"``). The value is the event's JSON, the key its ``key``, the
topic the one that carries its type unless given. kafka-python's sender
thread resolves its future; the result is handed to the caller's event loop
with ``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError

from .config import BrokerSettings
from .errors import ProduceError
from .events import Event
from .topics import topic_for

Headers = Sequence[tuple[str, bytes]]


class Producer:
    def __init__(self, settings: BrokerSettings, **overrides: Any) -> None:
        kwargs: dict[str, Any] = {
            **settings.client_kwargs(),
            "acks": "all",
            "linger_ms": 2,
            "retries": 5,
            **overrides,
        }
        self._producer = KafkaProducer(**kwargs)

    async def send(self, event: Event, topic: str | None = None,
                   headers: Headers | None = None) -> Any:
        """Publish ``event`` and wait for the broker's ack; returns the record metadata."""
        return await self.send_raw(topic or topic_for(event.type).name, event.to_bytes(),
                                   key=event.key.encode(), headers=headers)

    async def send_raw(self, topic: str, value: bytes | None, key: bytes | None = None,
                       headers: Headers | None = None) -> Any:
        loop = asyncio.get_running_loop()
        result: asyncio.Future[Any] = loop.create_future()

        def ok(metadata: Any) -> None:
            loop.call_soon_threadsafe(_resolve, result, metadata, None)

        def failed(exc: BaseException) -> None:
            loop.call_soon_threadsafe(_resolve, result, None, exc)

        try:
            future = self._producer.send(topic, value=value, key=key,
                                         headers=list(headers) if headers else None)
        except KafkaError as exc:
            raise ProduceError(f"could not send to {topic!r}: {exc}") from exc
        future.add_callback(ok)
        future.add_errback(failed)
        return await result

    def send_sync(self, topic: str, value: bytes | None, key: bytes | None = None,
                  timeout_s: float = 30.0) -> Any:
        """Publish from plain (non-async) code and wait for the ack."""
        try:
            return self._producer.send(topic, value=value, key=key).get(timeout=timeout_s)
        except KafkaError as exc:
            raise ProduceError(f"record to {topic!r} not acknowledged: {exc}") from exc

    def flush(self, timeout_s: float | None = None) -> None:
        self._producer.flush(timeout=timeout_s)

    def close(self, timeout_s: float = 10.0) -> None:
        self._producer.close(timeout=timeout_s)


def _resolve(fut: asyncio.Future[Any], value: Any, exc: BaseException | None) -> None:
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(ProduceError(f"record not acknowledged by the broker: {exc}"))
    else:
        fut.set_result(value)
