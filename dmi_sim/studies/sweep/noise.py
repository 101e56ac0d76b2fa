"""Which design points a sweep's runs can tell apart, and which levers moved anything.

A mean over a few replications carries seed noise. Two points are **told apart** on an
outcome when their means differ by more than the 95 % interval of that difference: the
points' half-widths (``point_means``'s ``_ci``) combined in quadrature. A censored time has
no half-width: its points are told apart when their 95 % intervals do not overlap (an end
not reached is open). Below two replications nothing is told apart.

From that:

* ``ties_with_best``: the points the runs cannot tell from the best one, so that a report
  names the cheapest of them rather than crowning the best mean;
* ``replications_to_tell``: how many replications a point would need for a difference of
  the size seen to clear its interval, if the spread stays as it is (t-intervals only);
* ``lever_effects``: for each lever a design varies, its levels' means (averaged over the
  other levers of its strategy) and whether any two levels are told apart.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from dmi_sim.engine.experiment import SCENARIO_FACTOR
from dmi_sim.engine.seeds import MAX_REPLICATIONS
from dmi_sim.studies.kit import outcomes as catalogue
from dmi_sim.studies.kit.censored import is_censored
from dmi_sim.studies.kit.stats import LEVEL


def noise(a: pd.Series, b: pd.Series, key: str) -> float:
    """Half-width of the 95 % interval of the difference of two points' means."""
    return math.hypot(a[f"{key}_ci"], b[f"{key}_ci"])


def told_apart(a: pd.Series, b: pd.Series, key: str) -> bool:
    """True when the runs tell points ``a`` and ``b`` apart on ``key`` (module docstring)."""
    if is_censored(key):
        if math.isnan(a[key]) or math.isnan(b[key]):
            return False
        low_a, low_b = a[f"{key}_low"], b[f"{key}_low"]
        high_a = a[f"{key}_high"] if math.isfinite(a[f"{key}_high"]) else math.inf
        high_b = b[f"{key}_high"] if math.isfinite(b[f"{key}_high"]) else math.inf
        return bool(high_a < low_b or high_b < low_a)
    return bool(abs(a[key] - b[key]) > noise(a, b, key))  # False where the noise is NaN


def best_point(points: pd.DataFrame, key: str, cost: str) -> pd.Series:
    """The point with the best mean (the cheapest of equal ones)."""
    sign = -1.0 if catalogue.higher_is_better(key) else 1.0
    ranked = points.assign(_rank=sign * points[key]).dropna(subset=["_rank"])
    return points.loc[ranked.sort_values(["_rank", cost], kind="stable").index[0]]


def ties_with_best(points: pd.DataFrame, key: str, cost: str) -> pd.DataFrame:
    """The points the runs cannot tell from the best on ``key`` (the best included),
    cheapest by ``cost`` first."""
    best = best_point(points, key, cost)
    same = [i for i, row in points.iterrows() if not told_apart(row, best, key)]
    return points.loc[same].sort_values(cost, kind="stable")


def replications_to_tell(a: pd.Series, b: pd.Series, key: str, replications: int) -> int | None:
    """The fewest replications a point at which ``a`` and ``b``, with their present means and
    run-to-run spread, would be told apart; None when no count up to ``MAX_REPLICATIONS``
    would (the means are too close), or the spread is unknown (one replication)."""
    if is_censored(key) or replications < 2:
        return None
    quantile = stats.t.ppf(0.5 + LEVEL / 2, replications - 1)
    spread = noise(a, b, key) / quantile * math.sqrt(replications)  # per-run, both points
    gap = abs(a[key] - b[key])
    if not (math.isfinite(spread) and gap > 0):
        return None
    counts = np.arange(replications + 1, MAX_REPLICATIONS + 1)
    clear = stats.t.ppf(0.5 + LEVEL / 2, counts - 1) * spread / np.sqrt(counts) < gap
    return int(counts[clear.argmax()]) if clear.any() else None


def lever_effects(
    points: pd.DataFrame, factors: Sequence[str], outcomes: Sequence[str]
) -> pd.DataFrame:
    """One row per (strategy, lever with two or more levels, outcome): ``difference``, the
    largest gap between two of the lever's levels (each level's mean over the strategy's
    points at it, so averaged over its other levers), the ``noise`` of that gap (95 %
    half-width: the points' half-widths in quadrature), ``levels`` (the two levels) and
    ``moved``: whether any two levels are told apart. Censored times are left out."""
    rows = []
    for lever in (f for f in factors if f != SCENARIO_FACTOR):
        at = points[points[lever].notna()]
        for strategy, block in at.groupby(SCENARIO_FACTOR, sort=False):
            if block[lever].nunique() < 2:
                continue
            for key in (o for o in outcomes if not is_censored(o)):
                rows.append(
                    {"strategy": strategy, "lever": lever, "outcome": key}
                    | _largest_gap(block, lever, key)
                )
    return pd.DataFrame(
        rows, columns=["strategy", "lever", "outcome", "difference", "noise", "levels", "moved"]
    )


def _largest_gap(block: pd.DataFrame, lever: str, key: str) -> dict[str, object]:
    """The largest gap between two levels' means on ``key``, its noise, and whether any
    two levels are told apart."""
    by_level = block.groupby(lever, sort=True)
    means = by_level[key].mean()
    half = by_level[f"{key}_ci"].apply(lambda h: math.sqrt((h**2).sum()) / len(h))
    gaps = [
        (abs(means[x] - means[y]), math.hypot(half[x], half[y]), (x, y))
        for x, y in itertools.combinations(means.index, 2)
    ]
    difference, spread, levels = max(gaps, key=lambda g: g[0])
    return {
        "difference": difference,
        "noise": spread,
        "levels": levels,
        "moved": any(gap > n for gap, n, _ in gaps),
    }
