"""Prometheus metrics of the consumer runtime (one registry per worker)."""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

log = logging.getLogger(__name__)

_LATENCY_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class WorkerMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.consumed = Counter("streamwise_records_consumed", "Records fetched",
                                ["topic"], registry=r)
        self.handled = Counter("streamwise_records_handled", "Records handled, outputs acked",
                               ["topic"], registry=r)
        self.skipped = Counter("streamwise_records_skipped",
                               "Redelivered records skipped: event already done", ["topic"],
                               registry=r)
        self.failed = Counter("streamwise_handler_failures", "Handler attempts that raised",
                              ["topic", "error"], registry=r)
        self.retried = Counter("streamwise_handler_retries", "Handler attempts retried",
                               ["topic"], registry=r)
        self.dead_lettered = Counter("streamwise_records_dead_lettered",
                                     "Records sent to the dead-letter topic",
                                     ["topic", "reason"], registry=r)
        self.in_flight = Gauge("streamwise_in_flight", "Records being handled", registry=r)
        self.buffered = Gauge("streamwise_buffered", "Records fetched, waiting for a slot",
                              registry=r)
        self.paused_partitions = Gauge("streamwise_paused_partitions",
                                       "Partitions paused for backpressure", registry=r)
        self.handler_latency = Histogram("streamwise_handler_seconds", "Handler duration",
                                         ["topic"], buckets=_LATENCY_BUCKETS, registry=r)
        self.commit_latency = Histogram("streamwise_commit_seconds", "Offset commit duration",
                                        buckets=_LATENCY_BUCKETS, registry=r)
        self.lag = Gauge("streamwise_consumer_lag", "High watermark minus position",
                         ["topic", "partition"], registry=r)

    def serve(self, port: int, addr: str = "127.0.0.1") -> bool:
        """Serve /metrics; a port in use (another worker on this machine) is logged, not fatal:
        the worker's job is the stream, and ``worker.metrics_port`` can be set per process."""
        try:
            start_http_server(port, addr=addr, registry=self.registry)
        except OSError as exc:
            log.warning("metrics not served: port %d: %s (set worker.metrics_port)", port, exc)
            return False
        return True

    def value(self, name: str, **labels: str) -> float:
        """A sample's current value (0 if absent): for tests and the benchmark."""
        got = self.registry.get_sample_value(name, labels or None)
        return float(got) if got is not None else 0.0
