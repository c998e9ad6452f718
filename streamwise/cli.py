"""The ``streamwise`` command line (typer)."""

from __future__ import annotations

import logging
import signal
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .cli_errors import ErrorBoundary
from .errors import ConfigError
from .settings import Settings, load_settings

app = typer.Typer(no_args_is_help=True, add_completion=False, cls=ErrorBoundary,
                  help="streamwise: Kafka streams into LangGraph agents for commerce operations.")
console = Console()

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="YAML config file "
                      "(default: $STREAMWISE_CONFIG or configs/default.yaml)")]


def settings_or_exit(config: Path | None) -> Settings:
    """The settings; a ConfigError reaches the error boundary (one line, exit 2)."""
    return load_settings(config)


@app.callback()
def _main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not verbose:
        # kafka-python warns about its own slow selector ticks on a busy machine and logs
        # every refused connection; the command's own error line says what matters.
        logging.getLogger("kafka").setLevel(logging.CRITICAL)


@app.command()
def config(config: ConfigOpt = None) -> None:
    """Validate the configuration and print it (secrets masked)."""
    settings = settings_or_exit(config)
    console.print_json(settings.model_dump_json())


@app.command()
def init(
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing file")] = False,
) -> None:
    """Write a starter configuration, streamwise.yaml, in the home (STREAMWISE_HOME or the
    working directory): the embedded default, to edit. Relative paths in it (var/...) are
    taken from the same home."""
    from .paths import HOME_CONFIG, home, packaged

    target = home() / HOME_CONFIG
    if target.exists() and not force:
        raise ConfigError(f"{target} exists: edit it, or pass --force to start again")
    default = (packaged("configs") / "default.yaml").read_text(encoding="utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("# streamwise starter configuration (streamwise init). Every key and its\n"
                      "# STREAMWISE_<SECTION>__<KEY> override: `streamwise config`.\n" + default,
                      encoding="utf-8")
    console.print(f"wrote {target}; next: streamwise config, streamwise seed, streamwise demo",
                  highlight=False)


@app.command()
def broker(port: Annotated[int, typer.Option(help="0: a free port")] = 0) -> None:
    """Run the embedded Tansu broker standalone, with the streamwise topics, until Ctrl-C."""
    from streams.broker import EmbeddedBroker

    with EmbeddedBroker(port or None) as b:
        console.print(f"embedded broker on [bold]{b.bootstrap}[/bold] (pid {b.pid}); Ctrl-C stops it")
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    console.print("broker stopped")


@app.command()
def demo(
    events: Annotated[int, typer.Option(help="simulated events in the burst")] = 22,
    invalid: Annotated[int, typer.Option(help="invalid records (must be dead-lettered)")] = 3,
    seed: Annotated[int, typer.Option(help="simulator seed")] = 7,
    serve: Annotated[bool, typer.Option(
        "--serve", help="then serve the web console and API until Ctrl-C")] = False,
    workers: Annotated[int, typer.Option(help="consumer group members sharing the work",
                                         min=1, max=8)] = 1,
    config: ConfigOpt = None,
) -> None:
    """Run the platform end to end on the embedded default and print a summary."""
    from .demo import run_demo

    run_demo(settings_or_exit(config), events=events, invalid=invalid, seed=seed, serve=serve,
             workers=workers)


from .cli_sim import simulate  # noqa: E402

app.command()(simulate)

from .cli_llm import llm_app  # noqa: E402

app.add_typer(llm_app, name="llm")

from .cli_seed import seed_command  # noqa: E402

app.command("seed")(seed_command)

from .cli_index import index_app  # noqa: E402

app.add_typer(index_app, name="index")

from .cli_streams import replay  # noqa: E402

app.command()(replay)

from .cli_agents import approve, ask, chat, run, trace  # noqa: E402

for _command in (run, chat, ask, trace, approve):
    app.command()(_command)

from .cli_serve import serve  # noqa: E402

app.command()(serve)

from .cli_ops import dlq_app, topics_app  # noqa: E402

app.add_typer(topics_app, name="topics")
app.add_typer(dlq_app, name="dlq")

from .cli_eval import evaluate  # noqa: E402

app.command("eval")(evaluate)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
