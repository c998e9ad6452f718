"""``streamwise demo``: the whole platform on one machine, in one command.

Starts the embedded broker, seeds the store, streams a burst of simulated
events (plus a few invalid records, which must land on the dead-letter topic)
and shows them flowing per topic; later stages (model server, index, agent
workers) plug in through ``wiring``.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.progress import Progress

from streams.broker import EmbeddedBroker
from streams.simulator import Simulator, SimulatorMix
from tools.seed import seed_store
from tools.store import Store

from .cli_sim import publish
from .monitor import TopicCounter, counts_table
from .settings import ROOT, Settings, var_path

console = Console()

# The burst: about 30 orders, 10 tickets, some inventory, delay and price events.
DEMO_MIX = SimulatorMix(order_placed=30, order_cancelled=0, order_status_changed=0,
                        ticket_opened=10, ticket_message=0, inventory_adjusted=6,
                        shipment_delayed=4, price_changed=6, catalog_updated=4)


def run_demo(settings: Settings, *, events: int = 60, invalid: int = 3, seed: int = 7,
             timeout_s: float = 600.0) -> Counter[str]:
    started = time.monotonic()
    with EmbeddedBroker(log_path=var_path(settings, "var/log/tansu.log")) as broker:
        settings.broker.bootstrap_servers = [broker.bootstrap]
        console.rule(f"embedded broker on {broker.bootstrap}")

        store = Store(var_path(settings, settings.store.db_path))
        with Progress(console=console) as progress:
            report = seed_store(store, settings.store, Path(settings.data_dir), progress)
        console.print(f"store {'already seeded' if report.skipped else 'seeded'}: "
                      f"{sum(report.row_counts.values()):,} rows in {len(report.row_counts)} tables")
        store.close()

        counter = TopicCounter(settings.broker).start()
        simulator = Simulator(ROOT / "data", seed=seed, mix=DEMO_MIX, run=uuid.uuid4().hex[:6])
        with Progress(console=console, transient=True) as progress:
            produced = publish(settings, simulator, events, rate=0, invalid=invalid,
                               progress=progress)
        expected_total = sum(produced.values())

        def inputs_arrived(c: Counter[str]) -> bool:
            return all(c.get(t, 0) >= n for t, n in produced.items())

        with Live(counts_table(Counter(), produced), console=console,
                  refresh_per_second=4) as live:
            counter.wait_until(inputs_arrived, timeout_s,
                               on_tick=lambda c: live.update(counts_table(c, produced)))
        counts = counter.snapshot()
        counter.stop()

    console.rule("summary")
    console.print(f"{expected_total} records produced ({invalid} invalid), "
                  f"{sum(counts.values())} read back from the broker in "
                  f"{time.monotonic() - started:.1f}s")
    return counts
