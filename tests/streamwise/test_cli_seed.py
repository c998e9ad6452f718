"""``streamwise seed``: seeds once, is safe to run again, --force rebuilds the same tables."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from streamwise.cli import app
from tools import DuckDBStore
from tools.seed import table_checksums


def test_seed_command_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "cli.duckdb"
    monkeypatch.setenv("STREAMWISE_STORE__DB_PATH", str(db))
    runner = CliRunner()
    first = runner.invoke(app, ["seed"])
    assert first.exit_code == 0, first.output
    assert "sales_history" in first.output and "seeded in" in first.output
    s = DuckDBStore(db, read_only=True)
    with s.cursor() as c:
        before = table_checksums(c)
    s.close()
    second = runner.invoke(app, ["seed"])
    assert second.exit_code == 0 and "nothing changed" in second.output
    forced = runner.invoke(app, ["seed", "--force"])
    assert forced.exit_code == 0 and "seeded in" in forced.output
    s = DuckDBStore(db, read_only=True)
    with s.cursor() as c:
        assert table_checksums(c) == before
        assert c.execute("SELECT value FROM seed_meta WHERE key = 'seed'").fetchone() == ("7",)
    s.close()
    other = runner.invoke(app, ["seed", "--seed", "11"])
    assert other.exit_code == 0 and "seed 11" in other.output
