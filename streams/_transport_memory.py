"""An in-process broker with consumer groups: the runtime's unit-test transport.

Topics are lists of records per partition; keys go to a partition by CRC32 as
a real producer's would (same key, same partition). A consumer group spreads
partitions round-robin over its members; when members come or go, a partition
moves only after its old owner ran its revoke listener (drained and
committed), as a real group's join barrier guarantees. A member that is closed
hands its partitions over at once. Producers refuse records above
``max_request_bytes`` as kafka-python's does (1 MiB by default).

Transactions as the runtime sees them on Kafka: a transactional producer's
records and offsets are applied together at commit, or not at all (so every
reader is ``read_committed``); making a producer with a transactional id fences
the one made before with that id (its commits raise ``FencedError``).

It is a test double: no retention, no network; everything is
guarded by one lock, and listeners run outside it (they wait for the runtime).
"""

from __future__ import annotations

import itertools
import threading
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .config import BrokerSettings, WorkerSettings
from .errors import CommitError, FencedError, MessageTooLargeError, ProduceError
from .transport import (
    TP,
    Consumer,
    Delivered,
    Headers,
    OutRecord,
    RawRecord,
    RebalanceListener,
    run_blocking,
)

DEFAULT_MAX_REQUEST_BYTES = 1_048_576
_RECORD_OVERHEAD = 64  # what a record costs besides key, value and headers


@dataclass
class _Group:
    members: dict[str, MemoryConsumer] = field(default_factory=dict)
    target: dict[TP, str] = field(default_factory=dict)  # where each partition should be
    owner: dict[TP, str] = field(default_factory=dict)  # where it is (listener has run)
    committed: dict[TP, int] = field(default_factory=dict)


class MemoryBroker:
    def __init__(self, max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES) -> None:
        self.max_request_bytes = max_request_bytes
        self._cond = threading.Condition()
        self._topics: dict[str, list[list[RawRecord]]] = {}
        self._groups: dict[str, _Group] = {}
        self._ids = itertools.count(1)
        self._round_robin = itertools.count()
        self._txn_epochs: dict[str, int] = {}  # transactional id -> the live producer's epoch

    # ------------------------------------------------------------ topics and records

    def create_topic(self, name: str, partitions: int = 1) -> None:
        with self._cond:
            self._topics.setdefault(name, [[] for _ in range(partitions)])

    def partitions(self, topic: str) -> int:
        with self._cond:
            return len(self._topics[topic])

    def append(self, topic: str, value: bytes | None, key: bytes | None = None,
               headers: Headers | None = None) -> TP:
        with self._cond:
            parts = self._topics.get(topic)
            if parts is None:  # auto-create, as the embedded broker does
                parts = self._topics[topic] = [[]]
            n = (zlib.crc32(key) if key is not None else next(self._round_robin)) % len(parts)
            tp = TP(topic, n)
            parts[n].append(RawRecord(tp, len(parts[n]), key, value, tuple(headers or ())))
            self._cond.notify_all()
            return tp

    def records(self, topic: str) -> list[RawRecord]:
        """Every record of ``topic``, partition by partition."""
        with self._cond:
            return [r for part in self._topics.get(topic, []) for r in part]

    def committed(self, group: str, tp: TP) -> int | None:
        with self._cond:
            g = self._groups.get(group)
            return g.committed.get(tp) if g else None

    # ------------------------------------------------------------ groups

    def _join(self, group: str, member: MemoryConsumer) -> None:
        with self._cond:
            g = self._groups.setdefault(group, _Group())
            g.members[member.member_id] = member
            self._spread(g)

    def _leave(self, group: str, member: MemoryConsumer) -> None:
        with self._cond:
            g = self._groups[group]
            g.members.pop(member.member_id, None)
            for tp in [tp for tp, m in g.owner.items() if m == member.member_id]:
                del g.owner[tp]
            self._spread(g)

    def _spread(self, g: _Group) -> None:
        topics = sorted({t for m in g.members.values() for t in m.topics})
        tps = [TP(t, p) for t in topics for p in range(len(self._topics.get(t, [[]])))]
        ids = sorted(g.members)
        g.target = {tp: ids[i % len(ids)] for i, tp in enumerate(tps)} if ids else {}
        self._cond.notify_all()


class _BlockingIO:
    def __init__(self, consumer: MemoryConsumer) -> None:
        self._consumer = consumer

    async def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    async def commit(self, offsets: dict[TP, int]) -> None:
        self._consumer.commit(offsets)


class MemoryConsumer:
    def __init__(self, broker: MemoryBroker, group: str) -> None:
        self.broker = broker
        self.group = group
        self.member_id = f"member-{next(broker._ids):04d}"
        self.topics: list[str] = []
        self._listener: RebalanceListener | None = None
        self._assigned: set[TP] = set()
        self._paused: set[TP] = set()
        self._position: dict[TP, int] = {}

    def subscribe(self, topics: list[str], listener: RebalanceListener) -> None:
        self.topics = list(topics)
        self._listener = listener
        for topic in topics:
            self.broker.create_topic(topic)
        self.broker._join(self.group, self)

    def _rebalance(self) -> None:
        assert self._listener is not None
        b = self.broker
        with b._cond:
            g = b._groups[self.group]
            revoke = {tp for tp in self._assigned if g.target.get(tp) != self.member_id}
        if revoke:
            run_blocking(self._listener.on_revoked(revoke, _BlockingIO(self)))
            with b._cond:
                for tp in revoke:
                    g.owner.pop(tp, None)
                    self._position.pop(tp, None)
                self._assigned -= revoke
                self._paused -= revoke
                b._cond.notify_all()
        with b._cond:
            assign = {tp for tp, m in g.target.items()
                      if m == self.member_id and tp not in g.owner}
            for tp in assign:
                g.owner[tp] = self.member_id
                self._position[tp] = g.committed.get(tp, 0)
            self._assigned |= assign
        if assign:
            self._listener.on_assigned(assign, self.seek)

    def poll(self, timeout_ms: int, max_records: int) -> list[RawRecord]:
        deadline = time.monotonic() + timeout_ms / 1000
        b = self.broker
        while True:
            self._rebalance()
            with b._cond:
                out: list[RawRecord] = []
                for tp in sorted(self._assigned - self._paused):
                    part = b._topics[tp.topic][tp.partition]
                    at = self._position[tp]
                    got = part[at:at + max_records - len(out)]
                    out.extend(got)
                    self._position[tp] = at + len(got)
                if out:
                    return out
                left = deadline - time.monotonic()
                if left <= 0:
                    return out
                b._cond.wait(left)

    def assignment(self) -> set[TP]:
        return set(self._assigned)

    def paused(self) -> set[TP]:
        return set(self._paused)

    def pause(self, tps: set[TP]) -> None:
        self._paused |= tps & self._assigned

    def resume(self, tps: set[TP]) -> None:
        self._paused -= tps

    def seek(self, tp: TP, offset: int) -> None:
        self._position[tp] = offset

    def commit(self, offsets: dict[TP, int]) -> None:
        with self.broker._cond:
            self._commit_locked(offsets)

    def _commit_locked(self, offsets: dict[TP, int]) -> None:
        g = self.broker._groups[self.group]
        stale = [tp for tp in offsets if g.owner.get(tp) != self.member_id]
        if stale:
            raise CommitError(f"{sorted(stale)} are not this member's any more")
        g.committed.update(offsets)

    def highwater(self, tp: TP) -> int | None:
        with self.broker._cond:
            return len(self.broker._topics[tp.topic][tp.partition])

    def close(self) -> None:
        self.broker._leave(self.group, self)


class MemoryProducer:
    def __init__(self, broker: MemoryBroker) -> None:
        self.broker = broker
        self._closed = False

    def send(self, topic: str, value: bytes | None, key: bytes | None, headers: Headers | None,
             on_delivery: Delivered) -> None:
        if self._closed:
            raise ProduceError("the producer is closed")
        size = _size(value, key, headers)
        if size > self.broker.max_request_bytes:
            raise MessageTooLargeError(f"a record of {size} bytes is above the producer's "
                                       f"max_request_size={self.broker.max_request_bytes}")
        self.broker.append(topic, value, key, headers)
        on_delivery(None)

    def flush(self, timeout_s: float | None = None) -> None:
        pass

    def close(self, timeout_s: float = 10.0) -> None:
        self._closed = True


def _size(value: bytes | None, key: bytes | None, headers: Headers | None) -> int:
    return _RECORD_OVERHEAD + len(value or b"") + len(key or b"") + sum(
        len(k) + len(v) for k, v in headers or ())


class MemoryTransactionalProducer:
    def __init__(self, broker: MemoryBroker, transactional_id: str) -> None:
        self.broker = broker
        self.transactional_id = transactional_id
        with broker._cond:
            self.epoch = broker._txn_epochs.get(transactional_id, 0) + 1
            broker._txn_epochs[transactional_id] = self.epoch

    def commit(self, records: Sequence[OutRecord], offsets: dict[TP, int],
               consumer: Consumer) -> None:
        assert isinstance(consumer, MemoryConsumer)
        b = self.broker
        sending = []
        for r in records:  # refused as kafka-python refuses: before anything is sent
            while _size(r.value, r.key, r.headers) > b.max_request_bytes and r.fallback:
                r = r.fallback
            if _size(r.value, r.key, r.headers) > b.max_request_bytes:
                raise CommitError(f"transaction aborted: a record for {r.topic!r} is too large")
            sending.append(r)
        with b._cond:
            if b._txn_epochs.get(self.transactional_id) != self.epoch:
                raise FencedError(f"{self.transactional_id!r} was taken by a newer producer")
            if offsets:
                consumer._commit_locked(offsets)  # CommitError: not the owner, nothing applied
            for r in sending:
                b.append(r.topic, r.value, r.key, r.headers)

    def close(self, timeout_s: float = 10.0) -> None:
        pass


class MemoryTransport:
    """A transport over one ``MemoryBroker`` (share the broker between workers of a test)."""

    name = "memory"

    def __init__(self, broker: MemoryBroker | None = None) -> None:
        self.broker = broker or MemoryBroker()

    def consumer(self, broker: BrokerSettings, settings: WorkerSettings,
                 client_id: str) -> MemoryConsumer:
        return MemoryConsumer(self.broker, settings.group_id)

    def producer(self, broker: BrokerSettings, client_id: str, **overrides: Any) -> MemoryProducer:
        return MemoryProducer(self.broker)

    def transactional_producer(self, broker: BrokerSettings, client_id: str,
                               transactional_id: str) -> MemoryTransactionalProducer:
        return MemoryTransactionalProducer(self.broker, transactional_id)

