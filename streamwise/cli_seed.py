"""``streamwise seed``: load τ²-bench retail data and generate the operational tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from tools.seed import seed_store
from tools.store import open_store

from .settings import ROOT, load_settings, store_name

console = Console()


def seed_command(
    config: Annotated[Path | None, typer.Option("--config", "-c", help="YAML config file")] = None,
    seed: Annotated[int | None, typer.Option(help="generator seed (default: store.seed)")] = None,
    force: Annotated[bool, typer.Option(help="rebuild even if already seeded with these inputs; "
                                        "discards changes made since")] = False,
) -> None:
    """Seed the store: τ²-bench products, users and orders plus generated warehouses, stock,
    suppliers, costs, prices, promotions and 180 days of sales. Safe to run twice."""
    settings = load_settings(config)
    if seed is not None:
        settings = load_settings(config, store={**settings.store.model_dump(), "seed": seed})
    data_dir = Path(settings.data_dir)
    if not data_dir.is_absolute():
        data_dir = ROOT / data_dir
    store = open_store(settings.store)
    try:
        with Progress(console=console, transient=True) as progress:
            report = seed_store(store, settings.store, data_dir, progress, force=force)
    finally:
        store.close()
    table = Table(title=f"{store_name(settings)} (seed {report.seed}, as of {report.as_of})")
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("checksum")
    for name, rows in report.row_counts.items():
        table.add_row(name, f"{rows:,}", report.checksums.get(name, ""))
    console.print(table)
    if report.skipped:
        note = ("; tables changed since (tool effects); --force resets them" if report.drifted
                else "")
        console.print(f"already seeded with seed {report.seed}: nothing changed{note}")
    else:
        console.print(f"seeded in {report.seconds:.1f}s")

