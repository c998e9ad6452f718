"""End to end with the real local model: events/s and latency at concurrency 1 vs N,
on the events that call the model and, beside them, on those the rules decide in code;
and the tokens/s the workers draw from the model server vs the server's own maximum.

    .venv/bin/python -m benchmarks.bench_e2e [--events 8] [--concurrency 4]

The order agent decides order, inventory and price events in code (no model call);
the model writes shipment-delay notices and reads support tickets. So the model
path is driven with ``shipment_delayed`` and ``ticket_opened`` events, and the
no-model path with ``order_placed``, ``inventory_adjusted`` and ``price_changed``.
In one run, on one broker, one model server and one seeded store:

1. the server's own maximum: the agents' real model requests for the model-path
   events (built by the agents' own ``prepare`` and ``prompt``), sent straight to
   the server by ``concurrency`` clients at once;
2. each path at ``max_in_flight=1`` and at ``max_in_flight=concurrency``, each
   pass over ``events`` new events.

Every pass reports the model calls it made, so a path's figures say what they
measured. Figures are printed and written to benchmarks/results/e2e.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from langchain_core.messages.utils import convert_to_openai_messages

from agents.contracts import AgentResult
from agents.llm.local import free_port
from agents.loop import AgentSpec, Toolbox
from agents.order import OrderAgent
from agents.state import stored
from agents.support import SupportAgent
from streams.broker import EmbeddedBroker
from streams.events import Event
from streams.runtime import Worker
from streams.simulator import Simulator, SimulatorMix
from streams.topics import topic_for
from streamwise.cli_sim import publish
from streamwise.render import percentile
from streamwise.settings import ROOT, Settings, load_settings
from streamwise.wiring import EventRouter, Platform, open_platform, request_for
from tools import DuckDBStore, ToolRegistry
from tools.seed import seed_store

_NONE = {name: 0.0 for name in SimulatorMix.model_fields}
# The model writes delay notices and reads tickets; rules decide the rest in code.
MODEL_PATH = SimulatorMix.model_validate({**_NONE, "shipment_delayed": 1, "ticket_opened": 1})
NO_MODEL_PATH = SimulatorMix.model_validate({**_NONE, "order_placed": 2,
                                             "inventory_adjusted": 1, "price_changed": 1})
RESULTS = Path(__file__).resolve().parent / "results" / "e2e.json"
Prompt = tuple[list[dict[str, Any]], list[Any]]  # OpenAI messages, tools


def _settings(tmp: Path) -> Settings:
    s = load_settings(ROOT / "configs" / "default.yaml")
    s.store.db_path = str(tmp / "store.duckdb")
    s.agents.checkpoint_path = str(tmp / "checkpoints.sqlite")
    s.worker.ledger_path = str(tmp / "ledger.sqlite")
    s.retrieval.index_dir = str(tmp / "index")
    # Not the configured fixed port: on a shared machine another run's server may take it
    # between the check and the bind, and would answer this run's health check.
    s.llm.local_port = free_port()
    return s


def _events(mix: SimulatorMix, events: int, seed: int) -> list[Event]:
    return Simulator(ROOT / "data", seed=seed, mix=mix, run=uuid.uuid4().hex[:6]).events(events)


def _pass(platform: Platform, settings: Settings, batch: list[Event],
          in_flight: int) -> dict[str, Any]:
    """Publish ``batch`` and time one worker handling it at ``max_in_flight=in_flight``."""
    settings.worker.max_in_flight = in_flight
    settings.worker.group_id = f"bench-{uuid.uuid4().hex[:6]}"
    topics = sorted({topic_for(e.type).name for e in batch})
    router = EventRouter(platform)
    worker = Worker(topics, router.handle, settings.worker, broker=settings.broker)

    def handled() -> float:
        return sum(worker.metrics.value("streamwise_records_handled_total", topic=t)
                   for t in topics)

    async def drive() -> float:
        task = asyncio.create_task(worker.run())
        while not worker.assigned:
            await asyncio.sleep(0.1)
        publish(settings, batch)
        started = time.perf_counter()
        while handled() < len(batch):
            if task.done():
                await task
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        worker.stop()
        await task
        return elapsed

    elapsed = asyncio.run(drive())
    results: list[tuple[AgentResult, float]] = router.results
    latencies = [s for _, s in results] or [0.0]
    tokens = sum(r.usage.input_tokens + r.usage.output_tokens for r, _ in results)
    return {"max_in_flight": in_flight, "events": len(batch),
            "kinds": {t: sum(e.type == t for e in batch) for t in sorted({e.type for e in batch})},
            "agent_runs": len(results),
            "model_calls": sum(r.usage.model_calls for r, _ in results),
            "seconds": round(elapsed, 2), "events_per_s": round(len(batch) / elapsed, 4),
            "latency_p50_s": round(statistics.median(latencies), 2),
            "latency_p95_s": round(percentile(latencies, 0.95), 2),
            "model_tokens": tokens, "tokens_per_s": round(tokens / elapsed, 1)}


def _server_max(base_url: str, model: str, prompts: list[Prompt], concurrency: int,
                max_tokens: int) -> dict[str, Any]:
    """Tokens/s the server sustains on the same requests with ``concurrency`` clients."""

    async def one(client: httpx.AsyncClient, prompt: Prompt) -> int:
        messages, tools = prompt
        r = await client.post("/chat/completions", json={
            "model": model, "messages": messages, "tools": tools, "tool_choice": "required",
            "max_tokens": max_tokens, "temperature": 0})
        r.raise_for_status()
        usage = r.json()["usage"]
        return int(usage["prompt_tokens"] + usage["completion_tokens"])

    async def run() -> tuple[int, float]:
        sem = asyncio.Semaphore(concurrency)
        async with httpx.AsyncClient(base_url=base_url, timeout=600) as client:
            async def gated(p: Prompt) -> int:
                async with sem:
                    return await one(client, p)
            started = time.perf_counter()
            counts = await asyncio.gather(*(gated(p) for p in prompts))
            return sum(counts), time.perf_counter() - started

    tokens, elapsed = asyncio.run(run())
    return {"requests": len(prompts), "concurrency": concurrency, "tokens": tokens,
            "seconds": round(elapsed, 2), "tokens_per_s": round(tokens / elapsed, 1)}


def model_prompt(spec: AgentSpec[Any], registry: ToolRegistry, event: Event) -> Prompt | None:
    """The model request an agent's turn for ``event`` starts with (its own ``prepare``,
    ``prompt`` and ``offered`` tools), or None when code decides the turn."""
    request = request_for(event)
    if request is None:
        return None
    state = spec.state_schema(request=request)
    update = spec.prepare(request, state, Toolbox(registry, request, spec.actor(state)))
    if update.get("final") is not None:
        return None
    state = spec.state_schema.model_validate({**dict(state), **stored(update)})
    return (convert_to_openai_messages(spec.prompt(state)),
            spec.tools(registry, spec.offered(state)))


def _captured_prompts(platform: Platform, settings: Settings,
                      batch: list[Event]) -> list[Prompt]:
    """The agents' real first model requests for ``batch`` (facts gathered by their own
    code, nothing changed in the store)."""
    specs: dict[str, AgentSpec[Any]] = {"order": OrderAgent(platform.registry, settings.agents),
                                        "support": SupportAgent(platform.registry)}
    prompts = []
    for event in batch:
        request = request_for(event)
        if request is not None and request.agent in specs:
            prompt = model_prompt(specs[request.agent], platform.registry, event)
            if prompt is not None:
                prompts.append(prompt)
    return prompts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=8, help="events per pass")
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    n, c = args.events, args.concurrency
    load_before = os.getloadavg()

    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        settings = _settings(tmp)
        store = DuckDBStore(settings.store.db_path)
        seed_store(store, settings.store, ROOT / "data")
        store.close()
        with EmbeddedBroker() as broker, open_platform(settings, with_retriever=False) as platform:
            settings.broker.bootstrap_servers = [broker.bootstrap]
            assert platform.llm_base_url is not None
            warming = platform.warm(["order", "support"])
            if warming.ident is not None:  # started: a local server
                warming.join()
            prompts = _captured_prompts(platform, settings, _events(MODEL_PATH, n, seed=101))
            server = _server_max(platform.llm_base_url, settings.llm.local_model, prompts, c,
                                 settings.llm.max_tokens)
            model = {1: _pass(platform, settings, _events(MODEL_PATH, n, seed=202), 1),
                     c: _pass(platform, settings, _events(MODEL_PATH, n, seed=303), c)}
            rules = {1: _pass(platform, settings, _events(NO_MODEL_PATH, n, seed=404), 1),
                     c: _pass(platform, settings, _events(NO_MODEL_PATH, n, seed=505), c)}

    report = {
        "model": settings.llm.local_model, "threads": settings.llm.local_threads,
        "server_parallel": settings.llm.local_parallel, "max_tokens": settings.llm.max_tokens,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "server_max": server,
        "model_path": {f"concurrency_{k}": v for k, v in model.items()},
        "no_model_path": {f"concurrency_{k}": v for k, v in rules.items()},
        "model_path_events_per_s_ratio": round(model[c]["events_per_s"]
                                               / model[1]["events_per_s"], 2),
        "draw_vs_server_max": round(model[c]["tokens_per_s"] / server["tokens_per_s"], 2),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"model {report['model']}, {report['threads']} thread(s), server parallel "
          f"{report['server_parallel']}; load average {report['load_average_before']} before, "
          f"{report['load_average_after']} after")
    print(f"{'':30}{'events/s':>10}{'p50 s':>8}{'p95 s':>8}{'model calls':>12}{'tok/s':>8}")
    for path, rows in (("model path", model), ("no-model path", rules)):
        for k, row in rows.items():
            print(f"{path + ', concurrency ' + str(k):30}{row['events_per_s']:>10.3f}"
                  f"{row['latency_p50_s']:>8.1f}{row['latency_p95_s']:>8.1f}"
                  f"{row['model_calls']:>12}{row['tokens_per_s']:>8.1f}")
    print(f"{'server maximum':30}{'':>38}{server['tokens_per_s']:>8.1f}")
    print(f"model path: events/s ratio {report['model_path_events_per_s_ratio']}x; workers "
          f"draw {report['draw_vs_server_max']}x of the server's maximum; wrote {RESULTS}")


if __name__ == "__main__":
    main()
