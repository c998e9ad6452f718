"""streams.admin against the real embedded broker: topics, tail, dead letters made by a real
worker, and a redrive that the next worker handles."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.admin import (
    REDRIVE_HEADER,
    RecordRef,
    check_broker,
    get_dead_letter,
    list_dead_letters,
    list_topics,
    read_topic,
    redrive,
)
from streams.broker import EmbeddedBroker, create_topics
from streams.config import BrokerSettings, WorkerSettings
from streams.errors import BrokerError, RecordNotFoundError, TopicNotFoundError
from streams.events import Event, OutputEvent
from streams.ledger import SqliteLedger
from streams.runtime import HandlerContext, Worker

from ._helpers import make_events, produce, produce_events, run_until


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker(create_default_topics=False) as b:
        yield b


def _settings(broker: EmbeddedBroker) -> BrokerSettings:
    return BrokerSettings(bootstrap_servers=[broker.bootstrap], session_timeout_ms=4000,
                          heartbeat_interval_ms=500)


def test_topics_and_tail(broker: EmbeddedBroker) -> None:
    name = f"t-{uuid.uuid4().hex[:8]}"
    create_topics(broker.bootstrap, [(name, 2)])
    events = make_events(5, keys=2)
    for event in events:  # one produce request each: Tansu's end offsets count requests
        produce_events(broker.bootstrap, name, [event])
    infos = {t.name: t for t in list_topics(_settings(broker))}
    assert (infos[name].partitions, infos[name].records, infos[name].kind) == (2, 5, "other")
    batched = f"t-{uuid.uuid4().hex[:8]}"
    create_topics(broker.bootstrap, [(batched, 1)])
    produce_events(broker.bootstrap, batched, make_events(5, keys=2))
    assert len(list(read_topic(_settings(broker), batched, from_beginning=True, follow=False))) == 5

    got = list(read_topic(_settings(broker), name, from_beginning=True, follow=False))
    assert sorted(r.payload["event_id"] for r in got) == sorted(e.event_id for e in events)
    assert {r.key for r in got} == {"key-0", "key-1"}
    assert list(read_topic(_settings(broker), name, follow=False)) == []  # from the end: nothing new
    assert len(list(read_topic(_settings(broker), name, from_beginning=True, limit=2))) == 2
    with pytest.raises(TopicNotFoundError):
        list(read_topic(_settings(broker), "no-such-topic", follow=False))


def test_no_broker_fails_in_seconds() -> None:
    started = time.monotonic()
    with pytest.raises(BrokerError, match="no Kafka broker answers at 127.0.0.1:1"):
        check_broker(BrokerSettings(bootstrap_servers=["127.0.0.1:1"]))
    assert time.monotonic() - started < 25  # kafka-python's own default is 30 s


def test_dead_letters_from_a_worker_are_listed_shown_and_redriven(
        broker: EmbeddedBroker, tmp_path: Path) -> None:
    name = f"t-{uuid.uuid4().hex[:8]}"
    create_topics(broker.bootstrap, [(name, 1), (name + ".dlq", 1)])
    events = make_events(4, keys=2)  # key-1's events fail until `fixed`
    produce_events(broker.bootstrap, name, events)
    produce(broker.bootstrap, name, [(b"junk", b"{not json")])
    fixed = False
    handled: list[str] = []

    async def handle(event: Event, ctx: HandlerContext) -> list[OutputEvent]:
        if event.key == "key-1" and not fixed:
            raise RuntimeError("downstream said no")
        handled.append(event.event_id)
        return []

    ledger_path = tmp_path / "ledger.sqlite"
    settings = WorkerSettings(group_id=f"g-{name}", ledger_path=str(ledger_path), max_attempts=2,
                              retry_backoff_ms=10)
    broker_settings = _settings(broker)
    asyncio.run(run_until(
        Worker([name], handle, settings, broker=broker_settings),
        lambda: len(handled) == 2 and len(list_dead_letters(broker_settings, name)) == 3))

    letters = list_dead_letters(broker_settings, name)
    assert sorted(str(lt.record.key) for lt in letters) == ["junk", "key-1", "key-1"]
    failed = [lt for lt in letters if lt.record.key == "key-1"]
    assert [lt.event_id for lt in failed] == [events[1].event_id, events[3].event_id]  # in order
    first = failed[0]
    assert first.reason is not None and first.reason.error_type == "RuntimeError"
    assert first.reason.error_message == "downstream said no" and first.reason.attempts == 2
    assert first.reason.origin_topic == name and first.reason.origin_offset == 1
    (junk,) = [lt for lt in letters if lt.record.key == "junk"]
    assert junk.event_id is None and junk.reason is not None
    assert junk.reason.error_type == "ValidationError" and junk.record.value == "{not json"

    refs = [RecordRef(partition=lt.record.partition, offset=lt.record.offset) for lt in failed]
    shown = get_dead_letter(broker_settings, name + ".dlq", RecordRef.parse(str(refs[1])))
    assert shown.event_id == events[3].event_id
    with pytest.raises(RecordNotFoundError):
        get_dead_letter(broker_settings, name, RecordRef(partition=0, offset=99))
    with pytest.raises(ValueError):
        RecordRef.parse("0-1")

    ledger = SqliteLedger(ledger_path)
    try:
        assert ledger.is_done(events[1].event_id)  # why a plain re-send would be skipped
        done = redrive(broker_settings, ledger, name, refs)
        assert [(r.topic, r.event_id, r.forgotten) for r in done] == [
            (name, events[1].event_id, True), (name, events[3].event_id, True)]
        assert not ledger.is_done(events[1].event_id)
    finally:
        ledger.close()
    back = list(read_topic(broker_settings, name, from_beginning=True, follow=False))[-2:]
    assert [r.payload["event_id"] for r in back] == [events[1].event_id, events[3].event_id]
    assert (REDRIVE_HEADER, f"{name}.dlq/0@{refs[0].offset}") in back[0].headers
    assert not any(k.startswith("dlq.") for k, _ in back[0].headers)

    fixed = True
    asyncio.run(run_until(Worker([name], handle, settings, broker=broker_settings),
                          lambda: len(handled) == 4))
    assert sorted(handled) == sorted(e.event_id for e in events)
