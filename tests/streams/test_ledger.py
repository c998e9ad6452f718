"""The SQLite ledger: WAL, shared by processes, idempotent marks."""

import multiprocessing as mp
import sqlite3
from pathlib import Path

from streams.ledger import Ledger, SqliteLedger


def test_mark_and_lookup(tmp_path: Path) -> None:
    led = SqliteLedger(tmp_path / "l.sqlite")
    assert isinstance(led, Ledger)
    assert not led.is_done("e1")
    led.mark_done("e1", "t/0/1")
    led.mark_done_many([("e1", "again"), ("e2", "t/0/2")])
    assert led.is_done("e1") and led.is_done("e2")
    assert led.done_among(["e1", "e3", "e2"] + [f"x{i}" for i in range(1200)]) == {"e1", "e2"}
    assert led.count() == 2
    led.close()
    mode = sqlite3.connect(tmp_path / "l.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def _writer(path: str, start: int) -> None:
    led = SqliteLedger(path)
    for i in range(start, start + 200, 10):
        led.mark_done_many([(f"e{j}", "w") for j in range(i, i + 10)])
    led.close()


def test_two_processes_share_one_file(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.sqlite")
    SqliteLedger(path).close()
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, s)) for s in (0, 100)]  # overlapping ids
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    led = SqliteLedger(path)
    assert led.count() == 300
    assert led.done_among([f"e{i}" for i in range(300)]) == {f"e{i}" for i in range(300)}
