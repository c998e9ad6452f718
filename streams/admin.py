"""The operator's view of the broker: is it there, which topics, what is on them, redrive.

Typed functions shared by the CLI (``streamwise topics`` / ``streamwise dlq``)
and the HTTP API, so both read and redrive the same way. Readers are group-less
consumers: nothing is committed and no consumer group is touched.

A dead letter is the original record (value, key, headers) on ``<topic>.dlq``
plus ``dlq.*`` headers saying why (``streams.dlq``). Redrive produces the
original bytes back to the origin topic and first makes the idempotency ledger
forget the event, because a record dead-lettered by a failing handler was
marked done there (so that a redelivery is not dead-lettered twice) and would
otherwise be skipped as a duplicate.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from pydantic import BaseModel, ConfigDict, ValidationError

from .config import BrokerSettings
from .dlq import DeadLetterInfo
from .errors import BrokerError, ProduceError, RecordNotFoundError, TopicNotFoundError
from .events import parse_event
from .ledger import Ledger
from .topics import DLQ_SUFFIX, TOPICS

# Fail in seconds, not kafka-python's default 30 s, when nothing answers.
BOOTSTRAP_TIMEOUT_MS = 5000
REDRIVE_HEADER = "redrive.from"


class TopicInfo(BaseModel):
    name: str
    partitions: int
    kind: Literal["input", "output", "dead-letter", "other"]
    # End minus beginning offsets summed over partitions, as the broker reports them
    # (Tansu's end offsets count produce batches, not records: a lower bound there).
    records: int


class Record(BaseModel):
    """One record as read from the broker; ``payload`` is the value parsed as JSON, if it is JSON."""

    model_config = ConfigDict(frozen=True)

    topic: str
    partition: int
    offset: int
    timestamp: datetime | None
    key: str | None
    headers: list[tuple[str, str]]
    value: str | None
    payload: Any = None

    @property
    def ref(self) -> str:
        return f"{self.topic}/{self.partition}@{self.offset}"


class DeadLetter(BaseModel):
    """A dead-lettered record and why; ``reason`` is None when its ``dlq.*`` headers are
    missing or unreadable (a record produced to the DLQ by something else)."""

    record: Record
    reason: DeadLetterInfo | None
    event_id: str | None  # None when the value is not a valid event (why it was dead-lettered)


class RecordRef(BaseModel):
    """A record's place in a topic, written ``PARTITION:OFFSET`` on the command line."""

    model_config = ConfigDict(frozen=True)

    partition: int
    offset: int

    @classmethod
    def parse(cls, text: str) -> RecordRef:
        part, sep, off = text.partition(":")
        if not sep or not part.strip().isdigit() or not off.strip().isdigit():
            raise ValueError(f"a record is given as PARTITION:OFFSET (e.g. 0:12), got {text!r}")
        return cls(partition=int(part), offset=int(off))

    def __str__(self) -> str:
        return f"{self.partition}:{self.offset}"


class Redriven(BaseModel):
    source: RecordRef  # on the dead-letter topic
    topic: str  # where it went
    partition: int
    offset: int
    event_id: str | None
    forgotten: bool  # the ledger had the event marked done and forgot it


def dlq_name(topic: str) -> str:
    """``orders`` or ``orders.dlq`` -> ``orders.dlq``."""
    return topic if topic.endswith(DLQ_SUFFIX) else topic + DLQ_SUFFIX


def _kind(name: str) -> Literal["input", "output", "dead-letter", "other"]:
    if name.endswith(DLQ_SUFFIX):
        return "dead-letter"
    topic = TOPICS.get(name)
    if topic is None:
        return "other"
    return "input" if topic.kind == "input" else "output"


def _no_broker(broker: BrokerSettings, exc: Exception) -> BrokerError:
    where = ",".join(broker.bootstrap_servers) or "(no address)"
    return BrokerError(f"no Kafka broker answers at {where} ({type(exc).__name__}): start it, or "
                       "pass --bootstrap host:port / set STREAMWISE_BROKER__BOOTSTRAP_SERVERS")


def _consumer(broker: BrokerSettings) -> KafkaConsumer:
    if not broker.bootstrap_servers:
        raise BrokerError("no broker address: pass --bootstrap host:port or set "
                          "STREAMWISE_BROKER__BOOTSTRAP_SERVERS")
    try:
        return KafkaConsumer(**broker.client_kwargs(), group_id=None, enable_auto_commit=False,
                             bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS)
    except KafkaError as exc:
        raise _no_broker(broker, exc) from None


def check_broker(broker: BrokerSettings) -> None:
    """Raise ``BrokerError`` within seconds when no broker answers at ``bootstrap_servers``."""
    consumer = _consumer(broker)
    try:
        consumer.topics()
    except KafkaError as exc:
        raise _no_broker(broker, exc) from None
    finally:
        consumer.close()


def _partitions(consumer: KafkaConsumer, topic: str) -> list[TopicPartition]:
    known = consumer.partitions_for_topic(topic)
    if not known:
        raise TopicNotFoundError(f"no topic {topic!r} on the broker (streamwise topics list "
                                 "shows what there is)")
    return [TopicPartition(topic, p) for p in sorted(known)]


def list_topics(broker: BrokerSettings) -> list[TopicInfo]:
    """Every topic on the broker with its partition count and record count."""
    consumer = _consumer(broker)
    try:
        out = []
        for name in sorted(consumer.topics()):
            parts = _partitions(consumer, name)
            begin, end = consumer.beginning_offsets(parts), consumer.end_offsets(parts)
            out.append(TopicInfo(name=name, partitions=len(parts), kind=_kind(name),
                                 records=sum(max(0, end[tp] - begin[tp]) for tp in parts)))
        return out
    except KafkaError as exc:
        raise _no_broker(broker, exc) from None
    finally:
        consumer.close()


def _record(r: Any) -> Record:
    value = r.value.decode(errors="replace") if r.value is not None else None
    payload = None
    if value is not None:
        try:
            payload = json.loads(value)
        except ValueError:
            payload = None
    ts = datetime.fromtimestamp(r.timestamp / 1000, UTC) if r.timestamp and r.timestamp > 0 else None
    return Record(topic=r.topic, partition=r.partition, offset=r.offset, timestamp=ts,
                  key=r.key.decode(errors="replace") if r.key is not None else None,
                  headers=[(k, v.decode(errors="replace") if v is not None else "")
                           for k, v in (r.headers or [])],
                  value=value, payload=payload)


def _read_raw(broker: BrokerSettings, topic: str, *, from_beginning: bool, follow: bool,
              limit: int | None, idle_s: float) -> Iterator[Any]:
    consumer = _consumer(broker)
    try:
        parts = _partitions(consumer, topic)
        consumer.assign(parts)
        if from_beginning:
            consumer.seek_to_beginning(*parts)
        else:
            consumer.seek_to_end(*parts)
        end = consumer.end_offsets(parts)
        seen = 0
        last = time.monotonic()
        while limit is None or seen < limit:
            batch = consumer.poll(timeout_ms=200 if follow else 1000)
            if not batch and not follow and (
                    all(consumer.position(tp) >= end[tp] for tp in parts)
                    or time.monotonic() - last > idle_s):
                return
            for records in batch.values():
                last = time.monotonic()
                for r in records:
                    yield r
                    seen += 1
                    if limit is not None and seen >= limit:
                        return
    except KafkaError as exc:
        raise _no_broker(broker, exc) from None
    finally:
        consumer.close()


def read_topic(broker: BrokerSettings, topic: str, *, from_beginning: bool = False,
               follow: bool = True, limit: int | None = None,
               idle_s: float = 5.0) -> Iterator[Record]:
    """Records of ``topic`` in every partition, like ``kcat -C``.

    From the end (only new records) unless ``from_beginning``. With ``follow`` it waits
    for new records until the caller stops iterating; without, it stops when a fetch comes
    back empty at or past the end the topic had when reading began (Tansu reports a high
    watermark that can be below the real end, so an empty fetch is what decides), or
    after ``idle_s`` without a record.
    """
    for r in _read_raw(broker, topic, from_beginning=from_beginning, follow=follow,
                       limit=limit, idle_s=idle_s):
        yield _record(r)


def _dead_letter(record: Record) -> DeadLetter:
    try:
        reason: DeadLetterInfo | None = DeadLetterInfo.from_headers(
            [(k, v.encode()) for k, v in record.headers])
    except (KeyError, ValueError, ValidationError):
        reason = None
    try:
        event_id: str | None = parse_event((record.value or "").encode()).event_id
    except ValidationError:
        event_id = None
    return DeadLetter(record=record, reason=reason, event_id=event_id)


def list_dead_letters(broker: BrokerSettings, topic: str, *,
                      limit: int | None = None) -> list[DeadLetter]:
    """The records on ``topic``'s dead-letter topic (``orders`` or ``orders.dlq``), oldest first."""
    return [_dead_letter(_record(r)) for r in _read_raw(
        broker, dlq_name(topic), from_beginning=True, follow=False, limit=limit, idle_s=5.0)]


def _fetch_raw(broker: BrokerSettings, name: str, ref: RecordRef, timeout_s: float) -> Any:
    consumer = _consumer(broker)
    try:
        tp = TopicPartition(name, ref.partition)
        if tp not in _partitions(consumer, name):
            raise RecordNotFoundError(f"{name} has no partition {ref.partition}")
        consumer.assign([tp])
        consumer.seek(tp, ref.offset)
        deadline = time.monotonic() + timeout_s
        # Not the high watermark to tell "past the end" (Tansu's can be low): an empty fetch.
        while time.monotonic() < deadline:
            batch = consumer.poll(timeout_ms=1000)
            if not batch:
                break
            for r in batch.get(tp, []):
                if r.offset == ref.offset:
                    return r
                if r.offset > ref.offset:  # compacted or deleted
                    raise RecordNotFoundError(f"no record {name}/{ref} (next is {r.offset})")
        raise RecordNotFoundError(f"no record {name}/{ref} (streamwise dlq list shows them)")
    except KafkaError as exc:
        raise _no_broker(broker, exc) from None
    finally:
        consumer.close()


def get_dead_letter(broker: BrokerSettings, topic: str, ref: RecordRef,
                    timeout_s: float = 10.0) -> DeadLetter:
    """One record of ``topic``'s dead-letter topic; ``RecordNotFoundError`` if there is none."""
    return _dead_letter(_record(_fetch_raw(broker, dlq_name(topic), ref, timeout_s)))


def redrive(broker: BrokerSettings, ledger: Ledger, topic: str,
            refs: Sequence[RecordRef] | None = None) -> list[Redriven]:
    """Send dead letters of ``topic`` back to the topic they came from, byte for byte
    (value, key, original headers, plus ``redrive.from``); ``refs`` None means all.

    The ledger forgets each event id first, so the workers handle it again; its tools'
    idempotency keys are unchanged, so an effect that did happen is not repeated.
    Every selected record is read before anything is sent, so a wrong ref sends nothing.
    """
    name = dlq_name(topic)
    raws = (list(_read_raw(broker, name, from_beginning=True, follow=False, limit=None,
                           idle_s=5.0)) if refs is None
            else [_fetch_raw(broker, name, ref, 10.0) for ref in refs])
    producer = _producer(broker)
    out: list[Redriven] = []
    try:
        for raw in raws:
            letter = _dead_letter(_record(raw))
            rec = letter.record
            target = letter.reason.origin_topic if letter.reason else name.removesuffix(DLQ_SUFFIX)
            forgotten = bool(letter.event_id and ledger.forget_many([letter.event_id]))
            headers = [(k, v) for k, v in (raw.headers or [])
                       if not k.startswith("dlq.") and k != REDRIVE_HEADER]
            headers.append((REDRIVE_HEADER, rec.ref.encode()))
            try:
                meta = producer.send(target, value=raw.value, key=raw.key,
                                     headers=headers).get(timeout=30)
            except KafkaError as exc:
                raise ProduceError(f"redrive of {rec.ref} to {target!r} not acknowledged: {exc} "
                                   f"({len(out)} redriven before it)") from exc
            out.append(Redriven(source=RecordRef(partition=rec.partition, offset=rec.offset),
                                topic=target, partition=meta.partition, offset=meta.offset,
                                event_id=letter.event_id, forgotten=forgotten))
        producer.flush()
    finally:
        producer.close()
    return out


def _producer(broker: BrokerSettings) -> KafkaProducer:
    try:
        return KafkaProducer(**broker.client_kwargs(), acks="all",
                             bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS)
    except KafkaError as exc:
        raise _no_broker(broker, exc) from None
