"""What the HTTP API adds to a chat turn: concurrent chat sessions over SSE versus calling
the agent service directly, in the same run, with the scripted model.

    .venv/bin/python -m benchmarks.bench_api [--sessions 1 16 64] [--turns 3]

One seeded store, one platform, the API served by uvicorn on 127.0.0.1. For each level
of concurrency N, N sessions each send ``--turns`` messages one after the other, all
sessions at once: (baseline) ``Agents.run`` on the same requests' shape, N at a time;
(api) ``POST /v1/chat/sessions/{id}/messages`` read to its ``done`` event with httpx.
The scripted model answers at once, so the figures are the graph's own cost plus, for
the API, HTTP, auth, the session log, SSE framing and the event loop. Prints p50/p95 per
turn and the overhead; writes benchmarks/results/api.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from agents.contracts import MessageRequest
from agents.scripted import ScriptedChatModel, call
from streams.broker import free_port
from streamwise.api import ApiContext, SessionLog, create_app, parse_tokens
from streamwise.settings import Settings
from streamwise.wiring import open_platform
from tools import DuckDBStore
from tools.seed import seed_store

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "api.json"
TOKEN = "bench-support"
TEXT = "Where is my order?"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _platform(tmp: Path) -> tuple[Settings, Any]:
    settings = Settings()
    settings.store.db_path = str(tmp / "store.duckdb")
    settings.agents.checkpoint_path = str(tmp / "ck.sqlite")
    settings.api.sessions_path = str(tmp / "chat.sqlite")
    settings.broker.bootstrap_servers = []
    store = DuckDBStore(settings.store.db_path)
    seed_store(store, settings.store, Path(settings.data_dir))
    store.close()
    # Every turn's extraction: a status question, answered by code from the records.
    model = ScriptedChatModel(script=[lambda m: call("respond", requests=[
        {"intent": "status"}])] * 1_000_000)
    return settings, open_platform(settings, chat=model, with_retriever=False)


async def _direct(agents: Any, sessions: int, turns: int) -> list[float]:
    async def session() -> list[float]:
        thread = f"bench-{uuid.uuid4().hex[:8]}"
        took = []
        for t in range(turns):
            start = time.perf_counter()
            await agents.run(MessageRequest(agent="support", text=TEXT,
                                            event_id=f"{thread}:{t}", thread_id=thread))
            took.append(time.perf_counter() - start)
        return took

    return [s for group in await asyncio.gather(*(session() for _ in range(sessions)))
            for s in group]


async def _api(url: str, sessions: int, turns: int) -> list[float]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    limits = httpx.Limits(max_connections=sessions + 4)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=600,
                                 limits=limits) as client:
        async def session() -> list[float]:
            made = await client.post("/v1/chat/sessions", json={})
            sid = made.json()["session_id"]
            took = []
            for _ in range(turns):
                start = time.perf_counter()
                async with client.stream("POST", f"/v1/chat/sessions/{sid}/messages",
                                         json={"text": TEXT}) as answer:
                    async for line in answer.aiter_lines():
                        if line == "event: done":
                            break
                took.append(time.perf_counter() - start)
            return took

        return [s for group in await asyncio.gather(*(session() for _ in range(sessions)))
                for s in group]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--turns", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        settings, platform_ = _platform(Path(tmp))
        ctx = ApiContext(settings, platform_, SessionLog(settings.api.sessions_path))
        app = create_app(ctx, parse_tokens(f"support={TOKEN}"))
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        try:
            asyncio.run(_direct(platform_.agents, 1, 2))  # warm both paths once
            asyncio.run(_api(f"http://127.0.0.1:{port}", 1, 2))
            for n in args.sessions:
                direct = asyncio.run(_direct(platform_.agents, n, args.turns))
                api = asyncio.run(_api(f"http://127.0.0.1:{port}", n, args.turns))
                rows.append({"sessions": n, "turns": len(api),
                             "direct_p50_ms": _pct(direct, .5) * 1000,
                             "direct_p95_ms": _pct(direct, .95) * 1000,
                             "api_p50_ms": _pct(api, .5) * 1000,
                             "api_p95_ms": _pct(api, .95) * 1000,
                             "direct_mean_ms": statistics.mean(direct) * 1000,
                             "api_mean_ms": statistics.mean(api) * 1000})
        finally:
            server.should_exit = True
            thread.join(timeout=30)
            platform_.close()
    print(f"{'sessions':>8}{'turns':>7}{'direct p50':>12}{'p95':>9}{'API p50':>10}{'p95':>9}"
          f"{'overhead p50':>14}{'p95':>9}   (ms per turn)")
    for r in rows:
        print(f"{r['sessions']:>8}{r['turns']:>7}{r['direct_p50_ms']:>12.1f}"
              f"{r['direct_p95_ms']:>9.1f}{r['api_p50_ms']:>10.1f}{r['api_p95_ms']:>9.1f}"
              f"{r['api_p50_ms'] - r['direct_p50_ms']:>14.1f}"
              f"{r['api_p95_ms'] - r['direct_p95_ms']:>9.1f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"turns_per_session": args.turns, "levels": rows,
                                   "machine": platform.platform()}, indent=2))


if __name__ == "__main__":
    main()
