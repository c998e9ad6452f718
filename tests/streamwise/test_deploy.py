"""deploy/: what can be checked without a container runtime. The dashboard plots metrics
the worker and the model server really export."""

from __future__ import annotations

import json
import os
import re
import shlex

import pytest
import typer
import yaml
from prometheus_client import CollectorRegistry

from agents.llm._metrics import ServerMetrics
from streams.metrics import WorkerMetrics
from streamwise.cli import app
from streamwise.settings import ROOT, load_settings

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


# ---------------------------------------------------------------- image and compose file
# No container runtime here: these check what can be checked without one.

def _compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def _cli_paths() -> set[tuple[str, ...]]:
    """Every runnable command path of the CLI, e.g. ("llm", "serve"), ("run",)."""
    out: set[tuple[str, ...]] = set()

    def walk(cmd: object, path: tuple[str, ...]) -> None:
        subs = getattr(cmd, "commands", None)
        if subs is None:
            out.add(path)
        for name, sub in (subs or {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return out


def _streamwise_invocations(service: dict) -> list[list[str]]:  # type: ignore[type-arg]
    """The streamwise argument lists a service runs (its command, or its sh -c entrypoint)."""
    entry = service.get("entrypoint")
    if entry and entry[:2] == ["sh", "-c"]:
        return [shlex.split(part.strip().removeprefix("exec "))[1:]
                for part in entry[2].split("&&")]
    return [list(service.get("command") or [])]


def _is_command(args: list[str]) -> bool:
    words = tuple(a for a in args if not a.startswith("-"))
    return any(words[:n] in _cli_paths() for n in (1, 2))


def _substitute(value: str) -> str:
    """Compose's ${VAR:?msg} / ${VAR:-default} with test values."""
    return re.sub(r"\$\{(\w+)(?::[?-]([^}]*))?\}",
                  lambda m: "test-secret" if m.group(1) == "POSTGRES_PASSWORD"
                  else os.environ.get(m.group(1)) or (m.group(2) or "x"), value)


def test_the_image_build_context_and_entrypoint_exist() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for line in dockerfile.splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), f"COPY {source}: not in the build context"
    assert re.search(r"^FROM base AS cpu$", dockerfile, re.M)
    assert re.search(r"^FROM base AS gpu$", dockerfile, re.M)
    assert 'ENTRYPOINT ["streamwise"]' in dockerfile
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))  # type: ignore[union-attr]
    assert _is_command(cmd)
    assert "llm assemble" in dockerfile and _is_command(["llm", "assemble"])
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "var", ".git"} <= set(ignored)


def test_the_compose_file_runs_real_commands_with_real_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    services = _compose()["services"]
    assert {"kafka", "postgres", "topics", "model", "worker-1", "worker-2", "prometheus",
            "vllm"} <= set(services)
    ours = {name: s for name, s in services.items() if str(s.get("image", "")).startswith("streamwise:")}
    assert set(ours) == {"topics", "seed", "model", "worker-1", "worker-2"}
    for name, service in ours.items():
        assert (DEPLOY / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
        for args in _streamwise_invocations(service):
            assert _is_command(args), f"{name}: streamwise {' '.join(args)} is not a command"
        env = {k: _substitute(str(v)) for k, v in service["environment"].items()}
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        settings = load_settings(DEPLOY / "streamwise.yaml")  # refuses unknown STREAMWISE_* keys
        assert settings.broker.bootstrap_servers == ["kafka:9092"]
        assert (settings.store.backend == settings.worker.ledger_backend
                == settings.agents.checkpoint_backend == "postgres")
        assert settings.worker.postgres_dsn is not None and settings.store.postgres_dsn is not None
        for key in env:
            monkeypatch.delenv(key)
    # What Prometheus scrapes is where the services serve their metrics.
    scrape = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())["scrape_configs"]
    targets = {t for job in scrape for c in job["static_configs"] for t in c["targets"]}
    deployed = load_settings(DEPLOY / "streamwise.yaml")
    assert {f"worker-1:{deployed.worker.metrics_port}", f"worker-2:{deployed.worker.metrics_port}",
            f"worker-1:{deployed.api.port}"} <= targets
    model_port = services["model"]["command"][services["model"]["command"].index("--port") + 1]
    assert f"model:{model_port}" in targets
    assert deployed.llm.base_url == f"http://model:{model_port}/v1"
