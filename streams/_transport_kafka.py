"""The kafka-python transport (the default), and the one place its private internals are used.

kafka-python runs rebalance listeners on its own IO thread. While a revoked
partition drains, the listener must let that thread keep heartbeating, so it
waits with the IO loop's own sleep (``consumer._net.sleep``) and commits with
``commit_async`` awaited through the coordinator's manager
(``consumer._manager.wait_for``): both private, both here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.subscription_state import AsyncConsumerRebalanceListener
from kafka.coordinator.assignors.cooperative_sticky import CooperativeStickyAssignor
from kafka.errors import (
    InvalidProducerEpochError,
    KafkaError,
    MessageSizeTooLargeError,
    ProducerFencedError,
)
from kafka.structs import OffsetAndMetadata

from .config import BrokerSettings, WorkerSettings
from .errors import BrokerError, CommitError, FencedError, MessageTooLargeError, ProduceError
from .transport import TP, Consumer, Delivered, Headers, OutRecord, RawRecord, RebalanceListener

COMMIT_TIMEOUT_MS = 10_000
TRANSACTION_TIMEOUT_MS = 10_000


def _offsets(offsets: dict[TP, int]) -> dict[TopicPartition, OffsetAndMetadata]:
    return {TopicPartition(*tp): OffsetAndMetadata(o, "", -1) for tp, o in offsets.items()}


def _tps(tps: Any) -> set[TP]:
    return {TP(tp.topic, tp.partition) for tp in tps}


class _IO:
    def __init__(self, consumer: KafkaConsumer) -> None:
        self._consumer = consumer

    async def sleep(self, seconds: float) -> None:
        await self._consumer._net.sleep(seconds)

    async def commit(self, offsets: dict[TP, int]) -> None:
        future = self._consumer.commit_async(_offsets(offsets))
        try:
            await self._consumer._manager.wait_for(future, COMMIT_TIMEOUT_MS)
        except Exception as exc:
            raise CommitError(f"commit on revoke failed: {exc}") from exc


class _Listener(AsyncConsumerRebalanceListener):
    def __init__(self, consumer: KafkaPythonConsumer, listener: RebalanceListener) -> None:
        self._owner = consumer
        self._listener = listener

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self._listener.on_revoked(_tps(revoked), _IO(self._owner.client))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        self._listener.on_assigned(_tps(assigned), self._owner.seek)

    async def on_partitions_lost(self, lost: Any) -> None:
        await self._listener.on_lost(_tps(lost))


class KafkaPythonConsumer:
    def __init__(self, broker: BrokerSettings, settings: WorkerSettings, client_id: str) -> None:
        kwargs: dict[str, Any] = {**broker.client_kwargs(), "client_id": client_id}
        if settings.group_instance_id:
            kwargs["group_instance_id"] = settings.group_instance_id
        if settings.exactly_once:  # outputs of aborted transactions are not read
            kwargs["isolation_level"] = "read_committed"
        if settings.partition_assignment == "cooperative":
            kwargs["partition_assignment_strategy"] = (CooperativeStickyAssignor,)
        self.client = KafkaConsumer(
            **kwargs,
            group_id=settings.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=broker.session_timeout_ms,
            heartbeat_interval_ms=broker.heartbeat_interval_ms,
            max_poll_interval_ms=broker.max_poll_interval_ms,
            max_poll_records=min(500, settings.max_buffered),
            fetch_max_bytes=max(52_428_800, 2 * settings.max_record_bytes),
        )

    def subscribe(self, topics: list[str], listener: RebalanceListener) -> None:
        self.client.subscribe(topics, listener=_Listener(self, listener))

    def poll(self, timeout_ms: int, max_records: int) -> list[RawRecord]:
        try:
            batches = self.client.poll(timeout_ms=timeout_ms, max_records=max_records)
        except KafkaError as exc:
            raise BrokerError(f"poll failed: {exc}") from exc
        out = []
        for tp, records in batches.items():
            key = TP(tp.topic, tp.partition)
            for r in records:
                headers = tuple((k, v or b"") for k, v in r.headers) if r.headers else ()
                out.append(RawRecord(key, r.offset, r.key, r.value, headers))
        return out

    def assignment(self) -> set[TP]:
        return _tps(self.client.assignment())

    def paused(self) -> set[TP]:
        return _tps(self.client.paused())

    def pause(self, tps: set[TP]) -> None:
        self.client.pause(*(TopicPartition(*tp) for tp in tps))

    def resume(self, tps: set[TP]) -> None:
        self.client.resume(*(TopicPartition(*tp) for tp in tps))

    def seek(self, tp: TP, offset: int) -> None:
        self.client.seek(TopicPartition(*tp), offset)

    def commit(self, offsets: dict[TP, int]) -> None:
        try:
            self.client.commit(_offsets(offsets))
        except KafkaError as exc:
            raise CommitError(f"offset commit failed: {exc}") from exc

    def highwater(self, tp: TP) -> int | None:
        high = self.client.highwater(TopicPartition(*tp))
        return int(high) if high is not None else None

    def close(self) -> None:
        self.client.close(autocommit=False)


class KafkaPythonProducer:
    def __init__(self, broker: BrokerSettings, client_id: str, **overrides: Any) -> None:
        self.client = KafkaProducer(**{**broker.client_kwargs(), "client_id": client_id,
                                       "acks": "all", "linger_ms": 2, "retries": 5,
                                       **overrides})

    def send(self, topic: str, value: bytes | None, key: bytes | None, headers: Headers | None,
             on_delivery: Delivered) -> None:
        try:
            future = self.client.send(topic, value=value, key=key,
                                      headers=list(headers) if headers else None)
        except MessageSizeTooLargeError as exc:
            raise MessageTooLargeError(f"record for {topic!r} refused: {exc}") from exc
        except KafkaError as exc:
            raise ProduceError(f"could not send to {topic!r}: {exc}") from exc
        future.add_callback(_ok(on_delivery))
        future.add_errback(on_delivery)

    def flush(self, timeout_s: float | None = None) -> None:
        self.client.flush(timeout=timeout_s)

    def close(self, timeout_s: float = 10.0) -> None:
        self.client.close(timeout=timeout_s)


def _ok(on_delivery: Delivered) -> Callable[[Any], None]:
    return lambda _metadata: on_delivery(None)


class KafkaPythonTransactionalProducer:
    """kafka-python's transactional producer (KIP-98), fenced by group metadata (KIP-447)."""

    def __init__(self, broker: BrokerSettings, client_id: str, transactional_id: str) -> None:
        self.client = KafkaProducer(**{**broker.client_kwargs(), "client_id": client_id,
                                       "acks": "all", "linger_ms": 2,
                                       "transactional_id": transactional_id,
                                       # As Kafka Streams sets it: a killed worker's open
                                       # transaction holds read_committed readers this long.
                                       "transaction_timeout_ms": TRANSACTION_TIMEOUT_MS})
        try:
            self.client.init_transactions()  # aborts what a predecessor left open
        except KafkaError as exc:
            self.client.close(timeout=0)
            raise BrokerError(f"transactions could not start for {transactional_id!r}: {exc}"
                              ) from exc

    def commit(self, records: Sequence[OutRecord], offsets: dict[TP, int],
               consumer: Consumer) -> None:
        assert isinstance(consumer, KafkaPythonConsumer)
        try:
            self.client.begin_transaction()
            for r in records:
                self._send(r)
            if offsets:
                self.client.send_offsets_to_transaction(_offsets(offsets),
                                                        consumer.client.group_metadata())
            self.client.commit_transaction()  # flushes: fails if any send failed
        except (ProducerFencedError, InvalidProducerEpochError) as exc:
            raise FencedError(f"transactional id taken over: {exc}") from exc
        except (KafkaError, MessageTooLargeError) as exc:
            try:
                self.client.abort_transaction()
            except KafkaError as fatal:  # the producer cannot go on: stop this worker
                raise FencedError(f"transaction failed ({exc}) and its abort too: {fatal}"
                                  ) from fatal
            raise CommitError(f"transaction aborted: {exc}") from exc

    def _send(self, r: OutRecord) -> None:
        try:
            self.client.send(r.topic, value=r.value, key=r.key, headers=list(r.headers) or None)
        except MessageSizeTooLargeError as exc:
            if r.fallback is None:
                raise MessageTooLargeError(f"record for {r.topic!r} refused: {exc}") from exc
            self._send(r.fallback)

    def close(self, timeout_s: float = 10.0) -> None:
        self.client.close(timeout=timeout_s)


class KafkaPythonTransport:
    name = "kafka-python"

    def consumer(self, broker: BrokerSettings, settings: WorkerSettings,
                 client_id: str) -> KafkaPythonConsumer:
        return KafkaPythonConsumer(broker, settings, client_id)

    def producer(self, broker: BrokerSettings, client_id: str,
                 **overrides: Any) -> KafkaPythonProducer:
        return KafkaPythonProducer(broker, client_id, **overrides)

    def transactional_producer(self, broker: BrokerSettings, client_id: str,
                               transactional_id: str) -> KafkaPythonTransactionalProducer:
        return KafkaPythonTransactionalProducer(broker, client_id, transactional_id)
