"""``streamwise topics`` and ``streamwise dlq`` against the real embedded broker."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from kafka import KafkaProducer
from typer.testing import CliRunner

from streams.broker import EmbeddedBroker
from streams.dlq import DeadLetterInfo
from streams.ledger import SqliteLedger
from streamwise.cli import app
from tests.streams._helpers import make_events


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker() as b:  # with the streamwise topics
        yield b


def _cli(broker: EmbeddedBroker, tmp_path: Path, *args: str) -> tuple[int, str]:
    env = {"STREAMWISE_BROKER__BOOTSTRAP_SERVERS": f'["{broker.bootstrap}"]',
           "STREAMWISE_WORKER__LEDGER_PATH": str(tmp_path / "ledger.sqlite"), "COLUMNS": "250"}
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_topics_tail_and_dlq_round_trip(broker: EmbeddedBroker, tmp_path: Path) -> None:
    events = make_events(2, keys=2)
    info = DeadLetterInfo(error_type="RuntimeError", error_message="[bold]model timed out[/bold]",
                          attempts=3, origin_topic="tickets", origin_partition=1,
                          origin_offset=7, worker_id="w-1", failed_at=datetime.now(UTC))
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    producer.send("tickets", key=b"key-0", value=events[0].to_bytes(),
                  headers=[("trace", b"t-1")]).get(30)
    for event in events:
        producer.send("tickets.dlq", key=event.key.encode(), value=event.to_bytes(),
                      headers=info.headers()).get(30)
    producer.close()
    SqliteLedger(tmp_path / "ledger.sqlite").mark_done(events[0].event_id, "tickets/1/7")

    code, out = _cli(broker, tmp_path, "topics", "create")
    assert code == 0 and "(all exist)" in out, out  # the embedded broker made them
    code, out = _cli(broker, tmp_path, "topics", "list", "--json")
    assert code == 0, out
    topics = {t["name"]: t for t in map(json.loads, out.splitlines())}
    assert topics["tickets.dlq"]["kind"] == "dead-letter" and topics["tickets.dlq"]["records"] == 2
    assert topics["orders"]["kind"] == "input" and topics["orders"]["partitions"] == 6

    code, out = _cli(broker, tmp_path, "topics", "tail", "tickets", "--from-beginning", "--exit",
                     "--headers")
    assert code == 0, out
    assert "key=key-0 trace=t-1 {" in out and events[0].event_id in out

    code, out = _cli(broker, tmp_path, "dlq", "list", "tickets")
    assert code == 0, out
    assert "2 dead letters" in out and "[bold]model timed out[/bold]" in out  # markup escaped
    assert "tickets/1@7" in out

    code, out = _cli(broker, tmp_path, "dlq", "show", "tickets.dlq", "0:1")
    assert code == 0, out
    shown = json.loads(out)
    assert shown["event_id"] == events[1].event_id and shown["reason"]["attempts"] == 3

    code, out = _cli(broker, tmp_path, "dlq", "redrive", "tickets", "--all")
    assert code == 0, out
    assert "2 redriven" in out and "(ledger forgot it)" in out
    assert not SqliteLedger(tmp_path / "ledger.sqlite").is_done(events[0].event_id)

    code, out = _cli(broker, tmp_path, "dlq", "redrive", "tickets", "0-1")
    assert code == 2 and "PARTITION:OFFSET" in out
    code, out = _cli(broker, tmp_path, "dlq", "show", "tickets", "0:99")
    assert code == 1 and out.startswith("error: no record tickets.dlq/0:99")
    code, out = _cli(broker, tmp_path, "topics", "tail", "nope", "--exit")
    assert code == 1 and out.startswith("error: no topic 'nope'") and len(out.splitlines()) == 1
