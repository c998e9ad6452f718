"""Prometheus metrics of the HTTP API (its own registry, served at ``/metrics``)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class ApiMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.requests = Counter("streamwise_api_requests", "HTTP requests answered",
                                ["method", "route", "status"], registry=r)
        self.latency = Histogram("streamwise_api_request_seconds",
                                 "Time to the response's first byte", ["method", "route"],
                                 buckets=_BUCKETS, registry=r)
        self.turns = Counter("streamwise_api_chat_turns", "Chat turns run", ["status"],
                             registry=r)
        self.streams = Gauge("streamwise_api_open_streams", "Open server-sent event streams",
                             registry=r)
        self.decisions = Counter("streamwise_api_approval_decisions", "Approvals decided",
                                 ["decision"], registry=r)
        self.webhook_failures = Counter("streamwise_api_webhook_failures",
                                        "Replies the webhook did not accept", registry=r)
