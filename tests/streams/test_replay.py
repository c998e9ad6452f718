"""Replay: the same handler over a JSONL file (no Kafka) and over a topic from an offset."""

from pathlib import Path

import pytest

from streams.broker import EmbeddedBroker, create_topics
from streams.config import BrokerSettings
from streams.errors import StreamsError
from streams.events import Alert as AlertPayload
from streams.events import AlertEvent, Event, OutputEvent, utcnow
from streams.replay import load_handler, replay_file, replay_topic
from streams.runtime import HandlerContext

from ._helpers import make_events, produce_events


async def _echo(event: Event, ctx: HandlerContext) -> list[OutputEvent]:
    if event.key == "key-2":
        raise RuntimeError("nope")
    return [AlertEvent(key=event.key, event_id=ctx.output_id("alert"), occurred_at=utcnow(),
                       payload=AlertPayload(
        subject_id=event.key, severity="info", kind="replay", message=f"{ctx.offset}"))]


def test_replay_file(tmp_path: Path) -> None:
    events = make_events(6, keys=3)
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(e.model_dump_json() for e in events) + "\n{oops\n")
    result = replay_file(path, _echo)
    assert result.handled == 4
    assert [w for w, _ in result.failed] == ["events.jsonl/0@3", "events.jsonl/0@6"]
    assert len(result.invalid) == 1 and result.invalid[0][0] == "events.jsonl/0@7"
    assert [o.payload.message for o in result.outputs] == ["1", "2", "4", "5"]  # type: ignore[union-attr]


def test_load_handler() -> None:
    assert load_handler("streams.replay:print_handler").__name__ == "print_handler"
    with pytest.raises(StreamsError):
        load_handler("streams.replay")
    with pytest.raises(StreamsError):
        load_handler("no_such_module:x")


def test_replay_topic_from_offset() -> None:
    with EmbeddedBroker(create_default_topics=False) as broker:
        create_topics(broker.bootstrap, [("rp", 1)])
        events = make_events(10, keys=2)
        produce_events(broker.bootstrap, "rp", events)
        result = replay_topic("rp", _echo, BrokerSettings(bootstrap_servers=[broker.bootstrap]),
                              from_offset=4, idle_s=1.0)
        assert result.handled == 6
        assert [o.payload.message for o in result.outputs] == [str(i) for i in range(4, 10)]  # type: ignore[union-attr]
