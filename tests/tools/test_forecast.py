"""Forecasting maths on synthetic series whose right answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from tools import _forecast as f


def _seasonal(n: int = 182, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    week = np.array([10, 8, 9, 12, 16, 24, 20], dtype=float)
    return rng.poisson(np.tile(week, n // 7 + 1)[:n] * np.linspace(1.0, 1.2, n)).astype(float)


def _intermittent(n: int = 182, seed: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.random(n) < 0.2) * rng.integers(1, 6, size=n).astype(float)


def test_adi_and_cv2_by_hand() -> None:
    adi, cv2 = f.adi_cv2([0, 2, 0, 0, 4, 0])
    assert adi == pytest.approx(3.0)
    assert cv2 == pytest.approx(np.var([2, 4]) / 9)
    assert f.adi_cv2([0, 0, 0])[0] == float("inf")


def test_method_selection_follows_the_data() -> None:
    assert f.select_method(_intermittent()) == "croston_sba"
    assert f.select_method(_seasonal()) == "holt_winters"
    assert f.select_method([3.0] * 10) == "seasonal_naive"  # too short for Holt-Winters


def test_croston_sba_rate_on_a_regular_pattern() -> None:
    y = np.tile([8.0, 0, 0, 0], 40)  # 8 units every 4th day: 2 units/day
    rate = f.croston_sba(y, 5)
    assert rate.shape == (5,)
    assert np.allclose(rate, rate[0])
    assert rate[0] == pytest.approx((1 - 0.05) * 8 / 4, rel=0.02)  # SBA deflates by 1 - alpha/2
    assert np.all(f.croston_sba(np.zeros(30), 3) == 0)


def test_holt_winters_recovers_weekly_shape() -> None:
    y = _seasonal()
    fc = f.holt_winters(y, 14)
    assert fc.shape == (14,)
    assert np.all(fc >= 0)
    # The weekend peak carries over: Saturday's forecast (same weekday as y[-2]) beats Tuesday's.
    sat = [h for h in range(7) if (y.size + h) % 7 == (y.size - 2) % 7][0]
    assert fc[sat] > fc[(sat + 3) % 7]


def test_holt_winters_beats_seasonal_naive_on_noisy_seasonal_series() -> None:
    y = _seasonal(seed=5)
    hw = f.backtest(y, "holt_winters")
    naive = f.backtest(y, "seasonal_naive")
    assert hw.mase is not None and naive.mase is not None
    assert hw.mase < naive.mase
    assert hw.actual.size == 28


def test_error_measures_by_hand() -> None:
    assert f.wape([2, 2], [1, 3]) == pytest.approx(0.5)
    assert f.wape([0, 0], [1, 1]) is None
    ins = np.array([1, 2, 3, 4, 5, 6, 7, 3, 4, 5, 6, 7, 8, 9], dtype=float)  # seasonal diffs all 2
    assert f.mase([10, 10], [9, 12], ins) == pytest.approx(1.5 / 2)


def test_forecast_reports_method_backtest_and_noise() -> None:
    res = f.forecast(_intermittent(), 10)
    assert res.method == "croston_sba"
    assert res.values.shape == (10,)
    assert res.backtest is not None and res.backtest.wape is not None
    assert res.residual_std > 0


def test_bad_series_are_rejected() -> None:
    with pytest.raises(ValueError):
        f.adi_cv2([1, -1])
    with pytest.raises(ValueError):
        f.backtest([1.0] * 20, "croston_sba")
