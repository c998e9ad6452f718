"""Replay: run a handler over recorded events without the consumer runtime.

``replay_file`` reads a JSON-lines file (one event envelope per line);
``replay_topic`` re-reads a topic from an offset with a group-less consumer
(nothing is committed, the live group is untouched). Outputs are returned,
not published, so a replay has no effect downstream; handlers receive a
context whose ``producer`` is None.
"""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kafka import KafkaConsumer, TopicPartition
from pydantic import ValidationError

from .config import BrokerSettings
from .errors import StreamsError
from .events import Event, OutputEvent, parse_event
from .runtime import Handler, HandlerContext

REPLAY_WORKER = "replay"


@dataclass
class ReplayResult:
    handled: int = 0
    invalid: list[tuple[str, str]] = field(default_factory=list)  # (where, why)
    failed: list[tuple[str, str]] = field(default_factory=list)
    outputs: list[OutputEvent] = field(default_factory=list)


def load_handler(spec: str) -> Handler:
    """Import ``module:function``."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise StreamsError(f"handler must be given as module:function, got {spec!r}")
    try:
        handler = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise StreamsError(f"cannot import handler {spec!r}: {exc}") from exc
    if not callable(handler):
        raise StreamsError(f"handler {spec!r} is not callable")
    return handler  # type: ignore[no-any-return]


async def print_handler(event: Event, ctx: HandlerContext) -> list[OutputEvent]:
    """The default replay handler: print the event, produce nothing."""
    print(f"{ctx.topic}/{ctx.partition}@{ctx.offset} {event.type} key={event.key} "
          f"id={event.event_id}")
    return []


Item = tuple[str, int, int, bytes | None, bytes | None]  # topic, partition, offset, key, value


async def _run(items: Iterable[Item], handler: Handler) -> ReplayResult:
    result = ReplayResult()
    for topic, partition, offset, key, value in items:
        where = f"{topic}/{partition}@{offset}"
        try:
            event = parse_event(value or b"")
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            result.invalid.append((where, f"{loc}: {first['msg']}" if loc else first["msg"]))
            continue
        ctx = HandlerContext(topic=topic, partition=partition, offset=offset,
                             key=key.decode(errors="replace") if key else event.key,
                             event_id=event.event_id, idempotency_key=event.event_id,
                             trace_id=event.event_id, attempt=1, worker_id=REPLAY_WORKER,
                             producer=None)
        try:
            result.outputs.extend(await handler(event, ctx) or [])
        except Exception as exc:
            result.failed.append((where, f"{type(exc).__name__}: {exc}"))
            continue
        result.handled += 1
    return result


def _file_items(path: Path) -> Iterator[Item]:
    with path.open("rb") as f:
        for n, line in enumerate(f, start=1):
            if line.strip():
                yield (path.name, 0, n, None, line.strip())


def replay_file(path: str | Path, handler: Handler) -> ReplayResult:
    """Run ``handler`` over every line of a JSON-lines file, in order."""
    return asyncio.run(_run(_file_items(Path(path)), handler))


def _topic_items(consumer: KafkaConsumer, parts: list[TopicPartition], idle_s: float,
                 limit: int | None) -> Iterator[Item]:
    seen = 0
    last = time.monotonic()
    while time.monotonic() - last < idle_s:
        for tp, records in consumer.poll(timeout_ms=200).items():
            last = time.monotonic()
            for r in records:
                yield (tp.topic, tp.partition, r.offset, r.key, r.value)
                seen += 1
                if limit is not None and seen >= limit:
                    return


def replay_topic(topic: str, handler: Handler, broker: BrokerSettings, *,
                 from_offset: int = 0, partitions: list[int] | None = None,
                 idle_s: float = 2.0, limit: int | None = None) -> ReplayResult:
    """Re-read ``topic`` from ``from_offset`` (in every partition) until idle for ``idle_s``."""
    consumer = KafkaConsumer(**broker.client_kwargs(), group_id=None,
                             enable_auto_commit=False, auto_offset_reset="earliest")
    try:
        known = consumer.partitions_for_topic(topic)
        if not known:
            raise StreamsError(f"topic {topic!r} not found on {broker.bootstrap_servers}")
        parts = [TopicPartition(topic, p) for p in sorted(partitions or known)]
        consumer.assign(parts)
        for tp in parts:
            consumer.seek(tp, from_offset)
        return asyncio.run(_run(_topic_items(consumer, parts, idle_s, limit), handler))
    finally:
        consumer.close()
