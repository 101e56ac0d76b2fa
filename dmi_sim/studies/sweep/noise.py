"""Which design points a sweep's runs can tell apart, and which levers moved anything.

Replication *r* of every design point runs on the same seed (``engine.seeds``; at a
posterior, replication *r* of a particle's runs too), so two points' runs come in pairs
that share their seed noise, and the difference of the points is read from the pairs, in
which that shared noise cancels (as ``compare`` reads a scenario against its
counterfactual, ``kit.stats.paired_effects``). A run missing on one side drops its pair.
Two points are **told apart** on an outcome when a two-sided test of the pairs rejects "no
difference" at ``1 - kit.stats.LEVEL`` (5 %):

* a mean: the paired t-test, so exactly when the 95 % t-interval of the mean paired
  difference leaves out 0; at a posterior the pairs' differences are pooled over the draws
  like a point's runs (``kit.stats.pooled_runs``, Rubin's rules);
* a share of runs (a yes or no per run, ``kit.stats.is_share_of_runs``: ``reemerged``):
  the exact sign test of the paired differences, which for one point a side is McNemar's
  exact test (``scipy.stats.binomtest`` on the discordant pairs); a t-interval of 0/1
  differences has no spread at 0/3 against 3/3 and would call them apart, where the exact
  p is 0.25;
* a censored time (a run can end before the event): the exact permutation log-rank test,
  the two points' labels swapped within seed pairs (``scipy.stats.permutation_test``;
  every relabelling up to ``RESAMPLES``, else that many drawn from a seeded generator); a
  run without the event is censored where it was followed. The asymptotic log-rank p is
  too small at a handful of runs (3 against 3, completely apart: 0.025, exact 0.25 with
  pairs), and it ignores the shared seeds.

Below two pairs nothing is told apart (the p-value is unknown, NaN).

From that:

* ``ties_with_best``: the points the runs cannot tell from the best one, so that a report
  names the cheapest of them rather than crowning the best mean;
* ``replications_to_tell``: how many replications a point would need for a difference of
  the size seen to clear its interval, if the pairs' spread stays as it is (a mean, no
  posterior);
* ``lever_effects``: for each lever a design varies, its levels' means (averaged over the
  other levers of its strategy) and whether some two levels are told apart after Holm's
  correction over the pairs of levels.
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
from dmi_sim.studies.kit.censored import CENSOR_COLUMN, event_times, is_censored
from dmi_sim.studies.kit.stats import LEVEL, is_share_of_runs, pooled_runs, t_interval

#: Relabellings a permutation test draws: every one of the 2^pairs where there are no more
#: (up to 13 pairs), else this many from a generator seeded with ``PERMUTATION_SEED``.
RESAMPLES = 9999
PERMUTATION_SEED = 0


@dataclass(frozen=True)
class Gap:
    """Two points (or groups of points) against each other on one outcome: the mean
    paired ``difference``, its 95 % half-width (``noise``; NaN for a share of runs, whose
    test is no t-interval, and below two pairs) and the test's two-sided ``p``."""

    difference: float
    noise: float
    p: float


@dataclass(frozen=True)
class Runs:
    """A sweep's runs, one row each (``point``, ``replication``, ``particle`` at a posterior,
    the outcomes in the units the points are shown in), and the posterior draws they were at
    (particle -> how many draws fell on it; empty without a posterior)."""

    table: pd.DataFrame
    draws: Mapping[int, int] = field(default_factory=dict)

    @property
    def pair(self) -> list[str]:
        """The columns that name a seed pair."""
        return [PARTICLE, "replication"] if self.draws else ["replication"]

    def differences(self, first: Sequence[int], second: Sequence[int], key: str) -> pd.Series:
        """Per pair of runs on one seed: the mean of ``key`` over the points ``first`` minus
        that over the points ``second``; a pair missing a value is left out."""
        wide = self.table.set_index([*self.pair, "point"])[key].astype(float).unstack("point")
        gap = wide[list(first)].mean(axis=1, skipna=False)
        return (gap - wide[list(second)].mean(axis=1, skipna=False)).dropna()

    def paired_times(self, first: int, second: int, key: str) -> pd.DataFrame:
        """Per seed pair with both runs: ``time_a``/``happened_a`` at point ``first`` and
        ``time_b``/``happened_b`` at ``second``. A run without the event is censored where
        it was followed (``rebound_days``) or, for a time to closure, after every time
        seen: the test reads only the order of the times."""
        rows = [self.table[self.table["point"] == p].set_index(self.pair) for p in (first, second)]
        seen = pd.concat(rows)[key].to_numpy(float)
        after_all = float(np.nanmax(seen[np.isfinite(seen)], initial=0.0)) + 1.0
        a, b = (_timed(part, key, after_all) for part in rows)
        return a.add_suffix("_a").join(b.add_suffix("_b"), how="inner")

    def times_p(self, first: int, second: int, key: str) -> float:
        """Two-sided p of the exact permutation log-rank test of the times to ``key`` at
        points ``first`` and ``second``, labels swapped within seed pairs; NaN below two
        pairs or without an event."""
        pairs = self.paired_times(first, second, key)
        n = len(pairs)
        time = np.r_[pairs["time_a"], pairs["time_b"]].astype(float)
        happened = np.r_[pairs["happened_a"], pairs["happened_b"]].astype(bool)
        if n < 2 or not happened.any():
            return math.nan

        def z(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
            return logrank_z(time, happened, x)

        test = stats.permutation_test(
            (np.arange(n), np.arange(n, 2 * n)),
            z,
            permutation_type="samples",
            vectorized=True,
            n_resamples=RESAMPLES,
            rng=np.random.default_rng(PERMUTATION_SEED),
        )
        return float(test.pvalue)

    def compare(self, first: Sequence[int], second: Sequence[int], key: str) -> Gap:
        """The points ``first`` against ``second`` on ``key``, a mean or a share of runs
        (module docstring); a censored time is ``times_p``'s."""
        d = self.differences(first, second, key)
        if d.size < 2:
            return Gap(float(d.mean()) if d.size else math.nan, math.nan, math.nan)
        if is_share_of_runs(key):
            return Gap(float(d.mean()), math.nan, sign_p(d.to_numpy()))
        if self.draws:
            pooled = pooled_runs(d, d.index.get_level_values(PARTICLE), self.draws)
            mean, half, df = pooled["mean"], pooled["high"] - pooled["mean"], pooled["df"]
        else:
            mean, _, high = t_interval(d.to_numpy())
            half, df = high - mean, d.size - 1
        return Gap(mean, half, _t_p(mean, half, df))


def _timed(part: pd.DataFrame, key: str, after_all: float) -> pd.DataFrame:
    """``event_times`` of the runs ``part``, kept on their index; a rebound left undefined
    (the run had no sweep) is no time, as there."""
    defined = part.dropna(subset=[key]) if key in CENSOR_COLUMN else part
    time, happened = event_times(defined, key, after_all)
    return pd.DataFrame({"time": time, "happened": happened}, index=defined.index)


def logrank_z(time: np.ndarray, happened: np.ndarray, first: np.ndarray) -> np.ndarray:
    """The log-rank statistic (observed minus expected events of one group over its
    standard deviation, as ``scipy.stats.logrank``) of the runs ``time``/``happened`` for
    each row of ``first``: the indices of the runs in that group. Vectorised over the rows,
    as a permutation test needs (``scipy.stats.logrank`` takes one split at a time)."""
    member = np.zeros((*first.shape[:-1], time.size))
    np.put_along_axis(member, first, 1.0, axis=-1)
    at = np.unique(time[happened])
    at_risk = (time[:, None] >= at).astype(float)
    event = ((time[:, None] == at) & happened[:, None]).astype(float)
    n, d = at_risk.sum(axis=0), event.sum(axis=0)
    n_first, d_first = member @ at_risk, member @ event
    share = n_first / n
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.where(n > 1, d * share * (1 - share) * (n - d) / (n - 1), 0.0)
        return (d_first - d * share).sum(axis=-1) / np.sqrt(spread.sum(axis=-1))


def sign_p(differences: np.ndarray) -> float:
    """Two-sided p of the exact sign test of paired differences (the pairs that differ
    split evenly either way under no difference): McNemar's exact test for yes/no runs."""
    up, down = int((differences > 0).sum()), int((differences < 0).sum())
    return float(stats.binomtest(up, up + down).pvalue) if up + down else 1.0


def _t_p(mean: float, half: float, df: float) -> float:
    """Two-sided p of the t-test behind a 95 % interval ``mean`` ± ``half`` with ``df``
    degrees of freedom: below ``1 - LEVEL`` exactly when the interval leaves out 0 (no
    spread: 0 unless the mean is 0)."""
    if not (math.isfinite(half) and math.isfinite(mean)):
        return math.nan
    if half == 0:
        return 0.0 if mean != 0 else 1.0
    q = float(stats.t.ppf(0.5 + LEVEL / 2, df))
    return float(2 * stats.t.sf(abs(mean) * q / half, df))


def p_value(a: pd.Series, b: pd.Series, key: str, runs: Runs) -> float:
    """The two-sided p of points ``a`` against ``b`` on ``key`` (module docstring)."""
    first, second = int(a["point"]), int(b["point"])
    if is_censored(key):
        return runs.times_p(first, second, key)
    return runs.compare([first], [second], key).p


def told_apart(a: pd.Series, b: pd.Series, key: str, runs: Runs) -> bool:
    """True when the runs tell points ``a`` and ``b`` apart on ``key`` (module docstring)."""
    return bool(p_value(a, b, key, runs) < 1 - LEVEL)  # False where p is NaN


def ranked_values(points: pd.DataFrame, key: str) -> pd.Series:
    """``key``'s values to rank points by: a censored time whose median is not reached
    (the event in fewer than half the runs) is later than every reached one, +inf: the best
    where a longer time is better (``rebound_days``), the worst where a shorter one is."""
    beyond = f"{key}_beyond"
    if is_censored(key) and beyond in points:
        return points[key].where(points[beyond].isna(), math.inf)
    return points[key]


def best_point(points: pd.DataFrame, key: str, cost: str) -> pd.Series:
    """The point with the best mean (the cheapest of equal ones); a median not reached
    ranks as ``ranked_values`` says."""
    sign = -1.0 if catalogue.higher_is_better(key) else 1.0
    ranked = points.assign(_rank=sign * ranked_values(points, key)).dropna(subset=["_rank"])
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
    or the outcome is a censored time or a share of runs (whose tests are no t-interval)."""
    if is_censored(key) or is_share_of_runs(key):
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
    """One row per (strategy, lever with two or more levels, outcome), from the pairs of
    the lever's levels (each level's mean over the strategy's points at it, so averaged
    over its other levers): ``moved``, whether some pair is told apart after Holm's
    correction over the pairs; ``levels``, the pair shown (the told-apart pair with the
    largest gap, else the largest gap), its ``difference``, ``noise`` (``Gap``) and ``p``
    (Holm-adjusted; NaN: unknown, below two pairs). Censored times are left out."""
    rows = []
    for lever in (f for f in factors if f != SCENARIO_FACTOR):
        at = points[points[lever].notna()]
        for strategy, block in at.groupby(SCENARIO_FACTOR, sort=False):
            if block[lever].nunique() < 2:
                continue
            for key in (o for o in outcomes if not is_censored(o)):
                rows.append(
                    {"strategy": strategy, "lever": lever, "outcome": key}
                    | _lever_cell(block, runs, lever, key)
                )
    return pd.DataFrame(
        rows,
        columns=["strategy", "lever", "outcome", "difference", "noise", "p", "levels", "moved"],
    )


def _lever_cell(block: pd.DataFrame, runs: Runs, lever: str, key: str) -> dict[str, object]:
    """Every pair of the lever's levels compared on ``key``, Holm-corrected; the pair
    shown and whether some pair is told apart (``lever_effects``)."""
    at_level = {level: list(part["point"]) for level, part in block.groupby(lever, sort=True)}
    pairs = list(itertools.combinations(at_level, 2))
    gaps = [runs.compare(at_level[x], at_level[y], key) for x, y in pairs]
    adjusted = holm([g.p for g in gaps])
    apart = adjusted < 1 - LEVEL
    candidates = np.flatnonzero(apart) if apart.any() else np.arange(len(gaps))
    shown = max(candidates, key=lambda i: abs(gaps[i].difference))
    return {
        "difference": abs(gaps[shown].difference),
        "noise": gaps[shown].noise,
        "p": float(adjusted[shown]),
        "levels": pairs[shown],
        "moved": bool(apart.any()),
    }


def holm(p: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values (scipy has none; ``false_discovery_control`` is
    Benjamini-Hochberg's, which controls another error). An unknown (NaN) p stays unknown
    and still counts among the tests."""
    p = np.asarray(p, dtype=float)
    order = np.argsort(np.where(np.isnan(p), np.inf, p), kind="stable")
    steps = (p.size - np.arange(p.size)) * p[order]
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(np.fmax.accumulate(steps), 1.0)
    adjusted[np.isnan(p)] = np.nan
    return adjusted
