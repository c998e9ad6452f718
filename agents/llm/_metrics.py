"""Prometheus metrics of the local model server (one registry per app)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class ServerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("llm_requests", "Chat completion requests by outcome",
                                ["status"], registry=r)
        self.prompt_tokens = Counter("llm_prompt_tokens", "Prompt tokens processed", registry=r)
        self.cached_tokens = Counter("llm_prompt_cached_tokens",
                                     "Prompt tokens served from the KV cache", registry=r)
        self.completion_tokens = Counter("llm_completion_tokens", "Tokens generated",
                                         registry=r)
        self.latency = Histogram("llm_request_seconds", "Request latency, queue included",
                                 buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 80, 160),
                                 registry=r)
        self.queue_wait = Histogram("llm_queue_wait_seconds", "Time waiting for the model",
                                    buckets=(0.01, 0.1, 0.5, 1, 2, 5, 10, 20, 40, 80),
                                    registry=r)
        self.waiting = Gauge("llm_requests_waiting", "Requests waiting for the model",
                             registry=r)
        self.running = Gauge("llm_requests_running", "Requests being generated", registry=r)
