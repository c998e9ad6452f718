"""End to end with the real local model: events/s and latency at concurrency 1 vs N,
and the tokens/s the workers draw from the model server vs the server's own maximum.

    .venv/bin/python -m benchmarks.bench_e2e [--events 12] [--concurrency 4]

In one run, on one broker, one model server and one seeded store:

1. the server's own maximum: the order agent's real prompts (captured from a
   first pass) sent straight to the server by ``concurrency`` clients at once;
2. the worker at ``max_in_flight=1`` over ``events`` new orders;
3. the worker at ``max_in_flight=concurrency`` over as many other new orders.

Figures are printed and written to benchmarks/results/e2e.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.messages.utils import convert_to_openai_messages

from agents.contracts import AgentResult
from agents.loop import Toolbox
from agents.order import OrderAgent
from streams.broker import EmbeddedBroker
from streams.runtime import Worker
from streams.simulator import Simulator, SimulatorMix
from streamwise.cli_sim import publish
from streamwise.render import percentile
from streamwise.settings import ROOT, Settings, load_settings
from streamwise.wiring import EventRouter, Platform, open_platform, request_for
from tools import Store
from tools.seed import seed_store

ORDERS_ONLY = SimulatorMix(order_placed=1, order_cancelled=0, order_status_changed=0,
                           ticket_opened=0, ticket_message=0, inventory_adjusted=0,
                           shipment_delayed=0, price_changed=0, catalog_updated=0)
RESULTS = Path(__file__).resolve().parent / "results" / "e2e.json"


def _settings(tmp: Path) -> Settings:
    s = load_settings(ROOT / "configs" / "default.yaml")
    s.store.db_path = str(tmp / "store.duckdb")
    s.agents.checkpoint_path = str(tmp / "checkpoints.sqlite")
    s.worker.ledger_path = str(tmp / "ledger.sqlite")
    s.retrieval.index_dir = str(tmp / "index")
    return s


def _pass(platform: Platform, settings: Settings, events: int, in_flight: int,
          seed: int) -> dict[str, Any]:
    """Produce ``events`` new orders and time one worker handling them."""
    settings.worker.max_in_flight = in_flight
    settings.worker.group_id = f"bench-{uuid.uuid4().hex[:6]}"
    batch = Simulator(ROOT / "data", seed=seed, mix=ORDERS_ONLY,
                      run=uuid.uuid4().hex[:6]).events(events)
    router = EventRouter(platform)
    worker = Worker(["orders"], router.handle, settings.worker, broker=settings.broker)

    async def drive() -> float:
        task = asyncio.create_task(worker.run())
        while not worker.assigned:
            await asyncio.sleep(0.1)
        publish(settings, batch)
        started = time.perf_counter()
        while worker.metrics.value("streamwise_records_handled_total", topic="orders") < events:
            if task.done():
                await task
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        worker.stop()
        await task
        return elapsed

    elapsed = asyncio.run(drive())
    results: list[tuple[AgentResult, float]] = router.results
    latencies = [s for _, s in results]
    tokens = sum(r.usage.input_tokens + r.usage.output_tokens for r, _ in results)
    return {"max_in_flight": in_flight, "events": events, "seconds": round(elapsed, 2),
            "events_per_s": round(events / elapsed, 4),
            "latency_p50_s": round(statistics.median(latencies), 2),
            "latency_p95_s": round(percentile(latencies, 0.95), 2),
            "model_tokens": tokens, "tokens_per_s": round(tokens / elapsed, 1)}


def _server_max(base_url: str, model: str, prompts: list[list[dict[str, Any]]],
                tools: list[Any], concurrency: int, max_tokens: int) -> dict[str, Any]:
    """Tokens/s the server sustains on the same requests with ``concurrency`` clients."""

    async def one(client: httpx.AsyncClient, messages: list[dict[str, Any]]) -> int:
        r = await client.post("/chat/completions", json={
            "model": model, "messages": messages, "tools": tools, "tool_choice": "required",
            "max_tokens": max_tokens, "temperature": 0})
        r.raise_for_status()
        usage = r.json()["usage"]
        return int(usage["prompt_tokens"] + usage["completion_tokens"])

    async def run() -> tuple[int, float]:
        sem = asyncio.Semaphore(concurrency)
        async with httpx.AsyncClient(base_url=base_url, timeout=600) as client:
            async def gated(m: list[dict[str, Any]]) -> int:
                async with sem:
                    return await one(client, m)
            started = time.perf_counter()
            counts = await asyncio.gather(*(gated(m) for m in prompts))
            return sum(counts), time.perf_counter() - started

    tokens, elapsed = asyncio.run(run())
    return {"requests": len(prompts), "concurrency": concurrency, "tokens": tokens,
            "seconds": round(elapsed, 2), "tokens_per_s": round(tokens / elapsed, 1)}


def _captured_prompts(platform: Platform, settings: Settings, events: int,
                      seed: int) -> tuple[list[list[dict[str, Any]]], list[Any]]:
    """The order agent's real model requests for ``events`` new orders (facts gathered
    by the agent's own code, nothing reserved)."""
    spec = OrderAgent(platform.registry, settings.agents)
    batch = Simulator(ROOT / "data", seed=seed, mix=ORDERS_ONLY,
                      run=uuid.uuid4().hex[:6]).events(events)
    prompts = []
    for event in batch:
        request = request_for(event)
        assert request is not None
        box = Toolbox(platform.registry, request, spec.actor({}))
        update = spec.prepare(request, {"request": request.model_dump(mode="json")}, box)
        system = spec.system_prompt({"request": request.model_dump(mode="json")})
        messages = [SystemMessage(system), *update["messages"]]
        assert isinstance(messages[-1], HumanMessage)
        prompts.append(convert_to_openai_messages(messages))
    return prompts, spec.tools(platform.registry)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=12)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        settings = _settings(tmp)
        store = Store(settings.store.db_path)
        seed_store(store, settings.store, ROOT / "data")
        store.close()
        with EmbeddedBroker() as broker, open_platform(settings, with_retriever=False) as platform:
            settings.broker.bootstrap_servers = [broker.bootstrap]
            assert platform.llm_base_url is not None
            prompts, tools = _captured_prompts(platform, settings, args.events, seed=101)
            server = _server_max(platform.llm_base_url, settings.llm.local_model, prompts, tools,
                                 args.concurrency, settings.llm.max_tokens)
            serial = _pass(platform, settings, args.events, 1, seed=202)
            concurrent = _pass(platform, settings, args.events, args.concurrency, seed=303)

    report = {
        "model": settings.llm.local_model, "threads": settings.llm.local_threads,
        "server_parallel": settings.llm.local_parallel, "max_tokens": settings.llm.max_tokens,
        "server_max": server, "concurrency_1": serial, f"concurrency_{args.concurrency}": concurrent,
        "events_per_s_ratio": round(concurrent["events_per_s"] / serial["events_per_s"], 2),
        "draw_vs_server_max": round(concurrent["tokens_per_s"] / server["tokens_per_s"], 2),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"model {report['model']}, {report['threads']} thread(s), server parallel "
          f"{report['server_parallel']}")
    print(f"{'':22}{'events/s':>10}{'p50 s':>8}{'p95 s':>8}{'tok/s':>8}")
    for label, row in (("concurrency 1", serial), (f"concurrency {args.concurrency}", concurrent)):
        print(f"{label:22}{row['events_per_s']:>10.3f}{row['latency_p50_s']:>8.1f}"
              f"{row['latency_p95_s']:>8.1f}{row['tokens_per_s']:>8.1f}")
    print(f"{'server maximum':22}{'':>26}{server['tokens_per_s']:>8.1f}")
    print(f"events/s ratio {report['events_per_s_ratio']}x; workers draw "
          f"{report['draw_vs_server_max']}x of the server's maximum; wrote {RESULTS}")


if __name__ == "__main__":
    main()
