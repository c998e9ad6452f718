"""The dead-letter endpoints against the real embedded broker (streams.admin underneath)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from streams.admin import read_topic
from streams.broker import EmbeddedBroker
from streams.config import BrokerSettings
from tests.streamwise.api._world import Model, bearer, build, closing, dead_letter, settings_for


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker() as b:
        yield b


@pytest.fixture()
def client(tmp_path: Path, seeded_template: Path, broker: EmbeddedBroker) -> Iterator[Any]:
    settings = settings_for(tmp_path, seeded_template)
    settings.broker.bootstrap_servers = [broker.bootstrap]
    settings.worker.ledger_path = str(tmp_path / "ledger.sqlite")
    yield from closing(build(settings, Model()))


def test_dead_letters_are_listed_inspected_and_redriven(client: Any,
                                                        broker: EmbeddedBroker) -> None:
    event_id = dead_letter(broker.bootstrap, "prices")
    op = bearer("operator")
    assert client.get("/v1/dlq", headers=op).json() == [
        "orders", "tickets", "inventory", "prices", "catalog"]
    [letter] = client.get("/v1/dlq/prices", headers=op).json()
    assert letter["event_id"] == event_id and letter["reason"]["error_type"] == "TimeoutError"
    assert letter["record"]["key"] == "T-dead"
    assert ["dlq.attempts", "3"] in letter["record"]["headers"]
    ref = f"{letter['record']['partition']}/{letter['record']['offset']}"
    shown = client.get(f"/v1/dlq/prices/{ref}", headers=op).json()
    assert shown == letter
    assert client.get("/v1/dlq/prices/0/999", headers=op).status_code == 404

    for body in ({}, {"records": ["0:0"], "all": True}, {"records": ["zero"]}):
        bad = client.post("/v1/dlq/prices/redrive", json=body, headers=op)
        assert bad.status_code == 422, body
    done = client.post("/v1/dlq/prices/redrive", headers=op, json={
        "records": [f"{letter['record']['partition']}:{letter['record']['offset']}"]})
    assert done.status_code == 200, done.text
    [redriven] = done.json()
    assert redriven["topic"] == "prices" and redriven["event_id"] == event_id
    back = [r for r in read_topic(BrokerSettings(bootstrap_servers=[broker.bootstrap]),
                                  "prices", from_beginning=True, follow=False)
            if r.payload and r.payload.get("event_id") == event_id]
    assert len(back) == 1


def test_dead_letter_refusals(client: Any) -> None:
    assert client.get("/v1/dlq/actions", headers=bearer("operator")).status_code == 404
    assert client.get("/v1/dlq/nope", headers=bearer("operator")).status_code == 404
    assert client.get("/v1/dlq/orders", headers=bearer("support")).status_code == 403
    assert client.get("/v1/dlq/orders").status_code == 401
