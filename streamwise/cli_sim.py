"""``streamwise simulate``: a realistic mixed stream to Kafka or to a JSONL file."""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from streams.admin import check_broker
from streams.events import Event
from streams.producer import Producer
from streams.simulator import Simulator
from streams.topics import topic_for

from .cli_ops import broker_for
from .settings import Settings

console = Console()


def publish(settings: Settings, events: Sequence[Event], rate: float = 0,
            invalid: Sequence[bytes] = (), progress: Progress | None = None) -> Counter[str]:
    """Produce ``events`` at about ``rate`` per second (0: at once), then the ``invalid``
    raw records to ``orders``; waits for every ack. Returns counts per topic."""
    producer = Producer(settings.broker)
    counts: Counter[str] = Counter()
    task = progress.add_task("producing", total=len(events) + len(invalid)) if progress else None
    start = time.monotonic()
    try:
        for i, event in enumerate(events):
            if rate > 0:  # pace to the requested rate
                delay = start + i / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            topic = topic_for(event.type).name
            producer.send_sync(topic, event.to_bytes(), key=event.key.encode())
            counts[topic] += 1
            if progress and task is not None:
                progress.advance(task)
        for raw in invalid:
            producer.send_sync("orders", raw, key=b"invalid")
            counts["orders"] += 1
            if progress and task is not None:
                progress.advance(task)
        producer.flush()
    finally:
        producer.close()
    return counts


def simulate(
    rate: Annotated[float, typer.Option(help="events per second (0: as fast as possible)")] = 10.0,
    duration: Annotated[float, typer.Option(help="seconds of stream to produce")] = 10.0,
    seed: Annotated[int | None, typer.Option(
        help="same seed, same stream, ids included (a second run is then skipped as duplicates); "
             "default: a new stream with new ids each run")] = None,
    out: Annotated[Path | None, typer.Option(help="write JSONL here instead of Kafka")] = None,
    bootstrap: Annotated[str | None, typer.Option(help="host:port of the broker")] = None,
    config: Annotated[Path | None, typer.Option("--config", "-c")] = None,
) -> None:
    """Produce simulated orders, tickets, inventory, delays, prices and catalog updates."""
    from .cli import settings_or_exit

    settings = settings_or_exit(config)
    count = max(1, int(rate * duration)) if rate > 0 else int(duration)
    if seed is None:  # a fresh stream: a random seed, and a run id so no id repeats
        simulator = Simulator(Path(settings.data_dir), seed=random.randrange(1 << 31),
                              run=uuid.uuid4().hex[:8])
    else:
        simulator = Simulator(Path(settings.data_dir), seed=seed)
    if out is not None:
        with out.open("w") as f:
            for event in simulator.events(count):
                f.write(event.model_dump_json() + "\n")
        console.print(f"wrote {count} events to {out}")
        return
    settings.broker = broker_for(config, bootstrap)
    check_broker(settings.broker)  # in seconds, rather than a producer timing out later
    with Progress(console=console) as progress:
        counts = publish(settings, simulator.events(count), rate, progress=progress)
    for topic, n in sorted(counts.items()):
        console.print(f"{topic:>10}: {n}")
