"""``streamwise replay``: run a handler over a JSONL file or re-read a topic, without side effects."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from streams.replay import ReplayResult, load_handler, replay_file, replay_topic

from .cli_ops import broker_for

console = Console()
DEFAULT_HANDLER = "streams.replay:print_handler"


def replay(
    file: Annotated[Path | None, typer.Argument(help="JSON-lines file, one event per line")] = None,
    topic: Annotated[str | None, typer.Option(help="re-read this topic instead of a file")] = None,
    from_offset: Annotated[int, typer.Option("--from-offset", help="offset to start at, "
                                             "in every partition")] = 0,
    handler: Annotated[str, typer.Option(help="handler as module:function")] = DEFAULT_HANDLER,
    bootstrap: Annotated[str | None, typer.Option(help="host:port (default: from the config)")]
    = None,
    limit: Annotated[int | None, typer.Option(help="stop after this many records")] = None,
    config: Annotated[Path | None, typer.Option("--config", "-c")] = None,
) -> None:
    """Run a handler over recorded events: outputs are printed, never published."""
    if (file is None) == (topic is None):
        raise typer.BadParameter("give either FILE or --topic")
    fn = load_handler(handler)
    if file is not None:
        result = replay_file(file, fn)
    else:
        assert topic is not None
        result = replay_topic(topic, fn, broker_for(config, bootstrap), from_offset=from_offset,
                              limit=limit)
    _report(result)
    if result.failed:
        raise typer.Exit(1)


def _report(result: ReplayResult) -> None:
    for out in result.outputs:
        console.print_json(out.model_dump_json())
    for where, why in result.invalid:
        console.print(f"[yellow]invalid[/yellow] {where}: {why}", highlight=False)
    for where, why in result.failed:
        console.print(f"[red]failed[/red] {where}: {why}", highlight=False)
    console.print(f"handled {result.handled}, invalid {len(result.invalid)}, "
                  f"failed {len(result.failed)}, outputs {len(result.outputs)}")
