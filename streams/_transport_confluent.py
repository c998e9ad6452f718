"""The confluent-kafka transport (``broker.client: confluent-kafka``), optional.

confluent-kafka wraps librdkafka: a C client whose fetching, heartbeats and
produce batching run on its own threads. Three differences from kafka-python
shape this adapter:

- Rebalance callbacks run inside ``consume``/``close`` on the calling thread
  (the runtime's consumer thread) while librdkafka's threads keep the member
  alive, so the runtime's listener coroutine is driven with blocking
  ``sleep``/``commit`` (``transport.run_blocking``).
- A partition's start offset is set by assigning it with that offset (``seek``
  before the assignment took effect fails), so ``on_assigned``'s seeks are
  collected and handed to ``assign``/``incremental_assign``.
- Delivery reports are served by ``Producer.poll``: a small thread polls so acks
  arrive without the runtime calling the client.

The package is imported only when this transport is chosen (``pip install
'.[confluent]'``); the platform runs without it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .config import BrokerSettings, WorkerSettings
from .errors import BrokerError, CommitError, FencedError, MessageTooLargeError, ProduceError
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

if TYPE_CHECKING:
    import confluent_kafka

log = logging.getLogger(__name__)

OFFSET_INVALID = -1001  # librdkafka: no offset given, start from the committed one
TXN_TIMEOUT_S = 30.0


def _ck() -> Any:
    try:
        import confluent_kafka
    except ImportError as exc:  # the optional extra is not installed
        raise BrokerError("broker.client is confluent-kafka but the package is not installed: "
                          "pip install 'streamwise[confluent]'") from exc
    return confluent_kafka


def client_config(broker: BrokerSettings, client_id: str) -> dict[str, Any]:
    """librdkafka's names for the connection settings ``BrokerSettings.client_kwargs`` gives."""
    conf: dict[str, Any] = {
        "bootstrap.servers": ",".join(broker.bootstrap_servers),
        "security.protocol": broker.security_protocol.lower(),
        "client.id": client_id,
    }
    if broker.sasl_mechanism:
        conf["sasl.mechanism"] = broker.sasl_mechanism
        conf["sasl.username"] = broker.sasl_username
        conf["sasl.password"] = (broker.sasl_password.get_secret_value()
                                 if broker.sasl_password else None)
    if broker.ssl_cafile:
        conf["ssl.ca.location"] = broker.ssl_cafile
    return conf


def _tps(partitions: list[confluent_kafka.TopicPartition]) -> set[TP]:
    return {TP(p.topic, p.partition) for p in partitions}


class _BlockingIO:
    """``RebalanceIO`` inside a librdkafka callback: blocking is fine, its threads heartbeat."""

    def __init__(self, consumer: ConfluentConsumer) -> None:
        self._consumer = consumer

    async def sleep(self, seconds: float) -> None:
        threading.Event().wait(seconds)

    async def commit(self, offsets: dict[TP, int]) -> None:
        self._consumer.commit(offsets)


class ConfluentConsumer:
    def __init__(self, broker: BrokerSettings, settings: WorkerSettings, client_id: str) -> None:
        self._ck = _ck()
        fetch_max = max(52_428_800, 2 * settings.max_record_bytes)
        conf = {
            **client_config(broker, client_id),
            "group.id": settings.group_id,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": broker.session_timeout_ms,
            "heartbeat.interval.ms": broker.heartbeat_interval_ms,
            "max.poll.interval.ms": broker.max_poll_interval_ms,
            "fetch.max.bytes": fetch_max,
            "receive.message.max.bytes": fetch_max + 1024,
            "partition.assignment.strategy": ("cooperative-sticky"
                                              if settings.partition_assignment == "cooperative"
                                              else "range"),
        }
        if settings.group_instance_id:
            conf["group.instance.id"] = settings.group_instance_id
        if settings.exactly_once:  # outputs of aborted transactions are not read
            conf["isolation.level"] = "read_committed"
        self._incremental = settings.partition_assignment == "cooperative"
        self.client = self._ck.Consumer(conf, logger=log)
        self._listener: RebalanceListener | None = None
        self._paused: set[TP] = set()
        self._closing = False

    # ------------------------------------------------------------ rebalance callbacks

    def _on_assign(self, client: Any, partitions: list[Any]) -> None:
        assert self._listener is not None
        seeks: dict[TP, int] = {}
        self._listener.on_assigned(_tps(partitions), lambda tp, offset: seeks.__setitem__(tp, offset))
        start = [self._ck.TopicPartition(p.topic, p.partition,
                                         seeks.get(TP(p.topic, p.partition), OFFSET_INVALID))
                 for p in partitions]
        if self._incremental:
            client.incremental_assign(start)
        else:
            client.assign(start)

    def _on_revoke(self, client: Any, partitions: list[Any]) -> None:
        assert self._listener is not None
        tps = _tps(partitions)
        self._paused -= tps
        if self._closing:  # close() revokes too: the runtime has committed what it may
            return
        run_blocking(self._listener.on_revoked(tps, _BlockingIO(self)))

    def _on_lost(self, client: Any, partitions: list[Any]) -> None:
        assert self._listener is not None
        tps = _tps(partitions)
        self._paused -= tps
        if not self._closing:
            run_blocking(self._listener.on_lost(tps))

    # ------------------------------------------------------------ Consumer

    def subscribe(self, topics: list[str], listener: RebalanceListener) -> None:
        self._listener = listener
        self.client.subscribe(topics, on_assign=self._on_assign, on_revoke=self._on_revoke,
                              on_lost=self._on_lost)

    def poll(self, timeout_ms: int, max_records: int) -> list[RawRecord]:
        try:
            # consume() waits for a full batch or the timeout; poll() returns with the
            # first record, and what else is fetched already comes without waiting.
            first = self.client.poll(timeout_ms / 1000)
            messages = [] if first is None else [first, *(
                self.client.consume(max_records - 1, 0) if max_records > 1 else ())]
        except self._ck.KafkaException as exc:
            raise BrokerError(f"poll failed: {exc}") from exc
        out = []
        for m in messages:
            err = m.error()
            if err is not None:
                # Records fetched in the same call are kept (their positions moved on);
                # a fatal error ends the consumer, anything else librdkafka retries itself.
                if err.fatal():
                    raise BrokerError(f"consumer failed: {err}")
                log.warning("consumer: %s", err)
                continue
            headers = m.headers()
            out.append(RawRecord(TP(m.topic(), m.partition()), m.offset(), m.key(), m.value(),
                                 tuple((k, v or b"") for k, v in headers) if headers else ()))
        return out

    def assignment(self) -> set[TP]:
        return _tps(self.client.assignment())

    def paused(self) -> set[TP]:
        return set(self._paused)  # librdkafka has no call for it; pause/resume/revoke keep it

    def pause(self, tps: set[TP]) -> None:
        try:
            self.client.pause([self._ck.TopicPartition(*tp) for tp in tps])
        except self._ck.KafkaException as exc:
            raise BrokerError(f"pause failed: {exc}") from exc
        self._paused |= tps

    def resume(self, tps: set[TP]) -> None:
        try:
            self.client.resume([self._ck.TopicPartition(*tp) for tp in tps])
        except self._ck.KafkaException as exc:
            raise BrokerError(f"resume failed: {exc}") from exc
        self._paused -= tps

    def commit(self, offsets: dict[TP, int]) -> None:
        try:
            done = self.client.commit(offsets=[self._ck.TopicPartition(t, p, o)
                                               for (t, p), o in offsets.items()],
                                      asynchronous=False)
        except self._ck.KafkaException as exc:
            raise CommitError(f"offset commit failed: {exc}") from exc
        failed = [f"{p.topic}[{p.partition}]: {p.error}" for p in done or () if p.error]
        if failed:
            raise CommitError(f"offset commit failed: {'; '.join(failed)}")

    def highwater(self, tp: TP) -> int | None:
        # cached: the high watermark of the last fetch response, no request to the broker.
        _low, high = self.client.get_watermark_offsets(self._ck.TopicPartition(*tp), cached=True)
        return int(high) if high is not None and high >= 0 else None

    def close(self) -> None:
        self._closing = True
        self.client.close()


class ConfluentProducer:
    def __init__(self, broker: BrokerSettings, client_id: str, **overrides: Any) -> None:
        """``overrides``: librdkafka settings by their own names (``linger.ms``, ...)."""
        self._ck = _ck()
        self.client = self._ck.Producer({**client_config(broker, client_id), "acks": "all",
                                         "linger.ms": 2, **overrides}, logger=log)
        self._closed = threading.Event()
        # Delivery reports run inside Producer.poll: this thread serves them as they come.
        self._poller = threading.Thread(target=self._serve, name=f"delivery-{client_id}",
                                        daemon=True)
        self._poller.start()

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                self.client.poll(0.1)
            except Exception:  # a callback failed: keep serving the others
                log.exception("delivery callback failed")

    def send(self, topic: str, value: bytes | None, key: bytes | None, headers: Headers | None,
             on_delivery: Delivered) -> None:
        ck = self._ck

        def delivered(err: Any, _msg: Any) -> None:
            on_delivery(None if err is None else _produce_error(ck, err, topic))

        while True:
            try:
                self.client.produce(topic, value=value, key=key,
                                    headers=list(headers) if headers else None,
                                    on_delivery=delivered)
                return
            except BufferError:  # the local queue is full: let deliveries drain it
                self.client.poll(0.1)
            except ck.KafkaException as exc:
                raise _produce_error(ck, exc.args[0], topic) from exc

    def flush(self, timeout_s: float | None = None) -> None:
        left = self.client.flush(-1 if timeout_s is None else timeout_s)
        if left:
            log.warning("%d records not delivered after flush(%s)", left, timeout_s)

    def close(self, timeout_s: float = 10.0) -> None:
        try:
            self.flush(timeout_s)
        finally:
            self._closed.set()
            self._poller.join(5)


def _produce_error(ck: Any, err: Any, topic: str) -> ProduceError:
    code = err.code() if hasattr(err, "code") else None
    if code == ck.KafkaError.MSG_SIZE_TOO_LARGE:  # librdkafka refuses it locally with this code
        return MessageTooLargeError(f"record for {topic!r} refused: {err}")
    return ProduceError(f"could not send to {topic!r}: {err}")


class ConfluentTransactionalProducer:
    """librdkafka's transactional producer (KIP-98), fenced by group metadata (KIP-447)."""

    def __init__(self, broker: BrokerSettings, client_id: str, transactional_id: str) -> None:
        self._ck = _ck()
        self.client = self._ck.Producer({**client_config(broker, client_id), "acks": "all",
                                         "linger.ms": 2, "transactional.id": transactional_id},
                                        logger=log)
        try:
            self.client.init_transactions(TXN_TIMEOUT_S)  # aborts what a predecessor left open
        except self._ck.KafkaException as exc:
            raise BrokerError(f"transactions could not start for {transactional_id!r}: {exc}"
                              ) from exc

    def commit(self, records: Sequence[OutRecord], offsets: dict[TP, int],
               consumer: Consumer) -> None:
        assert isinstance(consumer, ConfluentConsumer)
        ck = self._ck
        try:
            self.client.begin_transaction()
            for r in records:
                self._send(r)
            if offsets:
                self.client.send_offsets_to_transaction(
                    [ck.TopicPartition(t, p, o) for (t, p), o in offsets.items()],
                    consumer.client.consumer_group_metadata(), TXN_TIMEOUT_S)
            self.client.commit_transaction(TXN_TIMEOUT_S)  # flushes: fails if a send failed
        except (ck.KafkaException, MessageTooLargeError) as exc:
            err = exc.args[0] if isinstance(exc, ck.KafkaException) else None
            if err is not None and err.fatal():  # fenced (or another fatal producer error)
                raise FencedError(f"transactional producer failed: {err}") from exc
            try:
                self.client.abort_transaction(TXN_TIMEOUT_S)
            except ck.KafkaException as fatal:  # the producer cannot go on: stop this worker
                raise FencedError(f"transaction failed ({exc}) and its abort too: {fatal}"
                                  ) from fatal
            raise CommitError(f"transaction aborted: {exc}") from exc

    def _send(self, r: OutRecord) -> None:
        try:
            self.client.produce(r.topic, value=r.value, key=r.key,
                                headers=list(r.headers) or None)
        except BufferError:  # the local queue is full: let deliveries drain it, then again
            self.client.poll(0.1)
            self._send(r)
        except self._ck.KafkaException as exc:
            error = _produce_error(self._ck, exc.args[0], r.topic)
            if not isinstance(error, MessageTooLargeError):
                raise
            if r.fallback is None:
                raise error from exc
            self._send(r.fallback)

    def close(self, timeout_s: float = 10.0) -> None:
        self.client.flush(timeout_s)


class ConfluentTransport:
    name = "confluent-kafka"

    def __init__(self) -> None:
        _ck()  # fail at start-up, not at the first poll, when the package is missing

    def consumer(self, broker: BrokerSettings, settings: WorkerSettings,
                 client_id: str) -> ConfluentConsumer:
        return ConfluentConsumer(broker, settings, client_id)

    def producer(self, broker: BrokerSettings, client_id: str,
                 **overrides: Any) -> ConfluentProducer:
        return ConfluentProducer(broker, client_id, **overrides)

    def transactional_producer(self, broker: BrokerSettings, client_id: str,
                               transactional_id: str) -> ConfluentTransactionalProducer:
        return ConfluentTransactionalProducer(broker, client_id, transactional_id)
