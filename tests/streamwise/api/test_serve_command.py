"""``streamwise serve`` as a process: it starts its embedded broker, serves, reports what is
reachable, and stops on SIGTERM. The model server is pointed at a closed port (no model
is started), so readiness must say the model is unreachable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from streams.broker import free_port
from streamwise.settings import ROOT

pytestmark = pytest.mark.slow


def test_serve_runs_until_sigterm(tmp_path: Path) -> None:
    port, closed = free_port(), free_port()
    env = {**os.environ, "STREAMWISE_API_TOKENS": "operator=op-serve-token",
           "STREAMWISE_LLM__BASE_URL": f"http://127.0.0.1:{closed}/v1",
           "STREAMWISE_STORE__DB_PATH": str(tmp_path / "store.duckdb"),
           "STREAMWISE_AGENTS__CHECKPOINT_PATH": str(tmp_path / "ck.sqlite"),
           "STREAMWISE_API__SESSIONS_PATH": str(tmp_path / "chat.sqlite")}
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "streamwise.cli", "serve", "--port",
                                str(port)], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:  # until it answers (or died, or never will)
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "serve did not answer"
            time.sleep(0.5)
        ready = httpx.get(f"{url}/readyz", timeout=30)
        checks = ready.json()["checks"]
        assert ready.status_code == 503 and checks["model"]["ok"] is False
        assert checks["broker"]["ok"] is True and checks["store"]["ok"] is True
        assert httpx.get(f"{url}/v1/approvals", timeout=10).status_code == 401
        assert httpx.get(f"{url}/v1/approvals", timeout=10, headers={
            "Authorization": "Bearer op-serve-token"}).json() == []
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
    assert "op-serve-token" not in (tmp_path / "serve.log").read_text()
