"""LLM benchmark: the local server against ``llama_cpp.Llama`` called directly, in one run.

For each model (0.5B, and 1.5B when its part packages are installed):
- prompt and generation tokens/s, direct and through the server (the baseline
  is the direct call: overhead ratio = server / direct, goal >= 0.95);
- latency of one tool-call decision (``tool_choice="required"``) with a
  ~1,000-token prompt, cold and with the shared prefix in the KV cache;
and for the 0.5B model the aggregate generation throughput at 1, 4 and 8
concurrent clients. Figures go to benchmarks/results/llm.json.

    python benchmarks/bench_llm.py [--models 0.5b,1.5b] [--gen-tokens 32]

Timings on a shared machine vary: each figure is the best of a few
alternating runs, and nothing here is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agents.config import LLMSettings  # noqa: E402
from agents.llm import MODELS, LocalServer, ModelAssemblyError, assemble  # noqa: E402
from agents.llm.models import find_parts  # noqa: E402

SHORT = {"0.5b": "qwen2.5-coder-0.5b-instruct", "1.5b": "qwen2.5-coder-1.5b-instruct"}
CONTEXT = 2048
FILLER = ("Order {i} was placed by customer C-{i} for three items from warehouse W-{w}; "
          "it ships by ground and the customer asked about delivery times. ")
POLICY = ("You are the support agent of an online shop. Policy: refunds above 500 need "
          "approval; never reveal another customer's orders; be brief and polite. "
          "Reference data follows.\n" + "".join(FILLER.format(i=i, w=i % 7) for i in range(28)))
TOOLS = [
    {"type": "function", "function": {
        "name": "get_order", "description": "Look up an order by its id.",
        "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}},
                       "required": ["order_id"]}}},
    {"type": "function", "function": {
        "name": "respond", "description": "Give the final answer to the customer.",
        "parameters": {"type": "object", "properties": {"message": {"type": "string"}},
                       "required": ["message"]}}},
]


def story_messages(n_filler: int = 6) -> list[dict[str, str]]:
    # A nonce up front defeats the prefix cache: every run evaluates the whole prompt.
    system = f"[{uuid.uuid4().hex}] You are a storyteller. " + "".join(
        FILLER.format(i=i, w=i) for i in range(n_filler))
    return [{"role": "system", "content": system},
            {"role": "user", "content": "Tell a long story about the warehouse workers."}]


def proc_cpu_s(pid: int | None = None) -> float:
    """CPU seconds (user + system, all threads) of this process or of ``pid``."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Clock:
    """Wall and CPU time at the start, the first token and the last token.

    On a shared machine wall-clock rates follow the neighbours' load; rates per
    CPU-second of the process doing the work (the bench itself, or the server)
    compare the two paths more fairly, so both are reported.
    """

    def __init__(self, pid: int | None = None) -> None:
        self.pid = pid
        self.t0, self.c0 = time.perf_counter(), proc_cpu_s(pid)
        self.first = self.last = self.c_first = self.c_last = 0.0
        self.n = 0

    def token(self) -> None:
        now, cpu = time.perf_counter(), proc_cpu_s(self.pid)
        if not self.n:
            self.first, self.c_first = now, cpu
        self.last, self.c_last = now, cpu
        self.n += 1

    def rates(self, prompt_tokens: int) -> dict[str, float]:
        ttft, cpu_prompt = self.first - self.t0, self.c_first - self.c0
        gen_wall, gen_cpu = self.last - self.first, self.c_last - self.c_first
        n = self.n
        return {"prompt_tokens": prompt_tokens, "ttft_s": round(ttft, 3),
                "prompt_tok_s": _per(prompt_tokens, ttft), "gen_tokens": n,
                "gen_tok_s": _per(n - 1, gen_wall),
                "prompt_tok_per_cpu_s": _per(prompt_tokens, cpu_prompt),
                "gen_tok_per_cpu_s": _per(n - 1, gen_cpu)}


def _per(n: float, seconds: float) -> float:
    return round(n / seconds, 1) if n > 0 and seconds > 0 else 0.0


def direct_run(llama: Any, tokens: list[int], gen_tokens: int) -> dict[str, float]:
    clock = Clock()
    for chunk in llama.create_completion(tokens, max_tokens=gen_tokens, temperature=0.0,
                                         stream=True, stop=["<|im_end|>"]):
        if chunk["choices"][0]["text"]:
            clock.token()
    return clock.rates(len(tokens))


def server_run(base_url: str, pid: int | None, model: str, messages: list[dict[str, str]],
               gen_tokens: int) -> dict[str, float]:
    body = {"model": model, "messages": messages, "max_tokens": gen_tokens, "stream": True,
            "temperature": 0.0, "stream_options": {"include_usage": True}}
    clock = Clock(pid)
    prompt_tokens = 0
    with httpx.stream("POST", f"{base_url}/chat/completions", json=body, timeout=600) as r:
        r.raise_for_status()
        for line in r.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            if chunk.get("usage"):
                prompt_tokens = chunk["usage"]["prompt_tokens"]
            if chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
                clock.token()
    return clock.rates(prompt_tokens)


RATES = ("prompt_tok_s", "gen_tok_s", "prompt_tok_per_cpu_s", "gen_tok_per_cpu_s")


def best(runs: list[dict[str, float]]) -> dict[str, float]:
    return {"prompt_tokens": runs[0]["prompt_tokens"],
            **{k: max(r[k] for r in runs) for k in RATES}}


def tool_decision(base_url: str, model: str, system: str, question: str) -> dict[str, Any]:
    body = {"model": model, "max_tokens": 48, "temperature": 0.0, "tools": TOOLS,
            "tool_choice": "required",
            "messages": [{"role": "system", "content": system},
                         {"role": "user", "content": question}]}
    t0 = time.perf_counter()
    r = httpx.post(f"{base_url}/chat/completions", json=body, timeout=600)
    r.raise_for_status()
    data = r.json()
    usage = data["usage"]
    return {"latency_s": round(time.perf_counter() - t0, 3),
            "prompt_tokens": usage["prompt_tokens"],
            "cached_tokens": usage.get("prompt_tokens_details", {}).get("cached_tokens", 0),
            "tool": data["choices"][0]["message"]["tool_calls"][0]["function"]["name"]}


async def _concurrent(base_url: str, model: str, clients: int, gen_tokens: int) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=900) as c:
        async def one(i: int) -> int:
            r = await c.post(f"{base_url}/chat/completions", json={
                "model": model, "max_tokens": gen_tokens, "temperature": 0.0,
                "messages": story_messages(2)})
            r.raise_for_status()
            return int(r.json()["usage"]["completion_tokens"])

        t0 = time.perf_counter()
        tokens = await asyncio.gather(*(one(i) for i in range(clients)))
        dt = time.perf_counter() - t0
    return {"clients": clients, "requests": clients, "completion_tokens": sum(tokens),
            "wall_s": round(dt, 2), "aggregate_gen_tok_s": round(sum(tokens) / dt, 1)}


def bench_model(name: str, gen_tokens: int, repeats: int, concurrency: list[int],
                threads: int) -> dict[str, Any]:
    from llama_cpp import Llama

    from agents.llm._prompt import PromptRenderer
    from agents.llm.protocol import ChatMessage

    path = assemble(name, ROOT / "var" / "models")
    llama = Llama(str(path), n_ctx=CONTEXT, n_threads=threads, n_threads_batch=threads,
                  verbose=False)
    # The server's own rendering, so both sides evaluate the same prompt.
    renderer = PromptRenderer(llama.metadata.get("tokenizer.chat_template"),
                              eos_token="<|im_end|>", bos_token="<|endoftext|>")

    def tokens_of(messages: list[dict[str, str]]) -> list[int]:
        prompt = renderer.render([ChatMessage.model_validate(m) for m in messages], None)
        return list(llama.tokenize(prompt.encode(), add_bos=False, special=True))

    settings = LLMSettings(local_model=name, local_context=CONTEXT,  # type: ignore[arg-type]
                           local_threads=threads)
    direct, served = [], []
    server = LocalServer(settings)
    with server as base_url:
        for _ in range(repeats):  # alternate, so load spikes hit both sides
            direct.append(direct_run(llama, tokens_of(story_messages()), gen_tokens))
            served.append(server_run(base_url, server.pid, name, story_messages(), gen_tokens))
        llama.close()  # free its memory before the server-only parts
        nonce = f"[{uuid.uuid4().hex}] "
        cold = tool_decision(base_url, name, nonce + POLICY, "Where is my order A-1001?")
        warm = tool_decision(base_url, name, nonce + POLICY, "Has order A-2002 shipped yet?")
        conc = [asyncio.run(_concurrent(base_url, name, n, gen_tokens)) for n in concurrency]
    d, s = best(direct), best(served)
    result: dict[str, Any] = {
        "direct": d, "server": s,
        "overhead_ratio": {k: round(s[k] / d[k], 3) if d[k] else None for k in RATES},
        "runs": {"direct": direct, "server": served},
        "tool_call_1k_prompt": {"cold": cold, "prefix_cached": warm,
                                "speedup": round(cold["latency_s"] / warm["latency_s"], 2)},
    }
    if conc:
        result["concurrency"] = conc
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default="0.5b,1.5b")
    p.add_argument("--gen-tokens", type=int, default=32)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "llm.json"))
    args = p.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "load_avg_at_start": os.getloadavg()},
        "settings": {"threads": args.threads, "context": CONTEXT, "gen_tokens": args.gen_tokens,
                     "repeats": args.repeats, "local_parallel": 1},
        "models": {}, "skipped": {}}
    for short in args.models.split(","):
        name = SHORT.get(short.strip(), short.strip())
        try:
            find_parts(MODELS[name])
        except ModelAssemblyError as exc:
            results["skipped"][name] = str(exc)
            print(f"skip {name}: {exc}")
            continue
        print(f"benchmarking {name} ...", flush=True)
        conc = [1, 4, 8] if name == SHORT["0.5b"] else []
        r = bench_model(name, args.gen_tokens, args.repeats, conc, args.threads)
        results["models"][name] = r
        _print(name, r)
    results["machine"]["load_avg_at_end"] = os.getloadavg()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")


def _print(name: str, r: dict[str, Any]) -> None:
    d, s, o = r["direct"], r["server"], r["overhead_ratio"]
    print(f"  {'':24}{'direct (baseline)':>20}{'server':>12}{'ratio':>8}")
    for key in RATES:
        print(f"  {key:24}{d[key]:>20}{s[key]:>12}{o[key]!s:>8}")
    t = r["tool_call_1k_prompt"]
    print(f"  tool call, {t['cold']['prompt_tokens']}-token prompt: cold {t['cold']['latency_s']}s"
          f", prefix cached ({t['prefix_cached']['cached_tokens']} tokens) "
          f"{t['prefix_cached']['latency_s']}s (x{t['speedup']})")
    for c in r.get("concurrency", []):
        print(f"  {c['clients']} concurrent clients: {c['aggregate_gen_tok_s']} tok/s aggregate "
              f"({c['completion_tokens']} tokens in {c['wall_s']}s)")


if __name__ == "__main__":
    main()
