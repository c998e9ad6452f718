"""The FastAPI app: routes, auth, limits, CORS, metrics; ``create_app`` builds it.

    ctx = ApiContext(settings, platform, SessionLog(path), publisher=Producer(...))
    app = create_app(ctx, tokens_from_env(settings.api.tokens_env))
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agents.errors import NotAwaitingApproval, RequestError, UnknownThread

from . import analyst, approvals, chat, console, dlq, health, tickets, traces
from .auth import TokenTable
from .context import ApiContext


def create_app(ctx: ApiContext, tokens: TokenTable) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await ctx.aclose()

    app = FastAPI(title="streamwise", version="0.1.0", lifespan=lifespan,
                  description="Chat, tickets, approvals, traces, dead letters and the analyst "
                              "over HTTP; bearer tokens map to roles (streamwise/api/auth.py).")
    app.state.ctx = ctx
    app.state.tokens = tokens
    for module in (chat, tickets, approvals, traces, analyst, dlq, health):
        app.include_router(module.router)
    console.mount(app)
    if ctx.settings.api.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=ctx.settings.api.cors_origins,
                           allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(_Guard, ctx=ctx)

    async def not_found(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    async def conflict(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    async def bad_request(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    app.add_exception_handler(UnknownThread, not_found)
    app.add_exception_handler(NotAwaitingApproval, conflict)
    app.add_exception_handler(RequestError, bad_request)
    return app


class _Guard:
    """Refuses bodies over ``api.max_body_bytes`` (413) or of unknown length (411) before
    any route reads them, and counts every response for ``/metrics``."""

    def __init__(self, app: ASGIApp, ctx: ApiContext) -> None:
        self.app, self.ctx = app, ctx
        self.limit = ctx.settings.api.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        refusal = None
        if length is None and headers.get(b"transfer-encoding"):
            refusal = (411, "send the body with a Content-Length")
        elif length is not None and (not length.isdigit() or int(length) > self.limit):
            refusal = (413, f"the body is over the {self.limit} bytes this API accepts")
        if refusal is not None:
            await _send_json(send, refusal[0], {"detail": refusal[1]})
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                route = scope.get("route")
                path = getattr(route, "path", "unmatched")
                self.ctx.metrics.latency.labels(scope["method"], path).observe(
                    time.perf_counter() - started)
                self.ctx.metrics.requests.labels(scope["method"], path, str(message["status"])
                                                 ).inc()
            await send(message)

        await self.app(scope, receive, counted)


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})
