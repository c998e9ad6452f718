import os
import subprocess
import sys

import pytest
from langgraph.checkpoint.base import empty_checkpoint

from agents.checkpoint import sqlite_checkpointer
from agents.trace import TraceRun, TraceStep, TraceStore
from streamwise.settings import ROOT
from tools import DuckDBStore


def test_trace_command_reads_a_run_from_the_store(tmp_path):
    db = tmp_path / "store.duckdb"
    store = DuckDBStore(db)
    TraceStore(store).write(TraceRun(
        event_id="evt-1", agent="order", thread_id="order:evt-1", kind="order_placed",
        status="done", decision="confirm", message="All lines ship from one warehouse.",
        model_calls=1, input_tokens=300, output_tokens=40,
        steps=[TraceStep(step=0, kind="tool", name="plan_fulfilment", arguments={"lines": []}),
               TraceStep(step=1, kind="model", name="qwen", input_tokens=300, output_tokens=40)]))
    store.close()
    env = {**os.environ, "STREAMWISE_STORE__DB_PATH": str(db), "COLUMNS": "200"}
    shown = subprocess.run([sys.executable, "-m", "streamwise.cli", "trace", "evt-1"],
                           capture_output=True, text=True, cwd=ROOT, env=env)
    assert shown.returncode == 0, shown.stderr
    assert "plan_fulfilment" in shown.stdout and "confirm" in shown.stdout
    missing = subprocess.run([sys.executable, "-m", "streamwise.cli", "trace", "nope"],
                             capture_output=True, text=True, cwd=ROOT, env=env)
    assert missing.returncode == 1 and missing.stderr.startswith("error: no trace for 'nope'")
    assert "Traceback" not in missing.stderr


@pytest.mark.parametrize("command", [["trace", "evt-1"], ["approve", "ticket:T1"],
                                     ["ask", "How many orders are pending?"]])
def test_store_commands_while_a_worker_holds_the_duckdb_store_say_why_in_one_line(
        tmp_path, command):
    """DuckDB gives no other process a view of a file open for writing: ``trace``,
    ``approve`` and ``ask`` stop with one clear line (before any model is started)."""
    db = tmp_path / "store.duckdb"
    DuckDBStore(db).close()
    checkpoints = tmp_path / "checkpoints.sqlite"
    saver = sqlite_checkpointer(checkpoints)  # approve checks that the thread exists first
    saver.put({"configurable": {"thread_id": "ticket:T1", "checkpoint_ns": ""}},
              empty_checkpoint(), {}, {})
    saver.conn.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, duckdb; c = duckdb.connect(sys.argv[1]); "
         "print('ready', flush=True); sys.stdin.read()", str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        env = {**os.environ, "STREAMWISE_STORE__DB_PATH": str(db), "COLUMNS": "300",
               "STREAMWISE_AGENTS__CHECKPOINT_PATH": str(checkpoints),
               # Nothing listens there: a command that got past the store would fail on it.
               "STREAMWISE_LLM__BASE_URL": "http://127.0.0.1:9/v1"}
        shown = subprocess.run([sys.executable, "-m", "streamwise.cli", *command],
                               capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    finally:
        holder.kill()
        holder.wait()
    assert shown.returncode == 1 and shown.stderr.startswith("error: ")
    assert "Traceback" not in shown.stderr and len(shown.stderr.splitlines()) == 1
    assert "one writing process" in shown.stderr
    assert "store.backend: postgres" in shown.stderr
