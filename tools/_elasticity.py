"""Price elasticity of demand and the prices it implies: pure functions.

The demand model is log-log: ``log E[q_t] = a + e·log(p_t / p_ref) + weekday_t + b·t``,
fitted as a Poisson GLM (log link) so that days without a sale count instead of
being dropped (dropping them biases ``e`` towards zero for slow sellers). ``e``
is the elasticity: a 1% price rise changes expected units by ``e``%.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class Elasticity:
    value: float
    std_error: float
    n_days: int
    units: int

    @property
    def reliable(self) -> bool:
        """Negative and at least two standard errors away from zero."""
        return self.value < 0 and self.std_error < abs(self.value) / 2


def estimate(quantity: ArrayLike, price: ArrayLike, weekday: ArrayLike,
             trend: ArrayLike | None = None, group: ArrayLike | None = None) -> Elasticity | None:
    """Fit the log-log demand model; None when prices never moved or nothing sold.

    ``price`` is relative to any per-group reference (only its changes matter);
    ``trend`` is time in any unit (default: position); ``group`` labels pooled
    series (e.g. the variants of one product), each getting its own level.
    """
    import statsmodels.api as sm

    q = np.asarray(quantity, dtype=np.float64)
    p = np.asarray(price, dtype=np.float64)
    dow = np.asarray(weekday, dtype=np.int64) % 7
    t = np.asarray(trend, dtype=np.float64) if trend is not None else np.arange(q.size, dtype=float)
    g = np.asarray(group) if group is not None else np.zeros(q.size, dtype=np.int64)
    sold = {k for k in np.unique(g) if q[g == k].sum() > 0}  # unsold groups cannot be fitted
    ok = np.isfinite(p) & (p > 0) & np.isin(g, list(sold))
    q, p, dow, t, g = q[ok], p[ok], dow[ok], t[ok], g[ok]
    if q.sum() < 5 or np.count_nonzero(q) < 3:
        return None
    log_p = np.log(p)
    if log_p.std() < 0.005:
        return None
    t = (t - t.max()) / max(1.0, float(np.ptp(t)))
    levels = [(g == k).astype(np.float64) for k in np.unique(g)[1:]]
    X = np.column_stack([np.ones_like(q), log_p, t, *levels,
                         *((dow == d).astype(np.float64) for d in range(1, 7))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # perfect-separation and convergence chatter
        try:
            # Pearson-scaled (quasi-Poisson) errors: daily sales are over-dispersed.
            fit = sm.GLM(q, X, family=sm.families.Poisson()).fit(scale="X2")
        except (ValueError, np.linalg.LinAlgError):
            return None
    value, se = float(fit.params[1]), float(fit.bse[1])
    if not (math.isfinite(value) and math.isfinite(se)):
        return None
    return Elasticity(value=value, std_error=se, n_days=int(q.size), units=int(q.sum()))


def profit_max_price(unit_cost: float, elasticity: float) -> float | None:
    """The constant-elasticity optimum ``c·e/(1+e)``; None when demand is inelastic (e ≥ -1)."""
    if elasticity >= -1.0:
        return None
    return unit_cost * elasticity / (1.0 + elasticity)


def volume_ratio(new_price: float, old_price: float, elasticity: float) -> float:
    return float((new_price / old_price) ** elasticity)
