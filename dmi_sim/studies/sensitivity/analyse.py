"""From stored runs to sensitivity indices, the seed-noise share and the DMI's advantage.

The runs' summaries become outcomes per (point, seed) (``outcomes``), are averaged over
the seeds of each point, and go to the method's own analyser, so the sampler's settings
and the analyser's cannot differ. Intervals are SALib's bootstrap intervals with a fixed
seed, so the same runs always give the same numbers, however they were run or resumed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from dmi_sim.studies.kit.stats import LEVEL
from dmi_sim.studies.sensitivity.design import Design
from dmi_sim.studies.sensitivity.methods import RESAMPLES, Sobol
from dmi_sim.studies.sensitivity.outcomes import (
    advantage_table,
    fill_undefined,
    has_advantage_runs,
    noise_share,
    per_run,
    point_means,
)

#: Added to the space's seed for SALib's bootstrap (its Sobol analyser ignores a seed of 0).
_BOOTSTRAP_STREAM = 7919


@dataclass(frozen=True)
class Analysis:
    """Everything the report shows, as tables."""

    indices: pd.DataFrame  # morris: outcome, factor, mu, mu_star, sigma, mu_star_conf, rank
    #                        sobol: outcome, n, factor, S1, S1_conf, ST, ST_conf
    means: pd.DataFrame  # outcomes per design point (seed means, undefined counted as 0)
    noise: pd.DataFrame  # per outcome: noise_share_runs, noise_share_means, undefined
    advantage: pd.DataFrame | None  # per design point: share of seeds passing each test


def analyse(design: Design, summary: pd.DataFrame, outcomes: Sequence[str]) -> Analysis:
    """Indices of every outcome, seed-noise shares and the advantage table."""
    runs = per_run(summary, outcomes)
    means, undefined = fill_undefined(point_means(runs))
    means = means.reindex(range(design.n_points))
    if means.isna().any().any():
        missing = int(means.isna().any(axis=1).sum())
        raise ValueError(f"{missing} design points have no stored runs; rerun to finish them")
    seed = design.space.seed + _BOOTSTRAP_STREAM
    indices = design.method.analyse(design.space.names, design.unit, means, seed)
    noise = noise_share(runs).assign(undefined_points=undefined)
    scenarios = summary["scenario"].unique()
    advantage = advantage_table(summary) if has_advantage_runs(scenarios) else None
    return Analysis(indices, means, noise, advantage)


def space_rows(design: Design) -> np.ndarray:
    """Design points that sample the space evenly: all of Morris' (on its grid), Sobol's
    A and B rows (its AB rows re-use their columns)."""
    method = design.method
    if isinstance(method, Sobol):
        return method.base_rows(len(design.space.names))
    return np.arange(design.n_points)


def advantage_share(design: Design, advantage: pd.DataFrame) -> pd.Series:
    """Share of the space (design points weighted by their seeds) where each test holds."""
    return advantage.iloc[space_rows(design)].mean()


def advantage_by_factor(design: Design, advantage: pd.DataFrame) -> pd.DataFrame:
    """Where in each factor's range the advantage holds: share in its lower and upper half.

    A large gap names what the advantage is not robust to, but only if it is larger than
    chance gives: the dummy, which the model never reads, has a gap too (from the seeds and
    the other factors). ``excess_low``/``excess_high`` bound, at ``LEVEL``, by how much the
    factor's gap exceeds the dummy's in size (a cluster bootstrap, ``excess_interval``);
    ``driver`` is True when the whole interval is above 0.
    """
    rows = space_rows(design)
    holds = advantage["all"].to_numpy(dtype=float)[rows]
    upper = design.unit[rows] >= 0.5
    frame = pd.DataFrame(
        {
            "factor": design.space.names,
            "share_low_half": _half_shares(holds, ~upper, np.ones(len(rows))),
            "share_high_half": _half_shares(holds, upper, np.ones(len(rows))),
        }
    )
    frame["gap"] = frame["share_high_half"] - frame["share_low_half"]
    seed = design.space.seed + _BOOTSTRAP_STREAM
    low, high = excess_interval(holds, upper, resampling_units(design), seed)
    frame["excess_low"] = np.append(low, np.nan)  # the dummy (last) is the reference
    frame["excess_high"] = np.append(high, np.nan)
    frame["driver"] = frame["excess_low"] > 0
    return frame.sort_values("gap", key=np.abs, ascending=False, ignore_index=True)


def resampling_units(design: Design) -> np.ndarray:
    """Per row of ``space_rows``: the independent unit a bootstrap draws. A Morris
    trajectory's points differ one factor at a time and mostly share their seeds, so the
    trajectory is the unit; Sobol's A and B rows are independent points."""
    n_rows = len(space_rows(design))
    if isinstance(design.method, Sobol):
        return np.arange(n_rows)
    return np.arange(n_rows) // (len(design.space.names) + 1)


def _half_shares(holds: np.ndarray, half: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean of ``holds`` over the rows in each factor's ``half`` (rows x factors
    booleans); ``weights``: rows, or resamples x rows. NaN where a half is empty."""
    inside = half.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return ((weights * holds) @ inside) / (weights @ inside)


def excess_interval(
    holds: np.ndarray, upper: np.ndarray, units: np.ndarray, seed: int, level: float = LEVEL
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap interval, at ``level``, of |gap| of each factor minus |gap| of the dummy
    (the last column of ``upper``): how far a factor's gap exceeds what chance gives.

    ``holds``: per row, the share of seeds where the advantage holds; ``upper``: rows x
    factors, whether the row is in the upper half of the factor's range; ``units``: per
    row, its resampling unit (``resampling_units``). The units are drawn with replacement
    and the gaps recomputed on the same draw for every factor and the dummy, so the
    interval carries the noise of both.
    """
    n_units = int(units.max()) + 1

    def excess(draw: np.ndarray, axis: int = -1) -> np.ndarray:
        draw = np.atleast_2d(draw)
        counts = np.zeros((draw.shape[0], n_units))
        np.add.at(counts, (np.arange(draw.shape[0])[:, None], draw), 1.0)
        weights = counts[:, units]
        gaps = np.abs(_half_shares(holds, upper, weights) - _half_shares(holds, ~upper, weights))
        return np.squeeze((gaps[:, :-1] - gaps[:, -1:]).T)

    result = stats.bootstrap(
        (np.arange(n_units),),
        excess,
        n_resamples=RESAMPLES,
        confidence_level=level,
        method="percentile",
        vectorized=True,
        rng=np.random.default_rng(seed),
    )
    return result.confidence_interval.low, result.confidence_interval.high


def clear_of_noise(indices: pd.DataFrame, dummy: str) -> pd.Series:
    """Per Morris row: whether the lower end of the factor's μ* interval is above the upper
    end of the dummy's for that outcome (the factor is distinguishable from seed noise)."""
    dummy_rows = indices[indices["factor"] == dummy].set_index("outcome")
    ceiling = indices["outcome"].map(dummy_rows["mu_star"] + dummy_rows["mu_star_conf"])
    return (indices["mu_star"] - indices["mu_star_conf"] > ceiling) & (indices["factor"] != dummy)


def survivors(indices: pd.DataFrame, dummy: str, max_factors: int) -> list[str]:
    """Factors that survive Morris screening, most influential first.

    A factor survives when it is clear of noise (``clear_of_noise``) for at least one
    outcome. Survivors are ranked by their largest μ* relative to the outcome's top
    factor, and at most ``max_factors`` are kept.
    """
    top = indices.groupby("outcome")["mu_star"].transform("max")
    relative = (indices["mu_star"] / top.where(top > 0)).fillna(0.0)
    clear = clear_of_noise(indices, dummy)
    order = relative[clear].groupby(indices["factor"][clear]).max()
    return list(order.sort_values(ascending=False).index[:max_factors])
