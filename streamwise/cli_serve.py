"""``streamwise serve``: the HTTP API and web console on ``api.host:api.port``.

``serve_forever`` is also what ``streamwise run --serve`` and ``streamwise demo --serve``
use: uvicorn and, when given, a worker on one event loop, until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import httpx
import typer
import uvicorn
from fastapi import FastAPI
from rich.console import Console

from streams.runtime import Worker

from .api import ApiContext, SessionLog, TokenTable, create_app, tokens_from_env
from .api.replies import ReplyForwarder
from .api.replies import wanted as replies_wanted
from .errors import ConfigError
from .settings import Settings, var_path
from .wiring import Platform, open_platform

console = Console()
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="YAML config file")]


def api_tokens(settings: Settings) -> TokenTable:
    """The configured tokens; ``ConfigError`` when there are none (nobody could call the API)."""
    tokens = tokens_from_env(settings.api.tokens_env)
    if not len(tokens):
        raise ConfigError(f"no API tokens: set {settings.api.tokens_env}, e.g. "
                          f"{settings.api.tokens_env}='operator=LONG-RANDOM-TOKEN' "
                          "(README: HTTP API and console)")
    return tokens


def demo_token(settings: Settings) -> str | None:
    """For the demo only: an operator token made up now when none is configured, so the
    console can be opened; returned to be shown once on the terminal."""
    if len(tokens_from_env(settings.api.tokens_env)):
        return None
    token = secrets.token_urlsafe(18)
    os.environ[settings.api.tokens_env] = f"operator={token}"
    return token


def build_api(settings: Settings, platform: Platform) -> FastAPI:
    """The app over an open platform; its publisher is the configured broker, if any."""
    tokens = api_tokens(settings)
    publisher = None
    if settings.broker.bootstrap_servers:
        from streams.producer import Producer

        publisher = Producer(settings.broker)
    webhook = httpx.AsyncClient(timeout=10.0) if settings.api.reply_webhook_url else None
    sessions = SessionLog(var_path(settings, settings.api.sessions_path))
    return create_app(ApiContext(settings, platform, sessions, publisher=publisher,
                                 webhook=webhook), tokens)


def serve_forever(app: FastAPI, settings: Settings, worker: Worker | None = None) -> None:
    """uvicorn (and ``worker``, and the ticket-reply forwarder when a webhook and a broker
    are configured) until Ctrl-C; then the workers drain and commit. uvicorn's access log
    has paths, never headers or tokens."""
    server = _Server(uvicorn.Config(app, host=settings.api.host, port=settings.api.port,
                                    log_level="warning", timeout_graceful_shutdown=5))

    ctx: ApiContext = app.state.ctx
    workers: list[Worker | ReplyForwarder] = [worker] if worker is not None else []
    if replies_wanted(ctx):
        workers.append(ReplyForwarder(ctx))

    async def main() -> None:
        working = [asyncio.create_task(w.run()) for w in workers]
        try:
            await server.serve()  # returns on Ctrl-C / SIGTERM (our handlers, below)
        finally:
            for w in workers:
                w.stop()
            await asyncio.gather(*working)

    asyncio.run(main())


class _Server(uvicorn.Server):
    """uvicorn re-raises the signal that stopped it once it is done, which would kill the
    process before the platform closes (store, broker, model server); here Ctrl-C and
    SIGTERM only ask it to stop, and the ``with`` blocks around it clean up."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.handle_exit, sig, None)
        try:
            yield
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)


def console_url(settings: Settings) -> str:
    return f"http://{settings.api.host}:{settings.api.port}/console/"


def serve(
    host: Annotated[str | None, typer.Option(help="bind address (default: api.host)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default: api.port)")] = None,
    config: ConfigOpt = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs) and the web console (/console/) until
    Ctrl-C. Tokens come from $STREAMWISE_API_TOKENS (see the README)."""
    from .cli import settings_or_exit
    from .cli_agents import _broker

    settings = settings_or_exit(config)
    if host:
        settings.api.host = host
    if port:
        settings.api.port = port
    api_tokens(settings)  # before anything starts
    with _broker(settings), open_platform(settings) as platform:
        platform.warm(["support", "analyst"])
        app = build_api(settings, platform)
        console.print(f"console at [bold]{console_url(settings)}[/bold], API docs at /docs; "
                      "Ctrl-C stops")
        serve_forever(app, settings)
