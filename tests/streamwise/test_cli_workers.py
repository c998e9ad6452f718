import os
import subprocess
import sys

from streamwise.settings import ROOT


def test_several_workers_on_the_duckdb_store_are_refused_in_one_line(tmp_path):
    env = {**os.environ, "STREAMWISE_STORE__DB_PATH": str(tmp_path / "s.duckdb")}
    shown = subprocess.run([sys.executable, "-m", "streamwise.cli", "run", "--workers", "2"],
                           capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert shown.returncode == 1
    assert shown.stderr.startswith("error: --workers needs store.backend: postgres")
    assert len(shown.stderr.splitlines()) == 1 and "Traceback" not in shown.stderr


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serves(port: int) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def test_run_with_workers_gives_each_its_metrics_port_and_the_index_to_one(
        tmp_path, postgres_dsn):
    """``run --workers 2`` on PostgreSQL: the second process serves its metrics on the next
    port (not a failed bind on the first's), and only the catalog worker opens the
    retrieval index (a DuckDB file one process holds)."""
    import signal
    import time

    port = _free_port()
    env = {**os.environ, "STREAMWISE_STORE__BACKEND": "postgres",
           "STREAMWISE_STORE__POSTGRES_DSN": postgres_dsn,
           "STREAMWISE_LLM__BASE_URL": "http://127.0.0.1:9/v1",  # no model is asked
           "STREAMWISE_WORKER__METRICS_PORT": str(port),
           "STREAMWISE_WORKER__LEDGER_PATH": str(tmp_path / "ledger.sqlite"),
           "STREAMWISE_AGENTS__CHECKPOINT_PATH": str(tmp_path / "checkpoints.sqlite"),
           "STREAMWISE_RETRIEVAL__INDEX_DIR": str(tmp_path / "index")}
    log = tmp_path / "run.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamwise.cli", "run", "--workers", "2",
             "--topics", "orders,catalog", "--quiet"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline and proc.poll() is None:
                if _serves(port) and _serves(port + 1):
                    break
                time.sleep(1)
            both = _serves(port) and _serves(port + 1)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(90)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    shown = log.read_text(errors="replace")
    assert both, shown[-3000:]
    assert "metrics not served" not in shown and "Conflicting lock" not in shown, shown[-3000:]
    assert proc.returncode == 0, shown[-3000:]
