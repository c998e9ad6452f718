"""``LocalServer``: the local model server as a child process on a free loopback port.

The child is tied to its parent with ``PR_SET_PDEATHSIG`` (it dies even if
the parent is SIGKILLed) and put in its own process group so Ctrl-C in a
terminal reaches only the parent, which then stops it.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import httpx

from ..config import LLMSettings
from .errors import LocalServerError
from .models import assemble

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
# Relative model paths are taken from the project root, like every var/ path.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_or_free(port: int | None) -> int:
    """``port`` if it can be bound on 127.0.0.1 now, else a free one (logged)."""
    if port:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind(("127.0.0.1", port))
            return port
        except OSError as exc:
            log.warning("llm.local_port %d is not usable (%s): the model server takes a free "
                        "port, so its /metrics is not where Prometheus looks", port, exc)
    return free_port()


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    os.setpgid(0, 0)


def models_dir(settings: LLMSettings) -> Path:
    p = Path(settings.models_dir)
    return p if p.is_absolute() else PROJECT_ROOT / p


class LocalServer:
    """Runs ``python -m agents.llm.server`` for ``settings.local_model``.

    ``with LocalServer(settings) as base_url:`` yields ``http://127.0.0.1:<port>/v1``;
    the served model name is ``settings.local_model``.
    """

    def __init__(self, settings: LLMSettings | None = None, *, port: int | None = None,
                 startup_timeout_s: float = 120.0, log_path: Path | None = None) -> None:
        self.settings = settings or LLMSettings()
        self.port = port or port_or_free(self.settings.local_port)
        self.startup_timeout_s = startup_timeout_s
        self.log_path = log_path
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: object | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def model(self) -> str:
        return self.settings.local_model

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> str:
        if self._proc is not None:
            return self.base_url
        s = self.settings
        # Assemble (with progress) here, where errors surface, not in the child.
        directory = models_dir(s)
        assemble(s.local_model, directory, quiet=not sys.stderr.isatty())
        cmd = [sys.executable, "-m", "agents.llm.server", "--model", s.local_model,
               "--models-dir", str(directory), "--port", str(self.port),
               "--threads", str(s.local_threads), "--context", str(s.local_context),
               "--parallel", str(s.local_parallel), "--queue", str(s.local_queue),
               "--cache-mb", str(s.local_cache_mb)]
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self._log = out if self.log_path else None
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
        self._proc = subprocess.Popen(cmd, stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                                      preexec_fn=_die_with_parent, env=env)
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self.base_url

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        last: Exception | None = None
        url = f"http://127.0.0.1:{self.port}/health"
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise LocalServerError(
                    f"the local LLM server exited with code {self._proc.returncode} during "
                    f"start-up (port {self.port}); pass log_path to see its output")
            try:
                answer = httpx.get(url, timeout=1.0)
                if answer.status_code == 200:
                    if answer.json().get("pid") == self._proc.pid:
                        return
                    # Another process took the port between our check and the child's bind.
                    raise LocalServerError(
                        f"port {self.port} is served by another process, not the local LLM "
                        f"server started here (pid {self._proc.pid}); set llm.local_port to a "
                        "free port or leave it empty")
            except (httpx.HTTPError, ValueError) as exc:
                last = exc
            time.sleep(0.2)
        raise LocalServerError(f"the local LLM server did not get healthy on port {self.port} "
                               f"within {self.startup_timeout_s:.0f}s: {last}")

    def stop(self, timeout_s: float = 10.0) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
            try:
                proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._log is not None:
            self._log.close()  # type: ignore[attr-defined]
            self._log = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


@contextlib.contextmanager
def llm_endpoint(settings: LLMSettings) -> Iterator[LLMSettings]:
    """Settings pointing at a live endpoint: ``settings`` itself when it has a
    ``base_url``, else a ``LocalServer`` started for the duration (model set to
    the local model's name)."""
    if settings.base_url:
        yield settings
        return
    with LocalServer(settings) as url:
        yield settings.model_copy(update={"base_url": url, "model": settings.local_model})
