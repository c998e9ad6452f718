"""``streamwise serve``: the HTTP API and web console on ``api.host:api.port``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import httpx
import typer
from fastapi import FastAPI
from rich.console import Console

from .api import ApiContext, SessionLog, create_app, tokens_from_env
from .errors import ConfigError
from .settings import Settings, var_path
from .wiring import Platform, open_platform

console = Console()
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="YAML config file")]


def build_api(settings: Settings, platform: Platform) -> FastAPI:
    """The app over an open platform; its publisher is the configured broker, if any.
    Raises ``ConfigError`` when no token is configured (nobody could call it)."""
    tokens = tokens_from_env(settings.api.tokens_env)
    if not len(tokens):
        raise ConfigError(f"no API tokens: set {settings.api.tokens_env}, e.g. "
                          f"{settings.api.tokens_env}='operator=LONG-RANDOM-TOKEN' "
                          "(see the README, HTTP API)")
    publisher = None
    if settings.broker.bootstrap_servers:
        from streams.producer import Producer

        publisher = Producer(settings.broker)
    webhook = httpx.AsyncClient(timeout=10.0) if settings.api.reply_webhook_url else None
    ctx = ApiContext(settings, platform, SessionLog(var_path(settings, settings.api.sessions_path)),
                     publisher=publisher, webhook=webhook)
    return create_app(ctx, tokens)


def run_server(app: FastAPI, settings: Settings) -> None:
    """Serve until Ctrl-C (uvicorn's access log has paths, never headers or tokens)."""
    import uvicorn

    uvicorn.run(app, host=settings.api.host, port=settings.api.port, log_level="warning")


def serve(
    host: Annotated[str | None, typer.Option(help="bind address (default: api.host)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default: api.port)")] = None,
    config: ConfigOpt = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs) and the web console (/) until Ctrl-C."""
    from .cli import settings_or_exit
    from .cli_agents import _broker

    settings = settings_or_exit(config)
    if host:
        settings.api.host = host
    if port:
        settings.api.port = port
    try:
        tokens_ok = len(tokens_from_env(settings.api.tokens_env)) > 0
    except ConfigError as exc:
        console.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(2) from None
    if not tokens_ok:
        console.print(f"[red]no API tokens: set {settings.api.tokens_env}, e.g. "
                      f"{settings.api.tokens_env}='operator=LONG-RANDOM-TOKEN'[/red]",
                      highlight=False)
        raise typer.Exit(2)
    with _broker(settings), open_platform(settings) as platform:
        platform.warm(["support", "analyst"])
        app = build_api(settings, platform)
        console.print(f"console at [bold]http://{settings.api.host}:{settings.api.port}/[/bold], "
                      f"API docs at /docs; Ctrl-C stops")
        run_server(app, settings)
