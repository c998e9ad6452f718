"""``streamwise demo``: the whole platform on one machine, in one command.

Starts the embedded broker and the local model server, seeds the store,
builds the retrieval index, starts a worker on every input topic, streams a
burst of simulated events (plus a few invalid records, which must land on a
dead-letter topic), waits until every record is handled and prints a summary
per agent with example decisions and their traces.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.progress import Progress
from rich.table import Table

from agents.contracts import AgentResult
from streams.broker import EmbeddedBroker
from streams.runtime import Worker
from streams.simulator import Simulator, SimulatorMix, invalid_records
from tools.seed import seed_store
from tools.store import open_store

from .cli_sim import publish
from .monitor import TopicCounter, counts_table
from .render import summary_table, trace_panel
from .settings import Settings, var_path
from .wiring import WORKER_TOPICS, EventRouter, Platform, open_platform

console = Console()

# The burst, sized for the 0.5B model on a 2-core CPU: exactly these counts at the
# default 22 events (``Simulator.burst`` keeps the proportions for other sizes).
DEMO_MIX = SimulatorMix(order_placed=12, order_cancelled=0, order_status_changed=0,
                        ticket_opened=3, ticket_message=0, inventory_adjusted=2,
                        shipment_delayed=2, price_changed=2, catalog_updated=1)


def _finished(worker: Worker, topics: tuple[str, ...]) -> int:
    """Records the worker is done with: handled, skipped as duplicates, or dead-lettered."""
    done = 0
    for metric in worker.metrics.registry.collect():
        if metric.name in ("streamwise_records_handled", "streamwise_records_skipped",
                           "streamwise_records_dead_lettered"):
            done += int(sum(s.value for s in metric.samples
                            if s.name.endswith("_total") and s.labels.get("topic") in topics))
    return done


def prepare(settings: Settings) -> None:
    """Seed the store and build the index (both no-ops when already done)."""
    with Progress(console=console) as progress:
        store = open_store(settings.store)
        report = seed_store(store, settings.store, Path(settings.data_dir), progress)
        store.close()
    console.print(f"store {'already seeded' if report.skipped else 'seeded'}: "
                  f"{sum(report.row_counts.values()):,} rows in {len(report.row_counts)} tables")


def run_demo(settings: Settings, *, events: int = 22, invalid: int = 3, seed: int = 7,
             timeout_s: float = 1800.0, serve: bool = False, workers: int = 1) -> Counter[str]:
    """``workers`` members of the consumer group share the partitions (in this process, so
    on either store backend; separate processes are ``streamwise run --workers N``)."""
    started = time.monotonic()
    prepare(settings)
    with EmbeddedBroker(log_path=var_path(settings, "var/log/tansu.log")) as broker:
        settings.broker.bootstrap_servers = [broker.bootstrap]
        console.print(f"embedded broker on {broker.bootstrap}")
        llm = settings.llm
        console.print(f"starting the model server ({llm.local_model}, {llm.local_parallel} "
                      f"instance(s) of {llm.local_threads} thread(s)) and loading the index ...")
        with open_platform(settings) as platform:
            platform.warm(["order", "support"])  # while the index builds
            retriever = platform.retriever
            if retriever is not None and retriever.stats().documents == 0:
                with Progress(console=console) as progress:
                    task = progress.add_task("building the retrieval index", total=None)
                    retriever.build(Path(settings.data_dir),
                                    progress=lambda done, total: progress.update(
                                        task, completed=done, total=total))
            console.print(f"model server at {platform.llm_base_url}")
            router = EventRouter(platform)
            group = [Worker(WORKER_TOPICS, router.handle, settings.worker, broker=settings.broker)
                     for _ in range(workers)]
            counter = TopicCounter(settings.broker).start()
            simulator = Simulator(Path(settings.data_dir), seed=seed, mix=DEMO_MIX,
                                  run=uuid.uuid4().hex[:6])
            produced = publish(settings, simulator.burst(events),
                               invalid=invalid_records(random.Random(seed), invalid))
            total = sum(produced.values())
            console.print(f"produced {total} records ({invalid} invalid); agents at work ...")

            async def drive() -> None:
                tasks = [asyncio.create_task(w.run()) for w in group]
                deadline = time.monotonic() + timeout_s
                with Live(console=console, refresh_per_second=2) as live:
                    while time.monotonic() < deadline and not any(t.done() for t in tasks):
                        done = sum(_finished(w, WORKER_TOPICS) for w in group)
                        live.update(_progress_view(counter.snapshot(), produced, done, total))
                        if done >= total:
                            break
                        await asyncio.sleep(0.5)
                for w in group:
                    w.stop()
                await asyncio.gather(*tasks)

            asyncio.run(drive())
            handled = sum(_finished(w, WORKER_TOPICS) for w in group)
            time.sleep(1.0)  # let the counter read the last outputs
            counts = counter.snapshot()
            counter.stop()
            _summary(router, counts, handled, total, time.monotonic() - started, settings)
            if serve:
                _serve(settings, platform, router)
    return counts


def _serve(settings: Settings, platform: Platform, router: EventRouter) -> None:
    """The console over the demo's platform, with a worker still on the topics (a ticket
    posted to the API gets answered), until Ctrl-C."""
    from .cli_serve import build_api, console_url, demo_token, serve_forever

    token = demo_token(settings)
    app = build_api(settings, platform)
    console.rule("console")
    console.print(f"console at [bold]{console_url(settings)}[/bold] (API docs at /docs); "
                  "Ctrl-C stops")
    if token:
        console.print(f"sign in with this demo's operator token: {token}  (made up for this "
                      f"run; set {settings.api.tokens_env} to choose tokens)", highlight=False)
    serve_forever(app, settings, Worker(WORKER_TOPICS, router.handle, settings.worker,
                                        broker=settings.broker))


def _progress_view(counts: Counter[str], produced: Counter[str], done: int, total: int) -> Table:
    return counts_table(counts, produced, title=f"records per topic — {done}/{total} handled")


def _summary(router: EventRouter, counts: Counter[str], handled: int, total: int,
             seconds: float, settings: Settings) -> None:
    console.rule("summary")
    dead = sum(n for topic, n in counts.items() if topic.endswith(".dlq"))
    console.print(counts_table(counts, title="records on the broker"))
    console.print(summary_table(router.results, dead))
    console.print(f"{handled}/{total} records handled in {seconds:.0f}s with "
                  f"{settings.llm.local_model if settings.llm.base_url is None else settings.llm.model}"
                  f" ({settings.worker.max_in_flight} records in flight at most)")
    examples = _examples(router)
    for result in examples:
        run = router.platform.agents.trace(result.event_id)
        if run is not None:
            console.print(trace_panel(run))
    if examples:
        console.print(f"see any other with: streamwise trace EVENT_ID  (e.g. {examples[0].event_id})")


def _examples(router: EventRouter) -> list[AgentResult]:
    """Up to three finished runs: one per agent first, then other decisions."""
    finished = [r for r, _ in router.results if r.status in ("done", "awaiting_approval")]
    picked: list[AgentResult] = []
    for seen_key in (lambda r: r.agent, lambda r: f"{r.agent}:{r.decision}"):
        seen = {seen_key(r) for r in picked}
        for result in finished:
            if len(picked) == 3:
                return picked
            if seen_key(result) not in seen and result not in picked:
                seen.add(seen_key(result))
                picked.append(result)
    return picked
