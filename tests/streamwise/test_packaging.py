"""The built wheel works without the checkout: configs and τ² data inside it, ``init``
writes a starter config in the working directory and every path is taken from there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from streamwise.settings import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True, timeout=300)
    (built,) = out.glob("streamwise-*.whl")
    return built


def test_the_wheel_holds_configs_data_and_package_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("streamwise/_configs/default.yaml", "streamwise/_configs/semantic.yaml",
                 "streamwise/_data/db.json", "streamwise/_data/tasks_train.json",
                 "streamwise/api/templates/base.html", "agents/analyst_examples.jsonl",
                 "retrieval/eval/queries.jsonl"):
        assert name in names, name


@pytest.mark.slow  # three CLI processes, about a minute on 2 busy cores
def test_installed_from_the_wheel_it_works_from_the_working_directory(
        wheel: Path, tmp_path: Path) -> None:
    site, home = tmp_path / "site", tmp_path / "home"
    zipfile.ZipFile(wheel).extractall(site)  # what `pip install --no-deps` puts in site-packages
    home.mkdir()
    # Only the wheel's files on the path for streamwise (its dependencies from this venv).
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMWISE_")}
    env["PYTHONPATH"] = str(site)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", "from streamwise.cli import app; app()", *args],
                              cwd=home, env=env, capture_output=True, text=True, timeout=300)

    done = cli("init")
    assert done.returncode == 0, done.stderr
    assert (home / "streamwise.yaml").is_file()
    shown = cli("config")
    assert shown.returncode == 0, shown.stderr
    settings = json.loads(shown.stdout)
    assert settings["store"]["db_path"] == str(home / "var" / "streamwise.duckdb")
    assert settings["data_dir"] == str(site / "streamwise" / "_data")  # the wheel's code and data
    simulated = cli("simulate", "--rate", "0", "--duration", "5", "--out", "events.jsonl")
    assert simulated.returncode == 0, simulated.stderr
    assert len((home / "events.jsonl").read_text().splitlines()) == 5
