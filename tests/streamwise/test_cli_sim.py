"""``streamwise simulate``: new ids every run unless a seed is given."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from streamwise.cli import app


def _ids(tmp_path: Path, name: str, *args: str) -> list[str]:
    out = tmp_path / name
    result = CliRunner().invoke(app, ["simulate", "--rate", "0", "--duration", "20",
                                      "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line)["event_id"] for line in out.read_text().splitlines()]


def test_runs_get_new_ids_unless_seeded(tmp_path: Path) -> None:
    first, second = _ids(tmp_path, "a.jsonl"), _ids(tmp_path, "b.jsonl")
    assert len(set(first)) == 20 and not set(first) & set(second)
    assert _ids(tmp_path, "c.jsonl", "--seed", "3") == _ids(tmp_path, "d.jsonl", "--seed", "3")
