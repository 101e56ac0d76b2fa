"""Paired effects of a scenario against its same-seed counterfactual.

Replication *i* of every scenario runs on the same seed as replication *i* of the
counterfactual (``baseline``), so each replication gives one paired difference and the
run-to-run noise the two share cancels out. For every scenario and outcome this module
reports, over the window ``[start, start + 365)`` days after the scenario's intervention
start (cut at the last simulated day):

* ``abs_*``: the mean over replications of (scenario window mean − counterfactual window
  mean), with a 95 % t-interval over the paired differences;
* ``rel_*``: the mean of the per-replication relative change (scenario / counterfactual − 1),
  with a 95 % t-interval; replications whose counterfactual mean is 0 are left out
  (``rel_n`` says how many remain);
* ``ratio_*``: the ratio-of-means relative change (Σ scenario / Σ counterfactual − 1), with
  **Fieller's** 95 % interval for the ratio of the paired means (``fieller_interval``). It
  excludes 0 exactly when the ``abs_*`` t-interval does, so a report that gives both never
  calls one effect a rise in one place and no clear change in another; it is sound at a
  handful of replications (a percentile bootstrap of 4 pairs is not), stays defined when
  single replications have a zero counterfactual, and is undefined (NaN) where the
  counterfactual's mean is not clearly above 0.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from dmi_sim.studies.kit.outcomes import bounds, lookup

COUNTERFACTUAL = "baseline"
WINDOW_DAYS = 365
LEVEL = 0.95


def t_halfwidth(std: np.ndarray | float, n: np.ndarray | int, level: float = LEVEL) -> np.ndarray:
    """Half-width of the t-interval for a mean; NaN below two observations, 0 for no spread."""
    std = np.asarray(std, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = stats.t.ppf(0.5 + level / 2, np.where(n >= 2, n - 1, np.nan))
        half = q * std / np.sqrt(n)
    return np.where(std == 0, np.where(n >= 2, 0.0, np.nan), half)


def _standard_error(values: np.ndarray) -> float:
    """Standard error of the mean of the finite ``values`` (NaN below two)."""
    x = values[np.isfinite(values)]
    return float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else np.nan


def t_interval(values: Sequence[float] | np.ndarray, level: float = LEVEL) -> tuple[float, ...]:
    """(mean, low, high) of the finite ``values``: the Student-t interval for their mean."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return (np.nan, np.nan, np.nan)
    mean = float(x.mean())
    half = float(t_halfwidth(x.std(ddof=1) if x.size > 1 else np.nan, x.size, level))
    return (mean, mean - half, mean + half)


def wilson_interval(successes: int, trials: int, level: float = LEVEL) -> tuple[float, float]:
    """(low, high): the Wilson score interval for a share of ``trials`` (scipy's
    ``binomtest``); it stays inside [0, 1] and is sound at a handful of trials, where the
    t-interval of 0/1 values reaches below 0 or above 1."""
    ci = stats.binomtest(int(successes), int(trials)).proportion_ci(level, method="wilson")
    return float(ci.low), float(ci.high)


def is_share_of_runs(key: str) -> bool:
    """Whether the run-summary ``key`` is a yes or no per run (``reemerged``): its mean is a
    share of runs, whose interval is Wilson's."""
    outcome = lookup(key)
    return outcome is not None and outcome.share_of_runs


def run_interval(
    values: Sequence[float] | np.ndarray | pd.Series, key: str, level: float = LEVEL
) -> tuple[float, float, float]:
    """(mean, low, high) over runs of the run-summary ``key``, inside the values it can take.

    A share of runs (a yes or no per run, ``reemerged``) gets the Wilson score interval; any
    other key the t-interval cut to the values a run can give (``outcomes.bounds``: no
    negative counts, days or costs, no share above 1; a key the catalogue does not know is
    not cut). Non-finite values are left out.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if is_share_of_runs(key) and x.size:
        low, high = wilson_interval(int((x > 0).sum()), x.size, level)
        return float(x.mean()), low, high
    mean, low, high = t_interval(x, level)
    least, most = bounds(key)
    return mean, float(np.clip(low, least, most)), float(np.clip(high, least, most))


#: How ``run_interval`` keeps an interval inside what a quantity can be, for reports.
RUN_INTERVAL_RULE = (
    "Each 95 % interval of a mean over runs (enforcement, cost, run summaries) is a "
    "t-interval, cut at 0 for a quantity that cannot be negative (counts, days, costs) and "
    "at 1 for a share or index (the t-interval does not know the bounds); for a share of "
    "runs (`reemerged`) it is the Wilson score interval, which stays between 0 and 1."
)


def fieller_interval(
    num: Sequence[float] | np.ndarray,
    den: Sequence[float] | np.ndarray,
    level: float = LEVEL,
    *,
    floor: float | None,
) -> tuple[float, float, float]:
    """(mean(num) / mean(den), low, high) over paired values: Fieller's interval.

    The interval is every ratio r for which the t-test of mean(num − r · den) = 0 does not
    reject, so r = 1 lies inside exactly when the paired t-interval of num − den holds 0:
    the relative and the absolute change of one effect always agree on whether it is clear.
    NaN where it is unbounded (mean(den) not clearly away from 0) or below two pairs.
    ``floor``: the least the ratio can be, which the low end is cut at (``ratio_floor``:
    0 for means of an outcome that cannot be negative), or None for a signed ratio. The
    caller says it because only the outcome knows: a sample that happens to be positive
    says nothing about whether the quantity can be negative.
    """
    x = np.asarray(num, dtype=float)
    y = np.asarray(den, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    n = x.size
    if n < 2 or y.mean() == 0:
        return (np.nan, np.nan, np.nan)
    ratio = float(x.mean() / y.mean())
    q2 = float(stats.t.ppf(0.5 + level / 2, n - 1)) ** 2 / n
    cov = np.cov(x, y, ddof=1)
    a = y.mean() ** 2 - q2 * cov[1, 1]
    b = x.mean() * y.mean() - q2 * cov[0, 1]
    c = x.mean() ** 2 - q2 * cov[0, 0]
    if a <= 0:  # the set of ratios is unbounded: no interval to give
        return (ratio, np.nan, np.nan)
    half = np.sqrt(max(b * b - a * c, 0.0))
    low, high = (b - half) / a, (b + half) / a
    if floor is not None:
        low = max(low, floor)
    return (ratio, float(low), float(high))


def ratio_floor(key: str) -> float | None:
    """The least a ratio of two means of ``key`` can be: 0 where the outcome catalogue
    bounds it at a minimum of 0 or more, None (no bound) for a signed or unknown one."""
    outcome = lookup(key)
    if outcome is None or outcome.minimum is None or outcome.minimum < 0:
        return None
    return 0.0


def log_ratio_se(num: np.ndarray, den: np.ndarray) -> float:
    """Standard error of log(mean(num) / mean(den)) over paired values (delta method): what
    ``pool_draws`` combines over posterior draws. NaN below two pairs or a mean of 0."""
    x, y = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    if x.size < 2 or x.mean() <= 0 or y.mean() <= 0:
        return np.nan
    return _standard_error(x / x.mean() - y / y.mean())


def _ratio_of_means(
    scen: np.ndarray, base: np.ndarray, n_boot: int, seed: int, level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Σscen/Σbase − 1 per column, with a paired percentile bootstrap interval, and the
    bootstrap standard error of log(Σscen/Σbase) (what ``pool_draws`` combines)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        point = scen.sum(axis=0) / base.sum(axis=0) - 1.0
        idx = np.random.default_rng(seed).integers(0, len(scen), size=(n_boot, len(scen)))
        boot = scen[idx].sum(axis=1) / base[idx].sum(axis=1) - 1.0
        log_boot = np.log1p(boot)
    boot[~np.isfinite(boot)] = np.nan
    log_boot[~np.isfinite(log_boot)] = np.nan
    tail = 100 * (1 - level) / 2
    with warnings.catch_warnings():  # a column that is never defined gives NaN, as it should
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanpercentile(boot, [tail, 100 - tail], axis=0)
        log_se = np.nanstd(log_boot, axis=0, ddof=1)
    return point, low, high, log_se


def ratio_interval(
    num: Sequence[float] | np.ndarray,
    den: Sequence[float] | np.ndarray,
    n_boot: int = 2000,
    seed: int = 0,
    level: float = LEVEL,
) -> tuple[float, float, float]:
    """(Σnum/Σden, low, high): a ratio estimator over replications with a paired percentile
    bootstrap (each replication's pair kept): the validation study's, over many
    replications; a comparison's effects use ``fieller_interval``, sound at a handful."""
    num = np.asarray(num, dtype=float)[:, None]
    den = np.asarray(den, dtype=float)[:, None]
    point, low, high, _ = _ratio_of_means(num, den, n_boot, seed, level)
    return float(point[0] + 1.0), float(low[0] + 1.0), float(high[0] + 1.0)


def window_means(ts: pd.DataFrame, start: int, end: int, outcomes: Sequence[str]) -> pd.DataFrame:
    """Per (scenario, replication): the mean of each outcome over days ``[start, end)``."""
    inside = ts[(ts["day"] >= start) & (ts["day"] < end)]
    return inside.groupby(["scenario", "replication"])[list(outcomes)].mean()


def paired_effects(
    ts: pd.DataFrame,
    starts: Mapping[str, int],
    outcomes: Sequence[str],
    counterfactual: str = COUNTERFACTUAL,
    window: int = WINDOW_DAYS,
    level: float = LEVEL,
) -> pd.DataFrame:
    """One row per (scenario, outcome): paired effects against ``counterfactual``.

    Args:
        ts: long time series with columns ``scenario``, ``replication``, ``day`` and outcomes.
        starts: each scenario's intervention start day (its window starts there).
        outcomes: the series to compare.
        counterfactual: the scenario every other one is paired with (included, effect 0).
        window: window length in days; cut at the last simulated day.
    """
    last_day = int(ts["day"].max())
    base_all = ts[ts["scenario"] == counterfactual]
    if base_all.empty:
        raise ValueError(f"no runs of the counterfactual '{counterfactual}'")
    rows = []
    for scenario, start in starts.items():
        end = min(int(start) + window, last_day + 1)
        if end <= start:
            raise ValueError(
                f"{scenario}: intervention starts on day {start}, after the last simulated "
                f"day {last_day}: no days to compare"
            )
        scen = window_means(ts[ts["scenario"] == scenario], start, end, outcomes)
        base = window_means(base_all, start, end, outcomes)
        scen = scen.droplevel("scenario")
        base = base.droplevel("scenario")
        reps = scen.index.intersection(base.index)
        if reps.empty:
            raise ValueError(f"{scenario}: no replication shares a seed with '{counterfactual}'")
        s = scen.loc[reps].to_numpy(dtype=float)
        b = base.loc[reps].to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.where(b != 0, s / b - 1.0, np.nan)
        for k, outcome in enumerate(outcomes):
            abs_mean, abs_low, abs_high = t_interval(s[:, k] - b[:, k], level)
            ratio, ratio_low, ratio_high = fieller_interval(
                s[:, k], b[:, k], level, floor=ratio_floor(outcome)
            )
            rel_mean, rel_low, rel_high = t_interval(rel[:, k], level)
            rows.append(
                {
                    "scenario": scenario,
                    "outcome": outcome,
                    "window_start": int(start),
                    "window_end": end,
                    "n_pairs": len(reps),
                    "counterfactual_mean": float(b[:, k].mean()),
                    "scenario_mean": float(s[:, k].mean()),
                    "abs_effect": abs_mean,
                    "abs_low": abs_low,
                    "abs_high": abs_high,
                    "abs_se": _standard_error(s[:, k] - b[:, k]),
                    "rel_effect": rel_mean,
                    "rel_low": rel_low,
                    "rel_high": rel_high,
                    "rel_n": int(np.isfinite(rel[:, k]).sum()),
                    "ratio_effect": ratio - 1.0,
                    "ratio_low": ratio_low - 1.0,
                    "ratio_high": ratio_high - 1.0,
                    "log_ratio_se": log_ratio_se(s[:, k], b[:, k]),
                }
            )
    return pd.DataFrame(rows)


def pool_draws(
    estimates: Sequence[float] | np.ndarray,
    std_errors: Sequence[float] | np.ndarray,
    counts: Sequence[int] | np.ndarray,
    df_complete: float,
    level: float = LEVEL,
) -> dict[str, float]:
    """One estimate from its values at K posterior draws: Rubin's rules (Rubin 1987), with
    the seed noise taken at the noisiest draw.

    Each draw of the parameters gives an estimate ``q_k`` with a seed-noise standard error
    ``se_k`` (all draws on the same seeds). Over the draws: the mean ``q̄``, the between-draw
    variance ``B`` = variance of the ``q_k`` (parameter uncertainty) and the within-draw
    variance ``W`` = the largest ``se_k²`` (seed noise). The total variance is
    ``T = W + (1 + 1/K) B`` and the interval ``q̄ ± t(ν) √T`` with Rubin's degrees of
    freedom ``ν = (K − 1)(1 + W / ((1 + 1/K) B))²``, capped at the complete-data
    ``df_complete`` (Barnard and Rubin 1999: it cannot exceed what one draw's runs have).
    Rubin's rules average the ``se_k²``; parameters change the seed noise too (a larger
    market is noisier), and the average can then give an interval narrower than a plausible
    draw's own: the largest keeps the interval at least as wide as the single-point
    interval at every draw. ``counts``: how often each estimate was drawn (a particle drawn
    twice counts twice). With no spread between draws this is the single-point
    t-interval exactly.

    Returns ``mean``, ``low``, ``high``, ``between_share`` (the share of ``T`` from the
    parameters; the rest is seed noise), ``df`` and ``draws`` (K); NaN where an estimate is
    undefined at some draw.
    """
    q = np.asarray(estimates, dtype=float)
    u = np.asarray(std_errors, dtype=float) ** 2
    w = np.asarray(counts, dtype=float)
    k = float(w.sum())
    undefined = {"mean": np.nan, "low": np.nan, "high": np.nan, "between_share": np.nan}
    if k < 2 or not (np.isfinite(q).all() and np.isfinite(u).all()):
        return {**undefined, "df": np.nan, "draws": k}
    mean = float((w * q).sum() / k)
    within = float(u.max())
    between = (1 + 1 / k) * float((w * (q - mean) ** 2).sum() / (k - 1))
    total = within + between
    df = float(df_complete)
    if between > 0:
        df = min(df, (k - 1) * (1 + within / between) ** 2)
    half = float(stats.t.ppf(0.5 + level / 2, df)) * np.sqrt(total)
    share = between / total if total > 0 else np.nan
    return {
        "mean": mean,
        "low": mean - half,
        "high": mean + half,
        "between_share": share,
        "df": df,
        "draws": k,
    }


def pooled_runs(
    values: pd.Series, particles: np.ndarray | pd.Index, draws: Mapping[int, int]
) -> dict[str, float]:
    """``pool_draws`` of runs at posterior draws: each particle's mean and standard error
    over its runs, pooled (``draws``: particle -> how many draws fell on it, so that a
    particle drawn twice weighs twice; ``particles``: each run's)."""
    at = pd.Series(np.asarray(values, dtype=float)).groupby(np.asarray(particles))
    at = at.agg(["mean", "std", "count"])
    counts = [draws[p] for p in at.index]
    return pool_draws(
        at["mean"], at["std"] / np.sqrt(at["count"]), counts, float(at["count"].min()) - 1
    )


def pooled_interval(
    values: pd.Series, particles: np.ndarray | pd.Index, draws: Mapping[int, int]
) -> tuple[float, float]:
    """(mean, 95 % half-width) of runs at posterior draws, pooled by ``pooled_runs``."""
    pooled = pooled_runs(values, particles, draws)
    return pooled["mean"], pooled["high"] - pooled["mean"]


def daily_band(
    ts: pd.DataFrame, outcome: str, smooth_days: int = 1, level: float = LEVEL
) -> pd.DataFrame:
    """Per (scenario, day): mean over replications of ``outcome`` and its t-interval.

    ``smooth_days`` > 1 first takes a trailing rolling mean within each run, so daily counts
    read as rates instead of noise. The band's lower end is cut at 0 for a series that is
    never negative (the t-interval does not know counts cannot be).
    """
    runs = ts.sort_values("day").groupby(["scenario", "replication"], sort=False)[outcome]
    values = runs.transform(lambda s: s.rolling(smooth_days, min_periods=1).mean())
    frame = ts[["scenario", "day"]].assign(value=values)
    agg = frame.groupby(["scenario", "day"])["value"].agg(["mean", "std", "count"])
    half = t_halfwidth(agg["std"].fillna(0.0).to_numpy(), agg["count"].to_numpy(), level)
    floor = 0.0 if (frame["value"] >= 0).all() else -np.inf  # counts and shares stay >= 0
    low = np.maximum(agg["mean"] - half, floor)
    return agg.assign(low=low, high=agg["mean"] + half).reset_index()


#: Below these baseline levels no relative change is reported, only the absolute one: a
#: percentage of a near-zero base is noise (0.08 sales a day that become 0.6 is "+666 %").
#: Daily counts: fewer than ``MIN_BASE_EVENTS`` events in the baseline's window; persons and
#: sellers: fewer than ``MIN_BASE_PERSONS`` on an average day; indices and shares (0-1): below
#: ``MIN_BASE_INDEX``.
MIN_BASE_EVENTS = 50
MIN_BASE_PERSONS = 1.0
MIN_BASE_INDEX = 0.05


def relative_floor(unit: str, window_days: int) -> float:
    """The smallest baseline window mean for which a relative change of a series in ``unit``
    is reported (see ``MIN_BASE_EVENTS`` and its siblings)."""
    if "0-1" in unit or unit.startswith("share"):
        return MIN_BASE_INDEX
    if unit.endswith("per day"):
        return MIN_BASE_EVENTS / max(window_days, 1)
    return MIN_BASE_PERSONS


#: Why a change is given as its absolute change only (``why_absolute_only``), as reports
#: name it.
ABSOLUTE_ONLY_REASONS = (
    "a small base",
    "the ratio is undefined",
    "the ratio's interval is unbounded",
)


def why_absolute_only(
    unit: str, window_days: int, base_mean: float, ratio: Sequence[float]
) -> str | None:
    """Why a change of a series in ``unit`` is given as its absolute change only, or None
    when its relative change is given: every report's one rule. ``base_mean``: the
    baseline's window mean; ``ratio``: (ratio, low, high), Fieller's."""
    small_base, undefined, unbounded = ABSOLUTE_ONLY_REASONS
    if base_mean < relative_floor(unit, window_days):
        return small_base
    if not math.isfinite(ratio[0]):
        return undefined
    if not all(math.isfinite(v) for v in ratio[1:]):
        return unbounded
    return None


FLOOR_RULE = (
    f"No relative change is reported where the baseline's level is below a floor: fewer "
    f"than {MIN_BASE_EVENTS} events in the window for daily counts, fewer than "
    f"{MIN_BASE_PERSONS:g} person on an average day for counts of people, under "
    f"{MIN_BASE_INDEX:g} for indices and shares; those outcomes show the absolute change "
    "only."
)
