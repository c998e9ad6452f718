"""deploy/: what can be checked without a container runtime. The dashboard plots metrics
the worker and the model server really export."""

from __future__ import annotations

import json
import re

from prometheus_client import CollectorRegistry

from agents.llm._metrics import ServerMetrics
from streams.metrics import WorkerMetrics
from streamwise.settings import ROOT

DEPLOY = ROOT / "deploy"


def _exported(registry: CollectorRegistry) -> set[str]:
    return {sample.name for family in registry.collect() for sample in family.samples}


def test_the_dashboard_plots_exported_metrics() -> None:
    worker = WorkerMetrics()
    # Labelled metrics export samples once a label set exists.
    worker.handler_latency.labels("orders").observe(1)
    for counter in (worker.consumed, worker.handled, worker.skipped, worker.retried):
        counter.labels("orders").inc()
    worker.failed.labels("orders", "E").inc()
    worker.dead_lettered.labels("orders", "invalid").inc()
    worker.lag.labels("orders", "0").set(1)
    server = ServerMetrics()
    server.requests.labels(status="200").inc()
    exported = _exported(worker.registry) | _exported(server.registry)
    dashboard = json.loads((DEPLOY / "grafana" / "streamwise.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {m for e in exprs for m in re.findall(r"\b(?:streamwise|llm)_[a-z_]+\b", e)}
    assert used and used - exported == set()
