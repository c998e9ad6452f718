"""Backtest error of the forecast method the tools choose, beside a weekly seasonal-naive baseline.

    .venv/bin/python -m benchmarks.bench_forecast [--sample 120 | --sample 0 (all)] [--seed 7]

Seeds an in-memory store, then for a seeded sample of variants (or all) holds
out the last 28 days of its daily sales: the chosen method (Croston/SBA when
ADI > 1.32, Holt-Winters otherwise), the other method (ablation of the choice) and
the seasonal-naive baseline are fitted on the rest and scored by MASE (mean over
items, and median) and WAPE (pooled over items). Prints a table and writes
benchmarks/results/forecast.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from tools import DuckDBStore, Store, ToolSettings
from tools import _forecast as f
from tools._seedgen import HISTORY_DAYS
from tools.seed import seed_store

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "forecast.json"
HOLDOUT = 28


def _series(store: Store) -> dict[str, np.ndarray]:
    with store.cursor() as c:
        items = [r[0] for r in c.execute("SELECT item_id FROM variants ORDER BY 1").fetchall()]
        start = c.execute("SELECT CAST(value AS DATE) FROM seed_meta WHERE key = 'as_of'"
                          ).fetchone()[0]  # type: ignore[index]
        rows = c.execute("SELECT item_id, day, sum(quantity) FROM sales_history GROUP BY 1, 2"
                         ).fetchall()
    out = {i: np.zeros(HISTORY_DAYS) for i in items}
    for item, day, qty in rows:
        out[item][HISTORY_DAYS - (start - day).days] = qty
    return out


def _summary(scores: list[f.Backtest], seconds: float) -> dict[str, Any]:
    mases = [s.mase for s in scores if s.mase is not None]
    err = sum(float(np.abs(s.actual - s.forecast).sum()) for s in scores)
    actual = sum(float(s.actual.sum()) for s in scores)
    return {"items": len(scores), "mase_mean": round(float(np.mean(mases)), 4) if mases else None,
            "mase_median": round(float(np.median(mases)), 4) if mases else None,
            "wape_pooled": round(err / actual, 4) if actual else None,
            "fit_seconds": round(seconds, 2)}


def run(sample: int | None, seed: int) -> dict[str, Any]:
    store = DuckDBStore()
    seed_store(store, ToolSettings(seed=seed), ROOT / "data")
    series = _series(store)
    store.close()
    items = sorted(series)
    if sample and sample < len(items):
        items = sorted(np.random.default_rng(seed).choice(items, sample, replace=False).tolist())
    # (intermittent?, [chosen, other, naive] backtests, their fit seconds)
    scored: list[tuple[bool, list[f.Backtest], list[float]]] = []
    for item in items:
        y = series[item]
        method = f.select_method(y)
        alt: f.Method = "holt_winters" if method == "croston_sba" else "croston_sba"
        backtests: list[f.Backtest] = []
        times: list[float] = []
        for m in (method, alt, "seasonal_naive"):
            t0 = time.perf_counter()
            backtests.append(f.backtest(y, m, HOLDOUT))
            times.append(time.perf_counter() - t0)
        scored.append((method == "croston_sba", backtests, times))
    results: dict[str, Any] = {}
    for segment in ("intermittent", "smooth", "all"):
        rows = [r for r in scored if segment == "all" or r[0] == (segment == "intermittent")]
        wins = sum(int(np.abs(b[0].actual - b[0].forecast).sum()
                       <= np.abs(b[2].actual - b[2].forecast).sum()) for _, b, _ in rows)
        results[segment] = {
            key: _summary([r[1][k] for r in rows], sum(r[2][k] for r in rows))
            for k, key in enumerate(("chosen_method", "other_method", "seasonal_naive"))
        }
        results[segment]["chosen_beats_naive_share"] = round(wins / len(rows), 4) if rows else None
    return {"benchmark": "forecast", "seed": seed, "holdout_days": HOLDOUT,
            "history_days": HISTORY_DAYS, "variants": len(items),
            "machine": {"python": platform.python_version(), "cpu": platform.processor() or
                        platform.machine()}, "results": results}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=120,
                    help="variants to score, a seeded sample (0: all 591, a few minutes)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    out = run(args.sample, args.seed)
    table = Table(title=f"forecast backtest, last {HOLDOUT} days, {out['variants']} variants")
    for col in ("segment", "method", "items", "MASE mean", "MASE median", "WAPE", "fit s"):
        table.add_column(col, justify="left" if col in ("segment", "method") else "right")
    for segment, res in out["results"].items():
        for label, key in (("chosen", "chosen_method"), ("other (ablation)", "other_method"),
                           ("seasonal naive", "seasonal_naive")):
            s = res[key]
            table.add_row(segment, label, str(s["items"]), str(s["mase_mean"]),
                          str(s["mase_median"]), str(s["wape_pooled"]), str(s["fit_seconds"]))
    console = Console()
    console.print(table)
    for segment, res in out["results"].items():
        console.print(f"{segment}: chosen method at least as good as seasonal naive (abs error) "
                      f"on {res['chosen_beats_naive_share']:.0%} of items")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    console.print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
