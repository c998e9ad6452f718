"""End to end on real parts: the embedded broker, a worker, the local 0.5B model, DuckDB, FAISS.

A handful of simulated events go through the broker into one worker of the
consumer group; the agents reason with the real model. Every input event must
end in at least one valid output event (ids derived from the input, the
parent id in the headers) and a trace in the audit tables.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import pytest
from kafka import KafkaConsumer
from kafka.consumer.fetcher import ConsumerRecord

from agents.trace import load_trace
from streams.broker import EmbeddedBroker
from streams.events import OUTPUT_TYPES, parse_event
from streams.runtime import PARENT_HEADER, Worker
from streams.simulator import Simulator, SimulatorMix
from streamwise.cli_sim import publish
from streamwise.settings import ROOT, load_settings
from streamwise.wiring import WORKER_TOPICS, EventRouter, open_platform
from tools import DuckDBStore
from tools.seed import seed_store

# Minutes on 2 busy cores: every agent call goes through the real 0.5B model.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

MIX = SimulatorMix(order_placed=3, order_cancelled=0, order_status_changed=0, ticket_opened=1,
                   ticket_message=0, inventory_adjusted=1, shipment_delayed=1, price_changed=1,
                   catalog_updated=1)


def _finished(worker: Worker) -> int:
    return int(sum(
        worker.metrics.value(f"streamwise_records_{what}_total", topic=t)
        for what in ("handled", "skipped") for t in WORKER_TOPICS))


def _read_outputs(bootstrap: str) -> list[ConsumerRecord]:
    """Every record on the output topics: poll until a few seconds pass with nothing new."""
    consumer = KafkaConsumer("actions", "alerts", "ticket-replies", "approvals",
                             bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                             group_id=f"check-{uuid.uuid4().hex[:6]}", enable_auto_commit=False,
                             session_timeout_ms=6000, heartbeat_interval_ms=1000)
    records: list[ConsumerRecord] = []
    deadline, quiet_since = time.monotonic() + 60, None
    while time.monotonic() < deadline:
        batch = consumer.poll(timeout_ms=500)
        got = [r for rs in batch.values() for r in rs]
        records += got
        if got or not consumer.assignment():
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 3:
            break
    consumer.close()
    return records


def test_events_through_broker_worker_and_real_model(tmp_path: Path) -> None:
    settings = load_settings(ROOT / "configs" / "default.yaml")
    settings.store.db_path = str(tmp_path / "store.duckdb")
    settings.agents.checkpoint_path = str(tmp_path / "checkpoints.sqlite")
    settings.worker.ledger_path = str(tmp_path / "ledger.sqlite")
    settings.retrieval.index_dir = str(tmp_path / "index")
    settings.worker.max_in_flight = 4
    settings.agents.max_steps = 6  # bound the support agent's loop on a slow CPU

    store = DuckDBStore(settings.store.db_path)
    seed_store(store, settings.store, ROOT / "data")
    store.close()

    simulator = Simulator(ROOT / "data", seed=11, mix=MIX, run=uuid.uuid4().hex[:6])
    events = simulator.events(6)
    assert {e.type for e in events} >= {"OrderPlaced"}
    agent_events = [e for e in events if e.type != "CatalogUpdated"]

    with EmbeddedBroker() as broker, open_platform(settings) as platform:
        settings.broker.bootstrap_servers = [broker.bootstrap]
        assert platform.retriever is not None
        platform.retriever.build(ROOT / "data")
        router = EventRouter(platform)
        worker = Worker(WORKER_TOPICS, router.handle, settings.worker, broker=settings.broker)
        counts = publish(settings, events)
        assert sum(counts.values()) == len(events)

        async def drive() -> None:
            task = asyncio.create_task(worker.run())
            deadline = time.monotonic() + 1200
            while _finished(worker) < len(events) and time.monotonic() < deadline:
                assert not task.done(), "the worker stopped early"
                await asyncio.sleep(0.5)
            worker.stop()
            await task

        asyncio.run(drive())
        assert _finished(worker) == len(events)

        outputs_by_parent: dict[str, list[str]] = {}
        for record in _read_outputs(broker.bootstrap):
            out = parse_event(record.value)
            assert out.type in OUTPUT_TYPES
            parent = dict(record.headers)[PARENT_HEADER].decode()
            outputs_by_parent.setdefault(parent, []).append(out.type)

        for event in agent_events:
            assert outputs_by_parent.get(event.event_id), f"no output for {event.type}"
            run = load_trace(platform.store, event.event_id)
            assert run is not None, f"no trace for {event.type}"
            assert run.status in ("done", "step_limit", "awaiting_approval")
            if event.type in ("TicketOpened", "ShipmentDelayed"):
                assert run.model_calls >= 1 and run.input_tokens > 0
                assert any(s.kind == "model" for s in run.steps)
            else:  # the order rules decide these in code, without the model
                assert run.model_calls == 0
        orders = [e for e in events if e.type == "OrderPlaced"]
        for order in orders:
            run = load_trace(platform.store, order.event_id)
            assert run is not None
            assert run.decision in ("confirm", "split_shipment", "backorder", "hold_for_review")
