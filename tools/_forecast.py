"""Demand forecasting maths: pure functions over a daily demand series (numpy arrays).

Method choice follows Syntetos & Boylan: a series whose average inter-demand
interval (ADI) exceeds 1.32 periods is intermittent and gets Croston's method
with the Syntetos-Boylan bias correction (SBA); anything else gets additive
Holt-Winters with a damped trend and weekly seasonality. Errors are measured on
a hold-out of the last ``holdout`` days: MASE (scaled by the in-sample MAE of
the weekly seasonal-naive forecast, so 1.0 means "as good as last week in
sample") and WAPE (sum of absolute errors over the sum of actuals).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

Method = Literal["croston_sba", "holt_winters", "seasonal_naive"]

ADI_CUTOFF = 1.32
SEASON = 7

FloatArray = NDArray[np.float64]


def _as_series(y: ArrayLike) -> FloatArray:
    arr = np.asarray(y, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError("a demand series must be one-dimensional")
    if np.any(arr < 0) or not np.all(np.isfinite(arr)):
        raise ValueError("a demand series must be finite and non-negative")
    return arr


def adi_cv2(y: ArrayLike) -> tuple[float, float]:
    """Average inter-demand interval and squared CV of the non-zero demand sizes.

    ADI is the number of periods per non-zero demand (inf when there is none).
    """
    arr = _as_series(y)
    nz = arr[arr > 0]
    if nz.size == 0:
        return math.inf, 0.0
    adi = arr.size / nz.size
    mean = float(nz.mean())
    cv2 = float(nz.var() / (mean * mean)) if nz.size > 1 else 0.0
    return float(adi), cv2


def select_method(y: ArrayLike) -> Method:
    """Croston/SBA for intermittent series, Holt-Winters for the rest (short: seasonal naive)."""
    arr = _as_series(y)
    adi, _ = adi_cv2(arr)
    if adi > ADI_CUTOFF:
        return "croston_sba"
    if arr.size < 3 * SEASON:
        return "seasonal_naive"
    return "holt_winters"


def croston_sba(y: ArrayLike, horizon: int, alpha: float = 0.1) -> FloatArray:
    """Croston's method with the SBA correction: a flat per-period demand rate."""
    arr = _as_series(y)
    idx = np.flatnonzero(arr > 0)
    if idx.size == 0:
        return np.zeros(horizon)
    size = float(arr[idx[0]])
    interval = float(idx[0] + 1)
    periods_since = 0
    for t in range(int(idx[0]) + 1, arr.size):
        periods_since += 1
        if arr[t] > 0:
            size += alpha * (arr[t] - size)
            interval += alpha * (periods_since - interval)
            periods_since = 0
    rate = (1.0 - alpha / 2.0) * size / interval
    return np.full(horizon, rate)


def seasonal_naive(y: ArrayLike, horizon: int, season: int = SEASON) -> FloatArray:
    """Repeat the last full season (last week's same weekday)."""
    arr = _as_series(y)
    if arr.size < season:
        return np.full(horizon, float(arr.mean()) if arr.size else 0.0)
    last = arr[-season:]
    return np.array([last[h % season] for h in range(horizon)], dtype=np.float64)


def holt_winters(y: ArrayLike, horizon: int, season: int = SEASON) -> FloatArray:
    """Additive damped-trend Holt-Winters (statsmodels), clipped at zero."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    arr = _as_series(y)
    with warnings.catch_warnings():
        # Convergence chatter on short or flat series is expected and harmless here.
        warnings.simplefilter("ignore")
        model = ExponentialSmoothing(
            arr, trend="add", damped_trend=True, seasonal="add",
            seasonal_periods=season, initialization_method="estimated",
        )
        fit = model.fit()
        out = np.asarray(fit.forecast(horizon), dtype=np.float64)
    if not np.all(np.isfinite(out)):
        return seasonal_naive(arr, horizon, season)
    return np.clip(out, 0.0, None)


def predict(y: ArrayLike, horizon: int, method: Method) -> FloatArray:
    if method == "croston_sba":
        return croston_sba(y, horizon)
    if method == "holt_winters":
        return holt_winters(y, horizon)
    return seasonal_naive(y, horizon)


def wape(actual: ArrayLike, forecast: ArrayLike) -> float | None:
    a, f = np.asarray(actual, dtype=np.float64), np.asarray(forecast, dtype=np.float64)
    denom = float(np.abs(a).sum())
    return None if denom == 0 else float(np.abs(a - f).sum() / denom)


def mase(actual: ArrayLike, forecast: ArrayLike, insample: ArrayLike,
         season: int = SEASON) -> float | None:
    a, f = np.asarray(actual, dtype=np.float64), np.asarray(forecast, dtype=np.float64)
    ins = np.asarray(insample, dtype=np.float64)
    if ins.size <= season:
        return None
    scale = float(np.abs(ins[season:] - ins[:-season]).mean())
    return None if scale == 0 else float(np.abs(a - f).mean() / scale)


@dataclass(frozen=True)
class Backtest:
    method: Method
    mase: float | None
    wape: float | None
    forecast: FloatArray
    actual: FloatArray


def backtest(y: ArrayLike, method: Method, holdout: int = 28) -> Backtest:
    """Fit on all but the last ``holdout`` periods and score the forecast of them."""
    arr = _as_series(y)
    if arr.size <= holdout + SEASON:
        raise ValueError(f"need more than {holdout + SEASON} periods to backtest, got {arr.size}")
    train, test = arr[:-holdout], arr[-holdout:]
    fc = predict(train, holdout, method)
    return Backtest(method=method, mase=mase(test, fc, train), wape=wape(test, fc),
                    forecast=fc, actual=test)


@dataclass(frozen=True)
class Forecast:
    method: Method
    adi: float
    cv2: float
    values: FloatArray
    backtest: Backtest | None
    residual_std: float  # std of the hold-out errors per period: the demand noise for safety stock


def forecast(y: ArrayLike, horizon: int, holdout: int = 28) -> Forecast:
    """Choose a method from the data, backtest it, then refit on everything and forecast."""
    arr = _as_series(y)
    method = select_method(arr)
    adi, cv2 = adi_cv2(arr)
    bt: Backtest | None = None
    if arr.size > holdout + SEASON:
        bt = backtest(arr, method, holdout)
        resid = float(np.std(bt.actual - bt.forecast, ddof=1))
    else:
        resid = float(np.std(arr, ddof=1)) if arr.size > 1 else 0.0
    return Forecast(method=method, adi=adi, cv2=cv2, values=predict(arr, horizon, method),
                    backtest=bt, residual_std=resid)
