"""``/healthz`` (the process answers), ``/readyz`` (broker, store, model reachable), ``/metrics``.

The probes take no token (an orchestrator's liveness and readiness checks send
none; they say only what is up). ``/metrics`` is the operator's (Prometheus sends
the token with ``authorization: {credentials: ...}`` in its scrape config).
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from streams.admin import check_broker
from streams.errors import BrokerError

from .auth import Principal, require
from .context import ApiContext, Ctx
from .models import Check, Readiness

router = APIRouter(tags=["health"])
PROBE_TIMEOUT_S = 3.0


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
async def readyz(ctx: Ctx, response: Response) -> Readiness:
    store, broker, model = await asyncio.gather(
        asyncio.to_thread(_store, ctx), asyncio.to_thread(_broker, ctx), _model(ctx))
    checks = {"store": store, "broker": broker, "model": model}
    ready = all(c.ok for c in checks.values())
    if not ready:
        response.status_code = 503
    return Readiness(ready=ready, checks=checks)


@router.get("/metrics", response_class=Response)
async def metrics(who: Annotated[Principal, Depends(require())], ctx: Ctx) -> Response:
    return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)


def _store(ctx: ApiContext) -> Check:
    try:
        with ctx.platform.store.cursor() as cur:
            cur.execute("SELECT 1").fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return Check(ok=False, detail=f"store query failed: {type(exc).__name__}: {exc}")
    return Check(ok=True, detail="store answers")


def _broker(ctx: ApiContext) -> Check:
    settings = ctx.settings.broker
    if not settings.bootstrap_servers:
        return Check(ok=True, detail="no broker configured (the ticket webhook is off)")
    try:
        check_broker(settings)  # streams.admin: a metadata request, failing within seconds
    except BrokerError as exc:
        return Check(ok=False, detail=str(exc))
    return Check(ok=True, detail=f"broker at {','.join(settings.bootstrap_servers)} answers")


async def _model(ctx: ApiContext) -> Check:
    base = ctx.platform.llm_base_url
    if base is None:
        return Check(ok=True, detail="in-process model")
    try:
        async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_S) as client:
            answer = await client.get(base.rstrip("/") + "/models")
            answer.raise_for_status()
    except httpx.HTTPError as exc:
        return Check(ok=False, detail=f"model server at {base} unreachable: "
                                      f"{type(exc).__name__}")
    return Check(ok=True, detail=f"model server at {base}")
