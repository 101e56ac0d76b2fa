"""Which design points a sweep's runs can tell apart, and which levers moved anything.

Replication *r* of every design point runs on the same seed (``engine.seeds``; at a
posterior, replication *r* of a particle's runs too), so two points' runs come in pairs
that share their seed noise, and the difference of the points is read from the pairs'
differences, in which that shared noise cancels (as ``compare`` reads a scenario against
its counterfactual, ``kit.stats.paired_effects``). Two points are **told apart** on an
outcome when the 95 % t-interval (``kit.stats.LEVEL``) of their mean paired difference
leaves out 0; at a posterior the pairs' differences are pooled over the draws like a
point's runs (``kit.stats.pooled_interval``). A censored time (a run can end before the
event) has no paired difference: its points are told apart when the log-rank test of their
runs' times rejects equal time-to-event curves at the 5 % level (``scipy.stats.logrank``;
a run without the event followed to its end). Below two pairs, or two runs a point,
nothing is told apart.

From that:

* ``ties_with_best``: the points the runs cannot tell from the best one, so that a report
  names the cheapest of them rather than crowning the best mean;
* ``replications_to_tell``: how many replications a point would need for a difference of
  the size seen to clear its interval, if the pairs' spread stays as it is (no posterior);
* ``lever_effects``: for each lever a design varies, its levels' means (averaged over the
  other levers of its strategy) and whether any two levels are told apart.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from dmi_sim.engine.experiment import SCENARIO_FACTOR
from dmi_sim.engine.posterior import PARTICLE
from dmi_sim.engine.seeds import MAX_REPLICATIONS
from dmi_sim.studies.kit import outcomes as catalogue
from dmi_sim.studies.kit.censored import event_times, is_censored
from dmi_sim.studies.kit.stats import LEVEL, pooled_interval, t_interval


@dataclass(frozen=True)
class Runs:
    """A sweep's runs, one row each (``point``, ``replication``, ``particle`` at a posterior,
    the outcomes in the units the points are shown in), and the posterior draws they were at
    (particle -> how many draws fell on it; empty without a posterior)."""

    table: pd.DataFrame
    draws: Mapping[int, int] = field(default_factory=dict)

    def differences(self, first: Sequence[int], second: Sequence[int], key: str) -> pd.Series:
        """Per pair of runs on one seed: the mean of ``key`` over the points ``first`` minus
        that over the points ``second``; a pair missing a value is left out."""
        pair = [PARTICLE, "replication"] if self.draws else ["replication"]
        wide = self.table.set_index([*pair, "point"])[key].astype(float).unstack("point")
        gap = wide[list(first)].mean(axis=1, skipna=False)
        return (gap - wide[list(second)].mean(axis=1, skipna=False)).dropna()

    def times_differ(self, first: int, second: int, key: str) -> bool:
        """Whether the log-rank test tells the times to ``key`` at points ``first`` and
        ``second`` apart at ``1 - LEVEL``. A run without the event is censored where it was
        followed (``rebound_days``) or, for a time to closure, after every time seen: the
        test reads only the order of the times."""
        rows = [self.table[self.table["point"] == p] for p in (first, second)]
        seen = pd.concat(rows)[key].to_numpy(float)
        after_all = float(np.nanmax(seen[np.isfinite(seen)], initial=0.0)) + 1.0
        samples = []
        for part in rows:
            time, happened = event_times(part, key, after_all)
            samples.append(stats.CensoredData(uncensored=time[happened], right=time[~happened]))
        if min(len(sample) for sample in samples) < 2:
            return False
        with np.errstate(invalid="ignore", divide="ignore"):  # no spread: NaN, not told apart
            return bool(stats.logrank(*samples).pvalue < 1 - LEVEL)

    def gap(self, first: Sequence[int], second: Sequence[int], key: str) -> tuple[float, float]:
        """(mean paired difference, 95 % half-width) of ``first`` minus ``second`` on ``key``:
        the t-interval over the pairs, or at a posterior the draws pooled; NaN half-width
        below two pairs."""
        d = self.differences(first, second, key)
        if self.draws:
            return pooled_interval(d, d.index.get_level_values(PARTICLE), self.draws)
        mean, _, high = t_interval(d.to_numpy())
        return mean, high - mean


def told_apart(a: pd.Series, b: pd.Series, key: str, runs: Runs) -> bool:
    """True when the runs tell points ``a`` and ``b`` apart on ``key`` (module docstring)."""
    if is_censored(key):
        return runs.times_differ(int(a["point"]), int(b["point"]), key)
    mean, half = runs.gap([int(a["point"])], [int(b["point"])], key)
    return bool(abs(mean) > half)  # False where the half-width is NaN


def best_point(points: pd.DataFrame, key: str, cost: str) -> pd.Series:
    """The point with the best mean (the cheapest of equal ones)."""
    sign = -1.0 if catalogue.higher_is_better(key) else 1.0
    ranked = points.assign(_rank=sign * points[key]).dropna(subset=["_rank"])
    return points.loc[ranked.sort_values(["_rank", cost], kind="stable").index[0]]


def ties_with_best(points: pd.DataFrame, key: str, cost: str, runs: Runs) -> pd.DataFrame:
    """The points the runs cannot tell from the best on ``key`` (the best included),
    cheapest by ``cost`` first."""
    best = best_point(points, key, cost)
    same = [i for i, row in points.iterrows() if not told_apart(row, best, key, runs)]
    return points.loc[same].sort_values(cost, kind="stable")


def replications_to_tell(a: pd.Series, b: pd.Series, key: str, runs: Runs) -> int | None:
    """The fewest replications a point at which ``a`` and ``b``, with their present mean
    paired difference and its spread, would be told apart; None when no count up to
    ``MAX_REPLICATIONS`` would (the means are too close), the spread is unknown (one pair),
    or the outcome is a censored time."""
    if is_censored(key):
        return None
    d = runs.differences([int(a["point"])], [int(b["point"])], key)
    if d.size < 2:
        return None
    spread, gap = d.std(ddof=1), abs(d.mean())
    if not (math.isfinite(spread) and gap > 0):
        return None
    counts = np.arange(d.size + 1, MAX_REPLICATIONS + 1)
    clear = stats.t.ppf(0.5 + LEVEL / 2, counts - 1) * spread / np.sqrt(counts) < gap
    return int(counts[clear.argmax()]) if clear.any() else None


def lever_effects(
    points: pd.DataFrame, runs: Runs, factors: Sequence[str], outcomes: Sequence[str]
) -> pd.DataFrame:
    """One row per (strategy, lever with two or more levels, outcome): ``difference``, the
    largest gap between two of the lever's levels (each level's mean over the strategy's
    points at it, so averaged over its other levers), the ``noise`` of that gap (95 %
    half-width of the paired difference), ``levels`` (the two levels) and ``moved``: whether
    any two levels are told apart. Censored times are left out."""
    rows = []
    for lever in (f for f in factors if f != SCENARIO_FACTOR):
        at = points[points[lever].notna()]
        for strategy, block in at.groupby(SCENARIO_FACTOR, sort=False):
            if block[lever].nunique() < 2:
                continue
            for key in (o for o in outcomes if not is_censored(o)):
                rows.append(
                    {"strategy": strategy, "lever": lever, "outcome": key}
                    | _largest_gap(block, runs, lever, key)
                )
    return pd.DataFrame(
        rows, columns=["strategy", "lever", "outcome", "difference", "noise", "levels", "moved"]
    )


def _largest_gap(block: pd.DataFrame, runs: Runs, lever: str, key: str) -> dict[str, object]:
    """The largest gap between two levels' means on ``key``, its noise, and whether any
    two levels are told apart."""
    at_level = {level: list(part["point"]) for level, part in block.groupby(lever, sort=True)}
    gaps = []
    for x, y in itertools.combinations(at_level, 2):
        mean, half = runs.gap(at_level[x], at_level[y], key)
        gaps.append((abs(mean), half, (x, y)))
    difference, spread, levels = max(gaps, key=lambda g: g[0])
    return {
        "difference": difference,
        "noise": spread,
        "levels": levels,
        "moved": any(gap > n for gap, n, _ in gaps),
    }
