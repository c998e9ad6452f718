"""One harness per transport, so the runtime contract suite runs unchanged on each.

``memory``: the in-process broker (fast). ``kafka-python`` and
``confluent-kafka``: the real embedded Tansu broker (what the tests produce and
read back goes through kafka-python either way: the transport under test only
runs the workers).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from streams._transport_memory import MemoryBroker, MemoryTransport
from streams.broker import EmbeddedBroker, create_topics
from streams.config import BrokerSettings
from streams.runtime import Worker
from streams.transport import TP, Transport, open_transport

from ._helpers import committed, produce, read_all


@dataclass
class Seen:
    """A record read back from a topic."""

    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]
    partition: int
    offset: int


class Harness:
    name: str

    def settings(self) -> BrokerSettings:
        raise NotImplementedError

    def transport(self) -> Transport:
        raise NotImplementedError

    def topic(self, partitions: int) -> str:
        raise NotImplementedError

    def produce(self, topic: str, records: Sequence[tuple[bytes | None, bytes]]) -> None:
        raise NotImplementedError

    def read(self, topic: str, expect: int) -> list[Seen]:
        raise NotImplementedError

    def committed(self, group: str, topic: str, partitions: int) -> dict[int, int | None]:
        raise NotImplementedError


class MemoryHarness(Harness):
    name = "memory"

    def __init__(self) -> None:
        self.broker = MemoryBroker()

    def settings(self) -> BrokerSettings:
        return BrokerSettings(embedded=False)

    def transport(self) -> Transport:
        return MemoryTransport(self.broker)

    def topic(self, partitions: int) -> str:
        name = f"t-{uuid.uuid4().hex[:8]}"
        self.broker.create_topic(name, partitions)
        self.broker.create_topic(name + ".dlq", 1)
        self.broker.create_topic(name + ".out", 2)
        return name

    def produce(self, topic: str, records: Sequence[tuple[bytes | None, bytes]]) -> None:
        for key, value in records:
            self.broker.append(topic, value, key)

    def read(self, topic: str, expect: int) -> list[Seen]:
        return [Seen(r.key, r.value, list(r.headers), r.tp.partition, r.offset)
                for r in self.broker.records(topic)]

    def committed(self, group: str, topic: str, partitions: int) -> dict[int, int | None]:
        return {p: self.broker.committed(group, TP(topic, p)) for p in range(partitions)}


class KafkaHarness(Harness):
    def __init__(self, broker: EmbeddedBroker, client: str) -> None:
        self.broker = broker
        self.name = client
        self.client = client

    def settings(self) -> BrokerSettings:
        return BrokerSettings(bootstrap_servers=[self.broker.bootstrap], embedded=False,
                              client=self.client,  # type: ignore[arg-type]
                              session_timeout_ms=4000, heartbeat_interval_ms=500)

    def transport(self) -> Transport:
        return open_transport(self.settings())

    def topic(self, partitions: int) -> str:
        name = f"t-{uuid.uuid4().hex[:8]}"
        create_topics(self.broker.bootstrap,
                      [(name, partitions), (name + ".dlq", 1), (name + ".out", 2)])
        return name

    def produce(self, topic: str, records: Sequence[tuple[bytes | None, bytes]]) -> None:
        produce(self.broker.bootstrap, topic, list(records))

    def read(self, topic: str, expect: int) -> list[Seen]:
        return [Seen(r.key, r.value, list(r.headers), r.partition, r.offset)
                for r in read_all(self.broker.bootstrap, topic, expect)]

    def committed(self, group: str, topic: str, partitions: int) -> dict[int, int | None]:
        return committed(self.broker.bootstrap, group, topic, partitions)


async def run_until(workers: Sequence[Worker], done: Callable[[], bool],
                    timeout_s: float) -> None:
    """Run ``workers`` until ``done()``, then stop them all (also on failure or timeout)."""
    tasks = [asyncio.create_task(w.run()) for w in workers]
    deadline = time.monotonic() + timeout_s
    try:
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError(f"not done within {timeout_s:.0f}s")
            for task in tasks:
                if task.done():
                    task.result()
            await asyncio.sleep(0.02)
    finally:
        for w in workers:
            w.stop()
        await asyncio.gather(*tasks)


def grouped(worker: Worker) -> list[int]:
    """Make ``worker`` take its handler as fast from the first record (records then go in
    groups, as they would once measured), and return the sizes of the groups it runs."""
    sizes: list[int] = []
    call_each = worker._call_each

    async def counted(*args: Any) -> Any:
        sizes.append(len(args[0]))
        return await call_each(*args)

    worker._call_each = counted  # type: ignore[method-assign]
    worker._handler_s = 0.0
    return sizes
