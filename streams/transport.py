"""The transport seam: the few consumer and producer calls the runtime makes.

The runtime (``runtime``, ``_consumer``) talks to a broker only through these
interfaces; an implementation adapts one client library:

- ``kafka-python`` (``_transport_kafka``): the default, as the design names it;
- ``memory`` (``_transport_memory``): an in-process broker with consumer groups,
  for fast unit tests of the runtime (no sockets, no threads of its own);
- ``confluent-kafka`` (``_transport_confluent``): optional (the ``confluent``
  extra), imported only when chosen; its listeners run inside ``poll`` and are
  driven with ``run_blocking``.

A transport may also offer ``transactional_producer`` (``TransactionalTransport``):
exactly-once commits, a batch of records and a consumer's offsets in one broker
transaction; ``WorkerSettings.exactly_once`` needs it (``transactional(transport)``).

``open_transport(broker)`` picks one from ``BrokerSettings.client``. Every
implementation passes the one contract suite in ``tests/streams/test_contract.py``.

Rebalance listeners are coroutines because kafka-python runs them on its own IO
thread, where waiting for in-flight records must yield to heartbeats
(``RebalanceIO.sleep``); clients that call listeners from ``poll`` drive the same
coroutine to completion with blocking ``sleep`` and ``commit`` (``run_blocking``).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from .config import BrokerSettings, WorkerSettings
from .errors import StreamsError

Headers = Sequence[tuple[str, bytes]]


class TP(NamedTuple):
    """A topic partition (equal to, and hashing like, kafka-python's ``TopicPartition``)."""

    topic: str
    partition: int


@dataclass(frozen=True, slots=True)
class RawRecord:
    tp: TP
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]


class RebalanceIO(Protocol):
    """What a rebalance listener may do while it holds up the rebalance."""

    async def sleep(self, seconds: float) -> None: ...

    async def commit(self, offsets: dict[TP, int]) -> None: ...


class RebalanceListener(Protocol):
    async def on_revoked(self, tps: set[TP], io: RebalanceIO) -> None:
        """``tps`` leave this consumer; their offsets may still be committed through ``io``."""

    async def on_lost(self, tps: set[TP]) -> None:
        """``tps`` were taken away (session expired): too late to commit."""

    def on_assigned(self, tps: set[TP], seek: Callable[[TP, int], None]) -> None:
        """``tps`` are this consumer's now; ``seek`` moves a fetch position."""


class Consumer(Protocol):
    """One group member. Every call comes from one thread (the runtime's consumer thread)."""

    def subscribe(self, topics: list[str], listener: RebalanceListener) -> None: ...

    def poll(self, timeout_ms: int, max_records: int) -> list[RawRecord]:
        """Up to ``max_records`` records fetched from unpaused partitions (may run the
        listener first)."""
        ...

    def assignment(self) -> set[TP]: ...

    def paused(self) -> set[TP]: ...

    def pause(self, tps: set[TP]) -> None: ...

    def resume(self, tps: set[TP]) -> None: ...

    def commit(self, offsets: dict[TP, int]) -> None:
        """Commit synchronously; ``errors.CommitError`` when the group will not take it now."""
        ...

    def highwater(self, tp: TP) -> int | None: ...

    def close(self) -> None:
        """Leave the group without committing (the runtime has committed what it may)."""
        ...


Delivered = Callable[[BaseException | None], None]


class ProducerClient(Protocol):
    def send(self, topic: str, value: bytes | None, key: bytes | None, headers: Headers | None,
             on_delivery: Delivered) -> None:
        """Queue a record; ``on_delivery`` runs (on any thread) once the broker acked or refused.

        Raises ``errors.MessageTooLargeError`` at once for a record above the producer's
        request size, ``errors.ProduceError`` for anything else refused before sending.
        """
        ...

    def flush(self, timeout_s: float | None = None) -> None: ...

    def close(self, timeout_s: float = 10.0) -> None: ...


class Transport(Protocol):
    name: str

    def consumer(self, broker: BrokerSettings, settings: WorkerSettings,
                 client_id: str) -> Consumer: ...

    def producer(self, broker: BrokerSettings, client_id: str, **overrides: Any) -> ProducerClient:
        ...


@dataclass(frozen=True, slots=True)
class OutRecord:
    """A record to produce inside a transaction."""

    topic: str
    value: bytes | None
    key: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()
    # Sent instead when the producer refuses this record as too large (a dead letter's
    # reference): deciding needs the client, and the client is only asked at commit.
    fallback: OutRecord | None = None


class TransactionalProducer(Protocol):
    """Exactly-once: records and a consumer's offsets committed in one transaction.

    Made with a transactional id; making it fences (aborts the open transaction of)
    any earlier producer with the same id.
    """

    def commit(self, records: Sequence[OutRecord], offsets: dict[TP, int],
               consumer: Consumer) -> None:
        """Begin, send ``records``, add ``offsets`` for ``consumer``'s group, commit: all or none.

        Raises ``errors.FencedError`` when another producer took the transactional id
        (stop: nothing of this one is visible), ``errors.CommitError`` when the
        transaction was aborted for a reason that may pass (commit the same again later).
        """
        ...

    def close(self, timeout_s: float = 10.0) -> None: ...


class TransactionalTransport(Transport, Protocol):
    def transactional_producer(self, broker: BrokerSettings, client_id: str,
                               transactional_id: str) -> TransactionalProducer: ...


def transactional(transport: Transport) -> TransactionalTransport:
    """``transport`` if it offers transactions (optional for a transport), else an error."""
    if not callable(getattr(transport, "transactional_producer", None)):
        raise StreamsError(f"the {transport.name} transport has no transactions: "
                           "worker.exactly_once needs them")
    return transport  # type: ignore[return-value]


def run_blocking(coro: Coroutine[Any, Any, None]) -> None:
    """Run a listener coroutine whose awaits never suspend (blocking ``RebalanceIO``)."""
    try:
        coro.send(None)
    except StopIteration:
        return
    coro.close()
    raise RuntimeError("a blocking RebalanceIO suspended: it must not")


def open_transport(broker: BrokerSettings) -> Transport:
    """The transport ``broker.client`` names (the memory one is built by tests, not named)."""
    if broker.client == "confluent-kafka":
        from ._transport_confluent import ConfluentTransport

        return ConfluentTransport()
    from ._transport_kafka import KafkaPythonTransport

    return KafkaPythonTransport()
