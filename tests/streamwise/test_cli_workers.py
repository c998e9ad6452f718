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
