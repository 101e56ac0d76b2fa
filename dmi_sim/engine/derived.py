"""Outcomes of one run derived from its own series, and the one way of telling when a
market is back after a sweep.

An experiment may ask for outcomes the model's summary does not hold (``DERIVED``); the
worker computes them from the run's series and parameters, so they are stored beside the
summary keys. The sweep primitives (``sweep_plan``, ``trailing_mean``, ``days_until_back``)
are also what the validation study measures replacement with (``studies.kit.derived``), so
every study times a market's return in the same way. Two questions use them:

* ``rebound_days`` (sweeps, sensitivity): days until the market is back to 90 % of its
  **pre-intervention** level, averaged over the sweeps of a run; a sweep after which it is
  not back counts its whole gap, so the run's value is then only a lower bound, and
  ``rebound_censored`` (stored beside it) says so;
* ``replacement_days`` (validation, B1a): days until it is back to 50 % of its level in the
  **14 days before that sweep**, per sweep, inf when censored.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

#: Share of the pre-intervention level at which the market counts as back (rebound).
REBOUND_LEVEL = 0.9
#: Days in the trailing mean that smooths day-to-day noise before testing for a return.
SMOOTH_DAYS = 7
REBOUND_SMOOTHING = SMOOTH_DAYS
#: Replacement: share of the pre-sweep level, and the days before a sweep that set it.
REPLACEMENT_SHARE = 0.5
PRE_SWEEP_DAYS = 14


def sweep_plan(start: int, period: int, duration: int, days: int) -> list[tuple[int, int, int]]:
    """(sweep start, withdrawal day, end of the quiet gap) for every sweep whose police
    leave before the run ends and before the next sweep; the gap ends at the next sweep or
    the last day."""
    out = []
    for first in range(start, days, period):
        withdrawal, gap_end = first + duration, min(first + period, days)
        if withdrawal >= gap_end:
            break
        out.append((first, withdrawal, gap_end))
    return out


def trailing_mean(x: np.ndarray, days: int) -> np.ndarray:
    """Mean of each day and the ``days`` - 1 before it (fewer at the start)."""
    total = np.concatenate([[0.0], np.cumsum(x, dtype=float)])
    t = np.arange(len(x))
    lo = np.maximum(t + 1 - days, 0)
    return (total[t + 1] - total[lo]) / (t + 1 - lo)


def days_until_back(smooth: np.ndarray, level: float, withdrawal: int, gap_end: int) -> float:
    """Days from ``withdrawal`` until the smoothed series first reaches ``level`` (0: on the
    first day without the surge); inf when it does not before ``gap_end`` (censored)."""
    back = np.flatnonzero(smooth[withdrawal:gap_end] >= level)
    return float(back[0]) if back.size else math.inf


def replacement_days(
    series: np.ndarray, sweep: tuple[int, int, int], share: float = REPLACEMENT_SHARE
) -> float:
    """Days from withdrawal until the 7-day trailing mean is back to ``share`` of the mean
    of the 14 days before the sweep: 0 = back on the first day without the surge; inf =
    not back before the next sweep (censored); NaN = no market before the sweep."""
    first, withdrawal, gap_end = sweep
    pre = series[max(first - PRE_SWEEP_DAYS, 0) : first].mean()
    if not pre > 0:
        return math.nan
    return days_until_back(trailing_mean(series, SMOOTH_DAYS), share * pre, withdrawal, gap_end)


def rebound(result: Any) -> dict[str, float | bool]:
    """``rebound_days``: days from the end of each crackdown sweep until the market is back
    (mean over sweeps); ``rebound_censored``: whether it was not back after some sweep.

    "Back": the 7-day trailing mean of market-area sellers reaches 90 % of its
    pre-intervention mean (``pre_market_sellers``). A sweep after which the market is not
    back before the next sweep or the end of the run counts its whole gap, so the mean is a
    lower bound of the run's rebound time (right-censored: read it with
    ``rebound_censored``, never as a measured time). ``rebound_days`` is NaN (and
    ``rebound_censored`` False) for runs without crackdown sweeps or without a market to
    come back.
    """
    params, summary = result.params, result.summary
    base = summary.get("pre_market_sellers", float("nan"))
    undefined = {"rebound_days": float("nan"), "rebound_censored": False}
    if params.get("policy.strategy") != "crackdown" or not base > 0:
        return undefined
    sellers = result.timeseries["market_sellers"].to_numpy(dtype=float)
    smooth = trailing_mean(sellers, SMOOTH_DAYS)
    plan = sweep_plan(
        params["run.intervention_start"],
        params["crackdown.period_days"],
        params["crackdown.duration_days"],
        len(sellers),
    )
    if not plan:
        return undefined
    back = [days_until_back(smooth, REBOUND_LEVEL * base, end, upto) for _, end, upto in plan]
    gaps = [min(days, upto - end) for days, (_, end, upto) in zip(back, plan, strict=True)]
    return {
        "rebound_days": float(np.mean(gaps)),
        "rebound_censored": not all(math.isfinite(days) for days in back),
    }


#: Derived outcome an experiment may ask for -> function of a ``simulate`` result giving
#: that outcome and the columns stored beside it (``rebound_censored``).
DERIVED: dict[str, Callable[[Any], dict[str, float | bool]]] = {"rebound_days": rebound}
